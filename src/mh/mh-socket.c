/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/ip6.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/rh2.h"
#include "core/rxq-ovfl.h"
#include "mh/mh-socket.h"

#ifndef IPPROTO_MH
#define IPPROTO_MH 135
#endif
#define IP6OPT_HOME_ADDRESS 0xc9

int mh_socket_open(int *ret_fd)
{
	int fd, on = 1, off = 4;

	fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_MH);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof(off)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVDSTOPTS, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVRTHDR, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPOPTS, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on)) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	(void)mh_socket_set_rcvbuf(fd, MH_SOCKET_RCVBUF);
	*ret_fd = fd;
	return 0;
}

/*
 * Room for a burst of BUs and for the HA's CPU being away a moment under a flood, not for
 * minutes of a flood: what the HA cannot take soon is better dropped by the kernel and counted
 * (SO_RXQ_OVFL, socket-overflow) than answered too late (doc/architecture.md).
 */
int mh_socket_set_rcvbuf(int fd, unsigned octets)
{
	int v = (int)octets;

	if (octets < MH_SOCKET_RCVBUF_MIN || octets > MH_SOCKET_RCVBUF_MAX)
		return -ERANGE;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) == 0)
		return 0;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0)
		return -errno;
	return 0;
}

int mh_find_hao(const uint8_t *opt, size_t len, struct in6_addr *ret)
{
	struct buf_reader r, body;
	uint8_t nh, hlen;

	/* Destination Options header: next header, length in 8-octet units excluding the first 8. */
	buf_reader_init(&r, opt, len);
	if (buf_get_u8(&r, &nh) < 0 || buf_get_u8(&r, &hlen) < 0)
		return -EBADMSG;
	if (buf_get_sub(&r, (size_t)hlen * 8 + 6, &body) < 0)
		return -EBADMSG;
	while (buf_left(&body) > 0) {
		uint8_t type, olen;

		if (buf_get_u8(&body, &type) < 0)
			return -EBADMSG;
		if (type == 0) /* Pad1 */
			continue;
		if (buf_get_u8(&body, &olen) < 0)
			return -EBADMSG;
		if (type == IP6OPT_HOME_ADDRESS) {
			if (olen != 16)
				return -EBADMSG;
			return buf_get_bytes(&body, ret, 16);
		}
		if (buf_skip(&body, olen) < 0)
			return -EBADMSG;
	}
	return -ENOENT;
}

/* One extension header the kernel reported, appended in packet order (see mh_rx_info). */
static void keep_ext(struct mh_rx_info *info, uint8_t proto, const uint8_t *data, size_t dlen)
{
	if (info->ext_overflow || dlen > (size_t)MH_RX_EXT_MAX - info->ext_len) {
		info->ext_overflow = true;
		return;
	}
	if (info->ext_len == 0)
		info->ext_first = proto;
	memcpy(info->ext + info->ext_len, data, dlen);
	info->ext_len += (uint16_t)dlen;
}

int mh_socket_parse_cmsg(const struct msghdr *msg, struct mh_rx_info *info)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *)msg); c;
	     c = CMSG_NXTHDR((struct msghdr *)msg, c)) {
		const uint8_t *data = CMSG_DATA(c);
		size_t dlen;

		if (c->cmsg_len < CMSG_LEN(0))
			return -EBADMSG;
		dlen = c->cmsg_len - CMSG_LEN(0);
		if (rxq_ovfl_from_cmsg(c, &info->rxq_ovfl))
			info->has_rxq_ovfl = true;
		if (c->cmsg_level != IPPROTO_IPV6)
			continue;
		switch (c->cmsg_type) {
		case IPV6_PKTINFO: {
			struct in6_pktinfo pi;
			if (dlen < sizeof(pi))
				return -EBADMSG;
			memcpy(&pi, data, sizeof(pi));
			info->dst = pi.ipi6_addr;
			info->ifindex = (int)pi.ipi6_ifindex;
			break;
		}
		case IPV6_HOPLIMIT: {
			int h;
			if (dlen < sizeof(h))
				return -EBADMSG;
			memcpy(&h, data, sizeof(h));
			info->hoplimit = h;
			break;
		}
		case IPV6_HOPOPTS:
			keep_ext(info, IPPROTO_HOPOPTS, data, dlen);
			break;
		case IPV6_DSTOPTS:
			keep_ext(info, IPPROTO_DSTOPTS, data, dlen);
			if (mh_find_hao(data, dlen, &info->hao) == 0)
				info->has_hao = true;
			break;
		case IPV6_RTHDR:
			keep_ext(info, IPPROTO_ROUTING, data, dlen);
			if (rh2_parse(data, dlen, &info->rh2) == 0)
				info->has_rh2 = true;
			break;
		default:
			break;
		}
	}
	return 0;
}

int mh_socket_recv(int fd, uint8_t *buf, size_t cap, struct mh_rx_info *ret_info)
{
	struct sockaddr_in6 from;
	uint8_t control[1024] __attribute__((aligned(8)));
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr msg = {
		.msg_name = &from,
		.msg_namelen = sizeof(from),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control,
		.msg_controllen = sizeof(control),
	};
	ssize_t n;

	memset(ret_info, 0, sizeof(*ret_info));
	n = recvmsg(fd, &msg, MSG_DONTWAIT);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	ret_info->src = from.sin6_addr;
	ret_info->hoplimit = -1;
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		ret_info->truncated = true;
		return (int)n;
	}
	if (mh_socket_parse_cmsg(&msg, ret_info) < 0)
		ret_info->truncated = true;
	return (int)n;
}

int mh_socket_send(int fd, const uint8_t *msg, size_t len, const struct mh_tx_info *tx)
{
	uint8_t control[CMSG_SPACE(sizeof(struct in6_pktinfo)) + RH2_CMSG_SPACE]
		__attribute__((aligned(8)));
	/*
	 * With a routing header the socket API takes the final destination as the
	 * address and the intermediate hop in the header; the kernel swaps them:
	 * the packet goes to the CoA and its RH2 carries the HoA (RFC 6275 §6.4).
	 */
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_addr = tx->rh2 ? *tx->rh2 : tx->dst };
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr m = {
		.msg_name = &to,
		.msg_namelen = sizeof(to),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control,
	};
	struct cmsghdr *c;
	struct in6_pktinfo pi = { .ipi6_addr = tx->src, .ipi6_ifindex = (unsigned)tx->ifindex };
	size_t clen = 0;

	memset(control, 0, sizeof(control));
	m.msg_controllen = sizeof(control);
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	clen += CMSG_SPACE(sizeof(pi));
	if (tx->rh2) {
		/* RFC 6275 §6.4: the packet goes to the CoA first, the RH2 carries the HoA. */
		c = CMSG_NXTHDR(&m, c);
		clen += rh2_cmsg_put(c, &tx->dst);
	}
	m.msg_controllen = clen;
	if (sendmsg(fd, &m, MSG_DONTWAIT) < 0)
		return -errno;
	return 0;
}
