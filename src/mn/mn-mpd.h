/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Mobile Prefix Discovery at the mobile node (RFC 6275 §11.4.2-11.4.3), the
 * I/O side of mn/mn-prefixes.h: while a home registration is in force away
 * from home, a Mobile Prefix Solicitation from the care-of address with a Home
 * Address option (§11.4.2 MUST; the kernel's `hao` state adds it; in ESP with
 * IPsecPolicy MobPfxDisc) when the home prefix's lifetimes are unknown, before
 * they run out, and when an unsolicited Advertisement came (§11.4.3);
 * retransmitted per §11.8. An Advertisement (ICMPv6 147, on an every-interface
 * socket) to the home address that came with a type 2 routing header (§11.4.3
 * MUST; one through the tunnel is refused) and passes mpa_check() updates the
 * list `mip6ctl prefixes` shows.
 */
#pragma once

#include <netinet/in.h>
#include <stdio.h>
#include <json-c/json.h>
#include <stdint.h>
#include <systemd/sd-event.h>

struct io;
struct mip6_config;
struct mn_mpd;


int mn_mpd_new(struct io *io, sd_event *e, struct mip6_config *const *config, const struct in6_addr *hoa,
	       const struct in6_addr *home_prefix, uint8_t plen, struct mn_mpd **ret);
struct mn_mpd *mn_mpd_free(struct mn_mpd *d);

/* A home registration with ha was accepted away from home. */
void mn_mpd_registered(struct mn_mpd *d, const struct in6_addr *ha);
/* At home, deregistered, or the home agent is lost: no Solicitations, no Advertisements accepted. */
void mn_mpd_unregistered(struct mn_mpd *d);

/* `mip6ctl prefixes`: the home prefixes with their remaining lifetimes and the counters. */
void mn_mpd_print(const struct mn_mpd *d, FILE *out);
void mn_mpd_json(const struct mn_mpd *d, json_object *o);
