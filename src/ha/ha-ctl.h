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
#include <stdbool.h>
#include <stdio.h>

#include "core/time-util.h"

struct bce;
struct bcache;

/* Seconds left of the entry's lifetime at now (0 when past). */
long long bce_seconds_left(const struct bce *e, usec_t now);
/* A new object for the entry; NULL on allocation failure. */
json_object *bce_to_json(const struct bce *e, usec_t now);
/* One row under the header bce_print_header writes. */
void bce_print_header(FILE *out);
void bce_print_row(FILE *out, const struct bce *e, usec_t now);

/*
 * `mip6ctl bc` with every entry, streamed (issue 11 item 7): the reply is written
 * in pieces of about BC_STREAM_PIECE octets, one piece per bc_stream_next() call,
 * from a cursor over the binding cache (bcache_scan), so a cache of 100,000
 * entries is never formatted in one go nor held in memory as a whole, and the
 * event loop runs between pieces (the control socket asks for the next piece
 * when the peer has read the last one). Entries added or removed meanwhile may
 * or may not be shown; every other entry is shown exactly once. The JSON is the
 * object the unstreamed reply was: {"bindings":[...], then the totals tail()
 * adds to an object (count, counters), as of the last piece}.
 * A stream is linked into a list its owner keeps; bc_stream_detach_all() at the
 * owner's stop leaves them without a cache: their next piece ends them (-ESHUTDOWN).
 */
#define BC_STREAM_PIECE (16 * 1024)

struct bc_stream;
typedef void (*bc_stream_tail_fn)(void *userdata, json_object *o);

int bc_stream_new(struct bcache *bc, bool json, bc_stream_tail_fn tail, void *userdata, struct bc_stream **list,
		  struct bc_stream **ret);
/* Writes the next piece to out: 1 when more follows, 0 after the last, or a negative errno. */
int bc_stream_next(struct bc_stream *st, FILE *out);
/* Unlinks and frees (NULL is fine). */
void bc_stream_free(struct bc_stream *st);
void bc_stream_detach_all(struct bc_stream **list);
