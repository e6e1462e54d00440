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
