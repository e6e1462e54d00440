/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers over sd-event shared by the roles and plugins. */
#pragma once

#include <systemd/sd-event.h>

#include "core/time-util.h"

/*
 * Arm the one-shot timer *s for `when` (MIP6_CLOCK, absolute), creating it on
 * first use; an armed timer is moved. Returns 0 or a negative errno.
 */
int event_timer_arm(sd_event *e, sd_event_source **s, usec_t when, usec_t accuracy,
		    sd_event_time_handler_t handler, void *userdata);

/*
 * A source served before the others that still lets them run: after each of its dispatches
 * (event_yield, called by its handler) it drops to `low` priority, and a defer source at `low`,
 * pending from that iteration on, puts it back to `high` when it runs. So every source that was
 * pending at `low` or above when it yielded gets one dispatch before it runs again, and while
 * sources at `low` keep coming it takes turns with them (sd-event dispatches one source per
 * iteration, the highest priority first, then the longest pending; a source always pending at
 * the highest priority would run alone). Issue 10 item 5: the MH socket under a flood.
 */
struct event_yield {
	sd_event_source *src;	  /* the yielding source, not owned */
	sd_event_source *restore; /* the defer source while yielded */
	int64_t high, low;
	unsigned yields;	  /* how many times it yielded (tests, status) */
};

/* Sets src's priority to high. Returns 0 or a negative errno. */
int event_yield_init(struct event_yield *y, sd_event_source *src, int64_t high, int64_t low);
/* Called at the end of src's handler. Returns 0 or a negative errno (src stays at high). */
int event_yield(struct event_yield *y);
/* Frees the defer source (before src goes). */
void event_yield_done(struct event_yield *y);
