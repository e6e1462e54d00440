/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MN's handover record (src/mn/handover-record.h): each step stamped once
 * at the time given, link events kept for the next move only, the ring bounded
 * (the oldest record goes), and the JSON keys: realtime_us with the steps seen,
 * the relative figures computed from them.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/ctl-json.h"
#include "mn/handover-record.h"

#define T0 1764700000000000ull /* a CLOCK_REALTIME µs of 2025 */

START_TEST(stamps_once_at_the_time_given)
{
	struct ho_ring r = { 0 };
	struct ho_rec *h;

	ck_assert_ptr_null(ho_ring_current(&r));
	ck_assert(!ho_stamp(NULL, HO_BU_SENT, T0));
	h = ho_ring_begin(&r, "home", "foreign", T0 + 10, T0 + 11, 5000);
	ck_assert_ptr_eq(ho_ring_current(&r), h);
	ck_assert_uint_eq(h->t[HO_RA], T0 + 10);
	ck_assert_uint_eq(h->t[HO_DECIDED], T0 + 11);
	ck_assert_uint_eq(h->t[HO_LINK_DOWN], 0); /* no link change before this move */
	ck_assert(ho_stamp(h, HO_BU_SENT, T0 + 100));
	ck_assert(!ho_stamp(h, HO_BU_SENT, T0 + 200)); /* a retransmission: the first BU stays */
	ck_assert_uint_eq(h->t[HO_BU_SENT], T0 + 100);
	ck_assert(!ho_stamp(h, HO_BA_RCVD, 0));
	ck_assert(!ho_stamp(h, _HO_STEP_MAX, T0));
	ck_assert_uint_eq(h->t[HO_BA_RCVD], 0);
}
END_TEST

START_TEST(link_events_go_to_the_next_move_only)
{
	struct ho_ring r = { 0 };
	struct ho_rec *h;

	ho_ring_link(&r, false, T0 + 1);
	ho_ring_link(&r, true, T0 + 2);
	ho_ring_link(&r, true, T0 + 3); /* the last of each counts */
	h = ho_ring_begin(&r, "home", "foreign", T0 + 4, T0 + 5, 1);
	ck_assert_uint_eq(h->t[HO_LINK_DOWN], T0 + 1);
	ck_assert_uint_eq(h->t[HO_LINK_UP], T0 + 3);
	h = ho_ring_begin(&r, "foreign", "foreign", T0 + 6, T0 + 7, 2);
	ck_assert_uint_eq(h->t[HO_LINK_DOWN], 0);
	ck_assert_uint_eq(h->t[HO_LINK_UP], 0);
}
END_TEST

/*
 * The kernel's carrier notification (linkwatch) may come after the new link's RA was read and
 * the move decided: it belongs to that move, not to the next one.
 */
START_TEST(late_carrier_up_joins_the_move_it_belongs_to)
{
	struct ho_ring r = { 0 };
	struct ho_rec *h;

	ho_ring_link(&r, false, T0 + 1);
	h = ho_ring_begin(&r, "foreign", "home", T0 + 65, T0 + 66, 1);
	ck_assert_uint_eq(h->t[HO_LINK_UP], 0);
	ho_ring_link(&r, true, T0 + 80);
	ck_assert_uint_eq(h->t[HO_LINK_DOWN], T0 + 1);
	ck_assert_uint_eq(h->t[HO_LINK_UP], T0 + 80);
	/* The next move gets its own link events only, not this stale carrier. */
	ho_ring_link(&r, false, T0 + 200);
	ho_ring_link(&r, true, T0 + 240);
	h = ho_ring_begin(&r, "home", "foreign", T0 + 260, T0 + 261, 2);
	ck_assert_uint_eq(h->t[HO_LINK_DOWN], T0 + 200);
	ck_assert_uint_eq(h->t[HO_LINK_UP], T0 + 240);
	/* A move without a carrier loss does not take a later carrier: kept for the next move. */
	h = ho_ring_begin(&r, "foreign", "foreign", T0 + 300, T0 + 301, 3);
	ho_ring_link(&r, true, T0 + 310);
	ck_assert_uint_eq(h->t[HO_LINK_UP], 0);
	h = ho_ring_begin(&r, "foreign", "foreign", T0 + 400, T0 + 401, 4);
	ck_assert_uint_eq(h->t[HO_LINK_UP], T0 + 310);
}
END_TEST

START_TEST(ring_stays_bounded)
{
	struct ho_ring r = { 0 };

	for (unsigned i = 0; i < 3 * HO_RING + 5; i++) {
		struct ho_rec *h = ho_ring_begin(&r, "home", "foreign", T0 + i, T0 + i, i);

		ck_assert(h >= &r.v[0] && h < &r.v[HO_RING]);
		ck_assert_uint_eq(ho_ring_size(&r), i + 1 < HO_RING ? i + 1 : HO_RING);
	}
	/* Oldest first: the last HO_RING moves. */
	for (size_t i = 0; i < HO_RING; i++)
		ck_assert_uint_eq(ho_ring_get(&r, i)->t[HO_DECIDED], T0 + 2 * HO_RING + 5 + i);
	ck_assert_ptr_null(ho_ring_get(&r, HO_RING));
	ck_assert_uint_eq(ho_ring_current(&r)->t[HO_DECIDED], T0 + 3 * HO_RING + 4);
}
END_TEST

static uint64_t u64(json_object *o, const char *key)
{
	json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
	return json_object_get_uint64(v);
}

static double dbl(json_object *o, const char *key)
{
	json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
	return json_object_get_double(v);
}

START_TEST(json_keys)
{
	struct ho_ring r = { 0 };
	json_object *list = json_object_new_array(), *o, *rt, *v;
	struct ho_rec *h;

	ho_ring_link(&r, false, T0);
	h = ho_ring_begin(&r, "foreign", "home", T0 + 40000, T0 + 40500, 7000000);
	ck_assert(ho_stamp(h, HO_KERNEL_DONE, T0 + 90000));
	ck_assert(ho_stamp(h, HO_BU_SENT, T0 + 100500));
	ck_assert(ho_stamp(h, HO_IKE_MOVED, T0 + 101000));
	h->ike_reqid = 1000000001;
	ho_rec_json(list, h);
	o = json_object_array_get_idx(list, 0);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(o, "from")), "foreign");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(o, "to")), "home");
	ck_assert(json_object_object_get_ex(o, "realtime_us", &rt));
	ck_assert_uint_eq(u64(rt, "link_down"), T0);
	ck_assert_uint_eq(u64(rt, "ra"), T0 + 40000);
	ck_assert_uint_eq(u64(rt, "decided"), T0 + 40500);
	ck_assert_uint_eq(u64(rt, "kernel_done"), T0 + 90000);
	ck_assert_uint_eq(u64(rt, "bu_sent"), T0 + 100500);
	ck_assert_uint_eq(u64(rt, "ike_moved"), T0 + 101000);
	/* Steps not seen are left out. */
	ck_assert(!json_object_object_get_ex(rt, "link_up", &v));
	ck_assert(!json_object_object_get_ex(rt, "ba_rcvd", &v));
	ck_assert_uint_eq(u64(o, "ike_reqid"), 1000000001);
	ck_assert_double_eq_tol(dbl(o, "detected_ms"), 7000.0, 0.01);
	ck_assert_double_eq_tol(dbl(o, "bu_after_ms"), 60.0, 0.01);
	ck_assert_double_eq_tol(dbl(o, "ba_after_ms"), -1.0, 0.01);
	ck_assert_double_eq_tol(dbl(o, "bu_to_ba_ms"), -1.0, 0.01);
	json_object_put(list);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("handover-record");
	TCase *tc = tcase_create("record");

	tcase_add_test(tc, stamps_once_at_the_time_given);
	tcase_add_test(tc, link_events_go_to_the_next_move_only);
	tcase_add_test(tc, late_carrier_up_joins_the_move_it_belongs_to);
	tcase_add_test(tc, ring_stays_bounded);
	tcase_add_test(tc, json_keys);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
