/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include "control/ctl-json.h"
#include "ha/bcache.h"
#include "ha/ha-ctl.h"

long long bce_seconds_left(const struct bce *e, usec_t now)
{
	return e->expires > now ? (long long)((e->expires - now) / USEC_PER_SEC) : 0;
}

json_object *bce_to_json(const struct bce *e, usec_t now)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	ctl_json_add_addr(o, "hoa", &e->hoa);
	ctl_json_add_addr(o, "coa", &e->coa);
	ctl_json_add_addr(o, "ha", &e->local);
	ctl_json_add_str(o, "state", bce_state_to_string(e->state));
	ctl_json_add_u64(o, "seq", e->seq);
	ctl_json_add_u64(o, "lifetime", e->lifetime_sec);
	ctl_json_add_i64(o, "expires_in", bce_seconds_left(e, now));
	ctl_json_add_u64(o, "flags", e->bu_flags);
	ctl_json_add_u64(o, "refreshes", e->refreshes);
	ctl_json_add_i64(o, "ifindex", e->ifindex);
	return o;
}

void bce_print_header(FILE *out)
{
	fprintf(out, "%-39s %-39s %-8s %5s %8s %8s\n", "home address", "care-of address", "state", "seq",
		"lifetime", "left");
}

void bce_print_row(FILE *out, const struct bce *e, usec_t now)
{
	char h[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, &e->hoa, h, sizeof(h));
	inet_ntop(AF_INET6, &e->coa, c, sizeof(c));
	fprintf(out, "%-39s %-39s %-8s %5u %8u %8lld\n", h, c, bce_state_to_string(e->state), e->seq,
		e->lifetime_sec, bce_seconds_left(e, now));
}

struct bc_stream {
	struct bcache *bc; /* NULL once detached */
	bool json;
	bool started;      /* the head went out */
	bool first;        /* no entry written yet (JSON: no comma before the next) */
	size_t cursor;     /* bcache_scan's; 0 after the head means every bucket was visited */
	usec_t now;        /* one clock for the whole reply */
	FILE *out;         /* the current piece's */
	bc_stream_tail_fn tail;
	void *userdata;
	struct bc_stream *next, **pprev;
};

int bc_stream_new(struct bcache *bc, bool json, bc_stream_tail_fn tail, void *userdata, struct bc_stream **list,
		  struct bc_stream **ret)
{
	struct bc_stream *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	*st = (struct bc_stream){ .bc = bc, .json = json, .first = true, .now = now_usec(), .tail = tail,
				  .userdata = userdata };
	st->next = *list;
	if (st->next)
		st->next->pprev = &st->next;
	st->pprev = list;
	*list = st;
	*ret = st;
	return 0;
}

void bc_stream_free(struct bc_stream *st)
{
	if (!st)
		return;
	*st->pprev = st->next;
	if (st->next)
		st->next->pprev = st->pprev;
	free(st);
}

void bc_stream_detach_all(struct bc_stream **list)
{
	for (struct bc_stream *st = *list, *next; st; st = next) {
		next = st->next;
		st->bc = NULL;
		/* Alone now: its free touches neither the list nor its owner (gone by then). */
		st->next = NULL;
		st->pprev = &st->next;
	}
	*list = NULL;
}

static void stream_entry(struct bce *e, void *userdata)
{
	struct bc_stream *st = userdata;
	json_object *o;

	if (!st->json) {
		bce_print_row(st->out, e, st->now);
		return;
	}
	o = bce_to_json(e, st->now);
	if (!o)
		return;
	fprintf(st->out, "%s%s", st->first ? "" : ",", json_object_to_json_string_ext(o, CTL_JSON_FLAGS));
	st->first = false;
	json_object_put(o);
}

/* JSON: "]," and the totals object's members, so the whole is one object. */
static int stream_tail(struct bc_stream *st, FILE *out)
{
	json_object *o;
	const char *s;

	if (!st->json)
		return 0;
	o = json_object_new_object();
	if (!o)
		return -ENOMEM;
	if (st->tail)
		st->tail(st->userdata, o);
	s = json_object_to_json_string_ext(o, CTL_JSON_FLAGS);
	/* s is "{...}" or "{}": its members follow the array, its closing brace ends ours. */
	if (s && s[0] == '{' && s[1] == '}')
		fputs("]}\n", out);
	else if (s)
		fprintf(out, "],%s\n", s + 1);
	json_object_put(o);
	return s ? 0 : -ENOMEM;
}

int bc_stream_next(struct bc_stream *st, FILE *out)
{
	long start = ftell(out);

	if (!st->bc)
		return -ESHUTDOWN;
	st->out = out;
	if (!st->started) {
		st->started = true;
		if (st->json)
			fputs("{\"bindings\":[", out);
		else
			bce_print_header(out);
	}
	do {
		st->cursor = bcache_scan(st->bc, st->cursor, stream_entry, st);
	} while (st->cursor != 0 && ftell(out) - start < BC_STREAM_PIECE);
	if (st->cursor != 0)
		return 1;
	return stream_tail(st, out);
}
