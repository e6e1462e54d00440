/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <check.h>

#include "mh/mh-util.h"

/* RFC 6275 §9.5.1: newer iff (seq - last) mod 2^16 in 1..32767. */
START_TEST(seq_plain)
{
	ck_assert(mh_seq_is_newer(2, 1));
	ck_assert(!mh_seq_is_newer(1, 1));
	ck_assert(!mh_seq_is_newer(1, 2));
	ck_assert(mh_seq_is_newer(1 + 32767, 1));
	ck_assert(!mh_seq_is_newer(1 + 32768, 1));
	ck_assert(!mh_seq_is_newer(0, 32768));
	ck_assert(mh_seq_is_newer(32768, 1));
}
END_TEST

START_TEST(seq_wraparound)
{
	ck_assert(mh_seq_is_newer(0, 65535));
	ck_assert(mh_seq_is_newer(5, 65530));
	ck_assert(!mh_seq_is_newer(65530, 5));
	ck_assert(mh_seq_is_newer(32766, 65535));
	ck_assert(!mh_seq_is_newer(32767, 65535));
	/* Every value is newer than exactly 32767 others. */
	for (unsigned last = 0; last < 65536; last += 4099) {
		unsigned n = 0;
		for (unsigned s = 0; s < 65536; s++)
			n += mh_seq_is_newer((uint16_t)s, (uint16_t)last);
		ck_assert_uint_eq(n, 32767);
	}
}
END_TEST

START_TEST(lifetime_units)
{
	ck_assert_uint_eq(mh_lifetime_to_units(0), 0);
	ck_assert_uint_eq(mh_lifetime_to_units(3), 0);
	ck_assert_uint_eq(mh_lifetime_to_units(4), 1);
	ck_assert_uint_eq(mh_lifetime_to_units(7), 1);
	ck_assert_uint_eq(mh_lifetime_to_units(420), 105);
	ck_assert_uint_eq(mh_lifetime_to_units(262139), 65534);
	ck_assert_uint_eq(mh_lifetime_to_units(262140), 65535);
	ck_assert_uint_eq(mh_lifetime_to_units(262144), 65535);
	ck_assert_uint_eq(mh_lifetime_to_units(UINT32_MAX), 65535);
	ck_assert_uint_eq(mh_lifetime_to_units_ceil(1), 1);
	ck_assert_uint_eq(mh_lifetime_to_units_ceil(5), 2);
	ck_assert_uint_eq(mh_lifetime_to_units_ceil(8), 2);
	ck_assert_uint_eq(mh_lifetime_to_units_ceil(262137), 65535);
	ck_assert_uint_eq(mh_lifetime_to_units_ceil(UINT32_MAX), 65535);
	ck_assert_uint_eq(mh_lifetime_from_units(0), 0);
	ck_assert_uint_eq(mh_lifetime_from_units(65535), MH_LIFETIME_MAX_SEC);
	ck_assert_uint_eq(mh_lifetime_from_units(mh_lifetime_to_units(1000)), 1000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mh-util");
	TCase *tc = tcase_create("rfc6275");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, seq_plain);
	tcase_add_test(tc, seq_wraparound);
	tcase_add_test(tc, lifetime_units);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
