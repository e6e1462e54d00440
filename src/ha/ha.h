/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The home agent role (RFC 6275 §10), behind the manager's role seam. */
#pragma once

#include "core/time-util.h"
#include "manager.h"

extern const struct role_ops ha_role_ops;

/*
 * Tests: the clock that new registrations' work is measured with (ha/reg-backlog.h REG_BUDGET;
 * now_usec by default), so that the per-iteration budget is deterministic.
 */
void ha_set_reg_clock(struct manager *m, usec_t (*clock)(void));
