/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <net/if.h> /* before the linux/ headers (libc-compat) */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/lwtunnel.h>
#include <linux/if_ether.h>
#include <linux/neighbour.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_gact.h>
#include <linux/xfrm.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <string.h>

#include "core/cleanup.h"
#include "netlink/nl-build.h"

#define PUT(x)                          \
	do {                            \
		if ((x) < 0)            \
			return -ENOMEM; \
	} while (0)

void knl_msg_freep(struct nl_msg **m)
{
	if (*m)
		nlmsg_free(*m);
	*m = NULL;
}

static bool addr_is_any(const struct in6_addr *a)
{
	return IN6_IS_ADDR_UNSPECIFIED(a);
}

static int op_flags(enum knl_op op, int *ret)
{
	switch (op) {
	case KNL_OP_ADD:
		*ret = NLM_F_CREATE | NLM_F_EXCL;
		return 0;
	case KNL_OP_REPLACE:
		*ret = NLM_F_CREATE | NLM_F_REPLACE;
		return 0;
	case KNL_OP_DEL:
		*ret = 0;
		return 0;
	default:
		return -EINVAL;
	}
}

/* Allocate a request with its fixed family header. */
static int msg_new(int type, int flags, const void *hdr, size_t hdrlen, struct nl_msg **ret)
{
	struct nl_msg *m = nlmsg_alloc_simple(type, NLM_F_REQUEST | flags);

	if (!m)
		return -ENOMEM;
	if (hdrlen && nlmsg_append(m, (void *)hdr, hdrlen, NLMSG_ALIGNTO) < 0) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	*ret = m;
	return 0;
}

static int put_addr6(struct nl_msg *m, int type, const struct in6_addr *a)
{
	return nla_put(m, type, sizeof(*a), a);
}

int knl_build_addr(enum knl_op op, const struct knl_addr *a, struct nl_msg **ret)
{
	_cleanup_(knl_msg_freep) struct nl_msg *m = NULL;
	struct ifaddrmsg ifa = {
		.ifa_family = AF_INET6,
		.ifa_prefixlen = a->prefixlen,
		.ifa_flags = (uint8_t)a->flags,
		.ifa_scope = RT_SCOPE_UNIVERSE,
		.ifa_index = (uint32_t)a->ifindex,
	};
	int flags, r;

	if (op_flags(op, &flags) < 0 || a->ifindex <= 0 || a->prefixlen > 128)
		return -EINVAL;
	r = msg_new(op == KNL_OP_DEL ? RTM_DELADDR : RTM_NEWADDR, NLM_F_ACK | flags, &ifa, sizeof(ifa), &m);
	if (r < 0)
		return r;
	PUT(put_addr6(m, IFA_LOCAL, &a->addr));
	PUT(put_addr6(m, IFA_ADDRESS, &a->addr));
	if (op != KNL_OP_DEL) {
		PUT(nla_put_u32(m, IFA_FLAGS, a->flags));
		if (a->valid_lft) {
			struct ifa_cacheinfo ci = {
				.ifa_prefered = a->preferred_lft,
				.ifa_valid = a->valid_lft,
			};

			if (a->preferred_lft > a->valid_lft)
				return -EINVAL;
			PUT(nla_put(m, IFA_CACHEINFO, sizeof(ci), &ci));
		}
	}
	*ret = TAKE_PTR(m);
	return 0;
}

int knl_build_route(enum knl_op op, const struct knl_route *rt, struct nl_msg **ret)
{
	_cleanup_(knl_msg_freep) struct nl_msg *m = NULL;
	uint32_t table = rt->table ? rt->table : RT_TABLE_MAIN;
	struct rtmsg rtm = {
		.rtm_family = AF_INET6,
		.rtm_dst_len = rt->dst_len,
		.rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC,
		.rtm_protocol = rt->protocol ? rt->protocol : RTPROT_MIP,
		.rtm_scope = RT_SCOPE_UNIVERSE,
		.rtm_type = rt->type ? rt->type : RTN_UNICAST,
	};
	int flags, r;

	if (op_flags(op, &flags) < 0 || rt->dst_len > 128 || rt->oif < 0)
		return -EINVAL;
	r = msg_new(op == KNL_OP_DEL ? RTM_DELROUTE : RTM_NEWROUTE, NLM_F_ACK | flags, &rtm, sizeof(rtm), &m);
	if (r < 0)
		return r;
	if (rt->dst_len)
		PUT(put_addr6(m, RTA_DST, &rt->dst));
	PUT(nla_put_u32(m, RTA_TABLE, table));
	if (!addr_is_any(&rt->prefsrc))
		PUT(put_addr6(m, RTA_PREFSRC, &rt->prefsrc));
	if (!addr_is_any(&rt->gateway))
		PUT(put_addr6(m, RTA_GATEWAY, &rt->gateway));
	if (rt->oif)
		PUT(nla_put_u32(m, RTA_OIF, (uint32_t)rt->oif));
	if (rt->metric)
		PUT(nla_put_u32(m, RTA_PRIORITY, rt->metric));
	if (rt->encap) {
		struct nlattr *nest;

		if (addr_is_any(&rt->encap_dst))
			return -EINVAL;
		PUT(nla_put_u16(m, RTA_ENCAP_TYPE, LWTUNNEL_ENCAP_IP6));
		nest = nla_nest_start(m, RTA_ENCAP);
		if (!nest)
			return -ENOMEM;
		PUT(put_addr6(m, LWTUNNEL_IP6_DST, &rt->encap_dst));
		if (!addr_is_any(&rt->encap_src))
			PUT(put_addr6(m, LWTUNNEL_IP6_SRC, &rt->encap_src));
		PUT(nla_nest_end(m, nest));
	}
	*ret = TAKE_PTR(m);
	return 0;
}

int knl_build_rule(enum knl_op op, const struct knl_rule *ru, struct nl_msg **ret)
{
	_cleanup_(knl_msg_freep) struct nl_msg *m = NULL;
	struct fib_rule_hdr frh = {
		.family = AF_INET6,
		.src_len = ru->from_len,
		.table = ru->table < 256 ? (uint8_t)ru->table : RT_TABLE_UNSPEC,
		.action = ru->action ? ru->action : FR_ACT_TO_TBL,
	};
	int flags, r;

	if (op_flags(op, &flags) < 0 || ru->from_len > 128)
		return -EINVAL;
	r = msg_new(op == KNL_OP_DEL ? RTM_DELRULE : RTM_NEWRULE, NLM_F_ACK | flags, &frh, sizeof(frh), &m);
	if (r < 0)
		return r;
	if (ru->from_len)
		PUT(put_addr6(m, FRA_SRC, &ru->from));
	if (ru->table)
		PUT(nla_put_u32(m, FRA_TABLE, ru->table));
	if (ru->priority)
		PUT(nla_put_u32(m, FRA_PRIORITY, ru->priority));
	*ret = TAKE_PTR(m);
	return 0;
}

int knl_build_proxy(enum knl_op op, const struct knl_neigh *n, struct nl_msg **ret)
{
	_cleanup_(knl_msg_freep) struct nl_msg *m = NULL;
	struct ndmsg ndm = {
		.ndm_family = AF_INET6,
		.ndm_ifindex = n->ifindex,
		.ndm_state = NUD_PERMANENT,
		.ndm_flags = NTF_PROXY,
	};
	int flags, r;

	if (op_flags(op, &flags) < 0 || n->ifindex <= 0)
		return -EINVAL;
	r = msg_new(op == KNL_OP_DEL ? RTM_DELNEIGH : RTM_NEWNEIGH, NLM_F_ACK | flags, &ndm, sizeof(ndm), &m);
	if (r < 0)
		return r;
	PUT(put_addr6(m, NDA_DST, &n->addr));
	*ret = TAKE_PTR(m);
	return 0;
}

int knl_build_ip6tnl(const struct knl_ip6tnl *t, struct nl_msg **ret)
{
	_cleanup_(knl_msg_freep) struct nl_msg *m = NULL;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nlattr *info, *data;
	size_t n = strnlen(t->name, sizeof(t->name));
	int r;

	if (n == 0 || n >= sizeof(t->name) || t->link < 0)
		return -EINVAL;
	r = msg_new(RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi), &m);
	if (r < 0)
		return r;
	PUT(nla_put_string(m, IFLA_IFNAME, t->name));
	info = nla_nest_start(m, IFLA_LINKINFO);
	if (!info)
		return -ENOMEM;
	PUT(nla_put_string(m, IFLA_INFO_KIND, "ip6tnl"));
	data = nla_nest_start(m, IFLA_INFO_DATA);
	if (!data)
		return -ENOMEM;
	if (t->link)
		PUT(nla_put_u32(m, IFLA_IPTUN_LINK, (uint32_t)t->link));
	if (!addr_is_any(&t->local))
		PUT(put_addr6(m, IFLA_IPTUN_LOCAL, &t->local));
	if (!addr_is_any(&t->remote))
		PUT(put_addr6(m, IFLA_IPTUN_REMOTE, &t->remote));
	PUT(nla_put_u8(m, IFLA_IPTUN_TTL, t->hoplimit));
	PUT(nla_put_u8(m, IFLA_IPTUN_ENCAP_LIMIT, t->encap_limit));
	PUT(nla_put_u32(m, IFLA_IPTUN_FLAGS, t->flags));
	PUT(nla_put_u8(m, IFLA_IPTUN_PROTO, t->proto ? t->proto : IPPROTO_IPV6));
	if (t->external)
		PUT(nla_put_flag(m, IFLA_IPTUN_COLLECT_METADATA));
	PUT(nla_nest_end(m, data));
	PUT(nla_nest_end(m, info));
	*ret = TAKE_PTR(m);
	return 0;
}

int knl_build_link_del(int ifindex, struct nl_msg **ret)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };

	if (ifindex <= 0)
		return -EINVAL;
	return msg_new(RTM_DELLINK, NLM_F_ACK, &ifi, sizeof(ifi), ret);
}

int knl_build_link_set_up(int ifindex, bool up, struct nl_msg **ret)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = ifindex,
		.ifi_flags = up ? IFF_UP : 0,
		.ifi_change = IFF_UP,
	};

	if (ifindex <= 0)
		return -EINVAL;
	return msg_new(RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof(ifi), ret);
}

int knl_build_link_get(const char *name, struct nl_msg **ret)
{
	_cleanup_(knl_msg_freep) struct nl_msg *m = NULL;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	size_t n = name ? strnlen(name, IFNAMSIZ) : 0;
	int r;

	if (n == 0 || n >= IFNAMSIZ)
		return -EINVAL;
	r = msg_new(RTM_GETLINK, NLM_F_ACK, &ifi, sizeof(ifi), &m);
	if (r < 0)
		return r;
	PUT(nla_put_string(m, IFLA_IFNAME, name));
	*ret = TAKE_PTR(m);
	return 0;
}

/* ---- tc: the clsact qdisc and flower filters (reverse-tunnel source check) ---- */

int knl_build_clsact(enum knl_op op, int ifindex, struct nl_msg **ret)
{
	_cleanup_(knl_msg_freep) struct nl_msg *m = NULL;
	struct tcmsg t = {
		.tcm_family = AF_UNSPEC,
		.tcm_ifindex = ifindex,
		.tcm_handle = TC_H_MAKE(TC_H_CLSACT, 0),
		.tcm_parent = TC_H_CLSACT,
	};
	int flags, r;

	if (op_flags(op, &flags) < 0 || op == KNL_OP_REPLACE || ifindex <= 0)
		return -EINVAL;
	r = msg_new(op == KNL_OP_DEL ? RTM_DELQDISC : RTM_NEWQDISC, NLM_F_ACK | flags, &t, sizeof(t), &m);
	if (r < 0)
		return r;
	PUT(nla_put_string(m, TCA_KIND, "clsact"));
	*ret = TAKE_PTR(m);
	return 0;
}

/* The tcmsg of a filter on the clsact ingress: tcm_info = prio << 16 | protocol (network order). */
static struct tcmsg tc_filter_hdr(const struct knl_tc_filter *f)
{
	uint16_t proto = htons(f->drop ? ETH_P_ALL : ETH_P_IPV6);

	return (struct tcmsg){
		.tcm_family = AF_UNSPEC,
		.tcm_ifindex = f->ifindex,
		.tcm_handle = f->handle,
		.tcm_parent = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS),
		.tcm_info = TC_H_MAKE((uint32_t)f->prio << 16, proto),
	};
}

/* TCA_FLOWER_ACT: action 1 = gact with TC_ACT_SHOT. */
static int put_gact_drop(struct nl_msg *m)
{
	struct tc_gact p = { .action = TC_ACT_SHOT };
	struct nlattr *acts, *act, *opts;

	if (!(acts = nla_nest_start(m, TCA_FLOWER_ACT)) || !(act = nla_nest_start(m, 1)))
		return -ENOMEM;
	PUT(nla_put_string(m, TCA_ACT_KIND, "gact"));
	if (!(opts = nla_nest_start(m, TCA_ACT_OPTIONS)))
		return -ENOMEM;
	PUT(nla_put(m, TCA_GACT_PARMS, sizeof(p), &p));
	PUT(nla_nest_end(m, opts));
	PUT(nla_nest_end(m, act));
	PUT(nla_nest_end(m, acts));
	return 0;
}

static int put_flower_keys(struct nl_msg *m, const struct knl_tc_filter *f)
{
	static const struct in6_addr all_ones = { .s6_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
							       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

	struct in6_addr mask = { 0 };

	for (unsigned bit = 0; bit < f->src_len && bit < 128; bit++)
		mask.s6_addr[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	PUT(nla_put_u16(m, TCA_FLOWER_KEY_ETH_TYPE, htons(ETH_P_IPV6)));
	PUT(put_addr6(m, TCA_FLOWER_KEY_ENC_IPV6_SRC, &f->enc_src));
	PUT(put_addr6(m, TCA_FLOWER_KEY_ENC_IPV6_SRC_MASK, &all_ones));
	if (f->any_src)
		return 0;
	PUT(put_addr6(m, TCA_FLOWER_KEY_IPV6_SRC, &f->src));
	PUT(put_addr6(m, TCA_FLOWER_KEY_IPV6_SRC_MASK, f->src_len && f->src_len < 128 ? &mask : &all_ones));
	return 0;
}

int knl_build_tc_filter(enum knl_op op, const struct knl_tc_filter *f, struct nl_msg **ret)
{
	_cleanup_(knl_msg_freep) struct nl_msg *m = NULL;
	struct tcmsg t = tc_filter_hdr(f);
	struct nlattr *opts;
	int flags, r;

	if (op_flags(op, &flags) < 0 || f->ifindex <= 0 || f->prio == 0 || (op != KNL_OP_DEL && f->handle == 0))
		return -EINVAL;
	if (op != KNL_OP_DEL && !f->drop && (addr_is_any(&f->enc_src) || (!f->any_src && addr_is_any(&f->src))))
		return -EINVAL;
	r = msg_new(op == KNL_OP_DEL ? RTM_DELTFILTER : RTM_NEWTFILTER, NLM_F_ACK | flags, &t, sizeof(t), &m);
	if (r < 0)
		return r;
	PUT(nla_put_string(m, TCA_KIND, "flower"));
	if (op != KNL_OP_DEL) {
		if (!(opts = nla_nest_start(m, TCA_OPTIONS)))
			return -ENOMEM;
		PUT(nla_put_u32(m, TCA_FLOWER_FLAGS, TCA_CLS_FLAGS_SKIP_HW));
		if (f->drop)
			PUT(put_gact_drop(m));
		else
			PUT(put_flower_keys(m, f));
		PUT(nla_nest_end(m, opts));
	}
	*ret = TAKE_PTR(m);
	return 0;
}

int knl_build_tc_filter_get(const struct knl_tc_filter *f, struct nl_msg **ret)
{
	_cleanup_(knl_msg_freep) struct nl_msg *m = NULL;
	struct tcmsg t = tc_filter_hdr(f);
	int r;

	if (f->ifindex <= 0 || f->prio == 0 || f->handle == 0)
		return -EINVAL;
	r = msg_new(RTM_GETTFILTER, NLM_F_ACK, &t, sizeof(t), &m);
	if (r < 0)
		return r;
	PUT(nla_put_string(m, TCA_KIND, "flower"));
	*ret = TAKE_PTR(m);
	return 0;
}

/* Every filter of one prio on the clsact ingress of ifindex (protocol 0: any). */
int knl_build_tc_filter_dump(int ifindex, uint16_t prio, struct nl_msg **ret)
{
	struct tcmsg t = {
		.tcm_family = AF_UNSPEC,
		.tcm_ifindex = ifindex,
		.tcm_parent = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS),
		.tcm_info = TC_H_MAKE((uint32_t)prio << 16, 0),
	};

	if (ifindex <= 0 || prio == 0)
		return -EINVAL;
	return msg_new(RTM_GETTFILTER, NLM_F_DUMP, &t, sizeof(t), ret);
}

/* ---- XFRM ---- */

static int sel_to_kernel(const struct knl_xfrm_sel *s, struct xfrm_selector *ret)
{
	if (s->src_len > 128 || s->dst_len > 128 || s->type > 255 || s->type < KNL_XFRM_TYPE_ANY || s->ifindex < 0)
		return -EINVAL;
	*ret = (struct xfrm_selector){
		.family = AF_INET6,
		.prefixlen_d = s->dst_len,
		.prefixlen_s = s->src_len,
		.proto = s->proto,
		.ifindex = s->ifindex,
	};
	memcpy(&ret->daddr, &s->dst, sizeof(s->dst));
	memcpy(&ret->saddr, &s->src, sizeof(s->src));
	if (s->type != KNL_XFRM_TYPE_ANY) {
		if (s->proto != IPPROTO_MH && s->proto != IPPROTO_ICMPV6)
			return -EINVAL;
		ret->sport = htons((uint16_t)s->type);
		ret->sport_mask = 0xffff;
		if (s->type_in_dport) {
			ret->dport = htons((uint16_t)(s->type << 8));
			ret->dport_mask = 0xffff;
		}
	}
	return 0;
}

static void lft_infinite(struct xfrm_lifetime_cfg *l)
{
	l->soft_byte_limit = l->hard_byte_limit = XFRM_INF;
	l->soft_packet_limit = l->hard_packet_limit = XFRM_INF;
}

static int put_ptype(struct nl_msg *m, uint8_t ptype)
{
	struct xfrm_userpolicy_type t = { .type = ptype };

	/* Omitted for main so that kernels without XFRM_SUB_POLICY accept it. */
	if (ptype == XFRM_POLICY_TYPE_MAIN)
		return 0;
	return nla_put(m, XFRMA_POLICY_TYPE, sizeof(t), &t);
}

int knl_build_xfrm_policy(enum knl_op op, const struct knl_xfrm_policy *p, struct nl_msg **ret)
{
	_cleanup_(knl_msg_freep) struct nl_msg *m = NULL;
	struct xfrm_user_tmpl tmpl[KNL_XFRM_TMPL_MAX] = {};
	struct xfrm_selector sel;
	int r;

	if ((unsigned)op >= _KNL_OP_MAX || p->dir >= XFRM_POLICY_MAX || p->ptype >= XFRM_POLICY_TYPE_MAX ||
	    p->n_tmpl > KNL_XFRM_TMPL_MAX || p->action > XFRM_POLICY_BLOCK)
		return -EINVAL;
	r = sel_to_kernel(&p->sel, &sel);
	if (r < 0)
		return r;
	if (op == KNL_OP_DEL) {
		struct xfrm_userpolicy_id id = { .sel = sel, .index = p->index, .dir = p->dir };

		r = msg_new(XFRM_MSG_DELPOLICY, NLM_F_ACK, &id, sizeof(id), &m);
		if (r < 0)
			return r;
		PUT(put_ptype(m, p->ptype));
		*ret = TAKE_PTR(m);
		return 0;
	}
	{
		struct xfrm_userpolicy_info pi = {
			.sel = sel,
			.priority = p->priority,
			.index = p->index,
			.dir = p->dir,
			.action = p->action,
		};

		lft_infinite(&pi.lft);
		r = msg_new(op == KNL_OP_ADD ? XFRM_MSG_NEWPOLICY : XFRM_MSG_UPDPOLICY, NLM_F_ACK, &pi,
			    sizeof(pi), &m);
		if (r < 0)
			return r;
	}
	for (unsigned i = 0; i < p->n_tmpl; i++) {
		const struct knl_xfrm_tmpl *t = &p->tmpl[i];

		if (t->mode >= XFRM_MODE_MAX)
			return -EINVAL;
		memcpy(&tmpl[i].id.daddr, &t->dst, 16);
		memcpy(&tmpl[i].saddr, &t->src, 16);
		tmpl[i].id.spi = htonl(t->spi);
		tmpl[i].id.proto = t->proto;
		tmpl[i].family = AF_INET6;
		tmpl[i].reqid = t->reqid;
		tmpl[i].mode = t->mode;
		tmpl[i].optional = t->optional;
		tmpl[i].aalgos = tmpl[i].ealgos = tmpl[i].calgos = ~0U;
	}
	if (p->n_tmpl)
		PUT(nla_put(m, XFRMA_TMPL, (int)(p->n_tmpl * sizeof(tmpl[0])), tmpl));
	PUT(put_ptype(m, p->ptype));
	*ret = TAKE_PTR(m);
	return 0;
}

/* struct xfrm_algo{,_auth,_aead} followed by the key; the three share their first fields. */
static int put_algo(struct nl_msg *m, int type, const struct knl_xfrm_algo *a, bool with_len2)
{
	uint8_t buf[sizeof(struct xfrm_algo_aead) + sizeof(a->key)] = {};
	size_t hdr = with_len2 ? sizeof(struct xfrm_algo_aead) : sizeof(struct xfrm_algo);
	unsigned int bits = (unsigned int)a->key_len * 8, len2 = a->icv_bits;
	size_t n = strnlen(a->name, sizeof(a->name));

	if (n == 0 || n >= sizeof(a->name) || a->key_len > sizeof(a->key))
		return -EINVAL;
	memcpy(buf, a->name, n);
	memcpy(buf + 64, &bits, sizeof(bits));
	if (with_len2)
		memcpy(buf + 68, &len2, sizeof(len2));
	memcpy(buf + hdr, a->key, a->key_len);
	return nla_put(m, type, (int)(hdr + a->key_len), buf) < 0 ? -ENOMEM : 0;
}

/* DELSA and GETSA: the state's id (dst, spi, proto) and its source. */
static int xfrm_state_id_msg(int type, const struct knl_xfrm_state *s, struct nl_msg **ret)
{
	_cleanup_(knl_msg_freep) struct nl_msg *m = NULL;
	struct xfrm_usersa_id id = { .spi = htonl(s->spi), .family = AF_INET6, .proto = s->proto };
	int r;

	memcpy(&id.daddr, &s->dst, 16);
	r = msg_new(type, NLM_F_ACK, &id, sizeof(id), &m);
	if (r < 0)
		return r;
	PUT(put_addr6(m, XFRMA_SRCADDR, &s->src));
	*ret = TAKE_PTR(m);
	return 0;
}

int knl_build_xfrm_state_get(const struct knl_xfrm_state *s, struct nl_msg **ret)
{
	return xfrm_state_id_msg(XFRM_MSG_GETSA, s, ret);
}

int knl_build_xfrm_state(enum knl_op op, const struct knl_xfrm_state *s, struct nl_msg **ret)
{
	_cleanup_(knl_msg_freep) struct nl_msg *m = NULL;
	struct xfrm_usersa_info sa = {};
	int r;

	if ((unsigned)op >= _KNL_OP_MAX || s->mode >= XFRM_MODE_MAX)
		return -EINVAL;
	if (op == KNL_OP_DEL)
		return xfrm_state_id_msg(XFRM_MSG_DELSA, s, ret);
	r = sel_to_kernel(&s->sel, &sa.sel);
	if (r < 0)
		return r;
	memcpy(&sa.id.daddr, &s->dst, 16);
	memcpy(&sa.saddr, &s->src, 16);
	sa.id.spi = htonl(s->spi);
	sa.id.proto = s->proto;
	sa.family = AF_INET6;
	sa.mode = s->mode;
	sa.reqid = s->reqid;
	sa.replay_window = s->replay_window;
	sa.flags = s->flags;
	lft_infinite(&sa.lft);
	r = msg_new(op == KNL_OP_ADD ? XFRM_MSG_NEWSA : XFRM_MSG_UPDSA, NLM_F_ACK, &sa, sizeof(sa), &m);
	if (r < 0)
		return r;
	/* The kernel requires XFRMA_COADDR for route2/hao states; :: there means "any CoA". */
	if (!addr_is_any(&s->coaddr) || s->proto == IPPROTO_ROUTING || s->proto == IPPROTO_DSTOPTS)
		PUT(put_addr6(m, XFRMA_COADDR, &s->coaddr));
	if (s->aead.name[0]) {
		r = put_algo(m, XFRMA_ALG_AEAD, &s->aead, true);
		if (r < 0)
			return r;
	}
	if (s->enc.name[0]) {
		r = put_algo(m, XFRMA_ALG_CRYPT, &s->enc, false);
		if (r < 0)
			return r;
	}
	if (s->auth.name[0]) {
		r = put_algo(m, XFRMA_ALG_AUTH_TRUNC, &s->auth, true);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(m);
	return 0;
}

int knl_build_xfrm_migrate(const struct knl_xfrm_migrate *mg, struct nl_msg **ret)
{
	_cleanup_(knl_msg_freep) struct nl_msg *m = NULL;
	struct xfrm_user_migrate um[KNL_XFRM_TMPL_MAX] = {};
	struct xfrm_userpolicy_id id = { .dir = mg->dir };
	int r;

	if (mg->dir >= XFRM_POLICY_MAX || mg->ptype >= XFRM_POLICY_TYPE_MAX || mg->n_entries == 0 ||
	    mg->n_entries > KNL_XFRM_TMPL_MAX)
		return -EINVAL;
	r = sel_to_kernel(&mg->sel, &id.sel);
	if (r < 0)
		return r;
	r = msg_new(XFRM_MSG_MIGRATE, NLM_F_ACK, &id, sizeof(id), &m);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < mg->n_entries; i++) {
		const struct knl_xfrm_migrate_entry *e = &mg->entries[i];

		if (e->mode >= XFRM_MODE_MAX)
			return -EINVAL;
		memcpy(&um[i].old_daddr, &e->old_dst, 16);
		memcpy(&um[i].old_saddr, &e->old_src, 16);
		memcpy(&um[i].new_daddr, &e->new_dst, 16);
		memcpy(&um[i].new_saddr, &e->new_src, 16);
		um[i].proto = e->proto;
		um[i].mode = e->mode;
		um[i].reqid = e->reqid;
		um[i].old_family = um[i].new_family = AF_INET6;
	}
	PUT(nla_put(m, XFRMA_MIGRATE, (int)(mg->n_entries * sizeof(um[0])), um));
	PUT(put_ptype(m, mg->ptype));
	if (mg->has_kmaddress) {
		struct xfrm_user_kmaddress k = { .family = AF_INET6 };

		memcpy(&k.local, &mg->km_local, 16);
		memcpy(&k.remote, &mg->km_remote, 16);
		PUT(nla_put(m, XFRMA_KMADDRESS, sizeof(k), &k));
	}
	*ret = TAKE_PTR(m);
	return 0;
}

int knl_build_dump(int protocol, uint16_t type, bool proxy, struct nl_msg **ret)
{
	const int flags = NLM_F_DUMP;

	if (protocol == NETLINK_ROUTE) {
		switch (type) {
		case RTM_GETLINK: {
			struct ifinfomsg h = { .ifi_family = AF_UNSPEC };

			return msg_new(type, flags, &h, sizeof(h), ret);
		}
		case RTM_GETADDR: {
			struct ifaddrmsg h = { .ifa_family = AF_INET6 };

			return msg_new(type, flags, &h, sizeof(h), ret);
		}
		case RTM_GETROUTE: {
			struct rtmsg h = { .rtm_family = AF_INET6 };

			return msg_new(type, flags, &h, sizeof(h), ret);
		}
		case RTM_GETRULE: {
			struct fib_rule_hdr h = { .family = AF_INET6 };

			return msg_new(type, flags, &h, sizeof(h), ret);
		}
		case RTM_GETNEIGH: {
			struct ndmsg h = { .ndm_family = AF_INET6, .ndm_flags = proxy ? NTF_PROXY : 0 };

			return msg_new(type, flags, &h, sizeof(h), ret);
		}
		default:
			return -EINVAL;
		}
	}
	if (protocol == NETLINK_XFRM && (type == XFRM_MSG_GETPOLICY || type == XFRM_MSG_GETSA))
		return msg_new(type, flags, NULL, 0, ret);
	return -EINVAL;
}
