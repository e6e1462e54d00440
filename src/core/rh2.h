/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The type 2 routing header of RFC 6275 §6.4, for any upper layer (ICMPv6,
 * Mobility Header) a node sends or receives through a raw socket:
 *
 *   0: Next Header   1: Hdr Ext Len = 2   2: Routing Type = 2   3: Segments Left = 1
 *   4..7: Reserved (0)   8..23: Home Address
 *
 * Sending: Linux (CONFIG_IPV6_MIP6, net/ipv6/datagram.c) takes it as IPV6_RTHDR
 * ancillary data with the first hop (the care-of address) in the address field
 * and the final destination (the home address) as the sendmsg() address; it
 * puts the first hop in the IPv6 header and the final destination in the
 * header (the upper-layer checksum covers the final destination, RFC 8200
 * §8.1). rh2_cmsg_put() writes that control message.
 *
 * Receiving: with IPV6_RECVRTHDR the kernel hands the header as processed (the
 * address field now holds the care-of address, Segments Left 0); rh2_parse()
 * is the bounded parser for it (fuzzed with the ND codec, tests/fuzz/fuzz-ndisc.c).
 */
#pragma once

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define RH2_LEN 24
#define RH2_TYPE 2
/* Room for the control message rh2_cmsg_put() writes. */
#define RH2_CMSG_SPACE CMSG_SPACE(RH2_LEN)

/* Pure: the §6.4 octets carrying addr, Segments Left 1 (Next Header 0: the kernel fills it). */
void rh2_build(const struct in6_addr *addr, uint8_t out[RH2_LEN]);

/*
 * Pure: a routing header as received (len octets). 0 and *ret = its address when
 * it is a well-formed type 2 header (RFC 6275 §6.4: Hdr Ext Len 2, Segments Left
 * 0 or 1); -ENOENT for another routing type; -EBADMSG when truncated or malformed.
 */
int rh2_parse(const uint8_t *p, size_t len, struct in6_addr *ret);

/*
 * Fill c (with at least RH2_CMSG_SPACE octets from it inside the msghdr's buffer)
 * as the IPV6_RTHDR control message that sends the packet to first_hop first.
 * Returns the octets used (RH2_CMSG_SPACE).
 */
size_t rh2_cmsg_put(struct cmsghdr *c, const struct in6_addr *first_hop);
