// SPDX-License-Identifier: GPL-2.0-or-later
#include "ha/ha-mpd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "core/addr-util.h"
#include "core/rand-util.h"
#include "core/event-util.h"
#include "core/log.h"
#include "core/time-util.h"
#include "ha/bcache.h"
#include "ha/ha-policy.h"
#include "ha/mobile-prefix.h"
#include "icmp6/icmp6-socket.h"
#include "icmp6/ndisc.h"
#include "io/io.h"
#include "netlink/nl-kernel.h"
#include "manager.h"

/* One mobile node with an unsolicited advertisement scheduled or unacknowledged. */
struct mpd_mn {
	struct in6_addr hoa;
	struct mp_tx tx;
};

struct ha_mpd {
	struct ha_mpd_params p;
	struct mpd_mn *mns;
	size_t n_mns, cap_mns;
	sd_event_source *timer;
	struct ha_mpd_stats stats;
};

static const struct mip6_config *cfg(const struct ha_mpd *d)
{
	return *d->p.config;
}

/* The valid home registration of hoa (its HA address and home link), or NULL. */
static const struct bce *registration(const struct ha_mpd *d, const struct in6_addr *hoa)
{
	const struct bce *e = bcache_lookup(d->p.bc, hoa);

	return e && e->state == BCE_VALID ? e : NULL;
}

static struct mpd_mn *mn_find(struct ha_mpd *d, const struct in6_addr *hoa)
{
	for (size_t i = 0; i < d->n_mns; i++)
		if (IN6_ARE_ADDR_EQUAL(&d->mns[i].hoa, hoa))
			return &d->mns[i];
	return NULL;
}

static void mn_remove(struct ha_mpd *d, struct mpd_mn *m)
{
	*m = d->mns[--d->n_mns];
}

static struct mpd_mn *mn_get(struct ha_mpd *d, const struct in6_addr *hoa)
{
	struct mpd_mn *m = mn_find(d, hoa);

	if (m)
		return m;
	if (d->n_mns == d->cap_mns) {
		size_t cap = d->cap_mns ? d->cap_mns * 2 : 16;
		struct mpd_mn *n = realloc(d->mns, cap * sizeof(*n));

		if (!n)
			return NULL;
		d->mns = n;
		d->cap_mns = cap;
	}
	m = &d->mns[d->n_mns++];
	*m = (struct mpd_mn){ .hoa = *hoa };
	return m;
}

/*
 * §10.6.3: every prefix of the home link, from the registration's HA address (MUST) to
 * dst, the mobile node's home address, which (RFC 6275 §10.6.3 MUST) travels in a type 2
 * routing header: the packet itself goes to the binding's care-of address. IPsec where
 * IPsecPolicy MobPfxDisc put the SPD entry (out HA -> HoA ICMPv6 147 [ESP]).
 */
static int send_mpa(struct ha_mpd *d, const struct bce *e, const struct in6_addr *dst, uint16_t id)
{
	struct ndisc_mpa mpa = { .id = id };
	uint8_t buf[NDISC_MP_HDR_LEN + NDISC_PREFIX_INFO_LEN * NDISC_MAX_PREFIXES];
	size_t len;
	int r;

	mp_build_mpa(d->p.prefixes, *d->p.n_prefixes, e->ifindex, now_usec(), &mpa);
	r = ndisc_mpa_build(&mpa, buf, sizeof(buf), &len);
	if (r < 0)
		return r;
	return io_nd_send_rh2(d->p.io, 0, &e->coa, &e->local, dst, buf, len);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata);

static void arm(struct ha_mpd *d)
{
	usec_t next = UINT64_MAX;

	for (size_t i = 0; i < d->n_mns; i++)
		if (d->mns[i].tx.active && d->mns[i].tx.due < next)
			next = d->mns[i].tx.due;
	if (next == UINT64_MAX) {
		if (d->timer)
			(void)sd_event_source_set_enabled(d->timer, SD_EVENT_OFF);
		return;
	}
	(void)event_timer_arm(d->p.event, &d->timer, next, 10 * USEC_PER_MSEC, on_timer, d);
}

/* Unsolicited advertisements due now; the retransmission schedule goes on (§10.6.2). */
static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct ha_mpd *d = userdata;

	(void)s;
	for (size_t i = 0; i < d->n_mns;) {
		struct mpd_mn *m = &d->mns[i];
		const struct bce *e = registration(d, &m->hoa);
		int r;

		if (!e) { /* §10.6.2: the home registration expired: cancel */
			mn_remove(d, m);
			continue;
		}
		if (m->tx.active && m->tx.due <= usec) {
			/* §10.6.3: to the home address of the binding. */
			r = send_mpa(d, e, &m->hoa, (uint16_t)rand_u32());
			if (r < 0)
				log_debug_errno(r, "unsolicited Mobile Prefix Advertisement not sent: %m");
			if (m->tx.sent == 0)
				d->stats.unsolicited++;
			else
				d->stats.retransmissions++;
			(void)mp_tx_sent(&m->tx, usec);
		}
		i++;
	}
	arm(d);
	return 0;
}

struct change_ctx {
	struct ha_mpd *d;
	const struct ha_prefix *p;
	usec_t now;
};

static void schedule_one(struct bce *e, void *userdata)
{
	struct change_ctx *x = userdata;
	const struct mip6_config *c = cfg(x->d);
	struct mpd_mn *m;

	if (e->state != BCE_VALID || e->ifindex != x->p->ifindex || !ha_prefix_match(x->p, 1, &e->hoa))
		return;
	m = mn_get(x->d, &e->hoa);
	if (!m)
		return;
	mp_tx_schedule(&m->tx, x->now,
		       mp_rand_adv_delay(c->min_mob_pfx_adv_interval, c->max_mob_pfx_adv_interval,
					 mp_remaining(x->p, x->now, true), rand_u32()));
}

/* §10.6.2 MUST: the lifetimes of a registered HoA's prefix changed: schedule an advertisement. */
static void prefix_changed(struct ha_mpd *d, const struct ha_prefix *p)
{
	struct change_ctx x = { .d = d, .p = p, .now = now_usec() };
	char a[INET6_ADDRSTRLEN];

	d->stats.changes++;
	addr_str(&p->prefix, a);
	log_info("home prefix %s/%u: valid lifetime %u s, preferred %u s", a, p->len,
		 mp_remaining(p, x.now, false), mp_remaining(p, x.now, true));
	if (d->p.changed)
		d->p.changed(p, d->p.userdata);
	if (!cfg(d)->send_unsol_mob_pfx_advs)
		return;
	bcache_foreach(d->p.bc, schedule_one, &x);
	arm(d);
}

struct link_ctx {
	struct ha_mpd *d;
	int ifindex;
	usec_t now;
	size_t n;
};

static void schedule_on_link(struct bce *e, void *userdata)
{
	struct link_ctx *x = userdata;
	const struct mip6_config *c = cfg(x->d);
	const struct ha_prefix *p;
	struct mpd_mn *m;

	if (e->state != BCE_VALID || e->ifindex != x->ifindex)
		return;
	p = ha_prefix_match(x->d->p.prefixes, *x->d->p.n_prefixes, &e->hoa);
	if (!p || p->ifindex != x->ifindex || !(m = mn_get(x->d, &e->hoa)))
		return;
	mp_tx_schedule(&m->tx, x->now,
		       mp_rand_adv_delay(c->min_mob_pfx_adv_interval, c->max_mob_pfx_adv_interval,
					 mp_remaining(p, x->now, true), rand_u32()));
	x->n++;
}

size_t ha_mpd_link_changed(struct ha_mpd *d, int ifindex)
{
	struct link_ctx x = { .d = d, .ifindex = ifindex, .now = now_usec() };

	/* §10.6.2 SHOULD: a prefix added on the home link (a removed one: MAY, the list is sent whole). */
	if (!d || !cfg(d)->send_unsol_mob_pfx_advs)
		return 0;
	bcache_foreach(d->p.bc, schedule_on_link, &x);
	arm(d);
	return x.n;
}

void ha_mpd_on_addr(struct ha_mpd *d, const struct knl_addr *a, bool removed)
{
	int i;

	if (!d)
		return;
	i = mp_on_addr(d->p.prefixes, *d->p.n_prefixes, a, removed, now_usec());
	if (i >= 0)
		prefix_changed(d, &d->p.prefixes[i]);
}

void ha_mpd_on_ra(struct ha_mpd *d, int ifindex, const struct in6_addr *src, const struct ndisc_ra *ra)
{
	bool changed[64];
	size_t n;

	if (!d)
		return;
	n = *d->p.n_prefixes < 64 ? *d->p.n_prefixes : 64;
	if (mp_on_ra(d->p.prefixes, n, ifindex, src, ra, now_usec(), changed) == 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (changed[i])
			prefix_changed(d, &d->p.prefixes[i]);
}

void ha_mpd_registered(struct ha_mpd *d, const struct in6_addr *hoa)
{
	struct mpd_mn *m = d ? mn_find(d, hoa) : NULL;

	/* §10.6.2: a BU without returning home restarts an unacknowledged advertisement. */
	if (!m || m->tx.active || !m->tx.unacked)
		return;
	m->tx.unacked = false;
	mp_tx_schedule(&m->tx, now_usec(), 0);
	arm(d);
}

void ha_mpd_forget(struct ha_mpd *d, const struct in6_addr *hoa)
{
	struct mpd_mn *m = d ? mn_find(d, hoa) : NULL;

	if (m) {
		mn_remove(d, m);
		arm(d);
	}
}

/* §10.6.2: a Solicitation is answered right away; §6.8: its Identifier is echoed. */
static enum mip6_drop on_mps(const struct io_nd_msg *msg, const struct icmp6_rxinfo *rx, void *userdata)
{
	struct ha_mpd *d = userdata;
	const struct bce *e = registration(d, &rx->src);
	struct mpd_mn *m;
	int r;

	d->stats.solicitations++;
	/* §10.6: only a registered mobile node, to the HA address it registered with. */
	if (!e || !IN6_ARE_ADDR_EQUAL(&rx->dst, &e->local)) {
		d->stats.not_registered++;
		return DROP_NOT_SERVED;
	}
	m = mn_find(d, &rx->src);
	if (m) { /* §10.6.2: the acknowledgement of an unsolicited advertisement */
		mp_tx_ack(&m->tx);
		mn_remove(d, m);
		arm(d);
	}
	if (!cfg(d)->send_mob_pfx_advs)
		return DROP_NONE;
	/* §10.6.3: to the Solicitation's source. */
	r = send_mpa(d, e, &rx->src, msg->mps->id);
	if (r < 0) {
		log_debug_errno(r, "Mobile Prefix Advertisement not sent: %m");
		return DROP_OTHER;
	}
	d->stats.solicited++;
	return DROP_NONE;
}

/* The kernel's lifetimes of the HA's addresses, at start. */
static void on_addr_dumped(const struct knl_event *ev, void *userdata)
{
	struct ha_mpd *d = userdata;

	if (ev->type == KNL_EVENT_ADDR)
		(void)mp_on_addr(d->p.prefixes, *d->p.n_prefixes, &ev->addr, false, now_usec());
}

static void on_dump_done(int result, void *userdata)
{
	(void)userdata;
	if (result < 0)
		log_debug_errno(result, "address dump for the home prefixes' lifetimes: %m");
}

int ha_mpd_new(const struct ha_mpd_params *p, struct ha_mpd **ret)
{
	static const uint8_t types[] = { NDISC_TYPE_MPS };
	struct ha_mpd *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -ENOMEM;
	d->p = *p;
	/*
	 * The Solicitations come from care-of addresses with a Home Address option (RFC 6275
	 * §11.4.2; the kernel's wildcard `hao` state and spd_ha_mps_policy() let them in, the
	 * source is then the HoA) over any link: the every-interface socket.
	 */
	r = io_nd_link_add(p->io, NULL, types, 1);
	if (r < 0) {
		free(d);
		return r;
	}
	(void)io_nd_register(p->io, NDISC_TYPE_MPS, on_mps, d);
	(void)knl_dump(io_knl(p->io), KNL_DUMP_ADDRS, d, on_addr_dumped, on_dump_done, d);
	*ret = d;
	return 0;
}

void ha_mpd_resync(struct ha_mpd *d)
{
	if (d)
		(void)knl_dump(io_knl(d->p.io), KNL_DUMP_ADDRS, d, on_addr_dumped, on_dump_done, d);
}

struct ha_mpd *ha_mpd_free(struct ha_mpd *d)
{
	if (!d)
		return NULL;
	(void)io_nd_register(d->p.io, NDISC_TYPE_MPS, NULL, NULL);
	knl_cancel_owner(io_knl(d->p.io), d);
	sd_event_source_disable_unref(d->timer);
	free(d->mns);
	free(d);
	return NULL;
}

void ha_mpd_get_stats(const struct ha_mpd *d, struct ha_mpd_stats *ret)
{
	*ret = d ? d->stats : (struct ha_mpd_stats){ 0 };
}
