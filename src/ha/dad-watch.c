/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Home addresses under DAD and their solicited-node groups (see ha/dad-watch.h). */
#include <errno.h>
#include <string.h>

#include "ha/dad-watch.h"
#include "icmp6/ndisc.h"

void dad_watch_link_local(const struct in6_addr *addr, struct in6_addr *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->s6_addr[0] = 0xfe;
	ret->s6_addr[1] = 0x80;
	memcpy(ret->s6_addr + 8, addr->s6_addr + 8, 8);
}

static size_t group_users(const struct dad_watch *w, int ifindex, const struct in6_addr *group)
{
	size_t n = 0;

	for (size_t i = 0; i < w->n; i++)
		if (w->e[i].ifindex == ifindex && memcmp(&w->e[i].group, group, sizeof(*group)) == 0)
			n++;
	return n;
}

int dad_watch_add(struct dad_watch *w, const void *owner, int ifindex, const struct in6_addr *hoa, bool ll,
		  bool *join, struct in6_addr *group)
{
	struct dad_watch_entry *e;

	for (size_t i = 0; i < w->n; i++)
		if (w->e[i].owner == owner)
			return -EEXIST;
	if (w->n >= DAD_WATCH_MAX)
		return -ENOSPC;
	e = &w->e[w->n];
	e->owner = owner;
	e->ifindex = ifindex;
	e->hoa = *hoa;
	e->ll = ll;
	/* The link-local address has the same interface id, hence the same group (RFC 4291 §2.7.1). */
	ndisc_solicited_node(hoa, &e->group);
	*join = group_users(w, ifindex, &e->group) == 0;
	*group = e->group;
	w->n++;
	return 0;
}

bool dad_watch_remove(struct dad_watch *w, const void *owner, bool *leave, struct in6_addr *group, int *ifindex)
{
	for (size_t i = 0; i < w->n; i++) {
		if (w->e[i].owner != owner)
			continue;
		*group = w->e[i].group;
		*ifindex = w->e[i].ifindex;
		w->e[i] = w->e[--w->n];
		*leave = group_users(w, *ifindex, group) == 0;
		return true;
	}
	return false;
}

const void *dad_watch_find(const struct dad_watch *w, int ifindex, const struct in6_addr *target)
{
	for (size_t i = 0; i < w->n; i++) {
		const struct dad_watch_entry *e = &w->e[i];
		struct in6_addr ll;

		if (e->ifindex != ifindex && ifindex != 0)
			continue;
		if (memcmp(&e->hoa, target, sizeof(*target)) == 0)
			return e->owner;
		if (e->ll) {
			dad_watch_link_local(&e->hoa, &ll);
			if (memcmp(&ll, target, sizeof(*target)) == 0)
				return e->owner;
		}
	}
	return NULL;
}
