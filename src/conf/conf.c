/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Minimal first grammar: NodeConfig and DebugLevel. Extended by the full parser. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/conf.h"
#include "core/cleanup.h"

static const char *const role_names[_NODE_ROLE_MAX] = {
	[NODE_ROLE_CN] = "CN",
	[NODE_ROLE_HA] = "HA",
	[NODE_ROLE_MN] = "MN",
};

const char *node_role_to_string(enum node_role r)
{
	return (r >= 0 && r < _NODE_ROLE_MAX) ? role_names[r] : NULL;
}

struct mip6_config *conf_free(struct mip6_config *c)
{
	free(c);
	return NULL;
}

static int fail(char **ret_error, const char *name, int line, int col, const char *fmt, ...)
{
	va_list ap;
	char msg[256];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ret_error && asprintf(ret_error, "%s:%d:%d: %s", name, line, col, msg) < 0)
		*ret_error = NULL;
	return -EINVAL;
}

int conf_load_string(const char *name, const char *text, size_t len, struct mip6_config **ret,
		     char **ret_error)
{
	_cleanup_(conf_freep) struct mip6_config *c = calloc(1, sizeof(*c));
	size_t i = 0;
	int line = 1, lstart = 0;

	if (!c)
		return -ENOMEM;
	c->role = NODE_ROLE_CN;
	while (i < len) {
		char word[64], arg[64];
		size_t w = 0, a = 0;
		int col;

		if (text[i] == '\n') {
			line++;
			lstart = (int)++i;
			continue;
		}
		if (isspace((unsigned char)text[i])) {
			i++;
			continue;
		}
		if (text[i] == '#') {
			while (i < len && text[i] != '\n')
				i++;
			continue;
		}
		col = (int)i - lstart + 1;
		while (i < len && isalnum((unsigned char)text[i]) && w < sizeof(word) - 1)
			word[w++] = text[i++];
		word[w] = 0;
		if (w == 0)
			return fail(ret_error, name, line, col, "unexpected character '%c'", text[i]);
		while (i < len && (text[i] == ' ' || text[i] == '\t'))
			i++;
		while (i < len && !isspace((unsigned char)text[i]) && text[i] != ';' &&
		       a < sizeof(arg) - 1)
			arg[a++] = text[i++];
		arg[a] = 0;
		while (i < len && (text[i] == ' ' || text[i] == '\t'))
			i++;
		if (i >= len || text[i] != ';')
			return fail(ret_error, name, line, (int)i - lstart + 1, "expected ';'");
		i++;
		if (strcasecmp(word, "NodeConfig") == 0) {
			int r;
			for (r = 0; r < _NODE_ROLE_MAX; r++)
				if (strcmp(arg, role_names[r]) == 0)
					break;
			if (r == _NODE_ROLE_MAX)
				return fail(ret_error, name, line, col, "NodeConfig takes CN, HA or MN, not '%s'", arg);
			c->role = (enum node_role)r;
		} else if (strcasecmp(word, "DebugLevel") == 0) {
			char *end;
			long v = strtol(arg, &end, 10);
			if (!*arg || *end || v < 0 || v > 10)
				return fail(ret_error, name, line, col, "DebugLevel takes 0..10");
			c->debug_level = (int)v;
		} else
			return fail(ret_error, name, line, col, "unknown keyword '%s'", word);
	}
	*ret = TAKE_PTR(c);
	return 0;
}

int conf_load_file(const char *path, struct mip6_config **ret, char **ret_error)
{
	_cleanup_(fclosep) FILE *f = fopen(path, "re");
	_cleanup_(freep) char *text = NULL;
	size_t cap = 0, len = 0;

	if (!f) {
		int r = -errno;
		if (ret_error && asprintf(ret_error, "%s: %s", path, strerror(errno)) < 0)
			*ret_error = NULL;
		return r;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *n = realloc(text, cap + 65536);
			if (!n)
				return -ENOMEM;
			text = n;
			cap += 65536;
		}
		size_t got = fread(text + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
		if (len > 4 * 1024 * 1024)
			return fail(ret_error, path, 0, 0, "file too large");
	}
	return conf_load_string(path, text, len, ret, ret_error);
}

int conf_print(const struct mip6_config *c, FILE *f)
{
	fprintf(f, "NodeConfig %s;\n", node_role_to_string(c->role));
	fprintf(f, "DebugLevel %d;\n", c->debug_level);
	return 0;
}
