/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKEv2 traffic selectors (RFC 7296 §3.13.1) as charon lists them over VICI
 * (`list-conns`, `list-sas`: local-ts/remote-ts): pure parsing and prefix
 * matching, no I/O, no logging.
 *
 * Accepted forms (address part, then an optional protocol/port part):
 *   2001:db8::1/128   2001:db8::/64   10.0.0.0/8   2001:db8::1 (a host)
 *   2001:db8::1..2001:db8::9 (a range)   dynamic
 *   ...[mobility-header]  ...[ipv6-icmp/146]  ...[tcp/80]  ...[udp/1000-2000]
 *   ...[tcp/OPAQUE]  ...[17]  ...[tcp/http] (a named port: any port)
 * A protocol name we do not know is a protocol other than every one we ask for.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TS_TEXT_MAX 128
#define TS_PROTO_ANY 0
#define TS_PROTO_OTHER 256 /* a named protocol not in our table */

struct ts {
	bool dynamic; /* "dynamic": the IKE endpoint, contains nothing here */
	int family;   /* AF_INET6 or AF_INET (0 with dynamic) */
	uint8_t from[16], to[16]; /* inclusive range; a prefix is the range it covers */
	uint8_t plen;             /* leading bits that from and to share (the prefix length) */
	int proto;                /* TS_PROTO_ANY, 1..255, TS_PROTO_OTHER */
	uint16_t port_from, port_to;
	bool opaque;
};

/* Parse one selector of len bytes (no NUL needed). Returns 0 or -EINVAL. */
int ts_parse(const char *s, size_t len, struct ts *ret);
/* True when the selector's address range holds a (an IPv6 address). */
bool ts_contains(const struct ts *t, const struct in6_addr *a);
/* True when traffic of protocol proto (1..255) may match the selector. */
bool ts_admits_proto(const struct ts *t, int proto);
/*
 * How specifically the list names a: the longest prefix among the selectors
 * that hold a (and admit proto, unless proto is TS_PROTO_ANY), or -1 if none.
 */
int ts_list_match(const struct ts *list, size_t n, const struct in6_addr *a, int proto);
