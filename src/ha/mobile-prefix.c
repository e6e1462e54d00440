// SPDX-License-Identifier: GPL-2.0-or-later
#include "ha/mobile-prefix.h"

#include <string.h>

#include "ha/ha-policy.h"
#include "icmp6/ndisc.h"
#include "netlink/nl-types.h"

static uint64_t end_of(uint32_t sec, usec_t seen)
{
	if (sec == UINT32_MAX)
		return UINT64_MAX;
	return seen + (usec_t)sec * USEC_PER_SEC;
}

static uint32_t left_at(uint64_t end, usec_t now)
{
	if (end == UINT64_MAX)
		return UINT32_MAX;
	if (end <= now)
		return 0;
	/* Rounded up: a lifetime of 600 s read 0.1 s later is still 600. */
	return (uint32_t)((end - now + USEC_PER_SEC - 1) / USEC_PER_SEC);
}

uint32_t mp_remaining(const struct ha_prefix *p, usec_t now, bool preferred)
{
	return left_at(end_of(preferred ? p->preferred_sec : p->valid_sec, p->seen), now);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* The prefix's lifetimes: the smaller of its sources' (§10.3.1: the HA's own Prefix List entry). */
static void effective(struct ha_prefix *p, usec_t now)
{
	uint64_t v = end_of(p->if_valid, p->if_seen), pr = end_of(p->if_preferred, p->if_seen);

	if (p->has_ra) {
		v = min_u64(v, end_of(p->ra_valid, p->ra_seen));
		pr = min_u64(pr, end_of(p->ra_preferred, p->ra_seen));
	}
	p->valid_sec = left_at(v, now);
	p->preferred_sec = left_at(min_u64(pr, v), now);
	p->seen = now;
}

static bool moved(uint64_t a, uint64_t b)
{
	uint64_t d = a > b ? a - b : b - a;

	return d > (uint64_t)MP_SLACK_SEC * USEC_PER_SEC;
}

int mp_on_addr(struct ha_prefix *p, size_t n, const struct knl_addr *a, bool removed, usec_t now)
{
	/* A removed address changes nothing: one that expired counted down to 0 already, and
	 * one an operator removes (and may add again) is not a lifetime the prefix was given. */
	if (removed)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct ha_prefix *q = &p[i];
		uint32_t v = a->valid_lft, pr = a->preferred_lft;
		bool changed;

		if (q->ifindex != a->ifindex || memcmp(&q->ha, &a->addr, sizeof(a->addr)) != 0)
			continue;
		changed = moved(end_of(q->if_valid, q->if_seen), end_of(v, now)) ||
			  moved(end_of(q->if_preferred, q->if_seen), end_of(pr, now));
		q->if_valid = v;
		q->if_preferred = pr;
		q->if_seen = now;
		effective(q, now);
		return changed ? (int)i : -1;
	}
	return -1;
}

static bool prefix_equal(const struct ha_prefix *q, const struct ndisc_prefix *o)
{
	struct in6_addr a = o->prefix;

	if (o->prefixlen != q->len)
		return false;
	for (unsigned i = o->prefixlen; i < 128; i++)
		a.s6_addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	return memcmp(&a, &q->prefix, sizeof(a)) == 0;
}

size_t mp_on_ra(struct ha_prefix *p, size_t n, int ifindex, const struct in6_addr *src, const struct ndisc_ra *ra,
		usec_t now, bool *changed)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++) {
		struct ha_prefix *q = &p[i];

		changed[i] = false;
		if (q->ifindex != ifindex)
			continue;
		for (size_t j = 0; j < ra->n_prefixes; j++) {
			const struct ndisc_prefix *o = &ra->prefixes[j];

			if (!prefix_equal(q, o))
				continue;
			if (q->has_ra && memcmp(&q->ra_src, src, sizeof(*src)) != 0 &&
			    end_of(o->valid_lifetime, now) >= end_of(q->ra_valid, q->ra_seen) &&
			    end_of(q->ra_valid, q->ra_seen) > now)
				break; /* another router's longer lifetime: the shorter one stands */
			/* RA lifetimes are fixed values, repeated: a new value is a change (§10.6.2). */
			changed[i] = !q->has_ra || q->ra_valid != o->valid_lifetime ||
				     q->ra_preferred != o->preferred_lifetime;
			q->has_ra = true;
			q->ra_src = *src;
			q->ra_valid = o->valid_lifetime;
			q->ra_preferred = o->preferred_lifetime;
			q->ra_seen = now;
			q->ra_flags = ra->flags & (NDISC_RA_F_MANAGED | NDISC_RA_F_OTHER);
			effective(q, now);
			count += changed[i];
			break;
		}
	}
	return count;
}

static bool same_prefix(const struct ha_prefix *a, const struct ha_prefix *b)
{
	return a->len == b->len && a->ifindex == b->ifindex && memcmp(&a->prefix, &b->prefix, sizeof(a->prefix)) == 0;
}

const struct ha_prefix *mp_set_find(const struct ha_prefix *a, size_t n, const struct ha_prefix *b, bool same_ha)
{
	for (size_t i = 0; i < n; i++)
		if (same_prefix(&a[i], b) && (!same_ha || IN6_ARE_ADDR_EQUAL(&a[i].ha, &b->ha)))
			return &a[i];
	return NULL;
}

size_t mp_set_build(const struct ha_prefix *old, size_t n_old, const struct ha_prefix *cand, size_t n_cand,
		    struct ha_prefix *out, size_t max, usec_t now)
{
	size_t n = 0;

	for (size_t i = 0; i < n_cand && n < max; i++) {
		const struct ha_prefix *ra, *own;
		struct ha_prefix *o;

		if (mp_set_find(out, n, &cand[i], true))
			continue; /* the same address twice */
		o = &out[n++];
		*o = cand[i];
		own = mp_set_find(old, n_old, &cand[i], true);
		ra = mp_set_find(old, n_old, &cand[i], false);
		if (own && !cand[i].if_known) {
			o->if_valid = own->if_valid;
			o->if_preferred = own->if_preferred;
			o->if_seen = own->if_seen;
		}
		for (size_t j = 0; j < n_old; j++) /* the RA's lifetimes: the prefix's, any entry of it */
			if (same_prefix(&old[j], &cand[i]) && old[j].has_ra) {
				ra = &old[j];
				break;
			}
		if (ra) {
			o->has_ra = ra->has_ra;
			o->ra_src = ra->ra_src;
			o->ra_valid = ra->ra_valid;
			o->ra_preferred = ra->ra_preferred;
			o->ra_seen = ra->ra_seen;
			o->ra_flags = ra->ra_flags;
		}
		if (own || ra || o->if_known)
			effective(o, now);
	}
	return n;
}

static bool link_subset(const struct ha_prefix *a, size_t na, const struct ha_prefix *b, size_t nb, int ifindex)
{
	for (size_t i = 0; i < na; i++)
		if (a[i].ifindex == ifindex && !mp_set_find(b, nb, &a[i], true))
			return false;
	return true;
}

bool mp_set_link_changed(const struct ha_prefix *a, size_t na, const struct ha_prefix *b, size_t nb, int ifindex)
{
	return !link_subset(a, na, b, nb, ifindex) || !link_subset(b, nb, a, na, ifindex);
}

void mp_build_mpa(const struct ha_prefix *p, size_t n, int ifindex, usec_t now, struct ndisc_mpa *mpa)
{
	uint8_t ra_flags = 0;

	mpa->n_prefixes = 0;
	for (size_t i = 0; i < n && mpa->n_prefixes < NDISC_MAX_PREFIXES; i++) {
		struct ndisc_prefix *o;

		if (p[i].ifindex != ifindex || mp_set_find(p, i, &p[i], false))
			continue; /* a prefix once, also with several HA addresses in it */
		o = &mpa->prefixes[mpa->n_prefixes++];
		memset(o, 0, sizeof(*o));
		o->prefixlen = p[i].len;
		o->prefix = p[i].prefix;
		o->flags = NDISC_PREFIX_F_ONLINK | NDISC_PREFIX_F_AUTO;
		o->valid_lifetime = mp_remaining(&p[i], now, false);
		o->preferred_lifetime = mp_remaining(&p[i], now, true);
		ra_flags |= p[i].ra_flags;
	}
	/* §10.6.3: M and O when set in any RA the prefix information was learnt from. */
	mpa->flags = (uint16_t)(((ra_flags & NDISC_RA_F_MANAGED) ? NDISC_MPA_F_MANAGED : 0) |
				((ra_flags & NDISC_RA_F_OTHER) ? NDISC_MPA_F_OTHER : 0));
}

usec_t mp_rand_adv_delay(unsigned min_s, unsigned max_s, uint32_t preferred_s, uint32_t rnd)
{
	uint64_t max_sched = max_s < preferred_s ? max_s : preferred_s;
	uint64_t span = max_sched > min_s ? max_sched - min_s : min_s - max_sched;
	uint64_t d = min_s + (span ? rnd % span : 0);

	return (usec_t)d * USEC_PER_SEC;
}

void mp_tx_schedule(struct mp_tx *t, usec_t now, usec_t delay)
{
	/* §10.6.2: one already scheduled is replaced by a new one "at the scheduled time". */
	if (t->active && t->sent == 0)
		return;
	t->active = true;
	t->sent = 0;
	t->due = now + delay;
	t->wait = (usec_t)PREFIX_ADV_TIMEOUT_SEC * USEC_PER_SEC;
}

bool mp_tx_sent(struct mp_tx *t, usec_t now)
{
	t->unacked = true;
	/* §10.6.2: PREFIX_ADV_TIMEOUT before the first retransmission, doubled for every
	 * succeeding one, PREFIX_ADV_RETRIES at most. */
	if (t->sent++ >= PREFIX_ADV_RETRIES) {
		t->active = false;
		return false;
	}
	t->due = now + t->wait;
	t->wait *= 2;
	return true;
}

void mp_tx_ack(struct mp_tx *t)
{
	t->active = false;
	t->unacked = false;
	t->sent = 0;
}
