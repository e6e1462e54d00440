/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The home agent's proxy Neighbor Discovery codec (see icmp6/ndproxy.h). */
#include <errno.h>
#include <linux/if_ether.h>
#include <string.h>

#include "core/cleanup.h"
#include "icmp6/ndproxy.h"

#define IP6_HDR_LEN 40
#define IP6_NEXTHDR_ICMPV6 58

static const char *const verdict_names[_NDPROXY_VERDICT_MAX] = {
	[NDPROXY_OK] = "ok",
	[NDPROXY_DROP_SHORT] = "short",
	[NDPROXY_DROP_NOT_NS] = "not-ns",
	[NDPROXY_DROP_HOP_LIMIT] = "hop-limit",
	[NDPROXY_DROP_CHECKSUM] = "checksum",
	[NDPROXY_DROP_MALFORMED] = "malformed",
	[NDPROXY_DROP_SOURCE] = "source",
	[NDPROXY_DROP_DAD_DST] = "dad-destination",
	[NDPROXY_DROP_DAD_SLLAO] = "dad-source-lla",
	[NDPROXY_DROP_DST] = "destination",
};

const char *ndproxy_verdict_to_string(enum ndproxy_verdict v)
{
	if ((int)v < 0 || v >= _NDPROXY_VERDICT_MAX)
		return NULL;
	return verdict_names[v];
}

enum ndproxy_verdict ndproxy_ns_parse(const uint8_t *pkt, size_t len, struct ndproxy_ns *ret)
{
	const uint8_t *icmp;
	struct in6_addr snm;
	size_t plen;

	memset(ret, 0, sizeof(*ret));
	if (!pkt || len < IP6_HDR_LEN)
		return NDPROXY_DROP_SHORT;
	plen = (size_t)pkt[4] << 8 | pkt[5];
	if (plen > len - IP6_HDR_LEN)
		return NDPROXY_DROP_SHORT;
	if ((pkt[0] >> 4) != 6 || pkt[6] != IP6_NEXTHDR_ICMPV6 || plen < 1 || pkt[IP6_HDR_LEN] != NDISC_TYPE_NS)
		return NDPROXY_DROP_NOT_NS;
	icmp = pkt + IP6_HDR_LEN;
	memcpy(&ret->src, pkt + 8, 16);
	memcpy(&ret->dst, pkt + 24, 16);
	/* RFC 4861 §7.1.1: "The IP Hop Limit field has a value of 255". */
	if (pkt[7] != 255)
		return NDPROXY_DROP_HOP_LIMIT;
	/* RFC 4861 §7.1.1: "ICMP Checksum is valid" (over the Payload Length's bytes only). */
	if (!ndisc_checksum_ok(&ret->src, &ret->dst, icmp, plen))
		return NDPROXY_DROP_CHECKSUM;
	/* RFC 4861 §7.1.1: code 0, ICMP length ≥ 24, target not multicast, options' Length > 0 and within. */
	if (ndisc_ns_parse(icmp, plen, &ret->ns) < 0)
		return NDPROXY_DROP_MALFORMED;
	if (IN6_IS_ADDR_MULTICAST(&ret->src))
		return NDPROXY_DROP_SOURCE;
	ret->dad = IN6_IS_ADDR_UNSPECIFIED(&ret->src);
	ndisc_solicited_node(&ret->ns.target, &snm);
	if (ret->dad) {
		/* RFC 4861 §7.1.1: from :: "the IP destination address is a solicited-node multicast address" */
		if (!ndisc_is_solicited_node(&ret->dst))
			return NDPROXY_DROP_DAD_DST;
		/* ... "there is no source link-layer address option in the message". */
		if (ret->ns.source_lla.len != 0)
			return NDPROXY_DROP_DAD_SLLAO;
	}
	/* RFC 4861 §7.2.2: to the target's solicited-node group, or to the target (unicast, NUD). */
	if (memcmp(&ret->dst, &snm, sizeof(snm)) != 0 && memcmp(&ret->dst, &ret->ns.target, 16) != 0)
		return NDPROXY_DROP_DST;
	return NDPROXY_OK;
}

int ndproxy_na_build(const struct ndproxy_ns *ns, const uint8_t mac[6], bool router, uint8_t *buf, size_t cap,
		     size_t *ret_len, struct in6_addr *ret_dst)
{
	static const struct in6_addr all_nodes = { { { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } } };
	/* RFC 6275 §10.4.1: the NA gives the HA's link-layer address and Override (the MN is away). */
	struct ndisc_na na = { .flags = NDISC_NA_F_OVERRIDE, .target = ns->ns.target };

	/* RFC 6275 §10.4.1: "the Router (R) bit ... MUST be set to zero"; RFC 3963 §6.2: 1 for a mobile router. */
	if (router)
		na.flags |= NDISC_NA_F_ROUTER;
	if (ns->dad) {
		/* RFC 4861 §7.2.4: source :: -> Solicited 0, multicast to all-nodes. */
		*ret_dst = all_nodes;
	} else {
		na.flags |= NDISC_NA_F_SOLICITED;
		*ret_dst = ns->src;
	}
	na.target_lla.len = 6;
	memcpy(na.target_lla.addr, mac, 6);
	return ndisc_na_build(&na, buf, cap, ret_len);
}

void ndproxy_filter(struct sock_fprog *ret)
{
	/* On a SOCK_DGRAM packet socket offset 0 is the IPv6 header. */
	static struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
		BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 5),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 6), /* Next Header */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IP6_NEXTHDR_ICMPV6, 0, 3),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, IP6_HDR_LEN), /* ICMPv6 Type */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NDISC_TYPE_NS, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};

	ret->len = ELEMENTSOF(prog);
	ret->filter = prog;
}
