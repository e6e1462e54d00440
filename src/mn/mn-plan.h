/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mobile node's data path as a plan (RFC 6275 §11.5, §11.3.1): a pure
 * function from (old location, new location, configuration) to the ordered
 * kernel operations that take the MN from one to the other. No I/O, no
 * allocation, no logging: the role submits the plan as one batch
 * (nl-kernel.h keeps per-protocol order) and the unit tests compare it
 * operation by operation.
 *
 * Away from home the data path is: the CoA/64 on the physical interface; the
 * HoA/128 with IFA_F_HOMEADDRESS on the flow-based ip6tnl device; on that device's ingress
 * a flower filter passing what comes from the HA (RFC 6275 §11.3.3: the device decapsulates
 * from any outer source; the drop filter after it takes the rest); rule
 * `from HoA lookup MN_PLAN_TABLE` (priority MN_PLAN_RULE_PRIO); in that table a
 * default route `encap ip6 dst HA src CoA` through the device; a host route to
 * the HA naming the CoA as preferred source (the IKE SA runs between CoA and
 * HA, RFC 4877 §4.3; RFC 6724 rule 4 would otherwise pick the HoA); an XFRM
 * `hao` state (coa = CoA) for the BUs and a `route2` state accepting BAs; and,
 * without MN–HA IPsec only, the BU/BA policies carrying just the RO templates
 * (with IPsec the SPD's policies, installed at start, carry them).
 * While the home agent is unknown (::, DHAAD running) every operation that names it is left
 * out; mn_plan_change_ha adds them once it is known.
 * At home: the HoA/plen with IFA_F_HOMEADDRESS on the physical interface.
 * In both: a default route through the router that advertised the link.
 *
 * Order (each line only when it applies):
 *   leave the old CoA          del CoA_old/64                (foreign -> other CoA)
 *   to foreign:                del HoA/plen on the interface (from home/unknown)
 *                              replace CoA/64 nodad
 *   to home:                   del rule, del table route, del HoA/128 on the tunnel,
 *                              [no IPsec: del BU policy, del BA policy],
 *                              del hao state, del route2 state (from foreign)
 *                              replace HoA/plen nodad homeaddress
 *   both:                      replace default route via the router
 *                              replace (to foreign) / del (foreign -> home) HA/128 host route
 *   to foreign:                replace HoA/128 on the tunnel, add rule, replace route2 state,
 *                              [no IPsec: replace BU policy, replace BA policy],
 *                              replace the tunnel filter (outer source HA) (from home/unknown)
 *                              replace table route encap src CoA, replace hao state
 * Address before route (the kernel refuses a prefsrc it does not own), state
 * before the BU that needs it (the BU leaves after the whole batch).
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "netlink/nl-types.h"

#define MN_PLAN_TABLE 252
#define MN_PLAN_RULE_PRIO 1001
#define MN_PLAN_ROUTE_METRIC 512
#define MN_PLAN_OPS_MAX 20
/*
 * The tunnel device's ingress filter that lets the home agent's packets through (the role
 * installs a drop filter after it at start, ha/reverse-tunnel.h's revtun_setup).
 */
#define MN_PLAN_TNL_FILTER_PRIO 1
#define MN_PLAN_TNL_FILTER_HANDLE 1

enum mn_loc {
	MN_LOC_UNKNOWN, /* just started: the HoA is on the interface */
	MN_LOC_HOME,
	MN_LOC_FOREIGN,
	_MN_LOC_MAX,
	_MN_LOC_INVALID = -22,
};

struct mn_location {
	enum mn_loc loc;
	struct in6_addr coa;    /* the HoA at home */
	struct in6_addr router; /* link-local source of the link's RA */
};

struct mn_plan_config {
	int ifindex;     /* the physical interface */
	int tnl_ifindex; /* the flow-based ip6tnl device */
	struct in6_addr hoa, ha;
	uint8_t home_plen;
	bool ipsec; /* UseMnHaIPsec: the SPD owns the BU/BA policies */
};

enum mn_op_kind {
	MN_OP_ADDR,
	MN_OP_ROUTE,
	MN_OP_RULE,
	MN_OP_XFRM_POLICY,
	MN_OP_XFRM_STATE,
	MN_OP_TC_FILTER,
	_MN_OP_KIND_MAX,
	_MN_OP_KIND_INVALID = -22,
};

struct mn_op {
	enum mn_op_kind kind;
	enum knl_op op;
	union {
		struct knl_addr addr;
		struct knl_route route;
		struct knl_rule rule;
		struct knl_xfrm_policy policy;
		struct knl_xfrm_state state;
		struct knl_tc_filter filter;
	};
};

struct mn_plan {
	unsigned n;
	struct mn_op ops[MN_PLAN_OPS_MAX];
};

/*
 * The operations that take the data path from `from` to `to`. to->loc must be
 * MN_LOC_HOME or MN_LOC_FOREIGN. Returns the number of operations, or -EINVAL.
 */
int mn_plan_move(const struct mn_plan_config *c, const struct mn_location *from, const struct mn_location *to,
		 struct mn_plan *ret);

/*
 * The home agent changes from old->ha to c->ha (RFC 6275 §11.4.1: found by DHAAD, or the next
 * one when the current one stopped answering) while the MN stays at `at`. Away: the old HA's
 * host route, hao and route2 states and RO policies go, the new ones come, the tunnel filter
 * passes the new HA's packets only and the table route is replaced to tunnel to the new HA; at
 * home: nothing (the filter is replaced on the next move away). :: on either side means "unknown" (no
 * operation names it; mn_plan_move leaves those out too). Returns the number of operations.
 */
int mn_plan_change_ha(const struct mn_plan_config *old, const struct mn_plan_config *c, const struct mn_location *at,
		      struct mn_plan *ret);

/* The pieces the plan (and the role's shutdown) use. */
/* Append one XFRM state or policy operation to p (bounded by MN_PLAN_OPS_MAX). */
void mn_plan_push_state(struct mn_plan *p, enum knl_op op, const struct knl_xfrm_state *s);
void mn_plan_push_policy(struct mn_plan *p, enum knl_op op, const struct knl_xfrm_policy *pol);
void mn_plan_hao_state(const struct mn_plan_config *c, const struct in6_addr *coa, struct knl_xfrm_state *ret);
void mn_plan_route2_state(const struct mn_plan_config *c, struct knl_xfrm_state *ret);
void mn_plan_rule(const struct mn_plan_config *c, struct knl_rule *ret);

const char *mn_op_kind_to_string(enum mn_op_kind k);
