/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The home agent role (RFC 6275 §10), behind the manager's role seam. */
#pragma once

#include "manager.h"

extern const struct role_ops ha_role_ops;
