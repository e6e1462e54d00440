/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's kernel layer: addresses, routes, rules, proxy neighbours,
 * ip6tnl devices, XFRM policies/states/MIGRATE as queued, acknowledged
 * requests, plus monitors and dumps delivering parsed events (nl-parse.h).
 *
 * Contract:
 *  - Four netlink sockets on one sd-event loop: rtnl requests, rtnl monitor,
 *    xfrm requests, xfrm monitor (the monitors open on knl_monitor_start()).
 *    Nothing blocks: every operation builds its message (nl-build.h), queues
 *    it (nl-socket.h) and returns; done(result, userdata) runs later from the
 *    loop with 0, KNL_RESULT_EXISTED (KNL_OP_ADD found it), KNL_RESULT_ABSENT
 *    (KNL_OP_DEL found nothing) or a negative errno. done may be NULL.
 *  - Operations return 0 when queued, -EINVAL for an invalid description
 *    (nothing queued, no callback), -ENOMEM.
 *  - Requests on the same protocol execute in submission order. Requests do
 *    not form transactions: a failure does not stop later ones.
 *  - owner (may be NULL) groups requests for knl_cancel_owner(), which the
 *    owner calls from its destructor: its callbacks never run afterwards, the
 *    requests themselves still reach the kernel.
 *  - Monitor: subscribe first, then dump: an object may be reported by both
 *    (handle events as upserts). After a lost notification (ENOBUFS) on_resync
 *    runs and the owner re-dumps with knl_dump().
 *  - Event pointers passed to callbacks are valid during the call only.
 */
#pragma once

#include <stdbool.h>

#include "netlink/nl-parse.h"
#include "netlink/nl-socket.h"
#include "netlink/nl-types.h"

struct knl;

typedef void (*knl_event_fn)(const struct knl_event *ev, void *userdata);

enum {
	KNL_MONITOR_LINK = 1U << 0,	   /* RTNLGRP_LINK */
	KNL_MONITOR_ADDR = 1U << 1,	   /* RTNLGRP_IPV6_IFADDR */
	KNL_MONITOR_ROUTE = 1U << 2,	   /* RTNLGRP_IPV6_ROUTE */
	KNL_MONITOR_NEIGH = 1U << 3,	   /* RTNLGRP_NEIGH */
	KNL_MONITOR_RULE = 1U << 4,	   /* RTNLGRP_IPV6_RULE */
	KNL_MONITOR_XFRM = 1U << 5,	   /* XFRMNLGRP_MIGRATE, _REPORT, _ACQUIRE */
	KNL_MONITOR_XFRM_POLICY = 1U << 6, /* XFRMNLGRP_POLICY */
};

enum knl_dump_what {
	KNL_DUMP_LINKS,
	KNL_DUMP_ADDRS,
	KNL_DUMP_ROUTES,
	KNL_DUMP_RULES,
	KNL_DUMP_NEIGHS,
	KNL_DUMP_PROXIES,
	KNL_DUMP_XFRM_POLICIES,
	_KNL_DUMP_MAX,
	_KNL_DUMP_INVALID = -22,
};

enum knl_socket_which {
	KNL_SOCKET_RTNL,
	KNL_SOCKET_RTNL_MONITOR,
	KNL_SOCKET_XFRM,
	KNL_SOCKET_XFRM_MONITOR,
	_KNL_SOCKET_MAX,
};

int knl_new(sd_event *e, struct knl **ret);
/* The same layer over a fake kernel (nl-socket.h): fake answers every request, monitors stay silent. */
int knl_new_fake(sd_event *e, knl_fake_fn fake, void *userdata, struct knl **ret);
/* Drops pending requests without callbacks. Not from within a knl callback. */
struct knl *knl_free(struct knl *k);
void knl_freep(struct knl **k);

/* mask: KNL_MONITOR_*. May be called once. */
int knl_monitor_start(struct knl *k, unsigned mask, knl_event_fn on_event, knl_resync_fn on_resync,
		      void *userdata);

/* each runs per object, then done(0) — or done(-EAGAIN): dump interrupted, dump again. */
int knl_dump(struct knl *k, enum knl_dump_what what, const void *owner, knl_event_fn each, knl_done_fn done,
	     void *userdata);

void knl_cancel_owner(struct knl *k, const void *owner);
/* Drop every waiting request and detach every callback (shutdown). Returns how many were dropped. */
size_t knl_cancel_all(struct knl *k);
/* Requests waiting plus in flight on every socket: how far the kernel is behind. */
size_t knl_pending(const struct knl *k);

/* The kernel's ext-ack text for the request whose done is running, else NULL. */
const char *knl_extack(const struct knl *k);

int knl_addr(struct knl *k, enum knl_op op, const struct knl_addr *a, const void *owner, knl_done_fn done,
	     void *userdata);
int knl_route(struct knl *k, enum knl_op op, const struct knl_route *rt, const void *owner, knl_done_fn done,
	      void *userdata);
int knl_rule(struct knl *k, enum knl_op op, const struct knl_rule *ru, const void *owner, knl_done_fn done,
	     void *userdata);
int knl_proxy(struct knl *k, enum knl_op op, int ifindex, const struct in6_addr *addr, const void *owner,
	      knl_done_fn done, void *userdata);

/* Links. ip6tnl creation maps EEXIST to KNL_RESULT_EXISTED; deleting a missing link gives KNL_RESULT_ABSENT. */
int knl_ip6tnl_add(struct knl *k, const struct knl_ip6tnl *t, const void *owner, knl_done_fn done,
		   void *userdata);
int knl_link_del(struct knl *k, int ifindex, const void *owner, knl_done_fn done, void *userdata);
int knl_link_set_up(struct knl *k, int ifindex, bool up, const void *owner, knl_done_fn done, void *userdata);
/* found runs with the link (KNL_EVENT_LINK) before done(0); done(-ENODEV) if there is none. */
int knl_link_lookup(struct knl *k, const char *name, const void *owner, knl_event_fn found, knl_done_fn done,
		    void *userdata);

/*
 * tc (struct knl_tc_filter): the clsact qdisc (ADD maps EEXIST to KNL_RESULT_EXISTED, DEL
 * maps its absence to KNL_RESULT_ABSENT) and flower filters on its ingress (the same maps;
 * DEL with handle 0 deletes the whole prio). knl_tc_filter_get: found runs with the filter
 * (KNL_EVENT_TC_FILTER, its first action's packet count) before done(0).
 */
int knl_clsact(struct knl *k, enum knl_op op, int ifindex, const void *owner, knl_done_fn done, void *userdata);
int knl_tc_filter(struct knl *k, enum knl_op op, const struct knl_tc_filter *f, const void *owner,
		  knl_done_fn done, void *userdata);
int knl_tc_filter_get(struct knl *k, const struct knl_tc_filter *f, const void *owner, knl_event_fn found,
		      knl_done_fn done, void *userdata);

/* each runs per filter of prio on ifindex's clsact ingress (KNL_EVENT_TC_FILTER; the kernel also
 * names the prio itself, handle 0), then done as knl_dump(). */
int knl_tc_filter_dump(struct knl *k, int ifindex, uint16_t prio, const void *owner, knl_event_fn each,
		       knl_done_fn done, void *userdata);

int knl_xfrm_policy(struct knl *k, enum knl_op op, const struct knl_xfrm_policy *p, const void *owner,
		    knl_done_fn done, void *userdata);
int knl_xfrm_state(struct knl *k, enum knl_op op, const struct knl_xfrm_state *s, const void *owner,
		   knl_done_fn done, void *userdata);
/*
 * XFRM_MSG_UPDSA alone: the state s names is changed in place (for a route-optimisation state,
 * its care-of address: never a moment without the state, unlike KNL_OP_REPLACE's delete + add);
 * done(KNL_RESULT_ABSENT) when there is none (ESRCH). Follow it with KNL_OP_ADD (EEXIST ->
 * KNL_RESULT_EXISTED) in order on the same socket to create it when it was absent.
 */
int knl_xfrm_state_update(struct knl *k, const struct knl_xfrm_state *s, const void *owner, knl_done_fn done,
			  void *userdata);
/*
 * XFRM_MSG_GETSA of the state s names (src, dst, proto, spi, as for KNL_OP_DEL): found runs
 * with its counters (KNL_EVENT_XFRM_SA) before done(0); done(-ESRCH) when there is none.
 */
int knl_xfrm_state_get(struct knl *k, const struct knl_xfrm_state *s, const void *owner, knl_event_fn found,
		       knl_done_fn done, void *userdata);
/*
 * One XFRM_MSG_MIGRATE. done(-ENOENT) means no policy matched the selector
 * (Linux 6.12 looks it up like a packet built from the selector: name the
 * policy's protocol, not 255; see doc/architecture.md).
 */
int knl_xfrm_migrate(struct knl *k, const struct knl_xfrm_migrate *m, const void *owner, knl_done_fn done,
		     void *userdata);

/*
 * Fake kernel only (knl_new_fake): one notification (a netlink message of protocol
 * NETLINK_ROUTE or NETLINK_XFRM) delivered to the monitor's on_event as the kernel would;
 * -EPERM on a real kernel.
 */
int knl_fake_notify(struct knl *k, int protocol, const uint8_t *msg, size_t len);

/* For tests and tuning (receive buffer, window, tap); NULL for a monitor not started. */
struct knl_sock *knl_get_socket(struct knl *k, enum knl_socket_which which);
