// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The mobile node's side of Mobile Prefix Discovery (mn/mn-prefixes.h, RFC 6275
 * §11.4.2-11.4.3, §11.8): Advertisements laid out byte by byte from §6.8 and RFC 4861
 * §4.6.2, parsed by ndisc_mpa_parse, then tested (source, Identifier) and applied;
 * malformed ones refused by the parser; the Solicitation's timers on a test clock.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "icmp6/ndisc.h"
#include "mn/mn-prefixes.h"

#define SEC USEC_PER_SEC
#define T0 (500 * SEC)

static struct in6_addr A(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/* §6.8: Type 147, Code 0, Checksum, Identifier, M|O|Reserved; then options. */
static size_t mpa_hdr(uint8_t *b, uint16_t id)
{
	memset(b, 0, 8);
	b[0] = 147;
	b[4] = (uint8_t)(id >> 8);
	b[5] = (uint8_t)id;
	return 8;
}

/* RFC 4861 §4.6.2: Type 3, Length 4, Prefix Length, L|A, Valid, Preferred, Reserved2, Prefix. */
static size_t pio(uint8_t *o, const char *prefix, uint8_t plen, uint32_t valid, uint32_t preferred)
{
	struct in6_addr a = A(prefix);

	memset(o, 0, 32);
	o[0] = 3;
	o[1] = 4;
	o[2] = plen;
	o[3] = 0xc0;
	for (int i = 0; i < 4; i++) {
		o[4 + i] = (uint8_t)(valid >> (24 - 8 * i));
		o[8 + i] = (uint8_t)(preferred >> (24 - 8 * i));
	}
	memcpy(o + 16, &a, 16);
	return 32;
}

static struct mnp_list L;
static struct mps_state S;

static void setup(void)
{
	struct in6_addr hp = A("2001:db8:1::100"); /* masked to the prefix */

	mnp_init(&L, &hp, 64);
	memset(&S, 0, sizeof(S));
	S.next = UINT64_MAX;
}

/* §11.4.3: source, Identifier, once per Solicitation. */
START_TEST(validation)
{
	uint8_t b[64];
	size_t n = mpa_hdr(b, 0x4242);
	struct ndisc_mpa m;
	struct in6_addr ha = A("2001:db8:1::1"), other = A("2001:db8:1::2"), none = IN6ADDR_ANY_INIT;

	n += pio(b + n, "2001:db8:1::", 64, 600, 300);
	ck_assert_int_eq(ndisc_mpa_parse(b, n, &m), 0);
	/* No Solicitation sent: unsolicited. */
	ck_assert_int_eq(mpa_check(&S, &ha, &ha, &m), MPA_UNSOLICITED);
	mps_sent(&S, 0x4242, T0, 3 * SEC);
	/* Not from the home agent, or no home agent registered. */
	ck_assert_int_eq(mpa_check(&S, &other, &ha, &m), MPA_NOT_FROM_HA);
	ck_assert_int_eq(mpa_check(&S, &ha, &none, &m), MPA_NO_HOME_AGENT);
	ck_assert_int_eq(mpa_check(&S, &ha, NULL, &m), MPA_NO_HOME_AGENT);
	/* Another Identifier. */
	b[5] = 0x43;
	ck_assert_int_eq(ndisc_mpa_parse(b, n, &m), 0);
	ck_assert_int_eq(mpa_check(&S, &ha, &ha, &m), MPA_UNSOLICITED);
	b[5] = 0x42;
	ck_assert_int_eq(ndisc_mpa_parse(b, n, &m), 0);
	ck_assert_int_eq(mpa_check(&S, &ha, &ha, &m), MPA_ACCEPT);
	ck_assert(!S.outstanding);
	ck_assert_uint_eq(S.next, UINT64_MAX);
	/* A second Advertisement for the same Solicitation is unsolicited. */
	ck_assert_int_eq(mpa_check(&S, &ha, &ha, &m), MPA_UNSOLICITED);
}
END_TEST

/* Bounds: the parser refuses what RFC 4861 §4.6 / §4.6.2 forbid; the whole message is dropped. */
START_TEST(malformed)
{
	uint8_t b[80];
	size_t n = mpa_hdr(b, 1);
	struct ndisc_mpa m;

	n += pio(b + n, "2001:db8:1::", 64, 600, 300);
	ck_assert_int_eq(ndisc_mpa_parse(b, 7, &m), -EBADMSG);         /* shorter than §6.8's header */
	ck_assert_int_eq(ndisc_mpa_parse(b, n - 1, &m), -EBADMSG);     /* option runs past the end */
	b[9] = 3;                                                      /* PIO Length 3, not 4 */
	ck_assert_int_eq(ndisc_mpa_parse(b, n, &m), -EBADMSG);
	b[9] = 0;                                                      /* Length 0 */
	ck_assert_int_eq(ndisc_mpa_parse(b, n, &m), -EBADMSG);
	b[9] = 4;
	b[10] = 129;                                                   /* Prefix Length > 128 */
	ck_assert_int_eq(ndisc_mpa_parse(b, n, &m), -EBADMSG);
	b[10] = 64;
	b[1] = 1;                                                      /* Code != 0 */
	ck_assert_int_eq(ndisc_mpa_parse(b, n, &m), -EBADMSG);
	b[1] = 0;
	b[0] = 146;                                                    /* not an MPA */
	ck_assert_int_eq(ndisc_mpa_parse(b, n, &m), -EBADMSG);
}
END_TEST

/* §11.4.3: the options as an RA's on the home link: lifetimes updated, a new prefix recorded. */
START_TEST(apply)
{
	uint8_t b[8 + 5 * 32];
	size_t n = mpa_hdr(b, 1);
	struct ndisc_mpa m;

	ck_assert(!L.p[0].known);
	ck_assert_uint_eq(mnp_remaining(&L.p[0], T0, false), UINT32_MAX);
	n += pio(b + n, "2001:db8:1::", 64, 600, 300);
	n += pio(b + n, "2001:db8:5::", 48, 7200, 3600);  /* new */
	n += pio(b + n, "fe80::", 64, 600, 300);          /* link-local: ignored */
	n += pio(b + n, "2001:db8:6::", 64, 100, 200);    /* preferred > valid: ignored */
	n += pio(b + n, "2001:db8:1::", 64, 600, 300);    /* repeated: the same entry */
	ck_assert_int_eq(ndisc_mpa_parse(b, n, &m), 0);
	ck_assert_uint_eq(mnp_apply(&L, &m, T0), 3);
	ck_assert_uint_eq(L.n, 2);
	ck_assert(L.p[0].known);
	ck_assert_uint_eq(mnp_remaining(&L.p[0], T0 + 100 * SEC, false), 500);
	ck_assert_uint_eq(mnp_remaining(&L.p[0], T0 + 100 * SEC, true), 200);
	ck_assert_uint_eq(mnp_remaining(&L.p[0], T0 + 700 * SEC, false), 0);
	ck_assert_uint_eq(L.p[1].len, 48);
	ck_assert_uint_eq(mnp_remaining(&L.p[1], T0, false), 7200);
	/* §11.4.2: a Solicitation before the home prefix expires: at 80 % of 600 s. */
	ck_assert_uint_eq(mnp_refresh_time(&L), T0 + 480 * SEC);
	/* Bounded: more new prefixes than MNP_MAX are not recorded. */
	for (int i = 0; i < 10; i++) {
		char px[32];

		n = mpa_hdr(b, 1);
		snprintf(px, sizeof(px), "2001:db8:%x::", 0x100 + i);
		n += pio(b + n, px, 64, 60, 60);
		ck_assert_int_eq(ndisc_mpa_parse(b, n, &m), 0);
		(void)mnp_apply(&L, &m, T0);
	}
	ck_assert_uint_eq(L.n, MNP_MAX);
	/* Infinite: no Solicitation needed. */
	n = mpa_hdr(b, 1);
	n += pio(b + n, "2001:db8:1::", 64, 0xffffffff, 0xffffffff);
	ck_assert_int_eq(ndisc_mpa_parse(b, n, &m), 0);
	(void)mnp_apply(&L, &m, T0);
	ck_assert_uint_eq(mnp_refresh_time(&L), UINT64_MAX);
}
END_TEST

/* §11.8: INITIAL_SOLICIT_TIMER, doubled, at most MAX_BINDACK_TIMEOUT (32 s), then at that rate. */
START_TEST(solicitation_backoff)
{
	usec_t now = T0;
	const usec_t want[] = { 3, 6, 12, 24, 32, 32 };

	for (unsigned i = 0; i < 6; i++) {
		mps_sent(&S, 7, now, 3 * SEC);
		ck_assert_uint_eq(S.next - now, want[i] * SEC);
		now = S.next;
	}
	ck_assert(S.outstanding);
	ck_assert_uint_eq(S.id, 7);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("mn-prefixes");
	TCase *t = tcase_create("core");

	tcase_add_checked_fixture(t, setup, NULL);
	tcase_add_test(t, validation);
	tcase_add_test(t, malformed);
	tcase_add_test(t, apply);
	tcase_add_test(t, solicitation_backoff);
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
