/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Raw ICMPv6 socket for Neighbor Discovery, DHAAD and Mobile Prefix
 * Discovery. The socket is non-blocking and close-on-exec; the kernel
 * computes and verifies the ICMPv6 checksum (always on for IPPROTO_ICMPV6,
 * RFC 3542 §3.1), an ICMP6_FILTER passes only the types the caller names,
 * IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT and IPV6_RECVRTHDR are on, and the unicast and
 * multicast hop limits are 255 so that ND messages sent through it are
 * accepted (RFC 4861 §6.1, §7.1; routed DHAAD/MPD messages go out with 255
 * too, which is harmless).
 *
 * icmp6_socket_recv() reads one message with {src, dst, ifindex, hop limit}.
 * A message truncated by the buffer (MSG_TRUNC) or with truncated ancillary
 * data (MSG_CTRUNC) is dropped and counted, never returned. The RFC 4861
 * IP-header checks (hop limit 255, link-local RA source) are the caller's,
 * through ndisc_rx_check() of icmp6/ndisc.h. No message is parsed here.
 *
 * sd-event: the caller owns the io source; icmp6_socket_attach_event() only
 * creates it. Errors are negative errno; failures are logged at debug level
 * only, the caller decides what to log.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "core/cleanup.h"

struct icmp6_socket;

struct icmp6_socket_config {
	const char *ifname;    /* NULL: every interface; otherwise SO_BINDTODEVICE */
	const uint8_t *types;  /* ICMPv6 types to receive; others are filtered */
	size_t n_types;
	bool join_all_routers; /* join ff02::2 on ifname (needs ifname) */
	bool multicast_loop;   /* receive our own multicast sends (IPV6_MULTICAST_LOOP) */
};

struct icmp6_rxinfo {
	struct in6_addr src;
	struct in6_addr dst; /* :: if the kernel gave no IPV6_PKTINFO */
	int ifindex;         /* 0 if no IPV6_PKTINFO */
	int hop_limit;       /* -1 if no IPV6_HOPLIMIT */
	bool has_rh2;        /* a type 2 routing header came (IPV6_RECVRTHDR, core/rh2.h) */
	struct in6_addr rh2; /* its address as processed: the care-of address */
	bool has_rxq_ovfl;   /* SO_RXQ_OVFL: the socket's drop count so far (core/rxq-ovfl.h) */
	uint32_t rxq_ovfl;
};

struct icmp6_socket_stats {
	uint64_t rx_packets;   /* returned to the caller */
	uint64_t rx_truncated; /* MSG_TRUNC: dropped */
	uint64_t rx_ctrunc;    /* MSG_CTRUNC: dropped */
	uint64_t tx_packets;
	uint64_t tx_errors;
};

#define ICMP6_ALL_ROUTERS_INIT                                                     \
	{                                                                          \
		{                                                                  \
			{ 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02 } \
		}                                                                  \
	}

int icmp6_socket_new(const struct icmp6_socket_config *cfg, struct icmp6_socket **ret);
struct icmp6_socket *icmp6_socket_free(struct icmp6_socket *s);
DEFINE_POINTER_CLEANUP(struct icmp6_socket, icmp6_socket_free)

int icmp6_socket_fd(const struct icmp6_socket *s);
/* The bound interface's index, or 0 when not bound. */
int icmp6_socket_ifindex(const struct icmp6_socket *s);
const struct icmp6_socket_stats *icmp6_socket_get_stats(const struct icmp6_socket *s);

/* IPV6_JOIN_GROUP / IPV6_LEAVE_GROUP, e.g. a solicited-node address to spot DAD. */
int icmp6_socket_join(struct icmp6_socket *s, const struct in6_addr *group, int ifindex);
int icmp6_socket_leave(struct icmp6_socket *s, const struct in6_addr *group, int ifindex);
/* IPV6_JOIN_ANYCAST / IPV6_LEAVE_ANYCAST on ifindex (e.g. the Home-Agents anycast address,
 * RFC 2526; the kernel allows it to a forwarding node with CAP_NET_ADMIN). */
int icmp6_socket_anycast(struct icmp6_socket *s, const struct in6_addr *addr, int ifindex, bool join);

/*
 * Receive one message into buf[0..cap). Returns 0 with *ret_len and
 * *ret_info set; -EAGAIN when nothing is queued; -EMSGSIZE when the message
 * or its ancillary data was truncated (dropped, counted); other -errno.
 */
int icmp6_socket_recv(struct icmp6_socket *s, uint8_t *buf, size_t cap, size_t *ret_len,
		      struct icmp6_rxinfo *ret_info);

/*
 * Send msg to dst. ifindex (0: the bound interface if any, else routing
 * decides; link-local and multicast destinations need one) and src (NULL:
 * the kernel picks) go in an IPV6_PKTINFO control message; src :: (DAD, RFC 4862
 * §5.4.2) is sent with our own IPv6 header through an IPPROTO_RAW socket, since
 * the kernel would pick a source for it (no multicast loopback there). Returns
 * 0, -EAGAIN when the socket buffer is full, or -errno.
 */
int icmp6_socket_send(struct icmp6_socket *s, const struct in6_addr *dst, int ifindex,
		      const struct in6_addr *src, const uint8_t *msg, size_t len);

/*
 * The same with a type 2 routing header (RFC 6275 §6.4, core/rh2.h) when rh2 is
 * not NULL: the packet goes to dst (the care-of address) and the header carries
 * rh2 (the home address), the final destination; needs CONFIG_IPV6_MIP6.
 */
int icmp6_socket_send_rh2(struct icmp6_socket *s, const struct in6_addr *dst, int ifindex,
			  const struct in6_addr *src, const struct in6_addr *rh2, const uint8_t *msg, size_t len);

/* Let these ICMPv6 types through the socket's filter too (ICMP6_FILTER). */
int icmp6_socket_pass(struct icmp6_socket *s, const uint8_t *types, size_t n_types);

/* sd_event_add_io(EPOLLIN) on the socket; the caller owns *ret. */
int icmp6_socket_attach_event(struct icmp6_socket *s, sd_event *e, int64_t priority,
			      sd_event_io_handler_t handler, void *userdata,
			      sd_event_source **ret);
