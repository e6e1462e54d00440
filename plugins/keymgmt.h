/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The key-management seam: how the HA and MN roles get and move the ESP SAs
 * that protect their signalling (RFC 3776, RFC 4877), without speaking VICI or
 * knowing SA details. The SPD itself is mip6d's (src/ipsec/spd.h); a backend
 * only provides SAs with the reqids the SPD names, and moves the IKE
 * endpoints when the MN's care-of address changes.
 *
 * Backends:
 *  - strongswan (plugins/km-strongswan.c): charon over VICI. up = `initiate`
 *    of the CHILD_SA whose traffic selectors name the pair; move with K=1 =
 *    XFRM_MSG_MIGRATE with XFRMA_KMADDRESS (charon follows it: RFC 4877 §4.3);
 *    move with K=0 = the HA terminates the IKE SA, the MN initiates anew.
 *  - static (plugins/km-static.c): manual keying (RFC 3776 §4.1 style): the
 *    SAs are configured by the operator (`ip xfrm state`, keyed on HoA/HA, so
 *    movement does not touch them); up checks that they exist.
 *
 * Contract: every operation returns 0 when started (done(err, ud) runs later
 * from the event loop, exactly once) or a negative errno (done never runs).
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>

#include "conf/conf.h"

struct km;
struct knl;
struct spd_pair;
typedef struct sd_event sd_event;

typedef void (*km_done_fn)(int error, void *userdata);

struct km_ops {
	const char *name;
	int (*create)(sd_event *e, struct knl *knl, const struct mip6_config *c, struct km **ret);
	void (*destroy)(struct km *km);
	/* The SAs for the pair exist (an MN brings them up first). */
	int (*up)(struct km *km, const struct spd_pair *p, km_done_fn done, void *userdata);
	/*
	 * The MN's CoA went from old_coa (where the SAs point now; NULL: unknown) to coa
	 * (== HoA at home): k selects MIGRATE or re-keying.
	 */
	int (*move)(struct km *km, enum node_role role, const struct spd_pair *p, const struct in6_addr *old_coa,
		    const struct in6_addr *coa, bool k, km_done_fn done, void *userdata);
	/* True when the SAs of the pair are installed. */
	bool (*is_up)(struct km *km, const struct spd_pair *p);
	/* fn runs whenever the backend learns that SAs came or went (NULL: none). */
	void (*set_notify)(struct km *km, void (*fn)(void *userdata), void *userdata);
	void (*print)(struct km *km, FILE *out, bool json);
};

extern const struct km_ops km_strongswan_ops;
extern const struct km_ops km_static_ops;

/* The backend the configuration asks for. */
const struct km_ops *km_ops_for(const struct mip6_config *c);
