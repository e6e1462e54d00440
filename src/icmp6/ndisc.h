/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure codec for the ICMPv6 messages mip6d reads and writes: Neighbor
 * Discovery (RFC 4861: RS, RA, NS, NA) with the Mobile IPv6 extensions
 * (RFC 6275 §7.1-7.4: RA H flag, Prefix Information R flag, Advertisement
 * Interval and Home Agent Information options), Dynamic Home Agent Address
 * Discovery (RFC 6275 §6.5-6.6, types 144/145) and Mobile Prefix Discovery
 * (§6.7-6.8, types 146/147), with the NEMO R flags of RFC 3963 §7.
 *
 * Contract:
 * - Parsers take the ICMPv6 message starting at its Type byte, (data, len),
 *   and fill a caller-provided struct (zeroed first, so two results of the
 *   same input compare equal with memcmp). They return 0, or -EBADMSG for a
 *   malformed message (the whole message is to be dropped), or -EINVAL for a
 *   NULL argument. No I/O, no allocation, no globals, no logging.
 * - What parsers reject (RFC 4861 §6.1, §7.1.1, §7.1.2, §4.6): wrong Type,
 *   Code != 0, a message shorter than its fixed part, an option with Length 0
 *   or running past the end, a Prefix Information option whose Length is not
 *   4 or whose Prefix Length is > 128, an MTU / Advertisement Interval /
 *   Home Agent Information option whose Length is not 1, more than
 *   NDISC_MAX_OPTIONS options or NDISC_MAX_PREFIXES Prefix Information
 *   options, an NS/NA whose Target is multicast, a DHAAD Reply whose address
 *   list is not a multiple of 16 octets or longer than NDISC_DHAAD_MAX_ADDRS.
 * - What parsers tolerate: unknown options are skipped; of repeated
 *   single-instance options (Source/Target LLA, MTU, Advertisement Interval,
 *   Home Agent Information) the first one counts and later ones are skipped;
 *   a link-layer address option longer than NDISC_LLA_MAX octets of body is
 *   skipped; reserved bits are kept in the raw `flags` fields, so a message
 *   rebuilt from a parsed struct carries them unchanged.
 * - Home Agent Information (RFC 6275 §7.4) anomalies are flagged, not
 *   rejected: a Lifetime of 0 ("MUST NOT be used") sets
 *   NDISC_RA_WARN_HA_LIFETIME_ZERO and an option in an RA without the H flag
 *   ("MUST NOT be included") sets NDISC_RA_WARN_HA_INFO_WITHOUT_H, in
 *   ndisc_ra.warnings. ndisc_ra_ha_lifetime() applies the documented policy:
 *   no H flag → not a home agent; HA Lifetime 0 → the option is ignored and
 *   the Router Lifetime applies.
 * - IP-header checks (hop limit 255, link-local source of an RA, DAD
 *   destination) need the socket's ancillary data: ndisc_rx_check().
 * - Builders write into (buf, cap), set *ret_len and return 0, or -ENOBUFS
 *   when the message does not fit, or -EINVAL for an invalid struct (e.g.
 *   prefix length > 128, too many prefixes, LLA too long). The Checksum field
 *   is written as 0: on a raw IPPROTO_ICMPV6 socket the kernel fills it in.
 *   ndisc_checksum() computes it for other uses (tests, packet sockets).
 * - Lifetimes and timers are returned in the units of the wire (seconds or
 *   milliseconds as RFC 4861 says); 0xffffffff means infinity.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ICMPv6 types (RFC 4861 §4, RFC 6275 §6.5-6.8). */
#define NDISC_TYPE_RS 133
#define NDISC_TYPE_RA 134
#define NDISC_TYPE_NS 135
#define NDISC_TYPE_NA 136
#define NDISC_TYPE_DHAAD_REQUEST 144
#define NDISC_TYPE_DHAAD_REPLY 145
#define NDISC_TYPE_MPS 146
#define NDISC_TYPE_MPA 147
/* RFC 4443 §3.4: an error, not ND; read by the MN for route optimisation (RFC 6275 §11.3.5). */
#define NDISC_TYPE_PARAM_PROBLEM 4
#define NDISC_PP_ERRONEOUS_HEADER 0   /* erroneous header field encountered */
#define NDISC_PP_UNKNOWN_NEXT_HEADER 1 /* unrecognized Next Header type encountered */
#define NDISC_PP_UNKNOWN_OPTION 2      /* unrecognized IPv6 option encountered */

/* ND option types (RFC 4861 §4.6, RFC 6275 §7.3-7.4). */
#define NDISC_OPT_SOURCE_LLA 1
#define NDISC_OPT_TARGET_LLA 2
#define NDISC_OPT_PREFIX_INFO 3
#define NDISC_OPT_MTU 5
#define NDISC_OPT_ADV_INTERVAL 7
#define NDISC_OPT_HA_INFO 8

/* RA flags byte (RFC 4861 §4.2, RFC 6275 §7.1). */
#define NDISC_RA_F_MANAGED 0x80
#define NDISC_RA_F_OTHER 0x40
#define NDISC_RA_F_HOME_AGENT 0x20
/* Prefix Information flags byte (RFC 4861 §4.6.2, RFC 6275 §7.2). */
#define NDISC_PREFIX_F_ONLINK 0x80
#define NDISC_PREFIX_F_AUTO 0x40
#define NDISC_PREFIX_F_ROUTER_ADDR 0x20
/* Home Agent Information byte 2 (RFC 3963 §7.3): HA supports mobile routers. */
#define NDISC_HA_INFO_F_MOBILE_ROUTER 0x80
/* NA flags byte (RFC 4861 §4.4). */
#define NDISC_NA_F_ROUTER 0x80
#define NDISC_NA_F_SOLICITED 0x40
#define NDISC_NA_F_OVERRIDE 0x20
/* 16-bit word after the Identifier of DHAAD messages (RFC 3963 §7.1-7.2). */
#define NDISC_DHAAD_F_MOBILE_ROUTER 0x8000
/* 16-bit word after the Identifier of a Mobile Prefix Advertisement (§6.8). */
#define NDISC_MPA_F_MANAGED 0x8000
#define NDISC_MPA_F_OTHER 0x4000

/* ndisc_ra.warnings bits (RFC 6275 §7.4). */
#define NDISC_RA_WARN_HA_LIFETIME_ZERO 0x1
#define NDISC_RA_WARN_HA_INFO_WITHOUT_H 0x2

/* Limits. */
#define NDISC_MAX_OPTIONS 256  /* options of any type in one message */
#define NDISC_MAX_PREFIXES 64  /* Prefix Information options in one RA/MPA */
#define NDISC_LLA_MAX 30       /* LLA option body of Length ≤ 4 (8·4 − 2) */
/* Addresses in a DHAAD Reply that fit the minimum MTU: (1280 − 40 − 8) / 16. */
#define NDISC_DHAAD_MAX_ADDRS 77

#define NDISC_RA_HDR_LEN 16
#define NDISC_RS_HDR_LEN 8
#define NDISC_NS_HDR_LEN 24
#define NDISC_NA_HDR_LEN 24
#define NDISC_DHAAD_HDR_LEN 8
#define NDISC_MP_HDR_LEN 8
#define NDISC_PREFIX_INFO_LEN 32
#define NDISC_LIFETIME_INFINITE 0xffffffffu

/*
 * Body of a Source/Target Link-Layer Address option: len 0 means absent.
 * Parsing yields the whole body (Length·8 − 2 octets, padding included); the
 * builder pads the given octets with zeros to a multiple of 8.
 */
struct ndisc_lla {
	uint8_t len;
	uint8_t addr[NDISC_LLA_MAX];
};

struct ndisc_prefix {
	uint8_t prefixlen;    /* 0..128 */
	uint8_t flags;        /* NDISC_PREFIX_F_*, reserved bits kept */
	uint32_t valid_lifetime;     /* seconds */
	uint32_t preferred_lifetime; /* seconds */
	struct in6_addr prefix;      /* with R: the router's full address */
};

struct ndisc_ha_info {
	uint8_t flags;       /* byte 2: NDISC_HA_INFO_F_MOBILE_ROUTER, reserved kept */
	uint16_t preference; /* unsigned, higher is better (RFC 6275 §7.4) */
	uint16_t lifetime;   /* seconds; 0 is flagged, see above */
};

struct ndisc_ra {
	uint8_t cur_hop_limit;
	uint8_t flags;            /* NDISC_RA_F_*, reserved/Prf bits kept */
	uint16_t router_lifetime; /* seconds */
	uint32_t reachable_time;  /* ms */
	uint32_t retrans_timer;   /* ms */
	struct ndisc_lla source_lla;
	bool has_mtu;
	bool has_adv_interval;
	bool has_ha_info;
	uint32_t mtu;
	uint32_t adv_interval_ms;
	struct ndisc_ha_info ha_info;
	unsigned warnings; /* NDISC_RA_WARN_*; ignored by the builder */
	size_t n_prefixes;
	struct ndisc_prefix prefixes[NDISC_MAX_PREFIXES];
};

struct ndisc_rs {
	struct ndisc_lla source_lla;
};

/* NS: for DAD (RFC 4862 §5.4.2) leave source_lla empty and send from :: to
 * the solicited-node multicast address of the target. */
struct ndisc_ns {
	struct in6_addr target;
	struct ndisc_lla source_lla;
};

struct ndisc_na {
	uint8_t flags; /* NDISC_NA_F_*, the 5 reserved bits of the first byte kept */
	struct in6_addr target;
	struct ndisc_lla target_lla;
};

struct ndisc_dhaad_request {
	uint16_t id;
	uint16_t flags; /* NDISC_DHAAD_F_MOBILE_ROUTER, reserved bits kept */
};

struct ndisc_dhaad_reply {
	uint16_t id;
	uint16_t flags; /* NDISC_DHAAD_F_MOBILE_ROUTER, reserved bits kept */
	size_t n_addrs;
	struct in6_addr addrs[NDISC_DHAAD_MAX_ADDRS];
};

/* Mobile Prefix Solicitation: options are skipped (RFC 6275 §6.7). */
struct ndisc_mps {
	uint16_t id;
	uint16_t reserved; /* kept for the round trip */
};

struct ndisc_mpa {
	uint16_t id;
	uint16_t flags; /* NDISC_MPA_F_*, reserved bits kept */
	size_t n_prefixes;
	struct ndisc_prefix prefixes[NDISC_MAX_PREFIXES];
};

/*
 * What a Parameter Problem quotes of the packet that invoked it, read as far as it came:
 * the IPv6 header, then the extension headers (Hop-by-Hop 0, Routing 43, Destination
 * Options 60, Fragment 44 with offset 0, AH 51; at most NDISC_INVOKING_MAX_HDRS) up to the
 * first other Next Header value, the upper-layer protocol.
 */
#define NDISC_INVOKING_MAX_HDRS 8
#define NDISC_IPV6_HDR_LEN 40
#define NDISC_OPT_HAO 201 /* RFC 6275 §6.3: the Home Address destination option */
struct ndisc_invoking {
	struct in6_addr src, dst;
	uint8_t proto;         /* the upper-layer protocol the chain names */
	bool complete;         /* the chain up to proto came whole (else proto, offsets: 0) */
	uint32_t nh_offset;    /* offset of the Next Header field that names proto */
	uint32_t upper_offset; /* offset of the upper-layer header (may equal the length: none of it came) */
	bool has_hao;          /* a well-formed Home Address option (type 201, length 16) in a Destination Options header */
	uint32_t hao_offset;   /* offset of its Option Type octet */
	struct in6_addr hao;
};

/*
 * Parameter Problem (RFC 4443 §3.4): Type 4, any Code, a 32-bit Pointer, then "as much of
 * invoking packet as possible" (invoking/invoking_len point into data). Rejected (-EBADMSG):
 * wrong Type, fewer than 8 octets, an invoking part shorter than an IPv6 header or not
 * version 6 (RFC 4443 §2.4 (c): the invoking packet was IPv6). The Pointer is not checked
 * against the length: RFC 4443 §3.4 lets it point past the end.
 */
struct ndisc_param_problem {
	uint8_t code;
	uint32_t pointer;
	const uint8_t *invoking;
	size_t invoking_len;
	struct ndisc_invoking inv;
};
int ndisc_param_problem_parse(const uint8_t *data, size_t len, struct ndisc_param_problem *ret);

int ndisc_rs_parse(const uint8_t *data, size_t len, struct ndisc_rs *ret);
int ndisc_ra_parse(const uint8_t *data, size_t len, struct ndisc_ra *ret);
int ndisc_ns_parse(const uint8_t *data, size_t len, struct ndisc_ns *ret);
int ndisc_na_parse(const uint8_t *data, size_t len, struct ndisc_na *ret);
int ndisc_dhaad_request_parse(const uint8_t *data, size_t len, struct ndisc_dhaad_request *ret);
int ndisc_dhaad_reply_parse(const uint8_t *data, size_t len, struct ndisc_dhaad_reply *ret);
int ndisc_mps_parse(const uint8_t *data, size_t len, struct ndisc_mps *ret);
int ndisc_mpa_parse(const uint8_t *data, size_t len, struct ndisc_mpa *ret);

int ndisc_rs_build(const struct ndisc_rs *rs, uint8_t *buf, size_t cap, size_t *ret_len);
int ndisc_ra_build(const struct ndisc_ra *ra, uint8_t *buf, size_t cap, size_t *ret_len);
int ndisc_ns_build(const struct ndisc_ns *ns, uint8_t *buf, size_t cap, size_t *ret_len);
int ndisc_na_build(const struct ndisc_na *na, uint8_t *buf, size_t cap, size_t *ret_len);
int ndisc_dhaad_request_build(const struct ndisc_dhaad_request *m, uint8_t *buf, size_t cap,
			      size_t *ret_len);
int ndisc_dhaad_reply_build(const struct ndisc_dhaad_reply *m, uint8_t *buf, size_t cap,
			    size_t *ret_len);
int ndisc_mps_build(const struct ndisc_mps *m, uint8_t *buf, size_t cap, size_t *ret_len);
int ndisc_mpa_build(const struct ndisc_mpa *m, uint8_t *buf, size_t cap, size_t *ret_len);

/*
 * The home-agent lifetime (seconds) an RA advertises (RFC 6275 §7.4,
 * §10.5.1): 0 when the H flag is clear (whatever options it carries),
 * otherwise the Home Agent Information Lifetime when present and non-zero,
 * otherwise the Router Lifetime. *ret_preference (may be NULL) gets the
 * option's preference, or 0 (the default) when the option is not used.
 */
uint32_t ndisc_ra_ha_lifetime(const struct ndisc_ra *ra, uint16_t *ret_preference);

/* ff02::1:ffXX:XXXX from the low 24 bits of addr (RFC 4291 §2.7.1). */
void ndisc_solicited_node(const struct in6_addr *addr, struct in6_addr *ret);
bool ndisc_is_solicited_node(const struct in6_addr *addr);

/*
 * ICMPv6 checksum (RFC 4443 §2.3) over the pseudo-header (RFC 8200 §8.1:
 * src, dst, 32-bit upper-layer length, 3 zero octets, next header 58) and
 * msg[0..len), treating msg[2..3] as zero. Returns the value to store
 * big-endian at offset 2. ndisc_checksum_ok() verifies a received message.
 */
uint16_t ndisc_checksum(const struct in6_addr *src, const struct in6_addr *dst,
			const uint8_t *msg, size_t len);
void ndisc_checksum_set(const struct in6_addr *src, const struct in6_addr *dst, uint8_t *msg,
			size_t len);
bool ndisc_checksum_ok(const struct in6_addr *src, const struct in6_addr *dst,
		       const uint8_t *msg, size_t len);

/*
 * IP-header checks RFC 4861 puts on received ND messages, given the data a
 * raw socket reports (IPV6_HOPLIMIT, source, IPV6_PKTINFO destination):
 * - RS, RA, NS, NA, Redirect (133..137): hop limit must be 255 (§6.1.1,
 *   §6.1.2, §7.1.1, §7.1.2);
 * - RA: source must be link-local (§6.1.2);
 * - NS with the unspecified source (DAD): destination must be a
 *   solicited-node multicast address (§7.1.1).
 * Other types (DHAAD, MPD) are routed and not checked here. Returns 0 or
 * -EBADMSG. Checks that need the parsed body stay with the caller: an RS or
 * NS from :: must not carry a Source LLA option; an NA to a multicast
 * destination must not have the S flag.
 */
int ndisc_rx_check(uint8_t type, int hop_limit, const struct in6_addr *src,
		   const struct in6_addr *dst);
