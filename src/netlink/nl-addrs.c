/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdbool.h>
#include "netlink/nl-addrs.h"
#include "netlink/nl-parse.h"

static int add(struct knl_addr **v, size_t *n, size_t *cap, const struct knl_addr *a)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct knl_addr *w = reallocarray(*v, c, sizeof(**v));

		if (!w)
			return -ENOMEM;
		*v = w;
		*cap = c;
	}
	(*v)[(*n)++] = *a;
	return 0;
}

int knl_addrs_read(struct knl_addr **ret, size_t *ret_n)
{
	struct {
		struct nlmsghdr h;
		struct ifaddrmsg ifa;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETADDR, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		       .nlmsg_seq = 1 },
		.ifa = { .ifa_family = AF_INET6 },
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct knl_addr *v = NULL;
	size_t n = 0, cap = 0;
	uint8_t buf[16384] __attribute__((aligned(4)));
	int fd, r = 0;
	bool done = false;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		r = -errno;
		goto out;
	}
	while (!done && r == 0) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);

		if (len < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (len == 0) {
			r = -EPIPE;
			break;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			struct knl_event ev;

			if (h->nlmsg_seq != req.h.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				r = h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error < 0 ? e->error : -EBADMSG;
				break;
			}
			if (h->nlmsg_type != RTM_NEWADDR)
				continue;
			if (knl_parse_rtnl((const uint8_t *)h, h->nlmsg_len, &ev) == 1 && ev.type == KNL_EVENT_ADDR &&
			    (r = add(&v, &n, &cap, &ev.addr)) < 0)
				break;
		}
	}
out:
	close(fd);
	if (r < 0) {
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}
