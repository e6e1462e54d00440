/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VICI codec: see vici-codec.h for the contract. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "vici/vici-codec.h"

static const char *const packet_type_names[_VICI_PACKET_TYPE_MAX] = {
	[VICI_CMD_REQUEST] = "CMD_REQUEST",	      [VICI_CMD_RESPONSE] = "CMD_RESPONSE",
	[VICI_CMD_UNKNOWN] = "CMD_UNKNOWN",	      [VICI_EVENT_REGISTER] = "EVENT_REGISTER",
	[VICI_EVENT_UNREGISTER] = "EVENT_UNREGISTER", [VICI_EVENT_CONFIRM] = "EVENT_CONFIRM",
	[VICI_EVENT_UNKNOWN] = "EVENT_UNKNOWN",	      [VICI_EVENT] = "EVENT",
};

const char *vici_packet_type_to_string(enum vici_packet_type t)
{
	if ((int)t < 0 || t >= _VICI_PACKET_TYPE_MAX)
		return NULL;
	return packet_type_names[t];
}

bool vici_packet_type_is_named(enum vici_packet_type t)
{
	return t == VICI_CMD_REQUEST || t == VICI_EVENT_REGISTER || t == VICI_EVENT_UNREGISTER ||
	       t == VICI_EVENT;
}

bool vici_packet_type_has_message(enum vici_packet_type t)
{
	return t == VICI_CMD_REQUEST || t == VICI_CMD_RESPONSE || t == VICI_EVENT;
}

/* ---------------------------------------------------------------- tree */

static void value_free(struct vici_value *v)
{
	free((void *)v->data);
	v->data = NULL;
	v->len = 0;
}

static void node_free_children(struct vici_node *sec);

static void node_free(struct vici_node *n)
{
	switch (n->type) {
	case VICI_NODE_SECTION:
		node_free_children(n);
		break;
	case VICI_NODE_KEY_VALUE:
		value_free(&n->value);
		break;
	case VICI_NODE_LIST:
		for (size_t i = 0; i < n->list.n_items; i++)
			value_free(&n->list.items[i]);
		free(n->list.items);
		break;
	default:
		break;
	}
	free(n);
}

/* Recursion depth is bounded by VICI_MAX_DEPTH. */
static void node_free_children(struct vici_node *sec)
{
	struct vici_node *c = sec->section.first, *next;

	for (; c; c = next) {
		next = c->next;
		node_free(c);
	}
	sec->section.first = sec->section.last = NULL;
}

struct vici_msg *vici_msg_free(struct vici_msg *m)
{
	if (!m)
		return NULL;
	node_free_children(&m->root);
	free((void *)m->name);
	free(m);
	return NULL;
}

static struct vici_node *node_new(enum vici_node_type type, const uint8_t *name, size_t name_len)
{
	struct vici_node *n = calloc(1, sizeof(*n) + name_len + 1);
	char *s;

	if (!n)
		return NULL;
	s = (char *)(n + 1);
	memcpy(s, name, name_len);
	s[name_len] = '\0';
	n->type = type;
	n->name = s;
	n->name_len = name_len;
	return n;
}

static void section_append(struct vici_node *sec, struct vici_node *n)
{
	if (sec->section.last)
		sec->section.last->next = n;
	else
		sec->section.first = n;
	sec->section.last = n;
}

static int value_dup(const uint8_t *data, size_t len, struct vici_value *ret)
{
	uint8_t *p = malloc(len + 1);

	if (!p)
		return -ENOMEM;
	if (len)
		memcpy(p, data, len);
	p[len] = '\0';
	ret->data = p;
	ret->len = len;
	return 0;
}

/* --------------------------------------------------------------- decode */

/* name8: 1..255 bytes, no NUL inside (names are identifiers; the builder takes C strings). */
static int get_name8(struct buf_reader *r, const uint8_t **ret_name, size_t *ret_len)
{
	uint8_t n;
	int k;

	k = buf_get_u8(r, &n);
	if (k < 0)
		return k;
	if (n == 0 || buf_left(r) < n)
		return -EBADMSG;
	if (memchr(buf_cur(r), '\0', n))
		return -EBADMSG;
	*ret_name = buf_cur(r);
	*ret_len = n;
	return buf_skip(r, n);
}

static int get_value16(struct buf_reader *r, const uint8_t **ret_data, size_t *ret_len)
{
	uint16_t n;
	int k;

	k = buf_get_u16(r, &n);
	if (k < 0)
		return k;
	if (buf_left(r) < n)
		return -EBADMSG;
	*ret_data = buf_cur(r);
	*ret_len = n;
	return buf_skip(r, n);
}

static int list_append(struct vici_node *list, const uint8_t *data, size_t len)
{
	size_t n = list->list.n_items;
	int r;

	/* Grow at powers of two. */
	if ((n & (n - 1)) == 0) {
		size_t cap = n ? n * 2 : 4;
		struct vici_value *items = reallocarray(list->list.items, cap, sizeof(*items));

		if (!items)
			return -ENOMEM;
		list->list.items = items;
	}
	r = value_dup(data, len, &list->list.items[n]);
	if (r < 0)
		return r;
	list->list.n_items = n + 1;
	return 0;
}

static int decode_message(struct buf_reader *r, struct vici_node *root)
{
	struct vici_node *stack[VICI_MAX_DEPTH + 1];
	struct vici_node *list = NULL;
	size_t depth = 0, count = 0;
	const uint8_t *name, *val;
	size_t name_len, val_len;
	uint8_t type;
	int k;

	stack[0] = root;
	while (buf_left(r) > 0) {
		struct vici_node *n;

		if (++count > VICI_MAX_ELEMENTS)
			return -EBADMSG;
		k = buf_get_u8(r, &type);
		if (k < 0)
			return k;
		if (list && type != VICI_LIST_ITEM && type != VICI_LIST_END)
			return -EBADMSG;
		switch (type) {
		case VICI_SECTION_START:
			if (depth >= VICI_MAX_DEPTH)
				return -EBADMSG;
			k = get_name8(r, &name, &name_len);
			if (k < 0)
				return k;
			n = node_new(VICI_NODE_SECTION, name, name_len);
			if (!n)
				return -ENOMEM;
			section_append(stack[depth], n);
			stack[++depth] = n;
			break;
		case VICI_SECTION_END:
			if (depth == 0)
				return -EBADMSG;
			depth--;
			break;
		case VICI_KEY_VALUE:
			k = get_name8(r, &name, &name_len);
			if (k < 0)
				return k;
			k = get_value16(r, &val, &val_len);
			if (k < 0)
				return k;
			n = node_new(VICI_NODE_KEY_VALUE, name, name_len);
			if (!n)
				return -ENOMEM;
			section_append(stack[depth], n);
			k = value_dup(val, val_len, &n->value);
			if (k < 0)
				return k;
			break;
		case VICI_LIST_START:
			k = get_name8(r, &name, &name_len);
			if (k < 0)
				return k;
			n = node_new(VICI_NODE_LIST, name, name_len);
			if (!n)
				return -ENOMEM;
			section_append(stack[depth], n);
			list = n;
			break;
		case VICI_LIST_ITEM:
			if (!list)
				return -EBADMSG;
			k = get_value16(r, &val, &val_len);
			if (k < 0)
				return k;
			k = list_append(list, val, val_len);
			if (k < 0)
				return k;
			break;
		case VICI_LIST_END:
			if (!list)
				return -EBADMSG;
			list = NULL;
			break;
		default:
			return -EBADMSG;
		}
	}
	if (depth != 0 || list)
		return -EBADMSG;
	return 0;
}

int vici_frame_header_parse(const uint8_t hdr[static 4], size_t *ret_payload_len)
{
	uint32_t len = ((uint32_t)hdr[0] << 24) | ((uint32_t)hdr[1] << 16) | ((uint32_t)hdr[2] << 8) |
		       hdr[3];

	if (len == 0 || len > VICI_FRAME_MAX)
		return -EBADMSG;
	*ret_payload_len = len;
	return 0;
}

int vici_packet_decode(const uint8_t *data, size_t len, struct vici_msg **ret)
{
	_cleanup_(vici_msg_freep) struct vici_msg *m = NULL;
	struct buf_reader r;
	uint8_t type;
	int k;

	if (!ret)
		return -EINVAL;
	if (len > VICI_FRAME_MAX)
		return -EBADMSG;
	buf_reader_init(&r, data, len);
	k = buf_get_u8(&r, &type);
	if (k < 0)
		return k;
	if (type >= _VICI_PACKET_TYPE_MAX)
		return -EBADMSG;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->type = type;
	m->root.type = VICI_NODE_SECTION;
	m->root.name = "";
	if (vici_packet_type_is_named(type)) {
		const uint8_t *name;
		size_t name_len;
		char *s;

		k = get_name8(&r, &name, &name_len);
		if (k < 0)
			return k;
		s = strndup((const char *)name, name_len);
		if (!s)
			return -ENOMEM;
		m->name = s;
	}
	if (vici_packet_type_has_message(type)) {
		k = decode_message(&r, &m->root);
		if (k < 0)
			return k;
	} else if (buf_left(&r) > 0)
		return -EBADMSG;
	*ret = TAKE_PTR(m);
	return 0;
}

int vici_frame_decode(const uint8_t *data, size_t len, struct vici_msg **ret)
{
	size_t plen;
	int k;

	if (!data || len < VICI_FRAME_HEADER_LEN)
		return -EBADMSG;
	k = vici_frame_header_parse(data, &plen);
	if (k < 0)
		return k;
	if (len - VICI_FRAME_HEADER_LEN != plen)
		return -EBADMSG;
	return vici_packet_decode(data + VICI_FRAME_HEADER_LEN, plen, ret);
}

/* -------------------------------------------------------------- lookups */

const struct vici_node *vici_node_child(const struct vici_node *section, const char *name)
{
	size_t n;

	if (!section || !name || section->type != VICI_NODE_SECTION)
		return NULL;
	n = strlen(name);
	VICI_NODE_FOREACH(c, section)
		if (c->name_len == n && memcmp(c->name, name, n) == 0)
			return c;
	return NULL;
}

const struct vici_node *vici_node_find(const struct vici_node *section, const char *path)
{
	const struct vici_node *cur = section;

	if (!section || !path)
		return NULL;
	for (;;) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		const struct vici_node *next = NULL;

		if (!cur || cur->type != VICI_NODE_SECTION || n == 0)
			return NULL;
		VICI_NODE_FOREACH(c, cur)
			if (c->name_len == n && memcmp(c->name, path, n) == 0) {
				next = c;
				break;
			}
		if (!dot)
			return next;
		cur = next;
		path = dot + 1;
	}
}

static const char *value_str(const struct vici_value *v)
{
	if (memchr(v->data, '\0', v->len))
		return NULL;
	return (const char *)v->data;
}

const char *vici_node_str(const struct vici_node *kv)
{
	if (!kv || kv->type != VICI_NODE_KEY_VALUE)
		return NULL;
	return value_str(&kv->value);
}

const char *vici_list_item_str(const struct vici_node *list, size_t i)
{
	if (!list || list->type != VICI_NODE_LIST || i >= list->list.n_items)
		return NULL;
	return value_str(&list->list.items[i]);
}

static const struct vici_node *msg_find(const struct vici_msg *m, const char *path,
					enum vici_node_type type)
{
	const struct vici_node *n;

	if (!m)
		return NULL;
	n = vici_node_find(&m->root, path);
	return n && n->type == type ? n : NULL;
}

const char *vici_msg_get(const struct vici_msg *m, const char *path)
{
	return vici_node_str(msg_find(m, path, VICI_NODE_KEY_VALUE));
}

const struct vici_value *vici_msg_get_value(const struct vici_msg *m, const char *path)
{
	const struct vici_node *n = msg_find(m, path, VICI_NODE_KEY_VALUE);

	return n ? &n->value : NULL;
}

const struct vici_node *vici_msg_get_section(const struct vici_msg *m, const char *path)
{
	return msg_find(m, path, VICI_NODE_SECTION);
}

const struct vici_node *vici_msg_get_list(const struct vici_msg *m, const char *path)
{
	return msg_find(m, path, VICI_NODE_LIST);
}

/* ------------------------------------------------------------- equality */

static bool value_equal(const struct vici_value *a, const struct vici_value *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static bool section_equal(const struct vici_node *a, const struct vici_node *b)
{
	const struct vici_node *x = a->section.first, *y = b->section.first;

	for (; x && y; x = x->next, y = y->next) {
		if (x->type != y->type || x->name_len != y->name_len ||
		    memcmp(x->name, y->name, x->name_len) != 0)
			return false;
		switch (x->type) {
		case VICI_NODE_SECTION:
			if (!section_equal(x, y))
				return false;
			break;
		case VICI_NODE_KEY_VALUE:
			if (!value_equal(&x->value, &y->value))
				return false;
			break;
		case VICI_NODE_LIST:
			if (x->list.n_items != y->list.n_items)
				return false;
			for (size_t i = 0; i < x->list.n_items; i++)
				if (!value_equal(&x->list.items[i], &y->list.items[i]))
					return false;
			break;
		default:
			return false;
		}
	}
	return !x && !y;
}

bool vici_msg_equal(const struct vici_msg *a, const struct vici_msg *b)
{
	if (!a || !b)
		return a == b;
	if (a->type != b->type || !a->name != !b->name)
		return false;
	if (a->name && strcmp(a->name, b->name) != 0)
		return false;
	return section_equal(&a->root, &b->root);
}

/* -------------------------------------------------------------- builder */

struct vici_builder {
	enum vici_packet_type type;
	char *name;
	uint8_t *buf;
	size_t len, cap; /* bytes of the frame written so far (header included) */
	unsigned depth;
	bool in_list;
	int err; /* sticky */
};

static int builder_fail(struct vici_builder *b, int err)
{
	if (b->err == 0)
		b->err = err;
	return b->err;
}

static int builder_put(struct vici_builder *b, const void *data, size_t n)
{
	if (b->err)
		return b->err;
	if (VICI_FRAME_HEADER_LEN + VICI_FRAME_MAX - b->len < n)
		return builder_fail(b, -ENOBUFS);
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *p;

		while (cap - b->len < n)
			cap *= 2;
		p = realloc(b->buf, cap);
		if (!p)
			return builder_fail(b, -ENOMEM);
		b->buf = p;
		b->cap = cap;
	}
	if (n)
		memcpy(b->buf + b->len, data, n);
	b->len += n;
	return 0;
}

static int builder_put_u8(struct vici_builder *b, uint8_t v)
{
	return builder_put(b, &v, 1);
}

static int builder_put_name8(struct vici_builder *b, const char *name)
{
	size_t n;

	if (!name)
		return builder_fail(b, -EINVAL);
	n = strlen(name);
	if (n == 0 || n > VICI_NAME_MAX)
		return builder_fail(b, -EINVAL);
	builder_put_u8(b, (uint8_t)n);
	return builder_put(b, name, n);
}

static int builder_put_value16(struct vici_builder *b, const void *value, size_t len)
{
	uint8_t hdr[2];

	if (len > VICI_VALUE_MAX || (!value && len))
		return builder_fail(b, -EINVAL);
	hdr[0] = (uint8_t)(len >> 8);
	hdr[1] = (uint8_t)len;
	builder_put(b, hdr, 2);
	return builder_put(b, value, len);
}

/* May an element of this kind be added now? */
static int builder_check(struct vici_builder *b, bool list_element)
{
	if (b->err)
		return b->err;
	if (!vici_packet_type_has_message(b->type) || b->in_list != list_element)
		return builder_fail(b, -EINVAL);
	return 0;
}

int vici_builder_new(enum vici_packet_type type, const char *name, struct vici_builder **ret)
{
	_cleanup_(vici_builder_freep) struct vici_builder *b = NULL;
	uint8_t zero[VICI_FRAME_HEADER_LEN] = { 0 };

	if (!ret || (int)type < 0 || type >= _VICI_PACKET_TYPE_MAX)
		return -EINVAL;
	if (vici_packet_type_is_named(type) != !!name)
		return -EINVAL;
	if (name && (name[0] == '\0' || strlen(name) > VICI_NAME_MAX))
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->type = type;
	if (name) {
		b->name = strdup(name);
		if (!b->name)
			return -ENOMEM;
	}
	builder_put(b, zero, sizeof(zero));
	builder_put_u8(b, (uint8_t)type);
	if (name)
		builder_put_name8(b, name);
	if (b->err)
		return b->err;
	*ret = TAKE_PTR(b);
	return 0;
}

struct vici_builder *vici_builder_free(struct vici_builder *b)
{
	if (!b)
		return NULL;
	free(b->name);
	free(b->buf);
	free(b);
	return NULL;
}

enum vici_packet_type vici_builder_type(const struct vici_builder *b)
{
	return b->type;
}

const char *vici_builder_name(const struct vici_builder *b)
{
	return b->name;
}

int vici_builder_begin_section(struct vici_builder *b, const char *name)
{
	if (builder_check(b, false) < 0)
		return b->err;
	if (b->depth >= VICI_MAX_DEPTH)
		return builder_fail(b, -EINVAL);
	builder_put_u8(b, VICI_SECTION_START);
	if (builder_put_name8(b, name) < 0)
		return b->err;
	b->depth++;
	return 0;
}

int vici_builder_end_section(struct vici_builder *b)
{
	if (builder_check(b, false) < 0)
		return b->err;
	if (b->depth == 0)
		return builder_fail(b, -EINVAL);
	if (builder_put_u8(b, VICI_SECTION_END) < 0)
		return b->err;
	b->depth--;
	return 0;
}

int vici_builder_add(struct vici_builder *b, const char *key, const void *value, size_t len)
{
	if (builder_check(b, false) < 0)
		return b->err;
	builder_put_u8(b, VICI_KEY_VALUE);
	builder_put_name8(b, key);
	return builder_put_value16(b, value, len);
}

int vici_builder_add_str(struct vici_builder *b, const char *key, const char *value)
{
	if (!value)
		return builder_fail(b, -EINVAL);
	return vici_builder_add(b, key, value, strlen(value));
}

int vici_builder_add_fmt(struct vici_builder *b, const char *key, const char *fmt, ...)
{
	_cleanup_(freep) char *s = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		s = NULL;
		return builder_fail(b, -ENOMEM);
	}
	return vici_builder_add(b, key, s, (size_t)n);
}

int vici_builder_begin_list(struct vici_builder *b, const char *name)
{
	if (builder_check(b, false) < 0)
		return b->err;
	builder_put_u8(b, VICI_LIST_START);
	if (builder_put_name8(b, name) < 0)
		return b->err;
	b->in_list = true;
	return 0;
}

int vici_builder_add_item(struct vici_builder *b, const void *value, size_t len)
{
	if (builder_check(b, true) < 0)
		return b->err;
	builder_put_u8(b, VICI_LIST_ITEM);
	return builder_put_value16(b, value, len);
}

int vici_builder_add_item_str(struct vici_builder *b, const char *value)
{
	if (!value)
		return builder_fail(b, -EINVAL);
	return vici_builder_add_item(b, value, strlen(value));
}

int vici_builder_end_list(struct vici_builder *b)
{
	if (builder_check(b, true) < 0)
		return b->err;
	if (builder_put_u8(b, VICI_LIST_END) < 0)
		return b->err;
	b->in_list = false;
	return 0;
}

int vici_builder_finish(struct vici_builder *b, uint8_t **ret_frame, size_t *ret_len)
{
	size_t plen;
	uint8_t *p;

	if (!b || !ret_frame || !ret_len)
		return -EINVAL;
	if (b->err)
		return b->err;
	if (b->depth != 0 || b->in_list)
		return builder_fail(b, -EINVAL);
	plen = b->len - VICI_FRAME_HEADER_LEN;
	p = malloc(b->len);
	if (!p)
		return -ENOMEM;
	memcpy(p, b->buf, b->len);
	p[0] = (uint8_t)(plen >> 24);
	p[1] = (uint8_t)(plen >> 16);
	p[2] = (uint8_t)(plen >> 8);
	p[3] = (uint8_t)plen;
	*ret_frame = p;
	*ret_len = b->len;
	return 0;
}

/* ------------------------------------------------------------ re-encode */

static int encode_section(struct vici_builder *b, const struct vici_node *sec)
{
	VICI_NODE_FOREACH(c, sec) {
		switch (c->type) {
		case VICI_NODE_SECTION:
			vici_builder_begin_section(b, c->name);
			encode_section(b, c);
			vici_builder_end_section(b);
			break;
		case VICI_NODE_KEY_VALUE:
			vici_builder_add(b, c->name, c->value.data, c->value.len);
			break;
		case VICI_NODE_LIST:
			vici_builder_begin_list(b, c->name);
			for (size_t i = 0; i < c->list.n_items; i++)
				vici_builder_add_item(b, c->list.items[i].data, c->list.items[i].len);
			vici_builder_end_list(b);
			break;
		default:
			return builder_fail(b, -EINVAL);
		}
		if (b->err)
			return b->err;
	}
	return 0;
}

int vici_msg_encode(const struct vici_msg *m, uint8_t **ret_frame, size_t *ret_len)
{
	_cleanup_(vici_builder_freep) struct vici_builder *b = NULL;
	int r;

	if (!m)
		return -EINVAL;
	r = vici_builder_new(m->type, m->name, &b);
	if (r < 0)
		return r;
	r = encode_section(b, &m->root);
	if (r < 0)
		return r;
	return vici_builder_finish(b, ret_frame, ret_len);
}
