/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ND / DHAAD / MPD codec: hand-written vectors (layouts of RFC 4861 §4 and
 * RFC 6275 §6.5-6.8, §7.1-7.4), round trips for every builder, every
 * truncation of a valid RA, and malformed messages.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <string.h>

#include "icmp6/ndisc.h"

static struct in6_addr A(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/*
 * RA from a home agent (RFC 6275 §7.1-7.4), 80 octets, checksum left 0:
 *   86 00 00 00              Type 134, Code 0, Checksum
 *   40 60 07 08              Cur Hop Limit 64, flags O|H, Router Lifetime 1800
 *   00 00 75 30              Reachable Time 30000 ms
 *   00 00 03 e8              Retrans Timer 1000 ms
 *   01 01 00 11 22 33 44 55  Source LLA 00:11:22:33:44:55            @16
 *   05 01 00 00 00 00 05 dc  MTU 1500                                 @24
 *   07 01 00 00 00 00 0b b8  Advertisement Interval 3000 ms           @32
 *   08 01 80 00 00 0a 07 08  HA Info: NEMO R, preference 10, lifetime 1800  @40
 *   03 04 40 e0              Prefix Info: /64, L|A|R                  @48
 *   00 27 8d 00              Valid Lifetime 2592000
 *   00 09 3a 80              Preferred Lifetime 604800
 *   00 00 00 00              Reserved2
 *   20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 01   2001:db8:1::1 (router address)
 */
static const uint8_t ra_ha[] = {
	0x86, 0x00, 0x00, 0x00, 0x40, 0x60, 0x07, 0x08, 0x00, 0x00, 0x75, 0x30,
	0x00, 0x00, 0x03, 0xe8, 0x01, 0x01, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
	0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05, 0xdc, 0x07, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x0b, 0xb8, 0x08, 0x01, 0x80, 0x00, 0x00, 0x0a, 0x07, 0x08,
	0x03, 0x04, 0x40, 0xe0, 0x00, 0x27, 0x8d, 0x00, 0x00, 0x09, 0x3a, 0x80,
	0x00, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
};

START_TEST(ra_parse_vector)
{
	struct ndisc_ra ra;
	struct in6_addr p = A("2001:db8:1::1");
	uint16_t pref;

	ck_assert_uint_eq(sizeof(ra_ha), 80);
	ck_assert_int_eq(ndisc_ra_parse(ra_ha, sizeof(ra_ha), &ra), 0);
	ck_assert_uint_eq(ra.cur_hop_limit, 64);
	ck_assert_uint_eq(ra.flags, NDISC_RA_F_OTHER | NDISC_RA_F_HOME_AGENT);
	ck_assert_uint_eq(ra.router_lifetime, 1800);
	ck_assert_uint_eq(ra.reachable_time, 30000);
	ck_assert_uint_eq(ra.retrans_timer, 1000);
	ck_assert_uint_eq(ra.source_lla.len, 6);
	ck_assert_mem_eq(ra.source_lla.addr, "\x00\x11\x22\x33\x44\x55", 6);
	ck_assert(ra.has_mtu);
	ck_assert_uint_eq(ra.mtu, 1500);
	ck_assert(ra.has_adv_interval);
	ck_assert_uint_eq(ra.adv_interval_ms, 3000);
	ck_assert(ra.has_ha_info);
	ck_assert_uint_eq(ra.ha_info.flags, NDISC_HA_INFO_F_MOBILE_ROUTER);
	ck_assert_uint_eq(ra.ha_info.preference, 10);
	ck_assert_uint_eq(ra.ha_info.lifetime, 1800);
	ck_assert_uint_eq(ra.warnings, 0);
	ck_assert_uint_eq(ra.n_prefixes, 1);
	ck_assert_uint_eq(ra.prefixes[0].prefixlen, 64);
	ck_assert_uint_eq(ra.prefixes[0].flags,
			  NDISC_PREFIX_F_ONLINK | NDISC_PREFIX_F_AUTO | NDISC_PREFIX_F_ROUTER_ADDR);
	ck_assert_uint_eq(ra.prefixes[0].valid_lifetime, 2592000);
	ck_assert_uint_eq(ra.prefixes[0].preferred_lifetime, 604800);
	ck_assert_mem_eq(&ra.prefixes[0].prefix, &p, 16);
	ck_assert_uint_eq(ndisc_ra_ha_lifetime(&ra, &pref), 1800);
	ck_assert_uint_eq(pref, 10);
}
END_TEST

START_TEST(ra_build_round_trip)
{
	struct ndisc_ra ra, ra2;
	uint8_t buf[256];
	size_t n;

	ck_assert_int_eq(ndisc_ra_parse(ra_ha, sizeof(ra_ha), &ra), 0);
	ck_assert_int_eq(ndisc_ra_build(&ra, buf, sizeof(buf), &n), 0);
	ck_assert_uint_eq(n, sizeof(ra_ha));
	ck_assert_mem_eq(buf, ra_ha, sizeof(ra_ha));
	ck_assert_int_eq(ndisc_ra_parse(buf, n, &ra2), 0);
	ck_assert_int_eq(memcmp(&ra, &ra2, sizeof(ra)), 0);
	/* Every capacity short of the length fails with -ENOBUFS. */
	for (size_t cap = 0; cap < n; cap++)
		ck_assert_int_eq(ndisc_ra_build(&ra, buf, cap, &n), -ENOBUFS);
}
END_TEST

START_TEST(ra_build_max_prefixes)
{
	static struct ndisc_ra ra, ra2;
	static uint8_t buf[16 + 16 + 32 * NDISC_MAX_PREFIXES];
	size_t n;

	memset(&ra, 0, sizeof(ra));
	ra.flags = NDISC_RA_F_HOME_AGENT;
	ra.source_lla.len = 8; /* pads to Length 2: body comes back as 14 octets */
	memset(ra.source_lla.addr, 0xab, 8);
	ra.n_prefixes = NDISC_MAX_PREFIXES;
	for (unsigned i = 0; i < NDISC_MAX_PREFIXES; i++) {
		ra.prefixes[i].prefixlen = (uint8_t)i;
		ra.prefixes[i].prefix.s6_addr[0] = (uint8_t)i;
		ra.prefixes[i].valid_lifetime = NDISC_LIFETIME_INFINITE;
	}
	ck_assert_int_eq(ndisc_ra_build(&ra, buf, sizeof(buf), &n), 0);
	ck_assert_uint_eq(n, sizeof(buf));
	ck_assert_int_eq(ndisc_ra_parse(buf, n, &ra2), 0);
	ck_assert_uint_eq(ra2.source_lla.len, 14);
	ck_assert_mem_eq(ra2.source_lla.addr, ra.source_lla.addr, 8);
	ck_assert_mem_eq(ra2.source_lla.addr + 8, "\0\0\0\0\0\0", 6);
	ck_assert_mem_eq(ra2.prefixes, ra.prefixes, sizeof(ra.prefixes));

	/* Invalid structs are refused, not silently written. */
	ra.n_prefixes = NDISC_MAX_PREFIXES + 1;
	ck_assert_int_eq(ndisc_ra_build(&ra, buf, sizeof(buf), &n), -EINVAL);
	ra.n_prefixes = 1;
	ra.prefixes[0].prefixlen = 129;
	ck_assert_int_eq(ndisc_ra_build(&ra, buf, sizeof(buf), &n), -EINVAL);
	ra.prefixes[0].prefixlen = 0;
	ra.source_lla.len = NDISC_LLA_MAX + 1;
	ck_assert_int_eq(ndisc_ra_build(&ra, buf, sizeof(buf), &n), -EINVAL);
}
END_TEST

/* Every truncation fails, except at option boundaries (then fewer options). */
START_TEST(ra_every_truncation)
{
	struct ndisc_ra ra;

	for (size_t n = 0; n < sizeof(ra_ha); n++) {
		int r = ndisc_ra_parse(ra_ha, n, &ra);

		if (n == 16 || n == 24 || n == 32 || n == 40 || n == 48) {
			ck_assert_msg(r == 0, "len %zu: %d", n, r);
			ck_assert_uint_eq(ra.has_mtu, n >= 32);
			ck_assert_uint_eq(ra.n_prefixes, 0);
		} else {
			ck_assert_msg(r == -EBADMSG, "len %zu: %d", n, r);
			/* A failed parse leaves nothing behind. */
			ck_assert_uint_eq(ra.n_prefixes, 0);
			ck_assert_uint_eq(ra.router_lifetime, 0);
		}
	}
	ck_assert_int_eq(ndisc_ra_parse(NULL, 0, &ra), -EINVAL);
	ck_assert_int_eq(ndisc_ra_parse(ra_ha, sizeof(ra_ha), NULL), -EINVAL);
}
END_TEST

/* Malformed variants of ra_ha: (offset, new byte) patches. */
static const struct {
	const char *name;
	size_t off;
	uint8_t val;
} ra_bad[] = {
	{ "wrong type (RS)", 0, 133 },
	{ "code 1", 1, 1 },
	{ "SLLA length 0", 17, 0 },
	{ "MTU length 0", 25, 0 },
	{ "MTU length 2", 25, 2 },
	{ "Adv Interval length 2", 33, 2 },
	{ "HA Info length 2", 41, 2 },
	{ "HA Info length 0", 41, 0 },
	{ "Prefix Info length 3", 49, 3 },
	{ "Prefix Info length 5 (runs past end)", 49, 5 },
	{ "Prefix Info length 0", 49, 0 },
	{ "prefix length 129", 50, 129 },
	{ "prefix length 255", 50, 255 },
	{ "SLLA length 10 (runs past end)", 17, 10 },
	{ "SLLA length 255", 17, 255 },
};

START_TEST(ra_malformed)
{
	uint8_t m[sizeof(ra_ha)];
	struct ndisc_ra ra;

	memcpy(m, ra_ha, sizeof(m));
	m[50] = 128; /* prefix length 128 is the largest valid one */
	ck_assert_int_eq(ndisc_ra_parse(m, sizeof(m), &ra), 0);
	ck_assert_uint_eq(ra.prefixes[0].prefixlen, 128);

	for (size_t i = 0; i < sizeof(ra_bad) / sizeof(ra_bad[0]); i++) {
		memcpy(m, ra_ha, sizeof(m));
		m[ra_bad[i].off] = ra_bad[i].val;
		ck_assert_msg(ndisc_ra_parse(m, sizeof(m), &ra) == -EBADMSG, "%s", ra_bad[i].name);
	}
}
END_TEST

/* RA header (16 octets, H set) followed by `count` options of `type`, Length 1 or 4. */
static size_t ra_with_options(uint8_t *buf, size_t cap, uint8_t type, unsigned count)
{
	size_t n = 16, olen = type == NDISC_OPT_PREFIX_INFO ? 32 : 8;

	memset(buf, 0, cap);
	buf[0] = NDISC_TYPE_RA;
	buf[5] = NDISC_RA_F_HOME_AGENT;
	for (unsigned i = 0; i < count; i++) {
		ck_assert_uint_le(n + olen, cap);
		buf[n] = type;
		buf[n + 1] = (uint8_t)(olen / 8);
		if (type == NDISC_OPT_PREFIX_INFO)
			buf[n + 2] = 64;
		n += olen;
	}
	return n;
}

START_TEST(ra_option_caps)
{
	static uint8_t buf[16 + 32 * (NDISC_MAX_OPTIONS + 1)];
	static struct ndisc_ra ra;
	size_t n;

	/* Unknown option type 200 is skipped; NDISC_MAX_OPTIONS of them is fine. */
	n = ra_with_options(buf, sizeof(buf), 200, NDISC_MAX_OPTIONS);
	ck_assert_int_eq(ndisc_ra_parse(buf, n, &ra), 0);
	n = ra_with_options(buf, sizeof(buf), 200, NDISC_MAX_OPTIONS + 1);
	ck_assert_int_eq(ndisc_ra_parse(buf, n, &ra), -EBADMSG);

	n = ra_with_options(buf, sizeof(buf), NDISC_OPT_PREFIX_INFO, NDISC_MAX_PREFIXES);
	ck_assert_int_eq(ndisc_ra_parse(buf, n, &ra), 0);
	ck_assert_uint_eq(ra.n_prefixes, NDISC_MAX_PREFIXES);
	n = ra_with_options(buf, sizeof(buf), NDISC_OPT_PREFIX_INFO, NDISC_MAX_PREFIXES + 1);
	ck_assert_int_eq(ndisc_ra_parse(buf, n, &ra), -EBADMSG);
	ck_assert_uint_eq(ra.n_prefixes, 0);
}
END_TEST

START_TEST(ra_options_tolerated)
{
	/*
	 * 86 00 00 00 40 20 00 64 00*8  RA, H set, Router Lifetime 100
	 * 01 01 aa aa aa aa aa aa       first SLLA: counts
	 * 01 01 bb bb bb bb bb bb       second SLLA: skipped
	 * 01 05 cc ... (38 octets)      SLLA body > NDISC_LLA_MAX: skipped
	 * 05 01 00 00 00 00 05 00       MTU 1280
	 * 05 01 00 00 00 00 23 28       second MTU 9000: skipped
	 * fe 01 ff ff ff ff ff ff       unknown type 254: skipped
	 */
	uint8_t m[16 + 8 + 8 + 40 + 8 + 8 + 8] = { 0x86, 0, 0, 0, 0x40, 0x20, 0x00, 0x64 };
	struct ndisc_ra ra;
	uint8_t *p = m + 16;

	memcpy(p, "\x01\x01\xaa\xaa\xaa\xaa\xaa\xaa", 8), p += 8;
	memcpy(p, "\x01\x01\xbb\xbb\xbb\xbb\xbb\xbb", 8), p += 8;
	p[0] = 1, p[1] = 5, memset(p + 2, 0xcc, 38), p += 40;
	memcpy(p, "\x05\x01\x00\x00\x00\x00\x05\x00", 8), p += 8;
	memcpy(p, "\x05\x01\x00\x00\x00\x00\x23\x28", 8), p += 8;
	memcpy(p, "\xfe\x01\xff\xff\xff\xff\xff\xff", 8), p += 8;
	ck_assert_uint_eq((size_t)(p - m), sizeof(m));

	ck_assert_int_eq(ndisc_ra_parse(m, sizeof(m), &ra), 0);
	ck_assert_uint_eq(ra.source_lla.len, 6);
	ck_assert_mem_eq(ra.source_lla.addr, "\xaa\xaa\xaa\xaa\xaa\xaa", 6);
	ck_assert(ra.has_mtu);
	ck_assert_uint_eq(ra.mtu, 1280);
	ck_assert(!ra.has_ha_info);
	/* H without HA Info: the HA lifetime is the Router Lifetime (§7.4). */
	ck_assert_uint_eq(ndisc_ra_ha_lifetime(&ra, NULL), 100);
	/* An oversize SLLA first, then a valid one: the valid one counts. */
	memmove(m + 16, m + 32, 40);
	memcpy(m + 56, "\x01\x01\xaa\xaa\xaa\xaa\xaa\xaa", 8);
	memcpy(m + 64, "\xfd\x01\x00\x00\x00\x00\x00\x00", 8); /* unknown filler */
	ck_assert_int_eq(ndisc_ra_parse(m, sizeof(m), &ra), 0);
	ck_assert_uint_eq(ra.source_lla.len, 6);
}
END_TEST

/*
 * RFC 6275 §7.4: Lifetime 0 "MUST NOT be used" and the option "MUST NOT be
 * included" without H. Policy: accept the RA, flag it, and let
 * ndisc_ra_ha_lifetime() ignore the option (lifetime 0 → Router Lifetime;
 * no H → not a home agent at all).
 */
START_TEST(ra_ha_info_anomalies)
{
	uint8_t m[sizeof(ra_ha)], buf[sizeof(ra_ha)];
	struct ndisc_ra ra, ra2;
	uint16_t pref = 99;
	size_t n;

	memcpy(m, ra_ha, sizeof(m));
	m[46] = 0, m[47] = 0; /* HA Lifetime 0 */
	ck_assert_int_eq(ndisc_ra_parse(m, sizeof(m), &ra), 0);
	ck_assert(ra.has_ha_info);
	ck_assert_uint_eq(ra.warnings, NDISC_RA_WARN_HA_LIFETIME_ZERO);
	ck_assert_uint_eq(ndisc_ra_ha_lifetime(&ra, &pref), 1800);
	ck_assert_uint_eq(pref, 0);
	/* The flag survives a round trip (the builder writes what it is given). */
	ck_assert_int_eq(ndisc_ra_build(&ra, buf, sizeof(buf), &n), 0);
	ck_assert_int_eq(ndisc_ra_parse(buf, n, &ra2), 0);
	ck_assert_uint_eq(ra2.warnings, NDISC_RA_WARN_HA_LIFETIME_ZERO);

	memcpy(m, ra_ha, sizeof(m));
	m[5] = NDISC_RA_F_OTHER; /* H clear */
	ck_assert_int_eq(ndisc_ra_parse(m, sizeof(m), &ra), 0);
	ck_assert_uint_eq(ra.warnings, NDISC_RA_WARN_HA_INFO_WITHOUT_H);
	ck_assert_uint_eq(ndisc_ra_ha_lifetime(&ra, &pref), 0);
	ck_assert_uint_eq(pref, 0);

	m[46] = 0, m[47] = 0;
	ck_assert_int_eq(ndisc_ra_parse(m, sizeof(m), &ra), 0);
	ck_assert_uint_eq(ra.warnings,
			  NDISC_RA_WARN_HA_INFO_WITHOUT_H | NDISC_RA_WARN_HA_LIFETIME_ZERO);
}
END_TEST

/*
 * RS (RFC 4861 §4.1) with Source LLA; checksum from scapy 2.5 (Debian
 * /usr/bin/python3): IPv6(src="fe80::2", dst="ff02::2")/ICMPv6ND_RS()/
 * ICMPv6NDOptSrcLLAddr(lladdr="00:11:22:33:44:66") → checksum 0x1582.
 *   85 00 15 82 00 00 00 00  Type 133, Code 0, Checksum, Reserved
 *   01 01 00 11 22 33 44 66  Source LLA
 */
static const uint8_t rs_vec[] = { 0x85, 0x00, 0x15, 0x82, 0x00, 0x00, 0x00, 0x00,
				  0x01, 0x01, 0x00, 0x11, 0x22, 0x33, 0x44, 0x66 };

START_TEST(rs_vector_and_round_trip)
{
	struct in6_addr src = A("fe80::2"), dst = A("ff02::2");
	struct ndisc_rs rs = {}, rs2;
	uint8_t buf[64];
	size_t n;

	ck_assert_int_eq(ndisc_rs_parse(rs_vec, sizeof(rs_vec), &rs2), 0);
	ck_assert_uint_eq(rs2.source_lla.len, 6);
	ck_assert_mem_eq(rs2.source_lla.addr, "\x00\x11\x22\x33\x44\x66", 6);

	rs.source_lla.len = 6;
	memcpy(rs.source_lla.addr, "\x00\x11\x22\x33\x44\x66", 6);
	ck_assert_int_eq(ndisc_rs_build(&rs, buf, sizeof(buf), &n), 0);
	ck_assert_uint_eq(n, sizeof(rs_vec));
	ck_assert_uint_eq(buf[2] | buf[3], 0); /* checksum left to the kernel */
	ndisc_checksum_set(&src, &dst, buf, n);
	ck_assert_mem_eq(buf, rs_vec, sizeof(rs_vec));

	/* Without an SLLA: the bare 8-octet header. */
	memset(&rs, 0, sizeof(rs));
	ck_assert_int_eq(ndisc_rs_build(&rs, buf, sizeof(buf), &n), 0);
	ck_assert_uint_eq(n, 8);
	ck_assert_int_eq(ndisc_rs_parse(buf, n, &rs2), 0);
	ck_assert_uint_eq(rs2.source_lla.len, 0);
	ck_assert_int_eq(ndisc_rs_parse(buf, 7, &rs2), -EBADMSG);
	ck_assert_int_eq(ndisc_rs_build(&rs, buf, 7, &n), -ENOBUFS);
}
END_TEST

/*
 * Unsolicited NA with Override for a proxied HoA (RFC 6275 §10.4.1), from
 * scapy: IPv6(src="fe80::1", dst="ff02::1")/ICMPv6ND_NA(R=0,S=0,O=1,
 * tgt="2001:db8:1::100")/ICMPv6NDOptDstLLAddr(lladdr="00:11:22:33:44:55")
 * → checksum 0xc2ca.
 *   88 00 c2 ca              Type 136, Code 0, Checksum
 *   20 00 00 00              flags O, Reserved
 *   20 01 0d b8 00 01 00 00 00 00 00 00 00 00 01 00   Target 2001:db8:1::100
 *   02 01 00 11 22 33 44 55  Target LLA
 */
static const uint8_t na_vec[] = {
	0x88, 0x00, 0xc2, 0xca, 0x20, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d,
	0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x02, 0x01, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
};

START_TEST(na_vector_checksum_round_trip)
{
	struct in6_addr src = A("fe80::1"), dst = A("ff02::1"), tgt = A("2001:db8:1::100");
	struct ndisc_na na = { .flags = NDISC_NA_F_OVERRIDE, .target = tgt }, na2;
	uint8_t buf[64];
	size_t n;

	ck_assert_int_eq(ndisc_na_parse(na_vec, sizeof(na_vec), &na2), 0);
	ck_assert_uint_eq(na2.flags, NDISC_NA_F_OVERRIDE);
	ck_assert_mem_eq(&na2.target, &tgt, 16);
	ck_assert_uint_eq(na2.target_lla.len, 6);
	ck_assert(ndisc_checksum_ok(&src, &dst, na_vec, sizeof(na_vec)));
	ck_assert_uint_eq(ndisc_checksum(&src, &dst, na_vec, sizeof(na_vec)), 0xc2ca);
	/* A different source breaks it. */
	ck_assert(!ndisc_checksum_ok(&tgt, &dst, na_vec, sizeof(na_vec)));

	na.target_lla.len = 6;
	memcpy(na.target_lla.addr, "\x00\x11\x22\x33\x44\x55", 6);
	ck_assert_int_eq(ndisc_na_build(&na, buf, sizeof(buf), &n), 0);
	ck_assert_uint_eq(n, sizeof(na_vec));
	ndisc_checksum_set(&src, &dst, buf, n);
	ck_assert_mem_eq(buf, na_vec, sizeof(na_vec));
	ck_assert_int_eq(ndisc_na_parse(buf, n, &na2), 0);
	ck_assert_int_eq(memcmp(&na, &na2, sizeof(na)), 0);

	/* All three flags (solicited NA from a router). */
	na.flags = NDISC_NA_F_ROUTER | NDISC_NA_F_SOLICITED | NDISC_NA_F_OVERRIDE;
	ck_assert_int_eq(ndisc_na_build(&na, buf, sizeof(buf), &n), 0);
	ck_assert_uint_eq(buf[4], 0xe0);
	ck_assert_int_eq(ndisc_na_parse(buf, n, &na2), 0);
	ck_assert_uint_eq(na2.flags, 0xe0);
	for (size_t cap = 0; cap < n; cap++)
		ck_assert_int_eq(ndisc_na_build(&na, buf, cap, &n), -ENOBUFS);
}
END_TEST

/* Checksum over an odd length: scapy ICMPv6Unknown(type=200, msgbody=01 02 03),
 * 2001:db8::1 → 2001:db8::2: c8 00 d8 46 01 02 03. */
START_TEST(checksum_odd_length)
{
	static const uint8_t m[] = { 0xc8, 0x00, 0xd8, 0x46, 0x01, 0x02, 0x03 };
	struct in6_addr s = A("2001:db8::1"), d = A("2001:db8::2");

	ck_assert_uint_eq(ndisc_checksum(&s, &d, m, sizeof(m)), 0xd846);
	ck_assert(ndisc_checksum_ok(&s, &d, m, sizeof(m)));
	ck_assert(!ndisc_checksum_ok(&s, &d, m, 3));
}
END_TEST

START_TEST(ns_dad_and_malformed)
{
	struct in6_addr hoa = A("2001:db8:1::12:3456"), snm, want = A("ff02::1:ff12:3456");
	struct ndisc_ns ns = { .target = hoa }, ns2;
	uint8_t buf[64];
	size_t n;

	/*
	 * DAD NS for the HoA (RFC 4862 §5.4.2: from ::, no SLLA):
	 *   87 00 00 00 00 00 00 00 <target 16 octets>
	 */
	ck_assert_int_eq(ndisc_ns_build(&ns, buf, sizeof(buf), &n), 0);
	ck_assert_uint_eq(n, 24);
	ck_assert_mem_eq(buf, "\x87\x00\x00\x00\x00\x00\x00\x00", 8);
	ck_assert_mem_eq(buf + 8, &hoa, 16);
	ck_assert_int_eq(ndisc_ns_parse(buf, n, &ns2), 0);
	ck_assert_int_eq(memcmp(&ns, &ns2, sizeof(ns)), 0);
	ndisc_solicited_node(&hoa, &snm);
	ck_assert_mem_eq(&snm, &want, 16);
	ck_assert(ndisc_is_solicited_node(&snm));
	ck_assert(!ndisc_is_solicited_node(&hoa));

	/* With an SLLA, round trip. */
	ns.source_lla.len = 6;
	memcpy(ns.source_lla.addr, "\x02\x00\x00\x00\x00\x01", 6);
	ck_assert_int_eq(ndisc_ns_build(&ns, buf, sizeof(buf), &n), 0);
	ck_assert_uint_eq(n, 32);
	ck_assert_int_eq(ndisc_ns_parse(buf, n, &ns2), 0);
	ck_assert_int_eq(memcmp(&ns, &ns2, sizeof(ns)), 0);
	/* A Target LLA in an NS is not a Source LLA: skipped. */
	buf[24] = NDISC_OPT_TARGET_LLA;
	ck_assert_int_eq(ndisc_ns_parse(buf, n, &ns2), 0);
	ck_assert_uint_eq(ns2.source_lla.len, 0);
	buf[24] = NDISC_OPT_SOURCE_LLA;

	/* Malformed: every truncation but the option boundary, code, option length 0. */
	for (size_t k = 0; k < n; k++)
		ck_assert_int_eq(ndisc_ns_parse(buf, k, &ns2), k == 24 ? 0 : -EBADMSG);
	buf[1] = 1;
	ck_assert_int_eq(ndisc_ns_parse(buf, n, &ns2), -EBADMSG);
	buf[1] = 0;
	buf[25] = 0;
	ck_assert_int_eq(ndisc_ns_parse(buf, n, &ns2), -EBADMSG);
	buf[25] = 1;
	/* Multicast target (§7.1.1). */
	buf[8] = 0xff;
	ck_assert_int_eq(ndisc_ns_parse(buf, n, &ns2), -EBADMSG);
	ck_assert_int_eq(ndisc_na_parse(na_vec, 23, &(struct ndisc_na){}), -EBADMSG);
	ns.target = want;
	ck_assert_int_eq(ndisc_ns_build(&ns, buf, sizeof(buf), &n), -EINVAL);
	/* NS bytes are not an NA. */
	ck_assert_int_eq(ndisc_na_parse(rs_vec, sizeof(rs_vec), &(struct ndisc_na){}), -EBADMSG);
}
END_TEST

/*
 * DHAAD Request (RFC 6275 §6.5, NEMO R of RFC 3963 §7.1):
 *   90 00 00 00 12 34 80 00   Type 144, Identifier 0x1234, R
 * DHAAD Reply (§6.6) with two addresses:
 *   91 00 00 00 12 34 80 00   Type 145, Identifier 0x1234, R
 *   20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 01   2001:db8:1::1
 *   20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 02   2001:db8:1::2
 */
START_TEST(dhaad_vectors)
{
	static const uint8_t req[] = { 0x90, 0x00, 0x00, 0x00, 0x12, 0x34, 0x80, 0x00 };
	static const uint8_t rep[] = {
		0x91, 0x00, 0x00, 0x00, 0x12, 0x34, 0x80, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01,
		0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x02,
	};
	static struct ndisc_dhaad_reply r, r2;
	struct ndisc_dhaad_request q, q2;
	struct in6_addr a2 = A("2001:db8:1::2");
	static uint8_t buf[8 + 16 * (NDISC_DHAAD_MAX_ADDRS + 1)];
	size_t n;

	ck_assert_int_eq(ndisc_dhaad_request_parse(req, sizeof(req), &q), 0);
	ck_assert_uint_eq(q.id, 0x1234);
	ck_assert_uint_eq(q.flags, NDISC_DHAAD_F_MOBILE_ROUTER);
	ck_assert_int_eq(ndisc_dhaad_request_build(&q, buf, sizeof(buf), &n), 0);
	ck_assert_uint_eq(n, sizeof(req));
	ck_assert_mem_eq(buf, req, sizeof(req));
	ck_assert_int_eq(ndisc_dhaad_request_parse(buf, n, &q2), 0);
	ck_assert_int_eq(memcmp(&q, &q2, sizeof(q)), 0);
	ck_assert_int_eq(ndisc_dhaad_request_parse(req, 7, &q2), -EBADMSG);
	ck_assert_int_eq(ndisc_dhaad_request_parse(rep, sizeof(rep), &q2), -EBADMSG);

	ck_assert_int_eq(ndisc_dhaad_reply_parse(rep, sizeof(rep), &r), 0);
	ck_assert_uint_eq(r.id, 0x1234);
	ck_assert_uint_eq(r.flags, NDISC_DHAAD_F_MOBILE_ROUTER);
	ck_assert_uint_eq(r.n_addrs, 2);
	ck_assert_mem_eq(&r.addrs[1], &a2, 16);
	ck_assert_int_eq(ndisc_dhaad_reply_build(&r, buf, sizeof(buf), &n), 0);
	ck_assert_uint_eq(n, sizeof(rep));
	ck_assert_mem_eq(buf, rep, sizeof(rep));
	ck_assert_int_eq(ndisc_dhaad_reply_parse(buf, n, &r2), 0);
	ck_assert_int_eq(memcmp(&r, &r2, sizeof(r)), 0);
	/* Only whole addresses: every length not 8 + 16k fails. */
	for (size_t k = 0; k < sizeof(rep); k++)
		ck_assert_int_eq(ndisc_dhaad_reply_parse(rep, k, &r2),
				 (k == 8 || k == 24) ? 0 : -EBADMSG);
	/* Cap: NDISC_DHAAD_MAX_ADDRS fits, one more does not. */
	memset(buf, 0, sizeof(buf));
	buf[0] = NDISC_TYPE_DHAAD_REPLY;
	ck_assert_int_eq(ndisc_dhaad_reply_parse(buf, sizeof(buf) - 16, &r2), 0);
	ck_assert_uint_eq(r2.n_addrs, NDISC_DHAAD_MAX_ADDRS);
	ck_assert_int_eq(ndisc_dhaad_reply_parse(buf, sizeof(buf), &r2), -EBADMSG);
	r.n_addrs = NDISC_DHAAD_MAX_ADDRS + 1;
	ck_assert_int_eq(ndisc_dhaad_reply_build(&r, buf, sizeof(buf), &n), -EINVAL);
	buf[1] = 1; /* code */
	ck_assert_int_eq(ndisc_dhaad_reply_parse(buf, 8, &r2), -EBADMSG);
}
END_TEST

/*
 * Mobile Prefix Solicitation (§6.7):   92 00 00 00 ab cd 00 00
 * Mobile Prefix Advertisement (§6.8), M|O, one Prefix Information with R,
 * then an unknown option (skipped):
 *   93 00 00 00 ab cd c0 00
 *   03 04 40 e0 00 00 0e 10 00 00 07 08 00 00 00 00   /64 L|A|R, 3600 s, 1800 s
 *   20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 01
 *   c8 01 00 00 00 00 00 00                            unknown type 200
 */
START_TEST(mpd_vectors)
{
	static const uint8_t mps[] = { 0x92, 0x00, 0x00, 0x00, 0xab, 0xcd, 0x00, 0x00 };
	static const uint8_t mpa[] = {
		0x93, 0x00, 0x00, 0x00, 0xab, 0xcd, 0xc0, 0x00, 0x03, 0x04, 0x40, 0xe0,
		0x00, 0x00, 0x0e, 0x10, 0x00, 0x00, 0x07, 0x08, 0x00, 0x00, 0x00, 0x00,
		0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x01, 0xc8, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	struct ndisc_mps s, s2;
	static struct ndisc_mpa a, a2;
	uint8_t buf[128], m[sizeof(mpa)];
	size_t n;

	ck_assert_int_eq(ndisc_mps_parse(mps, sizeof(mps), &s), 0);
	ck_assert_uint_eq(s.id, 0xabcd);
	ck_assert_int_eq(ndisc_mps_build(&s, buf, sizeof(buf), &n), 0);
	ck_assert_uint_eq(n, sizeof(mps));
	ck_assert_mem_eq(buf, mps, sizeof(mps));
	ck_assert_int_eq(ndisc_mps_parse(buf, n, &s2), 0);
	ck_assert_int_eq(memcmp(&s, &s2, sizeof(s)), 0);
	ck_assert_int_eq(ndisc_mps_parse(mps, 7, &s2), -EBADMSG);

	ck_assert_int_eq(ndisc_mpa_parse(mpa, sizeof(mpa), &a), 0);
	ck_assert_uint_eq(a.id, 0xabcd);
	ck_assert_uint_eq(a.flags, NDISC_MPA_F_MANAGED | NDISC_MPA_F_OTHER);
	ck_assert_uint_eq(a.n_prefixes, 1);
	ck_assert_uint_eq(a.prefixes[0].prefixlen, 64);
	ck_assert_uint_eq(a.prefixes[0].flags, 0xe0);
	ck_assert_uint_eq(a.prefixes[0].valid_lifetime, 3600);
	ck_assert_uint_eq(a.prefixes[0].preferred_lifetime, 1800);
	ck_assert_int_eq(ndisc_mpa_build(&a, buf, sizeof(buf), &n), 0);
	ck_assert_uint_eq(n, sizeof(mpa) - 8); /* the unknown option is not rebuilt */
	ck_assert_mem_eq(buf, mpa, n);
	ck_assert_int_eq(ndisc_mpa_parse(buf, n, &a2), 0);
	ck_assert_int_eq(memcmp(&a, &a2, sizeof(a)), 0);

	/* Malformed MPA: truncations inside options, bad Prefix Info length, /129, code. */
	for (size_t k = 0; k < sizeof(mpa); k++)
		ck_assert_int_eq(ndisc_mpa_parse(mpa, k, &a2),
				 (k == 8 || k == 40) ? 0 : -EBADMSG);
	memcpy(m, mpa, sizeof(m));
	m[9] = 3;
	ck_assert_int_eq(ndisc_mpa_parse(m, sizeof(m), &a2), -EBADMSG);
	memcpy(m, mpa, sizeof(m));
	m[10] = 129;
	ck_assert_int_eq(ndisc_mpa_parse(m, sizeof(m), &a2), -EBADMSG);
	memcpy(m, mpa, sizeof(m));
	m[41] = 0;
	ck_assert_int_eq(ndisc_mpa_parse(m, sizeof(m), &a2), -EBADMSG);
	memcpy(m, mpa, sizeof(m));
	m[1] = 2;
	ck_assert_int_eq(ndisc_mpa_parse(m, sizeof(m), &a2), -EBADMSG);
	/* An MPS with a zero-length option is malformed too. */
	ck_assert_int_eq(ndisc_mps_parse((const uint8_t *)"\x92\0\0\0\0\0\0\0\x01\x00\0\0\0\0\0\0",
					 16, &s2),
			 -EBADMSG);
}
END_TEST

START_TEST(rx_checks)
{
	struct in6_addr ll = A("fe80::1"), glob = A("2001:db8::1"), any = A("::"),
			snm = A("ff02::1:ff00:1"), all = A("ff02::1");

	ck_assert_int_eq(ndisc_rx_check(NDISC_TYPE_RA, 255, &ll, &all), 0);
	ck_assert_int_eq(ndisc_rx_check(NDISC_TYPE_RA, 254, &ll, &all), -EBADMSG);
	ck_assert_int_eq(ndisc_rx_check(NDISC_TYPE_RA, -1, &ll, &all), -EBADMSG);
	ck_assert_int_eq(ndisc_rx_check(NDISC_TYPE_RA, 255, &glob, &all), -EBADMSG);
	ck_assert_int_eq(ndisc_rx_check(NDISC_TYPE_NA, 255, &glob, &all), 0);
	ck_assert_int_eq(ndisc_rx_check(NDISC_TYPE_NA, 64, &glob, &all), -EBADMSG);
	ck_assert_int_eq(ndisc_rx_check(NDISC_TYPE_RS, 1, &any, &all), -EBADMSG);
	ck_assert_int_eq(ndisc_rx_check(NDISC_TYPE_NS, 255, &any, &snm), 0);
	ck_assert_int_eq(ndisc_rx_check(NDISC_TYPE_NS, 255, &any, &glob), -EBADMSG);
	ck_assert_int_eq(ndisc_rx_check(NDISC_TYPE_NS, 255, &ll, &glob), 0);
	/* Routed MIPv6 messages carry any hop limit. */
	ck_assert_int_eq(ndisc_rx_check(NDISC_TYPE_DHAAD_REQUEST, 60, &glob, &glob), 0);
	ck_assert_int_eq(ndisc_rx_check(NDISC_TYPE_MPA, 3, &glob, &glob), 0);
}
END_TEST


/*
 * ICMPv6 Parameter Problem (RFC 4443 §3.4) quoting a Binding Update sent away from home
 * (RFC 6275 §6.1.7, §6.3, §11.7.2), 104 octets:
 *   04 01 00 00  00 00 00 28          Type 4, Code 1, Checksum, Pointer 40
 * the invoking packet (RFC 8200 §3, §4.6):
 *   60 00 00 00  00 38 3c 40          version 6, Payload Length 56, Next Header 60 (Dest Opts), hop limit 64
 *   2001:db8:f1::200                  source: the care-of address                       @8
 *   2001:db8:9::9                     destination: the correspondent                    @24
 *   87 02 01 02 00 00                 Next Header 135 (MH), Hdr Ext Len 2 (24 octets), PadN(2) @40
 *                                     (the HAO at 8n+6, RFC 6275 §6.3)
 *   c9 10 2001:db8:1::100             Home Address option (type 201, length 16)         @46
 *   3b 03 05 00 00 00                 MH: Payload Proto 59, Header Len 3 (32 octets), type 5 (BU), checksum @64
 *   12 34 80 00 00 69                 sequence 0x1234, A, lifetime 105
 *   04 04 00 11 00 22                 Nonce Indices (home 0x11, care-of 0x22)
 *   05 0c + 12 octets                 Binding Authorization Data (8n+2)
 */
static const uint8_t pp_bu[] = {
	0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x28,
	0x60, 0x00, 0x00, 0x00, 0x00, 0x38, 0x3c, 0x40,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0xf1, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x09,
	0x87, 0x02, 0x01, 0x02, 0x00, 0x00,
	0xc9, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00,
	0x3b, 0x03, 0x05, 0x00, 0x00, 0x00, 0x12, 0x34, 0x80, 0x00, 0x00, 0x69,
	0x04, 0x04, 0x00, 0x11, 0x00, 0x22, 0x05, 0x0c, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
};

START_TEST(pp_vector)
{
	struct ndisc_param_problem pp;
	struct in6_addr coa = A("2001:db8:f1::200"), cn = A("2001:db8:9::9"), hoa = A("2001:db8:1::100");

	ck_assert_uint_eq(sizeof(pp_bu), 8 + 40 + 24 + 32);
	ck_assert_int_eq(ndisc_param_problem_parse(pp_bu, sizeof(pp_bu), &pp), 0);
	ck_assert_uint_eq(pp.code, NDISC_PP_UNKNOWN_NEXT_HEADER);
	ck_assert_uint_eq(pp.pointer, 40);
	ck_assert_ptr_eq(pp.invoking, pp_bu + 8);
	ck_assert_uint_eq(pp.invoking_len, sizeof(pp_bu) - 8);
	ck_assert_mem_eq(&pp.inv.src, &coa, 16);
	ck_assert_mem_eq(&pp.inv.dst, &cn, 16);
	ck_assert(pp.inv.complete);
	ck_assert_uint_eq(pp.inv.proto, 135);
	ck_assert_uint_eq(pp.inv.nh_offset, 40);
	ck_assert_uint_eq(pp.inv.upper_offset, 64);
	ck_assert(pp.inv.has_hao);
	ck_assert_uint_eq(pp.inv.hao_offset, 46);
	ck_assert_mem_eq(&pp.inv.hao, &hoa, 16);
}
END_TEST

/* A HoTI quoted without extension headers: the Pointer names the IPv6 header's Next Header (6). */
START_TEST(pp_plain_and_code_2)
{
	struct ndisc_param_problem pp;
	uint8_t b[8 + 40 + 16] = { 0x04, 0x01, 0, 0, 0, 0, 0, 0x06, 0x60, 0, 0, 0, 0, 0x10, 0x87, 0x40 };

	b[8 + 40] = 0x3b;
	b[8 + 41] = 0x01;
	b[8 + 42] = 0x01; /* HoTI */
	ck_assert_int_eq(ndisc_param_problem_parse(b, sizeof(b), &pp), 0);
	ck_assert(pp.inv.complete);
	ck_assert_uint_eq(pp.inv.proto, 135);
	ck_assert_uint_eq(pp.inv.nh_offset, 6);
	ck_assert_uint_eq(pp.inv.upper_offset, 40);
	ck_assert(!pp.inv.has_hao);
	/* Only the IPv6 header came: the chain is complete, none of the upper layer is there. */
	ck_assert_int_eq(ndisc_param_problem_parse(b, 48, &pp), 0);
	ck_assert(pp.inv.complete);
	ck_assert_uint_eq(pp.inv.upper_offset, 40);
	/* A Pointer past the end is allowed (RFC 4443 §3.4); any Code parses, the reader decides. */
	b[4] = 0xff;
	b[1] = 2;
	ck_assert_int_eq(ndisc_param_problem_parse(b, sizeof(b), &pp), 0);
	ck_assert_uint_eq(pp.pointer, 0xff000006u);
	ck_assert_uint_eq(pp.code, 2);
}
END_TEST

/* Every truncation: below 48 octets malformed; the chain complete only with the whole Destination Options header. */
START_TEST(pp_every_truncation)
{
	struct ndisc_param_problem pp;

	for (size_t n = 0; n <= sizeof(pp_bu); n++) {
		int r = ndisc_param_problem_parse(pp_bu, n, &pp);

		if (n < 48) {
			ck_assert_int_eq(r, -EBADMSG);
			continue;
		}
		ck_assert_int_eq(r, 0);
		ck_assert_uint_eq(pp.inv.complete, n >= 8 + 64);
		ck_assert_uint_eq(pp.inv.has_hao, n >= 8 + 64);
		if (!pp.inv.complete)
			ck_assert_uint_eq(pp.inv.nh_offset, 0);
	}
}
END_TEST

START_TEST(pp_malformed)
{
	struct ndisc_param_problem pp;
	uint8_t b[sizeof(pp_bu) + 8 * 10];

	memcpy(b, pp_bu, sizeof(pp_bu));
	b[0] = 1; /* Destination Unreachable */
	ck_assert_int_eq(ndisc_param_problem_parse(b, sizeof(pp_bu), &pp), -EBADMSG);
	b[0] = 4;
	b[8] = 0x45; /* IPv4 quoted */
	ck_assert_int_eq(ndisc_param_problem_parse(b, sizeof(pp_bu), &pp), -EBADMSG);
	ck_assert_int_eq(ndisc_param_problem_parse(NULL, 0, &pp), -EINVAL);

	/* A Destination Options header longer than what came: incomplete, no HAO read from it. */
	memcpy(b, pp_bu, sizeof(pp_bu));
	b[8 + 41] = 9;
	ck_assert_int_eq(ndisc_param_problem_parse(b, sizeof(pp_bu), &pp), 0);
	ck_assert(!pp.inv.complete);
	ck_assert(!pp.inv.has_hao);
	/* A HAO whose length is not 16 is not one; an option running past its header is not read. */
	memcpy(b, pp_bu, sizeof(pp_bu));
	b[8 + 47] = 15;
	b[8 + 40 + 2 + 4 + 17] = 0; /* keep the TLVs inside the header: Pad1 after the 15 */
	ck_assert_int_eq(ndisc_param_problem_parse(b, sizeof(pp_bu), &pp), 0);
	ck_assert(pp.inv.complete);
	ck_assert(!pp.inv.has_hao);
	memcpy(b, pp_bu, sizeof(pp_bu));
	b[8 + 43] = 40; /* PadN longer than the header */
	ck_assert_int_eq(ndisc_param_problem_parse(b, sizeof(pp_bu), &pp), 0);
	ck_assert(pp.inv.complete);
	ck_assert(!pp.inv.has_hao);
	/* A Fragment header with a non-zero offset: the upper layer is not in this fragment. */
	memcpy(b, pp_bu, sizeof(pp_bu));
	b[8 + 6] = 44;
	b[8 + 40] = 135;
	b[8 + 42] = 0x00;
	b[8 + 43] = 0x08;
	ck_assert_int_eq(ndisc_param_problem_parse(b, sizeof(pp_bu), &pp), 0);
	ck_assert(!pp.inv.complete);
	b[8 + 43] = 0x01; /* offset 0, M flag: the first fragment */
	ck_assert_int_eq(ndisc_param_problem_parse(b, sizeof(pp_bu), &pp), 0);
	ck_assert(pp.inv.complete);
	ck_assert_uint_eq(pp.inv.proto, 135);
	ck_assert_uint_eq(pp.inv.nh_offset, 40);
	ck_assert_uint_eq(pp.inv.upper_offset, 48);
}
END_TEST

/* At most NDISC_INVOKING_MAX_HDRS extension headers are walked. */
START_TEST(pp_header_cap)
{
	struct ndisc_param_problem pp;
	uint8_t b[8 + 40 + 8 * (NDISC_INVOKING_MAX_HDRS + 1) + 8] = { 4, 1, 0, 0, 0, 0, 0, 0, 0x60 };

	for (size_t hdrs = NDISC_INVOKING_MAX_HDRS; hdrs <= NDISC_INVOKING_MAX_HDRS + 1; hdrs++) {
		size_t len = 8 + 40 + 8 * hdrs + 8;

		b[8 + 6] = 60;
		for (size_t i = 0; i < hdrs; i++) {
			b[8 + 40 + 8 * i] = i + 1 < hdrs ? 60 : 135;
			b[8 + 40 + 8 * i + 1] = 0;
			b[8 + 40 + 8 * i + 2] = 1; /* PadN 4 */
			b[8 + 40 + 8 * i + 3] = 4;
		}
		ck_assert_int_eq(ndisc_param_problem_parse(b, len, &pp), 0);
		ck_assert_uint_eq(pp.inv.complete, hdrs == NDISC_INVOKING_MAX_HDRS);
		if (pp.inv.complete) {
			ck_assert_uint_eq(pp.inv.proto, 135);
			ck_assert_uint_eq(pp.inv.nh_offset, 40 + 8 * (hdrs - 1));
		}
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ndisc");
	TCase *tc = tcase_create("codec");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, ra_parse_vector);
	tcase_add_test(tc, ra_build_round_trip);
	tcase_add_test(tc, ra_build_max_prefixes);
	tcase_add_test(tc, ra_every_truncation);
	tcase_add_test(tc, ra_malformed);
	tcase_add_test(tc, ra_option_caps);
	tcase_add_test(tc, ra_options_tolerated);
	tcase_add_test(tc, ra_ha_info_anomalies);
	tcase_add_test(tc, rs_vector_and_round_trip);
	tcase_add_test(tc, na_vector_checksum_round_trip);
	tcase_add_test(tc, checksum_odd_length);
	tcase_add_test(tc, ns_dad_and_malformed);
	tcase_add_test(tc, dhaad_vectors);
	tcase_add_test(tc, mpd_vectors);
	tcase_add_test(tc, rx_checks);
	tcase_add_test(tc, pp_vector);
	tcase_add_test(tc, pp_plain_and_code_2);
	tcase_add_test(tc, pp_every_truncation);
	tcase_add_test(tc, pp_malformed);
	tcase_add_test(tc, pp_header_cap);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
