/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Mobility Header socket: raw IPPROTO_MH with the kernel computing and
 * verifying the checksum (IPV6_CHECKSUM offset 4). Receive returns the MH
 * bytes plus what the ancillary data tells: the destination (PKTINFO), the
 * address carried in a Home Address option (the kernel has already swapped
 * it with the source, so the source is the HoA and this is the CoA), and the
 * address in a type 2 routing header. MSG_TRUNC/MSG_CTRUNC are reported.
 *
 * Sending: a BA/BE to a mobile node away from home carries a type 2 routing
 * header through IPV6_RTHDR ancillary data (the kernel then checksums over
 * the final destination, the HoA, as RFC 6275 §6.1.1 wants). The MN's BUs with
 * a Home Address option leave through an XFRM `hao` state instead (see
 * doc/architecture.md), so that IPsec transport policies keyed on the HoA apply.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MH_RX_EXT_MAX 256
/*
 * The MH socket's receive queue (SO_RCVBUFFORCE; truesize, ~870 octets per small BU):
 * MhReceiveBuffer, this by default. 1 MiB holds ~1,200 BUs, ~0.2 s of the HA's reading when
 * it only counts them (a flood's new registrations) on the TCG VM: room for the HA's CPU to
 * be away for ~0.7 s of a 1,700 BUs/s flood (doc/architecture.md, "Under a flood").
 */
#define MH_SOCKET_RCVBUF (1u << 20)
#define MH_SOCKET_RCVBUF_MIN (16u << 10)
#define MH_SOCKET_RCVBUF_MAX (64u << 20)

struct mh_rx_info {
	struct in6_addr src;  /* IPv6 source after HAO processing (the HoA when has_hao) */
	struct in6_addr dst;  /* from IPV6_PKTINFO */
	int ifindex;
	int hoplimit;
	bool has_hao;
	struct in6_addr hao;  /* address now in the HAO: the care-of address */
	bool has_rh2;
	struct in6_addr rh2;  /* address now in the RH2 */
	bool truncated;       /* MSG_TRUNC or MSG_CTRUNC: drop */
	bool has_rxq_ovfl;    /* SO_RXQ_OVFL: the socket's drop count so far (core/rxq-ovfl.h) */
	uint32_t rxq_ovfl;
	/*
	 * The extension headers between the IPv6 header and the MH, as the kernel
	 * handed them (IPV6_HOPOPTS, IPV6_RTHDR, IPV6_DSTOPTS, in packet order; a
	 * HAO holds the CoA after the kernel's swap): an ICMPv6 error's pointer
	 * and body are computed from them (RFC 6275 §9.2). ext_first is the IPv6
	 * header's Next Header (IPPROTO_MH when ext_len is 0); ext_overflow: more
	 * than MH_RX_EXT_MAX octets, not kept.
	 */
	uint8_t ext[MH_RX_EXT_MAX];
	uint16_t ext_len;
	uint8_t ext_first;
	bool ext_overflow;
	/*
	 * Set by the I/O module for a handler (src/io): the Mobility Header as
	 * received, valid during the call (a CN verifies a BU's authenticator
	 * over these octets, RFC 6275 §6.2.7). NULL from the socket.
	 */
	const uint8_t *mh;
	size_t mh_len;
};

struct mh_tx_info {
	struct in6_addr src;            /* :: = let the kernel choose */
	struct in6_addr dst;            /* IPv6 destination (the CoA when rh2 is set) */
	int ifindex;                    /* 0 = route lookup */
	const struct in6_addr *rh2;     /* non-NULL: add a type 2 routing header with this HoA */
};

/* Open a non-blocking raw MH socket with the receive options set, MH_SOCKET_RCVBUF. */
int mh_socket_open(int *ret_fd);
/* Its receive queue in octets (SO_RCVBUFFORCE, else SO_RCVBUF up to rmem_max). 0 or -errno. */
int mh_socket_set_rcvbuf(int fd, unsigned octets);
/* One datagram: returns its length, -EAGAIN when nothing is queued. */
int mh_socket_recv(int fd, uint8_t *buf, size_t cap, struct mh_rx_info *ret_info);
int mh_socket_send(int fd, const uint8_t *msg, size_t len, const struct mh_tx_info *tx);

/* Pure: decode the ancillary data of one recvmsg into info (fuzzed and unit-tested). */
struct msghdr;
int mh_socket_parse_cmsg(const struct msghdr *msg, struct mh_rx_info *info);
/* Pure: find the HAO (type 201) in a destination options header; -ENOENT if absent. */
int mh_find_hao(const uint8_t *opt, size_t len, struct in6_addr *ret);
