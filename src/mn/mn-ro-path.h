/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mobile node's route-optimisation data path per correspondent (RFC 6275
 * §11.3.1, §11.7.2, §6.3, §6.4), the mirror of cn-ro-path.h. All "mode ro",
 * no SPI, addresses in the state IDs, host selectors HoA/128 <-> CN/128:
 *
 *   in state    route2 (43)  src CN  dst HoA  (coaddr ::)
 *               a type 2 routing header naming the HoA is accepted from the CN (the CN's BA
 *               and, once it holds our binding, its data, §11.3.1);
 *   in policy   CN -> HoA, any protocol, template route2 "use" (MN_RO_PRIORITY): without it the
 *               kernel rejects what came through a route2 state (a non-transport secpath);
 *               "use", so that what comes through the home agent's tunnel passes too;
 *   out state   hao (60)     src HoA dst CN   coaddr CoA
 *               the kernel puts a Home Address option holding the HoA on what matches a policy
 *               naming it and sends it from the CoA, routed again from there (not the tunnel);
 *   out policy  HoA -> CN, MH type BU, template hao (MN_RO_BU_PRIORITY): the Binding Update to
 *               the CN leaves from the CoA with the HAO (§11.7.2, §6.1.7) before any binding,
 *               above TunnelHomeTesting's HoA -> any MH entry (ipsec/spd.h, priority 2), which
 *               would put it in the ESP tunnel to the home agent;
 *   out policy  HoA -> CN, MH type HoTI, no template (MN_RO_MH_PRIORITY): the HoTI keeps going
 *               through the home agent's tunnel (§11.6.1) once the data policy exists; below
 *               TunnelHomeTesting's entry, which puts it in the ESP tunnel (RFC 4877 §7.2);
 *   out policy  HoA -> CN, any protocol, template hao "use" (MN_RO_PRIORITY): the data, only
 *               while the CN has accepted a binding for the current CoA (level MN_RO_ON).
 * The MN's home registration policies name the HA, not the CN: they do not overlap.
 *
 * Levels: OFF (nothing), PREP (everything but the data policy: a BU can leave and its BA come
 * back), ON (PREP and the data policy). mn_ro_plan() is pure: the ordered operations that take
 * an entry's data path from one (level, CoA) to another.
 *
 * With correspondents learnt from traffic (a wildcard MnRoPolicy, RFC 6275 §11.7.2 "when a
 * correspondent ... is communicating with the MN"), `hold` is set: the MN also has the trigger
 * below, whose optional hao template would find an entry's hao state and put a HAO on its data
 * before the CN accepted a binding. So at PREP (and on the way down) the data policy's selector
 * holds a policy without templates (MN_RO_PRIORITY; the data goes through the tunnel as without
 * any policy), installed before the hao state and replaced in place (UPDPOLICY, same selector)
 * by the data policy at ON:
 *   out policy  HoA -> CN, any protocol, no template (MN_RO_PRIORITY)          [hold, PREP]
 *
 * The trigger (mn_ro_trigger_policies), only away from home and registered, with a wildcard
 * MnRoPolicy, below every other policy (MN_RO_TRIGGER_PRIORITY: IPsec, MN-HA, per-CN and an IKE
 * daemon's own all win where they overlap):
 *   out policy  HoA/128 -> ::/0, MH, no template (MN_RO_BYPASS_PRIORITY): no MH triggers;
 *   out policy  HoA/128 -> HA/128, any, no template (MN_RO_BYPASS_PRIORITY): the home
 *               registration's hao state is never picked up for data to the home agent;
 *   out policy  HoA/128 -> ::/0, any, template hao "use" (src HoA, dst ::, reqid 0)
 *               (MN_RO_TRIGGER_PRIORITY): for a destination with no hao state the kernel
 *               creates a larval state (XFRM_STATE_ACQ, net.core.xfrm_acq_expires) and sends
 *               XFRM_MSG_ACQUIRE; the template being optional, the packet leaves untransformed
 *               (through the tunnel). The entry's states replace the larval one (delete + add,
 *               the hold policy installed first: no new larval state in between).
 */
#pragma once

#include <netinet/in.h>

#include "mn/mn-plan.h"

#define MN_RO_PRIORITY 10
#define MN_RO_MH_PRIORITY 9
#define MN_RO_BU_PRIORITY 1 /* < SPD_PRIORITY_TUNNEL (ipsec/spd.h) */
#define MN_RO_TRIGGER_PRIORITY 0x7ffffff0u
#define MN_RO_BYPASS_PRIORITY (MN_RO_TRIGGER_PRIORITY - 1)

enum mn_ro_level {
	MN_RO_OFF,
	MN_RO_PREP,
	MN_RO_ON,
	_MN_RO_LEVEL_MAX,
	_MN_RO_LEVEL_INVALID = -22,
};

struct mn_ro_path {
	enum mn_ro_level level;
	struct in6_addr coa; /* the hao state's coaddr (PREP, ON) */
	bool hold;           /* the trigger may exist: the hold policy at PREP (see above) */
};

void mn_ro_state_out(const struct in6_addr *hoa, const struct in6_addr *cn, const struct in6_addr *coa,
		     struct knl_xfrm_state *ret);
void mn_ro_state_in(const struct in6_addr *hoa, const struct in6_addr *cn, struct knl_xfrm_state *ret);
void mn_ro_policy_in(const struct in6_addr *hoa, const struct in6_addr *cn, struct knl_xfrm_policy *ret);
void mn_ro_policy_bu(const struct in6_addr *hoa, const struct in6_addr *cn, struct knl_xfrm_policy *ret);
void mn_ro_policy_hoti(const struct in6_addr *hoa, const struct in6_addr *cn, struct knl_xfrm_policy *ret);
void mn_ro_policy_data(const struct in6_addr *hoa, const struct in6_addr *cn, struct knl_xfrm_policy *ret);
void mn_ro_policy_hold(const struct in6_addr *hoa, const struct in6_addr *cn, struct knl_xfrm_policy *ret);

/* The trigger's policies, in install order: MH bypass, home agent bypass, trigger. */
enum { MN_RO_TRIG_MH, MN_RO_TRIG_HA, MN_RO_TRIG, _MN_RO_TRIG_N };
void mn_ro_trigger_policies(const struct in6_addr *hoa, const struct in6_addr *ha,
			    struct knl_xfrm_policy ret[_MN_RO_TRIG_N]);
/* Install (up: bypasses first) or remove (trigger first) them. Returns the number of operations. */
int mn_ro_trigger_plan(const struct in6_addr *hoa, const struct in6_addr *ha, bool up, struct mn_plan *ret);

/*
 * The operations from `have` to `want` (states before the policies that use them going up,
 * policies before their states going down; the data policy leaves before the CoA changes).
 * Returns the number of operations (0: nothing to do) or -EINVAL.
 */
int mn_ro_plan(const struct in6_addr *hoa, const struct in6_addr *cn, const struct mn_ro_path *have,
	       const struct mn_ro_path *want, struct mn_plan *ret);

const char *mn_ro_level_to_string(enum mn_ro_level l);

/*
 * A learnt correspondent's binding before it expires (RFC 6275 §11.7.2: the MN may send a new
 * BU before the binding expires while the correspondent is still in use): refreshed only when
 * the MN sent it data since the last check. What the kernel knows: the hao state (out, HoA ->
 * CN) counts every packet it transformed (curlft.packets, XFRM_MSG_GETSA), the MN's data and
 * its own BUs (the BU policy names the same state); `mh` counts those BUs, sent by mip6d. Data
 * went through the state when its packets grew by more than the BUs did. A state added anew
 * since the base (fewer packets than then) is taken as counting from 0. The count unread (a
 * failed GETSA, no answer) or no base: not known to be in use, the binding expires (fail
 * closed: the correspondent's traffic goes through the home agent's tunnel, as before it was
 * learnt, and learns it again).
 */
struct mn_ro_use {
	uint64_t packets; /* the hao state's curlft.packets */
	uint64_t mh;      /* BUs sent through it by then */
};

enum mn_ro_use_verdict {
	MN_RO_USE_REFRESH, /* data since the base: refresh the binding */
	MN_RO_USE_IDLE,    /* none: let it expire */
	MN_RO_USE_UNKNOWN, /* unread or no base: let it expire (counted apart) */
};

enum mn_ro_use_verdict mn_ro_use_decide(int read_result, const struct mn_ro_use *base, const struct mn_ro_use *now);
