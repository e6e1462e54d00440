/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The home addresses the HA runs Duplicate Address Detection for on the home link
 * (RFC 6275 §10.3.1, §10.4.1; RFC 4862 §5.4): per entry under DAD the HoA and, when the BU
 * had L=1, the link-local address with the same interface identifier (§10.3.1 "L=1: Defend
 * both the given non link-local unicast (home) address and the derived link-local").
 *
 * The HA listens on the addresses' solicited-node group while it probes, so that another
 * node's DAD probe (an NS from ::) for them is seen (§10.3.1: DAD failed -> 134). Groups are
 * shared (a group covers every address with the same low 24 bits): dad_watch_add() says when a
 * group is new on its link (join it), dad_watch_remove() when its last user left (leave it).
 *
 * Bounded (DAD_WATCH_MAX entries): a full table refuses the new registration (130, §9.5.1
 * "insufficient resources"). Pure data structure, no I/O.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#define DAD_WATCH_MAX 4096

struct dad_watch_entry {
	const void *owner; /* the binding cache entry */
	int ifindex;
	struct in6_addr hoa;
	bool ll;           /* defend fe80::IID too */
	struct in6_addr group;
};

struct dad_watch {
	struct dad_watch_entry e[DAD_WATCH_MAX];
	size_t n;
};

/* The link-local address derived from addr: fe80::/64 and its interface identifier (§10.3.1). */
void dad_watch_link_local(const struct in6_addr *addr, struct in6_addr *ret);

/* 0, with *join true when the group is new on that link; -ENOSPC when full; -EEXIST for a known owner. */
int dad_watch_add(struct dad_watch *w, const void *owner, int ifindex, const struct in6_addr *hoa, bool ll,
		  bool *join, struct in6_addr *group);

/* true if owner was watched; *leave true when it was the group's last user on its link. */
bool dad_watch_remove(struct dad_watch *w, const void *owner, bool *leave, struct in6_addr *group, int *ifindex);

/* The owner probing target on ifindex (its HoA, or with L=1 its link-local address), or NULL. */
const void *dad_watch_find(const struct dad_watch *w, int ifindex, const struct in6_addr *target);
