/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the ND / DHAAD / MPD codec: dispatch on the ICMPv6 Type byte; a
 * message that parses is rebuilt and re-parsed, which must succeed and give
 * the same struct (the parsers zero their output first, so memcmp holds).
 * The checksum helpers and ndisc_rx_check() run over the input too; a DHAAD Reply
 * also goes through the MN's address filter (mn_dhaad_reply_agents), an MPA through
 * the MN's test and prefix list (mpa_check, mnp_apply); a Parameter Problem's quoted header
 * chain is checked for offsets inside it. Every input also goes through the type 2 routing header parser (core/rh2.h, IPV6_RTHDR ancillary data), whose
 * result must rebuild and re-parse to the same address.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/rh2.h"
#include "icmp6/ndisc.h"
#include "mn/mn-dhaad.h"
#include "mn/mn-prefixes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Largest rebuilt message: an RA with every field and 64 prefixes. */
#define OUT_MAX (NDISC_RA_HDR_LEN + 32 + 8 + 8 + 8 + NDISC_PREFIX_INFO_LEN * NDISC_MAX_PREFIXES)

#define ROUND_TRIP(T, parse, build)                                                 \
	do {                                                                       \
		static T a, b;                                                     \
		static uint8_t out[OUT_MAX];                                       \
		size_t n;                                                          \
		if (parse(data, size, &a) < 0)                                     \
			break;                                                     \
		if (build(&a, out, sizeof(out), &n) < 0)                           \
			abort();                                                   \
		if (parse(out, n, &b) < 0)                                         \
			abort();                                                   \
		if (memcmp(&a, &b, sizeof(a)) != 0)                                \
			abort();                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in6_addr src = {}, dst = {};

	if (size == 0 || size > 65535)
		return 0;
	{
		struct in6_addr a, b;
		uint8_t rh[RH2_LEN];

		if (rh2_parse(data, size, &a) == 0) {
			rh2_build(&a, rh);
			if (rh2_parse(rh, sizeof(rh), &b) < 0 || memcmp(&a, &b, sizeof(a)) != 0)
				abort();
		}
	}
	switch (data[0]) {
	case NDISC_TYPE_RS:
		ROUND_TRIP(struct ndisc_rs, ndisc_rs_parse, ndisc_rs_build);
		break;
	case NDISC_TYPE_RA:
		ROUND_TRIP(struct ndisc_ra, ndisc_ra_parse, ndisc_ra_build);
		break;
	case NDISC_TYPE_NS:
		ROUND_TRIP(struct ndisc_ns, ndisc_ns_parse, ndisc_ns_build);
		break;
	case NDISC_TYPE_NA:
		ROUND_TRIP(struct ndisc_na, ndisc_na_parse, ndisc_na_build);
		break;
	case NDISC_TYPE_DHAAD_REQUEST:
		ROUND_TRIP(struct ndisc_dhaad_request, ndisc_dhaad_request_parse,
			   ndisc_dhaad_request_build);
		break;
	case NDISC_TYPE_DHAAD_REPLY: {
		static struct ndisc_dhaad_reply rep;
		struct in6_addr agents[MN_DHAAD_MAX_AGENTS];

		ROUND_TRIP(struct ndisc_dhaad_reply, ndisc_dhaad_reply_parse,
			   ndisc_dhaad_reply_build);
		/* The MN's view of a Reply (RFC 6275 §11.4.1): the home agents it would try. */
		static const struct in6_addr home = { { { 0x20, 0x01, 0x0d, 0xb8, 0, 1 } } };

		if (ndisc_dhaad_reply_parse(data, size, &rep) == 0 &&
		    mn_dhaad_reply_agents(&rep, &home, 64, agents, MN_DHAAD_MAX_AGENTS) > rep.n_addrs)
			abort();
		break;
	}
	case NDISC_TYPE_MPS:
		ROUND_TRIP(struct ndisc_mps, ndisc_mps_parse, ndisc_mps_build);
		break;
	case NDISC_TYPE_MPA: {
		static struct ndisc_mpa mpa;
		static struct mnp_list list;
		struct mps_state st = { .outstanding = true };
		static const struct in6_addr home = { { { 0x20, 0x01, 0x0d, 0xb8, 0, 1 } } };

		ROUND_TRIP(struct ndisc_mpa, ndisc_mpa_parse, ndisc_mpa_build);
		/* The MN's test and use of an Advertisement (RFC 6275 §11.4.3): bounded list. */
		if (ndisc_mpa_parse(data, size, &mpa) == 0) {
			st.id = mpa.id;
			mnp_init(&list, &home, 64);
			if (mpa_check(&st, &home, &home, &mpa) != MPA_ACCEPT ||
			    mnp_apply(&list, &mpa, 1) > mpa.n_prefixes || list.n > MNP_MAX)
				abort();
		}
		break;
	}
	case NDISC_TYPE_PARAM_PROBLEM: {
		/* RFC 4443 §3.4 and the quoted header chain: every offset inside what came. */
		static struct ndisc_param_problem pp;
		const struct ndisc_invoking *v = &pp.inv;

		if (ndisc_param_problem_parse(data, size, &pp) < 0)
			break;
		if (pp.invoking != data + 8 || pp.invoking_len + 8 != size || pp.invoking_len < NDISC_IPV6_HDR_LEN)
			abort();
		if (v->complete && (v->nh_offset >= v->upper_offset || v->upper_offset > pp.invoking_len ||
				    pp.invoking[v->nh_offset] != v->proto))
			abort();
		if (v->has_hao && (v->hao_offset + 18 > pp.invoking_len || pp.invoking[v->hao_offset] != NDISC_OPT_HAO ||
				   memcmp(&v->hao, pp.invoking + v->hao_offset + 2, 16) != 0))
			abort();
		break;
	}
	default:
		break;
	}
	/* Pseudo-header from the input's last 32 bytes when there are enough. */
	if (size >= 36) {
		memcpy(&src, data + size - 32, 16);
		memcpy(&dst, data + size - 16, 16);
	}
	(void)ndisc_checksum_ok(&src, &dst, data, size);
	(void)ndisc_checksum(&src, &dst, data, size);
	(void)ndisc_rx_check(data[0], size > 1 ? data[1] : -1, &src, &dst);
	return 0;
}
