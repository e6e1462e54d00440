/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NEMO basic support at the home agent (RFC 3963 §6, src/ha/ha-nemo.[ch]).
 * BU bytes are laid out by hand from the figures of RFC 3963 §4.1 (R flag) and §4.3
 * (Mobile Network Prefix option), not with our encoder.
 *   decide:  the statuses of §6.2/§6.6 (140, 141, 142, 143, 139) and the prefixes granted
 *            in explicit and implicit mode; malformed MNP options refused by the codec.
 *   role:    the HA's real handlers on fake I/O and a fake kernel (a private netns for the
 *            home link): one route and one reverse-tunnel filter per MNP, the R flag in the
 *            BA, the prefixes following a CoA change, a prefix dropped from the BU removed,
 *            everything removed on deregistration, nothing installed for a refused BU, and a
 *            refused MNP route failing the registration closed with 141.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "event-loop.h"
#include "ha/bcache-store.h"
#include "ha/bcache.h"
#include "ha/ha-nemo.h"
#include "ha/ha-policy.h"
#include "ha/ha.h"
#include "icmp6/icmp6-socket.h"
#include "io/io.h"
#include "manager.h"
#include "mh/mh-codec.h"
#include "netlink/nl-kernel.h"

#define HOA "2001:db8:1::100"
#define HA_ADDR "2001:db8:1::1"
#define COA1 "2001:db8:2::100"
#define COA2 "2001:db8:3::100"
#define MAX_KREQ 512

static struct in6_addr A(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static bool addr_is(const void *a, const char *s)
{
	struct in6_addr b = A(s);

	return memcmp(a, &b, sizeof(b)) == 0;
}

/*
 * A BU from RFC 3963 §4.1 / RFC 6275 §6.1.7: Payload Proto 59, Header Len, MH Type 5,
 * Reserved, Checksum 0, Sequence #, A|H|L|K|M|R + Reserved, Lifetime; then one MNP option
 * (§4.3: Type 6, Length 18, Reserved, Prefix Length, 16 octets) per prefix, each at 8n+4:
 * the first at 12, each next one after a PadN of 4 octets (type 1, length 2): 8 + 24n octets.
 */
static size_t bu_bytes(uint8_t *b, size_t cap, uint16_t seq, uint16_t flags, uint16_t units,
		       const char *const *mnp, const uint8_t *plen, unsigned n)
{
	size_t off = 12;

	ck_assert_uint_ge(cap, 16 + 24 * (size_t)n);
	memset(b, 0, cap);
	b[0] = 59, b[2] = 5;
	b[6] = (uint8_t)(seq >> 8), b[7] = (uint8_t)seq;
	b[8] = (uint8_t)(flags >> 8), b[9] = (uint8_t)flags;
	b[10] = (uint8_t)(units >> 8), b[11] = (uint8_t)units;
	for (unsigned i = 0; i < n; i++) {
		struct in6_addr a = A(mnp[i]);

		if (i > 0)
			b[off] = 1, b[off + 1] = 2, off += 4; /* PadN: the next MNP at 8n+4 */
		b[off] = 6, b[off + 1] = 18, b[off + 3] = plen[i];
		memcpy(b + off + 4, &a, 16);
		off += 20;
	}
	if (n == 0)
		b[off] = 1, b[off + 1] = 2, off += 4; /* PadN to 16 octets; with MNPs 8 + 24n already is 8n */
	b[1] = (uint8_t)(off / 8 - 1);
	ck_assert_uint_eq(off % 8, 0);
	return off;
}

#define F_A 0x8000
#define F_H 0x4000
#define F_R 0x0400

/* ---- decide: pure ------------------------------------------------------------------ */

static struct mip6_config *cfg;
static struct ha_prefix home;
static const usec_t NOW = 1000 * USEC_PER_SEC;

static void load(const char *extra)
{
	char text[1024];
	char *err = NULL;

	snprintf(text, sizeof(text), "NodeConfig HA;\nInterface \"eth0\";\nUseMnHaIPsec disabled;\n%s", extra);
	ck_assert_msg(conf_load_string("test", text, strlen(text), &cfg, &err) == 0, "%s", err);
}

static void dsetup(void)
{
	load("HaAcceptMobRtr enabled;\n"
	     "BindingAclPolicy 2001:db8:1::100 (2001:db8:10::/48, 2001:db8:20:1::/64) allow;\n"
	     "BindingAclPolicy 2001:db8:1::200 allow;\n");
	memset(&home, 0, sizeof(home));
	home.prefix = A("2001:db8:1::");
	home.len = 64;
	home.ifindex = 2;
	home.ha = A(HA_ADDR);
	home.valid_sec = UINT32_MAX;
	home.seen = NOW;
}

static void dteardown(void)
{
	conf_free(cfg);
	cfg = NULL;
}

/* Parse the bytes (no checksum: src/dst NULL) and make the HA's view of the BU. */
static int parse_bu(const uint8_t *b, size_t len, const char *hoa, struct ha_bu *ret)
{
	struct mh_msg m;
	struct mh_parse_error pe;
	int r = mh_parse(b, len, NULL, NULL, &m, &pe);

	if (r < 0)
		return r;
	ck_assert_int_eq(m.type, MH_TYPE_BU);
	memset(ret, 0, sizeof(*ret));
	ret->hoa = A(hoa);
	ret->coa = A(COA1);
	ret->seq = m.bu.seq;
	ret->flags = m.bu.flags;
	ret->lifetime_units = m.bu.lifetime;
	ret->mnps.n = (uint8_t)m.opts.n_mnp;
	memcpy(ret->mnps.p, m.opts.mnp, m.opts.n_mnp * sizeof(m.opts.mnp[0]));
	return 0;
}

static uint8_t decide(const char *hoa, uint16_t flags, const char *const *mnp, const uint8_t *plen, unsigned n,
		      const struct bce *e, struct ha_verdict *v)
{
	uint8_t b[512];
	struct ha_bu bu;
	size_t len = bu_bytes(b, sizeof(b), 7, flags, 16, mnp, plen, n);

	ck_assert_int_eq(parse_bu(b, len, hoa, &bu), 0);
	ck_assert_uint_eq(bu.mnps.n, n);
	ha_decide(cfg, &home, 1, e, 0, 0, &bu, NOW, v);
	return v->status;
}

START_TEST(explicit_mode_from_rfc_figure)
{
	static const char *const p[] = { "2001:db8:10:5::", "2001:db8:20:1::" };
	static const uint8_t l[] = { 64, 64 };
	struct ha_verdict v;

	/* The bytes themselves, as §4.1/§4.3 draw them: flags A|H|R = 0xc4, the MNP at 12. */
	uint8_t b[64];
	size_t len = bu_bytes(b, sizeof(b), 7, F_A | F_H | F_R, 16, p, l, 2);
	static const uint8_t head[] = { 59, 6, 5, 0, 0, 0, 0, 7, 0xc4, 0, 0, 16, 6, 18, 0, 64, 0x20, 0x01, 0x0d, 0xb8,
					0, 0x10, 0, 5 };

	ck_assert_uint_eq(len, 56);
	ck_assert_mem_eq(b, head, sizeof(head));
	ck_assert_uint_eq(decide(HOA, F_A | F_H | F_R, p, l, 2, NULL, &v), 0);
	ck_assert_int_eq(v.action, HA_REGISTER);
	ck_assert(v.mnps.explicit_mode);
	ck_assert_uint_eq(v.mnps.n, 2);
	ck_assert(addr_is(&v.mnps.p[0].prefix, "2001:db8:10:5::"));
	ck_assert_uint_eq(v.mnps.p[0].prefix_len, 64);
	ck_assert(addr_is(&v.mnps.p[1].prefix, "2001:db8:20:1::"));
}
END_TEST

/* §6.2/§6.6: 141 for a prefix no forwarding can be set up for, 142 for one not the HoA's. */
START_TEST(explicit_mode_statuses)
{
	static const struct {
		const char *p;
		uint8_t len;
		uint8_t status;
	} cases[] = {
		{ "::", 0, MH_BA_INVALID_PREFIX },              /* a default route */
		{ "ff05::", 16, MH_BA_INVALID_PREFIX },         /* multicast */
		{ "fe80::", 64, MH_BA_INVALID_PREFIX },         /* link-local */
		{ "::1", 128, MH_BA_INVALID_PREFIX },           /* loopback */
		{ "::ffff:10.0.0.0", 104, MH_BA_INVALID_PREFIX }, /* IPv4-mapped */
		{ "2001:db8:10:5::1", 64, MH_BA_INVALID_PREFIX }, /* bits set past the length */
		{ "2001:db8:1::", 64, MH_BA_INVALID_PREFIX },   /* the home prefix */
		{ "2001:db8:1::", 80, MH_BA_INVALID_PREFIX },   /* inside it */
		{ "2001:db8::", 32, MH_BA_INVALID_PREFIX },     /* around it */
		{ "2001:db8:30::", 48, MH_BA_NOT_AUTHORIZED_PREFIX }, /* not in the Prefix Table */
		{ "2001:db8:10::", 44, MH_BA_NOT_AUTHORIZED_PREFIX }, /* wider than the table's */
		{ "2001:db8:20::", 48, MH_BA_NOT_AUTHORIZED_PREFIX },
		{ "2001:db8:10::", 48, 0 },
		{ "2001:db8:10:ff00::", 56, 0 },                /* inside the table's /48 */
		{ "2001:db8:20:1::", 64, 0 },
	};
	struct ha_verdict v;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *p[] = { cases[i].p };
		uint8_t st = decide(HOA, F_A | F_H | F_R, p, &cases[i].len, 1, NULL, &v);

		ck_assert_msg(st == cases[i].status, "%s/%u: status %u, want %u", cases[i].p, cases[i].len, st,
			      cases[i].status);
		ck_assert_int_eq(v.action, st ? HA_REJECT : HA_REGISTER);
	}
	/* Two overlapping prefixes in one BU: 141, even when each alone is authorized. */
	{
		const char *p[] = { "2001:db8:10::", "2001:db8:10:1::" };
		const uint8_t l[] = { 48, 64 };
		ck_assert_uint_eq(decide(HOA, F_A | F_H | F_R, p, l, 2, NULL, &v), MH_BA_INVALID_PREFIX);
	}
	/* 141 before 142: one invalid among unauthorized ones. */
	{
		const char *p[] = { "2001:db8:30::", "ff02::" };
		const uint8_t l[] = { 48, 16 };
		ck_assert_uint_eq(decide(HOA, F_A | F_H | F_R, p, l, 2, NULL, &v), MH_BA_INVALID_PREFIX);
	}
	/* A HoA with no Prefix Table entry may claim nothing: 142. */
	{
		const char *p[] = { "2001:db8:10::" };
		const uint8_t l[] = { 48 };
		ck_assert_uint_eq(decide("2001:db8:1::200", F_A | F_H | F_R, p, l, 1, NULL, &v),
				  MH_BA_NOT_AUTHORIZED_PREFIX);
	}
}
END_TEST

/* §6.2: no MNP option → the configured prefixes; none → 143 (§6.6). */
START_TEST(implicit_mode)
{
	struct ha_verdict v;

	ck_assert_uint_eq(decide(HOA, F_A | F_H | F_R, NULL, NULL, 0, NULL, &v), 0);
	ck_assert(!v.mnps.explicit_mode);
	ck_assert_uint_eq(v.mnps.n, 2);
	ck_assert(addr_is(&v.mnps.p[0].prefix, "2001:db8:10::"));
	ck_assert_uint_eq(v.mnps.p[0].prefix_len, 48);
	ck_assert_uint_eq(v.mnps.p[1].prefix_len, 64);
	ck_assert_uint_eq(decide("2001:db8:1::200", F_A | F_H | F_R, NULL, NULL, 0, NULL, &v), MH_BA_FWD_SETUP_FAILED);
	ck_assert_uint_eq(decide("2001:db8:1::300", F_A | F_H | F_R, NULL, NULL, 0, NULL, &v), MH_BA_FWD_SETUP_FAILED);
	/* A host registration from the same HoA carries no prefix. */
	ck_assert_uint_eq(decide(HOA, F_A | F_H, NULL, NULL, 0, NULL, &v), 0);
	ck_assert_uint_eq(v.mnps.n, 0);
}
END_TEST

/* §6.2, §6.6: 140 when the HA does not serve mobile routers, and for R without H. */
START_TEST(flags_140_139)
{
	static const char *const p[] = { "2001:db8:10::" };
	static const uint8_t l[] = { 48 };
	struct bce e = { .seq = 6, .state = BCE_VALID, .bu_flags = F_A | F_H };
	struct ha_verdict v;

	ck_assert_uint_eq(decide(HOA, F_A | F_R, p, l, 1, NULL, &v), MH_BA_MR_OP_NOT_PERMITTED);
	ck_assert_int_eq(v.action, HA_REJECT); /* not discarded like another H=0 BU */
	/* §6.2: a registration changing R against a live binding → 139; a deregistration ignores R. */
	e.hoa = A(HOA);
	ck_assert_uint_eq(decide(HOA, F_A | F_H | F_R, p, l, 1, &e, &v), MH_BA_REG_TYPE_CHANGE);
	e.bu_flags = F_A | F_H | F_R;
	ck_assert_uint_eq(decide(HOA, F_A | F_H, NULL, NULL, 0, &e, &v), MH_BA_REG_TYPE_CHANGE);
	{
		uint8_t b[64];
		struct ha_bu bu;
		size_t len = bu_bytes(b, sizeof(b), 7, F_A | F_H, 0, NULL, NULL, 0);

		ck_assert_int_eq(parse_bu(b, len, HOA, &bu), 0);
		ha_decide(cfg, &home, 1, &e, 1, 0, &bu, NOW, &v);
		ck_assert_int_eq(v.action, HA_DEREGISTER);
	}
	dteardown();
	load("BindingAclPolicy 2001:db8:1::100 (2001:db8:10::/48) allow;\n");
	ck_assert_uint_eq(decide(HOA, F_A | F_H | F_R, p, l, 1, NULL, &v), MH_BA_MR_OP_NOT_PERMITTED);
}
END_TEST

/* Malformed MNP options (RFC 3963 §4.3: Length 18, Prefix Length ≤ 128) never reach the HA. */
START_TEST(malformed_mnp_options)
{
	static const char *const p[] = { "2001:db8:10::" };
	static const uint8_t l[] = { 48 };
	uint8_t b[64], c[64];
	struct ha_bu bu;
	size_t len = bu_bytes(b, sizeof(b), 7, F_A | F_H | F_R, 16, p, l, 1);

	ck_assert_int_eq(parse_bu(b, len, HOA, &bu), 0);
	memcpy(c, b, len);
	c[15] = 129; /* Prefix Length past 128 */
	ck_assert_int_lt(parse_bu(c, len, HOA, &bu), 0);
	memcpy(c, b, len);
	c[13] = 17; /* Length one short: the option is not an MNP */
	ck_assert_int_lt(parse_bu(c, len, HOA, &bu), 0);
	memcpy(c, b, len);
	c[13] = 19; /* one long: runs into the padding */
	ck_assert_int_lt(parse_bu(c, len, HOA, &bu), 0);
	memcpy(c, b, len);
	c[13] = 30; /* past the message */
	ck_assert_int_lt(parse_bu(c, len, HOA, &bu), 0);
	/* Truncated inside the option (Header Len says 16 octets, the MNP needs 32). */
	memcpy(c, b, len);
	c[1] = 1;
	ck_assert_int_lt(parse_bu(c, 16, HOA, &bu), 0);
}
END_TEST

/* ---- the state file's MNP record (ha/bcache-store.h), bytes laid out by hand ------------ */

static int got_mnp(const struct bcs_record *r, void *ud)
{
	*(struct bcs_record *)ud = *r;
	return 0;
}

/* Header, then an MNP record: type 3, version 1, length 28 + 20n, HoA, n, flags, 2 reserved, prefixes, CRC. */
static size_t mnp_file(uint8_t *b, uint8_t n, uint8_t flags, uint8_t plen)
{
	size_t h = bcs_header_build(b), len = 28 + 20 * (size_t)n;
	struct in6_addr hoa = A(HOA), p = A("2001:db8:10::");
	uint32_t crc;

	memset(b + h, 0, len);
	b[h] = 3, b[h + 1] = 1, b[h + 2] = (uint8_t)(len >> 8), b[h + 3] = (uint8_t)len;
	memcpy(b + h + 4, &hoa, 16);
	b[h + 20] = n, b[h + 21] = flags;
	for (unsigned i = 0; i < n; i++) {
		p.s6_addr[5] = (uint8_t)(0x10 + i);
		memcpy(b + h + 24 + 20 * i, &p, 16);
		b[h + 24 + 20 * i + 16] = plen;
	}
	crc = bcs_crc32(b + h, len - 4);
	b[h + len - 4] = (uint8_t)(crc >> 24), b[h + len - 3] = (uint8_t)(crc >> 16);
	b[h + len - 2] = (uint8_t)(crc >> 8), b[h + len - 1] = (uint8_t)crc;
	return h + len;
}

static void refix_crc(uint8_t *b, size_t total)
{
	size_t h = BCS_HEADER_LEN, len = total - h;
	uint32_t crc = bcs_crc32(b + h, len - 4);

	b[total - 4] = (uint8_t)(crc >> 24), b[total - 3] = (uint8_t)(crc >> 16);
	b[total - 2] = (uint8_t)(crc >> 8), b[total - 1] = (uint8_t)crc;
}

START_TEST(state_file_mnp_record)
{
	uint8_t b[BCS_HEADER_LEN + BCS_RECORD_MAX + 64], built[BCS_RECORD_MAX];
	struct bcs_record r;
	const char *why;
	size_t good, n = mnp_file(b, 2, 1, 48);

	ck_assert_int_eq(bcs_parse(b, n, got_mnp, &r, &good, &why), 0);
	ck_assert_uint_eq(r.type, BCS_MNP);
	ck_assert(addr_is(&r.hoa, HOA));
	ck_assert_uint_eq(r.n_mnp, 2);
	ck_assert_uint_eq(r.mnp_flags, BCS_MNP_F_EXPLICIT);
	ck_assert(addr_is(&r.mnp[1].prefix, "2001:db8:11::"));
	ck_assert_uint_eq(r.mnp[1].len, 48);
	/* Our builder writes the same bytes. */
	ck_assert_int_eq(bcs_record_build(&r, built, sizeof(built)), 68);
	ck_assert_mem_eq(built, b + BCS_HEADER_LEN, 68);
	/* 16 prefixes is the most; malformed records stop the parse at their offset. */
	n = mnp_file(b, 16, 0, 64);
	ck_assert_int_eq(bcs_parse(b, n, got_mnp, &r, &good, &why), 0);
	ck_assert_uint_eq(r.n_mnp, 16);
	n = mnp_file(b, 17, 0, 64); /* 17 prefixes: a length no MNP record has */
	ck_assert_int_eq(bcs_parse(b, n, NULL, NULL, &good, &why), -EBADMSG);
	ck_assert_uint_eq(good, BCS_HEADER_LEN);
	n = mnp_file(b, 2, 0, 129); /* a prefix length past 128 */
	ck_assert_int_eq(bcs_parse(b, n, NULL, NULL, &good, &why), -EBADMSG);
	n = mnp_file(b, 2, 2, 48); /* an unknown flag */
	ck_assert_int_eq(bcs_parse(b, n, NULL, NULL, &good, &why), -EBADMSG);
	n = mnp_file(b, 2, 1, 48);
	b[BCS_HEADER_LEN + 20] = 1; /* n says 1, the length says 2 */
	refix_crc(b, n);
	ck_assert_int_eq(bcs_parse(b, n, NULL, NULL, &good, &why), -EBADMSG);
	n = mnp_file(b, 2, 1, 48);
	b[BCS_HEADER_LEN + 20] = 0; /* no prefix */
	refix_crc(b, n);
	ck_assert_int_eq(bcs_parse(b, n, NULL, NULL, &good, &why), -EBADMSG);
	n = mnp_file(b, 2, 1, 48);
	b[n - 5] = 1; /* a reserved octet of the last prefix (before the CRC) */
	refix_crc(b, n);
	ck_assert_int_eq(bcs_parse(b, n, NULL, NULL, &good, &why), -EBADMSG);
	n = mnp_file(b, 2, 1, 48);
	ck_assert_int_eq(bcs_parse(b, n - 1, NULL, NULL, &good, &why), -EBADMSG); /* truncated */
	r.n_mnp = 0;
	ck_assert_int_eq(bcs_record_build(&r, built, sizeof(built)), -EINVAL);
}
END_TEST

/* ---- role: the HA's handlers, fake I/O, fake kernel ---------------------------------- */

struct sent {
	uint8_t buf[256];
	size_t len;
	struct in6_addr dst;
	int proto;
};

static struct {
	struct manager *m;
	struct sent sent[64];
	unsigned n_sent;
	struct knl_event ev[MAX_KREQ]; /* routes and tc filters as the fake kernel saw them */
	unsigned n_ev;
	int mnp_route_answer;          /* answer to a route with dst_len < 128 */
} R;

static void capture(const struct io_sent *s, void *ud)
{
	(void)ud;
	if (R.n_sent >= 64 || s->len > sizeof(R.sent[0].buf))
		return;
	memcpy(R.sent[R.n_sent].buf, s->buf, s->len);
	R.sent[R.n_sent].len = s->len;
	R.sent[R.n_sent].dst = s->dst;
	R.sent[R.n_sent].proto = s->proto;
	R.n_sent++;
}

static int fake_kernel(int protocol, const uint8_t *msg, size_t len, void *ud)
{
	uint16_t type;
	struct knl_event e;

	(void)ud;
	memcpy(&type, msg + 4, sizeof(type));
	if (protocol != NETLINK_ROUTE ||
	    (type != RTM_NEWROUTE && type != RTM_DELROUTE && type != RTM_NEWTFILTER && type != RTM_DELTFILTER))
		return 0;
	if (knl_parse_rtnl(msg, len, &e) != 1)
		return 0;
	e.removed = type == RTM_DELROUTE || type == RTM_DELTFILTER;
	ck_assert_uint_lt(R.n_ev, MAX_KREQ);
	R.ev[R.n_ev++] = e;
	if (type == RTM_NEWROUTE && e.route.dst_len < 128)
		return R.mnp_route_answer;
	return 0;
}

static bool is_ready(void)
{
	return R.m->ready;
}

#define RCONF "NodeConfig HA;\nInterface \"home0\";\nUseMnHaIPsec disabled;\nHaMaxBindingLife 600;\n" \
	      "HaAcceptMobRtr enabled;\n" \
	      "BindingAclPolicy 2001:db8:1::100 (2001:db8:10::/48, 2001:db8:20::/48) allow;\n"

static void start_with(const char *text)
{
	struct mip6_config *c = NULL;
	char *err = NULL;

	memset(&R, 0, sizeof(R));
	ck_assert_msg(conf_load_string("test", text, strlen(text), &c, &err) == 0, "%s", err);
	ck_assert_int_eq(manager_new(&R.m, NULL, NULL, c), 0);
	R.m->role = &ha_role_ops;
	ck_assert_int_eq(io_new_fake(R.m->event, &R.m->counters, capture, fake_kernel, NULL, &R.m->io), 0);
	ck_assert_int_eq(manager_start(R.m), 0);
	ck_assert(loop_run_until(R.m->event, is_ready, 5000));
}

static void rsetup(void)
{
	start_with(RCONF);
	R.n_sent = 0;
	R.n_ev = 0;
}

static void rteardown(void)
{
	R.m = manager_free(R.m);
}

static void send_bu(const char *coa, uint16_t seq, uint16_t flags, uint16_t units, const char *const *mnp,
		    const uint8_t *plen, unsigned n)
{
	uint8_t b[512];
	size_t len = bu_bytes(b, sizeof(b), seq, flags, units, mnp, plen, n);
	struct mh_rx_info rx = { .src = A(HOA), .dst = A(HA_ADDR) };

	if (coa) {
		rx.has_hao = true;
		rx.hao = A(coa);
	}
	io_mh_input(R.m->io, b, len, &rx);
}

static unsigned want_ba;
static unsigned n_ba(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < R.n_sent; i++)
		n += R.sent[i].proto == IPPROTO_MH && R.sent[i].buf[2] == 6;
	return n;
}

static bool have_ba(void)
{
	return n_ba() >= want_ba;
}

/* The k-th BA: RFC 3963 §4.2, Status at 6, K|R at 7 (R = 0x40). */
static const struct sent *ba(unsigned k)
{
	for (unsigned i = 0; i < R.n_sent; i++)
		if (R.sent[i].proto == IPPROTO_MH && R.sent[i].buf[2] == 6 && k-- == 0)
			return &R.sent[i];
	ck_abort_msg("no BA");
	return NULL;
}

static void wait_ba(unsigned n)
{
	want_ba = n;
	ck_assert_msg(loop_run_until(R.m->event, have_ba, 5000), "no BA #%u", n);
}

/* Kernel objects seen since index `from`: routes (dst/len, added or removed, CoA) and filters. */
static unsigned count_route(unsigned from, const char *dst, uint8_t len, bool removed, const char *coa)
{
	unsigned n = 0;

	for (unsigned i = from; i < R.n_ev; i++) {
		const struct knl_event *e = &R.ev[i];

		if (e->type != KNL_EVENT_ROUTE || e->removed != removed || e->route.dst_len != len ||
		    !addr_is(&e->route.dst, dst))
			continue;
		if (coa && (!e->route.encap || !addr_is(&e->route.encap_dst, coa)))
			continue;
		n++;
	}
	return n;
}

/* The first filter added since `from` with this inner source (len 0: the /128 of a HoA). */
static const struct knl_tc_filter *find_filter(unsigned from, const char *src, uint8_t len)
{
	for (unsigned i = from; i < R.n_ev; i++) {
		const struct knl_event *e = &R.ev[i];

		if (e->type == KNL_EVENT_TC_FILTER && !e->removed && addr_is(&e->tc_filter.src, src) &&
		    e->tc_filter.src_len == len)
			return &e->tc_filter;
	}
	return NULL;
}

static unsigned count_removed_filter(unsigned from, uint32_t handle)
{
	unsigned n = 0;

	for (unsigned i = from; i < R.n_ev; i++)
		n += R.ev[i].type == KNL_EVENT_TC_FILTER && R.ev[i].removed && R.ev[i].tc_filter.handle == handle;
	return n;
}

START_TEST(mr_binding_routes_follow_it)
{
	static const char *const p2[] = { "2001:db8:10:1::", "2001:db8:20::" };
	static const uint8_t l2[] = { 64, 48 };
	const struct knl_tc_filter *f;
	uint32_t h10, h20;
	unsigned mark;

	/* A new MR binding: after DAD, BA 0 with R; one route and one filter per MNP, towards COA1. */
	send_bu(COA1, 10, F_A | F_H | F_R, 64, p2, l2, 2);
	wait_ba(1);
	ck_assert_uint_eq(ba(0)->buf[6], 0);
	ck_assert_uint_eq(ba(0)->buf[7] & 0x40, 0x40);
	ck_assert_uint_eq(count_route(0, HOA, 128, false, COA1), 1);
	ck_assert_uint_eq(count_route(0, "2001:db8:10:1::", 64, false, COA1), 1);
	ck_assert_uint_eq(count_route(0, "2001:db8:20::", 48, false, COA1), 1);
	ck_assert_ptr_nonnull(f = find_filter(0, "2001:db8:10:1::", 64));
	ck_assert(addr_is(&f->enc_src, COA1));
	h10 = f->handle;
	ck_assert_ptr_nonnull(f = find_filter(0, "2001:db8:20::", 48));
	h20 = f->handle;
	ck_assert_uint_ne(h10, h20);
	ck_assert_ptr_nonnull(f = find_filter(0, HOA, 0)); /* the HoA's own, /128 */

	/* The router moves: every MNP route and filter follows, the filters under their handles. */
	mark = R.n_ev;
	send_bu(COA2, 11, F_A | F_H | F_R, 64, p2, l2, 2);
	wait_ba(2);
	ck_assert_uint_eq(ba(1)->buf[6], 0);
	ck_assert_uint_eq(count_route(mark, "2001:db8:10:1::", 64, false, COA2), 1);
	ck_assert_uint_eq(count_route(mark, "2001:db8:20::", 48, false, COA2), 1);
	ck_assert_ptr_nonnull(f = find_filter(mark, "2001:db8:10:1::", 64));
	ck_assert_uint_eq(f->handle, h10);
	ck_assert(addr_is(&f->enc_src, COA2));

	/* A same-CoA refresh with the same prefixes: nothing in the kernel. */
	mark = R.n_ev;
	send_bu(COA2, 12, F_A | F_H | F_R, 64, p2, l2, 2);
	wait_ba(3);
	ck_assert_uint_eq(R.n_ev, mark);

	/* §6.2: a prefix the BU no longer names loses its forwarding (route and filter), at once. */
	send_bu(COA2, 13, F_A | F_H | F_R, 64, p2, l2, 1);
	wait_ba(4);
	ck_assert_uint_eq(ba(3)->buf[6], 0);
	ck_assert_uint_eq(count_route(mark, "2001:db8:20::", 48, true, NULL), 1);
	ck_assert_uint_eq(count_removed_filter(mark, h20), 1);
	ck_assert_uint_eq(count_route(mark, "2001:db8:10:1::", 64, true, NULL), 0);

	/* §6.7: the deregistration removes the rest; its BA has R (the BU had R). */
	mark = R.n_ev;
	send_bu(NULL, 14, F_A | F_H | F_R, 0, NULL, NULL, 0);
	wait_ba(5);
	ck_assert_uint_eq(ba(4)->buf[6], 0);
	ck_assert_uint_eq(ba(4)->buf[7] & 0x40, 0x40);
	loop_run_for(R.m->event, 50);
	ck_assert_uint_eq(count_route(mark, "2001:db8:10:1::", 64, true, NULL), 1);
	ck_assert_uint_eq(count_route(mark, HOA, 128, true, NULL), 1);
	ck_assert_uint_eq(count_removed_filter(mark, h10), 1);
}
END_TEST

/* A refused BU (142 here) installs nothing and has no R in its BA. */
START_TEST(mr_refused_installs_nothing)
{
	static const char *const p[] = { "2001:db8:30::" };
	static const uint8_t l[] = { 48 };

	send_bu(COA1, 10, F_A | F_H | F_R, 64, p, l, 1);
	wait_ba(1);
	ck_assert_uint_eq(ba(0)->buf[6], MH_BA_NOT_AUTHORIZED_PREFIX);
	ck_assert_uint_eq(ba(0)->buf[7] & 0x40, 0);
	loop_run_for(R.m->event, 300); /* past the DAD time a registration would take */
	ck_assert_uint_eq(R.n_ev, 0);
}
END_TEST

/* §6.2: forwarding for one prefix fails → none is forwarded, BA 141, the binding is not kept. */
START_TEST(mr_refused_route_fails_closed)
{
	static const char *const p[] = { "2001:db8:10::", "2001:db8:20::" };
	static const uint8_t l[] = { 48, 48 };
	unsigned mark;

	R.mnp_route_answer = -ENOMEM;
	send_bu(COA1, 10, F_A | F_H | F_R, 64, p, l, 2);
	wait_ba(1);
	ck_assert_uint_eq(ba(0)->buf[6], MH_BA_INVALID_PREFIX);
	mark = 0;
	loop_run_for(R.m->event, 50);
	ck_assert_uint_eq(count_route(mark, "2001:db8:10::", 48, true, NULL), 1);
	ck_assert_uint_eq(count_route(mark, "2001:db8:20::", 48, true, NULL), 1);
	ck_assert_uint_eq(count_route(mark, HOA, 128, true, NULL), 1);
	/* Implicit mode: 143. */
	R.n_sent = 0;
	send_bu(COA1, 11, F_A | F_H | F_R, 64, NULL, NULL, 0);
	wait_ba(1);
	ck_assert_uint_eq(ba(0)->buf[6], MH_BA_FWD_SETUP_FAILED);
}
END_TEST

/*
 * RFC 3963 §7: a Home Agent Address Discovery Request with R (§7.1: Identifier, then R in the
 * first bit of the next 16) lists the agents serving mobile routers with R set in the Reply
 * (§7.2). Another HA heard on the link whose HA Information option lacks R (§7.3) is left out;
 * a plain Request lists both with R clear.
 */
static const struct sent *last_reply(void)
{
	const struct sent *r = NULL;

	for (unsigned i = 0; i < R.n_sent; i++)
		if (R.sent[i].proto == IPPROTO_ICMPV6 && R.sent[i].buf[0] == 145)
			r = &R.sent[i];
	ck_assert_ptr_nonnull(r);
	return r;
}

START_TEST(modified_dhaad)
{
	int home_if = (int)if_nametoindex("home0");
	struct icmp6_rxinfo rx = { .src = A("fe80::2"), .dst = A("ff02::1"), .hop_limit = 255, .ifindex = home_if };
	/* RA with H, an HA Information option (type 8, length 1, flags 0: no R), preference 20, and a
	 * Prefix Information option with the R bit naming the other agent's 2001:db8:1::2. */
	uint8_t ra[56] = { 134, 0, 0, 0, 64, 0x20, 0x07, 0x08, [16] = 8, 1, 0, 0, 0, 20, 0x02, 0x58,
			   [24] = 3, 4, 64, 0xe0, 0, 0, 0x0e, 0x10, 0, 0, 0x0e, 0x10 };
	uint8_t req_r[8] = { 144, 0, 0, 0, 0x43, 0x21, 0x80, 0 }, req[8] = { 144, 0, 0, 0, 0x43, 0x22, 0, 0 };
	struct in6_addr other = A("2001:db8:1::2");
	const struct sent *rep;

	memcpy(ra + 40, &other, 16);
	io_nd_input(R.m->io, ra, sizeof(ra), &rx);
	rx = (struct icmp6_rxinfo){ .src = A(COA1), .dst = A("2001:db8:1::fdff:ffff:ffff:fffe"), .hop_limit = 60 };
	io_nd_input(R.m->io, req_r, sizeof(req_r), &rx);
	rep = last_reply();
	ck_assert_uint_eq(rep->buf[4], 0x43);
	ck_assert_uint_eq(rep->buf[5], 0x21);
	ck_assert_uint_eq(rep->buf[6], 0x80); /* R: the list serves mobile routers */
	ck_assert_uint_eq(rep->len, 8 + 16);
	ck_assert(addr_is(rep->buf + 8, HA_ADDR));
	io_nd_input(R.m->io, req, sizeof(req), &rx);
	rep = last_reply();
	ck_assert_uint_eq(rep->buf[6], 0);
	ck_assert_uint_eq(rep->len, 8 + 2 * 16);
}
END_TEST

/* HaAcceptMobRtr off and no other agent serving mobile routers: the plain list, R clear (§7.2 "MAY"). */
START_TEST(modified_dhaad_without_mobile_routers)
{
	uint8_t req_r[8] = { 144, 0, 0, 0, 0x43, 0x21, 0x80, 0 };
	struct icmp6_rxinfo rx = { .src = A(COA1), .dst = A("2001:db8:1::fdff:ffff:ffff:fffe"), .hop_limit = 60 };
	const struct sent *rep;

	rteardown();
	start_with("NodeConfig HA;\nInterface \"home0\";\nUseMnHaIPsec disabled;\n");
	io_nd_input(R.m->io, req_r, sizeof(req_r), &rx);
	rep = last_reply();
	ck_assert_uint_eq(rep->buf[6], 0);
	ck_assert_uint_eq(rep->len, 8 + 16);
	ck_assert(addr_is(rep->buf + 8, HA_ADDR));
}
END_TEST

/* NonVolatileBindingCache: a restart gives the router its prefixes back (routes and filters). */
static char state_dir[64];

static void psetup(void)
{
	snprintf(state_dir, sizeof(state_dir), "/tmp/test-ha-nemo.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(state_dir));
	ck_assert_int_eq(setenv("STATE_DIRECTORY", state_dir, 1), 0);
}

static void pteardown(void)
{
	char cmd[128];

	R.m = manager_free(R.m);
	unsetenv("STATE_DIRECTORY");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", state_dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void shut_down(void)
{
	if (R.m->role->shutdown(R.m) == 0)
		return;
	for (int i = 0; i < 500 && sd_event_get_state(R.m->event) != SD_EVENT_FINISHED; i++)
		if (sd_event_run(R.m->event, 10 * USEC_PER_MSEC) < 0)
			break;
	ck_assert_int_eq(sd_event_get_state(R.m->event), SD_EVENT_FINISHED);
}

START_TEST(restart_restores_the_prefixes)
{
	static const char *const p2[] = { "2001:db8:10:1::", "2001:db8:20::" };
	static const uint8_t l2[] = { 64, 48 };
	unsigned mark;

	start_with(RCONF "NonVolatileBindingCache enabled;\n");
	send_bu(COA1, 10, F_A | F_H | F_R, 64, p2, l2, 2);
	wait_ba(1);
	ck_assert_uint_eq(ba(0)->buf[6], 0);
	shut_down();
	R.m = manager_free(R.m);

	/* The fake kernel's dumps are empty: the prefixes' routes and filters are installed again. */
	start_with(RCONF "NonVolatileBindingCache enabled;\n");
	loop_run_for(R.m->event, 50);
	ck_assert_uint_eq(count_route(0, "2001:db8:10:1::", 64, false, COA1), 1);
	ck_assert_uint_eq(count_route(0, "2001:db8:20::", 48, false, COA1), 1);
	ck_assert_ptr_nonnull(find_filter(0, "2001:db8:10:1::", 64));
	ck_assert_ptr_nonnull(find_filter(0, "2001:db8:20::", 48));
	/* The same BU again (a refresh, no DAD): nothing to change in the kernel, BA with R. */
	mark = R.n_ev;
	R.n_sent = 0;
	send_bu(COA1, 11, F_A | F_H | F_R, 64, p2, l2, 2);
	wait_ba(1);
	ck_assert_uint_eq(ba(0)->buf[6], 0);
	ck_assert_uint_eq(ba(0)->buf[7] & 0x40, 0x40);
	ck_assert_uint_eq(R.n_ev, mark);
	/* Its deregistration removes the restored prefixes' routes. */
	send_bu(NULL, 12, F_A | F_H | F_R, 0, NULL, NULL, 0);
	wait_ba(2);
	loop_run_for(R.m->event, 50);
	ck_assert_uint_eq(count_route(mark, "2001:db8:10:1::", 64, true, NULL), 1);
	ck_assert_uint_eq(count_route(mark, "2001:db8:20::", 48, true, NULL), 1);
}
END_TEST

static int netns_setup(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	if (system("ip link set lo up && ip link add home0 type veth peer name home1 && "
		   "ip link set home0 up && ip link set home1 up && "
		   "ip -6 addr add 2001:db8:1::1/64 dev home0 nodad && "
		   "ip link add mip6tnl0 type bridge && "
		   "sysctl -qw net.ipv6.neigh.home0.retrans_time_ms=50") != 0)
		return -ENODEV;
	return 0;
}

int main(void)
{
	Suite *s = suite_create("ha-nemo");
	TCase *td = tcase_create("decide"), *tr = tcase_create("role"), *tp;
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(td, dsetup, dteardown);
	tcase_add_test(td, explicit_mode_from_rfc_figure);
	tcase_add_test(td, explicit_mode_statuses);
	tcase_add_test(td, implicit_mode);
	tcase_add_test(td, flags_140_139);
	tcase_add_test(td, malformed_mnp_options);
	tcase_add_test(td, state_file_mnp_record);
	suite_add_tcase(s, td);
	if (netns_setup() == 0) {
		tcase_add_checked_fixture(tr, rsetup, rteardown);
		tcase_set_timeout(tr, 30);
		tcase_add_test(tr, mr_binding_routes_follow_it);
		tcase_add_test(tr, mr_refused_installs_nothing);
		tcase_add_test(tr, mr_refused_route_fails_closed);
		tcase_add_test(tr, modified_dhaad);
		tcase_add_test(tr, modified_dhaad_without_mobile_routers);
		suite_add_tcase(s, tr);
		tp = tcase_create("persist");
		tcase_add_checked_fixture(tp, psetup, pteardown);
		tcase_set_timeout(tp, 30);
		tcase_add_test(tp, restart_restores_the_prefixes);
		suite_add_tcase(s, tp);
	} else {
		fprintf(stderr, "test-ha-nemo: no private network namespace here, role tests skipped\n");
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
