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
