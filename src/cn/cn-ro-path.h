/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The correspondent node's route-optimisation data path (RFC 6275 §9.3.1,
 * §9.3.2, §6.3, §6.4): per correspondent binding HoA -> CoA, four kernel XFRM
 * objects, all "mode ro", no SPI, addresses in the state IDs:
 *
 *   out state   route2 (43)  src CN  dst HoA  coaddr CoA  sel CN/128 -> HoA/128
 *               the kernel puts a type 2 routing header holding the HoA on
 *               every packet to the HoA and sends it to the CoA (§9.3.2);
 *   out policy  CN/128 -> HoA/128, any protocol, template route2 (level use);
 *   in state    hao (60)     src HoA dst CN   coaddr CoA  sel HoA/128 -> CN/128
 *               a Home Address option for the HoA is accepted when the outer
 *               source is the CoA (the kernel checks coaddr; §9.3.1: "the
 *               currently registered care-of address MUST be equal to the
 *               source address of the packet");
 *   in policy   HoA/128 -> CN/128, any protocol, template hao src HoA (use):
 *               only the binding's own state satisfies it, so a HAO from
 *               another CoA (processed by the role's wildcard state) is
 *               rejected, and the kernel reports it (XFRM_MSG_REPORT).
 * Their priority (CN_RO_PRIORITY) is below the role's inbound MH policy for
 * Binding Updates (priority 2, any HAO state), so that a BU from a new CoA
 * still reaches mip6d. One role-wide object more: an outbound MH policy
 * without templates (priority CN_RO_MH_PRIORITY) keeps the kernel's route2
 * states off the Mobility Header messages the role sends: they carry their
 * own routing header (io), to the BU's source, not to the cached CoA.
 *
 * The builders are pure; cn_ro_submit() queues the requests of one operation
 * on the kernel layer (nl-kernel.h), in order.
 */
#pragma once

#include <netinet/in.h>

#include "netlink/nl-kernel.h"

#define CN_RO_PRIORITY 10
#define CN_RO_MH_PRIORITY 2

struct cn_ro_binding {
	struct in6_addr cn, hoa, coa;
};

void cn_ro_state_out(const struct cn_ro_binding *b, struct knl_xfrm_state *ret);
void cn_ro_state_in(const struct cn_ro_binding *b, struct knl_xfrm_state *ret);
void cn_ro_policy_out(const struct cn_ro_binding *b, struct knl_xfrm_policy *ret);
void cn_ro_policy_in(const struct cn_ro_binding *b, struct knl_xfrm_policy *ret);
void cn_ro_mh_bypass(struct knl_xfrm_policy *ret);

enum cn_ro_op {
	/*
	 * A new binding or a new CoA: each state updated in place (XFRM_MSG_UPDSA, absent
	 * is fine) then created if it was absent (NEWSA, EEXIST is fine), so a move never
	 * leaves a moment without the state; then the policies replaced.
	 */
	CN_RO_INSTALL,
	CN_RO_REMOVE, /* the policies, then the states, deleted */
};

/*
 * Queue op's requests for b, in order. done(result, userdata) runs once per
 * request; *n_counted says how many were queued. Returns 0 or the first
 * queuing error (the requests queued before it stay queued and counted).
 */
int cn_ro_submit(struct knl *k, enum cn_ro_op op, const struct cn_ro_binding *b, const void *owner,
		 knl_done_fn done, void *userdata, unsigned *n_counted);
