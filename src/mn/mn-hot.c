/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The mobile node's HoT socket with TunnelHomeTesting (see mn-hot.h). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mh/mh-socket.h"
#include "mn/mn-hot.h"

#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif

void mn_hot_policy(const struct in6_addr *ha, uint32_t reqid, struct mn_hot_policy *ret)
{
	memset(ret, 0, sizeof(*ret));
	/* Any selector (prefix lengths 0): every packet the socket would get is checked. */
	ret->info.sel.family = AF_INET6;
	ret->info.lft.soft_byte_limit = XFRM_INF;
	ret->info.lft.hard_byte_limit = XFRM_INF;
	ret->info.lft.soft_packet_limit = XFRM_INF;
	ret->info.lft.hard_packet_limit = XFRM_INF;
	ret->info.dir = XFRM_POLICY_IN;
	ret->info.action = XFRM_POLICY_ALLOW;
	ret->info.share = XFRM_SHARE_ANY;
	/* RFC 4877 §7.2 TunnelHomeTesting: ESP in tunnel mode from the home agent; required. */
	ret->tmpl.id.proto = IPPROTO_ESP;
	ret->tmpl.family = AF_INET6;
	memcpy(&ret->tmpl.saddr.in6, ha, sizeof(*ha));
	ret->tmpl.reqid = reqid;
	ret->tmpl.mode = XFRM_MODE_TUNNEL;
	ret->tmpl.share = XFRM_SHARE_ANY;
	ret->tmpl.optional = 0;
	ret->tmpl.aalgos = ret->tmpl.ealgos = ret->tmpl.calgos = ~0U;
}

int mn_hot_socket_open(const struct in6_addr *hoa, int *ret_fd)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = *hoa };
	int fd, on = 1, r;

	r = mh_socket_open(&fd);
	if (r < 0)
		return r;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &on, sizeof(on)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

int mn_hot_socket_set(int fd, const struct in6_addr *ha, uint32_t reqid)
{
	struct mn_hot_policy p;

	mn_hot_policy(ha, reqid, &p);
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_XFRM_POLICY, &p, sizeof(p)) < 0)
		return -errno;
	return 0;
}

void mn_hot_seen_add(struct mn_hot_seen *s, const struct in6_addr *src, const uint8_t cookie[MH_COOKIE_LEN])
{
	unsigned i = s->next++ % MN_HOT_SEEN;

	s->e[i].src = *src;
	memcpy(s->e[i].cookie, cookie, MH_COOKIE_LEN);
	s->e[i].used = true;
}

bool mn_hot_seen_take(struct mn_hot_seen *s, const struct in6_addr *src, const uint8_t cookie[MH_COOKIE_LEN])
{
	for (unsigned i = 0; i < MN_HOT_SEEN; i++)
		if (s->e[i].used && IN6_ARE_ADDR_EQUAL(&s->e[i].src, src) &&
		    memcmp(s->e[i].cookie, cookie, MH_COOKIE_LEN) == 0) {
			s->e[i].used = false;
			return true;
		}
	return false;
}
