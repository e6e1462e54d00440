/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz the mip6d.conf parser; a parsed config must also print. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "conf/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mip6_config *c = NULL;
	char *err = NULL;
	FILE *null;

	if (size > 65536)
		return 0;
	if (conf_load_string("fuzz", (const char *)data, size, &c, &err) == 0) {
		null = fopen("/dev/null", "w");
		if (null) {
			conf_print(c, null);
			fclose(null);
		}
		conf_free(c);
	}
	free(err);
	return 0;
}
