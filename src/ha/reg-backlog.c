/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "ha/reg-backlog.h"

static uint64_t prefix64(const struct in6_addr *a)
{
	uint64_t p;

	memcpy(&p, a->s6_addr, sizeof(p));
	return p;
}

/* The slot of prefix p: its own, or the free one where it would go. Never full: at most
 * REG_BACKLOG_MAX of REG_BACKLOG_SOURCES slots are used. */
static size_t source_slot(const struct reg_backlog *b, uint64_t p)
{
	size_t i = (size_t)((p * 0x9e3779b97f4a7c15ULL) >> 32) % REG_BACKLOG_SOURCES;

	while (b->src[i].n > 0 && b->src[i].prefix != p)
		i = (i + 1) % REG_BACKLOG_SOURCES;
	return i;
}

/* One entry of prefix p left: at 0 its slot is freed, and the entries after it in its probe run
 * move back so that no lookup stops early (deletion in linear probing). */
static void source_put(struct reg_backlog *b, uint64_t p)
{
	size_t i = source_slot(b, p), j = i;

	if (b->src[i].n == 0 || --b->src[i].n > 0)
		return;
	for (;;) {
		size_t home;

		j = (j + 1) % REG_BACKLOG_SOURCES;
		if (b->src[j].n == 0)
			return;
		home = (size_t)((b->src[j].prefix * 0x9e3779b97f4a7c15ULL) >> 32) % REG_BACKLOG_SOURCES;
		/* j may move to i unless its home lies cyclically in (i, j]. */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		b->src[i] = b->src[j];
		b->src[j].n = 0;
		i = j;
	}
}

unsigned reg_backlog_source_count(const struct reg_backlog *b, const struct in6_addr *coa)
{
	return b->src[source_slot(b, prefix64(coa))].n;
}

int reg_backlog_push(struct reg_backlog *b, const struct ha_bu *bu, const struct mh_rx_info *rx, usec_t now)
{
	struct reg_backlog_entry *e;
	uint64_t p = prefix64(&bu->coa);
	size_t s = source_slot(b, p);

	if (b->n >= REG_BACKLOG_MAX || b->src[s].n >= REG_BACKLOG_PER_SOURCE)
		return -ENOBUFS;
	b->src[s].prefix = p;
	b->src[s].n++;
	e = &b->e[(b->head + b->n) % REG_BACKLOG_MAX];
	e->bu = *bu;
	e->rx = *rx;
	e->queued = now;
	b->n++;
	return 0;
}

/* The oldest entry leaves. */
static void drop_head(struct reg_backlog *b)
{
	source_put(b, prefix64(&b->e[b->head].bu.coa));
	b->head = (b->head + 1) % REG_BACKLOG_MAX;
	b->n--;
}

size_t reg_backlog_expire(struct reg_backlog *b, usec_t now)
{
	size_t n = 0;

	while (b->n > 0 && now > b->e[b->head].queued + REG_BACKLOG_MAX_AGE) {
		drop_head(b);
		n++;
	}
	return n;
}

bool reg_backlog_pop(struct reg_backlog *b, usec_t now, struct reg_backlog_entry *ret, size_t *expired)
{
	*expired += reg_backlog_expire(b, now);
	if (b->n == 0)
		return false;
	*ret = b->e[b->head];
	drop_head(b);
	return true;
}

size_t reg_backlog_clear(struct reg_backlog *b)
{
	size_t n = b->n;

	b->head = b->n = 0;
	memset(b->src, 0, sizeof(b->src));
	return n;
}
