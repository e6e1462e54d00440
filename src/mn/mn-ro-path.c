/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The mobile node's route-optimisation data path per correspondent (see mn-ro-path.h). */
#include <errno.h>
#include <linux/xfrm.h>
#include <string.h>

#include "mh/mh-codec.h"
#include "mn/mn-ro-path.h"

static void host_sel(struct knl_xfrm_sel *sel, const struct in6_addr *src, const struct in6_addr *dst)
{
	*sel = (struct knl_xfrm_sel){ .src = *src, .dst = *dst, .src_len = 128, .dst_len = 128,
				      .type = KNL_XFRM_TYPE_ANY };
}

/* §11.3.1, §6.3: what the MN sends to the CN carries a HAO and leaves from the CoA. */
void mn_ro_state_out(const struct in6_addr *hoa, const struct in6_addr *cn, const struct in6_addr *coa,
		     struct knl_xfrm_state *s)
{
	*s = (struct knl_xfrm_state){ .src = *hoa, .dst = *cn, .proto = IPPROTO_DSTOPTS,
				      .mode = XFRM_MODE_ROUTEOPTIMIZATION, .coaddr = *coa };
	host_sel(&s->sel, hoa, cn);
}

/* §11.3.1, §6.4: a type 2 routing header naming the HoA, from the CN. */
void mn_ro_state_in(const struct in6_addr *hoa, const struct in6_addr *cn, struct knl_xfrm_state *s)
{
	*s = (struct knl_xfrm_state){ .src = *cn, .dst = *hoa, .proto = IPPROTO_ROUTING,
				      .mode = XFRM_MODE_ROUTEOPTIMIZATION };
	host_sel(&s->sel, cn, hoa);
}

static void ro_policy(struct knl_xfrm_policy *p, uint8_t dir, uint32_t prio, uint8_t proto,
		      const struct in6_addr *src, const struct in6_addr *dst)
{
	*p = (struct knl_xfrm_policy){ .dir = dir, .priority = prio, .n_tmpl = proto ? 1 : 0 };
	host_sel(&p->sel, src, dst);
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
	ro_policy(p, XFRM_POLICY_OUT, MN_RO_MH_PRIORITY, IPPROTO_DSTOPTS, hoa, cn);
	p->sel.proto = IPPROTO_MH;
	p->sel.type = MH_TYPE_BU;
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
	/* The data leaves the direct path first: to the tunnel while the CN has no binding for the CoA. */
	if (have->level == MN_RO_ON && (want->level != MN_RO_ON || moved)) {
		mn_ro_policy_data(hoa, cn, &pol);
		mn_plan_push_policy(ret, KNL_OP_DEL, &pol);
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
		return (int)ret->n;
	}
	if (have->level == MN_RO_OFF) {
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
