/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The static key file (RFC 3776 manual keying; src/ipsec/keyfile.h) and the SPD construction. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <string.h>

#include "ipsec/keyfile.h"
#include "ipsec/spd.h"
#include "mh/mh-codec.h"
#include "netlink/nl-types.h"


static struct spd_pair pair(void)
{
	struct spd_pair p = { .reqid = 7, .reqid_to_mn = 8 };

	inet_pton(AF_INET6, "2001:db8:1::100", &p.hoa);
	inet_pton(AF_INET6, "2001:db8:1::1", &p.ha);
	return p;
}

#define KEY "00112233445566778899aabbccddeeff01020304"
#define KEY2 "ffeeddccbbaa99887766554433221100a0b0c0d0"
#define KEYS KEY " " KEY2 /* one key per direction */
#define LINE(hoa, rest) hoa " 2001:db8:1::1 " rest

static int parse(const char *line, struct keyfile_entry *e)
{
	return keyfile_parse_line(line, strlen(line), e);
}

START_TEST(keyfile_good_line)
{
	struct spd_pair p = pair();
	struct keyfile_entry e;
	struct knl_xfrm_state st[2];

	ck_assert_int_eq(parse(LINE("2001:db8:1::100", "0x1001 4098 rfc4106(gcm(aes)) " KEYS " 128\n"), &e), 1);
	ck_assert(memcmp(&e.hoa, &p.hoa, 16) == 0 && memcmp(&e.ha, &p.ha, 16) == 0);
	ck_assert_uint_eq(e.spi_to_ha, 0x1001);
	ck_assert_uint_eq(e.spi_to_mn, 4098);
	ck_assert_str_eq(e.aead, "rfc4106(gcm(aes))");
	ck_assert_uint_eq(e.key_to_ha.len, 20);
	ck_assert_uint_eq(e.key_to_mn.len, 20);
	ck_assert_uint_eq(e.icv_bits, 128);
	keyfile_states(&e, &p, st);
	ck_assert_uint_eq(st[0].spi, 0x1001);
	ck_assert_uint_eq(st[1].spi, 4098);
	ck_assert_uint_eq(st[0].reqid, 7);
	ck_assert_uint_eq(st[1].reqid, 8);
	ck_assert(memcmp(&st[0].src, &p.hoa, 16) == 0 && memcmp(&st[0].dst, &p.ha, 16) == 0);
	ck_assert(memcmp(&st[1].src, &p.ha, 16) == 0 && memcmp(&st[1].dst, &p.hoa, 16) == 0);
	ck_assert_uint_eq(st[0].mode, XFRM_MODE_TRANSPORT);
	ck_assert_uint_eq(st[0].proto, IPPROTO_ESP);
	ck_assert_str_eq(st[0].aead.name, "rfc4106(gcm(aes))");
	ck_assert_uint_eq(st[0].aead.key_len, 20);
	ck_assert_uint_eq(st[0].aead.key[0], 0x00);
	ck_assert_uint_eq(st[0].aead.key[19], 0x04);
	/* One key per direction: HA -> HoA uses KEY_TO_MN. */
	ck_assert_uint_eq(st[1].aead.key_len, 20);
	ck_assert_uint_eq(st[1].aead.key[0], 0xff);
	ck_assert_uint_eq(st[1].aead.key[19], 0xd0);
	ck_assert_uint_eq(st[1].aead.icv_bits, 128);
	/* RFC 3776 §4.4: no anti-replay window with manual keys. */
	ck_assert_uint_eq(st[0].replay_window, 0);
	ck_assert_uint_eq(st[1].replay_window, 0);
	/* Bounds: SPI 256 and 2^32-1, a 64-byte key, ICV 1 and 256; CRLF, no newline, tabs. */
	ck_assert_int_eq(parse(LINE("2001:db8:1::100", "256 0xffffffff a " KEY KEY KEY "00112233 " KEY2 " 1"), &e), 1);
	ck_assert_uint_eq(e.spi_to_mn, 0xffffffffu);
	ck_assert_uint_eq(e.key_to_ha.len, 64);
	ck_assert_uint_eq(e.key_to_mn.len, 20);
	ck_assert_int_eq(parse("\t2001:db8:1::100\t2001:db8:1::1 256 257 x 00 01 256\r\n", &e), 1);
	ck_assert_uint_eq(e.icv_bits, 256);
	/* Keys that differ only in length differ. */
	ck_assert_int_eq(parse(LINE("2001:db8:1::100", "0x1001 0x1002 rfc4106(gcm(aes)) " KEY " 00" KEY " 128"), &e), 1);
}
END_TEST

START_TEST(keyfile_comments_and_blank)
{
	struct keyfile_entry e;

	ck_assert_int_eq(parse("# a comment\n", &e), 0);
	ck_assert_int_eq(parse("   # indented\n", &e), 0);
	ck_assert_int_eq(parse("\n", &e), 0);
	ck_assert_int_eq(parse(" \t\r", &e), 0);
	ck_assert_int_eq(keyfile_parse_line("", 0, &e), 0);
}
END_TEST

START_TEST(keyfile_bad_lines)
{
	static const char *const bad[] = {
		LINE("2001:db8:1::100", "0x1001\n"),                                           /* short */
		LINE("not-an-address", "0x1001 0x1002 rfc4106(gcm(aes)) " KEYS " 128\n"),       /* address */
		LINE("10.0.0.1", "0x1001 0x1002 rfc4106(gcm(aes)) " KEYS " 128\n"),             /* IPv4 */
		LINE("2001:db8:1::100", "0x10 0x1002 rfc4106(gcm(aes)) " KEYS " 128\n"),        /* SPI < 256 */
		LINE("2001:db8:1::100", "255 0x1002 rfc4106(gcm(aes)) " KEYS " 128\n"),         /* SPI < 256 */
		LINE("2001:db8:1::100", "0x1001 0x100000000 rfc4106(gcm(aes)) " KEYS " 128\n"), /* SPI > 32 bits */
		LINE("2001:db8:1::100", "0x1001 -4098 rfc4106(gcm(aes)) " KEYS " 128\n"),       /* sign */
		LINE("2001:db8:1::100", "0x 0x1002 rfc4106(gcm(aes)) " KEYS " 128\n"),          /* no digits */
		LINE("2001:db8:1::100", "0x1001 0x1g02 rfc4106(gcm(aes)) " KEYS " 128\n"),      /* not hex */
		LINE("2001:db8:1::100", "0x1001 0x1002 rfc4106(gcm(aes)) 0011223 " KEY2 " 128\n"),     /* odd hex */
		LINE("2001:db8:1::100", "0x1001 0x1002 rfc4106(gcm(aes)) zz11 " KEY2 " 128\n"),        /* not hex */
		LINE("2001:db8:1::100", "0x1001 0x1002 rfc4106(gcm(aes)) " KEYS " 0\n"),        /* ICV 0 */
		LINE("2001:db8:1::100", "0x1001 0x1002 rfc4106(gcm(aes)) " KEYS " 257\n"),      /* ICV */
		LINE("2001:db8:1::100", "0x1001 0x1002 rfc4106(gcm(aes)) " KEY KEY KEY KEY " " KEY2 " 128\n"), /* key */
		LINE("2001:db8:1::100", "0x1001 0x1002 rfc4106(gcm(aes)) " KEYS " 128 trailing\n"), /* extra field */
		LINE("2001:db8:1::100", "0x1001 0x1002 rfc4106(gcm(aes));x " KEYS " 128\n"),    /* alg chars */
		LINE("2001:db8:1::100", "0x1001 0x1002 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa " KEYS " 128\n"),
		LINE("2001:db8:1::100", "0x1001 0x1002 rfc4106(gcm(aes)) " KEY " 128\n"), /* one key: the old format */
		LINE("2001:db8:1::100", "0x1001 0x1002 rfc4106(gcm(aes)) " KEY " " KEY " 128\n"), /* same key twice */
	};
	struct keyfile_entry e;
	char longline[KEYFILE_LINE_MAX + 2];
	static const char nul[] = "2001:db8:1::100 2001:db8:1::1 0x1001 0x1002 a\0b " KEYS " 128";

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(bad[i], &e) == -EINVAL, "accepted: %s", bad[i]);
	memset(longline, ' ', sizeof(longline));
	memcpy(longline + sizeof(longline) - 4, "# x", 3);
	ck_assert_int_eq(keyfile_parse_line(longline, sizeof(longline), &e), -EINVAL);
	ck_assert_int_eq(keyfile_parse_line(nul, sizeof(nul) - 1, &e), -EINVAL);
}
END_TEST

START_TEST(keyfile_whole_text)
{
	static const char text[] = "# keys\n"
				   "2001:db8:1::200 2001:db8:1::1 0x2001 0x2002 rfc4106(gcm(aes)) " KEYS " 128\n"
				   "\n"
				   "2001:db8:1::100 2001:db8:1::1 0x1001 0x1002 rfc4106(gcm(aes)) " KEYS " 96";
	struct spd_pair p = pair();
	struct keyfile_entry e;
	struct in6_addr other;
	unsigned line = 0;
	char broken[sizeof(text) + 32];

	ck_assert_int_eq(keyfile_find(text, sizeof(text) - 1, &p.hoa, &p.ha, &e, &line), 1);
	ck_assert_uint_eq(e.spi_to_ha, 0x1001);
	ck_assert_uint_eq(e.icv_bits, 96);
	inet_pton(AF_INET6, "2001:db8:1::300", &other);
	ck_assert_int_eq(keyfile_find(text, sizeof(text) - 1, &other, &p.ha, &e, &line), 0);
	ck_assert_int_eq(keyfile_find(text, sizeof(text) - 1, &p.hoa, &other, &e, &line), 0);
	ck_assert_int_eq(keyfile_find("", 0, &p.hoa, &p.ha, &e, &line), 0);
	/* A malformed line after the pair's own still refuses the file, naming the line. */
	snprintf(broken, sizeof(broken), "%s\ngarbage\n", text);
	ck_assert_int_eq(keyfile_find(broken, strlen(broken), &p.hoa, &p.ha, &e, &line), -EINVAL);
	ck_assert_uint_eq(line, 5);
}
END_TEST

START_TEST(spd_shapes)
{
	struct spd_pair p = pair();
	struct knl_xfrm_policy mn[2], ha[2];
	struct knl_xfrm_migrate mg;
	struct in6_addr coa;

	inet_pton(AF_INET6, "2001:db8:2::5", &coa);
	ck_assert_int_eq(spd_policies(NODE_ROLE_MN, &p, mn), 2);
	ck_assert_uint_eq(mn[0].dir, XFRM_POLICY_OUT);
	/* Protocol-only MH selectors: the kernels do not decode inbound MH types (spd.h). */
	ck_assert_int_eq(mn[0].sel.type, KNL_XFRM_TYPE_ANY);
	ck_assert_uint_eq(mn[0].sel.proto, IPPROTO_MH);
	ck_assert_uint_eq(mn[0].priority, SPD_PRIORITY);
	ck_assert_uint_eq(mn[0].n_tmpl, 2);
	ck_assert_uint_eq(mn[0].tmpl[0].proto, IPPROTO_ESP);
	ck_assert(!mn[0].tmpl[0].optional);
	ck_assert_uint_eq(mn[0].tmpl[1].proto, IPPROTO_DSTOPTS);
	ck_assert(mn[0].tmpl[1].optional);
	ck_assert_uint_eq(mn[1].dir, XFRM_POLICY_IN);
	ck_assert_int_eq(mn[1].sel.type, KNL_XFRM_TYPE_ANY);
	ck_assert_uint_eq(mn[1].tmpl[1].proto, IPPROTO_ROUTING);
	ck_assert_int_eq(spd_policies(NODE_ROLE_HA, &p, ha), 2);
	ck_assert_uint_eq(ha[0].dir, XFRM_POLICY_IN);
	ck_assert_int_eq(ha[0].sel.type, KNL_XFRM_TYPE_ANY);
	ck_assert_uint_eq(ha[0].sel.proto, IPPROTO_MH);
	ck_assert_uint_eq(ha[1].dir, XFRM_POLICY_OUT);
	ck_assert_int_eq(ha[1].sel.type, KNL_XFRM_TYPE_ANY);
	ck_assert_uint_eq(ha[1].n_tmpl, 1);
	ck_assert_uint_eq(ha[1].tmpl[0].reqid, 8);
	/* The MIGRATE names the role's outbound policy and carries the new IKE endpoints. */
	spd_migrate(NODE_ROLE_MN, &p, &coa, &mg);
	ck_assert(mg.has_kmaddress);
	ck_assert(memcmp(&mg.km_local, &coa, 16) == 0 && memcmp(&mg.km_remote, &p.ha, 16) == 0);
	ck_assert(memcmp(&mg.entries[0].old_src, &mg.entries[0].new_src, 16) == 0);
	ck_assert_uint_eq(mg.entries[0].reqid, 7);
	ck_assert_int_eq(mg.sel.type, KNL_XFRM_TYPE_ANY);
	ck_assert(memcmp(&mg.sel.src, &p.hoa, 16) == 0 && mg.sel.src_len == 128);
	spd_migrate(NODE_ROLE_HA, &p, &coa, &mg);
	ck_assert(memcmp(&mg.km_local, &p.ha, 16) == 0 && memcmp(&mg.km_remote, &coa, 16) == 0);
	ck_assert_int_eq(mg.sel.type, KNL_XFRM_TYPE_ANY);
	ck_assert(memcmp(&mg.sel.src, &p.ha, 16) == 0);
	/* Without IPsec only the optional RO templates remain. */
	{
		struct spd_pair q = { .hoa = p.hoa, .ha = p.ha };
		ck_assert_int_eq(spd_policies(NODE_ROLE_MN, &q, mn), 2);
		ck_assert_uint_eq(mn[0].n_tmpl, 1);
		ck_assert_uint_eq(mn[0].tmpl[0].proto, IPPROTO_DSTOPTS);
		ck_assert_uint_eq(mn[1].tmpl[0].proto, IPPROTO_ROUTING);
	}
}
END_TEST

START_TEST(spd_tunnel_and_mpd)
{
	struct spd_pair p = pair();
	struct knl_xfrm_policy pol[2], ro[2];
	struct knl_xfrm_migrate mg[2];
	struct in6_addr old_coa, new_coa;

	inet_pton(AF_INET6, "2001:db8:2::5", &old_coa);
	inet_pton(AF_INET6, "2001:db8:3::5", &new_coa);
	ck_assert_int_eq(spd_tunnel_policies(NODE_ROLE_MN, &p, &old_coa, pol), 0);
	ck_assert_int_eq(spd_mpd_policies(NODE_ROLE_MN, &p, pol), 0);
	ck_assert_int_eq(spd_migrate_tunnel(NODE_ROLE_MN, &p, &old_coa, &new_coa, mg), 0);
	p.reqid_hoti = 2;
	p.reqid_mpd = 3;
	/* HoTI out / HoT in on the MN, in ESP tunnel mode with the CoA as outer address. */
	ck_assert_int_eq(spd_tunnel_policies(NODE_ROLE_MN, &p, &old_coa, pol), 2);
	ck_assert_uint_eq(pol[0].dir, XFRM_POLICY_OUT);
	ck_assert_int_eq(pol[0].sel.type, KNL_XFRM_TYPE_ANY);
	ck_assert_uint_eq(pol[0].sel.dst_len, 0);
	/* Below the HoA <-> HA transport entries, which win where both match. */
	ck_assert_uint_gt(pol[0].priority, SPD_PRIORITY);
	ck_assert_uint_eq(pol[0].tmpl[0].mode, XFRM_MODE_TUNNEL);
	ck_assert(memcmp(&pol[0].tmpl[0].src, &old_coa, 16) == 0 && memcmp(&pol[0].tmpl[0].dst, &p.ha, 16) == 0);
	ck_assert_uint_eq(pol[1].dir, XFRM_POLICY_IN);
	ck_assert_int_eq(pol[1].sel.type, KNL_XFRM_TYPE_ANY);
	ck_assert_uint_gt(pol[1].priority, SPD_PRIORITY);
	ck_assert(memcmp(&pol[1].tmpl[0].dst, &old_coa, 16) == 0);
	ck_assert_int_eq(spd_tunnel_policies(NODE_ROLE_HA, &p, &old_coa, pol), 2);
	ck_assert_uint_eq(pol[0].dir, XFRM_POLICY_FWD);
	ck_assert_uint_eq(pol[1].dir, XFRM_POLICY_OUT);
	/* The MIGRATEs: inbound first without KMADDRESS, outbound last with it. */
	ck_assert_int_eq(spd_migrate_tunnel(NODE_ROLE_MN, &p, &old_coa, &new_coa, mg), 2);
	ck_assert_uint_eq(mg[0].dir, XFRM_POLICY_IN);
	ck_assert(!mg[0].has_kmaddress);
	ck_assert(memcmp(&mg[0].entries[0].old_dst, &old_coa, 16) == 0);
	ck_assert(memcmp(&mg[0].entries[0].new_dst, &new_coa, 16) == 0);
	ck_assert_uint_eq(mg[1].dir, XFRM_POLICY_OUT);
	ck_assert(mg[1].has_kmaddress);
	ck_assert(memcmp(&mg[1].entries[0].old_src, &old_coa, 16) == 0);
	ck_assert(memcmp(&mg[1].entries[0].new_src, &new_coa, 16) == 0);
	ck_assert(memcmp(&mg[1].km_local, &new_coa, 16) == 0);
	ck_assert_int_eq(spd_migrate_tunnel(NODE_ROLE_HA, &p, &old_coa, &new_coa, mg), 2);
	ck_assert_uint_eq(mg[0].dir, XFRM_POLICY_FWD);
	ck_assert(memcmp(&mg[1].km_remote, &new_coa, 16) == 0);
	/* MPS out / MPA in, ICMPv6 types 146/147, ESP transport with reqid 3. */
	ck_assert_int_eq(spd_mpd_policies(NODE_ROLE_MN, &p, pol), 2);
	ck_assert_uint_eq(pol[0].sel.proto, IPPROTO_ICMPV6);
	ck_assert_int_eq(pol[0].sel.type, 146);
	ck_assert_int_eq(pol[1].sel.type, 147);
	ck_assert_uint_eq(pol[0].tmpl[0].reqid, 3);
	ck_assert_uint_eq(pol[0].tmpl[0].mode, XFRM_MODE_TRANSPORT);
	/* The route-optimisation entries beside them (RFC 6275 §11.4.2 HAO, §11.4.3 RH2): the
	 * in entry only (any ICMPv6 type, [route2 optional], below): the kernel keeps one policy
	 * per selector and direction, and the ESP out entry has the MPS selector already. */
	ck_assert_int_eq(spd_mpd_ro_policies(&p, ro), 1);
	ck_assert_uint_eq(ro[0].dir, XFRM_POLICY_IN);
	ck_assert_int_eq(ro[0].sel.type, KNL_XFRM_TYPE_ANY);
	ck_assert_uint_gt(ro[0].priority, pol[1].priority);
	ck_assert_uint_eq(ro[0].tmpl[0].proto, IPPROTO_ROUTING);
	ck_assert(ro[0].tmpl[0].optional);
	for (int i = 0; i < 2; i++)
		ck_assert(ro[0].dir != pol[i].dir || ro[0].sel.type != pol[i].sel.type);
	/* Without MobPfxDisc: the MPS out entry [hao] too. */
	p.reqid_mpd = 0;
	ck_assert_int_eq(spd_mpd_ro_policies(&p, ro), 2);
	ck_assert_uint_eq(ro[0].dir, XFRM_POLICY_OUT);
	ck_assert_int_eq(ro[0].sel.type, 146);
	ck_assert_uint_eq(ro[0].tmpl[0].proto, IPPROTO_DSTOPTS);
	ck_assert_uint_eq(ro[1].dir, XFRM_POLICY_IN);
}
END_TEST

/*
 * RFC 4877 §7.2 with route optimisation at the MN (issue 12): the HoT entry (in, any -> HoA,
 * MH) keeps the TunnelHomeTesting ESP tunnel template from the HA to the CoA (reqid R2), made
 * optional, and an optional route2 one outside it (a correspondent's BA/BRR/BE, RFC 6275
 * §6.4); the kernel's template order: the innermost transform first. The HoTI entry and the
 * HA's entries do not change. Values written from the RFC's table, not from the encoder.
 */
START_TEST(spd_tunnel_with_ro)
{
	struct spd_pair p = pair();
	struct knl_xfrm_policy pol[2], plain[2];
	struct in6_addr coa, hoa = p.hoa, ha = p.ha, any = IN6ADDR_ANY_INIT;

	inet_pton(AF_INET6, "2001:db8:2::5", &coa);
	p.reqid_hoti = 2;
	ck_assert_int_eq(spd_tunnel_policies(NODE_ROLE_MN, &p, &coa, plain), 2);
	p.mn_ro = true;
	ck_assert_int_eq(spd_tunnel_policies(NODE_ROLE_MN, &p, &coa, pol), 2);
	/* out HoA -> any MH: [ESP tunnel CoA -> HA reqid 2, required], priority 2, unchanged */
	ck_assert_int_eq(memcmp(&pol[0], &plain[0], sizeof(pol[0])), 0);
	ck_assert_uint_eq(pol[0].priority, 2);
	ck_assert(!pol[0].tmpl[0].optional);
	/* in any -> HoA MH, priority 2 */
	ck_assert_uint_eq(pol[1].dir, XFRM_POLICY_IN);
	ck_assert_uint_eq(pol[1].priority, 2);
	ck_assert_uint_eq(pol[1].sel.proto, 135);
	ck_assert_int_eq(pol[1].sel.type, KNL_XFRM_TYPE_ANY);
	ck_assert(memcmp(&pol[1].sel.dst, &hoa, 16) == 0 && pol[1].sel.dst_len == 128);
	ck_assert(memcmp(&pol[1].sel.src, &any, 16) == 0 && pol[1].sel.src_len == 0);
	ck_assert_uint_eq(pol[1].n_tmpl, 2);
	/* [0]: ESP (50) tunnel from the HA to the CoA, reqid 2, optional */
	ck_assert_uint_eq(pol[1].tmpl[0].proto, 50);
	ck_assert_uint_eq(pol[1].tmpl[0].mode, 1 /* XFRM_MODE_TUNNEL */);
	ck_assert_uint_eq(pol[1].tmpl[0].reqid, 2);
	ck_assert(memcmp(&pol[1].tmpl[0].src, &ha, 16) == 0 && memcmp(&pol[1].tmpl[0].dst, &coa, 16) == 0);
	ck_assert(pol[1].tmpl[0].optional);
	/* [1]: route2 (43) in route-optimisation mode, optional */
	ck_assert_uint_eq(pol[1].tmpl[1].proto, 43);
	ck_assert_uint_eq(pol[1].tmpl[1].mode, 2 /* XFRM_MODE_ROUTEOPTIMIZATION */);
	ck_assert(pol[1].tmpl[1].optional);
	/* Without RO the HoT entry requires the tunnel, one template. */
	ck_assert_uint_eq(plain[1].n_tmpl, 1);
	ck_assert(!plain[1].tmpl[0].optional);
	/* The HA's entries ignore the flag. */
	ck_assert_int_eq(spd_tunnel_policies(NODE_ROLE_HA, &p, &coa, pol), 2);
	p.mn_ro = false;
	ck_assert_int_eq(spd_tunnel_policies(NODE_ROLE_HA, &p, &coa, plain), 2);
	ck_assert_int_eq(memcmp(pol, plain, sizeof(pol)), 0);
	/* The MIGRATE still names the entry by its selector and the ESP template. */
	struct knl_xfrm_migrate mg[2];
	struct in6_addr coa2;
	inet_pton(AF_INET6, "2001:db8:3::5", &coa2);
	p.mn_ro = true;
	ck_assert_int_eq(spd_migrate_tunnel(NODE_ROLE_MN, &p, &coa, &coa2, mg), 2);
	ck_assert_uint_eq(mg[0].dir, XFRM_POLICY_IN);
	ck_assert(memcmp(&mg[0].sel.dst, &hoa, 16) == 0);
	ck_assert_uint_eq(mg[0].entries[0].mode, 1);
	ck_assert(memcmp(&mg[0].entries[0].old_dst, &coa, 16) == 0 && memcmp(&mg[0].entries[0].new_dst, &coa2, 16) == 0);
}
END_TEST

START_TEST(spd_lookup_sets)
{
	static const char text[] = "NodeConfig HA;\nInterface \"eth0\";\nKeyManagement static;\n"
				   "IPsecPolicySet {\n HomeAgentAddress 2001:db8:1::1;\n HomeAddress 2001:db8:1::100/64;\n"
				   " IPsecPolicy HomeRegBinding UseESP 5 6;\n}\n";
	struct mip6_config *c = NULL;
	char *err = NULL;
	struct spd_pair p = pair(), got;
	struct in6_addr other;

	ck_assert_msg(conf_load_string("t", text, sizeof(text) - 1, &c, &err) == 0, "%s", err);
	ck_assert_int_eq(spd_lookup(c, &p.hoa, &p.ha, &got), 1);
	ck_assert_uint_eq(got.reqid, 5);
	ck_assert_uint_eq(got.reqid_to_mn, 6);
	inet_pton(AF_INET6, "2001:db8:1::101", &other);
	ck_assert_int_eq(spd_lookup(c, &other, &p.ha, &got), 0);
	ck_assert_int_eq(spd_lookup(c, &p.hoa, &other, &got), 0); /* another HA */
	conf_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ipsec");
	TCase *tc = tcase_create("static-and-spd");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, keyfile_good_line);
	tcase_add_test(tc, keyfile_comments_and_blank);
	tcase_add_test(tc, keyfile_bad_lines);
	tcase_add_test(tc, keyfile_whole_text);
	tcase_add_test(tc, spd_shapes);
	tcase_add_test(tc, spd_lookup_sets);
	tcase_add_test(tc, spd_tunnel_and_mpd);
	tcase_add_test(tc, spd_tunnel_with_ro);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
