/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * event-loop.h: driving a test's sd-event loop in 10-ms steps, for the role tests that run a
 * manager or a monitor with fake I/O (test-ha, test-ha-ipsec, test-mn, test-spd-sync).
 */
#pragma once

#include <check.h>
#include <stdbool.h>
#include <systemd/sd-event.h>

#include "core/time-util.h"

/* Run the loop until pred() or timeout_ms have passed; returns pred(). */
static inline bool loop_run_until(sd_event *e, bool (*pred)(void), int timeout_ms)
{
	usec_t deadline = now_usec() + (usec_t)timeout_ms * USEC_PER_MSEC;

	while (!pred() && now_usec() < deadline)
		ck_assert_int_ge(sd_event_run(e, 10 * USEC_PER_MSEC), 0);
	return pred();
}

/* Let the loop run for ms (for "nothing more happens" checks). */
static inline void loop_run_for(sd_event *e, int ms)
{
	usec_t deadline = now_usec() + (usec_t)ms * USEC_PER_MSEC;

	while (now_usec() < deadline)
		ck_assert_int_ge(sd_event_run(e, 10 * USEC_PER_MSEC), 0);
}
