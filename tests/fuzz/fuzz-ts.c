/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the traffic-selector parser (strings charon lists over VICI,
 * plugins/traffic-selector.h): a selector that parses is a sane range, and
 * matching an address inside it agrees with its bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "traffic-selector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ts t;
	struct in6_addr a;

	if (ts_parse((const char *)data, size, &t) < 0)
		return 0;
	if (t.dynamic)
		return 0;
	if ((t.family != AF_INET6 && t.family != AF_INET) || memcmp(t.from, t.to, 16) > 0 ||
	    t.plen > (t.family == AF_INET6 ? 128 : 32) || t.port_from > t.port_to)
		abort();
	memcpy(&a, t.from, 16);
	if (t.family == AF_INET6 && (!ts_contains(&t, &a) || ts_list_match(&t, 1, &a, TS_PROTO_ANY) != t.plen))
		abort();
	memcpy(&a, t.to, 16);
	if (t.family == AF_INET6 && !ts_contains(&t, &a))
		abort();
	return 0;
}
