/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HA's new-registration backlog (ha/reg-backlog.h): FIFO, bounded in entries, in age and per
 * care-of /64. */
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
	/* each from a care-of /64 of its own */
	bu.coa.s6_addr[0] = 0x20;
	bu.coa.s6_addr[6] = (uint8_t)(n >> 8);
	bu.coa.s6_addr[7] = (uint8_t)n;
	return bu;
}

/* A BU for HoA number n from care-of /64 number src (the interface identifier varies). */
static struct ha_bu bu_from(unsigned n, unsigned src)
{
	struct ha_bu bu = bu_n(n);

	memset(&bu.coa, 0, sizeof(bu.coa));
	bu.coa.s6_addr[0] = 0x20;
	bu.coa.s6_addr[6] = (uint8_t)(src >> 8);
	bu.coa.s6_addr[7] = (uint8_t)src;
	bu.coa.s6_addr[15] = (uint8_t)n;
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

/* A flood from one /64 fills a quarter; another source still gets in, in arrival order. */
START_TEST(one_source_holds_a_quarter)
{
	struct reg_backlog *b = calloc(1, sizeof(*b));
	struct mh_rx_info rx = { 0 };
	struct reg_backlog_entry q;
	struct ha_bu bu;
	size_t expired = 0;

	ck_assert_ptr_nonnull(b);
	for (unsigned i = 0; i < REG_BACKLOG_PER_SOURCE; i++) {
		bu = bu_from(i, 1);
		ck_assert_int_eq(reg_backlog_push(b, &bu, &rx, 100), 0);
	}
	bu = bu_from(1000, 1);
	ck_assert_int_eq(reg_backlog_push(b, &bu, &rx, 100), -ENOBUFS);
	ck_assert_uint_eq(reg_backlog_source_count(b, &bu.coa), REG_BACKLOG_PER_SOURCE);
	bu = bu_from(2000, 2); /* the legitimate MN, elsewhere */
	ck_assert_int_eq(reg_backlog_push(b, &bu, &rx, 101), 0);
	ck_assert_uint_eq(reg_backlog_source_count(b, &bu.coa), 1);
	ck_assert_uint_eq(b->n, REG_BACKLOG_PER_SOURCE + 1);
	/* One of the flood's leaves: room for one more of it. */
	ck_assert(reg_backlog_pop(b, 200, &q, &expired));
	ck_assert_uint_eq(q.bu.seq, 0);
	bu = bu_from(1001, 1);
	ck_assert_int_eq(reg_backlog_push(b, &bu, &rx, 102), 0);
	for (unsigned i = 1; i < REG_BACKLOG_PER_SOURCE; i++)
		ck_assert(reg_backlog_pop(b, 200, &q, &expired));
	ck_assert(reg_backlog_pop(b, 200, &q, &expired));
	ck_assert_uint_eq(q.bu.seq, 2000);
	ck_assert(reg_backlog_pop(b, 200, &q, &expired));
	ck_assert_uint_eq(q.bu.seq, 1001);
	ck_assert(!reg_backlog_pop(b, 200, &q, &expired));
	ck_assert_uint_eq(reg_backlog_source_count(b, &bu.coa), 0);
	free(b);
}
END_TEST

/* The per-source counts against a plain count, through random pushes, pops, expiries and clears
 * over few sources (long probe runs and deletions inside them). */
START_TEST(source_counts_match)
{
	struct reg_backlog *b = calloc(1, sizeof(*b));
	struct mh_rx_info rx = { 0 };
	struct reg_backlog_entry q;
	unsigned seed = 12345, n = 0;
	size_t expired = 0;
	usec_t now = 0;

	ck_assert_ptr_nonnull(b);
	for (int step = 0; step < 50000; step++) {
		unsigned r = rand_r(&seed), src = r % 300;
		struct ha_bu bu = bu_from(n++, src);

		now += r % 3;
		if (r % 1000 == 0)
			(void)reg_backlog_clear(b);
		else if (r % 3 == 0)
			(void)reg_backlog_pop(b, now + (r % 7 == 0 ? 2 * REG_BACKLOG_MAX_AGE : 0), &q, &expired);
		else
			(void)reg_backlog_push(b, &bu, &rx, now);
		if (step % 499 == 0 || step == 49999) {
			for (unsigned s = 0; s < 300; s++) {
				struct ha_bu probe = bu_from(0, s);
				unsigned want = 0;

				for (size_t i = 0; i < b->n; i++)
					want += memcmp(b->e[(b->head + i) % REG_BACKLOG_MAX].bu.coa.s6_addr,
						       probe.coa.s6_addr, 8) == 0;
				ck_assert_uint_eq(reg_backlog_source_count(b, &probe.coa), want);
				ck_assert_uint_le(want, REG_BACKLOG_PER_SOURCE);
			}
		}
	}
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
	tcase_add_test(t, one_source_holds_a_quarter);
	tcase_add_test(t, source_counts_match);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
