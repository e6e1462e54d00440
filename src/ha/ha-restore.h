/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A home agent's restart without losing its bindings (NonVolatileBindingCache).
 *
 * 1. Replay: the records of the state file (ha/bcache-journal.h) become binding
 *    cache entries in state VALID marked BCE_R_RESTORED, their wall-clock expiry
 *    turned into CLOCK_BOOTTIME; entries already expired are dropped.
 * 2. Reconciliation, before READY=1 (the HA takes no BU meanwhile): the kernel's
 *    routes and proxy neighbours are dumped; a binding route (proto mip, /128 on
 *    the tunnel device, `encap ip6`) that matches a restored binding exactly is
 *    adopted as it is (no traffic gap); one that belongs to no restored binding
 *    is removed (a crash's leftovers, or an expired binding's); what a restored
 *    binding misses is installed (route replace). Proxy neighbour entries are an
 *    older version's (the HA answers NSs itself now, RFC 6275 §10.4.1): a restored
 *    binding's HoA on its home link, and a restored L=1 binding's fe80::IID, are
 *    removed; others (another daemon's, an operator's) are left. With scope->revtun, the reverse-tunnel
 *    filters (RFC 6275 §10.4.5, ha/reverse-tunnel.h) too, dumped third: one keyed on
 *    a restored binding's HoA and CoA is adopted as it is (the entry's revtun_handle;
 *    the caller installs the missing ones), the others are deleted; if that dump
 *    fails, all are deleted. done runs once the kernel acknowledged every change;
 *    entries whose install failed are marked BCE_R_FAILED for the caller to drop.
 * Without persistence the same reconciliation runs with nothing restored: what a
 * crashed predecessor left behind is removed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/time-util.h"
#include "ha/bcache-store.h"
#include "ha/bcache.h"
#include "ha/ha-policy.h"
#include "netlink/nl-kernel.h"

/* bce.restore bits */
#define BCE_R_RESTORED 0x01
#define BCE_R_ROUTE_OK 0x02 /* its route found in the kernel as it should be */
#define BCE_R_FAILED 0x10   /* the kernel refused the reinstall */
#define BCE_R_BRR 0x20      /* restored: a Binding Refresh Request is due before expiry (§9.5.5) */

/* CLOCK_REALTIME in µs. */
uint64_t realtime_usec(void);

/* A VALID entry as a PUT record (expiry in wall-clock time). */
void bce_to_record(const struct bce *e, usec_t now, uint64_t now_rt, struct bcs_record *r);

struct ha_replay {
	struct bcache *bc;
	usec_t now;      /* CLOCK_BOOTTIME */
	uint64_t now_rt; /* CLOCK_REALTIME */
	size_t max;      /* at most this many entries (0: no limit) */
};
/* bcj_load()'s each: a PUT upserts a restored VALID entry, a DEL removes it. */
int ha_replay_record(const struct bcs_record *r, void *userdata);
/* Drop the restored entries already expired; returns how many. */
size_t ha_replay_drop_expired(struct bcache *bc, usec_t now);

enum ha_restore_verdict {
	HA_RESTORE_IGNORE, /* not the HA's object */
	HA_RESTORE_ADOPT,  /* a restored binding's, as it should be: kept */
	HA_RESTORE_REPLACE, /* a restored binding's, but different: the install replaces it */
	HA_RESTORE_REMOVE, /* the HA's kind of object, nobody's: removed */
};

struct revtun;
struct ha_restore_scope {
	int tnl_ifindex;
	struct revtun *revtun; /* its binding filters are reconciled too (NULL: not) */
	const struct ha_prefix *prefixes; /* served prefixes, each with its home link */
	size_t n_prefixes;
};

/* Pure: what to do with one dumped route / proxy entry; an adoption marks the entry. */
enum ha_restore_verdict ha_restore_route_verdict(struct bcache *bc, const struct ha_restore_scope *s,
						 const struct knl_route *rt);
enum ha_restore_verdict ha_restore_proxy_verdict(struct bcache *bc, const struct ha_restore_scope *s,
						 const struct knl_neigh *n);
/* A reverse-tunnel binding filter: an adoption sets the entry's revtun_handle. */
enum ha_restore_verdict ha_restore_filter_verdict(struct bcache *bc, const struct ha_restore_scope *s,
						  const struct knl_tc_filter *f);

struct ha_restore_stats {
	size_t adopted_routes, adopted_filters, installed, orphans_removed, failed;
	size_t proxies_removed; /* an older version's proxy neighbour entries (RFC 6275 §10.4.1 now in mip6d) */
};

struct ha_restore;
/* Start the reconciliation; done(0 or -errno of a dump, userdata) runs once, from the loop. */
int ha_restore_start(struct knl *knl, struct bcache *bc, const struct ha_restore_scope *scope, knl_done_fn done,
		     void *userdata, struct ha_restore **ret);
void ha_restore_get_stats(const struct ha_restore *rs, struct ha_restore_stats *ret);
struct ha_restore *ha_restore_free(struct ha_restore *rs);
