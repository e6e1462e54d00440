/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>

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
