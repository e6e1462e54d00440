/* SPDX-License-Identifier: GPL-2.0-or-later */
/* charon's IKE SAs indexed by CHILD_SA reqid and by unique id (ike-sa-table.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike-sa-table.h"

void ike_sa_table_clear(struct ike_sa_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->sas[i].reqids);
	free(t->sas);
	free(t->by_reqid);
	free(t->by_uid);
	memset(t, 0, sizeof(*t));
}

void ike_sa_table_swap(struct ike_sa_table *a, struct ike_sa_table *b)
{
	struct ike_sa_table tmp = *a;

	*a = *b;
	*b = tmp;
}

static void drop_index(struct ike_sa_table *t)
{
	free(t->by_reqid);
	free(t->by_uid);
	t->by_reqid = t->by_uid = NULL;
	t->n_by_reqid = 0;
}

struct ike_sa *ike_sa_table_add(struct ike_sa_table *t)
{
	drop_index(t);
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct ike_sa *sas;

		if (cap > UINT32_MAX || !(sas = reallocarray(t->sas, cap, sizeof(*sas))))
			return NULL;
		t->sas = sas;
		t->cap = cap;
	}
	memset(&t->sas[t->n], 0, sizeof(t->sas[0]));
	return &t->sas[t->n++];
}

int ike_sa_add_reqid(struct ike_sa *sa, uint32_t reqid)
{
	if (sa->n_reqids == sa->cap_reqids) {
		size_t cap = sa->cap_reqids ? 2 * sa->cap_reqids : 4;
		uint32_t *r = reallocarray(sa->reqids, cap, sizeof(*r));

		if (!r)
			return -ENOMEM;
		sa->reqids = r;
		sa->cap_reqids = cap;
	}
	sa->reqids[sa->n_reqids++] = reqid;
	return 0;
}

static int ref_cmp(const void *a, const void *b)
{
	const struct ike_sa_ref *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int ike_sa_table_index(struct ike_sa_table *t)
{
	size_t n = 0;

	drop_index(t);
	for (size_t i = 0; i < t->n; i++)
		n += t->sas[i].n_reqids;
	t->by_uid = calloc(t->n ? t->n : 1, sizeof(*t->by_uid));
	t->by_reqid = calloc(n ? n : 1, sizeof(*t->by_reqid));
	if (!t->by_uid || !t->by_reqid) {
		drop_index(t);
		return -ENOMEM;
	}
	for (size_t i = 0; i < t->n; i++) {
		t->by_uid[i] = (struct ike_sa_ref){ t->sas[i].uid, (uint32_t)i };
		for (size_t j = 0; j < t->sas[i].n_reqids; j++)
			t->by_reqid[t->n_by_reqid++] = (struct ike_sa_ref){ t->sas[i].reqids[j], (uint32_t)i };
	}
	qsort(t->by_uid, t->n, sizeof(*t->by_uid), ref_cmp);
	qsort(t->by_reqid, t->n_by_reqid, sizeof(*t->by_reqid), ref_cmp);
	return 0;
}

/* The first entry with key, or n. */
static size_t lower_bound(const struct ike_sa_ref *refs, size_t n, uint32_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (refs[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct ike_sa *lookup(const struct ike_sa_table *t, const struct ike_sa_ref *refs, size_t n,
				   uint32_t key)
{
	size_t i;

	if (!refs)
		return NULL;
	i = lower_bound(refs, n, key);
	return i < n && refs[i].key == key ? &t->sas[refs[i].idx] : NULL;
}

const struct ike_sa *ike_sa_table_by_reqid(const struct ike_sa_table *t, uint32_t reqid)
{
	return lookup(t, t->by_reqid, t->n_by_reqid, reqid);
}

const struct ike_sa *ike_sa_table_by_uid(const struct ike_sa_table *t, uint32_t uid)
{
	return lookup(t, t->by_uid, t->by_uid ? t->n : 0, uid);
}

const struct ike_sa *ike_sa_table_find(const struct ike_sa_table *t, const char *name, uint32_t reqid, bool mine)
{
	if (!t->by_reqid)
		return NULL;
	for (size_t i = lower_bound(t->by_reqid, t->n_by_reqid, reqid);
	     i < t->n_by_reqid && t->by_reqid[i].key == reqid; i++) {
		const struct ike_sa *s = &t->sas[t->by_reqid[i].idx];

		if ((strcmp(s->name, name) == 0) == mine)
			return s;
	}
	return NULL;
}

void ike_sa_table_forget(struct ike_sa_table *t, uint32_t uid)
{
	size_t out = 0;

	for (size_t i = 0; i < t->n; i++)
		if (t->sas[i].uid == uid)
			t->sas[i].n_reqids = 0;
	for (size_t i = 0; i < t->n_by_reqid; i++)
		if (t->sas[t->by_reqid[i].idx].uid != uid)
			t->by_reqid[out++] = t->by_reqid[i];
	t->n_by_reqid = out;
}
