/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the persistent binding cache's parser (src/ha/bcache-store.h): the state
 * file is read at start, after a crash, from a disk that may hold anything. Every
 * record delivered is rebuilt; the rebuilt bytes must be the bytes at that place
 * (the parser accepts exactly what the builder writes) and must parse again. The
 * valid prefix must itself parse without error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ha/bcache-store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct walk {
	const uint8_t *data;
	size_t off;
};

static int check_record(const struct bcs_record *r, void *ud)
{
	struct walk *w = ud;
	uint8_t b[BCS_RECORD_MAX];
	int len = bcs_record_build(r, b, sizeof(b));

	if (len <= 0 || memcmp(b, w->data + w->off, (size_t)len) != 0)
		abort();
	w->off += (size_t)len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct walk w = { .data = data, .off = BCS_HEADER_LEN };
	const char *why;
	size_t good, good2;
	int r;

	r = bcs_parse(data, size, check_record, &w, &good, &why);
	if (r == 0 && (good != size || w.off != size))
		abort();
	if (r < 0 && (!why || good > size))
		abort();
	if (good >= BCS_HEADER_LEN) {
		if (w.off != good)
			abort();
		if (bcs_parse(data, good, NULL, NULL, &good2, &why) != 0 || good2 != good)
			abort();
	}
	return 0;
}
