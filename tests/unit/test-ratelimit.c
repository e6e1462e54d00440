/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The token bucket for untrusted input (core/ratelimit.h). */
#include <check.h>

#include "core/ratelimit.h"

START_TEST(burst_then_rate)
{
	struct ratelimit r;
	usec_t t = 5 * USEC_PER_SEC;
	unsigned n = 0;

	ratelimit_init(&r, 10, t);
	while (ratelimit_allow(&r, t))
		n++;
	ck_assert_uint_eq(n, 10); /* a burst of as many as the rate */
	ck_assert_uint_eq(r.refused, 1);
	ck_assert(!ratelimit_allow(&r, t + 99 * USEC_PER_MSEC));
	ck_assert(ratelimit_allow(&r, t + 100 * USEC_PER_MSEC)); /* one token per 100 ms */
	ck_assert(!ratelimit_allow(&r, t + 100 * USEC_PER_MSEC));
	/* Over one second at most 10 more. */
	n = 0;
	for (usec_t u = t + 100 * USEC_PER_MSEC; u <= t + 1100 * USEC_PER_MSEC; u += USEC_PER_MSEC)
		n += ratelimit_allow(&r, u);
	ck_assert_uint_eq(n, 10);
	/* A long pause refills only one burst. */
	n = 0;
	while (ratelimit_allow(&r, t + 100 * USEC_PER_SEC))
		n++;
	ck_assert_uint_eq(n, 10);
}
END_TEST

START_TEST(zero_allows_nothing_and_huge_rates_work)
{
	struct ratelimit r;

	ratelimit_init(&r, 0, 0);
	ck_assert(!ratelimit_allow(&r, USEC_PER_SEC));
	ck_assert_uint_eq(r.suppressed, 1);
	ratelimit_init(&r, 5000000, 0);
	for (int i = 0; i < 1000; i++)
		ck_assert(ratelimit_allow(&r, 0));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *t = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(t, burst_then_rate);
	tcase_add_test(t, zero_allows_nothing_and_huge_rates_work);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
