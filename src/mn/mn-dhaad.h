/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Dynamic Home Agent Address Discovery at the mobile node (RFC 6275 §11.4.1),
 * for `HomeAgentAddress ::`. A Request (§6.5) goes from the MN's current
 * address (its care-of address, or the HoA at home) to the Mobile IPv6
 * Home-Agents anycast address of the home prefix (RFC 2526); without a Reply it
 * is sent again, unchanged, after INITIAL_DHAAD_TIMEOUT, each time waiting
 * twice as long, DHAAD_RETRIES times (§12); then done(-ETIMEDOUT), and a new
 * discovery after MN_DHAAD_PAUSE_USEC, until one is answered or cancelled. A Reply (§6.6) counts only when a
 * Request is outstanding, its Identifier is the Request's and it reaches the
 * address the Request left from; its addresses are kept in the Reply's order
 * (the home agents' preference, §10.5), those that cannot be a home agent
 * (unspecified, loopback, multicast, link-local, the home prefix's anycast
 * addresses) left out. The list is what the
 * MN tries in turn, registering with the first and moving to the next when a
 * home agent stops answering (§11.4.1: "SHOULD try each of them in the order
 * they appear").
 *
 * Through src/io only (the MN's ICMPv6 socket on its interface, which passes
 * type 145); one sd-event timer for the retransmissions.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <json-c/json.h>
#include <systemd/sd-event.h>

#include "core/time-util.h"
#include "manager.h"
#include "mn/bul.h"

#define MN_DHAAD_INITIAL_TIMEOUT_USEC (3 * USEC_PER_SEC) /* RFC 6275 §12 INITIAL_DHAAD_TIMEOUT */
#define MN_DHAAD_RETRIES 4                               /* §12 DHAAD_RETRIES */
#define MN_DHAAD_PAUSE_USEC BUL_MAX_BINDACK_TIMEOUT_USEC   /* after DHAAD_RETRIES: a new discovery then */
#define MN_DHAAD_MAX_AGENTS 77                           /* NDISC_DHAAD_MAX_ADDRS: one Reply's */

struct io;
struct icmp6_rxinfo;
struct ndisc_dhaad_reply;
struct mn_dhaad;

/* The outcome of a discovery: 0 (a Reply gave at least one home agent) or -ETIMEDOUT. */
typedef void (*mn_dhaad_fn)(int result, void *userdata);

int mn_dhaad_new(struct io *io, sd_event *e, int ifindex, const struct in6_addr *home_prefix, uint8_t plen,
		 mn_dhaad_fn done, void *userdata, struct mn_dhaad **ret);
struct mn_dhaad *mn_dhaad_free(struct mn_dhaad *d);

/* Send a Request from src; one already outstanding is dropped (a new Identifier, timers from the start). */
int mn_dhaad_start(struct mn_dhaad *d, const struct in6_addr *src);
void mn_dhaad_cancel(struct mn_dhaad *d);
bool mn_dhaad_running(const struct mn_dhaad *d);

/* A parsed Reply from rx: DROP_NONE when it answered the outstanding Request (done() has run). */
enum mip6_drop mn_dhaad_input(struct mn_dhaad *d, const struct ndisc_dhaad_reply *rep, const struct icmp6_rxinfo *rx);

/*
 * Pure: the home agents of a parsed Reply, in its order, at most max, without those that
 * cannot be one (unspecified, loopback, multicast, link-local, IPv4-mapped, an anycast address
 * of the home prefix prefix/plen: Subnet-Router (RFC 4291 §2.6.1) or RFC 2526) and repeats.
 */
/* RFC 3963 §7.1: a mobile router sets R in its Requests (only home agents serving mobile routers). */
void mn_dhaad_set_mobile_router(struct mn_dhaad *d, bool on);

size_t mn_dhaad_reply_agents(const struct ndisc_dhaad_reply *rep, const struct in6_addr *prefix, uint8_t plen,
			     struct in6_addr *ret, size_t max);

/* The home agents of the last accepted Reply, in its order. */
size_t mn_dhaad_count(const struct mn_dhaad *d);
const struct in6_addr *mn_dhaad_agent(const struct mn_dhaad *d, size_t i);
/* The agent after cur in the list (the first when cur is not on it); -ENOENT past the last. */
int mn_dhaad_next(const struct mn_dhaad *d, const struct in6_addr *cur, struct in6_addr *ret);

/* `mip6ctl hal`: the list, the current home agent marked, and the counters; text, or into o. */
void mn_dhaad_print(const struct mn_dhaad *d, const struct in6_addr *current, FILE *out);
void mn_dhaad_json(const struct mn_dhaad *d, const struct in6_addr *current, json_object *o);
