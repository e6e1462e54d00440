/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <net/if.h> /* before the linux/ headers (libc-compat) */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/lwtunnel.h>
#include <linux/gen_stats.h>
#include <linux/if_ether.h>
#include <linux/neighbour.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/xfrm.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "netlink/nl-parse.h"

/* Messages longer than this are refused (the kernel never sends them to us). */
#define KNL_MSG_MAX (1U << 20)

#define EXACT(t, n) { .type = (t), .minlen = (n), .maxlen = (n) }
#define ADDR6 EXACT(NLA_UNSPEC, 16)
#define U8 EXACT(NLA_U8, 1)
#define U16 EXACT(NLA_U16, 2)
#define U32 EXACT(NLA_U32, 4)

static const char *const event_names[_KNL_EVENT_MAX] = {
	[KNL_EVENT_LINK] = "link",
	[KNL_EVENT_ADDR] = "address",
	[KNL_EVENT_ROUTE] = "route",
	[KNL_EVENT_RULE] = "rule",
	[KNL_EVENT_NEIGH] = "neighbour",
	[KNL_EVENT_XFRM_POLICY] = "xfrm-policy",
	[KNL_EVENT_XFRM_MIGRATE] = "xfrm-migrate",
	[KNL_EVENT_XFRM_REPORT] = "xfrm-report",
	[KNL_EVENT_XFRM_ACQUIRE] = "xfrm-acquire",
	[KNL_EVENT_XFRM_POLICY_FLUSH] = "xfrm-policy-flush",
	[KNL_EVENT_TC_FILTER] = "tc-filter",
	[KNL_EVENT_XFRM_SA] = "xfrm-sa",
};

const char *knl_event_type_to_string(enum knl_event_type t)
{
	if ((int)t < 0 || t >= _KNL_EVENT_MAX)
		return NULL;
	return event_names[t];
}

int knl_msg_next(const uint8_t *buf, size_t len, size_t *off, const uint8_t **ret_msg,
		 size_t *ret_len)
{
	struct nlmsghdr h;
	size_t left, step;

	if (*off >= len)
		return 0;
	left = len - *off;
	if (left < sizeof(h))
		return -EBADMSG;
	memcpy(&h, buf + *off, sizeof(h));
	if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > left)
		return -EBADMSG;
	*ret_msg = buf + *off;
	*ret_len = h.nlmsg_len;
	step = NLMSG_ALIGN(h.nlmsg_len);
	*off = left - step > left ? len : *off + step; /* the last message may be unpadded */
	return 1;
}

void knl_msg_header(const uint8_t *msg, uint16_t *ret_type, uint16_t *ret_flags, uint32_t *ret_seq)
{
	struct nlmsghdr h;

	memcpy(&h, msg, sizeof(h));
	if (ret_type)
		*ret_type = h.nlmsg_type;
	if (ret_flags)
		*ret_flags = h.nlmsg_flags;
	if (ret_seq)
		*ret_seq = h.nlmsg_seq;
}

/*
 * A 4-byte aligned private copy of one message, with nlmsg_len checked against
 * the input and against header + family header, so that libnl's nlmsg_parse()
 * and nla_* accessors only ever see well-framed memory.
 */
struct msg_copy {
	struct nlmsghdr *nlh;
	void *mem;
};

static void msg_copy_done(struct msg_copy *c)
{
	free(c->mem);
}

static int msg_copy(const uint8_t *msg, size_t len, size_t hdrlen, struct msg_copy *ret)
{
	struct nlmsghdr h;

	if (len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, msg, sizeof(h));
	if (h.nlmsg_len > len || h.nlmsg_len > KNL_MSG_MAX)
		return -EBADMSG;
	if (h.nlmsg_len - NLMSG_HDRLEN < NLMSG_ALIGN(hdrlen) || h.nlmsg_len < NLMSG_HDRLEN)
		return -EBADMSG;
	ret->mem = malloc(NLMSG_ALIGN(h.nlmsg_len));
	if (!ret->mem)
		return -ENOMEM;
	memset(ret->mem, 0, NLMSG_ALIGN(h.nlmsg_len));
	memcpy(ret->mem, msg, h.nlmsg_len);
	ret->nlh = ret->mem;
	return 0;
}

static int parse_attrs(struct nlmsghdr *nlh, size_t hdrlen, struct nlattr **tb, int maxtype,
		       const struct nla_policy *policy)
{
	return nlmsg_parse(nlh, (int)hdrlen, tb, maxtype, (struct nla_policy *)policy) < 0 ? -EBADMSG : 0;
}

static void get_addr6(const struct nlattr *a, struct in6_addr *ret)
{
	memcpy(ret, nla_data(a), sizeof(*ret));
}

static uint32_t get_u32(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, nla_data(a), sizeof(v));
	return v;
}

static uint16_t get_u16(const struct nlattr *a)
{
	uint16_t v;

	memcpy(&v, nla_data(a), sizeof(v));
	return v;
}

static uint8_t get_u8(const struct nlattr *a)
{
	return *(const uint8_t *)nla_data(a);
}

/* Copy a string attribute; refuse one that does not fit (with its NUL) in size. */
static int get_string(const struct nlattr *a, char *dst, size_t size)
{
	size_t n = strnlen(nla_data(a), (size_t)nla_len(a));

	if (n >= size)
		return -EBADMSG;
	memcpy(dst, nla_data(a), n);
	dst[n] = '\0';
	return 0;
}

/* ---- NLMSG_ERROR / NLMSG_DONE ---- */

static const struct nla_policy ack_policy[NLMSGERR_ATTR_MAX + 1] = {
	[NLMSGERR_ATTR_MSG] = { .type = NLA_STRING, .maxlen = 1024 },
	[NLMSGERR_ATTR_OFFS] = U32,
};

int knl_parse_ack(const uint8_t *msg, size_t len, int *ret_error, char *text, size_t text_size)
{
	_cleanup_(msg_copy_done) struct msg_copy c = {};
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};
	struct nlmsgerr e;
	size_t off, payload;
	int r;

	if (text && text_size)
		text[0] = '\0';
	if (len < NLMSG_HDRLEN)
		return -EBADMSG;
	{
		uint16_t type;

		knl_msg_header(msg, &type, NULL, NULL);
		if (type == NLMSG_DONE) {
			int err = 0;

			r = msg_copy(msg, len, 0, &c);
			if (r < 0)
				return r;
			if (c.nlh->nlmsg_len - NLMSG_HDRLEN >= sizeof(int))
				memcpy(&err, NLMSG_DATA(c.nlh), sizeof(err));
			if (err > 0 || err < -4095)
				return -EBADMSG;
			*ret_error = err;
			return 0;
		}
		if (type != NLMSG_ERROR)
			return -EINVAL;
	}
	r = msg_copy(msg, len, sizeof(e), &c);
	if (r < 0)
		return r;
	memcpy(&e, NLMSG_DATA(c.nlh), sizeof(e));
	if (e.error > 0 || e.error < -4095)
		return -EBADMSG;
	*ret_error = e.error;
	if (!(c.nlh->nlmsg_flags & NLM_F_ACK_TLVS) || !text || !text_size)
		return 0;
	/* TLVs follow the echoed request: only its header when capped (or on success). */
	payload = c.nlh->nlmsg_len - NLMSG_HDRLEN;
	if ((c.nlh->nlmsg_flags & NLM_F_CAPPED) || e.error == 0)
		off = sizeof(e);
	else {
		if (e.msg.nlmsg_len < NLMSG_HDRLEN || payload - sizeof(int) < e.msg.nlmsg_len)
			return -EBADMSG;
		off = sizeof(int) + NLMSG_ALIGN(e.msg.nlmsg_len);
	}
	if (off > payload)
		return -EBADMSG;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((uint8_t *)NLMSG_DATA(c.nlh) + off),
		      (int)(payload - off), (struct nla_policy *)ack_policy) < 0)
		return -EBADMSG;
	if (tb[NLMSGERR_ATTR_MSG]) {
		size_t n = strnlen(nla_data(tb[NLMSGERR_ATTR_MSG]), (size_t)nla_len(tb[NLMSGERR_ATTR_MSG]));

		if (n >= text_size)
			n = text_size - 1;
		memcpy(text, nla_data(tb[NLMSGERR_ATTR_MSG]), n);
		text[n] = '\0';
	}
	return 0;
}

/* ---- rtnetlink ---- */

static const struct nla_policy linkinfo_policy[IFLA_INFO_MAX + 1] = {
	[IFLA_INFO_KIND] = { .type = NLA_STRING, .maxlen = 64 },
};

static const struct nla_policy link_policy[IFLA_MAX + 1] = {
	[IFLA_IFNAME] = { .type = NLA_STRING, .maxlen = IFNAMSIZ },
	[IFLA_MTU] = U32,
	[IFLA_OPERSTATE] = U8,
	[IFLA_CARRIER] = U8,
	[IFLA_MASTER] = U32,
	[IFLA_ADDRESS] = { .type = NLA_UNSPEC, .maxlen = 32 },
	[IFLA_LINKINFO] = { .type = NLA_NESTED },
};

static int parse_link(struct nlmsghdr *nlh, struct knl_event *ret)
{
	struct nlattr *tb[IFLA_MAX + 1] = {}, *li[IFLA_INFO_MAX + 1] = {};
	struct knl_link *l = &ret->link;
	struct ifinfomsg ifi;
	int r;

	r = parse_attrs(nlh, sizeof(ifi), tb, IFLA_MAX, link_policy);
	if (r < 0)
		return r;
	memcpy(&ifi, NLMSG_DATA(nlh), sizeof(ifi));
	if (ifi.ifi_index <= 0 || !tb[IFLA_IFNAME])
		return -EBADMSG;
	*ret = (struct knl_event){ .type = KNL_EVENT_LINK, .removed = nlh->nlmsg_type == RTM_DELLINK };
	l->ifindex = ifi.ifi_index;
	l->flags = ifi.ifi_flags;
	l->type = ifi.ifi_type;
	l->carrier = -1;
	if (get_string(tb[IFLA_IFNAME], l->ifname, sizeof(l->ifname)) < 0)
		return -EBADMSG;
	if (tb[IFLA_MTU])
		l->mtu = get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_OPERSTATE])
		l->operstate = get_u8(tb[IFLA_OPERSTATE]);
	if (tb[IFLA_CARRIER])
		l->carrier = get_u8(tb[IFLA_CARRIER]) ? 1 : 0;
	if (tb[IFLA_MASTER])
		l->master = (int)get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_ADDRESS]) {
		l->hwaddr_len = (uint8_t)nla_len(tb[IFLA_ADDRESS]);
		memcpy(l->hwaddr, nla_data(tb[IFLA_ADDRESS]), l->hwaddr_len);
	}
	if (tb[IFLA_LINKINFO]) {
		if (nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], (struct nla_policy *)linkinfo_policy) < 0)
			return -EBADMSG;
		if (li[IFLA_INFO_KIND] && get_string(li[IFLA_INFO_KIND], l->kind, sizeof(l->kind)) < 0)
			return -EBADMSG;
	}
	return 1;
}

static const struct nla_policy addr_policy[IFA_MAX + 1] = {
	[IFA_ADDRESS] = ADDR6,
	[IFA_LOCAL] = ADDR6,
	[IFA_FLAGS] = U32,
	[IFA_CACHEINFO] = EXACT(NLA_UNSPEC, sizeof(struct ifa_cacheinfo)),
	[IFA_LABEL] = { .type = NLA_STRING, .maxlen = IFNAMSIZ },
};

static int parse_addr(struct nlmsghdr *nlh, struct knl_event *ret)
{
	struct nlattr *tb[IFA_MAX + 1] = {};
	struct knl_addr *a = &ret->addr;
	struct ifaddrmsg ifa;
	int r;

	if (nlh->nlmsg_len - NLMSG_HDRLEN < sizeof(ifa))
		return -EBADMSG;
	memcpy(&ifa, NLMSG_DATA(nlh), sizeof(ifa));
	if (ifa.ifa_family != AF_INET6)
		return 0;
	r = parse_attrs(nlh, sizeof(ifa), tb, IFA_MAX, addr_policy);
	if (r < 0)
		return r;
	if (ifa.ifa_prefixlen > 128 || ifa.ifa_index == 0 || (!tb[IFA_LOCAL] && !tb[IFA_ADDRESS]))
		return -EBADMSG;
	*ret = (struct knl_event){ .type = KNL_EVENT_ADDR, .removed = nlh->nlmsg_type == RTM_DELADDR };
	a->ifindex = (int)ifa.ifa_index;
	a->prefixlen = ifa.ifa_prefixlen;
	a->scope = ifa.ifa_scope;
	a->flags = tb[IFA_FLAGS] ? get_u32(tb[IFA_FLAGS]) : ifa.ifa_flags;
	/* With a peer, IFA_LOCAL is ours and IFA_ADDRESS the peer's. */
	get_addr6(tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS], &a->addr);
	a->valid_lft = a->preferred_lft = KNL_LIFETIME_INFINITE;
	if (tb[IFA_CACHEINFO]) {
		struct ifa_cacheinfo ci;

		memcpy(&ci, nla_data(tb[IFA_CACHEINFO]), sizeof(ci));
		a->valid_lft = ci.ifa_valid;
		a->preferred_lft = ci.ifa_prefered;
	}
	return 1;
}

static const struct nla_policy encap_ip6_policy[LWTUNNEL_IP6_MAX + 1] = {
	[LWTUNNEL_IP6_DST] = ADDR6,
	[LWTUNNEL_IP6_SRC] = ADDR6,
};

static const struct nla_policy route_policy[RTA_MAX + 1] = {
	[RTA_DST] = ADDR6,
	[RTA_SRC] = ADDR6,
	[RTA_GATEWAY] = ADDR6,
	[RTA_PREFSRC] = ADDR6,
	[RTA_OIF] = U32,
	[RTA_TABLE] = U32,
	[RTA_PRIORITY] = U32,
	[RTA_ENCAP_TYPE] = U16,
	[RTA_ENCAP] = { .type = NLA_NESTED },
};

static int parse_route(struct nlmsghdr *nlh, struct knl_event *ret)
{
	struct nlattr *tb[RTA_MAX + 1] = {};
	struct knl_route *rt = &ret->route;
	struct rtmsg rtm;
	int r;

	if (nlh->nlmsg_len - NLMSG_HDRLEN < sizeof(rtm))
		return -EBADMSG;
	memcpy(&rtm, NLMSG_DATA(nlh), sizeof(rtm));
	if (rtm.rtm_family != AF_INET6)
		return 0;
	r = parse_attrs(nlh, sizeof(rtm), tb, RTA_MAX, route_policy);
	if (r < 0)
		return r;
	if (rtm.rtm_dst_len > 128 || (!tb[RTA_DST] && rtm.rtm_dst_len != 0))
		return -EBADMSG;
	*ret = (struct knl_event){ .type = KNL_EVENT_ROUTE, .removed = nlh->nlmsg_type == RTM_DELROUTE };
	rt->dst_len = rtm.rtm_dst_len;
	if (tb[RTA_DST])
		get_addr6(tb[RTA_DST], &rt->dst);
	if (tb[RTA_GATEWAY])
		get_addr6(tb[RTA_GATEWAY], &rt->gateway);
	if (tb[RTA_PREFSRC])
		get_addr6(tb[RTA_PREFSRC], &rt->prefsrc);
	if (tb[RTA_OIF])
		rt->oif = (int)get_u32(tb[RTA_OIF]);
	rt->table = tb[RTA_TABLE] ? get_u32(tb[RTA_TABLE]) : rtm.rtm_table;
	if (tb[RTA_PRIORITY])
		rt->metric = get_u32(tb[RTA_PRIORITY]);
	rt->protocol = rtm.rtm_protocol;
	rt->type = rtm.rtm_type;
	if (tb[RTA_ENCAP_TYPE] && get_u16(tb[RTA_ENCAP_TYPE]) == LWTUNNEL_ENCAP_IP6) {
		struct nlattr *et[LWTUNNEL_IP6_MAX + 1] = {};

		if (!tb[RTA_ENCAP] ||
		    nla_parse_nested(et, LWTUNNEL_IP6_MAX, tb[RTA_ENCAP], (struct nla_policy *)encap_ip6_policy) < 0 ||
		    !et[LWTUNNEL_IP6_DST])
			return -EBADMSG;
		rt->encap = true;
		get_addr6(et[LWTUNNEL_IP6_DST], &rt->encap_dst);
		if (et[LWTUNNEL_IP6_SRC])
			get_addr6(et[LWTUNNEL_IP6_SRC], &rt->encap_src);
	}
	return 1;
}

static const struct nla_policy rule_policy[FRA_MAX + 1] = {
	[FRA_SRC] = ADDR6,
	[FRA_TABLE] = U32,
	[FRA_PRIORITY] = U32,
};

static int parse_rule(struct nlmsghdr *nlh, struct knl_event *ret)
{
	struct nlattr *tb[FRA_MAX + 1] = {};
	struct knl_rule *ru = &ret->rule;
	struct fib_rule_hdr frh;
	int r;

	if (nlh->nlmsg_len - NLMSG_HDRLEN < sizeof(frh))
		return -EBADMSG;
	memcpy(&frh, NLMSG_DATA(nlh), sizeof(frh));
	if (frh.family != AF_INET6)
		return 0;
	r = parse_attrs(nlh, sizeof(frh), tb, FRA_MAX, rule_policy);
	if (r < 0)
		return r;
	if (frh.src_len > 128 || (!tb[FRA_SRC] && frh.src_len != 0))
		return -EBADMSG;
	*ret = (struct knl_event){ .type = KNL_EVENT_RULE, .removed = nlh->nlmsg_type == RTM_DELRULE };
	ru->from_len = frh.src_len;
	if (tb[FRA_SRC])
		get_addr6(tb[FRA_SRC], &ru->from);
	ru->table = tb[FRA_TABLE] ? get_u32(tb[FRA_TABLE]) : frh.table;
	if (tb[FRA_PRIORITY])
		ru->priority = get_u32(tb[FRA_PRIORITY]);
	ru->action = frh.action;
	return 1;
}

static const struct nla_policy neigh_policy[NDA_MAX + 1] = {
	[NDA_DST] = ADDR6,
	[NDA_LLADDR] = { .type = NLA_UNSPEC, .maxlen = 32 },
};

static int parse_neigh(struct nlmsghdr *nlh, struct knl_event *ret)
{
	struct nlattr *tb[NDA_MAX + 1] = {};
	struct knl_neigh *n = &ret->neigh;
	struct ndmsg ndm;
	int r;

	if (nlh->nlmsg_len - NLMSG_HDRLEN < sizeof(ndm))
		return -EBADMSG;
	memcpy(&ndm, NLMSG_DATA(nlh), sizeof(ndm));
	if (ndm.ndm_family != AF_INET6)
		return 0;
	r = parse_attrs(nlh, sizeof(ndm), tb, NDA_MAX, neigh_policy);
	if (r < 0)
		return r;
	if (!tb[NDA_DST] || ndm.ndm_ifindex <= 0)
		return -EBADMSG;
	*ret = (struct knl_event){ .type = KNL_EVENT_NEIGH, .removed = nlh->nlmsg_type == RTM_DELNEIGH };
	n->ifindex = ndm.ndm_ifindex;
	n->state = ndm.ndm_state;
	n->flags = ndm.ndm_flags;
	get_addr6(tb[NDA_DST], &n->addr);
	if (tb[NDA_LLADDR]) {
		n->lladdr_len = (uint8_t)nla_len(tb[NDA_LLADDR]);
		memcpy(n->lladdr, nla_data(tb[NDA_LLADDR]), n->lladdr_len);
	}
	return 1;
}

/* ---- tc filters (RTM_NEWTFILTER replies; the HA's flower filters, nl-types.h) ---- */

static const struct nla_policy tcf_policy[TCA_MAX + 1] = {
	[TCA_KIND] = { .type = NLA_STRING, .maxlen = IFNAMSIZ },
	[TCA_OPTIONS] = { .type = NLA_NESTED },
};

static const struct nla_policy flower_policy[TCA_FLOWER_MAX + 1] = {
	[TCA_FLOWER_ACT] = { .type = NLA_NESTED },
	[TCA_FLOWER_KEY_IPV6_SRC] = ADDR6,
	[TCA_FLOWER_KEY_IPV6_SRC_MASK] = ADDR6,
	[TCA_FLOWER_KEY_ENC_IPV6_SRC] = ADDR6,
};

/* A source mask's prefix length as knl_tc_filter holds it: 0 for all ones (/128). */
static uint8_t mask_len(const struct in6_addr *m)
{
	unsigned n = 0;

	while (n < 128 && (m->s6_addr[n / 8] & (0x80 >> (n % 8))))
		n++;
	return n == 128 ? 0 : (uint8_t)n;
}

static const struct nla_policy act_policy[TCA_ACT_MAX + 1] = {
	[TCA_ACT_STATS] = { .type = NLA_NESTED },
};

static const struct nla_policy stats_policy[TCA_STATS_MAX + 1] = {
	/* struct gnet_stats_basic: u64 bytes, u32 packets (16 with the padding the kernel sends). */
	[TCA_STATS_BASIC] = { .type = NLA_UNSPEC, .minlen = 12 },
};

/* The packets counted by the first action of TCA_FLOWER_ACT (0 when there is none). */
static int parse_act_packets(struct nlattr *acts, uint64_t *ret)
{
	struct nlattr *list[TCA_ACT_MAX_PRIO + 1] = {}, *a[TCA_ACT_MAX + 1] = {}, *st[TCA_STATS_MAX + 1] = {};
	uint32_t packets;

	*ret = 0;
	if (nla_parse_nested(list, TCA_ACT_MAX_PRIO, acts, NULL) < 0)
		return -EBADMSG;
	if (!list[1])
		return 0;
	if (nla_parse_nested(a, TCA_ACT_MAX, list[1], (struct nla_policy *)act_policy) < 0)
		return -EBADMSG;
	if (!a[TCA_ACT_STATS])
		return 0;
	if (nla_parse_nested(st, TCA_STATS_MAX, a[TCA_ACT_STATS], (struct nla_policy *)stats_policy) < 0)
		return -EBADMSG;
	if (!st[TCA_STATS_BASIC])
		return 0;
	memcpy(&packets, (const uint8_t *)nla_data(st[TCA_STATS_BASIC]) + 8, sizeof(packets));
	*ret = packets;
	return 0;
}

static int parse_tfilter(struct nlmsghdr *nlh, struct knl_event *ret)
{
	struct nlattr *tb[TCA_MAX + 1] = {}, *fl[TCA_FLOWER_MAX + 1] = {};
	struct knl_tc_filter *f = &ret->tc_filter;
	char kind[IFNAMSIZ];
	struct tcmsg t;
	int r;

	r = parse_attrs(nlh, sizeof(t), tb, TCA_MAX, tcf_policy);
	if (r < 0)
		return r;
	memcpy(&t, NLMSG_DATA(nlh), sizeof(t));
	if (!tb[TCA_KIND] || get_string(tb[TCA_KIND], kind, sizeof(kind)) < 0)
		return -EBADMSG;
	if (strcmp(kind, "flower") != 0 || t.tcm_ifindex <= 0)
		return 0; /* not one of ours */
	*ret = (struct knl_event){ .type = KNL_EVENT_TC_FILTER, .removed = nlh->nlmsg_type == RTM_DELTFILTER };
	f->ifindex = t.tcm_ifindex;
	f->prio = (uint16_t)(TC_H_MAJ(t.tcm_info) >> 16);
	f->handle = t.tcm_handle;
	f->drop = TC_H_MIN(t.tcm_info) == htons(ETH_P_ALL);
	if (!tb[TCA_OPTIONS])
		return 1;
	if (nla_parse_nested(fl, TCA_FLOWER_MAX, tb[TCA_OPTIONS], (struct nla_policy *)flower_policy) < 0)
		return -EBADMSG;
	if (fl[TCA_FLOWER_KEY_ENC_IPV6_SRC])
		get_addr6(fl[TCA_FLOWER_KEY_ENC_IPV6_SRC], &f->enc_src);
	if (fl[TCA_FLOWER_KEY_IPV6_SRC])
		get_addr6(fl[TCA_FLOWER_KEY_IPV6_SRC], &f->src);
	if (fl[TCA_FLOWER_KEY_IPV6_SRC_MASK]) {
		struct in6_addr m;

		get_addr6(fl[TCA_FLOWER_KEY_IPV6_SRC_MASK], &m);
		f->src_len = mask_len(&m);
	}
	if (fl[TCA_FLOWER_ACT] && parse_act_packets(fl[TCA_FLOWER_ACT], &f->packets) < 0)
		return -EBADMSG;
	return 1;
}

int knl_parse_rtnl(const uint8_t *msg, size_t len, struct knl_event *ret)
{
	_cleanup_(msg_copy_done) struct msg_copy c = {};
	uint16_t type;
	size_t hdrlen;
	int r;

	if (len < NLMSG_HDRLEN)
		return -EBADMSG;
	knl_msg_header(msg, &type, NULL, NULL);
	switch (type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		hdrlen = sizeof(struct ifinfomsg);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		hdrlen = sizeof(struct ifaddrmsg);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		hdrlen = sizeof(struct rtmsg);
		break;
	case RTM_NEWRULE:
	case RTM_DELRULE:
		hdrlen = sizeof(struct fib_rule_hdr);
		break;
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		hdrlen = sizeof(struct ndmsg);
		break;
	case RTM_NEWTFILTER:
	case RTM_DELTFILTER:
		hdrlen = sizeof(struct tcmsg);
		break;
	default:
		return 0;
	}
	r = msg_copy(msg, len, hdrlen, &c);
	if (r < 0)
		return r;
	switch (type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		return parse_link(c.nlh, ret);
	case RTM_NEWADDR:
	case RTM_DELADDR:
		return parse_addr(c.nlh, ret);
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		return parse_route(c.nlh, ret);
	case RTM_NEWRULE:
	case RTM_DELRULE:
		return parse_rule(c.nlh, ret);
	case RTM_NEWTFILTER:
	case RTM_DELTFILTER:
		return parse_tfilter(c.nlh, ret);
	default:
		return parse_neigh(c.nlh, ret);
	}
}

/* ---- XFRM ---- */

static const struct nla_policy xfrm_policy[XFRMA_MAX + 1] = {
	[XFRMA_TMPL] = { .type = NLA_UNSPEC, .minlen = sizeof(struct xfrm_user_tmpl) },
	[XFRMA_POLICY_TYPE] = EXACT(NLA_UNSPEC, sizeof(struct xfrm_userpolicy_type)),
	[XFRMA_MIGRATE] = { .type = NLA_UNSPEC, .minlen = sizeof(struct xfrm_user_migrate) },
	[XFRMA_KMADDRESS] = EXACT(NLA_UNSPEC, sizeof(struct xfrm_user_kmaddress)),
	[XFRMA_COADDR] = EXACT(NLA_UNSPEC, sizeof(xfrm_address_t)),
	[XFRMA_POLICY] = EXACT(NLA_UNSPEC, sizeof(struct xfrm_userpolicy_info)),
};

static bool family_ok(uint16_t family)
{
	return family == AF_INET6 || family == AF_UNSPEC;
}

static int parse_sel(const struct xfrm_selector *s, struct knl_xfrm_sel *ret)
{
	if (!family_ok(s->family))
		return 0;
	if (s->prefixlen_d > 128 || s->prefixlen_s > 128)
		return -EBADMSG;
	*ret = (struct knl_xfrm_sel){ .type = KNL_XFRM_TYPE_ANY };
	memcpy(&ret->dst, &s->daddr, sizeof(ret->dst));
	memcpy(&ret->src, &s->saddr, sizeof(ret->src));
	ret->dst_len = s->prefixlen_d;
	ret->src_len = s->prefixlen_s;
	ret->proto = s->proto;
	ret->ifindex = s->ifindex;
	if ((s->proto == IPPROTO_MH || s->proto == IPPROTO_ICMPV6) && s->sport_mask) {
		ret->type = ntohs(s->sport) & 0xff;
		ret->type_in_dport = s->dport_mask && ntohs(s->dport) == (uint16_t)(ret->type << 8);
	}
	return 1;
}

static int parse_tmpls(const struct nlattr *a, struct knl_xfrm_tmpl *tmpl, unsigned *ret_n)
{
	size_t len = (size_t)nla_len(a), n = len / sizeof(struct xfrm_user_tmpl);

	if (len % sizeof(struct xfrm_user_tmpl) || n > KNL_XFRM_TMPL_MAX)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++) {
		struct xfrm_user_tmpl t;

		memcpy(&t, (const uint8_t *)nla_data(a) + i * sizeof(t), sizeof(t));
		tmpl[i] = (struct knl_xfrm_tmpl){
			.proto = t.id.proto,
			.mode = t.mode,
			.reqid = t.reqid,
			.spi = ntohl(t.id.spi),
			.optional = t.optional != 0,
		};
		memcpy(&tmpl[i].dst, &t.id.daddr, sizeof(tmpl[i].dst));
		memcpy(&tmpl[i].src, &t.saddr, sizeof(tmpl[i].src));
	}
	*ret_n = (unsigned)n;
	return 0;
}

static int parse_ptype(struct nlattr **tb, uint8_t *ret)
{
	struct xfrm_userpolicy_type t;

	*ret = XFRM_POLICY_TYPE_MAIN;
	if (!tb[XFRMA_POLICY_TYPE])
		return 0;
	memcpy(&t, nla_data(tb[XFRMA_POLICY_TYPE]), sizeof(t));
	if (t.type >= XFRM_POLICY_TYPE_MAX)
		return -EBADMSG;
	*ret = t.type;
	return 0;
}

static int parse_policy_info(const struct xfrm_userpolicy_info *pi, struct knl_xfrm_policy *p)
{
	int r = parse_sel(&pi->sel, &p->sel);

	if (r <= 0)
		return r;
	if (pi->dir >= XFRM_POLICY_MAX)
		return -EBADMSG;
	p->dir = pi->dir;
	p->action = pi->action;
	p->priority = pi->priority;
	p->index = pi->index;
	return 1;
}

static int xfrm_parse_policy(struct nlmsghdr *nlh, size_t hdrlen, struct knl_event *ret)
{
	struct nlattr *tb[XFRMA_MAX + 1] = {};
	struct knl_xfrm_policy *p = &ret->policy;
	struct xfrm_userpolicy_info pi;
	bool removed = nlh->nlmsg_type == XFRM_MSG_DELPOLICY;
	int r;

	r = parse_attrs(nlh, hdrlen, tb, XFRMA_MAX, xfrm_policy);
	if (r < 0)
		return r;
	*ret = (struct knl_event){ .type = KNL_EVENT_XFRM_POLICY, .removed = removed };
	if (removed) {
		struct xfrm_userpolicy_id id;

		memcpy(&id, NLMSG_DATA(nlh), sizeof(id));
		if (tb[XFRMA_POLICY])
			memcpy(&pi, nla_data(tb[XFRMA_POLICY]), sizeof(pi));
		else
			pi = (struct xfrm_userpolicy_info){ .sel = id.sel, .dir = id.dir, .index = id.index };
	} else
		memcpy(&pi, NLMSG_DATA(nlh), sizeof(pi));
	r = parse_policy_info(&pi, p);
	if (r <= 0)
		return r;
	if (tb[XFRMA_TMPL] && parse_tmpls(tb[XFRMA_TMPL], p->tmpl, &p->n_tmpl) < 0)
		return -EBADMSG;
	return parse_ptype(tb, &p->ptype) < 0 ? -EBADMSG : 1;
}

/*
 * XFRM_MSG_FLUSHPOLICY (`ip xfrm policy flush`): no fixed header, at most an
 * XFRMA_POLICY_TYPE attribute naming the flushed policy type (main when absent).
 */
static int xfrm_parse_policy_flush(struct nlmsghdr *nlh, struct knl_event *ret)
{
	struct nlattr *tb[XFRMA_MAX + 1] = {};
	int r;

	r = parse_attrs(nlh, 0, tb, XFRMA_MAX, xfrm_policy);
	if (r < 0)
		return r;
	*ret = (struct knl_event){ .type = KNL_EVENT_XFRM_POLICY_FLUSH, .removed = true };
	return parse_ptype(tb, &ret->policy.ptype) < 0 ? -EBADMSG : 1;
}

static int xfrm_parse_migrate(struct nlmsghdr *nlh, struct knl_event *ret)
{
	struct nlattr *tb[XFRMA_MAX + 1] = {};
	struct knl_xfrm_migrate *m = &ret->migrate;
	struct xfrm_userpolicy_id id;
	size_t len, n;
	int r;

	r = parse_attrs(nlh, sizeof(id), tb, XFRMA_MAX, xfrm_policy);
	if (r < 0)
		return r;
	memcpy(&id, NLMSG_DATA(nlh), sizeof(id));
	*ret = (struct knl_event){ .type = KNL_EVENT_XFRM_MIGRATE };
	r = parse_sel(&id.sel, &m->sel);
	if (r <= 0)
		return r;
	if (id.dir >= XFRM_POLICY_MAX || !tb[XFRMA_MIGRATE])
		return -EBADMSG;
	m->dir = id.dir;
	len = (size_t)nla_len(tb[XFRMA_MIGRATE]);
	n = len / sizeof(struct xfrm_user_migrate);
	if (len % sizeof(struct xfrm_user_migrate) || n > KNL_XFRM_TMPL_MAX)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++) {
		struct xfrm_user_migrate um;
		struct knl_xfrm_migrate_entry *e = &m->entries[i];

		memcpy(&um, (const uint8_t *)nla_data(tb[XFRMA_MIGRATE]) + i * sizeof(um), sizeof(um));
		if (!family_ok(um.old_family) || !family_ok(um.new_family))
			return 0;
		memcpy(&e->old_dst, &um.old_daddr, 16);
		memcpy(&e->old_src, &um.old_saddr, 16);
		memcpy(&e->new_dst, &um.new_daddr, 16);
		memcpy(&e->new_src, &um.new_saddr, 16);
		e->proto = um.proto;
		e->mode = um.mode;
		e->reqid = um.reqid;
	}
	m->n_entries = (unsigned)n;
	if (parse_ptype(tb, &m->ptype) < 0)
		return -EBADMSG;
	if (tb[XFRMA_KMADDRESS]) {
		struct xfrm_user_kmaddress k;

		memcpy(&k, nla_data(tb[XFRMA_KMADDRESS]), sizeof(k));
		if (!family_ok(k.family))
			return 0;
		m->has_kmaddress = true;
		memcpy(&m->km_local, &k.local, 16);
		memcpy(&m->km_remote, &k.remote, 16);
	}
	return 1;
}

static int xfrm_parse_report(struct nlmsghdr *nlh, struct knl_event *ret)
{
	struct nlattr *tb[XFRMA_MAX + 1] = {};
	struct xfrm_user_report rep;
	int r;

	r = parse_attrs(nlh, sizeof(rep), tb, XFRMA_MAX, xfrm_policy);
	if (r < 0)
		return r;
	memcpy(&rep, NLMSG_DATA(nlh), sizeof(rep));
	*ret = (struct knl_event){ .type = KNL_EVENT_XFRM_REPORT };
	r = parse_sel(&rep.sel, &ret->report.sel);
	if (r <= 0)
		return r;
	ret->report.proto = rep.proto;
	if (tb[XFRMA_COADDR])
		get_addr6(tb[XFRMA_COADDR], &ret->report.coaddr);
	return 1;
}

static int xfrm_parse_acquire(struct nlmsghdr *nlh, struct knl_event *ret)
{
	struct nlattr *tb[XFRMA_MAX + 1] = {};
	struct knl_xfrm_acquire *a = &ret->acquire;
	struct xfrm_user_acquire ua;
	int r;

	r = parse_attrs(nlh, sizeof(ua), tb, XFRMA_MAX, xfrm_policy);
	if (r < 0)
		return r;
	memcpy(&ua, NLMSG_DATA(nlh), sizeof(ua));
	*ret = (struct knl_event){ .type = KNL_EVENT_XFRM_ACQUIRE };
	if (!family_ok(ua.policy.sel.family))
		return 0;
	r = parse_sel(&ua.sel, &a->sel);
	if (r <= 0)
		return r;
	if (ua.policy.dir >= XFRM_POLICY_MAX)
		return -EBADMSG;
	memcpy(&a->dst, &ua.id.daddr, 16);
	memcpy(&a->src, &ua.saddr, 16);
	a->proto = ua.id.proto;
	a->dir = ua.policy.dir;
	a->policy_index = ua.policy.index;
	a->seq = ua.seq;
	if (tb[XFRMA_TMPL] && parse_tmpls(tb[XFRMA_TMPL], a->tmpl, &a->n_tmpl) < 0)
		return -EBADMSG;
	return 1;
}

/* The fixed part only: the attributes (algorithms, keys, COADDR, ...) are validated, not kept. */
static int xfrm_parse_sa(struct nlmsghdr *nlh, struct knl_event *ret)
{
	struct nlattr *tb[XFRMA_MAX + 1] = {};
	struct xfrm_usersa_info sa;
	int r;

	r = parse_attrs(nlh, sizeof(sa), tb, XFRMA_MAX, xfrm_policy);
	if (r < 0)
		return r;
	memcpy(&sa, NLMSG_DATA(nlh), sizeof(sa));
	*ret = (struct knl_event){ .type = KNL_EVENT_XFRM_SA };
	if (sa.family != AF_INET6)
		return 0;
	memcpy(&ret->sa.src, &sa.saddr, 16);
	memcpy(&ret->sa.dst, &sa.id.daddr, 16);
	ret->sa.proto = sa.id.proto;
	ret->sa.spi = ntohl(sa.id.spi);
	ret->sa.bytes = sa.curlft.bytes;
	ret->sa.packets = sa.curlft.packets;
	ret->sa.add_time = sa.curlft.add_time;
	return 1;
}

int knl_parse_xfrm(const uint8_t *msg, size_t len, struct knl_event *ret)
{
	_cleanup_(msg_copy_done) struct msg_copy c = {};
	uint16_t type;
	size_t hdrlen;
	int r;

	if (len < NLMSG_HDRLEN)
		return -EBADMSG;
	knl_msg_header(msg, &type, NULL, NULL);
	switch (type) {
	case XFRM_MSG_NEWPOLICY:
	case XFRM_MSG_UPDPOLICY:
		hdrlen = sizeof(struct xfrm_userpolicy_info);
		break;
	case XFRM_MSG_DELPOLICY:
	case XFRM_MSG_MIGRATE:
		hdrlen = sizeof(struct xfrm_userpolicy_id);
		break;
	case XFRM_MSG_REPORT:
		hdrlen = sizeof(struct xfrm_user_report);
		break;
	case XFRM_MSG_ACQUIRE:
		hdrlen = sizeof(struct xfrm_user_acquire);
		break;
	case XFRM_MSG_FLUSHPOLICY:
		hdrlen = 0;
		break;
	case XFRM_MSG_NEWSA:
		hdrlen = sizeof(struct xfrm_usersa_info);
		break;
	default:
		return 0;
	}
	r = msg_copy(msg, len, hdrlen, &c);
	if (r < 0)
		return r;
	switch (type) {
	case XFRM_MSG_MIGRATE:
		return xfrm_parse_migrate(c.nlh, ret);
	case XFRM_MSG_REPORT:
		return xfrm_parse_report(c.nlh, ret);
	case XFRM_MSG_ACQUIRE:
		return xfrm_parse_acquire(c.nlh, ret);
	case XFRM_MSG_FLUSHPOLICY:
		return xfrm_parse_policy_flush(c.nlh, ret);
	case XFRM_MSG_NEWSA:
		return xfrm_parse_sa(c.nlh, ret);
	default:
		return xfrm_parse_policy(c.nlh, hdrlen, ret);
	}
}
