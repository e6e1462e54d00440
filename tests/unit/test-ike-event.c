/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * charon's report of an IKE SA move (plugins/ike-event.h): the level-1 `log`
 * line of its migrate job (strongSwan 5.9's only trace of the K=1 MIGRATE
 * path) and an `ike-update` event; other events and log lines are no move;
 * malformed fields are refused (bounds: the reqid's digits, the addresses).
 * The events are built as VICI frames and decoded, as they come off the socket.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike-event.h"
#include "vici/vici-codec.h"

#define JOB "creating migrate job for policy 2001:db8:1::100/128[mobility-header] === 2001:db8:1::1/128[mobility-header] out with reqid "

static struct vici_msg *decode(struct vici_builder *b)
{
	struct vici_msg *m = NULL;
	uint8_t *frame;
	size_t len;

	ck_assert_int_eq(vici_builder_finish(b, &frame, &len), 0);
	vici_builder_free(b);
	ck_assert_int_eq(vici_frame_decode(frame, len, &m), 0);
	free(frame);
	return m;
}

/* A `log` event as charon 5.9 sends it (group, level, thread, msg); NULL leaves a key out. */
static struct vici_msg *log_event(const char *group, const char *msg)
{
	struct vici_builder *b;

	ck_assert_int_eq(vici_builder_new(VICI_EVENT, "log", &b), 0);
	if (group)
		vici_builder_add_str(b, "group", group);
	vici_builder_add_str(b, "level", "1");
	vici_builder_add_str(b, "thread", "12");
	if (msg)
		vici_builder_add_str(b, "msg", msg);
	return decode(b);
}

static int parse_log(const char *group, const char *msg, struct ike_moved *mv)
{
	struct vici_msg *m = log_event(group, msg);
	int r = ike_event_parse(m, mv);

	vici_msg_free(m);
	return r;
}

START_TEST(migrate_job_log_line)
{
	struct ike_moved mv;

	ck_assert_int_eq(parse_log("KNL", JOB "{1000000001}", &mv), 1);
	ck_assert(mv.from_log);
	ck_assert(!mv.has_hosts);
	ck_assert_uint_eq(mv.reqid, 1000000001);
	ck_assert_int_eq(parse_log("KNL", JOB "{4294967295}", &mv), 1);
	ck_assert_uint_eq(mv.reqid, 4294967295u);
}
END_TEST

START_TEST(other_log_lines_are_no_move)
{
	struct ike_moved mv;

	ck_assert_int_eq(parse_log("KNL", "received a XFRM_MSG_MIGRATE", &mv), 0);
	ck_assert_int_eq(parse_log("IKE", JOB "{1}", &mv), 0); /* only the kernel handler's line */
	ck_assert_int_eq(parse_log("KNL", "creating migrate job", &mv), 0);
}
END_TEST

START_TEST(malformed_log_refused)
{
	struct ike_moved mv;

	ck_assert_int_eq(parse_log(NULL, JOB "{1}", &mv), -EBADMSG);
	ck_assert_int_eq(parse_log("KNL", NULL, &mv), -EBADMSG);
	ck_assert_int_eq(parse_log("KNL", JOB, &mv), -EBADMSG);
	ck_assert_int_eq(parse_log("KNL", JOB "{}", &mv), -EBADMSG);
	ck_assert_int_eq(parse_log("KNL", JOB "{12", &mv), -EBADMSG);
	ck_assert_int_eq(parse_log("KNL", JOB "{12}x", &mv), -EBADMSG);
	ck_assert_int_eq(parse_log("KNL", JOB "{-1}", &mv), -EBADMSG);
	ck_assert_int_eq(parse_log("KNL", JOB "{4294967296}", &mv), -EBADMSG);
	ck_assert_int_eq(parse_log("KNL", JOB "{99999999999999999999999}", &mv), -EBADMSG);
	ck_assert_int_eq(parse_log("KNL", "creating migrate job for policy x", &mv), -EBADMSG);
}
END_TEST

/* { conn = { uniqueid, new-local-host, new-remote-host } }, a key left out when NULL. */
static int parse_update(const char *uid, const char *l, const char *r, bool section, struct ike_moved *mv)
{
	struct vici_builder *b;
	struct vici_msg *m;
	int ret;

	ck_assert_int_eq(vici_builder_new(VICI_EVENT, "ike-update", &b), 0);
	if (section)
		vici_builder_begin_section(b, "mip6-mn1");
	if (uid)
		vici_builder_add_str(b, "uniqueid", uid);
	vici_builder_add_str(b, "state", "ESTABLISHED");
	if (l)
		vici_builder_add_str(b, "new-local-host", l);
	if (r)
		vici_builder_add_str(b, "new-remote-host", r);
	if (section)
		vici_builder_end_section(b);
	m = decode(b);
	ret = ike_event_parse(m, mv);
	vici_msg_free(m);
	return ret;
}

START_TEST(ike_update_event)
{
	struct ike_moved mv;
	struct in6_addr want;

	ck_assert_int_eq(parse_update("7", "2001:db8:2::ff:fe00:100", "2001:db8:1::1", true, &mv), 1);
	ck_assert(mv.has_hosts && !mv.from_log);
	ck_assert_uint_eq(mv.uniqueid, 7);
	inet_pton(AF_INET6, "2001:db8:2::ff:fe00:100", &want);
	ck_assert_mem_eq(&mv.local, &want, sizeof(want));
	/* An IPv4 IKE SA: no CoA of ours. */
	ck_assert_int_eq(parse_update("7", "192.0.2.1", "192.0.2.2", true, &mv), 0);
}
END_TEST

START_TEST(malformed_ike_update_refused)
{
	struct ike_moved mv;

	ck_assert_int_eq(parse_update("7", "2001:db8:2::1", "2001:db8:1::1", false, &mv), -EBADMSG);
	ck_assert_int_eq(parse_update(NULL, "2001:db8:2::1", "2001:db8:1::1", true, &mv), -EBADMSG);
	ck_assert_int_eq(parse_update("x7", "2001:db8:2::1", "2001:db8:1::1", true, &mv), -EBADMSG);
	ck_assert_int_eq(parse_update("12345678901", "2001:db8:2::1", "2001:db8:1::1", true, &mv), -EBADMSG);
	ck_assert_int_eq(parse_update("7", NULL, "2001:db8:1::1", true, &mv), -EBADMSG);
	ck_assert_int_eq(parse_update("7", "2001:db8:2::1", NULL, true, &mv), -EBADMSG);
	ck_assert_int_eq(parse_update("7", "2001:db8:2:::1", "2001:db8:1::1", true, &mv), -EBADMSG);
	ck_assert_int_eq(parse_update("7", "2001:db8:2::1", "2001:zzzz::1", true, &mv), -EBADMSG);
}
END_TEST

START_TEST(other_events_are_no_move)
{
	struct vici_builder *b;
	struct vici_msg *m;
	struct ike_moved mv;

	ck_assert_int_eq(ike_event_parse(NULL, &mv), 0);
	ck_assert_int_eq(vici_builder_new(VICI_EVENT, "ike-updown", &b), 0);
	vici_builder_add_str(b, "up", "yes");
	m = decode(b);
	ck_assert_int_eq(ike_event_parse(m, &mv), 0);
	vici_msg_free(m);
	/* A command response named nothing: not an event. */
	ck_assert_int_eq(vici_builder_new(VICI_CMD_RESPONSE, NULL, &b), 0);
	vici_builder_add_str(b, "msg", JOB "{1}");
	m = decode(b);
	ck_assert_int_eq(ike_event_parse(m, &mv), 0);
	vici_msg_free(m);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ike-event");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, migrate_job_log_line);
	tcase_add_test(tc, other_log_lines_are_no_move);
	tcase_add_test(tc, malformed_log_refused);
	tcase_add_test(tc, ike_update_event);
	tcase_add_test(tc, malformed_ike_update_refused);
	tcase_add_test(tc, other_events_are_no_move);
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
