/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The mobile node role (RFC 6275 §11), behind the manager's role seam. */
#pragma once

#include "manager.h"

extern const struct role_ops mn_role_ops;
