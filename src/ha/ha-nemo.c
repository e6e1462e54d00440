// SPDX-License-Identifier: GPL-2.0-or-later
/* NEMO basic support at the home agent (RFC 3963 §6); contract in ha/ha-nemo.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "ha/bcache-store.h"
#include "ha/bcache.h"
#include "ha/ha-nemo.h"
#include "ha/reverse-tunnel.h"
#include "mh/mh-codec.h"

static bool in_prefix(const struct in6_addr *prefix, uint8_t len, const struct in6_addr *a)
{
	uint8_t full = len / 8, rest = len % 8;

	if (len > 128 || memcmp(prefix, a, full) != 0)
		return false;
	return !rest || ((prefix->s6_addr[full] ^ a->s6_addr[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* Two prefixes overlap when the shorter holds the longer's address. */
static bool overlap(const struct in6_addr *a, uint8_t alen, const struct in6_addr *b, uint8_t blen)
{
	return alen <= blen ? in_prefix(a, alen, b) : in_prefix(b, blen, a);
}

static bool host_bits_clear(const struct mh_mnp *p)
{
	for (unsigned bit = p->prefix_len; bit < 128; bit++)
		if (p->prefix.s6_addr[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

bool ha_nemo_prefix_valid(const struct mh_mnp *p, const struct ha_prefix *prefixes, size_t n_prefixes)
{
	static const struct in6_addr zero = IN6ADDR_ANY_INIT, v4mapped = { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
									      0xff } } };
	const uint8_t *b = p->prefix.s6_addr;

	if (p->prefix_len == 0 || p->prefix_len > 128 || !host_bits_clear(p))
		return false;
	/* Not routable to a mobile network: multicast, link-local, ::/96 (unspecified, loopback, v4-compatible), v4-mapped. */
	if (b[0] == 0xff || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || in_prefix(&zero, 96, &p->prefix) ||
	    in_prefix(&v4mapped, 96, &p->prefix))
		return false;
	/* A prefix of (or around) a home link would take the home link's traffic into the tunnel. */
	for (size_t i = 0; i < n_prefixes; i++)
		if (overlap(&prefixes[i].prefix, prefixes[i].len, &p->prefix, p->prefix_len))
			return false;
	return true;
}

/* The Prefix Table (§6.1.2): the BindingAclPolicy line of the HoA, NULL if none. */
static const struct conf_binding_acl *prefix_table(const struct mip6_config *c, const struct in6_addr *hoa)
{
	for (size_t i = 0; i < c->n_binding_acls; i++)
		if (memcmp(&c->binding_acls[i].hoa, hoa, sizeof(*hoa)) == 0)
			return c->binding_acls[i].n_mnps > 0 ? &c->binding_acls[i] : NULL;
	return NULL;
}

static bool authorized(const struct conf_binding_acl *acl, const struct mh_mnp *p)
{
	for (size_t i = 0; acl && i < acl->n_mnps; i++)
		if (acl->mnps[i].len <= p->prefix_len && in_prefix(&acl->mnps[i].addr, acl->mnps[i].len, &p->prefix))
			return true;
	return false;
}

static uint8_t decide_explicit(const struct conf_binding_acl *acl, const struct ha_prefix *prefixes,
			       size_t n_prefixes, const struct ha_bu *bu, struct ha_mnp_set *ret)
{
	const struct ha_mnp_set *in = &bu->mnps;

	if (in->n > MH_MNP_MAX)
		return MH_BA_INVALID_PREFIX;
	/* RFC 3963 §6.2, §6.6: a prefix the HA cannot set up forwarding for → 141. */
	for (unsigned i = 0; i < in->n; i++) {
		if (!ha_nemo_prefix_valid(&in->p[i], prefixes, n_prefixes))
			return MH_BA_INVALID_PREFIX;
		for (unsigned j = 0; j < i; j++)
			if (overlap(&in->p[j].prefix, in->p[j].prefix_len, &in->p[i].prefix, in->p[i].prefix_len))
				return MH_BA_INVALID_PREFIX;
	}
	/* RFC 3963 §6.2, §6.6: a prefix the Prefix Table does not give this HoA → 142. */
	for (unsigned i = 0; i < in->n; i++)
		if (!authorized(acl, &in->p[i]))
			return MH_BA_NOT_AUTHORIZED_PREFIX;
	*ret = *in;
	ret->explicit_mode = true;
	return MH_BA_ACCEPTED;
}

/* RFC 3963 §6.2, §6.6: implicit mode, the configured prefixes; none usable → 143. */
static uint8_t decide_implicit(const struct conf_binding_acl *acl, const struct ha_prefix *prefixes,
			       size_t n_prefixes, struct ha_mnp_set *ret)
{
	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; acl && i < acl->n_mnps && ret->n < MH_MNP_MAX; i++) {
		struct mh_mnp p = { .prefix_len = acl->mnps[i].len, .prefix = acl->mnps[i].addr };

		if (!ha_nemo_prefix_valid(&p, prefixes, n_prefixes))
			return MH_BA_FWD_SETUP_FAILED;
		ret->p[ret->n++] = p;
	}
	return ret->n > 0 ? MH_BA_ACCEPTED : MH_BA_FWD_SETUP_FAILED;
}

uint8_t ha_nemo_decide(const struct mip6_config *c, const struct ha_prefix *prefixes, size_t n_prefixes,
		       const struct ha_bu *bu, struct ha_mnp_set *ret)
{
	const struct conf_binding_acl *acl = prefix_table(c, &bu->hoa);

	if (bu->mnps.n > 0)
		return decide_explicit(acl, prefixes, n_prefixes, bu, ret);
	return decide_implicit(acl, prefixes, n_prefixes, ret);
}

int ha_nemo_take(struct bce *e, const struct ha_bu *bu, const struct ha_mnp_set *mnps)
{
	bool r = !!(bu->flags & MH_BU_F_R);

	if (!e->mr && !r)
		return 0;
	if (!e->mr && !(e->mr = calloc(1, sizeof(*e->mr))))
		return -ENOMEM;
	e->mr->r_flag = r;
	/* A host registration (R=0) of a former mobile router: no prefix forwarded (§4.1). */
	if (r)
		e->mr->want = *mnps;
	else
		memset(&e->mr->want, 0, sizeof(e->mr->want));
	return 0;
}

bool ha_nemo_ba_r(const struct bce *e)
{
	return e->mr && e->mr->r_flag;
}

static int find(const struct ha_mnp_set *s, const struct mh_mnp *p)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->p[i].prefix_len == p->prefix_len && memcmp(&s->p[i].prefix, &p->prefix, sizeof(p->prefix)) == 0)
			return (int)i;
	return -1;
}

bool ha_nemo_changed(const struct bce *e)
{
	if (!e->mr)
		return false;
	if (e->mr->want.n != e->mr->have.n)
		return true;
	for (unsigned i = 0; i < e->mr->want.n; i++)
		if (find(&e->mr->have, &e->mr->want.p[i]) < 0)
			return true;
	return false;
}

static void remove_one(struct knl *k, struct revtun *rt, int tnl_ifindex, const struct mh_mnp *p, uint32_t *handle)
{
	struct knl_route r = { .dst = p->prefix, .dst_len = p->prefix_len, .oif = tnl_ifindex };

	(void)knl_route(k, KNL_OP_DEL, &r, NULL, NULL, NULL);
	revtun_unbind(rt, handle);
}

/* What went from the set: §6.2 "MUST disable forwarding for these Mobile Network Prefixes". */
static void remove_gone(struct knl *k, struct revtun *rt, int tnl_ifindex, struct ha_mr *mr, uint32_t *handles)
{
	for (unsigned i = 0; i < mr->have.n; i++) {
		int j = find(&mr->want, &mr->have.p[i]);

		if (j < 0)
			remove_one(k, rt, tnl_ifindex, &mr->have.p[i], &mr->handles[i]);
		else
			handles[j] = mr->handles[i];
	}
}

int ha_nemo_install(struct knl *k, struct revtun *rt, int tnl_ifindex, struct bce *e, knl_done_fn done,
		    void *userdata)
{
	struct ha_mr *mr = e->mr;
	uint32_t handles[MH_MNP_MAX] = { 0 };
	int n = 0, r = 0;

	if (!mr)
		return 0;
	remove_gone(k, rt, tnl_ifindex, mr, handles);
	mr->have = mr->want;
	memcpy(mr->handles, handles, sizeof(handles));
	for (unsigned i = 0; i < mr->have.n; i++) {
		const struct mh_mnp *p = &mr->have.p[i];
		struct knl_route route = { .dst = p->prefix, .dst_len = p->prefix_len, .oif = tnl_ifindex,
					   .encap = true, .encap_dst = e->coa, .encap_src = e->local };

		/* RFC 3963 §6.4: packets from the mobile network accepted from this router's CoA only. */
		r = revtun_bind_prefix(rt, &mr->handles[i], &e->coa, &p->prefix, p->prefix_len, e, done, userdata);
		if (r < 0)
			break;
		n++;
		/* §6.5: forwarded to the router through the bidirectional tunnel. */
		r = knl_route(k, KNL_OP_REPLACE, &route, e, done, userdata);
		if (r < 0)
			break;
		n++;
	}
	return r < 0 ? r : n;
}

void ha_nemo_uninstall(struct knl *k, struct revtun *rt, int tnl_ifindex, struct bce *e)
{
	if (!e->mr)
		return;
	for (unsigned i = 0; i < e->mr->have.n; i++)
		remove_one(k, rt, tnl_ifindex, &e->mr->have.p[i], &e->mr->handles[i]);
	e->mr->have.n = 0;
}

void ha_nemo_free(struct bce *e)
{
	free(e->mr);
	e->mr = NULL;
}

bool ha_nemo_to_record(const struct bce *e, struct bcs_record *r)
{
	const struct ha_mnp_set *s = e->mr ? &e->mr->want : NULL;

	if (!s || s->n == 0 || s->n > BCS_MNP_MAX)
		return false;
	memset(r, 0, sizeof(*r));
	r->type = BCS_MNP;
	r->hoa = e->hoa;
	r->n_mnp = s->n;
	r->mnp_flags = s->explicit_mode ? BCS_MNP_F_EXPLICIT : 0;
	for (unsigned i = 0; i < s->n; i++) {
		r->mnp[i].prefix = s->p[i].prefix;
		r->mnp[i].len = s->p[i].prefix_len;
	}
	return true;
}

int ha_nemo_from_record(struct bce *e, const struct bcs_record *r)
{
	if (r->n_mnp > MH_MNP_MAX)
		return -EINVAL;
	if (!e->mr && !(e->mr = calloc(1, sizeof(*e->mr))))
		return -ENOMEM;
	memset(e->mr, 0, sizeof(*e->mr));
	e->mr->r_flag = true;
	e->mr->want.n = r->n_mnp;
	e->mr->want.explicit_mode = !!(r->mnp_flags & BCS_MNP_F_EXPLICIT);
	for (unsigned i = 0; i < r->n_mnp; i++) {
		e->mr->want.p[i].prefix = r->mnp[i].prefix;
		e->mr->want.p[i].prefix_len = r->mnp[i].len;
	}
	return 0;
}
