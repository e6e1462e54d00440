/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MN's data-path plan (src/mn/mn-plan.h): the exact ordered kernel
 * operations for home -> foreign, foreign -> foreign, foreign -> home and the
 * first move after start, with and without MN–HA IPsec. Each operation is
 * rendered to one line in the style of iproute2 so that a difference in any
 * field shows up in the comparison.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/xfrm.h>
#include <stdio.h>
#include <string.h>

#include "mn/mn-plan.h"

#define IF 2
#define TNL 7

static struct in6_addr A(const char *s)
{
	struct in6_addr a;
	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static struct mn_plan_config config(bool ipsec)
{
	struct mn_plan_config c = { .ifindex = IF, .tnl_ifindex = TNL, .home_plen = 64, .ipsec = ipsec };

	c.hoa = A("2001:db8:1::100");
	c.ha = A("2001:db8:1::1");
	return c;
}

static struct mn_location home(void)
{
	return (struct mn_location){ .loc = MN_LOC_HOME, .coa = A("2001:db8:1::100"), .router = A("fe80::1") };
}

static struct mn_location foreign1(void)
{
	return (struct mn_location){ .loc = MN_LOC_FOREIGN, .coa = A("2001:db8:2::5"), .router = A("fe80::2") };
}

static struct mn_location foreign2(void)
{
	return (struct mn_location){ .loc = MN_LOC_FOREIGN, .coa = A("2001:db8:3::5"), .router = A("fe80::3") };
}

static const char *ops_name(enum knl_op op)
{
	return op == KNL_OP_ADD ? "add" : op == KNL_OP_REPLACE ? "replace" : "del";
}

static const char *S(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static void render_route(const struct knl_route *r, char *out, size_t n)
{
	char d[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN], e1[INET6_ADDRSTRLEN],
		e2[INET6_ADDRSTRLEN];

	snprintf(out, n, "route %s/%u via %s src %s dev %d table %u metric %u encap %d %s %s", S(&r->dst, d),
		 r->dst_len, S(&r->gateway, g), S(&r->prefsrc, p), r->oif, r->table, r->metric, r->encap,
		 S(&r->encap_dst, e1), S(&r->encap_src, e2));
}

static void render_policy(const struct knl_xfrm_policy *x, char *out, size_t n)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int len = snprintf(out, n, "policy dir %u %s -> %s proto %u type %d prio %u", x->dir, S(&x->sel.src, s),
			   S(&x->sel.dst, d), x->sel.proto, x->sel.type, x->priority);

	for (unsigned i = 0; i < x->n_tmpl && len > 0 && (size_t)len < n; i++)
		len += snprintf(out + len, n - (size_t)len, " [%u %u reqid %u%s]", x->tmpl[i].proto, x->tmpl[i].mode,
				x->tmpl[i].reqid, x->tmpl[i].optional ? " opt" : "");
}

static void render(const struct mn_op *o, char *out, size_t n)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];
	int len = snprintf(out, n, "%s ", ops_name(o->op));

	out += len;
	n -= (size_t)len;
	switch (o->kind) {
	case MN_OP_ADDR:
		snprintf(out, n, "addr %s/%u dev %d flags 0x%x", S(&o->addr.addr, a), o->addr.prefixlen,
			 o->addr.ifindex, o->addr.flags);
		break;
	case MN_OP_ROUTE:
		render_route(&o->route, out, n);
		break;
	case MN_OP_RULE:
		snprintf(out, n, "rule from %s/%u table %u pref %u", S(&o->rule.from, a), o->rule.from_len,
			 o->rule.table, o->rule.priority);
		break;
	case MN_OP_XFRM_POLICY:
		render_policy(&o->policy, out, n);
		break;
	case MN_OP_XFRM_STATE:
		snprintf(out, n, "state %s -> %s proto %u mode %u coa %s", S(&o->state.src, a), S(&o->state.dst, b),
			 o->state.proto, o->state.mode, S(&o->state.coaddr, c));
		break;
	case MN_OP_TC_FILTER:
		snprintf(out, n, "filter dev %d prio %u handle %u outer %s inner %s%s", o->filter.ifindex,
			 o->filter.prio, o->filter.handle, S(&o->filter.enc_src, a),
			 o->filter.any_src ? "any" : S(&o->filter.src, b), o->filter.drop ? " drop" : "");
		break;
	default:
		snprintf(out, n, "?");
	}
}

static void expect_plan(const struct mn_plan *pp, int n, const char *const *want, unsigned n_want)
{
	const struct mn_plan p = *pp;
	char line[512];

	ck_assert_int_eq(n, (int)p.n);
	for (unsigned i = 0; i < p.n && i < n_want; i++) {
		render(&p.ops[i], line, sizeof(line));
		ck_assert_msg(strcmp(line, want[i]) == 0, "op %u:\n  got  %s\n  want %s", i, line, want[i]);
	}
	ck_assert_uint_eq(p.n, n_want);
}

static void expect(const struct mn_plan_config *c, const struct mn_location *from, const struct mn_location *to,
		   const char *const *want, unsigned n_want)
{
	struct mn_plan p;
	int n = mn_plan_move(c, from, to, &p);

	expect_plan(&p, n, want, n_want);
}

/* mn_plan_change_ha from old to c at `at`. */
#define EXPECT_CHANGE(old, c, at, ...)                                                       \
	do {                                                                                 \
		static const char *const w_[] = { __VA_ARGS__ };                             \
		struct mn_location a_ = at;                                                  \
		struct mn_plan p_;                                                           \
		int n_ = mn_plan_change_ha(old, c, &a_, &p_);                                \
		expect_plan(&p_, n_, w_, sizeof(w_) / sizeof(w_[0]));                        \
	} while (0)

#define EXPECT(c, from, to, ...)                                                             \
	do {                                                                                 \
		static const char *const w_[] = { __VA_ARGS__ };                             \
		struct mn_location f_ = from, t_ = to;                                       \
		expect(c, &f_, &t_, w_, sizeof(w_) / sizeof(w_[0]));                         \
	} while (0)

/*
 * The RO-only BU/BA policies of spd_policies() with reqid 0, protocol-only MH selectors (no type:
 * see spd.h): out HoA -> HA MH [hao], in HA -> HoA MH [route2].
 */
#define RO_OUT "policy dir 1 2001:db8:1::100 -> 2001:db8:1::1 proto 135 type -1 prio 1 [60 2 reqid 0 opt]"
#define RO_IN "policy dir 0 2001:db8:1::1 -> 2001:db8:1::100 proto 135 type -1 prio 1 [43 2 reqid 0 opt]"
/* RFC 6275 §11.4.2: the MPS (ICMPv6 146) leaves through the hao state (HAO, Next Header 60);
 * §11.4.3: the MPA comes with a type 2 routing header (43) accepted by route2 (any ICMPv6
 * type: Linux 6.1 misreads the type behind the RH2, ipsec/spd.h). */
#define MPS_OUT "policy dir 1 2001:db8:1::100 -> 2001:db8:1::1 proto 58 type 146 prio 2 [60 2 reqid 0 opt]"
#define MPA_IN "policy dir 0 2001:db8:1::1 -> 2001:db8:1::100 proto 58 type -1 prio 2 [43 2 reqid 0 opt]"

#define HOA_DEL_IF "del addr 2001:db8:1::100/64 dev 2 flags 0x0"
#define F1_ADD "replace addr 2001:db8:2::5/64 dev 2 flags 0x2"
#define F1_DEFAULT "replace route ::/0 via fe80::2 src :: dev 2 table 0 metric 512 encap 0 :: ::"
#define F1_HA "replace route 2001:db8:1::1/128 via fe80::2 src 2001:db8:2::5 dev 2 table 0 metric 512 encap 0 :: ::"
#define TNL_HOA "replace addr 2001:db8:1::100/128 dev 7 flags 0x12"
#define RULE_ADD "add rule from 2001:db8:1::100/128 table 252 pref 1001"
#define R2_ADD "replace state 2001:db8:1::1 -> 2001:db8:1::100 proto 43 mode 2 coa ::"
/* RFC 6275 §11.3.3: the tunnel device passes the HA's packets (outer source), any inner source. */
#define TNL_FILTER "replace filter dev 7 prio 1 handle 1 outer 2001:db8:1::1 inner any"
#define F1_TABLE "replace route ::/0 via :: src :: dev 7 table 252 metric 0 encap 1 2001:db8:1::1 2001:db8:2::5"
#define F1_HAO "replace state 2001:db8:1::100 -> 2001:db8:1::1 proto 60 mode 2 coa 2001:db8:2::5"

START_TEST(home_to_foreign_without_ipsec)
{
	struct mn_plan_config c = config(false);

	EXPECT(&c, home(), foreign1(), HOA_DEL_IF, F1_ADD, F1_DEFAULT, F1_HA, TNL_HOA, RULE_ADD, R2_ADD,
	       "replace " RO_OUT, "replace " RO_IN, "replace " MPS_OUT, "replace " MPA_IN, TNL_FILTER, F1_TABLE,
	       F1_HAO);
}
END_TEST

START_TEST(home_to_foreign_with_ipsec)
{
	struct mn_plan_config c = config(true);

	/* The SPD's BU/BA policies (installed at start) carry the RO templates: none here. */
	EXPECT(&c, home(), foreign1(), HOA_DEL_IF, F1_ADD, F1_DEFAULT, F1_HA, TNL_HOA, RULE_ADD, R2_ADD, TNL_FILTER,
	       F1_TABLE, F1_HAO);
}
END_TEST

START_TEST(start_to_foreign_is_home_to_foreign)
{
	struct mn_plan_config c = config(false);
	struct mn_location start = { .loc = MN_LOC_UNKNOWN, .coa = A("2001:db8:1::100") };

	EXPECT(&c, start, foreign1(), HOA_DEL_IF, F1_ADD, F1_DEFAULT, F1_HA, TNL_HOA, RULE_ADD, R2_ADD,
	       "replace " RO_OUT, "replace " RO_IN, "replace " MPS_OUT, "replace " MPA_IN, TNL_FILTER, F1_TABLE,
	       F1_HAO);
}
END_TEST

#define F2_STEPS                                                                                              \
	"del addr 2001:db8:2::5/64 dev 2 flags 0x0", "replace addr 2001:db8:3::5/64 dev 2 flags 0x2",            \
		"replace route ::/0 via fe80::3 src :: dev 2 table 0 metric 512 encap 0 :: ::",                 \
		"replace route 2001:db8:1::1/128 via fe80::3 src 2001:db8:3::5 dev 2 table 0 metric 512 encap 0 :: ::", \
		"replace route ::/0 via :: src :: dev 7 table 252 metric 0 encap 1 2001:db8:1::1 2001:db8:3::5",      \
		"replace state 2001:db8:1::100 -> 2001:db8:1::1 proto 60 mode 2 coa 2001:db8:3::5"

START_TEST(foreign_to_foreign)
{
	/* Only what depends on the CoA changes; IPsec makes no difference here. */
	for (int ipsec = 0; ipsec < 2; ipsec++) {
		struct mn_plan_config c = config(ipsec);

		EXPECT(&c, foreign1(), foreign2(), F2_STEPS);
	}
}
END_TEST

START_TEST(foreign_to_same_coa_keeps_the_address)
{
	struct mn_plan_config c = config(false);
	struct mn_location again = foreign1();

	again.router = A("fe80::22"); /* a new router on the same prefix */
	EXPECT(&c, foreign1(), again, F1_ADD,
	       "replace route ::/0 via fe80::22 src :: dev 2 table 0 metric 512 encap 0 :: ::",
	       "replace route 2001:db8:1::1/128 via fe80::22 src 2001:db8:2::5 dev 2 table 0 metric 512 encap 0 :: ::",
	       F1_TABLE, F1_HAO);
}
END_TEST

#define HOME_HEAD                                                                                      \
	"del addr 2001:db8:2::5/64 dev 2 flags 0x0", "del rule from 2001:db8:1::100/128 table 252 pref 1001", \
		"del route ::/0 via :: src :: dev 7 table 252 metric 0 encap 0 :: ::",                   \
		"del addr 2001:db8:1::100/128 dev 7 flags 0x0"
#define HOME_TAIL                                                                                       \
	"del state 2001:db8:1::100 -> 2001:db8:1::1 proto 60 mode 2 coa 2001:db8:2::5",                   \
		"del state 2001:db8:1::1 -> 2001:db8:1::100 proto 43 mode 2 coa ::",                       \
		"replace addr 2001:db8:1::100/64 dev 2 flags 0x12",                                        \
		"replace route ::/0 via fe80::1 src :: dev 2 table 0 metric 512 encap 0 :: ::",            \
		"del route 2001:db8:1::1/128 via :: src :: dev 2 table 0 metric 512 encap 0 :: ::"

START_TEST(foreign_to_home_without_ipsec)
{
	struct mn_plan_config c = config(false);

	EXPECT(&c, foreign1(), home(), HOME_HEAD, "del " RO_OUT, "del " RO_IN, "del " MPS_OUT, "del " MPA_IN, HOME_TAIL);
}
END_TEST

START_TEST(foreign_to_home_with_ipsec)
{
	struct mn_plan_config c = config(true);

	EXPECT(&c, foreign1(), home(), HOME_HEAD, HOME_TAIL);
}
END_TEST

START_TEST(start_at_home)
{
	struct mn_plan_config c = config(true);
	struct mn_location start = { .loc = MN_LOC_UNKNOWN, .coa = A("2001:db8:1::100") };

	EXPECT(&c, start, home(), "replace addr 2001:db8:1::100/64 dev 2 flags 0x12",
	       "replace route ::/0 via fe80::1 src :: dev 2 table 0 metric 512 encap 0 :: ::");
}
END_TEST

START_TEST(nowhere_is_refused)
{
	struct mn_plan_config c = config(false);
	struct mn_location from = home(), to = { .loc = MN_LOC_UNKNOWN };
	struct mn_plan p;

	ck_assert_int_eq(mn_plan_move(&c, &from, &to, &p), -EINVAL);
}
END_TEST

/* HomeAgentAddress :: before DHAAD answered: nothing that names the home agent. */
START_TEST(foreign_with_unknown_ha)
{
	struct mn_plan_config c = config(false);

	memset(&c.ha, 0, sizeof(c.ha));
	EXPECT(&c, home(), foreign1(), HOA_DEL_IF, F1_ADD, F1_DEFAULT, TNL_HOA, RULE_ADD);
	EXPECT(&c, foreign1(), home(), HOME_HEAD, "replace addr 2001:db8:1::100/64 dev 2 flags 0x12",
	       "replace route ::/0 via fe80::1 src :: dev 2 table 0 metric 512 encap 0 :: ::");
}
END_TEST

#define HA2_HA "replace route 2001:db8:1::2/128 via fe80::2 src 2001:db8:2::5 dev 2 table 0 metric 512 encap 0 :: ::"
#define HA2_R2 "replace state 2001:db8:1::2 -> 2001:db8:1::100 proto 43 mode 2 coa ::"
#define HA2_RO_OUT "policy dir 1 2001:db8:1::100 -> 2001:db8:1::2 proto 135 type -1 prio 1 [60 2 reqid 0 opt]"
#define HA2_RO_IN "policy dir 0 2001:db8:1::2 -> 2001:db8:1::100 proto 135 type -1 prio 1 [43 2 reqid 0 opt]"
#define HA2_MPS_OUT "policy dir 1 2001:db8:1::100 -> 2001:db8:1::2 proto 58 type 146 prio 2 [60 2 reqid 0 opt]"
#define HA2_MPA_IN "policy dir 0 2001:db8:1::2 -> 2001:db8:1::100 proto 58 type -1 prio 2 [43 2 reqid 0 opt]"
#define HA2_TABLE "replace route ::/0 via :: src :: dev 7 table 252 metric 0 encap 1 2001:db8:1::2 2001:db8:2::5"
#define HA2_HAO "replace state 2001:db8:1::100 -> 2001:db8:1::2 proto 60 mode 2 coa 2001:db8:2::5"

/* RFC 6275 §11.4.1: away, the data path moves from one home agent to the next. */
START_TEST(change_ha_away)
{
	struct mn_plan_config c1 = config(false), c2 = c1, none = c1;

	c2.ha = A("2001:db8:1::2");
	memset(&none.ha, 0, sizeof(none.ha));
	EXPECT_CHANGE(&c1, &c2, foreign1(),
		      "del route 2001:db8:1::1/128 via :: src :: dev 2 table 0 metric 512 encap 0 :: ::",
		      "del " RO_OUT, "del " RO_IN, "del " MPS_OUT, "del " MPA_IN,
		      "del state 2001:db8:1::100 -> 2001:db8:1::1 proto 60 mode 2 coa 2001:db8:2::5",
		      "del state 2001:db8:1::1 -> 2001:db8:1::100 proto 43 mode 2 coa ::", HA2_HA, HA2_R2,
		      "replace " HA2_RO_OUT, "replace " HA2_RO_IN, "replace " HA2_MPS_OUT, "replace " HA2_MPA_IN,
		      "replace filter dev 7 prio 1 handle 1 outer 2001:db8:1::2 inner any", HA2_TABLE, HA2_HAO);
	/* Found by DHAAD: only additions. */
	EXPECT_CHANGE(&none, &c1, foreign1(), F1_HA, R2_ADD, "replace " RO_OUT, "replace " RO_IN, "replace " MPS_OUT, "replace " MPA_IN, TNL_FILTER, F1_TABLE,
	       F1_HAO);
	/* With IPsec the SPD's entries are not the plan's. */
	c1.ipsec = c2.ipsec = true;
	EXPECT_CHANGE(&c1, &c2, foreign1(),
		      "del route 2001:db8:1::1/128 via :: src :: dev 2 table 0 metric 512 encap 0 :: ::",
		      "del state 2001:db8:1::100 -> 2001:db8:1::1 proto 60 mode 2 coa 2001:db8:2::5",
		      "del state 2001:db8:1::1 -> 2001:db8:1::100 proto 43 mode 2 coa ::", HA2_HA, HA2_R2,
		      "replace filter dev 7 prio 1 handle 1 outer 2001:db8:1::2 inner any", HA2_TABLE, HA2_HAO);
}
END_TEST

START_TEST(change_ha_at_home_is_nothing)
{
	struct mn_plan_config c1 = config(false), c2 = c1;
	struct mn_location h = home();
	struct mn_plan p;

	c2.ha = A("2001:db8:1::2");
	ck_assert_int_eq(mn_plan_change_ha(&c1, &c2, &h, &p), 0);
	ck_assert_uint_eq(p.n, 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("mn-plan");
	TCase *tc = tcase_create("plan");

	tcase_add_test(tc, home_to_foreign_without_ipsec);
	tcase_add_test(tc, home_to_foreign_with_ipsec);
	tcase_add_test(tc, start_to_foreign_is_home_to_foreign);
	tcase_add_test(tc, foreign_to_foreign);
	tcase_add_test(tc, foreign_to_same_coa_keeps_the_address);
	tcase_add_test(tc, foreign_to_home_without_ipsec);
	tcase_add_test(tc, foreign_to_home_with_ipsec);
	tcase_add_test(tc, start_at_home);
	tcase_add_test(tc, nowhere_is_refused);
	tcase_add_test(tc, foreign_with_unknown_ha);
	tcase_add_test(tc, change_ha_away);
	tcase_add_test(tc, change_ha_at_home_is_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
