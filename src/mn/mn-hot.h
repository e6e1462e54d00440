/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mobile node's HoT socket with TunnelHomeTesting (RFC 4877 §7.2) and route optimisation.
 *
 * RFC 6275 §11.6.2: a HoT is taken only if it was "received in a tunnel from the home agent".
 * Without TunnelHomeTesting that tunnel is the ip6tnl device (the packet's ifindex). With it,
 * the HoT comes in the ESP tunnel SA of the set's TunnelHomeTesting policy and is decapsulated
 * by XFRM onto the physical interface: nothing in what recvmsg returns tells it from a HoT sent
 * straight to the home address in the clear, and the SPD cannot require the ESP tunnel for it
 * alone (the kernel does not decode the MH type of received packets, ipsec/spd.h, and the
 * correspondents' BA/BRR/BE to the HoA come in the clear).
 *
 * So a second raw MH socket, bound to the HoA, carries a per-socket input policy
 * (IPV6_XFRM_POLICY): [ESP tunnel from the HA, reqid R2, required], any selector. The kernel
 * checks it instead of the SPD for each packet it would queue to this socket
 * (__xfrm_policy_check: a socket policy first), and drops what did not come through such an
 * SA (XfrmInTmplMismatch; it counts the copies of the home agent's and the correspondents'
 * other messages to the HoA too, which the main socket takes). A HoT read here is proven;
 * the main socket's copy of it is recognised (source, cookie: mn_hot_seen) and not taken
 * twice; a HoT seen only on the main socket did not come through the tunnel and is dropped
 * (mn-rr: ro_ignored_wrong_destination). The kernel compares a tunnel template's source
 * address, not its destination, with the SA (xfrm_state_addr_cmp): a move does not touch it.
 */
#pragma once

#include <linux/xfrm.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "mh/mh-codec.h"

struct mn_hot_policy {
	struct xfrm_userpolicy_info info;
	struct xfrm_user_tmpl tmpl;
};

/* Pure: the socket's input policy for the home agent ha and the TunnelHomeTesting reqid. */
void mn_hot_policy(const struct in6_addr *ha, uint32_t reqid, struct mn_hot_policy *ret);

/* A raw MH socket (mh_socket_open) bound to the HoA (IPV6_FREEBIND: it may not be up yet). */
int mn_hot_socket_open(const struct in6_addr *hoa, int *ret_fd);
/* Install (or replace) the socket's input policy. 0 or a negative errno. */
int mn_hot_socket_set(int fd, const struct in6_addr *ha, uint32_t reqid);

/* The HoTs the HoT socket read lately (source, cookie), so the main socket's copy is recognised. */
#define MN_HOT_SEEN 8
struct mn_hot_seen {
	struct {
		struct in6_addr src;
		uint8_t cookie[MH_COOKIE_LEN];
		bool used;
	} e[MN_HOT_SEEN];
	unsigned next;
};

void mn_hot_seen_add(struct mn_hot_seen *s, const struct in6_addr *src, const uint8_t cookie[MH_COOKIE_LEN]);
/* True (and forgotten) if the HoT socket read this HoT. */
bool mn_hot_seen_take(struct mn_hot_seen *s, const struct in6_addr *src, const uint8_t cookie[MH_COOKIE_LEN]);
