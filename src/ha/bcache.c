/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/addr-hash.h"
#include "ha/bcache.h"

struct bcache {
	struct bce **buckets;
	size_t nbuckets; /* power of two */
	size_t count;
	size_t count_state[_BCE_STATE_MAX];
	uint64_t key[2];
};

#define BCACHE_MIN_BUCKETS 64

static size_t bucket_of(const struct bcache *bc, const struct in6_addr *a)
{
	return (size_t)(addr_hash(bc->key, a) & (bc->nbuckets - 1));
}

int bcache_new(struct bcache **ret)
{
	struct bcache *bc = calloc(1, sizeof(*bc));

	if (!bc)
		return -ENOMEM;
	bc->nbuckets = BCACHE_MIN_BUCKETS;
	bc->buckets = calloc(bc->nbuckets, sizeof(*bc->buckets));
	if (!bc->buckets) {
		free(bc);
		return -ENOMEM;
	}
	addr_hash_key_init(bc->key, bc);
	*ret = bc;
	return 0;
}

static void grow(struct bcache *bc)
{
	size_t n = bc->nbuckets * 2;
	struct bce **nb = calloc(n, sizeof(*nb));
	struct bce **old = bc->buckets;
	size_t oldn = bc->nbuckets;

	if (!nb)
		return; /* keep working with longer chains */
	bc->buckets = nb;
	bc->nbuckets = n;
	for (size_t i = 0; i < oldn; i++) {
		struct bce *e = old[i], *next;
		for (; e; e = next) {
			size_t b = bucket_of(bc, &e->hoa);
			next = e->hnext;
			e->hnext = nb[b];
			nb[b] = e;
		}
	}
	free(old);
}

struct bce *bcache_lookup(const struct bcache *bc, const struct in6_addr *hoa)
{
	for (struct bce *e = bc->buckets[bucket_of(bc, hoa)]; e; e = e->hnext)
		if (memcmp(&e->hoa, hoa, sizeof(*hoa)) == 0)
			return e;
	return NULL;
}

int bcache_add(struct bcache *bc, const struct in6_addr *hoa, size_t max_entries, struct bce **ret)
{
	struct bce *e;
	size_t b;

	if (bcache_lookup(bc, hoa))
		return -EEXIST;
	if (max_entries && bc->count >= max_entries)
		return -ENOSPC;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->hoa = *hoa;
	e->state = BCE_VALID;
	if (bc->count + 1 > bc->nbuckets)
		grow(bc);
	b = bucket_of(bc, hoa);
	e->hnext = bc->buckets[b];
	bc->buckets[b] = e;
	bc->count++;
	bc->count_state[BCE_VALID]++;
	*ret = e;
	return 0;
}

void bcache_set_state(struct bcache *bc, struct bce *e, enum bce_state s)
{
	bc->count_state[e->state]--;
	e->state = s;
	bc->count_state[s]++;
}

void bcache_remove(struct bcache *bc, struct bce *e)
{
	struct bce **pp = &bc->buckets[bucket_of(bc, &e->hoa)];

	for (; *pp; pp = &(*pp)->hnext)
		if (*pp == e) {
			*pp = e->hnext;
			bc->count--;
			bc->count_state[e->state]--;
			free(e->mr); /* a mobile router's prefixes (ha/ha-nemo.h), owned by the entry */
			free(e);
			return;
		}
}

size_t bcache_count(const struct bcache *bc)
{
	return bc->count;
}

size_t bcache_count_state(const struct bcache *bc, enum bce_state s)
{
	return (s >= 0 && s < _BCE_STATE_MAX) ? bc->count_state[s] : 0;
}

void bcache_foreach(const struct bcache *bc, void (*cb)(struct bce *, void *), void *ud)
{
	for (size_t i = 0; i < bc->nbuckets; i++)
		for (struct bce *e = bc->buckets[i]; e; e = e->hnext)
			cb(e, ud);
}

static size_t rev_bits(size_t v)
{
	size_t r = 0;

	for (unsigned i = 0; i < sizeof(v) * 8; i++, v >>= 1)
		r = (r << 1) | (v & 1);
	return r;
}

size_t bcache_scan(const struct bcache *bc, size_t cursor, void (*cb)(struct bce *, void *), void *ud)
{
	size_t mask = bc->nbuckets - 1;

	for (struct bce *e = bc->buckets[cursor & mask]; e; e = e->hnext)
		cb(e, ud);
	/* Increment the reversed cursor over the mask's bits: the high-order bucket bits vary first. */
	cursor |= ~mask;
	return rev_bits(rev_bits(cursor) + 1);
}

struct bcache *bcache_free(struct bcache *bc, void (*destroy)(struct bce *, void *), void *ud)
{
	if (!bc)
		return NULL;
	for (size_t i = 0; i < bc->nbuckets; i++) {
		struct bce *e = bc->buckets[i], *next;
		for (; e; e = next) {
			next = e->hnext;
			if (destroy)
				destroy(e, ud);
			free(e->mr);
			free(e);
		}
	}
	free(bc->buckets);
	free(bc);
	return NULL;
}

const char *bce_state_to_string(enum bce_state s)
{
	switch (s) {
	case BCE_VALID:
		return "valid";
	case BCE_DELETED:
		return "deleted";
	case BCE_DAD:
		return "dad";
	default:
		return "?";
	}
}
