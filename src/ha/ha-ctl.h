/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The home agent's control replies (mip6ctl bc): a binding cache entry
 * (RFC 6275 §9.1) as a JSON object and as a table row. Pure: no I/O beyond the
 * FILE the caller gives, no role state.
 * JSON keys, in this order (scripts match the compact text):
 *   hoa coa ha state seq lifetime expires_in flags refreshes ifindex
 */
#pragma once

#include <json-c/json.h>
#include <stdio.h>

#include "core/time-util.h"

struct bce;

/* Seconds left of the entry's lifetime at now (0 when past). */
long long bce_seconds_left(const struct bce *e, usec_t now);
/* A new object for the entry; NULL on allocation failure. */
json_object *bce_to_json(const struct bce *e, usec_t now);
/* One row under the header bce_print_header writes. */
void bce_print_header(FILE *out);
void bce_print_row(FILE *out, const struct bce *e, usec_t now);
