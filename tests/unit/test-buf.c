/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "core/buf.h"

START_TEST(reader_reads_big_endian)
{
	static const uint8_t d[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07 };
	struct buf_reader r;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;

	buf_reader_init(&r, d, sizeof(d));
	ck_assert_int_eq(buf_get_u8(&r, &u8), 0);
	ck_assert_uint_eq(u8, 0x01);
	ck_assert_int_eq(buf_get_u16(&r, &u16), 0);
	ck_assert_uint_eq(u16, 0x0203);
	ck_assert_int_eq(buf_get_u32(&r, &u32), 0);
	ck_assert_uint_eq(u32, 0x04050607);
	ck_assert_uint_eq(buf_left(&r), 0);
	ck_assert_int_eq(buf_get_u8(&r, &u8), -EBADMSG);
}
END_TEST

START_TEST(reader_short_input_leaves_cursor)
{
	static const uint8_t d[] = { 0xaa, 0xbb, 0xcc };
	struct buf_reader r, sub;
	uint32_t u32;
	uint16_t u16;
	uint8_t out[4];

	buf_reader_init(&r, d, sizeof(d));
	ck_assert_int_eq(buf_get_u32(&r, &u32), -EBADMSG);
	ck_assert_uint_eq(r.off, 0);
	ck_assert_int_eq(buf_get_bytes(&r, out, 4), -EBADMSG);
	ck_assert_int_eq(buf_skip(&r, 4), -EBADMSG);
	ck_assert_int_eq(buf_get_sub(&r, 4, &sub), -EBADMSG);
	ck_assert_uint_eq(r.off, 0);
	ck_assert_int_eq(buf_skip(&r, 2), 0);
	ck_assert_int_eq(buf_get_u16(&r, &u16), -EBADMSG);
	ck_assert_uint_eq(r.off, 2);
	/* SIZE_MAX must not wrap the bound check. */
	ck_assert_int_eq(buf_skip(&r, (size_t)-1), -EBADMSG);
	ck_assert_uint_eq(r.off, 2);
}
END_TEST

START_TEST(reader_sub_is_bounded)
{
	static const uint8_t d[] = { 1, 2, 3, 4, 5 };
	struct buf_reader r, sub;
	uint8_t v;

	buf_reader_init(&r, d, sizeof(d));
	ck_assert_int_eq(buf_get_sub(&r, 2, &sub), 0);
	ck_assert_uint_eq(buf_left(&r), 3);
	ck_assert_int_eq(buf_get_u8(&sub, &v), 0);
	ck_assert_int_eq(buf_get_u8(&sub, &v), 0);
	ck_assert_uint_eq(v, 2);
	ck_assert_int_eq(buf_get_u8(&sub, &v), -EBADMSG);
	ck_assert_int_eq(buf_peek_u8(&r, 2, &v), 0);
	ck_assert_uint_eq(v, 5);
	ck_assert_int_eq(buf_peek_u8(&r, 3, &v), -EBADMSG);
	buf_reader_init(&r, NULL, 10);
	ck_assert_uint_eq(buf_left(&r), 0);
}
END_TEST

START_TEST(writer_overflow_is_sticky)
{
	uint8_t d[5];
	struct buf_writer w;

	buf_writer_init(&w, d, sizeof(d));
	ck_assert_int_eq(buf_put_u16(&w, 0x1234), 0);
	ck_assert_int_eq(buf_put_u16(&w, 0x5678), 0);
	ck_assert_int_eq(buf_put_u16(&w, 0x9abc), -ENOBUFS);
	ck_assert_uint_eq(w.len, 4);
	/* One byte still fits, but the writer has already failed. */
	ck_assert_int_eq(buf_put_u8(&w, 0xff), -ENOBUFS);
	ck_assert_int_eq(buf_writer_result(&w), -ENOBUFS);
	ck_assert_int_eq(memcmp(d, "\x12\x34\x56\x78", 4), 0);
}
END_TEST

START_TEST(writer_exact_fit_and_patch)
{
	uint8_t d[8];
	struct buf_writer w;
	uint8_t *p;

	buf_writer_init(&w, d, sizeof(d));
	ck_assert_int_eq(buf_put_u32(&w, 0xdeadbeef), 0);
	ck_assert_int_eq(buf_put_zero(&w, 2), 0);
	p = buf_put_reserve(&w, 2);
	ck_assert_ptr_nonnull(p);
	p[0] = 7;
	p[1] = 8;
	ck_assert_int_eq(buf_writer_result(&w), 8);
	ck_assert_int_eq(buf_set_u16(&w, 4, 0xabcd), 0);
	ck_assert_int_eq(buf_set_u16(&w, 7, 0), -EINVAL);
	ck_assert_int_eq(buf_set_u8(&w, 8, 0), -EINVAL);
	ck_assert_int_eq(memcmp(d, "\xde\xad\xbe\xef\xab\xcd\x07\x08", 8), 0);
	ck_assert_ptr_null(buf_put_reserve(&w, 1));
	ck_assert_int_eq(buf_put_bytes(&w, "x", 1), -ENOBUFS);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, reader_reads_big_endian);
	tcase_add_test(tc, reader_short_input_leaves_cursor);
	tcase_add_test(tc, reader_sub_is_bounded);
	tcase_add_test(tc, writer_overflow_is_sticky);
	tcase_add_test(tc, writer_exact_fit_and_patch);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
