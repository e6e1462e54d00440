/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cn/rr-keygen.h"
#include "mh/mh-codec.h"

struct rr_nonce {
	bool used;
	uint16_t index;
	usec_t created; /* its first use (made on demand) */
	uint8_t nonce[RR_NONCE_LEN];
	uint8_t kcn[RR_KCN_LEN];
};

struct rr_keygen {
	rr_rand_fn rand;
	void *userdata;
	struct rr_nonce slot[RR_NONCES];
	unsigned current; /* slot of the current nonce */
	uint16_t next_index;
};

static int rand_getrandom(void *buf, size_t len, void *userdata)
{
	(void)userdata;
	for (size_t done = 0; done < len;) {
		ssize_t n = getrandom((uint8_t *)buf + done, len - done, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return 0;
}

/* A new nonce and Kcn in the oldest slot (it is expired: at most one nonce per period). */
static int rotate(struct rr_keygen *k, usec_t now)
{
	unsigned next = k->slot[k->current].used ? (k->current + 1) % RR_NONCES : k->current;
	struct rr_nonce n = { .used = true, .index = k->next_index, .created = now };
	int r = k->rand(n.nonce, sizeof(n.nonce), k->userdata);

	if (r >= 0)
		r = k->rand(n.kcn, sizeof(n.kcn), k->userdata);
	if (r < 0) {
		OPENSSL_cleanse(&n, sizeof(n));
		return r;
	}
	OPENSSL_cleanse(&k->slot[next], sizeof(k->slot[next]));
	k->slot[next] = n;
	OPENSSL_cleanse(&n, sizeof(n));
	k->current = next;
	k->next_index++;
	return 0;
}

static bool crypto_ready;

int rr_crypto_prepare(void)
{
	/* RFC 2202 §3 test case 1: key 0x0b x 20, data "Hi There". */
	static const uint8_t hmac_want[SHA_DIGEST_LENGTH] = {
		0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72, 0x64, 0xe2, 0x8b,
		0xc0, 0xb6, 0xfb, 0x37, 0x8c, 0x8e, 0xf1, 0x46, 0xbe, 0x00,
	};
	/* FIPS 180-4 (and RFC 3174 §7.3 TEST1): SHA-1("abc"). */
	static const uint8_t sha1_want[SHA_DIGEST_LENGTH] = {
		0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e,
		0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d,
	};
	uint8_t key[20], md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;

	if (crypto_ready)
		return 0;
	memset(key, 0x0b, sizeof(key));
	if (!HMAC(EVP_sha1(), key, sizeof(key), (const uint8_t *)"Hi There", 8, md, &md_len) ||
	    md_len != SHA_DIGEST_LENGTH || memcmp(md, hmac_want, SHA_DIGEST_LENGTH) != 0)
		return -EIO;
	if (!SHA1((const uint8_t *)"abc", 3, md) || memcmp(md, sha1_want, SHA_DIGEST_LENGTH) != 0)
		return -EIO;
	crypto_ready = true;
	return 0;
}

bool rr_crypto_ready(void)
{
	return crypto_ready;
}

int rr_keygen_new(rr_rand_fn rand, void *userdata, usec_t now, struct rr_keygen **ret)
{
	struct rr_keygen *k;
	uint16_t first;
	int r;

	r = rr_crypto_prepare();
	if (r < 0)
		return r;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->rand = rand ? rand : rand_getrandom;
	k->userdata = userdata;
	/* A random first index: indices from before a restart are unlikely to name a new nonce. */
	r = k->rand(&first, sizeof(first), k->userdata);
	k->next_index = first;
	if (r >= 0)
		r = rotate(k, now);
	if (r < 0) {
		rr_keygen_free(k);
		return r;
	}
	*ret = k;
	return 0;
}

struct rr_keygen *rr_keygen_free(struct rr_keygen *k)
{
	if (k) {
		OPENSSL_cleanse(k->slot, sizeof(k->slot));
		free(k);
	}
	return NULL;
}

static bool slot_valid(const struct rr_nonce *n, usec_t now)
{
	/* §5.2.7: never beyond MAX_NONCE_LIFETIME after the first use. */
	return n->used && now >= n->created && now - n->created < RR_MAX_NONCE_LIFETIME_USEC;
}

static const struct rr_nonce *find(const struct rr_keygen *k, usec_t now, uint16_t index)
{
	for (unsigned i = 0; i < RR_NONCES; i++)
		if (k->slot[i].used && k->slot[i].index == index)
			return slot_valid(&k->slot[i], now) ? &k->slot[i] : NULL;
	return NULL;
}

/* First(64, HMAC_SHA1(Kcn, (address | nonce | kind))) (§5.2.5). */
static void token(const struct rr_nonce *n, const struct in6_addr *addr, enum rr_token_kind kind,
		  uint8_t out[RR_TOKEN_LEN])
{
	uint8_t in[sizeof(*addr) + RR_NONCE_LEN + 1], md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;

	memcpy(in, addr, sizeof(*addr));
	memcpy(in + sizeof(*addr), n->nonce, RR_NONCE_LEN);
	in[sizeof(in) - 1] = kind == RR_CAREOF ? 1 : 0;
	HMAC(EVP_sha1(), n->kcn, RR_KCN_LEN, in, sizeof(in), md, &md_len);
	memcpy(out, md, RR_TOKEN_LEN);
	OPENSSL_cleanse(md, sizeof(md));
}

int rr_keygen_token_now(struct rr_keygen *k, usec_t now, const struct in6_addr *addr,
			enum rr_token_kind kind, uint16_t *ret_index, uint8_t out[RR_TOKEN_LEN])
{
	const struct rr_nonce *cur = &k->slot[k->current];
	int r;

	if (!cur->used || now < cur->created || now - cur->created >= RR_NONCE_PERIOD_USEC) {
		r = rotate(k, now);
		if (r < 0)
			return r;
		cur = &k->slot[k->current];
	}
	token(cur, addr, kind, out);
	*ret_index = cur->index;
	return 0;
}

int rr_keygen_token_at(const struct rr_keygen *k, usec_t now, uint16_t index, const struct in6_addr *addr,
		       enum rr_token_kind kind, uint8_t out[RR_TOKEN_LEN])
{
	const struct rr_nonce *n = find(k, now, index);

	if (!n)
		return -ESTALE;
	token(n, addr, kind, out);
	return 0;
}

bool rr_keygen_index_valid(const struct rr_keygen *k, usec_t now, uint16_t index)
{
	return find(k, now, index) != NULL;
}

void rr_kbm(const uint8_t home[RR_TOKEN_LEN], const uint8_t *careof, uint8_t kbm[RR_KBM_LEN])
{
	uint8_t in[2 * RR_TOKEN_LEN];

	memcpy(in, home, RR_TOKEN_LEN);
	if (careof)
		memcpy(in + RR_TOKEN_LEN, careof, RR_TOKEN_LEN);
	SHA1(in, careof ? sizeof(in) : RR_TOKEN_LEN, kbm);
	OPENSSL_cleanse(in, sizeof(in));
}

int rr_authenticator(const uint8_t kbm[RR_KBM_LEN], const struct in6_addr *coa, const struct in6_addr *cn,
		     const uint8_t *mh_data, size_t mh_len, uint8_t auth[RR_AUTH_LEN])
{
	uint8_t in[2 * sizeof(struct in6_addr) + MH_LEN_MAX], md[EVP_MAX_MD_SIZE];
	size_t off = 2 * sizeof(struct in6_addr);
	unsigned md_len = 0;

	if (!mh_data || mh_len < MH_HDR_LEN || mh_len > MH_LEN_MAX)
		return -EINVAL;
	memcpy(in, coa, sizeof(*coa));
	memcpy(in + sizeof(*coa), cn, sizeof(*cn));
	memcpy(in + off, mh_data, mh_len);
	/* §6.2.7: "calculated as if the Checksum field in the Mobility Header was zero". */
	in[off + MH_CHECKSUM_OFFSET] = 0;
	in[off + MH_CHECKSUM_OFFSET + 1] = 0;
	if (!HMAC(EVP_sha1(), kbm, RR_KBM_LEN, in, off + mh_len, md, &md_len))
		return -EIO;
	memcpy(auth, md, RR_AUTH_LEN);
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

bool rr_authenticator_equal(const uint8_t a[RR_AUTH_LEN], const uint8_t b[RR_AUTH_LEN])
{
	return CRYPTO_memcmp(a, b, RR_AUTH_LEN) == 0;
}

unsigned rr_keygen_nonces_valid(const struct rr_keygen *k, usec_t now)
{
	unsigned n = 0;

	for (unsigned i = 0; i < RR_NONCES; i++)
		n += slot_valid(&k->slot[i], now);
	return n;
}

uint16_t rr_keygen_current_index(const struct rr_keygen *k)
{
	return k->slot[k->current].index;
}
