/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MN's HoT socket with TunnelHomeTesting (mn/mn-hot.h): its input policy as RFC 4877 §7.2
 * asks for HoT (ESP, tunnel mode, from the home agent, the TunnelHomeTesting reqid; required),
 * in the kernel's struct layout; and the rule that makes RFC 6275 §11.6.2 hold: a HoT the main
 * socket reads is taken only if the HoT socket read it (same source and cookie), once.
 */
#include <arpa/inet.h>
#include <check.h>
#include <linux/xfrm.h>
#include <stdlib.h>
#include <string.h>

#include "mn/mn-hot.h"

static struct in6_addr A(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

START_TEST(policy)
{
	struct in6_addr ha = A("2001:db8:1::1"), zero = IN6ADDR_ANY_INIT;
	struct mn_hot_policy p;

	mn_hot_policy(&ha, 1000000002, &p);
	/* The setsockopt value: one xfrm_userpolicy_info, one xfrm_user_tmpl right after it. */
	ck_assert_uint_eq(sizeof(p), sizeof(struct xfrm_userpolicy_info) + sizeof(struct xfrm_user_tmpl));
	ck_assert_uint_eq(p.info.dir, 0 /* XFRM_POLICY_IN */);
	ck_assert_uint_eq(p.info.action, 0 /* allow */);
	ck_assert_uint_eq(p.info.sel.family, AF_INET6);
	/* Any selector: every packet queued to the socket is checked. */
	ck_assert_uint_eq(p.info.sel.prefixlen_s, 0);
	ck_assert_uint_eq(p.info.sel.prefixlen_d, 0);
	ck_assert_uint_eq(p.info.sel.proto, 0);
	ck_assert_uint_eq(p.info.sel.ifindex, 0);
	/* No lifetime limit (an expired socket policy would let clear HoTs through: none). */
	ck_assert(p.info.lft.hard_add_expires_seconds == 0 && p.info.lft.hard_use_expires_seconds == 0);
	ck_assert(p.info.lft.hard_byte_limit == ~0ULL && p.info.lft.hard_packet_limit == ~0ULL);
	/* ESP (50), tunnel mode (1), from the HA, reqid of TunnelHomeTesting, required. */
	ck_assert_uint_eq(p.tmpl.id.proto, 50);
	ck_assert_uint_eq(p.tmpl.mode, 1);
	ck_assert_uint_eq(p.tmpl.family, AF_INET6);
	ck_assert_uint_eq(p.tmpl.reqid, 1000000002);
	ck_assert_uint_eq(p.tmpl.optional, 0);
	ck_assert(memcmp(&p.tmpl.saddr, &ha, 16) == 0);
	/* The kernel compares a tunnel template's source only: no CoA, no SPI (any SA of the reqid). */
	ck_assert(memcmp(&p.tmpl.id.daddr, &zero, 16) == 0);
	ck_assert_uint_eq(p.tmpl.id.spi, 0);
	ck_assert(p.tmpl.aalgos == ~0U && p.tmpl.ealgos == ~0U && p.tmpl.calgos == ~0U);
}
END_TEST

START_TEST(seen_rule)
{
	struct mn_hot_seen s = { 0 };
	struct in6_addr cn = A("2001:db8:4::2"), other = A("2001:db8:4::3");
	uint8_t c1[MH_COOKIE_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 }, c2[MH_COOKIE_LEN] = { 1, 2, 3, 4, 5, 6, 7, 9 };

	/* Nothing read on the HoT socket: a HoT on the main socket is not taken (§11.6.2). */
	ck_assert(!mn_hot_seen_take(&s, &cn, c1));
	mn_hot_seen_add(&s, &cn, c1);
	/* Another correspondent, another cookie: not the same HoT. */
	ck_assert(!mn_hot_seen_take(&s, &other, c1));
	ck_assert(!mn_hot_seen_take(&s, &cn, c2));
	/* The same: taken once; a second copy (a replay in the clear) is not. */
	ck_assert(mn_hot_seen_take(&s, &cn, c1));
	ck_assert(!mn_hot_seen_take(&s, &cn, c1));
	/* Bounded: the oldest of more than MN_HOT_SEEN is forgotten, the newer ones kept. */
	for (unsigned i = 0; i <= MN_HOT_SEEN; i++) {
		uint8_t c[MH_COOKIE_LEN] = { 0 };

		c[0] = (uint8_t)i;
		mn_hot_seen_add(&s, &cn, c);
	}
	uint8_t c0[MH_COOKIE_LEN] = { 0 }, clast[MH_COOKIE_LEN] = { MN_HOT_SEEN };
	ck_assert(!mn_hot_seen_take(&s, &cn, c0));
	ck_assert(mn_hot_seen_take(&s, &cn, clast));
}
END_TEST

int main(void)
{
	Suite *su = suite_create("mn-hot");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, policy);
	tcase_add_test(tc, seen_rule);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
