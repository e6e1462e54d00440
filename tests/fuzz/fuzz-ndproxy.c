/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the HA's proxy ND codec (icmp6/ndproxy.h): any bytes as the packet socket would hand
 * them over, from the IPv6 header on. A packet that passes is an NS whose target is unicast
 * and whose destination is the target or its solicited-node group; its answer builds, is a
 * valid NA (it parses back with the same target and the HA's link-layer address) and goes to
 * all-nodes exactly when the NS came from ::. A drop names a known reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "icmp6/ndproxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0x0a, 0x0a };
	static const struct in6_addr all_nodes = { { { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } } };
	struct ndproxy_ns ns;
	struct ndisc_na na;
	struct in6_addr dst, snm;
	uint8_t out[64];
	size_t n;
	enum ndproxy_verdict v = ndproxy_ns_parse(data, size, &ns);

	if (!ndproxy_verdict_to_string(v))
		abort();
	if (v != NDPROXY_OK)
		return 0;
	if (size < 64 || IN6_IS_ADDR_MULTICAST(&ns.ns.target) || IN6_IS_ADDR_MULTICAST(&ns.src))
		abort();
	ndisc_solicited_node(&ns.ns.target, &snm);
	if (memcmp(&ns.dst, &snm, 16) != 0 && memcmp(&ns.dst, &ns.ns.target, 16) != 0)
		abort();
	if (ns.dad && ns.ns.source_lla.len != 0)
		abort();
	if (ndproxy_na_build(&ns, mac, (data[size - 1] & 1) != 0, out, sizeof(out), &n, &dst) < 0)
		abort();
	if (ndisc_na_parse(out, n, &na) < 0 || memcmp(&na.target, &ns.ns.target, 16) != 0 ||
	    na.target_lla.len < 6 || memcmp(na.target_lla.addr, mac, 6) != 0 || !(na.flags & NDISC_NA_F_OVERRIDE))
		abort();
	if (ns.dad != (memcmp(&dst, &all_nodes, 16) == 0) || ns.dad == !!(na.flags & NDISC_NA_F_SOLICITED))
		abort();
	return 0;
}
