/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure codec for the home agent's proxy Neighbor Discovery (RFC 6275 §10.4.1): the HA answers
 * Neighbor Solicitations for its mobile nodes' home addresses itself, from userspace, instead
 * of keeping one kernel proxy neighbour entry per binding (those live in a 16-bucket hash in
 * Linux, so every add, delete and lookup walks N/16 entries: doc/performance.md).
 *
 * Contract:
 * - ndproxy_ns_parse() takes a whole IPv6 packet as a packet socket (AF_PACKET, SOCK_DGRAM,
 *   ETH_P_IPV6) delivers it, starting at the IPv6 header, and fills a struct ndproxy_ns
 *   (zeroed first). It returns NDPROXY_OK or the reason the packet is to be dropped, one
 *   value per check, so that the caller counts every drop by reason. The checks are RFC 4861
 *   §7.1.1's (the kernel does none of them for a packet socket): IP hop limit 255, ICMPv6
 *   checksum, code 0, ICMP length ≥ 24, target not multicast, every option's Length > 0 and
 *   within the packet (ndisc_ns_parse), source :: only to a solicited-node group and then
 *   without a Source Link-Layer Address option; and ours: IPv6 version 6, Payload Length
 *   within the captured bytes (link padding after it ignored), Next Header 58 directly (no
 *   extension headers: the socket filter lets only those through), a source that is not
 *   multicast, a destination that is the target itself or the target's solicited-node group
 *   (RFC 4861 §7.2.2). No I/O, no allocation, no logging.
 * - ndproxy_na_build() writes the answer to a valid NS (RFC 4861 §7.2.4, RFC 6275 §10.4.1):
 *   to all-nodes with Solicited clear when the NS came from :: (another node's DAD probe: the
 *   address is defended), otherwise to the NS's source with Solicited set; Override set;
 *   Router as the caller says (0 for a host's HoA, RFC 6275 §10.4.1; 1 for a mobile router's,
 *   RFC 3963 §6.2); a Target Link-Layer Address option with the HA's link-layer address.
 *   The checksum is left 0 (a raw ICMPv6 socket fills it in).
 * - ndproxy_filter() is the classic BPF program for the packet socket: IPv6, Next Header 58,
 *   ICMPv6 type 135; everything else stays in the kernel.
 */
#pragma once

#include <linux/filter.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "icmp6/ndisc.h"

enum ndproxy_verdict {
	NDPROXY_OK,
	NDPROXY_DROP_SHORT,     /* shorter than an IPv6 header, or Payload Length past the data */
	NDPROXY_DROP_NOT_NS,    /* not IPv6, Next Header not 58 (extension headers), not type 135 */
	NDPROXY_DROP_HOP_LIMIT, /* RFC 4861 §7.1.1: IP Hop Limit not 255 */
	NDPROXY_DROP_CHECKSUM,  /* RFC 4861 §7.1.1: ICMP Checksum invalid */
	NDPROXY_DROP_MALFORMED, /* RFC 4861 §7.1.1: code, length < 24, multicast target, options */
	NDPROXY_DROP_SOURCE,    /* a multicast source address */
	NDPROXY_DROP_DAD_DST,   /* RFC 4861 §7.1.1: source :: and the destination not solicited-node */
	NDPROXY_DROP_DAD_SLLAO, /* RFC 4861 §7.1.1: source :: with a Source Link-Layer Address option */
	NDPROXY_DROP_DST,       /* destination neither the target nor its solicited-node group */
	_NDPROXY_VERDICT_MAX,
	_NDPROXY_VERDICT_INVALID = -22,
};

struct ndproxy_ns {
	struct in6_addr src, dst;
	struct ndisc_ns ns; /* target, source LLA */
	bool dad;           /* source :: (RFC 4862 §5.4.2: a DAD probe) */
};

enum ndproxy_verdict ndproxy_ns_parse(const uint8_t *pkt, size_t len, struct ndproxy_ns *ret);
/* "short", "not-ns", "hop-limit", ...: the names the counters carry. */
const char *ndproxy_verdict_to_string(enum ndproxy_verdict v);

/* 0, or -ENOBUFS / -EINVAL from the builder; *ret_dst is where the NA goes. */
int ndproxy_na_build(const struct ndproxy_ns *ns, const uint8_t mac[6], bool router, uint8_t *buf, size_t cap,
		     size_t *ret_len, struct in6_addr *ret_dst);

void ndproxy_filter(struct sock_fprog *ret);
