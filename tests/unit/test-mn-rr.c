/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mobile node's return routability and correspondent registration
 * (src/mn/mn-rr.h) driven through fake I/O: a fake clock and timer, a send
 * seam that keeps every message's bytes.
 *
 * Interoperability: nothing here trusts our own encoder or rr-keygen. The
 * correspondent's messages (HoT, CoT, BA) are written byte by byte from the
 * RFC 6275 layouts (§6.1.5, §6.1.6, §6.1.8, §6.2.7) and go through the real
 * parser; the MN's messages are read byte by byte at the offsets of §6.1.3,
 * §6.1.4, §6.1.7, §6.2.6, §6.2.7; the keygen tokens are made from a Kcn and
 * nonces as §5.2.5 defines them, and Kbm and the authenticators are
 * recomputed with OpenSSL's SHA1() and HMAC():
 *
 *   home keygen token    = First(64, HMAC_SHA1(Kcn, home address | nonce | 0))
 *   care-of keygen token = First(64, HMAC_SHA1(Kcn, care-of address | nonce | 1))
 *   Kbm                  = SHA1(home keygen token | care-of keygen token)
 *                          SHA1(home keygen token) for a deregistration (§5.2.6)
 *   Authenticator        = First(96, HMAC_SHA1(Kbm, care-of address | correspondent | MH Data))
 */
#include <arpa/inet.h>
#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <string.h>

#include "cn/rr-keygen.h"
#include "conf/conf.h"
#include "icmp6/ndisc.h"
#include "mh/mh-codec.h"
#include "mn/mn-rr.h"

#define SEC USEC_PER_SEC

struct sent {
	usec_t at;
	struct mn_rr_tx tx;
	uint8_t raw[128];
	size_t len;
};

static struct fake {
	usec_t now;
	usec_t timer; /* 0: off */
	struct sent s[128];
	unsigned n;
	uint8_t rnd;
} F;

static struct mn_rr_table *T;
static struct mn_rr_entry *E;
static struct in6_addr HOA, CN, COA1, COA2;
static const uint8_t KCN[20] = "0123456789abcdefghij";
static const uint8_t NONCE_A[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, NONCE_B[8] = { 9, 9, 9, 9, 8, 8, 8, 8 };

static usec_t f_now(void *ud)
{
	return F.now;
}

static void f_timer(struct mn_rr_entry *e, usec_t when, void *ud)
{
	F.timer = when;
}

static int f_send(struct mn_rr_entry *e, const struct mn_rr_tx *tx, const uint8_t *mh, size_t len, void *ud)
{
	ck_assert_uint_lt(F.n, 128);
	ck_assert_uint_le(len, sizeof(F.s[0].raw));
	F.s[F.n].at = F.now;
	F.s[F.n].tx = *tx;
	memcpy(F.s[F.n].raw, mh, len);
	F.s[F.n].len = len;
	F.n++;
	return 0;
}

/* Distinct bytes on every call: each cookie differs from all earlier ones. */
static int f_rand(void *buf, size_t len, void *ud)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = ++F.rnd ^ 0x5a;
	return 0;
}

static const struct mn_rr_io IO = { .now = f_now, .timer = f_timer, .send = f_send, .rand = f_rand };

static void setup_with(bool ack)
{
	struct mn_rr_params p = { .lifetime = 420, .ack = ack };

	memset(&F, 0, sizeof(F));
	F.now = 1000 * SEC;
	inet_pton(AF_INET6, "2001:db8:1::100", &HOA);
	inet_pton(AF_INET6, "2001:db8:9::9", &CN);
	inet_pton(AF_INET6, "2001:db8:f1::200", &COA1);
	inet_pton(AF_INET6, "2001:db8:f2::200", &COA2);
	ck_assert_int_eq(mn_rr_table_new(&IO, NULL, &HOA, &p, &T), 0);
	ck_assert_int_eq(mn_rr_add(T, &CN, &E), 0);
	ck_assert_int_eq(E->state, MN_RR_NONE); /* at home, not moved: nothing to do */
	ck_assert_uint_eq(F.n, 0);
}

static void setup(void)
{
	setup_with(true);
}

static void teardown(void)
{
	T = mn_rr_table_free(T);
}

/* Fire the timer at its deadline. */
static void tick(void)
{
	ck_assert_uint_ne(F.timer, 0);
	ck_assert_uint_ge(F.timer, F.now);
	F.now = F.timer;
	mn_rr_timer_fired(E);
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* §5.2.5 keygen token from the test's Kcn. */
static void token(const struct in6_addr *addr, const uint8_t nonce[8], uint8_t kind, uint8_t out[8])
{
	uint8_t in[16 + 8 + 1], md[EVP_MAX_MD_SIZE];
	unsigned mdlen;

	memcpy(in, addr, 16);
	memcpy(in + 16, nonce, 8);
	in[24] = kind;
	ck_assert_ptr_nonnull(HMAC(EVP_sha1(), KCN, sizeof(KCN), in, sizeof(in), md, &mdlen));
	memcpy(out, md, 8);
}

static void kbm(const uint8_t home[8], const uint8_t *careof, uint8_t out[20])
{
	uint8_t in[16];

	memcpy(in, home, 8);
	if (careof)
		memcpy(in + 8, careof, 8);
	SHA1(in, careof ? 16 : 8, out);
}

/* §6.2.7 over mh[0..len), its Checksum field taken as zero. */
static void authenticator(const uint8_t k[20], const struct in6_addr *coa, const struct in6_addr *cn,
			  const uint8_t *mh, size_t len, uint8_t out[12])
{
	uint8_t in[32 + 256], md[EVP_MAX_MD_SIZE];
	unsigned mdlen;

	ck_assert_uint_le(len, 256);
	memcpy(in, coa, 16);
	memcpy(in + 16, cn, 16);
	memcpy(in + 32, mh, len);
	in[32 + 4] = in[32 + 5] = 0;
	ck_assert_ptr_nonnull(HMAC(EVP_sha1(), k, 20, in, 32 + len, md, &mdlen));
	memcpy(out, md, 12);
}

/* The last message sent; checks its MH framing (§6.1.1) and type. */
static const struct sent *last(uint8_t type)
{
	const struct sent *s;

	ck_assert_uint_gt(F.n, 0);
	s = &F.s[F.n - 1];
	ck_assert_uint_eq(s->raw[0], 59);                /* Payload Proto: none */
	ck_assert_uint_eq((s->raw[1] + 1u) * 8, s->len); /* Header Len */
	ck_assert_uint_eq(s->raw[2], type);
	ck_assert(memcmp(&s->tx.dst, &CN, 16) == 0);
	return s;
}

/* §6.1.3 / §6.1.4: Reserved(2) at 6, the cookie at 8, 16 octets. Returns the cookie. */
static const uint8_t *init_cookie(const struct sent *s)
{
	ck_assert_uint_eq(s->len, 16);
	ck_assert_uint_eq(be16(s->raw + 6), 0);
	return s->raw + 8;
}

/* A HoT or CoT (§6.1.5, §6.1.6): nonce index at 6, cookie at 8, keygen token at 16, 24 octets. */
static bool test_msg(uint8_t type, uint16_t index, const uint8_t cookie[8], const uint8_t tok[8],
		     const struct in6_addr *dst, bool tunnel)
{
	uint8_t b[24] = { 59, 2, type, 0 };
	struct mh_msg m;

	put16(b + 6, index);
	memcpy(b + 8, cookie, 8);
	memcpy(b + 16, tok, 8);
	ck_assert_int_eq(mh_parse(b, sizeof(b), NULL, NULL, &m, NULL), 0);
	return mn_rr_input(T, &CN, dst, tunnel, b, sizeof(b), &m);
}

/*
 * A BA from the CN (§6.1.8): status at 6, flags at 7, sequence number at 8, lifetime at 10; with
 * k: PadN(4) at 12 and the Binding Authorization Data option at 18 (8n+2), 32 octets.
 */
static bool ba(uint8_t status, uint16_t seq, uint16_t life, const uint8_t *k, const struct in6_addr *coa,
	       bool corrupt)
{
	uint8_t b[32] = { 59, 1, 6, 0 };
	size_t len = k ? 32 : 16;
	struct mh_msg m;

	b[1] = (uint8_t)(len / 8 - 1);
	b[6] = status;
	put16(b + 8, seq);
	put16(b + 10, life);
	b[12] = 1; /* PadN */
	b[13] = k ? 4 : 2;
	if (k) {
		b[18] = 5;
		b[19] = 12;
		authenticator(k, coa, &CN, b, 20, b + 20);
		if (corrupt)
			b[31] ^= 1;
	}
	ck_assert_int_eq(mh_parse(b, len, NULL, NULL, &m, NULL), 0);
	return mn_rr_input(T, &CN, &HOA, false, b, len, &m);
}

/* The BU's options (§6.2.6 Nonce Indices, §6.2.7 BAD), found by walking the TLVs. */
struct bu_view {
	uint16_t seq, life;
	bool a;
	uint16_t hidx, cidx;
	bool has_ni;
	size_t auth_at; /* the Authenticator's offset */
};

static struct bu_view bu_view(const struct sent *s)
{
	struct bu_view v = { 0 };
	size_t i = 12;

	v.seq = be16(s->raw + 6);
	v.a = s->raw[8] & 0x80;
	ck_assert_uint_eq(s->raw[8] & 0x40, 0); /* never H to a correspondent */
	v.life = be16(s->raw + 10);
	while (i < s->len) {
		uint8_t type = s->raw[i];

		if (type == 0) {
			i++;
			continue;
		}
		ck_assert_uint_le(i + 2 + s->raw[i + 1], s->len);
		if (type == 4) {
			ck_assert_uint_eq(s->raw[i + 1], 4);
			ck_assert_uint_eq(i % 2, 0); /* 2n */
			v.has_ni = true;
			v.hidx = be16(s->raw + i + 2);
			v.cidx = be16(s->raw + i + 4);
		} else if (type == 5) {
			ck_assert_uint_eq(s->raw[i + 1], 12);
			ck_assert_uint_eq(i % 8, 2);           /* 8n+2 */
			ck_assert_uint_eq(i + 14, s->len);     /* last, no trailing padding */
			v.auth_at = i + 2;
		}
		i += 2 + s->raw[i + 1];
	}
	ck_assert(v.has_ni);
	ck_assert_uint_ne(v.auth_at, 0);
	return v;
}

static void check_auth(const struct sent *s, const struct bu_view *v, const uint8_t k[20], const struct in6_addr *coa)
{
	uint8_t a[12];

	authenticator(k, coa, &CN, s->raw, v->auth_at, a);
	ck_assert_mem_eq(a, s->raw + v->auth_at, 12);
}

/* Away at coa: HoTI (unless home_reused) and CoTI answered; returns the BU. */
static const struct sent *run_rr(const struct in6_addr *coa, bool expect_hoti, uint16_t hidx,
				 const uint8_t *hnonce, uint16_t cidx, const uint8_t *cnonce)
{
	uint8_t ht[8], ct[8], hc[8], cc[8];
	unsigned n0 = F.n;

	mn_rr_moved(T, coa, false);
	ck_assert_int_eq(E->state, MN_RR_RR);
	ck_assert_uint_eq(F.n, n0 + (expect_hoti ? 2 : 1));
	if (expect_hoti) {
		const struct sent *h = &F.s[n0];

		ck_assert_uint_eq(h->raw[2], 1);
		ck_assert_int_eq(h->tx.path, MN_RR_PATH_TUNNEL);
		ck_assert(memcmp(&h->tx.src, &HOA, 16) == 0);
		memcpy(hc, init_cookie(h), 8);
	}
	ck_assert_uint_eq(last(2)->raw[2], 2);
	ck_assert_int_eq(last(2)->tx.path, MN_RR_PATH_DIRECT);
	ck_assert(memcmp(&last(2)->tx.src, coa, 16) == 0);
	memcpy(cc, init_cookie(last(2)), 8);
	token(coa, cnonce, 1, ct);
	ck_assert(test_msg(4, cidx, cc, ct, coa, false));
	if (expect_hoti) {
		ck_assert_uint_eq(F.n, n0 + 2); /* waits for the HoT */
		token(&HOA, hnonce, 0, ht);
		ck_assert(test_msg(3, hidx, hc, ht, &HOA, true));
	}
	return last(5);
}

START_TEST(full_exchange_against_the_rfc)
{
	uint8_t ht[8], ct[8], k[20];
	const struct sent *bu;
	struct bu_view v;

	bu = run_rr(&COA1, true, 0x1234, NONCE_A, 0x5678, NONCE_B);
	/* §11.7.2: from the CoA with a Home Address option, to the CN. */
	ck_assert_int_eq(bu->tx.path, MN_RR_PATH_HAO);
	ck_assert(memcmp(&bu->tx.src, &COA1, 16) == 0);
	ck_assert(memcmp(&bu->tx.hoa, &HOA, 16) == 0);
	v = bu_view(bu);
	ck_assert(v.a);
	ck_assert_uint_eq(v.life, 105); /* 420 s in 4-s units */
	ck_assert_uint_eq(v.hidx, 0x1234);
	ck_assert_uint_eq(v.cidx, 0x5678);
	token(&HOA, NONCE_A, 0, ht);
	token(&COA1, NONCE_B, 1, ct);
	kbm(ht, ct, k);
	check_auth(bu, &v, k, &COA1);
	ck_assert_int_eq(E->state, MN_RR_BU_SENT);

	/* A BA with a wrong authenticator, without one, or with another sequence number: ignored (§11.7.3). */
	ck_assert(!ba(0, v.seq, 100, k, &COA1, true));
	ck_assert(!ba(0, v.seq, 100, NULL, &COA1, false));
	ck_assert_uint_eq(mn_rr_drops(T, MN_RR_DROP_BA_AUTH), 2);
	ck_assert(!ba(0, v.seq + 1, 100, k, &COA1, false));
	ck_assert_uint_eq(mn_rr_drops(T, MN_RR_DROP_BA_SEQ), 1);
	ck_assert_int_eq(E->state, MN_RR_BU_SENT);
	/* The right one. */
	ck_assert(ba(0, v.seq, 100, k, &COA1, false));
	ck_assert_int_eq(E->state, MN_RR_BOUND);
	ck_assert_uint_eq(E->lifetime_granted, 400);
	ck_assert_int_eq(mn_rr_left(E, F.now), 400);
	/* A second BA for the same BU: nothing outstanding. */
	ck_assert(!ba(0, v.seq, 100, k, &COA1, false));
	ck_assert_uint_eq(F.n, 3);
}
END_TEST

/* Without the A bit (UseCnBuAck off): bound once the BU left; refreshed before the lifetime ends. */
START_TEST(no_ack_bound_and_refreshed)
{
	const struct sent *bu;
	struct bu_view v;
	usec_t t0 = F.now;

	T = mn_rr_table_free(T);
	setup_with(false);
	bu = run_rr(&COA1, true, 1, NONCE_A, 2, NONCE_B);
	v = bu_view(bu);
	ck_assert(!v.a);
	ck_assert_int_eq(E->state, MN_RR_BOUND);
	/* Refresh at 80 % of 420 s: the tokens are older than MAX_TOKEN_LIFETIME, both tests again. */
	ck_assert_uint_eq(F.timer, t0 + 336 * SEC);
	tick();
	ck_assert_int_eq(E->state, MN_RR_RR);
	ck_assert_uint_eq(F.n, 5);
	ck_assert_uint_eq(F.s[3].raw[2], 1);
	ck_assert_uint_eq(F.s[4].raw[2], 2);
}
END_TEST

/*
 * A learnt entry (mn.c's wildcard MnRoPolicy): an accepted binding arms no refresh (the caller
 * decides on the correspondent's use); mn_rr_refresh, before the expiry, sends a new BU at once
 * when the tokens are still valid (§11.7.2, §5.2.7: no new test), a greater sequence number,
 * the same authorisation; only from BOUND and away.
 */
START_TEST(learnt_refresh_on_request)
{
	uint8_t ht[8], ct[8], k[20];
	const struct sent *bu;
	struct bu_view v, v2;

	E->learnt = true;
	bu = run_rr(&COA1, true, 1, NONCE_A, 2, NONCE_B);
	v = bu_view(bu);
	ck_assert(!mn_rr_refresh(E)); /* BU_SENT */
	token(&HOA, NONCE_A, 0, ht);
	token(&COA1, NONCE_B, 1, ct);
	kbm(ht, ct, k);
	ck_assert(ba(0, v.seq, 2, k, &COA1, false)); /* 8 s */
	ck_assert_int_eq(E->state, MN_RR_BOUND);
	ck_assert_uint_eq(E->refresh_at, 0);
	ck_assert_uint_eq(F.timer, 0);
	ck_assert_uint_eq(F.n, 3);
	F.now += 5 * SEC;
	ck_assert(mn_rr_refresh(E));
	ck_assert_uint_eq(F.n, 4);
	ck_assert_uint_eq(F.s[3].raw[2], 5);
	v2 = bu_view(&F.s[3]);
	ck_assert_uint_eq(v2.seq, (uint16_t)(v.seq + 1));
	ck_assert_uint_eq(v2.hidx, 1);
	ck_assert_uint_eq(v2.cidx, 2);
	check_auth(&F.s[3], &v2, k, &COA1);
	ck_assert(ba(0, v2.seq, 2, k, &COA1, false));
	ck_assert_int_eq(E->state, MN_RR_BOUND);
	ck_assert_int_eq(mn_rr_left(E, F.now), 8);
	/* at home, or stopping: no refresh */
	mn_rr_moved(T, &HOA, true);
	ck_assert(!mn_rr_refresh(E));
}
END_TEST

START_TEST(test_messages_that_do_not_match_are_ignored)
{
	uint8_t ht[8], ct[8], hc[8], cc[8], bad[8];

	mn_rr_moved(T, &COA1, false);
	ck_assert_uint_eq(F.n, 2);
	memcpy(hc, init_cookie(&F.s[0]), 8);
	memcpy(cc, init_cookie(&F.s[1]), 8);
	ck_assert(memcmp(hc, cc, 8) != 0);
	token(&HOA, NONCE_A, 0, ht);
	token(&COA1, NONCE_B, 1, ct);
	memcpy(bad, hc, 8);
	bad[7] ^= 0x80;
	/* §11.6.2: the cookie must match; a HoT must come to the HoA through the tunnel; a CoT to the CoA. */
	ck_assert(!test_msg(3, 1, bad, ht, &HOA, true));
	ck_assert(!test_msg(3, 1, cc, ht, &HOA, true)); /* the care-of cookie in a HoT */
	ck_assert_uint_eq(mn_rr_drops(T, MN_RR_DROP_COOKIE), 2);
	ck_assert(!test_msg(3, 1, hc, ht, &HOA, false));
	ck_assert(!test_msg(4, 2, cc, ct, &COA2, false));
	ck_assert(!test_msg(4, 2, cc, ct, &HOA, true));
	ck_assert_uint_eq(mn_rr_drops(T, MN_RR_DROP_DST), 3);
	ck_assert_uint_eq(F.n, 2);
	/* From another source: no entry. */
	{
		uint8_t b[24] = { 59, 2, 3, 0 };
		struct mh_msg m;
		struct in6_addr other = CN;

		other.s6_addr[15] ^= 1;
		memcpy(b + 8, hc, 8);
		ck_assert_int_eq(mh_parse(b, sizeof(b), NULL, NULL, &m, NULL), 0);
		ck_assert(!mn_rr_input(T, &other, &HOA, true, b, sizeof(b), &m));
		ck_assert_uint_eq(mn_rr_drops(T, MN_RR_DROP_NO_ENTRY), 1);
	}
	/* The right ones; a second HoT after the token is in is ignored. */
	ck_assert(test_msg(3, 1, hc, ht, &HOA, true));
	ck_assert(!test_msg(3, 1, hc, ht, &HOA, true));
	ck_assert_uint_eq(mn_rr_drops(T, MN_RR_DROP_NOT_WAITING), 1);
	ck_assert_uint_eq(F.n, 2);
	ck_assert(test_msg(4, 2, cc, ct, &COA1, false));
	ck_assert_uint_eq(F.n, 3);
	last(5);
}
END_TEST

/* §11.8: INITIAL_BINDACK_TIMEOUT doubled up to MAX_BINDACK_TIMEOUT, a new cookie each time. */
START_TEST(retransmission_timing)
{
	usec_t t0 = F.now;
	static const unsigned at[] = { 0, 1, 3, 7, 15, 31, 63, 95, 127 };
	uint8_t seen[16][8];

	mn_rr_moved(T, &COA1, false);
	for (unsigned i = 1; i < sizeof(at) / sizeof(at[0]); i++)
		tick();
	ck_assert_uint_eq(F.n, 2 * 9);
	for (unsigned i = 0; i < 9; i++) {
		ck_assert_uint_eq(F.s[2 * i].at, t0 + at[i] * SEC);
		ck_assert_uint_eq(F.s[2 * i].raw[2], 1);
		ck_assert_uint_eq(F.s[2 * i + 1].at, t0 + at[i] * SEC);
		ck_assert_uint_eq(F.s[2 * i + 1].raw[2], 2);
		memcpy(seen[i], init_cookie(&F.s[2 * i]), 8);
		for (unsigned j = 0; j < i; j++)
			ck_assert(memcmp(seen[i], seen[j], 8) != 0);
	}
	ck_assert_uint_eq(E->ht.retransmits, 8);
	/* A CoT answering the first, stale cookie is ignored (§11.6.2). */
	{
		uint8_t ct[8];

		token(&COA1, NONCE_B, 1, ct);
		ck_assert(!test_msg(4, 2, init_cookie(&F.s[1]), ct, &COA1, false));
		ck_assert_uint_eq(mn_rr_drops(T, MN_RR_DROP_COOKIE), 1);
	}
}
END_TEST

/* The BU with the A bit: retransmitted with a greater sequence number, the same timeouts. */
START_TEST(bu_retransmission)
{
	const struct sent *bu = run_rr(&COA1, true, 1, NONCE_A, 2, NONCE_B);
	struct bu_view v0 = bu_view(bu), v;
	usec_t t0 = bu->at;

	tick();
	v = bu_view(last(5));
	ck_assert_uint_eq(last(5)->at, t0 + 1 * SEC);
	ck_assert(mh_seq_is_newer(v.seq, v0.seq));
	tick();
	ck_assert_uint_eq(last(5)->at, t0 + 3 * SEC);
	ck_assert(mh_seq_is_newer(bu_view(last(5)).seq, v.seq));
}
END_TEST

/* 136: the home test again; 137: the care-of test; 138: both (§5.2.7, §11.7.3). No BAD (§9.5.4). */
START_TEST(stale_nonce_restarts_rr)
{
	uint8_t ht[8], ct[8], ht2[8], k[20];
	const struct sent *bu = run_rr(&COA1, true, 1, NONCE_A, 2, NONCE_B);
	struct bu_view v = bu_view(bu);
	unsigned n;

	ck_assert(ba(136, v.seq, 0, NULL, NULL, false));
	ck_assert_int_eq(E->state, MN_RR_RR);
	ck_assert_uint_eq(F.n, 4);
	ck_assert_int_eq(last(1)->tx.path, MN_RR_PATH_TUNNEL);
	token(&HOA, NONCE_B, 0, ht2);
	ck_assert(test_msg(3, 7, init_cookie(last(1)), ht2, &HOA, true));
	v = bu_view(last(5));
	ck_assert_uint_eq(v.hidx, 7);
	ck_assert_uint_eq(v.cidx, 2); /* the care-of token reused */
	token(&COA1, NONCE_B, 1, ct);
	kbm(ht2, ct, k);
	check_auth(last(5), &v, k, &COA1);
	ck_assert_uint_eq(E->restarts, 1);

	ck_assert(ba(137, v.seq, 0, NULL, NULL, false));
	ck_assert_uint_eq(F.n, 6);
	ck_assert_int_eq(last(2)->tx.path, MN_RR_PATH_DIRECT);
	token(&COA1, NONCE_A, 1, ct);
	ck_assert(test_msg(4, 9, init_cookie(last(2)), ct, &COA1, false));
	v = bu_view(last(5));
	ck_assert_uint_eq(v.hidx, 7);
	ck_assert_uint_eq(v.cidx, 9);

	n = F.n;
	ck_assert(ba(138, v.seq, 0, NULL, NULL, false));
	ck_assert_uint_eq(F.n, n + 2);
	ck_assert_uint_eq(F.s[n].raw[2], 1);
	ck_assert_uint_eq(F.s[n + 1].raw[2], 2);
	(void)ht;
}
END_TEST

/* §5.2.7: on a move the home keygen token is reused while valid: CoTI only; after 210 s both. */
START_TEST(move_reruns_coti_only)
{
	uint8_t ht[8], ct[8], k[20];
	const struct sent *bu = run_rr(&COA1, true, 0x11, NONCE_A, 0x22, NONCE_B);
	struct bu_view v = bu_view(bu);

	ck_assert(ba(0, v.seq, 105, NULL, NULL, false) == false); /* needs its BAD */
	token(&HOA, NONCE_A, 0, ht);
	token(&COA1, NONCE_B, 1, ct);
	kbm(ht, ct, k);
	ck_assert(ba(0, v.seq, 105, k, &COA1, false));

	F.now += 10 * SEC;
	bu = run_rr(&COA2, false, 0, NULL, 0x33, NONCE_A);
	v = bu_view(bu);
	ck_assert(memcmp(&bu->tx.src, &COA2, 16) == 0);
	ck_assert_uint_eq(v.hidx, 0x11);
	ck_assert_uint_eq(v.cidx, 0x33);
	token(&COA2, NONCE_A, 1, ct);
	kbm(ht, ct, k);
	check_auth(bu, &v, k, &COA2);
	ck_assert(ba(0, v.seq, 105, k, &COA2, false));

	/* MAX_TOKEN_LIFETIME after the first HoTI: the next move runs both tests. */
	F.now = F.s[0].at + 210 * SEC;
	run_rr(&COA1, true, 0x44, NONCE_B, 0x55, NONCE_B);
}
END_TEST

/* §11.7.2, §11.6.1: returning home, a deregistration with the home keygen token only. */
START_TEST(home_return_deregisters)
{
	uint8_t ht[8], ct[8], k[20];
	const struct sent *bu = run_rr(&COA1, true, 0x11, NONCE_A, 0x22, NONCE_B);
	struct bu_view v = bu_view(bu);

	token(&HOA, NONCE_A, 0, ht);
	token(&COA1, NONCE_B, 1, ct);
	kbm(ht, ct, k);
	ck_assert(ba(0, v.seq, 105, k, &COA1, false));

	/* The home token is valid: the BU leaves at once, from the HoA, without a HAO. */
	mn_rr_moved(T, &HOA, true);
	bu = last(5);
	ck_assert_uint_eq(F.n, 4);
	ck_assert_int_eq(bu->tx.path, MN_RR_PATH_DIRECT);
	ck_assert(memcmp(&bu->tx.src, &HOA, 16) == 0);
	v = bu_view(bu);
	ck_assert_uint_eq(v.life, 0);
	ck_assert_uint_eq(v.hidx, 0x11);
	ck_assert_uint_eq(v.cidx, 0);
	kbm(ht, NULL, k);
	check_auth(bu, &v, k, &HOA); /* the "care-of address" is the HoA (§6.2.7) */
	ck_assert(ba(0, v.seq, 0, k, &HOA, false));
	ck_assert_int_eq(E->state, MN_RR_NONE);
	ck_assert(!E->bound);
	/* Home again with nothing bound: nothing sent. */
	mn_rr_moved(T, &HOA, true);
	ck_assert_uint_eq(F.n, 4);
}
END_TEST

START_TEST(home_return_with_an_old_token_sends_hoti_first)
{
	uint8_t ht[8], k[20];
	const struct sent *bu = run_rr(&COA1, true, 0x11, NONCE_A, 0x22, NONCE_B);
	struct bu_view v;

	F.now += 300 * SEC;
	mn_rr_moved(T, &HOA, true);
	ck_assert_uint_eq(F.n, 4); /* a HoTI only (§11.6.1), directly from the HoA */
	ck_assert_int_eq(last(1)->tx.path, MN_RR_PATH_DIRECT);
	ck_assert(memcmp(&last(1)->tx.src, &HOA, 16) == 0);
	token(&HOA, NONCE_B, 0, ht);
	ck_assert(test_msg(3, 0x66, init_cookie(last(1)), ht, &HOA, false)); /* at home: no tunnel */
	bu = last(5);
	v = bu_view(bu);
	ck_assert_uint_eq(v.life, 0);
	ck_assert_uint_eq(v.hidx, 0x66);
	kbm(ht, NULL, k);
	check_auth(bu, &v, k, &HOA);
}
END_TEST

/* §11.3.6. */
START_TEST(binding_errors)
{
	uint8_t b[24] = { 59, 2, 7, 0 };
	struct mh_msg m;
	struct in6_addr other = CN;
	unsigned n;

	run_rr(&COA1, true, 1, NONCE_A, 2, NONCE_B);
	/* status 1, from a node without an entry: ignored. */
	b[6] = 1;
	memcpy(b + 8, &HOA, 16);
	ck_assert_int_eq(mh_parse(b, sizeof(b), NULL, NULL, &m, NULL), 0);
	other.s6_addr[15] ^= 1;
	ck_assert(!mn_rr_input(T, &other, &COA1, false, b, sizeof(b), &m));
	/* From the CN: the binding is gone; a new return routability procedure, both tests. */
	n = F.n;
	ck_assert(mn_rr_input(T, &CN, &COA1, false, b, sizeof(b), &m));
	ck_assert_int_eq(E->state, MN_RR_RR);
	ck_assert_uint_eq(F.n, n + 2);
	ck_assert_uint_eq(E->restarts, 1);
	/*
	 * The CN sends one per packet with a HAO: another one while that HoTI and CoTI are both
	 * unanswered is counted and restarts nothing (no new cookies, no new messages).
	 */
	ck_assert(!mn_rr_input(T, &CN, &COA1, false, b, sizeof(b), &m));
	ck_assert_uint_eq(F.n, n + 2);
	ck_assert_uint_eq(E->restarts, 1);
	ck_assert_uint_eq(mn_rr_drops(T, MN_RR_DROP_BE_RR_RUNNING), 1);
	/*
	 * status 2 while a response is expected: no route optimisation with this CN for
	 * MN_RR_NO_MH_HOLD_USEC (anyone can send one: not for good), then RR again.
	 */
	b[6] = 2;
	ck_assert_int_eq(mh_parse(b, sizeof(b), NULL, NULL, &m, NULL), 0);
	ck_assert(mn_rr_input(T, &CN, &COA1, false, b, sizeof(b), &m));
	ck_assert_int_eq(E->state, MN_RR_DISABLED);
	ck_assert(!E->ht.outstanding && !E->ct.outstanding && !E->bu_outstanding && !E->bound);
	ck_assert_uint_eq(F.timer, F.now + MN_RR_NO_MH_HOLD_USEC);
	mn_rr_moved(T, &COA2, false);
	ck_assert_uint_eq(F.n, n + 2);
	tick();
	ck_assert_int_eq(E->state, MN_RR_RR);
	ck_assert_uint_eq(F.n, n + 4);
	ck_assert(memcmp(&last(2)->tx.src, &COA2, 16) == 0);
}
END_TEST

START_TEST(be_status_2_without_a_pending_response_is_ignored)
{
	uint8_t b[24] = { 59, 2, 7, 0, 0, 0, 2 };
	struct mh_msg m;

	T = mn_rr_table_free(T);
	setup_with(false);
	run_rr(&COA1, true, 1, NONCE_A, 2, NONCE_B);
	ck_assert_int_eq(E->state, MN_RR_BOUND);
	ck_assert_int_eq(mh_parse(b, sizeof(b), NULL, NULL, &m, NULL), 0);
	ck_assert(!mn_rr_input(T, &CN, &COA1, false, b, sizeof(b), &m));
	ck_assert_int_eq(E->state, MN_RR_BOUND);
	ck_assert_uint_eq(mn_rr_drops(T, MN_RR_DROP_BE_IGNORED), 1);
}
END_TEST

/*
 * §11.7.4: a Binding Refresh Request (§6.1.2: 8 octets, type 0) from the correspondent
 * while bound: the procedure again with the tokens still valid (none here: the BU at once),
 * with both tests once they are older than MAX_TOKEN_LIFETIME. Not bound (a procedure
 * running), or at home: ignored and counted.
 */
START_TEST(brr_from_the_correspondent)
{
	uint8_t b[8] = { 59, 0, 0, 0 };
	struct mh_msg m;
	unsigned n;

	T = mn_rr_table_free(T);
	setup_with(false);
	ck_assert_int_eq(mh_parse(b, sizeof(b), NULL, NULL, &m, NULL), 0);
	ck_assert_int_eq(m.type, MH_TYPE_BRR);
	run_rr(&COA1, true, 1, NONCE_A, 2, NONCE_B);
	ck_assert_int_eq(E->state, MN_RR_BOUND);
	n = F.n;
	ck_assert(mn_rr_input(T, &CN, &COA1, false, b, sizeof(b), &m));
	ck_assert_uint_eq(F.n, n + 1);
	ck_assert_uint_eq(last(5)->raw[2], 5);
	ck_assert_int_eq(E->state, MN_RR_BOUND); /* without A: bound when sent */
	/* The tokens too old: HoTI and CoTI first. */
	F.now += 211 * SEC;
	n = F.n;
	ck_assert(mn_rr_input(T, &CN, &COA1, false, b, sizeof(b), &m));
	ck_assert_int_eq(E->state, MN_RR_RR);
	ck_assert_uint_eq(F.n, n + 2);
	ck_assert_uint_eq(F.s[n].raw[2], 1);
	ck_assert_uint_eq(F.s[n + 1].raw[2], 2);
	/* Not bound: ignored, counted. */
	ck_assert(!mn_rr_input(T, &CN, &COA1, false, b, sizeof(b), &m));
	ck_assert_uint_eq(F.n, n + 2);
	ck_assert_uint_eq(mn_rr_drops(T, MN_RR_DROP_NOT_WAITING), 1);
	/* At home: ignored. */
	mn_rr_moved(T, &HOA, true);
	n = F.n;
	ck_assert(!mn_rr_input(T, &CN, &HOA, false, b, sizeof(b), &m));
	ck_assert_uint_eq(F.n, n);
	ck_assert_uint_eq(mn_rr_drops(T, MN_RR_DROP_NOT_WAITING), 2);
}
END_TEST

/* Refused (not 135-138): retried after MAX_BINDACK_TIMEOUT, then no more after MAX_RO_FAILURE. */
START_TEST(refusals_disable)
{
	uint8_t ht[8], ct[8], k[20];

	token(&HOA, NONCE_A, 0, ht);
	token(&COA1, NONCE_B, 1, ct);
	kbm(ht, ct, k);
	ck_assert(ba(129, 0, 0, k, &COA1, false) == false); /* nothing outstanding yet */
	run_rr(&COA1, true, 1, NONCE_A, 2, NONCE_B);
	for (unsigned i = 0; i < MN_RR_MAX_RO_FAILURE; i++) {
		struct bu_view v = bu_view(last(5));

		if (i) {
			kbm(ht, ct, k);
		}
		ck_assert(ba(129, v.seq, 0, k, &COA1, false));
		if (i + 1 == MN_RR_MAX_RO_FAILURE)
			break;
		ck_assert_int_eq(E->state, MN_RR_FAILED);
		ck_assert_uint_eq(F.timer, F.now + 32 * SEC);
		tick();
		/* tokens still valid: the BU again at once */
		ck_assert_uint_eq(last(5)->at, F.now);
	}
	ck_assert_int_eq(E->state, MN_RR_DISABLED);
}
END_TEST

/*
 * RFC 6275 §9.5.1: a 135 carries the CN's last accepted sequence number (here far from the BU's,
 * as after the MN restarted and the CN remembers a deleted binding, §9.5.3); authenticated, the
 * MN takes it and sends the next one (§11.7.3); with a wrong authenticator it is ignored.
 */
START_TEST(seq_out_of_window_resyncs)
{
	uint8_t ht[8], ct[8], k[20];
	struct bu_view v;
	uint16_t cn_last;

	token(&HOA, NONCE_A, 0, ht);
	token(&COA1, NONCE_B, 1, ct);
	kbm(ht, ct, k);
	v = bu_view(run_rr(&COA1, true, 1, NONCE_A, 2, NONCE_B));
	cn_last = (uint16_t)(v.seq + 0x9000);
	ck_assert(!ba(135, cn_last, 0, k, &COA1, true)); /* forged: ignored */
	ck_assert_uint_eq(bu_view(last(5)).seq, v.seq);
	ck_assert(ba(135, cn_last, 0, k, &COA1, false));
	ck_assert_int_eq(E->state, MN_RR_BU_SENT);
	ck_assert_uint_eq(bu_view(last(5)).seq, (uint16_t)(cn_last + 1));
	ck_assert(ba(0, (uint16_t)(cn_last + 1), 16, k, &COA1, false));
	ck_assert_int_eq(E->state, MN_RR_BOUND);
}
END_TEST

/* §11.7.2: the lifetime asked is at most what is left of the home registration. */
START_TEST(lifetime_capped_by_the_home_registration)
{
	mn_rr_set_home_expiry(T, F.now + 101 * SEC);
	ck_assert_uint_eq(bu_view(run_rr(&COA1, true, 1, NONCE_A, 2, NONCE_B)).life, 25); /* 101 s left: 25 units, not 26 */
	mn_rr_set_home_expiry(T, F.now + 1 * SEC);
	ck_assert_uint_eq(bu_view(run_rr(&COA2, false, 0, NULL, 3, NONCE_A)).life, 1);
	mn_rr_set_home_expiry(T, 0);
	ck_assert_uint_eq(bu_view(run_rr(&COA1, false, 0, NULL, 4, NONCE_B)).life, 105);
}
END_TEST

/* The policy hook: DoRouteOptimizationMN and MnRoPolicy; nothing written: no RO. */
START_TEST(policy)
{
	struct mip6_config c = { .do_route_optimization_mn = true };
	struct conf_ro_policy pol[2] = { 0 };
	struct conf_home_link hl = { 0 };
	struct in6_addr x;

	inet_pton(AF_INET6, "2001:db8:9::7", &x);
	ck_assert(!mn_rr_policy_allows(&c, &hl, &CN));
	pol[0].addr = CN;
	pol[0].enabled = true;
	hl.ro_policies = pol;
	hl.n_ro_policies = 1;
	ck_assert(mn_rr_policy_allows(&c, &hl, &CN));
	ck_assert(!mn_rr_policy_allows(&c, &hl, &x));
	pol[1].any = true;
	pol[1].enabled = true;
	hl.n_ro_policies = 2;
	ck_assert(mn_rr_policy_allows(&c, &hl, &x));
	pol[0].enabled = false; /* the named entry wins over "any" */
	ck_assert(!mn_rr_policy_allows(&c, &hl, &CN));
	c.do_route_optimization_mn = false;
	ck_assert(!mn_rr_policy_allows(&c, &hl, &x));
}
END_TEST

/* §11.8 MAX_UPDATE_RATE: a burst of 136s does not send more than 3 HoTIs within a second. */
START_TEST(rate_limit_per_type)
{
	uint8_t ht[8];
	unsigned hotis = 0;
	usec_t t0;

	run_rr(&COA1, true, 1, NONCE_A, 2, NONCE_B);
	t0 = F.s[0].at;
	for (unsigned i = 0; i < 3; i++) {
		ck_assert(ba(136, bu_view(last(5)).seq, 0, NULL, NULL, false));
		if (i == 2)
			break;
		token(&HOA, NONCE_A, 0, ht);
		ck_assert(test_msg(3, 1, init_cookie(last(1)), ht, &HOA, true));
	}
	for (unsigned i = 0; i < F.n; i++)
		if (F.s[i].raw[2] == 1 && F.s[i].at < t0 + SEC)
			hotis++;
	ck_assert_uint_eq(hotis, 3);
	/* The fourth leaves when the first is a second old. */
	ck_assert_uint_eq(F.timer, t0 + SEC);
	tick();
	ck_assert_uint_eq(last(1)->at, t0 + SEC);
}
END_TEST


/* ---- ICMPv6 Parameter Problems (RFC 6275 §11.3.5) ------------------------------------------ */

/*
 * An ICMPv6 Parameter Problem (RFC 4443 §3.4) as the correspondent's kernel sends it, laid out
 * here: Type 4, Code, Checksum (verified by the kernel: 0), Pointer; then the invoking packet:
 * the IPv6 header (RFC 8200 §3: version 6, payload length, Next Header, hop limit 64, source,
 * destination); with hao a Destination Options header (RFC 6275 §6.3: Next Header 135,
 * Hdr Ext Len 2, PadN of 2 octets, the Home Address option at 8n+6: type 201, length 16, the
 * address), so the MH's Next Header is at 40 and the option at 46; then the Mobility Header
 * mh[0..mh_len) as it left. Returns the length.
 */
static size_t pp(uint8_t *b, uint8_t code, uint32_t ptr, const struct in6_addr *src, const struct in6_addr *dst,
		 const struct in6_addr *hao, const uint8_t *mh, size_t mh_len)
{
	size_t n = 8 + 40, ext = hao ? 24 : 0;

	memset(b, 0, 8 + 40 + ext + mh_len);
	b[0] = 4;
	b[1] = code;
	b[4] = ptr >> 24;
	b[5] = ptr >> 16;
	b[6] = ptr >> 8;
	b[7] = ptr;
	b[8] = 0x60;
	put16(b + 8 + 4, (uint16_t)(ext + mh_len));
	b[8 + 6] = hao ? 60 : 135;
	b[8 + 7] = 64;
	memcpy(b + 8 + 8, src, 16);
	memcpy(b + 8 + 24, dst, 16);
	if (hao) {
		uint8_t *d = b + n;

		d[0] = 135;
		d[1] = 2;
		d[2] = 1; /* PadN */
		d[3] = 2;
		d[6] = 201;
		d[7] = 16;
		memcpy(d + 8, hao, 16);
		n += 24;
	}
	memcpy(b + n, mh, mh_len);
	return n + mh_len;
}

/* The Parameter Problem b[0..len) to dst through the real parser. */
static enum mn_rr_pp pp_in(const uint8_t *b, size_t len, const struct in6_addr *dst)
{
	struct ndisc_param_problem m;
	struct mn_rr_entry *e;

	ck_assert_int_eq(ndisc_param_problem_parse(b, len, &m), 0);
	return mn_rr_param_problem(T, dst, &m, &e);
}

/* Code 1 for our HoTI: no RO with the CN for the hold time, nothing sent meanwhile, then RR again. */
START_TEST(pp_code_1_for_the_hoti)
{
	uint8_t b[256], hoti[16];
	size_t len;
	unsigned n;

	mn_rr_moved(T, &COA1, false);
	ck_assert_uint_eq(F.n, 2);
	ck_assert_uint_eq(F.s[0].raw[2], 1);
	memcpy(hoti, F.s[0].raw, 16);
	len = pp(b, 1, 6, &HOA, &CN, NULL, hoti, 16);
	ck_assert_int_eq(pp_in(b, len, &HOA), MN_RR_PP_NO_MH);
	ck_assert_int_eq(E->state, MN_RR_DISABLED);
	ck_assert(!E->ht.outstanding && !E->ct.outstanding && !E->bu_outstanding && !E->bound);
	ck_assert(!mn_rr_ro_usable(E, &COA1, F.now));
	ck_assert_uint_eq(mn_rr_pp_taken(T, false), 1);
	ck_assert_uint_eq(F.timer, F.now + MN_RR_NO_MH_HOLD_USEC);
	/* A second copy: the entry is already off (no entry is ever created, §11.3.5). */
	ck_assert_int_eq(pp_in(b, len, &HOA), MN_RR_PP_IGNORED);
	ck_assert_uint_eq(mn_rr_pp_taken(T, false), 1);
	/* Nothing goes to it while held: no move, no test message restarts it. */
	mn_rr_moved(T, &COA2, false);
	ck_assert_uint_eq(F.n, 2);
	ck_assert_uint_eq(F.timer, F.now + MN_RR_NO_MH_HOLD_USEC);
	/* §11.3.5: "removed after a period of time in order to allow for retrying": HoTI and CoTI again. */
	n = F.n;
	tick();
	ck_assert_int_eq(E->state, MN_RR_RR);
	ck_assert_uint_eq(F.n, n + 2);
	ck_assert(memcmp(&last(2)->tx.src, &COA2, 16) == 0);
}
END_TEST

/* The hold ends at home: nothing to register, nothing sent. */
START_TEST(pp_hold_ends_at_home)
{
	uint8_t b[256], coti[16];
	size_t len;

	mn_rr_moved(T, &COA1, false);
	memcpy(coti, F.s[1].raw, 16);
	ck_assert_uint_eq(coti[2], 2);
	len = pp(b, 1, 6, &COA1, &CN, NULL, coti, 16);
	ck_assert_int_eq(pp_in(b, len, &COA1), MN_RR_PP_NO_MH);
	mn_rr_moved(T, &HOA, true);
	tick();
	ck_assert_int_eq(E->state, MN_RR_NONE);
	ck_assert_uint_eq(F.n, 2);
	ck_assert_uint_eq(E->armed, 0);
}
END_TEST

/* A retransmitted HoTI has a new cookie; an error for the one before still counts, not older ones. */
START_TEST(pp_previous_cookie)
{
	uint8_t b[256], first[16], second[16];
	size_t len;

	mn_rr_moved(T, &COA1, false);
	memcpy(first, F.s[0].raw, 16);
	tick(); /* 1 s: HoTI and CoTI again */
	ck_assert_uint_eq(F.n, 4);
	memcpy(second, F.s[2].raw, 16);
	ck_assert(memcmp(first + 8, second + 8, 8) != 0);
	tick(); /* 3 s: a third cookie; the first is two back */
	len = pp(b, 1, 6, &HOA, &CN, NULL, first, 16);
	ck_assert_int_eq(pp_in(b, len, &HOA), MN_RR_PP_IGNORED);
	len = pp(b, 1, 6, &HOA, &CN, NULL, second, 16);
	ck_assert_int_eq(pp_in(b, len, &HOA), MN_RR_PP_NO_MH);
}
END_TEST

/* What an off-path sender cannot match, or what is not about our message, changes nothing. */
START_TEST(pp_forged_or_foreign_ignored)
{
	uint8_t b[256], hoti[16], coti[16], x[16];
	struct in6_addr other = CN;
	size_t len;
	unsigned dropped = 0;

	other.s6_addr[15] ^= 1;
	mn_rr_moved(T, &COA1, false);
	memcpy(hoti, F.s[0].raw, 16);
	memcpy(coti, F.s[1].raw, 16);
#define IGNORED(expr)                                                                 \
	do {                                                                          \
		len = (expr);                                                         \
		ck_assert_int_eq(pp_in(b, len, dst), MN_RR_PP_IGNORED);               \
		ck_assert_uint_eq(mn_rr_drops(T, MN_RR_DROP_PP_UNMATCHED), ++dropped); \
		ck_assert_int_eq(E->state, MN_RR_RR);                                 \
	} while (0)
	const struct in6_addr *dst = &HOA;
	/* a guessed cookie */
	memcpy(x, hoti, 16);
	x[15] ^= 1;
	IGNORED(pp(b, 1, 6, &HOA, &CN, NULL, x, 16));
	/* the Pointer elsewhere than the Next Header naming the MH */
	IGNORED(pp(b, 1, 7, &HOA, &CN, NULL, hoti, 16));
	IGNORED(pp(b, 1, 0, &HOA, &CN, NULL, hoti, 16));
	/* Code 0 (erroneous header field) and code 2 without a HAO */
	IGNORED(pp(b, 0, 6, &HOA, &CN, NULL, hoti, 16));
	IGNORED(pp(b, 2, 6, &HOA, &CN, NULL, hoti, 16));
	/* the MH cut before the cookie ends */
	IGNORED(pp(b, 1, 6, &HOA, &CN, NULL, hoti, 15));
	/* another correspondent (no entry) */
	IGNORED(pp(b, 1, 6, &HOA, &other, NULL, hoti, 16));
	/* our HoTI's source, but the error sent to another of our addresses */
	dst = &COA1;
	IGNORED(pp(b, 1, 6, &HOA, &CN, NULL, hoti, 16));
	/* the CoTI's cookie in a packet from the HoA; the HoTI's from the CoA */
	IGNORED(pp(b, 1, 6, &COA1, &CN, NULL, hoti, 16));
	dst = &HOA;
	IGNORED(pp(b, 1, 6, &HOA, &CN, NULL, coti, 16));
	/* the CoTI from another care-of address than the one it left from */
	dst = &COA2;
	IGNORED(pp(b, 1, 6, &COA2, &CN, NULL, coti, 16));
	/* a HoTI never carries a Home Address option */
	dst = &HOA;
	IGNORED(pp(b, 1, 40, &HOA, &CN, &HOA, hoti, 16));
	/* another upper layer (UDP) named at 6 */
	len = pp(b, 1, 6, &HOA, &CN, NULL, hoti, 16);
	b[8 + 6] = 17;
	ck_assert_int_eq(pp_in(b, len, dst), MN_RR_PP_IGNORED);
	ck_assert_uint_eq(mn_rr_drops(T, MN_RR_DROP_PP_UNMATCHED), ++dropped);
	ck_assert_uint_eq(mn_rr_pp_taken(T, false), 0);
	ck_assert_uint_eq(mn_rr_pp_taken(T, true), 0);
	ck_assert_uint_eq(F.n, 2);
#undef IGNORED
}
END_TEST

/* Code 1 for our BU (from the CoA with our HoA in a HAO, §11.7.2): matched by sequence number and authenticator. */
START_TEST(pp_code_1_for_the_bu)
{
	uint8_t b[256], bu[64];
	const struct sent *s;
	size_t len, bl;

	T = mn_rr_table_free(T);
	setup_with(false); /* no A bit: bound as the BU leaves */
	s = run_rr(&COA1, true, 1, NONCE_A, 2, NONCE_B);
	ck_assert_int_eq(E->state, MN_RR_BOUND);
	ck_assert(mn_rr_ro_usable(E, &COA1, F.now));
	bl = s->len;
	memcpy(bu, s->raw, bl);
	/* Its Next Header field is the Destination Options header's (40), not the IPv6 header's. */
	len = pp(b, 1, 6, &COA1, &CN, &HOA, bu, bl);
	ck_assert_int_eq(pp_in(b, len, &COA1), MN_RR_PP_IGNORED);
	/* Another authenticator, another sequence number, without the HAO, another HoA in it. */
	bu[bl - 1] ^= 1;
	len = pp(b, 1, 40, &COA1, &CN, &HOA, bu, bl);
	ck_assert_int_eq(pp_in(b, len, &COA1), MN_RR_PP_IGNORED);
	bu[bl - 1] ^= 1;
	bu[7] ^= 1;
	len = pp(b, 1, 40, &COA1, &CN, &HOA, bu, bl);
	ck_assert_int_eq(pp_in(b, len, &COA1), MN_RR_PP_IGNORED);
	bu[7] ^= 1;
	len = pp(b, 1, 6, &COA1, &CN, NULL, bu, bl);
	ck_assert_int_eq(pp_in(b, len, &COA1), MN_RR_PP_IGNORED);
	len = pp(b, 1, 40, &COA1, &CN, &COA2, bu, bl);
	ck_assert_int_eq(pp_in(b, len, &COA1), MN_RR_PP_IGNORED);
	/* Cut before the authenticator ends. */
	len = pp(b, 1, 40, &COA1, &CN, &HOA, bu, bl - 1);
	ck_assert_int_eq(pp_in(b, len, &COA1), MN_RR_PP_IGNORED);
	ck_assert_int_eq(E->state, MN_RR_BOUND);
	/*
	 * The BU as it left: it matches, but this correspondent answered our HoTI and CoTI, so
	 * it knows the MH: a transient error (its daemon restarting), not followed, counted.
	 */
	len = pp(b, 1, 40, &COA1, &CN, &HOA, bu, bl);
	ck_assert_int_eq(pp_in(b, len, &COA1), MN_RR_PP_IGNORED);
	ck_assert_uint_eq(mn_rr_drops(T, MN_RR_DROP_PP_MH_SEEN), 1);
	ck_assert_int_eq(E->state, MN_RR_BOUND);
	ck_assert(mn_rr_ro_usable(E, &COA1, F.now));
	/* Without that history (a fresh entry, the same BU bytes): route optimisation off. */
	E->mh_seen = false;
	ck_assert_int_eq(pp_in(b, len, &COA1), MN_RR_PP_NO_MH);
	ck_assert_int_eq(E->state, MN_RR_DISABLED);
	ck_assert(!E->bound);
	ck_assert(!mn_rr_ro_usable(E, &COA1, F.now));
}

/* A correspondent that answered before and then sends code 1 (its daemon restarting): retransmissions go on. */
START_TEST(pp_from_a_known_correspondent_is_transient)
{
	uint8_t b[256], coti[16];
	size_t len;
	unsigned n;

	run_rr(&COA1, true, 1, NONCE_A, 2, NONCE_B);
	ck_assert(E->mh_seen);
	/* A new procedure (a move), the daemon gone at the CN: its kernel answers both. */
	n = F.n;
	mn_rr_moved(T, &COA2, false);
	ck_assert_uint_eq(F.n, n + 1); /* the home token is reused: a CoTI */
	memcpy(coti, last(2)->raw, 16);
	len = pp(b, 1, 6, &COA2, &CN, NULL, coti, 16);
	ck_assert_int_eq(pp_in(b, len, &COA2), MN_RR_PP_IGNORED);
	ck_assert_uint_eq(mn_rr_drops(T, MN_RR_DROP_PP_MH_SEEN), 1);
	ck_assert_uint_eq(mn_rr_pp_taken(T, false), 0);
	ck_assert_int_eq(E->state, MN_RR_RR);
	tick(); /* retransmitted */
	ck_assert_uint_eq(F.n, n + 2);
	ck_assert_uint_eq(last(2)->raw[2], 2);
}
END_TEST
END_TEST

/* Code 2 for our Home Address option: counted for the caller to log; nothing else changes (§11.3.5). */
START_TEST(pp_code_2_for_the_hao)
{
	uint8_t b[256], udp[16] = { 0x30, 0x39, 0x00, 0x35, 0x00, 0x10 };
	size_t len;

	T = mn_rr_table_free(T);
	setup_with(false);
	run_rr(&COA1, true, 1, NONCE_A, 2, NONCE_B);
	/* A data packet with our HAO, to the CN: its UDP header where the MH would be. */
	len = pp(b, 2, 46, &COA1, &CN, &HOA, udp, sizeof(udp));
	b[8 + 40] = 17;
	ck_assert_int_eq(pp_in(b, len, &COA1), MN_RR_PP_NO_HAO);
	ck_assert_uint_eq(mn_rr_pp_taken(T, true), 1);
	ck_assert_int_eq(E->state, MN_RR_BOUND);
	ck_assert(mn_rr_ro_usable(E, &COA1, F.now));
	/* Pointing elsewhere, another HoA, from an old care-of address: ignored. */
	len = pp(b, 2, 40, &COA1, &CN, &HOA, udp, sizeof(udp));
	ck_assert_int_eq(pp_in(b, len, &COA1), MN_RR_PP_IGNORED);
	len = pp(b, 2, 46, &COA1, &CN, &COA2, udp, sizeof(udp));
	ck_assert_int_eq(pp_in(b, len, &COA1), MN_RR_PP_IGNORED);
	len = pp(b, 2, 46, &COA2, &CN, &HOA, udp, sizeof(udp));
	ck_assert_int_eq(pp_in(b, len, &COA2), MN_RR_PP_IGNORED);
	ck_assert_uint_eq(mn_rr_pp_taken(T, true), 1);
	ck_assert_uint_eq(mn_rr_drops(T, MN_RR_DROP_PP_UNMATCHED), 3);
}
END_TEST


/* ---- stop: deregistration of the correspondents (RFC 6275 §11.7.2) ------------------------- */

/*
 * On stop, away: the bound correspondent gets one BU with lifetime 0 from the CoA with the HAO,
 * the home nonce index, care-of nonce index 0, and the authenticator computed here with
 * Kbm = SHA1(home keygen token) over home address | correspondent | MH Data (§5.2.5, §6.2.7);
 * a correspondent without a binding gets nothing; nothing is retransmitted or restarted after.
 */
START_TEST(stop_deregisters_bound_correspondents)
{
	uint8_t ht[8], ct[8], k[20];
	const struct sent *bu = run_rr(&COA1, true, 0x11, NONCE_A, 0x22, NONCE_B);
	struct bu_view v = bu_view(bu);
	struct mn_rr_entry *e2;
	struct in6_addr cn2 = CN;
	unsigned n;

	token(&HOA, NONCE_A, 0, ht);
	token(&COA1, NONCE_B, 1, ct);
	kbm(ht, ct, k);
	ck_assert(ba(0, v.seq, 105, k, &COA1, false));
	ck_assert_int_eq(E->state, MN_RR_BOUND);
	/* A second correspondent, its procedure running: no binding there. */
	cn2.s6_addr[15] ^= 1;
	ck_assert_int_eq(mn_rr_add(T, &cn2, &e2), 0);
	ck_assert_int_eq(e2->state, MN_RR_RR);
	ck_assert(!e2->bound);
	n = F.n;
	F.now += 10 * SEC;
	ck_assert_uint_eq(mn_rr_stop(T), 1);
	ck_assert_uint_eq(F.n, n + 1);
	bu = last(5);
	ck_assert_int_eq(bu->tx.path, MN_RR_PATH_HAO);
	ck_assert(memcmp(&bu->tx.src, &COA1, 16) == 0);
	ck_assert(memcmp(&bu->tx.hoa, &HOA, 16) == 0);
	v = bu_view(bu);
	ck_assert_uint_eq(v.life, 0);
	ck_assert(v.a);
	ck_assert_uint_eq(v.hidx, 0x11);
	ck_assert_uint_eq(v.cidx, 0);
	kbm(ht, NULL, k);
	check_auth(bu, &v, k, &HOA);
	ck_assert(!mn_rr_ro_usable(E, &COA1, F.now));
	ck_assert_uint_eq(mn_rr_stop_pending(T), 1);
	/* Nothing else leaves: no retransmission, no move restarts a procedure. */
	F.now += 40 * SEC;
	mn_rr_timer_fired(E);
	mn_rr_timer_fired(e2);
	mn_rr_moved(T, &COA2, false);
	ck_assert_uint_eq(F.n, n + 1);
	/* The BA (its authenticator with the same Kbm and address): done. */
	ck_assert(ba(0, v.seq, 0, k, &HOA, false));
	ck_assert_int_eq(E->state, MN_RR_NONE);
	ck_assert(!E->bound);
	ck_assert_uint_eq(mn_rr_stop_pending(T), 0);
	ck_assert_uint_eq(F.n, n + 1);
	/* A second stop does nothing. */
	ck_assert_uint_eq(mn_rr_stop(T), 0);
}
END_TEST

/* Without the A bit: the BU leaves, nothing is awaited. */
START_TEST(stop_without_ack_waits_for_nothing)
{
	uint8_t ht[8], k[20];
	const struct sent *bu;
	struct bu_view v;

	T = mn_rr_table_free(T);
	setup_with(false);
	run_rr(&COA1, true, 0x11, NONCE_A, 0x22, NONCE_B);
	ck_assert_int_eq(E->state, MN_RR_BOUND);
	ck_assert_uint_eq(mn_rr_stop(T), 1);
	ck_assert_uint_eq(mn_rr_stop_pending(T), 0);
	bu = last(5);
	v = bu_view(bu);
	ck_assert(!v.a);
	ck_assert_uint_eq(v.life, 0);
	token(&HOA, NONCE_A, 0, ht);
	kbm(ht, NULL, k);
	check_auth(bu, &v, k, &HOA);
	ck_assert_int_eq(E->state, MN_RR_NONE);
}
END_TEST

/* A home keygen token too old (§5.2.7), at home, or nothing bound: no BU (no new procedure on stop). */
START_TEST(stop_sends_nothing_it_cannot_authorise)
{
	unsigned n;

	run_rr(&COA1, true, 0x11, NONCE_A, 0x22, NONCE_B);
	F.now += MN_RR_MAX_TOKEN_LIFETIME_USEC;
	n = F.n;
	ck_assert_uint_eq(mn_rr_stop(T), 0);
	ck_assert_uint_eq(mn_rr_stop_pending(T), 0);
	ck_assert_uint_eq(F.n, n);
	T = mn_rr_table_free(T);
	setup();
	ck_assert_uint_eq(mn_rr_stop(T), 0); /* at home, never moved */
	ck_assert_uint_eq(F.n, 0);
}
END_TEST

/*
 * The table's creation did OpenSSL's lazy set-up (rr_crypto_prepare, its known answers
 * checked): the first BU's Kbm and authenticator do not wait for it (0.15–0.17 s under TCG).
 */
START_TEST(crypto_prepared_with_the_table)
{
	ck_assert(rr_crypto_ready());
	ck_assert_int_eq(rr_crypto_prepare(), 0); /* idempotent */
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("mn-rr");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, full_exchange_against_the_rfc);
	tcase_add_test(tc, no_ack_bound_and_refreshed);
	tcase_add_test(tc, learnt_refresh_on_request);
	tcase_add_test(tc, test_messages_that_do_not_match_are_ignored);
	tcase_add_test(tc, retransmission_timing);
	tcase_add_test(tc, bu_retransmission);
	tcase_add_test(tc, stale_nonce_restarts_rr);
	tcase_add_test(tc, move_reruns_coti_only);
	tcase_add_test(tc, home_return_deregisters);
	tcase_add_test(tc, home_return_with_an_old_token_sends_hoti_first);
	tcase_add_test(tc, binding_errors);
	tcase_add_test(tc, be_status_2_without_a_pending_response_is_ignored);
	tcase_add_test(tc, brr_from_the_correspondent);
	tcase_add_test(tc, refusals_disable);
	tcase_add_test(tc, seq_out_of_window_resyncs);
	tcase_add_test(tc, policy);
	tcase_add_test(tc, lifetime_capped_by_the_home_registration);
	tcase_add_test(tc, rate_limit_per_type);
	tcase_add_test(tc, pp_code_1_for_the_hoti);
	tcase_add_test(tc, pp_hold_ends_at_home);
	tcase_add_test(tc, pp_previous_cookie);
	tcase_add_test(tc, pp_forged_or_foreign_ignored);
	tcase_add_test(tc, pp_code_1_for_the_bu);
	tcase_add_test(tc, pp_code_2_for_the_hao);
	tcase_add_test(tc, pp_from_a_known_correspondent_is_transient);
	tcase_add_test(tc, stop_deregisters_bound_correspondents);
	tcase_add_test(tc, stop_without_ack_waits_for_nothing);
	tcase_add_test(tc, stop_sends_nothing_it_cannot_authorise);
	tcase_add_test(tc, crypto_prepared_with_the_table);
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
