/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the VICI frame decoder. The input is a frame (length header + packet).
 * A decoded message must re-encode, and the re-encoded frame must decode to an
 * equal message and be byte-identical to the input (the encoding is canonical).
 * A decoded event also goes through charon's IKE-move parser (plugins/ike-event.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike-event.h"
#include "vici/vici-codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vici_msg *m = NULL, *m2 = NULL;
	uint8_t *out = NULL;
	size_t out_len;
	struct ike_moved mv;

	if (vici_frame_decode(data, size, &m) < 0)
		return 0;
	if (vici_msg_encode(m, &out, &out_len) < 0)
		abort();
	if (out_len != size || memcmp(out, data, size) != 0)
		abort();
	if (vici_frame_decode(out, out_len, &m2) < 0)
		abort();
	if (!vici_msg_equal(m, m2))
		abort();
	/* Exercise the lookups on whatever came in. */
	VICI_NODE_FOREACH(n, &m->root) {
		(void)vici_node_str(n);
		(void)vici_list_item_str(n, 0);
		(void)vici_node_child(n, "child-sas");
	}
	(void)vici_msg_get(m, "a.b.c");
	if (ike_event_parse(m, &mv) == 1 && !mv.from_log && !mv.has_hosts)
		abort(); /* an ike-update move always names the new endpoints */
	vici_msg_free(m);
	vici_msg_free(m2);
	free(out);
	return 0;
}
