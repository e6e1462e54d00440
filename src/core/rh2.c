// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/rh2.h"

#include <errno.h>
#include <string.h>

void rh2_build(const struct in6_addr *addr, uint8_t out[RH2_LEN])
{
	/* RFC 6275 §6.4: Hdr Ext Len 2, Routing Type 2, Segments Left 1, Reserved 0, the address. */
	memset(out, 0, RH2_LEN);
	out[1] = 2;
	out[2] = RH2_TYPE;
	out[3] = 1;
	memcpy(out + 8, addr, 16);
}

int rh2_parse(const uint8_t *p, size_t len, struct in6_addr *ret)
{
	if (!p || len < 4)
		return -EBADMSG;
	/* The header's own length, (Hdr Ext Len + 1) * 8, must fit in what we were given. */
	if (((size_t)p[1] + 1) * 8 > len)
		return -EBADMSG;
	if (p[2] != RH2_TYPE)
		return -ENOENT;
	/* RFC 6275 §6.4: Hdr Ext Len MUST be 2; Segments Left MUST be 1 (0 once processed). */
	if (p[1] != 2 || p[3] > 1)
		return -EBADMSG;
	memcpy(ret, p + 8, 16);
	return 0;
}

size_t rh2_cmsg_put(struct cmsghdr *c, const struct in6_addr *first_hop)
{
	uint8_t rh[RH2_LEN];

	rh2_build(first_hop, rh);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_RTHDR;
	c->cmsg_len = CMSG_LEN(RH2_LEN);
	memcpy(CMSG_DATA(c), rh, RH2_LEN);
	return RH2_CMSG_SPACE;
}
