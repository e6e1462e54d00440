// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * core/rh2: the type 2 routing header of RFC 6275 §6.4, laid out here from the RFC's
 * figure (Next Header, Hdr Ext Len = 2, Routing Type = 2, Segments Left = 1, Reserved,
 * Home Address), its bounded parser's malformed cases, and the control message.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <string.h>

#include "core/rh2.h"

static struct in6_addr A(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/* RFC 6275 §6.4, 2001:db8:1::100 as the Home Address. */
static const uint8_t rfc_rh2[24] = { 58, 2, 2, 1, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0,
				     0, 0, 0, 0, 0, 0, 0x01, 0x00 };

START_TEST(build_matches_rfc_layout)
{
	struct in6_addr hoa = A("2001:db8:1::100");
	uint8_t out[RH2_LEN];

	rh2_build(&hoa, out);
	/* Next Header is the kernel's to fill: 0 here; the rest is the RFC's. */
	ck_assert_uint_eq(out[0], 0);
	ck_assert_mem_eq(out + 1, rfc_rh2 + 1, sizeof(rfc_rh2) - 1);
}
END_TEST

START_TEST(parse_rfc_bytes_and_processed_form)
{
	struct in6_addr got, hoa = A("2001:db8:1::100");
	uint8_t p[24];

	ck_assert_int_eq(rh2_parse(rfc_rh2, sizeof(rfc_rh2), &got), 0);
	ck_assert_mem_eq(&got, &hoa, 16);
	/* As the kernel hands it after processing: Segments Left 0. */
	memcpy(p, rfc_rh2, sizeof(p));
	p[3] = 0;
	ck_assert_int_eq(rh2_parse(p, sizeof(p), &got), 0);
}
END_TEST

START_TEST(parse_malformed)
{
	struct in6_addr got;
	uint8_t p[32];

	ck_assert_int_eq(rh2_parse(NULL, 24, &got), -EBADMSG);
	ck_assert_int_eq(rh2_parse(rfc_rh2, 3, &got), -EBADMSG);
	/* Shorter than its Hdr Ext Len says. */
	for (size_t n = 4; n < 24; n++)
		ck_assert_int_eq(rh2_parse(rfc_rh2, n, &got), -EBADMSG);
	/* Hdr Ext Len other than 2 (§6.4: MUST be 2). */
	memset(p, 0, sizeof(p));
	memcpy(p, rfc_rh2, 24);
	p[1] = 3;
	ck_assert_int_eq(rh2_parse(p, 32, &got), -EBADMSG);
	p[1] = 1;
	ck_assert_int_eq(rh2_parse(p, 32, &got), -EBADMSG);
	/* Segments Left above 1. */
	memcpy(p, rfc_rh2, 24);
	p[3] = 2;
	ck_assert_int_eq(rh2_parse(p, 24, &got), -EBADMSG);
	/* Another routing type (0, RFC 5095; 3, RFC 6554): not ours. */
	memcpy(p, rfc_rh2, 24);
	p[2] = 0;
	ck_assert_int_eq(rh2_parse(p, 24, &got), -ENOENT);
	p[2] = 3;
	ck_assert_int_eq(rh2_parse(p, 24, &got), -ENOENT);
}
END_TEST

START_TEST(cmsg_is_ipv6_rthdr)
{
	union {
		struct cmsghdr align;
		uint8_t buf[RH2_CMSG_SPACE];
	} control;
	struct msghdr m = { .msg_control = &control, .msg_controllen = sizeof(control) };
	struct in6_addr coa = A("2001:db8:2::5"), got;
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	ck_assert_uint_eq(rh2_cmsg_put(c, &coa), RH2_CMSG_SPACE);
	ck_assert_int_eq(c->cmsg_level, IPPROTO_IPV6);
	ck_assert_int_eq(c->cmsg_type, IPV6_RTHDR);
	ck_assert_uint_eq(c->cmsg_len, CMSG_LEN(24));
	ck_assert_int_eq(rh2_parse(CMSG_DATA(c), 24, &got), 0);
	ck_assert_mem_eq(&got, &coa, 16);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rh2");
	TCase *t = tcase_create("codec");
	SRunner *sr;
	int failed;

	tcase_add_test(t, build_matches_rfc_layout);
	tcase_add_test(t, parse_rfc_bytes_and_processed_form);
	tcase_add_test(t, parse_malformed);
	tcase_add_test(t, cmsg_is_ipv6_rthdr);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
