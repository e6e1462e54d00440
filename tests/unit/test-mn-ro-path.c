/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MN's route-optimisation data path per correspondent (mn/mn-ro-path.h): the objects as
 * RFC 6275 §6.3/§6.4 need them (HAO out from the CoA, RH2 in from the CN) and the order of the
 * operations between levels: states before the policies using them, policies before their
 * states, the data policy out before the CoA changes.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <linux/xfrm.h>
#include <stdlib.h>
#include <string.h>

#include "mn/mn-ro-path.h"

static struct in6_addr A(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static bool eq(const struct in6_addr *a, const char *s)
{
	struct in6_addr b = A(s);

	return memcmp(a, &b, sizeof(b)) == 0;
}

#define HOA "2001:db8:1::100"
#define CN "2001:db8:9::9"
#define COA1 "2001:db8:2::100"
#define COA2 "2001:db8:3::100"

static struct mn_plan P;

static int plan(enum mn_ro_level from, const char *from_coa, enum mn_ro_level to, const char *to_coa)
{
	struct in6_addr hoa = A(HOA), cn = A(CN);
	struct mn_ro_path have = { .level = from, .coa = A(from_coa) }, want = { .level = to, .coa = A(to_coa) };

	return mn_ro_plan(&hoa, &cn, &have, &want, &P);
}

/* The op at i: kind, op, and for a policy its direction and selector's protocol/type. */
static void is_state(unsigned i, enum knl_op op, uint8_t proto)
{
	ck_assert_uint_lt(i, P.n);
	ck_assert_int_eq(P.ops[i].kind, MN_OP_XFRM_STATE);
	ck_assert_int_eq(P.ops[i].op, op);
	ck_assert_uint_eq(P.ops[i].state.proto, proto);
	ck_assert_uint_eq(P.ops[i].state.mode, XFRM_MODE_ROUTEOPTIMIZATION);
}

static void is_policy(unsigned i, enum knl_op op, uint8_t dir, uint8_t sel_proto, int sel_type)
{
	ck_assert_uint_lt(i, P.n);
	ck_assert_int_eq(P.ops[i].kind, MN_OP_XFRM_POLICY);
	ck_assert_int_eq(P.ops[i].op, op);
	ck_assert_uint_eq(P.ops[i].policy.dir, dir);
	ck_assert_uint_eq(P.ops[i].policy.sel.proto, sel_proto);
	ck_assert_int_eq(P.ops[i].policy.sel.type, sel_type);
}

START_TEST(objects)
{
	struct in6_addr hoa = A(HOA), cn = A(CN), coa = A(COA1);
	struct knl_xfrm_state s;
	struct knl_xfrm_policy p;

	/* §6.3: out, HAO: the HoA's packets to the CN, from the CoA. */
	mn_ro_state_out(&hoa, &cn, &coa, &s);
	ck_assert(eq(&s.src, HOA) && eq(&s.dst, CN) && eq(&s.coaddr, COA1));
	ck_assert_uint_eq(s.proto, IPPROTO_DSTOPTS);
	ck_assert(eq(&s.sel.src, HOA) && eq(&s.sel.dst, CN) && s.sel.src_len == 128 && s.sel.dst_len == 128);
	/* §6.4: in, RH2 from the CN naming the HoA. */
	mn_ro_state_in(&hoa, &cn, &s);
	ck_assert(eq(&s.src, CN) && eq(&s.dst, HOA));
	ck_assert_uint_eq(s.proto, IPPROTO_ROUTING);
	mn_ro_policy_in(&hoa, &cn, &p);
	ck_assert(eq(&p.sel.src, CN) && eq(&p.sel.dst, HOA) && p.n_tmpl == 1 && p.tmpl[0].optional);
	ck_assert_uint_eq(p.tmpl[0].proto, IPPROTO_ROUTING);
	mn_ro_policy_data(&hoa, &cn, &p);
	ck_assert(eq(&p.sel.src, HOA) && eq(&p.sel.dst, CN) && p.sel.proto == 0 && p.n_tmpl == 1);
	ck_assert_uint_eq(p.tmpl[0].proto, IPPROTO_DSTOPTS);
	ck_assert_uint_eq(p.priority, MN_RO_PRIORITY);
	/* The MH policies win over the data policy (lower is preferred). */
	mn_ro_policy_bu(&hoa, &cn, &p);
	ck_assert(p.sel.proto == IPPROTO_MH && p.sel.type == 5 && p.n_tmpl == 1 && !p.tmpl[0].optional);
	ck_assert_uint_lt(p.priority, MN_RO_PRIORITY);
	mn_ro_policy_hoti(&hoa, &cn, &p);
	ck_assert(p.sel.proto == IPPROTO_MH && p.sel.type == 1 && p.n_tmpl == 0);
	ck_assert_uint_lt(p.priority, MN_RO_PRIORITY);
	/*
	 * TunnelHomeTesting (RFC 4877 §7.2): its out entry HoA -> any MH is at priority 2 (ipsec/spd.h).
	 * The BU to the CN must win over it (else it goes into the ESP tunnel to the HA), the
	 * per-CN HoTI entry must lose to it (the HoTI goes into that tunnel).
	 */
	mn_ro_policy_bu(&hoa, &cn, &p);
	ck_assert_uint_lt(p.priority, 2);
	mn_ro_policy_hoti(&hoa, &cn, &p);
	ck_assert_uint_gt(p.priority, 2);
}
END_TEST

START_TEST(levels)
{
	/* OFF -> PREP: the states, then the policies; no data policy. */
	ck_assert_int_eq(plan(MN_RO_OFF, "::", MN_RO_PREP, COA1), 5);
	is_state(0, KNL_OP_REPLACE, IPPROTO_ROUTING);
	is_state(1, KNL_OP_REPLACE, IPPROTO_DSTOPTS);
	ck_assert(eq(&P.ops[1].state.coaddr, COA1));
	is_policy(2, KNL_OP_REPLACE, XFRM_POLICY_IN, 0, KNL_XFRM_TYPE_ANY);
	is_policy(3, KNL_OP_REPLACE, XFRM_POLICY_OUT, IPPROTO_MH, 1);
	is_policy(4, KNL_OP_REPLACE, XFRM_POLICY_OUT, IPPROTO_MH, 5);
	/* The same again: nothing. */
	ck_assert_int_eq(plan(MN_RO_PREP, COA1, MN_RO_PREP, COA1), 0);
	ck_assert_int_eq(plan(MN_RO_OFF, COA1, MN_RO_OFF, COA2), 0);
	/* PREP -> ON: the data policy only. */
	ck_assert_int_eq(plan(MN_RO_PREP, COA1, MN_RO_ON, COA1), 1);
	is_policy(0, KNL_OP_REPLACE, XFRM_POLICY_OUT, 0, KNL_XFRM_TYPE_ANY);
	/* ON, a move: the data policy out first, then the new CoA in the hao state. */
	ck_assert_int_eq(plan(MN_RO_ON, COA1, MN_RO_PREP, COA2), 2);
	is_policy(0, KNL_OP_DEL, XFRM_POLICY_OUT, 0, KNL_XFRM_TYPE_ANY);
	is_state(1, KNL_OP_REPLACE, IPPROTO_DSTOPTS);
	ck_assert(eq(&P.ops[1].state.coaddr, COA2));
	/* PREP, a move: the state only. */
	ck_assert_int_eq(plan(MN_RO_PREP, COA1, MN_RO_PREP, COA2), 1);
	is_state(0, KNL_OP_REPLACE, IPPROTO_DSTOPTS);
	/* ON, the same CoA, ON: nothing; a new CoA straight to ON: out, state, in again. */
	ck_assert_int_eq(plan(MN_RO_ON, COA1, MN_RO_ON, COA1), 0);
	ck_assert_int_eq(plan(MN_RO_ON, COA1, MN_RO_ON, COA2), 3);
	is_policy(0, KNL_OP_DEL, XFRM_POLICY_OUT, 0, KNL_XFRM_TYPE_ANY);
	is_state(1, KNL_OP_REPLACE, IPPROTO_DSTOPTS);
	is_policy(2, KNL_OP_REPLACE, XFRM_POLICY_OUT, 0, KNL_XFRM_TYPE_ANY);
	/* ON -> OFF: the policies, then the states (the hao state named with its CoA). */
	ck_assert_int_eq(plan(MN_RO_ON, COA1, MN_RO_OFF, COA1), 6);
	is_policy(0, KNL_OP_DEL, XFRM_POLICY_OUT, 0, KNL_XFRM_TYPE_ANY);
	is_policy(1, KNL_OP_DEL, XFRM_POLICY_OUT, IPPROTO_MH, 5);
	is_policy(2, KNL_OP_DEL, XFRM_POLICY_OUT, IPPROTO_MH, 1);
	is_policy(3, KNL_OP_DEL, XFRM_POLICY_IN, 0, KNL_XFRM_TYPE_ANY);
	is_state(4, KNL_OP_DEL, IPPROTO_DSTOPTS);
	is_state(5, KNL_OP_DEL, IPPROTO_ROUTING);
	ck_assert_int_eq(plan(MN_RO_PREP, COA1, MN_RO_OFF, COA1), 5);
	ck_assert_int_eq(plan(_MN_RO_LEVEL_MAX, COA1, MN_RO_OFF, COA1), -EINVAL);
}
END_TEST

static int plan_hold(enum mn_ro_level from, const char *from_coa, enum mn_ro_level to, const char *to_coa)
{
	struct in6_addr hoa = A(HOA), cn = A(CN);
	struct mn_ro_path have = { .level = from, .coa = A(from_coa), .hold = true },
			  want = { .level = to, .coa = A(to_coa), .hold = true };

	return mn_ro_plan(&hoa, &cn, &have, &want, &P);
}

/* A policy op on the data selector (HoA -> CN, any protocol, MN_RO_PRIORITY) with n templates. */
static void is_data_sel(unsigned i, enum knl_op op, unsigned n_tmpl)
{
	is_policy(i, op, XFRM_POLICY_OUT, 0, KNL_XFRM_TYPE_ANY);
	ck_assert(eq(&P.ops[i].policy.sel.src, HOA) && eq(&P.ops[i].policy.sel.dst, CN));
	ck_assert_uint_eq(P.ops[i].policy.priority, MN_RO_PRIORITY);
	if (op != KNL_OP_DEL)
		ck_assert_uint_eq(P.ops[i].policy.n_tmpl, n_tmpl);
}

/*
 * With the trigger (a wildcard MnRoPolicy): the data selector holds a policy without templates
 * from before the hao state exists until after it is gone, replaced in place by the data policy
 * at ON (the trigger's optional hao template must never find an entry's state for its data).
 */
START_TEST(levels_hold)
{
	ck_assert_int_eq(plan_hold(MN_RO_OFF, "::", MN_RO_PREP, COA1), 6);
	is_data_sel(0, KNL_OP_REPLACE, 0);
	is_state(1, KNL_OP_REPLACE, IPPROTO_ROUTING);
	is_state(2, KNL_OP_REPLACE, IPPROTO_DSTOPTS);
	is_policy(5, KNL_OP_REPLACE, XFRM_POLICY_OUT, IPPROTO_MH, 5);
	/* PREP -> ON: the data policy in its place (UPDPOLICY, same selector). */
	ck_assert_int_eq(plan_hold(MN_RO_PREP, COA1, MN_RO_ON, COA1), 1);
	is_data_sel(0, KNL_OP_REPLACE, 1);
	/* ON, a move: the hold policy replaces the data policy before the CoA changes. */
	ck_assert_int_eq(plan_hold(MN_RO_ON, COA1, MN_RO_PREP, COA2), 2);
	is_data_sel(0, KNL_OP_REPLACE, 0);
	is_state(1, KNL_OP_REPLACE, IPPROTO_DSTOPTS);
	/* ON -> OFF: hold first, the states, the hold policy last. */
	ck_assert_int_eq(plan_hold(MN_RO_ON, COA1, MN_RO_OFF, COA1), 7);
	is_data_sel(0, KNL_OP_REPLACE, 0);
	is_state(4, KNL_OP_DEL, IPPROTO_DSTOPTS);
	is_state(5, KNL_OP_DEL, IPPROTO_ROUTING);
	is_data_sel(6, KNL_OP_DEL, 0);
	ck_assert_int_eq(plan_hold(MN_RO_PREP, COA1, MN_RO_OFF, COA1), 6);
	is_data_sel(5, KNL_OP_DEL, 0);
	for (unsigned i = 0; i < P.n; i++) /* never a DEL of the data policy before the states go */
		if (P.ops[i].kind == MN_OP_XFRM_POLICY && P.ops[i].policy.sel.proto == 0 &&
		    P.ops[i].policy.dir == XFRM_POLICY_OUT)
			ck_assert_uint_eq(i, 5);
}
END_TEST

/* The trigger's policies, field by field, and their order. */
START_TEST(trigger)
{
	struct in6_addr hoa = A(HOA), ha = A("2001:db8:1::1");
	struct knl_xfrm_policy p[_MN_RO_TRIG_N];
	const struct knl_xfrm_policy *t = &p[MN_RO_TRIG];

	mn_ro_trigger_policies(&hoa, &ha, p);
	/* out, HoA/128 -> ::/0, any protocol, one hao template "use", mode ro, reqid 0, dst :: */
	ck_assert_uint_eq(t->dir, XFRM_POLICY_OUT);
	ck_assert(eq(&t->sel.src, HOA) && t->sel.src_len == 128 && eq(&t->sel.dst, "::") && t->sel.dst_len == 0);
	ck_assert_uint_eq(t->sel.proto, 0);
	ck_assert_int_eq(t->sel.type, KNL_XFRM_TYPE_ANY);
	ck_assert_uint_eq(t->action, XFRM_POLICY_ALLOW);
	ck_assert_uint_eq(t->n_tmpl, 1);
	ck_assert_uint_eq(t->tmpl[0].proto, IPPROTO_DSTOPTS);
	ck_assert_uint_eq(t->tmpl[0].mode, XFRM_MODE_ROUTEOPTIMIZATION);
	ck_assert(t->tmpl[0].optional);
	ck_assert_uint_eq(t->tmpl[0].reqid, 0);
	ck_assert_uint_eq(t->tmpl[0].spi, 0);
	ck_assert(eq(&t->tmpl[0].src, HOA) && eq(&t->tmpl[0].dst, "::"));
	/* below everything: the per-CN policies, the SPD's (1, 2), an IKE daemon's (up to ~2^19) */
	ck_assert_uint_gt(t->priority, MN_RO_PRIORITY);
	ck_assert_uint_gt(t->priority, 1u << 24);
	/* the bypasses: no template, just above the trigger */
	ck_assert(p[MN_RO_TRIG_MH].sel.proto == IPPROTO_MH && p[MN_RO_TRIG_MH].n_tmpl == 0);
	ck_assert(eq(&p[MN_RO_TRIG_MH].sel.src, HOA) && p[MN_RO_TRIG_MH].sel.dst_len == 0);
	ck_assert(eq(&p[MN_RO_TRIG_HA].sel.dst, "2001:db8:1::1") && p[MN_RO_TRIG_HA].sel.dst_len == 128);
	ck_assert(p[MN_RO_TRIG_HA].sel.proto == 0 && p[MN_RO_TRIG_HA].n_tmpl == 0);
	for (int i = 0; i < MN_RO_TRIG; i++) {
		ck_assert_uint_eq(p[i].dir, XFRM_POLICY_OUT);
		ck_assert_uint_lt(p[i].priority, t->priority);
		ck_assert_uint_gt(p[i].priority, MN_RO_PRIORITY);
	}
	/* up: the bypasses first; down: the trigger first */
	ck_assert_int_eq(mn_ro_trigger_plan(&hoa, &ha, true, &P), 3);
	ck_assert_int_eq(P.ops[2].op, KNL_OP_REPLACE);
	ck_assert_uint_eq(P.ops[2].policy.priority, MN_RO_TRIGGER_PRIORITY);
	ck_assert_uint_eq(P.ops[0].policy.n_tmpl + P.ops[1].policy.n_tmpl, 0);
	ck_assert_int_eq(mn_ro_trigger_plan(&hoa, &ha, false, &P), 3);
	ck_assert_int_eq(P.ops[0].op, KNL_OP_DEL);
	ck_assert_uint_eq(P.ops[0].policy.priority, MN_RO_TRIGGER_PRIORITY);
	ck_assert_int_eq(P.ops[2].op, KNL_OP_DEL);
}
END_TEST

/*
 * A learnt correspondent's binding before its expiry (mn_ro_use_decide): refreshed only when
 * the hao state carried data since the last check (its packets grew by more than the BUs sent
 * through it); idle, unread or without a base it expires.
 */
START_TEST(use_decide)
{
	const struct mn_ro_use base = { .packets = 40, .mh = 3 };
	struct mn_ro_use now;

	/* used: 10 packets, one of them our refresh BU */
	now = (struct mn_ro_use){ .packets = 50, .mh = 4 };
	ck_assert_int_eq(mn_ro_use_decide(0, &base, &now), MN_RO_USE_REFRESH);
	/* one data packet beside one BU is enough */
	now = (struct mn_ro_use){ .packets = 42, .mh = 4 };
	ck_assert_int_eq(mn_ro_use_decide(0, &base, &now), MN_RO_USE_REFRESH);
	/* idle: nothing at all, or only our own BUs (a retransmission too) */
	now = base;
	ck_assert_int_eq(mn_ro_use_decide(0, &base, &now), MN_RO_USE_IDLE);
	now = (struct mn_ro_use){ .packets = 42, .mh = 5 };
	ck_assert_int_eq(mn_ro_use_decide(0, &base, &now), MN_RO_USE_IDLE);
	/* the state added anew (fewer packets than the base): counted from 0 */
	now = (struct mn_ro_use){ .packets = 3, .mh = 4 };
	ck_assert_int_eq(mn_ro_use_decide(0, &base, &now), MN_RO_USE_REFRESH);
	now = (struct mn_ro_use){ .packets = 1, .mh = 4 };
	ck_assert_int_eq(mn_ro_use_decide(0, &base, &now), MN_RO_USE_IDLE);
	/* a failed read fails closed, even when the numbers say used; so does no base */
	now = (struct mn_ro_use){ .packets = 500, .mh = 3 };
	ck_assert_int_eq(mn_ro_use_decide(-ESRCH, &base, &now), MN_RO_USE_UNKNOWN);
	ck_assert_int_eq(mn_ro_use_decide(-EIO, &base, &now), MN_RO_USE_UNKNOWN);
	ck_assert_int_eq(mn_ro_use_decide(0, NULL, &now), MN_RO_USE_UNKNOWN);
	ck_assert_int_eq(mn_ro_use_decide(0, &base, NULL), MN_RO_USE_UNKNOWN);
	/* a BU count going back is no count of ours */
	now = (struct mn_ro_use){ .packets = 500, .mh = 2 };
	ck_assert_int_eq(mn_ro_use_decide(0, &base, &now), MN_RO_USE_UNKNOWN);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mn-ro-path");
	TCase *tc = tcase_create("plan");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, objects);
	tcase_add_test(tc, levels);
	tcase_add_test(tc, levels_hold);
	tcase_add_test(tc, trigger);
	tcase_add_test(tc, use_decide);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
