/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The correspondent Binding Cache (cn-bcache.h) on its own: lookup, states,
 * the limit, and which entry makes room when it is reached. A DELETED entry
 * is the memory of the last accepted sequence number for MAX_NONCE_LIFETIME
 * after the deletion (RFC 6275 §9.5.3 with §5.2.8, rr-keygen.h): while it
 * lasts it must never be dropped for a newcomer, else a replay of the BU that
 * created the binding (its nonces still acceptable) would create it again.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>

#include "cn/cn-bcache.h"
#include "cn/rr-keygen.h"

#define T0 (1000 * USEC_PER_SEC)

static struct in6_addr A(unsigned n)
{
	struct in6_addr a = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 1 } };

	a.s6_addr[14] = (uint8_t)(n >> 8);
	a.s6_addr[15] = (uint8_t)n;
	return a;
}

static unsigned released;

static void count_release(struct cn_bce *e, void *ud)
{
	(void)e;
	(void)ud;
	released++;
}

/* A DELETED entry as the role leaves it after a deletion at t: remembered until t + MAX_NONCE_LIFETIME. */
static struct cn_bce *deleted_at(struct cn_bcache *bc, unsigned n, usec_t t)
{
	struct in6_addr a = A(n);
	struct cn_bce *e;

	ck_assert_int_eq(cn_bcache_add(bc, &a, t, NULL, NULL, &e), 0);
	cn_bcache_set_state(bc, e, CN_BCE_DELETED);
	e->seq = 7;
	e->expires = t + RR_MAX_NONCE_LIFETIME_USEC;
	return e;
}

START_TEST(add_lookup_remove)
{
	struct cn_bcache *bc;
	struct cn_bce *e, *e2;
	struct in6_addr a = A(1), b = A(2);

	ck_assert_int_eq(cn_bcache_new(0, &bc), 0);
	ck_assert_int_eq(cn_bcache_add(bc, &a, T0, NULL, NULL, &e), 0);
	ck_assert_int_eq(e->state, CN_BCE_VALID);
	ck_assert_int_eq(cn_bcache_add(bc, &a, T0, NULL, NULL, &e2), -EEXIST);
	ck_assert_ptr_eq(cn_bcache_lookup(bc, &a), e);
	ck_assert_ptr_null(cn_bcache_lookup(bc, &b));
	ck_assert_uint_eq(cn_bcache_count(bc, CN_BCE_VALID), 1);
	cn_bcache_set_state(bc, e, CN_BCE_DELETED);
	ck_assert_uint_eq(cn_bcache_count(bc, CN_BCE_VALID), 0);
	ck_assert_uint_eq(cn_bcache_count(bc, CN_BCE_DELETED), 1);
	cn_bcache_remove(bc, e);
	ck_assert_ptr_null(cn_bcache_lookup(bc, &a));
	ck_assert_uint_eq(cn_bcache_count(bc, CN_BCE_DELETED), 0);
	/* Many entries: the table grows, every one is still found. */
	for (unsigned i = 0; i < 1000; i++) {
		struct in6_addr x = A(100 + i);

		ck_assert_int_eq(cn_bcache_add(bc, &x, T0, NULL, NULL, &e), 0);
	}
	for (unsigned i = 0; i < 1000; i++) {
		struct in6_addr x = A(100 + i);

		ck_assert_ptr_nonnull(cn_bcache_lookup(bc, &x));
	}
	ck_assert_uint_eq(cn_bcache_count(bc, CN_BCE_VALID), 1000);
	released = 0;
	bc = cn_bcache_free(bc, count_release, NULL);
	ck_assert_uint_eq(released, 1000);
}
END_TEST

/* Full of VALID entries: -ENOSPC (the role answers 130), nothing dropped. */
START_TEST(full_of_bindings)
{
	struct cn_bcache *bc;
	struct cn_bce *e;
	struct in6_addr a = A(1), b = A(2), c = A(3);

	ck_assert_int_eq(cn_bcache_new(2, &bc), 0);
	ck_assert_int_eq(cn_bcache_add(bc, &a, T0, NULL, NULL, &e), 0);
	ck_assert_int_eq(cn_bcache_add(bc, &b, T0, NULL, NULL, &e), 0);
	released = 0;
	ck_assert_int_eq(cn_bcache_add(bc, &c, T0, count_release, NULL, &e), -ENOSPC);
	ck_assert_uint_eq(released, 0);
	ck_assert_ptr_nonnull(cn_bcache_lookup(bc, &a));
	ck_assert_ptr_nonnull(cn_bcache_lookup(bc, &b));
	cn_bcache_free(bc, NULL, NULL);
}
END_TEST

/*
 * RFC 6275 §9.5.3, §5.2.8: a DELETED entry inside its memory is a replay guard:
 * full means -ENOSPC up to the last microsecond of it, and the entry is still
 * there with its sequence number; from its end on, it makes room (the oldest
 * stale one first) and its release runs.
 */
START_TEST(deleted_entry_guards_until_its_nonces_are_too_old)
{
	struct cn_bcache *bc;
	struct cn_bce *e, *old, *young;
	struct in6_addr n = A(9), y = A(2), o = A(1);
	usec_t young_end = T0 + 100 * USEC_PER_SEC + RR_MAX_NONCE_LIFETIME_USEC;

	ck_assert_int_eq(cn_bcache_new(2, &bc), 0);
	old = deleted_at(bc, 1, T0);
	young = deleted_at(bc, 2, T0 + 100 * USEC_PER_SEC);
	released = 0;
	/* Both inside their memory. */
	ck_assert_int_eq(cn_bcache_add(bc, &n, T0 + 10 * USEC_PER_SEC, count_release, NULL, &e), -ENOSPC);
	ck_assert_int_eq(cn_bcache_add(bc, &n, old->expires - 1, count_release, NULL, &e), -ENOSPC);
	ck_assert_uint_eq(released, 0);
	ck_assert_ptr_eq(cn_bcache_lookup(bc, &o), old);
	ck_assert_uint_eq(old->seq, 7);
	ck_assert_uint_eq(cn_bcache_count(bc, CN_BCE_DELETED), 2);
	/* The older one's memory is over: it makes room, the younger one stays. */
	ck_assert_int_eq(cn_bcache_add(bc, &n, old->expires, count_release, NULL, &e), 0);
	ck_assert_uint_eq(released, 1);
	ck_assert_ptr_null(cn_bcache_lookup(bc, &o));
	ck_assert_ptr_eq(cn_bcache_lookup(bc, &y), young);
	ck_assert_uint_eq(cn_bcache_count(bc, CN_BCE_VALID), 1);
	ck_assert_uint_eq(cn_bcache_count(bc, CN_BCE_DELETED), 1);
	/* Full again: the younger one guards until its own end. */
	o = A(10);
	ck_assert_int_eq(cn_bcache_add(bc, &o, young_end - 1, count_release, NULL, &e), -ENOSPC);
	ck_assert_int_eq(cn_bcache_add(bc, &o, young_end, count_release, NULL, &e), 0);
	ck_assert_uint_eq(released, 2);
	ck_assert_ptr_null(cn_bcache_lookup(bc, &y));
	cn_bcache_free(bc, NULL, NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cn-bcache");
	TCase *tc = tcase_create("cn-bcache");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, add_lookup_remove);
	tcase_add_test(tc, full_of_bindings);
	tcase_add_test(tc, deleted_entry_guards_until_its_nonces_are_too_old);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
