/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <linux/xfrm.h>

#include "cn/cn-ro-path.h"

/* §9.3.2: packets to the HoA leave with a type 2 routing header, to the CoA. */
void cn_ro_state_out(const struct cn_ro_binding *b, struct knl_xfrm_state *s)
{
	*s = (struct knl_xfrm_state){ .src = b->cn, .dst = b->hoa, .proto = IPPROTO_ROUTING,
				      .mode = XFRM_MODE_ROUTEOPTIMIZATION, .coaddr = b->coa };
	knl_xfrm_sel_hosts(&s->sel, &b->cn, &b->hoa);
}

/* §9.3.1: a Home Address option for the HoA from the registered CoA only. */
void cn_ro_state_in(const struct cn_ro_binding *b, struct knl_xfrm_state *s)
{
	*s = (struct knl_xfrm_state){ .src = b->hoa, .dst = b->cn, .proto = IPPROTO_DSTOPTS,
				      .mode = XFRM_MODE_ROUTEOPTIMIZATION, .coaddr = b->coa };
	knl_xfrm_sel_hosts(&s->sel, &b->hoa, &b->cn);
}

static void ro_policy(struct knl_xfrm_policy *p, uint8_t dir, uint8_t proto, const struct in6_addr *src,
		      const struct in6_addr *dst)
{
	*p = (struct knl_xfrm_policy){ .dir = dir, .priority = CN_RO_PRIORITY, .n_tmpl = 1 };
	knl_xfrm_sel_hosts(&p->sel, src, dst);
	p->tmpl[0] = (struct knl_xfrm_tmpl){ .src = *src, .dst = *dst, .proto = proto,
					     .mode = XFRM_MODE_ROUTEOPTIMIZATION, .optional = true };
}

void cn_ro_policy_out(const struct cn_ro_binding *b, struct knl_xfrm_policy *p)
{
	ro_policy(p, XFRM_POLICY_OUT, IPPROTO_ROUTING, &b->cn, &b->hoa);
}

void cn_ro_policy_in(const struct cn_ro_binding *b, struct knl_xfrm_policy *p)
{
	ro_policy(p, XFRM_POLICY_IN, IPPROTO_DSTOPTS, &b->hoa, &b->cn);
}

void cn_ro_mh_bypass(struct knl_xfrm_policy *p)
{
	*p = (struct knl_xfrm_policy){ .dir = XFRM_POLICY_OUT, .priority = CN_RO_MH_PRIORITY };
	p->sel.proto = IPPROTO_MH;
	p->sel.type = KNL_XFRM_TYPE_ANY;
}

struct ro_submit {
	struct knl *k;
	const void *owner;
	knl_done_fn done;
	void *userdata;
	unsigned n;
	int r;
};

static void sub_state(struct ro_submit *q, enum knl_op op, const struct knl_xfrm_state *s)
{
	int r;

	if (q->r < 0)
		return;
	r = knl_xfrm_state(q->k, op, s, q->owner, q->done, q->userdata);
	if (r < 0)
		q->r = r;
	else
		q->n++;
}

/*
 * The state changed in place when it exists (a move: its care-of address), created when it
 * does not: UPDSA (ESRCH -> absent), then NEWSA (EEXIST -> existed), in order. KNL_OP_REPLACE
 * (delete, then add) left a moment without the route2 state in which a packet to the HoA
 * matched the policy's optional template and left untransformed, through the home agent.
 */
static void sub_state_set(struct ro_submit *q, const struct knl_xfrm_state *s)
{
	int r;

	if (q->r < 0)
		return;
	r = knl_xfrm_state_update(q->k, s, q->owner, q->done, q->userdata);
	if (r < 0) {
		q->r = r;
		return;
	}
	q->n++;
	sub_state(q, KNL_OP_ADD, s);
}

static void sub_policy(struct ro_submit *q, enum knl_op op, const struct knl_xfrm_policy *p)
{
	int r;

	if (q->r < 0)
		return;
	r = knl_xfrm_policy(q->k, op, p, q->owner, q->done, q->userdata);
	if (r < 0)
		q->r = r;
	else
		q->n++;
}

int cn_ro_submit(struct knl *k, enum cn_ro_op op, const struct cn_ro_binding *b, const void *owner,
		 knl_done_fn done, void *userdata, unsigned *n_counted)
{
	struct ro_submit q = { .k = k, .owner = owner, .done = done, .userdata = userdata };
	struct knl_xfrm_state so, si;
	struct knl_xfrm_policy po, pi;

	cn_ro_state_out(b, &so);
	cn_ro_state_in(b, &si);
	cn_ro_policy_out(b, &po);
	cn_ro_policy_in(b, &pi);
	switch (op) {
	case CN_RO_INSTALL:
		/* States first: a policy without its state lets packets pass untouched ("level use"). */
		sub_state_set(&q, &so);
		sub_state_set(&q, &si);
		sub_policy(&q, KNL_OP_REPLACE, &po);
		sub_policy(&q, KNL_OP_REPLACE, &pi);
		break;
	case CN_RO_REMOVE:
		sub_policy(&q, KNL_OP_DEL, &pi);
		sub_policy(&q, KNL_OP_DEL, &po);
		sub_state(&q, KNL_OP_DEL, &si);
		sub_state(&q, KNL_OP_DEL, &so);
		break;
	default:
		return -EINVAL;
	}
	*n_counted = q.n;
	return q.r;
}
