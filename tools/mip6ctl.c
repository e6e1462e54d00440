/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mip6ctl: query and steer a running mip6d over its control socket.
 * Exit codes: 0 success, 1 the daemon refused or failed the request,
 * 2 usage error, 3 the daemon is not reachable, 4 protocol error.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
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
	       "  status     role, addresses, counters summary\n"
	       "  bc         binding cache (home agent)\n"
	       "  bul        binding update list (mobile node)\n"
	       "  hal        home agent list\n"
	       "  prefixes   home prefixes (HA), home and current prefix (MN)\n"
	       "  ipsec      MN-HA IPsec: key manager, IKE SAs\n"
	       "  counters   messages in/out and drops by reason\n"
	       "  reload     reload the configuration (like SIGHUP)\n"
	       "Options:\n"
	       "  -s, --socket PATH   control socket (default " DEFAULT_CTL_SOCKET ")\n"
	       "  -j, --json          JSON output\n"
	       "  -h, --help          this help\n"
	       "Exit codes: 0 ok, 1 refused, 2 usage, 3 daemon unreachable, 4 protocol error.\n");
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *path = getenv("MIP6CTL_SOCKET") ? getenv("MIP6CTL_SOCKET") : DEFAULT_CTL_SOCKET;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char req[1024], *resp = NULL;
	size_t len = 0, cap = 0, off;
	bool json = false;
	int c, fd;

	while ((c = getopt_long(argc, argv, "+s:jh", opts, NULL)) >= 0) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "mip6ctl: missing command (try --help)\n");
		return EXIT_USAGE;
	}
	off = (size_t)snprintf(req, sizeof(req), "%s", json ? "json" : "text");
	for (int i = optind; i < argc; i++) {
		if (strpbrk(argv[i], " \t\n") || off + strlen(argv[i]) + 2 >= sizeof(req)) {
			fprintf(stderr, "mip6ctl: bad argument '%s'\n", argv[i]);
			return EXIT_USAGE;
		}
		off += (size_t)snprintf(req + off, sizeof(req) - off, " %s", argv[i]);
	}
	req[off++] = '\n';

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "mip6ctl: socket path too long\n");
		return EXIT_USAGE;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "mip6ctl: cannot reach mip6d at %s: %s\n", path, strerror(errno));
		return EXIT_UNREACHABLE;
	}
	if (send(fd, req, off, MSG_NOSIGNAL) != (ssize_t)off) {
		fprintf(stderr, "mip6ctl: send: %s\n", strerror(errno));
		return EXIT_UNREACHABLE;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 10000) <= 0) {
			fprintf(stderr, "mip6ctl: no answer from mip6d within 10 s\n");
			return EXIT_PROTOCOL;
		}
		if (cap - len < 4096) {
			char *nr = realloc(resp, cap + 65536);
			if (!nr)
				return EXIT_PROTOCOL;
			resp = nr;
			cap += 65536;
		}
		n = recv(fd, resp + len, cap - len - 1, 0);
		if (n < 0) {
			fprintf(stderr, "mip6ctl: recv: %s\n", strerror(errno));
			return EXIT_PROTOCOL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > 64u << 20) {
			fprintf(stderr, "mip6ctl: answer too large\n");
			return EXIT_PROTOCOL;
		}
	}
	close(fd);
	if (!resp) {
		fprintf(stderr, "mip6ctl: empty answer (request refused?)\n");
		return EXIT_PROTOCOL;
	}
	resp[len] = 0;
	if (strncmp(resp, "ok\n", 3) == 0) {
		fputs(resp + 3, stdout);
		free(resp);
		return EXIT_OK;
	}
	if (strncmp(resp, "error: ", 7) == 0) {
		fprintf(stderr, "mip6ctl: %s", resp + 7);
		free(resp);
		return EXIT_REFUSED;
	}
	fprintf(stderr, "mip6ctl: malformed answer\n");
	free(resp);
	return EXIT_PROTOCOL;
}
