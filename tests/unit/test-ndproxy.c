/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HA's proxy ND codec (icmp6/ndproxy.h): NSs laid out byte by byte from RFC 8200 §3
 * (IPv6 header) and RFC 4861 §4.3 / §4.6.1 (NS, Source LLA option), the checksum of
 * RFC 4443 §2.3 computed here; every check of RFC 4861 §7.1.1 broken once; every truncation;
 * the NA of RFC 4861 §4.4 read back at its offsets; the socket filter run on the packets.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <string.h>

#include "icmp6/ndproxy.h"

static struct in6_addr A(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static bool addr_eq(const struct in6_addr *a, const char *s)
{
	struct in6_addr b = A(s);

	return memcmp(a, &b, 16) == 0;
}

static const uint8_t PEER[6] = { 0x02, 0, 0, 0, 0x0b, 0x01 };
static const uint8_t HA_MAC[6] = { 0x02, 0, 0, 0, 0x0a, 0x0a };

static void csum(uint8_t *p)
{
	size_t plen = (size_t)p[4] << 8 | p[5];
	uint32_t sum = 0;

	p[42] = p[43] = 0;
	for (size_t i = 8; i < 40; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	sum += (uint32_t)plen + 58;
	for (size_t i = 40; i < 40 + plen; i += 2)
		sum += (uint32_t)(p[i] << 8 | (i + 1 < 40 + plen ? p[i + 1] : 0));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	p[42] = (uint8_t)(sum >> 8);
	p[43] = (uint8_t)sum;
}

/* IPv6 (version 6, Payload Length, Next Header 58, Hop Limit), NS: 135, 0, checksum, reserved, target. */
static size_t ns(uint8_t *p, const char *src, const char *dst, const char *target, bool sllao)
{
	struct in6_addr s = A(src), d = A(dst), t = A(target);
	size_t plen = 24 + (sllao ? 8 : 0);

	memset(p, 0, 40 + plen);
	p[0] = 0x60;
	p[5] = (uint8_t)plen;
	p[6] = 58;
	p[7] = 255;
	memcpy(p + 8, &s, 16);
	memcpy(p + 24, &d, 16);
	p[40] = 135;
	memcpy(p + 48, &t, 16);
	if (sllao) {
		p[64] = 1;
		p[65] = 1;
		memcpy(p + 66, PEER, 6);
	}
	csum(p);
	return 40 + plen;
}

static enum ndproxy_verdict parse(const uint8_t *p, size_t n)
{
	struct ndproxy_ns r;

	return ndproxy_ns_parse(p, n, &r);
}

START_TEST(valid_resolution_nud_and_dad)
{
	uint8_t p[128];
	struct ndproxy_ns r;
	size_t n;

	n = ns(p, "2001:db8:1::99", "ff02::1:ff00:100", "2001:db8:1::100", true);
	ck_assert_int_eq(ndproxy_ns_parse(p, n, &r), NDPROXY_OK);
	ck_assert(!r.dad);
	ck_assert(addr_eq(&r.ns.target, "2001:db8:1::100"));
	ck_assert(addr_eq(&r.src, "2001:db8:1::99"));
	ck_assert_uint_eq(r.ns.source_lla.len, 6);
	ck_assert_mem_eq(r.ns.source_lla.addr, PEER, 6);
	/* NUD: unicast to the target. */
	n = ns(p, "fe80::99", "2001:db8:1::100", "2001:db8:1::100", false);
	ck_assert_int_eq(ndproxy_ns_parse(p, n, &r), NDPROXY_OK);
	/* DAD (RFC 4862 §5.4.2). */
	n = ns(p, "::", "ff02::1:ff00:100", "2001:db8:1::100", false);
	ck_assert_int_eq(ndproxy_ns_parse(p, n, &r), NDPROXY_OK);
	ck_assert(r.dad);
	/* Link padding after the Payload Length is not part of the message. */
	memset(p + n, 0xee, 8);
	ck_assert_int_eq(parse(p, n + 8), NDPROXY_OK);
	/* Reserved bits and unknown options are ignored (RFC 4861 §7.1.1). */
	n = ns(p, "2001:db8:1::99", "ff02::1:ff00:100", "2001:db8:1::100", true);
	p[44] = 0xff;
	p[64] = 200; /* an unknown option type */
	csum(p);
	ck_assert_int_eq(parse(p, n), NDPROXY_OK);
}
END_TEST

START_TEST(every_check_of_rfc4861_7_1_1)
{
	uint8_t p[128];
	size_t n;

	n = ns(p, "2001:db8:1::99", "ff02::1:ff00:100", "2001:db8:1::100", true);
	p[7] = 254; /* Hop Limit */
	ck_assert_int_eq(parse(p, n), NDPROXY_DROP_HOP_LIMIT);
	p[7] = 255;
	p[50] ^= 0x40; /* a bit of the target: the checksum no longer holds */
	ck_assert_int_eq(parse(p, n), NDPROXY_DROP_CHECKSUM);
	p[50] ^= 0x40;
	p[41] = 1; /* Code */
	csum(p);
	ck_assert_int_eq(parse(p, n), NDPROXY_DROP_MALFORMED);
	p[41] = 0;
	p[65] = 0; /* an option of Length 0 */
	csum(p);
	ck_assert_int_eq(parse(p, n), NDPROXY_DROP_MALFORMED);
	p[65] = 2; /* an option running past the end */
	csum(p);
	ck_assert_int_eq(parse(p, n), NDPROXY_DROP_MALFORMED);
	/* Multicast target. */
	n = ns(p, "2001:db8:1::99", "ff02::1:ff00:1", "ff02::1", false);
	ck_assert_int_eq(parse(p, n), NDPROXY_DROP_MALFORMED);
	/* ICMP length 23: Payload Length says so. */
	n = ns(p, "2001:db8:1::99", "ff02::1:ff00:100", "2001:db8:1::100", false);
	p[5] = 23;
	csum(p);
	ck_assert_int_eq(parse(p, n), NDPROXY_DROP_MALFORMED);
	/* From :: to a non-solicited-node address; from :: with a source LLA option. */
	n = ns(p, "::", "ff02::1", "2001:db8:1::100", false);
	ck_assert_int_eq(parse(p, n), NDPROXY_DROP_DAD_DST);
	n = ns(p, "::", "2001:db8:1::100", "2001:db8:1::100", false);
	ck_assert_int_eq(parse(p, n), NDPROXY_DROP_DAD_DST);
	n = ns(p, "::", "ff02::1:ff00:100", "2001:db8:1::100", true);
	ck_assert_int_eq(parse(p, n), NDPROXY_DROP_DAD_SLLAO);
	/* Multicast source. */
	n = ns(p, "ff02::1", "ff02::1:ff00:100", "2001:db8:1::100", false);
	ck_assert_int_eq(parse(p, n), NDPROXY_DROP_SOURCE);
	/* To another target's solicited-node group, or to another unicast address. */
	n = ns(p, "2001:db8:1::99", "ff02::1:ff00:101", "2001:db8:1::100", false);
	ck_assert_int_eq(parse(p, n), NDPROXY_DROP_DST);
	n = ns(p, "2001:db8:1::99", "2001:db8:1::1", "2001:db8:1::100", false);
	ck_assert_int_eq(parse(p, n), NDPROXY_DROP_DST);
	/* Not an NS: version, Next Header (extension headers), type. */
	n = ns(p, "2001:db8:1::99", "ff02::1:ff00:100", "2001:db8:1::100", false);
	p[0] = 0x40;
	ck_assert_int_eq(parse(p, n), NDPROXY_DROP_NOT_NS);
	p[0] = 0x60;
	p[6] = 0;
	ck_assert_int_eq(parse(p, n), NDPROXY_DROP_NOT_NS);
	p[6] = 58;
	p[40] = 136;
	ck_assert_int_eq(parse(p, n), NDPROXY_DROP_NOT_NS);
	/* Payload Length past the data. */
	n = ns(p, "2001:db8:1::99", "ff02::1:ff00:100", "2001:db8:1::100", false);
	p[5] = 25;
	ck_assert_int_eq(parse(p, n), NDPROXY_DROP_SHORT);
	ck_assert_int_eq(parse(NULL, 0), NDPROXY_DROP_SHORT);
}
END_TEST

/* Every truncation of a valid NS with an option is dropped, never read past. */
START_TEST(truncations)
{
	uint8_t p[128];
	size_t n = ns(p, "2001:db8:1::99", "ff02::1:ff00:100", "2001:db8:1::100", true);

	for (size_t k = 0; k < n; k++)
		ck_assert_int_ne(parse(p, k), NDPROXY_OK);
	for (int v = 0; v < _NDPROXY_VERDICT_MAX; v++)
		ck_assert_ptr_nonnull(ndproxy_verdict_to_string((enum ndproxy_verdict)v));
	ck_assert_ptr_null(ndproxy_verdict_to_string(_NDPROXY_VERDICT_MAX));
}
END_TEST

/* RFC 4861 §4.4 / §7.2.4, RFC 6275 §10.4.1: the NA's bytes at their offsets. */
START_TEST(na_answers)
{
	uint8_t p[128], na[64];
	struct ndproxy_ns r;
	struct in6_addr dst, t = A("2001:db8:1::100");
	size_t n;

	n = ns(p, "2001:db8:1::99", "ff02::1:ff00:100", "2001:db8:1::100", true);
	ck_assert_int_eq(ndproxy_ns_parse(p, n, &r), NDPROXY_OK);
	ck_assert_int_eq(ndproxy_na_build(&r, HA_MAC, false, na, sizeof(na), &n, &dst), 0);
	ck_assert_uint_eq(n, 32);
	ck_assert(addr_eq(&dst, "2001:db8:1::99"));
	ck_assert_uint_eq(na[0], 136);
	ck_assert_uint_eq(na[1], 0);
	ck_assert_uint_eq(na[4], 0x60); /* R=0 S=1 O=1 */
	ck_assert_mem_eq(na + 8, &t, 16);
	ck_assert_uint_eq(na[24], 2); /* Target Link-Layer Address, Length 1 */
	ck_assert_uint_eq(na[25], 1);
	ck_assert_mem_eq(na + 26, HA_MAC, 6);
	/* A mobile router's (RFC 3963 §6.2): R=1. */
	ck_assert_int_eq(ndproxy_na_build(&r, HA_MAC, true, na, sizeof(na), &n, &dst), 0);
	ck_assert_uint_eq(na[4], 0xe0);
	/* Another node's DAD probe: to all-nodes, S=0, O=1. */
	n = ns(p, "::", "ff02::1:ff00:100", "2001:db8:1::100", false);
	ck_assert_int_eq(ndproxy_ns_parse(p, n, &r), NDPROXY_OK);
	ck_assert_int_eq(ndproxy_na_build(&r, HA_MAC, false, na, sizeof(na), &n, &dst), 0);
	ck_assert(addr_eq(&dst, "ff02::1"));
	ck_assert_uint_eq(na[4], 0x20);
	ck_assert_int_eq(ndproxy_na_build(&r, HA_MAC, false, na, 31, &n, &dst), -ENOBUFS);
}
END_TEST

/* The classic BPF program, interpreted here: NSs pass whole, anything else not at all. */
static unsigned run_bpf(const struct sock_fprog *f, const uint8_t *p, size_t len)
{
	uint32_t a = 0;

	for (unsigned pc = 0; pc < f->len; pc++) {
		const struct sock_filter *i = &f->filter[pc];

		switch (i->code) {
		case BPF_LD | BPF_B | BPF_ABS:
			if (i->k >= len)
				return 0;
			a = p[i->k];
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
			a >>= i->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == i->k ? i->jt : i->jf;
			break;
		case BPF_RET | BPF_K:
			return i->k;
		default:
			ck_abort_msg("opcode %#x", i->code);
		}
	}
	ck_abort_msg("ran off the end");
	return 0;
}

START_TEST(socket_filter)
{
	struct sock_fprog f;
	uint8_t p[128];
	size_t n = ns(p, "2001:db8:1::99", "ff02::1:ff00:100", "2001:db8:1::100", true);

	ndproxy_filter(&f);
	ck_assert_uint_ge(run_bpf(&f, p, n), 1500);
	p[40] = 136;
	ck_assert_uint_eq(run_bpf(&f, p, n), 0);
	p[40] = 135;
	p[6] = 0; /* Hop-by-Hop first */
	ck_assert_uint_eq(run_bpf(&f, p, n), 0);
	p[6] = 58;
	p[0] = 0x45;
	ck_assert_uint_eq(run_bpf(&f, p, n), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ndproxy");
	TCase *tc = tcase_create("ndproxy");

	tcase_add_test(tc, valid_resolution_nud_and_dad);
	tcase_add_test(tc, every_check_of_rfc4861_7_1_1);
	tcase_add_test(tc, truncations);
	tcase_add_test(tc, na_answers);
	tcase_add_test(tc, socket_filter);
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
