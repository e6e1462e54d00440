/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "control/ctl-json.h"
#include "mn/handover-record.h"

static const char *const step_names[_HO_STEP_MAX] = {
	[HO_LINK_DOWN] = "link_down", [HO_LINK_UP] = "link_up",         [HO_RA] = "ra",
	[HO_DECIDED] = "decided",     [HO_KERNEL_DONE] = "kernel_done", [HO_BU_SENT] = "bu_sent",
	[HO_BA_RCVD] = "ba_rcvd",     [HO_IKE_MOVED] = "ike_moved",
};

const char *ho_step_to_string(enum ho_step s)
{
	return (unsigned)s < _HO_STEP_MAX ? step_names[s] : NULL;
}

void ho_ring_link(struct ho_ring *r, bool up, uint64_t t)
{
	struct ho_rec *h = ho_ring_current(r);

	/*
	 * The kernel announces a carrier from its linkwatch work, which may run after the new
	 * link's RA was read and the move decided. A carrier coming back with no link event since
	 * that move, whose record saw the carrier go and not come back, is that move's.
	 */
	if (up && !r->link[0] && !r->link[1] && h && h->t[HO_LINK_DOWN] && !h->t[HO_LINK_UP]) {
		h->t[HO_LINK_UP] = t;
		return;
	}
	r->link[up ? 1 : 0] = t;
}

struct ho_rec *ho_ring_begin(struct ho_ring *r, const char *from, const char *to, uint64_t ra_t, uint64_t t,
			     uint64_t boot)
{
	struct ho_rec *h = &r->v[r->n++ % HO_RING];

	memset(h, 0, sizeof(*h));
	snprintf(h->from, sizeof(h->from), "%s", from);
	snprintf(h->to, sizeof(h->to), "%s", to);
	h->t[HO_LINK_DOWN] = r->link[0];
	h->t[HO_LINK_UP] = r->link[1];
	h->t[HO_RA] = ra_t;
	h->t[HO_DECIDED] = t;
	h->detected_boot = boot;
	r->link[0] = r->link[1] = 0;
	return h;
}

struct ho_rec *ho_ring_current(struct ho_ring *r)
{
	return r->n ? &r->v[(r->n - 1) % HO_RING] : NULL;
}

size_t ho_ring_size(const struct ho_ring *r)
{
	return r->n < HO_RING ? r->n : HO_RING;
}

const struct ho_rec *ho_ring_get(const struct ho_ring *r, size_t i)
{
	size_t n = ho_ring_size(r);

	return i < n ? &r->v[(r->n - n + i) % HO_RING] : NULL;
}

bool ho_stamp(struct ho_rec *h, enum ho_step s, uint64_t t)
{
	if (!h || (unsigned)s >= _HO_STEP_MAX || t == 0 || h->t[s])
		return false;
	h->t[s] = t;
	return true;
}

/* t1 - t0 in ms, -1.0 when either is unknown (or t1 is earlier). */
static double ms_between(uint64_t t0, uint64_t t1)
{
	return t0 && t1 && t1 >= t0 ? (double)(t1 - t0) / 1000.0 : -1.0;
}

void ho_rec_json(json_object *list, const struct ho_rec *h)
{
	json_object *o = ctl_json_append_object(list), *rt;

	ctl_json_add_str(o, "from", h->from);
	ctl_json_add_str(o, "to", h->to);
	ctl_json_add_ms(o, "detected_ms", (double)h->detected_boot / 1000.0);
	ctl_json_add_ms(o, "bu_after_ms", ms_between(h->t[HO_DECIDED], h->t[HO_BU_SENT]));
	ctl_json_add_ms(o, "ba_after_ms", ms_between(h->t[HO_DECIDED], h->t[HO_BA_RCVD]));
	ctl_json_add_ms(o, "bu_to_ba_ms", ms_between(h->t[HO_BU_SENT], h->t[HO_BA_RCVD]));
	ctl_json_add_u64(o, "status", h->status);
	if (h->t[HO_IKE_MOVED])
		ctl_json_add_u64(o, "ike_reqid", h->ike_reqid);
	rt = ctl_json_add_object(o, "realtime_us");
	for (int s = 0; s < _HO_STEP_MAX; s++)
		if (h->t[s])
			ctl_json_add_u64(rt, step_names[s], h->t[s]);
}
