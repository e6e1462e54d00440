/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HA's new-registration backlog (ha/reg-backlog.h): FIFO, bounded in entries and in age. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ha/reg-backlog.h"

static struct ha_bu bu_n(unsigned n)
{
	struct ha_bu bu = { .seq = (uint16_t)n };

	bu.hoa.s6_addr[0] = 0x20;
	bu.hoa.s6_addr[14] = (uint8_t)(n >> 8);
	bu.hoa.s6_addr[15] = (uint8_t)n;
	return bu;
}

START_TEST(fifo_and_bounded)
{
	struct reg_backlog *b = calloc(1, sizeof(*b));
	struct mh_rx_info rx = { .ifindex = 7 };
	struct reg_backlog_entry q;
	size_t expired = 0;

	ck_assert_ptr_nonnull(b);
	for (unsigned i = 0; i < REG_BACKLOG_MAX; i++) {
		struct ha_bu bu = bu_n(i);
		ck_assert_int_eq(reg_backlog_push(b, &bu, &rx, 1000 + i), 0);
	}
	{
		struct ha_bu bu = bu_n(9999);
		ck_assert_int_eq(reg_backlog_push(b, &bu, &rx, 5000), -ENOBUFS);
	}
	/* Out in arrival order; room again after one left, wrapping around the ring. */
	ck_assert(reg_backlog_pop(b, 2000, &q, &expired));
	ck_assert_uint_eq(q.bu.seq, 0);
	ck_assert_int_eq(q.rx.ifindex, 7);
	ck_assert_uint_eq(q.queued, 1000);
	{
		struct ha_bu bu = bu_n(REG_BACKLOG_MAX);
		ck_assert_int_eq(reg_backlog_push(b, &bu, &rx, 3000), 0);
	}
	for (unsigned i = 1; i <= REG_BACKLOG_MAX; i++) {
		ck_assert(reg_backlog_pop(b, 4000, &q, &expired));
		ck_assert_uint_eq(q.bu.seq, (uint16_t)i);
		ck_assert_uint_eq(q.bu.hoa.s6_addr[15], (uint8_t)i);
	}
	ck_assert(!reg_backlog_pop(b, 4000, &q, &expired));
	ck_assert_uint_eq(expired, 0);
	free(b);
}
END_TEST

START_TEST(too_old_is_dropped_and_counted)
{
	struct reg_backlog *b = calloc(1, sizeof(*b));
	struct mh_rx_info rx = { 0 };
	struct reg_backlog_entry q;
	struct ha_bu a = bu_n(1), c = bu_n(2), d = bu_n(3);
	size_t expired = 0;

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(reg_backlog_push(b, &a, &rx, 0), 0);
	ck_assert_int_eq(reg_backlog_push(b, &c, &rx, 10), 0);
	ck_assert_int_eq(reg_backlog_push(b, &d, &rx, 20 + REG_BACKLOG_MAX_AGE), 0);
	/* Exactly the maximum age is still served; one microsecond more is not. */
	ck_assert_uint_eq(reg_backlog_expire(b, REG_BACKLOG_MAX_AGE), 0);
	ck_assert(reg_backlog_pop(b, REG_BACKLOG_MAX_AGE + 11, &q, &expired));
	ck_assert_uint_eq(expired, 2);
	ck_assert_uint_eq(q.bu.seq, 3);
	ck_assert_uint_eq(b->n, 0);
	ck_assert_int_eq(reg_backlog_push(b, &a, &rx, 0), 0);
	ck_assert_uint_eq(reg_backlog_clear(b), 1);
	ck_assert(!reg_backlog_pop(b, 0, &q, &expired));
	free(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reg-backlog");
	TCase *t = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(t, fifo_and_bounded);
	tcase_add_test(t, too_old_is_dropped_and_counted);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
