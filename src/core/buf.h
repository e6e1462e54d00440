/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bounded byte cursors for wire formats. A reader never reads past its end:
 * every get fails with -EBADMSG on short input and leaves the cursor where it
 * was. A writer never writes past its capacity: the first overflow makes the
 * writer fail with -ENOBUFS and every later put is refused (sticky error), so
 * a builder can check once at the end. Multi-byte values are big-endian
 * (network order). No allocation, no I/O, no logging.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf_reader {
	const uint8_t *data;
	size_t len;
	size_t off;
};

void buf_reader_init(struct buf_reader *r, const void *data, size_t len);
static inline size_t buf_left(const struct buf_reader *r)
{
	return r->len - r->off;
}
static inline const uint8_t *buf_cur(const struct buf_reader *r)
{
	return r->data + r->off;
}
int buf_get_u8(struct buf_reader *r, uint8_t *ret);
int buf_get_u16(struct buf_reader *r, uint16_t *ret);
int buf_get_u32(struct buf_reader *r, uint32_t *ret);
int buf_get_bytes(struct buf_reader *r, void *dst, size_t n);
int buf_skip(struct buf_reader *r, size_t n);
/* Carve the next n bytes out as an independent reader and advance past them. */
int buf_get_sub(struct buf_reader *r, size_t n, struct buf_reader *ret);
/* Look at byte at offset `at` from the cursor without consuming it. */
int buf_peek_u8(const struct buf_reader *r, size_t at, uint8_t *ret);

struct buf_writer {
	uint8_t *data;
	size_t cap;
	size_t len;
	int err; /* 0 or -ENOBUFS, sticky */
};

void buf_writer_init(struct buf_writer *w, void *data, size_t cap);
int buf_put_u8(struct buf_writer *w, uint8_t v);
int buf_put_u16(struct buf_writer *w, uint16_t v);
int buf_put_u32(struct buf_writer *w, uint32_t v);
int buf_put_bytes(struct buf_writer *w, const void *src, size_t n);
int buf_put_zero(struct buf_writer *w, size_t n);
/* Reserve n bytes and return where they start, or NULL (and the sticky error). */
uint8_t *buf_put_reserve(struct buf_writer *w, size_t n);
/* Overwrite an already written big-endian u16 at absolute offset `at`. */
int buf_set_u16(struct buf_writer *w, size_t at, uint16_t v);
int buf_set_u8(struct buf_writer *w, size_t at, uint8_t v);
/* Bytes written so far, or the sticky error. */
static inline long buf_writer_result(const struct buf_writer *w)
{
	return w->err < 0 ? (long)w->err : (long)w->len;
}
