/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MN–HA SPD entries mip6d keeps in the kernel, failing closed (RFC 4877
 * §7.2 / §4.3: with UseMnHaIPsec a BU for a protected HoA MUST arrive under
 * ESP, so the entries that make the kernel refuse a clear one must exist at
 * all times). spd_sync owns the *installed set*: the entries the kernel
 * acknowledged, sorted by their key (selector, direction, policy type).
 *
 *  - spd_sync_apply(want): make the kernel hold `want` instead of the installed
 *    set. New entries are installed (replace), changed ones (same key, other
 *    priority or templates) replaced, removed ones deleted, unchanged ones not
 *    touched; the new ones go first, so a HoA that stays protected never loses
 *    its entries. done(0) once the kernel acknowledged every request; on any
 *    failure every change of this call is undone (in reverse), the installed set
 *    stays the old one and done(negative errno) runs. One apply at a time (-EBUSY).
 *  - spd_sync_on_event(): an XFRM_MSG_DELPOLICY for an installed entry (`ip xfrm
 *    policy delete`) or an XFRM_MSG_FLUSHPOLICY (`ip xfrm policy flush`) from the
 *    XFRMNLGRP_POLICY monitor: the entries are installed again, logged and
 *    counted (`repairs`). Deletions this module makes itself are not repaired.
 *  - spd_sync_resync(): notifications were lost (ENOBUFS): install every entry again.
 *  - spd_sync_clear(): delete every installed entry (shutdown); the set is empty at once.
 *  - spd_sync_adopt(): at start, before the first apply, the entries the kernel already
 *    holds (a dump, filtered by the caller) become the installed set: the first apply then
 *    keeps those it wants as they are (no request: the same kernel objects, no gap),
 *    replaces the changed ones and deletes the rest, all or nothing as any apply.
 *  - spd_sync_note(): the kernel changed an installed entry itself (XFRM_MSG_MIGRATE moved
 *    a tunnel template to the MN's new CoA): the set records it, so a repair after a
 *    deletion or flush reinstalls it as it is now, not as it was installed. With
 *    `install` the entry is replaced in the kernel too (a move without MIGRATE).
 * The kernel requests go through nl-kernel (queued, acknowledged, in order).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "netlink/nl-kernel.h"

struct spd_sync;

struct spd_sync_stats {
	size_t installed;    /* entries in the installed set */
	uint64_t repairs;    /* entries installed again after a deletion or flush by someone else */
	uint64_t repair_failures;
	uint64_t applies, apply_failures;
	uint64_t notes; /* entries changed by spd_sync_note() */
	size_t adopted; /* entries the last spd_sync_adopt() / spd_sync_load() took from the kernel */
};

/* What an apply of a wanted set would do against the installed set. */
struct spd_sync_diff {
	size_t keep;    /* wanted and installed as they are: untouched */
	size_t change;  /* installed under the key, with other content: replaced */
	size_t add;     /* not installed: installed */
	size_t remove;  /* installed, not wanted: deleted */
};

int spd_sync_new(struct knl *knl, struct spd_sync **ret);
/* Cancels pending callbacks; requests already queued still reach the kernel. */
struct spd_sync *spd_sync_free(struct spd_sync *s);

/*
 * want[n] is copied. Returns 1 when requests were queued (done runs later, from
 * the loop), 0 when the kernel holds want already (done does not run), or a
 * negative errno with nothing changed (done does not run): -EBUSY during
 * another apply, -EINVAL for two entries with one key.
 */
int spd_sync_apply(struct spd_sync *s, const struct knl_xfrm_policy *want, size_t n, knl_done_fn done,
		   void *userdata);
void spd_sync_on_event(struct spd_sync *s, const struct knl_event *ev);
void spd_sync_resync(struct spd_sync *s);
/* done(0) when every delete was acknowledged (ABSENT counts as done); 0 entries: done is not called, returns 0. */
int spd_sync_clear(struct spd_sync *s, knl_done_fn done, void *userdata);

/*
 * have[n]: the entries the kernel holds (index ignored). Only into an empty set with no
 * apply in flight (-EBUSY otherwise); of two entries with one key the first is taken.
 * Returns how many were adopted.
 */
int spd_sync_adopt(struct spd_sync *s, const struct knl_xfrm_policy *have, size_t n);
/*
 * spd_sync_adopt() of what the kernel holds: an XFRM policy dump, keeping the entries
 * owns() accepts. done(0) once adopted (stats: adopted), done(negative errno) when the
 * dump failed (nothing adopted: the first apply then installs everything, replacing what
 * exists, and deletes nothing). Returns 0 (done runs from the loop) or a negative errno.
 */
int spd_sync_load(struct spd_sync *s, bool (*owns)(const struct knl_xfrm_policy *p), knl_done_fn done,
		  void *userdata);
/*
 * p: an installed entry's new content (same key). Returns 1 when the set held the key
 * (recorded; with install also replaced in the kernel, failures counted as repair
 * failures), 0 when it did not (nothing done). During an apply the wanted set takes it
 * too and every entry is reinstalled once the apply ends (a replace in flight may have
 * put the old content back).
 */
int spd_sync_note(struct spd_sync *s, const struct knl_xfrm_policy *p, bool install);
/* Pure: what spd_sync_apply(want, n) would do now (-EINVAL for two entries with one key). */
int spd_sync_diff(const struct spd_sync *s, const struct knl_xfrm_policy *want, size_t n, struct spd_sync_diff *ret);

void spd_sync_get_stats(const struct spd_sync *s, struct spd_sync_stats *ret);
/* The installed entry with p's key, or NULL (for tests and `mip6ctl ipsec`). */
const struct knl_xfrm_policy *spd_sync_find(const struct spd_sync *s, const struct knl_xfrm_policy *p);

/* Pure: order of two policies by key (selector, direction, policy type); 0 = same key. */
int spd_policy_key_cmp(const struct knl_xfrm_policy *a, const struct knl_xfrm_policy *b);
/* Pure: same key and same priority, action and templates. */
bool spd_policy_equal(const struct knl_xfrm_policy *a, const struct knl_xfrm_policy *b);
