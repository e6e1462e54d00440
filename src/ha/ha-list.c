/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ha/ha-list.h"

#include <errno.h>
#include <string.h>

#include "icmp6/ndisc.h"

#define USEC_PER_SEC_U64 UINT64_C(1000000)

static struct hal_agent *agent_find(struct hal_link *l, const struct in6_addr *lladdr)
{
	for (size_t i = 0; i < l->n_agents; i++)
		if (memcmp(&l->agents[i].lladdr, lladdr, sizeof(*lladdr)) == 0)
			return &l->agents[i];
	return NULL;
}

static void agent_delete(struct hal_link *l, struct hal_agent *a)
{
	size_t i = (size_t)(a - l->agents);

	memmove(&l->agents[i], &l->agents[i + 1], (l->n_agents - i - 1) * sizeof(*a));
	l->n_agents--;
}

static uint64_t expiry(uint64_t now_us, uint32_t lifetime_s)
{
	if (lifetime_s == NDISC_LIFETIME_INFINITE)
		return UINT64_MAX;
	return now_us + (uint64_t)lifetime_s * USEC_PER_SEC_U64;
}

int hal_set_self(struct hal_link *l, const struct in6_addr *lladdr, const struct in6_addr *addrs, size_t n)
{
	struct hal_agent *a = NULL;
	uint16_t preference = 0;

	for (size_t i = 0; i < l->n_agents; i++)
		if (l->agents[i].self) {
			a = &l->agents[i];
			preference = a->preference;
		}
	if (!a) {
		/* An RA from our own address seen earlier is the same agent: take it over. */
		a = agent_find(l, lladdr);
		if (!a) {
			if (l->n_agents >= HAL_MAX_AGENTS)
				return -ENOSPC;
			a = &l->agents[l->n_agents++];
		}
	}
	memset(a, 0, sizeof(*a));
	a->lladdr = *lladdr;
	a->self = true;
	a->preference = preference;
	a->expires_us = UINT64_MAX;
	for (size_t i = 0; i < n && a->n_addrs < HAL_MAX_ADDRS; i++)
		a->addrs[a->n_addrs++] = (struct hal_addr){ .addr = addrs[i], .expires_us = UINT64_MAX };
	return n > HAL_MAX_ADDRS ? -E2BIG : 0;
}

/*
 * An address whose interface identifier (the bits after the prefix length) is zero is
 * the prefix's Subnet-Router anycast address (RFC 4291 §2.6.1), not a router's own
 * address: radvd sends the bare prefix with the R bit set. Not a home agent address.
 */
static bool zero_interface_id(const struct ndisc_prefix *p)
{
	if (p->prefixlen >= 128)
		return false;
	for (unsigned i = p->prefixlen; i < 128; i++)
		if (p->prefix.s6_addr[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

/* §10.5.1: global addresses from Prefix Information options with the R bit; a
 * valid lifetime of 0 removes the address ("no longer valid", RFC 4861 §6.3.4). */
static void agent_take_addrs(struct hal_agent *a, const struct ndisc_ra *ra, uint64_t now_us)
{
	for (size_t i = 0; i < ra->n_prefixes; i++) {
		const struct ndisc_prefix *p = &ra->prefixes[i];
		size_t j;

		if (!(p->flags & NDISC_PREFIX_F_ROUTER_ADDR) || IN6_IS_ADDR_LINKLOCAL(&p->prefix) ||
		    IN6_IS_ADDR_MULTICAST(&p->prefix) || IN6_IS_ADDR_UNSPECIFIED(&p->prefix) ||
		    zero_interface_id(p))
			continue;
		for (j = 0; j < a->n_addrs; j++)
			if (memcmp(&a->addrs[j].addr, &p->prefix, sizeof(p->prefix)) == 0)
				break;
		if (p->valid_lifetime == 0) {
			if (j < a->n_addrs) {
				memmove(&a->addrs[j], &a->addrs[j + 1], (a->n_addrs - j - 1) * sizeof(a->addrs[0]));
				a->n_addrs--;
			}
			continue;
		}
		if (j == a->n_addrs) {
			if (a->n_addrs >= HAL_MAX_ADDRS)
				continue; /* bounded: further addresses of this agent are not listed */
			a->n_addrs++;
			a->addrs[j].addr = p->prefix;
		}
		a->addrs[j].expires_us = expiry(now_us, p->valid_lifetime);
	}
}

enum hal_ra_result hal_on_ra(struct hal_link *l, const struct in6_addr *src, const struct ndisc_ra *ra,
			     uint64_t now_us)
{
	struct hal_agent *a = agent_find(l, src);
	uint16_t pref = 0;
	uint32_t lifetime;
	bool added = false;

	if (!(ra->flags & NDISC_RA_F_HOME_AGENT)) {
		/* §10.5.1: H clear: delete the sender's entry, skip the rest. */
		if (a && !a->self)
			agent_delete(l, a);
		return HAL_RA_NOT_HA;
	}
	/* §10.5.1: preference and lifetime from the HA Information option, else 0 and the
	 * router lifetime (an option lifetime of 0, which §7.4 forbids, counts as absent). */
	lifetime = ndisc_ra_ha_lifetime(ra, &pref);
	if (a && a->self) {
		a->preference = pref;
		return HAL_RA_SELF;
	}
	if (lifetime == 0) {
		if (!a)
			return HAL_RA_NOT_HA;
		agent_delete(l, a);
		return HAL_RA_REMOVED;
	}
	if (!a) {
		if (l->n_agents >= HAL_MAX_AGENTS)
			return HAL_RA_FULL;
		a = &l->agents[l->n_agents++];
		memset(a, 0, sizeof(*a));
		a->lladdr = *src;
		added = true;
	}
	a->preference = pref;
	a->mobile_router = ra->has_ha_info && (ra->ha_info.flags & NDISC_HA_INFO_F_MOBILE_ROUTER);
	a->expires_us = expiry(now_us, lifetime);
	agent_take_addrs(a, ra, now_us);
	return added ? HAL_RA_ADDED : HAL_RA_UPDATED;
}

size_t hal_expire(struct hal_link *l, uint64_t now_us)
{
	size_t removed = 0;

	for (size_t i = 0; i < l->n_agents;) {
		struct hal_agent *a = &l->agents[i];

		if (a->expires_us <= now_us) {
			agent_delete(l, a);
			removed++;
			continue;
		}
		/* §10.5.1: global addresses MUST be deleted once their prefix is no longer valid. */
		for (size_t j = 0; j < a->n_addrs;) {
			if (a->addrs[j].expires_us <= now_us) {
				memmove(&a->addrs[j], &a->addrs[j + 1], (a->n_addrs - j - 1) * sizeof(a->addrs[0]));
				a->n_addrs--;
			} else
				j++;
		}
		i++;
	}
	return removed;
}

uint64_t hal_next_expiry(const struct hal_link *l)
{
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < l->n_agents; i++) {
		const struct hal_agent *a = &l->agents[i];

		if (a->expires_us < next)
			next = a->expires_us;
		for (size_t j = 0; j < a->n_addrs; j++)
			if (a->addrs[j].expires_us < next)
				next = a->addrs[j].expires_us;
	}
	return next;
}

static void shuffle(const void **v, size_t n, hal_rand_fn rnd, void *userdata)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = rnd(userdata) % i;
		const void *t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

size_t hal_reply_addrs(const struct hal_link *l, uint64_t now_us, bool mobile_router_only, struct in6_addr *out,
		       size_t max, hal_rand_fn rnd, void *userdata)
{
	const void *order[HAL_MAX_AGENTS];
	size_t n = 0, written = 0;

	for (size_t i = 0; i < l->n_agents; i++) {
		const struct hal_agent *a = &l->agents[i];

		if (a->expires_us > now_us && (!mobile_router_only || a->mobile_router))
			order[n++] = a;
	}
	/* §10.5: random among equal preferences: shuffle, then a stable sort by preference. */
	shuffle(order, n, rnd, userdata);
	for (size_t i = 1; i < n; i++) {
		const void *t = order[i];
		size_t j = i;

		while (j > 0 && ((const struct hal_agent *)order[j - 1])->preference <
				       ((const struct hal_agent *)t)->preference) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = t;
	}
	for (size_t i = 0; i < n && written < max; i++) {
		const struct hal_agent *a = order[i];
		const void *addrs[HAL_MAX_ADDRS];
		size_t k = 0;

		for (size_t j = 0; j < a->n_addrs; j++)
			if (a->addrs[j].expires_us > now_us)
				addrs[k++] = &a->addrs[j].addr;
		/* §10.5: one agent's several addresses in random order. */
		shuffle(addrs, k, rnd, userdata);
		for (size_t j = 0; j < k && written < max; j++)
			out[written++] = *(const struct in6_addr *)addrs[j];
	}
	return written;
}
