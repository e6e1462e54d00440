/* SPDX-License-Identifier: GPL-2.0-or-later */
/* HoAs under DAD and their solicited-node groups (RFC 6275 §10.3.1, RFC 4291 §2.7.1). */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ha/dad-watch.h"

static struct in6_addr A(const char *s)
{
	struct in6_addr a;
	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static bool is(const struct in6_addr *a, const char *s)
{
	struct in6_addr b = A(s);
	return memcmp(a, &b, sizeof(b)) == 0;
}

START_TEST(groups_are_shared_and_counted)
{
	struct dad_watch *w = calloc(1, sizeof(*w));
	struct in6_addr g, h1 = A("2001:db8:1::aa:100"), h2 = A("2001:db8:1::1:aa:100"), t;
	int o1, o2, o3, ifindex;
	bool join, leave;

	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(dad_watch_add(w, &o1, 2, &h1, false, &join, &g), 0);
	ck_assert(join);
	ck_assert(is(&g, "ff02::1:ffaa:100"));
	/* Same low 24 bits: the same group, no second join. */
	ck_assert_int_eq(dad_watch_add(w, &o2, 2, &h2, true, &join, &g), 0);
	ck_assert(!join);
	/* The same group on another link is joined there. */
	ck_assert_int_eq(dad_watch_add(w, &o3, 3, &h1, false, &join, &g), 0);
	ck_assert(join);
	ck_assert_int_eq(dad_watch_add(w, &o1, 2, &h1, false, &join, &g), -EEXIST);
	/* Lookup: HoA on its link (0: any link); the link-local only with L=1. */
	ck_assert_ptr_eq(dad_watch_find(w, 2, &h1), &o1);
	ck_assert_ptr_eq(dad_watch_find(w, 0, &h2), &o2);
	t = A("fe80::1:aa:100");
	ck_assert_ptr_eq(dad_watch_find(w, 2, &t), &o2);
	t = A("fe80::aa:100");
	ck_assert_ptr_null(dad_watch_find(w, 2, &t)); /* o1 has L=0 */
	ck_assert_ptr_null(dad_watch_find(w, 4, &h1));
	/* Leave only with the last user of the group on the link. */
	ck_assert(dad_watch_remove(w, &o1, &leave, &g, &ifindex));
	ck_assert(!leave);
	ck_assert_int_eq(ifindex, 2);
	ck_assert(dad_watch_remove(w, &o2, &leave, &g, &ifindex));
	ck_assert(leave);
	ck_assert(!dad_watch_remove(w, &o2, &leave, &g, &ifindex));
	ck_assert(dad_watch_remove(w, &o3, &leave, &g, &ifindex));
	ck_assert(leave && ifindex == 3);
	ck_assert_uint_eq(w->n, 0);
	free(w);
}
END_TEST

START_TEST(bounded)
{
	struct dad_watch *w = calloc(1, sizeof(*w));
	static char owners[DAD_WATCH_MAX + 1];
	struct in6_addr h = A("2001:db8:1::1"), g;
	bool join;

	ck_assert_ptr_nonnull(w);
	for (size_t i = 0; i < DAD_WATCH_MAX; i++)
		ck_assert_int_eq(dad_watch_add(w, &owners[i], 2, &h, false, &join, &g), 0);
	ck_assert_int_eq(dad_watch_add(w, &owners[DAD_WATCH_MAX], 2, &h, false, &join, &g), -ENOSPC);
	free(w);
}
END_TEST

START_TEST(link_local_derivation)
{
	struct in6_addr h = A("2001:db8:1:2:0211:22ff:fe33:4455"), ll;

	dad_watch_link_local(&h, &ll);
	ck_assert(is(&ll, "fe80::211:22ff:fe33:4455"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dad-watch");
	TCase *t = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(t, groups_are_shared_and_counted);
	tcase_add_test(t, bounded);
	tcase_add_test(t, link_local_derivation);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
