/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The correspondent node's Binding Cache (RFC 6275 §9.1, §9.5.2, §9.5.3,
 * §9.6): bindings created by Binding Updates authorised with return
 * routability, keyed by home address. Pure: no I/O, no clock of its own
 * (times are arguments), no timers (the role arms one per entry: `timer`).
 *
 * An entry is in one of two states:
 *   CN_BCE_VALID    a binding HoA -> CoA until `expires`;
 *   CN_BCE_DELETED  no binding (deleted by a BU or expired); the last
 *                   accepted sequence number is kept until `expires`
 *                   (RR_MAX_NONCE_LIFETIME after the deletion), so that the
 *                   BU that created it, or the deregistration, replayed
 *                   while its nonces are still acceptable, gets 135 instead
 *                   of creating the binding again (§9.5.3: "remember the
 *                   particular combination ... as illegal until at least
 *                   one of the nonces has become too old").
 * At most `max` entries of both states: a new one beyond that is -ENOSPC
 * (the role answers 130, §9.5.2); a DELETED entry whose memory is over
 * (`expires` <= now: its timer is late) makes room first, one still inside
 * it never does (the replay it guards against would be accepted: fail closed).
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/time-util.h"

#define CN_BCACHE_MAX_DEFAULT 4096

enum cn_bce_state {
	CN_BCE_VALID,
	CN_BCE_DELETED,
	_CN_BCE_STATE_MAX,
};

struct cn_bce {
	struct in6_addr hoa;
	struct in6_addr coa;
	struct in6_addr cn_addr;     /* the correspondent address the BU was sent to */
	enum cn_bce_state state;
	uint16_t seq;                /* last accepted sequence number */
	uint16_t lifetime;           /* granted, 4-s units */
	uint16_t home_nonce_index;   /* of the last accepted BU */
	uint16_t careof_nonce_index;
	usec_t created;              /* first accepted BU */
	usec_t refreshed;            /* last accepted BU */
	usec_t expires;              /* VALID: end of the lifetime; DELETED: end of the memory */
	bool ro_installed;           /* the route-optimisation data path submitted for ro_cn, hoa, ro_coa */
	struct in6_addr ro_coa, ro_cn;
	uint8_t brr;                 /* the role's Binding Refresh Request step in this lifetime (cn.c) */
	bool use_base_valid;         /* use_base was read from the kernel in this lifetime */
	bool brr_reading;            /* a read of the route2 state's counters is in flight (owner: the entry) */
	uint64_t use_base;           /* the route2 state's packet count at the start of the window */
	void *timer;                 /* the role's (sd_event_source *) */
	void *owner;                 /* the role's */
	struct cn_bce *hnext;
};

struct cn_bcache;

int cn_bcache_new(size_t max, struct cn_bcache **ret);
/* release (may be NULL) runs for every entry still there, e.g. to free its timer. */
struct cn_bcache *cn_bcache_free(struct cn_bcache *bc, void (*release)(struct cn_bce *e, void *ud), void *ud);

struct cn_bce *cn_bcache_lookup(const struct cn_bcache *bc, const struct in6_addr *hoa);
/*
 * A new VALID entry for hoa (fields zero but hoa and state). -EEXIST if one
 * exists, -ENOSPC when full and no DELETED entry has expires <= now; else the
 * oldest such entry is dropped first and its release runs (the caller passes
 * release for it).
 */
int cn_bcache_add(struct cn_bcache *bc, const struct in6_addr *hoa, usec_t now,
		  void (*release)(struct cn_bce *e, void *ud), void *ud, struct cn_bce **ret);
void cn_bcache_set_state(struct cn_bcache *bc, struct cn_bce *e, enum cn_bce_state state);
/* Unlink and free e (its timer must be gone). */
void cn_bcache_remove(struct cn_bcache *bc, struct cn_bce *e);

size_t cn_bcache_count(const struct cn_bcache *bc, enum cn_bce_state state);
/* Every entry, in no particular order; fn must not add or remove. */
void cn_bcache_foreach(const struct cn_bcache *bc, void (*fn)(struct cn_bce *e, void *ud), void *ud);
