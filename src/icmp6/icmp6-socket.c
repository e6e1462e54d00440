/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Raw ICMPv6 socket; see icmp6-socket.h for the contract. */
#include <errno.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/log.h"
#include "core/rh2.h"
#include "core/rxq-ovfl.h"
#include "icmp6/icmp6-socket.h"

struct icmp6_socket {
	int fd;
	int raw_fd; /* IPPROTO_RAW, opened on the first send from :: (DAD) */
	int ifindex;
	struct icmp6_socket_stats stats;
};

static int setsockopt_int(int fd, int level, int name, int value, const char *what)
{
	if (setsockopt(fd, level, name, &value, sizeof(value)) < 0)
		return log_debug_errno(errno, "%s: setsockopt(%s): %m", __func__, what);
	return 0;
}

int icmp6_socket_new(const struct icmp6_socket_config *cfg, struct icmp6_socket **ret)
{
	_cleanup_(closep) int fd = -EBADF;
	struct icmp6_filter filter;
	struct icmp6_socket *s;
	int ifindex = 0, r;

	if (!cfg || !ret || (cfg->n_types && !cfg->types))
		return -EINVAL;
	if (cfg->join_all_routers && !cfg->ifname)
		return -EINVAL;
	if (cfg->ifname) {
		ifindex = (int)if_nametoindex(cfg->ifname);
		if (ifindex == 0)
			return log_debug_errno(errno, "%s: interface %s: %m", __func__, cfg->ifname);
	}

	fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMPV6);
	if (fd < 0)
		return log_debug_errno(errno, "%s: socket(ICMPv6): %m", __func__);

	ICMP6_FILTER_SETBLOCKALL(&filter);
	for (size_t i = 0; i < cfg->n_types; i++)
		ICMP6_FILTER_SETPASS(cfg->types[i], &filter);
	if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter)) < 0)
		return log_debug_errno(errno, "%s: setsockopt(ICMP6_FILTER): %m", __func__);

	if ((r = setsockopt_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO")) < 0 ||
	    (r = setsockopt_int(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT")) < 0 ||
	    (r = setsockopt_int(fd, IPPROTO_IPV6, IPV6_RECVRTHDR, 1, "IPV6_RECVRTHDR")) < 0 ||
	    (r = setsockopt_int(fd, SOL_SOCKET, SO_RXQ_OVFL, 1, "SO_RXQ_OVFL")) < 0 ||
	    (r = setsockopt_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255, "IPV6_MULTICAST_HOPS")) < 0 ||
	    (r = setsockopt_int(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255, "IPV6_UNICAST_HOPS")) < 0 ||
	    (r = setsockopt_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, cfg->multicast_loop,
				"IPV6_MULTICAST_LOOP")) < 0)
		return r;

	if (cfg->ifname) {
		if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, cfg->ifname,
			       (socklen_t)strlen(cfg->ifname)) < 0)
			return log_debug_errno(errno, "%s: SO_BINDTODEVICE %s: %m", __func__,
					       cfg->ifname);
		r = setsockopt_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex, "IPV6_MULTICAST_IF");
		if (r < 0)
			return r;
	}

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = TAKE_FD(fd);
	s->raw_fd = -EBADF;
	s->ifindex = ifindex;

	if (cfg->join_all_routers) {
		static const struct in6_addr all_routers = ICMP6_ALL_ROUTERS_INIT;

		r = icmp6_socket_join(s, &all_routers, ifindex);
		if (r < 0) {
			icmp6_socket_free(s);
			return r;
		}
	}
	*ret = s;
	return 0;
}

int icmp6_socket_pass(struct icmp6_socket *s, const uint8_t *types, size_t n_types)
{
	struct icmp6_filter filter;
	socklen_t len = sizeof(filter);

	if (!s || (n_types && !types))
		return -EINVAL;
	if (getsockopt(s->fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, &len) < 0)
		return -errno;
	for (size_t i = 0; i < n_types; i++)
		ICMP6_FILTER_SETPASS(types[i], &filter);
	if (setsockopt(s->fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter)) < 0)
		return -errno;
	return 0;
}

struct icmp6_socket *icmp6_socket_free(struct icmp6_socket *s)
{
	if (!s)
		return NULL;
	safe_close(s->fd);
	safe_close(s->raw_fd);
	free(s);
	return NULL;
}

int icmp6_socket_fd(const struct icmp6_socket *s)
{
	return s ? s->fd : -EBADF;
}

int icmp6_socket_ifindex(const struct icmp6_socket *s)
{
	return s ? s->ifindex : 0;
}

const struct icmp6_socket_stats *icmp6_socket_get_stats(const struct icmp6_socket *s)
{
	return &s->stats;
}

static int membership(struct icmp6_socket *s, int op, const struct in6_addr *group, int ifindex)
{
	struct ipv6_mreq mreq = { .ipv6mr_interface = (unsigned)ifindex };

	if (!s || !group || !IN6_IS_ADDR_MULTICAST(group) || ifindex < 0)
		return -EINVAL;
	mreq.ipv6mr_multiaddr = *group;
	if (setsockopt(s->fd, IPPROTO_IPV6, op, &mreq, sizeof(mreq)) < 0)
		return log_debug_errno(errno, "%s: %s ifindex %d: %m", __func__,
				       op == IPV6_JOIN_GROUP ? "join" : "leave", ifindex);
	return 0;
}

int icmp6_socket_join(struct icmp6_socket *s, const struct in6_addr *group, int ifindex)
{
	return membership(s, IPV6_JOIN_GROUP, group, ifindex);
}

int icmp6_socket_leave(struct icmp6_socket *s, const struct in6_addr *group, int ifindex)
{
	return membership(s, IPV6_LEAVE_GROUP, group, ifindex);
}

int icmp6_socket_anycast(struct icmp6_socket *s, const struct in6_addr *addr, int ifindex, bool join)
{
	struct ipv6_mreq mreq = { .ipv6mr_interface = (unsigned)ifindex };

	if (!s || !addr || IN6_IS_ADDR_MULTICAST(addr) || ifindex <= 0)
		return -EINVAL;
	mreq.ipv6mr_multiaddr = *addr;
	if (setsockopt(s->fd, IPPROTO_IPV6, join ? IPV6_JOIN_ANYCAST : IPV6_LEAVE_ANYCAST, &mreq, sizeof(mreq)) < 0)
		return -errno;
	return 0;
}

int icmp6_socket_recv(struct icmp6_socket *s, uint8_t *buf, size_t cap, size_t *ret_len,
		      struct icmp6_rxinfo *ret_info)
{
	/* Room for PKTINFO, HOPLIMIT, RXQ_OVFL and a routing header of up to 256 octets; MSG_CTRUNC is still checked. */
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(uint32_t)) +
			    CMSG_SPACE(256) + 64];
	} control;
	struct sockaddr_in6 from = {};
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh = {
		.msg_name = &from,
		.msg_namelen = sizeof(from),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = &control,
		.msg_controllen = sizeof(control),
	};
	struct icmp6_rxinfo info = { .hop_limit = -1 };
	ssize_t n;

	if (!s || !buf || !ret_len || !ret_info)
		return -EINVAL;
	do
		n = recvmsg(s->fd, &mh, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;

	if (mh.msg_flags & MSG_TRUNC) {
		s->stats.rx_truncated++;
		return log_debug_errno(EMSGSIZE, "%s: message truncated (> %zu), dropped", __func__,
				       cap);
	}
	if (mh.msg_flags & MSG_CTRUNC) {
		s->stats.rx_ctrunc++;
		return log_debug_errno(EMSGSIZE, "%s: control data truncated, dropped", __func__);
	}
	if (mh.msg_namelen < sizeof(from) || from.sin6_family != AF_INET6)
		return log_debug_errno(EBADMSG, "%s: bad source address length %u", __func__,
				       (unsigned)mh.msg_namelen);
	info.src = from.sin6_addr;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (rxq_ovfl_from_cmsg(c, &info.rxq_ovfl))
			info.has_rxq_ovfl = true;
		if (c->cmsg_level != IPPROTO_IPV6)
			continue;
		if (c->cmsg_type == IPV6_PKTINFO &&
		    c->cmsg_len == CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			info.dst = pi.ipi6_addr;
			info.ifindex = (int)pi.ipi6_ifindex;
		} else if (c->cmsg_type == IPV6_HOPLIMIT && c->cmsg_len == CMSG_LEN(sizeof(int))) {
			int h;

			memcpy(&h, CMSG_DATA(c), sizeof(h));
			info.hop_limit = h;
		} else if (c->cmsg_type == IPV6_RTHDR && c->cmsg_len >= CMSG_LEN(0)) {
			/* RFC 6275 §11.4.3: the MN checks that an MPA came with a type 2 routing header. */
			info.has_rh2 = rh2_parse(CMSG_DATA(c), c->cmsg_len - CMSG_LEN(0), &info.rh2) == 0;
		}
	}
	s->stats.rx_packets++;
	*ret_len = (size_t)n;
	*ret_info = info;
	return 0;
}

/* RFC 1071 sum over the RFC 8200 §8.1 pseudo-header and the ICMPv6 message. */
static uint16_t icmp6_checksum(const struct in6_addr *src, const struct in6_addr *dst, const uint8_t *msg,
			       size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < 16; i += 2)
		sum += (uint32_t)(src->s6_addr[i] << 8 | src->s6_addr[i + 1]) +
		       (uint32_t)(dst->s6_addr[i] << 8 | dst->s6_addr[i + 1]);
	sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff) + IPPROTO_ICMPV6;
	for (size_t i = 0; i < len; i += 2)
		sum += (uint32_t)(msg[i] << 8 | (i + 1 < len ? msg[i + 1] : 0));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * A message from the unspecified address (a DAD probe, RFC 4862 §5.4.2, RFC 6275 §10.4.1).
 * The kernel picks a source for :: in IPV6_PKTINFO, so the IPv6 header is ours: an
 * IPPROTO_RAW socket (header included), hop limit 255, no multicast loopback (our own
 * probe must not look like another node's DAD to our receive socket).
 */
static int send_unspecified(struct icmp6_socket *s, const struct in6_addr *dst, int ifindex, const uint8_t *msg,
			    size_t len)
{
	uint8_t pkt[40 + 1280];
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_addr = *dst, .sin6_scope_id = (uint32_t)ifindex };
	uint16_t ck;
	int r;

	if (len < 4 || len > sizeof(pkt) - 40)
		return -EMSGSIZE;
	if (s->raw_fd < 0) {
		int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_RAW);
		if (fd < 0)
			return log_debug_errno(errno, "%s: socket(IPPROTO_RAW): %m", __func__);
		if ((r = setsockopt_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP")) < 0) {
			close(fd);
			return r;
		}
		s->raw_fd = fd;
	}
	memset(pkt, 0, 40);
	pkt[0] = 0x60;
	pkt[4] = (uint8_t)(len >> 8);
	pkt[5] = (uint8_t)len;
	pkt[6] = IPPROTO_ICMPV6;
	pkt[7] = 255;
	memcpy(pkt + 24, dst, 16);
	memcpy(pkt + 40, msg, len);
	pkt[42] = pkt[43] = 0;
	ck = icmp6_checksum(&in6addr_any, dst, pkt + 40, len);
	pkt[42] = (uint8_t)(ck >> 8);
	pkt[43] = (uint8_t)ck;
	if (sendto(s->raw_fd, pkt, 40 + len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&to, sizeof(to)) < 0) {
		s->stats.tx_errors++;
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
	s->stats.tx_packets++;
	return 0;
}

int icmp6_socket_send(struct icmp6_socket *s, const struct in6_addr *dst, int ifindex,
		      const struct in6_addr *src, const uint8_t *msg, size_t len)
{
	return icmp6_socket_send_rh2(s, dst, ifindex, src, NULL, msg, len);
}

int icmp6_socket_send_rh2(struct icmp6_socket *s, const struct in6_addr *dst, int ifindex,
			  const struct in6_addr *src, const struct in6_addr *rh2, const uint8_t *msg, size_t len)
{
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + RH2_CMSG_SPACE];
	} control = {};
	struct sockaddr_in6 to = { .sin6_family = AF_INET6 };
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr mh = {
		.msg_name = &to,
		.msg_namelen = sizeof(to),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	size_t clen = 0;
	ssize_t n;

	if (!s || !dst || !msg || ifindex < 0)
		return -EINVAL;
	to.sin6_addr = *dst;
	if (ifindex == 0)
		ifindex = s->ifindex;
	if (IN6_IS_ADDR_LINKLOCAL(dst) || IN6_IS_ADDR_MC_LINKLOCAL(dst))
		to.sin6_scope_id = (uint32_t)ifindex;
	if (src && IN6_IS_ADDR_UNSPECIFIED(src))
		return rh2 ? -EINVAL : send_unspecified(s, dst, ifindex, msg, len);

	mh.msg_control = &control;
	mh.msg_controllen = sizeof(control);
	if (ifindex > 0 || src) {
		struct in6_pktinfo pi = { .ipi6_ifindex = (unsigned)ifindex };
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

		if (src)
			pi.ipi6_addr = *src;
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		clen += CMSG_SPACE(sizeof(pi));
	}
	if (rh2) {
		/* RFC 6275 §6.4: the packet goes to dst (the CoA) first, the RH2 carries rh2 (the HoA). */
		to.sin6_addr = *rh2;
		clen += rh2_cmsg_put((struct cmsghdr *)(void *)(control.buf + clen), dst);
	}
	mh.msg_controllen = clen;
	if (clen == 0)
		mh.msg_control = NULL;

	do
		n = sendmsg(s->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		s->stats.tx_errors++;
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
	s->stats.tx_packets++;
	return 0;
}

int icmp6_socket_attach_event(struct icmp6_socket *s, sd_event *e, int64_t priority,
			      sd_event_io_handler_t handler, void *userdata,
			      sd_event_source **ret)
{
	sd_event_source *src = NULL;
	int r;

	if (!s || !e || !handler || !ret)
		return -EINVAL;
	r = sd_event_add_io(e, &src, s->fd, EPOLLIN, handler, userdata);
	if (r < 0)
		return r;
	r = sd_event_source_set_priority(src, priority);
	if (r < 0) {
		sd_event_source_disable_unref(src);
		return r;
	}
	(void)sd_event_source_set_description(src, "icmp6");
	*ret = src;
	return 0;
}
