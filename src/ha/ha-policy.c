/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "conf/conf.h"
#include "ha/bcache.h"
#include "ha/ha-nemo.h"
#include "ha/ha-policy.h"
#include "mh/mh-codec.h"
#include "mh/mh-util.h"

static bool prefix_has(const struct in6_addr *prefix, uint8_t len, const struct in6_addr *a)
{
	uint8_t full = len / 8, rest = len % 8;

	if (len > 128)
		return false;
	if (memcmp(prefix, a, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		if ((prefix->s6_addr[full] & mask) != (a->s6_addr[full] & mask))
			return false;
	}
	return true;
}

const struct ha_prefix *ha_prefix_match(const struct ha_prefix *p, size_t n, const struct in6_addr *addr)
{
	for (size_t i = 0; i < n; i++)
		if (prefix_has(&p[i].prefix, p[i].len, addr))
			return &p[i];
	return NULL;
}

/* ACL: the first BindingAclPolicy naming the HoA decides, else the default. */
static uint8_t acl_status(const struct mip6_config *c, const struct in6_addr *hoa)
{
	for (size_t i = 0; i < c->n_binding_acls; i++)
		if (memcmp(&c->binding_acls[i].hoa, hoa, sizeof(*hoa)) == 0)
			return c->binding_acls[i].status;
	return c->default_binding_acl_allow ? MH_BA_ACCEPTED : MH_BA_PROHIBITED;
}

static uint32_t prefix_remaining(const struct ha_prefix *p, usec_t now)
{
	usec_t gone;

	if (p->valid_sec == UINT32_MAX)
		return UINT32_MAX;
	gone = (now - p->seen) / USEC_PER_SEC;
	return gone >= p->valid_sec ? 0 : p->valid_sec - (uint32_t)gone;
}

/*
 * RFC 6275 §9.5.1: a BU without H MUST carry Nonce Indices and a Binding Authorization
 * Data option the node verifies with the return-routability keys; this node has no
 * correspondent role, so no such BU can pass those tests, and one that fails them for a
 * reason other than the sequence number, a registration type change or expired nonces
 * MUST be silently discarded. (131 is for H=1 at a node that is not a home agent,
 * §10.3.1, which never holds in this role.)
 * RFC 3963 §6.2: R=1 without H MUST be rejected with 140 (checked first: such a BU is
 * refused with a BA, not discarded); §6.6: a home agent not configured for mobile routers
 * (HaAcceptMobRtr off) answers R=1 with 140.
 */
static bool refused_by_flags(const struct mip6_config *c, const struct ha_bu *bu, struct ha_verdict *ret)
{
	if ((bu->flags & MH_BU_F_R) && (!(bu->flags & MH_BU_F_H) || !c->ha_accept_mob_rtr)) {
		ret->status = MH_BA_MR_OP_NOT_PERMITTED;
		return true;
	}
	if (!(bu->flags & MH_BU_F_H)) {
		ret->action = HA_DISCARD;
		return true;
	}
	return false;
}

/*
 * §9.5.1: a live binding of the other registration type → 139. RFC 3963 §6.2: so is a
 * registration whose R differs from the live binding's; a deregistration ignores R.
 */
static bool type_changed(const struct bce *e, const struct ha_bu *bu, bool dereg)
{
	if (!!(e->bu_flags & MH_BU_F_H) != !!(bu->flags & MH_BU_F_H))
		return true;
	return !dereg && !!(e->bu_flags & MH_BU_F_R) != !!(bu->flags & MH_BU_F_R);
}

/* §10.3.1: the smallest of the BU's, HaMaxBindingLife and the prefix's remaining valid lifetime. */
static uint32_t granted_lifetime(const struct mip6_config *c, const struct ha_prefix *home, const struct ha_bu *bu,
				 usec_t now)
{
	uint32_t life = mh_lifetime_from_units(bu->lifetime_units), rem = prefix_remaining(home, now);

	if (life > c->ha_max_binding_life)
		life = c->ha_max_binding_life;
	if (life > rem)
		life = rem;
	if (life == 0)
		return 0;
	/* Round down to what the BA can carry, never granting more than allowed. */
	life = mh_lifetime_from_units(mh_lifetime_to_units(life));
	if (life == 0)
		life = MH_LIFETIME_UNIT_SEC > rem ? rem : MH_LIFETIME_UNIT_SEC;
	return life;
}

int ha_decide(const struct mip6_config *c, const struct ha_prefix *prefixes, size_t n_prefixes,
	      const struct bce *e, size_t n_bindings, size_t max_bindings, const struct ha_bu *bu,
	      usec_t now, struct ha_verdict *ret)
{
	bool dereg = bu->lifetime_units == 0 || memcmp(&bu->hoa, &bu->coa, sizeof(bu->hoa)) == 0;
	bool live = e && e->state == BCE_VALID;
	bool dad = e && e->state == BCE_DAD; /* a home registration waiting for DAD */
	const struct ha_prefix *home;
	uint32_t life;
	uint8_t st;

	memset(ret, 0, sizeof(*ret));
	ret->action = HA_REJECT;
	ret->ba_seq = bu->seq;

	if (refused_by_flags(c, bu, ret))
		return 0;
	/* A copy of (or older than) the BU that DAD runs for: the BA for that one answers. */
	if (dad && !mh_seq_is_newer(bu->seq, e->seq)) {
		ret->action = HA_IGNORE;
		return 0;
	}
	/* §9.5.1: a BU not newer than the last accepted one gets 135 with that number. */
	if (e && !mh_seq_is_newer(bu->seq, e->seq)) {
		ret->status = MH_BA_SEQ_OUT_OF_WINDOW;
		ret->ba_seq = e->seq;
		return 0;
	}
	if ((live || dad) && type_changed(e, bu, dereg)) {
		ret->status = MH_BA_REG_TYPE_CHANGE;
		return 0;
	}
	if (dereg) {
		/* §10.3.2 (a registration under DAD is a home registration the HA holds) */
		if (!live && !dad) {
			ret->status = MH_BA_NOT_HOME_AGENT;
			return 0;
		}
		ret->action = HA_DEREGISTER;
		ret->status = MH_BA_ACCEPTED;
		return 0;
	}
	/* §10.3.1 */
	home = ha_prefix_match(prefixes, n_prefixes, &bu->hoa);
	if (!home) {
		ret->status = MH_BA_NOT_HOME_SUBNET;
		return 0;
	}
	st = acl_status(c, &bu->hoa);
	if (st != MH_BA_ACCEPTED) {
		ret->status = st;
		return 0;
	}
	/* RFC 3963 §6.2: the prefixes a mobile router gets forwarding for, or 141/142/143. */
	if (bu->flags & MH_BU_F_R) {
		st = ha_nemo_decide(c, prefixes, n_prefixes, bu, &ret->mnps);
		if (st != MH_BA_ACCEPTED) {
			ret->status = st;
			return 0;
		}
	}
	if (!live && !dad && max_bindings && n_bindings >= max_bindings) {
		ret->status = MH_BA_INSUFFICIENT_RESOURCES;
		return 0;
	}
	life = granted_lifetime(c, home, bu, now);
	if (life == 0) {
		/* The home prefix is no longer valid: nothing can be granted. */
		ret->status = MH_BA_NOT_HOME_SUBNET;
		return 0;
	}
	ret->lifetime_sec = life;
	ret->home = home;
	ret->status = MH_BA_ACCEPTED;
	ret->action = live ? HA_REFRESH : HA_REGISTER;
	return 0;
}
