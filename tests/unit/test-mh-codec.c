/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Mobility Header codec: vectors, round trips, malformed input (RFC 6275 §6.1, §6.2, §9.2). */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mh/mh-codec.h"

/* Decode hex (spaces allowed) into out; returns the byte count. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (*s) {
		if (*s == ' ') {
			s++;
			continue;
		}
		ck_assert_int_eq(sscanf(s, "%2x", &v), 1);
		ck_assert_uint_lt(n, cap);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static struct in6_addr addr(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static int parse(const uint8_t *d, size_t len, struct mh_msg *m, struct mh_parse_error *e)
{
	return mh_parse(d, len, NULL, NULL, m, e);
}

/*
 * Independent vectors: each is the Mobility Header of an IPv6 packet built by
 * scapy 2.5 (Debian python3-scapy), checksum included, with
 *   /usr/bin/python3 -c 'from scapy.layers.inet6 import *; \
 *     print(bytes(IPv6(src=S, dst=D)/MSG)[40:].hex())'
 * where S and D are the addresses given and MSG is the expression in the
 * comment. (scapy's NI and BAD default Option Lengths are wrong, hence the
 * explicit olen.) The builder must produce the same bytes with checksum 0,
 * and mh_checksum_fill() the same checksum.
 */
#define MN "2001:db8:1::100"
#define CN "2001:db8:2::1"
static const struct scapy_vec {
	const char *name, *src, *dst, *hex;
} scapy_vecs[] = {
	/* MIP6MH_BU(seq=0x1234, flags="AH", mhtime=0x96,
	 *           options=[MIP6OptAltCoA(acoa="2001:db8:3::5")])
	 * PadN(0) at 12, AltCoA at 14 = 8n+6. */
	{ "bu-altcoa", MN, CN,
	  "3b0305005e431234c0000096 0100 0310 20010db8000300000000000000000005" },
	/* MIP6MH_BU(seq=7, flags="A", mhtime=3, options=[MIP6OptNonceIndices(olen=4,
	 *   hni=0x0102, coni=0x0304), MIP6OptBindingAuthData(olen=12,
	 *   authenticator=0x0102030405060708090a0b0c)])
	 * NI at 12 (2n), BAD at 18 (8n+2) ending the message. */
	{ "bu-ni-bad", MN, CN,
	  "3b030500b194000780000003 0404 01020304 050c 0102030405060708090a0b0c" },
	/* As above with MIP6OptAltCoA(acoa="2001:db8:3::5") first:
	 * AltCoA at 14, NI at 32, PadN(2) at 38, BAD at 42. */
	{ "bu-altcoa-ni-bad", MN, CN,
	  "3b0605007ea6000780000003 0100 0310 20010db8000300000000000000000005"
	  " 0404 01020304 01020000 050c 0102030405060708090a0b0c" },
	/* MIP6MH_BU(seq=9, flags="AHR", mhtime=0x100, options=[MIP6OptMobNetPrefix(
	 *   plen=48, prefix="2001:db8:aa::")])  MNP at 12 = 8n+4. */
	{ "bu-mnp", MN, CN,
	  "3b03050069300009c4000100 0612 00 30 20010db800aa00000000000000000000" },
	/* MIP6MH_BU(seq=1, flags="AH", mhtime=0): deregistration, PadN(2) to 16. */
	{ "bu-bare", MN, CN, "3b010500a1ed0001c0000000 01020000" },
	/* MIP6MH_BA(status=0, flags="K", seq=0x1234, mhtime=0x96,
	 *           options=[MIP6OptBRAdvice(rinter=0x40)]) */
	{ "ba-bra", CN, MN, "3b0106004c65 00 80 1234 0096 0202 0040" },
	/* MIP6MH_BE(status=2, ha="2001:db8:1::100") */
	{ "be", CN, MN, "3b020700302e 02 00 20010db8000100000000000000000100" },
	/* MIP6MH_HoTI(cookie=0x0102030405060708) */
	{ "hoti", MN, CN, "3b01010056dd 0000 0102030405060708" },
	/* MIP6MH_CoTI(cookie=0x0102030405060708) */
	{ "coti", MN, CN, "3b01020055dd 0000 0102030405060708" },
	/* MIP6MH_HoT(index=0x0a0b, cookie=0x0102030405060708, token=0x1112131415161718) */
	{ "hot", CN, MN, "3b020300fa74 0a0b 0102030405060708 1112131415161718" },
	/* MIP6MH_CoT(same fields) */
	{ "cot", CN, MN, "3b020400f974 0a0b 0102030405060708 1112131415161718" },
	/* MIP6MH_BRR() */
	{ "brr", CN, MN, "3b00000067fa 0000" },
};

START_TEST(scapy_vectors)
{
	const struct scapy_vec *v = &scapy_vecs[_i];
	struct in6_addr s = addr(v->src), d = addr(v->dst);
	uint8_t in[MH_LEN_MAX], out[MH_LEN_MAX];
	struct mh_parse_error e;
	struct mh_msg m;
	size_t n, len;

	n = unhex(v->hex, in, sizeof(in));
	ck_assert_uint_eq(n % 8, 0);
	/* Verify the checksum scapy computed, then parse. */
	ck_assert_uint_eq(mh_checksum(&s, &d, in, n), 0);
	ck_assert_int_eq(mh_parse(in, n, &s, &d, &m, &e), 0);
	ck_assert_int_eq(e.kind, MH_ERR_NONE);
	ck_assert_uint_eq(m.opts.n_unknown, 0);
	ck_assert_uint_eq(m.opts.n_misaligned, 0);
	/* The builder reproduces the bytes, checksum 0 ... */
	ck_assert_int_eq(mh_build(&m, out, sizeof(out), &len), 0);
	ck_assert_uint_eq(len, n);
	ck_assert_uint_eq(out[4], 0);
	ck_assert_uint_eq(out[5], 0);
	ck_assert_mem_eq(out, in, 4);
	ck_assert_mem_eq(out + 6, in + 6, n - 6);
	/* ... and the checksum helper fills in scapy's value. */
	ck_assert_int_eq(mh_checksum_fill(out, len, &s, &d), 0);
	ck_assert_mem_eq(out, in, n);
	/* Another source address fails the checksum (swapping src and dst would not). */
	s = addr("2001:db8:9::9");
	ck_assert_int_eq(mh_parse(in, n, &s, &d, &m, &e), -EBADMSG);
	ck_assert_int_eq(e.kind, MH_ERR_CHECKSUM);
	ck_assert_int_eq(e.pointer, 4);
	ck_assert_int_eq(mh_err_reaction(e.kind), MH_REACT_DROP);
}
END_TEST

/* Field values of the scapy vectors, checked one by one. */
START_TEST(scapy_vector_fields)
{
	uint8_t in[MH_LEN_MAX];
	struct mh_msg m;
	struct in6_addr a;
	size_t n;

	n = unhex(scapy_vecs[2].hex, in, sizeof(in)); /* bu-altcoa-ni-bad */
	ck_assert_int_eq(parse(in, n, &m, NULL), 0);
	ck_assert_int_eq(m.type, MH_TYPE_BU);
	ck_assert_uint_eq(m.bu.seq, 7);
	ck_assert_uint_eq(m.bu.flags, MH_BU_F_A);
	ck_assert_uint_eq(m.bu.lifetime, 3);
	ck_assert_uint_eq(m.opts.present, MH_OPT_BIT(MH_OPT_ALT_COA) |
						  MH_OPT_BIT(MH_OPT_NONCE_IDX) |
						  MH_OPT_BIT(MH_OPT_AUTH));
	a = addr("2001:db8:3::5");
	ck_assert_mem_eq(&m.opts.alt_coa, &a, 16);
	ck_assert_uint_eq(m.opts.home_nonce_index, 0x0102);
	ck_assert_uint_eq(m.opts.careof_nonce_index, 0x0304);
	ck_assert_mem_eq(m.opts.auth, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c", 12);
	ck_assert_uint_eq(m.opts.auth_offset, 44);
	ck_assert_uint_eq(m.opts.auth_offset, n - MH_BAD_LEN);

	n = unhex(scapy_vecs[3].hex, in, sizeof(in)); /* bu-mnp */
	ck_assert_int_eq(parse(in, n, &m, NULL), 0);
	ck_assert_uint_eq(m.bu.flags, MH_BU_F_A | MH_BU_F_H | MH_BU_F_R);
	ck_assert_uint_eq(m.bu.lifetime, 0x100);
	ck_assert_uint_eq(mh_lifetime_from_units(m.bu.lifetime), 1024);
	ck_assert_uint_eq(m.opts.n_mnp, 1);
	ck_assert_uint_eq(m.opts.present, MH_OPT_BIT(MH_OPT_MNP));
	ck_assert_uint_eq(m.opts.mnp[0].prefix_len, 48);
	a = addr("2001:db8:aa::");
	ck_assert_mem_eq(&m.opts.mnp[0].prefix, &a, 16);

	n = unhex(scapy_vecs[5].hex, in, sizeof(in)); /* ba-bra */
	ck_assert_int_eq(parse(in, n, &m, NULL), 0);
	ck_assert_int_eq(m.type, MH_TYPE_BA);
	ck_assert_uint_eq(m.ba.status, MH_BA_ACCEPTED);
	ck_assert_uint_eq(m.ba.flags, MH_BA_F_K);
	ck_assert_uint_eq(m.ba.seq, 0x1234);
	ck_assert_uint_eq(m.ba.lifetime, 0x96);
	ck_assert_uint_eq(m.opts.present, MH_OPT_BIT(MH_OPT_BRA));
	ck_assert_uint_eq(m.opts.refresh, 0x40);

	n = unhex(scapy_vecs[6].hex, in, sizeof(in)); /* be */
	ck_assert_int_eq(parse(in, n, &m, NULL), 0);
	ck_assert_int_eq(m.type, MH_TYPE_BE);
	ck_assert_uint_eq(m.be.status, MH_BE_UNKNOWN_MH_TYPE);
	a = addr(MN);
	ck_assert_mem_eq(&m.be.hoa, &a, 16);

	n = unhex(scapy_vecs[9].hex, in, sizeof(in)); /* hot */
	ck_assert_int_eq(parse(in, n, &m, NULL), 0);
	ck_assert_int_eq(m.type, MH_TYPE_HOT);
	ck_assert_uint_eq(m.hot.nonce_index, 0x0a0b);
	ck_assert_mem_eq(m.hot.cookie, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	ck_assert_mem_eq(m.hot.keygen_token, "\x11\x12\x13\x14\x15\x16\x17\x18", 8);

	n = unhex(scapy_vecs[8].hex, in, sizeof(in)); /* coti */
	ck_assert_int_eq(parse(in, n, &m, NULL), 0);
	ck_assert_int_eq(m.type, MH_TYPE_COTI);
	ck_assert_mem_eq(m.coti.cookie, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
}
END_TEST

/*
 * Hand-written from the figures of RFC 6275 §6.1.7 (BU), §6.1.8 (BA),
 * §6.2.5 (AltCoA) and RFC 3963 §4.3 (MNP), checksum left 0.
 */
START_TEST(rfc_figure_vectors)
{
	uint8_t in[MH_LEN_MAX];
	struct mh_msg m;
	size_t n;

	/*
	 * BA (§6.1.8): Payload Proto 59, Header Len 3 (32 bytes), MH Type 6,
	 * Reserved, Checksum 0; Status 142 (RFC 3963: not authorized for
	 * prefix), flags 0xc5 = K|R plus reserved bits (ignored), Sequence #
	 * 0xfffe, Lifetime 0. Then MNP (RFC 3963 §4.3) at 12 = 8n+4: Type 6,
	 * Length 18, Reserved, Prefix Length 64, 2001:db8:77::. 12 + 20 = 32,
	 * no padding.
	 */
	n = unhex("3b030600 0000 8e c5 fffe 0000"
		  " 0612 00 40 20010db8007700000000000000000000",
		  in, sizeof(in));
	ck_assert_int_eq(parse(in, n, &m, NULL), 0);
	ck_assert_int_eq(m.type, MH_TYPE_BA);
	ck_assert_uint_eq(m.ba.status, MH_BA_NOT_AUTHORIZED_PREFIX);
	ck_assert_uint_eq(m.ba.flags, MH_BA_F_K | MH_BA_F_R); /* 0x05 reserved bits dropped */
	ck_assert_uint_eq(m.ba.seq, 0xfffe);
	ck_assert_uint_eq(m.opts.n_mnp, 1);
	ck_assert_uint_eq(m.opts.mnp[0].prefix_len, 64);

	/*
	 * BU (§6.1.7) with reserved flag bits 0x00ff set (ignored) and the
	 * options area using Pad1 x2 before AltCoA (12, 13 Pad1; AltCoA at 14),
	 * then PadN(8 bytes, Option Length 6) at 32 to end at 40.
	 */
	n = unhex("3b040500 0000 ffff f0ff 0001"
		  " 00 00 0310 fe800000000000000000000000000001"
		  " 0106 000000000000",
		  in, sizeof(in));
	ck_assert_uint_eq(n, 40);
	ck_assert_int_eq(parse(in, n, &m, NULL), 0);
	ck_assert_uint_eq(m.bu.seq, 0xffff);
	ck_assert_uint_eq(m.bu.flags, MH_BU_F_A | MH_BU_F_H | MH_BU_F_L | MH_BU_F_K);
	ck_assert_uint_eq(m.bu.lifetime, 1);
	ck_assert_uint_eq(m.opts.present, MH_OPT_BIT(MH_OPT_ALT_COA));
	ck_assert_uint_eq(m.opts.alt_coa.s6_addr[0], 0xfe);
	ck_assert_uint_eq(m.opts.alt_coa.s6_addr[15], 0x01);
	ck_assert_uint_eq(m.opts.n_misaligned, 0);
}
END_TEST

/* One message per type, and every option, through build -> parse. */
static void fill_all_opts(struct mh_opts *o, unsigned n_mnp)
{
	o->present = MH_OPT_BIT(MH_OPT_BRA) | MH_OPT_BIT(MH_OPT_ALT_COA) |
		     MH_OPT_BIT(MH_OPT_NONCE_IDX) | MH_OPT_BIT(MH_OPT_AUTH);
	o->refresh = 0x1234;
	o->alt_coa = addr("2001:db8:c0a::1");
	o->home_nonce_index = 0xaaaa;
	o->careof_nonce_index = 0x5555;
	for (unsigned i = 0; i < MH_BAD_LEN; i++)
		o->auth[i] = (uint8_t)(0xa0 + i);
	o->n_mnp = n_mnp;
	for (unsigned i = 0; i < n_mnp; i++) {
		o->mnp[i].prefix_len = (uint8_t)(48 + i);
		o->mnp[i].prefix = addr("2001:db8:100::");
		o->mnp[i].prefix.s6_addr[5] = (uint8_t)i;
	}
	if (n_mnp)
		o->present |= MH_OPT_BIT(MH_OPT_MNP);
}

/* Walk the options of a built message and check every alignment. */
static void check_layout(const uint8_t *d, size_t len)
{
	size_t off = mh_type_min_len(d[2]);

	if (d[2] == MH_TYPE_BU || d[2] == MH_TYPE_BA)
		off = 12;
	ck_assert_uint_eq(len % 8, 0);
	ck_assert_uint_eq(d[0], 59);
	ck_assert_uint_eq(((size_t)d[1] + 1) * 8, len);
	while (off < len) {
		uint8_t t = d[off];

		if (t == MH_OPT_PAD1) {
			off++;
			continue;
		}
		switch (t) {
		case MH_OPT_PADN:
			for (size_t i = 0; i < d[off + 1]; i++)
				ck_assert_uint_eq(d[off + 2 + i], 0);
			break;
		case MH_OPT_BRA:
		case MH_OPT_NONCE_IDX:
			ck_assert_uint_eq(off % 2, 0);
			break;
		case MH_OPT_ALT_COA:
			ck_assert_uint_eq(off % 8, 6);
			break;
		case MH_OPT_AUTH:
			ck_assert_uint_eq(off % 8, 2);
			ck_assert_uint_eq(off + 2 + MH_BAD_LEN, len); /* last, no padding */
			break;
		case MH_OPT_MNP:
			ck_assert_uint_eq(off % 8, 4);
			break;
		default:
			ck_abort_msg("unexpected option %u", t);
		}
		off += 2 + d[off + 1];
	}
	ck_assert_uint_eq(off, len);
}

static void round_trip(const struct mh_msg *m)
{
	uint8_t out[MH_LEN_MAX];
	struct mh_msg p;
	size_t len;

	ck_assert_int_eq(mh_build(m, out, sizeof(out), &len), 0);
	check_layout(out, len);
	ck_assert_int_eq(parse(out, len, &p, NULL), 0);
	ck_assert_int_eq(p.type, m->type);
	switch (m->type) {
	case MH_TYPE_BU:
		ck_assert_mem_eq(&p.bu, &m->bu, sizeof(p.bu));
		break;
	case MH_TYPE_BA:
		ck_assert_mem_eq(&p.ba, &m->ba, sizeof(p.ba));
		break;
	case MH_TYPE_BE:
		ck_assert_uint_eq(p.be.status, m->be.status);
		ck_assert_mem_eq(&p.be.hoa, &m->be.hoa, 16);
		break;
	case MH_TYPE_HOTI:
	case MH_TYPE_COTI:
		ck_assert_mem_eq(&p.hoti, &m->hoti, sizeof(p.hoti));
		break;
	case MH_TYPE_HOT:
	case MH_TYPE_COT:
		ck_assert_mem_eq(&p.hot, &m->hot, sizeof(p.hot));
		break;
	default:
		break;
	}
	ck_assert_uint_eq(p.opts.present, m->opts.present);
	ck_assert_uint_eq(p.opts.n_mnp, m->opts.n_mnp);
	ck_assert_uint_eq(p.opts.n_unknown, 0);
	ck_assert_uint_eq(p.opts.n_misaligned, 0);
	if (m->opts.present & MH_OPT_BIT(MH_OPT_BRA))
		ck_assert_uint_eq(p.opts.refresh, m->opts.refresh);
	if (m->opts.present & MH_OPT_BIT(MH_OPT_ALT_COA))
		ck_assert_mem_eq(&p.opts.alt_coa, &m->opts.alt_coa, 16);
	if (m->opts.present & MH_OPT_BIT(MH_OPT_NONCE_IDX)) {
		ck_assert_uint_eq(p.opts.home_nonce_index, m->opts.home_nonce_index);
		ck_assert_uint_eq(p.opts.careof_nonce_index, m->opts.careof_nonce_index);
	}
	if (m->opts.present & MH_OPT_BIT(MH_OPT_AUTH)) {
		ck_assert_mem_eq(p.opts.auth, m->opts.auth, MH_BAD_LEN);
		ck_assert_uint_eq(p.opts.auth_offset, len - MH_BAD_LEN);
		ck_assert_mem_eq(out + p.opts.auth_offset, m->opts.auth, MH_BAD_LEN);
	}
	for (unsigned i = 0; i < m->opts.n_mnp; i++) {
		ck_assert_uint_eq(p.opts.mnp[i].prefix_len, m->opts.mnp[i].prefix_len);
		ck_assert_mem_eq(&p.opts.mnp[i].prefix, &m->opts.mnp[i].prefix, 16);
	}
	/* Every capacity below the length fails with -ENOBUFS. */
	for (size_t cap = 0; cap < len; cap++) {
		size_t l2 = 12345;

		ck_assert_int_eq(mh_build(m, out, cap, &l2), -ENOBUFS);
		ck_assert_uint_eq(l2, 12345);
	}
}

static struct mh_msg sample(enum mh_type t)
{
	struct mh_msg m = { .type = t };

	switch (t) {
	case MH_TYPE_HOTI:
	case MH_TYPE_COTI:
		memcpy(m.hoti.cookie, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
		break;
	case MH_TYPE_HOT:
	case MH_TYPE_COT:
		m.hot.nonce_index = 0xbeef;
		memcpy(m.hot.cookie, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
		memcpy(m.hot.keygen_token, "\x99\xaa\xbb\xcc\xdd\xee\xff\x00", 8);
		break;
	case MH_TYPE_BU:
		m.bu.seq = 0x8001;
		m.bu.flags = MH_BU_F_ALL;
		m.bu.lifetime = 0xffff;
		break;
	case MH_TYPE_BA:
		m.ba.status = MH_BA_INVALID_COA;
		m.ba.flags = MH_BA_F_ALL;
		m.ba.seq = 0x7fff;
		m.ba.lifetime = 1;
		break;
	case MH_TYPE_BE:
		m.be.status = MH_BE_UNKNOWN_HAO;
		m.be.hoa = addr("2001:db8::abcd");
		break;
	default:
		break;
	}
	return m;
}

START_TEST(round_trip_every_type)
{
	/* _i = type; no options, then all options with 0, 1, 3 and MH_MNP_MAX MNPs. */
	static const unsigned n_mnps[] = { 0, 1, 3, MH_MNP_MAX };
	struct mh_msg m = sample((enum mh_type)_i);
	uint8_t out[64];
	size_t len;

	round_trip(&m);
	ck_assert_int_eq(mh_build(&m, out, sizeof(out), &len), 0);
	ck_assert_uint_eq(len, mh_type_min_len((uint8_t)_i)); /* bare = type minimum */
	for (size_t i = 0; i < sizeof(n_mnps) / sizeof(n_mnps[0]); i++) {
		m = sample((enum mh_type)_i);
		fill_all_opts(&m.opts, n_mnps[i]);
		round_trip(&m);
	}
}
END_TEST

START_TEST(round_trip_every_option)
{
	/* Each option alone, in a BU and a BA (different fixed lengths do not matter: both 12). */
	static const enum mh_opt_type opts[] = { MH_OPT_BRA, MH_OPT_ALT_COA, MH_OPT_NONCE_IDX,
						 MH_OPT_AUTH, MH_OPT_MNP };
	static const enum mh_type types[] = { MH_TYPE_BU, MH_TYPE_BA, MH_TYPE_BE, MH_TYPE_BRR,
					      MH_TYPE_HOTI };

	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
			struct mh_msg m = sample(types[t]);

			fill_all_opts(&m.opts, 2);
			m.opts.present &= MH_OPT_BIT(opts[i]);
			if (opts[i] != MH_OPT_MNP)
				m.opts.n_mnp = 0;
			round_trip(&m);
		}
}
END_TEST

/* Exact bytes of two built messages (hand-computed padding). */
START_TEST(build_exact_padding)
{
	uint8_t out[MH_LEN_MAX], exp[MH_LEN_MAX];
	struct mh_msg m = { .type = MH_TYPE_BA };
	size_t len, n;

	/* BA with BAD only: BAD at 8n+2 -> PadN (6 bytes, Option Length 4) at 12, BAD at 18,
	 * ends at 32. */
	m.ba.status = MH_BA_SEQ_OUT_OF_WINDOW;
	m.ba.seq = 5;
	m.opts.present = MH_OPT_BIT(MH_OPT_AUTH);
	memset(m.opts.auth, 0xee, MH_BAD_LEN);
	ck_assert_int_eq(mh_build(&m, out, sizeof(out), &len), 0);
	n = unhex("3b030600 0000 87 00 0005 0000 0104 00000000 050c eeeeeeeeeeeeeeeeeeeeeeee",
		  exp, sizeof(exp));
	ck_assert_uint_eq(len, n);
	ck_assert_mem_eq(out, exp, n);

	/* BRR with BRA and NI (both 2n). */
	m = (struct mh_msg){ .type = MH_TYPE_BRR };
	m.opts.present = MH_OPT_BIT(MH_OPT_BRA) | MH_OPT_BIT(MH_OPT_NONCE_IDX);
	m.opts.refresh = 0x0102;
	m.opts.home_nonce_index = 0x0304;
	m.opts.careof_nonce_index = 0x0506;
	ck_assert_int_eq(mh_build(&m, out, sizeof(out), &len), 0);
	/* BRR fixed 8; BRA at 8..11; NI at 12..17; 6 bytes of PadN (length 4) at 18..23. */
	n = unhex("3b020000 0000 0000 0202 0102 0404 03040506 0104 00000000", exp, sizeof(exp));
	ck_assert_uint_eq(len, n);
	ck_assert_mem_eq(out, exp, n);
	/* (Every fixed part, option size and alignment is even: the builder never needs Pad1.) */
}
END_TEST

START_TEST(build_rejects_bad_args)
{
	uint8_t out[MH_LEN_MAX];
	struct mh_msg m = sample(MH_TYPE_BU);
	size_t len;

	ck_assert_int_eq(mh_build(NULL, out, sizeof(out), &len), -EINVAL);
	ck_assert_int_eq(mh_build(&m, NULL, sizeof(out), &len), -EINVAL);
	ck_assert_int_eq(mh_build(&m, out, sizeof(out), NULL), -EINVAL);
	m.bu.flags = 0x0001;
	ck_assert_int_eq(mh_build(&m, out, sizeof(out), &len), -EINVAL);
	m = sample(MH_TYPE_BA);
	m.ba.flags = 0x01;
	ck_assert_int_eq(mh_build(&m, out, sizeof(out), &len), -EINVAL);
	m = sample(MH_TYPE_BU);
	m.opts.n_mnp = MH_MNP_MAX + 1;
	ck_assert_int_eq(mh_build(&m, out, sizeof(out), &len), -EINVAL);
	m.opts.n_mnp = 1;
	m.opts.mnp[0].prefix_len = 129;
	ck_assert_int_eq(mh_build(&m, out, sizeof(out), &len), -EINVAL);
	m = sample(MH_TYPE_BU);
	m.type = _MH_TYPE_MAX;
	ck_assert_int_eq(mh_build(&m, out, sizeof(out), &len), -EINVAL);
	m.type = _MH_TYPE_INVALID;
	ck_assert_int_eq(mh_build(&m, out, sizeof(out), &len), -EINVAL);
}
END_TEST

/* Every proper prefix of a valid BU and BA fails cleanly as truncated. */
START_TEST(truncations_fail)
{
	const struct scapy_vec *v = &scapy_vecs[_i];
	uint8_t in[MH_LEN_MAX];
	struct mh_parse_error e;
	struct mh_msg m;
	size_t n = unhex(v->hex, in, sizeof(in));

	for (size_t k = 0; k < n; k++) {
		/* Copy to an exact-size buffer so ASan sees any over-read. */
		uint8_t *p = malloc(k ? k : 1);

		memcpy(p, in, k);
		ck_assert_int_eq(parse(p, k, &m, &e), -EBADMSG);
		ck_assert_int_eq(e.kind, MH_ERR_TRUNCATED);
		ck_assert_int_eq(mh_err_reaction(e.kind), MH_REACT_DROP);
		free(p);
	}
	ck_assert_int_eq(parse(in, n, &m, &e), 0);
}
END_TEST

struct bad_vec {
	const char *name;
	const char *hex;
	int ret;
	enum mh_err kind;
	uint16_t pointer;
};

static const struct bad_vec bad_vecs[] = {
	/* Payload Proto 6 -> ICMP Parameter Problem at offset 0 (§9.2). */
	{ "payload-proto", "06010500 0000 0001 8000 0000 01020000", -EBADMSG,
	  MH_ERR_PAYLOAD_PROTO, 0 },
	/* BU with Header Len 0: below the BU minimum of 1 -> Param Problem at 1. */
	{ "bu-hdrlen-short", "3b000500 0000 0001", -EBADMSG, MH_ERR_HDRLEN_SHORT, 1 },
	/* BE with Header Len 1 (< 2). */
	{ "be-hdrlen-short", "3b010700 0000 0200 20010db8000000000000000000000001", -EBADMSG,
	  MH_ERR_HDRLEN_SHORT, 1 },
	/* HoT with Header Len 1 (< 2). */
	{ "hot-hdrlen-short", "3b010300 0000 0a0b 0102030405060708", -EBADMSG,
	  MH_ERR_HDRLEN_SHORT, 1 },
	/* HoTI with Header Len 0 (< 1). */
	{ "hoti-hdrlen-short", "3b000100 0000 0000", -EBADMSG, MH_ERR_HDRLEN_SHORT, 1 },
	/* Header Len 3 (32 bytes) but only 16 given. */
	{ "hdrlen-too-long", "3b030500 0000 0001 8000 0000 01020000", -EBADMSG,
	  MH_ERR_TRUNCATED, 16 },
	/* Header Len 255 on a 16-byte input. */
	{ "hdrlen-255", "3bff0500 0000 0001 8000 0000 01020000", -EBADMSG, MH_ERR_TRUNCATED,
	  16 },
	/* 16-byte BU followed by 8 more bytes. */
	{ "trailing", "3b010500 0000 0001 8000 0000 01020000 0000000000000000", -EBADMSG,
	  MH_ERR_TRAILING, 16 },
	/* Unknown MH type 8 -> BE status 2. */
	{ "unknown-type", "3b010800 0000 0000 0000 0000 00000000", -EPROTONOSUPPORT,
	  MH_ERR_UNKNOWN_TYPE, 2 },
	/* Unknown type wins over a bad payload proto (§9.2 order). */
	{ "unknown-type-255", "00ffff00 0000 0000", -EPROTONOSUPPORT, MH_ERR_UNKNOWN_TYPE, 2 },
	/* PadN claiming 3 bytes with 2 left. */
	{ "padn-overflow", "3b010500 0000 0001 8000 0000 01030000", -EBADMSG, MH_ERR_OPTIONS,
	  13 },
	/* AltCoA claiming 16 bytes with 2 left. */
	{ "altcoa-overflow", "3b010500 0000 0001 8000 0000 0310 0000", -EBADMSG,
	  MH_ERR_OPTIONS, 13 },
	/* Option type with no room for its length byte (last byte of the area). */
	{ "opt-no-length", "3b010500 0000 0001 8000 0000 000000 02", -EBADMSG, MH_ERR_OPTIONS,
	  15 },
	/* AltCoA with length 14 (+ 2 more bytes to fill 32). */
	{ "altcoa-len", "3b030500 0000 0001 8000 0000 0100 030e 20010db8000000000000000000000001",
	  -EBADMSG, MH_ERR_OPTIONS, 15 },
	/* BAD with length 10 at 18, 18 + 2 + 10 = 30, then PadN(0) to 32. */
	{ "bad-len", "3b030500 0000 0001 8000 0000 01040000 0000 050a 00000000000000000000 0100",
	  -EBADMSG, MH_ERR_OPTIONS, 19 },
	/* BRR: Pad1 x2, BAD at 10..23, then NI at 24, Pad1 x2. */
	{ "bad-not-last", "3b030000 0000 0000 0000 050c 000000000000000000000000 0404 00010002 0000",
	  -EBADMSG, MH_ERR_OPTIONS, 24 },
	/* An unknown option after BAD is not padding either. */
	{ "bad-then-unknown", "3b030000 0000 0000 0000 050c 000000000000000000000000 c804 00000000 0000",
	  -EBADMSG, MH_ERR_OPTIONS, 24 },
	/* NI with length 2. */
	{ "ni-len", "3b010500 0000 0001 8000 0000 0402 0000", -EBADMSG, MH_ERR_OPTIONS, 13 },
	/* BA with a BRA of length 4 at 12, then PadN (6 bytes) to 24. */
	{ "bra-len", "3b020600 0000 0000 0001 0000 0204 00000000 0104 00000000", -EBADMSG,
	  MH_ERR_OPTIONS, 13 },
	/* MNP with length 16. */
	{ "mnp-len", "3b030500 0000 0001 c400 0000 0610 0040 20010db8000000000000000000000000",
	  -EBADMSG, MH_ERR_OPTIONS, 13 },
	/* MNP with prefix length 129. */
	{ "mnp-plen", "3b030500 0000 0001 c400 0000 0612 0081 20010db8000000000000000000000000",
	  -EBADMSG, MH_ERR_OPTIONS, 15 },
	/* Two AltCoA options. */
	{ "dup-altcoa",
	  "3b060500 0000 0001 8000 0000 0100 0310 20010db8000000000000000000000001"
	  " 0100 0000 0000 0310 20010db8000000000000000000000002",
	  -EBADMSG, MH_ERR_OPTIONS, 38 },
	/* Two BRA options in a BA (at 12 and 16), then Pad1 x4. */
	{ "dup-bra", "3b020600 0000 0000 0001 0000 0202 0001 0202 0002 0000 0000", -EBADMSG,
	  MH_ERR_OPTIONS, 16 },
};

START_TEST(malformed_vectors)
{
	const struct bad_vec *v = &bad_vecs[_i];
	uint8_t in[MH_LEN_MAX];
	struct mh_parse_error e;
	struct mh_msg m;
	size_t n = unhex(v->hex, in, sizeof(in));

	ck_assert_msg(parse(in, n, &m, &e) == v->ret, "%s: %d", v->name, parse(in, n, &m, &e));
	ck_assert_msg(e.kind == v->kind, "%s: kind %s", v->name, mh_err_to_string(e.kind));
	ck_assert_msg(e.pointer == v->pointer, "%s: pointer %u", v->name, e.pointer);
}
END_TEST

START_TEST(reactions)
{
	ck_assert_int_eq(mh_err_reaction(MH_ERR_NONE), MH_REACT_ACCEPT);
	ck_assert_int_eq(mh_err_reaction(MH_ERR_PAYLOAD_PROTO), MH_REACT_PARAM_PROBLEM);
	ck_assert_int_eq(mh_err_reaction(MH_ERR_HDRLEN_SHORT), MH_REACT_PARAM_PROBLEM);
	ck_assert_int_eq(mh_err_reaction(MH_ERR_UNKNOWN_TYPE), MH_REACT_BE_STATUS_2);
	ck_assert_int_eq(mh_err_reaction(MH_ERR_CHECKSUM), MH_REACT_DROP);
	ck_assert_int_eq(mh_err_reaction(MH_ERR_TRUNCATED), MH_REACT_DROP);
	ck_assert_int_eq(mh_err_reaction(MH_ERR_TRAILING), MH_REACT_DROP);
	ck_assert_int_eq(mh_err_reaction(MH_ERR_OPTIONS), MH_REACT_DROP);
	ck_assert_int_eq(mh_err_reaction(_MH_ERR_MAX), _MH_REACT_INVALID);
}
END_TEST

/* A message of exactly the type minimum has an empty option area: valid. */
START_TEST(empty_option_area)
{
	static const char *const hex[] = {
		"3b000000 0000 0000",                                  /* BRR */
		"3b010100 0000 0000 0000000000000000",                 /* HoTI */
		"3b010200 0000 0000 0000000000000000",                 /* CoTI */
		"3b020300 0000 0000 0000000000000000 0000000000000000", /* HoT */
		"3b020400 0000 0000 0000000000000000 0000000000000000", /* CoT */
		"3b020700 0000 0100 00000000000000000000000000000000",  /* BE */
	};
	uint8_t in[64];
	struct mh_msg m;

	for (size_t i = 0; i < sizeof(hex) / sizeof(hex[0]); i++) {
		size_t n = unhex(hex[i], in, sizeof(in));

		ck_assert_int_eq(parse(in, n, &m, NULL), 0);
		ck_assert_uint_eq(n, mh_type_min_len(in[2]));
		ck_assert_uint_eq(m.opts.present, 0);
		ck_assert_uint_eq(m.opts.n_unknown, 0);
	}
}
END_TEST

START_TEST(unknown_options_skipped)
{
	uint8_t in[MH_LEN_MAX];
	struct mh_msg m;
	size_t n;

	/* BU: unknown type 200 (length 4) at 12, NI at 18, unknown type 7 (length 0) at 24,
	 * BAD at 26 = 8n+2 up to 40. */
	n = unhex("3b040500 0000 0102 8000 0010 c804 deadbeef 0404 11112222 0700"
		  " 050c 0102030405060708090a0b0c",
		  in, sizeof(in));
	ck_assert_uint_eq(n, 40);
	ck_assert_int_eq(parse(in, n, &m, NULL), 0);
	ck_assert_uint_eq(m.opts.n_unknown, 2);
	ck_assert_uint_eq(m.opts.present, MH_OPT_BIT(MH_OPT_NONCE_IDX) | MH_OPT_BIT(MH_OPT_AUTH));
	ck_assert_uint_eq(m.opts.home_nonce_index, 0x1111);
	ck_assert_uint_eq(m.opts.careof_nonce_index, 0x2222);
	ck_assert_uint_eq(m.opts.auth_offset, 28);
	ck_assert_uint_eq(m.opts.n_misaligned, 0);

	/* BAD followed by padding only is fine: BRR, BAD at 8 (misaligned), Pad1 at 22,
	 * PadN with non-zero content (ignored) at 23..31. */
	n = unhex("3b030000 0000 0000 050c 0102030405060708090a0b0c 00 0107 ffffffffffffff",
		  in, sizeof(in));
	ck_assert_uint_eq(n, 32);
	ck_assert_int_eq(parse(in, n, &m, NULL), 0);
	ck_assert_uint_eq(m.opts.present, MH_OPT_BIT(MH_OPT_AUTH));
	ck_assert_uint_eq(m.opts.auth_offset, 10);
	ck_assert_uint_eq(m.opts.n_misaligned, 1);
}
END_TEST

/* Alignment is a sender rule: misaligned options are accepted and counted. */
START_TEST(misaligned_tolerated)
{
	uint8_t in[MH_LEN_MAX];
	struct mh_msg m;
	size_t n;

	/* BU: Pad1 at 12, NI at 13 (odd), AltCoA at 19 (not 8n+6), PadN(1) at 37..39. */
	n = unhex("3b040500 0000 0001 8000 0000 00 0404 00010002 0310 20010db8000000000000000000000009"
		  " 0101 00",
		  in, sizeof(in));
	ck_assert_uint_eq(n, 40);
	ck_assert_int_eq(parse(in, n, &m, NULL), 0);
	ck_assert_uint_eq(m.opts.n_misaligned, 2);
	ck_assert_uint_eq(m.opts.present, MH_OPT_BIT(MH_OPT_NONCE_IDX) | MH_OPT_BIT(MH_OPT_ALT_COA));
	ck_assert_uint_eq(m.opts.alt_coa.s6_addr[15], 9);
}
END_TEST

START_TEST(option_caps)
{
	uint8_t in[MH_LEN_MAX];
	struct mh_parse_error e;
	struct mh_msg m;
	size_t off;

	/* BRR with 64 Pad1 (72 bytes): at the cap, accepted. */
	memset(in, 0, sizeof(in));
	in[0] = 59;
	in[1] = 8;
	ck_assert_int_eq(parse(in, 72, &m, &e), 0);
	/* 72 Pad1 (80 bytes): the 65th TLV is refused. */
	in[1] = 9;
	ck_assert_int_eq(parse(in, 80, &m, &e), -EBADMSG);
	ck_assert_int_eq(e.kind, MH_ERR_OPTIONS);
	ck_assert_uint_eq(e.pointer, 8 + MH_OPTS_MAX);

	/* BU with MH_MNP_MAX MNPs accepted, one more refused. */
	for (unsigned k = MH_MNP_MAX; k <= MH_MNP_MAX + 1; k++) {
		memset(in, 0, sizeof(in));
		in[0] = 59;
		in[2] = MH_TYPE_BU;
		off = 12;
		for (unsigned i = 0; i < k; i++) {
			in[off] = MH_OPT_MNP;
			in[off + 1] = 18;
			in[off + 3] = 64;
			in[off + 20] = MH_OPT_PADN;
			in[off + 21] = 2;
			off += 24;
		}
		off += 4; /* 12 + 24k + 4 */
		ck_assert_uint_eq(off % 8, 0);
		in[1] = (uint8_t)(off / 8 - 1);
		if (k == MH_MNP_MAX) {
			ck_assert_int_eq(parse(in, off, &m, &e), 0);
			ck_assert_uint_eq(m.opts.n_mnp, MH_MNP_MAX);
		} else {
			ck_assert_int_eq(parse(in, off, &m, &e), -EBADMSG);
			ck_assert_int_eq(e.kind, MH_ERR_OPTIONS);
			ck_assert_uint_eq(e.pointer, 12 + 24 * MH_MNP_MAX);
		}
	}
}
END_TEST

START_TEST(parse_args)
{
	uint8_t in[16] = { 59, 1, MH_TYPE_BU };
	struct mh_parse_error e;
	struct mh_msg m;

	ck_assert_int_eq(mh_parse(NULL, 16, NULL, NULL, &m, &e), -EINVAL);
	ck_assert_int_eq(mh_parse(in, 16, NULL, NULL, NULL, &e), -EINVAL);
	/* ret_error is optional */
	ck_assert_int_eq(mh_parse(in, 16, NULL, NULL, &m, NULL), 0);
	ck_assert_int_eq(mh_parse(in, 3, NULL, NULL, &m, NULL), -EBADMSG);
}
END_TEST

/*
 * Checksum against RFC 1071 arithmetic done by hand on a tiny input:
 * src ::1, dst ::2, BRR with Payload Proto 59, Header Len 0, type 0.
 * Pseudo-header words: 0x0001 + 0x0002 + length 0x0008 + next header 0x0087
 * = 0x0092; MH words: 0x3b00 + 0 + 0 + 0 = 0x3b00; total 0x3b92 ->
 * checksum ~0x3b92 = 0xc46d.
 */
START_TEST(checksum_by_hand)
{
	struct in6_addr s = addr("::1"), d = addr("::2");
	uint8_t brr[8] = { 59, 0, 0, 0, 0, 0, 0, 0 };
	uint8_t odd[3] = { 0x12, 0x34, 0x56 };

	ck_assert_uint_eq(mh_checksum(&s, &d, brr, 8), 0xc46d);
	ck_assert_int_eq(mh_checksum_fill(brr, 8, &s, &d), 0);
	ck_assert_uint_eq(brr[4], 0xc4);
	ck_assert_uint_eq(brr[5], 0x6d);
	ck_assert_uint_eq(mh_checksum(&s, &d, brr, 8), 0);
	/* Odd length: last byte padded with zero. 1+2+3+0x87 + 0x1234 + 0x5600 = 0x68c1. */
	ck_assert_uint_eq(mh_checksum(&s, &d, odd, 3), (uint16_t)~0x68c1);
	ck_assert_int_eq(mh_checksum_fill(brr, 5, &s, &d), -EINVAL);
	/* 0 is sent as 0xffff. Make the sum 0xffff: mh word = 0xffff - 0x0092. */
	{
		uint8_t z[8] = { 0xff - 0x00, 0xff - 0x92, 0, 0, 0, 0, 0, 0 };

		ck_assert_uint_eq(mh_checksum(&s, &d, z, 8), 0);
		ck_assert_int_eq(mh_checksum_fill(z, 8, &s, &d), 0);
		ck_assert_uint_eq(z[4], 0xff);
		ck_assert_uint_eq(z[5], 0xff);
		ck_assert_uint_eq(mh_checksum(&s, &d, z, 8), 0);
	}
}
END_TEST

START_TEST(strings)
{
	ck_assert_str_eq(mh_type_to_string(MH_TYPE_BRR), "BRR");
	ck_assert_str_eq(mh_type_to_string(MH_TYPE_BU), "BU");
	ck_assert_str_eq(mh_type_to_string(MH_TYPE_BE), "BE");
	ck_assert_ptr_null(mh_type_to_string(8));
	ck_assert_ptr_null(mh_type_to_string(-1));
	ck_assert_str_eq(mh_ba_status_to_string(0), "accepted");
	ck_assert_str_eq(mh_ba_status_to_string(135), "sequence number out of window");
	ck_assert_str_eq(mh_ba_status_to_string(174), "invalid care-of address");
	ck_assert_str_eq(mh_ba_status_to_string(143), "forwarding setup failed");
	ck_assert_ptr_null(mh_ba_status_to_string(2));
	ck_assert_ptr_null(mh_ba_status_to_string(144));
	ck_assert_ptr_null(mh_ba_status_to_string(-1));
	for (int s = 128; s <= 143; s++)
		ck_assert_ptr_nonnull(mh_ba_status_to_string(s));
	ck_assert_ptr_nonnull(mh_be_status_to_string(1));
	ck_assert_ptr_nonnull(mh_be_status_to_string(2));
	ck_assert_ptr_null(mh_be_status_to_string(3));
	ck_assert_str_eq(mh_opt_type_to_string(MH_OPT_MNP), "Mobile Network Prefix");
	ck_assert_ptr_null(mh_opt_type_to_string(7));
	for (int e = 0; e < _MH_ERR_MAX; e++)
		ck_assert_ptr_nonnull(mh_err_to_string((enum mh_err)e));
	ck_assert_ptr_null(mh_err_to_string(_MH_ERR_MAX));
	ck_assert_uint_eq(mh_type_min_len(MH_TYPE_BU), 16);
	ck_assert_uint_eq(mh_type_min_len(MH_TYPE_BA), 16);
	ck_assert_uint_eq(mh_type_min_len(MH_TYPE_BRR), 8);
	ck_assert_uint_eq(mh_type_min_len(MH_TYPE_HOTI), 16);
	ck_assert_uint_eq(mh_type_min_len(MH_TYPE_COT), 24);
	ck_assert_uint_eq(mh_type_min_len(MH_TYPE_BE), 24);
	ck_assert_uint_eq(mh_type_min_len(8), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mh-codec");
	TCase *tc = tcase_create("codec");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, scapy_vectors, 0, sizeof(scapy_vecs) / sizeof(scapy_vecs[0]));
	tcase_add_test(tc, scapy_vector_fields);
	tcase_add_test(tc, rfc_figure_vectors);
	tcase_add_loop_test(tc, round_trip_every_type, 0, _MH_TYPE_MAX);
	tcase_add_test(tc, round_trip_every_option);
	tcase_add_test(tc, build_exact_padding);
	tcase_add_test(tc, build_rejects_bad_args);
	/* scapy_vecs 0..5 are BUs and a BA */
	tcase_add_loop_test(tc, truncations_fail, 0, 6);
	tcase_add_loop_test(tc, malformed_vectors, 0, sizeof(bad_vecs) / sizeof(bad_vecs[0]));
	tcase_add_test(tc, reactions);
	tcase_add_test(tc, empty_option_area);
	tcase_add_test(tc, unknown_options_skipped);
	tcase_add_test(tc, misaligned_tolerated);
	tcase_add_test(tc, option_caps);
	tcase_add_test(tc, parse_args);
	tcase_add_test(tc, checksum_by_hand);
	tcase_add_test(tc, strings);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
