/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MN–HA security policy database belongs to mip6d (RFC 4877 §7.2): the
 * XFRM policies with Mobility Header type selectors and templates carrying the
 * fixed reqids that the key manager's SAs use (swanctl children with
 * `policies = no`). Pure construction: the roles install what this returns.
 *
 * HomeRegBinding (the MUST of RFC 4877 §7.2): ESP transport, HoA <-> HA.
 *   MN: out  HoA -> HA  MH (BU, and any other MH): [ESP transport reqid R, hao ro (optional)]
 *       in   HA -> HoA  MH (BA, BRR, BE):          [ESP transport reqid R, route2 ro (optional)]
 *   HA: in   HoA -> HA  MH:                        [ESP transport reqid R, hao ro (optional)]
 *       out  HA -> HoA  MH:                        [ESP transport reqid R]   (RH2 from the socket)
 * TunnelHomeTesting (RFC 4877 §7.2 SHOULD): HoTI/HoT in ESP tunnel mode, outer CoA <-> HA
 * (the HoA while at home), reqid R2 of the set's TunnelHomeTesting policy, priority
 * SPD_PRIORITY_TUNNEL (the HoA <-> HA entries above win where both match):
 *   MN: out  HoA -> any  MH (HoTI): [ESP tunnel CoA -> HA, reqid R2]
 *       in   any -> HoA  MH (HoT):  [ESP tunnel HA -> CoA, reqid R2]
 *       in   with route optimisation (spd_pair.mn_ro):
 *                                   [ESP tunnel HA -> CoA, reqid R2 (optional), route2 ro (optional)]
 *            the correspondents' BA, BRR and BE reach the HoA in the clear with an RH2 and no
 *            inbound selector can tell them from a HoT (the MH type, below); the HoT's tunnel is
 *            then proven by the MN's HoT socket (mn/mn-hot.h), whose own input policy requires
 *            this ESP tunnel SA, and a HoT that did not come through it is dropped (RFC 6275
 *            §11.6.2). Out, the correspondents' BUs leave through their own typed (BU) entries
 *            above this one (mn-ro-path.h MN_RO_BU_PRIORITY): types of sent packets are known.
 *   HA: fwd  HoA -> any  MH:        [ESP tunnel CoA -> HA, reqid R2]
 *       out  any -> HoA  MH:        [ESP tunnel HA -> CoA, reqid R2]
 *
 * MH selectors name the protocol, never the MH type. Measured on Debian's kernels
 * (tests/vm/scenarios/kernel-selectors.sh): the kernel takes the MH type of a packet it
 * receives or forwards from its own decoding of the headers, and that decoding is broken —
 * Linux 6.1 finds the type only when an extension header (a HAO, an RH2) precedes the MH
 * and never on the forwarding path; Linux 6.12 (flow-dissector decoding) never finds it, so
 * the type reads as 0. A typed in/fwd entry then does not match, the packet passes in the
 * clear (RFC 4877 protection lost) or, when it carried a route2/hao transform, is dropped
 * (XfrmInNoPols: the BA never reaches the MN). Protocol-only selectors match on both, and
 * are found by XFRM_MSG_MIGRATE on both (6.1 compares selectors exactly, 6.12 looks them up
 * like a packet). Locally sent packets carry their type (the socket sets it) and ICMPv6
 * types are decoded correctly on both kernels, so the MobPfxDisc entries stay typed.
 * The templates carry the CoA: on a move they follow it through XFRM MIGRATE
 * (spd_migrate_tunnel), the inbound one first, the outbound one last with KMADDRESS.
 * Template order is the kernel's: the first template is the innermost
 * transform (ESP), the RO header is outside it. strongSwan keeps one reqid
 * per CHILD_SA for both directions: reqid_toHA is used both ways (a
 * different reqid_toMN is for the static key manager only).
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf/conf.h"
#include "netlink/nl-types.h"

#define SPD_PRIORITY 1        /* above the HA's wildcard MH policy (priority 2) */
#define SPD_PRIORITY_TUNNEL 2 /* HoTI/HoT tunnel entries: below the HoA <-> HA ones */

struct spd_pair {
	struct in6_addr hoa, ha;
	uint32_t reqid;       /* HomeRegBinding, both directions (strongSwan) */
	uint32_t reqid_to_mn; /* = reqid unless the set gives another (static keys) */
	uint32_t reqid_hoti;  /* TunnelHomeTesting, 0 = not protected */
	uint32_t reqid_mpd;   /* MobPfxDisc, 0 = not protected */
	bool mn_ro;           /* the MN does route optimisation: its HoT entry's templates (above) */
	char ike_conn[CONF_IKE_NAME_MAX]; /* the set's IkeConnection, "" = derive (km-strongswan.c) */
};

/*
 * MobPfxDisc (RFC 4877 §7.2 SHOULD): Mobile Prefix Solicitation/Advertisement in
 * ESP transport, HoA <-> HA (keyed on the HoA: movement does not touch them):
 *   MN: out HoA -> HA ICMPv6 146 [ESP reqid R3, hao (optional)]; in HA -> HoA ICMPv6 147 [ESP, route2 (optional)]
 *   HA: in  HoA -> HA ICMPv6 146 [ESP reqid R3, hao (optional)]; out HA -> HoA ICMPv6 147 [ESP]
 * Returns 0 (not protected) or 2.
 */
int spd_mpd_policies(enum node_role role, const struct spd_pair *p, struct knl_xfrm_policy ret[2]);

/*
 * The route-optimisation entries of Mobile Prefix Discovery, installed in every case
 * (priority SPD_PRIORITY_TUNNEL, below the MobPfxDisc ESP entries): the MN's
 * Solicitation leaves from the CoA with a Home Address option (RFC 6275 §11.4.2 MUST,
 * the `hao` state) and an Advertisement with a type 2 routing header (§10.6.3, §11.4.3
 * MUST) passes the kernel's inbound check:
 *   MN: out HoA -> HA ICMPv6 146 [hao]; in HA -> HoA ICMPv6 (any type) [route2 (optional)]
 *   HA: in home prefix -> HA ICMPv6 (any type) [hao (optional)]  (spd_ha_mps_policy, one per
 *       home prefix and the HA's address in it)
 * The inbound selectors cannot name the ICMPv6 type: measured in home-agents, Linux 6.1
 * decodes a received packet's ICMPv6 type from the start of the last extension header the
 * stack processed (the HAO's destination options header, the RH2), so it reads 58 (that
 * header's Next Header) and a typed entry does not match: the packet carries an RO
 * transform and is dropped (XfrmInNoPols). For the same reason on 6.1 the typed
 * MobPfxDisc ESP inbound entries do not match an MPS/MPA that has a HAO/RH2: these
 * entries accept them, and ESP is then not enforced by the kernel on that direction
 * (an ESP-protected one is accepted too: ESP transport left in the secpath is allowed).
 * The HA's entry lets ICMPv6 of any type with a HAO from a home address of a served prefix
 * to the HA's address reach the stack (e.g. an Echo Request, answered to that home address,
 * i.e. on the home link or through its binding's tunnel, never to an address the sender
 * chose outside the home prefixes: RFC 6275 §9.3.1); the kernel offers no way to say "only
 * type 146" on 6.1.
 * Returns 2, or 1 (the in entry only) when p->reqid_mpd is set: the MobPfxDisc ESP out
 * entry has the same selector (one XFRM policy per selector and direction) and its
 * [ESP, hao] templates already.
 */
int spd_mpd_ro_policies(const struct spd_pair *p, struct knl_xfrm_policy ret[2]);
void spd_ha_mps_policy(struct knl_xfrm_policy *ret, const struct in6_addr *home_prefix, uint8_t plen,
		       const struct in6_addr *ha);

/* The tunnel-mode policies of a role for the pair with outer endpoint coa. Returns 0 or 2. */
int spd_tunnel_policies(enum node_role role, const struct spd_pair *p, const struct in6_addr *coa,
			struct knl_xfrm_policy ret[2]);

/*
 * The MIGRATEs that move the tunnel-mode policies and SAs from old_coa to
 * new_coa, in the order to send them: [0] inbound (MN in / HA fwd) without
 * KMADDRESS, [1] outbound with KMADDRESS (charon moves the CHILD_SA once).
 * Returns 0 (no tunnel entries) or 2.
 */
int spd_migrate_tunnel(enum node_role role, const struct spd_pair *p, const struct in6_addr *old_coa,
		       const struct in6_addr *new_coa, struct knl_xfrm_migrate ret[2]);

/*
 * The HomeRegBinding entry covering (hoa, ha): 1 and *ret filled, 0 when no
 * IPsecPolicySet covers the pair (or it says deny), -EINVAL for no reqid.
 * ha may be NULL (any HomeAgentAddress).
 */
int spd_lookup(const struct mip6_config *c, const struct in6_addr *hoa, const struct in6_addr *ha,
	       struct spd_pair *ret);

/*
 * The two policies of a role (NODE_ROLE_MN or NODE_ROLE_HA) for a pair. Returns 2.
 * With reqid 0 (UseMnHaIPsec disabled) they carry only the optional RO templates.
 */
int spd_policies(enum node_role role, const struct spd_pair *p, struct knl_xfrm_policy ret[2]);

/*
 * The transport-mode MIGRATE (old == new: the SAs are keyed on the HoA) whose
 * XFRMA_KMADDRESS moves the IKE SA: MN local = CoA, remote = HA; HA local =
 * HA, remote = CoA (RFC 4877 §4.3, strongswan.md). It names the role's
 * outbound policy; charon matches it by reqid.
 */
void spd_migrate(enum node_role role, const struct spd_pair *p, const struct in6_addr *coa,
		 struct knl_xfrm_migrate *ret);

/* Where a HoA's tunnel-mode SAs point (a binding's CoA), or NULL for the HoA itself. */
typedef const struct in6_addr *(*spd_tunnel_end_fn)(const struct in6_addr *hoa, void *userdata);

/*
 * Every SPD entry the HA keeps for a configuration (RFC 4877 §7.2): for each HoA of
 * each IPsecPolicySet that spd_lookup() protects, spd_policies(), the tunnel entries
 * (outer HA <-> tunnel_end(hoa): the CoA the SAs were moved to, the HoA when tunnel_end
 * is NULL or returns NULL) and the MobPfxDisc entries; a HoA named twice counts once.
 * Nothing without UseMnHaIPsec. *ret is malloc'ed (NULL for none).
 * Returns the number of HoAs covered, or -ENOMEM.
 */
int spd_ha_set(const struct mip6_config *c, spd_tunnel_end_fn tunnel_end, void *userdata,
	       struct knl_xfrm_policy **ret, size_t *ret_n);

/*
 * Pure: an XFRM policy of the kind the HA installs (main type; a Mobility Header selector,
 * any type, at SPD_PRIORITY or SPD_PRIORITY_TUNNEL — the HA's wildcard MH policy is at 2
 * too —, a MobPfxDisc ICMPv6 146/147 selector at SPD_PRIORITY, or spd_ha_mps_policy's). At start the HA adopts
 * those its configuration wants as they are and deletes the others (a crashed or
 * reconfigured predecessor's): nobody else installs MH policies on a home agent.
 */
bool spd_ha_owns(const struct knl_xfrm_policy *p);
