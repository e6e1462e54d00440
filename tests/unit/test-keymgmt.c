/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The key-management seam (plugins/keymgmt.h):
 *  - the front's guarantees with a fake backend: features, no callback inside
 *    a call, cancellation by owner, refused calls, km_free;
 *  - traffic selectors (parsing, malformed input, prefix matching) and the
 *    IKE SA index (5000 reqids and unique ids);
 *  - the strongSwan backend against a fake charon (tests/unit/fake-vici.h):
 *    which child `up` initiates, no synchronous callbacks, cancellation,
 *    5000 IKE SAs, K=0 terminate without waiting (force, timeout -1);
 *  - the static backend in a private network namespace: key-file checks,
 *    completion from the loop, cancellation.
 * No sleeps: the loop runs until a condition holds, under a hangcheck.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "core/cleanup.h"
#include "core/time-util.h"
#include "ike-sa-table.h"
#include "io/io.h"
#include "ipsec/spd.h"
#include "km-backend.h"
#include "manager.h"
#include "netlink/nl-kernel.h"
#include "traffic-selector.h"
#include "vici/vici-codec.h"

#include "fake-vici.h"

#define HANGCHECK_USEC (20 * USEC_PER_SEC)
#define HOA "2001:db8:1::100"
#define HA "2001:db8:1::1"

static struct {
	sd_event *e;
	sd_event_source *hangcheck;
	bool hung;
	char dir[64];
	struct mip6_config c;
	struct km *km;
	struct io *io; /* the fake I/O module: owns the VICI connection, counts it */
	struct mip6_counters counters;
} T;

struct rec {
	unsigned runs;
	int error;
	unsigned order;
};

static unsigned delivered;

static void on_done(int error, void *userdata)
{
	struct rec *r = userdata;

	r->runs++;
	r->error = error;
	r->order = ++delivered;
}

static int on_hangcheck(sd_event_source *s, uint64_t usec, void *userdata)
{
	T.hung = true;
	return sd_event_exit(T.e, -ETIMEDOUT);
}

#define RUN_UNTIL(cond)                                                                    \
	do {                                                                               \
		while (!(cond)) {                                                          \
			ck_assert_msg(!T.hung, "hangcheck fired waiting for: %s", #cond); \
			ck_assert_int_ge(sd_event_run(T.e, UINT64_MAX), 0);                \
		}                                                                          \
	} while (0)

static void run_idle(void)
{
	while (sd_event_run(T.e, 0) > 0)
		ck_assert(!T.hung);
}

static struct spd_pair pair(uint32_t reqid)
{
	struct spd_pair p = { .reqid = reqid, .reqid_to_mn = reqid };

	ck_assert_int_eq(inet_pton(AF_INET6, HOA, &p.hoa), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, HA, &p.ha), 1);
	return p;
}

static void fake_capture(const struct io_sent *sent, void *userdata)
{
}

static int fake_kernel_ack(int protocol, const uint8_t *msg, size_t len, void *userdata)
{
	return 0;
}

/* The I/O module the strongSwan backend gets its VICI connection from. */
static void fake_io(void)
{
	ck_assert_int_eq(io_new_fake(T.e, &T.counters, fake_capture, fake_kernel_ack, NULL, &T.io), 0);
}

static void setup(void)
{
	memset(&T, 0, sizeof(T));
	delivered = 0;
	strcpy(T.dir, "/tmp/test-km-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(T.dir));
	ck_assert_int_ge(sd_event_new(&T.e), 0);
	ck_assert_int_ge(sd_event_add_time_relative(T.e, &T.hangcheck, MIP6_CLOCK, HANGCHECK_USEC, 0,
						    on_hangcheck, NULL),
			 0);
}

static void teardown(void)
{
	T.km = km_free(T.km);
	T.io = io_free(T.io);
	sd_event_source_disable_unref(T.hangcheck);
	sd_event_unref(T.e);
	if (T.c.static_key_file)
		unlink(T.c.static_key_file);
	free(T.c.static_key_file);
	rmdir(T.dir);
}

/* ------------------------------------------------------------ fake backend */

static struct {
	struct km_call *held[8];
	size_t n_held;
	bool sync;  /* complete inside the call */
	int refuse; /* return this instead */
	unsigned created, destroyed;
	struct km *front;
} FB;

static int fb_create(struct km *front, sd_event *e, struct io *io, const struct mip6_config *c, void **ret)
{
	FB.created++;
	FB.front = front;
	*ret = &FB;
	return 0;
}

static void fb_destroy(void *be)
{
	FB.destroyed++;
}

static int fb_up(void *be, const struct spd_pair *p, struct km_call *call)
{
	if (FB.refuse)
		return FB.refuse;
	if (FB.sync)
		km_call_complete(call, -(int)p->reqid);
	else {
		ck_assert_uint_lt(FB.n_held, ELEMENTSOF(FB.held));
		FB.held[FB.n_held++] = call;
	}
	return 0;
}

static bool fb_is_up(void *be, const struct spd_pair *p)
{
	return false;
}

static void fb_print(void *be, FILE *out, bool json)
{
	fputs("fake\n", out);
}

static const struct km_backend_ops fake_backend = {
	.name = "fake",
	.peer = "fakeswan (vici)",
	.features = KM_F_NOTIFY,
	.create = fb_create,
	.destroy = fb_destroy,
	.up = fb_up,
	.is_up = fb_is_up,
	.print = fb_print,
};

static void fake_new(void)
{
	memset(&FB, 0, sizeof(FB));
	ck_assert_int_eq(km_new_with(&fake_backend, T.e, NULL, &T.c, &T.km), 0);
}

START_TEST(features_not_identity)
{
	struct mip6_config c = { 0 };

	c.key_management = CONF_KEY_MANAGEMENT_STRONGSWAN;
	ck_assert_ptr_eq(km_backend_for(&c), &km_strongswan_backend);
	c.key_management = CONF_KEY_MANAGEMENT_STATIC;
	ck_assert_ptr_eq(km_backend_for(&c), &km_static_backend);
	/* strongSwan moves IKE SAs (K may be 1), static keys are installed by both ends. */
	ck_assert_uint_eq(km_strongswan_backend.features & (KM_F_MIGRATE | KM_F_REKEY_ON_MOVE | KM_F_NOTIFY | KM_F_DYNAMIC),
			  KM_F_MIGRATE | KM_F_REKEY_ON_MOVE | KM_F_NOTIFY | KM_F_DYNAMIC);
	ck_assert(!(km_strongswan_backend.features & KM_F_LOCAL_KEYS));
	ck_assert_uint_eq(km_static_backend.features, KM_F_LOCAL_KEYS);
	fake_new();
	ck_assert_str_eq(km_name(T.km), "fake");
	ck_assert_uint_eq(km_features(T.km), KM_F_NOTIFY);
	ck_assert(km_has(T.km, KM_F_NOTIFY));
	ck_assert(!km_has(T.km, KM_F_NOTIFY | KM_F_MIGRATE));
	ck_assert(!km_has(NULL, KM_F_NOTIFY));
}
END_TEST

START_TEST(never_inside_the_call)
{
	struct spd_pair p = pair(5);
	struct rec a = { 0 }, b = { 0 };

	fake_new();
	FB.sync = true; /* the backend finishes before it returns */
	ck_assert_int_eq(km_up(T.km, &p, &a, on_done, &a), 0);
	ck_assert_uint_eq(a.runs, 0);
	ck_assert_int_eq(km_up(T.km, &p, &b, on_done, &b), 0);
	ck_assert_uint_eq(b.runs, 0);
	run_idle();
	ck_assert_uint_eq(a.runs, 1);
	ck_assert_int_eq(a.error, -5);
	ck_assert_uint_eq(b.runs, 1);
	ck_assert_uint_lt(a.order, b.order);
	/* Without the features: migrate is refused, drop and renew complete later as no-ops. */
	ck_assert_int_eq(km_migrate(T.km, NODE_ROLE_MN, &p, NULL, &p.hoa, &a, on_done, &a), -EOPNOTSUPP);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(km_drop(T.km, &p, &a, on_done, &a), 0);
	ck_assert_int_eq(km_renew(T.km, &p, &b, on_done, &b), 0);
	ck_assert_uint_eq(a.runs + b.runs, 0);
	run_idle();
	ck_assert(a.runs == 1 && a.error == 0 && b.runs == 1 && b.error == 0);
	ck_assert_int_eq(km_up(T.km, &p, &a, NULL, &a), -EINVAL);
}
END_TEST

START_TEST(cancel_by_owner)
{
	struct spd_pair p = pair(1);
	struct rec a = { 0 }, b = { 0 }, c = { 0 };
	int owner_a, owner_b;

	fake_new();
	/* Pending in the backend: cancelled, then completed by the backend. */
	ck_assert_int_eq(km_up(T.km, &p, &owner_a, on_done, &a), 0);
	ck_assert_int_eq(km_up(T.km, &p, &owner_b, on_done, &b), 0);
	km_cancel(T.km, &owner_a);
	km_call_complete(FB.held[0], 0);
	km_call_complete(FB.held[1], 0);
	run_idle();
	ck_assert_uint_eq(a.runs, 0);
	ck_assert_uint_eq(b.runs, 1);
	/* Completed but not delivered yet: cancelled before the loop runs. */
	FB.sync = true;
	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(km_up(T.km, &p, &owner_a, on_done, &a), 0);
	ck_assert_int_eq(km_up(T.km, &p, &owner_b, on_done, &b), 0);
	km_cancel(T.km, &owner_a);
	run_idle();
	ck_assert_uint_eq(a.runs, 0);
	ck_assert_uint_eq(b.runs, 1);
	/* A refused call never calls back. */
	FB.sync = false;
	FB.refuse = -EAGAIN;
	ck_assert_int_eq(km_up(T.km, &p, &owner_b, on_done, &c), -EAGAIN);
	run_idle();
	ck_assert_uint_eq(c.runs, 0);
	/* km_free detaches everything (ASan checks nothing leaks). */
	FB.refuse = 0;
	FB.n_held = 0;
	ck_assert_int_eq(km_up(T.km, &p, &owner_b, on_done, &c), 0);
	FB.sync = true;
	ck_assert_int_eq(km_up(T.km, &p, &owner_b, on_done, &c), 0);
	T.km = km_free(T.km);
	ck_assert_uint_eq(FB.destroyed, 1);
	run_idle();
	ck_assert_uint_eq(c.runs, 0);
}
END_TEST

/* ------------------------------------------------------- traffic selectors */

static struct ts ts_of(const char *s)
{
	struct ts t;

	ck_assert_msg(ts_parse(s, strlen(s), &t) == 0, "refused: %s", s);
	return t;
}

static struct in6_addr addr(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

START_TEST(ts_forms)
{
	struct ts t;
	struct in6_addr hoa = addr(HOA), ha = addr(HA), other = addr("2001:db8:2::1");

	t = ts_of(HOA "/128[mobility-header]");
	ck_assert_int_eq(t.family, AF_INET6);
	ck_assert_uint_eq(t.plen, 128);
	ck_assert_int_eq(t.proto, IPPROTO_MH);
	ck_assert(ts_contains(&t, &hoa) && !ts_contains(&t, &ha));
	ck_assert(ts_admits_proto(&t, IPPROTO_MH) && !ts_admits_proto(&t, IPPROTO_ICMPV6));
	t = ts_of("2001:db8:1::/64");
	ck_assert_uint_eq(t.plen, 64);
	ck_assert_int_eq(t.proto, TS_PROTO_ANY);
	ck_assert(ts_contains(&t, &hoa) && ts_contains(&t, &ha) && !ts_contains(&t, &other));
	ck_assert(ts_admits_proto(&t, IPPROTO_MH));
	/* Host bits beyond the prefix are ignored, as a prefix. */
	t = ts_of("2001:db8:1::5/64");
	ck_assert(ts_contains(&t, &hoa));
	t = ts_of(HOA);
	ck_assert_uint_eq(t.plen, 128);
	ck_assert(ts_contains(&t, &hoa));
	t = ts_of("::/0[ipv6-icmp/146]");
	ck_assert_uint_eq(t.plen, 0);
	ck_assert_int_eq(t.proto, IPPROTO_ICMPV6);
	ck_assert_uint_eq(t.port_from, 146);
	ck_assert(ts_contains(&t, &other));
	t = ts_of("2001:db8:1::1..2001:db8:1::100");
	ck_assert(ts_contains(&t, &hoa) && ts_contains(&t, &ha));
	ck_assert_uint_eq(t.plen, 119); /* ::1 and ::100 share 119 leading bits */
	t = ts_of("2001:db8:1::1..2001:db8:1::ff");
	ck_assert(!ts_contains(&t, &hoa));
	t = ts_of("dynamic[udp/500]");
	ck_assert(t.dynamic && !ts_contains(&t, &hoa));
	ck_assert_int_eq(t.proto, IPPROTO_UDP);
	t = ts_of("10.0.0.0/8[tcp/1000-2000]");
	ck_assert_int_eq(t.family, AF_INET);
	ck_assert(t.port_from == 1000 && t.port_to == 2000);
	ck_assert(!ts_contains(&t, &hoa));
	t = ts_of("::/0[tcp/OPAQUE]");
	ck_assert(t.opaque);
	t = ts_of("::/0[tcp/http]");
	ck_assert(t.port_from == 0 && t.port_to == 65535);
	t = ts_of("::/0[135]");
	ck_assert_int_eq(t.proto, IPPROTO_MH);
	t = ts_of("::/0[some-proto]");
	ck_assert_int_eq(t.proto, TS_PROTO_OTHER);
	ck_assert(!ts_admits_proto(&t, IPPROTO_MH));
}
END_TEST

START_TEST(ts_malformed)
{
	static const char *const bad[] = {
		"", "[", "]", "::/0[", "::/0[]", "::/0]", "[tcp]", "::/0[tcp]x", "::/0[a[b]]", "2001:db8::/129",
		"1.2.3.4/33", "2001:db8::/-1", "2001:db8::/", "2001:db8::/1x", "2001:db8::9..2001:db8::1",
		"10.0.0.1..2001:db8::1", "::/0[300]", "::/0[tcp/70000]", "::/0[tcp/2000-1000]", "::/0[tcp/a b]",
		"::/0[t$p]", "not-an-address", "2001:db8::1/128 ", "dynamic2", "2001:db8::1..",
	};
	char longer[TS_TEXT_MAX + 2];
	struct ts t;

	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		ck_assert_msg(ts_parse(bad[i], strlen(bad[i]), &t) == -EINVAL, "accepted: \"%s\"", bad[i]);
	ck_assert_int_eq(ts_parse("::/0\0[tcp]", 10, &t), -EINVAL);
	memset(longer, '1', sizeof(longer));
	ck_assert_int_eq(ts_parse(longer, sizeof(longer), &t), -EINVAL);
	/* Not NUL-terminated input is read only within len. */
	ck_assert_int_eq(ts_parse("::/0[tcp]garbage", 9, &t), 0);
	ck_assert_int_eq(t.proto, IPPROTO_TCP);
}
END_TEST

START_TEST(ts_prefix_match)
{
	struct ts list[3];
	struct in6_addr hoa = addr(HOA), prefix_only = addr("2001:db8:1::1234"), far = addr("2001:db9::1");

	/* As strings "2001:db8:1::1000/128" contains "2001:db8:1::100": as prefixes it does not. */
	list[0] = ts_of("2001:db8:1::1000/128[mobility-header]");
	ck_assert_int_eq(ts_list_match(list, 1, &hoa, TS_PROTO_ANY), -1);
	list[1] = ts_of("2001:db8:1::/64[mobility-header]");
	list[2] = ts_of("::/0");
	ck_assert_int_eq(ts_list_match(list, 3, &hoa, TS_PROTO_ANY), 64);
	ck_assert_int_eq(ts_list_match(list, 3, &prefix_only, IPPROTO_MH), 64);
	ck_assert_int_eq(ts_list_match(list, 3, &far, IPPROTO_MH), 0);
	ck_assert_int_eq(ts_list_match(list, 2, &far, IPPROTO_MH), -1);
	list[2] = ts_of(HOA "/128[ipv6-icmp]");
	ck_assert_int_eq(ts_list_match(list, 3, &hoa, IPPROTO_ICMPV6), 128);
	ck_assert_int_eq(ts_list_match(list, 3, &hoa, IPPROTO_MH), 64);
	ck_assert_int_eq(ts_list_match(list, 0, &hoa, TS_PROTO_ANY), -1);
}
END_TEST

START_TEST(sa_table_many)
{
	enum { N = 5000 };
	struct ike_sa_table t = { 0 }, other = { 0 };

	/* Listed in an order that is not sorted; uid != reqid. */
	for (uint32_t i = 0; i < N; i++) {
		uint32_t k = (i * 7919) % N;
		struct ike_sa *s = ike_sa_table_add(&t);

		ck_assert_ptr_nonnull(s);
		snprintf(s->name, sizeof(s->name), "mn%u", k);
		s->uid = 100000 + k;
		ck_assert_int_eq(ike_sa_add_reqid(s, 2 * k + 1), 0);
		ck_assert_int_eq(ike_sa_add_reqid(s, 2 * k + 2), 0);
	}
	ck_assert_uint_eq(t.n, N);
	ck_assert_ptr_null(ike_sa_table_by_reqid(&t, 1)); /* not indexed yet */
	ck_assert_int_eq(ike_sa_table_index(&t), 0);
	for (uint32_t k = 0; k < N; k++) {
		const struct ike_sa *a = ike_sa_table_by_reqid(&t, 2 * k + 1), *b = ike_sa_table_by_reqid(&t, 2 * k + 2);
		const struct ike_sa *u = ike_sa_table_by_uid(&t, 100000 + k);

		ck_assert_ptr_nonnull(a);
		ck_assert_ptr_eq(a, b);
		ck_assert_ptr_eq(a, u);
		ck_assert_uint_eq(a->uid, 100000 + k);
	}
	ck_assert_ptr_null(ike_sa_table_by_reqid(&t, 2 * N + 1));
	ck_assert_ptr_null(ike_sa_table_by_reqid(&t, 0));
	ck_assert_ptr_null(ike_sa_table_by_uid(&t, 99999));
	/* A terminated IKE SA's CHILD_SAs are gone; the others stay. */
	ike_sa_table_forget(&t, 100000 + 1234);
	ck_assert_ptr_null(ike_sa_table_by_reqid(&t, 2 * 1234 + 1));
	ck_assert_ptr_null(ike_sa_table_by_reqid(&t, 2 * 1234 + 2));
	ck_assert_ptr_nonnull(ike_sa_table_by_reqid(&t, 2 * 1235 + 1));
	ck_assert_ptr_nonnull(ike_sa_table_by_uid(&t, 100000 + 1234));
	ike_sa_table_swap(&t, &other);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_ptr_null(ike_sa_table_by_uid(&t, 100000));
	ck_assert_ptr_nonnull(ike_sa_table_by_uid(&other, 100000));
	ike_sa_table_clear(&other);
	ike_sa_table_clear(&t);
}
END_TEST

/* ------------------------------------------------------ strongSwan backend */

static const char *const charon_events[] = { "list-sa",	    "list-conn",    "control-log", "ike-updown",
					     "child-updown", "ike-rekey",   "child-rekey", NULL };

static struct {
	struct fake_server srv;
	unsigned n_sas;		 /* list-sas: IKE SAs uid i, reqid i (1..n_sas) */
	uint32_t installed;	 /* and, once initiated, one more carrying this reqid */
	uint32_t installed_uid;
	bool prefix_only;	 /* list-conns: only a /64 child names the pair */
	bool twin;		 /* list-conns: connection "twin" names the pair as well as "home" does */
	bool no_conns;		 /* list-conns: nothing loaded yet (charon restarted before swanctl --load-all) */
	uint32_t foreign;	 /* list-sas: first an unrelated IKE SA "site" #500 carrying this reqid */
	unsigned checked_out;	 /* list-sas: leave the installed SA out this many more times (noblock skips it) */
	unsigned term_uids[64];	 /* every terminated ike-id */
	char initiated[32][64];
	char initiate_timeout[32][8];
	unsigned n_initiated, list_sas, list_conns;
	char term_id[16], term_force[8], term_timeout[8];
	unsigned n_terminated;
} F;

static void add_ts(struct vici_builder *b, const char *name, const char *ts)
{
	vici_builder_begin_list(b, name);
	vici_builder_add_item_str(b, ts);
	vici_builder_end_list(b);
}

static void add_child_cfg(struct vici_builder *b, const char *name, const char *l, const char *r)
{
	vici_builder_begin_section(b, name);
	add_ts(b, "local-ts", l);
	add_ts(b, "remote-ts", r);
	vici_builder_end_section(b);
}

static void send_conns(struct fake_conn *fc)
{
	struct vici_builder *b = NULL;

	ck_assert_int_eq(vici_builder_new(VICI_EVENT, "list-conn", &b), 0);
	vici_builder_begin_section(b, "home");
	vici_builder_begin_section(b, "children");
	/* Decoys first: ::/0 names nobody, ICMPv6 is not the BU/BA child, a broken selector. */
	add_child_cfg(b, "wide", "::/0[mobility-header]", "::/0[mobility-header]");
	add_child_cfg(b, "mpd", HOA "/128[ipv6-icmp]", HA "/128[ipv6-icmp]");
	add_child_cfg(b, "broken", HOA "/129[mobility-header]", HA "/128[mobility-header");
	add_child_cfg(b, "prefix", "2001:db8:1::/64[mobility-header]", "2001:db8:1::/64[mobility-header]");
	if (!F.prefix_only) {
		add_child_cfg(b, "homereg", HOA "/128[mobility-header]", HA "/128[mobility-header]");
		add_child_cfg(b, "hoti", HOA "/128[mobility-header]", "::/0[mobility-header]");
	}
	vici_builder_end_section(b);
	vici_builder_end_section(b);
	if (F.twin) {
		vici_builder_begin_section(b, "twin");
		vici_builder_begin_section(b, "children");
		add_child_cfg(b, "homereg", HOA "/128[mobility-header]", HA "/128[mobility-header]");
		vici_builder_end_section(b);
		vici_builder_end_section(b);
	}
	/* Another connection naming the HoA: not brought up with this pair. */
	vici_builder_begin_section(b, "elsewhere");
	vici_builder_begin_section(b, "children");
	add_child_cfg(b, "x", HOA "/128", "2001:db8:9::/64");
	vici_builder_end_section(b);
	vici_builder_end_section(b);
	fconn_send(fc, b);
}

static void send_named_sa(struct fake_conn *fc, const char *name, uint32_t uid, uint32_t reqid)
{
	struct vici_builder *b = NULL;
	char u[16], r[16];

	snprintf(u, sizeof(u), "%u", uid);
	snprintf(r, sizeof(r), "%u", reqid);
	ck_assert_int_eq(vici_builder_new(VICI_EVENT, "list-sa", &b), 0);
	vici_builder_begin_section(b, name);
	vici_builder_add_str(b, "uniqueid", u);
	vici_builder_add_str(b, "state", "ESTABLISHED");
	vici_builder_add_str(b, "local-host", HOA);
	vici_builder_add_str(b, "remote-host", HA);
	vici_builder_begin_section(b, "child-sas");
	vici_builder_begin_section(b, "homereg-1");
	vici_builder_add_str(b, "reqid", r);
	vici_builder_add_str(b, "state", "INSTALLED");
	vici_builder_end_section(b);
	vici_builder_begin_section(b, "rekeyed-2");
	vici_builder_add_str(b, "reqid", "77777");
	vici_builder_add_str(b, "state", "REKEYED"); /* not installed: not indexed */
	vici_builder_end_section(b);
	vici_builder_end_section(b);
	vici_builder_end_section(b);
	fconn_send(fc, b);
}

static void send_sa(struct fake_conn *fc, uint32_t uid, uint32_t reqid)
{
	send_named_sa(fc, "home", uid, reqid);
}

static void reply(struct fake_conn *fc, bool ok)
{
	struct vici_builder *b = NULL;

	ck_assert_int_eq(vici_builder_new(VICI_CMD_RESPONSE, NULL, &b), 0);
	vici_builder_add_str(b, "success", ok ? "yes" : "no");
	fconn_send(fc, b);
}

static void copy_arg(char *dst, size_t n, const struct vici_msg *m, const char *key)
{
	snprintf(dst, n, "%s", vici_msg_get(m, key) ? vici_msg_get(m, key) : "");
}

static bool charon(struct fake_conn *fc, const struct vici_msg *m, void *userdata)
{
	if (strcmp(m->name, "list-conns") == 0) {
		F.list_conns++;
		if (fconn_has_event(fc, "list-conn") && !F.no_conns)
			send_conns(fc);
		reply(fc, true);
	} else if (strcmp(m->name, "list-sas") == 0) {
		ck_assert_str_eq(vici_msg_get(m, "noblock"), "yes");
		if (fconn_has_event(fc, "list-sa")) {
			if (F.foreign)
				send_named_sa(fc, "site", 500, F.foreign);
			for (uint32_t i = 1; i <= F.n_sas; i++)
				send_sa(fc, i, i);
			if (F.installed && F.checked_out > 0)
				F.checked_out--;
			else if (F.installed)
				send_sa(fc, F.installed_uid, F.installed);
		}
		reply(fc, true);
		F.list_sas++;
	} else if (strcmp(m->name, "initiate") == 0) {
		ck_assert_uint_lt(F.n_initiated, ELEMENTSOF(F.initiated));
		copy_arg(F.initiate_timeout[F.n_initiated], sizeof(F.initiate_timeout[0]), m, "timeout");
		copy_arg(F.initiated[F.n_initiated++], sizeof(F.initiated[0]), m, "child");
		reply(fc, true);
	} else if (strcmp(m->name, "terminate") == 0) {
		copy_arg(F.term_id, sizeof(F.term_id), m, "ike-id");
		copy_arg(F.term_force, sizeof(F.term_force), m, "force");
		copy_arg(F.term_timeout, sizeof(F.term_timeout), m, "timeout");
		ck_assert_uint_lt(F.n_terminated, ELEMENTSOF(F.term_uids));
		F.term_uids[F.n_terminated++] = (unsigned)strtoul(F.term_id, NULL, 10);
		if (F.installed && F.installed_uid == strtoul(F.term_id, NULL, 10))
			F.installed = 0;
		reply(fc, true);
	} else
		return false;
	return true;
}

static void ss_new(void)
{
	memset(&F, 0, sizeof(F));
	F.srv.e = T.e;
	F.srv.lfd = -1;
	F.srv.events = charon_events;
	F.srv.handler = charon;
	snprintf(F.srv.path, sizeof(F.srv.path), "%s/charon.vici", T.dir);
	fake_listen(&F.srv);
	T.c.vici_socket = F.srv.path;
	T.c.key_management = CONF_KEY_MANAGEMENT_STRONGSWAN;
	fake_io();
	ck_assert_int_eq(km_new(T.e, T.io, &T.c, &T.km), 0);
	ck_assert_str_eq(km_name(T.km), "strongswan");
	/* READY=1 waits for this (src/manager.h): the VICI session with its events registered. */
	RUN_UNTIL(km_state(T.km) == KM_STATE_CONNECTED);
	/* The I/O module counted the session's packets (event registrations and their confirms). */
	ck_assert_uint_gt(T.counters.vici_out, 0);
	ck_assert_uint_gt(T.counters.vici_in, 0);
	ck_assert_uint_eq(T.counters.vici_dropped, 0);
}

static void ss_teardown(void)
{
	T.km = km_free(T.km);
	fake_stop(&F.srv);
	teardown();
}

/* The child whose initiate up waits for (the only one not queued with timeout -1), or NULL. */
static const char *waited_child(void)
{
	for (unsigned i = 0; i < F.n_initiated; i++)
		if (strcmp(F.initiate_timeout[i], "-1") != 0)
			return F.initiated[i];
	return NULL;
}

START_TEST(ss_up_initiates_the_pairs_children)
{
	struct spd_pair p = pair(1);
	struct rec a = { 0 };

	ss_new();
	RUN_UNTIL(F.list_conns == 1 && F.list_sas >= 1);
	run_idle();
	ck_assert(!km_is_up(T.km, &p));
	ck_assert_int_eq(km_up(T.km, &p, &a, on_done, &a), 0);
	F.installed = 1;
	F.installed_uid = 9;
	RUN_UNTIL(a.runs == 1);
	ck_assert_int_eq(a.error, 0);
	ck_assert(km_is_up(T.km, &p));
	/*
	 * The same connection's other children naming the HoA first, queued in charon
	 * (timeout -1: answered at once, never waiting in our queue behind the waited one),
	 * then the BU/BA child (names HoA and HA for the MH), which up waits for.
	 */
	run_idle();
	ck_assert_uint_eq(F.n_initiated, 4);
	ck_assert_str_eq(F.initiated[0], "mpd");
	ck_assert_str_eq(F.initiated[1], "prefix");
	ck_assert_str_eq(F.initiated[2], "hoti");
	ck_assert_str_eq(F.initiated[3], "homereg");
	for (int i = 0; i < 3; i++)
		ck_assert_str_eq(F.initiate_timeout[i], "-1");
	ck_assert_str_eq(F.initiate_timeout[3], "10000");
	/* Already up: still never inside the call. */
	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(km_up(T.km, &p, &a, on_done, &a), 0);
	ck_assert_uint_eq(a.runs, 0);
	RUN_UNTIL(a.runs == 1);
	ck_assert_int_eq(a.error, 0);
	ck_assert_uint_eq(F.n_initiated, 4);
}
END_TEST

/*
 * charon answers the initiate, but the IKE SA is checked out during the next
 * listings (noblock leaves it out) and no event follows: up still completes,
 * listing again with a backoff, and stops listing once nobody waits.
 */
START_TEST(ss_sa_checked_out_during_listing)
{
	struct spd_pair p = pair(1);
	struct rec a = { 0 };
	unsigned lists;

	ss_new();
	RUN_UNTIL(F.list_conns == 1 && F.list_sas >= 1);
	run_idle();
	F.installed = 1;
	F.installed_uid = 9;
	F.checked_out = 3;
	ck_assert_int_eq(km_up(T.km, &p, &a, on_done, &a), 0);
	lists = F.list_sas;
	RUN_UNTIL(a.runs == 1);
	ck_assert_int_eq(a.error, 0);
	ck_assert_uint_eq(F.checked_out, 0);
	ck_assert_uint_ge(F.list_sas, lists + 4);
	/* Nobody waits: no more listings for longer than the longest backoff (2.4 s). */
	lists = F.list_sas;
	for (uint64_t end = now_usec() + 3 * USEC_PER_SEC; now_usec() < end;)
		ck_assert_int_ge(sd_event_run(T.e, 100 * USEC_PER_MSEC), 0);
	ck_assert_uint_eq(F.list_sas, lists);
}
END_TEST

START_TEST(ss_prefix_child)
{
	struct spd_pair p = pair(1);
	struct rec a = { 0 };

	ss_new();
	F.prefix_only = true;
	RUN_UNTIL(F.list_conns == 1 && F.list_sas >= 1);
	run_idle();
	ck_assert_int_eq(km_up(T.km, &p, &a, on_done, &a), 0);
	ck_assert_uint_eq(a.runs, 0);
	RUN_UNTIL(waited_child() != NULL);
	/* A /64 naming both for the MH: the only BU/BA child there is. */
	ck_assert_str_eq(waited_child(), "prefix");
	F.installed = 1;
	F.installed_uid = 3;
	RUN_UNTIL(a.runs == 1);
	ck_assert_int_eq(a.error, 0);
}
END_TEST

START_TEST(ss_cancel)
{
	struct spd_pair p = pair(1);
	struct rec a = { 0 }, b = { 0 };
	int owner_a, owner_b;

	ss_new();
	RUN_UNTIL(F.list_conns == 1 && F.list_sas >= 1);
	ck_assert_int_eq(km_up(T.km, &p, &owner_a, on_done, &a), 0);
	ck_assert_int_eq(km_up(T.km, &p, &owner_b, on_done, &b), 0);
	km_cancel(T.km, &owner_a);
	F.installed = 1;
	F.installed_uid = 9;
	RUN_UNTIL(b.runs == 1);
	run_idle();
	ck_assert_uint_eq(a.runs, 0);
	ck_assert_int_eq(b.error, 0);
	/* Pending at km_free (reqid 2 never comes up): no callback. */
	p = pair(2);
	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(km_up(T.km, &p, &owner_b, on_done, &b), 0);
	RUN_UNTIL(F.n_initiated >= 12);
	T.km = km_free(T.km);
	run_idle();
	ck_assert_uint_eq(b.runs, 0);
}
END_TEST

START_TEST(ss_many_sas_and_k0)
{
	enum { N = 5000 };
	struct spd_pair p;
	struct rec a = { 0 }, r = { 0 };

	ss_new();
	F.n_sas = N;
	p = pair(N);
	RUN_UNTIL(km_is_up(T.km, &p));
	for (uint32_t i = 1; i <= N; i++) {
		p = pair(i);
		ck_assert_msg(km_is_up(T.km, &p), "reqid %u not found", i);
	}
	p = pair(N + 1);
	ck_assert(!km_is_up(T.km, &p));
	p = pair(77777);
	ck_assert(!km_is_up(T.km, &p));
	/* K=0 on the HA: terminate IKE SA #4321 by unique id, forced, without waiting for the peer. */
	p = pair(4321);
	ck_assert_int_eq(km_drop(T.km, &p, &a, on_done, &a), 0);
	ck_assert_uint_eq(a.runs, 0);
	RUN_UNTIL(a.runs == 1);
	ck_assert_int_eq(a.error, 0);
	ck_assert_str_eq(F.term_id, "4321");
	ck_assert_str_eq(F.term_force, "yes");
	ck_assert_str_eq(F.term_timeout, "-1");
	ck_assert(!km_is_up(T.km, &p));
	p = pair(4322);
	ck_assert(km_is_up(T.km, &p));
	/* No IKE SA for the reqid: nothing to drop. */
	p = pair(N + 7);
	ck_assert_int_eq(km_drop(T.km, &p, &a, on_done, &a), -ENOENT);
	/* K=0 on the MN: terminate, then initiate anew. */
	F.n_sas = 0;
	F.installed = 1;
	F.installed_uid = 42;
	RUN_UNTIL(!km_is_up(T.km, &(struct spd_pair[]){ pair(2) }[0]) && km_is_up(T.km, &(struct spd_pair[]){ pair(1) }[0]));
	p = pair(1);
	ck_assert_int_eq(km_renew(T.km, &p, &r, on_done, &r), 0);
	RUN_UNTIL(F.n_terminated == 2 && waited_child() != NULL);
	ck_assert_str_eq(F.term_id, "42");
	ck_assert_str_eq(waited_child(), "homereg");
	ck_assert_uint_eq(r.runs, 0);
	F.installed = 1;
	F.installed_uid = 43;
	RUN_UNTIL(r.runs == 1);
	ck_assert_int_eq(r.error, 0);
	ck_assert(km_is_up(T.km, &p));
}
END_TEST

/*
 * Beside a charon that carries other tunnels: a site-to-site IKE SA "site" #500
 * whose CHILD_SA got the same reqid (charon's dynamic reqids count from 1 and
 * do not skip fixed ones), listed first. It is never the pair's: not up, never
 * terminated (K=0 on the HA and the MN), and a MIGRATE, which charon would
 * apply to it (it matches by reqid alone), is refused.
 */
/* charon raises an event: the backend lists the SAs again; wait until it did. */
static void relist(void)
{
	unsigned n = F.list_sas;

	ck_assert_uint_ge(fake_emit(&F.srv, "ike-updown", "home"), 1);
	RUN_UNTIL(F.list_sas > n);
	run_idle();
}

static void check_unrelated_sa_untouched(const char *ike_conn)
{
	enum { R = 1000000001 };
	struct spd_pair p = pair(R);
	struct in6_addr old_coa, coa;
	struct rec a = { 0 }, d = { 0 }, r = { 0 }, m = { 0 };

	snprintf(p.ike_conn, sizeof(p.ike_conn), "%s", ike_conn);
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8:2::7", &old_coa), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8:3::7", &coa), 1);
	ss_new();
	F.foreign = R;
	RUN_UNTIL(F.list_conns == 1 && F.list_sas >= 1);
	run_idle();
	ck_assert(!km_is_up(T.km, &p));
	ck_assert_int_eq(km_drop(T.km, &p, &d, on_done, &d), -ENOENT);
	ck_assert_int_eq(km_migrate(T.km, NODE_ROLE_HA, &p, &old_coa, &coa, &m, on_done, &m), -EADDRINUSE);
	/* The pair's own IKE SA comes up beside it. */
	ck_assert_int_eq(km_up(T.km, &p, &a, on_done, &a), 0);
	RUN_UNTIL(waited_child() != NULL);
	ck_assert_str_eq(waited_child(), "homereg");
	F.installed = R;
	F.installed_uid = 9;
	RUN_UNTIL(a.runs == 1);
	ck_assert_int_eq(a.error, 0);
	ck_assert(km_is_up(T.km, &p));
	/* K=1: refused while another connection holds the reqid, even with ours up. */
	ck_assert_int_eq(km_migrate(T.km, NODE_ROLE_HA, &p, &old_coa, &coa, &m, on_done, &m), -EADDRINUSE);
	/* K=0 on the HA: ours (#9) goes, #500 stays. */
	ck_assert_int_eq(km_drop(T.km, &p, &d, on_done, &d), 0);
	RUN_UNTIL(d.runs == 1);
	ck_assert_int_eq(d.error, 0);
	/* K=0 on the MN: ours again after it is back, then a new initiate. */
	F.installed = R;
	F.installed_uid = 10;
	relist();
	RUN_UNTIL(km_is_up(T.km, &p));
	ck_assert_int_eq(km_renew(T.km, &p, &r, on_done, &r), 0);
	RUN_UNTIL(F.n_terminated == 2);
	F.installed = R;
	F.installed_uid = 11;
	RUN_UNTIL(r.runs == 1);
	ck_assert_int_eq(r.error, 0);
	ck_assert_uint_eq(F.n_terminated, 2);
	ck_assert_uint_eq(F.term_uids[0], 9);
	ck_assert_uint_eq(F.term_uids[1], 10);
	for (unsigned i = 0; i < F.n_initiated; i++)
		ck_assert_str_ne(F.initiated[i], "x"); /* nothing of connection "elsewhere" either */
	ck_assert_uint_eq(m.runs, 0);
	/* mip6ctl ipsec: the pair's IKE SA only, the other one counted. */
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		ck_assert_ptr_nonnull(f);
		km_print(T.km, f, true);
		ck_assert_int_eq(fclose(f), 0);
		ck_assert_msg(strstr(buf, "\"name\":\"home\"") != NULL, "%s", buf);
		ck_assert_msg(strstr(buf, "\"site\"") == NULL, "%s", buf);
		ck_assert_msg(strstr(buf, "\"other_ike_sas\":1") != NULL, "%s", buf);
		free(buf);
	}
}

START_TEST(ss_unrelated_sa_same_reqid_derived)
{
	check_unrelated_sa_untouched("");
}
END_TEST

START_TEST(ss_unrelated_sa_same_reqid_named)
{
	check_unrelated_sa_untouched("home");
}
END_TEST

/*
 * Connected to a charon whose connections were not loaded yet: the pair's SA is
 * not recognised until they are; charon's next event makes the backend list them.
 */
START_TEST(ss_conns_loaded_after_connect)
{
	struct spd_pair p = pair(1000000001);

	ss_new();
	F.no_conns = true;
	F.installed = p.reqid;
	F.installed_uid = 3;
	RUN_UNTIL(F.list_conns == 1 && F.list_sas >= 1);
	run_idle();
	ck_assert(!km_is_up(T.km, &p));
	F.no_conns = false;
	relist();
	RUN_UNTIL(F.list_conns == 2);
	run_idle();
	ck_assert(km_is_up(T.km, &p));
}
END_TEST

/* Two connections name the pair equally: without IkeConnection nothing is chosen; with it, the named one. */
START_TEST(ss_ambiguous_connection)
{
	struct spd_pair p = pair(1000000001);
	struct rec a = { 0 };

	ss_new();
	F.twin = true;
	RUN_UNTIL(F.list_conns == 1 && F.list_sas >= 1);
	run_idle();
	ck_assert_int_eq(km_up(T.km, &p, &a, on_done, &a), -EAGAIN);
	run_idle();
	ck_assert_uint_eq(F.n_initiated, 0);
	snprintf(p.ike_conn, sizeof(p.ike_conn), "twin");
	ck_assert_int_eq(km_up(T.km, &p, &a, on_done, &a), 0);
	RUN_UNTIL(waited_child() != NULL);
	ck_assert_uint_eq(F.n_initiated, 1); /* twin has no other children */
	F.installed = p.reqid;
	F.installed_uid = 4;
	relist();
	/* list-sas names the SA "home": not twin's, so still not up. */
	ck_assert(!km_is_up(T.km, &p));
	T.km = km_free(T.km);
}
END_TEST

/* ----------------------------------------------------------- static backend */

static void write_keys(const char *text, mode_t mode)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/static.keys", T.dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
	free(T.c.static_key_file);
	T.c.static_key_file = strdup(path);
}

static void st_setup(void)
{
	setup();
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	/* The real I/O module (its netlink layer talks to this namespace's kernel). */
	ck_assert_int_eq(io_new(T.e, &T.counters, &T.io), 0);
}

#define KEYLINE                                                                                              \
	HOA " " HA " 0x1001 0x1002 rfc4106(gcm(aes)) 00112233445566778899aabbccddeeff01020304 "                \
	    "ffeeddccbbaa99887766554433221100a0b0c0d0 128\n"

START_TEST(static_up_checks_and_completes_later)
{
	struct spd_pair p = pair(1);
	struct rec a = { 0 }, b = { 0 };
	int owner_a, owner_b;

	T.c.key_management = CONF_KEY_MANAGEMENT_STATIC;
	write_keys(KEYLINE, 0644);
	ck_assert_int_eq(km_new(T.e, T.io, &T.c, &T.km), 0);
	ck_assert_str_eq(km_name(T.km), "static");
	ck_assert(km_has(T.km, KM_F_LOCAL_KEYS) && !km_has(T.km, KM_F_MIGRATE));
	/* Readable by others: refused at once, no callback. */
	ck_assert_int_eq(km_up(T.km, &p, &owner_a, on_done, &a), -EPERM);
	write_keys("# none for us\n2001:db8:1::200 " HA " 0x1001 0x1002 a 00 01 128\n", 0600);
	ck_assert_int_eq(km_up(T.km, &p, &owner_a, on_done, &a), -ENOENT);
	write_keys(KEYLINE "garbage\n", 0600);
	ck_assert_int_eq(km_up(T.km, &p, &owner_a, on_done, &a), -EINVAL);
	run_idle();
	ck_assert_uint_eq(a.runs, 0);
	/* Good: the states go to the kernel; done runs from the loop (with the kernel's answer). */
	write_keys(KEYLINE, 0600);
	ck_assert_int_eq(km_up(T.km, &p, &owner_a, on_done, &a), 0);
	ck_assert_int_eq(km_up(T.km, &p, &owner_b, on_done, &b), 0);
	ck_assert_uint_eq(a.runs + b.runs, 0);
	km_cancel(T.km, &owner_a);
	RUN_UNTIL(b.runs == 1);
	run_idle();
	ck_assert_uint_eq(a.runs, 0);
	ck_assert_int_le(b.error, 0);
	/* Nothing moves with static keys: drop and renew are no-ops from the loop. */
	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(km_drop(T.km, &p, &owner_a, on_done, &a), 0);
	ck_assert_uint_eq(a.runs, 0);
	RUN_UNTIL(a.runs == 1);
	ck_assert_int_eq(a.error, 0);
	ck_assert_int_eq(km_migrate(T.km, NODE_ROLE_HA, &p, NULL, &p.hoa, &owner_a, on_done, &a), -EOPNOTSUPP);
	/* Pending at km_free: no callback. */
	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(km_up(T.km, &p, &owner_b, on_done, &b), 0);
	T.km = km_free(T.km);
	run_idle();
	ck_assert_uint_eq(b.runs, 0);
}
END_TEST

static bool can_unshare(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) == 0 ? 0 : 1);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* ------------------------------------------------- READY=1 and the key manager's state */

/* The service manager's side: a datagram socket at NOTIFY_SOCKET; what the daemon said so far. */
static struct {
	int fd;
	char said[4096];
	size_t len;
} N;

static void notify_listen(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	N.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(N.fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", T.dir);
	ck_assert_int_eq(bind(N.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", sa.sun_path, 1), 0);
}

/* Everything sent since the last call, datagrams joined by newlines. */
static const char *notify_read(void)
{
	ssize_t n;

	N.len = 0;
	while ((n = recv(N.fd, N.said + N.len, sizeof(N.said) - N.len - 2, 0)) > 0) {
		N.len += (size_t)n;
		N.said[N.len++] = '\n';
	}
	N.said[N.len] = '\0';
	return N.said;
}

static void notify_close(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/notify", T.dir);
	unsetenv("NOTIFY_SOCKET");
	close(N.fd);
	unlink(path);
}

/* A manager on its own loop (no role started) waiting for the fake backend's front on T.e. */
static struct manager *ready_manager(usec_t wait)
{
	struct manager *m;
	struct mip6_config *c = calloc(1, sizeof(*c));

	ck_assert_ptr_nonnull(c);
	c->role = NODE_ROLE_HA;
	ck_assert_int_eq(manager_new(&m, NULL, NULL, c), 0);
	m->km_wait_usec = wait;
	return m;
}

/* READY=1 waits until the key manager is connected; STATUS= says what it waits for. */
START_TEST(ready_waits_for_the_key_manager)
{
	struct manager *m;

	notify_listen();
	fake_new();
	m = ready_manager(HANGCHECK_USEC * 2);
	manager_set_km(m, T.km);
	ck_assert_int_eq(km_state(T.km), KM_STATE_CONNECTING);
	manager_ready(m); /* the kernel setup completed */
	ck_assert(!m->ready);
	ck_assert_ptr_nonnull(strstr(notify_read(), "STATUS=HA: starting, waiting for fakeswan (vici)..."));
	ck_assert_ptr_null(strstr(N.said, "READY=1"));
	km_backend_state(FB.front, KM_STATE_CONNECTED);
	ck_assert(m->ready);
	ck_assert_ptr_nonnull(strstr(notify_read(), "READY=1"));
	ck_assert_ptr_null(strstr(N.said, "retrying"));
	/* Losing charon later only changes STATUS=. */
	km_backend_state(FB.front, KM_STATE_UNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(notify_read(), "fakeswan (vici) unavailable, retrying"));
	ck_assert_ptr_null(strstr(N.said, "READY=1"));
	manager_set_km(m, NULL);
	manager_free(m);
	notify_close();
}
END_TEST

/* A key manager known absent does not hold READY=1 back; STATUS= names the degraded state. */
START_TEST(ready_when_the_key_manager_is_known_absent)
{
	struct manager *m;

	notify_listen();
	fake_new();
	m = ready_manager(HANGCHECK_USEC * 2);
	manager_set_km(m, T.km);
	km_backend_state(FB.front, KM_STATE_UNAVAILABLE); /* before the kernel setup ends */
	ck_assert(!m->ready);
	ck_assert_ptr_null(strstr(notify_read(), "READY=1"));
	manager_ready(m);
	ck_assert(m->ready);
	ck_assert_ptr_nonnull(strstr(notify_read(), "READY=1"));
	ck_assert_ptr_nonnull(strstr(N.said, "fakeswan (vici) unavailable, retrying"));
	manager_set_km(m, NULL);
	manager_free(m);
	notify_close();
}
END_TEST

/* Neither connected nor known absent: READY=1 after the bounded wait, STATUS= says so. */
START_TEST(ready_after_a_bounded_wait)
{
	struct manager *m;

	notify_listen();
	fake_new();
	m = ready_manager(50 * USEC_PER_MSEC);
	manager_set_km(m, T.km);
	manager_ready(m);
	ck_assert(!m->ready);
	ck_assert_ptr_nonnull(strstr(notify_read(), "waiting for fakeswan (vici)..."));
	while (!m->ready) {
		ck_assert(!T.hung);
		ck_assert_int_ge(sd_event_run(m->event, 10 * USEC_PER_MSEC), 0);
		ck_assert_int_ge(sd_event_run(T.e, 0), 0);
	}
	ck_assert_ptr_nonnull(strstr(notify_read(), "READY=1"));
	ck_assert_ptr_nonnull(strstr(N.said, "fakeswan (vici) not connected, retrying"));
	manager_set_km(m, NULL);
	manager_free(m);
	notify_close();
}
END_TEST

/* Static keys need nothing: connected at once. The strongSwan backend: known absent without a charon. */
START_TEST(backend_states)
{
	char path[128];

	T.c.key_management = CONF_KEY_MANAGEMENT_STATIC;
	ck_assert_int_eq(km_new(T.e, NULL, &T.c, &T.km), 0);
	ck_assert_int_eq(km_state(T.km), KM_STATE_CONNECTED);
	ck_assert_str_eq(km_peer(T.km), "");
	T.km = km_free(T.km);
	snprintf(path, sizeof(path), "%s/no-charon.vici", T.dir);
	T.c.vici_socket = path;
	T.c.key_management = CONF_KEY_MANAGEMENT_STRONGSWAN;
	ck_assert_int_eq(km_new(T.e, NULL, &T.c, &T.km), -EINVAL); /* the connection is the I/O module's */
	fake_io();
	ck_assert_int_eq(km_new(T.e, T.io, &T.c, &T.km), 0);
	ck_assert_str_eq(km_peer(T.km), "charon (vici)");
	RUN_UNTIL(km_state(T.km) == KM_STATE_UNAVAILABLE);
	ck_assert_uint_eq(T.counters.vici_in, 0);
	T.km = km_free(T.km);
	T.c.vici_socket = NULL;
}
END_TEST

int main(void)
{
	Suite *s = suite_create("keymgmt");
	TCase *front = tcase_create("front"), *pure = tcase_create("pure"), *ss = tcase_create("strongswan");
	TCase *st = tcase_create("static");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(front, setup, teardown);
	tcase_add_test(front, features_not_identity);
	tcase_add_test(front, never_inside_the_call);
	tcase_add_test(front, cancel_by_owner);
	tcase_add_test(front, ready_waits_for_the_key_manager);
	tcase_add_test(front, ready_when_the_key_manager_is_known_absent);
	tcase_add_test(front, ready_after_a_bounded_wait);
	tcase_add_test(front, backend_states);
	suite_add_tcase(s, front);
	tcase_add_test(pure, ts_forms);
	tcase_add_test(pure, ts_malformed);
	tcase_add_test(pure, ts_prefix_match);
	tcase_add_test(pure, sa_table_many);
	suite_add_tcase(s, pure);
	tcase_add_checked_fixture(ss, setup, ss_teardown);
	tcase_set_timeout(ss, 60);
	tcase_add_test(ss, ss_up_initiates_the_pairs_children);
	tcase_add_test(ss, ss_prefix_child);
	tcase_add_test(ss, ss_sa_checked_out_during_listing);
	tcase_add_test(ss, ss_cancel);
	tcase_add_test(ss, ss_many_sas_and_k0);
	tcase_add_test(ss, ss_unrelated_sa_same_reqid_derived);
	tcase_add_test(ss, ss_unrelated_sa_same_reqid_named);
	tcase_add_test(ss, ss_ambiguous_connection);
	tcase_add_test(ss, ss_conns_loaded_after_connect);
	suite_add_tcase(s, ss);
	if (can_unshare()) {
		tcase_add_checked_fixture(st, st_setup, teardown);
		tcase_add_test(st, static_up_checks_and_completes_later);
		suite_add_tcase(s, st);
	} else
		fprintf(stderr, "test-keymgmt: no network namespace (not root?): the static backend test is skipped\n");
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
