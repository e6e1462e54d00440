/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NEMO basic support at the home agent (RFC 3963 §6): which Mobile Network Prefixes a
 * mobile router's Binding Update gets forwarding for, and their kernel state.
 *
 * Decision (pure, ha_nemo_decide, called by ha_decide for R=1 registrations):
 *   - explicit mode, MNP options in the BU (§6.2): every prefix valid (else 141 Invalid
 *     Prefix: length 0, multicast, link-local, loopback/unspecified/v4-mapped space, bits
 *     set past the length, inside a prefix the HA serves, or two overlapping in one BU),
 *     then each one inside a prefix the Prefix Table (§6.1.2) gives this HoA (else 142 Not
 *     Authorized for Prefix);
 *   - implicit mode, no MNP option: the HoA's prefixes from the Prefix Table, none → 143
 *     Forwarding Setup failed (§6.6).
 * The Prefix Table is the configuration's `BindingAclPolicy HoA (p/len, ...) allow` lines.
 * A HoA without one has no prefix it may claim: explicit → 142, implicit → 143.
 *
 * Kernel state (one `struct ha_mr` per mobile router binding, bce->mr):
 *   - one route per MNP, `MNP/len encap ip6 dst CoA src HA dev mip6tnl0` (§6.5, the
 *     tunnel as an interface), replaced on a CoA change, deleted with the binding or when
 *     a later BU no longer names the prefix (§6.2 "MUST disable forwarding");
 *   - one reverse-tunnel filter per MNP at the same prio as the HoA filters
 *     (ha/reverse-tunnel.h): enc_src_ip CoA, src_ip MNP/len — a packet out of the tunnel
 *     whose inner source is in the MNP passes only from this router's CoA (the §10.4.5
 *     check of RFC 6275 extended to the mobile network, RFC 3963 §6.4).
 * Requests carry the binding as owner; the callers count them towards its BA.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ha/ha-policy.h"
#include "netlink/nl-kernel.h"

struct bce;
struct bcs_record;
struct revtun;
struct mip6_config;

struct ha_mr {
	struct ha_mnp_set want;         /* the last accepted BU's prefixes */
	struct ha_mnp_set have;         /* what is in the kernel (or queued) */
	uint32_t handles[MH_MNP_MAX];   /* have.p[i]'s reverse-tunnel filter */
	bool r_flag;                    /* the last BU (also a deregistration) had R=1 */
};

/* RFC 3963 §6.2, §6.6: 0 and the prefixes to forward, or 141, 142, 143. */
uint8_t ha_nemo_decide(const struct mip6_config *c, const struct ha_prefix *prefixes, size_t n_prefixes,
		       const struct ha_bu *bu, struct ha_mnp_set *ret);
/* One prefix as §6.2 accepts it in an MNP option (the 141 test without the overlap). */
bool ha_nemo_prefix_valid(const struct mh_mnp *p, const struct ha_prefix *prefixes, size_t n_prefixes);

/* The entry takes a BU's verdict: its prefix set (R=1) or none. -ENOMEM: no binding. */
int ha_nemo_take(struct bce *e, const struct ha_bu *bu, const struct ha_mnp_set *mnps);
/* The R flag of the BA for e's last BU (RFC 3963 §4.2). */
bool ha_nemo_ba_r(const struct bce *e);
/* Whether the next install changes MNP state (a same-CoA refresh may skip the kernel). */
bool ha_nemo_changed(const struct bce *e);

/*
 * Queue the routes and filters that make `want` installed towards e->coa (replace what
 * stays, add what is new, delete what went). Returns the number of requests whose
 * answer goes to done (each once), or a negative errno (what was queued still answers).
 */
int ha_nemo_install(struct knl *k, struct revtun *rt, int tnl_ifindex, struct bce *e, knl_done_fn done,
		    void *userdata);
/* Delete every route and filter of the binding's prefixes (fire and forget). */
void ha_nemo_uninstall(struct knl *k, struct revtun *rt, int tnl_ifindex, struct bce *e);
void ha_nemo_free(struct bce *e);

/*
 * NonVolatileBindingCache (ha/bcache-store.h): the MNP record of a binding, written after
 * its PUT; false for a binding without prefixes (nothing to write). Replay: the record
 * gives a restored entry its prefixes (to install: ha_nemo_install after the restart's
 * reconciliation); -ENOMEM.
 */
bool ha_nemo_to_record(const struct bce *e, struct bcs_record *r);
int ha_nemo_from_record(struct bce *e, const struct bcs_record *r);
