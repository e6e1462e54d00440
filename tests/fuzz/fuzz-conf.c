/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the mip6d.conf parser (includes disabled: the fuzzer must not read
 * files). A configuration that parses must print, the printed text must
 * parse again, and printing that must give the same text (fixed point).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *print_to_string(const struct mip6_config *c, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	if (conf_print(c, f) < 0)
		abort();
	if (fclose(f) != 0)
		abort();
	*ret_len = len;
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mip6_config *c = NULL, *c2 = NULL;
	char *err = NULL, *out1, *out2;
	size_t len1, len2;
	int r;

	if (size > 65536)
		return 0;
	r = conf_load_string_flags("fuzz", (const char *)data, size, CONF_LOAD_NO_INCLUDE, &c, &err);
	if (r < 0) {
		/* Every failure explains itself, except running out of memory. */
		if (r != -ENOMEM && (!err || strncmp(err, "fuzz", 4) != 0))
			abort();
		free(err);
		return 0;
	}
	out1 = print_to_string(c, &len1);
	r = conf_load_string_flags("printed", out1, len1, CONF_LOAD_NO_INCLUDE, &c2, &err);
	if (r < 0) {
		fprintf(stderr, "printed configuration does not parse: %s\n%s", err, out1);
		abort();
	}
	out2 = print_to_string(c2, &len2);
	if (len1 != len2 || memcmp(out1, out2, len1) != 0) {
		fprintf(stderr, "print is not a fixed point:\n%s\n---\n%s", out1, out2);
		abort();
	}
	free(out1);
	free(out2);
	conf_free(c);
	conf_free(c2);
	return 0;
}
