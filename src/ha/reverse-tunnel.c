/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>

#include "core/log.h"
#include "ha/reverse-tunnel.h"

struct revtun {
	struct knl *knl;
	int ifindex;
	uint32_t next_handle; /* the next never-used handle */
	uint32_t *free_handles; /* handles given back, reused first */
	size_t n_free, cap_free;
	size_t n_bound;
	uint64_t drops;
	/* revtun_setup: its requests not yet answered, the first failure, the caller. */
	unsigned setup_pending;
	int setup_error;
	knl_done_fn setup_done;
	void *setup_userdata;
	/* revtun_read_drops */
	knl_done_fn read_done;
	void *read_userdata;
};

int revtun_new(struct knl *k, struct revtun **ret)
{
	struct revtun *rt = calloc(1, sizeof(*rt));

	if (!rt)
		return -ENOMEM;
	rt->knl = k;
	rt->next_handle = 1;
	*ret = rt;
	return 0;
}

struct revtun *revtun_free(struct revtun *rt)
{
	if (!rt)
		return NULL;
	knl_cancel_owner(rt->knl, rt);
	free(rt->free_handles);
	free(rt);
	return NULL;
}

static void on_setup_part(int result, void *userdata)
{
	struct revtun *rt = userdata;

	if (result < 0 && rt->setup_error == 0)
		rt->setup_error = result;
	if (--rt->setup_pending == 0 && rt->setup_done)
		rt->setup_done(rt->setup_error, rt->setup_userdata);
}

/* RFC 6275 §10.4.5: the tunnel device passes nothing until a binding's filter lets it. */
int revtun_setup(struct revtun *rt, int ifindex, bool flush, knl_done_fn done, void *userdata)
{
	struct knl_tc_filter leftovers = { .ifindex = ifindex, .prio = REVTUN_PRIO_BINDING };
	struct knl_tc_filter drop = {
		.ifindex = ifindex, .prio = REVTUN_PRIO_DROP, .handle = REVTUN_DROP_HANDLE, .drop = true,
	};
	int r;

	if (ifindex <= 0 || rt->setup_pending)
		return -EINVAL;
	rt->ifindex = ifindex;
	rt->setup_error = 0;
	rt->setup_done = done;
	rt->setup_userdata = userdata;
	/* Requests on one socket run in order: qdisc, then the flush, then the drop filter. */
	r = knl_clsact(rt->knl, KNL_OP_ADD, ifindex, rt, on_setup_part, rt);
	if (r < 0)
		return r;
	rt->setup_pending++;
	r = flush ? knl_tc_filter(rt->knl, KNL_OP_DEL, &leftovers, rt, on_setup_part, rt) : 0;
	if (r >= 0) {
		rt->setup_pending += flush;
		r = knl_tc_filter(rt->knl, KNL_OP_REPLACE, &drop, rt, on_setup_part, rt);
	}
	if (r < 0) {
		/* What was queued still answers; the caller hears of this failure once, from here. */
		rt->setup_done = NULL;
		return r;
	}
	rt->setup_pending++;
	return 0;
}

static int handle_take(struct revtun *rt, uint32_t *ret)
{
	if (rt->n_free > 0) {
		*ret = rt->free_handles[--rt->n_free];
		return 0;
	}
	if (rt->next_handle == UINT32_MAX)
		return -ENOSPC;
	*ret = rt->next_handle++;
	return 0;
}

static void handle_give_back(struct revtun *rt, uint32_t h)
{
	if (rt->n_free == rt->cap_free) {
		size_t cap = rt->cap_free ? rt->cap_free * 2 : 64;
		uint32_t *n = realloc(rt->free_handles, cap * sizeof(*n));

		if (!n)
			return; /* the handle is lost, not reused: still unique */
		rt->free_handles = n;
		rt->cap_free = cap;
	}
	rt->free_handles[rt->n_free++] = h;
}

void revtun_adopt(struct revtun *rt, uint32_t handle)
{
	if (handle == 0)
		return;
	rt->n_bound++;
	if (handle >= rt->next_handle)
		rt->next_handle = handle == UINT32_MAX ? UINT32_MAX : handle + 1;
}

int revtun_remove_foreign(struct revtun *rt, uint32_t handle, const void *owner, knl_done_fn done, void *userdata)
{
	struct knl_tc_filter f = { .ifindex = rt->ifindex, .prio = REVTUN_PRIO_BINDING, .handle = handle };

	if (handle == 0)
		return -EINVAL;
	/* Never handed out again before its delete is queued: this one is queued first. */
	if (handle >= rt->next_handle)
		rt->next_handle = handle == UINT32_MAX ? UINT32_MAX : handle + 1;
	return knl_tc_filter(rt->knl, KNL_OP_DEL, &f, owner, done, userdata);
}

int revtun_flush(struct revtun *rt, const void *owner, knl_done_fn done, void *userdata)
{
	struct knl_tc_filter all = { .ifindex = rt->ifindex, .prio = REVTUN_PRIO_BINDING };

	rt->n_bound = 0;
	rt->n_free = 0;
	rt->next_handle = 1;
	return knl_tc_filter(rt->knl, KNL_OP_DEL, &all, owner, done, userdata);
}

int revtun_bind(struct revtun *rt, uint32_t *handle, const struct in6_addr *coa, const struct in6_addr *hoa,
		const void *owner, knl_done_fn done, void *userdata)
{
	return revtun_bind_prefix(rt, handle, coa, hoa, 128, owner, done, userdata);
}

int revtun_bind_prefix(struct revtun *rt, uint32_t *handle, const struct in6_addr *coa, const struct in6_addr *src,
		       uint8_t src_len, const void *owner, knl_done_fn done, void *userdata)
{
	struct knl_tc_filter f = { .ifindex = rt->ifindex, .prio = REVTUN_PRIO_BINDING, .enc_src = *coa,
				   .src = *src, .src_len = src_len };
	bool fresh = *handle == 0;
	int r;

	if (fresh && (r = handle_take(rt, handle)) < 0)
		return r;
	f.handle = *handle;
	r = knl_tc_filter(rt->knl, KNL_OP_REPLACE, &f, owner, done, userdata);
	if (r < 0 && fresh) {
		handle_give_back(rt, *handle);
		*handle = 0;
	}
	if (r >= 0 && fresh)
		rt->n_bound++;
	return r;
}

void revtun_unbind(struct revtun *rt, uint32_t *handle)
{
	struct knl_tc_filter f = { .ifindex = rt->ifindex, .prio = REVTUN_PRIO_BINDING, .handle = *handle };
	int r;

	if (*handle == 0)
		return;
	r = knl_tc_filter(rt->knl, KNL_OP_DEL, &f, NULL, NULL, NULL);
	if (r < 0)
		log_warning_errno(r, "cannot queue the removal of reverse-tunnel filter %u: %m", *handle);
	else
		handle_give_back(rt, *handle); /* queued: a later add of it comes after the delete */
	rt->n_bound--;
	*handle = 0;
}

static void on_drop_filter(const struct knl_event *ev, void *userdata)
{
	struct revtun *rt = userdata;

	if (ev->type == KNL_EVENT_TC_FILTER && ev->tc_filter.drop)
		rt->drops = ev->tc_filter.packets;
}

static void on_drops_read(int result, void *userdata)
{
	struct revtun *rt = userdata;
	knl_done_fn done = rt->read_done;

	rt->read_done = NULL;
	if (done)
		done(result, rt->read_userdata);
}

int revtun_read_drops(struct revtun *rt, knl_done_fn done, void *userdata)
{
	struct knl_tc_filter f = {
		.ifindex = rt->ifindex, .prio = REVTUN_PRIO_DROP, .handle = REVTUN_DROP_HANDLE, .drop = true,
	};
	int r;

	if (rt->ifindex <= 0)
		return -ENODEV;
	if (rt->read_done)
		return -EBUSY;
	r = knl_tc_filter_get(rt->knl, &f, rt, on_drop_filter, on_drops_read, rt);
	if (r < 0)
		return r;
	rt->read_done = done;
	rt->read_userdata = userdata;
	return 0;
}

uint64_t revtun_drops(const struct revtun *rt)
{
	return rt->drops;
}

size_t revtun_count(const struct revtun *rt)
{
	return rt->n_bound;
}
