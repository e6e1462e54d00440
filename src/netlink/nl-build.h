/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure builders of netlink request messages (libnl struct nl_msg) from the
 * plain descriptions in nl-types.h. No I/O: the result is queued with
 * knl_sock_submit() (which fills in the sequence number) or, in tests, parsed
 * back with nl-parse.h.
 *
 * Contract: every request carries NLM_F_REQUEST | NLM_F_ACK. Flags by op:
 *   KNL_OP_ADD     NLM_F_CREATE | NLM_F_EXCL   (so that an existing object
 *                  answers EEXIST, also for fib rules which otherwise duplicate;
 *                  XFRM: XFRM_MSG_NEWPOLICY / XFRM_MSG_NEWSA)
 *   KNL_OP_REPLACE NLM_F_CREATE | NLM_F_REPLACE (XFRM: XFRM_MSG_UPDPOLICY, which
 *                  creates when absent, / XFRM_MSG_UPDSA, which fails with
 *                  -ESRCH when absent)
 *   KNL_OP_DEL     the RTM_DEL* / XFRM_MSG_DEL* message.
 * Returns 0 and *ret (owned by the caller; free with nlmsg_free()), -EINVAL for
 * an invalid description (prefix length > 128, missing ifindex, too many
 * templates, key too long, ...), -ENOMEM.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "netlink/nl-types.h"

struct nl_msg;

/* Free *m and set it to NULL. (Until core/cleanup.h carries the libnl cleanup helpers.) */
void knl_msg_freep(struct nl_msg **m);

int knl_build_addr(enum knl_op op, const struct knl_addr *a, struct nl_msg **ret);
int knl_build_route(enum knl_op op, const struct knl_route *rt, struct nl_msg **ret);
int knl_build_rule(enum knl_op op, const struct knl_rule *ru, struct nl_msg **ret);
/* A proxy neighbour entry (NTF_PROXY) for n->addr on n->ifindex; other fields ignored. */
int knl_build_proxy(enum knl_op op, const struct knl_neigh *n, struct nl_msg **ret);

/* RTM_NEWLINK creating an ip6tnl device (NLM_F_CREATE | NLM_F_EXCL). */
int knl_build_ip6tnl(const struct knl_ip6tnl *t, struct nl_msg **ret);
int knl_build_link_del(int ifindex, struct nl_msg **ret);
int knl_build_link_set_up(int ifindex, bool up, struct nl_msg **ret);
/* RTM_GETLINK by name: the reply is one RTM_NEWLINK. */
int knl_build_link_get(const char *name, struct nl_msg **ret);

/*
 * The clsact qdisc of ifindex (RTM_NEWQDISC / RTM_DELQDISC, kind "clsact", parent
 * TC_H_CLSACT). KNL_OP_REPLACE is refused (-EINVAL): a qdisc is added or deleted.
 */
int knl_build_clsact(enum knl_op op, int ifindex, struct nl_msg **ret);
/*
 * A flower filter on the clsact ingress of f->ifindex (RTM_NEWTFILTER / RTM_DELTFILTER;
 * see struct knl_tc_filter). ADD/REPLACE need f->handle != 0 and f->prio != 0.
 */
int knl_build_tc_filter(enum knl_op op, const struct knl_tc_filter *f, struct nl_msg **ret);
/* RTM_GETTFILTER of one filter (ifindex, prio, handle, drop for its protocol): one RTM_NEWTFILTER. */
int knl_build_tc_filter_get(const struct knl_tc_filter *f, struct nl_msg **ret);
int knl_build_tc_filter_dump(int ifindex, uint16_t prio, struct nl_msg **ret);

int knl_build_xfrm_policy(enum knl_op op, const struct knl_xfrm_policy *p, struct nl_msg **ret);
/* DEL uses src, dst, proto and spi only. */
int knl_build_xfrm_state(enum knl_op op, const struct knl_xfrm_state *s, struct nl_msg **ret);
/* XFRM_MSG_GETSA of the state src, dst, proto, spi (as DEL names it): one XFRM_MSG_NEWSA back. */
int knl_build_xfrm_state_get(const struct knl_xfrm_state *s, struct nl_msg **ret);
int knl_build_xfrm_migrate(const struct knl_xfrm_migrate *m, struct nl_msg **ret);

/*
 * A dump request (NLM_F_REQUEST | NLM_F_DUMP, no ACK: a dump ends with
 * NLMSG_DONE). rtnetlink types: RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE,
 * RTM_GETRULE, RTM_GETNEIGH (proxy entries when proxy is true), all IPv6;
 * XFRM: XFRM_MSG_GETPOLICY, XFRM_MSG_GETSA.
 */
int knl_build_dump(int protocol, uint16_t type, bool proxy, struct nl_msg **ret);
