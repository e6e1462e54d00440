/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/event-util.h"

int event_timer_arm(sd_event *e, sd_event_source **s, usec_t when, usec_t accuracy,
		    sd_event_time_handler_t handler, void *userdata)
{
	int r;

	if (!*s)
		return sd_event_add_time(e, s, MIP6_CLOCK, when, accuracy, handler, userdata);
	r = sd_event_source_set_time(*s, when);
	if (r < 0)
		return r;
	return sd_event_source_set_enabled(*s, SD_EVENT_ONESHOT);
}

int event_yield_init(struct event_yield *y, sd_event_source *src, int64_t high, int64_t low)
{
	*y = (struct event_yield){ .src = src, .high = high, .low = low };
	return sd_event_source_set_priority(src, high);
}

static int on_yield_restore(sd_event_source *s, void *userdata)
{
	struct event_yield *y = userdata;

	y->restore = sd_event_source_unref(s);
	return sd_event_source_set_priority(y->src, y->high);
}

int event_yield(struct event_yield *y)
{
	int r;

	if (y->restore)
		return 0; /* yielded already: it runs at low, taking turns with the others */
	/* A new defer each time: its pending iteration is this one, so that the sources pending
	 * before it run first (a re-enabled defer keeps the iteration it was created in). */
	r = sd_event_add_defer(sd_event_source_get_event(y->src), &y->restore, on_yield_restore, y);
	if (r < 0)
		return r;
	r = sd_event_source_set_priority(y->restore, y->low);
	if (r >= 0)
		r = sd_event_source_set_priority(y->src, y->low);
	if (r < 0) {
		y->restore = sd_event_source_disable_unref(y->restore);
		return r;
	}
	y->yields++;
	return 0;
}

void event_yield_done(struct event_yield *y)
{
	y->restore = sd_event_source_disable_unref(y->restore);
}
