/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Home Agents List of one home link (RFC 6275 §10.1, §10.5.1): every router
 * on the link that advertises itself as a home agent (H bit in its Router
 * Advertisements), keyed by its link-local address, with its preference and
 * lifetime (from the Home Agent Information option, else the router lifetime
 * and preference 0) and its global addresses (Prefix Information options with
 * the R bit, each valid for the prefix's valid lifetime). The home agent itself
 * is one entry too ("self"): its own global addresses on the link, kept while
 * it serves, with the preference its own Router Advertisements announce (the
 * router advertisement daemon's HomeAgentPreference, heard back on the link;
 * 0 until one is heard), so every HA on the link lists it alike.
 *
 * Pure: no I/O, times are passed in (µs, monotonic), randomness comes from the
 * caller. Bounded: HAL_MAX_AGENTS agents a link, HAL_MAX_ADDRS addresses an
 * agent; an RA that would exceed them is refused (HAL_RA_FULL), never grows the
 * table. The Reply list (§10.5) is built in decreasing preference, random among
 * equal preferences and among one agent's addresses, cut to what fits the
 * minimum MTU.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ndisc_ra;

#define HAL_MAX_AGENTS 32
#define HAL_MAX_ADDRS 8

struct hal_addr {
	struct in6_addr addr;
	uint64_t expires_us; /* UINT64_MAX: infinite (valid lifetime 0xffffffff, or self) */
};

struct hal_agent {
	struct in6_addr lladdr; /* the RA's source (§10.5.1); self: the HA's link-local address */
	uint16_t preference;    /* higher is better (§7.4) */
	uint64_t expires_us;    /* UINT64_MAX for self */
	bool self;
	bool mobile_router;     /* HA Information option flag (RFC 3963 §7.3) */
	size_t n_addrs;
	struct hal_addr addrs[HAL_MAX_ADDRS];
};

struct hal_link {
	int ifindex;
	size_t n_agents;
	struct hal_agent agents[HAL_MAX_AGENTS];
};

enum hal_ra_result {
	HAL_RA_NOT_HA,   /* H bit clear: no entry (any old one is deleted) */
	HAL_RA_ADDED,
	HAL_RA_UPDATED,
	HAL_RA_REMOVED,  /* H set with lifetime 0: the entry is deleted */
	HAL_RA_FULL,     /* a new agent with the list full: refused */
	HAL_RA_SELF,     /* the HA's own RA: its preference is taken, nothing else changes */
};

/* The HA's own entry: its link-local address and global addresses (a known preference is kept). */
int hal_set_self(struct hal_link *l, const struct in6_addr *lladdr, const struct in6_addr *addrs, size_t n);

/*
 * A valid RA from src (link-local, checked by the caller) received on the link
 * at now_us: the steps of §10.5.1. For the HA's own RA (src is self's link-local
 * address) only the preference is taken (the self entry neither expires nor
 * loses its addresses while the HA serves).
 */
enum hal_ra_result hal_on_ra(struct hal_link *l, const struct in6_addr *src, const struct ndisc_ra *ra,
			     uint64_t now_us);

/* Delete agents and addresses whose lifetime is over; returns the number of agents deleted. */
size_t hal_expire(struct hal_link *l, uint64_t now_us);

/* The earliest expiry among agents and addresses (UINT64_MAX: none). */
uint64_t hal_next_expiry(const struct hal_link *l);

typedef uint32_t (*hal_rand_fn)(void *userdata);

/*
 * The Home Agent Addresses of a DHAAD Reply (§10.5): every global address of
 * every agent, in decreasing preference, agents of equal preference in random
 * order (a fresh order per call), one agent's addresses in random order, at
 * most max (the addresses that fit the minimum IPv6 MTU: NDISC_DHAAD_MAX_ADDRS),
 * highest preferences kept. mobile_router_only: RFC 3963 §7.2, only agents
 * that serve mobile routers. Returns the count written to out.
 */
size_t hal_reply_addrs(const struct hal_link *l, uint64_t now_us, bool mobile_router_only, struct in6_addr *out,
		       size_t max, hal_rand_fn rnd, void *userdata);
