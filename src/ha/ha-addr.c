/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Address validation of a BU at the home agent (see ha/ha-addr.h for the table). */
#include <string.h>

#include "ha/bcache.h"
#include "ha/ha-addr.h"
#include "ha/ha-policy.h"
#include "mh/mh-codec.h"

bool ha_addr_unicast_routable(const struct in6_addr *a)
{
	return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_LOOPBACK(a) && !IN6_IS_ADDR_LINKLOCAL(a) &&
	       !IN6_IS_ADDR_MULTICAST(a) && !IN6_IS_ADDR_V4MAPPED(a);
}

static bool bit_set(const struct in6_addr *a, unsigned i)
{
	return a->s6_addr[i / 8] & (0x80 >> (i % 8));
}

bool ha_addr_subnet_anycast(const struct in6_addr *prefix, uint8_t len, const struct in6_addr *a)
{
	bool zero = true, ones = true;
	const struct ha_prefix p = { .prefix = *prefix, .len = len };

	if (len >= 128 || !ha_prefix_match(&p, 1, a))
		return false;
	/* RFC 4291 §2.6.1: the Subnet-Router anycast address has an all-zero interface id. */
	for (unsigned i = len; i < 128; i++)
		if (bit_set(a, i))
			zero = false;
	if (zero)
		return true;
	if (len > 121)
		return false;
	/* RFC 2526 §2: the highest 128 interface ids are reserved. With 64-bit (EUI-64 format)
	 * ids the universal/local bit (bit 6 of the id, bit 70 of the address) is 0 in them:
	 * FDFF:FFFF:FFFF:FF80 through FDFF:FFFF:FFFF:FFFF; otherwise all ones but the low 7 bits. */
	for (unsigned i = len; i < 121; i++)
		if (bit_set(a, i) != !(len == 64 && i == 70))
			ones = false;
	return ones;
}

static bool is_own(const struct ha_self *self, const struct in6_addr *a)
{
	for (size_t i = 0; i < self->n_own; i++)
		if (memcmp(&self->own[i], a, sizeof(*a)) == 0)
			return true;
	for (size_t i = 0; i < self->n_prefixes; i++)
		if (memcmp(&self->prefixes[i].ha, a, sizeof(*a)) == 0)
			return true;
	return false;
}

static bool in_home_anycast(const struct ha_self *self, const struct in6_addr *a)
{
	for (size_t i = 0; i < self->n_prefixes; i++)
		if (ha_addr_subnet_anycast(&self->prefixes[i].prefix, self->prefixes[i].len, a))
			return true;
	return false;
}

static void verdict(struct ha_addr_verdict *ret, enum ha_addr_action action, uint8_t status, const char *reason)
{
	ret->action = action;
	ret->status = status;
	ret->reason = reason;
}

static void check_coa(const struct ha_self *self, const struct in6_addr *hoa, const struct in6_addr *coa,
		      struct ha_addr_verdict *ret)
{
	const struct bce *other;

	/* RFC 6275 §6.1.7: a BU for a CoA that is not unicast routable MUST be silently discarded. */
	if (!ha_addr_unicast_routable(coa)) {
		verdict(ret, HA_ADDR_DISCARD, 0, "care-of address not unicast routable");
		return;
	}
	/* §10.3.1 "reject for any other reason": each of these would tunnel into ourselves. */
	if (is_own(self, coa)) {
		verdict(ret, HA_ADDR_REJECT, MH_BA_PROHIBITED, "care-of address is the home agent's");
		return;
	}
	if (ha_prefix_match(self->prefixes, self->n_prefixes, coa)) {
		verdict(ret, HA_ADDR_REJECT, MH_BA_PROHIBITED, "care-of address inside a home prefix");
		return;
	}
	other = self->bc ? bcache_lookup(self->bc, coa) : NULL;
	if (other && (other->state == BCE_VALID || other->state == BCE_DAD) &&
	    memcmp(coa, hoa, sizeof(*coa)) != 0) {
		verdict(ret, HA_ADDR_REJECT, MH_BA_PROHIBITED, "care-of address is another binding's home address");
		return;
	}
}

void ha_addr_check(const struct ha_self *self, const struct in6_addr *hoa, const struct in6_addr *coa,
		   bool registration, struct ha_addr_verdict *ret)
{
	verdict(ret, HA_ADDR_OK, 0, NULL);
	/* RFC 6275 §9.5.1: the packet MUST contain a unicast routable home address, else it
	 * MUST be silently discarded; a subnet anycast address is not unicast (RFC 2526). */
	if (!ha_addr_unicast_routable(hoa)) {
		verdict(ret, HA_ADDR_DISCARD, 0, "home address not unicast routable");
		return;
	}
	if (in_home_anycast(self, hoa)) {
		verdict(ret, HA_ADDR_DISCARD, 0, "home address is a subnet anycast address");
		return;
	}
	/* §10.3.1: the HA's own address is in use on the home link: DAD for it fails. */
	if (is_own(self, hoa)) {
		verdict(ret, HA_ADDR_REJECT, MH_BA_DAD_FAILED, "home address is the home agent's");
		return;
	}
	if (registration)
		check_coa(self, hoa, coa, ret);
}
