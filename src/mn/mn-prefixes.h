/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mobile node's home prefixes and Mobile Prefix Discovery (RFC 6275
 * §11.4.2-11.4.3, §11.8), the pure part:
 * - the list: the configured home prefix first (lifetime unknown, shown as
 *   infinite, until an Advertisement gives one), then the prefixes
 *   Advertisements add (at most MNP_MAX; further ones are not recorded);
 * - the test of a received Mobile Prefix Advertisement (§11.4.3): from the
 *   home agent of the current registration (none: refused), its Identifier
 *   that of the most recent Solicitation, not answered yet (otherwise it is
 *   unsolicited: discarded, and a Solicitation is due);
 * - its Prefix Information options applied as an RA's would be on the home
 *   link (§11.4.3; RFC 4861 §6.3.4, RFC 4862 §5.5.3): link-local prefixes
 *   and options whose preferred lifetime exceeds the valid one are skipped;
 * - the Solicitation's timers: one when the lifetimes are unknown after a
 *   registration, then before the home prefix expires (at 80 % of its valid
 *   lifetime, §11.4.2); retransmitted from INITIAL_SOLICIT_TIMER doubling up
 *   to MAX_BINDACK_TIMEOUT (§11.8), then at that rate until answered.
 * No I/O; times are passed in (µs, monotonic).
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/time-util.h"

struct ndisc_mpa;

#define MNP_MAX 8
#define MNP_MAX_BINDACK_TIMEOUT (32 * USEC_PER_SEC) /* RFC 6275 §12 */

struct mnp_prefix {
	struct in6_addr prefix;
	uint8_t len;
	bool known;         /* lifetimes from an Advertisement */
	uint32_t valid, preferred; /* seconds at `seen`; UINT32_MAX: infinite */
	usec_t seen;
};

struct mnp_list {
	size_t n;
	struct mnp_prefix p[MNP_MAX];
};

void mnp_init(struct mnp_list *l, const struct in6_addr *home_prefix, uint8_t len);
uint32_t mnp_remaining(const struct mnp_prefix *p, usec_t now, bool preferred);

/* §11.4.3: the options of an accepted Advertisement; returns how many prefixes were recorded or updated. */
size_t mnp_apply(struct mnp_list *l, const struct ndisc_mpa *mpa, usec_t now);

/* When the home prefix (p[0]) needs a Solicitation (§11.4.2); UINT64_MAX: not known to expire. */
usec_t mnp_refresh_time(const struct mnp_list *l);

/* The Solicitation in flight. */
struct mps_state {
	bool outstanding;  /* sent, no Advertisement accepted for it yet */
	uint16_t id;       /* its Identifier (§11.4.2: random) */
	usec_t timeout;    /* the current retransmission interval */
	usec_t next;       /* the next transmission (UINT64_MAX: none) */
};

/* A Solicitation with Identifier id was sent at now: the next one after the back-off (§11.8). */
void mps_sent(struct mps_state *s, uint16_t id, usec_t now, usec_t initial_timeout);

enum mpa_verdict {
	MPA_ACCEPT,
	MPA_NO_HOME_AGENT, /* no registered home agent: MUST NOT accept (§11.4.3) */
	MPA_NOT_FROM_HA,   /* another source: silently discarded */
	MPA_UNSOLICITED,   /* Identifier unknown or answered already: discarded, Solicit (§11.4.3) */
};

/* §11.4.3 (the routing header and IPsec tests are the kernel's); on accept, s is answered. */
enum mpa_verdict mpa_check(struct mps_state *s, const struct in6_addr *src, const struct in6_addr *ha,
			   const struct ndisc_mpa *m);
