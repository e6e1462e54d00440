/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/xfrm.h>
#include <netlink/msg.h>
#include <stdlib.h>
#include <sys/queue.h>
#include <systemd/sd-event.h>

#include "core/cleanup.h"
#include "core/log.h"
#include "netlink/nl-build.h"
#include "netlink/nl-kernel.h"

/* Turns the raw replies of a dump/GET into events; owned by struct knl until done or cancelled. */
struct knl_call {
	TAILQ_ENTRY(knl_call) link;
	struct knl *k;
	int protocol;
	const void *owner;
	knl_event_fn each;
	knl_done_fn done;
	void *userdata;
	bool got_reply;
};

struct knl {
	sd_event *event;
	struct knl_sock *sock[_KNL_SOCKET_MAX];
	TAILQ_HEAD(, knl_call) calls;
	knl_event_fn on_event;
	knl_resync_fn on_resync;
	void *userdata;
	knl_fake_fn fake; /* non-NULL: every socket is a fake (knl_new_fake) */
	void *fake_userdata;
};

static int knl_sock_open(struct knl *k, int protocol, const char *name, struct knl_sock **ret)
{
	if (k->fake)
		return knl_sock_new_fake(k->event, protocol, name, k->fake, k->fake_userdata, ret);
	return knl_sock_new(k->event, protocol, name, ret);
}

int knl_new(sd_event *e, struct knl **ret)
{
	_cleanup_(knl_freep) struct knl *k = calloc(1, sizeof(*k));
	int r;

	if (!k)
		return -ENOMEM;
	TAILQ_INIT(&k->calls);
	k->event = sd_event_ref(e);
	r = knl_sock_open(k, NETLINK_ROUTE, "rtnl", &k->sock[KNL_SOCKET_RTNL]);
	if (r < 0)
		return r;
	r = knl_sock_open(k, NETLINK_XFRM, "xfrm", &k->sock[KNL_SOCKET_XFRM]);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(k);
	return 0;
}

int knl_new_fake(sd_event *e, knl_fake_fn fake, void *userdata, struct knl **ret)
{
	_cleanup_(knl_freep) struct knl *k = calloc(1, sizeof(*k));
	int r;

	if (!k)
		return -ENOMEM;
	if (!fake)
		return -EINVAL;
	TAILQ_INIT(&k->calls);
	k->event = sd_event_ref(e);
	k->fake = fake;
	k->fake_userdata = userdata;
	r = knl_sock_open(k, NETLINK_ROUTE, "fake-rtnl", &k->sock[KNL_SOCKET_RTNL]);
	if (r >= 0)
		r = knl_sock_open(k, NETLINK_XFRM, "fake-xfrm", &k->sock[KNL_SOCKET_XFRM]);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(k);
	return 0;
}

struct knl *knl_free(struct knl *k)
{
	struct knl_call *c;

	if (!k)
		return NULL;
	for (int i = 0; i < _KNL_SOCKET_MAX; i++)
		knl_sock_free(k->sock[i]);
	while ((c = TAILQ_FIRST(&k->calls))) {
		TAILQ_REMOVE(&k->calls, c, link);
		free(c);
	}
	sd_event_unref(k->event);
	free(k);
	return NULL;
}

void knl_freep(struct knl **k)
{
	knl_free(*k);
}

struct knl_sock *knl_get_socket(struct knl *k, enum knl_socket_which which)
{
	if ((unsigned)which >= _KNL_SOCKET_MAX)
		return NULL;
	return k->sock[which];
}

const char *knl_extack(const struct knl *k)
{
	const char *t = knl_sock_extack(k->sock[KNL_SOCKET_RTNL]);

	return t ? t : knl_sock_extack(k->sock[KNL_SOCKET_XFRM]);
}

/* ---- monitors ---- */

static void deliver(struct knl *k, int protocol, const uint8_t *msg, size_t len, knl_event_fn fn, void *userdata)
{
	struct knl_event ev;
	int r;

	r = protocol == NETLINK_ROUTE ? knl_parse_rtnl(msg, len, &ev) : knl_parse_xfrm(msg, len, &ev);
	if (r < 0) {
		uint16_t type;

		knl_msg_header(msg, &type, NULL, NULL);
		log_debug_errno(r, "%s: malformed %s message type %u (%zu bytes): %m, ignoring", __func__,
				protocol == NETLINK_ROUTE ? "rtnetlink" : "xfrm", type, len);
		return;
	}
	if (r > 0 && fn)
		fn(&ev, userdata);
}

static void on_rtnl_notify(const uint8_t *msg, size_t len, void *userdata)
{
	struct knl *k = userdata;

	deliver(k, NETLINK_ROUTE, msg, len, k->on_event, k->userdata);
}

static void on_xfrm_notify(const uint8_t *msg, size_t len, void *userdata)
{
	struct knl *k = userdata;

	deliver(k, NETLINK_XFRM, msg, len, k->on_event, k->userdata);
}

int knl_fake_notify(struct knl *k, int protocol, const uint8_t *msg, size_t len)
{
	if (!k->fake)
		return -EPERM;
	deliver(k, protocol, msg, len, k->on_event, k->userdata);
	return 0;
}

static void on_monitor_resync(void *userdata)
{
	struct knl *k = userdata;

	if (k->on_resync)
		k->on_resync(k->userdata);
}

int knl_monitor_start(struct knl *k, unsigned mask, knl_event_fn on_event, knl_resync_fn on_resync,
		      void *userdata)
{
	unsigned rt[5], xf[4];
	size_t n_rt = 0, n_xf = 0;
	int r;

	if (k->sock[KNL_SOCKET_RTNL_MONITOR] || k->sock[KNL_SOCKET_XFRM_MONITOR])
		return -EBUSY;
	k->on_event = on_event;
	k->on_resync = on_resync;
	k->userdata = userdata;
	if (mask & KNL_MONITOR_LINK)
		rt[n_rt++] = RTNLGRP_LINK;
	if (mask & KNL_MONITOR_ADDR)
		rt[n_rt++] = RTNLGRP_IPV6_IFADDR;
	if (mask & KNL_MONITOR_ROUTE)
		rt[n_rt++] = RTNLGRP_IPV6_ROUTE;
	if (mask & KNL_MONITOR_NEIGH)
		rt[n_rt++] = RTNLGRP_NEIGH;
	if (mask & KNL_MONITOR_RULE)
		rt[n_rt++] = RTNLGRP_IPV6_RULE;
	if (mask & KNL_MONITOR_XFRM) {
		xf[n_xf++] = XFRMNLGRP_MIGRATE;
		xf[n_xf++] = XFRMNLGRP_REPORT;
		xf[n_xf++] = XFRMNLGRP_ACQUIRE;
	}
	if (mask & KNL_MONITOR_XFRM_POLICY)
		xf[n_xf++] = XFRMNLGRP_POLICY;
	if (n_rt) {
		r = knl_sock_open(k, NETLINK_ROUTE, "rtnl-monitor", &k->sock[KNL_SOCKET_RTNL_MONITOR]);
		if (r >= 0)
			r = knl_sock_monitor(k->sock[KNL_SOCKET_RTNL_MONITOR], rt, n_rt, on_rtnl_notify,
					     on_monitor_resync, k);
		if (r < 0)
			return r;
	}
	if (n_xf) {
		r = knl_sock_open(k, NETLINK_XFRM, "xfrm-monitor", &k->sock[KNL_SOCKET_XFRM_MONITOR]);
		if (r >= 0)
			r = knl_sock_monitor(k->sock[KNL_SOCKET_XFRM_MONITOR], xf, n_xf, on_xfrm_notify,
					     on_monitor_resync, k);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- calls with replies (dumps, lookups) ---- */

static void call_reply(const uint8_t *msg, size_t len, void *userdata)
{
	struct knl_call *c = userdata;

	c->got_reply = true;
	deliver(c->k, c->protocol, msg, len, c->each, c->userdata);
}

static void call_done(int result, void *userdata)
{
	struct knl_call *c = userdata;
	knl_done_fn done = c->done;
	void *ud = c->userdata;

	TAILQ_REMOVE(&c->k->calls, c, link);
	free(c);
	if (done)
		done(result, ud);
}

static int submit_call(struct knl *k, int protocol, struct nl_msg *m, const void *owner, knl_event_fn each,
		       knl_done_fn done, void *userdata)
{
	struct knl_call *c = calloc(1, sizeof(*c));
	struct knl_sock *s = k->sock[protocol == NETLINK_ROUTE ? KNL_SOCKET_RTNL : KNL_SOCKET_XFRM];
	int r;

	if (!c) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	*c = (struct knl_call){
		.k = k, .protocol = protocol, .owner = owner, .each = each, .done = done, .userdata = userdata,
	};
	/* The call, not the owner, is the socket-level owner: knl_cancel_owner() maps one to the other. */
	r = knl_sock_submit(s, m, 0, c, call_reply, call_done, c);
	if (r < 0) {
		free(c);
		return r;
	}
	TAILQ_INSERT_TAIL(&k->calls, c, link);
	return 0;
}

int knl_dump(struct knl *k, enum knl_dump_what what, const void *owner, knl_event_fn each, knl_done_fn done,
	     void *userdata)
{
	static const struct {
		int protocol;
		uint16_t type;
		bool proxy;
	} map[_KNL_DUMP_MAX] = {
		[KNL_DUMP_LINKS] = { NETLINK_ROUTE, RTM_GETLINK, false },
		[KNL_DUMP_ADDRS] = { NETLINK_ROUTE, RTM_GETADDR, false },
		[KNL_DUMP_ROUTES] = { NETLINK_ROUTE, RTM_GETROUTE, false },
		[KNL_DUMP_RULES] = { NETLINK_ROUTE, RTM_GETRULE, false },
		[KNL_DUMP_NEIGHS] = { NETLINK_ROUTE, RTM_GETNEIGH, false },
		[KNL_DUMP_PROXIES] = { NETLINK_ROUTE, RTM_GETNEIGH, true },
		[KNL_DUMP_XFRM_POLICIES] = { NETLINK_XFRM, XFRM_MSG_GETPOLICY, false },
	};
	struct nl_msg *m;
	int r;

	if ((unsigned)what >= _KNL_DUMP_MAX)
		return -EINVAL;
	r = knl_build_dump(map[what].protocol, map[what].type, map[what].proxy, &m);
	if (r < 0)
		return r;
	return submit_call(k, map[what].protocol, m, owner, each, done, userdata);
}

void knl_cancel_owner(struct knl *k, const void *owner)
{
	struct knl_call *c, *next;

	if (!k || !owner)
		return;
	for (int i = 0; i < _KNL_SOCKET_MAX; i++)
		if (k->sock[i])
			(void)knl_sock_cancel_owner(k->sock[i], owner);
	for (c = TAILQ_FIRST(&k->calls); c; c = next) {
		next = TAILQ_NEXT(c, link);
		if (c->owner != owner)
			continue;
		for (int i = 0; i < _KNL_SOCKET_MAX; i++)
			if (k->sock[i])
				(void)knl_sock_cancel_owner(k->sock[i], c);
		TAILQ_REMOVE(&k->calls, c, link);
		free(c);
	}
}

size_t knl_cancel_all(struct knl *k)
{
	struct knl_call *c;
	size_t n = 0;

	if (!k)
		return 0;
	for (int i = 0; i < _KNL_SOCKET_MAX; i++)
		n += knl_sock_cancel_all(k->sock[i]);
	while ((c = TAILQ_FIRST(&k->calls))) {
		TAILQ_REMOVE(&k->calls, c, link);
		free(c);
	}
	return n;
}

size_t knl_pending(const struct knl *k)
{
	size_t n = 0;

	for (int i = 0; k && i < _KNL_SOCKET_MAX; i++)
		if (k->sock[i])
			n += knl_sock_pending(k->sock[i]);
	return n;
}

/* ---- operations ---- */

static unsigned op_map(enum knl_op op)
{
	return op == KNL_OP_ADD ? KNL_MAP_EXISTED : op == KNL_OP_DEL ? KNL_MAP_ABSENT : 0;
}

static int submit(struct knl *k, enum knl_socket_which which, int built, struct nl_msg *m, unsigned map,
		  const void *owner, knl_done_fn done, void *userdata)
{
	if (built < 0)
		return built;
	return knl_sock_submit(k->sock[which], m, map, owner, NULL, done, userdata);
}

int knl_addr(struct knl *k, enum knl_op op, const struct knl_addr *a, const void *owner, knl_done_fn done,
	     void *userdata)
{
	struct nl_msg *m = NULL;
	int r = knl_build_addr(op, a, &m);

	return submit(k, KNL_SOCKET_RTNL, r, m, op_map(op), owner, done, userdata);
}

int knl_route(struct knl *k, enum knl_op op, const struct knl_route *rt, const void *owner, knl_done_fn done,
	      void *userdata)
{
	struct nl_msg *m = NULL;
	int r = knl_build_route(op, rt, &m);

	return submit(k, KNL_SOCKET_RTNL, r, m, op_map(op), owner, done, userdata);
}

int knl_rule(struct knl *k, enum knl_op op, const struct knl_rule *ru, const void *owner, knl_done_fn done,
	     void *userdata)
{
	struct nl_msg *m = NULL;
	int r = knl_build_rule(op, ru, &m);

	return submit(k, KNL_SOCKET_RTNL, r, m, op_map(op), owner, done, userdata);
}

int knl_proxy(struct knl *k, enum knl_op op, int ifindex, const struct in6_addr *addr, const void *owner,
	      knl_done_fn done, void *userdata)
{
	struct knl_neigh n = { .ifindex = ifindex, .addr = *addr };
	struct nl_msg *m = NULL;
	int r = knl_build_proxy(op, &n, &m);

	return submit(k, KNL_SOCKET_RTNL, r, m, op_map(op), owner, done, userdata);
}

int knl_ip6tnl_add(struct knl *k, const struct knl_ip6tnl *t, const void *owner, knl_done_fn done,
		   void *userdata)
{
	struct nl_msg *m = NULL;
	int r = knl_build_ip6tnl(t, &m);

	return submit(k, KNL_SOCKET_RTNL, r, m, KNL_MAP_EXISTED, owner, done, userdata);
}

int knl_link_del(struct knl *k, int ifindex, const void *owner, knl_done_fn done, void *userdata)
{
	struct nl_msg *m = NULL;
	int r = knl_build_link_del(ifindex, &m);

	return submit(k, KNL_SOCKET_RTNL, r, m, KNL_MAP_ABSENT, owner, done, userdata);
}

int knl_link_set_up(struct knl *k, int ifindex, bool up, const void *owner, knl_done_fn done, void *userdata)
{
	struct nl_msg *m = NULL;
	int r = knl_build_link_set_up(ifindex, up, &m);

	return submit(k, KNL_SOCKET_RTNL, r, m, 0, owner, done, userdata);
}

int knl_link_lookup(struct knl *k, const char *name, const void *owner, knl_event_fn found, knl_done_fn done,
		    void *userdata)
{
	struct nl_msg *m = NULL;
	int r = knl_build_link_get(name, &m);

	if (r < 0)
		return r;
	return submit_call(k, NETLINK_ROUTE, m, owner, found, done, userdata);
}

int knl_clsact(struct knl *k, enum knl_op op, int ifindex, const void *owner, knl_done_fn done, void *userdata)
{
	struct nl_msg *m = NULL;
	int r = knl_build_clsact(op, ifindex, &m);

	return submit(k, KNL_SOCKET_RTNL, r, m, op_map(op), owner, done, userdata);
}

int knl_tc_filter(struct knl *k, enum knl_op op, const struct knl_tc_filter *f, const void *owner,
		  knl_done_fn done, void *userdata)
{
	struct nl_msg *m = NULL;
	int r = knl_build_tc_filter(op, f, &m);

	return submit(k, KNL_SOCKET_RTNL, r, m, op_map(op), owner, done, userdata);
}

int knl_tc_filter_get(struct knl *k, const struct knl_tc_filter *f, const void *owner, knl_event_fn found,
		      knl_done_fn done, void *userdata)
{
	struct nl_msg *m = NULL;
	int r = knl_build_tc_filter_get(f, &m);

	if (r < 0)
		return r;
	return submit_call(k, NETLINK_ROUTE, m, owner, found, done, userdata);
}

int knl_tc_filter_dump(struct knl *k, int ifindex, uint16_t prio, const void *owner, knl_event_fn each,
		       knl_done_fn done, void *userdata)
{
	struct nl_msg *m = NULL;
	int r = knl_build_tc_filter_dump(ifindex, prio, &m);

	if (r < 0)
		return r;
	return submit_call(k, NETLINK_ROUTE, m, owner, each, done, userdata);
}

int knl_xfrm_state_get(struct knl *k, const struct knl_xfrm_state *s, const void *owner, knl_event_fn found,
		       knl_done_fn done, void *userdata)
{
	struct nl_msg *m = NULL;
	int r = knl_build_xfrm_state_get(s, &m);

	if (r < 0)
		return r;
	return submit_call(k, NETLINK_XFRM, m, owner, found, done, userdata);
}

int knl_xfrm_policy(struct knl *k, enum knl_op op, const struct knl_xfrm_policy *p, const void *owner,
		    knl_done_fn done, void *userdata)
{
	struct nl_msg *m = NULL;
	int r = knl_build_xfrm_policy(op, p, &m);

	return submit(k, KNL_SOCKET_XFRM, r, m, op_map(op), owner, done, userdata);
}

int knl_xfrm_state(struct knl *k, enum knl_op op, const struct knl_xfrm_state *s, const void *owner,
		   knl_done_fn done, void *userdata)
{
	struct nl_msg *m = NULL;
	int r;

	if (op == KNL_OP_REPLACE) {
		/*
		 * XFRM_MSG_UPDSA fails with ESRCH when the state does not exist yet:
		 * replace = delete (absent is fine) then add, in order on one socket.
		 */
		r = knl_build_xfrm_state(KNL_OP_DEL, s, &m);
		r = submit(k, KNL_SOCKET_XFRM, r, m, KNL_MAP_ABSENT, owner, NULL, NULL);
		if (r < 0)
			return r;
		m = NULL;
		op = KNL_OP_ADD;
	}
	r = knl_build_xfrm_state(op, s, &m);
	return submit(k, KNL_SOCKET_XFRM, r, m, op_map(op), owner, done, userdata);
}

int knl_xfrm_state_update(struct knl *k, const struct knl_xfrm_state *s, const void *owner, knl_done_fn done,
			  void *userdata)
{
	struct nl_msg *m = NULL;
	int r = knl_build_xfrm_state(KNL_OP_REPLACE, s, &m); /* XFRM_MSG_UPDSA */

	return submit(k, KNL_SOCKET_XFRM, r, m, KNL_MAP_ABSENT, owner, done, userdata);
}

int knl_xfrm_migrate(struct knl *k, const struct knl_xfrm_migrate *mg, const void *owner, knl_done_fn done,
		     void *userdata)
{
	struct nl_msg *m = NULL;
	int r = knl_build_xfrm_migrate(mg, &m);

	return submit(k, KNL_SOCKET_XFRM, r, m, 0, owner, done, userdata);
}
