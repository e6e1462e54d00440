/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/ctl-json.h"

int ctl_json_print(FILE *out, json_object *o)
{
	const char *s;
	int r = 0;

	if (!o)
		return -ENOMEM;
	s = json_object_to_json_string_ext(o, CTL_JSON_FLAGS);
	if (!s || fprintf(out, "%s\n", s) < 0)
		r = -ENOMEM;
	json_object_put(o);
	return r;
}

char *ctl_json_error_text(const char *text)
{
	json_object *o = json_object_new_object();
	const char *s;
	char *ret = NULL;

	if (!o)
		return NULL;
	ctl_json_add_str(o, "error", text);
	s = json_object_to_json_string_ext(o, CTL_JSON_FLAGS);
	if (s)
		ret = strdup(s);
	json_object_put(o);
	return ret;
}

static void add(json_object *o, const char *key, json_object *v)
{
	if (!o) {
		json_object_put(v);
		return;
	}
	/* On failure json-c leaves v to us. */
	if (json_object_object_add(o, key, v) < 0)
		json_object_put(v);
}

/* Length of the valid UTF-8 sequence at s (RFC 3629 §4: no overlongs, surrogates or > U+10FFFF), 0 if none. */
static size_t utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n;
	unsigned lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

char *ctl_json_utf8_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *ret = strdup(s), *w = ret;

	while (ret && *p) {
		size_t n = utf8_seq_len(p);
		if (n == 0) {
			*w++ = '?';
			p++;
			continue;
		}
		memmove(w, p, n);
		w += n;
		p += n;
	}
	if (ret)
		*w = 0;
	return ret;
}

void ctl_json_add_str(json_object *o, const char *key, const char *s)
{
	/* JSON text is UTF-8 (RFC 8259 §8.1): bytes that are not (e.g. from a peer) become '?'. */
	char *clean = ctl_json_utf8_clean(s ? s : "");

	add(o, key, clean ? json_object_new_string(clean) : NULL);
	free(clean);
}

void ctl_json_add_addr(json_object *o, const char *key, const struct in6_addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	ctl_json_add_str(o, key, inet_ntop(AF_INET6, a, buf, sizeof(buf)));
}

void ctl_json_add_prefix(json_object *o, const char *key, const struct in6_addr *a, unsigned plen)
{
	char buf[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN + 8];

	snprintf(s, sizeof(s), "%s/%u", inet_ntop(AF_INET6, a, buf, sizeof(buf)) ? buf : "?", plen);
	ctl_json_add_str(o, key, s);
}

void ctl_json_add_u64(json_object *o, const char *key, uint64_t v)
{
	add(o, key, json_object_new_uint64(v));
}

void ctl_json_add_i64(json_object *o, const char *key, int64_t v)
{
	add(o, key, json_object_new_int64(v));
}

void ctl_json_add_bool(json_object *o, const char *key, bool v)
{
	add(o, key, json_object_new_boolean(v));
}

void ctl_json_add_ms(json_object *o, const char *key, double v)
{
	char s[64];

	/* json-c writes this text for the value: the one decimal, not %.17g. */
	snprintf(s, sizeof(s), "%.1f", v);
	add(o, key, json_object_new_double_s(v, s));
}

json_object *ctl_json_add_array(json_object *o, const char *key)
{
	json_object *a = o ? json_object_new_array() : NULL;

	add(o, key, a);
	return a && json_object_object_get(o, key) == a ? a : NULL;
}

json_object *ctl_json_add_object(json_object *o, const char *key)
{
	json_object *c = o ? json_object_new_object() : NULL;

	add(o, key, c);
	return c && json_object_object_get(o, key) == c ? c : NULL;
}

void ctl_json_append(json_object *array, json_object *v)
{
	if (!array || json_object_array_add(array, v) < 0)
		json_object_put(v);
}

json_object *ctl_json_append_object(json_object *array)
{
	json_object *c;

	if (!array)
		return NULL;
	c = json_object_new_object();
	if (!c || json_object_array_add(array, c) < 0) {
		json_object_put(c);
		return NULL;
	}
	return c;
}
