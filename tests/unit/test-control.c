/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket (src/control/control.h) with real peers: a child process
 * that is a member of the socket's group only through a supplementary group is
 * served, one that is not is refused; idle connections are dropped after the
 * timeout; a deferred answer arrives when it is completed, and its wait is not idle.
 * Subscribers (monitor): exempt from the idle timeout, bounded in number, each in
 * its own mode; a subscriber that does not read never blocks the publisher: lines
 * are dropped and counted, and it is told how many once it reads again.
 * The event lines themselves (ctl-event.h) are checked byte for byte.
 * Needs root (setgroups/setuid in the children).
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "control/control.h"
#include "control/ctl-event.h"
#include "core/time-util.h"

#define GROUP 4242

static struct {
	sd_event *e;
	struct ctl_server *srv;
	char dir[64], path[128];
	uint64_t deferred;
	unsigned handled;
} F;

static int handler(void *userdata, int argc, char **argv, bool json, FILE *out)
{
	F.handled++;
	if (strcmp(argv[0], "monitor") == 0) {
		int r = ctl_subscribe(F.srv);
		if (r < 0)
			fprintf(out, "busy");
		return r < 0 ? r : CTL_SUBSCRIBED;
	}
	if (strcmp(argv[0], "later") == 0) {
		F.deferred = ctl_defer(F.srv);
		return CTL_DEFERRED;
	}
	fprintf(out, "pong admin=%d\n", ctl_peer_is_admin(F.srv));
	return 0;
}

static void setup(void)
{
	memset(&F, 0, sizeof(F));
	strcpy(F.dir, "/tmp/mip6-ctl-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(F.dir));
	ck_assert_int_eq(chmod(F.dir, 0755), 0);
	snprintf(F.path, sizeof(F.path), "%s/ctl", F.dir);
	ck_assert_int_ge(sd_event_new(&F.e), 0);
	ck_assert_int_eq(ctl_server_new(F.e, F.path, GROUP, handler, NULL, &F.srv), 0);
	/* World-writable for the test: the peer check, not the file mode, must refuse. */
	ck_assert_int_eq(chmod(F.path, 0666), 0);
}

static void teardown(void)
{
	F.srv = ctl_server_free(F.srv);
	F.e = sd_event_unref(F.e);
	rmdir(F.dir);
}

static int connect_to(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	strcpy(sa.sun_path, F.path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read until EOF (at most len - 1 bytes). */
static ssize_t read_all(int fd, char *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;

	while (off < len - 1 && (n = read(fd, buf + off, len - 1 - off)) > 0)
		off += (size_t)n;
	buf[off] = 0;
	return (ssize_t)off;
}

/* A child with uid 5000, primary gid 5000 and the supplementary group sup: 0 = got "ok". */
static int child_request(gid_t sup)
{
	char buf[256];
	int fd;

	signal(SIGPIPE, SIG_IGN); /* a refused peer may see EPIPE: that is a refusal too */
	if (setgroups(1, &sup) < 0 || setgid(5000) < 0 || setuid(5000) < 0)
		return 10;
	fd = connect_to();
	if (fd < 0)
		return 11;
	if (write(fd, "text ping\n", 10) != 10)
		return 1;
	read_all(fd, buf, sizeof(buf));
	/* Served, and as a reader only: not uid 0 (ctl_peer_is_admin). */
	return strncmp(buf, "ok\npong admin=0\n", 16) == 0 ? 0 : strncmp(buf, "ok\npong", 7) == 0 ? 2 : 1;
}

/* Run the loop until the child exits; its exit status. */
static int run_child(gid_t sup)
{
	usec_t deadline = now_usec() + 5 * USEC_PER_SEC;
	pid_t pid = fork();
	int st = -1;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(child_request(sup));
	while (now_usec() < deadline) {
		ck_assert_int_ge(sd_event_run(F.e, 10 * USEC_PER_MSEC), 0);
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

START_TEST(peer_in_group_pure)
{
	gid_t g[3] = { 10, GROUP, 20 };

	ck_assert(ctl_peer_in_group(GROUP, GROUP, NULL, 0));
	ck_assert(ctl_peer_in_group(GROUP, 5000, g, 3));
	ck_assert(!ctl_peer_in_group(GROUP, 5000, g, 1));
	ck_assert(!ctl_peer_in_group(GROUP, 5000, NULL, 0));
	ck_assert(!ctl_peer_in_group((gid_t)-1, (gid_t)-1, NULL, 0));
}
END_TEST

START_TEST(supplementary_group_member_served)
{
	ck_assert_int_eq(run_child(GROUP), 0);
	ck_assert_uint_eq(F.handled, 1);
	/* Not a member: the connection is closed without a reply. */
	ck_assert_int_eq(run_child(GROUP + 1), 1);
	ck_assert_uint_eq(F.handled, 1);
}
END_TEST

static void pump(int ms)
{
	usec_t deadline = now_usec() + (usec_t)ms * USEC_PER_MSEC;

	do /* at least once: a descheduled test must not skip the loop */
		ck_assert_int_ge(sd_event_run(F.e, 5 * USEC_PER_MSEC), 0);
	while (now_usec() < deadline);
}

/* Runs the loop until the handler has seen n requests (5 s at most). */
static bool handled_within(unsigned n)
{
	usec_t deadline = now_usec() + 5 * USEC_PER_SEC;

	while (F.handled < n && now_usec() < deadline)
		ck_assert_int_ge(sd_event_run(F.e, 5 * USEC_PER_MSEC), 0);
	return F.handled >= n;
}

static bool read_until(int fd, char *buf, size_t size, size_t *off, const char *want, int ms);

/* Closed by the server within ms? (EOF readable) */
static bool closed_within(int fd, int ms)
{
	usec_t deadline = now_usec() + (usec_t)ms * USEC_PER_MSEC;
	char c;

	while (now_usec() < deadline) {
		ck_assert_int_ge(sd_event_run(F.e, 5 * USEC_PER_MSEC), 0);
		if (recv(fd, &c, 1, MSG_DONTWAIT) == 0)
			return true;
	}
	return false;
}

START_TEST(idle_connection_dropped)
{
	int fd;

	usec_t t0;

	ctl_server_set_idle_timeout(F.srv, 1 * USEC_PER_SEC);
	t0 = now_usec();
	fd = connect_to();
	ck_assert_int_ge(fd, 0);
	ck_assert(!closed_within(fd, 300));
	ck_assert_int_eq(write(fd, "text pi", 7), 7); /* half a request does not keep it */
	ck_assert(closed_within(fd, 5000));
	ck_assert_uint_ge(now_usec() - t0, 1 * USEC_PER_SEC);
	ck_assert_uint_eq(F.handled, 0);
	close(fd);
}
END_TEST

START_TEST(deferred_answer)
{
	char buf[64];
	size_t off;
	int fd;

	ctl_server_set_idle_timeout(F.srv, 500 * USEC_PER_MSEC);
	fd = connect_to();
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "text later\n", 11), 11);
	ck_assert(handled_within(1));
	pump(1500); /* longer than the idle timeout: a deferred answer's wait is not idle */
	ck_assert_uint_eq(F.handled, 1);
	ck_assert_uint_ne(F.deferred, 0);
	ctl_complete(F.srv, F.deferred + 1, 0, "wrong\n", 6); /* no such connection: nothing */
	ctl_complete(F.srv, F.deferred, 0, "done\n", 5);
	off = 0;
	ck_assert(read_until(fd, buf, sizeof(buf), &off, "done\n", 5000));
	ck_assert_str_eq(buf, "ok\ndone\n");
	close(fd);
	/* JSON mode: an error is JSON. */
	fd = connect_to();
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "json later\n", 11), 11);
	ck_assert(handled_within(2));
	ctl_complete(F.srv, F.deferred, -EIO, "it \"failed\"", 11);
	off = 0;
	ck_assert(read_until(fd, buf, sizeof(buf), &off, "}\n", 5000));
	ck_assert_str_eq(buf, "error: {\"error\":\"it \\\"failed\\\"\"}\n");
	close(fd);
	ck_assert_uint_eq(ctl_defer(F.srv), 0); /* outside a handler */
}
END_TEST

/* Reads what is there within ms into buf (appending from *off) until it holds want. */
static bool read_until(int fd, char *buf, size_t size, size_t *off, const char *want, int ms)
{
	usec_t deadline = now_usec() + (usec_t)ms * USEC_PER_MSEC;

	while (now_usec() < deadline) {
		ssize_t n;

		ck_assert_int_ge(sd_event_run(F.e, 5 * USEC_PER_MSEC), 0);
		while (*off < size - 1 && (n = recv(fd, buf + *off, size - 1 - *off, MSG_DONTWAIT)) > 0)
			*off += (size_t)n;
		buf[*off] = 0;
		if (strstr(buf, want))
			return true;
	}
	return false;
}

/* The test's events: a counter and a fixed pad, in the mode asked. */
struct tev {
	unsigned n;
	size_t pad;
};

static int tev_format(void *userdata, bool json, char *buf, size_t size)
{
	const struct tev *t = userdata;

	return snprintf(buf, size, json ? "{\"n\":%u,\"pad\":\"%*s\"}\n" : "n=%u pad=%*s\n", t->n, (int)t->pad, "");
}

static int subscribe(const char *req)
{
	char buf[64];
	size_t off = 0;
	int fd = connect_to();

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	ck_assert_msg(read_until(fd, buf, sizeof(buf), &off, "ok\n", 2000), "no ok: '%s'", buf);
	ck_assert_str_eq(buf, "ok\n");
	return fd;
}

START_TEST(monitor_subscribers)
{
	struct ctl_monitor_stats st;
	struct tev t = { .n = 1 };
	char buf[256];
	size_t off = 0;
	int fj, ft, fds[CTL_MAX_SUBSCRIBERS], fd;

	ctl_server_set_idle_timeout(F.srv, 200 * USEC_PER_MSEC);
	ck_assert(!ctl_has_subscribers(F.srv));
	ctl_publish(F.srv, tev_format, &t); /* nobody listens: nothing formatted, nothing counted */
	fj = subscribe("json monitor\n");
	ft = subscribe("text monitor\n");
	ck_assert(!closed_within(fj, 600)); /* longer than the idle timeout: subscribers stay */
	ctl_publish(F.srv, tev_format, &t);
	ck_assert(read_until(fj, buf, sizeof(buf), &off, "\n", 2000));
	ck_assert_str_eq(buf, "{\"n\":1,\"pad\":\"\"}\n");
	off = 0;
	ck_assert(read_until(ft, buf, sizeof(buf), &off, "\n", 2000));
	ck_assert_str_eq(buf, "n=1 pad=\n");
	ctl_get_monitor_stats(F.srv, &st);
	ck_assert_uint_eq(st.subscribers, 2);
	ck_assert_uint_eq(st.published, 1);
	ck_assert_uint_eq(st.lost, 0);
	/* At most CTL_MAX_SUBSCRIBERS: the next one is refused with an error, ordinary requests still served. */
	for (int i = 2; i < CTL_MAX_SUBSCRIBERS; i++)
		fds[i] = subscribe("text monitor\n");
	fd = connect_to();
	ck_assert_int_eq(write(fd, "text monitor\n", 13), 13);
	off = 0;
	ck_assert(read_until(fd, buf, sizeof(buf), &off, "busy", 2000));
	ck_assert_str_eq(buf, "error: busy\n");
	close(fd);
	fd = connect_to();
	ck_assert_int_eq(write(fd, "text ping\n", 10), 10);
	off = 0;
	ck_assert(read_until(fd, buf, sizeof(buf), &off, "pong", 2000));
	ck_assert_msg(read_until(fd, buf, sizeof(buf), &off, "ok\npong admin=1\n", 2000), "%s", buf); /* uid 0 may change state */
	close(fd);
	/* A subscriber that goes away frees its place. */
	close(fj);
	for (int i = 2; i < CTL_MAX_SUBSCRIBERS; i++)
		close(fds[i]);
	for (int i = 0; i < 100 && (ctl_get_monitor_stats(F.srv, &st), st.subscribers > 1); i++)
		pump(10);
	ck_assert_uint_eq(st.subscribers, 1);
	close(ft);
}
END_TEST

/* A subscriber that does not read: publishing never blocks; lines are dropped, counted, then reported. */
START_TEST(monitor_slow_subscriber)
{
	static char buf[1 << 22];
	struct ctl_monitor_stats st;
	struct tev t = { .pad = 900 };
	size_t off = 0;
	usec_t t0;
	int fd = subscribe("text monitor\n");

	t0 = now_usec();
	for (t.n = 1; t.n <= 4000; t.n++) /* ~3.6 MB: more than the queue and the socket buffer */
		ctl_publish(F.srv, tev_format, &t);
	ck_assert_uint_lt(now_usec() - t0, 2 * USEC_PER_SEC);
	pump(100);
	for (t.n = 4001; t.n <= 8000; t.n++)
		ctl_publish(F.srv, tev_format, &t);
	ctl_get_monitor_stats(F.srv, &st);
	ck_assert_uint_eq(st.published, 8000);
	ck_assert_uint_gt(st.lost, 0);
	/* One more, small, once the queue has room: the last losses are reported before it. */
	while (read_until(fd, buf, sizeof(buf), &off, "n=8000 ", 200))
		;
	t.n = 9000;
	t.pad = 0;
	ctl_publish(F.srv, tev_format, &t);
	ck_assert_msg(read_until(fd, buf, sizeof(buf), &off, "n=9000 pad=\n", 2000), "no last event");
	ctl_get_monitor_stats(F.srv, &st);
	ck_assert_uint_eq(st.published, 8001);
	/* Every event is either received (in order) or counted in a "lost" line: none vanish. */
	{
		unsigned long long received = 0, lost = 0, last = 0, v;
		char *save = NULL;

		for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char *p = strstr(l, " lost count=");
			if (p) {
				lost += strtoull(p + 12, NULL, 10);
				continue;
			}
			ck_assert_int_eq(sscanf(l, "n=%llu", &v), 1);
			ck_assert_uint_gt(v, last);
			last = v;
			received++;
		}
		ck_assert_uint_gt(lost, 0);
		ck_assert_uint_eq(lost, st.lost);
		ck_assert_uint_eq(received + lost, 8001);
	}
	close(fd);
}
END_TEST

/* The event lines, byte for byte (the time is fixed: 2026-12-02 11:22:39.123 UTC). */
START_TEST(event_lines)
{
	struct in6_addr hoa, coa;
	struct mip6_event ev = MIP6_EVENT_INIT(MIP6_EV_REJECT);
	uint64_t when = 1796210559123000ULL;
	char buf[512];

	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8:1::100", &hoa), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8:2::100", &coa), 1);
	ev.hoa = &hoa;
	ev.coa = &coa;
	ev.status = 129;
	ev.seq = 7;
	ev.reason = "administratively prohibited";
	ck_assert_int_gt(mip6_event_format(&ev, when, false, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2026-12-02T11:22:39.123Z reject hoa=2001:db8:1::100 coa=2001:db8:2::100 status=129 "
			      "seq=7 reason=\"administratively prohibited\"\n");
	ck_assert_int_gt(mip6_event_format(&ev, when, true, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "{\"time\":\"2026-12-02T11:22:39.123Z\",\"event\":\"reject\",\"hoa\":\"2001:db8:1::100\","
			      "\"coa\":\"2001:db8:2::100\",\"status\":129,\"reason\":\"administratively prohibited\","
			      "\"seq\":7}\n");
	ev = (struct mip6_event)MIP6_EVENT_INIT(MIP6_EV_REGISTER);
	ev.hoa = &hoa;
	ev.coa = &coa;
	ev.peer = &hoa;
	ev.lifetime = 0; /* 0 is a value, not "absent" */
	ck_assert_int_gt(mip6_event_format(&ev, when, true, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "{\"time\":\"2026-12-02T11:22:39.123Z\",\"event\":\"register\",\"hoa\":\"2001:db8:1::100\","
			      "\"coa\":\"2001:db8:2::100\",\"peer\":\"2001:db8:1::100\",\"lifetime\":0}\n");
	ck_assert_int_eq(mip6_event_format(&ev, when, false, buf, 20), -ENOSPC);
	ck_assert_int_eq(mip6_event_format(&ev, when, true, buf, 20), -ENOSPC);
	for (int i = 0; i < _MIP6_EV_MAX; i++)
		ck_assert_str_ne(mip6_event_type_to_string(i), "?");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("control");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, peer_in_group_pure);
	tcase_add_test(tc, supplementary_group_member_served);
	tcase_add_test(tc, idle_connection_dropped);
	tcase_add_test(tc, deferred_answer);
	tcase_add_test(tc, monitor_subscribers);
	tcase_add_test(tc, monitor_slow_subscriber);
	tcase_add_test(tc, event_lines);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	if (geteuid() != 0)
		return 77;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
