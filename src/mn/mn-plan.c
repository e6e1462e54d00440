/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The mobile node's data path as a pure plan of kernel operations (see mn-plan.h). */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/xfrm.h>
#include <string.h>

#include "ipsec/spd.h"
#include "mn/mn-plan.h"

static bool addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* The home agent is known (not :: while DHAAD runs, RFC 6275 §11.4.1). */
static bool ha_known(const struct mn_plan_config *c)
{
	static const struct in6_addr any;

	return !addr_eq(&c->ha, &any);
}

static struct mn_op *plan_push(struct mn_plan *p, enum mn_op_kind kind, enum knl_op op)
{
	struct mn_op *o;

	if (p->n >= MN_PLAN_OPS_MAX)
		return NULL; /* cannot happen: the longest plan has 16 operations */
	o = &p->ops[p->n++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->op = op;
	return o;
}

static void push_addr(struct mn_plan *p, enum knl_op op, int ifindex, const struct in6_addr *a, uint8_t plen,
		      uint32_t flags)
{
	struct mn_op *o = plan_push(p, MN_OP_ADDR, op);

	if (!o)
		return;
	o->addr.ifindex = ifindex;
	o->addr.addr = *a;
	o->addr.prefixlen = plen;
	o->addr.flags = flags;
}

static void push_route(struct mn_plan *p, enum knl_op op, const struct knl_route *rt)
{
	struct mn_op *o = plan_push(p, MN_OP_ROUTE, op);

	if (o)
		o->route = *rt;
}

void mn_plan_push_state(struct mn_plan *p, enum knl_op op, const struct knl_xfrm_state *s)
{
	struct mn_op *o = plan_push(p, MN_OP_XFRM_STATE, op);

	if (o)
		o->state = *s;
}

void mn_plan_push_policy(struct mn_plan *p, enum knl_op op, const struct knl_xfrm_policy *pol)
{
	struct mn_op *o = plan_push(p, MN_OP_XFRM_POLICY, op);

	if (o)
		o->policy = *pol;
}

static void push_rule(struct mn_plan *p, const struct mn_plan_config *c, enum knl_op op)
{
	struct mn_op *o = plan_push(p, MN_OP_RULE, op);

	if (o)
		mn_plan_rule(c, &o->rule);
}

/*
 * Without IPsec: the BU out policy (HAO) and the BA in policy (RH2) with RO templates
 * only, and the same for the MPS (HAO, RFC 6275 §11.4.2) and the MPA (RH2, §11.4.3).
 */
static void push_ro_policies(struct mn_plan *p, const struct mn_plan_config *c, enum knl_op op)
{
	struct spd_pair pair = { .hoa = c->hoa, .ha = c->ha };
	struct knl_xfrm_policy ro[4];

	if (c->ipsec || !ha_known(c))
		return;
	spd_policies(NODE_ROLE_MN, &pair, ro);
	spd_mpd_ro_policies(&pair, &ro[2]);
	for (int i = 0; i < 4; i++)
		mn_plan_push_policy(p, op, &ro[i]);
}

void mn_plan_hao_state(const struct mn_plan_config *c, const struct in6_addr *coa, struct knl_xfrm_state *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->src = c->hoa;
	ret->dst = c->ha;
	ret->proto = IPPROTO_DSTOPTS;
	ret->mode = XFRM_MODE_ROUTEOPTIMIZATION;
	ret->coaddr = *coa;
	ret->sel.type = KNL_XFRM_TYPE_ANY;
}

/* BAs reach the HoA with a type 2 routing header: a route2 state (any CoA) accepts them. */
void mn_plan_route2_state(const struct mn_plan_config *c, struct knl_xfrm_state *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->src = c->ha;
	ret->dst = c->hoa;
	ret->proto = IPPROTO_ROUTING;
	ret->mode = XFRM_MODE_ROUTEOPTIMIZATION;
	ret->sel.type = KNL_XFRM_TYPE_ANY;
}

void mn_plan_rule(const struct mn_plan_config *c, struct knl_rule *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->from = c->hoa;
	ret->from_len = 128;
	ret->table = MN_PLAN_TABLE;
	ret->priority = MN_PLAN_RULE_PRIO;
}

/* The away data path's part that names the home agent: none while it is unknown. */
static void plan_ha_leave(struct mn_plan *p, const struct mn_plan_config *c, const struct in6_addr *coa)
{
	struct knl_xfrm_state s;

	if (!ha_known(c))
		return;
	push_ro_policies(p, c, KNL_OP_DEL);
	mn_plan_hao_state(c, coa, &s);
	mn_plan_push_state(p, KNL_OP_DEL, &s);
	mn_plan_route2_state(c, &s);
	mn_plan_push_state(p, KNL_OP_DEL, &s);
}

/* Undo the away data path (foreign -> home), before the HoA returns to the interface. */
static void plan_leave_away(struct mn_plan *p, const struct mn_plan_config *c, const struct in6_addr *old_coa)
{
	struct knl_route rt = { .table = MN_PLAN_TABLE, .oif = c->tnl_ifindex };

	push_rule(p, c, KNL_OP_DEL);
	push_route(p, KNL_OP_DEL, &rt);
	push_addr(p, KNL_OP_DEL, c->tnl_ifindex, &c->hoa, 128, 0);
	plan_ha_leave(p, c, old_coa);
}

/*
 * RFC 6275 §11.3.3: "the mobile node MUST check that the IPv6 source address of the tunneled
 * packet is the IP address of its home agent": the tunnel device's filter passes that outer
 * source only (any inner source: the HA tunnels every correspondent's packets).
 */
static void push_tunnel_filter(struct mn_plan *p, const struct mn_plan_config *c)
{
	struct mn_op *o = plan_push(p, MN_OP_TC_FILTER, KNL_OP_REPLACE);

	if (o)
		o->filter = (struct knl_tc_filter){ .ifindex = c->tnl_ifindex, .prio = MN_PLAN_TNL_FILTER_PRIO,
						    .handle = MN_PLAN_TNL_FILTER_HANDLE, .enc_src = c->ha,
						    .any_src = true };
}

/* The away data path that does not depend on the CoA (home/unknown -> foreign). */
static void plan_enter_away(struct mn_plan *p, const struct mn_plan_config *c)
{
	struct knl_xfrm_state s;

	push_addr(p, KNL_OP_REPLACE, c->tnl_ifindex, &c->hoa, 128, IFA_F_NODAD | IFA_F_HOMEADDRESS);
	push_rule(p, c, KNL_OP_ADD);
	if (!ha_known(c))
		return;
	mn_plan_route2_state(c, &s);
	mn_plan_push_state(p, KNL_OP_REPLACE, &s);
	push_ro_policies(p, c, KNL_OP_REPLACE);
	push_tunnel_filter(p, c);
}

/* Default route through the link's router; the HA host route naming the CoA (RFC 4877 §4.3). */
static void plan_routes(struct mn_plan *p, const struct mn_plan_config *c, const struct mn_location *from,
			const struct mn_location *to)
{
	struct knl_route rt = { .gateway = to->router, .oif = c->ifindex, .metric = MN_PLAN_ROUTE_METRIC };

	push_route(p, KNL_OP_REPLACE, &rt);
	if (!ha_known(c))
		return;
	memset(&rt, 0, sizeof(rt));
	rt.dst = c->ha;
	rt.dst_len = 128;
	rt.oif = c->ifindex;
	rt.metric = MN_PLAN_ROUTE_METRIC;
	if (to->loc == MN_LOC_FOREIGN) {
		rt.gateway = to->router;
		rt.prefsrc = to->coa;
		push_route(p, KNL_OP_REPLACE, &rt);
	} else if (from->loc == MN_LOC_FOREIGN)
		push_route(p, KNL_OP_DEL, &rt);
}

/* Reverse tunnel: everything from the HoA goes to the HA, from the current CoA; BUs through hao. */
static void plan_tunnel(struct mn_plan *p, const struct mn_plan_config *c, const struct in6_addr *coa)
{
	struct knl_route rt = { .table = MN_PLAN_TABLE, .oif = c->tnl_ifindex, .encap = true };
	struct knl_xfrm_state s;

	if (!ha_known(c))
		return;
	rt.encap_dst = c->ha;
	rt.encap_src = *coa;
	push_route(p, KNL_OP_REPLACE, &rt);
	mn_plan_hao_state(c, coa, &s);
	mn_plan_push_state(p, KNL_OP_REPLACE, &s);
}

int mn_plan_move(const struct mn_plan_config *c, const struct mn_location *from, const struct mn_location *to,
		 struct mn_plan *ret)
{
	bool was_away = from->loc == MN_LOC_FOREIGN;

	if (to->loc != MN_LOC_HOME && to->loc != MN_LOC_FOREIGN)
		return -EINVAL;
	ret->n = 0;
	if (was_away && !addr_eq(&from->coa, &to->coa))
		push_addr(ret, KNL_OP_DEL, c->ifindex, &from->coa, 64, 0);
	if (to->loc == MN_LOC_FOREIGN) {
		if (!was_away)
			push_addr(ret, KNL_OP_DEL, c->ifindex, &c->hoa, c->home_plen, 0);
		push_addr(ret, KNL_OP_REPLACE, c->ifindex, &to->coa, 64, IFA_F_NODAD);
	} else {
		if (was_away)
			plan_leave_away(ret, c, &from->coa);
		push_addr(ret, KNL_OP_REPLACE, c->ifindex, &c->hoa, c->home_plen, IFA_F_NODAD | IFA_F_HOMEADDRESS);
	}
	plan_routes(ret, c, from, to);
	if (to->loc == MN_LOC_FOREIGN) {
		if (!was_away)
			plan_enter_away(ret, c);
		plan_tunnel(ret, c, &to->coa);
	}
	return (int)ret->n;
}

int mn_plan_change_ha(const struct mn_plan_config *old, const struct mn_plan_config *c, const struct mn_location *at,
		      struct mn_plan *ret)
{
	struct knl_route rt = { .dst = old->ha, .dst_len = 128, .oif = old->ifindex, .metric = MN_PLAN_ROUTE_METRIC };
	struct knl_xfrm_state s;

	ret->n = 0;
	if (at->loc != MN_LOC_FOREIGN)
		return 0; /* at home nothing names the home agent */
	if (ha_known(old)) {
		push_route(ret, KNL_OP_DEL, &rt);
		plan_ha_leave(ret, old, &at->coa);
	}
	if (!ha_known(c))
		return (int)ret->n;
	memset(&rt, 0, sizeof(rt));
	rt = (struct knl_route){ .dst = c->ha, .dst_len = 128, .oif = c->ifindex, .metric = MN_PLAN_ROUTE_METRIC,
				 .gateway = at->router, .prefsrc = at->coa };
	push_route(ret, KNL_OP_REPLACE, &rt);
	mn_plan_route2_state(c, &s);
	mn_plan_push_state(ret, KNL_OP_REPLACE, &s);
	push_ro_policies(ret, c, KNL_OP_REPLACE);
	push_tunnel_filter(ret, c);
	plan_tunnel(ret, c, &at->coa);
	return (int)ret->n;
}

const char *mn_op_kind_to_string(enum mn_op_kind k)
{
	static const char *const names[_MN_OP_KIND_MAX] = {
		[MN_OP_ADDR] = "addr", [MN_OP_ROUTE] = "route", [MN_OP_RULE] = "rule",
		[MN_OP_XFRM_POLICY] = "xfrm-policy", [MN_OP_XFRM_STATE] = "xfrm-state",
		[MN_OP_TC_FILTER] = "tc-filter",
	};

	return k >= 0 && k < _MN_OP_KIND_MAX ? names[k] : NULL;
}
