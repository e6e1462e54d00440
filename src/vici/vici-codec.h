/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VICI codec (strongSwan's Versatile IKE Control Interface), pure: no I/O, no
 * globals, no logging. Wire format (strongSwan src/libcharon/plugins/vici/README.md):
 *
 *   frame   = len:u32 BE (<= VICI_FRAME_MAX) + packet
 *   packet  = type:u8 [name8, for CMD_REQUEST, EVENT_REGISTER, EVENT_UNREGISTER, EVENT]
 *             [message, for CMD_REQUEST, CMD_RESPONSE, EVENT]
 *   message = element*; name8 = u8 length (1..255) + bytes; value16 = u16 BE length + bytes
 *     1 SECTION_START name8 | 2 SECTION_END | 3 KEY_VALUE name8 value16 |
 *     4 LIST_START name8 | 5 LIST_ITEM value16 | 6 LIST_END
 *
 * Decoding is strict: sections balanced, lists not nested, lists hold items
 * only, items only in lists, names 1..255 bytes, at most VICI_MAX_DEPTH nested
 * sections and VICI_MAX_ELEMENTS elements, no trailing bytes (packet types
 * without a message must end after their name). Malformed input = -EBADMSG.
 *
 * A decoded message is a tree owned by struct vici_msg: a root section whose
 * children (sections, key/values, lists) are kept in wire order. Values are
 * binary-safe (pointer + length) and each carries a NUL terminator after its
 * bytes; the string accessors return NULL for a value with an embedded NUL.
 * All returned pointers stay valid until vici_msg_free().
 *
 * The builder produces a complete frame (length header included). Its add
 * functions record the first error (sticky, like buf_writer): -EINVAL for a
 * misuse (bad name, key inside a list, unbalanced end, element in a packet type
 * without a message), -ENOBUFS when the frame would exceed VICI_FRAME_MAX,
 * -ENOMEM; vici_builder_finish() returns it.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VICI_FRAME_HEADER_LEN 4u
#define VICI_FRAME_MAX (512u * 1024u) /* largest payload length a header may declare */
#define VICI_NAME_MAX 255u
#define VICI_VALUE_MAX 65535u
#define VICI_MAX_DEPTH 32u
#define VICI_MAX_ELEMENTS 65536u

enum vici_packet_type {
	VICI_CMD_REQUEST = 0,
	VICI_CMD_RESPONSE = 1,
	VICI_CMD_UNKNOWN = 2,
	VICI_EVENT_REGISTER = 3,
	VICI_EVENT_UNREGISTER = 4,
	VICI_EVENT_CONFIRM = 5,
	VICI_EVENT_UNKNOWN = 6,
	VICI_EVENT = 7,
	_VICI_PACKET_TYPE_MAX,
	_VICI_PACKET_TYPE_INVALID = -EINVAL,
};

enum vici_element_type {
	VICI_SECTION_START = 1,
	VICI_SECTION_END = 2,
	VICI_KEY_VALUE = 3,
	VICI_LIST_START = 4,
	VICI_LIST_ITEM = 5,
	VICI_LIST_END = 6,
	_VICI_ELEMENT_TYPE_MAX,
	_VICI_ELEMENT_TYPE_INVALID = -EINVAL,
};

enum vici_node_type {
	VICI_NODE_SECTION,
	VICI_NODE_KEY_VALUE,
	VICI_NODE_LIST,
	_VICI_NODE_TYPE_MAX,
	_VICI_NODE_TYPE_INVALID = -EINVAL,
};

struct vici_value {
	const uint8_t *data; /* len bytes, then a NUL */
	size_t len;
};

/* Read-only for callers. */
struct vici_node {
	enum vici_node_type type;
	const char *name; /* NUL-terminated; "" for the root section only */
	size_t name_len;
	struct vici_node *next; /* next sibling in wire order */
	union {
		struct {
			struct vici_node *first, *last;
		} section;
		struct vici_value value; /* VICI_NODE_KEY_VALUE */
		struct {
			struct vici_value *items;
			size_t n_items;
		} list;
	};
};

struct vici_msg {
	enum vici_packet_type type;
	const char *name;      /* the packet name for named types, else NULL */
	struct vici_node root; /* empty for types without a message */
};

const char *vici_packet_type_to_string(enum vici_packet_type t);
bool vici_packet_type_is_named(enum vici_packet_type t);
bool vici_packet_type_has_message(enum vici_packet_type t);

/*
 * Frame header: the payload length a 4-byte header declares. -EBADMSG if it
 * exceeds VICI_FRAME_MAX or is 0 (a packet has at least its type byte).
 */
int vici_frame_header_parse(const uint8_t hdr[static 4], size_t *ret_payload_len);
/* Decode a packet (the payload of one frame, without its length header). */
int vici_packet_decode(const uint8_t *data, size_t len, struct vici_msg **ret);
/* Decode exactly one complete frame (header + payload, nothing after it). */
int vici_frame_decode(const uint8_t *data, size_t len, struct vici_msg **ret);

struct vici_msg *vici_msg_free(struct vici_msg *m);
static inline void vici_msg_freep(struct vici_msg **m)
{
	if (*m)
		vici_msg_free(*m);
}

/* Deep equality: packet type, name, and the trees in order. */
bool vici_msg_equal(const struct vici_msg *a, const struct vici_msg *b);
/* Re-encode a decoded message into a new frame (malloc'd, caller frees). */
int vici_msg_encode(const struct vici_msg *m, uint8_t **ret_frame, size_t *ret_len);

/* ---- lookups; all return NULL when absent or of another node type ---- */

/* Direct child of a section by exact name (first match). */
const struct vici_node *vici_node_child(const struct vici_node *section, const char *name);
/* Dotted path below a section: "child-sas.net.reqid". Names containing '.'
 * cannot be reached this way: walk with vici_node_child() instead. */
const struct vici_node *vici_node_find(const struct vici_node *section, const char *path);
/* A key/value node's value as a string; NULL if not a key/value or it holds a NUL. */
const char *vici_node_str(const struct vici_node *kv);
/* List item i as a string; NULL if out of range or it holds a NUL. */
const char *vici_list_item_str(const struct vici_node *list, size_t i);

/* The same relative to the message root. */
const char *vici_msg_get(const struct vici_msg *m, const char *path);
const struct vici_value *vici_msg_get_value(const struct vici_msg *m, const char *path);
const struct vici_node *vici_msg_get_section(const struct vici_msg *m, const char *path);
const struct vici_node *vici_msg_get_list(const struct vici_msg *m, const char *path);

/* Iterate the children of a section (root: &msg->root), in wire order. */
#define VICI_NODE_FOREACH(child, sec)                                                   \
	for (const struct vici_node *child = (sec)->section.first; child; child = child->next)

/* ---- builder ---- */

struct vici_builder;

/* type: any packet type; name: required (1..255 bytes) exactly for named types. */
int vici_builder_new(enum vici_packet_type type, const char *name, struct vici_builder **ret);
struct vici_builder *vici_builder_free(struct vici_builder *b);
static inline void vici_builder_freep(struct vici_builder **b)
{
	if (*b)
		vici_builder_free(*b);
}
int vici_builder_begin_section(struct vici_builder *b, const char *name);
int vici_builder_end_section(struct vici_builder *b);
int vici_builder_add(struct vici_builder *b, const char *key, const void *value, size_t len);
int vici_builder_add_str(struct vici_builder *b, const char *key, const char *value);
int vici_builder_add_fmt(struct vici_builder *b, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vici_builder_begin_list(struct vici_builder *b, const char *name);
int vici_builder_add_item(struct vici_builder *b, const void *value, size_t len);
int vici_builder_add_item_str(struct vici_builder *b, const char *value);
int vici_builder_end_list(struct vici_builder *b);
/* The packet type and name the builder was created with. */
enum vici_packet_type vici_builder_type(const struct vici_builder *b);
const char *vici_builder_name(const struct vici_builder *b);
/*
 * Check that sections and lists are closed and hand out the frame (header
 * included; malloc'd, caller frees). Returns the first recorded error.
 * The builder stays owned by the caller either way.
 */
int vici_builder_finish(struct vici_builder *b, uint8_t **ret_frame, size_t *ret_len);
