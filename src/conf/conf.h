/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Configuration: UMIP-compatible mip6d.conf grammar parsed into an immutable
 * struct mip6_config. Parsing never touches the running daemon: a reload
 * parses a new object, validates it, then the manager swaps pointers.
 * Errors are reported as "file:line:column: message" in *ret_error.
 */
#pragma once

#include <errno.h>
#include <stdio.h>

enum node_role {
	NODE_ROLE_CN,
	NODE_ROLE_HA,
	NODE_ROLE_MN,
	_NODE_ROLE_MAX,
	_NODE_ROLE_INVALID = -EINVAL,
};

struct mip6_config {
	enum node_role role;
	int debug_level;
};

const char *node_role_to_string(enum node_role r);

int conf_load_file(const char *path, struct mip6_config **ret, char **ret_error);
int conf_load_string(const char *name, const char *text, size_t len, struct mip6_config **ret,
		     char **ret_error);
/* Print the normalised configuration (what `mip6d -n` shows). */
int conf_print(const struct mip6_config *c, FILE *f);
struct mip6_config *conf_free(struct mip6_config *c);
static inline void conf_freep(struct mip6_config **c)
{
	conf_free(*c);
}
