/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The persistent binding cache's file format: see bcache-store.h. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "core/buf.h"
#include "ha/bcache-store.h"

uint32_t bcs_crc32(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffU;

	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320U & (0U - (crc & 1U)));
	}
	return ~crc;
}

static void put_u64(struct buf_writer *w, uint64_t v)
{
	(void)buf_put_u32(w, (uint32_t)(v >> 32));
	(void)buf_put_u32(w, (uint32_t)v);
}

static int get_u64(struct buf_reader *r, uint64_t *ret)
{
	uint32_t hi, lo;
	int e;

	if ((e = buf_get_u32(r, &hi)) < 0 || (e = buf_get_u32(r, &lo)) < 0)
		return e;
	*ret = (uint64_t)hi << 32 | lo;
	return 0;
}

size_t bcs_header_build(uint8_t *buf)
{
	struct buf_writer w;

	buf_writer_init(&w, buf, BCS_HEADER_LEN);
	(void)buf_put_bytes(&w, BCS_MAGIC, 8);
	(void)buf_put_u16(&w, BCS_VERSION);
	(void)buf_put_u16(&w, 0);
	(void)buf_put_u32(&w, bcs_crc32(buf, 12));
	return BCS_HEADER_LEN;
}

static size_t record_len(const struct bcs_record *r)
{
	switch (r->type) {
	case BCS_PUT:
		return BCS_PUT_LEN;
	case BCS_DEL:
		return BCS_DEL_LEN;
	case BCS_MNP:
		return r->n_mnp >= 1 && r->n_mnp <= BCS_MNP_MAX ? BCS_MNP_LEN(r->n_mnp) : 0;
	default:
		return 0;
	}
}

static void put_mnps(struct buf_writer *w, const struct bcs_record *r)
{
	(void)buf_put_u8(w, r->n_mnp);
	(void)buf_put_u8(w, r->mnp_flags);
	(void)buf_put_zero(w, 2);
	for (unsigned i = 0; i < r->n_mnp; i++) {
		(void)buf_put_bytes(w, &r->mnp[i].prefix, 16);
		(void)buf_put_u8(w, r->mnp[i].len);
		(void)buf_put_zero(w, 3);
	}
}

int bcs_record_build(const struct bcs_record *r, uint8_t *buf, size_t cap)
{
	size_t len = record_len(r);
	struct buf_writer w;

	if (len == 0)
		return -EINVAL;
	for (unsigned i = 0; r->type == BCS_MNP && i < r->n_mnp; i++)
		if (r->mnp[i].len > 128)
			return -EINVAL;
	if (cap < len)
		return -ENOBUFS;
	buf_writer_init(&w, buf, len);
	(void)buf_put_u8(&w, r->type);
	(void)buf_put_u8(&w, 1);
	(void)buf_put_u16(&w, (uint16_t)len);
	(void)buf_put_bytes(&w, &r->hoa, 16);
	if (r->type == BCS_PUT) {
		(void)buf_put_bytes(&w, &r->coa, 16);
		(void)buf_put_bytes(&w, &r->local, 16);
		(void)buf_put_bytes(&w, &r->ba_dst, 16);
		(void)buf_put_bytes(&w, &r->sa_coa, 16);
		(void)buf_put_u16(&w, r->seq);
		(void)buf_put_u16(&w, r->bu_flags);
		(void)buf_put_u32(&w, r->lifetime_sec);
		put_u64(&w, r->expires_rt);
		put_u64(&w, r->registered_rt);
		(void)buf_put_u32(&w, r->ifindex);
		(void)buf_put_u8(&w, r->flags);
		(void)buf_put_zero(&w, 3);
	} else if (r->type == BCS_MNP) {
		put_mnps(&w, r);
	}
	(void)buf_put_u32(&w, bcs_crc32(buf, len - 4));
	return buf_writer_result(&w) < 0 ? -ENOBUFS : (int)len;
}

/* The body of a PUT whose length and CRC were checked. */
static int parse_put(struct buf_reader *b, struct bcs_record *r)
{
	uint8_t reserved[3];
	int e = 0;

	if ((e = buf_get_bytes(b, &r->coa, 16)) < 0 || (e = buf_get_bytes(b, &r->local, 16)) < 0 ||
	    (e = buf_get_bytes(b, &r->ba_dst, 16)) < 0 || (e = buf_get_bytes(b, &r->sa_coa, 16)) < 0 ||
	    (e = buf_get_u16(b, &r->seq)) < 0 || (e = buf_get_u16(b, &r->bu_flags)) < 0 ||
	    (e = buf_get_u32(b, &r->lifetime_sec)) < 0 || (e = get_u64(b, &r->expires_rt)) < 0 ||
	    (e = get_u64(b, &r->registered_rt)) < 0 || (e = buf_get_u32(b, &r->ifindex)) < 0 ||
	    (e = buf_get_u8(b, &r->flags)) < 0 || (e = buf_get_bytes(b, reserved, 3)) < 0)
		return e;
	if (reserved[0] | reserved[1] | reserved[2] || (r->flags & ~BCS_F_LL_PROXY))
		return -EBADMSG;
	return 0;
}

/* The body of an MNP record whose length and CRC were checked (n agrees with the length). */
static int parse_mnp(struct buf_reader *b, size_t len, struct bcs_record *r)
{
	uint8_t reserved[3];
	int e;

	if ((e = buf_get_u8(b, &r->n_mnp)) < 0 || (e = buf_get_u8(b, &r->mnp_flags)) < 0 ||
	    (e = buf_get_bytes(b, reserved, 2)) < 0)
		return e;
	if (r->n_mnp < 1 || r->n_mnp > BCS_MNP_MAX || len != BCS_MNP_LEN(r->n_mnp) ||
	    (r->mnp_flags & ~BCS_MNP_F_EXPLICIT) || reserved[0] | reserved[1])
		return -EBADMSG;
	for (unsigned i = 0; i < r->n_mnp; i++) {
		if ((e = buf_get_bytes(b, &r->mnp[i].prefix, 16)) < 0 || (e = buf_get_u8(b, &r->mnp[i].len)) < 0 ||
		    (e = buf_get_bytes(b, reserved, 3)) < 0)
			return e;
		if (r->mnp[i].len > 128 || reserved[0] | reserved[1] | reserved[2])
			return -EBADMSG;
	}
	return 0;
}

static bool length_ok(uint8_t type, size_t len)
{
	switch (type) {
	case BCS_PUT:
		return len == BCS_PUT_LEN;
	case BCS_DEL:
		return len == BCS_DEL_LEN;
	case BCS_MNP:
		return len >= BCS_MNP_LEN(1) && len <= BCS_MNP_LEN(BCS_MNP_MAX) && (len - BCS_MNP_LEN(0)) % 20 == 0;
	default:
		return false;
	}
}

/* One record at the cursor: 0 and the record, or -EBADMSG and why. */
static int parse_record(struct buf_reader *in, struct bcs_record *r, const char **reason)
{
	const uint8_t *start = buf_cur(in);
	struct buf_reader b;
	uint16_t len;
	uint8_t version;
	uint32_t crc;

	memset(r, 0, sizeof(*r));
	if (buf_left(in) < 4) {
		*reason = "truncated record header";
		return -EBADMSG;
	}
	len = (uint16_t)(start[2] << 8 | start[3]);
	if (len > buf_left(in)) {
		*reason = "truncated record";
		return -EBADMSG;
	}
	if (len != BCS_PUT_LEN && len != BCS_DEL_LEN && !length_ok(BCS_MNP, len)) {
		*reason = "bad record length";
		return -EBADMSG;
	}
	(void)buf_get_sub(in, len, &b);
	(void)buf_get_u8(&b, &r->type);
	(void)buf_get_u8(&b, &version);
	(void)buf_skip(&b, 2);
	if (version != 1) {
		*reason = "unknown record version";
		return -EBADMSG;
	}
	if (!length_ok(r->type, len)) {
		*reason = "unknown record type or length";
		return -EBADMSG;
	}
	crc = (uint32_t)start[len - 4] << 24 | (uint32_t)start[len - 3] << 16 | (uint32_t)start[len - 2] << 8 |
	      start[len - 1];
	if (crc != bcs_crc32(start, len - 4u)) {
		*reason = "record CRC mismatch";
		return -EBADMSG;
	}
	(void)buf_get_bytes(&b, &r->hoa, 16);
	if (r->type == BCS_PUT && parse_put(&b, r) < 0) {
		*reason = "bad reserved bits in a record";
		return -EBADMSG;
	}
	if (r->type == BCS_MNP && parse_mnp(&b, len, r) < 0) {
		*reason = "bad mobile network prefixes in a record";
		return -EBADMSG;
	}
	return 0;
}

static int parse_header(const uint8_t *data, size_t len, const char **reason)
{
	uint32_t crc;

	if (len < BCS_HEADER_LEN) {
		*reason = "truncated header";
		return -EBADMSG;
	}
	if (memcmp(data, BCS_MAGIC, 8) != 0) {
		*reason = "not a binding cache file (bad magic)";
		return -EBADMSG;
	}
	if (data[8] != 0 || data[9] != BCS_VERSION || data[10] != 0 || data[11] != 0) {
		*reason = "unknown file version";
		return -EBADMSG;
	}
	crc = (uint32_t)data[12] << 24 | (uint32_t)data[13] << 16 | (uint32_t)data[14] << 8 | data[15];
	if (crc != bcs_crc32(data, 12)) {
		*reason = "header CRC mismatch";
		return -EBADMSG;
	}
	return 0;
}

int bcs_parse(const uint8_t *data, size_t len, int (*each)(const struct bcs_record *r, void *ud), void *ud,
	      size_t *ret_good, const char **ret_reason)
{
	struct buf_reader in;
	struct bcs_record r;
	const char *reason = NULL;
	int e;

	*ret_good = 0;
	*ret_reason = NULL;
	if (!data && len > 0)
		return -EINVAL;
	if ((e = parse_header(data, len, &reason)) < 0) {
		*ret_reason = reason;
		return e;
	}
	buf_reader_init(&in, data, len);
	(void)buf_skip(&in, BCS_HEADER_LEN);
	*ret_good = in.off;
	while (buf_left(&in) > 0) {
		if ((e = parse_record(&in, &r, &reason)) < 0) {
			*ret_reason = reason;
			return e;
		}
		if (each && (e = each(&r, ud)) < 0)
			return e;
		*ret_good = in.off;
	}
	return 0;
}
