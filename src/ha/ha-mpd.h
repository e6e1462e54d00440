/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Mobile Prefix Discovery at the home agent (RFC 6275 §10.6), the I/O side of
 * ha/mobile-prefix.h:
 * - the home prefixes' lifetimes from the kernel's address notifications (the
 *   HA's own address in each prefix) and from the Router Advertisements on the
 *   home links (ha_mpd_on_addr, ha_mpd_on_ra); a change (§10.6.2) calls the
 *   role back (to clamp its bindings, §10.3.1) and schedules an unsolicited
 *   advertisement to every mobile node registered in that prefix;
 * - a Mobile Prefix Solicitation from a registered home address (§11.4.2: it
 *   comes from the CoA with a Home Address option, which the kernel's wildcard
 *   `hao` state processes: the source is then the HoA) is answered at
 *   once (§10.6.2) with an Advertisement echoing its Identifier (§6.8), from the
 *   HA address of the registration to the Solicitation's source (§10.6.3); it
 *   also acknowledges an unsolicited one (§10.6.2);
 * - every Advertisement goes to the binding's care-of address with a type 2
 *   routing header carrying the home address (§10.6.3 MUST; io_nd_send_rh2);
 * - unsolicited Advertisements go to the registration's home address after
 *   RAND_ADV_DELAY and are retransmitted (PREFIX_ADV_TIMEOUT doubled,
 *   PREFIX_ADV_RETRIES) until a Solicitation comes, cancelled when the binding
 *   goes; an unacknowledged one starts again on the next BU (§10.6.2).
 * ESP comes from the kernel's SPD entries for ICMPv6 146/147 (ipsec/spd.h,
 * IPsecPolicy MobPfxDisc).
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <systemd/sd-event.h>

struct io;
struct bcache;
struct ha_prefix;
struct knl_addr;
struct ndisc_ra;
struct mip6_config;
struct ha_mpd;

/* A prefix's lifetimes changed: the role clamps the bindings in it (§10.3.1). */
typedef void (*ha_mpd_changed_fn)(const struct ha_prefix *p, void *userdata);

struct ha_mpd_params {
	struct io *io;
	sd_event *event;
	struct mip6_config *const *config; /* the manager's, swapped on reload */
	const struct bcache *bc;           /* registrations: HoA -> HA address, home link */
	struct ha_prefix *prefixes;        /* the role's home prefixes (lifetimes kept here) */
	const size_t *n_prefixes;
	ha_mpd_changed_fn changed;
	void *userdata;
};

int ha_mpd_new(const struct ha_mpd_params *p, struct ha_mpd **ret);
struct ha_mpd *ha_mpd_free(struct ha_mpd *d);

/* After the role reloaded its prefixes: their lifetimes from the kernel again. */
void ha_mpd_resync(struct ha_mpd *d);
/* A kernel address notification (RTM_NEWADDR / RTM_DELADDR, or a dump part). */
void ha_mpd_on_addr(struct ha_mpd *d, const struct knl_addr *a, bool removed);
/*
 * The set of prefixes served on home link ifindex changed (the role's table holds the new
 * one): an unsolicited advertisement, the whole list, scheduled to every mobile node
 * registered there in a prefix still served (§10.6.2). Returns how many were scheduled.
 */
size_t ha_mpd_link_changed(struct ha_mpd *d, int ifindex);
/* A valid Router Advertisement heard on home link ifindex. */
void ha_mpd_on_ra(struct ha_mpd *d, int ifindex, const struct in6_addr *src, const struct ndisc_ra *ra);
/* An accepted home registration BU for hoa: restart an unacknowledged advertisement (§10.6.2). */
void ha_mpd_registered(struct ha_mpd *d, const struct in6_addr *hoa);
/* The binding of hoa is gone: no more advertisements to it (§10.6.2). */
void ha_mpd_forget(struct ha_mpd *d, const struct in6_addr *hoa);

/* Counters for `mip6ctl prefixes --json`. */
struct ha_mpd_stats {
	uint64_t solicitations, not_registered, solicited, unsolicited, retransmissions, changes;
};
void ha_mpd_get_stats(const struct ha_mpd *d, struct ha_mpd_stats *ret);
