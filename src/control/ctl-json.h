/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JSON for the control replies, through json-c (libjson-c-dev): the one way
 * mip6d writes JSON. Replies are built as json_object trees and serialised
 * compactly on one line (JSON_C_TO_STRING_PLAIN, no space after ':' or ',';
 * '/' not escaped, so "2001:db8::/64" stays readable), keys in insertion order.
 * json-c escapes every string, so text that came from charon or from the
 * configuration cannot break the reply.
 *
 * The ctl_json_add_* helpers add one member to o; a NULL o (its allocation
 * failed) is ignored, and a member whose allocation failed is written as null,
 * so the reply stays valid JSON. ctl_json_print of a NULL object is -ENOMEM.
 */
#pragma once

#include <json-c/json.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Flags of every serialisation: one line, no spaces, '/' as is. */
#define CTL_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Writes o on one line plus '\n' to out and drops the reference; -ENOMEM when o is NULL. */
int ctl_json_print(FILE *out, json_object *o);

/* {"error":"<text>"}: an error reply in JSON mode; NULL on allocation failure. */
char *ctl_json_error_text(const char *text);

/* A copy of s with every byte that is not part of valid UTF-8 replaced by '?'; NULL: no memory. */
char *ctl_json_utf8_clean(const char *s);
/* A string member; invalid UTF-8 in s is replaced (ctl_json_utf8_clean), json-c escapes the rest. */
void ctl_json_add_str(json_object *o, const char *key, const char *s);
void ctl_json_add_addr(json_object *o, const char *key, const struct in6_addr *a);
/* "<address>/<plen>" */
void ctl_json_add_prefix(json_object *o, const char *key, const struct in6_addr *a, unsigned plen);
void ctl_json_add_u64(json_object *o, const char *key, uint64_t v);
void ctl_json_add_i64(json_object *o, const char *key, int64_t v);
void ctl_json_add_bool(json_object *o, const char *key, bool v);
/* A number written with one decimal (e.g. milliseconds: 12.3, -1.0). */
void ctl_json_add_ms(json_object *o, const char *key, double v);
/* Adds an empty array under key and returns it (borrowed: o owns it), NULL on failure. */
json_object *ctl_json_add_array(json_object *o, const char *key);
/* Adds an empty object under key and returns it (borrowed), NULL on failure. */
json_object *ctl_json_add_object(json_object *o, const char *key);
/* Appends v to the array (takes the reference; drops v when that fails or array is NULL). */
void ctl_json_append(json_object *array, json_object *v);
/* Appends an empty object to the array and returns it (borrowed), NULL on failure. */
json_object *ctl_json_append_object(json_object *array);
