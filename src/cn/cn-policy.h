/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The correspondent node's decision on a Binding Update (RFC 6275 §9.5.1 to
 * §9.5.4, §5.2.6), pure: the parsed BU and its bytes, the addresses, the
 * return routability secrets and the cache entry in, a decision out. The
 * role carries it out (cache, BA). Order of the checks:
 *
 *   IPv6 source on the wire not unicast, or the
 *   destination not a unicast routable address     -> discard, no BA (§9.5.4)
 *   home or care-of address not unicast routable   -> discard (§9.5.1)
 *   H bit set, a VALID entry (a correspondent
 *   binding) for the home address                  -> reject 139, BA always,
 *                                                     without BAD (§9.5.1)
 *   H bit set otherwise                            -> reject 131, BA always,
 *                                                     without BAD (§10.3.1: not a
 *                                                     home agent)
 *   no Nonce Indices or no Binding Authorization
 *   Data option, or trailing octets after it       -> discard (§9.5.1)
 *   home nonce index unknown / care-of nonce index
 *   unknown (not looked at for a deletion) / both  -> reject 136 / 137 / 138,
 *                                                     BA always, without BAD (§9.5.4)
 *   authenticator does not verify                  -> discard (§9.5.1: "MUST be
 *                                                     silently discarded")
 *   sequence number not newer than the entry's     -> reject 135 with the entry's
 *                                                     number, BA always, with BAD
 *   lifetime 0 (or care-of address = home address) -> delete (§9.5.3), BA if A
 *   otherwise                                      -> cache (§9.5.2) for
 *                                                     min(Lifetime, MAX_RR_BINDING_LIFETIME),
 *                                                     BA if A
 *
 * Kbm (§5.2.5): SHA1(home token | care-of token); SHA1(home token) when the
 * lifetime is 0, and then the "care-of address" of the authenticator is the
 * home address (§6.2.7) or, failing that, the BU's care-of address (§11.7.2's
 * reading for a deletion from away). The care-of address is the Alternate Care-of
 * Address option's when there is one (§9.5.1), else the packet's source.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cn/cn-bcache.h"
#include "cn/rr-keygen.h"
#include "manager.h"
#include "mh/mh-codec.h"

enum cn_action {
	CN_DISCARD,  /* silently: no BA */
	CN_REJECT,   /* BA with status >= 128 when send_ba */
	CN_CACHE,    /* create or refresh the entry */
	CN_DELETE,   /* delete the entry (if any) */
};

struct cn_bu_in {
	const struct mh_msg *msg;    /* parsed, MH_TYPE_BU */
	const uint8_t *raw;          /* the MH as received */
	size_t raw_len;
	struct in6_addr hoa;         /* the IPv6 source after HAO processing */
	struct in6_addr src;         /* the packet's source on the wire (the CoA with a HAO) */
	struct in6_addr cn;          /* the correspondent address (the IPv6 destination) */
	const struct cn_bce *entry;  /* the cache entry of hoa, VALID or DELETED, or NULL */
	usec_t now;
};

struct cn_decision {
	enum cn_action action;
	enum mip6_drop drop;       /* CN_DISCARD: why (a counter) */
	uint8_t status;            /* enum mh_ba_status */
	bool send_ba;
	bool ba_auth;              /* the BA carries a BAD computed with kbm (§9.5.4) */
	uint16_t ba_seq;
	uint16_t lifetime;         /* granted, 4-s units (0 for a deletion or a rejection) */
	struct in6_addr coa;       /* the care-of address of the binding */
	struct in6_addr auth_coa;  /* the "care-of address" of the authenticator (§6.2.7) */
	uint8_t kbm[RR_KBM_LEN];
	const char *reason;        /* static text for the log */
};

/* A unicast address: not unspecified, multicast, loopback or IPv4-mapped (§9.3.3, §9.5.4). */
bool cn_addr_unicast(const struct in6_addr *a);

/* Lifetime granted for a requested one (4-s units): at most MAX_RR_BINDING_LIFETIME (§5.2.6). */
uint16_t cn_lifetime_grant(uint16_t requested);

void cn_bu_decide(const struct cn_bu_in *in, const struct rr_keygen *kg, struct cn_decision *ret);
