/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Traffic selectors as charon prints them: parsing into ranges/prefixes and matching (traffic-selector.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "traffic-selector.h"

/* The names charon takes from /etc/protocols for what a mobility deployment uses. */
static const struct {
	const char *name;
	int proto;
} proto_names[] = {
	{ "mobility-header", IPPROTO_MH }, { "ipv6-mh", IPPROTO_MH }, { "mh", IPPROTO_MH },
	{ "ipv6-icmp", IPPROTO_ICMPV6 },   { "icmpv6", IPPROTO_ICMPV6 }, { "icmp", IPPROTO_ICMP },
	{ "tcp", IPPROTO_TCP },            { "udp", IPPROTO_UDP },       { "sctp", IPPROTO_SCTP },
	{ "esp", IPPROTO_ESP },            { "ah", IPPROTO_AH },         { "gre", IPPROTO_GRE },
	{ "ipv6", IPPROTO_IPV6 },
};

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
	       c == '.';
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Decimal 0..max (at most 5 digits). */
static int parse_num(const char *s, unsigned max, unsigned *ret)
{
	unsigned v = 0;

	if (!all_digits(s) || strlen(s) > 5)
		return -EINVAL;
	for (; *s; s++)
		v = v * 10 + (unsigned)(*s - '0');
	if (v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static bool all_name_chars(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!is_name_char(*s))
			return false;
	return true;
}

static int parse_addr(const char *s, int *family, uint8_t out[16])
{
	memset(out, 0, 16);
	if (strchr(s, ':')) {
		*family = AF_INET6;
		return inet_pton(AF_INET6, s, out) == 1 ? 0 : -EINVAL;
	}
	*family = AF_INET;
	return inet_pton(AF_INET, s, out) == 1 ? 0 : -EINVAL;
}

static unsigned family_bits(int family)
{
	return family == AF_INET6 ? 128 : 32;
}

/* Leading bits from and to share, within the family's width. */
static uint8_t common_bits(const struct ts *t)
{
	unsigned bits = family_bits(t->family), n = 0;

	while (n < bits && ((t->from[n / 8] ^ t->to[n / 8]) & (0x80 >> (n % 8))) == 0)
		n++;
	return (uint8_t)n;
}

static int parse_prefix(char *s, struct ts *t)
{
	char *slash = strchr(s, '/');
	unsigned len;

	*slash = 0;
	if (parse_addr(s, &t->family, t->from) < 0 || parse_num(slash + 1, family_bits(t->family), &len) < 0)
		return -EINVAL;
	memcpy(t->to, t->from, 16);
	for (unsigned i = len; i < family_bits(t->family); i++) {
		t->from[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
		t->to[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	}
	t->plen = (uint8_t)len;
	return 0;
}

static int parse_address_part(char *s, struct ts *t)
{
	char *dots = strstr(s, "..");

	if (strcmp(s, "dynamic") == 0) {
		t->dynamic = true;
		return 0;
	}
	if (dots) {
		int f2;

		*dots = 0;
		if (parse_addr(s, &t->family, t->from) < 0 || parse_addr(dots + 2, &f2, t->to) < 0 || f2 != t->family ||
		    memcmp(t->from, t->to, 16) > 0)
			return -EINVAL;
		t->plen = common_bits(t);
		return 0;
	}
	if (strchr(s, '/'))
		return parse_prefix(s, t);
	if (parse_addr(s, &t->family, t->from) < 0)
		return -EINVAL;
	memcpy(t->to, t->from, 16);
	t->plen = (uint8_t)family_bits(t->family);
	return 0;
}

static int parse_proto(const char *s, struct ts *t)
{
	unsigned v;

	if (!*s) {
		t->proto = TS_PROTO_ANY;
		return 0;
	}
	if (all_digits(s)) {
		if (parse_num(s, 255, &v) < 0)
			return -EINVAL;
		t->proto = (int)v;
		return 0;
	}
	if (!all_name_chars(s))
		return -EINVAL;
	t->proto = TS_PROTO_OTHER;
	for (size_t i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
		if (strcmp(s, proto_names[i].name) == 0)
			t->proto = proto_names[i].proto;
	return 0;
}

static int parse_port(char *s, struct ts *t)
{
	char *dash = strchr(s, '-');
	unsigned a, b;

	if (strcmp(s, "OPAQUE") == 0) {
		t->opaque = true;
		return 0;
	}
	if (all_digits(s)) {
		if (parse_num(s, 65535, &a) < 0)
			return -EINVAL;
		t->port_from = t->port_to = (uint16_t)a;
		return 0;
	}
	if (dash && dash != s) {
		*dash = 0;
		if (all_digits(s) && all_digits(dash + 1)) {
			if (parse_num(s, 65535, &a) < 0 || parse_num(dash + 1, 65535, &b) < 0 || a > b)
				return -EINVAL;
			t->port_from = (uint16_t)a;
			t->port_to = (uint16_t)b;
			return 0;
		}
		*dash = '-';
	}
	/* A service name ("http"): not resolved here; any port. */
	return all_name_chars(s) ? 0 : -EINVAL;
}

/* "proto", "proto/port", "/port" (the text between the brackets). */
static int parse_proto_part(char *s, struct ts *t)
{
	char *slash = strchr(s, '/');

	if (!*s)
		return -EINVAL;
	if (slash)
		*slash = 0;
	if (parse_proto(s, t) < 0)
		return -EINVAL;
	return slash ? parse_port(slash + 1, t) : 0;
}

int ts_parse(const char *s, size_t len, struct ts *ret)
{
	char buf[TS_TEXT_MAX + 1];
	struct ts t = { .port_to = 65535 };
	char *br;

	if (len == 0 || len > TS_TEXT_MAX || memchr(s, 0, len))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = 0;
	br = strchr(buf, '[');
	if (br) {
		if (buf[len - 1] != ']' || br == buf + len - 1 || strchr(br + 1, '[') || strchr(br, ']') != buf + len - 1)
			return -EINVAL;
		buf[len - 1] = 0;
		*br = 0;
		if (parse_proto_part(br + 1, &t) < 0)
			return -EINVAL;
	} else if (strchr(buf, ']'))
		return -EINVAL;
	if (!buf[0] || parse_address_part(buf, &t) < 0)
		return -EINVAL;
	*ret = t;
	return 0;
}

bool ts_contains(const struct ts *t, const struct in6_addr *a)
{
	if (t->dynamic || t->family != AF_INET6)
		return false;
	return memcmp(t->from, a, 16) <= 0 && memcmp(a, t->to, 16) <= 0;
}

bool ts_admits_proto(const struct ts *t, int proto)
{
	return t->proto == TS_PROTO_ANY || t->proto == proto;
}

int ts_list_match(const struct ts *list, size_t n, const struct in6_addr *a, int proto)
{
	int best = -1;

	for (size_t i = 0; i < n; i++)
		if (ts_contains(&list[i], a) && (proto == TS_PROTO_ANY || ts_admits_proto(&list[i], proto)) &&
		    (int)list[i].plen > best)
			best = list[i].plen;
	return best;
}
