/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the Mobility Header parser. When a message parses, build it again
 * from the parsed struct and parse the result: that must succeed and agree
 * on the type, the fixed fields and the decoded options. The checksum path
 * runs too, with fixed addresses, on every input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mh/mh-codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

static void same_fixed(const struct mh_msg *a, const struct mh_msg *b)
{
	check(a->type == b->type);
	switch (a->type) {
	case MH_TYPE_HOTI:
	case MH_TYPE_COTI:
		check(memcmp(&a->hoti, &b->hoti, sizeof(a->hoti)) == 0);
		break;
	case MH_TYPE_HOT:
	case MH_TYPE_COT:
		check(a->hot.nonce_index == b->hot.nonce_index);
		check(memcmp(a->hot.cookie, b->hot.cookie, MH_COOKIE_LEN) == 0);
		check(memcmp(a->hot.keygen_token, b->hot.keygen_token, MH_KEYGEN_TOKEN_LEN) == 0);
		break;
	case MH_TYPE_BU:
		check(a->bu.seq == b->bu.seq && a->bu.flags == b->bu.flags &&
		      a->bu.lifetime == b->bu.lifetime);
		break;
	case MH_TYPE_BA:
		check(a->ba.status == b->ba.status && a->ba.flags == b->ba.flags &&
		      a->ba.seq == b->ba.seq && a->ba.lifetime == b->ba.lifetime);
		break;
	case MH_TYPE_BE:
		check(a->be.status == b->be.status &&
		      memcmp(&a->be.hoa, &b->be.hoa, sizeof(a->be.hoa)) == 0);
		break;
	default:
		break;
	}
}

static void same_opts(const struct mh_opts *a, const struct mh_opts *b)
{
	check(a->present == b->present);
	check(a->n_mnp == b->n_mnp);
	if (a->present & MH_OPT_BIT(MH_OPT_BRA))
		check(a->refresh == b->refresh);
	if (a->present & MH_OPT_BIT(MH_OPT_ALT_COA))
		check(memcmp(&a->alt_coa, &b->alt_coa, sizeof(a->alt_coa)) == 0);
	if (a->present & MH_OPT_BIT(MH_OPT_NONCE_IDX))
		check(a->home_nonce_index == b->home_nonce_index &&
		      a->careof_nonce_index == b->careof_nonce_index);
	if (a->present & MH_OPT_BIT(MH_OPT_AUTH))
		check(memcmp(a->auth, b->auth, MH_BAD_LEN) == 0);
	for (unsigned i = 0; i < a->n_mnp; i++)
		check(a->mnp[i].prefix_len == b->mnp[i].prefix_len &&
		      memcmp(&a->mnp[i].prefix, &b->mnp[i].prefix, 16) == 0);
	/* What the builder writes is clean. */
	check(b->n_unknown == 0 && b->n_misaligned == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct in6_addr src = { { { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } } };
	static const struct in6_addr dst = { { { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 } } };
	struct mh_msg m, m2;
	struct mh_parse_error e;
	uint8_t out[MH_LEN_MAX];
	size_t len;
	int r;

	if (!data || size > 4096)
		return 0;
	r = mh_parse(data, size, NULL, NULL, &m, &e);
	check(mh_err_reaction(e.kind) >= 0 && mh_err_to_string(e.kind));
	check((r == 0) == (e.kind == MH_ERR_NONE));
	/* With addresses, the result may differ only by a checksum error. */
	(void)mh_parse(data, size, &src, &dst, &m2, NULL);
	if (r < 0)
		return 0;

	check(mh_type_to_string(m.type) != NULL);
	check(mh_build(&m, out, sizeof(out), &len) == 0);
	check(len % 8 == 0 && len >= mh_type_min_len((uint8_t)m.type));
	check(mh_parse(out, len, NULL, NULL, &m2, &e) == 0);
	same_fixed(&m, &m2);
	same_opts(&m.opts, &m2.opts);
	if (m2.opts.present & MH_OPT_BIT(MH_OPT_AUTH))
		check(m2.opts.auth_offset == len - MH_BAD_LEN);

	/* A filled checksum verifies. */
	check(mh_checksum_fill(out, len, &src, &dst) == 0);
	check(mh_checksum(&src, &dst, out, len) == 0);
	check(mh_parse(out, len, &src, &dst, &m2, NULL) == 0);
	return 0;
}
