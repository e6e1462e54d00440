/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The correspondent node (RFC 6275 §9.4, §9.5) driven through its real
 * handlers with fake I/O, checked against values this test computes itself
 * with OpenSSL's HMAC() and SHA1() from the RFC's formulas:
 *
 *   home keygen token    = First(64, HMAC_SHA1(Kcn, home address | nonce | 0))   §5.2.5
 *   care-of keygen token = First(64, HMAC_SHA1(Kcn, care-of address | nonce | 1))
 *   Kbm                  = SHA1(home keygen token | care-of keygen token)      §5.2.5
 *                          SHA1(home keygen token) for a deletion               §5.2.6
 *   Authenticator        = First(96, HMAC_SHA1(Kbm, care-of address | correspondent
 *                          | MH Data)), checksum taken as 0, the Authenticator
 *                          itself excluded                                      §6.2.7
 *
 * Messages are laid out by hand from §6.1.3-§6.1.8 and §6.2.6-§6.2.7 (not
 * with our encoder), and the HoT, CoT and BA bytes the CN emits are read by
 * hand. Kcn and the nonces come from a random source the test supplies: the
 * role draws the first nonce index (2 octets), then a nonce (8) and a Kcn
 * (20) for each new nonce; the test keeps every draw and tells them apart
 * by length. Time is a test clock (the role's hook), so nonce ages of
 * minutes are exercised without waiting.
 */
#include <arpa/inet.h>
#include <check.h>
#include <json-c/json.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cn/cn.h"
#include "cn/rr-keygen.h"
#include "conf/conf.h"
#include "io/io.h"
#include "manager.h"
#include "netlink/nl-kernel.h"
#include "event-loop.h"

#define HOA "2001:db8:1::100"
#define COA "2001:db8:2::100"
#define COA2 "2001:db8:3::100"
#define CN "2001:db8:9::9"
#define MAX_SENT 64
#define MAX_NONCES 128
#define MAX_XFRM 256

/* An XFRM request the role sent to the (fake) kernel, kept as bytes. */
struct xreq {
	uint16_t type;
	uint8_t buf[512];
	size_t len;
};

struct sent {
	uint8_t buf[128];
	size_t len;
	struct in6_addr src, dst, rh2;
	bool has_rh2;
};

static struct {
	struct manager *m;
	struct sent sent[MAX_SENT];
	unsigned n_sent;
	unsigned n_seen; /* messages check_ba() has looked at */
	usec_t now;
	uint8_t rand_byte;
	uint16_t first_index;
	unsigned n_nonces, n_kcn;
	uint8_t nonce[MAX_NONCES][8];
	uint8_t kcn[MAX_NONCES][20];
	struct xreq x[MAX_XFRM];
	unsigned n_x;
	uint16_t fail_type; /* the fake kernel answers fail_errno to this XFRM type of fail_proto */
	uint8_t fail_proto;
	int fail_errno;
	uint64_t sa_packets; /* the route2 state's curlft.packets the fake kernel reports (GETSA) */
	unsigned n_getsa;
} F;

static size_t cache_max; /* the next setup's binding cache limit (0: the role's default) */

static struct in6_addr A(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static usec_t fake_now(void *ud)
{
	(void)ud;
	return F.now;
}

/* Known bytes (a counter), every draw recorded: index (2), nonce (8), Kcn (20). */
static int fake_rand(void *buf, size_t len, void *ud)
{
	uint8_t *b = buf;

	(void)ud;
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(F.rand_byte++ * 37 + 11);
	if (len == 2)
		F.first_index = (uint16_t)(b[0] | b[1] << 8); /* host order, as the role reads it */
	else if (len == 8 && F.n_nonces < MAX_NONCES)
		memcpy(F.nonce[F.n_nonces++], b, 8);
	else if (len == 20 && F.n_kcn < MAX_NONCES)
		memcpy(F.kcn[F.n_kcn++], b, 20);
	else
		ck_abort_msg("unexpected random draw of %zu octets", len);
	return 0;
}

static void capture(const struct io_sent *s, void *ud)
{
	struct sent *c;

	(void)ud;
	ck_assert_uint_lt(F.n_sent, MAX_SENT);
	ck_assert_int_eq(s->proto, IPPROTO_MH);
	c = &F.sent[F.n_sent++];
	ck_assert_uint_le(s->len, sizeof(c->buf));
	memcpy(c->buf, s->buf, s->len);
	c->len = s->len;
	c->src = s->src;
	c->dst = s->dst;
	c->has_rh2 = s->has_rh2;
	c->rh2 = s->rh2;
}

/* The id.proto of a NEWSA/UPDSA/DELSA/GETSA request, 0 for anything else. */
static uint8_t sa_proto(uint16_t type, const uint8_t *msg, size_t len)
{
	struct xfrm_usersa_info sa;
	struct xfrm_usersa_id id;

	if ((type == XFRM_MSG_NEWSA || type == XFRM_MSG_UPDSA) && len >= NLMSG_HDRLEN + sizeof(sa)) {
		memcpy(&sa, msg + NLMSG_HDRLEN, sizeof(sa));
		return sa.id.proto;
	}
	if ((type == XFRM_MSG_DELSA || type == XFRM_MSG_GETSA) && len >= NLMSG_HDRLEN + sizeof(id)) {
		memcpy(&id, msg + NLMSG_HDRLEN, sizeof(id));
		return id.proto;
	}
	return 0;
}

/*
 * The kernel's answer to XFRM_MSG_GETSA (linux/xfrm.h): XFRM_MSG_NEWSA with the state's
 * xfrm_usersa_info, its id and source from the request, curlft.packets = F.sa_packets.
 */
static void getsa_reply(const uint8_t *msg, size_t len)
{
	uint8_t b[NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct xfrm_usersa_info))] = { 0 };
	struct nlmsghdr h = { .nlmsg_len = sizeof(b), .nlmsg_type = XFRM_MSG_NEWSA };
	struct xfrm_usersa_info sa = { .family = AF_INET6, .mode = XFRM_MODE_ROUTEOPTIMIZATION };
	struct xfrm_usersa_id id;
	const uint8_t *src = msg + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(id)) + 4;

	F.n_getsa++;
	ck_assert_uint_ge(len, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(id)) + 4 + 16);
	memcpy(&id, msg + NLMSG_HDRLEN, sizeof(id));
	memcpy(&h.nlmsg_seq, msg + 8, 4);
	memcpy(&sa.id.daddr, &id.daddr, sizeof(id.daddr));
	sa.id.spi = id.spi;
	sa.id.proto = id.proto;
	memcpy(&sa.saddr, src, 16);
	sa.curlft.packets = F.sa_packets;
	sa.curlft.bytes = F.sa_packets * 100;
	memcpy(b, &h, sizeof(h));
	memcpy(b + NLMSG_HDRLEN, &sa, sizeof(sa));
	ck_assert_int_eq(knl_sock_fake_reply(knl_get_socket(io_knl(F.m->io), KNL_SOCKET_XFRM), b, sizeof(b)), 0);
}

static int fake_kernel(int protocol, const uint8_t *msg, size_t len, void *ud)
{
	uint16_t type;

	(void)ud;
	if (protocol != NETLINK_XFRM)
		return 0;
	ck_assert_uint_ge(len, NLMSG_HDRLEN);
	memcpy(&type, msg + 4, sizeof(type));
	if (F.m && F.m->ready) { /* the role's set-up is not recorded */
		ck_assert_uint_lt(F.n_x, MAX_XFRM);
		ck_assert_uint_le(len, sizeof(F.x[0].buf));
		F.x[F.n_x].type = type;
		memcpy(F.x[F.n_x].buf, msg, len);
		F.x[F.n_x++].len = len;
	}
	if (F.fail_errno && type == F.fail_type && sa_proto(type, msg, len) == F.fail_proto)
		return F.fail_errno;
	if (type == XFRM_MSG_GETSA)
		getsa_reply(msg, len);
	return 0;
}

static bool kernel_idle(void)
{
	return knl_pending(io_knl(F.m->io)) == 0;
}

static bool is_ready(void)
{
	return F.m->ready;
}

/* The role started, its kernel set-up submitted, not run: the loop has not turned yet. */
static void start_with(const char *text)
{
	struct cn_test_hooks h = { .now = fake_now, .rand = fake_rand, .bcache_max = cache_max };
	struct mip6_config *c = NULL;
	char *err = NULL;

	memset(&F, 0, sizeof(F));
	F.now = 1000 * USEC_PER_SEC;
	cn_set_test_hooks(&h);
	ck_assert_msg(conf_load_string("test", text, strlen(text), &c, &err) == 0, "%s", err);
	ck_assert_int_eq(manager_new(&F.m, NULL, NULL, c), 0);
	F.m->role = &cn_role_ops;
	ck_assert_int_eq(io_new_fake(F.m->event, &F.m->counters, capture, fake_kernel, NULL, &F.m->io), 0);
	ck_assert_int_eq(manager_start(F.m), 0);
}

static void setup_with(const char *text)
{
	start_with(text);
	ck_assert_msg(loop_run_until(F.m->event, is_ready, 5000), "the CN did not finish its setup");
	ck_assert_uint_eq(F.n_nonces, 1); /* §9.4.1: Kcn and a nonce before the first RR */
	ck_assert_uint_eq(F.n_kcn, 1);
	F.n_sent = 0;
}

static void setup(void)
{
	setup_with("NodeConfig CN;\n");
}

static void teardown(void)
{
	F.m = manager_free(F.m);
	cn_set_test_hooks(NULL);
}

/* ---- the RFC's formulas, computed here ------------------------------------------ */

static void ref_token(unsigned k, const char *addr, uint8_t last, uint8_t out[8])
{
	uint8_t in[16 + 8 + 1], md[EVP_MAX_MD_SIZE];
	struct in6_addr a = A(addr);
	unsigned md_len = 0;

	memcpy(in, &a, 16);
	memcpy(in + 16, F.nonce[k], 8);
	in[24] = last;
	ck_assert_ptr_nonnull(HMAC(EVP_sha1(), F.kcn[k], 20, in, sizeof(in), md, &md_len));
	ck_assert_uint_eq(md_len, 20);
	memcpy(out, md, 8);
}

/* Kbm from nonce k (home) and nonce j (care-of); j < 0: a deletion. */
static void ref_kbm(unsigned k, const char *hoa, int j, const char *coa, uint8_t kbm[20])
{
	uint8_t tok[16];

	ref_token(k, hoa, 0, tok);
	if (j >= 0)
		ref_token((unsigned)j, coa, 1, tok + 8);
	SHA1(tok, j >= 0 ? 16 : 8, kbm);
}

/* First(96, HMAC_SHA1(Kbm, coa | correspondent | mh[0..len-12))) with the checksum as 0. */
static void ref_auth_cn(const uint8_t kbm[20], const char *coa, const char *corr, const uint8_t *mh, size_t len,
			uint8_t out[12])
{
	uint8_t in[32 + 128], md[EVP_MAX_MD_SIZE];
	struct in6_addr c = A(coa), cn = A(corr);
	unsigned md_len = 0;

	ck_assert_uint_le(len - 12, 128);
	memcpy(in, &c, 16);
	memcpy(in + 16, &cn, 16);
	memcpy(in + 32, mh, len - 12);
	in[32 + 4] = in[32 + 5] = 0;
	ck_assert_ptr_nonnull(HMAC(EVP_sha1(), kbm, 20, in, 32 + len - 12, md, &md_len));
	memcpy(out, md, 12);
}

static void ref_auth(const uint8_t kbm[20], const char *coa, const uint8_t *mh, size_t len, uint8_t out[12])
{
	ref_auth_cn(kbm, coa, CN, mh, len, out);
}

/* ---- messages laid out by hand --------------------------------------------------- */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* HoTI (type 1) or CoTI (type 2), §6.1.3-4: 8 octets of header and reserved, the cookie. */
static void send_init(uint8_t type, const char *src, const char *hao, uint8_t cookie_seed)
{
	uint8_t b[16] = { 59, 1, type, 0, 0, 0, 0, 0 };
	struct mh_rx_info rx = { .src = A(src), .dst = A(CN) };

	for (int i = 0; i < 8; i++)
		b[8 + i] = (uint8_t)(cookie_seed + i);
	if (hao) {
		rx.has_hao = true;
		rx.hao = A(hao);
	}
	io_mh_input(F.m->io, b, sizeof(b), &rx);
}

/* The last HoT/CoT sent: type, cookie echoed, nonce index returned, token checked with nonce k. */
static uint16_t check_test(uint8_t type, const char *to, uint8_t cookie_seed, unsigned k)
{
	const struct sent *s = F.n_sent ? &F.sent[F.n_sent - 1] : NULL;
	struct in6_addr dst = A(to), src = A(CN);
	uint8_t want[8];

	ck_assert_msg(s, "nothing sent");
	ck_assert_uint_eq(s->len, 24); /* §6.1.5: 24 octets, Header Len 2 */
	ck_assert_uint_eq(s->buf[0], 59);
	ck_assert_uint_eq(s->buf[1], 2);
	ck_assert_uint_eq(s->buf[2], type);
	ck_assert_mem_eq(&s->dst, &dst, 16); /* HoT to the HoA, CoT to the CoA (§9.4.3-4) */
	ck_assert_mem_eq(&s->src, &src, 16);
	ck_assert(!s->has_rh2);
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(s->buf[8 + i], (uint8_t)(cookie_seed + i));
	ck_assert_uint_eq(be16(s->buf + 6), (uint16_t)(F.first_index + k));
	ref_token(k, to, type == 3 ? 0 : 1, want);
	ck_assert_mem_eq(s->buf + 16, want, 8);
	return be16(s->buf + 6);
}

/*
 * A BU (§6.1.7) with a Nonce Indices option (§6.2.6, 2n) at 12 and the Binding
 * Authorization Data option (§6.2.7, 8n+2) at 18: 32 octets, no padding.
 * Authenticator computed here with kbm over coa (the formula's) unless bad.
 */
static size_t bu_bytes(uint8_t b[32], uint16_t seq, uint16_t flags, uint16_t units, uint16_t hni, uint16_t cni,
		       const uint8_t kbm[20], const char *auth_coa)
{
	memset(b, 0, 32);
	b[0] = 59, b[1] = 3, b[2] = 5;
	b[6] = (uint8_t)(seq >> 8), b[7] = (uint8_t)seq;
	b[8] = (uint8_t)(flags >> 8), b[9] = (uint8_t)flags;
	b[10] = (uint8_t)(units >> 8), b[11] = (uint8_t)units;
	b[12] = 4, b[13] = 4;
	b[14] = (uint8_t)(hni >> 8), b[15] = (uint8_t)hni;
	b[16] = (uint8_t)(cni >> 8), b[17] = (uint8_t)cni;
	b[18] = 5, b[19] = 12;
	b[4] = 0xab, b[5] = 0xcd; /* a checksum: the authenticator takes it as 0 */
	ref_auth(kbm, auth_coa, b, 32, b + 20);
	return 32;
}

/* The BU arrives from coa with a Home Address option holding hoa (the kernel swapped them). */
static void deliver_bu(const uint8_t *b, size_t len, const char *hoa, const char *coa)
{
	struct mh_rx_info rx = { .src = A(hoa), .dst = A(CN), .has_hao = true, .hao = A(coa) };

	io_mh_input(F.m->io, b, len, &rx);
	ck_assert(loop_run_until(F.m->event, kernel_idle, 5000));
}

/*
 * A BU with an Alternate Care-of Address option (§6.2.5, 8n+6) at 14 after a PadN of
 * 2, Nonce Indices at 32, a PadN of 4, the BAD (8n+2) at 42: 56 octets. Authenticator
 * with kbm over auth_coa and corr.
 */
static size_t bu_alt_bytes(uint8_t b[56], uint16_t seq, uint16_t flags, uint16_t hni, uint16_t cni, const char *alt,
			   const uint8_t kbm[20], const char *auth_coa, const char *corr)
{
	struct in6_addr a = A(alt);

	memset(b, 0, 56);
	b[0] = 59, b[1] = 6, b[2] = 5;
	b[6] = (uint8_t)(seq >> 8), b[7] = (uint8_t)seq;
	b[8] = (uint8_t)(flags >> 8), b[9] = (uint8_t)flags;
	b[11] = 25;
	b[12] = 1, b[13] = 0;
	b[14] = 3, b[15] = 16;
	memcpy(b + 16, &a, 16);
	b[32] = 4, b[33] = 4;
	b[34] = (uint8_t)(hni >> 8), b[35] = (uint8_t)hni;
	b[36] = (uint8_t)(cni >> 8), b[37] = (uint8_t)cni;
	b[38] = 1, b[39] = 2;
	b[42] = 5, b[43] = 12;
	ref_auth_cn(kbm, auth_coa, corr, b, 56, b + 44);
	return 56;
}

/* A BU as the MH socket hands it over: IPv6 source src (after the HAO swap), destination dst. */
static void deliver_bu_rx(const uint8_t *b, size_t len, const char *src, const char *hao, const char *dst)
{
	struct mh_rx_info rx = { .src = A(src), .dst = A(dst) };

	if (hao) {
		rx.has_hao = true;
		rx.hao = A(hao);
	}
	io_mh_input(F.m->io, b, len, &rx);
	ck_assert(loop_run_until(F.m->event, kernel_idle, 5000));
}

#define F_A 0x8000
#define F_H 0x4000

/* The last message is a BA (§6.1.8): returns its status; checks seq, lifetime, addressing, BAD. */
static uint8_t check_ba(uint16_t seq, uint16_t units, const uint8_t *kbm, const char *auth_coa)
{
	const struct sent *s = F.n_sent ? &F.sent[F.n_sent - 1] : NULL;
	struct in6_addr coa = A(COA), hoa = A(HOA);
	uint8_t want[12];

	ck_assert_msg(s && F.n_sent > F.n_seen, "no new BA sent");
	F.n_seen = F.n_sent;
	ck_assert_uint_eq(s->buf[2], 6);
	ck_assert_uint_eq((s->buf[1] + 1u) * 8u, s->len);
	ck_assert_uint_eq(be16(s->buf + 8), seq);
	ck_assert_uint_eq(be16(s->buf + 10), units);
	/* §9.5.4: to the source address, a type 2 routing header with the HoA. */
	ck_assert_mem_eq(&s->dst, &coa, 16);
	ck_assert(s->has_rh2);
	ck_assert_mem_eq(&s->rh2, &hoa, 16);
	if (!kbm) {
		/* §9.5.4: no Binding Authorization Data with 136-138: only padding after 12. */
		for (size_t i = 12; i < s->len; i++)
			ck_assert_uint_ne(s->buf[i], 5);
		ck_assert_uint_eq(s->len, 16);
		return s->buf[6];
	}
	ck_assert_uint_eq(s->len, 32); /* padding to 18 (8n+2), BAD to the end */
	ck_assert_uint_eq(s->buf[18], 5);
	ck_assert_uint_eq(s->buf[19], 12);
	ref_auth(kbm, auth_coa, s->buf, s->len, want);
	ck_assert_mem_eq(s->buf + 20, want, 12);
	return s->buf[6];
}

static int ctl_run(const char *line, bool json, char *out, size_t size)
{
	char buf[256], *argv[8], *save = NULL, *body = NULL;
	size_t len = 0;
	int argc = 0, r;
	FILE *f = open_memstream(&body, &len);

	ck_assert_ptr_nonnull(f);
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *w = strtok_r(buf, " ", &save); w && argc < 8; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	r = F.m->role->ctl(F.m, argc, argv, json, f);
	fclose(f);
	snprintf(out, size, "%s", body ? body : "");
	free(body);
	return r;
}

static bool has_binding(const char *coa)
{
	char out[4096];

	if (ctl_run("bc " HOA, false, out, sizeof(out)) != 0)
		return false;
	return strstr(out, HOA) && (!coa || strstr(out, coa));
}

/* HoTI and CoTI now; returns the indices (both of nonce k). */
static void rr(unsigned k, uint16_t *hni, uint16_t *cni)
{
	send_init(1, HOA, NULL, 0x10);
	ck_assert_uint_eq(F.n_sent, 1);
	*hni = check_test(3, HOA, 0x10, k);
	send_init(2, COA, NULL, 0x20);
	ck_assert_uint_eq(F.n_sent, 2);
	*cni = check_test(4, COA, 0x20, k);
	F.n_sent = F.n_seen = 0;
}


/*
 * No BU is served before the kernel set-up is complete. One taken then would have its
 * binding's route2 state and policy installed before the role's MH bypass policy, and its BA
 * would leave with the kernel's type 2 routing header on top of its own (two RH2s, which the
 * MN discards: seen in the VM right after a CN restart). HoTI and CoTI need no kernel state:
 * answered from the start (the MN starts the procedure as soon as a BE 1 reaches it).
 */
START_TEST(no_bu_served_before_the_setup_completes)
{
	struct mh_rx_info rx = { .src = A(HOA), .dst = A(CN), .has_hao = true, .hao = A(COA) };
	uint8_t kbm[20], b[32];
	uint64_t unexpected;
	uint16_t hni, cni;

	teardown();
	start_with("NodeConfig CN;\n");
	ck_assert(!F.m->ready);
	rr(0, &hni, &cni);
	ref_kbm(0, HOA, 0, COA, kbm);
	bu_bytes(b, 1, F_A, 25, hni, cni, kbm, COA);
	unexpected = F.m->counters.drops[DROP_UNEXPECTED];
	io_mh_input(F.m->io, b, sizeof(b), &rx);
	ck_assert(!F.m->ready);
	ck_assert_uint_eq(F.n_sent, 0);
	ck_assert_uint_eq(F.m->counters.drops[DROP_UNEXPECTED], unexpected + 1);
	ck_assert_msg(loop_run_until(F.m->event, is_ready, 5000), "the CN did not finish its setup");
	ck_assert(!has_binding(NULL));
	/* Resent once the CN is ready: accepted. */
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(1, 25, kbm, COA), 0);
	ck_assert(has_binding(COA));
}
END_TEST

/* HoTI from hoa and CoTI from coa now, both answered with nonce k; n_sent not reset. */
static void rr_for(unsigned k, const char *hoa, const char *coa, uint16_t *hni, uint16_t *cni)
{
	unsigned n = F.n_sent;

	send_init(1, hoa, NULL, 0x10);
	ck_assert_uint_eq(F.n_sent, n + 1);
	*hni = check_test(3, hoa, 0x10, k);
	send_init(2, coa, NULL, 0x20);
	ck_assert_uint_eq(F.n_sent, n + 2);
	*cni = check_test(4, coa, 0x20, k);
	F.n_seen = F.n_sent;
}

/* The last message is a BA to coa with an RH2 holding hoa and a BAD with kbm over auth_coa: its status. */
static uint8_t check_ba_to(const char *hoa, const char *coa, uint16_t seq, const uint8_t kbm[20], const char *auth_coa)
{
	const struct sent *s = F.n_sent ? &F.sent[F.n_sent - 1] : NULL;
	struct in6_addr c = A(coa), h = A(hoa);
	uint8_t want[12];

	ck_assert_msg(s && F.n_sent > F.n_seen, "no new BA sent");
	F.n_seen = F.n_sent;
	ck_assert_uint_eq(s->buf[2], 6);
	ck_assert_uint_eq(be16(s->buf + 8), seq);
	ck_assert_uint_eq(be16(s->buf + 10), 0);
	ck_assert_mem_eq(&s->dst, &c, 16);
	ck_assert(s->has_rh2);
	ck_assert_mem_eq(&s->rh2, &h, 16);
	ck_assert_uint_eq(s->len, 32);
	ck_assert_uint_eq(s->buf[18], 5);
	ck_assert_uint_eq(s->buf[19], 12);
	ref_auth(kbm, auth_coa, s->buf, s->len, want);
	ck_assert_mem_eq(s->buf + 20, want, 12);
	return s->buf[6];
}

/* ---- XFRM requests read by hand (linux/xfrm.h layouts) ----------------------------- */

/* Attribute atype after the request's fixed part of hdr octets: its payload (of want octets) or NULL. */
static const uint8_t *xattr(const struct xreq *r, size_t hdr, uint16_t atype, size_t want)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(hdr);

	while (off + 4 <= r->len) {
		uint16_t alen, t;

		memcpy(&alen, r->buf + off, 2);
		memcpy(&t, r->buf + off + 2, 2);
		ck_assert_uint_ge(alen, 4);
		ck_assert_uint_le(off + alen, r->len);
		if ((t & NLA_TYPE_MASK) == atype) {
			ck_assert_uint_eq(alen - 4u, want);
			return r->buf + off + 4;
		}
		off += NLA_ALIGN(alen);
	}
	return NULL;
}

static void check_sel(const struct xfrm_selector *sel, const char *src, const char *dst)
{
	struct in6_addr s = A(src), d = A(dst);

	ck_assert_uint_eq(sel->family, AF_INET6);
	ck_assert_mem_eq(&sel->saddr, &s, 16);
	ck_assert_mem_eq(&sel->daddr, &d, 16);
	ck_assert_uint_eq(sel->prefixlen_s, 128);
	ck_assert_uint_eq(sel->prefixlen_d, 128);
	ck_assert_uint_eq(sel->proto, 0); /* every protocol */
}

/* A route-optimisation state: NEWSA or UPDSA, proto route2 (43) or hao (60), mode ro, no SPI. */
static void check_sa(const struct xreq *r, uint16_t type, uint8_t proto, const char *src, const char *dst,
		     const char *coa)
{
	struct xfrm_usersa_info sa;
	struct in6_addr s = A(src), d = A(dst), c = A(coa);
	const uint8_t *co;

	ck_assert_uint_eq(r->type, type);
	ck_assert_uint_ge(r->len, NLMSG_HDRLEN + sizeof(sa));
	memcpy(&sa, r->buf + NLMSG_HDRLEN, sizeof(sa));
	ck_assert_uint_eq(sa.id.proto, proto);
	ck_assert_uint_eq(sa.id.spi, 0);
	ck_assert_uint_eq(sa.mode, XFRM_MODE_ROUTEOPTIMIZATION);
	ck_assert_uint_eq(sa.family, AF_INET6);
	ck_assert_mem_eq(&sa.saddr, &s, 16);
	ck_assert_mem_eq(&sa.id.daddr, &d, 16);
	check_sel(&sa.sel, src, dst);
	co = xattr(r, sizeof(sa), XFRMA_COADDR, 16);
	ck_assert_ptr_nonnull(co);
	ck_assert_mem_eq(co, &c, 16);
}

static void check_del_sa(const struct xreq *r, uint8_t proto, const char *src, const char *dst)
{
	struct xfrm_usersa_id id;
	struct in6_addr s = A(src), d = A(dst);
	const uint8_t *sa;

	ck_assert_uint_eq(r->type, XFRM_MSG_DELSA);
	memcpy(&id, r->buf + NLMSG_HDRLEN, sizeof(id));
	ck_assert_uint_eq(id.proto, proto);
	ck_assert_mem_eq(&id.daddr, &d, 16);
	sa = xattr(r, sizeof(id), XFRMA_SRCADDR, 16);
	ck_assert_ptr_nonnull(sa);
	ck_assert_mem_eq(sa, &s, 16);
}

/* src -> dst, every protocol, one optional template proto, mode ro, src and dst as its addresses. */
static void check_policy(const struct xreq *r, uint8_t dir, uint8_t proto, const char *src, const char *dst)
{
	struct xfrm_userpolicy_info pi;
	struct xfrm_user_tmpl t;
	struct in6_addr s = A(src), d = A(dst);
	const uint8_t *tp;

	ck_assert_uint_eq(r->type, XFRM_MSG_UPDPOLICY);
	memcpy(&pi, r->buf + NLMSG_HDRLEN, sizeof(pi));
	ck_assert_uint_eq(pi.dir, dir);
	ck_assert_uint_eq(pi.action, XFRM_POLICY_ALLOW);
	/* Below the role's inbound BU policy (priority 2): a BU from a new CoA still gets through. */
	ck_assert_uint_gt(pi.priority, 2);
	check_sel(&pi.sel, src, dst);
	tp = xattr(r, sizeof(pi), XFRMA_TMPL, sizeof(t));
	ck_assert_ptr_nonnull(tp);
	memcpy(&t, tp, sizeof(t));
	ck_assert_uint_eq(t.id.proto, proto);
	ck_assert_uint_eq(t.mode, XFRM_MODE_ROUTEOPTIMIZATION);
	ck_assert_uint_eq(t.optional, 1);
	ck_assert_uint_eq(t.family, AF_INET6);
	ck_assert_mem_eq(&t.saddr, &s, 16);
	ck_assert_mem_eq(&t.id.daddr, &d, 16);
}

static void check_del_policy(const struct xreq *r, uint8_t dir, const char *src, const char *dst)
{
	struct xfrm_userpolicy_id id;

	ck_assert_uint_eq(r->type, XFRM_MSG_DELPOLICY);
	memcpy(&id, r->buf + NLMSG_HDRLEN, sizeof(id));
	ck_assert_uint_eq(id.dir, dir);
	check_sel(&id.sel, src, dst);
}

/*
 * The binding's data path from F.x[i] for coa: each state updated in place (UPDSA; the
 * kernel's UPDSA cannot create, so NEWSA follows: EEXIST when it existed) — never deleted
 * first, so a move leaves no moment without the route2 state — then both policies.
 */
static void check_install(unsigned i, const char *coa)
{
	ck_assert_uint_ge(F.n_x, i + 6);
	check_sa(&F.x[i], XFRM_MSG_UPDSA, IPPROTO_ROUTING, CN, HOA, coa);
	check_sa(&F.x[i + 1], XFRM_MSG_NEWSA, IPPROTO_ROUTING, CN, HOA, coa);
	check_sa(&F.x[i + 2], XFRM_MSG_UPDSA, IPPROTO_DSTOPTS, HOA, CN, coa);
	check_sa(&F.x[i + 3], XFRM_MSG_NEWSA, IPPROTO_DSTOPTS, HOA, CN, coa);
	check_policy(&F.x[i + 4], XFRM_POLICY_OUT, IPPROTO_ROUTING, CN, HOA);
	check_policy(&F.x[i + 5], XFRM_POLICY_IN, IPPROTO_DSTOPTS, HOA, CN);
}

/* The four removals of the binding's data path from F.x[i]: policies first, then states. */
static void check_removal(unsigned i)
{
	ck_assert_uint_ge(F.n_x, i + 4);
	check_del_policy(&F.x[i], XFRM_POLICY_IN, HOA, CN);
	check_del_policy(&F.x[i + 1], XFRM_POLICY_OUT, CN, HOA);
	check_del_sa(&F.x[i + 2], IPPROTO_DSTOPTS, HOA, CN);
	check_del_sa(&F.x[i + 3], IPPROTO_ROUTING, CN, HOA);
}

/* ---- tests ------------------------------------------------------------------------- */

/* HoTI -> HoT to the HoA, CoTI -> CoT to the CoA, tokens and cookies as §5.2.5/§6.1.5-6 say. */
START_TEST(rr_answers_with_independent_tokens)
{
	uint16_t hni, cni;

	rr(0, &hni, &cni);
	ck_assert_uint_eq(hni, cni); /* one current nonce */
	ck_assert_uint_eq(F.m->counters.mh_out[3], 1);
	ck_assert_uint_eq(F.m->counters.mh_out[4], 1);
	/* Within the 30-s period the nonce stays; after it a new nonce and Kcn (§5.2.7). */
	F.now += 29 * USEC_PER_SEC;
	send_init(1, HOA, NULL, 0x30);
	check_test(3, HOA, 0x30, 0);
	F.now += 1 * USEC_PER_SEC;
	send_init(2, COA2, NULL, 0x40);
	check_test(4, COA2, 0x40, 1);
	ck_assert_uint_eq(F.n_nonces, 2);
	ck_assert_uint_eq(F.n_kcn, 2);
}
END_TEST

/* §9.4.1-2: a HoTI or CoTI with a Home Address option is silently ignored. */
START_TEST(test_init_with_hao_is_ignored)
{
	send_init(1, HOA, COA, 1);
	send_init(2, HOA, COA, 1);
	ck_assert_uint_eq(F.n_sent, 0);
	ck_assert_uint_eq(F.m->counters.drops[DROP_RR_HAO], 2);
}
END_TEST

/* The BU verified with Kbm; BA 0 with the BAD computed with Kbm (§6.1.8, §9.5.4); `bc` lists it. */
START_TEST(bu_accepted_and_acknowledged)
{
	uint8_t kbm[20], b[32];
	uint16_t hni, cni;
	char out[4096];

	rr(0, &hni, &cni);
	ref_kbm(0, HOA, 0, COA, kbm);
	bu_bytes(b, 7, F_A, 25, hni, cni, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(F.n_sent, 1);
	ck_assert_uint_eq(check_ba(7, 25, kbm, COA), 0);
	ck_assert(has_binding(COA));
	ck_assert_int_eq(ctl_run("bc", true, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "\"count\":1") && strstr(out, "\"coa\":\"" COA "\""), "%s", out);
	/* Without A: accepted, no BA ("SHOULD NOT be sent", §9.5.4). */
	bu_bytes(b, 8, 0, 25, hni, cni, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(F.n_sent, 1);
	ck_assert(has_binding(COA));
	ck_assert_int_eq(ctl_run("bc", false, out, sizeof(out)), 0);
	ck_assert_ptr_nonnull(strstr(out, "    8 ")); /* the refreshed sequence number */
}
END_TEST

/*
 * §9.3.1, §9.3.2: the binding's data path. The BA waits for the kernel; a new
 * binding gets its route2 state (out: CN -> HoA via the CoA) and its hao state
 * (in: HoA -> CN from the CoA), and both policies; a refresh from the same CoA
 * touches nothing; a move replaces both states; a deletion removes all four.
 */
START_TEST(data_path_follows_the_binding)
{
	struct mh_rx_info rx = { .src = A(HOA), .dst = A(CN), .has_hao = true, .hao = A(COA) };
	struct in6_addr coa2 = A(COA2);
	uint8_t kbm[20], kbm2[20], kdel[20], b[32];
	uint16_t hni, cni, cni2;

	rr(0, &hni, &cni);
	ref_kbm(0, HOA, 0, COA, kbm);
	bu_bytes(b, 7, F_A, 25, hni, cni, kbm, COA);
	io_mh_input(F.m->io, b, sizeof(b), &rx);
	ck_assert_uint_eq(F.n_sent, 0); /* not before the kernel has the data path */
	ck_assert(loop_run_until(F.m->event, kernel_idle, 5000));
	ck_assert_uint_eq(check_ba(7, 25, kbm, COA), 0);
	ck_assert_uint_eq(F.n_x, 6);
	check_install(0, COA);

	bu_bytes(b, 8, F_A, 25, hni, cni, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(8, 25, kbm, COA), 0);
	ck_assert_uint_eq(F.n_x, 6);

	/* A move: a CoTI from the new CoA, a BU from it. */
	send_init(2, COA2, NULL, 0x50);
	cni2 = check_test(4, COA2, 0x50, 0);
	F.n_seen = F.n_sent;
	ref_kbm(0, HOA, 0, COA2, kbm2);
	bu_bytes(b, 9, F_A, 25, hni, cni2, kbm2, COA2);
	deliver_bu(b, sizeof(b), HOA, COA2);
	ck_assert_uint_eq(F.n_sent, F.n_seen + 1);
	ck_assert_uint_eq(F.sent[F.n_sent - 1].buf[6], 0);
	ck_assert_mem_eq(&F.sent[F.n_sent - 1].dst, &coa2, 16);
	F.n_seen = F.n_sent;
	ck_assert_uint_eq(F.n_x, 12);
	check_install(6, COA2);

	ref_kbm(0, HOA, -1, NULL, kdel);
	bu_bytes(b, 10, 0, 0, hni, 0, kdel, HOA);
	deliver_bu(b, sizeof(b), HOA, COA2);
	ck_assert(!has_binding(NULL));
	ck_assert_uint_eq(F.n_x, 16);
	check_removal(12);
}
END_TEST

/*
 * Fail closed: the kernel refuses the route2 state. The BU is refused (130 for
 * ENOMEM, 128 otherwise) with the Binding Authorization Data (§9.5.4: only
 * 136-138 go without it), no binding is left, what was installed is removed.
 */
START_TEST(failed_install_refuses_the_bu)
{
	uint8_t kbm[20], b[32];
	uint16_t hni, cni;
	char out[1024];
	json_object *o;

	rr(0, &hni, &cni);
	ref_kbm(0, HOA, 0, COA, kbm);
	F.fail_type = XFRM_MSG_NEWSA;
	F.fail_proto = IPPROTO_ROUTING;
	F.fail_errno = -ENOMEM;
	bu_bytes(b, 7, 0, 25, hni, cni, kbm, COA); /* without A: §9.5.4 "MUST be sent" for resources */
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(7, 0, kbm, COA), 130);
	ck_assert(!has_binding(NULL));
	ck_assert_uint_eq(F.n_x, 6 + 4);
	check_removal(6);
	o = json_object_new_object();
	F.m->role->status_json(F.m, o);
	snprintf(out, sizeof(out), "%s", json_object_to_json_string(o));
	json_object_put(o);
	ck_assert_msg(strstr(out, "\"ro_failures\": 1,") && strstr(out, "\"ro_installs\": 0,"), "%s", out);
	F.fail_errno = -EINVAL;
	bu_bytes(b, 8, F_A, 25, hni, cni, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(8, 0, kbm, COA), 128);
	ck_assert(!has_binding(NULL));
	/* The kernel takes it again: accepted. */
	F.fail_errno = 0;
	bu_bytes(b, 9, F_A, 25, hni, cni, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(9, 25, kbm, COA), 0);
	ck_assert(has_binding(COA));
}
END_TEST

/* An XFRM_MSG_REPORT as the kernel's hao type sends it (proto, the packet's selector, coaddr), by hand. */
static void kernel_reports_to(uint8_t proto, const char *hoa, const char *dst, const char *coa)
{
	uint8_t b[NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct xfrm_user_report)) + 4 + 16] = { 0 };
	struct nlmsghdr h = { .nlmsg_len = sizeof(b), .nlmsg_type = XFRM_MSG_REPORT };
	struct xfrm_user_report rep = { .proto = proto };
	struct in6_addr s = A(hoa), d = A(dst), c = A(coa);
	uint16_t alen = 4 + 16, atype = XFRMA_COADDR;
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(rep));

	memcpy(&rep.sel.saddr, &s, 16);
	memcpy(&rep.sel.daddr, &d, 16);
	rep.sel.prefixlen_s = rep.sel.prefixlen_d = 128;
	rep.sel.family = AF_INET6;
	rep.sel.proto = IPPROTO_ICMPV6;
	memcpy(b, &h, sizeof(h));
	memcpy(b + NLMSG_HDRLEN, &rep, sizeof(rep));
	memcpy(b + off, &alen, 2);
	memcpy(b + off + 2, &atype, 2);
	memcpy(b + off + 4, &c, 16);
	ck_assert_int_eq(knl_fake_notify(io_knl(F.m->io), NETLINK_XFRM, b, sizeof(b)), 0);
}

static void kernel_reports(uint8_t proto, const char *hoa, const char *coa)
{
	kernel_reports_to(proto, hoa, CN, coa);
}

/*
 * §9.3.1, §9.3.3: a Home Address option no binding let through (the kernel's
 * report): Binding Error status 1 to the wire's source (the CoA), no routing
 * header, the Home Address field from the option; 24 octets (§6.1.9). Rate
 * limited by BindingErrorsPerSec; a report of another type is not answered.
 */
START_TEST(hao_without_binding_gives_binding_error_1)
{
	struct in6_addr coa = A(COA), hoa = A(HOA), cn = A(CN);
	const struct sent *be;

	kernel_reports(IPPROTO_DSTOPTS, HOA, COA);
	ck_assert_uint_eq(F.n_sent, 1);
	be = &F.sent[0];
	ck_assert_uint_eq(be->len, 24);
	ck_assert_uint_eq(be->buf[0], 59);
	ck_assert_uint_eq(be->buf[1], 2);
	ck_assert_uint_eq(be->buf[2], 7);
	ck_assert_uint_eq(be->buf[6], 1);
	ck_assert_mem_eq(be->buf + 8, &hoa, 16);
	ck_assert_mem_eq(&be->dst, &coa, 16);
	ck_assert_mem_eq(&be->src, &cn, 16);
	ck_assert(!be->has_rh2);
	kernel_reports(IPPROTO_ROUTING, HOA, COA);
	ck_assert_uint_eq(F.n_sent, 1);
	/*
	 * 100 in a burst: the bucket (10 a second, bursts of 10) passes 9 more, and one
	 * more per 100 ms the loop takes (a slow sanitizer build): at most a few.
	 */
	for (int i = 0; i < 100; i++)
		kernel_reports(IPPROTO_DSTOPTS, HOA, COA);
	ck_assert_uint_ge(F.n_sent, 10);
	ck_assert_uint_le(F.n_sent, 15);
	ck_assert_uint_eq(F.m->counters.drops[DROP_RATE], 101 - F.n_sent);
}
END_TEST

/* §9.5.1: an authenticator that does not verify: silently discarded, no binding. */
START_TEST(wrong_authenticator_is_discarded)
{
	uint8_t kbm[20], b[32];
	uint16_t hni, cni;

	rr(0, &hni, &cni);
	ref_kbm(0, HOA, 0, COA, kbm);
	bu_bytes(b, 7, F_A, 25, hni, cni, kbm, COA);
	b[31] ^= 1;
	deliver_bu(b, sizeof(b), HOA, COA);
	/* Kbm with the tokens swapped, and one from another CoA's token: both wrong. */
	ref_kbm(0, COA, 0, HOA, kbm);
	bu_bytes(b, 7, F_A, 25, hni, cni, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ref_kbm(0, HOA, 0, COA, kbm);
	bu_bytes(b, 7, F_A, 25, hni, cni, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA2); /* the care-of token was for COA */
	ck_assert_uint_eq(F.n_sent, 0);
	ck_assert(!has_binding(NULL));
	ck_assert_uint_eq(F.m->counters.drops[DROP_RR_AUTH], 3);
}
END_TEST

/* §9.5.1: no Nonce Indices option, or BAD not last / trailing padding: discarded. */
START_TEST(bu_without_rr_options_is_discarded)
{
	uint8_t kbm[20], b[40];
	uint16_t hni, cni;

	rr(0, &hni, &cni);
	ref_kbm(0, HOA, 0, COA, kbm);
	/* The NI option turned into a PadN: no Nonce Indices. */
	bu_bytes(b, 7, F_A, 25, hni, cni, kbm, COA);
	b[12] = 1;
	ref_auth(kbm, COA, b, 32, b + 20);
	deliver_bu(b, 32, HOA, COA);
	/* Trailing padding after the BAD ("MUST NOT have trailing padding"): 8 more octets, a PadN. */
	bu_bytes(b, 7, F_A, 25, hni, cni, kbm, COA);
	b[1] = 4;
	b[32] = 1, b[33] = 6;
	memset(b + 34, 0, 6);
	deliver_bu(b, 40, HOA, COA);
	ck_assert_uint_eq(F.n_sent, 0);
	ck_assert_uint_eq(F.m->counters.drops[DROP_RR_AUTH], 2);
	ck_assert(!has_binding(NULL));
}
END_TEST

/*
 * §5.2.7: a nonce stays acceptable MAX_TOKEN_LIFETIME (210 s) after its last use
 * and never beyond MAX_NONCE_LIFETIME (240 s) after its first; then 136, 137 or
 * 138 (§9.5.1), always answered, without the BAD (§9.5.4).
 */
START_TEST(nonce_lifetimes_and_expired_indices)
{
	uint8_t kbm[20], b[32];
	uint16_t hni0, cni0, hni1, cni1;
	usec_t t0 = F.now;

	rr(0, &hni0, &cni0);
	/* A later nonce (1) for the care-of test 100 s on. */
	F.now = t0 + 100 * USEC_PER_SEC;
	send_init(2, COA, NULL, 0x50);
	cni1 = check_test(4, COA, 0x50, 1);
	send_init(1, HOA, NULL, 0x60);
	hni1 = check_test(3, HOA, 0x60, 1);
	F.n_sent = F.n_seen = 0;
	/* 229 s after the tokens of nonce 0 were sent (210 s after the last use): still accepted. */
	F.now = t0 + 229 * USEC_PER_SEC;
	ref_kbm(0, HOA, 0, COA, kbm);
	bu_bytes(b, 1, F_A, 25, hni0, cni0, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(1, 25, kbm, COA), 0);
	/* 240 s after its first use nonce 0 is refused; nonce 1 is fine. */
	F.now = t0 + 240 * USEC_PER_SEC;
	ref_kbm(0, HOA, 1, COA, kbm);
	bu_bytes(b, 2, F_A, 25, hni0, cni1, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(2, 0, NULL, NULL), 136);
	ref_kbm(1, HOA, 0, COA, kbm);
	bu_bytes(b, 3, 0, 25, hni1, cni0, kbm, COA); /* no A: the BA is sent anyway */
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(3, 0, NULL, NULL), 137);
	ref_kbm(0, HOA, 0, COA, kbm);
	bu_bytes(b, 4, F_A, 25, hni0, cni0, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(4, 0, NULL, NULL), 138);
	/* An index never handed out is not recognised either. */
	bu_bytes(b, 5, F_A, 25, (uint16_t)(hni1 + 7), cni1, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(5, 0, NULL, NULL), 136);
	ck_assert_uint_eq(F.m->counters.ba_status_out[136], 2);
	ck_assert_uint_eq(F.m->counters.ba_status_out[137], 1);
	ck_assert_uint_eq(F.m->counters.ba_status_out[138], 1);
	/* Still bound from the accepted BU (seq 1). */
	ck_assert(has_binding(COA));
}
END_TEST

/* §9.5.1: a sequence number not newer -> 135 with the last accepted one, BAD included. */
START_TEST(old_sequence_number_gives_135)
{
	uint8_t kbm[20], b[32];
	uint16_t hni, cni;

	rr(0, &hni, &cni);
	ref_kbm(0, HOA, 0, COA, kbm);
	bu_bytes(b, 100, F_A, 25, hni, cni, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(100, 25, kbm, COA), 0);
	bu_bytes(b, 100, 0, 25, hni, cni, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(100, 0, kbm, COA), 135);
	bu_bytes(b, (uint16_t)(100 - 32768), F_A, 25, hni, cni, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(100, 0, kbm, COA), 135);
	bu_bytes(b, 101, F_A, 25, hni, cni, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(101, 25, kbm, COA), 0);
}
END_TEST

/* §5.2.6: the lifetime is cut to MAX_RR_BINDING_LIFETIME (420 s = 105 units); expiry removes it. */
START_TEST(lifetime_clamped_and_binding_expires)
{
	uint8_t kbm[20], b[32];
	uint16_t hni, cni;

	rr(0, &hni, &cni);
	ref_kbm(0, HOA, 0, COA, kbm);
	bu_bytes(b, 1, F_A, 0xffff, hni, cni, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(1, 105, kbm, COA), 0);
	F.now += 419 * USEC_PER_SEC;
	ck_assert(has_binding(COA));
	F.now += 1 * USEC_PER_SEC;
	ck_assert(!has_binding(NULL)); /* §9.6: "MUST be deleted after the expiration" */
	ck_assert(loop_run_until(F.m->event, kernel_idle, 5000));
	ck_assert_uint_eq(F.n_x, 6 + 4); /* and its data path with it */
	check_removal(6);
}
END_TEST

/*
 * §9.5.3 with §5.2.6: a deletion (lifetime 0) authorised with Kbm = SHA1(home
 * token) and the home address as the "care-of address" (§6.2.7); the care-of
 * nonce index is not looked at. The replayed registration then gets 135.
 */
START_TEST(deregistration_with_home_token_only)
{
	uint8_t kbm[20], kbm_del[20], b[32], reg[32];
	uint16_t hni, cni;

	rr(0, &hni, &cni);
	ref_kbm(0, HOA, 0, COA, kbm);
	bu_bytes(reg, 1, F_A, 25, hni, cni, kbm, COA);
	deliver_bu(reg, sizeof(reg), HOA, COA);
	ck_assert_uint_eq(check_ba(1, 25, kbm, COA), 0);
	ref_kbm(0, HOA, -1, NULL, kbm_del);
	bu_bytes(b, 2, F_A, 0, hni, 0xbeef, kbm_del, HOA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(2, 0, kbm_del, HOA), 0);
	ck_assert(!has_binding(NULL));
	/* The registration replayed while its nonces are still good: refused, nothing created. */
	deliver_bu(reg, sizeof(reg), HOA, COA);
	ck_assert_uint_eq(check_ba(2, 0, kbm, COA), 135);
	ck_assert(!has_binding(NULL));
	/* A deletion with both tokens in Kbm does not verify. */
	bu_bytes(b, 3, F_A, 0, hni, cni, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(F.m->counters.drops[DROP_RR_AUTH], 1);
}
END_TEST

/*
 * A deletion from away signed with the care-of address (§11.7.2's reading: "the
 * current care-of address if it is away from home") instead of the home address
 * (§6.2.7's): accepted too, Kbm from the home token alone; the BA's authenticator
 * over the same care-of address. With Kbm from both tokens it still fails.
 */
START_TEST(deregistration_signed_with_the_care_of_address)
{
	uint8_t kbm[20], kbm_del[20], b[32];
	uint16_t hni, cni;

	rr(0, &hni, &cni);
	ref_kbm(0, HOA, 0, COA, kbm);
	bu_bytes(b, 1, F_A, 25, hni, cni, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(1, 25, kbm, COA), 0);
	bu_bytes(b, 2, F_A, 0, hni, cni, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(F.m->counters.drops[DROP_RR_AUTH], 1);
	ck_assert(has_binding(COA));
	ref_kbm(0, HOA, -1, NULL, kbm_del);
	bu_bytes(b, 3, F_A, 0, hni, 0, kbm_del, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(3, 0, kbm_del, COA), 0);
	ck_assert(!has_binding(NULL));
}
END_TEST

/*
 * §10.3.1: the H bit at a node that is no home agent: "MUST reject ... MUST also
 * return a Binding Acknowledgement ... 131", A or not, without BAD (no RR material).
 */
START_TEST(home_registration_gives_131)
{
	uint8_t kbm[20] = { 0 }, b[32];

	bu_bytes(b, 1, F_A | F_H, 25, 0, 0, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(1, 0, NULL, NULL), 131);
	bu_bytes(b, 2, F_H, 25, 0, 0, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(2, 0, NULL, NULL), 131);
	ck_assert(!has_binding(NULL));
	ck_assert_uint_eq(F.n_x, 0);
}
END_TEST

/*
 * §9.5.1: a home registration for a home address with a correspondent binding: "MUST
 * send back a Binding Acknowledgement with status code 139", the binding untouched
 * ("MUST NOT be changed"), A or not; a sequence number below the binding's changes
 * nothing. After the binding's deletion (no binding, only its memory): 131 again.
 */
START_TEST(home_registration_over_a_binding_gives_139)
{
	uint8_t kbm[20], kdel[20], b[32], h[32], zero[20] = { 0 };
	uint16_t hni, cni;
	unsigned x;

	rr(0, &hni, &cni);
	ref_kbm(0, HOA, 0, COA, kbm);
	bu_bytes(b, 10, F_A, 25, hni, cni, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(10, 25, kbm, COA), 0);
	x = F.n_x;
	bu_bytes(h, 11, F_A | F_H, 25, 0, 0, zero, COA);
	deliver_bu(h, sizeof(h), HOA, COA);
	ck_assert_uint_eq(check_ba(11, 0, NULL, NULL), 139);
	bu_bytes(h, 3, F_H, 25, 0, 0, zero, COA2);
	deliver_bu(h, sizeof(h), HOA, COA);
	ck_assert_uint_eq(check_ba(3, 0, NULL, NULL), 139);
	ck_assert(has_binding(COA));
	ck_assert_uint_eq(F.n_x, x);
	/* The binding's sequence number is still 10: 11 is accepted. */
	bu_bytes(b, 11, F_A, 25, hni, cni, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(11, 25, kbm, COA), 0);
	ref_kbm(0, HOA, -1, NULL, kdel);
	bu_bytes(b, 12, 0, 0, hni, 0, kdel, HOA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert(!has_binding(NULL));
	bu_bytes(h, 13, F_H, 25, 0, 0, zero, COA);
	deliver_bu(h, sizeof(h), HOA, COA);
	ck_assert_uint_eq(check_ba(13, 0, NULL, NULL), 131);
}
END_TEST

/*
 * §5.2.7 over a long run of requests (one a second for 2,000 s): every nonce is
 * acceptable until MAX_NONCE_LIFETIME after its first use and refused from then
 * on, and is never replaced earlier (RR_NONCES slots suffice at one per 30 s).
 */
START_TEST(nonce_window_over_a_long_run)
{
	struct rr_keygen *k;
	struct in6_addr a = A(HOA);
	uint16_t idx[2001];
	usec_t first[2001];
	uint8_t tok[8];

	F.n_nonces = F.n_kcn = 0;
	ck_assert_int_eq(rr_keygen_new(fake_rand, NULL, 0, &k), 0);
	for (unsigned t = 0; t <= 2000; t++) {
		usec_t now = (usec_t)t * USEC_PER_SEC;

		ck_assert_int_eq(rr_keygen_token_now(k, now, &a, RR_HOME, &idx[t], tok), 0);
		first[t] = t && idx[t] == idx[t - 1] ? first[t - 1] : now;
		for (unsigned u = t >= 300 ? t - 300 : 0; u <= t; u++) {
			bool want = now - first[u] < RR_MAX_NONCE_LIFETIME_USEC;

			if (u && idx[u] == idx[u - 1] && u != t)
				continue; /* one check per nonce (its first use) and the current one */

			ck_assert_msg(rr_keygen_index_valid(k, now, idx[u]) == want, "t=%u index of t=%u", t, u);
			ck_assert_int_eq(rr_keygen_token_at(k, now, idx[u], &a, RR_HOME, tok) == 0, want);
		}
		/* The token of the current nonce 209 s from now is still there (MAX_TOKEN_LIFETIME). */
		ck_assert(rr_keygen_index_valid(k, now + 209 * USEC_PER_SEC, idx[t]));
	}
	ck_assert_uint_eq(F.n_nonces, 2000 / 30 + 1);
	rr_keygen_free(k);
}
END_TEST

/*
 * The CN's start did OpenSSL's lazy set-up (rr_crypto_prepare, its known answers checked):
 * the first HoTI and CoTI are not answered 0.15–0.25 s late (under TCG) because of it.
 */
START_TEST(crypto_prepared_at_start)
{
	ck_assert(rr_crypto_ready());
	ck_assert_int_eq(rr_crypto_prepare(), 0); /* idempotent */
}
END_TEST

/* DoRouteOptimizationCN disabled: nothing answered, the messages counted as unexpected. */
START_TEST(route_optimisation_disabled)
{
	uint8_t kbm[20] = { 0 }, b[32];

	teardown();
	setup_with("NodeConfig CN;\nDoRouteOptimizationCN disabled;\n");
	send_init(1, HOA, NULL, 1);
	send_init(2, COA, NULL, 1);
	bu_bytes(b, 1, F_A, 25, 0, 0, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(F.n_sent, 0);
	ck_assert_uint_eq(F.m->counters.drops[DROP_UNEXPECTED], 3);
}
END_TEST


/* ---- Binding Refresh Requests (§9.5.5, §6.1.2) --------------------------------------- */

/* F.x[i] is the GETSA of the binding's route2 state: id CN -> HoA, proto 43, SPI 0 (xfrm_usersa_id). */
static void check_get_sa(unsigned i)
{
	struct xfrm_usersa_id id;
	struct in6_addr hoa = A(HOA), cn = A(CN);
	const uint8_t *sa;

	ck_assert_uint_gt(F.n_x, i);
	ck_assert_uint_eq(F.x[i].type, XFRM_MSG_GETSA);
	memcpy(&id, F.x[i].buf + NLMSG_HDRLEN, sizeof(id));
	ck_assert_uint_eq(id.proto, IPPROTO_ROUTING);
	ck_assert_uint_eq(id.spi, 0);
	ck_assert_uint_eq(id.family, AF_INET6);
	ck_assert_mem_eq(&id.daddr, &hoa, 16);
	sa = xattr(&F.x[i], sizeof(id), XFRMA_SRCADDR, 16);
	ck_assert_ptr_nonnull(sa);
	ck_assert_mem_eq(sa, &cn, 16);
}

/* The test's clock is at t: the role's timers run as if due, and the fake kernel answers. */
static void at(usec_t t)
{
	F.now = t;
	cn_test_run_timers(F.m);
	ck_assert(loop_run_until(F.m->event, kernel_idle, 5000));
}

/*
 * The last message is a Binding Refresh Request laid out as §6.1.2 and §6.1.1 draw it:
 * Payload Proto 59 (IPPROTO_NONE), Header Len 0 (8 octets: no options), MH Type 0,
 * Reserved 0, the checksum (the socket's), Reserved 0. §9.5.5 "always sent to the home
 * address": to the CoA with a type 2 routing header holding the HoA, from the CN.
 */
static void check_brr(const struct sent *s)
{
	struct in6_addr coa = A(COA), hoa = A(HOA), cn = A(CN);
	static const uint8_t want_head[4] = { 59, 0, 0, 0 };

	ck_assert_uint_eq(s->len, 8);
	ck_assert_mem_eq(s->buf, want_head, 4);
	ck_assert_uint_eq(s->buf[6], 0);
	ck_assert_uint_eq(s->buf[7], 0);
	ck_assert_mem_eq(&s->src, &cn, 16);
	ck_assert_mem_eq(&s->dst, &coa, 16);
	ck_assert(s->has_rh2);
	ck_assert_mem_eq(&s->rh2, &hoa, 16);
}

static uint64_t status_u64(const char *key)
{
	json_object *o = json_object_new_object(), *v;
	uint64_t n;

	F.m->role->status_json(F.m, o);
	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s in the status", key);
	n = (uint64_t)json_object_get_int64(v);
	json_object_put(o);
	return n;
}

/* A binding of 420 s (105 units) from COA at F.now, acknowledged; returns when it was made. */
static usec_t bind_420(unsigned k, uint16_t seq)
{
	uint8_t kbm[20], b[32];
	uint16_t hni, cni;
	usec_t t0 = F.now;

	F.n_sent = F.n_seen = 0;
	rr(k, &hni, &cni);
	ref_kbm(k, HOA, (int)k, COA, kbm);
	bu_bytes(b, seq, F_A, 105, hni, cni, kbm, COA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(seq, 105, kbm, COA), 0);
	F.n_sent = F.n_seen = 0;
	return t0;
}

/*
 * §9.5.5: a binding in use (the kernel's route2 state sent packets to the HoA in the last
 * 42 s, a tenth of the lifetime) gets one BRR 42 s before it expires, none earlier, none
 * again in the same lifetime; a BU starts a new lifetime, at whose end the binding is idle:
 * no BRR then.
 */
START_TEST(brr_before_expiry_of_a_binding_in_use)
{
	usec_t t0 = bind_420(0, 1);
	unsigned x0 = F.n_x;

	F.sa_packets = 5;
	at(t0 + 335 * USEC_PER_SEC);
	ck_assert_uint_eq(F.n_x, x0); /* the window has not begun */
	at(t0 + 336 * USEC_PER_SEC);  /* expiry - 2 x 42 s: the count at the window's start */
	ck_assert_uint_eq(F.n_x, x0 + 1);
	check_get_sa(x0);
	ck_assert_uint_eq(F.n_sent, 0);
	F.sa_packets = 9; /* packets to the HoA through the binding */
	at(t0 + 377 * USEC_PER_SEC);
	ck_assert_uint_eq(F.n_sent, 0);
	ck_assert_uint_eq(F.n_x, x0 + 1);
	at(t0 + 378 * USEC_PER_SEC); /* expiry - 42 s */
	ck_assert_uint_eq(F.n_x, x0 + 2);
	check_get_sa(x0 + 1);
	ck_assert_uint_eq(F.n_sent, 1);
	check_brr(&F.sent[0]);
	ck_assert_uint_eq(F.m->counters.mh_out[0], 1); /* `mip6ctl counters`: brr out */
	ck_assert_uint_eq(status_u64("brr_sent"), 1);
	/* Once per lifetime, whatever the traffic. */
	F.sa_packets = 50;
	at(t0 + 400 * USEC_PER_SEC);
	at(t0 + 419 * USEC_PER_SEC);
	ck_assert_uint_eq(F.n_sent, 1);
	ck_assert_uint_eq(F.n_x, x0 + 2);

	/* The MN answers with a BU (new nonces: 400 s on): a new lifetime of 420 s. */
	t0 = bind_420(1, 2);
	x0 = F.n_x;
	at(t0 + 336 * USEC_PER_SEC);
	at(t0 + 378 * USEC_PER_SEC);
	ck_assert_uint_eq(F.n_x, x0 + 2);
	ck_assert_uint_eq(F.n_sent, 0); /* the count did not move: not in use */
	ck_assert_uint_eq(status_u64("brr_not_in_use"), 1);
	at(t0 + 420 * USEC_PER_SEC);
	ck_assert(!has_binding(NULL));
	ck_assert_uint_eq(F.n_sent, 0);
	ck_assert_uint_eq(F.m->counters.mh_out[0], 1);
}
END_TEST

/* A MN that refreshes on its own before the window: the CN never asks, nor reads the kernel. */
START_TEST(no_brr_when_the_mn_refreshes_in_time)
{
	usec_t t0 = bind_420(0, 1);
	unsigned x0 = F.n_x;

	F.sa_packets = 100;
	at(t0 + 200 * USEC_PER_SEC);
	t0 = bind_420(1, 2); /* 200 s on: a refresh of 420 s */
	at(t0 + 300 * USEC_PER_SEC);
	ck_assert_uint_eq(F.n_x, x0);
	/* The window starts only now, with the new lifetime's times; in use: one BRR. */
	at(t0 + 336 * USEC_PER_SEC);
	F.sa_packets = 101;
	at(t0 + 378 * USEC_PER_SEC);
	ck_assert_uint_eq(F.n_x, x0 + 2);
	ck_assert_uint_eq(F.n_sent, 1);
	check_brr(&F.sent[0]);
}
END_TEST

/*
 * No BRR for a binding the MN deleted (§9.5.3) nor for one the kernel has no state of
 * (the read fails: nothing says it is in use).
 */
START_TEST(no_brr_for_a_deleted_binding)
{
	uint8_t kdel[20], b[32];
	uint16_t hni, cni;
	usec_t t0 = bind_420(0, 1);
	unsigned x0;

	rr(0, &hni, &cni);
	ref_kbm(0, HOA, -1, NULL, kdel);
	bu_bytes(b, 2, 0, 0, hni, 0, kdel, HOA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert(!has_binding(NULL));
	x0 = F.n_x;
	F.sa_packets = 7;
	at(t0 + 336 * USEC_PER_SEC);
	F.sa_packets = 70;
	at(t0 + 378 * USEC_PER_SEC);
	at(t0 + 419 * USEC_PER_SEC);
	ck_assert_uint_eq(F.n_x, x0);
	ck_assert_uint_eq(F.n_sent, 0);
	ck_assert_uint_eq(F.m->counters.mh_out[0], 0);

	/* A binding whose route2 state the kernel does not know (ESRCH). */
	F.now = t0 + 500 * USEC_PER_SEC;
	t0 = bind_420(1, 3);
	F.fail_type = XFRM_MSG_GETSA;
	F.fail_proto = IPPROTO_ROUTING;
	F.fail_errno = -ESRCH;
	x0 = F.n_x;
	at(t0 + 336 * USEC_PER_SEC);
	ck_assert_uint_eq(F.n_x, x0 + 1);
	F.fail_errno = 0;
	F.sa_packets = 700;
	at(t0 + 378 * USEC_PER_SEC);
	ck_assert_uint_eq(F.n_x, x0 + 1); /* the window's start unknown: no second read */
	ck_assert_uint_eq(F.n_sent, 0);
	ck_assert_uint_eq(status_u64("brr_read_failures"), 1);
}
END_TEST

#define HOA2 "2001:db8:1::200"
#define COA_2 "2001:db8:2::200"
#define HOA3 "2001:db8:1::300"
#define COA_3 "2001:db8:2::300"

/*
 * RFC 6275 §9.5.3 with §5.2.8: the DELETED entry of a deregistered home address is
 * the only guard against a replay of its registration while that BU's nonces are
 * acceptable. A cache full of it and a binding refuses a newcomer with 130 and a
 * BAD, even without A (§9.5.4), instead of dropping the guard; the replay then gets
 * 135. Once the guard's memory is over (MAX_NONCE_LIFETIME after the deletion, the
 * entry's timer late) it makes room.
 */
START_TEST(full_cache_keeps_the_replay_guard)
{
	uint8_t kbm[20], kdel[20], k2[20], k3[20], reg[32], b[32];
	uint16_t hni, cni;
	char out[4096];
	unsigned n;

	teardown();
	cache_max = 2;
	setup_with("NodeConfig CN;\n");
	cache_max = 0;
	rr(0, &hni, &cni);
	ref_kbm(0, HOA, 0, COA, kbm);
	bu_bytes(reg, 1, F_A, 25, hni, cni, kbm, COA);
	deliver_bu(reg, sizeof(reg), HOA, COA);
	ck_assert_uint_eq(check_ba(1, 25, kbm, COA), 0);
	ref_kbm(0, HOA, -1, NULL, kdel);
	bu_bytes(b, 2, F_A, 0, hni, 0, kdel, HOA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(2, 0, kdel, HOA), 0);
	/* A second binding: the cache (2) is full. */
	rr_for(0, HOA2, COA_2, &hni, &cni);
	ref_kbm(0, HOA2, 0, COA_2, k2);
	bu_bytes(b, 1, 0, 25, hni, cni, k2, COA_2);
	deliver_bu(b, sizeof(b), HOA2, COA_2);
	ck_assert_uint_eq(F.n_sent, F.n_seen);
	/* A third home address, without A: 130 with a BAD (§9.5.2, §9.5.4), nothing cached. */
	rr_for(0, HOA3, COA_3, &hni, &cni);
	ref_kbm(0, HOA3, 0, COA_3, k3);
	bu_bytes(b, 1, 0, 25, hni, cni, k3, COA_3);
	deliver_bu(b, sizeof(b), HOA3, COA_3);
	ck_assert_uint_eq(check_ba_to(HOA3, COA_3, 1, k3, COA_3), 130);
	ck_assert_int_ne(ctl_run("bc " HOA3, false, out, sizeof(out)), 0);
	ck_assert_uint_eq(status_u64("bu_refused_cache_full"), 1);
	/* The guard is still there: the registration replayed gets 135 and creates nothing. */
	deliver_bu(reg, sizeof(reg), HOA, COA);
	ck_assert_uint_eq(check_ba(2, 0, kbm, COA), 135);
	ck_assert(!has_binding(NULL));
	/* MAX_NONCE_LIFETIME after the deletion (no timer ran): the stale guard makes room. */
	F.now += RR_MAX_NONCE_LIFETIME_USEC;
	n = F.n_sent;
	rr_for(1, HOA3, COA_3, &hni, &cni);
	ref_kbm(1, HOA3, 1, COA_3, k3);
	bu_bytes(b, 2, 0, 25, hni, cni, k3, COA_3);
	deliver_bu(b, sizeof(b), HOA3, COA_3);
	ck_assert_uint_eq(F.n_sent, n + 2); /* the HoT and CoT only */
	ck_assert_int_eq(ctl_run("bc " HOA3, false, out, sizeof(out)), 0);
	ck_assert_uint_eq(status_u64("bu_refused_cache_full"), 1);
}
END_TEST

/*
 * §9.5.1: with an Alternate Care-of Address option the care-of keygen token and the
 * authenticator are those of that address ("MUST verify the authenticator by using
 * the address within the Alternate Care-of Address"), and the binding is for it; the
 * BA still goes to the packet's source (§9.5.4). Signed over the wire's source
 * instead: silently discarded.
 */
START_TEST(alternate_care_of_address)
{
	uint8_t kbm[20], kwire[20], b[56];
	uint16_t hni, cni, cni2;
	unsigned n;

	rr_for(0, HOA, COA2, &hni, &cni2);
	send_init(2, COA, NULL, 0x30);
	cni = check_test(4, COA, 0x30, 0);
	F.n_seen = F.n_sent;
	/* Signed with COA's token and address, the option naming COA2: no. */
	ref_kbm(0, HOA, 0, COA, kwire);
	n = F.n_sent;
	bu_alt_bytes(b, 1, F_A, hni, cni, COA2, kwire, COA, CN);
	deliver_bu_rx(b, sizeof(b), HOA, COA, CN);
	ck_assert_uint_eq(F.n_sent, n);
	ck_assert_uint_eq(F.m->counters.drops[DROP_RR_AUTH], 1);
	ck_assert(!has_binding(NULL));
	/* Signed with COA2's token and address: the binding is for COA2, the BA to COA. */
	ref_kbm(0, HOA, 0, COA2, kbm);
	bu_alt_bytes(b, 1, F_A, hni, cni2, COA2, kbm, COA2, CN);
	deliver_bu_rx(b, sizeof(b), HOA, COA, CN);
	ck_assert_uint_eq(check_ba(1, 25, kbm, COA2), 0);
	ck_assert(has_binding(COA2));
	ck_assert_uint_eq(F.n_x, 6);
	check_install(0, COA2);
}
END_TEST

/*
 * §9.5.4: "If the Source Address field of the IPv6 header that carried the Binding
 * Update does not contain a unicast address, the Binding Acknowledgement MUST NOT be
 * sent and the Binding Update packet MUST be silently discarded" - with an Alternate
 * Care-of Address option making the binding's care-of address a good one, and with H
 * (no 131 either). A BU sent to a multicast or link-local destination: the same, no
 * binding with such a correspondent address, nothing in the kernel.
 */
START_TEST(bu_from_or_to_a_non_unicast_address_is_discarded)
{
	static const char *const bad_src[] = { "::", "ff02::1", "ff0e::1", "::1", "::ffff:192.0.2.1" };
	static const char *const bad_dst[] = { "ff02::1", "ff05::2", "fe80::9", "::1" };
	uint8_t kbm[20], b[56];
	uint16_t hni, cni;
	uint64_t drops = 0;

	rr_for(0, HOA, COA2, &hni, &cni);
	ref_kbm(0, HOA, 0, COA2, kbm);
	F.n_sent = F.n_seen = 0;
	for (size_t i = 0; i < sizeof(bad_src) / sizeof(bad_src[0]); i++) {
		bu_alt_bytes(b, (uint16_t)(1 + i), F_A, hni, cni, COA2, kbm, COA2, CN);
		deliver_bu_rx(b, sizeof(b), HOA, bad_src[i], CN);
		bu_alt_bytes(b, (uint16_t)(1 + i), F_A | F_H, hni, cni, COA2, kbm, COA2, CN);
		deliver_bu_rx(b, sizeof(b), HOA, bad_src[i], CN);
		drops += 2;
		ck_assert_msg(F.n_sent == 0, "something sent for a BU from %s", bad_src[i]);
		ck_assert_msg(!has_binding(NULL), "a binding from a BU from %s", bad_src[i]);
		ck_assert_uint_eq(F.m->counters.drops[DROP_BAD_ADDRESS], drops);
	}
	for (size_t i = 0; i < sizeof(bad_dst) / sizeof(bad_dst[0]); i++) {
		bu_alt_bytes(b, (uint16_t)(1 + i), F_A, hni, cni, COA2, kbm, COA2, bad_dst[i]);
		deliver_bu_rx(b, sizeof(b), HOA, COA, bad_dst[i]);
		drops++;
		ck_assert_msg(F.n_sent == 0, "something sent for a BU to %s", bad_dst[i]);
		ck_assert_msg(!has_binding(NULL), "a binding from a BU to %s", bad_dst[i]);
		ck_assert_uint_eq(F.m->counters.drops[DROP_BAD_ADDRESS], drops);
	}
	ck_assert_uint_eq(F.n_x, 0);
	ck_assert_uint_eq(F.m->counters.drops[DROP_RR_AUTH], 0);
	/* The same BU from a unicast source to the CN: accepted (the test's control). */
	bu_alt_bytes(b, 1, F_A, hni, cni, COA2, kbm, COA2, CN);
	deliver_bu_rx(b, sizeof(b), HOA, COA, CN);
	ck_assert_uint_eq(check_ba(1, 25, kbm, COA2), 0);
	ck_assert(has_binding(COA2));
}
END_TEST

/* §9.4.3, §9.4.4: a HoTI or CoTI to a multicast address or from :: or a multicast one gets no test. */
START_TEST(test_init_from_or_to_a_non_unicast_address_is_ignored)
{
	static const char *const src[] = { "::", "ff02::1", HOA, COA };
	static const char *const dst[] = { CN, CN, "ff02::1", "ff05::1:3" };
	uint8_t b[16] = { 59, 1, 1, 0, 0, 0, 0, 0 };

	for (size_t i = 0; i < 4; i++)
		for (uint8_t type = 1; type <= 2; type++) {
			struct mh_rx_info rx = { .src = A(src[i]), .dst = A(dst[i]) };

			b[2] = type;
			io_mh_input(F.m->io, b, sizeof(b), &rx);
		}
	ck_assert_uint_eq(F.n_sent, 0);
	ck_assert_uint_eq(F.m->counters.drops[DROP_BAD_ADDRESS], 8);
	send_init(1, HOA, NULL, 0x10);
	ck_assert_uint_eq(F.n_sent, 1);
}
END_TEST

/*
 * Anyone can run return routability for addresses of its own and create, delete and
 * let expire as many bindings as it likes: the log lines about them share a bucket of
 * RejectedBuLogPerSec (10 here); the held ones are counted in log_suppressed.
 */
START_TEST(binding_log_lines_rate_limited)
{
	uint8_t kbm[20], kdel[20], b[32];
	uint16_t hni, cni;
	char hoa[64];

	send_init(2, COA, NULL, 0x20);
	cni = check_test(4, COA, 0x20, 0);
	for (unsigned i = 0; i < 20; i++) {
		snprintf(hoa, sizeof(hoa), "2001:db8:1::1:%x", i);
		send_init(1, hoa, NULL, 0x10);
		hni = check_test(3, hoa, 0x10, 0);
		ref_kbm(0, hoa, 0, COA, kbm);
		bu_bytes(b, 1, 0, 25, hni, cni, kbm, COA);
		deliver_bu(b, sizeof(b), hoa, COA);
		ref_kbm(0, hoa, -1, NULL, kdel);
		bu_bytes(b, 2, 0, 0, hni, 0, kdel, hoa);
		deliver_bu(b, sizeof(b), hoa, COA);
	}
	ck_assert_uint_eq(status_u64("bindings"), 0);
	ck_assert_uint_eq(status_u64("deleted_remembered"), 20);
	ck_assert_uint_eq(status_u64("ro_installs"), 20);
	/* 40 lines (20 created, 20 deleted): a burst of 10, maybe one more a slow machine earned. */
	ck_assert_uint_ge(F.m->counters.log_suppressed, 28);
	ck_assert_uint_le(F.m->counters.log_suppressed, 30);
}
END_TEST

/*
 * §9.3.3: "If the Source Address field does not contain a unicast address, the Binding
 * Error message MUST NOT be sent": a report whose wire source (coaddr) or destination
 * is none gets nothing, nor one that is not the hao type's; each counted by reason,
 * and no token of BindingErrorsPerSec is spent on them.
 */
START_TEST(report_without_binding_error_counted)
{
	kernel_reports(IPPROTO_DSTOPTS, HOA, "::");
	kernel_reports(IPPROTO_DSTOPTS, HOA, "ff02::1");
	kernel_reports(IPPROTO_DSTOPTS, HOA, "::ffff:192.0.2.1");
	kernel_reports_to(IPPROTO_DSTOPTS, HOA, "ff02::1", COA);
	kernel_reports(IPPROTO_ROUTING, HOA, COA);
	ck_assert_uint_eq(F.n_sent, 0);
	ck_assert_uint_eq(status_u64("xfrm_reports_not_unicast"), 4);
	ck_assert_uint_eq(status_u64("xfrm_reports_not_hao"), 1);
	ck_assert_uint_eq(F.m->counters.drops[DROP_RATE], 0);
	kernel_reports(IPPROTO_DSTOPTS, HOA, COA);
	ck_assert_uint_eq(F.n_sent, 1);
	ck_assert_uint_eq(status_u64("be_unknown_hao_sent"), 1);
}
END_TEST

/*
 * §9.5.1 with §6.1.7: a home address or care-of address (the packet's source, or the
 * Alternate Care-of Address option's) that is not unicast routable: silently discarded,
 * counted bad-address, nothing cached, nothing in the kernel, even with A.
 */
START_TEST(home_or_care_of_address_not_routable_is_discarded)
{
	static const char *const bad[] = { "fe80::1", "ff0e::1", "::1", "::ffff:192.0.2.1" };
	uint8_t kbm[20] = { 0 }, b[56];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bu_bytes(b, 1, F_A, 25, 0, 0, kbm, COA);
		deliver_bu(b, 32, bad[i], COA);     /* the home address */
		bu_bytes(b, 1, F_A, 25, 0, 0, kbm, COA);
		deliver_bu(b, 32, HOA, bad[i]);     /* the care-of address on the wire (HAO) */
		bu_alt_bytes(b, 1, F_A, 0, 0, bad[i], kbm, COA, CN);
		deliver_bu_rx(b, 56, HOA, COA, CN); /* the Alternate Care-of Address */
	}
	ck_assert_uint_eq(F.n_sent, 0);
	ck_assert_uint_eq(F.m->counters.drops[DROP_BAD_ADDRESS], 12);
	ck_assert_uint_eq(F.m->counters.drops[DROP_RR_AUTH], 0);
	ck_assert_uint_eq(F.n_x, 0);
	ck_assert_uint_eq(status_u64("bindings"), 0);
	ck_assert_uint_eq(status_u64("deleted_remembered"), 0);
}
END_TEST

/* §9.5.3: a deletion for a home address without an entry: "MUST NOT be created"; BA 0 with A. */
START_TEST(deletion_without_an_entry_creates_nothing)
{
	uint8_t kdel[20], b[32];
	uint16_t hni, cni;

	rr(0, &hni, &cni);
	ref_kbm(0, HOA, -1, NULL, kdel);
	bu_bytes(b, 9, F_A, 0, hni, 0, kdel, HOA);
	deliver_bu(b, sizeof(b), HOA, COA);
	ck_assert_uint_eq(check_ba(9, 0, kdel, HOA), 0);
	ck_assert(!has_binding(NULL));
	ck_assert_uint_eq(status_u64("bindings"), 0);
	ck_assert_uint_eq(status_u64("deleted_remembered"), 0);
	ck_assert_uint_eq(F.n_x, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cn");
	TCase *tc = tcase_create("cn");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, rr_answers_with_independent_tokens);
	tcase_add_test(tc, test_init_with_hao_is_ignored);
	tcase_add_test(tc, no_bu_served_before_the_setup_completes);
	tcase_add_test(tc, bu_accepted_and_acknowledged);
	tcase_add_test(tc, data_path_follows_the_binding);
	tcase_add_test(tc, failed_install_refuses_the_bu);
	tcase_add_test(tc, hao_without_binding_gives_binding_error_1);
	tcase_add_test(tc, wrong_authenticator_is_discarded);
	tcase_add_test(tc, bu_without_rr_options_is_discarded);
	tcase_add_test(tc, nonce_lifetimes_and_expired_indices);
	tcase_add_test(tc, old_sequence_number_gives_135);
	tcase_add_test(tc, lifetime_clamped_and_binding_expires);
	tcase_add_test(tc, deregistration_with_home_token_only);
	tcase_add_test(tc, deregistration_signed_with_the_care_of_address);
	tcase_add_test(tc, home_registration_gives_131);
	tcase_add_test(tc, home_registration_over_a_binding_gives_139);
	tcase_add_test(tc, nonce_window_over_a_long_run);
	tcase_add_test(tc, route_optimisation_disabled);
	tcase_add_test(tc, brr_before_expiry_of_a_binding_in_use);
	tcase_add_test(tc, no_brr_when_the_mn_refreshes_in_time);
	tcase_add_test(tc, no_brr_for_a_deleted_binding);
	tcase_add_test(tc, full_cache_keeps_the_replay_guard);
	tcase_add_test(tc, binding_log_lines_rate_limited);
	tcase_add_test(tc, report_without_binding_error_counted);
	tcase_add_test(tc, home_or_care_of_address_not_routable_is_discarded);
	tcase_add_test(tc, deletion_without_an_entry_creates_nothing);
	tcase_add_test(tc, alternate_care_of_address);
	tcase_add_test(tc, bu_from_or_to_a_non_unicast_address_is_discarded);
	tcase_add_test(tc, test_init_from_or_to_a_non_unicast_address_is_ignored);
	tcase_add_test(tc, crypto_prepared_at_start);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
