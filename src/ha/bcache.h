/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Binding cache container (RFC 6275 §9.1): entries keyed by home address in a
 * hash table with a random key (HoAs are chosen by remote nodes), chained
 * buckets, doubling when the load passes 1, so lookup/insert/remove are O(1)
 * on average whatever the number of bindings. The container owns the entries;
 * what an entry means (timers, kernel state) belongs to the HA role.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/time-util.h"

struct sd_event_source;
struct ha_mr;

/*
 * One table holds every binding the HA knows of, each entry in exactly one
 * state (the HA role, src/ha/ha.c, moves it with bce_transition()):
 *
 *   (none)  --BU accepted, new HoA------------------> DAD      NS for the HoA on the home link (§10.3.1)
 *   DELETED --BU accepted, new registration---------> DAD      (the same entry, reused)
 *   DAD     --newer BU accepted---------------------> DAD      it replaces the BU DAD waits for
 *   DAD     --DAD time over, nobody defends the HoA--> VALID    route + proxy entry; BA 0 once acknowledged
 *   DAD     --NA / DAD NS for the HoA---------------> (none)   BA 134
 *   DAD     --BU lifetime 0 accepted----------------> DELETED  BA 0 now (nothing was installed)
 *   DAD     --newer BU refused----------------------> (none)   the refusal's BA; no binding
 *   VALID   --BU refresh / CoA change---------------> VALID    route replace on a CoA change; BA once acknowledged
 *   VALID   --BU lifetime 0 / lifetime over---------> DELETED  route + proxy entry removed (§10.3.2)
 *   VALID   --the kernel refused the install--------> (none)   BA 130, what was installed is removed
 *   DELETED --MAX_DELETE_BCE_TIMEOUT----------------> (none)   late BUs got 135 until then (§9.5.1)
 *
 * An entry's kernel requests carry the entry as their owner: a newer install
 * of the same entry cancels the older requests' callbacks first, so only the
 * newest BU's acknowledgements are counted and answered.
 */
enum bce_state {
	BCE_VALID,    /* binding in force: route and proxy ND installed (or being replaced) */
	BCE_DELETED,  /* deregistered or expired, kept MAX_DELETE_BCE_TIMEOUT for late BUs (§9.5.1) */
	BCE_DAD,      /* registration waiting for DAD on the HoA (§10.3.1); nothing in the kernel */
	_BCE_STATE_MAX,
	_BCE_STATE_INVALID = -22,
};

struct bce {
	struct in6_addr hoa;
	struct in6_addr coa;
	struct in6_addr local;   /* the HA address the BU was sent to */
	struct in6_addr ba_dst;  /* the last accepted BU's IPv6 source: its BA goes there (§9.5.4) */
	struct in6_addr sa_coa;  /* where the MN's tunnel-mode SAs point (:: = the HoA) */
	struct in6_addr sa_coa_moving; /* K=1: where a km_migrate in flight moves them */
	uint16_t seq;            /* last accepted sequence number (DAD: of the BU DAD waits for) */
	uint16_t bu_flags;       /* flags of the last accepted BU */
	uint32_t lifetime_sec;   /* granted lifetime */
	usec_t registered;       /* first registration */
	usec_t updated;          /* last accepted BU */
	usec_t expires;          /* end of the granted lifetime (or of the DELETED grace) */
	enum bce_state state;
	int ifindex;             /* home link */
	unsigned refreshes;
	struct sd_event_source *timer; /* owned by the HA role */
	struct sd_event_source *na_timer; /* the next unsolicited NA, RetransTimer later (§10.4.1) */
	void *ha;                /* the role that owns the entry */
	unsigned kpending;       /* kernel requests of the newest install not yet acknowledged */
	uint8_t ba_status;       /* BA to send once they are */
	bool new_binding;        /* first installation: add proxy ND, send the NA */
	uint8_t na_sent;         /* unsolicited NAs sent for this registration (§10.4.1) */
	bool ll_proxy;           /* L=1: the link-local fe80::IID is proxied too (§10.4.1) */
	uint8_t restore;         /* restored from the state file: BCE_R_* (ha/ha-restore.h) */
	uint32_t revtun_handle;  /* its reverse-tunnel filter (ha/reverse-tunnel.h), 0 = none */
	struct ha_mr *mr;        /* a mobile router's prefixes (RFC 3963, ha/ha-nemo.h), NULL for a host */
	struct bce *hnext;
};

struct bcache;

int bcache_new(struct bcache **ret);
struct bcache *bcache_free(struct bcache *bc, void (*destroy)(struct bce *, void *), void *ud);
struct bce *bcache_lookup(const struct bcache *bc, const struct in6_addr *hoa);
/* Insert a new zeroed entry for hoa; -EEXIST if present, -ENOSPC past max_entries. */
int bcache_add(struct bcache *bc, const struct in6_addr *hoa, size_t max_entries, struct bce **ret);
/* Unlink and free; the caller has released timers and kernel state. */
void bcache_remove(struct bcache *bc, struct bce *e);
/* Change an entry's state, keeping the per-state counters right. */
void bcache_set_state(struct bcache *bc, struct bce *e, enum bce_state s);
size_t bcache_count(const struct bcache *bc);
size_t bcache_count_state(const struct bcache *bc, enum bce_state s);
/* Visit every entry; cb may not add or remove entries. */
void bcache_foreach(const struct bcache *bc, void (*cb)(struct bce *, void *), void *ud);
/*
 * Visit the entries of one bucket, the one cursor names (start with 0); returns the
 * cursor of the next bucket, 0 when every bucket was visited. Entries may be added
 * and removed between calls (cb itself may not): the cursor counts in bit-reversed
 * order, so a growth of the table between calls (it only grows) neither repeats nor
 * skips a bucket: every entry present from the first call to the last is visited
 * exactly once; one added or removed meanwhile at most once.
 */
size_t bcache_scan(const struct bcache *bc, size_t cursor, void (*cb)(struct bce *, void *), void *ud);
const char *bce_state_to_string(enum bce_state s);
