/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The home agent's BU decisions, RFC 6275 §9.5.1 and §10.3.1–10.3.2, one case each. */
#include <arpa/inet.h>
#include <check.h>
#include <string.h>

#include "conf/conf.h"
#include "ha/bcache.h"
#include "ha/ha-policy.h"
#include "mh/mh-codec.h"

static struct mip6_config *cfg;
static struct ha_prefix home;
static const usec_t NOW = 1000 * USEC_PER_SEC;

static struct in6_addr A(const char *s)
{
	struct in6_addr a;
	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static void setup(void)
{
	static const char text[] = "NodeConfig HA;\nInterface \"eth0\";\nUseMnHaIPsec disabled;\nHaMaxBindingLife 3600;\n"
				   "BindingAclPolicy 2001:db8:1::66 deny;\n"
				   "BindingAclPolicy 2001:db8:1::77 130;\n";
	char *err = NULL;

	ck_assert_msg(conf_load_string("test", text, sizeof(text) - 1, &cfg, &err) == 0, "%s", err);
	memset(&home, 0, sizeof(home));
	home.prefix = A("2001:db8:1::");
	home.len = 64;
	home.ifindex = 2;
	home.ha = A("2001:db8:1::1");
	home.valid_sec = UINT32_MAX;
	home.seen = NOW;
}

static void teardown(void)
{
	conf_free(cfg);
}

static struct ha_bu bu(const char *hoa, const char *coa, uint16_t seq, uint16_t flags, uint16_t units)
{
	struct ha_bu b = { .hoa = A(hoa), .coa = A(coa), .seq = seq, .flags = flags, .lifetime_units = units };
	return b;
}

#define HOME MH_BU_F_A | MH_BU_F_H

START_TEST(new_registration_needs_dad)
{
	struct ha_bu b = bu("2001:db8:1::100", "2001:db8:2::5", 7, HOME, 100);
	struct ha_verdict v;

	ha_decide(cfg, &home, 1, NULL, 0, 0, &b, NOW, &v);
	ck_assert_int_eq(v.action, HA_REGISTER);
	ck_assert_uint_eq(v.status, 0);
	ck_assert_uint_eq(v.lifetime_sec, 400);
	ck_assert_ptr_eq(v.home, &home);
	ck_assert_uint_eq(v.ba_seq, 7);
}
END_TEST

/* A HoA under DAD: every BU is decided, none is swallowed. */
START_TEST(bu_during_dad)
{
	struct bce e = { .hoa = A("2001:db8:1::100"), .coa = A("2001:db8:2::5"), .seq = 7,
			 .bu_flags = HOME, .state = BCE_DAD };
	struct ha_bu b = bu("2001:db8:1::100", "2001:db8:2::5", 7, HOME, 100);
	struct ha_verdict v;

	/* The same BU again (or an older one): its BA comes when DAD ends. */
	ha_decide(cfg, &home, 1, &e, 1, 1, &b, NOW, &v);
	ck_assert_int_eq(v.action, HA_IGNORE);
	b.seq = 6;
	ha_decide(cfg, &home, 1, &e, 1, 1, &b, NOW, &v);
	ck_assert_int_eq(v.action, HA_IGNORE);
	/* A newer registration replaces the pending one; capacity counts it already (max 1). */
	b = bu("2001:db8:1::100", "2001:db8:3::5", 8, HOME, 10);
	ha_decide(cfg, &home, 1, &e, 1, 1, &b, NOW, &v);
	ck_assert_int_eq(v.action, HA_REGISTER);
	ck_assert_uint_eq(v.lifetime_sec, 40);
	ck_assert_uint_eq(v.ba_seq, 8);
	/* A newer deregistration (lifetime 0) is decided: accepted (§10.3.2: the HA holds it). */
	b = bu("2001:db8:1::100", "2001:db8:2::5", 8, HOME, 0);
	ha_decide(cfg, &home, 1, &e, 1, 0, &b, NOW, &v);
	ck_assert_int_eq(v.action, HA_DEREGISTER);
	ck_assert_uint_eq(v.status, MH_BA_ACCEPTED);
	/* H=0 → discarded (§9.5.1, no correspondent role); a HoA the ACL denies → 129. */
	b = bu("2001:db8:1::100", "2001:db8:2::5", 9, MH_BU_F_A, 10);
	ha_decide(cfg, &home, 1, &e, 1, 0, &b, NOW, &v);
	ck_assert_int_eq(v.action, HA_DISCARD);
	e.hoa = A("2001:db8:1::66");
	b = bu("2001:db8:1::66", "2001:db8:2::5", 9, HOME, 10);
	ha_decide(cfg, &home, 1, &e, 1, 0, &b, NOW, &v);
	ck_assert_int_eq(v.action, HA_REJECT);
	ck_assert_uint_eq(v.status, MH_BA_PROHIBITED);
}
END_TEST

START_TEST(lifetime_capped_by_config_and_prefix)
{
	struct ha_bu b = bu("2001:db8:1::100", "2001:db8:2::5", 1, HOME, 65535);
	struct ha_verdict v;

	ha_decide(cfg, &home, 1, NULL, 0, 0, &b, NOW, &v);
	ck_assert_uint_eq(v.lifetime_sec, 3600); /* HaMaxBindingLife */
	home.valid_sec = 1000;                  /* prefix valid 1000 s, seen 200 s ago */
	ha_decide(cfg, &home, 1, NULL, 0, 0, &b, NOW + 200 * USEC_PER_SEC, &v);
	ck_assert_int_eq(v.action, HA_REGISTER);
	ck_assert_uint_eq(v.lifetime_sec, 800);
	ha_decide(cfg, &home, 1, NULL, 0, 0, &b, NOW + 1000 * USEC_PER_SEC, &v);
	ck_assert_int_eq(v.action, HA_REJECT);
	ck_assert_uint_eq(v.status, MH_BA_NOT_HOME_SUBNET);
}
END_TEST

START_TEST(sequence_out_of_window)
{
	struct bce e = { .seq = 40000, .state = BCE_VALID, .bu_flags = HOME };
	struct ha_bu b = bu("2001:db8:1::100", "2001:db8:2::5", 40000, HOME, 10);
	struct ha_verdict v;

	e.hoa = b.hoa;
	ha_decide(cfg, &home, 1, &e, 1, 0, &b, NOW, &v);
	ck_assert_int_eq(v.action, HA_REJECT);
	ck_assert_uint_eq(v.status, MH_BA_SEQ_OUT_OF_WINDOW);
	ck_assert_uint_eq(v.ba_seq, 40000); /* the last accepted number */
	b.seq = 39999;
	ha_decide(cfg, &home, 1, &e, 1, 0, &b, NOW, &v);
	ck_assert_uint_eq(v.status, MH_BA_SEQ_OUT_OF_WINDOW);
	b.seq = 40001;
	ha_decide(cfg, &home, 1, &e, 1, 0, &b, NOW, &v);
	ck_assert_int_eq(v.action, HA_REFRESH);
	/* A deleted entry in its grace period still answers 135 to a late BU. */
	e.state = BCE_DELETED;
	b.seq = 39000;
	ha_decide(cfg, &home, 1, &e, 0, 0, &b, NOW, &v);
	ck_assert_uint_eq(v.status, MH_BA_SEQ_OUT_OF_WINDOW);
	/* ... and a newer one starts a new registration. */
	b.seq = 40002;
	ha_decide(cfg, &home, 1, &e, 0, 0, &b, NOW, &v);
	ck_assert_int_eq(v.action, HA_REGISTER);
}
END_TEST

START_TEST(registration_type_change)
{
	struct bce e = { .seq = 1, .state = BCE_VALID, .bu_flags = MH_BU_F_A };
	struct ha_bu b = bu("2001:db8:1::100", "2001:db8:2::5", 2, HOME, 10);
	struct ha_verdict v;

	e.hoa = b.hoa;
	ha_decide(cfg, &home, 1, &e, 1, 0, &b, NOW, &v);
	ck_assert_uint_eq(v.status, MH_BA_REG_TYPE_CHANGE);
}
END_TEST

START_TEST(not_home_registration)
{
	struct ha_bu b = bu("2001:db8:1::100", "2001:db8:2::5", 2, MH_BU_F_A, 10);
	struct ha_verdict v;

	struct bce e = { .seq = 1, .state = BCE_VALID, .bu_flags = HOME };

	/* RFC 6275 §9.5.1: no correspondent role, so no BU without H passes: silent discard. */
	ha_decide(cfg, &home, 1, NULL, 0, 0, &b, NOW, &v);
	ck_assert_int_eq(v.action, HA_DISCARD);
	/* ...also against a home binding (139 is for a BU that passed §9.5.1's other tests). */
	e.hoa = b.hoa;
	ha_decide(cfg, &home, 1, &e, 1, 0, &b, NOW, &v);
	ck_assert_int_eq(v.action, HA_DISCARD);
}
END_TEST

/* RFC 3963 §6.6: R=1 at a home agent not configured for mobile routers → 140. */
START_TEST(mobile_router_not_served)
{
	struct ha_bu b = bu("2001:db8:1::100", "2001:db8:2::5", 2, HOME | MH_BU_F_R, 10);
	struct ha_verdict v;

	ha_decide(cfg, &home, 1, NULL, 0, 0, &b, NOW, &v);
	ck_assert_int_eq(v.action, HA_REJECT);
	ck_assert_uint_eq(v.status, MH_BA_MR_OP_NOT_PERMITTED);
	ck_assert_uint_eq(v.ba_seq, 2);
}
END_TEST

START_TEST(deregistration)
{
	struct bce e = { .seq = 1, .state = BCE_VALID, .bu_flags = HOME };
	struct ha_bu b = bu("2001:db8:1::100", "2001:db8:2::5", 2, HOME, 0);
	struct ha_verdict v;

	e.hoa = b.hoa;
	ha_decide(cfg, &home, 1, NULL, 0, 0, &b, NOW, &v);
	ck_assert_uint_eq(v.status, MH_BA_NOT_HOME_AGENT); /* no binding: 133 */
	ha_decide(cfg, &home, 1, &e, 1, 0, &b, NOW, &v);
	ck_assert_int_eq(v.action, HA_DEREGISTER);
	ck_assert_uint_eq(v.status, 0);
	/* CoA == HoA with a lifetime is a deregistration too (from the home link). */
	b = bu("2001:db8:1::100", "2001:db8:1::100", 3, HOME, 100);
	ha_decide(cfg, &home, 1, &e, 1, 0, &b, NOW, &v);
	ck_assert_int_eq(v.action, HA_DEREGISTER);
}
END_TEST

START_TEST(not_home_subnet)
{
	struct ha_bu b = bu("2001:db8:9::100", "2001:db8:2::5", 2, HOME, 10);
	struct ha_verdict v;

	ha_decide(cfg, &home, 1, NULL, 0, 0, &b, NOW, &v);
	ck_assert_uint_eq(v.status, MH_BA_NOT_HOME_SUBNET);
	ha_decide(cfg, NULL, 0, NULL, 0, 0, &b, NOW, &v);
	ck_assert_uint_eq(v.status, MH_BA_NOT_HOME_SUBNET);
}
END_TEST

START_TEST(acl_and_capacity)
{
	struct ha_bu b = bu("2001:db8:1::66", "2001:db8:2::5", 2, HOME, 10);
	struct ha_verdict v;

	ha_decide(cfg, &home, 1, NULL, 0, 0, &b, NOW, &v);
	ck_assert_uint_eq(v.status, MH_BA_PROHIBITED);
	b.hoa = A("2001:db8:1::77");
	ha_decide(cfg, &home, 1, NULL, 0, 0, &b, NOW, &v);
	ck_assert_uint_eq(v.status, 130);
	b.hoa = A("2001:db8:1::100");
	ha_decide(cfg, &home, 1, NULL, 10, 10, &b, NOW, &v);
	ck_assert_uint_eq(v.status, MH_BA_INSUFFICIENT_RESOURCES);
	/* The limit is for new bindings: a refresh still goes through. */
	{
		struct bce e = { .seq = 1, .state = BCE_VALID, .bu_flags = HOME };
		e.hoa = b.hoa;
		ha_decide(cfg, &home, 1, &e, 10, 10, &b, NOW, &v);
		ck_assert_int_eq(v.action, HA_REFRESH);
	}
}
END_TEST

START_TEST(default_acl_deny)
{
	static const char text[] = "NodeConfig HA;\nInterface \"eth0\";\nUseMnHaIPsec disabled;\nDefaultBindingAclPolicy deny;\n"
				   "BindingAclPolicy 2001:db8:1::100 allow;\n";
	struct mip6_config *c = NULL;
	char *err = NULL;
	struct ha_bu b = bu("2001:db8:1::101", "2001:db8:2::5", 2, HOME, 10);
	struct ha_verdict v;

	ck_assert_msg(conf_load_string("t", text, sizeof(text) - 1, &c, &err) == 0, "%s", err);
	ha_decide(c, &home, 1, NULL, 0, 0, &b, NOW, &v);
	ck_assert_uint_eq(v.status, MH_BA_PROHIBITED);
	b.hoa = A("2001:db8:1::100");
	ha_decide(c, &home, 1, NULL, 0, 0, &b, NOW, &v);
	ck_assert_int_eq(v.action, HA_REGISTER);
	conf_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ha-policy");
	TCase *tc = tcase_create("decide");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, new_registration_needs_dad);
	tcase_add_test(tc, bu_during_dad);
	tcase_add_test(tc, lifetime_capped_by_config_and_prefix);
	tcase_add_test(tc, sequence_out_of_window);
	tcase_add_test(tc, registration_type_change);
	tcase_add_test(tc, not_home_registration);
	tcase_add_test(tc, mobile_router_not_served);
	tcase_add_test(tc, deregistration);
	tcase_add_test(tc, not_home_subnet);
	tcase_add_test(tc, acl_and_capacity);
	tcase_add_test(tc, default_acl_deny);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
