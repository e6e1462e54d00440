/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The persistent binding cache's file format (NonVolatileBindingCache), a pure
 * codec: no I/O, no logging. The file (src/ha/bcache-journal.h does its I/O) is
 * a header followed by records, each a complete change of one binding; replaying
 * them in order gives the binding cache. A compaction rewrites the file as one
 * PUT per live binding. Everything is big-endian.
 *
 *   header (16 octets): magic "MIP6BC\r\n" (8), version (2) = 1, reserved (2) = 0,
 *                       CRC-32 of the first 12 octets (4)
 *   record:             type (1), record version (1) = 1, length of the whole record (2),
 *                       body, CRC-32 of everything before it in the record (4)
 *   PUT body (112):     HoA, CoA, HA address, BA destination, IKE SA CoA (5 × 16),
 *                       sequence number (2), BU flags (2), granted lifetime in s (4),
 *                       expiry and first registration as CLOCK_REALTIME µs (8 + 8),
 *                       home link ifindex (4), flags (1: bit 0 = link-local proxied),
 *                       reserved (3) = 0                                  → 120 octets
 *   DEL body (16):      HoA                                               →  24 octets
 *   MNP body (20 + 20n): HoA (16), n (1) = 1..16, flags (1: bit 0 = explicit mode),
 *                       reserved (2) = 0, then n × (prefix (16), length (1) ≤ 128,
 *                       reserved (3) = 0)                                 → 28 + 20n octets
 *                       A mobile router's Mobile Network Prefixes (RFC 3963, ha/ha-nemo.h),
 *                       written after each PUT of its binding; a PUT alone (a host) has none.
 *                       Record type 3 is new in this file version: an older mip6d reading
 *                       it stops there (unknown type) and keeps the valid prefix.
 *
 * Expiry is wall-clock time: CLOCK_BOOTTIME restarts at a reboot, and a record
 * must say when the binding ends whatever happened in between.
 */
#pragma once

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define BCS_MAGIC "MIP6BC\r\n"
#define BCS_VERSION 1
#define BCS_HEADER_LEN 16
#define BCS_PUT_LEN 120
#define BCS_DEL_LEN 24
#define BCS_MNP_MAX 16
#define BCS_MNP_LEN(n) (28u + 20u * (unsigned)(n))
#define BCS_RECORD_MAX BCS_MNP_LEN(BCS_MNP_MAX)

enum bcs_type {
	BCS_PUT = 1, /* a binding added or changed: the whole binding */
	BCS_DEL = 2, /* a binding removed */
	BCS_MNP = 3, /* a mobile router's prefixes (after its PUT) */
};

#define BCS_F_LL_PROXY 0x01
#define BCS_MNP_F_EXPLICIT 0x01

struct bcs_mnp {
	struct in6_addr prefix;
	uint8_t len;
};

struct bcs_record {
	uint8_t type;
	struct in6_addr hoa;
	/* PUT only */
	struct in6_addr coa, local, ba_dst, sa_coa;
	uint16_t seq;
	uint16_t bu_flags;
	uint32_t lifetime_sec;
	uint64_t expires_rt;    /* CLOCK_REALTIME µs */
	uint64_t registered_rt; /* CLOCK_REALTIME µs */
	uint32_t ifindex;
	uint8_t flags; /* BCS_F_* */
	/* MNP only */
	uint8_t n_mnp;     /* 1..BCS_MNP_MAX */
	uint8_t mnp_flags; /* BCS_MNP_F_* */
	struct bcs_mnp mnp[BCS_MNP_MAX];
};

/* The file header into buf (at least BCS_HEADER_LEN); returns its length. */
size_t bcs_header_build(uint8_t *buf);
/* One record into buf[cap]; its length, -EINVAL for an unknown type, -ENOBUFS. */
int bcs_record_build(const struct bcs_record *r, uint8_t *buf, size_t cap);

/* IEEE 802.3 CRC-32 (the one of zlib and Ethernet). */
uint32_t bcs_crc32(const uint8_t *p, size_t n);

/*
 * Parse a whole file: the header, then every record, each handed to each()
 * (which returns 0 or a negative errno that stops the parse and is returned).
 * Stops at the first record that is truncated, has a bad length, type,
 * version, reserved field or CRC: returns -EBADMSG, and *ret_good is the
 * length of the valid prefix (records before it were delivered), *ret_reason
 * says why (static text). 0 when the whole input is valid. A bad header
 * delivers nothing (*ret_good = 0).
 */
int bcs_parse(const uint8_t *data, size_t len, int (*each)(const struct bcs_record *r, void *ud), void *ud,
	      size_t *ret_good, const char **ret_reason);
