/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Address validation of a Binding Update at the home agent, a pure function
 * of the BU's home and care-of addresses, the home prefixes, the HA's own
 * addresses and the binding table. Runs before ha_decide(): a BU that fails
 * here changes no state (no entry is created, none is touched).
 *
 *   home address                                   verdict
 *   not unicast routable (::, ::1, fe80::/10,      discard silently (RFC 6275 §9.5.1, first
 *     ff00::/8, ::ffff:0:0/96)                       test; §6.3 HAO "MUST be unicast routable")
 *   a subnet anycast address of a home prefix      discard silently (§9.5.1: not unicast;
 *     (RFC 4291 §2.6.1 Subnet-Router, RFC 2526)      RFC 2526 reserved interface identifiers)
 *   an address of the HA itself                    BA 134 (§10.3.1: the address is in use
 *                                                    on the home link, DAD would fail)
 *   outside the served prefixes                    left to ha_decide (132, §10.3.1)
 *   care-of address (registration only: lifetime > 0 and CoA != HoA)
 *   not unicast routable                           discard silently (§6.1.7: "MUST be
 *                                                    silently discarded")
 *   an address of the HA, inside a served home     BA 129 (§10.3.1 "reject for any other
 *     prefix, or another binding's home address      reason": a tunnel into the home link
 *                                                    or through another MN would loop)
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bcache;
struct ha_prefix;

enum ha_addr_action {
	HA_ADDR_OK,
	HA_ADDR_DISCARD, /* silently, counted */
	HA_ADDR_REJECT,  /* BA with .status */
};

struct ha_addr_verdict {
	enum ha_addr_action action;
	uint8_t status;     /* BA status for HA_ADDR_REJECT */
	const char *reason; /* static text for logs and counters */
};

/* What the HA knows of itself (the caller keeps it up to date). */
struct ha_self {
	const struct ha_prefix *prefixes;
	size_t n_prefixes;
	const struct in6_addr *own; /* every address of the HA (any interface) */
	size_t n_own;
	const struct bcache *bc;    /* for "another binding's home address"; may be NULL */
};

/* Not ::, ::1, link-local, multicast or IPv4-mapped ("unicast routable", RFC 6275 §6.1.7, §9.5.1). */
bool ha_addr_unicast_routable(const struct in6_addr *a);

/* Subnet-Router anycast (interface id 0) or an RFC 2526 reserved subnet anycast address of prefix/len. */
bool ha_addr_subnet_anycast(const struct in6_addr *prefix, uint8_t len, const struct in6_addr *a);

void ha_addr_check(const struct ha_self *self, const struct in6_addr *hoa, const struct in6_addr *coa,
		   bool registration, struct ha_addr_verdict *ret);
