/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Mobility Header codec (RFC 6275 §6.1, §6.2, §9.2; NEMO RFC 3963 §4).
 *
 * Pure functions: bytes in, struct out (and back). No I/O, no globals, no
 * logging, no allocation. The parser copies what it keeps; nothing in the
 * parsed struct points into the input.
 *
 * Parsing. mh_parse() validates one whole Mobility Header in the order of
 * RFC 6275 §9.2 and returns 0, or a negative errno together with an
 * mh_parse_error saying WHY, so that the caller can choose the RFC reaction
 * (mh_err_reaction()):
 *
 *   kind                 errno             reaction (RFC 6275)        pointer
 *   MH_ERR_TRUNCATED     -EBADMSG          drop                       input length
 *   MH_ERR_CHECKSUM      -EBADMSG          drop silently (§9.2)       4
 *   MH_ERR_UNKNOWN_TYPE  -EPROTONOSUPPORT  BE status 2 (§9.2, §9.3.3) 2
 *   MH_ERR_PAYLOAD_PROTO -EBADMSG          ICMPv6 Param Problem 0     0
 *   MH_ERR_HDRLEN_SHORT  -EBADMSG          ICMPv6 Param Problem 0     1
 *   MH_ERR_TRAILING      -EBADMSG          drop                       (hdrlen+1)*8
 *   MH_ERR_OPTIONS       -EBADMSG          drop                       offending option
 *
 * The pointer is an offset from the first byte of the Mobility Header; the
 * ICMPv6 Pointer field counts from the start of the IPv6 packet, so the
 * caller adds the offset of the MH within the packet.
 *
 * Framing decisions: the input must be exactly one MH. (Header Len + 1) * 8
 * larger than the input is MH_ERR_TRUNCATED; smaller is MH_ERR_TRAILING
 * (Payload Proto is 59, nothing may follow). Inputs under 8 bytes are
 * MH_ERR_TRUNCATED.
 *
 * Options (§6.2): TLV lengths are checked against the bytes left; Pad1/PadN
 * are skipped (PadN content ignored); options of unknown type are skipped
 * and counted (n_unknown); known options must have their fixed length
 * (BRA 2, AltCoA 16, NI 4, BAD 12, MNP 18) and MNP a prefix length <= 128.
 * Alignment (BRA 2n, AltCoA 8n+6, NI 2n, BAD 8n+2, MNP 8n+4) is a sender
 * rule: the parser tolerates misaligned options and counts them
 * (n_misaligned). BAD must be the last option: anything but Pad1/PadN after
 * it is MH_ERR_OPTIONS. A singleton option (BRA, AltCoA, NI, BAD) that
 * appears twice is MH_ERR_OPTIONS: which copy would be meant is ambiguous
 * and RFC 6275 never sends two. MNP may repeat up to MH_MNP_MAX. At most
 * MH_OPTS_MAX TLVs (padding and unknown ones included) are accepted.
 * Which options make sense in which message type (e.g. BRA only in a BA
 * from a home agent, NI only with BAD) is left to the role code: the parser
 * decodes every known option in every type.
 *
 * Building. mh_build() writes a message with checksum 0 (Linux fills it on
 * IPPROTO_MH raw sockets, IPV6_CHECKSUM offset 4; mh_checksum_fill() is
 * there for the rest). Options are written in the order BRA, AltCoA, NI,
 * MNP..., BAD, each at its alignment using Pad1/PadN, and the message is
 * padded to a multiple of 8 octets. BAD, when present, is last and ends the
 * message exactly (8n+2 + 14 = 8(n+2)): its Authenticator occupies the last
 * MH_BAD_LEN bytes, i.e. it starts at *ret_len - MH_BAD_LEN, and the "MH
 * Data" of RFC 6275 §6.2.7 is the first *ret_len - MH_BAD_LEN bytes.
 *
 * Lifetimes and the BRA refresh interval are raw 4-second units; convert
 * with mh_lifetime_*() from mh/mh-util.h.
 */
#pragma once

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mh/mh-util.h"

#define MH_PAYLOAD_PROTO_NONE 59 /* IPPROTO_NONE, §6.1.1 */
#define MH_IPPROTO 135           /* Next Header value of the MH */
#define MH_HDR_LEN 6             /* Payload Proto, Header Len, MH Type, Reserved, Checksum */
#define MH_CHECKSUM_OFFSET 4
#define MH_LEN_MAX 2048          /* (255 + 1) * 8 */
#define MH_OPTS_MAX 64           /* TLVs per message, padding and unknown included */
#define MH_MNP_MAX 16            /* Mobile Network Prefix options per message */
#define MH_COOKIE_LEN 8
#define MH_KEYGEN_TOKEN_LEN 8
#define MH_BAD_LEN 12            /* Authenticator, First(96, HMAC_SHA1) (§6.2.7) */

/* MH Type, RFC 6275 §6.1. */
enum mh_type {
	MH_TYPE_BRR = 0,
	MH_TYPE_HOTI = 1,
	MH_TYPE_COTI = 2,
	MH_TYPE_HOT = 3,
	MH_TYPE_COT = 4,
	MH_TYPE_BU = 5,
	MH_TYPE_BA = 6,
	MH_TYPE_BE = 7,
	_MH_TYPE_MAX,
	_MH_TYPE_INVALID = -EINVAL,
};

/* Mobility option types, RFC 6275 §6.2, RFC 3963 §4.3. */
enum mh_opt_type {
	MH_OPT_PAD1 = 0,
	MH_OPT_PADN = 1,
	MH_OPT_BRA = 2,       /* Binding Refresh Advice */
	MH_OPT_ALT_COA = 3,   /* Alternate Care-of Address */
	MH_OPT_NONCE_IDX = 4, /* Nonce Indices */
	MH_OPT_AUTH = 5,      /* Binding Authorization Data */
	MH_OPT_MNP = 6,       /* Mobile Network Prefix (NEMO) */
	_MH_OPT_MAX,
	_MH_OPT_INVALID = -EINVAL,
};
#define MH_OPT_BIT(t) (1u << (t))

/* Option Length values (excluding Type and Length). */
#define MH_OPT_BRA_LEN 2
#define MH_OPT_ALT_COA_LEN 16
#define MH_OPT_NONCE_IDX_LEN 4
#define MH_OPT_AUTH_LEN MH_BAD_LEN
#define MH_OPT_MNP_LEN 18

/* BU flags: the 16-bit word at offset 8 (§6.1.7, RFC 5380, 3963, 5213). */
#define MH_BU_F_A 0x8000u /* Acknowledge */
#define MH_BU_F_H 0x4000u /* Home Registration */
#define MH_BU_F_L 0x2000u /* Link-Local Address Compatibility */
#define MH_BU_F_K 0x1000u /* Key Management Mobility Capability */
#define MH_BU_F_M 0x0800u /* MAP Registration (RFC 5380) */
#define MH_BU_F_R 0x0400u /* Mobile Router (RFC 3963) */
#define MH_BU_F_P 0x0200u /* Proxy Registration (RFC 5213) */
#define MH_BU_F_ALL                                                                    \
	(MH_BU_F_A | MH_BU_F_H | MH_BU_F_L | MH_BU_F_K | MH_BU_F_M | MH_BU_F_R | MH_BU_F_P)

/* BA flags: the byte at offset 7 (§6.1.8, RFC 3963, 5213). */
#define MH_BA_F_K 0x80u
#define MH_BA_F_R 0x40u
#define MH_BA_F_P 0x20u
#define MH_BA_F_ALL (MH_BA_F_K | MH_BA_F_R | MH_BA_F_P)

/* BA Status, RFC 6275 §6.1.8 and RFC 3963 §4.2. Values < 128: accepted. */
enum mh_ba_status {
	MH_BA_ACCEPTED = 0,
	MH_BA_ACCEPTED_PREFIX_DISC = 1,
	MH_BA_UNSPECIFIED = 128,
	MH_BA_PROHIBITED = 129,
	MH_BA_INSUFFICIENT_RESOURCES = 130,
	MH_BA_HOME_REG_NOT_SUPPORTED = 131,
	MH_BA_NOT_HOME_SUBNET = 132,
	MH_BA_NOT_HOME_AGENT = 133,
	MH_BA_DAD_FAILED = 134,
	MH_BA_SEQ_OUT_OF_WINDOW = 135,
	MH_BA_EXPIRED_HOME_NONCE = 136,
	MH_BA_EXPIRED_CAREOF_NONCE = 137,
	MH_BA_EXPIRED_NONCES = 138,
	MH_BA_REG_TYPE_CHANGE = 139,
	MH_BA_MR_OP_NOT_PERMITTED = 140,  /* RFC 3963 */
	MH_BA_INVALID_PREFIX = 141,       /* RFC 3963 */
	MH_BA_NOT_AUTHORIZED_PREFIX = 142,/* RFC 3963 */
	MH_BA_FWD_SETUP_FAILED = 143,     /* RFC 3963 */
	MH_BA_INVALID_COA = 174,          /* RFC 6275 §6.1.8 */
};
#define MH_BA_STATUS_IS_ACCEPTED(s) ((s) < 128)

/* BE Status, RFC 6275 §6.1.9. */
enum mh_be_status {
	MH_BE_UNKNOWN_HAO = 1,
	MH_BE_UNKNOWN_MH_TYPE = 2,
};

/* Why mh_parse() rejected a message; see the table at the top. */
enum mh_err {
	MH_ERR_NONE = 0,
	MH_ERR_TRUNCATED,
	MH_ERR_CHECKSUM,
	MH_ERR_UNKNOWN_TYPE,
	MH_ERR_PAYLOAD_PROTO,
	MH_ERR_HDRLEN_SHORT,
	MH_ERR_TRAILING,
	MH_ERR_OPTIONS,
	_MH_ERR_MAX,
	_MH_ERR_INVALID = -EINVAL,
};

/* What the receiver does about it (RFC 6275 §9.2). */
enum mh_reaction {
	MH_REACT_ACCEPT = 0,
	MH_REACT_DROP,          /* discard silently */
	MH_REACT_PARAM_PROBLEM, /* discard, ICMPv6 Parameter Problem code 0 at pointer */
	MH_REACT_BE_STATUS_2,   /* discard, Binding Error status 2 */
	_MH_REACT_MAX,
	_MH_REACT_INVALID = -EINVAL,
};

struct mh_parse_error {
	enum mh_err kind;
	uint16_t pointer; /* offset from the start of the MH */
};

struct mh_mnp {
	uint8_t prefix_len; /* 0..128 */
	struct in6_addr prefix;
};

struct mh_opts {
	uint32_t present;            /* MH_OPT_BIT(MH_OPT_BRA) | ...; MNP bit if n_mnp > 0 */
	uint16_t refresh;            /* BRA, 4-s units */
	struct in6_addr alt_coa;     /* AltCoA */
	uint16_t home_nonce_index;   /* NI */
	uint16_t careof_nonce_index; /* NI */
	uint8_t auth[MH_BAD_LEN];    /* BAD Authenticator */
	uint16_t auth_offset;        /* parse: offset of the Authenticator in the MH */
	unsigned n_mnp;
	struct mh_mnp mnp[MH_MNP_MAX];
	unsigned n_unknown;    /* parse: unknown options skipped */
	unsigned n_misaligned; /* parse: known options found off their alignment */
};

/* HoTI (home init cookie) and CoTI (care-of init cookie), §6.1.3-4. */
struct mh_init {
	uint8_t cookie[MH_COOKIE_LEN];
};

/* HoT and CoT, §6.1.5-6. */
struct mh_test {
	uint16_t nonce_index;
	uint8_t cookie[MH_COOKIE_LEN];
	uint8_t keygen_token[MH_KEYGEN_TOKEN_LEN];
};

/* Binding Update, §6.1.7. */
struct mh_bu {
	uint16_t seq;
	uint16_t flags;    /* MH_BU_F_*; parse keeps only MH_BU_F_ALL */
	uint16_t lifetime; /* 4-s units */
};

/* Binding Acknowledgement, §6.1.8. */
struct mh_ba {
	uint8_t status;    /* enum mh_ba_status */
	uint8_t flags;     /* MH_BA_F_*; parse keeps only MH_BA_F_ALL */
	uint16_t seq;
	uint16_t lifetime; /* 4-s units */
};

/* Binding Error, §6.1.9. */
struct mh_be {
	uint8_t status; /* enum mh_be_status */
	struct in6_addr hoa;
};

struct mh_msg {
	enum mh_type type;
	union {
		struct mh_init hoti; /* MH_TYPE_HOTI */
		struct mh_init coti; /* MH_TYPE_COTI */
		struct mh_test hot;  /* MH_TYPE_HOT */
		struct mh_test cot;  /* MH_TYPE_COT */
		struct mh_bu bu;     /* MH_TYPE_BU */
		struct mh_ba ba;     /* MH_TYPE_BA */
		struct mh_be be;     /* MH_TYPE_BE */
	};                           /* nothing for MH_TYPE_BRR */
	struct mh_opts opts;
};

/* Minimum message length in bytes for a type (§6.1), or 0 for an unknown type. */
size_t mh_type_min_len(uint8_t type);

/*
 * Parse one Mobility Header of exactly `len` bytes. When both `src` and
 * `dst` are non-NULL the checksum is verified first (src = the HoA of a Home
 * Address option if there was one). `ret_error` may be NULL. On failure *ret
 * is unspecified and *ret_error says why. Returns 0, -EBADMSG,
 * -EPROTONOSUPPORT (unknown MH type) or -EINVAL (NULL data/ret).
 */
int mh_parse(const uint8_t *data, size_t len, const struct in6_addr *src,
	     const struct in6_addr *dst, struct mh_msg *ret, struct mh_parse_error *ret_error);

/*
 * Build `m` into buf[0..cap). Returns 0 and the length (a multiple of 8) in
 * *ret_len; -ENOBUFS if cap is too small; -EINVAL for an unknown type,
 * unknown flag bits, n_mnp > MH_MNP_MAX or an MNP prefix length > 128.
 * Only options whose bit is set in m->opts.present (and the m->opts.n_mnp
 * MNPs) are written; n_unknown/n_misaligned/auth_offset are ignored.
 */
int mh_build(const struct mh_msg *m, uint8_t *buf, size_t cap, size_t *ret_len);

/*
 * Internet checksum over the IPv6 pseudo-header (src, dst, upper-layer
 * length = len, next header 135) and the `len` bytes of the MH, as they are
 * (§6.1.1): over a message whose Checksum field is 0 it gives the value to
 * put there; over a received message it gives 0 when the checksum is right.
 * NULL addresses (or NULL mh with len > 0) give 0xffff, which never verifies.
 */
uint16_t mh_checksum(const struct in6_addr *src, const struct in6_addr *dst, const uint8_t *mh,
		     size_t len);
/* Zero the Checksum field, compute it and store it (0 sent as 0xffff). -EINVAL if len < 6. */
int mh_checksum_fill(uint8_t *mh, size_t len, const struct in6_addr *src,
		     const struct in6_addr *dst);

enum mh_reaction mh_err_reaction(enum mh_err e);

/* Static strings; NULL for values without a name. */
const char *mh_type_to_string(int type);
const char *mh_opt_type_to_string(int type);
const char *mh_ba_status_to_string(int status);
const char *mh_be_status_to_string(int status);
const char *mh_err_to_string(enum mh_err e);
