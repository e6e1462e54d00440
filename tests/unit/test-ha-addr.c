/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Address validation of a BU at the home agent (RFC 6275 §9.5.1, §6.1.7, §10.3.1, RFC 2526).
 * Each case starts from the raw bytes of a Mobility Header laid out by hand from RFC 6275
 * §6.1.7 (BU) and §6.2.5 (Alternate Care-of Address option), parsed by mh_parse(); the
 * home address is the packet's (the Home Address option's), the care-of address the outer
 * source or the option's, as §9.5.1 determines them.
 */
#include <arpa/inet.h>
#include <check.h>
#include <string.h>

#include "ha/bcache.h"
#include "ha/ha-addr.h"
#include "ha/ha-policy.h"
#include "mh/mh-codec.h"

static struct in6_addr A(const char *s)
{
	struct in6_addr a;
	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static struct ha_prefix home;
static struct in6_addr own[2];
static struct bcache *bc;
static struct ha_self self;

static void setup(void)
{
	struct bce *e;
	struct in6_addr hoa200 = A("2001:db8:1::200");

	memset(&home, 0, sizeof(home));
	home.prefix = A("2001:db8:1::");
	home.len = 64;
	home.ha = A("2001:db8:1::1");
	own[0] = A("2001:db8:1::1");
	own[1] = A("2001:db8:7::1"); /* the HA's uplink address, outside the home prefix */
	ck_assert_int_eq(bcache_new(&bc), 0);
	ck_assert_int_eq(bcache_add(bc, &hoa200, 0, &e), 0);
	bcache_set_state(bc, e, BCE_VALID);
	self = (struct ha_self){ .prefixes = &home, .n_prefixes = 1, .own = own, .n_own = 2, .bc = bc };
}

static void teardown(void)
{
	bc = bcache_free(bc, NULL, NULL);
}

/*
 * A BU as on the wire: Payload Proto 59, Header Len, MH Type 5, Reserved, Checksum (filled),
 * Sequence 0x0007, flags A|H, Lifetime 100 units; with alt_coa, PadN(0) then the Alternate
 * Care-of Address option (type 3, length 16) at offset 14 (8n+6), else 4 bytes of padding.
 */
static void bu_raw(const char *hoa, const char *src, const char *alt_coa, uint16_t units, struct ha_bu *ret)
{
	uint8_t b[32] = { 59, 1, 5, 0, 0, 0, 0x00, 0x07, 0xc0, 0x00, (uint8_t)(units >> 8), (uint8_t)units };
	size_t len = 16;
	struct in6_addr h = A(hoa), ha = A("2001:db8:1::1");
	struct mh_msg m;
	struct mh_parse_error err;

	if (alt_coa) {
		struct in6_addr c = A(alt_coa);
		b[1] = 3;
		b[12] = 1; /* PadN, 0 bytes of data */
		b[13] = 0;
		b[14] = 3;
		b[15] = 16;
		memcpy(b + 16, &c, 16);
		len = 32;
	}
	ck_assert_int_eq(mh_checksum_fill(b, len, &h, &ha), 0);
	ck_assert_int_eq(mh_parse(b, len, &h, &ha, &m, &err), 0);
	ck_assert_int_eq(m.type, MH_TYPE_BU);
	memset(ret, 0, sizeof(*ret));
	ret->hoa = h;
	ret->coa = (m.opts.present & MH_OPT_BIT(MH_OPT_ALT_COA)) ? m.opts.alt_coa : A(src);
	ret->seq = m.bu.seq;
	ret->flags = m.bu.flags;
	ret->lifetime_units = m.bu.lifetime;
	ck_assert_uint_eq(ret->seq, 7);
	ck_assert_uint_eq(ret->lifetime_units, units);
}

static struct ha_addr_verdict check(const char *hoa, const char *alt_coa, uint16_t units)
{
	struct ha_bu b;
	struct ha_addr_verdict v;
	bool reg;

	bu_raw(hoa, "2001:db8:2::5", alt_coa, units, &b);
	reg = b.lifetime_units != 0 && memcmp(&b.hoa, &b.coa, sizeof(b.hoa)) != 0;
	ha_addr_check(&self, &b.hoa, &b.coa, reg, &v);
	return v;
}

#define EXPECT(hoa, coa, units, act, st)                                                   \
	do {                                                                               \
		struct ha_addr_verdict v_ = check(hoa, coa, units);                        \
		ck_assert_msg(v_.action == (act) && v_.status == (st),                     \
			      "hoa %s coa %s: action %d status %u (%s)", hoa, coa ? coa : "-", \
			      v_.action, v_.status, v_.reason ? v_.reason : "");           \
	} while (0)

START_TEST(valid_addresses)
{
	EXPECT("2001:db8:1::100", NULL, 100, HA_ADDR_OK, 0);
	EXPECT("2001:db8:1::100", "2001:db8:3::9", 100, HA_ADDR_OK, 0);
	/* At home: CoA == HoA is a deregistration, the CoA rules do not apply. */
	EXPECT("2001:db8:1::100", "2001:db8:1::100", 100, HA_ADDR_OK, 0);
	EXPECT("2001:db8:1::100", "2001:db8:1::55", 0, HA_ADDR_OK, 0);
	/* Outside the home prefix: 132 is ha_decide's. */
	EXPECT("2001:db8:9::100", NULL, 100, HA_ADDR_OK, 0);
	/* The binding's own HoA as its CoA is CoA == HoA: a deregistration. */
	EXPECT("2001:db8:1::200", "2001:db8:1::200", 100, HA_ADDR_OK, 0);
}
END_TEST

/* RFC 6275 §9.5.1: not a unicast routable home address → silently discarded. */
START_TEST(home_address_not_unicast_routable)
{
	EXPECT("::", NULL, 100, HA_ADDR_DISCARD, 0);
	EXPECT("::1", NULL, 100, HA_ADDR_DISCARD, 0);
	EXPECT("fe80::100", NULL, 100, HA_ADDR_DISCARD, 0);
	EXPECT("ff02::1", NULL, 100, HA_ADDR_DISCARD, 0);
	EXPECT("ff0e::1", NULL, 100, HA_ADDR_DISCARD, 0);
	EXPECT("::ffff:192.0.2.1", NULL, 100, HA_ADDR_DISCARD, 0);
	/* A deregistration too. */
	EXPECT("fe80::100", NULL, 0, HA_ADDR_DISCARD, 0);
}
END_TEST

/* RFC 4291 §2.6.1 and RFC 2526: subnet anycast addresses of a home prefix are not unicast. */
START_TEST(home_address_subnet_anycast)
{
	EXPECT("2001:db8:1::", NULL, 100, HA_ADDR_DISCARD, 0);
	EXPECT("2001:db8:1::fdff:ffff:ffff:ff80", NULL, 100, HA_ADDR_DISCARD, 0);
	EXPECT("2001:db8:1::fdff:ffff:ffff:fffe", NULL, 100, HA_ADDR_DISCARD, 0); /* MIPv6 HA anycast */
	EXPECT("2001:db8:1::fdff:ffff:ffff:ffff", NULL, 100, HA_ADDR_DISCARD, 0);
	/* Neighbours of the reserved range are ordinary unicast addresses. */
	EXPECT("2001:db8:1::fdff:ffff:ffff:ff7f", NULL, 100, HA_ADDR_OK, 0);
	EXPECT("2001:db8:1::ffff:ffff:ffff:ff80", NULL, 100, HA_ADDR_OK, 0); /* u/l bit set */
	EXPECT("2001:db8:1::1:0", NULL, 100, HA_ADDR_OK, 0);
}
END_TEST

static bool anycast(const char *prefix, uint8_t len, const char *a)
{
	struct in6_addr p = A(prefix), x = A(a);

	return ha_addr_subnet_anycast(&p, len, &x);
}

START_TEST(anycast_other_prefix_lengths)
{
	/* Not a 64-bit interface id: the last 128 addresses of the subnet (RFC 2526 §2). */
	ck_assert(anycast("2001:db8:1::", 120, "2001:db8:1::80"));
	ck_assert(anycast("2001:db8:1::", 120, "2001:db8:1::ff"));
	ck_assert(!anycast("2001:db8:1::", 120, "2001:db8:1::7f"));
	ck_assert(anycast("2001:db8:1::", 120, "2001:db8:1::"));
	/* Outside the prefix: not its anycast address. */
	ck_assert(!anycast("2001:db8:1::", 64, "2001:db8:2::"));
	ck_assert(!anycast("2001:db8:1::1", 128, "2001:db8:1::1"));
}
END_TEST

/* §10.3.1: the HA's own address is in use on the home link → 134. */
START_TEST(home_address_of_the_ha)
{
	EXPECT("2001:db8:1::1", NULL, 100, HA_ADDR_REJECT, MH_BA_DAD_FAILED);
}
END_TEST

/* §6.1.7: a CoA that is not unicast routable → silently discarded. */
START_TEST(coa_not_unicast_routable)
{
	EXPECT("2001:db8:1::100", "::", 100, HA_ADDR_DISCARD, 0);
	EXPECT("2001:db8:1::100", "::1", 100, HA_ADDR_DISCARD, 0);
	EXPECT("2001:db8:1::100", "fe80::1", 100, HA_ADDR_DISCARD, 0);
	EXPECT("2001:db8:1::100", "ff02::1", 100, HA_ADDR_DISCARD, 0);
	EXPECT("2001:db8:1::100", "ff05::2", 100, HA_ADDR_DISCARD, 0);
}
END_TEST

/* §10.3.1 "any other reason" → 129: the HA's own, inside a home prefix, another binding's HoA. */
START_TEST(coa_that_would_loop)
{
	EXPECT("2001:db8:1::100", "2001:db8:1::1", 100, HA_ADDR_REJECT, MH_BA_PROHIBITED);
	EXPECT("2001:db8:1::100", "2001:db8:7::1", 100, HA_ADDR_REJECT, MH_BA_PROHIBITED);
	EXPECT("2001:db8:1::100", "2001:db8:1::55", 100, HA_ADDR_REJECT, MH_BA_PROHIBITED);
	EXPECT("2001:db8:1::100", "2001:db8:1::200", 100, HA_ADDR_REJECT, MH_BA_PROHIBITED);
	/* No binding table given: only the other rules. */
	self.bc = NULL;
	EXPECT("2001:db8:1::100", "2001:db8:9::200", 100, HA_ADDR_OK, 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ha-addr");
	TCase *t = tcase_create("core");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, valid_addresses);
	tcase_add_test(t, home_address_not_unicast_routable);
	tcase_add_test(t, home_address_subnet_anycast);
	tcase_add_test(t, anycast_other_prefix_lengths);
	tcase_add_test(t, home_address_of_the_ha);
	tcase_add_test(t, coa_not_unicast_routable);
	tcase_add_test(t, coa_that_would_loop);
	suite_add_tcase(s, t);
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
