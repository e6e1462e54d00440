/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mip6d.conf parser: a hand-written lexer (with an include stack) and a
 * table-driven recursive-descent parser for UMIP's grammar, then semantic
 * validation. See conf.h for the grammar, the extensions and the limits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <glob.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "ha/ha-addr.h"
#include "mh/mh-socket.h"
#include "core/cleanup.h"

#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif

#define CONF_MAX_SIZE (4u * 1024 * 1024) /* per file, and all files together */
#define CONF_MAX_TOKEN 255
#define CONF_MAX_STRING 1023
#define CONF_MAX_INCLUDE_DEPTH 8
#define CONF_MAX_FILES 64
#define CONF_MAX_SECONDS 3600
#define USEC_PER_SEC 1000000ULL
#define SUN_PATH_MAX 107 /* sizeof(sockaddr_un.sun_path) - 1 */

static const char *const role_names[_NODE_ROLE_MAX] = {
	[NODE_ROLE_CN] = "CN",
	[NODE_ROLE_HA] = "HA",
	[NODE_ROLE_MN] = "MN",
};

static const char *const ipsec_type_names[_CONF_IPSEC_MAX] = {
	[CONF_IPSEC_HOME_REG_BINDING] = "HomeRegBinding",
	[CONF_IPSEC_MH] = "Mh",
	[CONF_IPSEC_MOB_PFX_DISC] = "MobPfxDisc",
	[CONF_IPSEC_ICMP] = "ICMP",
	[CONF_IPSEC_ANY] = "any",
	[CONF_IPSEC_TUNNEL_HOME_TESTING] = "TunnelHomeTesting",
	[CONF_IPSEC_TUNNEL_MH] = "TunnelMh",
	[CONF_IPSEC_TUNNEL_PAYLOAD] = "TunnelPayload",
};

static const char *const key_management_names[_CONF_KEY_MANAGEMENT_MAX] = {
	[CONF_KEY_MANAGEMENT_STRONGSWAN] = "strongswan",
	[CONF_KEY_MANAGEMENT_STATIC] = "static",
};

const char *node_role_to_string(enum node_role r)
{
	return (r >= 0 && r < _NODE_ROLE_MAX) ? role_names[r] : NULL;
}

const char *conf_ipsec_type_to_string(enum conf_ipsec_type t)
{
	return (t >= 0 && t < _CONF_IPSEC_MAX) ? ipsec_type_names[t] : NULL;
}

const char *conf_key_management_to_string(enum conf_key_management k)
{
	return (k >= 0 && k < _CONF_KEY_MANAGEMENT_MAX) ? key_management_names[k] : NULL;
}

static int lookup(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -EINVAL;
}

struct mip6_config *conf_free(struct mip6_config *c)
{
	if (!c)
		return NULL;
	free(c->debug_log_file);
	free(c->policy_module);
	free(c->vici_socket);
	free(c->static_key_file);
	free(c->control_socket);
	free(c->control_socket_group);
	free(c->interfaces);
	for (size_t i = 0; i < c->n_home_links; i++) {
		free(c->home_links[i].mnps);
		free(c->home_links[i].ro_policies);
	}
	free(c->home_links);
	free(c->ha_served_prefixes);
	for (size_t i = 0; i < c->n_binding_acls; i++)
		free(c->binding_acls[i].mnps);
	free(c->binding_acls);
	for (size_t i = 0; i < c->n_ipsec_policy_sets; i++) {
		free(c->ipsec_policy_sets[i].hoas);
		free(c->ipsec_policy_sets[i].policies);
		free(c->ipsec_policy_sets[i].ike_conn);
	}
	free(c->ipsec_policy_sets);
	free(c->cn_binding_policies);
	free(c->unimplemented);
	for (size_t i = 0; i < c->n_warnings; i++)
		free(c->warnings[i]);
	free(c->warnings);
	for (size_t i = 0; i < c->n_files; i++)
		free(c->files[i]);
	free(c->files);
	free(c);
	return NULL;
}

static int conf_defaults(struct mip6_config *c)
{
	c->role = NODE_ROLE_CN;
	c->do_route_optimization_cn = true;
	c->do_route_optimization_mn = true;
	c->use_mn_ha_ipsec = true;
	c->ha_max_binding_life = CONF_MAX_LIFETIME;
	c->ha_max_bindings = 65536;
	c->ha_max_registrations_per_sec = 1000;
	c->binding_errors_per_sec = 10;
	c->rejected_bu_log_per_sec = 10;
	c->mh_receive_buffer = MH_SOCKET_RCVBUF;
	c->send_mob_pfx_advs = true;
	c->send_unsol_mob_pfx_advs = true;
	c->min_mob_pfx_adv_interval = 600;
	c->max_mob_pfx_adv_interval = 86400;
	c->default_binding_acl_allow = true;
	c->mn_max_ha_binding_life = CONF_MAX_LIFETIME;
	c->mn_max_cn_binding_life = CONF_MAX_RR_LIFETIME;
	c->mn_max_learnt_cns = 64;
	c->mn_max_ha_consecutive_resends = 5;
	c->send_mob_pfx_sols = true;
	c->mob_rtr_use_explicit_mode = true;
	c->interface_initial_init_delay_usec = 2 * USEC_PER_SEC;
	c->initial_bindack_timeout_first_reg_usec = 1500000;
	c->initial_bindack_timeout_rereg_usec = USEC_PER_SEC;
	c->initial_solicit_timer_usec = 3 * USEC_PER_SEC;
	c->key_management = CONF_KEY_MANAGEMENT_STRONGSWAN;
	c->vici_socket = strdup("/var/run/charon.vici");
	c->control_socket = strdup(RUNSTATEDIR "/mip6d.ctl");
	return c->vici_socket && c->control_socket ? 0 : -ENOMEM;
}

/* ---- Lexer ---- */

enum tok_type {
	TOK_EOF,
	TOK_WORD,
	TOK_STRING,
	TOK_LBRACE,
	TOK_RBRACE,
	TOK_SEMI,
	TOK_LPAREN,
	TOK_RPAREN,
	TOK_COMMA,
};

struct token {
	enum tok_type type;
	char text[CONF_MAX_STRING + 1];
	struct conf_loc loc;
};

struct source {
	char *text; /* owned */
	size_t len;
	size_t pos;
	size_t line_start;
	unsigned line;
	const char *name; /* in c->files */
	bool has_id;
	dev_t dev;
	ino_t ino;
	/* Files an include matched, opened one after the other as children. */
	char **pending;
	size_t n_pending;
	size_t i_pending;
	struct conf_loc include_loc;
};

enum kw_ctx {
	CTX_TOP,
	CTX_INTERFACE,
	CTX_HOME_LINK,
	CTX_IPSEC_SET,
	_CTX_MAX,
};

struct parser {
	struct mip6_config *c;
	unsigned flags;
	struct source src[CONF_MAX_INCLUDE_DEPTH + 1];
	size_t n_src;
	size_t total_size;
	unsigned n_files_read;
	struct token tok;
	struct token look;
	bool has_look;
	char *error;
	struct conf_loc *kw_loc; /* last statement of each keyword, indexed like keywords[] */
	bool *kw_seen;
};

_printf_(4, 5) static int perr(struct parser *p, const struct conf_loc *loc, int err, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	if (!p->error) {
		va_start(ap, fmt);
		if (vasprintf(&msg, fmt, ap) < 0)
			msg = NULL;
		va_end(ap);
		if (msg && asprintf(&p->error, "%s:%u:%u: %s", loc->file, loc->line, loc->column, msg) < 0)
			p->error = NULL;
		free(msg);
	}
	return -abs(err);
}

static const char *conf_add_file(struct mip6_config *c, const char *name)
{
	char **n;
	char *s;

	n = realloc(c->files, (c->n_files + 1) * sizeof(*n));
	if (!n)
		return NULL;
	c->files = n;
	s = strdup(name);
	if (!s)
		return NULL;
	c->files[c->n_files++] = s;
	return s;
}

static void source_release(struct source *s)
{
	free(s->text);
	for (size_t i = 0; i < s->n_pending; i++)
		free(s->pending[i]);
	free(s->pending);
	*s = (struct source){};
}

static int source_push(struct parser *p, char *text, size_t len, const char *name,
		       const struct stat *st)
{
	struct source *s = &p->src[p->n_src];
	const char *n = conf_add_file(p->c, name);

	if (!n) {
		free(text);
		return -ENOMEM;
	}
	*s = (struct source){ .text = text, .len = len, .line = 1, .name = n };
	if (st) {
		s->has_id = true;
		s->dev = st->st_dev;
		s->ino = st->st_ino;
	}
	p->n_src++;
	return 0;
}

/* Read a regular file of at most `limit` bytes. */
static int read_file(int fd, size_t limit, char **ret, size_t *ret_len)
{
	_cleanup_(freep) char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *b = realloc(buf, ncap);
			if (!b)
				return -ENOMEM;
			buf = b;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > limit)
			return -EFBIG;
	}
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static int open_conf(const char *path, struct stat *st, char **ret, size_t *ret_len, size_t limit)
{
	_cleanup_(closep) int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0)
		return -errno;
	if (S_ISDIR(st->st_mode))
		return -EISDIR;
	return read_file(fd, limit, ret, ret_len);
}

static int source_push_file(struct parser *p, const char *path, const struct conf_loc *inc)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	int r;

	if (p->n_src >= ELEMENTSOF(p->src))
		return perr(p, inc, EINVAL, "includes nested too deeply (at most %d levels)",
			    CONF_MAX_INCLUDE_DEPTH);
	if (++p->n_files_read > CONF_MAX_FILES)
		return perr(p, inc, EINVAL, "too many included files (at most %d)", CONF_MAX_FILES);
	r = open_conf(path, &st, &text, &len, CONF_MAX_SIZE - p->total_size);
	if (r == -EFBIG)
		return perr(p, inc, EFBIG, "include '%s': configuration larger than 4 MiB", path);
	if (r < 0)
		return perr(p, inc, r, "include '%s': %s", path, strerror(-r));
	for (size_t i = 0; i < p->n_src; i++)
		if (p->src[i].has_id && p->src[i].dev == st.st_dev && p->src[i].ino == st.st_ino) {
			free(text);
			return perr(p, inc, ELOOP, "include loop: '%s' is already being read", path);
		}
	p->total_size += len;
	return source_push(p, text, len, path, &st);
}

static void lex_skip(struct source *s)
{
	while (s->pos < s->len) {
		char ch = s->text[s->pos];

		if (ch == '\n') {
			s->pos++;
			s->line++;
			s->line_start = s->pos;
		} else if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v')
			s->pos++;
		else if (ch == '#') {
			while (s->pos < s->len && s->text[s->pos] != '\n')
				s->pos++;
		} else
			break;
	}
}

static void source_loc(const struct source *s, struct conf_loc *loc)
{
	*loc = (struct conf_loc){
		.file = s->name, .line = s->line, .column = (unsigned)(s->pos - s->line_start + 1)
	};
}

static bool is_word_char(unsigned char ch)
{
	return ch > 0x20 && ch < 0x7f && !strchr("{}();,\"#", ch);
}

/* One token from s; s is positioned on a non-blank character. */
static int lex_raw(struct parser *p, struct source *s, struct token *t)
{
	unsigned char ch = (unsigned char)s->text[s->pos];
	size_t n = 0;

	source_loc(s, &t->loc);
	t->text[0] = 0;
	switch (ch) {
	case '{':
		t->type = TOK_LBRACE;
		break;
	case '}':
		t->type = TOK_RBRACE;
		break;
	case ';':
		t->type = TOK_SEMI;
		break;
	case '(':
		t->type = TOK_LPAREN;
		break;
	case ')':
		t->type = TOK_RPAREN;
		break;
	case ',':
		t->type = TOK_COMMA;
		break;
	case '"':
		t->type = TOK_STRING;
		s->pos++;
		for (;;) {
			if (s->pos >= s->len || s->text[s->pos] == '\n')
				return perr(p, &t->loc, EINVAL, "unterminated string");
			ch = (unsigned char)s->text[s->pos];
			if (ch == '"')
				break;
			if (ch < 0x20 || ch == 0x7f)
				return perr(p, &t->loc, EINVAL,
					    "control character 0x%02x in string", ch);
			if (n >= CONF_MAX_STRING)
				return perr(p, &t->loc, EINVAL, "string longer than %d bytes",
					    CONF_MAX_STRING);
			t->text[n++] = (char)ch;
			s->pos++;
		}
		t->text[n] = 0;
		s->pos++;
		return 0;
	default:
		if (!is_word_char(ch))
			return perr(p, &t->loc, EINVAL, "unexpected character 0x%02x", ch);
		t->type = TOK_WORD;
		while (s->pos < s->len && is_word_char((unsigned char)s->text[s->pos])) {
			if (n >= CONF_MAX_TOKEN)
				return perr(p, &t->loc, EINVAL, "word longer than %d bytes",
					    CONF_MAX_TOKEN);
			t->text[n++] = s->text[s->pos++];
		}
		t->text[n] = 0;
		return 0;
	}
	s->pos++;
	return 0;
}

static bool has_glob_magic(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* `include "glob" [;]`: queue the matches on s; lex_next() opens them in order. */
static int lex_include(struct parser *p, struct source *s, const struct token *kw)
{
	_cleanup_(freep) char *pattern = NULL;
	struct token t;
	glob_t g = {};
	const char *slash;
	int r;

	if (p->flags & CONF_LOAD_NO_INCLUDE)
		return perr(p, &kw->loc, EINVAL, "include is disabled here");
	lex_skip(s);
	if (s->pos >= s->len)
		return perr(p, &kw->loc, EINVAL, "include needs a quoted file name or pattern");
	r = lex_raw(p, s, &t);
	if (r < 0)
		return r;
	if (t.type != TOK_STRING || !t.text[0])
		return perr(p, &t.loc, EINVAL, "include needs a quoted file name or pattern");
	lex_skip(s);
	if (s->pos < s->len && s->text[s->pos] == ';')
		s->pos++;

	slash = strrchr(s->name, '/');
	if (t.text[0] == '/' || !slash)
		pattern = strdup(t.text);
	else if (asprintf(&pattern, "%.*s/%s", (int)(slash - s->name), s->name, t.text) < 0)
		pattern = NULL;
	if (!pattern)
		return -ENOMEM;

	r = glob(pattern, 0, NULL, &g);
	if (r == GLOB_NOSPACE) {
		globfree(&g);
		return -ENOMEM;
	}
	if (r == GLOB_NOMATCH || r != 0) {
		globfree(&g);
		if (has_glob_magic(t.text))
			return 0; /* a pattern may match nothing */
		return perr(p, &t.loc, ENOENT, "include '%s': %s", pattern, strerror(ENOENT));
	}
	if (g.gl_pathc > CONF_MAX_FILES) {
		globfree(&g);
		return perr(p, &t.loc, EINVAL, "include '%s' matches more than %d files", pattern,
			    CONF_MAX_FILES);
	}
	s->pending = calloc(g.gl_pathc, sizeof(char *));
	if (!s->pending) {
		globfree(&g);
		return -ENOMEM;
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		s->pending[i] = strdup(g.gl_pathv[i]);
		if (!s->pending[i]) {
			globfree(&g);
			return -ENOMEM;
		}
		s->n_pending++;
	}
	s->i_pending = 0;
	s->include_loc = kw->loc;
	globfree(&g);
	return 0;
}

static int lex_next(struct parser *p, struct token *t)
{
	for (;;) {
		struct source *s = &p->src[p->n_src - 1];
		int r;

		if (s->i_pending < s->n_pending) {
			const char *path = s->pending[s->i_pending++];
			r = source_push_file(p, path, &s->include_loc);
			if (r < 0)
				return r;
			continue;
		}
		if (s->pending) {
			for (size_t i = 0; i < s->n_pending; i++)
				free(s->pending[i]);
			free(s->pending);
			s->pending = NULL;
			s->n_pending = s->i_pending = 0;
		}
		lex_skip(s);
		if (s->pos >= s->len) {
			if (p->n_src > 1) {
				source_release(s);
				p->n_src--;
				continue;
			}
			t->type = TOK_EOF;
			t->text[0] = 0;
			source_loc(s, &t->loc);
			return 0;
		}
		r = lex_raw(p, s, t);
		if (r < 0)
			return r;
		if (t->type == TOK_WORD && strcmp(t->text, "include") == 0) {
			r = lex_include(p, s, t);
			if (r < 0)
				return r;
			continue;
		}
		return 0;
	}
}

static int advance(struct parser *p)
{
	if (p->has_look) {
		p->tok = p->look;
		p->has_look = false;
		return 0;
	}
	return lex_next(p, &p->tok);
}

static int peek(struct parser *p, const struct token **ret)
{
	if (!p->has_look) {
		int r = lex_next(p, &p->look);
		if (r < 0)
			return r;
		p->has_look = true;
	}
	*ret = &p->look;
	return 0;
}

/* "'word'", "\"string\"", "';'" or "end of file", for messages. */
static const char *tok_describe(const struct token *t, char *buf, size_t sz)
{
	static const char *const punct[] = {
		[TOK_LBRACE] = "'{'", [TOK_RBRACE] = "'}'", [TOK_SEMI] = "';'",
		[TOK_LPAREN] = "'('", [TOK_RPAREN] = "')'", [TOK_COMMA] = "','",
	};

	switch (t->type) {
	case TOK_EOF:
		return "end of file";
	case TOK_WORD:
		snprintf(buf, sz, "'%.64s'", t->text);
		return buf;
	case TOK_STRING:
		snprintf(buf, sz, "\"%.64s\"", t->text);
		return buf;
	default:
		return punct[t->type];
	}
}

/* ---- Values ---- */

static int expect(struct parser *p, enum tok_type type, const char *what, const char *after)
{
	char d[80];
	int r = advance(p);

	if (r < 0)
		return r;
	if (p->tok.type != type)
		return perr(p, &p->tok.loc, EINVAL, "expected %s after %s, got %s", what, after,
			    tok_describe(&p->tok, d, sizeof(d)));
	return 0;
}

static int expect_semi(struct parser *p, const char *after)
{
	return expect(p, TOK_SEMI, "';'", after);
}

/* Booleans as UMIP's lexer spells them. */
static int word_to_bool(const char *s)
{
	static const char *const yes[] = { "enabled", "allow", "true" };
	static const char *const no[] = { "disabled", "deny", "block", "false" };

	if (lookup(yes, ELEMENTSOF(yes), s) >= 0)
		return 1;
	if (lookup(no, ELEMENTSOF(no), s) >= 0)
		return 0;
	return -EINVAL;
}

static int bad_bool(struct parser *p, const char *kw)
{
	char d[80];

	return perr(p, &p->tok.loc, EINVAL,
		    "%s takes enabled|allow|true or disabled|deny|block|false, got %s", kw,
		    tok_describe(&p->tok, d, sizeof(d)));
}

static int parse_bool(struct parser *p, const char *kw, bool *ret)
{
	int r = advance(p), b;

	if (r < 0)
		return r;
	b = p->tok.type == TOK_WORD ? word_to_bool(p->tok.text) : -EINVAL;
	if (b < 0)
		return bad_bool(p, kw);
	*ret = b;
	return 0;
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Unsigned decimal integer of at most 10 digits. */
static int word_to_u64(const char *s, uint64_t *ret)
{
	size_t n = strlen(s);
	uint64_t v = 0;

	if (!all_digits(s, n) || n > 10)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	*ret = v;
	return 0;
}

static int parse_uint(struct parser *p, const char *kw, uint64_t min, uint64_t max, uint64_t *ret)
{
	char d[80];
	uint64_t v;
	int r = advance(p);

	if (r < 0)
		return r;
	if (p->tok.type != TOK_WORD || word_to_u64(p->tok.text, &v) < 0)
		return perr(p, &p->tok.loc, EINVAL, "%s takes a number, got %s", kw,
			    tok_describe(&p->tok, d, sizeof(d)));
	if (v < min || v > max)
		return perr(p, &p->tok.loc, ERANGE, "%s must be between %llu and %llu, got %s", kw,
			    (unsigned long long)min, (unsigned long long)max, p->tok.text);
	*ret = v;
	return 0;
}

/* Seconds as "N" or "N.F" (at most 6 decimals) → microseconds. */
static int parse_seconds(struct parser *p, const char *kw, uint64_t min, uint64_t max,
			 uint64_t *ret)
{
	char d[80];
	const char *s, *dot;
	size_t ni, nf;
	uint64_t sec = 0, frac = 0;
	int r = advance(p);

	if (r < 0)
		return r;
	s = p->tok.text;
	dot = strchr(s, '.');
	ni = dot ? (size_t)(dot - s) : strlen(s);
	nf = dot ? strlen(dot + 1) : 0;
	if (p->tok.type != TOK_WORD || !all_digits(s, ni) || ni > 10 ||
	    (dot && nf && !all_digits(dot + 1, nf)))
		return perr(p, &p->tok.loc, EINVAL, "%s takes a number of seconds (like 1.5), got %s",
			    kw, tok_describe(&p->tok, d, sizeof(d)));
	if (nf > 6)
		return perr(p, &p->tok.loc, EINVAL, "%s: at most 6 decimals, got %s", kw, s);
	for (size_t i = 0; i < ni; i++)
		sec = sec * 10 + (uint64_t)(s[i] - '0');
	for (size_t i = 0; i < 6; i++)
		frac = frac * 10 + (i < nf ? (uint64_t)(dot[1 + i] - '0') : 0);
	if (sec > CONF_MAX_SECONDS || sec * USEC_PER_SEC + frac > max)
		return perr(p, &p->tok.loc, ERANGE, "%s must be at most %llu seconds, got %s", kw,
			    (unsigned long long)(max / USEC_PER_SEC), s);
	if (sec * USEC_PER_SEC + frac < min)
		return perr(p, &p->tok.loc, ERANGE, "%s must be greater than 0, got %s", kw, s);
	*ret = sec * USEC_PER_SEC + frac;
	return 0;
}

static int word_to_addr(const char *s, struct in6_addr *ret)
{
	return inet_pton(AF_INET6, s, ret) == 1 ? 0 : -EINVAL;
}

static int parse_addr(struct parser *p, const char *kw, struct in6_addr *ret)
{
	char d[80];
	int r = advance(p);

	if (r < 0)
		return r;
	if (p->tok.type != TOK_WORD || word_to_addr(p->tok.text, ret) < 0)
		return perr(p, &p->tok.loc, EINVAL, "%s takes an IPv6 address, got %s", kw,
			    tok_describe(&p->tok, d, sizeof(d)));
	return 0;
}

/* addr/len on the current token */
static int tok_to_prefix(struct parser *p, const char *kw, struct conf_prefix *ret)
{
	char d[80], a[CONF_MAX_TOKEN + 1];
	const char *slash;
	uint64_t len;

	if (p->tok.type != TOK_WORD || !(slash = strchr(p->tok.text, '/')))
		return perr(p, &p->tok.loc, EINVAL, "%s takes an IPv6 prefix (address/length), got %s",
			    kw, tok_describe(&p->tok, d, sizeof(d)));
	snprintf(a, sizeof(a), "%.*s", (int)(slash - p->tok.text), p->tok.text);
	if (word_to_addr(a, &ret->addr) < 0)
		return perr(p, &p->tok.loc, EINVAL, "%s: invalid IPv6 address '%s'", kw, a);
	if (word_to_u64(slash + 1, &len) < 0 || strlen(slash + 1) > 3 || len > 128)
		return perr(p, &p->tok.loc, EINVAL, "%s: prefix length must be 0..128, got '%s'", kw,
			    slash + 1);
	ret->len = (uint8_t)len;
	return 0;
}

static int parse_prefix(struct parser *p, const char *kw, struct conf_prefix *ret)
{
	int r = advance(p);

	return r < 0 ? r : tok_to_prefix(p, kw, ret);
}

/* Append one zeroed element to *arr (of *n elements of size sz); at most CONF_MAX_ITEMS. */
static void *grow(struct parser *p, const struct conf_loc *loc, const char *what, void *arr,
		  size_t *n, size_t sz)
{
	void **a = arr;
	char *m;

	if (*n >= CONF_MAX_ITEMS) {
		perr(p, loc, E2BIG, "too many %s (at most %d)", what, CONF_MAX_ITEMS);
		return NULL;
	}
	m = realloc(*a, (*n + 1) * sz);
	if (!m)
		return NULL;
	*a = m;
	memset(m + *n * sz, 0, sz);
	return m + (*n)++ * sz;
}

#define GROW(p, loc, what, arr, n) grow(p, loc, what, &(arr), &(n), sizeof(*(arr)))

/* '(' prefix {',' prefix} ')' after the current position. */
static int parse_prefix_list(struct parser *p, const char *kw, struct conf_prefix **arr, size_t *n)
{
	char d[80];
	int r = expect(p, TOK_LPAREN, "'('", kw);

	if (r < 0)
		return r;
	for (;;) {
		struct conf_prefix *e;

		r = advance(p);
		if (r < 0)
			return r;
		e = grow(p, &p->tok.loc, "prefixes in a list", arr, n, sizeof(**arr));
		if (!e)
			return p->error ? -E2BIG : -ENOMEM;
		r = tok_to_prefix(p, kw, e);
		if (r < 0)
			return r;
		r = advance(p);
		if (r < 0)
			return r;
		if (p->tok.type == TOK_RPAREN)
			return 0;
		if (p->tok.type != TOK_COMMA)
			return perr(p, &p->tok.loc, EINVAL, "expected ',' or ')' in %s prefix list, got %s",
				    kw, tok_describe(&p->tok, d, sizeof(d)));
	}
}

static int parse_string(struct parser *p, const char *kw, char *buf, size_t sz)
{
	char d[80];
	int r = advance(p);

	if (r < 0)
		return r;
	if (p->tok.type != TOK_STRING)
		return perr(p, &p->tok.loc, EINVAL, "%s takes a quoted string, got %s", kw,
			    tok_describe(&p->tok, d, sizeof(d)));
	if (strlen(p->tok.text) >= sz)
		return perr(p, &p->tok.loc, EINVAL, "%s: string longer than %zu bytes", kw, sz - 1);
	strcpy(buf, p->tok.text);
	return 0;
}

static int parse_ifname(struct parser *p, const char *kw, char name[CONF_IFNAMSIZ])
{
	char buf[CONF_MAX_STRING + 1];
	int r = parse_string(p, kw, buf, sizeof(buf));

	if (r < 0)
		return r;
	if (!buf[0] || strlen(buf) >= CONF_IFNAMSIZ || strpbrk(buf, "/ \t") || strcmp(buf, ".") == 0 ||
	    strcmp(buf, "..") == 0)
		return perr(p, &p->tok.loc, EINVAL, "%s: invalid interface name \"%s\"", kw, buf);
	strcpy(name, buf);
	return 0;
}

/* ---- Keywords ---- */

enum kw_kind {
	KW_BOOL,    /* bool at offset */
	KW_UINT,    /* unsigned at offset, min..max */
	KW_SECONDS, /* uint64_t usec at offset, min..max usec */
	KW_STRING,  /* char * at offset */
	KW_CUSTOM,
};

enum str_check {
	STR_ANY,
	STR_SOCKET, /* absolute path that fits sockaddr_un */
	STR_GROUP,  /* a group name */
	STR_IKE,    /* a swanctl connection name */
};

struct keyword;
typedef int (*kw_parse_fn)(struct parser *p, const struct keyword *kw, void *obj);

struct keyword {
	const char *name;
	enum kw_ctx ctx;
	enum kw_kind kind;
	size_t offset;
	uint64_t min, max;
	kw_parse_fn parse;
	enum str_check check;
	bool unimplemented; /* accepted and stored, but the daemon does not act on it yet */
};

static const char *const ctx_names[_CTX_MAX] = {
	[CTX_TOP] = "at the top level",
	[CTX_INTERFACE] = "in an Interface block",
	[CTX_HOME_LINK] = "in an MnHomeLink block",
	[CTX_IPSEC_SET] = "in an IPsecPolicySet block",
};

static int parse_statements(struct parser *p, enum kw_ctx ctx, void *obj, const struct token *open);

static int kw_node_config(struct parser *p, const struct keyword *kw, void *obj)
{
	struct mip6_config *c = obj;
	char d[80];
	int r = advance(p), role;

	if (r < 0)
		return r;
	role = p->tok.type == TOK_WORD ? lookup(role_names, _NODE_ROLE_MAX, p->tok.text) : -EINVAL;
	if (role < 0)
		return perr(p, &p->tok.loc, EINVAL, "NodeConfig takes CN, HA or MN, got %s",
			    tok_describe(&p->tok, d, sizeof(d)));
	c->role = (enum node_role)role;
	return expect_semi(p, kw->name);
}

static int kw_key_management(struct parser *p, const struct keyword *kw, void *obj)
{
	struct mip6_config *c = obj;
	char d[80];
	int r = advance(p), k;

	if (r < 0)
		return r;
	k = p->tok.type == TOK_WORD ?
		    lookup(key_management_names, _CONF_KEY_MANAGEMENT_MAX, p->tok.text) :
		    -EINVAL;
	if (k < 0)
		return perr(p, &p->tok.loc, EINVAL, "KeyManagement takes strongswan or static, got %s",
			    tok_describe(&p->tok, d, sizeof(d)));
	c->key_management = (enum conf_key_management)k;
	return expect_semi(p, kw->name);
}

/* After a block's '}': an optional ';' (UMIP writes none, many configs add one). */
static int block_end(struct parser *p)
{
	const struct token *t;
	int r = peek(p, &t);

	if (r < 0)
		return r;
	if (t->type == TOK_SEMI)
		return advance(p);
	return 0;
}

static int kw_interface(struct parser *p, const struct keyword *kw, void *obj)
{
	struct mip6_config *c = obj;
	struct conf_loc loc = p->tok.loc;
	struct conf_interface *i;
	char name[CONF_IFNAMSIZ];
	const struct token *t;
	int r = parse_ifname(p, kw->name, name);

	if (r < 0)
		return r;
	for (size_t k = 0; k < c->n_interfaces; k++)
		if (strcmp(c->interfaces[k].name, name) == 0)
			return perr(p, &loc, EINVAL, "Interface \"%s\" is already declared at %s:%u",
				    name, c->interfaces[k].loc.file, c->interfaces[k].loc.line);
	i = GROW(p, &loc, "Interface statements", c->interfaces, c->n_interfaces);
	if (!i)
		return p->error ? -E2BIG : -ENOMEM;
	strcpy(i->name, name);
	i->preference = 5;
	i->type = _NODE_ROLE_INVALID; /* NodeConfig, set once the whole file is read */
	i->loc = loc;
	r = peek(p, &t);
	if (r < 0)
		return r;
	if (t->type == TOK_LBRACE) {
		r = advance(p);
		if (r < 0)
			return r;
		r = parse_statements(p, CTX_INTERFACE, i, &p->tok);
		if (r < 0)
			return r;
		return block_end(p);
	}
	return expect_semi(p, "Interface \"name\"");
}

static int kw_if_type(struct parser *p, const struct keyword *kw, void *obj)
{
	struct conf_interface *i = obj;
	char d[80];
	int r = advance(p), role;

	if (r < 0)
		return r;
	role = p->tok.type == TOK_WORD ? lookup(role_names, _NODE_ROLE_MAX, p->tok.text) : -EINVAL;
	if (role < 0)
		return perr(p, &p->tok.loc, EINVAL, "IfType takes CN, HA or MN, got %s",
			    tok_describe(&p->tok, d, sizeof(d)));
	i->type = (enum node_role)role;
	return expect_semi(p, kw->name);
}

static int kw_home_link(struct parser *p, const struct keyword *kw, void *obj)
{
	struct mip6_config *c = obj;
	struct conf_loc loc = p->tok.loc;
	struct conf_home_link *l;
	char name[CONF_IFNAMSIZ];
	int r = parse_ifname(p, kw->name, name);

	if (r < 0)
		return r;
	r = expect(p, TOK_LBRACE, "'{'", "MnHomeLink \"name\"");
	if (r < 0)
		return r;
	l = GROW(p, &loc, "MnHomeLink blocks", c->home_links, c->n_home_links);
	if (!l)
		return p->error ? -E2BIG : -ENOMEM;
	strcpy(l->ifname, name);
	l->loc = loc;
	r = parse_statements(p, CTX_HOME_LINK, l, &p->tok);
	if (r < 0)
		return r;
	return block_end(p);
}

static int twice(struct parser *p, const struct keyword *kw, const char *block)
{
	return perr(p, &p->tok.loc, EINVAL, "%s is given twice in this %s block", kw->name, block);
}

static int kw_home_address(struct parser *p, const struct keyword *kw, void *obj)
{
	struct conf_home_link *l = obj;
	const struct token *t;
	int r;

	if (l->has_hoa)
		return twice(p, kw, "MnHomeLink");
	r = parse_prefix(p, kw->name, &l->hoa);
	if (r < 0)
		return r;
	l->has_hoa = true;
	r = peek(p, &t);
	if (r < 0)
		return r;
	if (t->type == TOK_LPAREN) {
		r = parse_prefix_list(p, kw->name, &l->mnps, &l->n_mnps);
		if (r < 0)
			return r;
	}
	return expect_semi(p, kw->name);
}

static int kw_home_agent_address(struct parser *p, const struct keyword *kw, void *obj)
{
	struct conf_home_link *l = obj;
	int r;

	if (l->has_ha_addr)
		return twice(p, kw, "MnHomeLink");
	r = parse_addr(p, kw->name, &l->ha_addr);
	if (r < 0)
		return r;
	l->has_ha_addr = true;
	return expect_semi(p, kw->name);
}

static int kw_home_prefix(struct parser *p, const struct keyword *kw, void *obj)
{
	struct conf_home_link *l = obj;
	int r;

	if (l->has_home_prefix)
		return twice(p, kw, "MnHomeLink");
	r = parse_prefix(p, kw->name, &l->home_prefix);
	if (r < 0)
		return r;
	l->has_home_prefix = true;
	return expect_semi(p, kw->name);
}

/* MnRoPolicy [addr] bool; */
static int kw_ro_policy(struct parser *p, const struct keyword *kw, void *obj)
{
	struct conf_home_link *l = obj;
	struct conf_loc loc = p->tok.loc;
	struct conf_ro_policy *e;
	int r = advance(p), b;

	if (r < 0)
		return r;
	e = GROW(p, &loc, "MnRoPolicy statements", l->ro_policies, l->n_ro_policies);
	if (!e)
		return p->error ? -E2BIG : -ENOMEM;
	e->loc = loc;
	b = p->tok.type == TOK_WORD ? word_to_bool(p->tok.text) : -EINVAL;
	if (b >= 0) {
		e->any = true;
		e->enabled = b;
	} else {
		if (p->tok.type != TOK_WORD || word_to_addr(p->tok.text, &e->addr) < 0)
			return bad_bool(p, "MnRoPolicy [address]");
		/* RFC 6275 §11.3.1: route optimisation with a correspondent's unicast routable address only. */
		if (!ha_addr_unicast_routable(&e->addr))
			return perr(p, &p->tok.loc, EINVAL,
				    "MnRoPolicy: %s is not a correspondent's address (unspecified, multicast, loopback, "
				    "link-local or IPv4-mapped)",
				    p->tok.text);
		r = parse_bool(p, kw->name, &e->enabled);
		if (r < 0)
			return r;
	}
	return expect_semi(p, kw->name);
}

static void clear_host_bits(struct conf_prefix *e)
{
	for (unsigned i = e->len; i < 128; i++)
		e->addr.s6_addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

static bool host_bits_set(const struct conf_prefix *e)
{
	struct conf_prefix net = *e;

	clear_host_bits(&net);
	return memcmp(&net.addr, &e->addr, sizeof(net.addr)) != 0;
}

static int kw_ha_served_prefix(struct parser *p, const struct keyword *kw, void *obj)
{
	struct mip6_config *c = obj;
	struct conf_prefix *e =
		GROW(p, &p->tok.loc, "HaServedPrefix statements", c->ha_served_prefixes,
		     c->n_ha_served_prefixes);
	int r;

	struct conf_loc loc;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	if (!e)
		return p->error ? -E2BIG : -ENOMEM;
	r = parse_prefix(p, kw->name, e);
	if (r < 0)
		return r;
	loc = p->tok.loc;
	if (host_bits_set(e)) {
		struct conf_prefix net = *e;

		clear_host_bits(&net);
		return perr(p, &loc, EINVAL,
			    "HaServedPrefix %s/%u has bits set beyond the prefix length, so no home address "
			    "would match it and every BU would get 132; write %s/%u",
			    inet_ntop(AF_INET6, &e->addr, a, sizeof(a)), e->len,
			    inet_ntop(AF_INET6, &net.addr, b, sizeof(b)), e->len);
	}
	return expect_semi(p, kw->name);
}

/* BindingAclPolicy addr [(p/len, ...)] allow|deny|status; */
static int kw_binding_acl(struct parser *p, const struct keyword *kw, void *obj)
{
	struct mip6_config *c = obj;
	struct conf_loc loc = p->tok.loc;
	struct conf_binding_acl *e;
	const struct token *t;
	uint64_t v;
	char d[80];
	int r, b;

	e = GROW(p, &loc, "BindingAclPolicy statements", c->binding_acls, c->n_binding_acls);
	if (!e)
		return p->error ? -E2BIG : -ENOMEM;
	e->loc = loc;
	r = parse_addr(p, kw->name, &e->hoa);
	if (r < 0)
		return r;
	for (size_t i = 0; i + 1 < c->n_binding_acls; i++)
		if (memcmp(&c->binding_acls[i].hoa, &e->hoa, sizeof(e->hoa)) == 0)
			return perr(p, &p->tok.loc, EINVAL,
				    "BindingAclPolicy for %s is already given at %s:%u", p->tok.text,
				    c->binding_acls[i].loc.file, c->binding_acls[i].loc.line);
	r = peek(p, &t);
	if (r < 0)
		return r;
	if (t->type == TOK_LPAREN) {
		r = parse_prefix_list(p, kw->name, &e->mnps, &e->n_mnps);
		if (r < 0)
			return r;
	}
	r = advance(p);
	if (r < 0)
		return r;
	b = p->tok.type == TOK_WORD ? word_to_bool(p->tok.text) : -EINVAL;
	if (b >= 0)
		e->status = b ? 0 : 129; /* 129: administratively prohibited (RFC 6275 §6.1.8) */
	else if (p->tok.type == TOK_WORD && word_to_u64(p->tok.text, &v) == 0) {
		if (v != 0 && (v < 128 || v > 255))
			return perr(p, &p->tok.loc, ERANGE,
				    "BindingAclPolicy status must be 0 or a rejection 128..255 "
				    "(RFC 6275 §6.1.8), got %s",
				    p->tok.text);
		e->status = (uint8_t)v;
	} else
		return perr(p, &p->tok.loc, EINVAL,
			    "BindingAclPolicy takes allow, deny or a status number, got %s",
			    tok_describe(&p->tok, d, sizeof(d)));
	return expect_semi(p, kw->name);
}

static int kw_ipsec_set(struct parser *p, const struct keyword *kw, void *obj)
{
	struct mip6_config *c = obj;
	struct conf_loc loc = p->tok.loc;
	struct conf_ipsec_policy_set *s;
	int r = expect(p, TOK_LBRACE, "'{'", kw->name);

	if (r < 0)
		return r;
	s = GROW(p, &loc, "IPsecPolicySet blocks", c->ipsec_policy_sets, c->n_ipsec_policy_sets);
	if (!s)
		return p->error ? -E2BIG : -ENOMEM;
	s->loc = loc;
	r = parse_statements(p, CTX_IPSEC_SET, s, &p->tok);
	if (r < 0)
		return r;
	return block_end(p);
}

static int kw_ipsec_ha_address(struct parser *p, const struct keyword *kw, void *obj)
{
	struct conf_ipsec_policy_set *s = obj;
	int r;

	if (s->has_ha_addr)
		return twice(p, kw, "IPsecPolicySet");
	r = parse_addr(p, kw->name, &s->ha_addr);
	if (r < 0)
		return r;
	s->has_ha_addr = true;
	return expect_semi(p, kw->name);
}

static int kw_ipsec_home_address(struct parser *p, const struct keyword *kw, void *obj)
{
	struct conf_ipsec_policy_set *s = obj;
	struct conf_prefix *e = GROW(p, &p->tok.loc, "HomeAddress statements in a set", s->hoas,
				     s->n_hoas);
	int r;

	if (!e)
		return p->error ? -E2BIG : -ENOMEM;
	r = parse_prefix(p, kw->name, e);
	if (r < 0)
		return r;
	if (e->len < 128 && !host_bits_set(e)) {
		char a[INET6_ADDRSTRLEN];

		/* UMIP's meaning: the address; a set protects single home addresses. */
		return perr(p, &p->tok.loc, EINVAL,
			    "HomeAddress %s/%u in an IPsecPolicySet names the address %s (the Subnet-Router "
			    "anycast address), not the prefix: a set protects single home addresses; write "
			    "each mobile node's home address (e.g. %s100/%u)",
			    inet_ntop(AF_INET6, &e->addr, a, sizeof(a)), e->len, a, a, e->len);
	}
	return expect_semi(p, kw->name);
}

/*
 * The policy types the daemon installs (src/ipsec/spd.h). UMIP's others (Mh,
 * ICMP, any, TunnelMh, TunnelPayload) are refused: accepting them would look
 * like protection that is not there.
 */
static bool ipsec_type_implemented(int type)
{
	return type == CONF_IPSEC_HOME_REG_BINDING || type == CONF_IPSEC_MOB_PFX_DISC ||
	       type == CONF_IPSEC_TUNNEL_HOME_TESTING;
}

/* IPsecPolicy TYPE UseESP [reqid_toHA [reqid_toMN]] [allow|deny]; (RFC 3776 §4, RFC 4877) */
static int kw_ipsec_policy(struct parser *p, const struct keyword *kw, void *obj)
{
	struct conf_ipsec_policy_set *s = obj;
	struct conf_loc loc = p->tok.loc;
	struct conf_ipsec_policy *e;
	char d[80];
	int r = advance(p), type;

	if (r < 0)
		return r;
	type = p->tok.type == TOK_WORD ? lookup(ipsec_type_names, _CONF_IPSEC_MAX, p->tok.text) :
					 -EINVAL;
	if (type < 0)
		return perr(p, &p->tok.loc, EINVAL,
			    "IPsecPolicy type must be HomeRegBinding, Mh, MobPfxDisc, ICMP, any, "
			    "TunnelHomeTesting, TunnelMh or TunnelPayload, got %s",
			    tok_describe(&p->tok, d, sizeof(d)));
	if (!ipsec_type_implemented(type))
		return perr(p, &p->tok.loc, EINVAL,
			    "IPsecPolicy %s is not implemented: mip6d would install no policy for it and "
			    "that traffic would travel unprotected; remove the line (implemented: "
			    "HomeRegBinding, MobPfxDisc, TunnelHomeTesting)",
			    p->tok.text);
	for (size_t i = 0; i < s->n_policies; i++)
		if (s->policies[i].type == (enum conf_ipsec_type)type)
			return perr(p, &p->tok.loc, EINVAL,
				    "IPsecPolicy %s is given twice in this IPsecPolicySet block",
				    p->tok.text);
	e = GROW(p, &loc, "IPsecPolicy statements in a set", s->policies, s->n_policies);
	if (!e)
		return p->error ? -E2BIG : -ENOMEM;
	e->type = (enum conf_ipsec_type)type;
	e->allow = true;
	e->loc = loc;
	r = advance(p);
	if (r < 0)
		return r;
	if (p->tok.type != TOK_WORD || strcmp(p->tok.text, "UseESP") != 0)
		return perr(p, &p->tok.loc, EINVAL,
			    "IPsecPolicy takes UseESP after the type (AH and IPComp are not "
			    "supported), got %s",
			    tok_describe(&p->tok, d, sizeof(d)));
	for (int n = 0;; n++) {
		const struct token *t;
		uint64_t v;
		int b;

		r = peek(p, &t);
		if (r < 0)
			return r;
		if (t->type == TOK_SEMI)
			break;
		r = advance(p);
		if (r < 0)
			return r;
		b = p->tok.type == TOK_WORD ? word_to_bool(p->tok.text) : -EINVAL;
		if (b >= 0) {
			e->allow = b;
			break;
		}
		if (n < 2 && p->tok.type == TOK_WORD && word_to_u64(p->tok.text, &v) == 0) {
			if (v < 1 || v > UINT32_MAX)
				return perr(p, &p->tok.loc, ERANGE,
					    "IPsecPolicy reqid must be between 1 and 4294967295, got %s",
					    p->tok.text);
			if (n == 0)
				e->reqid_to_ha = (uint32_t)v;
			else
				e->reqid_to_mn = (uint32_t)v;
			continue;
		}
		return perr(p, &p->tok.loc, EINVAL,
			    "expected a reqid, allow, deny or ';' in IPsecPolicy, got %s",
			    tok_describe(&p->tok, d, sizeof(d)));
	}
	return expect_semi(p, kw->name);
}

/* CnBindingPolicySet { remote_hoa [local_addr] bool; ... } */
static int kw_cn_binding_policy_set(struct parser *p, const struct keyword *kw, void *obj)
{
	struct mip6_config *c = obj;
	struct conf_loc open;
	char d[80];
	int r = expect(p, TOK_LBRACE, "'{'", kw->name);

	if (r < 0)
		return r;
	open = p->tok.loc;
	for (;;) {
		struct conf_cn_binding_policy *e;
		int b;

		r = advance(p);
		if (r < 0)
			return r;
		if (p->tok.type == TOK_RBRACE)
			return block_end(p);
		if (p->tok.type == TOK_EOF)
			return perr(p, &p->tok.loc, EINVAL,
				    "unexpected end of file: '{' at %s:%u:%u is not closed", open.file,
				    open.line, open.column);
		e = GROW(p, &p->tok.loc, "CnBindingPolicySet entries", c->cn_binding_policies,
			 c->n_cn_binding_policies);
		if (!e)
			return p->error ? -E2BIG : -ENOMEM;
		e->loc = p->tok.loc;
		if (p->tok.type != TOK_WORD || word_to_addr(p->tok.text, &e->remote_hoa) < 0)
			return perr(p, &p->tok.loc, EINVAL,
				    "CnBindingPolicySet entry takes an IPv6 address, got %s",
				    tok_describe(&p->tok, d, sizeof(d)));
		r = advance(p);
		if (r < 0)
			return r;
		b = p->tok.type == TOK_WORD ? word_to_bool(p->tok.text) : -EINVAL;
		if (b < 0) {
			if (p->tok.type != TOK_WORD || word_to_addr(p->tok.text, &e->local_addr) < 0)
				return bad_bool(p, "CnBindingPolicySet entry [local address]");
			e->has_local = true;
			r = parse_bool(p, "CnBindingPolicySet entry", &e->enabled);
			if (r < 0)
				return r;
		} else
			e->enabled = b;
		r = expect_semi(p, "CnBindingPolicySet entry");
		if (r < 0)
			return r;
	}
}

#define CFG(field) offsetof(struct mip6_config, field)
#define TOP_BOOL(n, f, u) { n, CTX_TOP, KW_BOOL, CFG(f), 0, 0, NULL, STR_ANY, u }
#define TOP_UINT(n, f, lo, hi, u) { n, CTX_TOP, KW_UINT, CFG(f), lo, hi, NULL, STR_ANY, u }
#define TOP_SECS(n, f, lo, u) \
	{ n, CTX_TOP, KW_SECONDS, CFG(f), lo, CONF_MAX_SECONDS * USEC_PER_SEC, NULL, STR_ANY, u }
#define TOP_STR(n, f, chk, u) { n, CTX_TOP, KW_STRING, CFG(f), 0, 0, NULL, chk, u }
#define CUSTOM(n, ctx, fn, u) { n, ctx, KW_CUSTOM, 0, 0, 0, fn, STR_ANY, u }

static const struct keyword keywords[] = {
	CUSTOM("NodeConfig", CTX_TOP, kw_node_config, false),
	TOP_UINT("DebugLevel", debug_level, 0, 10, false),
	TOP_STR("DebugLogFile", debug_log_file, STR_ANY, true),
	TOP_BOOL("NonVolatileBindingCache", non_volatile_binding_cache, false),
	TOP_STR("UsePolicyModule", policy_module, STR_ANY, true),
	TOP_BOOL("DoRouteOptimizationCN", do_route_optimization_cn, false),
	TOP_BOOL("DoRouteOptimizationMN", do_route_optimization_mn, false),
	TOP_BOOL("UseCnBuAck", use_cn_bu_ack, false),
	CUSTOM("CnBindingPolicySet", CTX_TOP, kw_cn_binding_policy_set, true),
	TOP_BOOL("UseMnHaIPsec", use_mn_ha_ipsec, false),
	TOP_BOOL("KeyMngMobCapability", key_mng_mob_capability, false),
	CUSTOM("IPsecPolicySet", CTX_TOP, kw_ipsec_set, false),
	TOP_UINT("HaMaxBindingLife", ha_max_binding_life, 1, CONF_MAX_LIFETIME, false),
	TOP_UINT("HaMaxBindings", ha_max_bindings, 1, 1000000, false),
	TOP_UINT("HaMaxRegistrationsPerSec", ha_max_registrations_per_sec, 1, 1000000, false),
	TOP_UINT("BindingErrorsPerSec", binding_errors_per_sec, 0, 1000000, false),
	TOP_UINT("RejectedBuLogPerSec", rejected_bu_log_per_sec, 0, 1000000, false),
	TOP_UINT("MhReceiveBuffer", mh_receive_buffer, MH_SOCKET_RCVBUF_MIN, MH_SOCKET_RCVBUF_MAX, false),
	TOP_BOOL("SendMobPfxAdvs", send_mob_pfx_advs, false),
	TOP_BOOL("SendUnsolMobPfxAdvs", send_unsol_mob_pfx_advs, false),
	TOP_UINT("MinMobPfxAdvInterval", min_mob_pfx_adv_interval, 1, UINT32_MAX, false),
	TOP_UINT("MaxMobPfxAdvInterval", max_mob_pfx_adv_interval, 1, UINT32_MAX, false),
	TOP_BOOL("HaAcceptMobRtr", ha_accept_mob_rtr, false),
	CUSTOM("HaServedPrefix", CTX_TOP, kw_ha_served_prefix, false),
	TOP_BOOL("DefaultBindingAclPolicy", default_binding_acl_allow, false),
	CUSTOM("BindingAclPolicy", CTX_TOP, kw_binding_acl, false),
	TOP_UINT("MnMaxHaBindingLife", mn_max_ha_binding_life, 1, CONF_MAX_LIFETIME, false),
	TOP_UINT("MnMaxCnBindingLife", mn_max_cn_binding_life, 1, CONF_MAX_RR_LIFETIME, false),
	TOP_UINT("MnMaxLearntCorrespondents", mn_max_learnt_cns, 1, 4096, false),
	TOP_UINT("MnMaxHaConsecutiveResends", mn_max_ha_consecutive_resends, 0, 255, false),
	TOP_UINT("MnMaxCnConsecutiveResends", mn_max_cn_consecutive_resends, 0, 255, true),
	TOP_BOOL("MnDiscardHaParamProb", mn_discard_ha_param_prob, true),
	TOP_BOOL("MnResetDhaadAtHome", mn_reset_dhaad_at_home, true),
	TOP_BOOL("MnFlushAllAtHome", mn_flush_all_at_home, true),
	TOP_BOOL("SendMobPfxSols", send_mob_pfx_sols, false),
	TOP_BOOL("MnUseAllInterfaces", mn_use_all_interfaces, true),
	TOP_BOOL("MobRtrUseExplicitMode", mob_rtr_use_explicit_mode, false),
	TOP_BOOL("OptimisticHandoff", optimistic_handoff, true),
	TOP_BOOL("NoHomeReturn", no_home_return, true),
	TOP_UINT("MnRouterProbes", mn_router_probes, 0, 255, true),
	TOP_SECS("MnRouterProbeTimeout", mn_router_probe_timeout_usec, 0, true),
	TOP_SECS("InterfaceInitialInitDelay", interface_initial_init_delay_usec, 0, true),
	TOP_SECS("InitialBindackTimeoutFirstReg", initial_bindack_timeout_first_reg_usec, 1, false),
	TOP_SECS("InitialBindackTimeoutReReg", initial_bindack_timeout_rereg_usec, 1, false),
	TOP_SECS("InitialSolicitTimer", initial_solicit_timer_usec, 1, false),
	CUSTOM("Interface", CTX_TOP, kw_interface, false),
	CUSTOM("MnHomeLink", CTX_TOP, kw_home_link, false),
	/* mip6d extensions */
	TOP_STR("ViciSocket", vici_socket, STR_SOCKET, false),
	TOP_STR("StaticKeyFile", static_key_file, STR_ANY, false),
	CUSTOM("KeyManagement", CTX_TOP, kw_key_management, false),
	TOP_STR("ControlSocket", control_socket, STR_SOCKET, false),
	TOP_STR("ControlSocketGroup", control_socket_group, STR_GROUP, false),
	/* Interface { } */
	{ "MnIfPreference", CTX_INTERFACE, KW_UINT, offsetof(struct conf_interface, preference), 0, 10,
	  NULL, STR_ANY, true },
	CUSTOM("IfType", CTX_INTERFACE, kw_if_type, true),
	{ "Tunnel", CTX_INTERFACE, KW_BOOL, offsetof(struct conf_interface, tunnel), 0, 0, NULL,
	  STR_ANY, true },
	/* MnHomeLink { } */
	CUSTOM("HomeAddress", CTX_HOME_LINK, kw_home_address, false),
	CUSTOM("HomeAgentAddress", CTX_HOME_LINK, kw_home_agent_address, false),
	CUSTOM("HomePrefix", CTX_HOME_LINK, kw_home_prefix, true),
	{ "IsMobRtr", CTX_HOME_LINK, KW_BOOL, offsetof(struct conf_home_link, is_mob_rtr), 0, 0, NULL,
	  STR_ANY, false },
	CUSTOM("MnRoPolicy", CTX_HOME_LINK, kw_ro_policy, false),
	/* IPsecPolicySet { } */
	CUSTOM("HomeAgentAddress", CTX_IPSEC_SET, kw_ipsec_ha_address, false),
	CUSTOM("HomeAddress", CTX_IPSEC_SET, kw_ipsec_home_address, false),
	CUSTOM("IPsecPolicy", CTX_IPSEC_SET, kw_ipsec_policy, false),
	{ "IkeConnection", CTX_IPSEC_SET, KW_STRING, offsetof(struct conf_ipsec_policy_set, ike_conn), 0, 0,
	  NULL, STR_IKE, false },
};

static int check_string(struct parser *p, const struct keyword *kw, const char *s)
{
	switch (kw->check) {
	case STR_SOCKET:
		if (s[0] != '/' || strlen(s) > SUN_PATH_MAX)
			return perr(p, &p->tok.loc, EINVAL,
				    "%s takes an absolute path of at most %d bytes", kw->name,
				    SUN_PATH_MAX);
		break;
	case STR_GROUP:
		if (!s[0] || strlen(s) > 32 || s[0] == '-' ||
		    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
			    strlen(s))
			return perr(p, &p->tok.loc, EINVAL, "%s: invalid group name \"%s\"", kw->name,
				    s);
		break;
	case STR_IKE:
		/* charon's names are swanctl section names: no blanks, braces or '#'. */
		if (!s[0] || strlen(s) >= CONF_IKE_NAME_MAX || strpbrk(s, " \t{}#=\"") != NULL)
			return perr(p, &p->tok.loc, EINVAL,
				    "%s: \"%s\" is not a swanctl connection name (1-%d bytes, no blanks, "
				    "braces, '#', '=' or quotes)",
				    kw->name, s, CONF_IKE_NAME_MAX - 1);
		break;
	case STR_ANY:
		if (!s[0])
			return perr(p, &p->tok.loc, EINVAL, "%s takes a non-empty string", kw->name);
		break;
	}
	return 0;
}

static int parse_keyword(struct parser *p, const struct keyword *kw, void *obj)
{
	char *base = obj;
	uint64_t v = 0;
	int r;

	switch (kw->kind) {
	case KW_BOOL:
		r = parse_bool(p, kw->name, (bool *)(base + kw->offset));
		break;
	case KW_UINT:
		r = parse_uint(p, kw->name, kw->min, kw->max, &v);
		if (r >= 0)
			*(unsigned *)(base + kw->offset) = (unsigned)v;
		break;
	case KW_SECONDS:
		r = parse_seconds(p, kw->name, kw->min, kw->max, (uint64_t *)(base + kw->offset));
		break;
	case KW_STRING: {
		char **dst = (char **)(base + kw->offset);
		char *s;

		r = advance(p);
		if (r < 0)
			return r;
		if (p->tok.type != TOK_STRING) {
			char d[80];
			return perr(p, &p->tok.loc, EINVAL, "%s takes a quoted string, got %s",
				    kw->name, tok_describe(&p->tok, d, sizeof(d)));
		}
		r = check_string(p, kw, p->tok.text);
		if (r < 0)
			return r;
		s = strdup(p->tok.text);
		if (!s)
			return -ENOMEM;
		free(*dst);
		*dst = s;
		break;
	}
	case KW_CUSTOM:
		return kw->parse(p, kw, obj);
	default:
		return -EINVAL;
	}
	if (r < 0)
		return r;
	return expect_semi(p, kw->name);
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];

	if (la >= 64 || lb >= 64)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, (lb + 1) * sizeof(size_t));
	}
	return prev[lb];
}

static int unknown_keyword(struct parser *p, enum kw_ctx ctx)
{
	const char *w = p->tok.text, *best = NULL;
	size_t best_d = 3;

	for (size_t i = 0; i < ELEMENTSOF(keywords); i++)
		if (strcmp(keywords[i].name, w) == 0)
			return perr(p, &p->tok.loc, EINVAL, "%s is not allowed %s (it belongs %s)",
				    w, ctx_names[ctx], ctx_names[keywords[i].ctx]);
	for (size_t i = 0; i < ELEMENTSOF(keywords); i++) {
		size_t d;

		if (keywords[i].ctx != ctx)
			continue;
		if (strcasecmp(keywords[i].name, w) == 0) {
			best = keywords[i].name;
			break;
		}
		d = edit_distance(keywords[i].name, w);
		if (d < best_d && strlen(w) >= 5) {
			best_d = d;
			best = keywords[i].name;
		}
	}
	if (best)
		return perr(p, &p->tok.loc, EINVAL, "unknown keyword '%s' (did you mean '%s'?)", w,
			    best);
	return perr(p, &p->tok.loc, EINVAL, "unknown keyword '%.64s'", w);
}

static void note_unimplemented(struct parser *p, const struct keyword *kw, const struct conf_loc *loc)
{
	struct mip6_config *c = p->c;
	size_t idx = (size_t)(kw - keywords);
	struct conf_seen *n;

	if (!kw->unimplemented || p->kw_seen[idx])
		return;
	n = realloc(c->unimplemented, (c->n_unimplemented + 1) * sizeof(*n));
	if (!n)
		return; /* only a warning is lost */
	c->unimplemented = n;
	c->unimplemented[c->n_unimplemented++] = (struct conf_seen){ kw->name, *loc };
	p->kw_seen[idx] = true;
}

/* Statements until EOF (top level) or the '}' closing `open`. */
static int parse_statements(struct parser *p, enum kw_ctx ctx, void *obj, const struct token *open)
{
	struct conf_loc open_loc = open ? open->loc : (struct conf_loc){};
	char d[80];

	for (;;) {
		const struct keyword *kw = NULL;
		struct conf_loc loc;
		int r = advance(p);

		if (r < 0)
			return r;
		if (p->tok.type == TOK_EOF) {
			if (ctx == CTX_TOP)
				return 0;
			return perr(p, &p->tok.loc, EINVAL,
				    "unexpected end of file: '{' at %s:%u:%u is not closed",
				    open_loc.file, open_loc.line, open_loc.column);
		}
		if (p->tok.type == TOK_RBRACE && ctx != CTX_TOP)
			return 0;
		if (p->tok.type == TOK_SEMI)
			continue; /* empty statement */
		if (p->tok.type != TOK_WORD)
			return perr(p, &p->tok.loc, EINVAL, "expected a keyword, got %s",
				    tok_describe(&p->tok, d, sizeof(d)));
		for (size_t i = 0; i < ELEMENTSOF(keywords); i++)
			if (keywords[i].ctx == ctx && strcmp(keywords[i].name, p->tok.text) == 0) {
				kw = &keywords[i];
				break;
			}
		if (!kw)
			return unknown_keyword(p, ctx);
		loc = p->tok.loc;
		p->kw_loc[kw - keywords] = loc;
		note_unimplemented(p, kw, &loc);
		r = parse_keyword(p, kw, ctx == CTX_TOP ? (void *)p->c : obj);
		if (r < 0)
			return r;
	}
}

/* ---- Validation ---- */

static const struct conf_loc *kw_loc(struct parser *p, const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(keywords); i++)
		if (keywords[i].ctx == CTX_TOP && strcmp(keywords[i].name, name) == 0)
			return p->kw_loc[i].file ? &p->kw_loc[i] : NULL;
	return NULL;
}

/* A reqid used twice among the sets' policies: the earlier policy, or NULL. */
static const struct conf_ipsec_policy *reqid_seen_before(const struct mip6_config *c, size_t set, size_t pol,
							 uint32_t reqid)
{
	for (size_t i = 0; i <= set; i++) {
		const struct conf_ipsec_policy_set *s = &c->ipsec_policy_sets[i];

		for (size_t j = 0; j < (i == set ? pol : s->n_policies); j++)
			if (s->policies[j].reqid_to_ha == reqid)
				return &s->policies[j];
	}
	return NULL;
}

/*
 * KeyManagement strongswan: every reqid names one swanctl CHILD_SA on this
 * host (both directions: a second reqid has no meaning), from the range that
 * charon's dynamic reqids do not reach (conf.h), each once.
 */
static int validate_strongswan_reqids(struct parser *p)
{
	const struct mip6_config *c = p->c;

	if (c->key_management != CONF_KEY_MANAGEMENT_STRONGSWAN)
		return 0;
	for (size_t i = 0; i < c->n_ipsec_policy_sets; i++)
		for (size_t j = 0; j < c->ipsec_policy_sets[i].n_policies; j++) {
			const struct conf_ipsec_policy *e = &c->ipsec_policy_sets[i].policies[j];
			const struct conf_ipsec_policy *d;
			const char *t = conf_ipsec_type_to_string(e->type);

			if (e->reqid_to_ha == 0)
				continue;
			if (e->reqid_to_mn && e->reqid_to_mn != e->reqid_to_ha)
				return perr(p, &e->loc, EINVAL,
					    "IPsecPolicy %s: strongSwan keeps one reqid per CHILD_SA for both "
					    "directions; drop the second reqid (%" PRIu32 ")",
					    t, e->reqid_to_mn);
			if (e->reqid_to_ha < CONF_REQID_MIN || e->reqid_to_ha > CONF_REQID_MAX)
				return perr(p, &e->loc, ERANGE,
					    "IPsecPolicy %s: reqid %" PRIu32 " is outside %u-%u, the range "
					    "charon's dynamic reqids never reach (a low reqid can be another "
					    "tunnel's); use e.g. %u and the same in the swanctl child",
					    t, e->reqid_to_ha, CONF_REQID_MIN, CONF_REQID_MAX,
					    CONF_REQID_MIN + e->reqid_to_ha % 1000000U);
			d = reqid_seen_before(c, i, j, e->reqid_to_ha);
			if (d)
				return perr(p, &e->loc, EINVAL,
					    "IPsecPolicy %s: reqid %" PRIu32 " is already used at %s:%u:%u; "
					    "every mobility CHILD_SA needs its own reqid",
					    t, e->reqid_to_ha, d->loc.file, d->loc.line, d->loc.column);
		}
	return 0;
}

_printf_(3, 4) static void pwarn(struct parser *p, const struct conf_loc *loc, const char *fmt, ...)
{
	struct mip6_config *c = p->c;
	char *msg = NULL, *text = NULL, **v;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg || asprintf(&text, "%s:%u:%u: %s", loc->file, loc->line, loc->column, msg) < 0)
		text = NULL;
	free(msg);
	v = text ? reallocarray(c->warnings, c->n_warnings + 1, sizeof(*v)) : NULL;
	if (!v) {
		free(text);
		return;
	}
	c->warnings = v;
	c->warnings[c->n_warnings++] = text;
}

/*
 * UseMnHaIPsec (the default) with nothing to protect cannot work: the HA refuses
 * every BU that lacks the ESP no policy set provides (RFC 4877 §4.1). An error, with the fix.
 */
static int validate_ipsec_sets(struct parser *p, const struct conf_loc *top)
{
	const struct mip6_config *c = p->c;
	const struct conf_loc *ipsec = kw_loc(p, "UseMnHaIPsec");

	if (c->role == NODE_ROLE_CN || !c->use_mn_ha_ipsec || c->n_ipsec_policy_sets > 0)
		return 0;
	return perr(p, ipsec ? ipsec : top, EINVAL,
		    "UseMnHaIPsec is enabled%s but no IPsecPolicySet protects a home address: %s; add an "
		    "IPsecPolicySet (mip6d.conf(5)) or write UseMnHaIPsec disabled; on a trusted network",
		    ipsec ? "" : " (the default)",
		    c->role == NODE_ROLE_HA ? "the home agent would refuse every Binding Update" :
					      "the home agent would refuse this node's Binding Updates");
}

/* Configurations that load but are unsafe or do nothing: warnings (conf_warnings). */
static void lint(struct parser *p, const struct conf_loc *top)
{
	const struct mip6_config *c = p->c;
	const struct conf_loc *ipsec = kw_loc(p, "UseMnHaIPsec"), *acl = kw_loc(p, "DefaultBindingAclPolicy");

	if (!kw_loc(p, "NodeConfig"))
		pwarn(p, top, "no NodeConfig: mip6d runs as a correspondent node, which does nothing yet; "
			      "write NodeConfig HA; or NodeConfig MN;");
	if (c->role == NODE_ROLE_CN)
		return;
	if (c->role == NODE_ROLE_HA && !c->use_mn_ha_ipsec && c->default_binding_acl_allow)
		pwarn(p, acl ? acl : ipsec ? ipsec : top,
		      "an open home agent: without UseMnHaIPsec any node can register any home address on "
		      "the home link and take its traffic; write DefaultBindingAclPolicy deny; with a "
		      "BindingAclPolicy per mobile node, or enable UseMnHaIPsec");
}

static int validate(struct parser *p)
{
	struct mip6_config *c = p->c;
	const struct conf_loc *loc;
	struct conf_loc top = { .file = c->files[0], .line = 1, .column = 1 };
	char a[INET6_ADDRSTRLEN];
	int r;

	for (size_t i = 0; i < c->n_interfaces; i++)
		if (c->interfaces[i].type < 0)
			c->interfaces[i].type = c->role;

	loc = kw_loc(p, "NodeConfig");
	if (!loc)
		loc = &top;
	if (c->role == NODE_ROLE_HA && c->n_interfaces == 0)
		return perr(p, loc, EINVAL, "NodeConfig HA needs at least one Interface");
	if (c->role == NODE_ROLE_MN) {
		if (c->n_home_links == 0)
			return perr(p, loc, EINVAL, "NodeConfig MN needs at least one MnHomeLink");
		for (size_t i = 0; i < c->n_home_links; i++) {
			const struct conf_home_link *l = &c->home_links[i];

			if (!l->has_hoa)
				return perr(p, &l->loc, EINVAL, "MnHomeLink \"%s\" has no HomeAddress",
					    l->ifname);
			/* No HomeAgentAddress: ha_addr stays :: (zeroed), i.e. discovery by DHAAD
			 * (RFC 6275 §11.4.1) as with HomeAgentAddress ::. */
		}
	}
	for (size_t i = 0; i < c->n_home_links; i++) {
		const struct conf_home_link *l = &c->home_links[i];

		if (!l->has_hoa)
			continue;
		if (IN6_IS_ADDR_UNSPECIFIED(&l->hoa.addr) || IN6_IS_ADDR_MULTICAST(&l->hoa.addr) ||
		    IN6_IS_ADDR_LOOPBACK(&l->hoa.addr) || IN6_IS_ADDR_LINKLOCAL(&l->hoa.addr))
			return perr(p, &l->loc, EINVAL,
				    "MnHomeLink \"%s\": HomeAddress %s is not a global unicast address",
				    l->ifname, inet_ntop(AF_INET6, &l->hoa.addr, a, sizeof(a)));
		for (size_t j = 0; j < i; j++)
			if (c->home_links[j].has_hoa &&
			    memcmp(&c->home_links[j].hoa.addr, &l->hoa.addr, sizeof(l->hoa.addr)) == 0)
				return perr(p, &l->loc, EINVAL,
					    "HomeAddress %s is already used by the MnHomeLink at %s:%u",
					    inet_ntop(AF_INET6, &l->hoa.addr, a, sizeof(a)),
					    c->home_links[j].loc.file, c->home_links[j].loc.line);
	}
	for (size_t i = 0; i < c->n_ipsec_policy_sets; i++) {
		const struct conf_ipsec_policy_set *s = &c->ipsec_policy_sets[i];

		if (!s->has_ha_addr)
			return perr(p, &s->loc, EINVAL, "IPsecPolicySet has no HomeAgentAddress");
		if (s->n_hoas == 0)
			return perr(p, &s->loc, EINVAL, "IPsecPolicySet has no HomeAddress");
		if (s->n_policies == 0)
			return perr(p, &s->loc, EINVAL, "IPsecPolicySet has no IPsecPolicy");
	}
	r = validate_strongswan_reqids(p);
	if (r < 0)
		return r;
	lint(p, &top);
	if (c->min_mob_pfx_adv_interval > c->max_mob_pfx_adv_interval) {
		loc = kw_loc(p, "MinMobPfxAdvInterval");
		if (!loc)
			loc = kw_loc(p, "MaxMobPfxAdvInterval");
		return perr(p, loc ? loc : &top, EINVAL,
			    "MinMobPfxAdvInterval (%u) is greater than MaxMobPfxAdvInterval (%u)",
			    c->min_mob_pfx_adv_interval, c->max_mob_pfx_adv_interval);
	}
	if (c->mn_router_probes > 0 && c->mn_router_probe_timeout_usec == 0) {
		loc = kw_loc(p, "MnRouterProbes");
		return perr(p, loc ? loc : &top, EINVAL,
			    "MnRouterProbes needs MnRouterProbeTimeout greater than 0");
	}
	return validate_ipsec_sets(p, &top);
}

/* ---- Entry points ---- */

static int conf_parse(const char *name, char *text, size_t len, const struct stat *st,
		      unsigned flags, struct mip6_config **ret, char **ret_error)
{
	_cleanup_(conf_freep) struct mip6_config *c = calloc(1, sizeof(*c));
	struct conf_loc kw_locs[ELEMENTSOF(keywords)] = {};
	bool kw_seen[ELEMENTSOF(keywords)] = {};
	struct parser p = { .flags = flags, .kw_loc = kw_locs, .kw_seen = kw_seen };
	int r;

	if (!c) {
		free(text);
		return -ENOMEM;
	}
	r = conf_defaults(c);
	if (r < 0) {
		free(text);
		return r;
	}
	p.c = c;
	p.total_size = len;
	r = source_push(&p, text, len, name, st);
	if (r >= 0)
		r = parse_statements(&p, CTX_TOP, c, NULL);
	if (r >= 0)
		r = validate(&p);
	while (p.n_src > 0)
		source_release(&p.src[--p.n_src]);
	if (r < 0) {
		if (ret_error) {
			*ret_error = p.error;
			p.error = NULL;
		}
		free(p.error);
		/* Errors from the parser are config errors; ENOMEM and file errors pass through. */
		return r == -ERANGE || r == -E2BIG || r == -ELOOP ? -EINVAL : r;
	}
	*ret = TAKE_PTR(c);
	return 0;
}

int conf_load_string_flags(const char *name, const char *text, size_t len, unsigned flags,
			   struct mip6_config **ret, char **ret_error)
{
	char *copy;

	if (!name || (!text && len) || !ret)
		return -EINVAL;
	if (ret_error)
		*ret_error = NULL;
	if (len > CONF_MAX_SIZE) {
		if (ret_error && asprintf(ret_error, "%s: configuration larger than 4 MiB", name) < 0)
			*ret_error = NULL;
		return -EFBIG;
	}
	copy = malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, text, len);
	return conf_parse(name, copy, len, NULL, flags, ret, ret_error);
}

int conf_load_string(const char *name, const char *text, size_t len, struct mip6_config **ret,
		     char **ret_error)
{
	return conf_load_string_flags(name, text, len, 0, ret, ret_error);
}

int conf_load_file(const char *path, struct mip6_config **ret, char **ret_error)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	int r;

	if (!path || !ret)
		return -EINVAL;
	if (ret_error)
		*ret_error = NULL;
	r = open_conf(path, &st, &text, &len, CONF_MAX_SIZE);
	if (r < 0) {
		if (ret_error &&
		    asprintf(ret_error, "%s: %s", path,
			     r == -EFBIG ? "configuration larger than 4 MiB" : strerror(-r)) < 0)
			*ret_error = NULL;
		return r;
	}
	return conf_parse(path, text, len, &st, 0, ret, ret_error);
}

void conf_warnings(const struct mip6_config *c, void (*cb)(const char *text, void *ud), void *ud)
{
	for (size_t i = 0; i < c->n_warnings; i++)
		cb(c->warnings[i], ud);
}

void conf_unimplemented(const struct mip6_config *c,
			void (*cb)(const char *keyword, const char *where, void *ud), void *ud)
{
	char where[512];

	if (!c || !cb)
		return;
	for (size_t i = 0; i < c->n_unimplemented; i++) {
		snprintf(where, sizeof(where), "%s:%u", c->unimplemented[i].loc.file,
			 c->unimplemented[i].loc.line);
		cb(c->unimplemented[i].keyword, where, ud);
	}
}
