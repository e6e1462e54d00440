/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The mobile node's route-optimisation data path per correspondent (see mn-ro-path.h). */
#include <errno.h>
#include <linux/xfrm.h>
#include <string.h>

#include "mh/mh-codec.h"
#include "ipsec/spd.h"
#include "mn/mn-ro-path.h"

_Static_assert(MN_RO_BU_PRIORITY < SPD_PRIORITY_TUNNEL, "the BU to a CN wins over TunnelHomeTesting");

/* §11.3.1, §6.3: what the MN sends to the CN carries a HAO and leaves from the CoA. */
void mn_ro_state_out(const struct in6_addr *hoa, const struct in6_addr *cn, const struct in6_addr *coa,
		     struct knl_xfrm_state *s)
{
	*s = (struct knl_xfrm_state){ .src = *hoa, .dst = *cn, .proto = IPPROTO_DSTOPTS,
				      .mode = XFRM_MODE_ROUTEOPTIMIZATION, .coaddr = *coa };
	knl_xfrm_sel_hosts(&s->sel, hoa, cn);
}

/* §11.3.1, §6.4: a type 2 routing header naming the HoA, from the CN. */
void mn_ro_state_in(const struct in6_addr *hoa, const struct in6_addr *cn, struct knl_xfrm_state *s)
{
	*s = (struct knl_xfrm_state){ .src = *cn, .dst = *hoa, .proto = IPPROTO_ROUTING,
				      .mode = XFRM_MODE_ROUTEOPTIMIZATION };
	knl_xfrm_sel_hosts(&s->sel, cn, hoa);
}

static void ro_policy(struct knl_xfrm_policy *p, uint8_t dir, uint32_t prio, uint8_t proto,
		      const struct in6_addr *src, const struct in6_addr *dst)
{
	*p = (struct knl_xfrm_policy){ .dir = dir, .priority = prio, .n_tmpl = proto ? 1 : 0 };
	knl_xfrm_sel_hosts(&p->sel, src, dst);
	if (proto)
		p->tmpl[0] = (struct knl_xfrm_tmpl){ .src = *src, .dst = *dst, .proto = proto,
						     .mode = XFRM_MODE_ROUTEOPTIMIZATION, .optional = true };
}

void mn_ro_policy_in(const struct in6_addr *hoa, const struct in6_addr *cn, struct knl_xfrm_policy *p)
{
	ro_policy(p, XFRM_POLICY_IN, MN_RO_PRIORITY, IPPROTO_ROUTING, cn, hoa);
}

void mn_ro_policy_bu(const struct in6_addr *hoa, const struct in6_addr *cn, struct knl_xfrm_policy *p)
{
	ro_policy(p, XFRM_POLICY_OUT, MN_RO_BU_PRIORITY, IPPROTO_DSTOPTS, hoa, cn);
	p->sel.proto = IPPROTO_MH;
	p->sel.type = MH_TYPE_BU; /* sent locally: the kernel knows its type (ipsec/spd.h) */
	/* RFC 6275 §6.1.7: a BU from the CoA "MUST" carry the HAO: required, not "use". */
	p->tmpl[0].optional = false;
}

/* RFC 6275 §11.6.1: the HoTI goes through the home agent's tunnel, never with a HAO. */
void mn_ro_policy_hoti(const struct in6_addr *hoa, const struct in6_addr *cn, struct knl_xfrm_policy *p)
{
	ro_policy(p, XFRM_POLICY_OUT, MN_RO_MH_PRIORITY, 0, hoa, cn);
	p->sel.proto = IPPROTO_MH;
	p->sel.type = MH_TYPE_HOTI;
}

void mn_ro_policy_data(const struct in6_addr *hoa, const struct in6_addr *cn, struct knl_xfrm_policy *p)
{
	ro_policy(p, XFRM_POLICY_OUT, MN_RO_PRIORITY, IPPROTO_DSTOPTS, hoa, cn);
}

/* A wildcard MnRoPolicy: the data to the CN stays in the tunnel until ON, whatever the trigger finds. */
void mn_ro_policy_hold(const struct in6_addr *hoa, const struct in6_addr *cn, struct knl_xfrm_policy *p)
{
	ro_policy(p, XFRM_POLICY_OUT, MN_RO_PRIORITY, 0, hoa, cn);
}

void mn_ro_trigger_policies(const struct in6_addr *hoa, const struct in6_addr *ha,
			    struct knl_xfrm_policy ret[_MN_RO_TRIG_N])
{
	static const struct in6_addr any = IN6ADDR_ANY_INIT;
	struct knl_xfrm_policy *p;

	p = &ret[MN_RO_TRIG_MH];
	*p = (struct knl_xfrm_policy){ .dir = XFRM_POLICY_OUT, .priority = MN_RO_BYPASS_PRIORITY };
	p->sel = (struct knl_xfrm_sel){ .src = *hoa, .src_len = 128, .proto = IPPROTO_MH, .type = KNL_XFRM_TYPE_ANY };
	p = &ret[MN_RO_TRIG_HA];
	*p = (struct knl_xfrm_policy){ .dir = XFRM_POLICY_OUT, .priority = MN_RO_BYPASS_PRIORITY };
	knl_xfrm_sel_hosts(&p->sel, hoa, ha);
	/*
	 * RFC 6275 §11.7.2: the MN learns which correspondents it talks to. A "use" hao template
	 * (net/xfrm/xfrm_policy.c xfrm_tmpl_resolve_one: an optional template without a valid
	 * state is skipped; xfrm_state_find has asked the key manager for one, km_query).
	 */
	p = &ret[MN_RO_TRIG];
	*p = (struct knl_xfrm_policy){ .dir = XFRM_POLICY_OUT, .priority = MN_RO_TRIGGER_PRIORITY, .n_tmpl = 1 };
	p->sel = (struct knl_xfrm_sel){ .src = *hoa, .src_len = 128, .type = KNL_XFRM_TYPE_ANY };
	p->tmpl[0] = (struct knl_xfrm_tmpl){ .src = *hoa, .dst = any, .proto = IPPROTO_DSTOPTS,
					     .mode = XFRM_MODE_ROUTEOPTIMIZATION, .optional = true };
}

int mn_ro_trigger_plan(const struct in6_addr *hoa, const struct in6_addr *ha, bool up, struct mn_plan *ret)
{
	struct knl_xfrm_policy p[_MN_RO_TRIG_N];

	if (!hoa || !ha || !ret)
		return -EINVAL;
	ret->n = 0;
	mn_ro_trigger_policies(hoa, ha, p);
	for (int i = 0; i < _MN_RO_TRIG_N; i++) {
		int k = up ? i : _MN_RO_TRIG_N - 1 - i;

		mn_plan_push_policy(ret, up ? KNL_OP_REPLACE : KNL_OP_DEL, &p[k]);
	}
	return (int)ret->n;
}

int mn_ro_plan(const struct in6_addr *hoa, const struct in6_addr *cn, const struct mn_ro_path *have,
	       const struct mn_ro_path *want, struct mn_plan *ret)
{
	struct knl_xfrm_state s;
	struct knl_xfrm_policy pol;
	bool moved;

	if (!hoa || !cn || !have || !want || !ret || have->level < 0 || have->level >= _MN_RO_LEVEL_MAX ||
	    want->level < 0 || want->level >= _MN_RO_LEVEL_MAX)
		return -EINVAL;
	ret->n = 0;
	moved = have->level != MN_RO_OFF && want->level != MN_RO_OFF &&
		memcmp(&have->coa, &want->coa, sizeof(want->coa)) != 0;
	/*
	 * The data leaves the direct path first: to the tunnel while the CN has no binding for the
	 * CoA. With hold, the hold policy replaces the data policy in place (the trigger never sees
	 * the CN's data while its hao state exists) and goes last on the way down.
	 */
	if (have->level == MN_RO_ON && (want->level != MN_RO_ON || moved)) {
		if (have->hold) {
			mn_ro_policy_hold(hoa, cn, &pol);
			mn_plan_push_policy(ret, KNL_OP_REPLACE, &pol);
		} else {
			mn_ro_policy_data(hoa, cn, &pol);
			mn_plan_push_policy(ret, KNL_OP_DEL, &pol);
		}
	}
	if (want->level == MN_RO_OFF) {
		if (have->level == MN_RO_OFF)
			return 0;
		mn_ro_policy_bu(hoa, cn, &pol);
		mn_plan_push_policy(ret, KNL_OP_DEL, &pol);
		mn_ro_policy_hoti(hoa, cn, &pol);
		mn_plan_push_policy(ret, KNL_OP_DEL, &pol);
		mn_ro_policy_in(hoa, cn, &pol);
		mn_plan_push_policy(ret, KNL_OP_DEL, &pol);
		mn_ro_state_out(hoa, cn, &have->coa, &s);
		mn_plan_push_state(ret, KNL_OP_DEL, &s);
		mn_ro_state_in(hoa, cn, &s);
		mn_plan_push_state(ret, KNL_OP_DEL, &s);
		if (have->hold) {
			mn_ro_policy_hold(hoa, cn, &pol);
			mn_plan_push_policy(ret, KNL_OP_DEL, &pol);
		}
		return (int)ret->n;
	}
	if (have->level == MN_RO_OFF) {
		if (want->hold) { /* before the hao state exists: the trigger must not find it */
			mn_ro_policy_hold(hoa, cn, &pol);
			mn_plan_push_policy(ret, KNL_OP_REPLACE, &pol);
		}
		mn_ro_state_in(hoa, cn, &s);
		mn_plan_push_state(ret, KNL_OP_REPLACE, &s);
		mn_ro_state_out(hoa, cn, &want->coa, &s);
		mn_plan_push_state(ret, KNL_OP_REPLACE, &s);
		mn_ro_policy_in(hoa, cn, &pol);
		mn_plan_push_policy(ret, KNL_OP_REPLACE, &pol);
		mn_ro_policy_hoti(hoa, cn, &pol);
		mn_plan_push_policy(ret, KNL_OP_REPLACE, &pol);
		mn_ro_policy_bu(hoa, cn, &pol);
		mn_plan_push_policy(ret, KNL_OP_REPLACE, &pol);
	} else if (moved) {
		/* §11.7.2: the new CoA in the HAO (the kernel layer replaces the state). */
		mn_ro_state_out(hoa, cn, &want->coa, &s);
		mn_plan_push_state(ret, KNL_OP_REPLACE, &s);
	}
	if (want->level == MN_RO_ON && (have->level != MN_RO_ON || moved)) {
		mn_ro_policy_data(hoa, cn, &pol);
		mn_plan_push_policy(ret, KNL_OP_REPLACE, &pol);
	}
	return (int)ret->n;
}

const char *mn_ro_level_to_string(enum mn_ro_level l)
{
	static const char *const names[_MN_RO_LEVEL_MAX] = {
		[MN_RO_OFF] = "off", [MN_RO_PREP] = "bu-only", [MN_RO_ON] = "direct",
	};

	return l >= 0 && l < _MN_RO_LEVEL_MAX ? names[l] : NULL;
}

enum mn_ro_use_verdict mn_ro_use_decide(int read_result, const struct mn_ro_use *base, const struct mn_ro_use *now)
{
	uint64_t data, mh;

	if (read_result < 0 || !base || !now || now->mh < base->mh)
		return MN_RO_USE_UNKNOWN;
	data = now->packets >= base->packets ? now->packets - base->packets : now->packets;
	mh = now->mh - base->mh;
	return data > mh ? MN_RO_USE_REFRESH : MN_RO_USE_IDLE;
}
