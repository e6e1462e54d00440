// SPDX-License-Identifier: GPL-2.0-or-later
#include "mn/mn-prefixes.h"

#include <string.h>

#include "icmp6/ndisc.h"

static void mask(struct in6_addr *a, uint8_t len)
{
	for (unsigned i = len; i < 128; i++)
		a->s6_addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

void mnp_init(struct mnp_list *l, const struct in6_addr *home_prefix, uint8_t len)
{
	memset(l, 0, sizeof(*l));
	l->n = 1;
	l->p[0].prefix = *home_prefix;
	l->p[0].len = len;
	mask(&l->p[0].prefix, len);
	l->p[0].valid = l->p[0].preferred = UINT32_MAX;
}

uint32_t mnp_remaining(const struct mnp_prefix *p, usec_t now, bool preferred)
{
	uint32_t v = preferred ? p->preferred : p->valid;
	usec_t gone;

	if (v == UINT32_MAX)
		return UINT32_MAX;
	gone = now > p->seen ? (now - p->seen) / USEC_PER_SEC : 0;
	return gone >= v ? 0 : v - (uint32_t)gone;
}

static struct mnp_prefix *find(struct mnp_list *l, const struct in6_addr *prefix, uint8_t len)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->p[i].len == len && memcmp(&l->p[i].prefix, prefix, sizeof(*prefix)) == 0)
			return &l->p[i];
	return NULL;
}

size_t mnp_apply(struct mnp_list *l, const struct ndisc_mpa *mpa, usec_t now)
{
	size_t count = 0;

	for (size_t i = 0; i < mpa->n_prefixes && i < NDISC_MAX_PREFIXES; i++) {
		const struct ndisc_prefix *o = &mpa->prefixes[i];
		struct in6_addr px = o->prefix;
		struct mnp_prefix *p;

		/* RFC 4861 §6.3.4 / RFC 4862 §5.5.3 (a), (c): link-local prefixes and a preferred
		 * lifetime above the valid one are ignored. The parser bounded prefixlen (≤ 128). */
		if (o->prefixlen > 128 || IN6_IS_ADDR_LINKLOCAL(&o->prefix) ||
		    o->preferred_lifetime > o->valid_lifetime)
			continue;
		mask(&px, o->prefixlen);
		p = find(l, &px, o->prefixlen);
		if (!p) {
			if (l->n >= MNP_MAX)
				continue; /* bounded: a new prefix beyond MNP_MAX is not recorded */
			p = &l->p[l->n++];
			p->prefix = px;
			p->len = o->prefixlen;
		}
		p->known = true;
		p->valid = o->valid_lifetime;
		p->preferred = o->preferred_lifetime;
		p->seen = now;
		count++;
	}
	return count;
}

usec_t mnp_refresh_time(const struct mnp_list *l)
{
	const struct mnp_prefix *p = &l->p[0];

	if (!p->known || p->valid == UINT32_MAX || p->valid == 0)
		return UINT64_MAX;
	/* §11.4.2: before the home address becomes invalid: at 80 % of the valid lifetime. */
	return p->seen + (usec_t)p->valid * USEC_PER_SEC * 4 / 5;
}

void mps_sent(struct mps_state *s, uint16_t id, usec_t now, usec_t initial_timeout)
{
	/* §11.8: INITIAL_SOLICIT_TIMER first, doubled each retransmission up to MAX_BINDACK_TIMEOUT. */
	if (!s->outstanding)
		s->timeout = initial_timeout;
	else if (s->timeout < MNP_MAX_BINDACK_TIMEOUT)
		s->timeout = s->timeout * 2 < MNP_MAX_BINDACK_TIMEOUT ? s->timeout * 2 : MNP_MAX_BINDACK_TIMEOUT;
	s->outstanding = true;
	s->id = id;
	s->next = now + s->timeout;
}

enum mpa_verdict mpa_check(struct mps_state *s, const struct in6_addr *src, const struct in6_addr *ha,
			   const struct ndisc_mpa *m)
{
	/* §11.4.3: from the home agent of the current registration; none known: MUST NOT accept. */
	if (!ha || IN6_IS_ADDR_UNSPECIFIED(ha))
		return MPA_NO_HOME_AGENT;
	if (memcmp(src, ha, sizeof(*ha)) != 0)
		return MPA_NOT_FROM_HA;
	/* §11.4.3: the Identifier of the most recent Solicitation, no Advertisement yet for it. */
	if (!s->outstanding || m->id != s->id)
		return MPA_UNSOLICITED;
	s->outstanding = false;
	s->next = UINT64_MAX;
	return MPA_ACCEPT;
}
