/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A home agent's restart without losing its bindings: see ha-restore.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/neighbour.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "ha/dad-watch.h"
#include "ha/ha-nemo.h"
#include "ha/ha-restore.h"
#include "ha/reverse-tunnel.h"
#include "mh/mh-codec.h"

#define RT_TABLE_MAIN_ID 254

uint64_t realtime_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

/* A CLOCK_BOOTTIME instant as CLOCK_REALTIME, and back (saturating). */
static uint64_t boot_to_rt(usec_t t, usec_t now, uint64_t now_rt)
{
	return t >= now ? now_rt + (t - now) : (now - t < now_rt ? now_rt - (now - t) : 0);
}

static usec_t rt_to_boot(uint64_t t, usec_t now, uint64_t now_rt)
{
	return t >= now_rt ? now + (t - now_rt) : (now_rt - t < now ? now - (now_rt - t) : 0);
}

void bce_to_record(const struct bce *e, usec_t now, uint64_t now_rt, struct bcs_record *r)
{
	memset(r, 0, sizeof(*r));
	r->type = BCS_PUT;
	r->hoa = e->hoa;
	r->coa = e->coa;
	r->local = e->local;
	r->ba_dst = e->ba_dst;
	r->sa_coa = e->sa_coa;
	r->seq = e->seq;
	r->bu_flags = e->bu_flags;
	r->lifetime_sec = e->lifetime_sec;
	r->expires_rt = boot_to_rt(e->expires, now, now_rt);
	r->registered_rt = boot_to_rt(e->registered, now, now_rt);
	r->ifindex = e->ifindex > 0 ? (uint32_t)e->ifindex : 0;
	r->flags = e->ll_proxy ? BCS_F_LL_PROXY : 0;
}

int ha_replay_record(const struct bcs_record *r, void *userdata)
{
	struct ha_replay *p = userdata;
	struct bce *e = bcache_lookup(p->bc, &r->hoa);

	if (r->type == BCS_DEL) {
		if (e)
			bcache_remove(p->bc, e);
		return 0;
	}
	/* A mobile router's prefixes follow its PUT (RFC 3963, ha/ha-nemo.h); a PUT alone has none. */
	if (r->type == BCS_MNP)
		return e && (e->restore & BCE_R_RESTORED) ? ha_nemo_from_record(e, r) : 0;
	if (!e) {
		if (p->max > 0 && bcache_count(p->bc) >= p->max)
			return 0; /* beyond the HA's limit: the MN registers again */
		if (bcache_add(p->bc, &r->hoa, 0, &e) < 0)
			return -ENOMEM;
	}
	e->coa = r->coa;
	e->local = r->local;
	e->ba_dst = r->ba_dst;
	e->sa_coa = r->sa_coa;
	e->seq = r->seq;
	e->bu_flags = r->bu_flags;
	e->lifetime_sec = r->lifetime_sec;
	e->expires = rt_to_boot(r->expires_rt, p->now, p->now_rt);
	e->registered = rt_to_boot(r->registered_rt, p->now, p->now_rt);
	e->updated = e->registered;
	e->ifindex = (int)r->ifindex;
	e->ll_proxy = !!(r->flags & BCS_F_LL_PROXY);
	e->restore = BCE_R_RESTORED;
	ha_nemo_free(e);
	bcache_set_state(p->bc, e, BCE_VALID);
	return 0;
}

struct drop_ctx {
	struct bcache *bc;
	usec_t now;
	struct bce **victims;
	size_t n, cap;
};

static void collect_expired(struct bce *e, void *userdata)
{
	struct drop_ctx *d = userdata;

	if (!(e->restore & BCE_R_RESTORED) || e->expires > d->now)
		return;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct bce **v = realloc(d->victims, cap * sizeof(*v));
		if (!v)
			return; /* kept; its timer expires it at once */
		d->victims = v;
		d->cap = cap;
	}
	d->victims[d->n++] = e;
}

size_t ha_replay_drop_expired(struct bcache *bc, usec_t now)
{
	struct drop_ctx d = { .bc = bc, .now = now };

	bcache_foreach(bc, collect_expired, &d);
	for (size_t i = 0; i < d.n; i++)
		bcache_remove(bc, d.victims[i]);
	free(d.victims);
	return d.n;
}

enum ha_restore_verdict ha_restore_route_verdict(struct bcache *bc, const struct ha_restore_scope *s,
						 const struct knl_route *rt)
{
	struct bce *e;

	/* Ours: proto mip, a host route on the tunnel device in the main table. */
	if (rt->oif != s->tnl_ifindex || rt->protocol != RTPROT_MIP || rt->dst_len != 128 ||
	    (rt->table != 0 && rt->table != RT_TABLE_MAIN_ID))
		return HA_RESTORE_IGNORE;
	e = bcache_lookup(bc, &rt->dst);
	if (!e || !(e->restore & BCE_R_RESTORED))
		return HA_RESTORE_REMOVE;
	if (!rt->encap || memcmp(&rt->encap_dst, &e->coa, 16) != 0 || memcmp(&rt->encap_src, &e->local, 16) != 0)
		return HA_RESTORE_REPLACE;
	e->restore |= BCE_R_ROUTE_OK;
	return HA_RESTORE_ADOPT;
}

enum ha_restore_verdict ha_restore_proxy_verdict(struct bcache *bc, const struct ha_restore_scope *s,
						 const struct knl_neigh *n)
{
	struct in6_addr ll;
	struct bce *e;

	/*
	 * An older version of mip6d installed one proxy entry per binding (and with L=1 one for
	 * fe80::IID); the HA answers NSs itself now (RFC 6275 §10.4.1, icmp6/ndproxy.h), so those
	 * go. Ours are exactly a restored binding's, on its home link; any other proxy entry (another
	 * daemon's, an operator's) is left alone.
	 */
	if (!(n->flags & NTF_PROXY))
		return HA_RESTORE_IGNORE;
	if (!IN6_IS_ADDR_LINKLOCAL(&n->addr)) {
		e = bcache_lookup(bc, &n->addr);
		return e && (e->restore & BCE_R_RESTORED) && e->ifindex == n->ifindex ? HA_RESTORE_REMOVE
										      : HA_RESTORE_IGNORE;
	}
	for (size_t i = 0; i < s->n_prefixes; i++) {
		struct in6_addr hoa = s->prefixes[i].prefix;

		if (s->prefixes[i].ifindex != n->ifindex)
			continue;
		memcpy(hoa.s6_addr + 8, n->addr.s6_addr + 8, 8);
		e = bcache_lookup(bc, &hoa);
		dad_watch_link_local(&hoa, &ll);
		if (e && (e->restore & BCE_R_RESTORED) && e->ll_proxy && e->ifindex == n->ifindex &&
		    !memcmp(&ll, &n->addr, 16))
			return HA_RESTORE_REMOVE;
	}
	return HA_RESTORE_IGNORE;
}

/* RFC 6275 §10.4.5: a reverse-tunnel filter (ha/reverse-tunnel.h) is a restored binding's when it keys on its HoA and CoA. */
enum ha_restore_verdict ha_restore_filter_verdict(struct bcache *bc, const struct ha_restore_scope *s,
						  const struct knl_tc_filter *f)
{
	struct bce *e;

	if (f->ifindex != s->tnl_ifindex || f->prio != REVTUN_PRIO_BINDING || f->handle == 0 || f->drop)
		return HA_RESTORE_IGNORE; /* handle 0: the kernel naming the prio itself */
	e = bcache_lookup(bc, &f->src);
	/* A second filter of the same binding (a crash between two changes) is a duplicate: removed. */
	if (!e || !(e->restore & BCE_R_RESTORED) || e->revtun_handle != 0 || memcmp(&f->enc_src, &e->coa, 16) != 0)
		return HA_RESTORE_REMOVE;
	e->revtun_handle = f->handle;
	return HA_RESTORE_ADOPT;
}

/* ---- the reconciliation against the kernel --------------------------------- */

struct ha_restore {
	struct knl *knl;
	struct bcache *bc;
	struct ha_restore_scope scope;
	knl_done_fn done;
	void *userdata;
	struct knl_route *dead_routes;
	struct knl_neigh *dead_proxies;
	uint32_t *dead_filters;
	size_t n_dead_routes, n_dead_proxies, n_dead_filters, cap_routes, cap_proxies, cap_filters;
	unsigned pending;
	int error;
	bool filters_lost; /* the filter dump failed or an orphan could not be noted: flush them all */
	struct ha_restore_stats st;
};

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 64;
	p = realloc(*arr, c * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

static void on_route(const struct knl_event *ev, void *userdata)
{
	struct ha_restore *rs = userdata;

	if (ev->type != KNL_EVENT_ROUTE)
		return;
	switch (ha_restore_route_verdict(rs->bc, &rs->scope, &ev->route)) {
	case HA_RESTORE_ADOPT:
		rs->st.adopted_routes++;
		break;
	case HA_RESTORE_REMOVE:
		if (grow((void **)&rs->dead_routes, &rs->cap_routes, rs->n_dead_routes, sizeof(*rs->dead_routes)) == 0)
			rs->dead_routes[rs->n_dead_routes++] = ev->route;
		break;
	default:
		break;
	}
}

static void on_proxy(const struct knl_event *ev, void *userdata)
{
	struct ha_restore *rs = userdata;

	if (ev->type != KNL_EVENT_NEIGH)
		return;
	switch (ha_restore_proxy_verdict(rs->bc, &rs->scope, &ev->neigh)) {
	case HA_RESTORE_REMOVE:
		if (grow((void **)&rs->dead_proxies, &rs->cap_proxies, rs->n_dead_proxies, sizeof(*rs->dead_proxies)) == 0)
			rs->dead_proxies[rs->n_dead_proxies++] = ev->neigh;
		break;
	default:
		break;
	}
}

static void on_filter(const struct knl_event *ev, void *userdata)
{
	struct ha_restore *rs = userdata;

	if (ev->type != KNL_EVENT_TC_FILTER)
		return;
	switch (ha_restore_filter_verdict(rs->bc, &rs->scope, &ev->tc_filter)) {
	case HA_RESTORE_ADOPT:
		revtun_adopt(rs->scope.revtun, ev->tc_filter.handle);
		rs->st.adopted_filters++;
		break;
	case HA_RESTORE_REMOVE:
		if (grow((void **)&rs->dead_filters, &rs->cap_filters, rs->n_dead_filters, sizeof(*rs->dead_filters)) == 0)
			rs->dead_filters[rs->n_dead_filters++] = ev->tc_filter.handle;
		else
			rs->filters_lost = true;
		break;
	default:
		break;
	}
}

static void restore_step_done(struct ha_restore *rs)
{
	if (--rs->pending == 0 && rs->done)
		rs->done(rs->error, rs->userdata);
}

static void on_removed(int result, void *userdata)
{
	struct ha_restore *rs = userdata;

	if (result < 0)
		log_warning_errno(result, "removing a kernel object no binding owns failed: %m");
	restore_step_done(rs);
}

static void on_reinstalled(int result, void *userdata)
{
	struct bce *e = userdata;
	struct ha_restore *rs = e->ha;

	if (result < 0 && !(e->restore & BCE_R_FAILED)) {
		char h[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, &e->hoa, h, sizeof(h));
		log_warning_errno(result, "reinstalling the restored binding of %s failed: %m", h);
		e->restore |= BCE_R_FAILED;
		rs->st.failed++;
	}
	restore_step_done(rs);
}

static void reinstall(struct bce *e, void *userdata)
{
	struct ha_restore *rs = userdata;
	struct knl_route rt = { .dst = e->hoa, .dst_len = 128, .oif = rs->scope.tnl_ifindex, .encap = true,
				.encap_dst = e->coa, .encap_src = e->local };
	bool any = false;

	if (!(e->restore & BCE_R_RESTORED))
		return;
	e->ha = rs; /* until the HA takes the entry over */
	if (!(e->restore & BCE_R_ROUTE_OK) && knl_route(rs->knl, KNL_OP_REPLACE, &rt, e, on_reinstalled, e) == 0)
		rs->pending++, any = true;
	rs->st.installed += any;
}

static void forget_filter(struct bce *e, void *userdata)
{
	(void)userdata;
	if (e->restore & BCE_R_RESTORED)
		e->revtun_handle = 0;
}

/* The filters could not all be told apart: none is adopted, all go; the HA installs each binding's. */
static void flush_filters(struct ha_restore *rs)
{
	bcache_foreach(rs->bc, forget_filter, NULL);
	rs->st.adopted_filters = 0;
	rs->n_dead_filters = 0;
	if (revtun_flush(rs->scope.revtun, rs, on_removed, rs) == 0)
		rs->pending++;
}

/* Every dump is in: remove the orphans, install what restored bindings miss. */
static void reconcile(struct ha_restore *rs)
{
	rs->pending = 1; /* held until everything is submitted */
	for (size_t i = 0; i < rs->n_dead_routes; i++) {
		struct knl_route rt = rs->dead_routes[i];

		if (knl_route(rs->knl, KNL_OP_DEL, &rt, rs, on_removed, rs) == 0)
			rs->pending++, rs->st.orphans_removed++;
	}
	for (size_t i = 0; i < rs->n_dead_proxies; i++)
		if (knl_proxy(rs->knl, KNL_OP_DEL, rs->dead_proxies[i].ifindex, &rs->dead_proxies[i].addr, rs, on_removed,
			      rs) == 0)
			rs->pending++, rs->st.proxies_removed++;
	if (rs->scope.revtun && rs->filters_lost)
		flush_filters(rs);
	for (size_t i = 0; i < rs->n_dead_filters; i++)
		if (revtun_remove_foreign(rs->scope.revtun, rs->dead_filters[i], rs, on_removed, rs) == 0)
			rs->pending++, rs->st.orphans_removed++;
	bcache_foreach(rs->bc, reinstall, rs);
	restore_step_done(rs);
}

static void on_filters_dumped(int result, void *userdata)
{
	struct ha_restore *rs = userdata;

	if (result < 0) {
		rs->error = result;
		rs->filters_lost = true;
	}
	reconcile(rs);
}

static void on_proxies_dumped(int result, void *userdata)
{
	struct ha_restore *rs = userdata;
	int r;

	if (result < 0)
		rs->error = result;
	if (!rs->scope.revtun) {
		reconcile(rs);
		return;
	}
	r = knl_tc_filter_dump(rs->knl, rs->scope.tnl_ifindex, REVTUN_PRIO_BINDING, rs, on_filter, on_filters_dumped, rs);
	if (r < 0)
		on_filters_dumped(r, rs);
}

static void on_routes_dumped(int result, void *userdata)
{
	struct ha_restore *rs = userdata;
	int r;

	if (result < 0)
		rs->error = result;
	r = knl_dump(rs->knl, KNL_DUMP_PROXIES, rs, on_proxy, on_proxies_dumped, rs);
	if (r < 0)
		on_proxies_dumped(r, rs);
}

int ha_restore_start(struct knl *knl, struct bcache *bc, const struct ha_restore_scope *scope, knl_done_fn done,
		     void *userdata, struct ha_restore **ret)
{
	struct ha_restore *rs = calloc(1, sizeof(*rs));
	int r;

	if (!rs)
		return -ENOMEM;
	rs->knl = knl;
	rs->bc = bc;
	rs->scope = *scope;
	rs->done = done;
	rs->userdata = userdata;
	r = knl_dump(knl, KNL_DUMP_ROUTES, rs, on_route, on_routes_dumped, rs);
	if (r < 0) {
		free(rs);
		return r;
	}
	*ret = rs;
	return 0;
}

void ha_restore_get_stats(const struct ha_restore *rs, struct ha_restore_stats *ret)
{
	*ret = rs->st;
}

struct ha_restore *ha_restore_free(struct ha_restore *rs)
{
	if (!rs)
		return NULL;
	knl_cancel_owner(rs->knl, rs);
	free(rs->dead_routes);
	free(rs->dead_proxies);
	free(rs->dead_filters);
	free(rs);
	return NULL;
}
