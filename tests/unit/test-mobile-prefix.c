// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The home agent's Mobile Prefix Discovery core (ha/mobile-prefix.h, RFC 6275 §10.6):
 * home prefix lifetimes from the kernel and from RAs (§10.6.1-10.6.2, §10.3.1), the
 * Advertisement's Prefix Information options (§6.8, §10.6.3, checked on the wire
 * bytes of RFC 4861 §4.6.2), RAND_ADV_DELAY and the retransmission schedule
 * (§10.6.2, §12: PREFIX_ADV_TIMEOUT 3 s, PREFIX_ADV_RETRIES 3) on a test clock.
 */
#include <arpa/inet.h>
#include <check.h>
#include <string.h>

#include "ha/ha-policy.h"
#include "ha/mobile-prefix.h"
#include "icmp6/ndisc.h"
#include "netlink/nl-types.h"

#define SEC USEC_PER_SEC
#define T0 (1000 * SEC)

static struct in6_addr A(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static struct ha_prefix P[2];

static void setup(void)
{
	memset(P, 0, sizeof(P));
	for (int i = 0; i < 2; i++) {
		P[i].prefix = A(i ? "2001:db8:2::" : "2001:db8:1::");
		P[i].ha = A(i ? "2001:db8:2::1" : "2001:db8:1::1");
		P[i].len = 64;
		P[i].ifindex = 3;
		P[i].valid_sec = P[i].preferred_sec = P[i].if_valid = P[i].if_preferred = UINT32_MAX;
		P[i].seen = P[i].if_seen = T0;
	}
}

static struct knl_addr addr(const char *a, uint32_t valid, uint32_t preferred)
{
	return (struct knl_addr){ .ifindex = 3, .addr = A(a), .prefixlen = 64, .valid_lft = valid,
				  .preferred_lft = preferred };
}

/* §10.6.2: a reconfigured lifetime is a change, the kernel's countdown is not. */
START_TEST(kernel_lifetimes)
{
	struct knl_addr a = addr("2001:db8:2::1", 600, 300);

	ck_assert_int_eq(mp_on_addr(P, 2, &a, false, T0), 1);
	ck_assert_uint_eq(mp_remaining(&P[1], T0, false), 600);
	ck_assert_uint_eq(mp_remaining(&P[1], T0, true), 300);
	ck_assert_uint_eq(mp_remaining(&P[1], T0 + 100 * SEC, false), 500);
	ck_assert_uint_eq(mp_remaining(&P[0], T0, false), UINT32_MAX);
	/* 100 s later the kernel reports 500/200: real time advancing, no change. */
	a = addr("2001:db8:2::1", 500, 200);
	ck_assert_int_eq(mp_on_addr(P, 2, &a, false, T0 + 100 * SEC), -1);
	/* ip addr change ... valid_lft 900: a change. */
	a = addr("2001:db8:2::1", 900, 200);
	ck_assert_int_eq(mp_on_addr(P, 2, &a, false, T0 + 100 * SEC), 1);
	ck_assert_uint_eq(mp_remaining(&P[1], T0 + 100 * SEC, false), 900);
	/* Not the HA's own address in a prefix, or a removal: nothing. */
	a = addr("2001:db8:2::99", 10, 10);
	ck_assert_int_eq(mp_on_addr(P, 2, &a, false, T0), -1);
	a = addr("2001:db8:2::1", 10, 10);
	ck_assert_int_eq(mp_on_addr(P, 2, &a, true, T0), -1);
	ck_assert_uint_eq(mp_remaining(&P[1], T0 + 100 * SEC, false), 900);
	/* Preferred never exceeds valid; the lifetime runs out to 0. */
	a = addr("2001:db8:1::1", 10, KNL_LIFETIME_INFINITE);
	ck_assert_int_eq(mp_on_addr(P, 2, &a, false, T0), 0);
	ck_assert_uint_eq(mp_remaining(&P[0], T0, true), 10);
	ck_assert_uint_eq(mp_remaining(&P[0], T0 + 11 * SEC, false), 0);
}
END_TEST

/* A candidate of the address scan: the HA's address a in prefix px/64 on link 3, lifetimes infinite, at t. */
static struct ha_prefix cand(const char *px, const char *a, usec_t t)
{
	return (struct ha_prefix){ .prefix = A(px), .len = 64, .ifindex = 3, .ha = A(a), .valid_sec = UINT32_MAX,
				   .preferred_sec = UINT32_MAX, .if_valid = UINT32_MAX, .if_preferred = UINT32_MAX,
				   .seen = t, .if_seen = t };
}

/*
 * The prefix set read again (addresses added or removed at run time, §10.6.2): one entry per
 * HA address; a prefix still served keeps the lifetimes it learnt (§10.3.1: they clamp
 * bindings): the RA's in every entry of it, the kernel's in the entry of the same address;
 * a new one starts infinite (the kernel's lifetimes follow from a dump). An MPA lists a
 * prefix once (§10.6.3), whatever the number of HA addresses in it.
 */
START_TEST(prefix_set_rebuilt)
{
	struct knl_addr a = addr("2001:db8:1::1", 600, 300);
	struct ha_prefix c[4], out[4];
	struct ndisc_mpa mpa;
	size_t n;

	ck_assert_int_eq(mp_on_addr(P, 2, &a, false, T0), 0);
	P[1].has_ra = true, P[1].ra_valid = 900, P[1].ra_preferred = 800, P[1].ra_seen = T0;
	/* 100 s later: prefix 2 has a second address, found first; prefix 1 is gone; prefix 3 is new. */
	c[0] = cand("2001:db8:2::", "2001:db8:2::7", T0 + 100 * SEC);
	c[1] = cand("2001:db8:2::", "2001:db8:2::1", T0 + 100 * SEC);
	c[2] = cand("2001:db8:3::", "2001:db8:3::1", T0 + 100 * SEC);
	c[3] = c[1];
	n = mp_set_build(P, 2, c, 4, out, 4, T0 + 100 * SEC);
	ck_assert_uint_eq(n, 3); /* the same address twice: once */
	ck_assert(out[0].has_ra && out[1].has_ra && !out[2].has_ra);
	ck_assert_uint_eq(mp_remaining(&out[0], T0 + 100 * SEC, false), 800);
	ck_assert_uint_eq(mp_remaining(&out[1], T0 + 100 * SEC, false), 800);
	ck_assert_uint_eq(mp_remaining(&out[2], T0 + 100 * SEC, false), UINT32_MAX);
	ck_assert_ptr_null(mp_set_find(out, n, &P[0], false));
	ck_assert_ptr_eq(mp_set_find(out, n, &P[1], true), &out[1]);
	ck_assert(mp_set_link_changed(P, 2, out, n, 3));
	ck_assert(!mp_set_link_changed(P, 2, out, n, 4));
	ck_assert(!mp_set_link_changed(out, n, out, n, 3));
	mp_build_mpa(out, n, 3, T0 + 100 * SEC, &mpa);
	ck_assert_uint_eq(mpa.n_prefixes, 2);
	/* The same addresses again: the kernel's lifetimes carry over with the address. */
	c[0] = cand("2001:db8:1::", "2001:db8:1::1", T0 + 100 * SEC);
	c[1] = cand("2001:db8:2::", "2001:db8:2::1", T0 + 100 * SEC);
	n = mp_set_build(P, 2, c, 2, out, 4, T0 + 100 * SEC);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(mp_remaining(&out[0], T0 + 100 * SEC, false), 500);
	ck_assert_uint_eq(mp_remaining(&out[0], T0 + 100 * SEC, true), 200);
	ck_assert(!mp_set_link_changed(P, 2, out, n, 3));
	/* Another HA address in prefix 1 instead: a change of the link's set; not the old address's lifetimes. */
	c[0] = cand("2001:db8:1::", "2001:db8:1::9", T0 + 100 * SEC);
	n = mp_set_build(P, 2, c, 2, out, 4, T0 + 100 * SEC);
	ck_assert_uint_eq(mp_remaining(&out[0], T0 + 100 * SEC, false), UINT32_MAX);
	ck_assert(mp_set_link_changed(P, 2, out, n, 3));
	/* Bounded by max. */
	ck_assert_uint_eq(mp_set_build(NULL, 0, c, 2, out, 1, T0), 1);
}
END_TEST

/* An RA (RFC 4861 §4.2) with one Prefix Information option (§4.6.2): L and A set. */
static void ra_with(struct ndisc_ra *ra, const char *prefix, uint8_t plen, uint32_t valid, uint32_t preferred)
{
	uint8_t b[48] = { 134, 0, 0, 0, 64, 0x40 /* O */, 0x07, 0x08, [16] = 3, 4, plen, 0xc0 };

	b[20] = (uint8_t)(valid >> 24), b[21] = (uint8_t)(valid >> 16), b[22] = (uint8_t)(valid >> 8), b[23] = (uint8_t)valid;
	b[24] = (uint8_t)(preferred >> 24), b[25] = (uint8_t)(preferred >> 16), b[26] = (uint8_t)(preferred >> 8),
	b[27] = (uint8_t)preferred;
	{
		struct in6_addr a = A(prefix);
		memcpy(b + 32, &a, 16);
	}
	ck_assert_int_eq(ndisc_ra_parse(b, sizeof(b), ra), 0);
}

/* §10.6.1: RA lifetimes are fixed values: the same again is no change; the smaller source counts. */
START_TEST(ra_lifetimes)
{
	struct ndisc_ra ra;
	struct in6_addr r1 = A("fe80::1"), r2 = A("fe80::2");
	bool ch[2];

	ra_with(&ra, "2001:db8:1::", 64, 3600, 1800);
	ck_assert_uint_eq(mp_on_ra(P, 2, 3, &r1, &ra, T0, ch), 1);
	ck_assert(ch[0] && !ch[1]);
	ck_assert_uint_eq(mp_remaining(&P[0], T0, false), 3600);
	/* Repeated 200 s later: no change, the lifetime starts again from the RA. */
	ck_assert_uint_eq(mp_on_ra(P, 2, 3, &r1, &ra, T0 + 200 * SEC, ch), 0);
	ck_assert_uint_eq(mp_remaining(&P[0], T0 + 200 * SEC, false), 3600);
	/* Another router's longer lifetime does not flip it; its shorter one does. */
	ra_with(&ra, "2001:db8:1::", 64, 7200, 1800);
	ck_assert_uint_eq(mp_on_ra(P, 2, 3, &r2, &ra, T0 + 200 * SEC, ch), 0);
	ck_assert_uint_eq(mp_remaining(&P[0], T0 + 200 * SEC, false), 3600);
	ra_with(&ra, "2001:db8:1::", 64, 600, 300);
	ck_assert_uint_eq(mp_on_ra(P, 2, 3, &r2, &ra, T0 + 200 * SEC, ch), 1);
	ck_assert_uint_eq(mp_remaining(&P[0], T0 + 200 * SEC, false), 600);
	/* The interface's shorter lifetime wins over the RA's. */
	{
		struct knl_addr a = addr("2001:db8:1::1", 100, 50);
		ck_assert_int_eq(mp_on_addr(P, 2, &a, false, T0 + 200 * SEC), 0);
		ck_assert_uint_eq(mp_remaining(&P[0], T0 + 200 * SEC, false), 100);
	}
	/* Other link, other prefix length: not ours. */
	ra_with(&ra, "2001:db8:2::", 64, 5, 5);
	ck_assert_uint_eq(mp_on_ra(P, 2, 4, &r1, &ra, T0, ch), 0);
	ra_with(&ra, "2001:db8:2::", 48, 5, 5);
	ck_assert_uint_eq(mp_on_ra(P, 2, 3, &r1, &ra, T0, ch), 0);
}
END_TEST

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* §6.8, §10.6.3: every prefix of the link with its remaining lifetimes, M/O from the RAs. */
START_TEST(mpa_content_on_the_wire)
{
	struct knl_addr a = addr("2001:db8:2::1", 600, 300);
	struct ndisc_ra ra;
	struct in6_addr r1 = A("fe80::1");
	struct ndisc_mpa m = { .id = 0xbeef };
	uint8_t b[200];
	size_t len;
	bool ch[2];
	struct in6_addr px;

	ck_assert_int_eq(mp_on_addr(P, 2, &a, false, T0), 1);
	ra_with(&ra, "2001:db8:1::", 64, 3600, 1800);
	(void)mp_on_ra(P, 2, 3, &r1, &ra, T0, ch);
	mp_build_mpa(P, 2, 3, T0 + 100 * SEC, &m);
	ck_assert_int_eq(ndisc_mpa_build(&m, b, sizeof(b), &len), 0);
	/* Type 147, Code 0, Checksum, Identifier, M|O|Reserved, then two 32-octet options. */
	ck_assert_uint_eq(len, 8 + 2 * 32);
	ck_assert_uint_eq(b[0], 147);
	ck_assert_uint_eq(b[1], 0);
	ck_assert_uint_eq(b[4], 0xbe);
	ck_assert_uint_eq(b[5], 0xef);
	ck_assert_uint_eq(b[6], 0x40); /* O, from the RA (§10.6.3); M clear */
	/* RFC 4861 §4.6.2: Type 3, Length 4, Prefix Length, L|A, Valid, Preferred, Reserved2, Prefix. */
	ck_assert_uint_eq(b[8], 3);
	ck_assert_uint_eq(b[9], 4);
	ck_assert_uint_eq(b[10], 64);
	ck_assert_uint_eq(b[11], 0xc0);
	ck_assert_uint_eq(be32(b + 12), 3500);
	ck_assert_uint_eq(be32(b + 16), 1700);
	px = A("2001:db8:1::");
	ck_assert_mem_eq(b + 24, &px, 16);
	ck_assert_uint_eq(be32(b + 40 + 4), 500);
	ck_assert_uint_eq(be32(b + 40 + 8), 200);
	px = A("2001:db8:2::");
	ck_assert_mem_eq(b + 40 + 16, &px, 16);
	/* Another link: no prefix. */
	mp_build_mpa(P, 2, 9, T0, &m);
	ck_assert_uint_eq(m.n_prefixes, 0);
}
END_TEST

/* §10.6.2: RAND_ADV_DELAY = Min + rand % |min(Max, preferred) − Min|. */
START_TEST(rand_adv_delay)
{
	ck_assert_uint_eq(mp_rand_adv_delay(600, 86400, 14400, 0), 600 * SEC);
	ck_assert_uint_eq(mp_rand_adv_delay(600, 86400, 14400, 13799), 600 * SEC + 13799 * SEC);
	ck_assert_uint_eq(mp_rand_adv_delay(600, 86400, 14400, 13800), 600 * SEC);
	ck_assert_uint_eq(mp_rand_adv_delay(600, 1000, UINT32_MAX, 401), 601 * SEC);
	/* Preferred below Min: the absolute value. */
	ck_assert_uint_eq(mp_rand_adv_delay(600, 86400, 100, 501), 601 * SEC);
	/* Min = Max: no randomness (and no division by zero). */
	ck_assert_uint_eq(mp_rand_adv_delay(5, 5, 3600, 12345), 5 * SEC);
}
END_TEST

/* §10.6.2: first retransmission after PREFIX_ADV_TIMEOUT, then doubled, PREFIX_ADV_RETRIES of them. */
START_TEST(retransmissions)
{
	struct mp_tx t = { 0 };
	usec_t now = T0;

	mp_tx_schedule(&t, now, 7 * SEC);
	ck_assert(t.active);
	ck_assert_uint_eq(t.due, T0 + 7 * SEC);
	/* Another change before it is sent keeps the scheduled time. */
	mp_tx_schedule(&t, now + SEC, 1 * SEC);
	ck_assert_uint_eq(t.due, T0 + 7 * SEC);
	now = t.due;
	ck_assert(mp_tx_sent(&t, now)); /* the first transmission */
	ck_assert_uint_eq(t.due, now + 3 * SEC);
	now = t.due;
	ck_assert(mp_tx_sent(&t, now));
	ck_assert_uint_eq(t.due, now + 6 * SEC);
	now = t.due;
	ck_assert(mp_tx_sent(&t, now));
	ck_assert_uint_eq(t.due, now + 12 * SEC);
	now = t.due;
	ck_assert(!mp_tx_sent(&t, now)); /* the third retransmission was the last */
	ck_assert(!t.active);
	ck_assert(t.unacked);
	/* A Solicitation acknowledges it. */
	mp_tx_ack(&t);
	ck_assert(!t.active && !t.unacked);
	/* A change while retransmitting starts a fresh schedule (§10.6.2: combined, the old discarded). */
	mp_tx_schedule(&t, now, 2 * SEC);
	ck_assert(mp_tx_sent(&t, now + 2 * SEC));
	mp_tx_schedule(&t, now + 3 * SEC, 4 * SEC);
	ck_assert_uint_eq(t.due, now + 7 * SEC);
	ck_assert_uint_eq(t.sent, 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("mobile-prefix");
	TCase *t = tcase_create("core");

	tcase_add_checked_fixture(t, setup, NULL);
	tcase_add_test(t, kernel_lifetimes);
	tcase_add_test(t, ra_lifetimes);
	tcase_add_test(t, prefix_set_rebuilt);
	tcase_add_test(t, mpa_content_on_the_wire);
	tcase_add_test(t, rand_adv_delay);
	tcase_add_test(t, retransmissions);
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
