/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include "ha/reg-backlog.h"

int reg_backlog_push(struct reg_backlog *b, const struct ha_bu *bu, const struct mh_rx_info *rx, usec_t now)
{
	struct reg_backlog_entry *e;

	if (b->n >= REG_BACKLOG_MAX)
		return -ENOBUFS;
	e = &b->e[(b->head + b->n) % REG_BACKLOG_MAX];
	e->bu = *bu;
	e->rx = *rx;
	e->queued = now;
	b->n++;
	return 0;
}

size_t reg_backlog_expire(struct reg_backlog *b, usec_t now)
{
	size_t n = 0;

	while (b->n > 0 && now > b->e[b->head].queued + REG_BACKLOG_MAX_AGE) {
		b->head = (b->head + 1) % REG_BACKLOG_MAX;
		b->n--;
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
	b->head = (b->head + 1) % REG_BACKLOG_MAX;
	b->n--;
	return true;
}

size_t reg_backlog_clear(struct reg_backlog *b)
{
	size_t n = b->n;

	b->head = b->n = 0;
	return n;
}
