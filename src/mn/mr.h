/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mobile router (RFC 3963 §5): a mobile node (`IsMobRtr enabled` in its MnHomeLink)
 * that also forwards for its Mobile Network Prefixes (`HomeAddress HoA/len (MNP/len, ...)`).
 *   - Binding Updates (§5.2): R=1 (with H, always), and in explicit mode
 *     (`MobRtrUseExplicitMode`, the default) one MNP option per prefix in every
 *     registration, refreshes included; none in a deregistration (§6.7 ignores them).
 *   - Data path (§5.5): one rule `from MNP lookup MN_PLAN_TABLE` per prefix, priority
 *     MR_RULE_PRIO, for as long as the router runs. Away, that table holds the default
 *     route into the bidirectional tunnel (mn-plan.h), so packets the router forwards from
 *     the mobile network go to the home agent; at home the table is empty and the lookup
 *     falls through to the main table: native forwarding. Packets from the home agent come
 *     out of the tunnel device and are forwarded by the main table (the MNP's connected
 *     route on the mobile network interface); IPv6 forwarding must be on (checked at start).
 *   - No route optimisation for the mobile network's traffic (basic support): nothing but
 *     the home registration ever carries the MNPs, and the rules send every packet from the
 *     mobile network through the home agent.
 *   - Binding Acknowledgement (§5.3): status 0 without R means the home agent set up no
 *     forwarding for the mobile network: logged (and counted) as a warning.
 * Pure apart from the knl requests it queues.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "conf/conf.h"
#include "mh/mh-codec.h"
#include "netlink/nl-kernel.h"

#define MR_RULE_PRIO 1000 /* before the HoA's (MN_PLAN_RULE_PRIO) */

/* RFC 3963 §5.2: R (and H) on every BU of a mobile router, the MNPs in a registration in explicit mode. */
int mr_bu_decorate(const struct mip6_config *c, const struct conf_home_link *hl, struct mh_msg *bu);
/* The source rules of the mobile network (ADD or DEL). Returns the number queued (done runs for each) or -errno. */
int mr_rules(struct knl *k, const struct conf_home_link *hl, enum knl_op op, const void *owner, knl_done_fn done,
	     void *userdata);
/* RFC 3963 §5.3: false (and a log line) for an accepted BA without R. */
bool mr_ba_ok(const struct conf_home_link *hl, const struct mh_msg *ba);
/* Whether IPv6 forwarding is on (a mobile router forwards; warn otherwise). */
bool mr_forwarding_on(void);
