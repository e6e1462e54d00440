/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ND / DHAAD / MPD codec. See ndisc.h for the contract. Every read goes
 * through the bounded cursor of core/buf.h; every option is checked for
 * Length ≥ 1 and Length·8 ≤ what is left before its body is looked at
 * (RFC 4861 §4.6, §6.1.2, §7.1).
 */
#include <errno.h>
#include <string.h>

#include "core/buf.h"
#include "icmp6/ndisc.h"

/* ---- option walking ----------------------------------------------------- */

struct ndisc_opt {
	uint8_t type;
	uint8_t units;           /* Length field, in 8-octet units, ≥ 1 */
	struct buf_reader body;  /* the option after Type and Length */
};

/*
 * Next option of r into *ret. Returns 1 with an option, 0 at the end of the
 * message, -EBADMSG for a truncated option header, Length 0, an option
 * running past the end, or more than NDISC_MAX_OPTIONS options.
 */
static int opt_next(struct buf_reader *r, unsigned *count, struct ndisc_opt *ret)
{
	if (buf_left(r) == 0)
		return 0;
	if (*count >= NDISC_MAX_OPTIONS)
		return -EBADMSG;
	(*count)++;
	if (buf_get_u8(r, &ret->type) < 0 || buf_get_u8(r, &ret->units) < 0)
		return -EBADMSG;
	if (ret->units == 0)
		return -EBADMSG;
	if (buf_get_sub(r, (size_t)ret->units * 8 - 2, &ret->body) < 0)
		return -EBADMSG;
	return 1;
}

/* Source/Target LLA: first one counts; oversize bodies are skipped. */
static void opt_lla(const struct ndisc_opt *o, struct ndisc_lla *lla)
{
	size_t n = buf_left(&o->body);

	if (lla->len != 0 || n > NDISC_LLA_MAX)
		return;
	memcpy(lla->addr, buf_cur(&o->body), n);
	lla->len = (uint8_t)n;
}

/* Prefix Information (RFC 4861 §4.6.2, RFC 6275 §7.2): Length must be 4. */
static int opt_prefix(struct ndisc_opt *o, struct ndisc_prefix *prefixes, size_t *n)
{
	struct ndisc_prefix *p;

	if (o->units != 4)
		return -EBADMSG;
	if (*n >= NDISC_MAX_PREFIXES)
		return -EBADMSG;
	p = &prefixes[*n];
	if (buf_get_u8(&o->body, &p->prefixlen) < 0 || buf_get_u8(&o->body, &p->flags) < 0 ||
	    buf_get_u32(&o->body, &p->valid_lifetime) < 0 ||
	    buf_get_u32(&o->body, &p->preferred_lifetime) < 0 || buf_skip(&o->body, 4) < 0 ||
	    buf_get_bytes(&o->body, &p->prefix, sizeof(p->prefix)) < 0)
		return -EBADMSG;
	if (p->prefixlen > 128) {
		memset(p, 0, sizeof(*p));
		return -EBADMSG;
	}
	(*n)++;
	return 0;
}

/* Reserved(16) then a 32-bit value: MTU (RFC 4861 §4.6.4), Adv. Interval (RFC 6275 §7.3). */
static int opt_u32(struct ndisc_opt *o, uint32_t *ret)
{
	if (o->units != 1)
		return -EBADMSG;
	if (buf_skip(&o->body, 2) < 0 || buf_get_u32(&o->body, ret) < 0)
		return -EBADMSG;
	return 0;
}

/* ---- parsers ------------------------------------------------------------ */

/* Type, Code 0, Checksum (not checked: the kernel verified it). */
static int hdr_parse(struct buf_reader *r, const uint8_t *data, size_t len, uint8_t type,
		     size_t min_len)
{
	uint8_t t, code;

	if (!data)
		return -EINVAL;
	if (len < min_len)
		return -EBADMSG;
	buf_reader_init(r, data, len);
	if (buf_get_u8(r, &t) < 0 || buf_get_u8(r, &code) < 0 || buf_skip(r, 2) < 0)
		return -EBADMSG;
	if (t != type || code != 0)
		return -EBADMSG;
	return 0;
}

int ndisc_rs_parse(const uint8_t *data, size_t len, struct ndisc_rs *ret)
{
	struct buf_reader r;
	struct ndisc_opt o;
	unsigned count = 0;
	int k;

	if (!ret)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	k = hdr_parse(&r, data, len, NDISC_TYPE_RS, NDISC_RS_HDR_LEN);
	if (k < 0)
		return k;
	if (buf_skip(&r, 4) < 0)
		return -EBADMSG;
	while ((k = opt_next(&r, &count, &o)) > 0)
		if (o.type == NDISC_OPT_SOURCE_LLA)
			opt_lla(&o, &ret->source_lla);
	if (k < 0)
		memset(ret, 0, sizeof(*ret));
	return k;
}

int ndisc_ra_parse(const uint8_t *data, size_t len, struct ndisc_ra *ret)
{
	struct buf_reader r;
	struct ndisc_opt o;
	unsigned count = 0;
	int k;

	if (!ret)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	/* RFC 4861 §6.1.2: ICMP length (derived from the IP length) is 16 or more. */
	k = hdr_parse(&r, data, len, NDISC_TYPE_RA, NDISC_RA_HDR_LEN);
	if (k < 0)
		return k;
	if (buf_get_u8(&r, &ret->cur_hop_limit) < 0 || buf_get_u8(&r, &ret->flags) < 0 ||
	    buf_get_u16(&r, &ret->router_lifetime) < 0 ||
	    buf_get_u32(&r, &ret->reachable_time) < 0 || buf_get_u32(&r, &ret->retrans_timer) < 0)
		return -EBADMSG;

	while ((k = opt_next(&r, &count, &o)) > 0) {
		uint32_t v;

		switch (o.type) {
		case NDISC_OPT_SOURCE_LLA:
			opt_lla(&o, &ret->source_lla);
			break;
		case NDISC_OPT_PREFIX_INFO:
			k = opt_prefix(&o, ret->prefixes, &ret->n_prefixes);
			break;
		case NDISC_OPT_MTU:
			k = opt_u32(&o, &v);
			if (k == 0 && !ret->has_mtu) {
				ret->has_mtu = true;
				ret->mtu = v;
			}
			break;
		case NDISC_OPT_ADV_INTERVAL:
			k = opt_u32(&o, &v);
			if (k == 0 && !ret->has_adv_interval) {
				ret->has_adv_interval = true;
				ret->adv_interval_ms = v;
			}
			break;
		case NDISC_OPT_HA_INFO: {
			struct ndisc_ha_info hi;

			/* RFC 6275 §7.4: Length MUST be 1. */
			if (o.units != 1 || buf_get_u8(&o.body, &hi.flags) < 0 ||
			    buf_skip(&o.body, 1) < 0 || buf_get_u16(&o.body, &hi.preference) < 0 ||
			    buf_get_u16(&o.body, &hi.lifetime) < 0) {
				k = -EBADMSG;
				break;
			}
			if (!ret->has_ha_info) {
				/* Field by field: a struct copy may carry padding bytes. */
				ret->has_ha_info = true;
				ret->ha_info.flags = hi.flags;
				ret->ha_info.preference = hi.preference;
				ret->ha_info.lifetime = hi.lifetime;
			}
			break;
		}
		default:
			break; /* RFC 4861 §4.6: unknown options are skipped. */
		}
		if (k < 0)
			break;
	}
	if (k < 0) {
		memset(ret, 0, sizeof(*ret));
		return k;
	}
	if (ret->has_ha_info) {
		if (ret->ha_info.lifetime == 0)
			ret->warnings |= NDISC_RA_WARN_HA_LIFETIME_ZERO;
		if (!(ret->flags & NDISC_RA_F_HOME_AGENT))
			ret->warnings |= NDISC_RA_WARN_HA_INFO_WITHOUT_H;
	}
	return 0;
}

static int ns_na_parse(const uint8_t *data, size_t len, uint8_t type, uint8_t *ret_flags,
		       struct in6_addr *ret_target, uint8_t lla_type, struct ndisc_lla *ret_lla)
{
	struct buf_reader r;
	struct ndisc_opt o;
	unsigned count = 0;
	int k;

	/* RFC 4861 §7.1.1, §7.1.2: length ≥ 24, Code 0, Target not multicast. */
	k = hdr_parse(&r, data, len, type, NDISC_NS_HDR_LEN);
	if (k < 0)
		return k;
	if (buf_get_u8(&r, ret_flags) < 0 || buf_skip(&r, 3) < 0 ||
	    buf_get_bytes(&r, ret_target, sizeof(*ret_target)) < 0)
		return -EBADMSG;
	if (IN6_IS_ADDR_MULTICAST(ret_target))
		return -EBADMSG;
	while ((k = opt_next(&r, &count, &o)) > 0)
		if (o.type == lla_type)
			opt_lla(&o, ret_lla);
	return k;
}

int ndisc_ns_parse(const uint8_t *data, size_t len, struct ndisc_ns *ret)
{
	uint8_t reserved;
	int k;

	if (!ret)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	k = ns_na_parse(data, len, NDISC_TYPE_NS, &reserved, &ret->target, NDISC_OPT_SOURCE_LLA,
			&ret->source_lla);
	if (k < 0)
		memset(ret, 0, sizeof(*ret));
	return k;
}

int ndisc_na_parse(const uint8_t *data, size_t len, struct ndisc_na *ret)
{
	int k;

	if (!ret)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	k = ns_na_parse(data, len, NDISC_TYPE_NA, &ret->flags, &ret->target, NDISC_OPT_TARGET_LLA,
			&ret->target_lla);
	if (k < 0)
		memset(ret, 0, sizeof(*ret));
	return k;
}

/* The common 8-octet header of types 144..147: Identifier, then a 16-bit word. */
static int mip6_hdr_parse(struct buf_reader *r, const uint8_t *data, size_t len, uint8_t type,
			  uint16_t *ret_id, uint16_t *ret_word)
{
	int k = hdr_parse(r, data, len, type, NDISC_DHAAD_HDR_LEN);

	if (k < 0)
		return k;
	if (buf_get_u16(r, ret_id) < 0 || buf_get_u16(r, ret_word) < 0)
		return -EBADMSG;
	return 0;
}

int ndisc_dhaad_request_parse(const uint8_t *data, size_t len, struct ndisc_dhaad_request *ret)
{
	struct buf_reader r;
	int k;

	if (!ret)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	/* RFC 6275 §6.5: no options are defined; trailing octets are ignored. */
	k = mip6_hdr_parse(&r, data, len, NDISC_TYPE_DHAAD_REQUEST, &ret->id, &ret->flags);
	if (k < 0)
		memset(ret, 0, sizeof(*ret));
	return k;
}

int ndisc_dhaad_reply_parse(const uint8_t *data, size_t len, struct ndisc_dhaad_reply *ret)
{
	struct buf_reader r;
	size_t n;
	int k;

	if (!ret)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	k = mip6_hdr_parse(&r, data, len, NDISC_TYPE_DHAAD_REPLY, &ret->id, &ret->flags);
	if (k < 0)
		goto fail;
	/* RFC 6275 §6.6: the address count is given by the remaining length. */
	k = -EBADMSG;
	if (buf_left(&r) % sizeof(struct in6_addr) != 0)
		goto fail;
	n = buf_left(&r) / sizeof(struct in6_addr);
	if (n > NDISC_DHAAD_MAX_ADDRS)
		goto fail;
	if (buf_get_bytes(&r, ret->addrs, n * sizeof(struct in6_addr)) < 0)
		goto fail;
	ret->n_addrs = n;
	return 0;
fail:
	memset(ret, 0, sizeof(*ret));
	return k;
}

int ndisc_mps_parse(const uint8_t *data, size_t len, struct ndisc_mps *ret)
{
	struct buf_reader r;
	struct ndisc_opt o;
	unsigned count = 0;
	int k;

	if (!ret)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	k = mip6_hdr_parse(&r, data, len, NDISC_TYPE_MPS, &ret->id, &ret->reserved);
	if (k < 0)
		goto fail;
	/* §6.7: options use the ND format; none is defined, all are skipped. */
	while ((k = opt_next(&r, &count, &o)) > 0)
		;
	if (k < 0)
		goto fail;
	return 0;
fail:
	memset(ret, 0, sizeof(*ret));
	return k;
}

int ndisc_mpa_parse(const uint8_t *data, size_t len, struct ndisc_mpa *ret)
{
	struct buf_reader r;
	struct ndisc_opt o;
	unsigned count = 0;
	int k;

	if (!ret)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	k = mip6_hdr_parse(&r, data, len, NDISC_TYPE_MPA, &ret->id, &ret->flags);
	if (k < 0)
		goto fail;
	/* §6.8: Prefix Information options; unknown options silently ignored. */
	while ((k = opt_next(&r, &count, &o)) > 0) {
		if (o.type != NDISC_OPT_PREFIX_INFO)
			continue;
		k = opt_prefix(&o, ret->prefixes, &ret->n_prefixes);
		if (k < 0)
			goto fail;
	}
	if (k < 0)
		goto fail;
	return 0;
fail:
	memset(ret, 0, sizeof(*ret));
	return k;
}

/* ---- builders ----------------------------------------------------------- */

static void hdr_put(struct buf_writer *w, uint8_t type)
{
	buf_put_u8(w, type);
	buf_put_u8(w, 0);  /* Code */
	buf_put_u16(w, 0); /* Checksum: filled by the kernel */
}

static int lla_put(struct buf_writer *w, uint8_t type, const struct ndisc_lla *lla)
{
	size_t units;

	if (lla->len == 0)
		return 0;
	if (lla->len > NDISC_LLA_MAX)
		return -EINVAL;
	units = ((size_t)lla->len + 2 + 7) / 8;
	buf_put_u8(w, type);
	buf_put_u8(w, (uint8_t)units);
	buf_put_bytes(w, lla->addr, lla->len);
	buf_put_zero(w, units * 8 - 2 - lla->len);
	return 0;
}

static int prefixes_put(struct buf_writer *w, const struct ndisc_prefix *p, size_t n)
{
	if (n > NDISC_MAX_PREFIXES)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (p[i].prefixlen > 128)
			return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		buf_put_u8(w, NDISC_OPT_PREFIX_INFO);
		buf_put_u8(w, 4);
		buf_put_u8(w, p[i].prefixlen);
		buf_put_u8(w, p[i].flags);
		buf_put_u32(w, p[i].valid_lifetime);
		buf_put_u32(w, p[i].preferred_lifetime);
		buf_put_u32(w, 0); /* Reserved2 */
		buf_put_bytes(w, &p[i].prefix, sizeof(p[i].prefix));
	}
	return 0;
}

static int writer_done(const struct buf_writer *w, size_t *ret_len)
{
	long n = buf_writer_result(w);

	if (n < 0)
		return (int)n;
	if (ret_len)
		*ret_len = (size_t)n;
	return 0;
}

int ndisc_rs_build(const struct ndisc_rs *rs, uint8_t *buf, size_t cap, size_t *ret_len)
{
	struct buf_writer w;
	int k;

	if (!rs || !buf)
		return -EINVAL;
	buf_writer_init(&w, buf, cap);
	hdr_put(&w, NDISC_TYPE_RS);
	buf_put_u32(&w, 0);
	k = lla_put(&w, NDISC_OPT_SOURCE_LLA, &rs->source_lla);
	if (k < 0)
		return k;
	return writer_done(&w, ret_len);
}

int ndisc_ra_build(const struct ndisc_ra *ra, uint8_t *buf, size_t cap, size_t *ret_len)
{
	struct buf_writer w;
	int k;

	if (!ra || !buf)
		return -EINVAL;
	buf_writer_init(&w, buf, cap);
	hdr_put(&w, NDISC_TYPE_RA);
	buf_put_u8(&w, ra->cur_hop_limit);
	buf_put_u8(&w, ra->flags);
	buf_put_u16(&w, ra->router_lifetime);
	buf_put_u32(&w, ra->reachable_time);
	buf_put_u32(&w, ra->retrans_timer);
	k = lla_put(&w, NDISC_OPT_SOURCE_LLA, &ra->source_lla);
	if (k < 0)
		return k;
	if (ra->has_mtu) {
		buf_put_u8(&w, NDISC_OPT_MTU);
		buf_put_u8(&w, 1);
		buf_put_u16(&w, 0);
		buf_put_u32(&w, ra->mtu);
	}
	if (ra->has_adv_interval) {
		buf_put_u8(&w, NDISC_OPT_ADV_INTERVAL);
		buf_put_u8(&w, 1);
		buf_put_u16(&w, 0);
		buf_put_u32(&w, ra->adv_interval_ms);
	}
	if (ra->has_ha_info) {
		buf_put_u8(&w, NDISC_OPT_HA_INFO);
		buf_put_u8(&w, 1);
		buf_put_u8(&w, ra->ha_info.flags);
		buf_put_u8(&w, 0);
		buf_put_u16(&w, ra->ha_info.preference);
		buf_put_u16(&w, ra->ha_info.lifetime);
	}
	k = prefixes_put(&w, ra->prefixes, ra->n_prefixes);
	if (k < 0)
		return k;
	return writer_done(&w, ret_len);
}

static int ns_na_build(uint8_t type, uint8_t flags, const struct in6_addr *target,
		       uint8_t lla_type, const struct ndisc_lla *lla, uint8_t *buf, size_t cap,
		       size_t *ret_len)
{
	struct buf_writer w;
	int k;

	if (IN6_IS_ADDR_MULTICAST(target))
		return -EINVAL;
	buf_writer_init(&w, buf, cap);
	hdr_put(&w, type);
	buf_put_u8(&w, flags);
	buf_put_zero(&w, 3);
	buf_put_bytes(&w, target, sizeof(*target));
	k = lla_put(&w, lla_type, lla);
	if (k < 0)
		return k;
	return writer_done(&w, ret_len);
}

int ndisc_ns_build(const struct ndisc_ns *ns, uint8_t *buf, size_t cap, size_t *ret_len)
{
	if (!ns || !buf)
		return -EINVAL;
	return ns_na_build(NDISC_TYPE_NS, 0, &ns->target, NDISC_OPT_SOURCE_LLA, &ns->source_lla,
			   buf, cap, ret_len);
}

int ndisc_na_build(const struct ndisc_na *na, uint8_t *buf, size_t cap, size_t *ret_len)
{
	if (!na || !buf)
		return -EINVAL;
	return ns_na_build(NDISC_TYPE_NA, na->flags, &na->target, NDISC_OPT_TARGET_LLA,
			   &na->target_lla, buf, cap, ret_len);
}

static void mip6_hdr_put(struct buf_writer *w, uint8_t type, uint16_t id, uint16_t word)
{
	hdr_put(w, type);
	buf_put_u16(w, id);
	buf_put_u16(w, word);
}

int ndisc_dhaad_request_build(const struct ndisc_dhaad_request *m, uint8_t *buf, size_t cap,
			      size_t *ret_len)
{
	struct buf_writer w;

	if (!m || !buf)
		return -EINVAL;
	buf_writer_init(&w, buf, cap);
	mip6_hdr_put(&w, NDISC_TYPE_DHAAD_REQUEST, m->id, m->flags);
	return writer_done(&w, ret_len);
}

int ndisc_dhaad_reply_build(const struct ndisc_dhaad_reply *m, uint8_t *buf, size_t cap,
			    size_t *ret_len)
{
	struct buf_writer w;

	if (!m || !buf)
		return -EINVAL;
	if (m->n_addrs > NDISC_DHAAD_MAX_ADDRS)
		return -EINVAL;
	buf_writer_init(&w, buf, cap);
	mip6_hdr_put(&w, NDISC_TYPE_DHAAD_REPLY, m->id, m->flags);
	buf_put_bytes(&w, m->addrs, m->n_addrs * sizeof(struct in6_addr));
	return writer_done(&w, ret_len);
}

int ndisc_mps_build(const struct ndisc_mps *m, uint8_t *buf, size_t cap, size_t *ret_len)
{
	struct buf_writer w;

	if (!m || !buf)
		return -EINVAL;
	buf_writer_init(&w, buf, cap);
	mip6_hdr_put(&w, NDISC_TYPE_MPS, m->id, m->reserved);
	return writer_done(&w, ret_len);
}

int ndisc_mpa_build(const struct ndisc_mpa *m, uint8_t *buf, size_t cap, size_t *ret_len)
{
	struct buf_writer w;
	int k;

	if (!m || !buf)
		return -EINVAL;
	buf_writer_init(&w, buf, cap);
	mip6_hdr_put(&w, NDISC_TYPE_MPA, m->id, m->flags);
	k = prefixes_put(&w, m->prefixes, m->n_prefixes);
	if (k < 0)
		return k;
	return writer_done(&w, ret_len);
}

/* ---- helpers ------------------------------------------------------------ */

uint32_t ndisc_ra_ha_lifetime(const struct ndisc_ra *ra, uint16_t *ret_preference)
{
	uint16_t pref = 0;
	uint32_t lifetime = 0;

	if (ra && (ra->flags & NDISC_RA_F_HOME_AGENT)) {
		lifetime = ra->router_lifetime;
		/* §7.4: Lifetime 0 "MUST NOT be used": ignore the option. */
		if (ra->has_ha_info && ra->ha_info.lifetime != 0) {
			lifetime = ra->ha_info.lifetime;
			pref = ra->ha_info.preference;
		}
	}
	if (ret_preference)
		*ret_preference = pref;
	return lifetime;
}

void ndisc_solicited_node(const struct in6_addr *addr, struct in6_addr *ret)
{
	static const uint8_t pfx[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };
	struct in6_addr a;

	memcpy(a.s6_addr, pfx, sizeof(pfx));
	memcpy(a.s6_addr + 13, addr->s6_addr + 13, 3);
	*ret = a;
}

bool ndisc_is_solicited_node(const struct in6_addr *addr)
{
	static const uint8_t pfx[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };

	return memcmp(addr->s6_addr, pfx, sizeof(pfx)) == 0;
}

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	for (; len >= 2; p += 2, len -= 2) {
		sum += (uint32_t)(p[0] << 8 | p[1]);
		/* Fold as we go: no length can overflow the accumulator. */
		sum = (sum & 0xffff) + (sum >> 16);
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static uint32_t pseudo_sum(const struct in6_addr *src, const struct in6_addr *dst, size_t len)
{
	uint8_t ph[8] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			  (uint8_t)len, 0, 0, 0, IPPROTO_ICMPV6 };
	uint32_t sum = 0;

	sum = sum16(sum, src->s6_addr, 16);
	sum = sum16(sum, dst->s6_addr, 16);
	return sum16(sum, ph, sizeof(ph));
}

uint16_t ndisc_checksum(const struct in6_addr *src, const struct in6_addr *dst,
			const uint8_t *msg, size_t len)
{
	uint32_t sum = pseudo_sum(src, dst, len);

	/* msg[2..3] (the Checksum field) counts as zero. */
	sum = sum16(sum, msg, len < 2 ? len : 2);
	if (len > 4)
		sum = sum16(sum, msg + 4, len - 4);
	return (uint16_t)~sum;
}

void ndisc_checksum_set(const struct in6_addr *src, const struct in6_addr *dst, uint8_t *msg,
			size_t len)
{
	uint16_t c;

	if (len < 4)
		return;
	c = ndisc_checksum(src, dst, msg, len);
	msg[2] = (uint8_t)(c >> 8);
	msg[3] = (uint8_t)c;
}

bool ndisc_checksum_ok(const struct in6_addr *src, const struct in6_addr *dst,
		       const uint8_t *msg, size_t len)
{
	if (len < 4)
		return false;
	return sum16(pseudo_sum(src, dst, len), msg, len) == 0xffff;
}

int ndisc_rx_check(uint8_t type, int hop_limit, const struct in6_addr *src,
		   const struct in6_addr *dst)
{
	if (type < NDISC_TYPE_RS || type > 137)
		return 0;
	if (hop_limit != 255)
		return -EBADMSG;
	if (type == NDISC_TYPE_RA && !(src && IN6_IS_ADDR_LINKLOCAL(src)))
		return -EBADMSG;
	if (type == NDISC_TYPE_NS && src && IN6_IS_ADDR_UNSPECIFIED(src) &&
	    !(dst && ndisc_is_solicited_node(dst)))
		return -EBADMSG;
	return 0;
}

/* ---- Parameter Problem (RFC 4443 §3.4) and the packet it quotes ------------------------- */

/* A Home Address option (RFC 6275 §6.3) among the TLVs of a Destination Options header. */
static void find_hao(const uint8_t *p, size_t hdr, size_t hdr_len, struct ndisc_invoking *ret)
{
	size_t i = hdr + 2, end = hdr + hdr_len;

	while (i < end && !ret->has_hao) {
		if (p[i] == 0) { /* Pad1 (RFC 8200 §4.2) */
			i++;
			continue;
		}
		if (i + 2 > end || i + 2 + p[i + 1] > end)
			return; /* runs past the header: no option read from it */
		if (p[i] == NDISC_OPT_HAO && p[i + 1] == 16) {
			ret->has_hao = true;
			ret->hao_offset = (uint32_t)i;
			memcpy(&ret->hao, p + i + 2, 16);
		}
		i += 2 + (size_t)p[i + 1];
	}
}

/* The invoking packet's header chain (struct ndisc_invoking); p holds at least the IPv6 header. */
static void invoking_parse(const uint8_t *p, size_t len, struct ndisc_invoking *ret)
{
	size_t nh_off = 6, off = NDISC_IPV6_HDR_LEN;
	uint8_t nh = p[6];

	memcpy(&ret->src, p + 8, 16);
	memcpy(&ret->dst, p + 24, 16);
	for (int n = 0; n <= NDISC_INVOKING_MAX_HDRS; n++) {
		size_t hl;

		switch (nh) {
		case 0:  /* Hop-by-Hop Options */
		case 43: /* Routing */
		case 60: /* Destination Options */
			if (off + 2 > len)
				return;
			hl = ((size_t)p[off + 1] + 1) * 8;
			break;
		case 44: /* Fragment: only the first fragment holds the next header */
			if (off + 8 > len || ((p[off + 2] << 8 | p[off + 3]) & 0xfff8) != 0)
				return;
			hl = 8;
			break;
		case 51: /* AH (RFC 4302 §2.2): Payload Len in 4-octet units, minus 2 */
			if (off + 2 > len)
				return;
			hl = ((size_t)p[off + 1] + 2) * 4;
			break;
		default:
			ret->proto = nh;
			ret->complete = true;
			ret->nh_offset = (uint32_t)nh_off;
			ret->upper_offset = (uint32_t)off;
			return;
		}
		if (n == NDISC_INVOKING_MAX_HDRS || off + hl > len)
			return;
		if (nh == 60)
			find_hao(p, off, hl, ret);
		nh_off = off;
		nh = p[off];
		off += hl;
	}
}

int ndisc_param_problem_parse(const uint8_t *data, size_t len, struct ndisc_param_problem *ret)
{
	if (!data || !ret)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	if (len < 8 + NDISC_IPV6_HDR_LEN || data[0] != NDISC_TYPE_PARAM_PROBLEM)
		return -EBADMSG;
	ret->code = data[1];
	ret->pointer = (uint32_t)data[4] << 24 | (uint32_t)data[5] << 16 | (uint32_t)data[6] << 8 | data[7];
	ret->invoking = data + 8;
	ret->invoking_len = len - 8;
	if ((ret->invoking[0] >> 4) != 6)
		return -EBADMSG;
	invoking_parse(ret->invoking, ret->invoking_len, &ret->inv);
	return 0;
}
