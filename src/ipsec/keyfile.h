/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The static key file (StaticKeyFile; manual keying, RFC 3776 §4.1): pure
 * parsing of operator input, no I/O, no logging. The owner/mode check and
 * the reading are the static backend's (plugins/km-static.c).
 *
 * One pair per line, fields separated by blanks; '#' starts a comment line;
 * blank lines are ignored:
 *   HOA HA SPI_TO_HA SPI_TO_MN AEAD KEY_TO_HA KEY_TO_MN ICV_BITS
 *   2001:db8:1::100 2001:db8:1::1 0x1001 0x1002 rfc4106(gcm(aes)) <40 hex> <40 hex> 128
 * SPIs are decimal or 0x-hex, 256..2^32-1 (RFC 4303 §2.1: 1..255 are
 * reserved); each key is 1..KEYFILE_KEY_MAX bytes in hex; ICV_BITS 1..256.
 * One key per direction, and the two must differ: both ends start their
 * sequence numbers at 1, so one AEAD key for both directions would use each
 * nonce twice (RFC 4106 §3.1: an IV must not repeat for a given key). The
 * earlier one-key format (7 fields) is refused.
 * A line is at most KEYFILE_LINE_MAX bytes. Every line must be well formed,
 * also those of other pairs: a broken file is refused as a whole.
 */
#pragma once

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

struct spd_pair;
struct knl_xfrm_state;

#define KEYFILE_LINE_MAX 512
#define KEYFILE_KEY_MAX 64
#define KEYFILE_ALG_MAX 63

struct keyfile_entry {
	struct in6_addr hoa, ha;
	uint32_t spi_to_ha, spi_to_mn;
	char aead[KEYFILE_ALG_MAX + 1];
	struct keyfile_key {
		uint8_t bytes[KEYFILE_KEY_MAX];
		uint16_t len;
	} key_to_ha, key_to_mn;
	uint16_t icv_bits;
};

/* One line (len bytes, no newline needed). Returns 1 (an entry), 0 (blank or comment) or -EINVAL. */
int keyfile_parse_line(const char *line, size_t len, struct keyfile_entry *ret);

/*
 * The entry for (hoa, ha) in the whole text. Returns 1 (found), 0 (none) or
 * -EINVAL (a malformed line; *ret_line is its 1-based number).
 */
int keyfile_find(const char *text, size_t len, const struct in6_addr *hoa, const struct in6_addr *ha,
		 struct keyfile_entry *ret, unsigned *ret_line);

/*
 * The two ESP transport states of the pair: [0] HoA -> HA (SPI_TO_HA, KEY_TO_HA,
 * reqid), [1] HA -> HoA (SPI_TO_MN, KEY_TO_MN, reqid_to_mn). ret holds two.
 * No anti-replay window: with manual keys IPsec cannot provide anti-replay
 * (RFC 3776 §4.4: only dynamic keying can; §3: full replay protection needs IKE),
 * and a window would make a restarted peer, whose sequence numbers start again
 * at 1 (RFC 4303 §2.2), unreachable until it passed its old high-water mark.
 * The BU/BA sequence numbers (RFC 6275 §9.5.1, §11.7.3) order the signalling.
 */
void keyfile_states(const struct keyfile_entry *e, const struct spd_pair *p, struct knl_xfrm_state *ret);
