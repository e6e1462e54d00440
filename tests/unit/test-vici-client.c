/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VICI client against a fake VICI server in the same process: a UNIX listening
 * socket in a temp dir, driven by the same sd_event loop, speaking the codec.
 * No sleeps: every wait polls the loop until a condition holds, and every test
 * has a hangcheck time source.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "core/cleanup.h"
#include "core/time-util.h"
#include "vici/vici-client.h"
#include "vici/vici-codec.h"

#include "fake-vici.h"

#define HANGCHECK_USEC (10 * USEC_PER_SEC)

/* ------------------------------------------------------------- fixture */

struct events_log {
	unsigned n;
	char names[16][64]; /* "<event>:<first top-level section>" */
};

static struct {
	sd_event *e;
	sd_event_source *hangcheck;
	bool hung;
	char dir[64];
	struct fake_server srv;
	struct vici_client *c;
	unsigned connected;
	struct events_log events;
} T;

static int on_hangcheck(sd_event_source *s, uint64_t usec, void *userdata)
{
	T.hung = true;
	return sd_event_exit(T.e, -ETIMEDOUT);
}

static void on_connected(struct vici_client *c, void *userdata)
{
	T.connected++;
}

static void log_event(struct events_log *log, const struct vici_msg *m)
{
	const struct vici_node *first = NULL;

	VICI_NODE_FOREACH(n, &m->root)
		if (n->type == VICI_NODE_SECTION && !first)
			first = n;
	ck_assert_uint_lt(log->n, ELEMENTSOF(log->names));
	snprintf(log->names[log->n++], sizeof(log->names[0]), "%s:%s", m->name,
		 first ? first->name : "");
}

static void on_event(struct vici_client *c, const struct vici_msg *m, void *userdata)
{
	log_event(&T.events, m);
}

static void setup(void)
{
	memset(&T, 0, sizeof(T));
	strcpy(T.dir, "/tmp/test-vici-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(T.dir));
	ck_assert_int_ge(sd_event_new(&T.e), 0);
	ck_assert_int_ge(sd_event_add_time_relative(T.e, &T.hangcheck, MIP6_CLOCK, HANGCHECK_USEC, 0,
						    on_hangcheck, NULL),
			 0);
	T.srv.e = T.e;
	T.srv.lfd = -1;
	snprintf(T.srv.path, sizeof(T.srv.path), "%s/charon.vici", T.dir);
	ck_assert_int_eq(vici_client_new(T.e, T.srv.path, &T.c), 0);
	ck_assert_int_eq(vici_client_set_backoff(T.c, 2 * USEC_PER_MSEC, 20 * USEC_PER_MSEC), 0);
	vici_client_set_connected_handler(T.c, on_connected, NULL);
	vici_client_set_event_handler(T.c, on_event, NULL);
}

static void teardown(void)
{
	T.c = vici_client_free(T.c);
	fake_stop(&T.srv);
	sd_event_source_disable_unref(T.hangcheck);
	sd_event_unref(T.e);
	rmdir(T.dir);
}

#define RUN_UNTIL(cond)                                                                     \
	do {                                                                                \
		while (!(cond)) {                                                           \
			ck_assert_msg(!T.hung, "hangcheck fired waiting for: %s", #cond);  \
			ck_assert_int_ge(sd_event_run(T.e, UINT64_MAX), 0);                 \
		}                                                                           \
	} while (0)

/* Run the loop until nothing is pending (the sockets are idle). */
static void run_idle(void)
{
	while (sd_event_run(T.e, 0) > 0)
		ck_assert(!T.hung);
}

struct result {
	bool done;
	int error;
	char daemon[32];
	size_t n_items; /* number of top-level elements in the reply */
	struct events_log stream;
	unsigned stream_before_done; /* stream events seen when the reply came */
	uint8_t *echo;
	size_t echo_len;
};

static void on_reply(struct vici_client *c, int error, const struct vici_msg *reply, void *userdata)
{
	struct result *r = userdata;

	ck_assert(!r->done);
	r->done = true;
	r->error = error;
	r->stream_before_done = r->stream.n;
	if (!reply)
		return;
	ck_assert_int_eq(reply->type, VICI_CMD_RESPONSE);
	if (vici_msg_get(reply, "daemon"))
		snprintf(r->daemon, sizeof(r->daemon), "%s", vici_msg_get(reply, "daemon"));
	VICI_NODE_FOREACH(n, &reply->root)
		r->n_items++;
	if (vici_msg_get_value(reply, "blob")) {
		const struct vici_value *v = vici_msg_get_value(reply, "blob");

		r->echo = malloc(v->len);
		memcpy(r->echo, v->data, v->len);
		r->echo_len = v->len;
	}
}

static void on_stream(struct vici_client *c, const struct vici_msg *m, void *userdata)
{
	struct result *r = userdata;

	log_event(&r->stream, m);
}

static void call(const char *cmd, usec_t timeout, struct result *r)
{
	struct vici_builder *b = NULL;

	memset(r, 0, sizeof(*r));
	ck_assert_int_eq(vici_builder_new(VICI_CMD_REQUEST, cmd, &b), 0);
	ck_assert_int_eq(vici_client_call(T.c, b, NULL, timeout, on_reply, NULL, r), 0);
}

/* ---------------------------------------------------------------- tests */

START_TEST(command_roundtrip)
{
	struct result r, u;

	fake_listen(&T.srv);
	ck_assert_int_eq(vici_client_start(T.c), 0);
	call("version", 0, &r);
	call("no-such-command", 0, &u);
	RUN_UNTIL(r.done && u.done && T.connected == 1);
	ck_assert_int_eq(r.error, 0);
	ck_assert_str_eq(r.daemon, "fake-charon");
	ck_assert_int_eq(u.error, -EOPNOTSUPP);
	ck_assert(vici_client_is_connected(T.c));
	/* Two connections: commands and events. */
	ck_assert_uint_eq(T.srv.accepted, 2);
	ck_assert_int_eq(vici_client_call(T.c, NULL, NULL, 0, NULL, NULL, NULL), -EINVAL);
	{
		struct vici_builder *b = NULL;

		ck_assert_int_eq(vici_builder_new(VICI_CMD_RESPONSE, NULL, &b), 0);
		ck_assert_int_eq(vici_client_call(T.c, b, NULL, 0, NULL, NULL, NULL), -EINVAL);
	}
}
END_TEST

START_TEST(frames_in_pieces)
{
	struct result r[3];

	T.srv.chunk = 1; /* the server writes one byte per wakeup */
	fake_listen(&T.srv);
	ck_assert_int_eq(vici_client_start(T.c), 0);
	call("version", 0, &r[0]);
	call("version", 0, &r[1]);
	call("version", 0, &r[2]);
	RUN_UNTIL(r[2].done);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(r[i].error, 0);
		ck_assert_str_eq(r[i].daemon, "fake-charon");
	}
}
END_TEST

START_TEST(large_frames)
{
	_cleanup_(freep) uint8_t *blob = malloc(VICI_VALUE_MAX);
	struct vici_builder *b = NULL;
	struct result r;

	for (size_t i = 0; i < VICI_VALUE_MAX; i++)
		blob[i] = (uint8_t)(i * 7 + 3);
	fake_listen(&T.srv);
	ck_assert_int_eq(vici_client_start(T.c), 0);
	/* ~512 KiB request, echoed back: partial writes and reads both ways. */
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(vici_builder_new(VICI_CMD_REQUEST, "echo", &b), 0);
	for (int i = 0; i < 6; i++)
		vici_builder_add(b, "pad", blob, VICI_VALUE_MAX);
	vici_builder_add(b, "blob", blob, VICI_VALUE_MAX);
	ck_assert_int_eq(vici_client_call(T.c, b, NULL, 0, on_reply, NULL, &r), 0);
	RUN_UNTIL(r.done);
	ck_assert_int_eq(r.error, 0);
	ck_assert_uint_eq(r.n_items, 7);
	ck_assert_uint_eq(r.echo_len, VICI_VALUE_MAX);
	ck_assert_mem_eq(r.echo, blob, VICI_VALUE_MAX);
	free(r.echo);
}
END_TEST

START_TEST(streamed_reply)
{
	struct vici_builder *b = NULL;
	struct result r, again;

	fake_listen(&T.srv);
	ck_assert_int_eq(vici_client_start(T.c), 0);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(vici_builder_new(VICI_CMD_REQUEST, "list-sas", &b), 0);
	vici_builder_add_str(b, "noblock", "yes");
	ck_assert_int_eq(vici_client_call(T.c, b, "list-sa", 0, on_reply, on_stream, &r), 0);
	RUN_UNTIL(r.done);
	ck_assert_int_eq(r.error, 0);
	/* Both events came before the response, in order, to the command's callback only. */
	ck_assert_uint_eq(r.stream_before_done, 2);
	ck_assert_str_eq(r.stream.names[0], "list-sa:ike-a");
	ck_assert_str_eq(r.stream.names[1], "list-sa:ike-b");
	ck_assert_uint_eq(T.events.n, 0);
	/* The second list-sas does not register again. */
	ck_assert_uint_eq(T.srv.registrations, 1);
	memset(&again, 0, sizeof(again));
	ck_assert_int_eq(vici_builder_new(VICI_CMD_REQUEST, "list-sas", &b), 0);
	ck_assert_int_eq(vici_client_call(T.c, b, "list-sa", 0, on_reply, on_stream, &again), 0);
	RUN_UNTIL(again.done);
	ck_assert_uint_eq(again.stream.n, 2);
	ck_assert_uint_eq(T.srv.registrations, 1);
	/* A stream event charon does not know fails the command. */
	memset(&again, 0, sizeof(again));
	ck_assert_int_eq(vici_builder_new(VICI_CMD_REQUEST, "list-conns", &b), 0);
	ck_assert_int_eq(vici_client_call(T.c, b, "list-conn", 0, on_reply, on_stream, &again), 0);
	RUN_UNTIL(again.done);
	ck_assert_int_eq(again.error, -EOPNOTSUPP);
}
END_TEST

START_TEST(event_delivery)
{
	ck_assert_int_eq(vici_client_register_event(T.c, "ike-updown"), 0);
	ck_assert_int_eq(vici_client_register_event(T.c, "bogus"), 0); /* unknown: skipped */
	ck_assert_int_eq(vici_client_register_event(T.c, "ike-updown"), 0); /* duplicate */
	ck_assert_int_eq(vici_client_register_event(T.c, ""), -EINVAL);
	fake_listen(&T.srv);
	ck_assert_int_eq(vici_client_start(T.c), 0);
	RUN_UNTIL(T.connected == 1);
	ck_assert_uint_eq(T.srv.registrations, 2);
	ck_assert_uint_eq(fake_emit(&T.srv, "ike-updown", "home"), 1);
	RUN_UNTIL(T.events.n == 1);
	ck_assert_str_eq(T.events.names[0], "ike-updown:home");
	/* Registering later, while connected, goes out at once. */
	ck_assert_int_eq(vici_client_register_event(T.c, "list-sa"), 0);
	RUN_UNTIL(T.srv.registrations == 3);
	run_idle();
	ck_assert_uint_eq(fake_emit(&T.srv, "list-sa", "x"), 1);
	RUN_UNTIL(T.events.n == 2);
	ck_assert_str_eq(T.events.names[1], "list-sa:x");
	ck_assert_uint_eq(T.connected, 1);
}
END_TEST

START_TEST(command_timeout)
{
	struct result hang, next, queued_out;

	fake_listen(&T.srv);
	ck_assert_int_eq(vici_client_start(T.c), 0);
	call("hang", 30 * USEC_PER_MSEC, &hang);
	call("version", 0, &next);
	/* Times out while still queued behind "hang". */
	call("version", 10 * USEC_PER_MSEC, &queued_out);
	RUN_UNTIL(hang.done && next.done && queued_out.done);
	ck_assert_int_eq(hang.error, -ETIMEDOUT);
	ck_assert_int_eq(queued_out.error, -ETIMEDOUT);
	ck_assert_uint_eq(queued_out.stream_before_done, 0);
	/* The queued command survived the reconnect that the timeout caused. */
	ck_assert_int_eq(next.error, 0);
	ck_assert_str_eq(next.daemon, "fake-charon");
	ck_assert_uint_eq(T.srv.accepted, 3);
}
END_TEST

START_TEST(server_restart)
{
	struct result closed, queued, after;

	ck_assert_int_eq(vici_client_register_event(T.c, "ike-updown"), 0);
	/* charon absent at start: the client keeps trying. */
	ck_assert_int_eq(vici_client_start(T.c), 0);
	call("version", 0, &queued);
	run_idle();
	ck_assert(!queued.done);
	fake_listen(&T.srv);
	RUN_UNTIL(T.connected == 1 && queued.done);
	ck_assert_int_eq(queued.error, 0);

	/* The command in flight when charon drops the connection fails. */
	call("close", 0, &closed);
	RUN_UNTIL(closed.done);
	ck_assert_int_eq(closed.error, -ECONNRESET);

	/* charon stops: both connections go; a command queued meanwhile waits. */
	fake_stop(&T.srv);
	RUN_UNTIL(!vici_client_is_connected(T.c));
	call("version", 0, &after);
	run_idle();
	ck_assert(!after.done);
	T.srv.registrations = 0;
	fake_listen(&T.srv);
	RUN_UNTIL(T.connected == 2 && after.done);
	ck_assert_int_eq(after.error, 0);
	/* Events were registered again on the new event connection. */
	ck_assert_uint_eq(T.srv.registrations, 1);
	ck_assert_uint_eq(fake_emit(&T.srv, "ike-updown", "again"), 1);
	RUN_UNTIL(T.events.n == 1);
	ck_assert_str_eq(T.events.names[0], "ike-updown:again");
}
END_TEST

START_TEST(server_garbage)
{
	struct result g, h, next;

	ck_assert_int_eq(vici_client_register_event(T.c, "ike-updown"), 0);
	fake_listen(&T.srv);
	ck_assert_int_eq(vici_client_start(T.c), 0);
	call("garbage", 0, &g);
	RUN_UNTIL(g.done);
	ck_assert_int_eq(g.error, -ECONNRESET);
	call("huge", 0, &h);
	RUN_UNTIL(h.done);
	ck_assert_int_eq(h.error, -ECONNRESET);
	call("version", 0, &next);
	RUN_UNTIL(next.done && T.connected == 1);
	ck_assert_int_eq(next.error, 0);
	ck_assert_uint_eq(T.srv.accepted, 4); /* event + 3 command connections */

	/* Garbage on the event connection: dropped, reconnected, re-registered. */
	for (struct fake_conn *fc = T.srv.conns; fc; fc = fc->next)
		if (fconn_has_event(fc, "ike-updown"))
			fconn_write(fc, "\x00\x00\x00\x01\x01", 5); /* CMD_RESPONSE on the event conn */
	RUN_UNTIL(T.connected == 2);
	ck_assert_uint_eq(T.srv.registrations, 2);
	ck_assert_uint_eq(fake_n_conns(&T.srv), 2);
}
END_TEST

START_TEST(free_cancels)
{
	struct result r;

	ck_assert_int_eq(vici_client_start(T.c), 0); /* no server */
	call("version", 0, &r);
	T.c = vici_client_free(T.c);
	ck_assert(r.done);
	ck_assert_int_eq(r.error, -ECANCELED);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vici-client");
	TCase *tc = tcase_create("client");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, command_roundtrip);
	tcase_add_test(tc, frames_in_pieces);
	tcase_add_test(tc, large_frames);
	tcase_add_test(tc, streamed_reply);
	tcase_add_test(tc, event_delivery);
	tcase_add_test(tc, command_timeout);
	tcase_add_test(tc, server_restart);
	tcase_add_test(tc, server_garbage);
	tcase_add_test(tc, free_cancels);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
