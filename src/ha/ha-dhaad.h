/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Dynamic Home Agent Address Discovery at the home agent (RFC 6275 §10.5):
 * one Home Agents List per home link (ha/ha-list.h) fed by the Router
 * Advertisements heard on that link (§10.5.1), the HA's own entry from its
 * addresses there, the Home-Agents anycast address of every served prefix
 * (RFC 2526 §3: interface identifier 0xfdff:ffff:ffff:fffe for a 64-bit one)
 * joined on its home link, and a Reply to every Request sent to one of those
 * anycast addresses, from the HA's address in that prefix (§10.5).
 *
 * Through src/io only: the RA handler on the home links' ND sockets, and one
 * ICMPv6 socket on every interface for the Requests (they come from care-of
 * addresses, over any link). `mip6ctl hal` prints the lists.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-event.h>

struct io;
struct ha_prefix;
struct ha_dhaad;

/* The Home-Agents anycast address of prefix/len (RFC 2526 §2-3, id 126); -EINVAL when len > 120. */
int ha_dhaad_anycast(const struct in6_addr *prefix, uint8_t len, struct in6_addr *ret);

/* Registers the RA and DHAAD Request handlers with io and opens the Request socket. */
int ha_dhaad_new(struct io *io, sd_event *e, struct ha_dhaad **ret);
struct ha_dhaad *ha_dhaad_free(struct ha_dhaad *d);

/*
 * The prefixes served now (after start and after every reload): one list per home
 * link, the self entries' addresses, the anycast addresses joined (and those of
 * prefixes no longer served left). A failed join is returned (the caller decides);
 * the others are still applied.
 */
int ha_dhaad_set_prefixes(struct ha_dhaad *d, const struct ha_prefix *p, size_t n);
/* HaAcceptMobRtr: this HA's own entries serve mobile routers (RFC 3963 §7.2: listed for R=1). */
void ha_dhaad_set_mobile_router(struct ha_dhaad *d, bool on);

struct ndisc_ra;
/* Every valid RA heard on a home link is passed on to fn too (Mobile Prefix Discovery, ha/ha-mpd.h). */
typedef void (*ha_dhaad_ra_fn)(int ifindex, const struct in6_addr *src, const struct ndisc_ra *ra, void *userdata);
void ha_dhaad_set_ra_observer(struct ha_dhaad *d, ha_dhaad_ra_fn fn, void *userdata);

/* `mip6ctl hal`: every home link's list, the HA itself marked; text or JSON. */
int ha_dhaad_ctl(struct ha_dhaad *d, bool json, FILE *out);
