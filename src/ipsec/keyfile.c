/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The static key file: pure, bounded parsing of operator input (see keyfile.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/xfrm.h>
#include <string.h>

#include "ipsec/keyfile.h"
#include "ipsec/spd.h"
#include "netlink/nl-types.h"

#define KEYFILE_FIELDS 8
#define KEYFILE_FIELD_MAX (2 * KEYFILE_KEY_MAX)

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Split into exactly KEYFILE_FIELDS NUL-terminated fields of at most KEYFILE_FIELD_MAX bytes. */
static int split_fields(const char *line, size_t len, char f[KEYFILE_FIELDS][KEYFILE_FIELD_MAX + 1])
{
	size_t i = 0, n = 0;

	for (;;) {
		size_t start, l;

		while (i < len && is_blank(line[i]))
			i++;
		if (i == len)
			break;
		if (n == KEYFILE_FIELDS)
			return -EINVAL; /* trailing field */
		start = i;
		while (i < len && !is_blank(line[i]))
			i++;
		l = i - start;
		if (l > KEYFILE_FIELD_MAX)
			return -EINVAL;
		memcpy(f[n], line + start, l);
		f[n][l] = 0;
		if (strlen(f[n]) != l)
			return -EINVAL; /* an embedded NUL */
		n++;
	}
	return n == KEYFILE_FIELDS ? 0 : -EINVAL;
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Decimal or 0x-hex, no sign, within [min, max]. */
static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *ret)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		int d = hex_digit(*s);

		if (d < 0 || (unsigned)d >= base)
			return -EINVAL;
		v = v * base + (unsigned)d;
		if (v > max)
			return -EINVAL;
	}
	if (v < min)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

static int parse_key(const char *s, struct keyfile_key *k)
{
	size_t n = strlen(s);

	if (n == 0 || n % 2 || n / 2 > KEYFILE_KEY_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		k->bytes[i] = (uint8_t)(hi << 4 | lo);
	}
	k->len = (uint16_t)(n / 2);
	return 0;
}

/* A kernel algorithm name such as "rfc4106(gcm(aes))": letters, digits, '(', ')', '-', '_'. */
static int parse_alg(const char *s, struct keyfile_entry *e)
{
	size_t n = strlen(s);

	if (n == 0 || n > KEYFILE_ALG_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		      strchr("()-_", s[i])))
			return -EINVAL;
	memcpy(e->aead, s, n + 1);
	return 0;
}

int keyfile_parse_line(const char *line, size_t len, struct keyfile_entry *ret)
{
	char f[KEYFILE_FIELDS][KEYFILE_FIELD_MAX + 1];
	struct keyfile_entry e = { 0 };
	uint32_t icv;
	size_t i = 0;

	if (len > KEYFILE_LINE_MAX)
		return -EINVAL;
	while (i < len && is_blank(line[i]))
		i++;
	if (i == len || line[i] == '#')
		return 0;
	if (split_fields(line, len, f) < 0)
		return -EINVAL;
	if (inet_pton(AF_INET6, f[0], &e.hoa) != 1 || inet_pton(AF_INET6, f[1], &e.ha) != 1)
		return -EINVAL;
	if (parse_u32(f[2], 256, UINT32_MAX, &e.spi_to_ha) < 0 || parse_u32(f[3], 256, UINT32_MAX, &e.spi_to_mn) < 0)
		return -EINVAL;
	if (parse_alg(f[4], &e) < 0 || parse_key(f[5], &e.key_to_ha) < 0 || parse_key(f[6], &e.key_to_mn) < 0 ||
	    parse_u32(f[7], 1, 256, &icv) < 0)
		return -EINVAL;
	/* RFC 4106 §3.1: the same key both ways would repeat every nonce (see keyfile.h). */
	if (e.key_to_ha.len == e.key_to_mn.len && memcmp(e.key_to_ha.bytes, e.key_to_mn.bytes, e.key_to_ha.len) == 0)
		return -EINVAL;
	e.icv_bits = (uint16_t)icv;
	*ret = e;
	return 1;
}

int keyfile_find(const char *text, size_t len, const struct in6_addr *hoa, const struct in6_addr *ha,
		 struct keyfile_entry *ret, unsigned *ret_line)
{
	size_t off = 0;
	unsigned line = 0;
	int found = 0;

	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t l = nl ? (size_t)(nl - (text + off)) : len - off;
		struct keyfile_entry e;
		int r;

		line++;
		r = keyfile_parse_line(text + off, l, &e);
		if (r < 0) {
			if (ret_line)
				*ret_line = line;
			return r;
		}
		if (r > 0 && !found && memcmp(&e.hoa, hoa, sizeof(*hoa)) == 0 && memcmp(&e.ha, ha, sizeof(*ha)) == 0) {
			*ret = e;
			found = 1;
		}
		off += l + (nl ? 1 : 0);
	}
	return found;
}

void keyfile_states(const struct keyfile_entry *e, const struct spd_pair *p, struct knl_xfrm_state *ret)
{
	memset(ret, 0, 2 * sizeof(*ret));
	for (int i = 0; i < 2; i++) {
		struct knl_xfrm_state *s = &ret[i];

		s->proto = IPPROTO_ESP;
		s->mode = XFRM_MODE_TRANSPORT;
		s->replay_window = 0; /* RFC 3776 §4.4: no anti-replay with manual keys (keyfile.h) */
		s->sel.type = KNL_XFRM_TYPE_ANY;
		memcpy(s->aead.name, e->aead, sizeof(e->aead));
		s->aead.icv_bits = e->icv_bits;
	}
	memcpy(ret[0].aead.key, e->key_to_ha.bytes, e->key_to_ha.len);
	ret[0].aead.key_len = e->key_to_ha.len;
	memcpy(ret[1].aead.key, e->key_to_mn.bytes, e->key_to_mn.len);
	ret[1].aead.key_len = e->key_to_mn.len;
	ret[0].src = p->hoa;
	ret[0].dst = p->ha;
	ret[0].spi = e->spi_to_ha;
	ret[0].reqid = p->reqid;
	ret[1].src = p->ha;
	ret[1].dst = p->hoa;
	ret[1].spi = e->spi_to_mn;
	ret[1].reqid = p->reqid_to_mn;
}
