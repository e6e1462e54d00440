/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel layer against the real kernel: every test runs in its own
 * network namespace (Check forks per test; the fixture unshares) with a veth
 * pair v0/v1 up. Effects are verified through our own dumps and, for rules and
 * proxies, through `ip` output as an independent check. Without the right to
 * unshare (not root) the whole program skips (exit 77).
 *
 * Not exercisable on a kernel without IPV6_MIP6/IPV6_TUNNEL/INET6_ESP (ip6tnl,
 * route2/hao states, ESP states, `encap ip6` through an ip6tnl): those
 * operations are only required to fail cleanly here; their messages are
 * checked in test-netlink-codec and they are run for real in the VM tests.
 *
 * KNL_CORPUS_DIR=dir makes the monitor tests write every received datagram
 * there (seeds for tests/fuzz/corpus/nl).
 */
#include <net/if.h>
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/xfrm.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "netlink/nl-kernel.h"

#define MAX_EVENTS 1024

static sd_event *ev;
static struct knl *k;
static int v0, v1;

struct result {
	bool done;
	int r;
	char extack[256];
};

static struct knl_event events[MAX_EVENTS];
static size_t n_events;
static bool resynced;

static struct in6_addr A(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static void sh(const char *cmd)
{
	ck_assert_msg(system(cmd) == 0, "command failed: %s", cmd);
}

static void setup(void)
{
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	sh("ip link set lo up && ip link add v0 type veth peer name v1 && ip link set v0 up && ip link set v1 up");
	v0 = (int)if_nametoindex("v0");
	v1 = (int)if_nametoindex("v1");
	ck_assert_int_gt(v0, 0);
	ck_assert_int_eq(sd_event_new(&ev), 0);
	ck_assert_int_eq(knl_new(ev, &k), 0);
	n_events = 0;
	resynced = false;
}

static void teardown(void)
{
	k = knl_free(k);
	ev = sd_event_unref(ev);
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Run the loop until *flag, failing after 5 s (hangcheck). */
static void run_until(const bool *flag)
{
	uint64_t deadline = now_usec() + 5000000;

	while (!*flag) {
		ck_assert_msg(now_usec() < deadline, "hangcheck: condition not reached in 5 s");
		ck_assert_int_ge(sd_event_run(ev, 100000), 0);
	}
}

/* Run the loop until nothing is pending on the request sockets. */
static void run_idle(void)
{
	bool idle = false;
	uint64_t deadline = now_usec() + 5000000;

	while (!idle) {
		ck_assert_msg(now_usec() < deadline, "hangcheck: queue not drained in 5 s");
		ck_assert_int_ge(sd_event_run(ev, 10000), 0);
		idle = knl_sock_pending(knl_get_socket(k, KNL_SOCKET_RTNL)) == 0 &&
		       knl_sock_pending(knl_get_socket(k, KNL_SOCKET_XFRM)) == 0;
	}
}

static void on_done(int r, void *userdata)
{
	struct result *res = userdata;
	const char *t = knl_extack(k);

	ck_assert(!res->done);
	res->done = true;
	res->r = r;
	snprintf(res->extack, sizeof(res->extack), "%s", t ? t : "");
}

static void on_event(const struct knl_event *e, void *userdata)
{
	if (n_events < MAX_EVENTS)
		events[n_events++] = *e;
}

static void on_resync(void *userdata)
{
	resynced = true;
}

/* Wait for a queued operation (r = its return value) and return its result. */
#define WAIT(call)                                   \
	({                                           \
		struct result _res = {};             \
		void *const ud = &_res;              \
		ck_assert_int_eq((call), 0);         \
		run_until(&_res.done);               \
		_res;                                \
	})

static int dump(enum knl_dump_what what)
{
	/* An interrupted dump (-EAGAIN, NLM_F_DUMP_INTR) is repeated, as the API asks. */
	for (int attempt = 0;; attempt++) {
		struct result res = {};

		n_events = 0;
		ck_assert_int_eq(knl_dump(k, what, NULL, on_event, on_done, &res), 0);
		run_until(&res.done);
		if (res.r != -EAGAIN || attempt == 4)
			return res.r;
	}
}

static const struct knl_event *find_addr(const struct in6_addr *a)
{
	for (size_t i = 0; i < n_events; i++)
		if (events[i].type == KNL_EVENT_ADDR && IN6_ARE_ADDR_EQUAL(&events[i].addr.addr, a))
			return &events[i];
	return NULL;
}

static bool cmd_output_contains(const char *cmd, const char *needle)
{
	char line[512];
	bool found = false;
	FILE *f = popen(cmd, "r");

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, needle))
			found = true;
	pclose(f);
	return found;
}

START_TEST(addr_add_replace_del)
{
	struct knl_addr a = {
		.ifindex = v0,
		.addr = A("2001:db8:1::10"),
		.prefixlen = 64,
		.flags = IFA_F_NODAD | IFA_F_HOMEADDRESS,
		.valid_lft = 600,
		.preferred_lft = 300,
	};
	const struct knl_event *e;

	ck_assert_int_eq(WAIT(knl_addr(k, KNL_OP_ADD, &a, NULL, on_done, ud)).r, 0);
	ck_assert_int_eq(WAIT(knl_addr(k, KNL_OP_ADD, &a, NULL, on_done, ud)).r, KNL_RESULT_EXISTED);
	ck_assert_int_eq(dump(KNL_DUMP_ADDRS), 0);
	e = find_addr(&a.addr);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->addr.ifindex, v0);
	ck_assert_uint_eq(e->addr.prefixlen, 64);
	ck_assert_uint_eq(e->addr.flags & (IFA_F_HOMEADDRESS | IFA_F_NODAD), IFA_F_HOMEADDRESS | IFA_F_NODAD);
	ck_assert_uint_eq(e->addr.flags & IFA_F_TENTATIVE, 0);
	ck_assert_uint_le(e->addr.valid_lft, 600);
	ck_assert_uint_gt(e->addr.valid_lft, 590);
	ck_assert_uint_le(e->addr.preferred_lft, 300);

	a.valid_lft = a.preferred_lft = KNL_LIFETIME_INFINITE;
	ck_assert_int_eq(WAIT(knl_addr(k, KNL_OP_REPLACE, &a, NULL, on_done, ud)).r, 0);
	ck_assert_int_eq(dump(KNL_DUMP_ADDRS), 0);
	e = find_addr(&a.addr);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->addr.valid_lft, KNL_LIFETIME_INFINITE);

	ck_assert_int_eq(WAIT(knl_addr(k, KNL_OP_DEL, &a, NULL, on_done, ud)).r, 0);
	ck_assert_int_eq(WAIT(knl_addr(k, KNL_OP_DEL, &a, NULL, on_done, ud)).r, KNL_RESULT_ABSENT);
	ck_assert_int_eq(dump(KNL_DUMP_ADDRS), 0);
	ck_assert_ptr_null(find_addr(&a.addr));

	/* Invalid description: nothing queued. */
	a.prefixlen = 129;
	ck_assert_int_eq(knl_addr(k, KNL_OP_ADD, &a, NULL, on_done, NULL), -EINVAL);
	ck_assert_uint_eq(knl_sock_pending(knl_get_socket(k, KNL_SOCKET_RTNL)), 0);
}
END_TEST

static void add_v0_address(void)
{
	struct knl_addr a = { .ifindex = v0, .addr = A("2001:db8:1::10"), .prefixlen = 64, .flags = IFA_F_NODAD };

	ck_assert_int_eq(WAIT(knl_addr(k, KNL_OP_ADD, &a, NULL, on_done, ud)).r, 0);
}

START_TEST(route_add_del_and_errors)
{
	struct knl_route rt = {
		.dst = A("2001:db8:2::"),
		.dst_len = 64,
		.gateway = A("2001:db8:1::1"),
		.prefsrc = A("2001:db8:1::10"),
		.oif = v0,
		.table = 100,
		.metric = 50,
	};
	struct result res;
	bool found = false;

	add_v0_address();
	ck_assert_int_eq(WAIT(knl_route(k, KNL_OP_ADD, &rt, NULL, on_done, ud)).r, 0);
	ck_assert_int_eq(WAIT(knl_route(k, KNL_OP_ADD, &rt, NULL, on_done, ud)).r, KNL_RESULT_EXISTED);
	ck_assert_int_eq(dump(KNL_DUMP_ROUTES), 0);
	for (size_t i = 0; i < n_events; i++) {
		const struct knl_route *r = &events[i].route;

		if (events[i].type != KNL_EVENT_ROUTE || r->table != 100)
			continue;
		found = true;
		ck_assert(IN6_ARE_ADDR_EQUAL(&r->dst, &rt.dst));
		ck_assert_uint_eq(r->dst_len, 64);
		ck_assert(IN6_ARE_ADDR_EQUAL(&r->gateway, &rt.gateway));
		ck_assert(IN6_ARE_ADDR_EQUAL(&r->prefsrc, &rt.prefsrc));
		ck_assert_int_eq(r->oif, v0);
		ck_assert_uint_eq(r->metric, 50);
		ck_assert_uint_eq(r->protocol, RTPROT_MIP);
		ck_assert_uint_eq(r->type, RTN_UNICAST);
		ck_assert(!r->encap);
	}
	ck_assert(found);
	ck_assert(cmd_output_contains("ip -6 route show table 100 proto 16", "2001:db8:2::/64 via 2001:db8:1::1"));
	ck_assert_int_eq(WAIT(knl_route(k, KNL_OP_DEL, &rt, NULL, on_done, ud)).r, 0);
	ck_assert_int_eq(WAIT(knl_route(k, KNL_OP_DEL, &rt, NULL, on_done, ud)).r, KNL_RESULT_ABSENT);

	/* A link-local gateway without a device: the kernel explains in an ext-ack. */
	rt.gateway = A("fe80::1");
	rt.oif = 0;
	rt.prefsrc = in6addr_any;
	res = WAIT(knl_route(k, KNL_OP_ADD, &rt, NULL, on_done, ud));
	ck_assert_int_lt(res.r, 0);
	ck_assert_msg(res.extack[0] != '\0', "no ext-ack text for error %d", res.r);
	ck_assert_ptr_null(knl_extack(k)); /* only valid inside done */

	/* A device that does not exist. */
	rt.gateway = in6addr_any;
	rt.oif = 9999;
	ck_assert_int_eq(WAIT(knl_route(k, KNL_OP_ADD, &rt, NULL, on_done, ud)).r, -ENODEV);
}
END_TEST

START_TEST(encap_route_needs_ip6tnl)
{
	struct knl_ip6tnl t = { .name = "mip6tnl", .external = true, .flags = 0x8 /* IP6_TNL_F_MIP6_DEV */ };
	struct result res = WAIT(knl_ip6tnl_add(k, &t, NULL, on_done, ud));

	if (res.r < 0) {
		/* This kernel has no IPV6_TUNNEL: the VM tests cover the rest. */
		ck_assert_int_eq(res.r, -EOPNOTSUPP);
		return;
	}
	{
		int tnl = (int)if_nametoindex("mip6tnl");
		struct knl_route rt = {
			.dst = A("2001:db8:9::5"), .dst_len = 128, .oif = tnl,
			.encap = true, .encap_dst = A("2001:db8:1::77"),
		};

		ck_assert_int_gt(tnl, 0);
		ck_assert_int_eq(WAIT(knl_ip6tnl_add(k, &t, NULL, on_done, ud)).r, KNL_RESULT_EXISTED);
		ck_assert_int_eq(WAIT(knl_link_set_up(k, tnl, true, NULL, on_done, ud)).r, 0);
		ck_assert_int_eq(WAIT(knl_route(k, KNL_OP_ADD, &rt, NULL, on_done, ud)).r, 0);
		ck_assert(cmd_output_contains("ip -6 route show proto 16", "encap ip6"));
		ck_assert_int_eq(WAIT(knl_link_del(k, tnl, NULL, on_done, ud)).r, 0);
	}
}
END_TEST

START_TEST(rule_add_del)
{
	struct knl_rule ru = { .from = A("2001:db8:1::10"), .from_len = 128, .table = 252, .priority = 1001 };
	bool found = false;

	ck_assert_int_eq(WAIT(knl_rule(k, KNL_OP_ADD, &ru, NULL, on_done, ud)).r, 0);
	ck_assert_int_eq(WAIT(knl_rule(k, KNL_OP_ADD, &ru, NULL, on_done, ud)).r, KNL_RESULT_EXISTED);
	/* The seed's MN: `1001: from <HoA> lookup 252`. */
	ck_assert(cmd_output_contains("ip -6 rule show", "1001:\tfrom 2001:db8:1::10 lookup 252"));
	ck_assert_int_eq(dump(KNL_DUMP_RULES), 0);
	for (size_t i = 0; i < n_events; i++)
		if (events[i].type == KNL_EVENT_RULE && events[i].rule.priority == 1001) {
			found = true;
			ck_assert_uint_eq(events[i].rule.table, 252);
			ck_assert_uint_eq(events[i].rule.from_len, 128);
			ck_assert(IN6_ARE_ADDR_EQUAL(&events[i].rule.from, &ru.from));
			ck_assert_uint_eq(events[i].rule.action, FR_ACT_TO_TBL);
		}
	ck_assert(found);
	ck_assert_int_eq(WAIT(knl_rule(k, KNL_OP_DEL, &ru, NULL, on_done, ud)).r, 0);
	ck_assert_int_eq(WAIT(knl_rule(k, KNL_OP_DEL, &ru, NULL, on_done, ud)).r, KNL_RESULT_ABSENT);
	ck_assert(!cmd_output_contains("ip -6 rule show", "lookup 252"));
}
END_TEST

START_TEST(proxy_add_del)
{
	struct in6_addr hoa = A("2001:db8:1::99");
	bool found = false;

	ck_assert_int_eq(WAIT(knl_proxy(k, KNL_OP_ADD, v0, &hoa, NULL, on_done, ud)).r, 0);
	/* The seed's HA: `<MN1 HoA> dev <Home I/F> proxy`. */
	ck_assert(cmd_output_contains("ip -6 neigh show proxy", "2001:db8:1::99 dev v0 proxy"));
	ck_assert_int_eq(dump(KNL_DUMP_PROXIES), 0);
	for (size_t i = 0; i < n_events; i++)
		if (events[i].type == KNL_EVENT_NEIGH && IN6_ARE_ADDR_EQUAL(&events[i].neigh.addr, &hoa)) {
			found = true;
			ck_assert_int_eq(events[i].neigh.ifindex, v0);
			ck_assert_uint_eq(events[i].neigh.flags & NTF_PROXY, NTF_PROXY);
		}
	ck_assert(found);
	ck_assert_int_eq(WAIT(knl_proxy(k, KNL_OP_DEL, v0, &hoa, NULL, on_done, ud)).r, 0);
	ck_assert_int_eq(WAIT(knl_proxy(k, KNL_OP_DEL, v0, &hoa, NULL, on_done, ud)).r, KNL_RESULT_ABSENT);
	ck_assert(!cmd_output_contains("ip -6 neigh show proxy", "2001:db8:1::99"));
}
END_TEST

START_TEST(link_lookup_updown_del)
{
	ck_assert_int_eq(WAIT(knl_link_lookup(k, "v0", NULL, on_event, on_done, ud)).r, 0);
	ck_assert_uint_eq(n_events, 1);
	ck_assert_int_eq(events[0].link.ifindex, v0);
	ck_assert_str_eq(events[0].link.ifname, "v0");
	ck_assert_str_eq(events[0].link.kind, "veth");
	ck_assert_uint_eq(events[0].link.flags & IFF_UP, IFF_UP);
	ck_assert_uint_eq(events[0].link.mtu, 1500);
	ck_assert_uint_eq(events[0].link.hwaddr_len, 6);

	ck_assert_int_eq(WAIT(knl_link_set_up(k, v0, false, NULL, on_done, ud)).r, 0);
	n_events = 0;
	ck_assert_int_eq(WAIT(knl_link_lookup(k, "v0", NULL, on_event, on_done, ud)).r, 0);
	ck_assert_uint_eq(n_events, 1);
	ck_assert_uint_eq(events[0].link.flags & IFF_UP, 0);

	n_events = 0;
	ck_assert_int_eq(WAIT(knl_link_lookup(k, "nosuch0", NULL, on_event, on_done, ud)).r, -ENODEV);
	ck_assert_uint_eq(n_events, 0);

	ck_assert_int_eq(WAIT(knl_link_del(k, v1, NULL, on_done, ud)).r, 0);
	ck_assert_int_eq(WAIT(knl_link_del(k, v1, NULL, on_done, ud)).r, KNL_RESULT_ABSENT);
	ck_assert_int_eq(if_nametoindex("v0"), 0); /* the peer went with it */
}
END_TEST

static const char *corpus_dir;
static unsigned corpus_n;

static void tap(const uint8_t *buf, size_t len, void *userdata)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s-%03u", corpus_dir, (const char *)userdata, corpus_n++);
	f = fopen(path, "wb");
	if (f) {
		fwrite(buf, 1, len, f);
		fclose(f);
	}
}

static void maybe_tap(enum knl_socket_which which, const char *prefix)
{
	if (corpus_dir && knl_get_socket(k, which))
		knl_sock_set_tap(knl_get_socket(k, which), tap, (void *)prefix);
}

static bool seen_addr_event(const struct in6_addr *a, bool removed)
{
	for (size_t i = 0; i < n_events; i++)
		if (events[i].type == KNL_EVENT_ADDR && events[i].removed == removed &&
		    IN6_ARE_ADDR_EQUAL(&events[i].addr.addr, a))
			return true;
	return false;
}

static bool seen_link_event(int ifindex, unsigned flag, bool set)
{
	for (size_t i = 0; i < n_events; i++)
		if (events[i].type == KNL_EVENT_LINK && events[i].link.ifindex == ifindex &&
		    !!(events[i].link.flags & flag) == set)
			return true;
	return false;
}

START_TEST(monitor_sees_links_addresses_routes)
{
	struct knl_addr a = { .ifindex = v0, .addr = A("2001:db8:1::20"), .prefixlen = 64, .flags = IFA_F_OPTIMISTIC };
	bool ok = false;
	uint64_t deadline;

	/*
	 * RTM_NEWADDR for an optimistic address comes at DAD start only with
	 * use_optimistic=1; otherwise only when DAD completes.
	 */
	sh("sysctl -qw net.ipv6.conf.v0.optimistic_dad=1 net.ipv6.conf.v0.use_optimistic=1");
	ck_assert_int_eq(knl_monitor_start(k, KNL_MONITOR_LINK | KNL_MONITOR_ADDR | KNL_MONITOR_ROUTE, on_event,
					   on_resync, NULL),
			 0);
	ck_assert_int_eq(knl_monitor_start(k, KNL_MONITOR_LINK, on_event, on_resync, NULL), -EBUSY);
	maybe_tap(KNL_SOCKET_RTNL_MONITOR, "rtnl-mon");
	maybe_tap(KNL_SOCKET_RTNL, "rtnl-req");
	ck_assert_int_eq(WAIT(knl_addr(k, KNL_OP_ADD, &a, NULL, on_done, ud)).r, 0);
	/* The monitor runs on the same loop: poll with a deadline. */
	deadline = now_usec() + 5000000;
	while (!seen_addr_event(&a.addr, false)) {
		ck_assert_msg(now_usec() < deadline, "hangcheck: RTM_NEWADDR missing");
		ck_assert_int_ge(sd_event_run(ev, 10000), 0);
	}
	for (size_t i = 0; i < n_events; i++)
		if (events[i].type == KNL_EVENT_ADDR && IN6_ARE_ADDR_EQUAL(&events[i].addr.addr, &a.addr) &&
		    !events[i].removed) {
			/* Optimistic DAD (RFC 4429): usable while tentative. */
			ck_assert_uint_eq(events[i].addr.flags & (IFA_F_OPTIMISTIC | IFA_F_TENTATIVE),
					  IFA_F_OPTIMISTIC | IFA_F_TENTATIVE);
			ck_assert_int_eq(events[i].addr.ifindex, v0);
			break;
		}
	sh("ip link set v1 down");
	deadline = now_usec() + 5000000;
	while (!ok) {
		ck_assert_msg(now_usec() < deadline, "hangcheck: link event missing");
		ck_assert_int_ge(sd_event_run(ev, 10000), 0);
		ok = seen_link_event(v1, IFF_UP, false);
	}
	ck_assert_int_eq(WAIT(knl_addr(k, KNL_OP_DEL, &a, NULL, on_done, ud)).r, 0);
	deadline = now_usec() + 5000000;
	while (!seen_addr_event(&a.addr, true)) {
		ck_assert_msg(now_usec() < deadline, "hangcheck: RTM_DELADDR missing");
		ck_assert_int_ge(sd_event_run(ev, 10000), 0);
	}
	/* The initial dump goes through the same parser. */
	ck_assert_int_eq(dump(KNL_DUMP_LINKS), 0);
	ck_assert(seen_link_event(v0, IFF_UP, true));
	ck_assert(!resynced);
}
END_TEST

START_TEST(monitor_overrun_triggers_resync)
{
	FILE *f;

	ck_assert_int_eq(knl_monitor_start(k, KNL_MONITOR_ADDR, on_event, on_resync, NULL), 0);
	/* The smallest receive buffer the kernel allows, then a burst while the loop sleeps. */
	ck_assert_int_eq(knl_sock_set_rcvbuf(knl_get_socket(k, KNL_SOCKET_RTNL_MONITOR), 1), 0);
	f = popen("ip -batch -", "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 1; i <= 200; i++)
		fprintf(f, "address add 2001:db8:5::%x/64 dev v0 nodad\n", i);
	ck_assert_int_eq(pclose(f), 0);
	run_until(&resynced);
	/* The owner re-dumps: all 200 addresses are there. */
	ck_assert_int_eq(dump(KNL_DUMP_ADDRS), 0);
	ck_assert_ptr_nonnull(find_addr(&(struct in6_addr){ .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 5, [15] = 200 } }));
}
END_TEST

struct order {
	unsigned *log;
	unsigned *n;
	unsigned idx;
	int r;
};

static void on_order_done(int r, void *userdata)
{
	struct order *o = userdata;

	o->r = r;
	o->log[(*o->n)++] = o->idx;
}

START_TEST(queue_window_keeps_order)
{
	struct order o[40];
	unsigned log[40], n = 0;
	bool all = false;

	knl_sock_set_window(knl_get_socket(k, KNL_SOCKET_RTNL), 3);
	for (unsigned i = 0; i < 40; i++) {
		struct knl_addr a = { .ifindex = v0, .addr = A("2001:db8:6::"), .prefixlen = 64, .flags = IFA_F_NODAD };

		a.addr.s6_addr[15] = (uint8_t)(i + 1);
		o[i] = (struct order){ .log = log, .n = &n, .idx = i, .r = 1000 };
		/* Every 10th is a duplicate of its predecessor: EXISTED, and order still holds. */
		if (i % 10 == 9)
			a.addr.s6_addr[15] = (uint8_t)i;
		ck_assert_int_eq(knl_addr(k, KNL_OP_ADD, &a, NULL, on_order_done, &o[i]), 0);
	}
	ck_assert_uint_eq(knl_sock_pending(knl_get_socket(k, KNL_SOCKET_RTNL)), 40);
	ck_assert_uint_eq(n, 0); /* never synchronous */
	while (!all) {
		ck_assert_int_ge(sd_event_run(ev, 100000), 0);
		all = n == 40;
	}
	for (unsigned i = 0; i < 40; i++) {
		ck_assert_uint_eq(log[i], i);
		ck_assert_int_eq(o[i].r, i % 10 == 9 ? KNL_RESULT_EXISTED : 0);
	}
}
END_TEST

static unsigned cancelled_calls;

static void on_must_not_run(int r, void *userdata)
{
	cancelled_calls++;
}

static void on_event_must_not_run(const struct knl_event *e, void *userdata)
{
	cancelled_calls++;
}

START_TEST(cancel_owner_detaches_callbacks)
{
	int owner_a, owner_b;
	struct result res = {};

	cancelled_calls = 0;
	for (int i = 0; i < 5; i++) {
		struct knl_addr a = { .ifindex = v0, .addr = A("2001:db8:7::"), .prefixlen = 64, .flags = IFA_F_NODAD };

		a.addr.s6_addr[15] = (uint8_t)(i + 1);
		ck_assert_int_eq(knl_addr(k, KNL_OP_ADD, &a, &owner_a, on_must_not_run, NULL), 0);
	}
	ck_assert_int_eq(knl_dump(k, KNL_DUMP_ADDRS, &owner_a, on_event_must_not_run, on_must_not_run, NULL), 0);
	ck_assert_int_eq(knl_link_lookup(k, "v0", &owner_a, on_event_must_not_run, on_must_not_run, NULL), 0);
	{
		struct knl_addr b = { .ifindex = v0, .addr = A("2001:db8:7::b"), .prefixlen = 64, .flags = IFA_F_NODAD };

		ck_assert_int_eq(knl_addr(k, KNL_OP_ADD, &b, &owner_b, on_done, &res), 0);
	}
	/* Let part of it go out first: cancel while some are in flight. */
	knl_sock_set_window(knl_get_socket(k, KNL_SOCKET_RTNL), 2);
	ck_assert_int_ge(sd_event_run(ev, 0), 0);
	knl_cancel_owner(k, &owner_a);
	run_until(&res.done);
	run_idle();
	ck_assert_int_eq(res.r, 0);
	ck_assert_uint_eq(cancelled_calls, 0);
	/* The cancelled owner's requests still reached the kernel. */
	ck_assert_int_eq(dump(KNL_DUMP_ADDRS), 0);
	for (int i = 0; i < 5; i++) {
		struct in6_addr x = A("2001:db8:7::");

		x.s6_addr[15] = (uint8_t)(i + 1);
		ck_assert_ptr_nonnull(find_addr(&x));
	}
}
END_TEST

static bool find_policy(uint8_t dir, int type, struct knl_xfrm_policy *ret)
{
	for (size_t i = 0; i < n_events; i++)
		if (events[i].type == KNL_EVENT_XFRM_POLICY && events[i].policy.dir == dir &&
		    events[i].policy.sel.type == type) {
			*ret = events[i].policy;
			return true;
		}
	return false;
}

START_TEST(xfrm_policy_and_migrate)
{
	/* The seed's HA "mBA" policy: src HA/128 dst HoA/128 proto 135 (BA), out, ESP transport reqid 2. */
	struct knl_xfrm_policy p = {
		.sel = { .src = A("2001:db8:1::1"), .dst = A("2001:db8:1::10"), .src_len = 128, .dst_len = 128,
			 .proto = IPPROTO_MH, .type = 6 },
		.dir = XFRM_POLICY_OUT,
		.priority = 2,
		.ptype = XFRM_POLICY_TYPE_SUB,
		.n_tmpl = 1,
		.tmpl = { { .proto = IPPROTO_ESP, .mode = XFRM_MODE_TRANSPORT, .reqid = 2 } },
	};
	/* The seed's "m|Psec outbound": HA -> CoA tunnel, reqid 4, moved by MIGRATE. */
	struct knl_xfrm_policy t = {
		.sel = { .dst = A("2001:db8:1::10"), .dst_len = 128, .proto = IPPROTO_MH, .type = KNL_XFRM_TYPE_ANY },
		.dir = XFRM_POLICY_OUT,
		.priority = 9,
		.n_tmpl = 1,
		.tmpl = { { .src = A("2001:db8:1::1"), .dst = A("2001:db8:2::77"), .proto = IPPROTO_ESP,
			    .mode = XFRM_MODE_TUNNEL, .reqid = 4 } },
	};
	struct knl_xfrm_migrate m = {
		.sel = t.sel,
		.dir = XFRM_POLICY_OUT,
		.n_entries = 1,
		.entries = { { .old_src = A("2001:db8:1::1"), .old_dst = A("2001:db8:2::77"),
			       .new_src = A("2001:db8:1::1"), .new_dst = A("2001:db8:3::77"),
			       .proto = IPPROTO_ESP, .mode = XFRM_MODE_TUNNEL, .reqid = 4 } },
		.has_kmaddress = true,
		.km_local = A("2001:db8:1::1"),
		.km_remote = A("2001:db8:3::77"),
	};
	struct knl_xfrm_policy got;
	uint64_t deadline;
	bool seen = false;
	int r;

	ck_assert_int_eq(knl_monitor_start(k, KNL_MONITOR_XFRM, on_event, on_resync, NULL), 0);
	maybe_tap(KNL_SOCKET_XFRM_MONITOR, "xfrm-mon");
	maybe_tap(KNL_SOCKET_XFRM, "xfrm-req");
	ck_assert_int_eq(WAIT(knl_xfrm_policy(k, KNL_OP_ADD, &p, NULL, on_done, ud)).r, 0);
	ck_assert_int_eq(WAIT(knl_xfrm_policy(k, KNL_OP_ADD, &p, NULL, on_done, ud)).r, KNL_RESULT_EXISTED);
	p.priority = 3;
	ck_assert_int_eq(WAIT(knl_xfrm_policy(k, KNL_OP_REPLACE, &p, NULL, on_done, ud)).r, 0);
	ck_assert(cmd_output_contains("ip -6 xfrm policy list ptype sub", "proto mobility-header type 6"));
	ck_assert_int_eq(WAIT(knl_xfrm_policy(k, KNL_OP_ADD, &t, NULL, on_done, ud)).r, 0);

	ck_assert_int_eq(dump(KNL_DUMP_XFRM_POLICIES), 0);
	ck_assert(find_policy(XFRM_POLICY_OUT, 6, &got));
	ck_assert_uint_eq(got.ptype, XFRM_POLICY_TYPE_SUB);
	ck_assert_uint_eq(got.priority, 3);
	ck_assert_uint_eq(got.sel.proto, IPPROTO_MH);
	ck_assert(IN6_ARE_ADDR_EQUAL(&got.sel.dst, &p.sel.dst));
	ck_assert_uint_eq(got.n_tmpl, 1);
	ck_assert_uint_eq(got.tmpl[0].reqid, 2);
	ck_assert_uint_eq(got.tmpl[0].proto, IPPROTO_ESP);
	ck_assert_uint_eq(got.tmpl[0].mode, XFRM_MODE_TRANSPORT);

	/* Proto-only selector: found by MIGRATE on every kernel. */
	n_events = 0;
	ck_assert_int_eq(WAIT(knl_xfrm_migrate(k, &m, NULL, on_done, ud)).r, 0);
	deadline = now_usec() + 5000000;
	while (!seen) {
		ck_assert_msg(now_usec() < deadline, "hangcheck: no XFRM_MSG_MIGRATE notification");
		ck_assert_int_ge(sd_event_run(ev, 10000), 0);
		for (size_t i = 0; i < n_events; i++)
			if (events[i].type == KNL_EVENT_XFRM_MIGRATE) {
				const struct knl_xfrm_migrate *g = &events[i].migrate;

				seen = true;
				ck_assert_uint_eq(g->n_entries, 1);
				ck_assert(IN6_ARE_ADDR_EQUAL(&g->entries[0].new_dst, &m.entries[0].new_dst));
				ck_assert_uint_eq(g->entries[0].reqid, 4);
				ck_assert(g->has_kmaddress);
				ck_assert(IN6_ARE_ADDR_EQUAL(&g->km_remote, &m.km_remote));
			}
	}
	ck_assert(cmd_output_contains("ip -6 xfrm policy list", "tmpl src 2001:db8:1::1 dst 2001:db8:3::77"));

	/* MH-type selector: Linux >= 6.12 wants the type in dport too (strongswan.md). */
	t.sel = (struct knl_xfrm_sel){ .dst = A("2001:db8:1::10"), .dst_len = 128, .proto = IPPROTO_MH, .type = 6 };
	t.ptype = XFRM_POLICY_TYPE_SUB;
	t.tmpl[0].reqid = 5;
	ck_assert_int_eq(WAIT(knl_xfrm_policy(k, KNL_OP_ADD, &t, NULL, on_done, ud)).r, 0);
	m.sel = t.sel;
	m.ptype = XFRM_POLICY_TYPE_SUB;
	m.has_kmaddress = false;
	m.entries[0].reqid = 5;
	r = WAIT(knl_xfrm_migrate(k, &m, NULL, on_done, ud)).r;
	if (r == -ENOENT) {
		m.sel.type_in_dport = true;
		r = WAIT(knl_xfrm_migrate(k, &m, NULL, on_done, ud)).r;
	}
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(WAIT(knl_xfrm_policy(k, KNL_OP_DEL, &t, NULL, on_done, ud)).r, 0);
	t.sel.type = KNL_XFRM_TYPE_ANY;
	t.ptype = XFRM_POLICY_TYPE_MAIN;

	/* No such policy. */
	m.sel.dst = A("2001:db8:ffff::1");
	ck_assert_int_eq(WAIT(knl_xfrm_migrate(k, &m, NULL, on_done, ud)).r, -ENOENT);

	ck_assert_int_eq(WAIT(knl_xfrm_policy(k, KNL_OP_DEL, &p, NULL, on_done, ud)).r, 0);
	ck_assert_int_eq(WAIT(knl_xfrm_policy(k, KNL_OP_DEL, &p, NULL, on_done, ud)).r, KNL_RESULT_ABSENT);
	ck_assert_int_eq(WAIT(knl_xfrm_policy(k, KNL_OP_DEL, &t, NULL, on_done, ud)).r, 0);
	ck_assert(!cmd_output_contains("ip -6 xfrm policy list ptype sub", "mobility-header"));
	ck_assert(!resynced);
}
END_TEST

START_TEST(xfrm_states_fail_cleanly_without_mip6)
{
	/* RO state `proto route2 mode ro coa CoA` (CN -> MN) and an ESP state. */
	struct knl_xfrm_state ro = {
		.src = A("2001:db8:4::1"), .dst = A("2001:db8:1::10"), .proto = IPPROTO_ROUTING,
		.mode = XFRM_MODE_ROUTEOPTIMIZATION, .coaddr = A("2001:db8:2::77"),
		.sel = { .src = A("2001:db8:4::1"), .dst = A("2001:db8:1::10"), .src_len = 128, .dst_len = 128,
			 .type = KNL_XFRM_TYPE_ANY },
	};
	struct knl_xfrm_state esp = {
		.src = A("2001:db8:1::10"), .dst = A("2001:db8:1::1"), .proto = IPPROTO_ESP,
		.mode = XFRM_MODE_TRANSPORT, .spi = 0x1001, .reqid = 2, .replay_window = 32,
		.sel = { .type = KNL_XFRM_TYPE_ANY },
		.aead = { .name = "rfc4106(gcm(aes))", .key_len = 20, .icv_bits = 128 },
	};
	int r1 = WAIT(knl_xfrm_state(k, KNL_OP_ADD, &ro, NULL, on_done, ud)).r;
	int r2 = WAIT(knl_xfrm_state(k, KNL_OP_ADD, &esp, NULL, on_done, ud)).r;

	/* 0 on a MIP6/ESP kernel (VM); a clean error here. */
	ck_assert_int_le(r1, 0);
	ck_assert_int_le(r2, 0);
	if (r1 == 0)
		ck_assert_int_eq(WAIT(knl_xfrm_state(k, KNL_OP_DEL, &ro, NULL, on_done, ud)).r, 0);
	if (r2 == 0)
		ck_assert_int_eq(WAIT(knl_xfrm_state(k, KNL_OP_DEL, &esp, NULL, on_done, ud)).r, 0);
	ck_assert_int_eq(WAIT(knl_xfrm_state(k, KNL_OP_DEL, &esp, NULL, on_done, ud)).r, KNL_RESULT_ABSENT);
}
END_TEST

static bool can_unshare(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) == 0 && system("ip -V >/dev/null 2>&1") == 0 ? 0 : 1);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static Suite *netlink_suite(void)
{
	Suite *s = suite_create("netlink");
	TCase *tc = tcase_create("netns");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, addr_add_replace_del);
	tcase_add_test(tc, route_add_del_and_errors);
	tcase_add_test(tc, encap_route_needs_ip6tnl);
	tcase_add_test(tc, rule_add_del);
	tcase_add_test(tc, proxy_add_del);
	tcase_add_test(tc, link_lookup_updown_del);
	tcase_add_test(tc, monitor_sees_links_addresses_routes);
	tcase_add_test(tc, monitor_overrun_triggers_resync);
	tcase_add_test(tc, queue_window_keeps_order);
	tcase_add_test(tc, cancel_owner_detaches_callbacks);
	tcase_add_test(tc, xfrm_policy_and_migrate);
	tcase_add_test(tc, xfrm_states_fail_cleanly_without_mip6);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	if (!can_unshare()) {
		fprintf(stderr, "test-netlink: cannot create a network namespace (not root?), skipping\n");
		return 77;
	}
	corpus_dir = getenv("KNL_CORPUS_DIR");
	sr = srunner_create(netlink_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
