/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The home agent's decision on a Binding Update, as a pure function of the
 * BU, the existing binding (if any), the home prefixes and the configuration
 * (RFC 6275 §9.5.1, then §10.3.1 for a registration, §10.3.2 for a
 * deregistration). No I/O: the HA role applies the verdict.
 * The existing entry may be in any state of the binding table (ha/bcache.h):
 * VALID (a binding in force), DAD (a registration whose HoA is under DAD: the
 * HA holds it as a home registration, nothing is in the kernel yet) or DELETED
 * (kept for late BUs). Every BU is decided here, also one for a HoA under DAD.
 * Order of the checks (the addresses were validated before, ha/ha-addr.h):
 *   -  H=0: no correspondent role → HA_DISCARD, silently (§9.5.1)
 *   -  R=1 (NEMO) without H, or HaAcceptMobRtr off → 140 (RFC 3963 §6.2, §6.6)
 *   0. entry under DAD, BU not newer than the BU it waits on → HA_IGNORE (a
 *      duplicate or reordered copy: the BA for the pending BU answers it)
 *   1. sequence number against an existing entry (valid or recently deleted) → 135
 *   2. registration type change (existing non-home binding, H=1; or, for a
 *      registration, R differs from the live binding's, RFC 3963 §6.2) → 139
 *   4. deregistration (lifetime 0 or CoA == HoA): no valid binding and no
 *      registration under DAD → 133, else deregister (under DAD: the pending
 *      registration is cancelled, nothing was installed)
 *   5. HoA not on-link for a home prefix → 132
 *   6. ACL (BindingAclPolicy / DefaultBindingAclPolicy) → 129 or the configured status
 *   6b. R=1: the Mobile Network Prefixes (ha/ha-nemo.h) → 141, 142, 143
 *   7. capacity (a new binding beyond the limit; n_bindings counts the valid
 *      ones and those under DAD) → 130
 *   8. accept: new binding (needs DAD; under DAD already: the newer BU replaces
 *      the one DAD waits for) or refresh/CoA change of a valid one
 * The granted lifetime is the smallest of the BU's, HaMaxBindingLife and the
 * remaining valid lifetime of the home prefix (§10.3.1).
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/time-util.h"
#include "mh/mh-codec.h"

struct bce;
struct mip6_config;

struct ha_prefix {
	struct in6_addr prefix;
	uint8_t len;
	int ifindex;           /* home link */
	struct in6_addr ha;    /* the HA's own address in it */
	uint32_t valid_sec;    /* remaining valid lifetime at `seen`; UINT32_MAX = infinite */
	uint32_t preferred_sec; /* remaining preferred lifetime at `seen`; UINT32_MAX = infinite */
	usec_t seen;
	/* Their sources (ha/mobile-prefix.h): valid_sec/preferred_sec are the smaller of the two. */
	uint32_t if_valid, if_preferred; /* the HA's own address in the prefix, at if_seen */
	usec_t if_seen;
	bool if_known; /* a candidate whose if_* the kernel gave now: mp_set_build keeps them */
	bool has_ra;                     /* a Router Advertisement on the link carried it */
	struct in6_addr ra_src;          /* from that router */
	uint32_t ra_valid, ra_preferred; /* as advertised, at ra_seen */
	usec_t ra_seen;
	uint8_t ra_flags;                /* the M and O flags of that RA (§10.6.3) */
};

/* Mobile Network Prefixes (RFC 3963): of a BU, or granted to a mobile router. */
struct ha_mnp_set {
	uint8_t n;
	bool explicit_mode;      /* from MNP options (else from the Prefix Table, implicit mode) */
	struct mh_mnp p[MH_MNP_MAX];
};

struct ha_bu {
	struct in6_addr hoa, coa;
	uint16_t seq;
	uint16_t flags;          /* MH_BU_F_* */
	uint16_t lifetime_units; /* 4-s units as received */
	struct ha_mnp_set mnps;  /* the BU's MNP options (RFC 3963 §4.3), as received */
};

enum ha_action {
	HA_REJECT,
	HA_IGNORE,     /* no BA now: the entry under DAD already waits on this (or a newer) BU */
	HA_DISCARD,    /* silently discarded and counted (RFC 6275 §9.5.1) */
	HA_REGISTER,   /* new binding: DAD first (or DAD goes on, for the newer BU), then install */
	HA_REFRESH,    /* live binding: update CoA/lifetime */
	HA_DEREGISTER,
};

struct ha_verdict {
	enum ha_action action;
	uint8_t status;          /* BA status */
	uint16_t ba_seq;         /* sequence number for the BA */
	uint32_t lifetime_sec;   /* granted (0 for reject/deregister) */
	const struct ha_prefix *home; /* matching home prefix (accept only) */
	struct ha_mnp_set mnps;  /* R=1 accepted: the prefixes to forward (ha/ha-nemo.h) */
};

/* Find the home prefix that holds addr, or NULL. */
const struct ha_prefix *ha_prefix_match(const struct ha_prefix *p, size_t n, const struct in6_addr *addr);

int ha_decide(const struct mip6_config *c, const struct ha_prefix *prefixes, size_t n_prefixes,
	      const struct bce *existing, size_t n_bindings, size_t max_bindings, const struct ha_bu *bu,
	      usec_t now, struct ha_verdict *ret);
