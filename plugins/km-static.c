/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Manual keying (RFC 3776 §4.1): mip6d installs the MN–HA ESP transport SAs
 * itself from a key file (StaticKeyFile; mode 0600 or stricter, owned by
 * root, checked before use). The SAs are keyed on the HoA and the HA, so
 * movement leaves them alone: there is no IKE SA to move, K is always 0.
 *
 * Key file, one pair per line ('#' comments):
 *   HOA HA SPI_TO_HA SPI_TO_MN AEAD KEY_HEX ICV_BITS
 *   2001:db8:1::100 2001:db8:1::1 0x1001 0x1002 rfc4106(gcm(aes)) <40 hex digits> 128
 * The SA to the HA uses reqid_toHA, the SA to the MN reqid_toMN of the
 * pair's IPsecPolicySet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/xfrm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-event.h>

#include "control/ctl-json.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "ipsec/spd.h"
#include "keymgmt.h"
#include "netlink/nl-kernel.h"

struct km {
	sd_event *event;
	struct knl *knl;
	char *path;
	unsigned installed, failed;
	struct km_pending {
		km_done_fn done;
		void *userdata;
		unsigned left;
		int error;
	} * pending;
};

static int hex_to_bin(const char *hex, uint8_t *out, size_t cap, uint16_t *ret_len)
{
	size_t n = strlen(hex);

	if (n % 2 || n / 2 > cap)
		return -EINVAL;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		out[i] = (uint8_t)v;
	}
	*ret_len = (uint16_t)(n / 2);
	return 0;
}

/* Parse the key file line for the pair into two states. 1 = found, 0 = none, <0 error. */
int km_static_parse_line(const char *line, const struct spd_pair *p, struct knl_xfrm_state ret[2]);
int km_static_parse_line(const char *line, const struct spd_pair *p, struct knl_xfrm_state ret[2])
{
	char hoa[64], ha[64], alg[64], key[160];
	unsigned long spi_ha, spi_mn;
	unsigned icv;
	struct in6_addr a_hoa, a_ha;

	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '#' || *line == '\n' || *line == 0)
		return 0;
	if (sscanf(line, "%63s %63s %li %li %63s %159s %u", hoa, ha, (long *)&spi_ha, (long *)&spi_mn, alg, key,
		   &icv) != 7)
		return -EINVAL;
	if (inet_pton(AF_INET6, hoa, &a_hoa) != 1 || inet_pton(AF_INET6, ha, &a_ha) != 1)
		return -EINVAL;
	if (memcmp(&a_hoa, &p->hoa, 16) != 0 || memcmp(&a_ha, &p->ha, 16) != 0)
		return 0;
	if (spi_ha < 256 || spi_mn < 256 || spi_ha > UINT32_MAX || spi_mn > UINT32_MAX || icv == 0 || icv > 256)
		return -EINVAL;
	memset(ret, 0, 2 * sizeof(*ret));
	for (int i = 0; i < 2; i++) {
		struct knl_xfrm_state *s = &ret[i];
		s->proto = IPPROTO_ESP;
		s->mode = XFRM_MODE_TRANSPORT;
		s->replay_window = 32;
		s->sel.type = KNL_XFRM_TYPE_ANY;
		snprintf(s->aead.name, sizeof(s->aead.name), "%s", alg);
		if (hex_to_bin(key, s->aead.key, sizeof(s->aead.key), &s->aead.key_len) < 0)
			return -EINVAL;
		s->aead.icv_bits = (uint16_t)icv;
	}
	ret[0].src = p->hoa;
	ret[0].dst = p->ha;
	ret[0].spi = (uint32_t)spi_ha;
	ret[0].reqid = p->reqid;
	ret[1].src = p->ha;
	ret[1].dst = p->hoa;
	ret[1].spi = (uint32_t)spi_mn;
	ret[1].reqid = p->reqid_to_mn;
	return 1;
}

static void on_installed(int result, void *userdata)
{
	struct km_pending *pd = userdata;

	if (result < 0 && pd->error == 0)
		pd->error = result;
	if (--pd->left > 0)
		return;
	pd->done(pd->error, pd->userdata);
	free(pd);
}

static int st_up(struct km *km, const struct spd_pair *p, km_done_fn done, void *userdata)
{
	_cleanup_(fclosep) FILE *f = NULL;
	struct knl_xfrm_state st[2];
	struct km_pending *pd;
	struct stat sb;
	char line[512];
	int found = 0, r;

	if (!km->path)
		return log_error_errno(EINVAL, "KeyManagement static needs StaticKeyFile");
	f = fopen(km->path, "re");
	if (!f)
		return log_error_errno(errno, "cannot open the key file %s: %m", km->path);
	if (fstat(fileno(f), &sb) < 0 || sb.st_uid != 0 || (sb.st_mode & 077))
		return log_error_errno(EPERM, "key file %s must be owned by root with mode 0600", km->path);
	while (fgets(line, sizeof(line), f)) {
		r = km_static_parse_line(line, p, st);
		if (r < 0)
			return log_error_errno(r, "key file %s: malformed line", km->path);
		if (r > 0) {
			found = 1;
			break;
		}
	}
	if (!found)
		return log_error_errno(ENOENT, "key file %s has no keys for this home address", km->path);
	pd = calloc(1, sizeof(*pd));
	if (!pd)
		return -ENOMEM;
	pd->done = done;
	pd->userdata = userdata;
	pd->left = 2;
	for (int i = 0; i < 2; i++)
		if (knl_xfrm_state(km->knl, KNL_OP_REPLACE, &st[i], NULL, on_installed, pd) < 0)
			on_installed(-ENOMEM, pd);
	km->installed++;
	return 0;
}

static int on_nothing(sd_event_source *s, void *userdata)
{
	struct km_pending *pd = userdata;

	sd_event_source_disable_unref(s);
	pd->done(0, pd->userdata);
	free(pd);
	return 0;
}

static int st_move(struct km *km, enum node_role role, const struct spd_pair *p, const struct in6_addr *old_coa,
		   const struct in6_addr *coa, bool k, km_done_fn done, void *userdata)
{
	/* The SAs are keyed on the HoA: nothing moves. Complete from the loop, never synchronously. */
	struct km_pending *pd = calloc(1, sizeof(*pd));
	sd_event_source *src;
	int r;

	if (!pd)
		return -ENOMEM;
	pd->done = done;
	pd->userdata = userdata;
	r = sd_event_add_defer(km->event, &src, on_nothing, pd);
	if (r < 0)
		free(pd);
	return r;
}

static bool st_is_up(struct km *km, const struct spd_pair *p)
{
	return km->installed > 0;
}

static void st_print(struct km *km, FILE *out, bool json)
{
	if (json) {
		json_object *o = json_object_new_object();

		ctl_json_add_str(o, "backend", "static");
		ctl_json_add_str(o, "key_file", km->path);
		ctl_json_add_u64(o, "installed", km->installed);
		(void)ctl_json_print(out, o);
	} else
		fprintf(out, "backend static, key file %s, %u pair(s) installed\n", km->path ? km->path : "(none)",
			km->installed);
}

static int st_create(sd_event *e, struct knl *knl, const struct mip6_config *c, struct km **ret)
{
	struct km *km = calloc(1, sizeof(*km));

	if (!km)
		return -ENOMEM;
	km->event = e;
	km->knl = knl;
	if (c->static_key_file) {
		km->path = strdup(c->static_key_file);
		if (!km->path) {
			free(km);
			return -ENOMEM;
		}
	}
	*ret = km;
	return 0;
}

static void st_destroy(struct km *km)
{
	if (!km)
		return;
	free(km->path);
	free(km);
}

const struct km_ops km_static_ops = {
	.name = "static",
	.create = st_create,
	.destroy = st_destroy,
	.up = st_up,
	.move = st_move,
	.is_up = st_is_up,
	.set_notify = NULL,
	.print = st_print,
};
