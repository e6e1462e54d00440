/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Manual keying (RFC 3776 §4.1): mip6d installs the MN–HA ESP transport SAs
 * itself from a key file (StaticKeyFile; mode 0600 or stricter, owned by
 * root, checked before use; format and parser in src/ipsec/keyfile.h). The
 * SAs are keyed on the HoA and the HA, so movement leaves them alone: there
 * is no IKE SA to move (no KM_F_MIGRATE: K is always 0) and nothing to drop.
 * Both ends install their side (KM_F_LOCAL_KEYS).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "control/ctl-json.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "io/io.h"
#include "ipsec/keyfile.h"
#include "ipsec/spd.h"
#include "km-backend.h"
#include "netlink/nl-kernel.h"

/* A key file is a few lines per MN: a home agent with thousands of MNs stays far below this. */
#define KEYFILE_SIZE_MAX (16 * 1024 * 1024)

struct st_km {
	struct knl *knl;
	char *path;
	unsigned installed;
	struct st_install *installs; /* in flight, for destroy */
	bool keep; /* NonVolatileBindingCache (HA): an SA the kernel holds already is kept as it is */
};

struct st_install {
	struct st_km *st;
	struct st_install *prev, *next;
	struct km_call *call;
	unsigned left;
	int error;
	bool down; /* removing the pair's SAs, not installing them */
};

/* The whole key file, checked: owned by root, no access for group or others. */
static int read_key_file(const char *path, char **ret, size_t *ret_len)
{
	_cleanup_(fclosep) FILE *f = NULL;
	_cleanup_(freep) char *buf = NULL;
	struct stat sb;
	size_t n;

	f = fopen(path, "re");
	if (!f)
		return log_error_errno(errno, "cannot open the key file %s: %m", path);
	if (fstat(fileno(f), &sb) < 0 || sb.st_uid != 0 || (sb.st_mode & 077))
		return log_error_errno(EPERM, "key file %s must be owned by root with mode 0600", path);
	if (!S_ISREG(sb.st_mode) || sb.st_size > KEYFILE_SIZE_MAX)
		return log_error_errno(EFBIG, "key file %s is not a regular file of at most %d bytes", path,
				       KEYFILE_SIZE_MAX);
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf)
		return -ENOMEM;
	n = fread(buf, 1, (size_t)sb.st_size, f);
	if (ferror(f))
		return log_error_errno(EIO, "cannot read the key file %s", path);
	*ret = TAKE_PTR(buf);
	*ret_len = n;
	return 0;
}

static void install_unlink(struct st_install *in)
{
	if (in->prev)
		in->prev->next = in->next;
	else
		in->st->installs = in->next;
	if (in->next)
		in->next->prev = in->prev;
}

static void on_installed(int result, void *userdata)
{
	struct st_install *in = userdata;

	if (result < 0 && in->error == 0)
		in->error = result;
	if (--in->left > 0)
		return;
	if (in->error == 0 && !in->down)
		in->st->installed++;
	else if (in->error == 0 && in->st->installed > 0)
		in->st->installed--;
	install_unlink(in);
	km_call_complete(in->call, in->error);
	free(in);
}

/*
 * The pair's two SAs from the key file, installed or removed. Installed: replaced (deleted,
 * then added), or with keep added, one with the same SPI and destination kept as it is (a new
 * key needs a new SPI then).
 */
static int st_apply(struct st_km *st, const struct spd_pair *p, struct km_call *call, bool down)
{
	_cleanup_(freep) char *text = NULL;
	struct knl_xfrm_state states[2];
	struct keyfile_entry e;
	struct st_install *in;
	unsigned line = 0;
	size_t len = 0;
	int r;

	if (!st->path)
		return log_error_errno(EINVAL, "KeyManagement static needs StaticKeyFile");
	r = read_key_file(st->path, &text, &len);
	if (r < 0)
		return r;
	r = keyfile_find(text, len, &p->hoa, &p->ha, &e, &line);
	explicit_bzero(text, len);
	if (r < 0)
		return log_error_errno(r, "key file %s: line %u is malformed (want: HOA HA SPI_TO_HA SPI_TO_MN AEAD KEY_TO_HA KEY_TO_MN ICV_BITS, two different keys)", st->path, line);
	if (r == 0)
		return log_error_errno(ENOENT, "key file %s has no keys for this home address", st->path);
	keyfile_states(&e, p, states);
	explicit_bzero(&e, sizeof(e));
	in = calloc(1, sizeof(*in));
	if (!in)
		return -ENOMEM;
	*in = (struct st_install){ .st = st, .next = st->installs, .call = call, .left = 2, .down = down };
	if (st->installs)
		st->installs->prev = in;
	st->installs = in;
	for (int i = 0; i < 2; i++)
		if (knl_xfrm_state(st->knl, down ? KNL_OP_DEL : st->keep ? KNL_OP_ADD : KNL_OP_REPLACE, &states[i], st,
				   on_installed, in) < 0)
			on_installed(-ENOMEM, in);
	explicit_bzero(states, sizeof(states));
	return 0;
}

static int st_up(void *be, const struct spd_pair *p, struct km_call *call)
{
	return st_apply(be, p, call, false);
}

static int st_down(void *be, const struct spd_pair *p, struct km_call *call)
{
	return st_apply(be, p, call, true);
}

static bool st_is_up(void *be, const struct spd_pair *p)
{
	struct st_km *st = be;

	return st->installed > 0;
}

static void st_print(void *be, FILE *out, bool json)
{
	struct st_km *st = be;

	if (json) {
		json_object *o = json_object_new_object();

		ctl_json_add_str(o, "backend", "static");
		ctl_json_add_str(o, "key_file", st->path);
		ctl_json_add_u64(o, "installed", st->installed);
		(void)ctl_json_print(out, o);
	} else
		fprintf(out, "backend static, key file %s, %u pair(s) installed\n", st->path ? st->path : "(none)",
			st->installed);
}

static int st_create(struct km *front, sd_event *e, struct io *io, const struct mip6_config *c, void **ret)
{
	struct st_km *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	st->knl = io ? io_knl(io) : NULL;
	/* A restart with persistence adopts the SAs the last run left (EEXIST counts as installed). */
	st->keep = c->non_volatile_binding_cache;
	if (c->static_key_file) {
		st->path = strdup(c->static_key_file);
		if (!st->path) {
			free(st);
			return -ENOMEM;
		}
	}
	*ret = st;
	/* Manual keys: nothing to connect to. */
	km_backend_state(front, KM_STATE_CONNECTED);
	return 0;
}

static void st_destroy(void *be)
{
	struct st_km *st = be;

	if (!st)
		return;
	if (st->knl)
		knl_cancel_owner(st->knl, st);
	while (st->installs) {
		struct st_install *in = st->installs;

		install_unlink(in);
		km_call_complete(in->call, -ECANCELED);
		free(in);
	}
	free(st->path);
	free(st);
}

const struct km_backend_ops km_static_backend = {
	.name = "static",
	.features = KM_F_LOCAL_KEYS,
	.create = st_create,
	.destroy = st_destroy,
	.up = st_up,
	.down = st_down,
	.is_up = st_is_up,
	.print = st_print,
};
