/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "core/buf.h"

void buf_reader_init(struct buf_reader *r, const void *data, size_t len)
{
	r->data = data;
	r->len = data ? len : 0;
	r->off = 0;
}

int buf_get_u8(struct buf_reader *r, uint8_t *ret)
{
	if (buf_left(r) < 1)
		return -EBADMSG;
	*ret = r->data[r->off++];
	return 0;
}

int buf_get_u16(struct buf_reader *r, uint16_t *ret)
{
	if (buf_left(r) < 2)
		return -EBADMSG;
	*ret = (uint16_t)((r->data[r->off] << 8) | r->data[r->off + 1]);
	r->off += 2;
	return 0;
}

int buf_get_u32(struct buf_reader *r, uint32_t *ret)
{
	const uint8_t *p;

	if (buf_left(r) < 4)
		return -EBADMSG;
	p = r->data + r->off;
	*ret = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
	r->off += 4;
	return 0;
}

int buf_get_bytes(struct buf_reader *r, void *dst, size_t n)
{
	if (buf_left(r) < n)
		return -EBADMSG;
	if (n)
		memcpy(dst, r->data + r->off, n);
	r->off += n;
	return 0;
}

int buf_skip(struct buf_reader *r, size_t n)
{
	if (buf_left(r) < n)
		return -EBADMSG;
	r->off += n;
	return 0;
}

int buf_get_sub(struct buf_reader *r, size_t n, struct buf_reader *ret)
{
	if (buf_left(r) < n)
		return -EBADMSG;
	ret->data = r->data + r->off;
	ret->len = n;
	ret->off = 0;
	r->off += n;
	return 0;
}

int buf_peek_u8(const struct buf_reader *r, size_t at, uint8_t *ret)
{
	if (buf_left(r) <= at)
		return -EBADMSG;
	*ret = r->data[r->off + at];
	return 0;
}

void buf_writer_init(struct buf_writer *w, void *data, size_t cap)
{
	w->data = data;
	w->cap = data ? cap : 0;
	w->len = 0;
	w->err = 0;
}

uint8_t *buf_put_reserve(struct buf_writer *w, size_t n)
{
	uint8_t *p;

	if (w->err < 0)
		return NULL;
	if (w->cap - w->len < n) {
		w->err = -ENOBUFS;
		return NULL;
	}
	p = w->data + w->len;
	w->len += n;
	return p;
}

int buf_put_u8(struct buf_writer *w, uint8_t v)
{
	uint8_t *p = buf_put_reserve(w, 1);

	if (!p)
		return w->err;
	p[0] = v;
	return 0;
}

int buf_put_u16(struct buf_writer *w, uint16_t v)
{
	uint8_t *p = buf_put_reserve(w, 2);

	if (!p)
		return w->err;
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 0;
}

int buf_put_u32(struct buf_writer *w, uint32_t v)
{
	uint8_t *p = buf_put_reserve(w, 4);

	if (!p)
		return w->err;
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return 0;
}

int buf_put_bytes(struct buf_writer *w, const void *src, size_t n)
{
	uint8_t *p = buf_put_reserve(w, n);

	if (!p)
		return w->err;
	if (n)
		memcpy(p, src, n);
	return 0;
}

int buf_put_zero(struct buf_writer *w, size_t n)
{
	uint8_t *p = buf_put_reserve(w, n);

	if (!p)
		return w->err;
	if (n)
		memset(p, 0, n);
	return 0;
}

int buf_set_u16(struct buf_writer *w, size_t at, uint16_t v)
{
	if (w->len < 2 || at > w->len - 2)
		return -EINVAL;
	w->data[at] = (uint8_t)(v >> 8);
	w->data[at + 1] = (uint8_t)v;
	return 0;
}

int buf_set_u8(struct buf_writer *w, size_t at, uint8_t v)
{
	if (at >= w->len)
		return -EINVAL;
	w->data[at] = v;
	return 0;
}
