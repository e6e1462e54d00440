/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include <openssl/crypto.h>

#include "cn/cn-policy.h"
#include "ha/ha-addr.h"
#include "mh/mh-util.h"

uint16_t cn_lifetime_grant(uint16_t requested)
{
	/* §5.2.6: "MUST NOT exceed MAX_RR_BINDING_LIFETIME seconds" (420 s = 105 units). */
	uint16_t max = mh_lifetime_to_units(RR_MAX_RR_BINDING_LIFETIME);

	return requested < max ? requested : max;
}

bool cn_addr_unicast(const struct in6_addr *a)
{
	return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_MULTICAST(a) && !IN6_IS_ADDR_LOOPBACK(a) &&
	       !IN6_IS_ADDR_V4MAPPED(a);
}

static void discard(struct cn_decision *d, enum mip6_drop drop, const char *reason)
{
	d->action = CN_DISCARD;
	d->drop = drop;
	d->send_ba = false;
	d->reason = reason;
}

static void reject(struct cn_decision *d, uint8_t status, bool always, const char *reason)
{
	d->action = CN_REJECT;
	d->status = status;
	d->send_ba = always;
	d->reason = reason;
}

/* §9.5.1 options: NI and BAD present, BAD last "and MUST NOT have trailing padding". */
static bool rr_options_ok(const struct cn_bu_in *in)
{
	const struct mh_opts *o = &in->msg->opts;

	return (o->present & MH_OPT_BIT(MH_OPT_NONCE_IDX)) && (o->present & MH_OPT_BIT(MH_OPT_AUTH)) &&
	       (size_t)o->auth_offset + MH_BAD_LEN == in->raw_len;
}

/* §9.5.1 nonce indices: 0 when recognised, else 136, 137 or 138 (the care-of one not for a deletion). */
static uint8_t nonce_status(const struct cn_bu_in *in, const struct rr_keygen *kg, bool deletion)
{
	bool home = rr_keygen_index_valid(kg, in->now, in->msg->opts.home_nonce_index);
	bool careof = deletion || rr_keygen_index_valid(kg, in->now, in->msg->opts.careof_nonce_index);

	if (!home && !careof)
		return MH_BA_EXPIRED_NONCES;
	if (!home)
		return MH_BA_EXPIRED_HOME_NONCE;
	return careof ? MH_BA_ACCEPTED : MH_BA_EXPIRED_CAREOF_NONCE;
}

/* Kbm from the tokens regenerated with the BU's nonce indices, then the authenticator (§5.2.6). */
static bool authenticator_ok(const struct cn_bu_in *in, const struct rr_keygen *kg, bool deletion,
			     struct cn_decision *d)
{
	const struct mh_opts *o = &in->msg->opts;
	uint8_t home[RR_TOKEN_LEN], careof[RR_TOKEN_LEN], auth[RR_AUTH_LEN];
	bool ok;

	if (rr_keygen_token_at(kg, in->now, o->home_nonce_index, &in->hoa, RR_HOME, home) < 0 ||
	    (!deletion && rr_keygen_token_at(kg, in->now, o->careof_nonce_index, &d->coa, RR_CAREOF, careof) < 0))
		return false;
	rr_kbm(home, deletion ? NULL : careof, d->kbm);
	d->auth_coa = deletion ? in->hoa : d->coa; /* §6.2.7 */
	ok = rr_authenticator(d->kbm, &d->auth_coa, &in->cn, in->raw, in->raw_len - MH_BAD_LEN, auth) == 0 &&
	     rr_authenticator_equal(auth, o->auth);
	/*
	 * A deletion from away: §6.2.7 names the home address as the "care-of address" of
	 * the authenticator, but §11.7.2 also says the care-of address "MUST be set to ...
	 * the current care-of address if it is away from home", and MNs read it so. Both
	 * are accepted: Kbm (the home keygen token) is what authorises, and the address is
	 * covered either way. The BA's authenticator uses the reading that verified.
	 */
	if (!ok && deletion && memcmp(&d->coa, &in->hoa, sizeof(d->coa)) != 0) {
		d->auth_coa = d->coa;
		ok = rr_authenticator(d->kbm, &d->auth_coa, &in->cn, in->raw, in->raw_len - MH_BAD_LEN, auth) == 0 &&
		     rr_authenticator_equal(auth, o->auth);
	}
	OPENSSL_cleanse(home, sizeof(home));
	OPENSSL_cleanse(careof, sizeof(careof));
	return ok;
}

void cn_bu_decide(const struct cn_bu_in *in, const struct rr_keygen *kg, struct cn_decision *d)
{
	const struct mh_bu *bu = &in->msg->bu;
	bool ack = bu->flags & MH_BU_F_A, deletion = bu->lifetime == 0;
	uint8_t st;

	memset(d, 0, sizeof(*d));
	d->drop = DROP_NONE;
	d->ba_seq = bu->seq;
	d->coa = in->msg->opts.present & MH_OPT_BIT(MH_OPT_ALT_COA) ? in->msg->opts.alt_coa : in->src;
	/*
	 * RFC 6275 §9.5.4: "If the Source Address field of the IPv6 header that carried the
	 * Binding Update does not contain a unicast address, the Binding Acknowledgement MUST
	 * NOT be sent and the Binding Update packet MUST be silently discarded." Checked
	 * first: even a 131 goes to it. The destination too: the binding's correspondent
	 * address (the data path's, the HoT's source) must be one of ours, a unicast one.
	 */
	if (!cn_addr_unicast(&in->src) || !ha_addr_unicast_routable(&in->cn)) {
		discard(d, DROP_BAD_ADDRESS, "IPv6 source or destination not a unicast address");
		return;
	}
	/* §9.5.1 with §6.1.7: the home address, and the care-of address (the Alternate one if present). */
	if (!ha_addr_unicast_routable(&in->hoa) || !ha_addr_unicast_routable(&d->coa)) {
		discard(d, DROP_BAD_ADDRESS, "home or care-of address not unicast routable");
		return;
	}
	/*
	 * RFC 6275 §9.5.1: "If a binding already exists for the given home address and the
	 * home registration flag has a different value than the Home Registration (H) bit
	 * in the Binding Update, then the receiving node MUST send back a Binding
	 * Acknowledgement with status code 139"; "The home registration flag stored in the
	 * Binding Cache entry MUST NOT be changed". Our bindings are all correspondent ones
	 * (flag 0); a DELETED entry is no binding. Without one the BU goes on to §10.3.1:
	 * "If the node implements only correspondent node functionality ... MUST reject
	 * the Binding Update. The node MUST also return a Binding Acknowledgement ... 131".
	 * Both BAs whatever A says, and without BAD: a home registration carries no return
	 * routability material (§9.5.1: no Nonce Indices), there is no Kbm to compute it.
	 * The sequence number is not compared (135): it is the correspondent registration's.
	 */
	if (bu->flags & MH_BU_F_H) {
		if (in->entry && in->entry->state == CN_BCE_VALID)
			reject(d, MH_BA_REG_TYPE_CHANGE, true, "home registration for a correspondent binding");
		else
			reject(d, MH_BA_HOME_REG_NOT_SUPPORTED, true, "home registration: not a home agent");
		return;
	}
	if (!rr_options_ok(in)) {
		discard(d, DROP_RR_AUTH, "no Nonce Indices or Binding Authorization Data option last");
		return;
	}
	st = nonce_status(in, kg, deletion);
	if (st != MH_BA_ACCEPTED) {
		reject(d, st, true, "nonce index no longer recognised");
		return;
	}
	if (!authenticator_ok(in, kg, deletion, d)) {
		discard(d, DROP_RR_AUTH, "authenticator does not verify");
		return;
	}
	d->ba_auth = true;
	if (in->entry && !mh_seq_is_newer(bu->seq, in->entry->seq)) {
		d->ba_seq = in->entry->seq; /* §9.5.1: "the last accepted sequence number" */
		reject(d, MH_BA_SEQ_OUT_OF_WINDOW, true, "sequence number not newer");
		return;
	}
	d->send_ba = ack; /* §9.5.4: accepted, "SHOULD NOT be sent" unless A */
	d->status = MH_BA_ACCEPTED;
	if (deletion || memcmp(&d->coa, &in->hoa, sizeof(d->coa)) == 0) {
		d->action = CN_DELETE;
		d->reason = "binding deleted";
		return;
	}
	d->action = CN_CACHE;
	d->lifetime = cn_lifetime_grant(bu->lifetime);
	d->reason = "binding cached";
}
