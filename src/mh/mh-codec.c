/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Mobility Header codec; the contract is in mh-codec.h. */
#include <errno.h>
#include <string.h>

#include "core/buf.h"
#include "mh/mh-codec.h"

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

/* §6.1.2-6.1.9: fixed part of each message, i.e. where its options start. */
static const uint8_t mh_fixed_len[_MH_TYPE_MAX] = {
	[MH_TYPE_BRR] = 8,  [MH_TYPE_HOTI] = 16, [MH_TYPE_COTI] = 16, [MH_TYPE_HOT] = 24,
	[MH_TYPE_COT] = 24, [MH_TYPE_BU] = 12,   [MH_TYPE_BA] = 12,   [MH_TYPE_BE] = 24,
};

/*
 * The fixed part of BU and BA is 12 bytes, but a valid BU/BA is at least 16
 * (Header Len >= 1): §6.1.7/§6.1.8 give the minimum Header Len, and Linux
 * enforces it in net/ipv6/mip6.c. Options start at 12 either way.
 */
size_t mh_type_min_len(uint8_t type)
{
	if (type >= _MH_TYPE_MAX)
		return 0;
	if (type == MH_TYPE_BU || type == MH_TYPE_BA)
		return 16;
	return mh_fixed_len[type];
}

/* Alignment xn+y of the known options (§6.2.4-6.2.7, RFC 3963 §4.3). */
struct opt_align {
	uint8_t x, y;
};
static const struct opt_align opt_align[_MH_OPT_MAX] = {
	[MH_OPT_PAD1] = { 1, 0 },    [MH_OPT_PADN] = { 1, 0 },    [MH_OPT_BRA] = { 2, 0 },
	[MH_OPT_ALT_COA] = { 8, 6 }, [MH_OPT_NONCE_IDX] = { 2, 0 }, [MH_OPT_AUTH] = { 8, 2 },
	[MH_OPT_MNP] = { 8, 4 },
};

static const uint8_t opt_len[_MH_OPT_MAX] = {
	[MH_OPT_BRA] = MH_OPT_BRA_LEN,       [MH_OPT_ALT_COA] = MH_OPT_ALT_COA_LEN,
	[MH_OPT_NONCE_IDX] = MH_OPT_NONCE_IDX_LEN, [MH_OPT_AUTH] = MH_OPT_AUTH_LEN,
	[MH_OPT_MNP] = MH_OPT_MNP_LEN,
};

static int fail(struct mh_parse_error *e, enum mh_err kind, size_t pointer, int r)
{
	if (e) {
		e->kind = kind;
		e->pointer = (uint16_t)pointer;
	}
	return r;
}

/* The option area is r[opt_start..]; offsets reported are from the MH start. */
static int parse_options(struct buf_reader *r, size_t opt_start, struct mh_opts *o,
			 struct mh_parse_error *e)
{
	unsigned n = 0;
	bool after_auth = false;

	while (buf_left(r) > 0) {
		size_t at = opt_start + r->off; /* offset of this option in the MH */
		struct buf_reader v;
		uint8_t type, len;

		if (++n > MH_OPTS_MAX)
			return fail(e, MH_ERR_OPTIONS, at, -EBADMSG);
		(void)buf_get_u8(r, &type); /* buf_left() > 0 */
		if (type == MH_OPT_PAD1)
			continue;
		if (buf_get_u8(r, &len) < 0)
			return fail(e, MH_ERR_OPTIONS, at, -EBADMSG);
		if (buf_get_sub(r, len, &v) < 0) /* declared length > bytes left */
			return fail(e, MH_ERR_OPTIONS, at + 1, -EBADMSG);
		if (type == MH_OPT_PADN)
			continue; /* §6.2.3: content ignored */
		/* §6.2.7: BAD is the last option; only padding may follow. */
		if (after_auth)
			return fail(e, MH_ERR_OPTIONS, at, -EBADMSG);
		if (type >= _MH_OPT_MAX) {
			o->n_unknown++; /* §6.2.1: skip silently */
			continue;
		}
		if (len != opt_len[type])
			return fail(e, MH_ERR_OPTIONS, at + 1, -EBADMSG);
		if (type != MH_OPT_MNP && (o->present & MH_OPT_BIT(type)))
			return fail(e, MH_ERR_OPTIONS, at, -EBADMSG); /* duplicate singleton */
		if (at % opt_align[type].x != opt_align[type].y)
			o->n_misaligned++;
		o->present |= MH_OPT_BIT(type);

		/* Lengths were checked above, so the reads below cannot fail. */
		switch (type) {
		case MH_OPT_BRA:
			(void)buf_get_u16(&v, &o->refresh);
			break;
		case MH_OPT_ALT_COA:
			(void)buf_get_bytes(&v, &o->alt_coa, sizeof(o->alt_coa));
			break;
		case MH_OPT_NONCE_IDX:
			(void)buf_get_u16(&v, &o->home_nonce_index);
			(void)buf_get_u16(&v, &o->careof_nonce_index);
			break;
		case MH_OPT_AUTH:
			(void)buf_get_bytes(&v, o->auth, sizeof(o->auth));
			o->auth_offset = (uint16_t)(at + 2);
			after_auth = true;
			break;
		case MH_OPT_MNP: {
			struct mh_mnp *p;
			uint8_t plen;

			if (o->n_mnp >= MH_MNP_MAX)
				return fail(e, MH_ERR_OPTIONS, at, -EBADMSG);
			p = &o->mnp[o->n_mnp];
			(void)buf_skip(&v, 1); /* Reserved */
			(void)buf_get_u8(&v, &plen);
			if (plen > 128)
				return fail(e, MH_ERR_OPTIONS, at + 3, -EBADMSG);
			p->prefix_len = plen;
			(void)buf_get_bytes(&v, &p->prefix, sizeof(p->prefix));
			o->n_mnp++;
			break;
		}
		default:
			break;
		}
	}
	return 0;
}

int mh_parse(const uint8_t *data, size_t len, const struct in6_addr *src,
	     const struct in6_addr *dst, struct mh_msg *ret, struct mh_parse_error *ret_error)
{
	struct buf_reader r, opts;
	struct mh_msg m = {};
	uint8_t proto, hdrlen, type;
	size_t mlen, fixed;
	int k;

	if (ret_error) {
		ret_error->kind = MH_ERR_NONE;
		ret_error->pointer = 0;
	}
	if (!data || !ret)
		return -EINVAL;
	if (len < 8)
		return fail(ret_error, MH_ERR_TRUNCATED, len, -EBADMSG);

	/* RFC 6275 §9.2, in its order: checksum, type, payload proto, header len. */
	if (src && dst && mh_checksum(src, dst, data, len) != 0)
		return fail(ret_error, MH_ERR_CHECKSUM, MH_CHECKSUM_OFFSET, -EBADMSG);

	proto = data[0];
	hdrlen = data[1];
	type = data[2];
	if (type >= _MH_TYPE_MAX)
		return fail(ret_error, MH_ERR_UNKNOWN_TYPE, 2, -EPROTONOSUPPORT);
	if (proto != MH_PAYLOAD_PROTO_NONE)
		return fail(ret_error, MH_ERR_PAYLOAD_PROTO, 0, -EBADMSG);
	mlen = ((size_t)hdrlen + 1) * 8;
	if (mlen < mh_type_min_len(type))
		return fail(ret_error, MH_ERR_HDRLEN_SHORT, 1, -EBADMSG);
	if (mlen > len)
		return fail(ret_error, MH_ERR_TRUNCATED, len, -EBADMSG);
	if (mlen < len)
		return fail(ret_error, MH_ERR_TRAILING, mlen, -EBADMSG);

	/* From here on mlen == len >= the type minimum: the fixed reads fit. */
	buf_reader_init(&r, data, len);
	(void)buf_skip(&r, MH_HDR_LEN);
	m.type = (enum mh_type)type;
	switch (m.type) {
	case MH_TYPE_BRR:
		(void)buf_skip(&r, 2);
		break;
	case MH_TYPE_HOTI:
	case MH_TYPE_COTI:
		(void)buf_skip(&r, 2);
		(void)buf_get_bytes(&r, m.hoti.cookie, sizeof(m.hoti.cookie));
		break;
	case MH_TYPE_HOT:
	case MH_TYPE_COT:
		(void)buf_get_u16(&r, &m.hot.nonce_index);
		(void)buf_get_bytes(&r, m.hot.cookie, sizeof(m.hot.cookie));
		(void)buf_get_bytes(&r, m.hot.keygen_token, sizeof(m.hot.keygen_token));
		break;
	case MH_TYPE_BU:
		(void)buf_get_u16(&r, &m.bu.seq);
		(void)buf_get_u16(&r, &m.bu.flags);
		m.bu.flags &= MH_BU_F_ALL; /* reserved bits: ignored (§6.1.7) */
		(void)buf_get_u16(&r, &m.bu.lifetime);
		break;
	case MH_TYPE_BA:
		(void)buf_get_u8(&r, &m.ba.status);
		(void)buf_get_u8(&r, &m.ba.flags);
		m.ba.flags &= MH_BA_F_ALL;
		(void)buf_get_u16(&r, &m.ba.seq);
		(void)buf_get_u16(&r, &m.ba.lifetime);
		break;
	case MH_TYPE_BE:
		(void)buf_get_u8(&r, &m.be.status);
		(void)buf_skip(&r, 1);
		(void)buf_get_bytes(&r, &m.be.hoa, sizeof(m.be.hoa));
		break;
	default:
		return fail(ret_error, MH_ERR_UNKNOWN_TYPE, 2, -EPROTONOSUPPORT);
	}

	fixed = r.off;
	if (fixed != mh_fixed_len[type] || buf_get_sub(&r, buf_left(&r), &opts) < 0)
		return -EINVAL; /* cannot happen: table and switch disagree */
	k = parse_options(&opts, fixed, &m.opts, ret_error);
	if (k < 0)
		return k;

	*ret = m;
	return 0;
}

/* Pad the writer so that the next byte lands at offset x*n + y. */
static void put_align(struct buf_writer *w, unsigned x, unsigned y)
{
	size_t pad = (y + x - w->len % x) % x;

	if (pad == 1) {
		(void)buf_put_u8(w, MH_OPT_PAD1);
	} else if (pad >= 2) {
		(void)buf_put_u8(w, MH_OPT_PADN);
		(void)buf_put_u8(w, (uint8_t)(pad - 2));
		(void)buf_put_zero(w, pad - 2);
	}
}

static void put_opt_hdr(struct buf_writer *w, uint8_t type)
{
	put_align(w, opt_align[type].x, opt_align[type].y);
	(void)buf_put_u8(w, type);
	(void)buf_put_u8(w, opt_len[type]);
}

int mh_build(const struct mh_msg *m, uint8_t *buf, size_t cap, size_t *ret_len)
{
	const struct mh_opts *o;
	struct buf_writer w;
	long n;

	if (!m || !buf || !ret_len)
		return -EINVAL;
	if (m->type < 0 || m->type >= _MH_TYPE_MAX)
		return -EINVAL;
	o = &m->opts;
	if (o->n_mnp > MH_MNP_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < o->n_mnp; i++)
		if (o->mnp[i].prefix_len > 128)
			return -EINVAL;
	if (m->type == MH_TYPE_BU && (m->bu.flags & ~MH_BU_F_ALL))
		return -EINVAL;
	if (m->type == MH_TYPE_BA && (m->ba.flags & ~MH_BA_F_ALL))
		return -EINVAL;

	buf_writer_init(&w, buf, cap);
	(void)buf_put_u8(&w, MH_PAYLOAD_PROTO_NONE);
	(void)buf_put_u8(&w, 0); /* Header Len, patched below */
	(void)buf_put_u8(&w, (uint8_t)m->type);
	(void)buf_put_u8(&w, 0);  /* Reserved */
	(void)buf_put_u16(&w, 0); /* Checksum */

	switch (m->type) {
	case MH_TYPE_BRR:
		(void)buf_put_zero(&w, 2);
		break;
	case MH_TYPE_HOTI:
	case MH_TYPE_COTI:
		(void)buf_put_zero(&w, 2);
		(void)buf_put_bytes(&w, m->hoti.cookie, sizeof(m->hoti.cookie));
		break;
	case MH_TYPE_HOT:
	case MH_TYPE_COT:
		(void)buf_put_u16(&w, m->hot.nonce_index);
		(void)buf_put_bytes(&w, m->hot.cookie, sizeof(m->hot.cookie));
		(void)buf_put_bytes(&w, m->hot.keygen_token, sizeof(m->hot.keygen_token));
		break;
	case MH_TYPE_BU:
		(void)buf_put_u16(&w, m->bu.seq);
		(void)buf_put_u16(&w, m->bu.flags);
		(void)buf_put_u16(&w, m->bu.lifetime);
		break;
	case MH_TYPE_BA:
		(void)buf_put_u8(&w, m->ba.status);
		(void)buf_put_u8(&w, m->ba.flags);
		(void)buf_put_u16(&w, m->ba.seq);
		(void)buf_put_u16(&w, m->ba.lifetime);
		break;
	case MH_TYPE_BE:
		(void)buf_put_u8(&w, m->be.status);
		(void)buf_put_u8(&w, 0);
		(void)buf_put_bytes(&w, &m->be.hoa, sizeof(m->be.hoa));
		break;
	default:
		return -EINVAL;
	}

	if (o->present & MH_OPT_BIT(MH_OPT_BRA)) {
		put_opt_hdr(&w, MH_OPT_BRA);
		(void)buf_put_u16(&w, o->refresh);
	}
	if (o->present & MH_OPT_BIT(MH_OPT_ALT_COA)) {
		put_opt_hdr(&w, MH_OPT_ALT_COA);
		(void)buf_put_bytes(&w, &o->alt_coa, sizeof(o->alt_coa));
	}
	if (o->present & MH_OPT_BIT(MH_OPT_NONCE_IDX)) {
		put_opt_hdr(&w, MH_OPT_NONCE_IDX);
		(void)buf_put_u16(&w, o->home_nonce_index);
		(void)buf_put_u16(&w, o->careof_nonce_index);
	}
	for (unsigned i = 0; i < o->n_mnp; i++) {
		put_opt_hdr(&w, MH_OPT_MNP);
		(void)buf_put_u8(&w, 0); /* Reserved */
		(void)buf_put_u8(&w, o->mnp[i].prefix_len);
		(void)buf_put_bytes(&w, &o->mnp[i].prefix, sizeof(o->mnp[i].prefix));
	}
	if (o->present & MH_OPT_BIT(MH_OPT_AUTH)) {
		put_opt_hdr(&w, MH_OPT_AUTH);
		(void)buf_put_bytes(&w, o->auth, sizeof(o->auth));
	}
	/*
	 * §6.1.1: a multiple of 8 octets. This also lifts a bare BU/BA (fixed
	 * part 12) to its 16-byte minimum.
	 */
	put_align(&w, 8, 0);

	n = buf_writer_result(&w);
	if (n < 0)
		return (int)n;
	if ((size_t)n > MH_LEN_MAX)
		return -EMSGSIZE;
	(void)buf_set_u8(&w, 1, (uint8_t)(n / 8 - 1));
	*ret_len = (size_t)n;
	return 0;
}

/* One's complement sum of 16-bit words; `sum` is folded (< 0x10000) in and out. */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	for (; len >= 2; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t mh_checksum(const struct in6_addr *src, const struct in6_addr *dst, const uint8_t *mh,
		     size_t len)
{
	uint8_t ph[8];
	uint32_t sum = 0;

	if (!src || !dst || (!mh && len))
		return 0xffff; /* never 0: a caller that checks for 0 does not accept */

	/* RFC 8200 §8.1 pseudo-header: src, dst, 32-bit length, 3 zero, next header. */
	ph[0] = (uint8_t)(len >> 24);
	ph[1] = (uint8_t)(len >> 16);
	ph[2] = (uint8_t)(len >> 8);
	ph[3] = (uint8_t)len;
	ph[4] = ph[5] = ph[6] = 0;
	ph[7] = MH_IPPROTO;
	sum = sum16(sum, src->s6_addr, 16);
	sum = sum16(sum, dst->s6_addr, 16);
	sum = sum16(sum, ph, sizeof(ph));
	/*
	 * Even-sized chunks of 4096 bytes (2048 words < 2^16 each) keep the
	 * 32-bit accumulator from overflowing, whatever len is.
	 */
	for (size_t off = 0; off < len;) {
		size_t n = len - off < 4096 ? len - off : 4096;

		sum = sum16(sum, mh + off, n);
		off += n;
	}
	return (uint16_t)~sum;
}

int mh_checksum_fill(uint8_t *mh, size_t len, const struct in6_addr *src,
		     const struct in6_addr *dst)
{
	uint16_t c;

	if (!mh || !src || !dst || len < MH_HDR_LEN)
		return -EINVAL;
	mh[MH_CHECKSUM_OFFSET] = 0;
	mh[MH_CHECKSUM_OFFSET + 1] = 0;
	c = mh_checksum(src, dst, mh, len);
	if (c == 0)
		c = 0xffff; /* as Linux does for raw IPV6_CHECKSUM sockets */
	mh[MH_CHECKSUM_OFFSET] = (uint8_t)(c >> 8);
	mh[MH_CHECKSUM_OFFSET + 1] = (uint8_t)c;
	return 0;
}

enum mh_reaction mh_err_reaction(enum mh_err e)
{
	switch (e) {
	case MH_ERR_NONE:
		return MH_REACT_ACCEPT;
	case MH_ERR_TRUNCATED:
	case MH_ERR_CHECKSUM:
	case MH_ERR_TRAILING:
	case MH_ERR_OPTIONS:
		return MH_REACT_DROP;
	case MH_ERR_UNKNOWN_TYPE:
		return MH_REACT_BE_STATUS_2;
	case MH_ERR_PAYLOAD_PROTO:
	case MH_ERR_HDRLEN_SHORT:
		return MH_REACT_PARAM_PROBLEM;
	default:
		return _MH_REACT_INVALID;
	}
}

static const char *const mh_type_names[_MH_TYPE_MAX] = {
	[MH_TYPE_BRR] = "BRR", [MH_TYPE_HOTI] = "HoTI", [MH_TYPE_COTI] = "CoTI",
	[MH_TYPE_HOT] = "HoT", [MH_TYPE_COT] = "CoT",   [MH_TYPE_BU] = "BU",
	[MH_TYPE_BA] = "BA",   [MH_TYPE_BE] = "BE",
};

const char *mh_type_to_string(int type)
{
	return type >= 0 && type < _MH_TYPE_MAX ? mh_type_names[type] : NULL;
}

static const char *const mh_opt_names[_MH_OPT_MAX] = {
	[MH_OPT_PAD1] = "Pad1",
	[MH_OPT_PADN] = "PadN",
	[MH_OPT_BRA] = "Binding Refresh Advice",
	[MH_OPT_ALT_COA] = "Alternate Care-of Address",
	[MH_OPT_NONCE_IDX] = "Nonce Indices",
	[MH_OPT_AUTH] = "Binding Authorization Data",
	[MH_OPT_MNP] = "Mobile Network Prefix",
};

const char *mh_opt_type_to_string(int type)
{
	return type >= 0 && type < _MH_OPT_MAX ? mh_opt_names[type] : NULL;
}

static const struct {
	uint8_t status;
	const char *name;
} ba_status_names[] = {
	{ MH_BA_ACCEPTED, "accepted" },
	{ MH_BA_ACCEPTED_PREFIX_DISC, "accepted, prefix discovery necessary" },
	{ MH_BA_UNSPECIFIED, "reason unspecified" },
	{ MH_BA_PROHIBITED, "administratively prohibited" },
	{ MH_BA_INSUFFICIENT_RESOURCES, "insufficient resources" },
	{ MH_BA_HOME_REG_NOT_SUPPORTED, "home registration not supported" },
	{ MH_BA_NOT_HOME_SUBNET, "not home subnet" },
	{ MH_BA_NOT_HOME_AGENT, "not home agent for this mobile node" },
	{ MH_BA_DAD_FAILED, "duplicate address detection failed" },
	{ MH_BA_SEQ_OUT_OF_WINDOW, "sequence number out of window" },
	{ MH_BA_EXPIRED_HOME_NONCE, "expired home nonce index" },
	{ MH_BA_EXPIRED_CAREOF_NONCE, "expired care-of nonce index" },
	{ MH_BA_EXPIRED_NONCES, "expired nonces" },
	{ MH_BA_REG_TYPE_CHANGE, "registration type change disallowed" },
	{ MH_BA_MR_OP_NOT_PERMITTED, "mobile router operation not permitted" },
	{ MH_BA_INVALID_PREFIX, "invalid prefix" },
	{ MH_BA_NOT_AUTHORIZED_PREFIX, "not authorized for prefix" },
	{ MH_BA_FWD_SETUP_FAILED, "forwarding setup failed" },
	{ MH_BA_INVALID_COA, "invalid care-of address" },
};

const char *mh_ba_status_to_string(int status)
{
	for (size_t i = 0; i < ELEMENTSOF(ba_status_names); i++)
		if (ba_status_names[i].status == status)
			return ba_status_names[i].name;
	return NULL;
}

const char *mh_be_status_to_string(int status)
{
	switch (status) {
	case MH_BE_UNKNOWN_HAO:
		return "unknown binding for home address destination option";
	case MH_BE_UNKNOWN_MH_TYPE:
		return "unrecognized MH type value";
	default:
		return NULL;
	}
}

static const char *const mh_err_names[_MH_ERR_MAX] = {
	[MH_ERR_NONE] = "none",
	[MH_ERR_TRUNCATED] = "truncated",
	[MH_ERR_CHECKSUM] = "bad checksum",
	[MH_ERR_UNKNOWN_TYPE] = "unknown MH type",
	[MH_ERR_PAYLOAD_PROTO] = "payload proto not 59",
	[MH_ERR_HDRLEN_SHORT] = "header length below type minimum",
	[MH_ERR_TRAILING] = "bytes after the mobility header",
	[MH_ERR_OPTIONS] = "malformed mobility options",
};

const char *mh_err_to_string(enum mh_err e)
{
	return (int)e >= 0 && e < _MH_ERR_MAX ? mh_err_names[e] : NULL;
}
