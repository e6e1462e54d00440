/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the static key-file parser (operator input, src/ipsec/keyfile.h): the
 * whole text for a fixed pair, and every line alone. A line that parses is
 * printed back in the file format; that must parse to the same entry.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsec/keyfile.h"
#include "ipsec/spd.h"
#include "netlink/nl-types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const struct keyfile_entry *e)
{
	char line[KEYFILE_LINE_MAX + 1], hoa[INET6_ADDRSTRLEN], ha[INET6_ADDRSTRLEN];
	struct keyfile_entry again;
	int n;

	inet_ntop(AF_INET6, &e->hoa, hoa, sizeof(hoa));
	inet_ntop(AF_INET6, &e->ha, ha, sizeof(ha));
	n = snprintf(line, sizeof(line), "%s %s 0x%x %u %s ", hoa, ha, e->spi_to_ha, e->spi_to_mn, e->aead);
	for (size_t i = 0; i < e->key_to_ha.len; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%02x", e->key_to_ha.bytes[i]);
	n += snprintf(line + n, sizeof(line) - (size_t)n, " ");
	for (size_t i = 0; i < e->key_to_mn.len; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%02x", e->key_to_mn.bytes[i]);
	n += snprintf(line + n, sizeof(line) - (size_t)n, " %u", e->icv_bits);
	if (n <= 0 || (size_t)n >= sizeof(line) || keyfile_parse_line(line, (size_t)n, &again) != 1 ||
	    memcmp(&again, e, sizeof(*e)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct spd_pair p = { .reqid = 1, .reqid_to_mn = 2 };
	struct knl_xfrm_state st[2];
	struct keyfile_entry e;
	unsigned line = 0;
	size_t off = 0;

	inet_pton(AF_INET6, "2001:db8:1::100", &p.hoa);
	inet_pton(AF_INET6, "2001:db8:1::1", &p.ha);
	if (keyfile_find(text, size, &p.hoa, &p.ha, &e, &line) == 1) {
		if (memcmp(&e.hoa, &p.hoa, 16) != 0 || e.key_to_ha.len == 0 || e.key_to_ha.len > KEYFILE_KEY_MAX ||
		    e.key_to_mn.len == 0 || e.key_to_mn.len > KEYFILE_KEY_MAX)
			abort();
		/* Never one key for both directions. */
		if (e.key_to_ha.len == e.key_to_mn.len && !memcmp(e.key_to_ha.bytes, e.key_to_mn.bytes, e.key_to_ha.len))
			abort();
		keyfile_states(&e, &p, st);
		if (st[0].spi != e.spi_to_ha || st[1].reqid != 2 || st[0].replay_window || st[1].replay_window ||
		    memcmp(st[1].aead.key, e.key_to_mn.bytes, e.key_to_mn.len) != 0)
			abort();
	}
	while (off < size) {
		const char *nl = memchr(text + off, '\n', size - off);
		size_t l = nl ? (size_t)(nl - (text + off)) : size - off;

		memset(&e, 0, sizeof(e));
		if (keyfile_parse_line(text + off, l, &e) == 1) {
			if (e.spi_to_ha < 256 || e.spi_to_mn < 256 || e.icv_bits == 0 || e.icv_bits > 256)
				abort();
			round_trip(&e);
		}
		off += l + (nl ? 1 : 0);
	}
	return 0;
}
