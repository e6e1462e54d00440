/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A token bucket for untrusted input: at most `per_sec` events a second on average, bursts of
 * up to `per_sec` (at least 1). per_sec 0 allows nothing. Pure (the caller passes the time).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/time-util.h"

struct ratelimit {
	unsigned per_sec;
	uint64_t tokens_us; /* tokens in units of 1/per_sec-second: per_sec tokens = USEC_PER_SEC */
	usec_t last;
	uint64_t suppressed; /* events refused since the last allowed one */
	uint64_t refused;    /* in all */
};

static inline void ratelimit_init(struct ratelimit *r, unsigned per_sec, usec_t now)
{
	*r = (struct ratelimit){ .per_sec = per_sec, .tokens_us = USEC_PER_SEC, .last = now };
}

/* true: allowed (a token taken); false: refused and counted. per_sec above 10^6 counts as 10^6. */
static inline bool ratelimit_allow(struct ratelimit *r, usec_t now)
{
	uint64_t cost = r->per_sec ? USEC_PER_SEC / (r->per_sec > USEC_PER_SEC ? USEC_PER_SEC : r->per_sec) : 0;

	if (now > r->last) {
		r->tokens_us += now - r->last;
		if (r->tokens_us > USEC_PER_SEC)
			r->tokens_us = USEC_PER_SEC;
		r->last = now;
	}
	if (cost == 0 || r->tokens_us < cost) {
		r->suppressed++;
		r->refused++;
		return false;
	}
	r->tokens_us -= cost;
	return true;
}

/*
 * A log line from untrusted input (RejectedBuLogPerSec): true when it may be written, more
 * then holding " (N similar lines suppressed)" for the lines held back since the last one (or
 * ""); false: held back and counted in *held.
 */
static inline bool ratelimit_log(struct ratelimit *r, unsigned per_sec, usec_t now, uint64_t *held, char *more,
				 size_t more_len)
{
	uint64_t missed = r->suppressed;

	r->per_sec = per_sec;
	if (!ratelimit_allow(r, now)) {
		(*held)++;
		return false;
	}
	r->suppressed = 0;
	more[0] = '\0';
	if (missed)
		snprintf(more, more_len, " (%llu similar lines suppressed)", (unsigned long long)missed);
	return true;
}
