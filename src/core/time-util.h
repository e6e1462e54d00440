/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One clock for the whole daemon: CLOCK_BOOTTIME in microseconds (usec_t). */
#pragma once

#include <stdint.h>
#include <time.h>

typedef uint64_t usec_t;
#define USEC_PER_SEC ((usec_t)1000000)
#define USEC_PER_MSEC ((usec_t)1000)
#define MIP6_CLOCK CLOCK_BOOTTIME

static inline usec_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(MIP6_CLOCK, &ts);
	return (usec_t)ts.tv_sec * USEC_PER_SEC + (usec_t)ts.tv_nsec / 1000;
}

/* CLOCK_REALTIME in µs: the clock of packet captures and of every namespace (event timelines). */
static inline usec_t now_realtime_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (usec_t)ts.tv_sec * USEC_PER_SEC + (usec_t)ts.tv_nsec / 1000;
}
