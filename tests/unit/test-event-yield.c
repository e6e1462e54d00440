/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * core/event-util.h event_yield: a source at the highest priority that is always pending (a
 * flooded socket) must not keep the others from running (issue 10 item 5: the MH socket and
 * the control socket).
 */
#include <check.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/event-util.h"

#define HIGH (-100)

struct flood {
	int fds[2];   /* a datagram pair: [1] is written, [0] read */
	int other[2]; /* the others' sockets, both ends always readable */
	struct event_yield y;
	bool yield;   /* the handler calls event_yield */
	unsigned runs;
	unsigned seq; /* the dispatch number of each source's runs, below */
	char order[64];
};

static struct flood F;

/* Reads one datagram and writes another: the socket never empties, as under a flood. */
static int on_flood(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	char b[8];

	(void)s, (void)revents, (void)userdata;
	ck_assert_int_eq(read(fd, b, sizeof(b)), 1);
	ck_assert_int_eq(write(F.fds[1], "x", 1), 1);
	F.runs++;
	if (F.seq < sizeof(F.order) - 1)
		F.order[F.seq++] = 'F';
	if (F.yield)
		ck_assert_int_eq(event_yield(&F.y), 0);
	return 0;
}

/* Reads nothing: its socket stays readable, pending at every iteration. */
static int on_other(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	(void)s, (void)fd, (void)revents;
	if (F.seq < sizeof(F.order) - 1)
		F.order[F.seq++] = *(const char *)userdata;
	return 0;
}

/* The flooded source plus two always-pending sources at the normal priority ('a', 'b'). */
static sd_event *setup(bool yield, sd_event_source **src, sd_event_source **a, sd_event_source **b)
{
	sd_event *e;

	F = (struct flood){ .yield = yield };
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, F.fds), 0);
	ck_assert_int_eq(write(F.fds[1], "x", 1), 1);
	ck_assert_int_eq(sd_event_new(&e), 0);
	ck_assert_int_eq(sd_event_add_io(e, src, F.fds[0], EPOLLIN, on_flood, NULL), 0);
	ck_assert_int_eq(event_yield_init(&F.y, *src, HIGH, SD_EVENT_PRIORITY_NORMAL), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, F.other), 0);
	ck_assert_int_eq(write(F.other[1], "x", 1), 1);
	ck_assert_int_eq(write(F.other[0], "x", 1), 1);
	ck_assert_int_eq(sd_event_add_io(e, a, F.other[0], EPOLLIN, on_other, (void *)"a"), 0);
	ck_assert_int_eq(sd_event_add_io(e, b, F.other[1], EPOLLIN, on_other, (void *)"b"), 0);
	return e;
}

static void teardown(sd_event *e, sd_event_source *src, sd_event_source *a, sd_event_source *b)
{
	event_yield_done(&F.y);
	sd_event_source_disable_unref(src);
	sd_event_source_disable_unref(a);
	sd_event_source_disable_unref(b);
	sd_event_unref(e);
	close(F.fds[0]);
	close(F.fds[1]);
	close(F.other[0]);
	close(F.other[1]);
}

/* Without the yield the flooded source runs alone: what the helper exists for. */
START_TEST(without_yield_the_others_starve)
{
	sd_event_source *src, *a, *b;
	sd_event *e = setup(false, &src, &a, &b);

	for (int i = 0; i < 30; i++)
		ck_assert_int_ge(sd_event_run(e, 0), 0);
	ck_assert_str_eq(F.order, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
	teardown(e, src, a, b);
}
END_TEST

/* With it: the flooded source first, then each pending source once, then it again. */
START_TEST(yield_lets_each_pending_source_run_once)
{
	sd_event_source *src, *a, *b;
	sd_event *e = setup(true, &src, &a, &b);
	int64_t prio;

	for (int i = 0; i < 30; i++)
		ck_assert_int_ge(sd_event_run(e, 0), 0);
	/* F, the two others (in either order), the restore (not recorded), F again, ... */
	ck_assert_uint_eq(strlen(F.order), 23);
	for (size_t i = 0; i + 2 < strlen(F.order); i += 3) {
		ck_assert_int_eq(F.order[i], 'F');
		ck_assert(strchr("ab", F.order[i + 1]) && strchr("ab", F.order[i + 2]) &&
			  F.order[i + 1] != F.order[i + 2]);
	}
	ck_assert_uint_eq(F.y.yields, 8);
	/* After F's last run it is yielded: low priority until the restore runs. */
	ck_assert_int_eq(sd_event_source_get_priority(src, &prio), 0);
	ck_assert_int_eq(prio, SD_EVENT_PRIORITY_NORMAL);
	teardown(e, src, a, b);
}
END_TEST

/* Alone, the flooded source is dispatched at every other iteration (the restore between) and
 * is back at its priority as soon as nothing else waits. */
START_TEST(yield_alone_restores_the_priority)
{
	sd_event_source *src, *a, *b;
	sd_event *e = setup(true, &src, &a, &b);
	int64_t prio;

	ck_assert_int_eq(sd_event_source_set_enabled(a, SD_EVENT_OFF), 0);
	ck_assert_int_eq(sd_event_source_set_enabled(b, SD_EVENT_OFF), 0);
	for (int i = 0; i < 20; i++)
		ck_assert_int_ge(sd_event_run(e, 0), 0);
	ck_assert_uint_eq(F.runs, 10); /* F, the restore, F, ... */
	ck_assert_int_eq(sd_event_source_get_priority(src, &prio), 0);
	ck_assert_int_eq(prio, HIGH);
	ck_assert_int_eq(sd_event_run(e, 0), 1);
	ck_assert_uint_eq(F.runs, 11);
	ck_assert_int_eq(sd_event_source_get_priority(src, &prio), 0);
	ck_assert_int_eq(prio, SD_EVENT_PRIORITY_NORMAL);
	teardown(e, src, a, b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("event-yield");
	TCase *t = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(t, without_yield_the_others_starve);
	tcase_add_test(t, yield_lets_each_pending_source_run_once);
	tcase_add_test(t, yield_alone_restores_the_priority);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
