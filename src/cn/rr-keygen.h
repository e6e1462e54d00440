/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The correspondent node's return routability secrets (RFC 6275 §5.2.3-5.2.7):
 * the node keys Kcn, the nonces and their indices, the keygen tokens, and
 * the binding management key and authenticator built from them.
 *
 * Nonces (§5.2.7): a nonce is made on demand, when a HoTI or CoTI needs the
 * current one and it is RR_NONCE_PERIOD_USEC old or more, so its creation
 * time is its first use. It stays acceptable until MAX_NONCE_LIFETIME after
 * that (never beyond: "MUST NOT accept nonces beyond MAX_NONCE_LIFETIME
 * seconds after the first use"), which is at least MAX_TOKEN_LIFETIME after
 * its last use (the RECOMMENDED minimum) because it is current for at most
 * MAX_NONCE_LIFETIME - MAX_TOKEN_LIFETIME = 30 s. With one nonce per 30 s at
 * most, RR_NONCES (8) slots hold every acceptable one.
 *
 * Kcn (§5.2.3): 20 octets from the CSPRNG. A new Kcn comes with each nonce
 * ("An update of Kcn SHOULD be done at the same time as an update of a
 * nonce", §5.2.7), so a nonce index names both. Neither is ever logged or
 * written out; they are wiped when replaced or freed.
 *
 * Pure apart from the random source, which the caller may replace (tests
 * give known bytes); the time is always an argument (CLOCK_BOOTTIME µs).
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/time-util.h"

/* RFC 6275 §12. */
#define RR_MAX_NONCE_LIFETIME_USEC (240 * USEC_PER_SEC)
#define RR_MAX_TOKEN_LIFETIME_USEC (210 * USEC_PER_SEC)
#define RR_MAX_RR_BINDING_LIFETIME 420 /* seconds */
/* §5.2.7: "generate a new nonce every 30 seconds", accept the last 8. */
#define RR_NONCE_PERIOD_USEC (RR_MAX_NONCE_LIFETIME_USEC - RR_MAX_TOKEN_LIFETIME_USEC)
#define RR_NONCES (RR_MAX_NONCE_LIFETIME_USEC / RR_NONCE_PERIOD_USEC)

#define RR_KCN_LEN 20   /* §5.2.3: "a random 20 octet secret key" */
#define RR_NONCE_LEN 8  /* §5.2.3 leaves the length open */
#define RR_TOKEN_LEN 8  /* First(64, ...) */
#define RR_KBM_LEN 20   /* SHA1 */
#define RR_AUTH_LEN 12  /* First(96, ...) */

/* The final octet inside the HMAC (§5.2.5): 0 for the home, 1 for the care-of token. */
enum rr_token_kind {
	RR_HOME = 0,
	RR_CAREOF = 1,
};

/* Fill buf with len random octets; 0 or a negative errno. */
typedef int (*rr_rand_fn)(void *buf, size_t len, void *userdata);

struct rr_keygen;

/*
 * rand NULL: getrandom(2). The first nonce and Kcn are made now (§9.4.1: before the first RR),
 * after rr_crypto_prepare() (its error returned).
 */
int rr_keygen_new(rr_rand_fn rand, void *userdata, usec_t now, struct rr_keygen **ret);
struct rr_keygen *rr_keygen_free(struct rr_keygen *k);

/*
 * The keygen token of addr with the current nonce (a new nonce and Kcn when
 * the current one is RR_NONCE_PERIOD_USEC old), and that nonce's index
 * (§9.4.3, §9.4.4). 0 or a negative errno (the random source failed).
 */
int rr_keygen_token_now(struct rr_keygen *k, usec_t now, const struct in6_addr *addr,
			enum rr_token_kind kind, uint16_t *ret_index, uint8_t token[RR_TOKEN_LEN]);
/*
 * The keygen token of addr with the nonce of index (§9.5.1: "re-generate the
 * home keygen token and the care-of keygen token"). -ESTALE when no nonce
 * with that index is acceptable at `now` any more (or never was).
 */
int rr_keygen_token_at(const struct rr_keygen *k, usec_t now, uint16_t index, const struct in6_addr *addr,
		       enum rr_token_kind kind, uint8_t token[RR_TOKEN_LEN]);
/* Whether the nonce of index is acceptable at now. */
bool rr_keygen_index_valid(const struct rr_keygen *k, usec_t now, uint16_t index);

/*
 * Kbm = SHA1(home keygen token | care-of keygen token), or SHA1(home keygen
 * token) for a deregistration: careof NULL (§5.2.5, §5.2.6).
 */
void rr_kbm(const uint8_t home[RR_TOKEN_LEN], const uint8_t *careof, uint8_t kbm[RR_KBM_LEN]);
/*
 * Authenticator = First(96, HMAC_SHA1(Kbm, care-of address | correspondent |
 * MH Data)) (§6.2.7). mh_data: the Mobility Header up to (not including) the
 * Authenticator; its Checksum field is taken as zero whatever it holds.
 * -EINVAL if mh_len < 6.
 */
int rr_authenticator(const uint8_t kbm[RR_KBM_LEN], const struct in6_addr *coa, const struct in6_addr *cn,
		     const uint8_t *mh_data, size_t mh_len, uint8_t auth[RR_AUTH_LEN]);
/* Constant-time comparison of two authenticators. */
bool rr_authenticator_equal(const uint8_t a[RR_AUTH_LEN], const uint8_t b[RR_AUTH_LEN]);

/*
 * OpenSSL's first HMAC or digest in a process loads its configuration and default provider and
 * fetches the algorithm: 0.15–0.25 s under TCG (a few ms natively), which the first HoTI/CoTI
 * answered and the MN's first BU to a correspondent waited for. A role that uses these
 * functions calls this at its start: that work is done then, with a known-answer test of
 * HMAC-SHA1 (RFC 2202 §3, test case 1) and SHA-1 (FIPS 180-4's "abc"). 0, or -EIO when
 * OpenSSL fails or answers wrongly (the role does not start: no RR on broken crypto).
 * Idempotent; rr_crypto_ready() says whether it succeeded in this process.
 */
int rr_crypto_prepare(void);
bool rr_crypto_ready(void);

/* For `mip6ctl status`: the nonces acceptable at now and the current index. */
unsigned rr_keygen_nonces_valid(const struct rr_keygen *k, usec_t now);
uint16_t rr_keygen_current_index(const struct rr_keygen *k);
