/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cn/cn-bcache.h"
#include "core/addr-hash.h"

#define CN_BCACHE_MIN_BUCKETS 64

struct cn_bcache {
	struct cn_bce **buckets;
	size_t nbuckets; /* power of two */
	size_t max;
	size_t count[_CN_BCE_STATE_MAX];
	uint64_t key[2]; /* random: a peer cannot choose home addresses that share a chain */
};

static size_t bucket_of(const struct cn_bcache *bc, const struct in6_addr *a)
{
	return (size_t)(addr_hash(bc->key, a) & (bc->nbuckets - 1));
}

int cn_bcache_new(size_t max, struct cn_bcache **ret)
{
	struct cn_bcache *bc = calloc(1, sizeof(*bc));

	if (!bc)
		return -ENOMEM;
	bc->max = max ? max : CN_BCACHE_MAX_DEFAULT;
	bc->nbuckets = CN_BCACHE_MIN_BUCKETS;
	bc->buckets = calloc(bc->nbuckets, sizeof(*bc->buckets));
	if (!bc->buckets) {
		free(bc);
		return -ENOMEM;
	}
	addr_hash_key_init(bc->key, bc);
	*ret = bc;
	return 0;
}

struct cn_bcache *cn_bcache_free(struct cn_bcache *bc, void (*release)(struct cn_bce *e, void *ud), void *ud)
{
	if (!bc)
		return NULL;
	for (size_t i = 0; i < bc->nbuckets; i++) {
		struct cn_bce *e = bc->buckets[i], *next;

		for (; e; e = next) {
			next = e->hnext;
			if (release)
				release(e, ud);
			free(e);
		}
	}
	free(bc->buckets);
	free(bc);
	return NULL;
}

static void grow(struct cn_bcache *bc)
{
	size_t n = bc->nbuckets * 2, oldn = bc->nbuckets;
	struct cn_bce **nb = calloc(n, sizeof(*nb)), **old = bc->buckets;

	if (!nb)
		return; /* longer chains */
	bc->buckets = nb;
	bc->nbuckets = n;
	for (size_t i = 0; i < oldn; i++) {
		struct cn_bce *e = old[i], *next;

		for (; e; e = next) {
			size_t b = bucket_of(bc, &e->hoa);

			next = e->hnext;
			e->hnext = nb[b];
			nb[b] = e;
		}
	}
	free(old);
}

struct cn_bce *cn_bcache_lookup(const struct cn_bcache *bc, const struct in6_addr *hoa)
{
	for (struct cn_bce *e = bc->buckets[bucket_of(bc, hoa)]; e; e = e->hnext)
		if (memcmp(&e->hoa, hoa, sizeof(*hoa)) == 0)
			return e;
	return NULL;
}

/*
 * The oldest DELETED entry whose memory is over at now, or NULL. One still inside it
 * is the only guard against a replay of the BU that created or deleted the binding:
 * a BU for a home address without an entry is accepted with any sequence number
 * (cn-policy.c), so the entry stays (the caller answers 130, fail closed).
 */
static struct cn_bce *oldest_stale_deleted(const struct cn_bcache *bc, usec_t now)
{
	struct cn_bce *best = NULL;

	for (size_t i = 0; i < bc->nbuckets; i++)
		for (struct cn_bce *e = bc->buckets[i]; e; e = e->hnext)
			if (e->state == CN_BCE_DELETED && e->expires <= now && (!best || e->expires < best->expires))
				best = e;
	return best;
}

int cn_bcache_add(struct cn_bcache *bc, const struct in6_addr *hoa, usec_t now,
		  void (*release)(struct cn_bce *e, void *ud), void *ud, struct cn_bce **ret)
{
	struct cn_bce *e;
	size_t b, total = bc->count[CN_BCE_VALID] + bc->count[CN_BCE_DELETED];

	if (cn_bcache_lookup(bc, hoa))
		return -EEXIST;
	if (total >= bc->max) {
		/*
		 * O(n), only when full. RFC 6275 §9.5.3 with §5.2.8: a deletion's BU and the
		 * registration before it, replayed while their nonces are acceptable, "MUST"
		 * not create the binding again; their nonces were made before the deletion
		 * and are acceptable for MAX_NONCE_LIFETIME at most after it (rr-keygen.h),
		 * which is the entry's memory (`expires`). Only an entry past it makes room.
		 */
		struct cn_bce *victim = oldest_stale_deleted(bc, now);

		if (!victim)
			return -ENOSPC;
		if (release)
			release(victim, ud);
		cn_bcache_remove(bc, victim);
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->hoa = *hoa;
	e->state = CN_BCE_VALID;
	if (total + 1 > bc->nbuckets)
		grow(bc);
	b = bucket_of(bc, hoa);
	e->hnext = bc->buckets[b];
	bc->buckets[b] = e;
	bc->count[CN_BCE_VALID]++;
	*ret = e;
	return 0;
}

void cn_bcache_set_state(struct cn_bcache *bc, struct cn_bce *e, enum cn_bce_state state)
{
	bc->count[e->state]--;
	e->state = state;
	bc->count[state]++;
}

void cn_bcache_remove(struct cn_bcache *bc, struct cn_bce *e)
{
	for (struct cn_bce **p = &bc->buckets[bucket_of(bc, &e->hoa)]; *p; p = &(*p)->hnext)
		if (*p == e) {
			*p = e->hnext;
			bc->count[e->state]--;
			free(e);
			return;
		}
}

size_t cn_bcache_count(const struct cn_bcache *bc, enum cn_bce_state state)
{
	return state < _CN_BCE_STATE_MAX ? bc->count[state] : 0;
}

void cn_bcache_foreach(const struct cn_bcache *bc, void (*fn)(struct cn_bce *e, void *ud), void *ud)
{
	for (size_t i = 0; i < bc->nbuckets; i++)
		for (struct cn_bce *e = bc->buckets[i]; e; e = e->hnext)
			fn(e, ud);
}
