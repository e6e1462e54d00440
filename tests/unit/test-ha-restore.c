/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A home agent's restart (src/ha/ha-restore.h): replaying the state file's
 * records into the binding table (PUT, DEL, expired, wall clock → boot clock),
 * the verdict on every kernel object a dump shows (adopt as it is, replace,
 * remove an orphan, leave what is not the HA's), and the reconciliation's
 * requests against the fake kernel (knl_new_fake).
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <systemd/sd-event.h>

#include "ha/bcache.h"
#include "ha/ha-restore.h"
#include "ha/reverse-tunnel.h"
#include "netlink/nl-kernel.h"
#include "event-loop.h"

#define TNL 9
#define HOME 3

static struct in6_addr A(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static struct in6_addr tmp_addr;
#define AP(s) (tmp_addr = A(s), &tmp_addr)

static struct bcs_record put(const char *hoa, const char *coa, uint16_t seq, uint64_t expires_rt)
{
	struct bcs_record r = { .type = BCS_PUT, .hoa = A(hoa), .coa = A(coa), .local = A("2001:db8:1::1"),
				.seq = seq, .lifetime_sec = 600, .expires_rt = expires_rt, .ifindex = HOME };

	return r;
}

static struct bcache *bc;
static struct ha_replay rp;
static struct ha_prefix prefixes[] = { { .len = 64, .ifindex = HOME } };
static struct ha_restore_scope scope;

static void setup(void)
{
	ck_assert_int_eq(bcache_new(&bc), 0);
	rp = (struct ha_replay){ .bc = bc, .now = 1000 * USEC_PER_SEC, .now_rt = 1700000000ULL * USEC_PER_SEC };
	scope = (struct ha_restore_scope){ .tnl_ifindex = TNL, .prefixes = prefixes, .n_prefixes = 1 };
	prefixes[0].prefix = A("2001:db8:1::");
}

static void teardown(void)
{
	bc = bcache_free(bc, NULL, NULL);
}

/* Three bindings: one live, one removed by a later DEL, one whose expiry has passed. */
static void replay_three(void)
{
	struct bcs_record r;

	r = put("2001:db8:1::100", "2001:db8:2::100", 7, rp.now_rt + 300 * USEC_PER_SEC);
	ck_assert_int_eq(ha_replay_record(&r, &rp), 0);
	r.seq = 8; /* a later change of the same binding wins */
	ck_assert_int_eq(ha_replay_record(&r, &rp), 0);
	r = put("2001:db8:1::200", "2001:db8:2::200", 1, rp.now_rt + 300 * USEC_PER_SEC);
	ck_assert_int_eq(ha_replay_record(&r, &rp), 0);
	r = (struct bcs_record){ .type = BCS_DEL, .hoa = A("2001:db8:1::200") };
	ck_assert_int_eq(ha_replay_record(&r, &rp), 0);
	r = put("2001:db8:1::300", "2001:db8:2::300", 3, rp.now_rt - 1);
	ck_assert_int_eq(ha_replay_record(&r, &rp), 0);
}

START_TEST(replay_put_del_expired)
{
	struct bce *e;

	replay_three();
	ck_assert_uint_eq(bcache_count(bc), 2);
	ck_assert_uint_eq(ha_replay_drop_expired(bc, rp.now), 1);
	ck_assert_uint_eq(bcache_count(bc), 1);
	ck_assert_ptr_null(bcache_lookup(bc, AP("2001:db8:1::200")));
	ck_assert_ptr_null(bcache_lookup(bc, AP("2001:db8:1::300")));
	e = bcache_lookup(bc, AP("2001:db8:1::100"));
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->state, BCE_VALID);
	ck_assert_uint_eq(e->seq, 8);
	ck_assert_mem_eq(&e->coa, AP("2001:db8:2::100"), 16);
	ck_assert_uint_eq(e->restore, BCE_R_RESTORED);
	/* The wall-clock expiry on the boot clock: 300 s from now. */
	ck_assert_uint_eq(e->expires, rp.now + 300 * USEC_PER_SEC);
	ck_assert_uint_eq(bcache_count_state(bc, BCE_VALID), 1);
}
END_TEST

START_TEST(record_round_trip)
{
	struct bcs_record r = put("2001:db8:1::100", "2001:db8:2::100", 7, rp.now_rt + 300 * USEC_PER_SEC), back;
	struct bce *e;

	r.flags = BCS_F_LL_PROXY;
	r.bu_flags = 0xd000;
	ck_assert_int_eq(ha_replay_record(&r, &rp), 0);
	e = bcache_lookup(bc, &r.hoa);
	ck_assert(e->ll_proxy);
	bce_to_record(e, rp.now, rp.now_rt, &back);
	ck_assert_uint_eq(back.expires_rt, r.expires_rt);
	ck_assert_uint_eq(back.seq, 7);
	ck_assert_uint_eq(back.bu_flags, 0xd000);
	ck_assert_uint_eq(back.flags, BCS_F_LL_PROXY);
	ck_assert_uint_eq(back.ifindex, HOME);
}
END_TEST

static struct knl_route binding_route(const char *hoa, const char *coa)
{
	struct knl_route rt = { .dst = A(hoa), .dst_len = 128, .oif = TNL, .table = 254, .protocol = RTPROT_MIP,
				.encap = true, .encap_dst = A(coa), .encap_src = A("2001:db8:1::1") };

	return rt;
}

START_TEST(route_verdicts)
{
	struct knl_route rt;
	struct bce *e;

	replay_three();
	(void)ha_replay_drop_expired(bc, rp.now);
	/* Exactly the restored binding's route: adopted, marked. */
	rt = binding_route("2001:db8:1::100", "2001:db8:2::100");
	ck_assert_int_eq(ha_restore_route_verdict(bc, &scope, &rt), HA_RESTORE_ADOPT);
	e = bcache_lookup(bc, &rt.dst);
	ck_assert(e->restore & BCE_R_ROUTE_OK);
	/* Another CoA: replaced by the reinstall, not adopted. */
	e->restore = BCE_R_RESTORED;
	rt = binding_route("2001:db8:1::100", "2001:db8:9::1");
	ck_assert_int_eq(ha_restore_route_verdict(bc, &scope, &rt), HA_RESTORE_REPLACE);
	ck_assert(!(e->restore & BCE_R_ROUTE_OK));
	/* The expired binding's and the deleted one's routes: orphans. */
	rt = binding_route("2001:db8:1::300", "2001:db8:2::300");
	ck_assert_int_eq(ha_restore_route_verdict(bc, &scope, &rt), HA_RESTORE_REMOVE);
	rt = binding_route("2001:db8:1::200", "2001:db8:2::200");
	ck_assert_int_eq(ha_restore_route_verdict(bc, &scope, &rt), HA_RESTORE_REMOVE);
	/* Not the HA's: another protocol, another device, not a host route. */
	rt.protocol = RTPROT_STATIC;
	ck_assert_int_eq(ha_restore_route_verdict(bc, &scope, &rt), HA_RESTORE_IGNORE);
	rt = binding_route("2001:db8:1::200", "2001:db8:2::200");
	rt.oif = TNL + 1;
	ck_assert_int_eq(ha_restore_route_verdict(bc, &scope, &rt), HA_RESTORE_IGNORE);
	rt = binding_route("2001:db8:1::", "2001:db8:2::200");
	rt.dst_len = 64;
	ck_assert_int_eq(ha_restore_route_verdict(bc, &scope, &rt), HA_RESTORE_IGNORE);
}
END_TEST

/*
 * An older version's proxy entries (RFC 6275 §10.4.1 is answered by mip6d itself now): a restored
 * binding's HoA on its home link, and an L=1 binding's fe80::IID, are removed; nobody else's.
 */
START_TEST(proxy_verdicts)
{
	struct knl_neigh n = { .ifindex = HOME, .addr = A("2001:db8:1::100"), .flags = NTF_PROXY };
	struct bcs_record r = put("2001:db8:1::400", "2001:db8:2::400", 1, rp.now_rt + 60 * USEC_PER_SEC);

	replay_three();
	(void)ha_replay_drop_expired(bc, rp.now);
	ck_assert_int_eq(ha_restore_proxy_verdict(bc, &scope, &n), HA_RESTORE_REMOVE);
	n.addr = A("2001:db8:1::300"); /* expired, so not in the cache: not known to be ours */
	ck_assert_int_eq(ha_restore_proxy_verdict(bc, &scope, &n), HA_RESTORE_IGNORE);
	n.addr = A("2001:db8:1::999"); /* in a served prefix, no binding: another daemon's, an operator's */
	ck_assert_int_eq(ha_restore_proxy_verdict(bc, &scope, &n), HA_RESTORE_IGNORE);
	n.addr = A("2001:db8:7::1"); /* not a served prefix: someone else's */
	ck_assert_int_eq(ha_restore_proxy_verdict(bc, &scope, &n), HA_RESTORE_IGNORE);
	n.addr = A("2001:db8:1::100");
	n.ifindex = HOME + 1; /* not on the binding's home link */
	ck_assert_int_eq(ha_restore_proxy_verdict(bc, &scope, &n), HA_RESTORE_IGNORE);
	n.ifindex = HOME;
	n.flags = 0; /* a neighbour, not a proxy entry */
	ck_assert_int_eq(ha_restore_proxy_verdict(bc, &scope, &n), HA_RESTORE_IGNORE);
	/* L=1: fe80::IID of a restored binding with ll_proxy is removed; of one without, left alone. */
	n = (struct knl_neigh){ .ifindex = HOME, .addr = A("fe80::400"), .flags = NTF_PROXY };
	ck_assert_int_eq(ha_restore_proxy_verdict(bc, &scope, &n), HA_RESTORE_IGNORE); /* not restored yet */
	r.flags = BCS_F_LL_PROXY;
	ck_assert_int_eq(ha_replay_record(&r, &rp), 0);
	ck_assert_int_eq(ha_restore_proxy_verdict(bc, &scope, &n), HA_RESTORE_REMOVE);
	n.addr = A("fe80::100");
	ck_assert_int_eq(ha_restore_proxy_verdict(bc, &scope, &n), HA_RESTORE_IGNORE);
}
END_TEST

/* RFC 6275 §10.4.5 filters: a restored binding's (HoA and CoA) adopted once, the rest removed or left. */
START_TEST(filter_verdicts)
{
	struct knl_tc_filter f = { .ifindex = TNL, .prio = REVTUN_PRIO_BINDING, .handle = 17,
				   .enc_src = A("2001:db8:2::100"), .src = A("2001:db8:1::100") };
	struct bce *e;

	replay_three();
	(void)ha_replay_drop_expired(bc, rp.now);
	e = bcache_lookup(bc, &f.src);
	ck_assert_uint_eq(e->revtun_handle, 0);
	ck_assert_int_eq(ha_restore_filter_verdict(bc, &scope, &f), HA_RESTORE_ADOPT);
	ck_assert_uint_eq(e->revtun_handle, 17);
	f.handle = 18; /* the same binding's second filter: a duplicate */
	ck_assert_int_eq(ha_restore_filter_verdict(bc, &scope, &f), HA_RESTORE_REMOVE);
	ck_assert_uint_eq(e->revtun_handle, 17);
	e->revtun_handle = 0;
	f.enc_src = A("2001:db8:2::999"); /* an older CoA: not adopted, the binding gets its own */
	ck_assert_int_eq(ha_restore_filter_verdict(bc, &scope, &f), HA_RESTORE_REMOVE);
	ck_assert_uint_eq(e->revtun_handle, 0);
	f.src = A("2001:db8:1::300"), f.enc_src = A("2001:db8:2::300"); /* expired, dropped */
	ck_assert_int_eq(ha_restore_filter_verdict(bc, &scope, &f), HA_RESTORE_REMOVE);
	f.src = A("2001:db8:1::200"), f.enc_src = A("2001:db8:2::200"); /* deleted by a later record */
	ck_assert_int_eq(ha_restore_filter_verdict(bc, &scope, &f), HA_RESTORE_REMOVE);
	/* Not a binding filter: the prio itself (handle 0), the drop filter, another prio or device. */
	f = (struct knl_tc_filter){ .ifindex = TNL, .prio = REVTUN_PRIO_BINDING, .enc_src = A("2001:db8:2::100"),
				    .src = A("2001:db8:1::100") };
	ck_assert_int_eq(ha_restore_filter_verdict(bc, &scope, &f), HA_RESTORE_IGNORE);
	f.handle = 17, f.drop = true;
	ck_assert_int_eq(ha_restore_filter_verdict(bc, &scope, &f), HA_RESTORE_IGNORE);
	f.drop = false, f.prio = REVTUN_PRIO_DROP;
	ck_assert_int_eq(ha_restore_filter_verdict(bc, &scope, &f), HA_RESTORE_IGNORE);
	f.prio = REVTUN_PRIO_BINDING, f.ifindex = TNL + 1;
	ck_assert_int_eq(ha_restore_filter_verdict(bc, &scope, &f), HA_RESTORE_IGNORE);
	ck_assert_uint_eq(e->revtun_handle, 0);
}
END_TEST

/* ---- against the fake kernel ------------------------------------------------ */

struct kseen {
	unsigned newroute, delroute, newneigh, delneigh, dumps, filter_dumps, delfilter, newfilter;
	uint32_t delfilter_handle, newfilter_handle;
	int route_answer, filter_dump_answer;
	bool done;
	int result;
};
static struct kseen K;

static int fake(int protocol, const uint8_t *msg, size_t len, void *ud)
{
	struct nlmsghdr h;

	ck_assert_uint_ge(len, sizeof(h));
	memcpy(&h, msg, sizeof(h));
	if (h.nlmsg_type == RTM_GETROUTE || h.nlmsg_type == RTM_GETNEIGH)
		K.dumps++;
	else if (h.nlmsg_type == RTM_NEWROUTE) {
		K.newroute++;
		return K.route_answer;
	} else if (h.nlmsg_type == RTM_DELROUTE)
		K.delroute++;
	else if (h.nlmsg_type == RTM_NEWNEIGH)
		K.newneigh++;
	else if (h.nlmsg_type == RTM_DELNEIGH)
		K.delneigh++;
	else if (h.nlmsg_type == RTM_GETTFILTER) {
		K.filter_dumps++;
		return K.filter_dump_answer;
	} else if (h.nlmsg_type == RTM_DELTFILTER || h.nlmsg_type == RTM_NEWTFILTER) {
		struct tcmsg t;

		ck_assert_uint_ge(len, NLMSG_HDRLEN + sizeof(t));
		memcpy(&t, msg + NLMSG_HDRLEN, sizeof(t));
		if (h.nlmsg_type == RTM_DELTFILTER)
			K.delfilter++, K.delfilter_handle = t.tcm_handle;
		else if (TC_H_MAJ(t.tcm_info) >> 16 == REVTUN_PRIO_BINDING)
			K.newfilter++, K.newfilter_handle = t.tcm_handle;
	}
	return 0;
}

static void on_done(int result, void *ud)
{
	K.done = true;
	K.result = result;
}

static bool is_done(void)
{
	return K.done;
}

static bool setup_done;
static void on_setup(int result, void *ud)
{
	ck_assert_int_eq(result, 0);
	setup_done = true;
}

static bool is_setup_done(void)
{
	return setup_done;
}

/*
 * The fake kernel's dumps are empty: every restored, unexpired binding is installed; the expired is not.
 * With a revtun (set up without the flush, as with NonVolatileBindingCache), its filters are dumped too.
 */
static void reconcile_with(int route_answer, int filter_dump_answer, bool with_revtun, struct ha_restore_stats *st)
{
	sd_event *ev = NULL;
	struct knl *k = NULL;
	struct ha_restore *rs = NULL;
	struct revtun *rt = NULL;

	memset(&K, 0, sizeof(K));
	K.route_answer = route_answer;
	K.filter_dump_answer = filter_dump_answer;
	ck_assert_int_ge(sd_event_new(&ev), 0);
	ck_assert_int_eq(knl_new_fake(ev, fake, NULL, &k), 0);
	if (with_revtun) {
		ck_assert_int_eq(revtun_new(k, &rt), 0);
		setup_done = false;
		ck_assert_int_eq(revtun_setup(rt, TNL, false, on_setup, NULL), 0);
		ck_assert(loop_run_until(ev, is_setup_done, 5000));
		ck_assert_uint_eq(K.delfilter, 0); /* no flush: the last run's filters stay */
		scope.revtun = rt;
	}
	replay_three();
	(void)ha_replay_drop_expired(bc, rp.now);
	ck_assert_int_eq(ha_restore_start(k, bc, &scope, on_done, NULL, &rs), 0);
	ck_assert(!K.done); /* never inside the call */
	ck_assert(loop_run_until(ev, is_done, 5000));
	ha_restore_get_stats(rs, st);
	rs = ha_restore_free(rs);
	rt = revtun_free(rt);
	k = knl_free(k);
	sd_event_unref(ev);
}

static void reconcile(int route_answer, struct ha_restore_stats *st)
{
	reconcile_with(route_answer, 0, false, st);
	ck_assert_uint_eq(K.filter_dumps, 0);
}

START_TEST(reconcile_installs_what_is_missing)
{
	struct ha_restore_stats st;
	struct bce *e;

	reconcile(0, &st);
	ck_assert_int_eq(K.result, 0);
	ck_assert_uint_eq(K.dumps, 2); /* routes, then proxy entries */
	ck_assert_uint_eq(K.newroute, 1);
	ck_assert_uint_eq(K.newneigh, 0); /* no proxy entry: RFC 6275 §10.4.1 is answered by mip6d */
	ck_assert_uint_eq(K.delroute + K.delneigh, 0);
	ck_assert_uint_eq(st.installed, 1);
	ck_assert_uint_eq(st.failed, 0);
	e = bcache_lookup(bc, AP("2001:db8:1::100"));
	ck_assert(!(e->restore & BCE_R_FAILED));
}
END_TEST

START_TEST(reconcile_refused_install_is_marked)
{
	struct ha_restore_stats st;
	struct bce *e;

	reconcile(-ENOBUFS, &st);
	ck_assert_uint_eq(st.failed, 1);
	e = bcache_lookup(bc, AP("2001:db8:1::100"));
	ck_assert(e->restore & BCE_R_FAILED);
}
END_TEST

/* The filter dump comes third; an empty one removes nothing (the HA installs the binding's filter). */
START_TEST(reconcile_dumps_filters)
{
	struct ha_restore_stats st;

	reconcile_with(0, 0, true, &st);
	ck_assert_int_eq(K.result, 0);
	ck_assert_uint_eq(K.dumps, 2);
	ck_assert_uint_eq(K.filter_dumps, 1);
	ck_assert_uint_eq(K.delfilter, 0);
	ck_assert_uint_eq(st.adopted_filters, 0);
	ck_assert_uint_eq(bcache_lookup(bc, AP("2001:db8:1::100"))->revtun_handle, 0);
}
END_TEST

/* A failed filter dump cannot tell the filters apart: the whole prio goes, none stays adopted. */
START_TEST(reconcile_failed_filter_dump_flushes)
{
	struct ha_restore_stats st;

	reconcile_with(0, -ENOBUFS, true, &st);
	ck_assert_int_eq(K.result, -ENOBUFS);
	ck_assert_uint_eq(K.delfilter, 1);
	ck_assert_uint_eq(K.delfilter_handle, 0); /* handle 0: every filter of the prio */
	ck_assert_uint_eq(st.adopted_filters, 0);
	ck_assert_uint_eq(bcache_lookup(bc, AP("2001:db8:1::100"))->revtun_handle, 0);
	ck_assert_uint_eq(K.newroute, 1); /* the rest of the reconciliation still ran */
}
END_TEST

static bool foreign_and_new_seen(void)
{
	return K.delfilter == 2 && K.newfilter == 1;
}

/* Adopted handles are never handed out again; a foreign one's delete names its handle. */
START_TEST(revtun_adopted_handles)
{
	sd_event *ev = NULL;
	struct knl *k = NULL;
	struct revtun *rt = NULL;
	struct in6_addr coa = A("2001:db8:2::1"), hoa = A("2001:db8:1::1");
	uint32_t h = 0;

	memset(&K, 0, sizeof(K));
	ck_assert_int_ge(sd_event_new(&ev), 0);
	ck_assert_int_eq(knl_new_fake(ev, fake, NULL, &k), 0);
	ck_assert_int_eq(revtun_new(k, &rt), 0);
	setup_done = false;
	ck_assert_int_eq(revtun_setup(rt, TNL, true, on_setup, NULL), 0);
	ck_assert(loop_run_until(ev, is_setup_done, 5000));
	ck_assert_uint_eq(K.delfilter, 1); /* with the flush */
	revtun_adopt(rt, 5);
	revtun_adopt(rt, 3);
	ck_assert_int_eq(revtun_remove_foreign(rt, 9, NULL, NULL, NULL), 0);
	ck_assert_uint_eq(revtun_count(rt), 2);
	ck_assert_int_eq(revtun_bind(rt, &h, &coa, &hoa, NULL, NULL, NULL), 0);
	ck_assert_uint_eq(h, 10);
	ck_assert_uint_eq(revtun_count(rt), 3);
	ck_assert(loop_run_until(ev, foreign_and_new_seen, 5000));
	ck_assert_uint_eq(K.delfilter, 2);
	ck_assert_uint_eq(K.delfilter_handle, 9);
	ck_assert_uint_eq(K.newfilter_handle, 10);
	rt = revtun_free(rt);
	k = knl_free(k);
	sd_event_unref(ev);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ha-restore");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, replay_put_del_expired);
	tcase_add_test(tc, record_round_trip);
	tcase_add_test(tc, route_verdicts);
	tcase_add_test(tc, proxy_verdicts);
	tcase_add_test(tc, filter_verdicts);
	tcase_add_test(tc, reconcile_installs_what_is_missing);
	tcase_add_test(tc, reconcile_refused_install_is_marked);
	tcase_add_test(tc, reconcile_dumps_filters);
	tcase_add_test(tc, reconcile_failed_filter_dump_flushes);
	tcase_add_test(tc, revtun_adopted_handles);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
