/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runs the real mip6d binary with a notify socket of our own, the way systemd
 * would, and checks its life cycle: READY=1 and STATUS=, WATCHDOG=1 when
 * WATCHDOG_USEC is set, SIGHUP reload (good and bad config), SIGTERM → STOPPING=1
 * and exit 0. Also `-n`, `--version` and a config error with file:line:column.
 * Every `mip6ctl --json` answer of the daemon (and mip6ctl's own errors) is
 * parsed with json-c: one JSON object on standard output, errors included.
 */
#include <check.h>
#include <sched.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[] = "/tmp/mip6d-test-XXXXXX";
static char mip6d[4096], mip6ctl[4096];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read notify datagrams until one contains `want`; returns 1 when seen, 0 on timeout. */
static int wait_notify(int fd, const char *want, int timeout_ms, char *last, size_t lastsz)
{
	long deadline = ms_now() + timeout_ms;

	for (;;) {
		long left = deadline - ms_now();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char buf[4096];
		ssize_t n;

		if (left <= 0)
			return 0;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = 0;
		if (last)
			snprintf(last, lastsz, "%s", buf);
		if (strstr(buf, want))
			return 1;
	}
}

static pid_t spawn(const char *conf, const char *notify, const char *watchdog_usec)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		setenv("NOTIFY_SOCKET", notify, 1);
		if (watchdog_usec)
			setenv("WATCHDOG_USEC", watchdog_usec, 1);
		unsetenv("WATCHDOG_PID");
		unsetenv("JOURNAL_STREAM");
		if (null >= 0 && !getenv("MIP6D_TEST_VERBOSE"))
			dup2(null, 2);
		char ctl[600];
		snprintf(ctl, sizeof(ctl), "%s/ctl", dir);
		execl(mip6d, "mip6d", "-c", conf, "-s", ctl, "-l", "stderr", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int wait_exit(pid_t pid, int timeout_ms)
{
	long deadline = ms_now() + timeout_ms;
	int status;

	while (ms_now() < deadline) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		struct timespec ts = { 0, 10 * 1000000 };
		nanosleep(&ts, NULL); /* poll interval of the child's exit, bounded by the deadline */
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static int bind_notify(char *path, size_t pathsz)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(path, pathsz, "%s/notify", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static int run_capture(const char *cmd, char *out, size_t outsz);

/*
 * Run `mip6ctl -s SOCK --json ARGS` (stderr discarded), expect exit code want_exit and
 * exactly one JSON object on stdout that has key; returns it (the caller puts it).
 */
static json_object *ctl_json(const char *sock, const char *args, int want_exit, const char *key)
{
	char cmd[8192], out[65536];
	json_tokener *tok = json_tokener_new();
	json_object *o;
	size_t end;

	int r;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	snprintf(cmd, sizeof(cmd), "%s -s %s --json %s 2>/dev/null", mip6ctl, sock, args);
	r = run_capture(cmd, out, sizeof(out));
	ck_assert_msg(r == want_exit, "%s: exit %d, not %d: '%s'", args, r, want_exit, out);
	o = json_tokener_parse_ex(tok, out, (int)strlen(out));
	ck_assert_msg(o && json_tokener_get_error(tok) == json_tokener_success, "%s: not JSON: '%s'", args, out);
	end = json_tokener_get_parse_end(tok);
	ck_assert_msg(strspn(out + end, "\n") == strlen(out + end), "%s: more after the JSON: '%s'", args, out);
	ck_assert_msg(json_object_is_type(o, json_type_object), "%s: not an object: %s", args, out);
	ck_assert_msg(json_object_object_get_ex(o, key, NULL), "%s: no key '%s' in %s", args, key, out);
	json_tokener_free(tok);
	return o;
}

static const char *json_str(json_object *o, const char *key)
{
	json_object *v;

	ck_assert(json_object_object_get_ex(o, key, &v));
	ck_assert(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

/* Send one raw request line to the control socket; the whole answer into out. */
static void ctl_raw(const char *sock, const char *req, char *out, size_t outsz)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	size_t len = 0;
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
	while (len < outsz - 1 && (n = recv(fd, out + len, outsz - 1 - len, 0)) > 0)
		len += (size_t)n;
	out[len] = 0;
	close(fd);
}

/* Every command a CN answers, and every error, as JSON. */
static void check_ctl_json(void)
{
	static const char *const counter_maps[] = { "in", "out", "drops", "ba_status_out", "ba_status_in", "system_wide" };
	char sock[600];
	json_object *o, *v;

	snprintf(sock, sizeof(sock), "%s/ctl", dir);
	o = ctl_json(sock, "status", 0, "role");
	ck_assert_str_eq(json_str(o, "role"), "CN");
	/* Data, not prose: no summary sentence; ready is a boolean. */
	ck_assert(!json_object_object_get_ex(o, "summary", NULL));
	ck_assert(json_object_object_get_ex(o, "ready", &v) && json_object_is_type(v, json_type_boolean));
	json_object_put(o);
	o = ctl_json(sock, "counters", 0, "drops");
	for (size_t i = 0; i < sizeof(counter_maps) / sizeof(counter_maps[0]); i++) {
		ck_assert_msg(json_object_object_get_ex(o, counter_maps[i], &v) && json_object_is_type(v, json_type_object),
			      "counters: %s is not an object", counter_maps[i]);
	}
	ck_assert(json_object_object_get_ex(o, "drops", &v) && json_object_object_get_ex(v, "malformed", NULL));
	json_object_put(o);
	o = ctl_json(sock, "reload", 0, "reloaded");
	ck_assert(json_object_object_get_ex(o, "reloaded", &v) && json_object_get_boolean(v));
	json_object_put(o);
	/* A CN's binding cache (return routability; empty here). */
	o = ctl_json(sock, "bc", 0, "bindings");
	ck_assert(json_object_object_get_ex(o, "count", &v) && json_object_get_int(v) == 0);
	json_object_put(o);
	/* The daemon's refusals: an unknown command, role commands a CN does not have. */
	static const char *const refused[] = { "no-such-command", "bul", "hal", "prefixes", "ipsec", "bc\\\"x",
					       "$(printf 'x\\377y')" };
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		o = ctl_json(sock, refused[i], 1, "error");
		ck_assert_msg(strstr(json_str(o, "error"), "unknown command"), "%s: %s", refused[i], json_str(o, "error"));
		json_object_put(o);
	}
	/* A malformed request in JSON mode (no command) is answered in JSON too. */
	{
		char out[4096];
		ctl_raw(sock, "json\n", out, sizeof(out));
		ck_assert_str_eq(out, "error: {\"error\":\"malformed request\"}\n");
		ctl_raw(sock, "text\n", out, sizeof(out));
		ck_assert_str_eq(out, "error: malformed request\n");
	}
	/* mip6ctl's own errors: daemon unreachable (3), no command (2), a bad argument (2). */
	snprintf(sock, sizeof(sock), "%s/no-such-socket", dir);
	json_object_put(ctl_json(sock, "status", 3, "error"));
	json_object_put(ctl_json(sock, "", 2, "error"));
	json_object_put(ctl_json(sock, "'two words'", 2, "error"));
}

START_TEST(lifecycle)
{
	char notify[512], conf[512], last[4096];
	int fd = bind_notify(notify, sizeof(notify));
	pid_t pid;

	snprintf(conf, sizeof(conf), "%s/ok.conf", dir);
	write_file(conf, "# test\nNodeConfig CN;\n");
	pid = spawn(conf, notify, "200000");

	ck_assert_msg(wait_notify(fd, "READY=1", 10000, last, sizeof(last)), "no READY=1");
	ck_assert_msg(wait_notify(fd, "STATUS=CN: running", 5000, last, sizeof(last)),
		      "no STATUS (last: %s)", last);
	ck_assert_msg(wait_notify(fd, "WATCHDOG=1", 5000, last, sizeof(last)),
		      "no WATCHDOG=1 with WATCHDOG_USEC set (last: %s)", last);

	/* Good reload. */
	ck_assert_int_eq(kill(pid, SIGHUP), 0);
	ck_assert_msg(wait_notify(fd, "RELOADING=1", 5000, last, sizeof(last)), "no RELOADING=1");
	ck_assert_msg(wait_notify(fd, "reloads 1, failed 0", 5000, last, sizeof(last)),
		      "reload not counted (last: %s)", last);

	/* Bad reload: the daemon keeps running with the old config. */
	write_file(conf, "NodeConfig CN;\nNoSuchKeyword 1;\n");
	ck_assert_int_eq(kill(pid, SIGHUP), 0);
	ck_assert_msg(wait_notify(fd, "reloads 1, failed 1", 5000, last, sizeof(last)),
		      "bad reload not counted (last: %s)", last);

	/* A role change needs a restart. */
	write_file(conf, "NodeConfig MN;\n"
			       "MnHomeLink \"eth0\" {\n  HomeAddress 2001:db8:1::100/64;\n"
			       "  HomeAgentAddress 2001:db8:1::1;\n}\n");
	ck_assert_int_eq(kill(pid, SIGHUP), 0);
	ck_assert_msg(wait_notify(fd, "STATUS=CN: running, config", 5000, last, sizeof(last)) &&
			      strstr(last, "failed 2"),
		      "role change accepted on reload (last: %s)", last);

	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_msg(wait_notify(fd, "STOPPING=1", 5000, last, sizeof(last)), "no STOPPING=1");
	ck_assert_int_eq(wait_exit(pid, 10000), 0);
	close(fd);
}
END_TEST

/*
 * The control socket answers while the daemon runs. Without WATCHDOG_USEC: the test does not
 * read the notify socket while mip6ctl runs, and WATCHDOG=1 every 100 ms would fill its
 * datagram queue and block the daemon's sd_notify (the lifecycle test has the watchdog).
 */
START_TEST(ctl_answers)
{
	char notify[512], conf[512];
	int fd = bind_notify(notify, sizeof(notify));
	pid_t pid;

	snprintf(conf, sizeof(conf), "%s/json.conf", dir);
	write_file(conf, "NodeConfig CN;\n");
	pid = spawn(conf, notify, NULL);
	ck_assert(wait_notify(fd, "READY=1", 10000, NULL, 0));
	/* Answers and exit codes; in text mode errors go to stderr. */
	{
		char cmd[8192], out[8192];
		snprintf(cmd, sizeof(cmd), "%s -s %s/ctl --json status", mip6ctl, dir);
		ck_assert_int_eq(run_capture(cmd, out, sizeof(out)), 0);
		ck_assert_msg(strstr(out, "\"role\":\"CN\""), "status: %s", out);
		snprintf(cmd, sizeof(cmd), "%s -s %s/ctl counters", mip6ctl, dir);
		ck_assert_int_eq(run_capture(cmd, out, sizeof(out)), 0);
		ck_assert_msg(strstr(out, "malformed"), "counters: %s", out);
		snprintf(cmd, sizeof(cmd), "%s -s %s/ctl no-such-command 2>&1", mip6ctl, dir);
		ck_assert_int_eq(run_capture(cmd, out, sizeof(out)), 1);
		ck_assert_msg(strstr(out, "unknown command"), "unknown: %s", out);
		snprintf(cmd, sizeof(cmd), "%s -s %s/no-such-socket status 2>/dev/null", mip6ctl, dir);
		ck_assert_int_eq(run_capture(cmd, out, sizeof(out)), 3);
		snprintf(cmd, sizeof(cmd), "%s 2>/dev/null", mip6ctl);
		ck_assert_int_eq(run_capture(cmd, out, sizeof(out)), 2);
		/* Text mode keeps errors on stderr, nothing on stdout. */
		snprintf(cmd, sizeof(cmd), "%s -s %s/ctl no-such-command 2>/dev/null", mip6ctl, dir);
		ck_assert_int_eq(run_capture(cmd, out, sizeof(out)), 1);
		ck_assert_str_eq(out, "");
	}

	check_ctl_json();
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(wait_exit(pid, 10000), 0);
	close(fd);
}
END_TEST

START_TEST(sigint_exits_cleanly)
{
	char notify[512], conf[512];
	int fd = bind_notify(notify, sizeof(notify));
	pid_t pid;

	snprintf(conf, sizeof(conf), "%s/cn.conf", dir);
	write_file(conf, "NodeConfig CN;\n");
	pid = spawn(conf, notify, NULL);
	ck_assert(wait_notify(fd, "READY=1", 10000, NULL, 0));
	ck_assert_int_eq(kill(pid, SIGINT), 0);
	ck_assert_int_eq(wait_exit(pid, 10000), 0);
	close(fd);
}
END_TEST

static int run_capture(const char *cmd, char *out, size_t outsz)
{
	FILE *p = popen(cmd, "r");
	size_t n;
	int st;

	ck_assert_ptr_nonnull(p);
	n = fread(out, 1, outsz - 1, p);
	out[n] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * A home agent in a private network namespace with one home link. READY=1 must
 * mean "the kernel setup is done": when it comes, the tunnel device and the
 * Mobility Header policy exist already; where the kernel cannot do the setup
 * (no ip6_tunnel or no IPV6_MIP6, as on many hosts), READY=1 never comes and
 * the daemon exits with an error. Before either, STATUS= says what it waits for.
 */
static pid_t spawn_ha_in_netns(const char *conf, const char *notify)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		char ctl[600];

		if (unshare(CLONE_NEWNET) < 0 ||
		    system("ip link set lo up && ip link add home0 type veth peer name home1 && "
			   "ip link set home0 up && ip link set home1 up && "
			   "ip -6 addr add 2001:db8:1::1/64 dev home0 nodad") != 0)
			_exit(77);
		setenv("NOTIFY_SOCKET", notify, 1);
		unsetenv("WATCHDOG_USEC");
		unsetenv("WATCHDOG_PID");
		unsetenv("JOURNAL_STREAM");
		if (null >= 0 && !getenv("MIP6D_TEST_VERBOSE"))
			dup2(null, 2);
		snprintf(ctl, sizeof(ctl), "%s/ctl-ha", dir);
		execl(mip6d, "mip6d", "-c", conf, "-s", ctl, "-l", "stderr", (char *)NULL);
		_exit(127);
	}
	return pid;
}

START_TEST(ready_only_after_kernel_setup)
{
	char notify[512], conf[512], cmd[1024], out[4096];
	int fd = bind_notify(notify, sizeof(notify)), status = 0;
	bool ready = false, waiting = false, exited = false;
	long deadline = ms_now() + 30000;
	pid_t pid;

	snprintf(conf, sizeof(conf), "%s/ha.conf", dir);
	write_file(conf, "NodeConfig HA;\nInterface \"home0\";\nUseMnHaIPsec disabled;\n");
	pid = spawn_ha_in_netns(conf, notify);
	while (!ready && !exited && ms_now() < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char buf[4096];
		ssize_t n;

		if (poll(&p, 1, 50) > 0 && (n = recv(fd, buf, sizeof(buf) - 1, 0)) > 0) {
			buf[n] = 0;
			if (strstr(buf, "STATUS=HA: starting, waiting for the kernel"))
				waiting = true;
			if (strstr(buf, "READY=1"))
				ready = true;
			continue;
		}
		exited = waitpid(pid, &status, WNOHANG) == pid;
	}
	ck_assert_msg(ready || exited, "neither READY=1 nor an exit in 30 s");
	if (exited && WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		close(fd);
		return; /* no network namespace here: nothing to check */
	}
	ck_assert_msg(waiting, "no STATUS= naming what the HA waits for before READY=1");
	if (!ready) {
		/* This kernel cannot do the HA's setup: no READY=1, an error exit. */
		ck_assert(WIFEXITED(status));
		ck_assert_int_ne(WEXITSTATUS(status), 0);
		close(fd);
		return;
	}
	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n ip link show mip6tnl0 >/dev/null 2>&1", (int)pid);
	ck_assert_msg(system(cmd) == 0, "READY=1 before the tunnel device exists");
	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n ip xfrm policy list dir in proto 135 2>&1", (int)pid);
	ck_assert_int_eq(run_capture(cmd, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "proto 135") || strstr(out, "proto mobility-header"),
		      "READY=1 before the Mobility Header policy is installed: %s", out);
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(wait_exit(pid, 10000), 0);
	close(fd);
}
END_TEST

START_TEST(check_mode_and_errors)
{
	char cmd[8192], out[8192], conf[512];

	snprintf(conf, sizeof(conf), "%s/n.conf", dir);
	write_file(conf, "NodeConfig   MN ;  # comment\nDebugLevel 2;\nUseMnHaIPsec disabled;\n"
			       "MnHomeLink \"eth0\" {\n  HomeAddress 2001:db8:1::100/64;\n"
			       "  HomeAgentAddress 2001:db8:1::1;\n}\n");
	snprintf(cmd, sizeof(cmd), "%s -n -c %s 2>&1", mip6d, conf);
	ck_assert_int_eq(run_capture(cmd, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "NodeConfig MN;"), "normalised output: %s", out);

	write_file(conf, "NodeConfig MN;\n  Bogus yes;\n");
	ck_assert_int_eq(run_capture(cmd, out, sizeof(out)), 1);
	ck_assert_msg(strstr(out, "n.conf:2:3:"), "error lacks file:line:column: %s", out);
	ck_assert_msg(strstr(out, "Bogus"), "error does not name the keyword: %s", out);

	snprintf(cmd, sizeof(cmd), "%s -n -c %s/does-not-exist 2>&1", mip6d, dir);
	ck_assert_int_eq(run_capture(cmd, out, sizeof(out)), 1);

	snprintf(cmd, sizeof(cmd), "%s --version", mip6d);
	ck_assert_int_eq(run_capture(cmd, out, sizeof(out)), 0);
	ck_assert_msg(strncmp(out, "mip6d ", 6) == 0, "version: %s", out);

	snprintf(cmd, sizeof(cmd), "%s --no-such-option 2>/dev/null", mip6d);
	ck_assert_int_eq(run_capture(cmd, out, sizeof(out)), 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon");
	TCase *tc = tcase_create("lifecycle");
	const char *b = getenv("top_builddir");
	SRunner *sr;
	int failed;

	snprintf(mip6d, sizeof(mip6d), "%s/src/mip6d", b ? b : ".");
	snprintf(mip6ctl, sizeof(mip6ctl), "%s/tools/mip6ctl", b ? b : ".");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, lifecycle);
	tcase_add_test(tc, ctl_answers);
	tcase_add_test(tc, sigint_exits_cleanly);
	tcase_add_test(tc, check_mode_and_errors);
	tcase_add_test(tc, ready_only_after_kernel_setup);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	{
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	return failed ? 1 : 0;
}
