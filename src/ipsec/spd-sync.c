/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <linux/xfrm.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "ipsec/spd-sync.h"

struct spd_entry {
	struct knl_xfrm_policy p;
	bool leaving; /* being deleted by us: its DELPOLICY notification is no loss */
};

struct spd_txn;

struct spd_op {
	struct spd_txn *t;
	enum knl_op op, undo_op;
	struct knl_xfrm_policy p, undo;
	int result; /* 1 while pending */
};

struct spd_txn {
	struct spd_sync *s;
	struct spd_op *ops;
	size_t n_ops, pending;
	int error;
	bool undoing, undo_failed;
	struct spd_entry *want;
	size_t n_want;
	knl_done_fn done;
	void *userdata;
};

struct spd_sync {
	struct knl *knl;
	struct spd_entry *set; /* sorted by key */
	size_t n;
	struct spd_txn *txn;
	bool resync_after; /* a flush during an apply: install everything once it ends */
	struct spd_sync_stats st;
	struct knl_xfrm_policy *loaded; /* spd_sync_load(): the dump's entries so far */
	size_t n_loaded, cap_loaded;
	bool (*owns)(const struct knl_xfrm_policy *p);
	knl_done_fn load_done;
	void *load_userdata;
	size_t clear_pending;
	int clear_error;
	knl_done_fn clear_done;
	void *clear_userdata;
};

struct spd_key {
	struct in6_addr src, dst;
	int32_t type, ifindex;
	uint8_t src_len, dst_len, proto, dir, ptype;
};

static void key_of(const struct knl_xfrm_policy *p, struct spd_key *k)
{
	memset(k, 0, sizeof(*k)); /* padding too: keys compare with memcmp */
	k->src = p->sel.src;
	k->dst = p->sel.dst;
	k->type = p->sel.type;
	k->ifindex = p->sel.ifindex;
	k->src_len = p->sel.src_len;
	k->dst_len = p->sel.dst_len;
	k->proto = p->sel.proto;
	k->dir = p->dir;
	k->ptype = p->ptype;
}

int spd_policy_key_cmp(const struct knl_xfrm_policy *a, const struct knl_xfrm_policy *b)
{
	struct spd_key ka, kb;

	key_of(a, &ka);
	key_of(b, &kb);
	return memcmp(&ka, &kb, sizeof(ka));
}

static bool tmpl_equal(const struct knl_xfrm_tmpl *a, const struct knl_xfrm_tmpl *b)
{
	return memcmp(&a->src, &b->src, sizeof(a->src)) == 0 && memcmp(&a->dst, &b->dst, sizeof(a->dst)) == 0 &&
	       a->proto == b->proto && a->mode == b->mode && a->reqid == b->reqid && a->spi == b->spi &&
	       a->optional == b->optional;
}

bool spd_policy_equal(const struct knl_xfrm_policy *a, const struct knl_xfrm_policy *b)
{
	if (spd_policy_key_cmp(a, b) != 0 || a->priority != b->priority || a->action != b->action ||
	    a->n_tmpl != b->n_tmpl)
		return false;
	for (unsigned i = 0; i < a->n_tmpl && i < KNL_XFRM_TMPL_MAX; i++)
		if (!tmpl_equal(&a->tmpl[i], &b->tmpl[i]))
			return false;
	return true;
}

static int entry_cmp(const void *a, const void *b)
{
	return spd_policy_key_cmp(&((const struct spd_entry *)a)->p, &((const struct spd_entry *)b)->p);
}

static struct spd_entry *set_find(const struct spd_sync *s, const struct knl_xfrm_policy *p)
{
	struct spd_entry k = { .p = *p };

	return s->n ? bsearch(&k, s->set, s->n, sizeof(*s->set), entry_cmp) : NULL;
}

const struct knl_xfrm_policy *spd_sync_find(const struct spd_sync *s, const struct knl_xfrm_policy *p)
{
	struct spd_entry *e = set_find(s, p);

	return e ? &e->p : NULL;
}

int spd_sync_new(struct knl *knl, struct spd_sync **ret)
{
	struct spd_sync *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->knl = knl;
	*ret = s;
	return 0;
}

static void txn_free(struct spd_txn *t)
{
	if (!t)
		return;
	free(t->ops);
	free(t->want);
	free(t);
}

struct spd_sync *spd_sync_free(struct spd_sync *s)
{
	if (!s)
		return NULL;
	knl_cancel_owner(s->knl, s);
	free(s->loaded);
	txn_free(s->txn);
	free(s->set);
	free(s);
	return NULL;
}

void spd_sync_get_stats(const struct spd_sync *s, struct spd_sync_stats *ret)
{
	*ret = s->st;
	ret->installed = s->n;
}

/* ---- repair ---- */

static void on_repaired(int result, void *userdata)
{
	struct spd_sync *s = userdata;

	if (result < 0) {
		s->st.repair_failures++;
		log_error_errno(result, "MN-HA IPsec: reinstalling an SPD entry failed: %m (%s)",
				knl_extack(s->knl) ? knl_extack(s->knl) : "no detail");
	}
}

static void reinstall(struct spd_sync *s, struct spd_entry *e)
{
	int r = knl_xfrm_policy(s->knl, KNL_OP_REPLACE, &e->p, s, on_repaired, s);

	if (r < 0) {
		s->st.repair_failures++;
		log_error_errno(r, "MN-HA IPsec: cannot queue the reinstallation of an SPD entry: %m");
	}
}

static void repair(struct spd_sync *s, struct spd_entry *e)
{
	s->st.repairs++;
	reinstall(s, e);
}

void spd_sync_resync(struct spd_sync *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (!s->set[i].leaving)
			repair(s, &s->set[i]);
}

void spd_sync_on_event(struct spd_sync *s, const struct knl_event *ev)
{
	struct spd_entry *e;

	if (ev->type == KNL_EVENT_XFRM_POLICY_FLUSH) {
		if (ev->policy.ptype != XFRM_POLICY_TYPE_MAIN || s->n == 0)
			return;
		log_warning("MN-HA IPsec: the kernel's SPD was flushed; reinstalling %zu entries", s->n);
		spd_sync_resync(s);
		if (s->txn)
			s->resync_after = true; /* entries this apply added are not in the set yet */
		return;
	}
	if (ev->type != KNL_EVENT_XFRM_POLICY || !ev->removed)
		return;
	e = set_find(s, &ev->policy);
	if (!e || e->leaving)
		return;
	log_warning("MN-HA IPsec: an SPD entry of ours was deleted (dir %u, priority %u); reinstalling it",
		    e->p.dir, e->p.priority);
	repair(s, e);
}

/* ---- apply ---- */

static void txn_complete(struct spd_txn *t)
{
	struct spd_sync *s = t->s;
	knl_done_fn done = t->done;
	void *userdata = t->userdata;
	int error = t->error;

	s->txn = NULL;
	if (!error) {
		free(s->set);
		s->set = t->want;
		s->n = t->n_want;
		t->want = NULL;
	} else {
		s->st.apply_failures++;
		for (size_t i = 0; i < s->n; i++)
			s->set[i].leaving = false;
		if (t->undo_failed)
			s->resync_after = true; /* the old set may be incomplete now */
	}
	txn_free(t);
	if (s->resync_after) {
		s->resync_after = false;
		spd_sync_resync(s);
	}
	if (done)
		done(error, userdata);
}

static void on_undo_done(int result, void *userdata)
{
	struct spd_op *op = userdata;
	struct spd_txn *t = op->t;

	if (result < 0) {
		t->undo_failed = true;
		log_error_errno(result, "MN-HA IPsec: undoing an SPD change failed: %m");
	}
	if (--t->pending == 0)
		txn_complete(t);
}

/* After a failure: undo every change the kernel took, the newest first. */
static void txn_undo(struct spd_txn *t)
{
	t->undoing = true;
	for (size_t i = t->n_ops; i-- > 0;) {
		struct spd_op *op = &t->ops[i];

		if (op->result != 0)
			continue;
		if (knl_xfrm_policy(t->s->knl, op->undo_op, &op->undo, t->s, on_undo_done, op) == 0)
			t->pending++;
		else
			t->undo_failed = true;
	}
	if (t->pending == 0)
		txn_complete(t);
}

static void on_op_done(int result, void *userdata)
{
	struct spd_op *op = userdata;
	struct spd_txn *t = op->t;

	op->result = result == KNL_RESULT_ABSENT ? 0 : result;
	if (result < 0 && !t->error) {
		t->error = result;
		log_error_errno(result, "MN-HA IPsec: the kernel refused an SPD change: %m (%s)",
				knl_extack(t->s->knl) ? knl_extack(t->s->knl) : "no detail");
	}
	if (--t->pending > 0)
		return;
	if (t->error)
		txn_undo(t);
	else
		txn_complete(t);
}

static void op_add(struct spd_txn *t, enum knl_op op, const struct knl_xfrm_policy *p, enum knl_op undo_op,
		   const struct knl_xfrm_policy *undo)
{
	struct spd_op *o = &t->ops[t->n_ops++];

	*o = (struct spd_op){ .t = t, .op = op, .p = *p, .undo_op = undo_op, .undo = *undo, .result = 1 };
}

/* The changes from the installed set to t->want: installs and replacements first, deletions last. */
static void txn_plan(struct spd_sync *s, struct spd_txn *t)
{
	size_t i = 0, j = 0;

	while (i < t->n_want || j < s->n) {
		int c = i == t->n_want ? 1 : j == s->n ? -1 : entry_cmp(&t->want[i], &s->set[j]);

		if (c < 0) {
			op_add(t, KNL_OP_REPLACE, &t->want[i].p, KNL_OP_DEL, &t->want[i].p);
			i++;
		} else if (c > 0) {
			j++; /* deleted below */
		} else {
			if (!spd_policy_equal(&t->want[i].p, &s->set[j].p))
				op_add(t, KNL_OP_REPLACE, &t->want[i].p, KNL_OP_REPLACE, &s->set[j].p);
			i++, j++;
		}
	}
	for (j = 0; j < s->n; j++)
		if (!bsearch(&s->set[j], t->want, t->n_want, sizeof(*t->want), entry_cmp)) {
			s->set[j].leaving = true;
			op_add(t, KNL_OP_DEL, &s->set[j].p, KNL_OP_REPLACE, &s->set[j].p);
		}
}

static int txn_new(struct spd_sync *s, const struct knl_xfrm_policy *want, size_t n, struct spd_txn **ret)
{
	struct spd_txn *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->s = s;
	t->want = calloc(n ? n : 1, sizeof(*t->want));
	t->ops = calloc(n + s->n ? n + s->n : 1, sizeof(*t->ops));
	if (!t->want || !t->ops) {
		txn_free(t);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		t->want[i].p = want[i];
	t->n_want = n;
	qsort(t->want, n, sizeof(*t->want), entry_cmp);
	for (size_t i = 1; i < n; i++)
		if (entry_cmp(&t->want[i - 1], &t->want[i]) == 0) {
			txn_free(t);
			return -EINVAL;
		}
	*ret = t;
	return 0;
}

int spd_sync_apply(struct spd_sync *s, const struct knl_xfrm_policy *want, size_t n, knl_done_fn done,
		   void *userdata)
{
	struct spd_txn *t;
	int r;

	if (s->txn)
		return -EBUSY;
	r = txn_new(s, want, n, &t);
	if (r < 0)
		return r;
	t->done = done;
	t->userdata = userdata;
	txn_plan(s, t);
	s->st.applies++;
	if (t->n_ops == 0) {
		/* Nothing changes in the kernel: the set is the wanted one already. */
		free(s->set);
		s->set = t->want;
		s->n = t->n_want;
		t->want = NULL;
		txn_free(t);
		return 0;
	}
	s->txn = t;
	for (size_t i = 0; i < t->n_ops; i++) {
		struct spd_op *op = &t->ops[i];

		r = knl_xfrm_policy(s->knl, op->op, &op->p, s, on_op_done, op);
		if (r == 0) {
			t->pending++;
			continue;
		}
		op->result = r;
		if (!t->error)
			t->error = r;
	}
	if (t->pending == 0) {
		/* Nothing was queued, nothing changed: refused here, done does not run. */
		r = t->error;
		s->txn = NULL;
		for (size_t i = 0; i < s->n; i++)
			s->set[i].leaving = false;
		s->st.apply_failures++;
		txn_free(t);
		return r;
	}
	return 1;
}

/* ---- clear ---- */

static void on_cleared(int result, void *userdata)
{
	struct spd_sync *s = userdata;

	if (result < 0 && !s->clear_error)
		s->clear_error = result;
	if (--s->clear_pending == 0 && s->clear_done)
		s->clear_done(s->clear_error, s->clear_userdata);
}

int spd_sync_clear(struct spd_sync *s, knl_done_fn done, void *userdata)
{
	size_t n = s->n;

	s->clear_done = done;
	s->clear_userdata = userdata;
	s->clear_error = 0;
	s->clear_pending = 0;
	s->n = 0; /* nothing is repaired from now on */
	for (size_t i = 0; i < n; i++)
		if (knl_xfrm_policy(s->knl, KNL_OP_DEL, &s->set[i].p, s, on_cleared, s) == 0)
			s->clear_pending++;
	free(s->set);
	s->set = NULL;
	return s->clear_pending ? 1 : 0;
}

/* ---- start: adoption; moves the kernel made ---- */

int spd_sync_adopt(struct spd_sync *s, const struct knl_xfrm_policy *have, size_t n)
{
	struct spd_entry *set;
	size_t k = 0;

	if (s->n > 0 || s->txn)
		return -EBUSY;
	if (n == 0)
		return 0;
	set = calloc(n, sizeof(*set));
	if (!set)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		set[i].p = have[i];
		set[i].p.index = 0; /* the kernel's; a reinstall lets it choose */
	}
	/* A stable sort keeps the first of two entries with one key. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && entry_cmp(&set[j - 1], &set[j]) > 0; j--) {
			struct spd_entry t = set[j];

			set[j] = set[j - 1];
			set[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++)
		if (k == 0 || entry_cmp(&set[k - 1], &set[i]) != 0)
			set[k++] = set[i];
	free(s->set);
	s->set = set;
	s->n = k;
	s->st.adopted = k;
	return (int)k;
}

static void on_loaded_policy(const struct knl_event *ev, void *userdata)
{
	struct spd_sync *s = userdata;

	if (ev->type != KNL_EVENT_XFRM_POLICY || ev->removed || !s->owns(&ev->policy))
		return;
	if (s->n_loaded == s->cap_loaded) {
		size_t cap = s->cap_loaded ? 2 * s->cap_loaded : 64;
		struct knl_xfrm_policy *l = reallocarray(s->loaded, cap, sizeof(*l));

		if (!l)
			return; /* not adopted: the apply replaces it, or it stays as nobody's */
		s->loaded = l;
		s->cap_loaded = cap;
	}
	s->loaded[s->n_loaded++] = ev->policy;
}

static void on_loaded(int result, void *userdata)
{
	struct spd_sync *s = userdata;
	knl_done_fn done = s->load_done;
	int r = result;

	if (r >= 0)
		r = spd_sync_adopt(s, s->loaded, s->n_loaded);
	free(s->loaded);
	s->loaded = NULL;
	s->n_loaded = s->cap_loaded = 0;
	s->load_done = NULL;
	if (done)
		done(r < 0 ? r : 0, s->load_userdata);
}

int spd_sync_load(struct spd_sync *s, bool (*owns)(const struct knl_xfrm_policy *p), knl_done_fn done,
		  void *userdata)
{
	if (s->n > 0 || s->txn || s->load_done)
		return -EBUSY;
	s->owns = owns;
	s->load_done = done;
	s->load_userdata = userdata;
	int r = knl_dump(s->knl, KNL_DUMP_XFRM_POLICIES, s, on_loaded_policy, on_loaded, s);
	if (r < 0)
		s->load_done = NULL;
	return r;
}

int spd_sync_note(struct spd_sync *s, const struct knl_xfrm_policy *p, bool install)
{
	struct spd_entry *e = set_find(s, p);

	if (!e)
		return 0;
	e->p = *p;
	e->p.index = 0;
	s->st.notes++;
	if (s->txn) {
		struct spd_entry k = { .p = *p }, *w;

		w = bsearch(&k, s->txn->want, s->txn->n_want, sizeof(*w), entry_cmp);
		if (w)
			w->p = e->p;
		s->resync_after = true;
	}
	if (install && !e->leaving)
		reinstall(s, e);
	return 1;
}

int spd_sync_diff(const struct spd_sync *s, const struct knl_xfrm_policy *want, size_t n, struct spd_sync_diff *ret)
{
	struct spd_txn *t;
	size_t found = 0;
	int r = txn_new((struct spd_sync *)s, want, n, &t);

	if (r < 0)
		return r;
	*ret = (struct spd_sync_diff){ 0 };
	for (size_t i = 0; i < t->n_want; i++) {
		struct spd_entry *e = set_find(s, &t->want[i].p);

		if (!e)
			ret->add++;
		else if (spd_policy_equal(&e->p, &t->want[i].p))
			ret->keep++, found++;
		else
			ret->change++, found++;
	}
	ret->remove = s->n - found;
	txn_free(t);
	return 0;
}
