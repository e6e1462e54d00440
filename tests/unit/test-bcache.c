/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ha/bcache.h"

static struct in6_addr hoa_n(uint32_t n)
{
	struct in6_addr a;

	inet_pton(AF_INET6, "2001:db8:1::", &a);
	a.s6_addr[12] = (uint8_t)(n >> 24);
	a.s6_addr[13] = (uint8_t)(n >> 16);
	a.s6_addr[14] = (uint8_t)(n >> 8);
	a.s6_addr[15] = (uint8_t)n;
	return a;
}

static void count_cb(struct bce *e, void *ud)
{
	(*(size_t *)ud)++;
}

START_TEST(add_lookup_remove)
{
	struct bcache *bc;
	struct bce *e, *e2;
	struct in6_addr a = hoa_n(1), b = hoa_n(2);

	ck_assert_int_eq(bcache_new(&bc), 0);
	ck_assert_ptr_null(bcache_lookup(bc, &a));
	ck_assert_int_eq(bcache_add(bc, &a, 0, &e), 0);
	ck_assert_int_eq(bcache_add(bc, &a, 0, &e2), -EEXIST);
	ck_assert_ptr_eq(bcache_lookup(bc, &a), e);
	ck_assert_ptr_null(bcache_lookup(bc, &b));
	ck_assert_int_eq(e->state, BCE_VALID);
	ck_assert_uint_eq(bcache_count_state(bc, BCE_VALID), 1);
	bcache_set_state(bc, e, BCE_DELETED);
	ck_assert_uint_eq(bcache_count_state(bc, BCE_VALID), 0);
	ck_assert_uint_eq(bcache_count_state(bc, BCE_DELETED), 1);
	bcache_remove(bc, e);
	ck_assert_ptr_null(bcache_lookup(bc, &a));
	ck_assert_uint_eq(bcache_count(bc), 0);
	ck_assert_uint_eq(bcache_count_state(bc, BCE_DELETED), 0);
	bcache_free(bc, NULL, NULL);
}
END_TEST

START_TEST(capacity_limit)
{
	struct bcache *bc;
	struct bce *e;

	ck_assert_int_eq(bcache_new(&bc), 0);
	for (uint32_t i = 0; i < 10; i++) {
		struct in6_addr a = hoa_n(i);
		ck_assert_int_eq(bcache_add(bc, &a, 10, &e), 0);
	}
	{
		struct in6_addr a = hoa_n(99);
		ck_assert_int_eq(bcache_add(bc, &a, 10, &e), -ENOSPC);
	}
	bcache_free(bc, NULL, NULL);
}
END_TEST

static void destroy_cb(struct bce *e, void *ud)
{
	(*(size_t *)ud)++;
}

START_TEST(many_entries)
{
	const uint32_t N = 200000;
	struct bcache *bc;
	struct bce *e;
	size_t n = 0, destroyed = 0;

	ck_assert_int_eq(bcache_new(&bc), 0);
	for (uint32_t i = 0; i < N; i++) {
		struct in6_addr a = hoa_n(i * 7919u);
		ck_assert_int_eq(bcache_add(bc, &a, 0, &e), 0);
		e->seq = (uint16_t)i;
	}
	ck_assert_uint_eq(bcache_count(bc), N);
	for (uint32_t i = 0; i < N; i++) {
		struct in6_addr a = hoa_n(i * 7919u);
		e = bcache_lookup(bc, &a);
		ck_assert_ptr_nonnull(e);
		ck_assert_uint_eq(e->seq, (uint16_t)i);
	}
	for (uint32_t i = 0; i < N; i += 2) {
		struct in6_addr a = hoa_n(i * 7919u);
		bcache_remove(bc, bcache_lookup(bc, &a));
	}
	bcache_foreach(bc, count_cb, &n);
	ck_assert_uint_eq(n, N / 2);
	bcache_free(bc, destroy_cb, &destroyed);
	ck_assert_uint_eq(destroyed, N / 2);
}
END_TEST

static double lookup_ns(uint32_t n)
{
	struct bcache *bc;
	struct bce *e;
	struct timespec t0, t1;
	const uint32_t rounds = 1000000;
	volatile uintptr_t sink = 0;

	bcache_new(&bc);
	for (uint32_t i = 0; i < n; i++) {
		struct in6_addr a = hoa_n(i);
		bcache_add(bc, &a, 0, &e);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint32_t i = 0; i < rounds; i++) {
		struct in6_addr a = hoa_n(i % n);
		sink += (uintptr_t)bcache_lookup(bc, &a);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	bcache_free(bc, NULL, NULL);
	(void)sink;
	return ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / rounds;
}

/* Benchmark figure, reported not asserted beyond a generous bound. */
START_TEST(lookup_cost_independent_of_count)
{
	double small = lookup_ns(1000), large = lookup_ns(1000000);

	printf("bcache lookup: %.1f ns at 1k bindings, %.1f ns at 1M bindings\n", small, large);
	ck_assert_msg(large < 100 * small + 2000, "lookup cost grows with count: %.1f vs %.1f", large, small);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bcache");
	TCase *tc = tcase_create("container");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, add_lookup_remove);
	tcase_add_test(tc, capacity_limit);
	tcase_add_test(tc, many_entries);
	tcase_add_test(tc, lookup_cost_independent_of_count);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
