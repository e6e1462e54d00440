/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <linux/xfrm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsec/spd.h"
#include "mh/mh-codec.h"

int spd_lookup(const struct mip6_config *c, const struct in6_addr *hoa, const struct in6_addr *ha,
	       struct spd_pair *ret)
{
	for (size_t i = 0; i < c->n_ipsec_policy_sets; i++) {
		const struct conf_ipsec_policy_set *s = &c->ipsec_policy_sets[i];
		bool covers = false;

		if (ha && s->has_ha_addr && memcmp(&s->ha_addr, ha, sizeof(*ha)) != 0)
			continue;
		/* HomeAddress a/len names the HoA a (len is its prefix length), as in UMIP. */
		for (size_t j = 0; j < s->n_hoas; j++)
			if (memcmp(&s->hoas[j].addr, hoa, sizeof(*hoa)) == 0)
				covers = true;
		if (!covers)
			continue;
		uint32_t hoti = 0, mpd = 0;
		for (size_t j = 0; j < s->n_policies; j++) {
			if (s->policies[j].type == CONF_IPSEC_TUNNEL_HOME_TESTING && s->policies[j].allow)
				hoti = s->policies[j].reqid_to_ha;
			if (s->policies[j].type == CONF_IPSEC_MOB_PFX_DISC && s->policies[j].allow)
				mpd = s->policies[j].reqid_to_ha;
		}
		for (size_t j = 0; j < s->n_policies; j++) {
			const struct conf_ipsec_policy *p = &s->policies[j];
			if (p->type != CONF_IPSEC_HOME_REG_BINDING)
				continue;
			if (!p->allow)
				return 0;
			if (p->reqid_to_ha == 0)
				return -EINVAL;
			memset(ret, 0, sizeof(*ret));
			ret->hoa = *hoa;
			ret->ha = s->has_ha_addr ? s->ha_addr : (ha ? *ha : in6addr_any);
			ret->reqid = p->reqid_to_ha;
			ret->reqid_to_mn = p->reqid_to_mn ? p->reqid_to_mn : p->reqid_to_ha;
			ret->reqid_hoti = hoti;
			ret->reqid_mpd = mpd;
			if (s->ike_conn)
				snprintf(ret->ike_conn, sizeof(ret->ike_conn), "%s", s->ike_conn);
			return 1;
		}
	}
	return 0;
}

/*
 * Every MH selector names the protocol only, never the MH type: neither Linux 6.1 nor
 * 6.12 decodes the MH type of a received or forwarded packet reliably (see spd.h), so a
 * typed inbound entry would silently not match and the packet would pass unprotected.
 */
static void sel(struct knl_xfrm_sel *s, const struct in6_addr *src, const struct in6_addr *dst)
{
	memset(s, 0, sizeof(*s));
	s->src = *src;
	s->src_len = 128;
	s->dst = *dst;
	s->dst_len = 128;
	s->proto = IPPROTO_MH;
	s->type = KNL_XFRM_TYPE_ANY;
}

static void esp_tmpl(struct knl_xfrm_tmpl *t, uint32_t reqid)
{
	memset(t, 0, sizeof(*t));
	t->proto = IPPROTO_ESP;
	t->mode = XFRM_MODE_TRANSPORT;
	t->reqid = reqid;
}

static void ro_tmpl(struct knl_xfrm_tmpl *t, uint8_t proto)
{
	memset(t, 0, sizeof(*t));
	t->proto = proto;
	t->mode = XFRM_MODE_ROUTEOPTIMIZATION;
	t->optional = true;
}

int spd_policies(enum node_role role, const struct spd_pair *p, struct knl_xfrm_policy ret[2])
{
	/* Without a reqid (no IPsec) only the route-optimisation templates remain. */
	unsigned esp = p->reqid ? 1 : 0;

	memset(ret, 0, 2 * sizeof(*ret));
	for (int i = 0; i < 2; i++)
		ret[i].priority = SPD_PRIORITY;
	if (role == NODE_ROLE_MN) {
		sel(&ret[0].sel, &p->hoa, &p->ha);
		ret[0].dir = XFRM_POLICY_OUT;
		if (esp)
			esp_tmpl(&ret[0].tmpl[0], p->reqid);
		ro_tmpl(&ret[0].tmpl[esp], IPPROTO_DSTOPTS);
		ret[0].n_tmpl = esp + 1;
		sel(&ret[1].sel, &p->ha, &p->hoa);
		ret[1].dir = XFRM_POLICY_IN;
		if (esp)
			esp_tmpl(&ret[1].tmpl[0], p->reqid_to_mn);
		ro_tmpl(&ret[1].tmpl[esp], IPPROTO_ROUTING);
		ret[1].n_tmpl = esp + 1;
	} else {
		sel(&ret[0].sel, &p->hoa, &p->ha);
		ret[0].dir = XFRM_POLICY_IN;
		if (esp)
			esp_tmpl(&ret[0].tmpl[0], p->reqid);
		ro_tmpl(&ret[0].tmpl[esp], IPPROTO_DSTOPTS);
		ret[0].n_tmpl = esp + 1;
		sel(&ret[1].sel, &p->ha, &p->hoa);
		ret[1].dir = XFRM_POLICY_OUT;
		if (esp)
			esp_tmpl(&ret[1].tmpl[0], p->reqid_to_mn);
		ret[1].n_tmpl = esp;
	}
	return 2;
}

void spd_migrate(enum node_role role, const struct spd_pair *p, const struct in6_addr *coa,
		 struct knl_xfrm_migrate *ret)
{
	struct knl_xfrm_migrate_entry *e = &ret->entries[0];

	memset(ret, 0, sizeof(*ret));
	ret->dir = XFRM_POLICY_OUT;
	ret->n_entries = 1;
	ret->has_kmaddress = true;
	e->proto = IPPROTO_ESP;
	e->mode = XFRM_MODE_TRANSPORT;
	if (role == NODE_ROLE_MN) {
		sel(&ret->sel, &p->hoa, &p->ha);
		e->old_src = e->new_src = p->hoa;
		e->old_dst = e->new_dst = p->ha;
		e->reqid = p->reqid;
		ret->km_local = *coa;
		ret->km_remote = p->ha;
	} else {
		sel(&ret->sel, &p->ha, &p->hoa);
		e->old_src = e->new_src = p->ha;
		e->old_dst = e->new_dst = p->hoa;
		e->reqid = p->reqid_to_mn;
		ret->km_local = p->ha;
		ret->km_remote = *coa;
	}
}

static void sel_any(struct knl_xfrm_sel *s, const struct in6_addr *hoa, bool hoa_is_src)
{
	memset(s, 0, sizeof(*s));
	if (hoa_is_src) {
		s->src = *hoa;
		s->src_len = 128;
	} else {
		s->dst = *hoa;
		s->dst_len = 128;
	}
	s->proto = IPPROTO_MH;
	s->type = KNL_XFRM_TYPE_ANY;
}

static void tunnel_tmpl(struct knl_xfrm_tmpl *t, const struct in6_addr *src, const struct in6_addr *dst,
			uint32_t reqid)
{
	memset(t, 0, sizeof(*t));
	t->src = *src;
	t->dst = *dst;
	t->proto = IPPROTO_ESP;
	t->mode = XFRM_MODE_TUNNEL;
	t->reqid = reqid;
}

int spd_tunnel_policies(enum node_role role, const struct spd_pair *p, const struct in6_addr *coa,
			struct knl_xfrm_policy ret[2])
{
	if (!p->reqid_hoti)
		return 0;
	memset(ret, 0, 2 * sizeof(*ret));
	for (int i = 0; i < 2; i++) {
		/* Below the HoA <-> HA transport entries, which are more specific. */
		ret[i].priority = SPD_PRIORITY_TUNNEL;
		ret[i].n_tmpl = 1;
	}
	/* [0]: the HoTI direction (MN out, HA fwd); [1]: the HoT direction (MN in, HA out). */
	sel_any(&ret[0].sel, &p->hoa, true);
	tunnel_tmpl(&ret[0].tmpl[0], coa, &p->ha, p->reqid_hoti);
	sel_any(&ret[1].sel, &p->hoa, false);
	tunnel_tmpl(&ret[1].tmpl[0], &p->ha, coa, p->reqid_hoti);
	ret[0].dir = role == NODE_ROLE_MN ? XFRM_POLICY_OUT : XFRM_POLICY_FWD;
	ret[1].dir = role == NODE_ROLE_MN ? XFRM_POLICY_IN : XFRM_POLICY_OUT;
	if (role == NODE_ROLE_MN && p->mn_ro) {
		/*
		 * A correspondent's BA/BRR/BE come in the clear with an RH2 (RFC 6275 §6.4, §9.5.4):
		 * both optional here; the HoT's tunnel is checked on the HoT socket (§11.6.2, spd.h).
		 * The kernel compares only a tunnel template's source with the SA (the HA).
		 */
		ret[1].tmpl[0].optional = true;
		ro_tmpl(&ret[1].tmpl[1], IPPROTO_ROUTING);
		ret[1].n_tmpl = 2;
	}
	return 2;
}

int spd_migrate_tunnel(enum node_role role, const struct spd_pair *p, const struct in6_addr *old_coa,
		       const struct in6_addr *new_coa, struct knl_xfrm_migrate ret[2])
{
	struct knl_xfrm_policy pol[2];
	/* The inbound policy first (no KMADDRESS), the outbound one last (with it). */
	int in = role == NODE_ROLE_MN ? 1 : 0, out = role == NODE_ROLE_MN ? 0 : 1;

	if (spd_tunnel_policies(role, p, old_coa, pol) == 0)
		return 0;
	memset(ret, 0, 2 * sizeof(*ret));
	for (int k = 0; k < 2; k++) {
		int i = k == 0 ? in : out;
		struct knl_xfrm_migrate_entry *e = &ret[k].entries[0];
		bool to_ha = i == 0; /* the HoTI direction: CoA -> HA */

		ret[k].sel = pol[i].sel;
		ret[k].dir = pol[i].dir;
		ret[k].n_entries = 1;
		e->proto = IPPROTO_ESP;
		e->mode = XFRM_MODE_TUNNEL;
		e->reqid = p->reqid_hoti;
		e->old_src = to_ha ? *old_coa : p->ha;
		e->old_dst = to_ha ? p->ha : *old_coa;
		e->new_src = to_ha ? *new_coa : p->ha;
		e->new_dst = to_ha ? p->ha : *new_coa;
	}
	ret[1].has_kmaddress = true;
	ret[1].km_local = role == NODE_ROLE_MN ? *new_coa : p->ha;
	ret[1].km_remote = role == NODE_ROLE_MN ? p->ha : *new_coa;
	return 2;
}

#define ICMPV6_MPS 146
#define ICMPV6_MPA 147

int spd_mpd_policies(enum node_role role, const struct spd_pair *p, struct knl_xfrm_policy ret[2])
{
	struct spd_pair q = *p;

	if (!p->reqid_mpd)
		return 0;
	/* The same shapes as the BU/BA entries, with ICMPv6 type selectors and their own reqid. */
	q.reqid = q.reqid_to_mn = p->reqid_mpd;
	spd_policies(role, &q, ret);
	for (int i = 0; i < 2; i++)
		ret[i].sel.proto = IPPROTO_ICMPV6;
	ret[0].sel.type = ICMPV6_MPS;
	ret[1].sel.type = ICMPV6_MPA;
	return 2;
}

int spd_mpd_ro_policies(const struct spd_pair *p, struct knl_xfrm_policy ret[2])
{
	struct spd_pair q = *p;

	/* The MN's BU/BA shapes without ESP: [hao] out (typed: sent locally), [route2 (optional)] in. */
	q.reqid = q.reqid_to_mn = 0;
	spd_policies(NODE_ROLE_MN, &q, ret);
	for (int i = 0; i < 2; i++) {
		ret[i].sel.proto = IPPROTO_ICMPV6;
		ret[i].priority = SPD_PRIORITY_TUNNEL; /* below the MobPfxDisc ESP entries */
	}
	ret[0].sel.type = ICMPV6_MPS;
	ret[1].sel.type = KNL_XFRM_TYPE_ANY; /* 6.1 misreads the type behind an RH2 (spd.h) */
	if (p->reqid_mpd) {
		/* The MobPfxDisc ESP out entry has the same selector and carries [hao] already. */
		ret[0] = ret[1];
		return 1;
	}
	return 2;
}

void spd_ha_mps_policy(struct knl_xfrm_policy *ret, const struct in6_addr *home_prefix, uint8_t plen,
		       const struct in6_addr *ha)
{
	memset(ret, 0, sizeof(*ret));
	ret->dir = XFRM_POLICY_IN;
	ret->priority = SPD_PRIORITY_TUNNEL; /* below the per-HoA MobPfxDisc entries */
	ret->sel.proto = IPPROTO_ICMPV6;
	ret->sel.type = KNL_XFRM_TYPE_ANY; /* 6.1 misreads the type behind a HAO (spd.h) */
	/*
	 * RFC 6275 §9.3.1: a Home Address option is accepted only where the HA has a reason
	 * to take it; here, from a home address of this prefix to the HA's own address in
	 * it (§11.4.2: the MPS goes to the HA the MN registered with). The kernel checks the
	 * selector after the HAO was applied, so src is the home address. Any wider selector
	 * also catches ICMPv6 that other IPsec tunnels on this host carry (an inbound packet
	 * of a tunnel-mode SA that meets this entry first fails its template check).
	 */
	ret->sel.src = *home_prefix;
	ret->sel.src_len = plen;
	ret->sel.dst = *ha;
	ret->sel.dst_len = 128;
	ret->n_tmpl = 1;
	ro_tmpl(&ret->tmpl[0], IPPROTO_DSTOPTS);
}

static bool hoa_seen_before(const struct mip6_config *c, size_t set, size_t hoa)
{
	const struct in6_addr *a = &c->ipsec_policy_sets[set].hoas[hoa].addr;

	for (size_t i = 0; i <= set; i++)
		for (size_t j = 0; j < (i == set ? hoa : c->ipsec_policy_sets[i].n_hoas); j++)
			if (memcmp(&c->ipsec_policy_sets[i].hoas[j].addr, a, sizeof(*a)) == 0)
				return true;
	return false;
}

bool spd_ha_owns(const struct knl_xfrm_policy *p)
{
	if (p->ptype != XFRM_POLICY_TYPE_MAIN || p->dir > XFRM_POLICY_FWD)
		return false;
	if (p->sel.proto == IPPROTO_MH)
		return p->sel.type == KNL_XFRM_TYPE_ANY &&
		       (p->priority == SPD_PRIORITY || p->priority == SPD_PRIORITY_TUNNEL);
	/* spd_ha_mps_policy's, of any prefix (an earlier version's any -> any one too) */
	if (p->sel.proto == IPPROTO_ICMPV6 && p->sel.type == KNL_XFRM_TYPE_ANY)
		return p->priority == SPD_PRIORITY_TUNNEL && p->dir == XFRM_POLICY_IN && p->n_tmpl == 1 &&
		       p->tmpl[0].proto == IPPROTO_DSTOPTS && p->tmpl[0].mode == XFRM_MODE_ROUTEOPTIMIZATION;
	return p->sel.proto == IPPROTO_ICMPV6 && (p->sel.type == ICMPV6_MPS || p->sel.type == ICMPV6_MPA) &&
	       p->priority == SPD_PRIORITY;
}

int spd_ha_set(const struct mip6_config *c, spd_tunnel_end_fn tunnel_end, void *userdata,
	       struct knl_xfrm_policy **ret, size_t *ret_n)
{
	size_t max = 0, n = 0;
	struct knl_xfrm_policy *pol;
	int hoas = 0;

	*ret = NULL;
	*ret_n = 0;
	for (size_t i = 0; c->use_mn_ha_ipsec && i < c->n_ipsec_policy_sets; i++)
		max += 6 * c->ipsec_policy_sets[i].n_hoas;
	if (max == 0)
		return 0;
	pol = calloc(max, sizeof(*pol));
	if (!pol)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_ipsec_policy_sets; i++) {
		const struct conf_ipsec_policy_set *s = &c->ipsec_policy_sets[i];

		for (size_t j = 0; j < s->n_hoas; j++) {
			struct spd_pair sp;

			if (hoa_seen_before(c, i, j) ||
			    spd_lookup(c, &s->hoas[j].addr, s->has_ha_addr ? &s->ha_addr : NULL, &sp) <= 0)
				continue;
			const struct in6_addr *end = tunnel_end ? tunnel_end(&sp.hoa, userdata) : NULL;

			n += (size_t)spd_policies(NODE_ROLE_HA, &sp, &pol[n]);
			n += (size_t)spd_tunnel_policies(NODE_ROLE_HA, &sp, end ? end : &sp.hoa, &pol[n]);
			n += (size_t)spd_mpd_policies(NODE_ROLE_HA, &sp, &pol[n]);
			hoas++;
		}
	}
	*ret = pol;
	*ret_n = n;
	return hoas;
}
