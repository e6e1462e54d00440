/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Plain data describing kernel objects, shared by the message builders
 * (nl-build.h), the notification parser (nl-parse.h) and the request layer
 * (nl-kernel.h). No pointers, no allocation: a zeroed struct plus the fields
 * that matter is a valid description. IPv6 only. Addresses are in network
 * order (struct in6_addr), everything else in host order.
 *
 * Conventions: an unspecified address (::) means "absent"; a zero table means
 * RT_TABLE_MAIN; a zero route protocol means RTPROT_MIP, so that every route
 * this daemon installs is recognisable in `ip -6 route show proto 16`.
 */
#pragma once

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

/* rtm_protocol of the routes we install ("proto 16" in `ip -6 route`). */
#define RTPROT_MIP 16

/* Lifetimes: the kernel's "forever". */
#define KNL_LIFETIME_INFINITE UINT32_MAX

/* Maximum number of templates in a policy / entries in a MIGRATE we build or parse. */
#define KNL_XFRM_TMPL_MAX 4

/* Selector "no ICMPv6/MH type". */
#define KNL_XFRM_TYPE_ANY (-1)

enum knl_op {
	KNL_OP_ADD,	/* create; EEXIST -> KNL_RESULT_EXISTED */
	KNL_OP_REPLACE, /* create or replace (NLM_F_REPLACE / XFRM UPD*); never EXISTED */
	KNL_OP_DEL,	/* delete; ENOENT/ESRCH -> KNL_RESULT_ABSENT */
	_KNL_OP_MAX,
	_KNL_OP_INVALID = -22,
};

struct knl_link {
	int ifindex;
	char ifname[IFNAMSIZ];
	char kind[16];	  /* IFLA_INFO_KIND, "" if none reported */
	uint32_t flags;	  /* ifi_flags: IFF_UP, IFF_RUNNING, IFF_LOWER_UP, ... */
	uint16_t type;	  /* ARPHRD_* */
	uint8_t operstate; /* IF_OPER_*; 0 (unknown) when absent */
	int8_t carrier;	  /* IFLA_CARRIER: 0/1, -1 when absent */
	uint32_t mtu;	  /* 0 when absent */
	int master;	  /* IFLA_MASTER, 0 when absent */
	uint8_t hwaddr[32];
	uint8_t hwaddr_len;
};

struct knl_addr {
	int ifindex;
	struct in6_addr addr;
	uint8_t prefixlen;
	uint8_t scope;	    /* RT_SCOPE_* (parsed; builders send RT_SCOPE_UNIVERSE) */
	uint32_t flags;	    /* IFA_F_* incl. HOMEADDRESS, NODAD, OPTIMISTIC, TENTATIVE, DADFAILED */
	/*
	 * Seconds. Builders: valid_lft == 0 means "permanent" (no IFA_CACHEINFO
	 * sent); otherwise both are sent (use KNL_LIFETIME_INFINITE for forever).
	 * Parser: as reported, KNL_LIFETIME_INFINITE for forever.
	 */
	uint32_t valid_lft;
	uint32_t preferred_lft;
};

struct knl_route {
	struct in6_addr dst;
	uint8_t dst_len;
	struct in6_addr prefsrc; /* RTA_PREFSRC, :: = none */
	struct in6_addr gateway; /* RTA_GATEWAY, :: = none */
	int oif;		 /* RTA_OIF, 0 = none */
	uint32_t table;		 /* 0 = main */
	uint32_t metric;	 /* RTA_PRIORITY */
	uint8_t protocol;	 /* 0 = RTPROT_MIP on build */
	uint8_t type;		 /* 0 = RTN_UNICAST on build */
	/* Lightweight tunnel `encap ip6 dst encap_dst [src encap_src]` (oif: a flow-based ip6tnl). */
	bool encap;
	struct in6_addr encap_dst;
	struct in6_addr encap_src; /* :: = none */
};

struct knl_rule {
	struct in6_addr from; /* FRA_SRC */
	uint8_t from_len;     /* 0 = from all */
	uint32_t table;	      /* FRA_TABLE */
	uint32_t priority;    /* FRA_PRIORITY ("pref"); 0 = let the kernel choose */
	uint8_t action;	      /* FR_ACT_*; 0 = FR_ACT_TO_TBL on build */
};

struct knl_neigh {
	int ifindex;
	struct in6_addr addr;
	uint16_t state; /* NUD_* (parsed) */
	uint8_t flags;	/* NTF_* (NTF_PROXY for a proxy entry) */
	uint8_t lladdr[32];
	uint8_t lladdr_len;
};

/* An ip6ip6 tunnel device ("ip link add NAME type ip6tnl ..."). */
struct knl_ip6tnl {
	char name[IFNAMSIZ];
	int link;		/* IFLA_IPTUN_LINK, 0 = none */
	struct in6_addr local;	/* :: = any */
	struct in6_addr remote; /* :: = any */
	uint8_t proto;		/* IFLA_IPTUN_PROTO; 0 = IPPROTO_IPV6 (ip6ip6) */
	uint8_t encap_limit;	/* IFLA_IPTUN_ENCAP_LIMIT (ignored with IP6_TNL_F_IGN_ENCAP_LIMIT) */
	uint8_t hoplimit;	/* 0 = inherit */
	uint32_t flags;		/* IP6_TNL_F_* incl. IP6_TNL_F_MIP6_DEV, IP6_TNL_F_IGN_ENCAP_LIMIT */
	bool external;		/* flow based (collect_md): routes pick the remote by `encap ip6` */
};

struct knl_xfrm_sel {
	struct in6_addr src, dst;
	uint8_t src_len, dst_len;
	uint8_t proto;	  /* IPPROTO_MH (135), IPPROTO_ICMPV6, 0 = any */
	/*
	 * MH type or ICMPv6 type, KNL_XFRM_TYPE_ANY for none. Encoded as the kernel
	 * keeps it: sport = htons(type), sport_mask = 0xffff (dport 0 for MH).
	 * With type_in_dport (Linux >= 6.12 MIGRATE lookups of MH/ICMPv6 selectors)
	 * dport = htons(type << 8) and dport_mask = 0xffff are set as well.
	 */
	int type;
	bool type_in_dport;
	int ifindex;
};

/* A selector for one host pair (/128 each way), any protocol, no type. */
static inline void knl_xfrm_sel_hosts(struct knl_xfrm_sel *sel, const struct in6_addr *src,
				      const struct in6_addr *dst)
{
	*sel = (struct knl_xfrm_sel){ .src = *src, .dst = *dst, .src_len = 128, .dst_len = 128,
				      .type = KNL_XFRM_TYPE_ANY };
}

struct knl_xfrm_tmpl {
	struct in6_addr src, dst; /* :: = wildcard */
	uint8_t proto;		  /* IPPROTO_ESP, IPPROTO_ROUTING (route2), IPPROTO_DSTOPTS (hao) */
	uint8_t mode;		  /* XFRM_MODE_TRANSPORT/TUNNEL/ROUTEOPTIMIZATION/IN_TRIGGER */
	uint32_t reqid;
	uint32_t spi; /* host order */
	bool optional; /* level "use" instead of "required" */
};

struct knl_xfrm_policy {
	struct knl_xfrm_sel sel;
	uint8_t dir;	  /* XFRM_POLICY_IN/OUT/FWD */
	uint8_t action;	  /* XFRM_POLICY_ALLOW (0) / XFRM_POLICY_BLOCK */
	uint8_t ptype;	  /* XFRM_POLICY_TYPE_MAIN (0) / XFRM_POLICY_TYPE_SUB */
	uint32_t priority;
	uint32_t index;	  /* 0 = kernel chooses */
	unsigned n_tmpl;
	struct knl_xfrm_tmpl tmpl[KNL_XFRM_TMPL_MAX];
};

struct knl_xfrm_algo {
	char name[64]; /* "" = none; e.g. "rfc4106(gcm(aes))", "cbc(aes)", "hmac(sha256)" */
	uint8_t key[64];
	uint16_t key_len;  /* bytes */
	uint16_t icv_bits; /* AEAD ICV / auth truncation length in bits */
};

struct knl_xfrm_state {
	struct in6_addr src, dst;
	uint8_t proto; /* IPPROTO_ESP, IPPROTO_ROUTING (route2), IPPROTO_DSTOPTS (hao) */
	uint8_t mode;  /* XFRM_MODE_* (XFRM_MODE_ROUTEOPTIMIZATION = "mode ro") */
	uint32_t spi;  /* host order (the builder/parser convert) */
	uint32_t reqid;
	uint8_t flags; /* XFRM_STATE_* (e.g. XFRM_STATE_WILDRECV) */
	uint8_t replay_window;
	struct knl_xfrm_sel sel;
	struct in6_addr coaddr; /* XFRMA_COADDR for route2/hao, :: = none */
	struct knl_xfrm_algo aead, enc, auth;
};

struct knl_xfrm_migrate_entry {
	struct in6_addr old_src, old_dst, new_src, new_dst;
	uint8_t proto, mode;
	uint32_t reqid;
};

struct knl_xfrm_migrate {
	struct knl_xfrm_sel sel;
	uint8_t dir;
	uint8_t ptype;
	unsigned n_entries;
	struct knl_xfrm_migrate_entry entries[KNL_XFRM_TMPL_MAX];
	bool has_kmaddress; /* XFRMA_KMADDRESS: move the IKE endpoints too */
	struct in6_addr km_local, km_remote;
};

/* XFRM_MSG_REPORT: a packet matched a RO state's selector without binding (RFC 6275 §9.3.1). */
struct knl_xfrm_report {
	uint8_t proto;
	struct knl_xfrm_sel sel;
	struct in6_addr coaddr; /* :: when absent */
};

/* XFRM_MSG_ACQUIRE: a trigger template needs a state. */
struct knl_xfrm_acquire {
	struct in6_addr src, dst; /* saddr / id.daddr */
	uint8_t proto;		  /* id.proto */
	struct knl_xfrm_sel sel;
	uint8_t dir;		  /* of the policy */
	uint32_t policy_index;
	uint32_t seq;
	unsigned n_tmpl;
	struct knl_xfrm_tmpl tmpl[KNL_XFRM_TMPL_MAX];
};

/*
 * XFRM_MSG_NEWSA as the answer to XFRM_MSG_GETSA (knl_xfrm_state_get): the state's
 * identity and its current lifetime counters (curlft: what went through it since it
 * was added; the kernel counts every state of an output chain, route2 and hao too).
 */
struct knl_xfrm_sa_use {
	struct in6_addr src, dst; /* saddr / id.daddr */
	uint8_t proto;            /* id.proto */
	uint32_t spi;             /* host order */
	uint64_t bytes, packets;  /* curlft */
	uint64_t add_time;        /* curlft.add_time, seconds of the realtime clock */
};

/*
 * A tc flower filter on the ingress of a clsact qdisc (the reverse-tunnel source check of
 * the HA, RFC 6275 §10.4.5). Two shapes:
 *  - drop == false: protocol IPv6, keys enc_src (the outer source, from the tunnel
 *    metadata a flow-based ip6tnl attaches on receive) and src (the inner source), both
 *    /128, no action: a match ends the classification with TC_ACT_OK (the packet passes).
 *  - drop == true: protocol all, no keys, one gact action TC_ACT_SHOT (its statistics
 *    count what was dropped); enc_src and src are ignored.
 * prio is tc's "pref"; handle identifies the filter within (ifindex, prio, protocol).
 * Deleting with handle 0 deletes every filter of that prio.
 */
struct knl_tc_filter {
	int ifindex;
	uint16_t prio;
	uint32_t handle;
	bool drop;
	struct in6_addr enc_src;
	struct in6_addr src;
	uint8_t src_len;     /* src's prefix length; 0 = 128 (a HoA). A NEMO MNP is shorter */
	bool any_src;        /* no inner-source key (src ignored): the outer source alone decides */
	/* Parsed from a reply only: packets through the first action (0 without actions). */
	uint64_t packets;
};
