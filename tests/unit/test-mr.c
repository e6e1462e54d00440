/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mobile router (RFC 3963 §5, src/mn/mr.[ch]): the BU it sends, built by the codec and
 * compared with bytes laid out by hand from the figures of §4.1 (R flag) and §4.3 (Mobile
 * Network Prefix option); the source rules of the mobile network on a fake kernel; the R
 * flag of the BA.
 */
#include <arpa/inet.h>
#include <check.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <systemd/sd-event.h>

#include "conf/conf.h"
#include "event-loop.h"
#include "mh/mh-codec.h"
#include "mn/mn-plan.h"
#include "mn/mr.h"
#include "netlink/nl-kernel.h"

static struct mip6_config *cfg;

static void load(const char *explicit_mode, const char *is_mr)
{
	char text[512];
	char *err = NULL;

	snprintf(text, sizeof(text),
		 "NodeConfig MN;\nUseMnHaIPsec disabled;\nMobRtrUseExplicitMode %s;\n"
		 "MnHomeLink \"eth0\" {\n HomeAddress 2001:db8:1::100/64 (2001:db8:10::/48, 2001:db8:20:1::/64);\n"
		 " HomeAgentAddress 2001:db8:1::1;\n IsMobRtr %s;\n}\n",
		 explicit_mode, is_mr);
	ck_assert_msg(conf_load_string("test", text, strlen(text), &cfg, &err) == 0, "%s", err);
}

static void teardown(void)
{
	conf_free(cfg);
	cfg = NULL;
}

static size_t build(uint16_t flags, uint16_t lifetime, uint8_t *buf, size_t cap)
{
	struct mh_msg m = { .type = MH_TYPE_BU };
	size_t len = 0;

	m.bu.seq = 0x1234;
	m.bu.flags = flags;
	m.bu.lifetime = lifetime;
	ck_assert_int_eq(mr_bu_decorate(cfg, &cfg->home_links[0], &m), 0);
	ck_assert_int_eq(mh_build(&m, buf, cap, &len), 0);
	return len;
}

/* §4.1: A|H|R = 0xc4 in the first flag octet; §4.3: each MNP at 8n+4, Type 6, Length 18. */
START_TEST(explicit_bu_bytes)
{
	static const uint8_t want[] = {
		59, 6, 5, 0, 0, 0,                         /* Payload Proto, Header Len 6 (56), BU, Reserved, Checksum */
		0x12, 0x34, 0xc4, 0x00, 0x00, 0x4b,        /* Sequence #, A|H|R, Lifetime 75 */
		6, 18, 0, 48,                              /* MNP at 12: Type, Length, Reserved, Prefix Length */
		0x20, 0x01, 0x0d, 0xb8, 0x00, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		1, 2, 0, 0,                                /* PadN: the next MNP at 36 = 8n+4 */
		6, 18, 0, 64,
		0x20, 0x01, 0x0d, 0xb8, 0x00, 0x20, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	uint8_t b[128];
	size_t len;

	load("enabled", "enabled");
	len = build(MH_BU_F_A | MH_BU_F_H, 75, b, sizeof(b));
	ck_assert_uint_eq(len, sizeof(want));
	ck_assert_mem_eq(b, want, sizeof(want));
	/* §5.2: H is set whenever R is, even if the caller forgot it. */
	len = build(MH_BU_F_A, 75, b, sizeof(b));
	ck_assert_uint_eq(b[8], 0xc4);
}
END_TEST

/* A deregistration carries R but no prefix (§6.7 ignores them); implicit mode never any. */
START_TEST(dereg_and_implicit_bu_bytes)
{
	uint8_t b[128];
	size_t len;

	load("enabled", "enabled");
	len = build(MH_BU_F_A | MH_BU_F_H, 0, b, sizeof(b));
	ck_assert_uint_eq(len, 16);
	ck_assert_uint_eq(b[8], 0xc4);
	teardown();
	load("disabled", "enabled");
	len = build(MH_BU_F_A | MH_BU_F_H, 75, b, sizeof(b));
	ck_assert_uint_eq(len, 16);
	ck_assert_uint_eq(b[8], 0xc4);
	teardown();
	/* A mobile node that is not a router: untouched. */
	load("enabled", "disabled");
	len = build(MH_BU_F_A | MH_BU_F_H, 75, b, sizeof(b));
	ck_assert_uint_eq(len, 16);
	ck_assert_uint_eq(b[8], 0xc0);
}
END_TEST

static struct knl_event rules[8];
static unsigned n_rules;

static int fake(int protocol, const uint8_t *msg, size_t len, void *ud)
{
	uint16_t type;

	(void)ud;
	memcpy(&type, msg + 4, sizeof(type));
	if (protocol == NETLINK_ROUTE && (type == RTM_NEWRULE || type == RTM_DELRULE) && n_rules < 8) {
		ck_assert_int_eq(knl_parse_rtnl(msg, len, &rules[n_rules]), 1);
		rules[n_rules++].removed = type == RTM_DELRULE;
	}
	return 0;
}

static unsigned acked;
static void on_done(int r, void *ud)
{
	(void)ud;
	ck_assert_int_eq(r, 0);
	acked++;
}

static bool all_acked(void)
{
	return acked == 2;
}

/* §5.5: one rule per MNP, from the prefix into the tunnel's table, before the HoA's rule. */
START_TEST(source_rules)
{
	sd_event *e = NULL;
	struct knl *k = NULL;
	struct in6_addr a;

	load("enabled", "enabled");
	ck_assert_int_ge(sd_event_new(&e), 0);
	ck_assert_int_eq(knl_new_fake(e, fake, NULL, &k), 0);
	n_rules = 0;
	acked = 0;
	ck_assert_int_eq(mr_rules(k, &cfg->home_links[0], KNL_OP_ADD, NULL, on_done, NULL), 2);
	ck_assert(loop_run_until(e, all_acked, 2000));
	ck_assert_uint_eq(n_rules, 2);
	inet_pton(AF_INET6, "2001:db8:10::", &a);
	ck_assert_mem_eq(&rules[0].rule.from, &a, 16);
	ck_assert_uint_eq(rules[0].rule.from_len, 48);
	ck_assert_uint_eq(rules[0].rule.table, MN_PLAN_TABLE);
	ck_assert_uint_eq(rules[0].rule.priority, MR_RULE_PRIO);
	ck_assert_uint_lt(MR_RULE_PRIO, MN_PLAN_RULE_PRIO);
	ck_assert_uint_eq(rules[1].rule.from_len, 64);
	ck_assert(!rules[0].removed);
	acked = 0;
	ck_assert_int_eq(mr_rules(k, &cfg->home_links[0], KNL_OP_DEL, NULL, on_done, NULL), 2);
	ck_assert(loop_run_until(e, all_acked, 2000));
	ck_assert(rules[2].removed && rules[3].removed);
	k = knl_free(k);
	sd_event_unref(e);
}
END_TEST

/* §5.3: an accepted BA without R means no forwarding for the mobile network. */
START_TEST(ba_r_flag)
{
	struct mh_msg ba = { .type = MH_TYPE_BA };

	load("enabled", "enabled");
	ba.ba.status = 0;
	ba.ba.lifetime = 10;
	ck_assert(!mr_ba_ok(&cfg->home_links[0], &ba));
	ba.ba.flags = MH_BA_F_R;
	ck_assert(mr_ba_ok(&cfg->home_links[0], &ba));
	ba.ba.flags = 0;
	ba.ba.status = MH_BA_NOT_AUTHORIZED_PREFIX; /* a refusal: the BUL handles it */
	ck_assert(mr_ba_ok(&cfg->home_links[0], &ba));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mr");
	TCase *tc = tcase_create("mr");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, explicit_bu_bytes);
	tcase_add_test(tc, dereg_and_implicit_bu_bytes);
	tcase_add_test(tc, source_rules);
	tcase_add_test(tc, ba_r_flag);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
