/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VICI codec: README example, every packet type, builder misuse, malformed input. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "vici/vici-codec.h"

/*
 * strongSwan src/libcharon/plugins/vici/README.md, "Message format" example:
 * key1 = value1, section1 { sub-section { key2 = value2 }, list1 = [ item1, item2 ] }
 */
static const uint8_t readme_msg[] = {
	0x03, 0x04, 'k', 'e', 'y', '1', 0x00, 0x06, 'v', 'a', 'l', 'u', 'e', '1',	     /* key1=value1 */
	0x01, 0x08, 's', 'e', 'c', 't', 'i', 'o', 'n', '1',				     /* section1 { */
	0x01, 0x0b, 's', 'u', 'b', '-', 's', 'e', 'c', 't', 'i', 'o', 'n',		     /* sub-section { */
	0x03, 0x04, 'k', 'e', 'y', '2', 0x00, 0x06, 'v', 'a', 'l', 'u', 'e', '2',	     /* key2=value2 */
	0x02,										     /* } */
	0x04, 0x05, 'l', 'i', 's', 't', '1',						     /* list1 = [ */
	0x05, 0x00, 0x05, 'i', 't', 'e', 'm', '1', 0x05, 0x00, 0x05, 'i', 't', 'e', 'm', '2', /* items */
	0x06,										     /* ] */
	0x02,										     /* } */
};

/* Build frame = header + CMD_RESPONSE + readme_msg. */
static size_t make_response_frame(uint8_t *out)
{
	size_t plen = 1 + sizeof(readme_msg);

	out[0] = 0;
	out[1] = 0;
	out[2] = (uint8_t)(plen >> 8);
	out[3] = (uint8_t)plen;
	out[4] = VICI_CMD_RESPONSE;
	memcpy(out + 5, readme_msg, sizeof(readme_msg));
	return 4 + plen;
}

static void build_readme(struct vici_builder *b)
{
	ck_assert_int_eq(vici_builder_add_str(b, "key1", "value1"), 0);
	ck_assert_int_eq(vici_builder_begin_section(b, "section1"), 0);
	ck_assert_int_eq(vici_builder_begin_section(b, "sub-section"), 0);
	ck_assert_int_eq(vici_builder_add_str(b, "key2", "value2"), 0);
	ck_assert_int_eq(vici_builder_end_section(b), 0);
	ck_assert_int_eq(vici_builder_begin_list(b, "list1"), 0);
	ck_assert_int_eq(vici_builder_add_item_str(b, "item1"), 0);
	ck_assert_int_eq(vici_builder_add_item_str(b, "item2"), 0);
	ck_assert_int_eq(vici_builder_end_list(b), 0);
	ck_assert_int_eq(vici_builder_end_section(b), 0);
}

START_TEST(readme_encode)
{
	_cleanup_(vici_builder_freep) struct vici_builder *b = NULL;
	_cleanup_(freep) uint8_t *frame = NULL;
	uint8_t expect[256];
	size_t len, elen = make_response_frame(expect);

	ck_assert_int_eq(vici_builder_new(VICI_CMD_RESPONSE, NULL, &b), 0);
	build_readme(b);
	ck_assert_int_eq(vici_builder_finish(b, &frame, &len), 0);
	ck_assert_uint_eq(len, elen);
	ck_assert_mem_eq(frame, expect, elen);
}
END_TEST

START_TEST(readme_decode)
{
	_cleanup_(vici_msg_freep) struct vici_msg *m = NULL;
	const struct vici_node *n, *sec, *list;
	uint8_t frame[256];
	size_t flen = make_response_frame(frame);

	ck_assert_int_eq(vici_frame_decode(frame, flen, &m), 0);
	ck_assert_int_eq(m->type, VICI_CMD_RESPONSE);
	ck_assert_ptr_null(m->name);
	/* Top level: key1, section1 in that order. */
	n = m->root.section.first;
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(n->type, VICI_NODE_KEY_VALUE);
	ck_assert_str_eq(n->name, "key1");
	ck_assert_str_eq(vici_node_str(n), "value1");
	ck_assert_uint_eq(n->value.len, 6);
	n = n->next;
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(n->type, VICI_NODE_SECTION);
	ck_assert_str_eq(n->name, "section1");
	ck_assert_ptr_null(n->next);

	ck_assert_str_eq(vici_msg_get(m, "key1"), "value1");
	ck_assert_str_eq(vici_msg_get(m, "section1.sub-section.key2"), "value2");
	ck_assert_ptr_null(vici_msg_get(m, "section1"));	       /* not a key/value */
	ck_assert_ptr_null(vici_msg_get(m, "section1.sub-section.x")); /* absent */
	ck_assert_ptr_null(vici_msg_get(m, "key1.x"));
	ck_assert_ptr_null(vici_msg_get(m, ""));
	ck_assert_ptr_null(vici_msg_get(m, "section1..key2"));
	sec = vici_msg_get_section(m, "section1.sub-section");
	ck_assert_ptr_nonnull(sec);
	ck_assert_str_eq(vici_node_str(vici_node_child(sec, "key2")), "value2");
	ck_assert_ptr_null(vici_msg_get_section(m, "key1"));
	list = vici_msg_get_list(m, "section1.list1");
	ck_assert_ptr_nonnull(list);
	ck_assert_uint_eq(list->list.n_items, 2);
	ck_assert_str_eq(vici_list_item_str(list, 0), "item1");
	ck_assert_str_eq(vici_list_item_str(list, 1), "item2");
	ck_assert_ptr_null(vici_list_item_str(list, 2));

	/* Iteration over a section's children. */
	{
		const char *names[4];
		size_t i = 0;

		VICI_NODE_FOREACH(c, vici_msg_get_section(m, "section1"))
			if (i < 4)
				names[i++] = c->name;
		ck_assert_uint_eq(i, 2);
		ck_assert_str_eq(names[0], "sub-section");
		ck_assert_str_eq(names[1], "list1");
	}
}
END_TEST

START_TEST(readme_roundtrip)
{
	_cleanup_(vici_msg_freep) struct vici_msg *m = NULL, *m2 = NULL;
	_cleanup_(freep) uint8_t *out = NULL;
	uint8_t frame[256];
	size_t flen = make_response_frame(frame), olen;

	ck_assert_int_eq(vici_frame_decode(frame, flen, &m), 0);
	ck_assert_int_eq(vici_msg_encode(m, &out, &olen), 0);
	ck_assert_uint_eq(olen, flen);
	ck_assert_mem_eq(out, frame, flen);
	ck_assert_int_eq(vici_frame_decode(out, olen, &m2), 0);
	ck_assert(vici_msg_equal(m, m2));
}
END_TEST

/* Every packet type: header byte, name presence, message presence. */
static const struct {
	enum vici_packet_type type;
	const char *name;
	const uint8_t *wire;
	size_t len;
} packet_vectors[] = {
#define V(t, n, ...)                                                                        \
	{ t, n, (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }) }
	/* CMD_REQUEST "version" with k=v */
	V(VICI_CMD_REQUEST, "version", 0, 0, 0, 15, 0, 7, 'v', 'e', 'r', 's', 'i', 'o', 'n', 3, 1, 'k',
	  0, 1, 'v'),
	V(VICI_CMD_RESPONSE, NULL, 0, 0, 0, 7, 1, 3, 1, 'k', 0, 1, 'v'),
	V(VICI_CMD_UNKNOWN, NULL, 0, 0, 0, 1, 2),
	V(VICI_EVENT_REGISTER, "list-sa", 0, 0, 0, 9, 3, 7, 'l', 'i', 's', 't', '-', 's', 'a'),
	V(VICI_EVENT_UNREGISTER, "log", 0, 0, 0, 5, 4, 3, 'l', 'o', 'g'),
	V(VICI_EVENT_CONFIRM, NULL, 0, 0, 0, 1, 5),
	V(VICI_EVENT_UNKNOWN, NULL, 0, 0, 0, 1, 6),
	V(VICI_EVENT, "ike-updown", 0, 0, 0, 21, 7, 10, 'i', 'k', 'e', '-', 'u', 'p', 'd', 'o', 'w',
	  'n', 3, 2, 'u', 'p', 0, 3, 'y', 'e', 's'),
#undef V
};

START_TEST(packet_types)
{
	static const char *const type_names[] = { "CMD_REQUEST",      "CMD_RESPONSE",  "CMD_UNKNOWN",
						  "EVENT_REGISTER",   "EVENT_UNREGISTER",
						  "EVENT_CONFIRM",    "EVENT_UNKNOWN", "EVENT" };

	for (size_t i = 0; i < ELEMENTSOF(packet_vectors); i++) {
		_cleanup_(vici_builder_freep) struct vici_builder *b = NULL;
		_cleanup_(vici_msg_freep) struct vici_msg *m = NULL;
		_cleanup_(freep) uint8_t *frame = NULL;
		enum vici_packet_type t = packet_vectors[i].type;
		size_t len;

		ck_assert_int_eq(vici_frame_decode(packet_vectors[i].wire, packet_vectors[i].len, &m), 0);
		ck_assert_int_eq(m->type, t);
		if (packet_vectors[i].name)
			ck_assert_str_eq(m->name, packet_vectors[i].name);
		else
			ck_assert_ptr_null(m->name);
		ck_assert_str_eq(vici_packet_type_to_string(t), type_names[t]);

		ck_assert_int_eq(vici_builder_new(t, packet_vectors[i].name, &b), 0);
		if (vici_packet_type_has_message(t)) {
			const char *k = t == VICI_EVENT ? "up" : "k", *v = t == VICI_EVENT ? "yes" : "v";

			ck_assert_str_eq(vici_msg_get(m, k), v);
			ck_assert_int_eq(vici_builder_add_str(b, k, v), 0);
		} else {
			ck_assert_ptr_null(m->root.section.first);
			/* No message: any element is a misuse. */
			ck_assert_int_eq(vici_builder_add_str(b, "k", "v"), -EINVAL);
			vici_builder_free(b);
			ck_assert_int_eq(vici_builder_new(t, packet_vectors[i].name, &b), 0);
		}
		ck_assert_int_eq(vici_builder_finish(b, &frame, &len), 0);
		ck_assert_uint_eq(len, packet_vectors[i].len);
		ck_assert_mem_eq(frame, packet_vectors[i].wire, len);
	}
	ck_assert_ptr_null(vici_packet_type_to_string(_VICI_PACKET_TYPE_MAX));
}
END_TEST

START_TEST(builder_names)
{
	struct vici_builder *b = NULL;
	char long_name[VICI_NAME_MAX + 2];

	/* Named types require a name, others refuse one. */
	ck_assert_int_eq(vici_builder_new(VICI_CMD_REQUEST, NULL, &b), -EINVAL);
	ck_assert_int_eq(vici_builder_new(VICI_CMD_REQUEST, "", &b), -EINVAL);
	ck_assert_int_eq(vici_builder_new(VICI_CMD_RESPONSE, "x", &b), -EINVAL);
	ck_assert_int_eq(vici_builder_new(_VICI_PACKET_TYPE_MAX, NULL, &b), -EINVAL);
	memset(long_name, 'a', sizeof(long_name));
	long_name[VICI_NAME_MAX + 1] = '\0';
	ck_assert_int_eq(vici_builder_new(VICI_EVENT, long_name, &b), -EINVAL);
	long_name[VICI_NAME_MAX] = '\0';
	ck_assert_int_eq(vici_builder_new(VICI_EVENT, long_name, &b), 0);
	ck_assert_int_eq(vici_builder_type(b), VICI_EVENT);
	ck_assert_str_eq(vici_builder_name(b), long_name);
	/* Sticky: the empty key fails, later valid adds fail too. */
	ck_assert_int_eq(vici_builder_add_str(b, "", "v"), -EINVAL);
	ck_assert_int_eq(vici_builder_add_str(b, "k", "v"), -EINVAL);
	vici_builder_free(b);
}
END_TEST

START_TEST(builder_structure)
{
	static const struct {
		const char *what;
		int ops[6]; /* 1 sec start, 2 sec end, 3 kv, 4 list start, 5 item, 6 list end, 0 stop */
		int err;    /* first error (from the op or from finish) */
	} cases[] = {
		{ "end without start", { 2 }, -EINVAL },
		{ "unclosed section", { 1 }, -EINVAL },
		{ "unclosed list", { 4 }, -EINVAL },
		{ "list nested", { 4, 4 }, -EINVAL },
		{ "key in list", { 4, 3 }, -EINVAL },
		{ "section in list", { 4, 1 }, -EINVAL },
		{ "item outside list", { 5 }, -EINVAL },
		{ "list end outside list", { 6 }, -EINVAL },
		{ "section end in list", { 1, 4, 2 }, -EINVAL },
		{ "fine", { 1, 4, 5, 6, 3, 2 }, 0 },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_(vici_builder_freep) struct vici_builder *b = NULL;
		_cleanup_(freep) uint8_t *frame = NULL;
		size_t len;
		int r = 0;

		ck_assert_int_eq(vici_builder_new(VICI_CMD_REQUEST, "c", &b), 0);
		for (size_t j = 0; j < 6 && cases[i].ops[j]; j++) {
			switch (cases[i].ops[j]) {
			case 1: r = vici_builder_begin_section(b, "s"); break;
			case 2: r = vici_builder_end_section(b); break;
			case 3: r = vici_builder_add_str(b, "k", "v"); break;
			case 4: r = vici_builder_begin_list(b, "l"); break;
			case 5: r = vici_builder_add_item_str(b, "i"); break;
			case 6: r = vici_builder_end_list(b); break;
			}
		}
		if (r == 0)
			r = vici_builder_finish(b, &frame, &len);
		ck_assert_msg(r == cases[i].err, "%s: %d != %d", cases[i].what, r, cases[i].err);
	}
}
END_TEST

START_TEST(builder_limits)
{
	_cleanup_(vici_builder_freep) struct vici_builder *b = NULL;
	_cleanup_(vici_msg_freep) struct vici_msg *m = NULL;
	_cleanup_(freep) uint8_t *frame = NULL;
	_cleanup_(freep) uint8_t *big = calloc(1, VICI_VALUE_MAX + 1);
	size_t len, i;
	int r = 0;

	ck_assert_ptr_nonnull(big);
	ck_assert_int_eq(vici_builder_new(VICI_CMD_RESPONSE, NULL, &b), 0);
	ck_assert_int_eq(vici_builder_add(b, "k", big, VICI_VALUE_MAX + 1), -EINVAL);
	vici_builder_free(b);

	/* Binary value with NUL inside: kept, but the string accessor refuses it. */
	ck_assert_int_eq(vici_builder_new(VICI_CMD_RESPONSE, NULL, &b), 0);
	ck_assert_int_eq(vici_builder_add(b, "bin", "a\0b", 3), 0);
	ck_assert_int_eq(vici_builder_add(b, "empty", NULL, 0), 0);
	ck_assert_int_eq(vici_builder_finish(b, &frame, &len), 0);
	ck_assert_int_eq(vici_frame_decode(frame, len, &m), 0);
	ck_assert_ptr_null(vici_msg_get(m, "bin"));
	ck_assert_uint_eq(vici_msg_get_value(m, "bin")->len, 3);
	ck_assert_mem_eq(vici_msg_get_value(m, "bin")->data, "a\0b", 3);
	ck_assert_str_eq(vici_msg_get(m, "empty"), "");
	vici_builder_free(b);
	free(frame);
	frame = NULL;

	/* Up to VICI_FRAME_MAX payload bytes and no more. 8 values of 65535 exceed it. */
	ck_assert_int_eq(vici_builder_new(VICI_CMD_RESPONSE, NULL, &b), 0);
	for (i = 0; i < 8 && r == 0; i++)
		r = vici_builder_add(b, "k", big, VICI_VALUE_MAX);
	ck_assert_int_eq(r, -ENOBUFS);
	ck_assert_uint_eq(i, 8);
	ck_assert_int_eq(vici_builder_finish(b, &frame, &len), -ENOBUFS);
	vici_builder_free(b);

	/* Exactly VICI_FRAME_MAX: 1 type byte + 7 * (1+1+1+2+65535) + rest. */
	ck_assert_int_eq(vici_builder_new(VICI_CMD_RESPONSE, NULL, &b), 0);
	for (i = 0; i < 7; i++)
		ck_assert_int_eq(vici_builder_add(b, "k", big, VICI_VALUE_MAX), 0);
	{
		size_t used = 1 + 7 * (5 + VICI_VALUE_MAX);
		size_t rest = VICI_FRAME_MAX - used - 5;

		ck_assert_int_eq(vici_builder_add(b, "k", big, rest), 0);
		ck_assert_int_eq(vici_builder_finish(b, &frame, &len), 0);
		ck_assert_uint_eq(len, 4 + VICI_FRAME_MAX);
		ck_assert_mem_eq(frame, "\x00\x08\x00\x00", 4);
		vici_msg_free(m);
		m = NULL;
		ck_assert_int_eq(vici_frame_decode(frame, len, &m), 0);
	}
	vici_builder_free(b);
	b = NULL;
}
END_TEST

START_TEST(builder_depth_and_fmt)
{
	_cleanup_(vici_builder_freep) struct vici_builder *b = NULL;
	_cleanup_(vici_msg_freep) struct vici_msg *m = NULL;
	_cleanup_(freep) uint8_t *frame = NULL;
	size_t len;

	ck_assert_int_eq(vici_builder_new(VICI_CMD_REQUEST, "initiate", &b), 0);
	ck_assert_int_eq(vici_builder_add_fmt(b, "timeout", "%u", 1500u), 0);
	for (unsigned i = 0; i < VICI_MAX_DEPTH; i++)
		ck_assert_int_eq(vici_builder_begin_section(b, "s"), 0);
	ck_assert_int_eq(vici_builder_begin_section(b, "s"), -EINVAL);
	vici_builder_free(b);
	ck_assert_int_eq(vici_builder_new(VICI_CMD_REQUEST, "initiate", &b), 0);
	ck_assert_int_eq(vici_builder_add_fmt(b, "timeout", "%u", 1500u), 0);
	ck_assert_int_eq(vici_builder_finish(b, &frame, &len), 0);
	ck_assert_int_eq(vici_frame_decode(frame, len, &m), 0);
	ck_assert_str_eq(m->name, "initiate");
	ck_assert_str_eq(vici_msg_get(m, "timeout"), "1500");
}
END_TEST

/* A list-sa event as charon streams it; iterate the IKE SAs and their children. */
START_TEST(list_sa_event)
{
	_cleanup_(vici_builder_freep) struct vici_builder *b = NULL;
	_cleanup_(vici_msg_freep) struct vici_msg *m = NULL;
	_cleanup_(freep) uint8_t *frame = NULL;
	size_t len, n_ike = 0;

	ck_assert_int_eq(vici_builder_new(VICI_EVENT, "list-sa", &b), 0);
	vici_builder_begin_section(b, "home");
	vici_builder_add_str(b, "uniqueid", "7");
	vici_builder_add_str(b, "local-host", "2001:db8:2::10");
	vici_builder_add_str(b, "remote-host", "2001:db8:1::1");
	vici_builder_add_str(b, "state", "ESTABLISHED");
	vici_builder_begin_section(b, "child-sas");
	vici_builder_begin_section(b, "bu-5");
	vici_builder_add_str(b, "reqid", "11");
	vici_builder_add_str(b, "spi-in", "c1a2b3c4");
	vici_builder_begin_list(b, "local-ts");
	vici_builder_add_item_str(b, "2001:db8:1::100/128[mobility-header]");
	vici_builder_end_list(b);
	vici_builder_end_section(b);
	vici_builder_end_section(b);
	vici_builder_end_section(b);
	ck_assert_int_eq(vici_builder_finish(b, &frame, &len), 0);
	ck_assert_int_eq(vici_frame_decode(frame, len, &m), 0);

	VICI_NODE_FOREACH(ike, &m->root) {
		const struct vici_node *children;

		ck_assert_int_eq(ike->type, VICI_NODE_SECTION);
		ck_assert_str_eq(ike->name, "home");
		ck_assert_str_eq(vici_node_str(vici_node_child(ike, "local-host")), "2001:db8:2::10");
		children = vici_node_child(ike, "child-sas");
		ck_assert_ptr_nonnull(children);
		VICI_NODE_FOREACH(child, children) {
			ck_assert_str_eq(child->name, "bu-5");
			ck_assert_str_eq(vici_node_str(vici_node_find(child, "reqid")), "11");
			ck_assert_str_eq(vici_list_item_str(vici_node_child(child, "local-ts"), 0),
					 "2001:db8:1::100/128[mobility-header]");
		}
		n_ike++;
	}
	ck_assert_uint_eq(n_ike, 1);
	ck_assert_str_eq(vici_msg_get(m, "home.child-sas.bu-5.spi-in"), "c1a2b3c4");
}
END_TEST

/* Every strict prefix of a valid frame fails to decode as a frame. */
START_TEST(every_truncation)
{
	uint8_t frame[256];
	size_t flen = make_response_frame(frame);

	for (size_t n = 0; n < flen; n++) {
		struct vici_msg *m = NULL;
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, frame, n);
		ck_assert_msg(vici_frame_decode(copy, n, &m) == -EBADMSG, "prefix %zu", n);
		ck_assert_ptr_null(m);
		free(copy);
	}
	/* And as a packet: cut the payload; prefixes that end on an element
	 * boundary with balanced structure are valid, all others must fail. */
	for (size_t n = 0; n < flen - 4; n++) {
		struct vici_msg *m = NULL;
		int r = vici_packet_decode(frame + 4, n, &m);

		/* Valid cuts: just the type byte, or after key1=value1. */
		if (n == 1 || n == 1 + 14)
			ck_assert_int_eq(r, 0);
		else
			ck_assert_msg(r == -EBADMSG, "payload prefix %zu: %d", n, r);
		vici_msg_free(m);
	}
}
END_TEST

static const struct {
	const char *what;
	const uint8_t *wire; /* payload (packet), without the frame header */
	size_t len;
} malformed[] = {
#define M(w, ...) { w, (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }) }
	M("unknown packet type", 8),
	M("packet type 255", 0xff),
	M("unbalanced section", 1, 1, 1, 's'),
	M("section end without start", 1, 2),
	M("two section ends", 1, 1, 1, 's', 2, 2),
	M("list nested", 1, 4, 1, 'a', 4, 1, 'b', 6, 6),
	M("key inside list", 1, 4, 1, 'a', 3, 1, 'k', 0, 0, 6),
	M("section inside list", 1, 4, 1, 'a', 1, 1, 's', 2, 6),
	M("section end inside list", 1, 1, 1, 's', 4, 1, 'a', 2, 6, 2),
	M("list item outside list", 1, 5, 0, 1, 'x'),
	M("list end outside list", 1, 6),
	M("unclosed list", 1, 4, 1, 'a', 5, 0, 1, 'x'),
	M("zero-length section name", 1, 1, 0, 2),
	M("zero-length key name", 1, 3, 0, 0, 0),
	M("zero-length list name", 1, 4, 0, 6),
	M("NUL in name", 1, 3, 2, 'a', 0, 0, 0),
	M("element type 0", 1, 0),
	M("element type 7", 1, 7),
	M("element type 200", 1, 200),
	M("name longer than input", 1, 3, 5, 'a', 'b'),
	M("value longer than input", 1, 3, 1, 'k', 0, 5, 'v'),
	M("value length cut", 1, 3, 1, 'k', 0),
	M("zero-length command name", 0, 0),
	M("command name cut", 0, 5, 'a'),
	M("event without name", 7),
	M("trailing byte after CMD_UNKNOWN", 2, 0),
	M("trailing byte after EVENT_CONFIRM", 5, 1),
	M("trailing byte after EVENT_UNKNOWN", 6, 2),
	M("message after EVENT_REGISTER", 3, 1, 'e', 3, 1, 'k', 0, 0),
	M("trailing garbage after message", 1, 3, 1, 'k', 0, 1, 'v', 0xff),
	M("empty packet"),
#undef M
};

START_TEST(malformed_packets)
{
	for (size_t i = 0; i < ELEMENTSOF(malformed); i++) {
		struct vici_msg *m = NULL;
		uint8_t *copy = malloc(malformed[i].len ? malformed[i].len : 1);
		int r;

		memcpy(copy, malformed[i].wire, malformed[i].len);
		r = vici_packet_decode(copy, malformed[i].len, &m);
		ck_assert_msg(r == -EBADMSG, "%s: %d", malformed[i].what, r);
		ck_assert_ptr_null(m);
		free(copy);
	}
}
END_TEST

START_TEST(malformed_frames)
{
	static const uint8_t ok[] = { 0, 0, 0, 1, VICI_CMD_UNKNOWN };
	static const uint8_t trailing[] = { 0, 0, 0, 1, VICI_CMD_UNKNOWN, 0 };
	static const uint8_t too_big[] = { 0, 8, 0, 1, VICI_CMD_UNKNOWN };
	static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff, VICI_CMD_UNKNOWN };
	static const uint8_t zero[] = { 0, 0, 0, 0 };
	struct vici_msg *m = NULL;
	size_t plen;

	ck_assert_int_eq(vici_frame_decode(ok, sizeof(ok), &m), 0);
	vici_msg_free(m);
	m = NULL;
	ck_assert_int_eq(vici_frame_decode(trailing, sizeof(trailing), &m), -EBADMSG);
	ck_assert_int_eq(vici_frame_decode(too_big, sizeof(too_big), &m), -EBADMSG);
	ck_assert_int_eq(vici_frame_decode(huge, sizeof(huge), &m), -EBADMSG);
	ck_assert_int_eq(vici_frame_decode(zero, sizeof(zero), &m), -EBADMSG);
	ck_assert_int_eq(vici_frame_decode(NULL, 0, &m), -EBADMSG);
	ck_assert_ptr_null(m);

	ck_assert_int_eq(vici_frame_header_parse((const uint8_t[]){ 0, 8, 0, 0 }, &plen), 0);
	ck_assert_uint_eq(plen, VICI_FRAME_MAX);
	ck_assert_int_eq(vici_frame_header_parse((const uint8_t[]){ 0, 8, 0, 1 }, &plen), -EBADMSG);
	ck_assert_int_eq(vici_frame_header_parse(zero, &plen), -EBADMSG);
}
END_TEST

START_TEST(decode_limits)
{
	/* VICI_MAX_DEPTH nested sections decode; one more does not. */
	size_t depth = VICI_MAX_DEPTH + 1;
	_cleanup_(freep) uint8_t *p = malloc(1 + depth * 4);
	struct vici_msg *m = NULL;
	size_t n;

	for (size_t limit = VICI_MAX_DEPTH; limit <= depth; limit++) {
		n = 0;
		p[n++] = VICI_CMD_RESPONSE;
		for (size_t i = 0; i < limit; i++) {
			p[n++] = VICI_SECTION_START;
			p[n++] = 1;
			p[n++] = 's';
		}
		for (size_t i = 0; i < limit; i++)
			p[n++] = VICI_SECTION_END;
		ck_assert_int_eq(vici_packet_decode(p, n, &m), limit == VICI_MAX_DEPTH ? 0 : -EBADMSG);
		m = vici_msg_free(m);
	}
}
END_TEST

START_TEST(decode_element_cap)
{
	/* VICI_MAX_ELEMENTS list items in one list (+ start + end) exceed the cap. */
	size_t items = VICI_MAX_ELEMENTS - 1;
	_cleanup_(freep) uint8_t *p = malloc(1 + 3 + items * 3 + 1);
	struct vici_msg *m = NULL;
	size_t n = 0;

	p[n++] = VICI_CMD_RESPONSE;
	p[n++] = VICI_LIST_START;
	p[n++] = 1;
	p[n++] = 'l';
	for (size_t i = 0; i < items - 1; i++) {
		p[n++] = VICI_LIST_ITEM;
		p[n++] = 0;
		p[n++] = 0;
	}
	p[n++] = VICI_LIST_END;
	/* items - 1 items + start + end = VICI_MAX_ELEMENTS: fine. */
	ck_assert_int_eq(vici_packet_decode(p, n, &m), 0);
	ck_assert_uint_eq(vici_msg_get_list(m, "l")->list.n_items, items - 1);
	m = vici_msg_free(m);
	/* One more item is one element too many. */
	n--;
	p[n++] = VICI_LIST_ITEM;
	p[n++] = 0;
	p[n++] = 0;
	p[n++] = VICI_LIST_END;
	ck_assert_int_eq(vici_packet_decode(p, n, &m), -EBADMSG);
	ck_assert_ptr_null(m);
}
END_TEST

START_TEST(equality)
{
	_cleanup_(vici_msg_freep) struct vici_msg *a = NULL, *b = NULL, *c = NULL;

	ck_assert_int_eq(vici_packet_decode((const uint8_t[]){ 1, 3, 1, 'k', 0, 1, 'v' }, 7, &a), 0);
	ck_assert_int_eq(vici_packet_decode((const uint8_t[]){ 1, 3, 1, 'k', 0, 1, 'w' }, 7, &b), 0);
	ck_assert_int_eq(vici_packet_decode((const uint8_t[]){ 1, 3, 1, 'k', 0, 1, 'v' }, 7, &c), 0);
	ck_assert(!vici_msg_equal(a, b));
	ck_assert(vici_msg_equal(a, c));
	ck_assert(!vici_msg_equal(a, NULL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vici-codec");
	TCase *tc = tcase_create("codec");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, readme_encode);
	tcase_add_test(tc, readme_decode);
	tcase_add_test(tc, readme_roundtrip);
	tcase_add_test(tc, packet_types);
	tcase_add_test(tc, builder_names);
	tcase_add_test(tc, builder_structure);
	tcase_add_test(tc, builder_limits);
	tcase_add_test(tc, builder_depth_and_fmt);
	tcase_add_test(tc, list_sa_event);
	tcase_add_test(tc, every_truncation);
	tcase_add_test(tc, malformed_packets);
	tcase_add_test(tc, malformed_frames);
	tcase_add_test(tc, decode_limits);
	tcase_add_test(tc, decode_element_cap);
	tcase_add_test(tc, equality);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
