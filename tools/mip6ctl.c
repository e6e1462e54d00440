/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mip6ctl: query and steer a running mip6d over its control socket.
 * Exit codes: 0 success, 1 the daemon refused or failed the request,
 * 2 usage error, 3 the daemon is not reachable, 4 protocol error.
 * With --json everything printed on standard output is one JSON value, errors
 * too ({"error":"..."}): the daemon's JSON is checked with json-c before it is
 * passed on, and mip6ctl's own errors are built with json-c.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef DEFAULT_CTL_SOCKET
#define DEFAULT_CTL_SOCKET RUNSTATEDIR "/mip6d.ctl"
#endif

enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_UNREACHABLE = 3, EXIT_PROTOCOL = 4 };

static void help(void)
{
	printf("Usage: mip6ctl [-s SOCKET] [--json] COMMAND\n"
	       "Commands:\n"
	       "  status            role, version, uptime, the role's state\n"
	       "  bc [HOA]          binding cache, or one binding (home agent)\n"
	       "  bc del HOA        remove one binding, as its expiry would (home agent)\n"
	       "  bul [PEER]        binding update list, or one peer's entries (mobile node)\n"
	       "  hal               home agent list\n"
	       "  prefixes          home prefixes (HA), home and current prefix (MN)\n"
	       "  ipsec             MN-HA IPsec: key manager, IKE SAs\n"
	       "  counters          messages in/out and drops by reason\n"
	       "  reload            reload the configuration (like SIGHUP)\n"
	       "  monitor           print events as they happen, until interrupted\n"
	       "Options:\n"
	       "  -s, --socket PATH   control socket (default " DEFAULT_CTL_SOCKET ")\n"
	       "  -j, --json          JSON output\n"
	       "  -V, --version       mip6ctl's version\n"
	       "  -h, --help          this help\n"
	       "Exit codes: 0 ok, 1 refused, 2 usage, 3 daemon unreachable, 4 protocol error.\n");
}

static bool json_mode;

/* An error of mip6ctl itself: text on stderr, or {"error":"..."} on stdout with --json. */
__attribute__((format(printf, 2, 3))) static int fail(int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (json_mode) {
		json_object *o = json_object_new_object();
		if (o && json_object_object_add(o, "error", json_object_new_string(msg)) == 0)
			printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
									     JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else
		fprintf(stderr, "mip6ctl: %s\n", msg);
	return code;
}

/* True when s is exactly one JSON value (then whitespace only). */
static bool is_one_json_value(const char *s)
{
	json_tokener *tok = json_tokener_new();
	json_object *o;
	bool ok = false;

	if (!tok)
		return false;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)strlen(s));
	if (o && json_tokener_get_error(tok) == json_tokener_success) {
		size_t off = json_tokener_get_parse_end(tok);
		ok = strspn(s + off, " \t\r\n") == strlen(s + off);
	}
	json_object_put(o);
	json_tokener_free(tok);
	return ok;
}

/* Builds "<json|text> WORDS...\n" into req; its length, or -1 for a bad argument. */
static ssize_t build_request(char *req, size_t size, int argc, char **argv)
{
	size_t off = (size_t)snprintf(req, size, "%s", json_mode ? "json" : "text");

	for (int i = 0; i < argc; i++) {
		if (strpbrk(argv[i], " \t\n") || off + strlen(argv[i]) + 2 >= size) {
			fail(EXIT_USAGE, "bad argument '%s'", argv[i]);
			return -1;
		}
		off += (size_t)snprintf(req + off, size - off, " %s", argv[i]);
	}
	req[off++] = '\n';
	return (ssize_t)off;
}

/* Connects and sends the request; the socket, or -(exit code) after printing the error. */
static int connect_send(const char *path, const char *req, size_t reqlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -fail(EXIT_USAGE, "socket path too long");
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -fail(EXIT_UNREACHABLE, "cannot reach mip6d at %s: %s", path, strerror(errno));
	if (send(fd, req, reqlen, MSG_NOSIGNAL) != (ssize_t)reqlen)
		return -fail(EXIT_UNREACHABLE, "send: %s", strerror(errno));
	return fd;
}

/* Waits up to 10 s for the next bytes of the answer; recv's result, or -1 with an error printed. */
static ssize_t recv_some(int fd, char *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, 10000) <= 0) {
		fail(EXIT_PROTOCOL, "no answer from mip6d within 10 s");
		return -1;
	}
	n = recv(fd, buf, len, 0);
	if (n < 0)
		fail(EXIT_PROTOCOL, "recv: %s", strerror(errno));
	return n;
}

/* Text mode, once "ok\n" came: the body is copied to stdout as it arrives (a long `bc` starts at once). */
static int pass_through(int fd, const char *have, size_t len)
{
	char buf[65536];
	ssize_t n;

	fwrite(have, 1, len, stdout);
	while ((n = recv_some(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	if (n < 0)
		return EXIT_PROTOCOL;
	return fflush(stdout) == 0 ? EXIT_OK : fail(EXIT_PROTOCOL, "stdout: %s", strerror(errno));
}

/*
 * Sends the request and reads the answer to EOF into *ret (NUL-terminated); an exit code.
 * With stream (text mode), an "ok" answer is printed as it arrives instead (*ret stays NULL).
 */
static int exchange(const char *path, const char *req, size_t reqlen, bool stream, char **ret)
{
	char *resp = NULL;
	size_t len = 0, cap = 0;
	int fd = connect_send(path, req, reqlen);

	if (fd < 0)
		return -fd;
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *nr = realloc(resp, cap + 65536);
			if (!nr)
				return fail(EXIT_PROTOCOL, "out of memory");
			resp = nr;
			cap += 65536;
		}
		n = recv_some(fd, resp + len, cap - len - 1);
		if (n < 0)
			return EXIT_PROTOCOL;
		if (n == 0)
			break;
		len += (size_t)n;
		if (stream && len >= 3 && strncmp(resp, "ok\n", 3) == 0) {
			int r = pass_through(fd, resp + 3, len - 3);

			free(resp);
			return r;
		}
		if (len > 64u << 20)
			return fail(EXIT_PROTOCOL, "answer too large");
	}
	close(fd);
	if (!resp)
		return fail(EXIT_PROTOCOL, "empty answer (request refused?)");
	resp[len] = 0;
	*ret = resp;
	return EXIT_OK;
}

/* "ok\n<body>" or "error: <message>\n": print it where it belongs; the exit code. */
static int answer(const char *resp)
{
	bool ok = strncmp(resp, "ok\n", 3) == 0;
	const char *body = resp + (ok ? 3 : 7);

	if (!ok && strncmp(resp, "error: ", 7) != 0)
		return fail(EXIT_PROTOCOL, "malformed answer");
	if (!json_mode) {
		if (ok)
			fputs(body, stdout);
		else
			fprintf(stderr, "mip6ctl: %s", body);
		return ok ? EXIT_OK : EXIT_REFUSED;
	}
	if (!is_one_json_value(body))
		return fail(EXIT_PROTOCOL, "malformed JSON from mip6d");
	fputs(body, stdout);
	return ok ? EXIT_OK : EXIT_REFUSED;
}

/* One line of the monitor stream: printed at once; with --json it must be one JSON object. */
static int monitor_line(char *line)
{
	if (json_mode && !is_one_json_value(line))
		return fail(EXIT_PROTOCOL, "malformed JSON from mip6d");
	fputs(line, stdout);
	fflush(stdout);
	return EXIT_OK;
}

/*
 * monitor: the first line is the answer ("ok" or an error, as for any command),
 * then event lines until mip6d closes the connection (it stopped: exit code 3)
 * or mip6ctl is interrupted.
 */
static int monitor(const char *path, const char *req, size_t reqlen)
{
	char buf[8192];
	size_t len = 0;
	bool started = false;
	int fd = connect_send(path, req, reqlen);

	if (fd < 0)
		return -fd;
	for (;;) {
		char *nl;
		ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = 0;
		while ((nl = memchr(buf, '\n', len))) {
			char line[sizeof(buf)];
			size_t l = (size_t)(nl - buf) + 1;
			int r;

			memcpy(line, buf, l);
			line[l] = 0;
			memmove(buf, buf + l, len - l);
			len -= l;
			if (!started) {
				if (strcmp(line, "ok\n") != 0)
					return answer(line);
				started = true;
				continue;
			}
			r = monitor_line(line);
			if (r != EXIT_OK)
				return r;
		}
		if (len == sizeof(buf) - 1)
			return fail(EXIT_PROTOCOL, "event line too long");
	}
	if (!started)
		return fail(EXIT_PROTOCOL, "empty answer (request refused?)");
	return fail(EXIT_UNREACHABLE, "mip6d closed the connection");
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	const char *path = getenv("MIP6CTL_SOCKET") ? getenv("MIP6CTL_SOCKET") : DEFAULT_CTL_SOCKET;
	char req[1024], *resp = NULL;
	ssize_t reqlen;
	int c, r;

	while ((c = getopt_long(argc, argv, "+s:jhV", opts, NULL)) >= 0) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'j':
			json_mode = true;
			break;
		case 'h':
			help();
			return EXIT_OK;
		case 'V':
			printf("mip6ctl %s\n", PACKAGE_VERSION);
			return EXIT_OK;
		default:
			return fail(EXIT_USAGE, "bad option (try --help)");
		}
	}
	if (optind >= argc)
		return fail(EXIT_USAGE, "missing command (try --help)");
	reqlen = build_request(req, sizeof(req), argc - optind, argv + optind);
	if (reqlen < 0)
		return EXIT_USAGE;
	if (strcmp(argv[optind], "monitor") == 0)
		return monitor(path, req, (size_t)reqlen);
	r = exchange(path, req, (size_t)reqlen, !json_mode, &resp);
	if (r != EXIT_OK || !resp)
		return r;
	r = answer(resp);
	free(resp);
	return r;
}
