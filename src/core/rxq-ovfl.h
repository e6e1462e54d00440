/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SO_RXQ_OVFL (socket(7)): with the option set, the kernel attaches to each
 * packet it queues the socket's count of packets dropped so far for lack of
 * room (a uint32 that wraps), as a SOL_SOCKET control message. A receiver
 * keeps the last count it saw and adds the difference to its own counter.
 * Pure, for the MH and ICMPv6 sockets and their tests.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

/* The count a control message carries: true and *ret for SOL_SOCKET/SO_RXQ_OVFL of 4 octets. */
static inline bool rxq_ovfl_from_cmsg(const struct cmsghdr *c, uint32_t *ret)
{
	if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SO_RXQ_OVFL || c->cmsg_len != CMSG_LEN(sizeof(*ret)))
		return false;
	memcpy(ret, CMSG_DATA(c), sizeof(*ret));
	return true;
}

/* Packets dropped since the count *last was seen (modulo 2^32); *last becomes now. */
static inline uint32_t rxq_ovfl_delta(uint32_t *last, uint32_t now)
{
	uint32_t d = now - *last;

	*last = now;
	return d;
}
