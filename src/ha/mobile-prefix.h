/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Mobile Prefix Discovery at the home agent, the pure part (RFC 6275 §10.6):
 * - the home prefixes' lifetimes (§10.6.1, §10.3.1): each served prefix
 *   (struct ha_prefix, ha/ha-policy.h) takes the lifetimes of the HA's own
 *   address in it (kernel address notifications: a finite lifetime counts
 *   down there) and those advertised for it in Router Advertisements on its
 *   home link (the HA's own radvd or another router's); the prefix's lifetime
 *   is the smaller of the two. A change "for any reason other than advancing
 *   real time" (§10.6.2) is reported: for the kernel's, an end that moved by
 *   more than MP_SLACK_SEC; for an RA's, a different advertised value (RAs
 *   repeat fixed values).
 * - the Prefix Information options of a Mobile Prefix Advertisement (§6.8,
 *   §10.6.3: every prefix of the home link, with the remaining lifetimes);
 * - the unsolicited advertisement's schedule (§10.6.2: RAND_ADV_DELAY) and its
 *   retransmissions (PREFIX_ADV_TIMEOUT doubled, PREFIX_ADV_RETRIES; §12),
 *   until a Mobile Prefix Solicitation acknowledges it.
 * No I/O; times are passed in (µs, monotonic).
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/time-util.h"

struct ha_prefix;
struct knl_addr;
struct ndisc_ra;
struct ndisc_mpa;

#define MP_SLACK_SEC 2
#define PREFIX_ADV_TIMEOUT_SEC 3 /* RFC 6275 §12 */
#define PREFIX_ADV_RETRIES 3     /* RFC 6275 §12 */

/* Remaining valid (or preferred) lifetime of p at now; UINT32_MAX: infinite. */
uint32_t mp_remaining(const struct ha_prefix *p, usec_t now, bool preferred);

/*
 * The kernel's view of address a (removed: RTM_DELADDR) on the HA: the prefix whose
 * own HA address it is takes its lifetimes (a removal changes nothing). Returns the index of that prefix when its
 * lifetimes changed (§10.6.2), -1 otherwise (no such prefix, or no change).
 */
int mp_on_addr(struct ha_prefix *p, size_t n, const struct knl_addr *a, bool removed, usec_t now);

/*
 * A Router Advertisement from src on ifindex: every Prefix Information option of a
 * served prefix of that link sets its RA lifetimes, when it comes from the router
 * that set them last, or ends sooner, or those have run out (several routers
 * advertising different lifetimes: the shortest counts, and no RA flips it). Returns how many prefixes changed (§10.6.2); changed[] (at least n long)
 * marks them.
 */
size_t mp_on_ra(struct ha_prefix *p, size_t n, int ifindex, const struct in6_addr *src, const struct ndisc_ra *ra,
		usec_t now, bool *changed);

/*
 * The home prefix set follows the home links' addresses (§10.6.2, §10.3.1): cand[] holds one
 * entry per usable global address on a home link (prefix, len, ifindex, ha; seen at now; with
 * if_known the kernel's lifetimes of the address in if_valid/if_preferred, else infinite), in
 * the order found. out[] (max entries, not aliasing old or cand) gets one entry per HA address
 * (a prefix with two HA addresses has two: each is a registration's HA address, with its own
 * MPS entry), carrying over the lifetimes the prefix learnt: the RA's from any entry of the
 * prefix, the kernel's from the entry of the same HA address unless the candidate has them
 * (if_known: read now, so a new prefix is clamped from its first BU, RFC 6275 §10.3.1).
 * Returns the number of entries in out.
 */
size_t mp_set_build(const struct ha_prefix *old, size_t n_old, const struct ha_prefix *cand, size_t n_cand,
		    struct ha_prefix *out, size_t max, usec_t now);
/* The entry of a with b's prefix, length and home link (and with same_ha, HA address), or NULL. */
const struct ha_prefix *mp_set_find(const struct ha_prefix *a, size_t n, const struct ha_prefix *b, bool same_ha);
/* Whether home link ifindex has other (prefix, HA address) entries in b than in a. */
bool mp_set_link_changed(const struct ha_prefix *a, size_t na, const struct ha_prefix *b, size_t nb, int ifindex);

/* §10.6.3: the prefixes of home link ifindex (each once), with their remaining lifetimes, into mpa. */
void mp_build_mpa(const struct ha_prefix *p, size_t n, int ifindex, usec_t now, struct ndisc_mpa *mpa);

/*
 * §10.6.2 RAND_ADV_DELAY = MinMobPfxAdvInterval + rand % |MaxScheduleDelay − Min|,
 * MaxScheduleDelay = min(MaxMobPfxAdvInterval, preferred lifetime); seconds → µs.
 */
usec_t mp_rand_adv_delay(unsigned min_s, unsigned max_s, uint32_t preferred_s, uint32_t rnd);

/* One mobile node's unsolicited advertisement. */
struct mp_tx {
	bool active;     /* scheduled or being retransmitted */
	bool unacked;    /* sent, no Solicitation since (§10.6.2: again on the next BU) */
	unsigned sent;   /* transmissions so far */
	usec_t due;
	usec_t wait;     /* the next retransmission's wait */
};

/* §10.6.2: a transmission already scheduled keeps its time (the content is built when sent). */
void mp_tx_schedule(struct mp_tx *t, usec_t now, usec_t delay);
/* After a transmission at now: false when PREFIX_ADV_RETRIES retransmissions were sent (stop). */
bool mp_tx_sent(struct mp_tx *t, usec_t now);
/* A Mobile Prefix Solicitation from the mobile node acknowledges it (§10.6.2). */
void mp_tx_ack(struct mp_tx *t);
