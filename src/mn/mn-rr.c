/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mobile node's return routability and correspondent registration
 * (RFC 6275 §11.6-11.8); see mn-rr.h for the state machine.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cn/rr-keygen.h"
#include "conf/conf.h"
#include "icmp6/ndisc.h"
#include "mn/mn-rr.h"

struct mn_rr_table {
	const struct mn_rr_io *io;
	void *ud;
	struct in6_addr hoa;
	struct mn_rr_params params;
	struct mn_rr_entry *head;
	bool away;           /* the last move: a registered care-of address */
	bool moved;          /* mn_rr_moved was called at least once */
	bool stopping;       /* mn_rr_stop was called: only the deregistrations' BAs are taken */
	struct in6_addr coa;
	usec_t home_expires; /* the home registration's end (0: not known) */
	uint64_t drops[_MN_RR_DROP_MAX];
	uint64_t pp_no_mh, pp_no_hao; /* Parameter Problems taken (mn_rr_param_problem) */
};

static const char *const state_names[_MN_RR_STATE_MAX] = {
	[MN_RR_NONE] = "none",     [MN_RR_RR] = "rr",         [MN_RR_BU_SENT] = "bu-sent",
	[MN_RR_BOUND] = "bound",   [MN_RR_FAILED] = "failed", [MN_RR_DISABLED] = "disabled",
};

static const char *const drop_names[_MN_RR_DROP_MAX] = {
	[MN_RR_DROP_NO_ENTRY] = "no_entry",       [MN_RR_DROP_NOT_WAITING] = "not_waiting",
	[MN_RR_DROP_COOKIE] = "cookie_mismatch",  [MN_RR_DROP_DST] = "wrong_destination",
	[MN_RR_DROP_BA_SEQ] = "ba_sequence",      [MN_RR_DROP_BA_AUTH] = "ba_authenticator",
	[MN_RR_DROP_BE_IGNORED] = "be_ignored",  [MN_RR_DROP_PP_UNMATCHED] = "pp_unmatched",
	[MN_RR_DROP_PP_MH_SEEN] = "pp_known_correspondent", [MN_RR_DROP_BE_RR_RUNNING] = "be_rr_running",
};

const char *mn_rr_state_to_string(enum mn_rr_state s)
{
	return s >= 0 && s < _MN_RR_STATE_MAX ? state_names[s] : NULL;
}

const char *mn_rr_drop_to_string(enum mn_rr_drop d)
{
	return d < _MN_RR_DROP_MAX ? drop_names[d] : NULL;
}

uint64_t mn_rr_drops(const struct mn_rr_table *t, enum mn_rr_drop why)
{
	return why < _MN_RR_DROP_MAX ? t->drops[why] : 0;
}

static usec_t now(const struct mn_rr_table *t)
{
	return t->io->now(t->ud);
}

static usec_t min_due(usec_t a, usec_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

/* Arm the entry's single timer at the earliest of its deadlines. */
static void rearm(struct mn_rr_entry *e)
{
	usec_t when = 0;

	if (e->ht.outstanding)
		when = min_due(when, e->ht.due);
	if (e->ct.outstanding)
		when = min_due(when, e->ct.due);
	if (e->bu_outstanding)
		when = min_due(when, e->bu_due);
	if (e->state == MN_RR_BOUND || e->state == MN_RR_FAILED)
		when = min_due(when, e->refresh_at);
	if (e->state == MN_RR_DISABLED)
		when = min_due(when, e->hold_until);
	if (when != e->armed) {
		e->armed = when;
		e->table->io->timer(e, when, e->table->ud);
	}
}

/*
 * RFC 6275 §11.8: no more than MAX_UPDATE_RATE messages of one type to one correspondent within a
 * second. Returns 0 when one may leave at `t0`, else the time it may.
 */
static usec_t rate_wait(const usec_t ring[MN_RR_MAX_UPDATE_RATE], unsigned i, usec_t t0)
{
	usec_t oldest = ring[i % MN_RR_MAX_UPDATE_RATE]; /* the slot the next send overwrites */

	if (oldest && t0 < oldest + USEC_PER_SEC)
		return oldest + USEC_PER_SEC;
	return 0;
}

static bool token_valid(const struct mn_rr_test *x, usec_t t0, const struct in6_addr *addr)
{
	return x->have && IN6_ARE_ADDR_EQUAL(&x->addr, addr) && t0 < x->token_time + MN_RR_MAX_TOKEN_LIFETIME_USEC;
}

static void send_init(struct mn_rr_entry *e, bool home_test)
{
	struct mn_rr_table *t = e->table;
	struct mn_rr_test *x = home_test ? &e->ht : &e->ct;
	struct mh_msg m = { .type = home_test ? MH_TYPE_HOTI : MH_TYPE_COTI };
	struct mn_rr_tx tx = { .dst = e->cn, .hoa = e->hoa };
	uint8_t buf[64];
	size_t len;
	usec_t t0 = now(t), wait = rate_wait(x->rate, x->rate_i, t0);

	if (wait) {
		x->due = wait; /* §11.8 rate limit: leave when allowed */
		return;
	}
	if (x->sent) { /* the cookie in flight until now: an ICMPv6 error may still quote it */
		memcpy(x->prev_cookie, x->cookie, sizeof(x->cookie));
		x->has_prev = true;
	}
	/* RFC 6275 §11.8: "Retransmitted Home Test Init and Care-of Test Init messages MUST use new cookie values." */
	if (t->io->rand(x->cookie, sizeof(x->cookie), t->ud) < 0)
		memset(x->cookie, 0, sizeof(x->cookie)); /* still unique enough to match nothing stale */
	memcpy(home_test ? m.hoti.cookie : m.coti.cookie, x->cookie, MH_COOKIE_LEN);
	if (mh_build(&m, buf, sizeof(buf), &len) < 0)
		return;
	if (home_test) {
		/* §11.6.1, §6.1.3: from the HoA; away from home through the home agent's tunnel. */
		tx.path = e->home ? MN_RR_PATH_DIRECT : MN_RR_PATH_TUNNEL;
		tx.src = e->hoa;
	} else {
		/* §6.1.4: from the care-of address, directly. */
		tx.path = MN_RR_PATH_DIRECT;
		tx.src = e->coa;
		x->addr = e->coa;
	}
	x->sent = t0;
	x->rate[x->rate_i++ % MN_RR_MAX_UPDATE_RATE] = t0;
	x->due = t0 + x->backoff;
	if (t->io->send(e, &tx, buf, len, t->ud) < 0)
		e->send_errors++; /* retried by the timer */
}

/* Start a test: the first init message with INITIAL_BINDACK_TIMEOUT (§11.8). */
static void start_test(struct mn_rr_entry *e, bool home_test)
{
	struct mn_rr_test *x = home_test ? &e->ht : &e->ct;

	x->have = false;
	x->outstanding = true;
	x->retransmits = 0;
	x->backoff = MN_RR_INITIAL_BINDACK_TIMEOUT_USEC;
	if (home_test)
		x->addr = e->hoa;
	send_init(e, home_test);
}

static void send_bu(struct mn_rr_entry *e);

/*
 * RFC 6275 §6.2.7: the authenticator's "care-of address" is the one to be registered, or the
 * home address in a deregistration (at home, or away on stop: then the source is the CoA).
 */
static const struct in6_addr *auth_addr(const struct mn_rr_entry *e)
{
	return e->home || e->dereg ? &e->hoa : &e->bu_coa;
}

/* Both tokens needed are in: the registration (§11.6.2 "proceed with sending a Binding Update"). */
static void maybe_register(struct mn_rr_entry *e)
{
	usec_t t0 = now(e->table);

	if (e->ht.outstanding || (!e->home && e->ct.outstanding))
		return;
	if (!token_valid(&e->ht, t0, &e->hoa) || (!e->home && !token_valid(&e->ct, t0, &e->coa)))
		return;
	e->bu_retransmits = 0;
	e->bu_backoff = MN_RR_INITIAL_BINDACK_TIMEOUT_USEC;
	e->seq++; /* §11.7.2: greater than the previous BU's */
	send_bu(e);
}

/*
 * (Re)start the procedure for the entry's target: away, a CoTI always and a HoTI unless the home
 * keygen token is still valid (§5.2.7, §11.6.1); home, a HoTI only (§11.6.1), unless the
 * token is valid.
 */
static void start_rr(struct mn_rr_entry *e, bool force_home, bool force_careof)
{
	usec_t t0 = now(e->table);

	if (e->table->stopping)
		return; /* mn_rr_stop: no new procedure */
	e->state = MN_RR_RR;
	e->bu_outstanding = false;
	e->rr_runs++;
	if (force_home || !token_valid(&e->ht, t0, &e->hoa))
		start_test(e, true);
	else
		e->ht.outstanding = false;
	if (e->home)
		e->ct.outstanding = false;
	else if (force_careof || !token_valid(&e->ct, t0, &e->coa))
		start_test(e, false);
	else
		e->ct.outstanding = false;
	maybe_register(e);
	rearm(e);
}

/*
 * The BU (§11.7.2, §6.1.7): away, from the CoA with a Home Address option, Nonce Indices and
 * Binding Authorization Data with Kbm = SHA1(home token | care-of token) (§5.2.5); at home,
 * lifetime 0, care-of nonce index 0, Kbm = SHA1(home token).
 */
static void send_bu(struct mn_rr_entry *e)
{
	struct mn_rr_table *t = e->table;
	struct mh_msg m = { .type = MH_TYPE_BU };
	struct mn_rr_tx tx = { .dst = e->cn, .hoa = e->hoa };
	uint8_t buf[64];
	size_t len;
	usec_t t0 = now(t), wait = rate_wait(e->bu_rate, e->bu_rate_i, t0);
	bool deleting = e->home || e->dereg; /* lifetime 0, the home keygen token only (§5.2.5, §11.7.2) */
	uint32_t life = deleting ? 0 : t->params.lifetime;

	e->bu_outstanding = true;
	if (wait) {
		e->bu_due = wait; /* §11.8 rate limit; the sequence number is taken then */
		e->state = MN_RR_BU_SENT;
		rearm(e);
		return;
	}
	if (life > MN_RR_MAX_RR_BINDING_LIFETIME)
		life = MN_RR_MAX_RR_BINDING_LIFETIME;
	/* §11.7.2: no longer than what is left of the home registration (at least one 4-s unit). */
	if (life && t->home_expires) {
		uint32_t left = t->home_expires > t0 ? (uint32_t)((t->home_expires - t0) / USEC_PER_SEC) : 0;

		if (left < life)
			life = left < 4 ? 4 : left / 4 * 4; /* whole units: the ceiling below would exceed it */
	}
	m.bu.seq = e->seq;
	m.bu.flags = t->params.ack ? MH_BU_F_A : 0; /* never H (§9.5.1: a correspondent registration) */
	m.bu.lifetime = mh_lifetime_to_units_ceil(life);
	m.opts.present = MH_OPT_BIT(MH_OPT_NONCE_IDX) | MH_OPT_BIT(MH_OPT_AUTH);
	m.opts.home_nonce_index = e->ht.nonce_index;
	m.opts.careof_nonce_index = deleting ? 0 : e->ct.nonce_index; /* §11.7.2: SHOULD be zero */
	if (mh_build(&m, buf, sizeof(buf), &len) < 0)
		return;
	/* §11.7.2: "the care-of address MUST be set to the home address if the mobile node is at home, or to the current care-of address if it is away" */
	e->bu_coa = e->home ? e->hoa : e->coa;
	rr_kbm(e->ht.token, deleting ? NULL : e->ct.token, e->kbm);
	/* §6.2.7: First(96, HMAC_SHA1(Kbm, care-of address | correspondent | MH Data)). */
	if (rr_authenticator(e->kbm, auth_addr(e), &e->cn, buf, len - MH_BAD_LEN, buf + len - MH_BAD_LEN) < 0)
		return;
	memcpy(e->bu_auth, buf + len - MH_BAD_LEN, sizeof(e->bu_auth));
	tx.path = e->home ? MN_RR_PATH_DIRECT : MN_RR_PATH_HAO;
	tx.src = e->bu_coa;
	e->lifetime_sent = life;
	e->bu_sent = t0;
	e->bu_rate[e->bu_rate_i++ % MN_RR_MAX_UPDATE_RATE] = t0;
	if (t->io->send(e, &tx, buf, len, t->ud) < 0) {
		/* Not sent (e.g. no data path for it yet): retried like an unanswered BU (§11.8). */
		e->send_errors++;
		e->bu_waiting = true;
		e->state = MN_RR_BU_SENT;
		e->bu_due = t0 + e->bu_backoff;
		rearm(e);
		return;
	}
	e->bus_sent++;
	e->bu_waiting = false;
	if (!deleting)
		e->bound = true;
	if (t->params.ack) {
		e->state = MN_RR_BU_SENT;
		e->bu_due = t0 + e->bu_backoff;
	} else {
		/* No acknowledgement asked: taken as registered, refreshed before its lifetime ends. */
		e->bu_outstanding = false;
		if (deleting) {
			e->bound = false;
			e->ro_ok = false;
			e->state = MN_RR_NONE;
		} else {
			e->state = MN_RR_BOUND;
			e->ro_ok = true;
			e->ro_coa = e->bu_coa;
			e->lifetime_granted = life;
			e->expires = t0 + (usec_t)life * USEC_PER_SEC;
			e->refresh_at = e->learnt ? 0 : t0 + (usec_t)life * USEC_PER_SEC * 4 / 5;
		}
	}
	rearm(e);
}

/* §11.8: a doubled timeout, at most MAX_BINDACK_TIMEOUT. */
static usec_t doubled(usec_t b)
{
	return b * 2 > MN_RR_MAX_BINDACK_TIMEOUT_USEC ? MN_RR_MAX_BINDACK_TIMEOUT_USEC : b * 2;
}

void mn_rr_timer_fired(struct mn_rr_entry *e)
{
	struct mn_rr_table *t = e->table;
	usec_t t0 = now(t);

	e->armed = 0;
	if (t->stopping)
		return; /* mn_rr_stop: nothing is retransmitted or refreshed */
	if (e->state == MN_RR_DISABLED) {
		/* §11.3.5: the "no Binding Update" record is removed after a while: RO is tried again. */
		if (e->hold_until && e->hold_until <= t0) {
			e->hold_until = 0;
			e->failures = 0;
			e->state = MN_RR_NONE;
			e->home = !t->away;
			e->coa = t->coa;
			if (t->away)
				start_rr(e, false, false);
		}
		rearm(e);
		return;
	}
	if (e->ht.outstanding && e->ht.due <= t0) {
		if (e->ht.sent && e->ht.due == e->ht.sent + e->ht.backoff) { /* not a rate deferral */
			e->ht.retransmits++;
			e->ht.backoff = doubled(e->ht.backoff);
		}
		send_init(e, true);
	}
	if (e->ct.outstanding && e->ct.due <= t0) {
		if (e->ct.sent && e->ct.due == e->ct.sent + e->ct.backoff) {
			e->ct.retransmits++;
			e->ct.backoff = doubled(e->ct.backoff);
		}
		send_init(e, false);
	}
	if (e->bu_outstanding && e->bu_due <= t0) {
		if (e->bu_sent && e->bu_due == e->bu_sent + e->bu_backoff) {
			e->bu_retransmits++;
			e->bu_backoff = doubled(e->bu_backoff);
		}
		if (!token_valid(&e->ht, t0, &e->hoa) || (!e->home && !token_valid(&e->ct, t0, &e->coa))) {
			start_rr(e, false, false); /* §5.2.7: the tokens expired meanwhile */
			return;
		}
		e->seq++; /* §11.8: a retransmitted BU has a greater sequence number */
		send_bu(e);
		return;
	}
	if ((e->state == MN_RR_BOUND || e->state == MN_RR_FAILED) && e->refresh_at && e->refresh_at <= t0) {
		e->refresh_at = 0;
		start_rr(e, false, false); /* §11.7.3: refresh well before the expiry; FAILED: retry */
		return;
	}
	rearm(e);
}

bool mn_rr_refresh(struct mn_rr_entry *e)
{
	if (!e || e->table->stopping || e->state != MN_RR_BOUND || !e->table->away || e->home)
		return false;
	e->refresh_at = 0;
	start_rr(e, false, false);
	return true;
}

static void entry_free(struct mn_rr_entry *e)
{
	if (e->armed)
		e->table->io->timer(e, 0, e->table->ud);
	if (e->table->io->release)
		e->table->io->release(e, e->table->ud);
	explicit_bzero(e->ht.token, sizeof(e->ht.token));
	explicit_bzero(e->ct.token, sizeof(e->ct.token));
	explicit_bzero(e->kbm, sizeof(e->kbm));
	free(e);
}

int mn_rr_table_new(const struct mn_rr_io *io, void *ud, const struct in6_addr *hoa,
		    const struct mn_rr_params *params, struct mn_rr_table **ret)
{
	struct mn_rr_table *t;
	int r;

	if (!io || !io->now || !io->timer || !io->send || !io->rand || !hoa || !params || !ret)
		return -EINVAL;
	r = rr_crypto_prepare();
	if (r < 0)
		return r;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->io = io;
	t->ud = ud;
	t->hoa = *hoa;
	t->coa = *hoa;
	mn_rr_set_params(t, params);
	*ret = t;
	return 0;
}

struct mn_rr_table *mn_rr_table_free(struct mn_rr_table *t)
{
	if (!t)
		return NULL;
	while (t->head) {
		struct mn_rr_entry *e = t->head;

		t->head = e->next;
		entry_free(e);
	}
	free(t);
	return NULL;
}

void mn_rr_set_params(struct mn_rr_table *t, const struct mn_rr_params *params)
{
	t->params = *params;
	if (!t->params.lifetime || t->params.lifetime > MN_RR_MAX_RR_BINDING_LIFETIME)
		t->params.lifetime = MN_RR_MAX_RR_BINDING_LIFETIME; /* §5.2.6 */
}

struct mn_rr_entry *mn_rr_find(struct mn_rr_table *t, const struct in6_addr *cn)
{
	for (struct mn_rr_entry *e = t->head; e; e = e->next)
		if (IN6_ARE_ADDR_EQUAL(&e->cn, cn))
			return e;
	return NULL;
}

void mn_rr_remove(struct mn_rr_table *t, struct mn_rr_entry *e)
{
	for (struct mn_rr_entry **pp = &t->head; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			entry_free(e);
			return;
		}
}

struct mn_rr_entry *mn_rr_first(struct mn_rr_table *t)
{
	return t ? t->head : NULL;
}

int mn_rr_add(struct mn_rr_table *t, const struct in6_addr *cn, struct mn_rr_entry **ret)
{
	struct mn_rr_entry *e;
	struct mn_rr_entry **pp = &t->head;

	if (mn_rr_find(t, cn))
		return -EEXIST;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->table = t;
	e->cn = *cn;
	e->hoa = t->hoa;
	e->coa = t->coa;
	e->home = !t->away;
	/* §11.7.2: "the Sequence Number SHOULD start at a random value". */
	if (t->io->rand(&e->seq, sizeof(e->seq), t->ud) < 0)
		e->seq = 0;
	while (*pp)
		pp = &(*pp)->next;
	*pp = e;
	if (ret)
		*ret = e;
	if (t->away)
		start_rr(e, false, false);
	return 0;
}

void mn_rr_set_home_expiry(struct mn_rr_table *t, usec_t expires)
{
	t->home_expires = expires;
}

void mn_rr_moved(struct mn_rr_table *t, const struct in6_addr *coa, bool home)
{
	if (t->stopping)
		return;
	t->moved = true;
	t->away = !home;
	t->coa = home ? t->hoa : *coa;
	for (struct mn_rr_entry *e = t->head; e; e = e->next) {
		if (e->state == MN_RR_DISABLED)
			continue;
		e->home = home;
		e->coa = t->coa;
		e->failures = 0;
		if (!home) {
			/* §11.7.2: each correspondent registers the new care-of address. */
			start_rr(e, false, false);
		} else if (e->bound) {
			/* §11.7.2, §11.6.1: returning home, delete the binding; the home token suffices. */
			start_rr(e, false, false);
		} else {
			e->state = MN_RR_NONE;
			e->ht.outstanding = e->ct.outstanding = e->bu_outstanding = false;
			rearm(e);
		}
	}
}

static bool drop(struct mn_rr_table *t, enum mn_rr_drop why)
{
	t->drops[why]++;
	return false;
}

/* RFC 6275 §11.6.2. */
static bool input_test(struct mn_rr_entry *e, const struct in6_addr *dst, bool from_tunnel,
		       const struct mh_msg *msg)
{
	struct mn_rr_table *t = e->table;
	bool home_test = msg->type == MH_TYPE_HOT;
	struct mn_rr_test *x = home_test ? &e->ht : &e->ct;
	const struct mh_test *m = home_test ? &msg->hot : &msg->cot;

	/* "a state indicating that return routability procedure is in progress", "no ... token ... yet" */
	if (e->state != MN_RR_RR || !x->outstanding)
		return drop(t, MN_RR_DROP_NOT_WAITING);
	/* HoT: to the home address, "received in a tunnel from the home agent"; CoT: to the CoA. */
	if (home_test ? (!IN6_ARE_ADDR_EQUAL(dst, &e->hoa) || (!e->home && !from_tunnel))
		      : !IN6_ARE_ADDR_EQUAL(dst, &e->coa))
		return drop(t, MN_RR_DROP_DST);
	if (memcmp(m->cookie, x->cookie, MH_COOKIE_LEN) != 0)
		return drop(t, MN_RR_DROP_COOKIE); /* "MUST be silently ignored" */
	e->mh_seen = true;
	memcpy(x->token, m->keygen_token, MH_KEYGEN_TOKEN_LEN);
	x->nonce_index = m->nonce_index;
	x->token_time = x->sent;
	x->have = true;
	x->outstanding = false;
	maybe_register(e);
	rearm(e);
	return true;
}

/* RFC 6275 §11.7.3. */
static bool input_ba(struct mn_rr_entry *e, const uint8_t *raw, size_t raw_len, const struct mh_msg *msg)
{
	struct mn_rr_table *t = e->table;
	uint8_t auth[RR_AUTH_LEN];
	uint8_t st = msg->ba.status;
	bool nonce_status = st == MH_BA_EXPIRED_HOME_NONCE || st == MH_BA_EXPIRED_CAREOF_NONCE ||
			    st == MH_BA_EXPIRED_NONCES;
	usec_t t0 = now(t);

	/*
	 * RFC 6275 §9.5.1: a 135 carries the last sequence number the CN accepted, not the BU's
	 * (it is taken only with a valid authenticator below, §11.7.3).
	 */
	if (!e->bu_outstanding || e->state != MN_RR_BU_SENT ||
	    (msg->ba.seq != e->seq && st != MH_BA_SEQ_OUT_OF_WINDOW))
		return drop(t, MN_RR_DROP_BA_SEQ);
	/*
	 * §11.7.3: from a correspondent the Binding Authorization Data option MUST be present and
	 * valid, except that §9.5.4 forbids it with 136, 137 and 138 (the CN cannot compute Kbm).
	 */
	if (!nonce_status) {
		if (!(msg->opts.present & MH_OPT_BIT(MH_OPT_AUTH)) || !raw ||
		    (size_t)msg->opts.auth_offset + MH_BAD_LEN != raw_len)
			return drop(t, MN_RR_DROP_BA_AUTH);
		if (rr_authenticator(e->kbm, auth_addr(e), &e->cn, raw, msg->opts.auth_offset, auth) < 0 ||
		    !rr_authenticator_equal(auth, msg->opts.auth))
			return drop(t, MN_RR_DROP_BA_AUTH);
	}
	e->last_status = st;
	e->bu_outstanding = false;
	if (MH_BA_STATUS_IS_ACCEPTED(st)) {
		uint32_t granted = mh_lifetime_from_units(msg->ba.lifetime);
		usec_t from = e->bu_sent; /* §11.7.3: the countdown begins when the BU was sent */

		e->failures = 0;
		if (e->home || e->dereg) {
			e->bound = false;
			e->ro_ok = false;
			e->state = MN_RR_NONE;
		} else {
			e->ro_ok = true;
			e->ro_coa = e->bu_coa;
			if (granted > e->lifetime_sent)
				granted = e->lifetime_sent;
			e->state = MN_RR_BOUND;
			e->lifetime_granted = granted;
			e->expires = from + (usec_t)granted * USEC_PER_SEC;
			e->refresh_at = from + (usec_t)granted * USEC_PER_SEC * 4 / 5;
			if (e->refresh_at <= t0)
				e->refresh_at = t0 + 1;
			if (e->learnt)
				e->refresh_at = 0; /* no refresh: the caller drops it at the expiry */
		}
	} else if (nonce_status) {
		/* §5.2.7, §11.7.3: the CN no longer knows the nonce: the expired token(s) again. */
		e->restarts++;
		if (st != MH_BA_EXPIRED_CAREOF_NONCE)
			e->ht.have = false;
		if (st != MH_BA_EXPIRED_HOME_NONCE)
			e->ct.have = false;
		start_rr(e, st != MH_BA_EXPIRED_CAREOF_NONCE, st != MH_BA_EXPIRED_HOME_NONCE && !e->home);
		return true;
	} else if (st == MH_BA_SEQ_OUT_OF_WINDOW) {
		/* §11.7.3: authenticated 135: take the BA's sequence number, send again. */
		e->seq = msg->ba.seq;
		e->bu_backoff = MN_RR_INITIAL_BINDACK_TIMEOUT_USEC;
		e->seq++;
		send_bu(e);
		return true;
	} else {
		/* §11.7.3: rejected; retry, then "future Binding Updates SHOULD NOT be sent". */
		e->failures++;
		e->ro_ok = false; /* fail closed: the tunnel until a binding is accepted again */
		if (e->failures >= MN_RR_MAX_RO_FAILURE) {
			e->state = MN_RR_DISABLED;
		} else {
			e->state = MN_RR_FAILED;
			e->refresh_at = t0 + MN_RR_MAX_BINDACK_TIMEOUT_USEC;
		}
	}
	rearm(e);
	return true;
}

static void no_mh(struct mn_rr_entry *e);

/* RFC 6275 §11.3.6. */
static bool input_be(struct mn_rr_entry *e, const struct mh_msg *msg)
{
	struct mn_rr_table *t = e->table;

	if (msg->be.status == MH_BE_UNKNOWN_HAO) {
		/*
		 * The CN has no binding for our HoA. Without upper-layer progress information the MN
		 * "MUST remove the entry" (its binding) and MAY start a new return routability
		 * procedure: it does, when away. A CN sends one for every packet with a HAO that
		 * reaches it without a binding: while a restart's HoTI and CoTI are both still
		 * unanswered, a further one adds nothing (the answers come from the CN's current
		 * Kcn either way) and does not restart the procedure again.
		 */
		if (e->state == MN_RR_RR && e->ht.outstanding && e->ct.outstanding && !e->ht.have &&
		    !e->ct.have && !e->bound)
			return drop(t, MN_RR_DROP_BE_RR_RUNNING);
		e->bound = false;
		e->ro_ok = false;
		e->bu_outstanding = false;
		e->ht.have = false;
		e->ct.have = false;
		e->restarts++;
		if (t->away && !e->home) {
			start_rr(e, true, true);
		} else {
			e->state = MN_RR_NONE;
			e->ht.outstanding = e->ct.outstanding = false;
			rearm(e);
		}
		return true;
	}
	if (msg->be.status == MH_BE_UNKNOWN_MH_TYPE) {
		/*
		 * §11.3.6: "the mobile node SHOULD stop the attempt to use route optimization with
		 * this correspondent node" when "a response was expected", ignored otherwise. Anyone
		 * can send one with the CN's address (it carries nothing the MN sent): a stop for
		 * good would let one spoofed message end RO with that CN until restart, so it is
		 * the hold of a Parameter Problem code 1 (§11.3.5, no_mh): MN_RR_NO_MH_HOLD_USEC,
		 * then RR again.
		 */
		if (e->state != MN_RR_RR && e->state != MN_RR_BU_SENT)
			return drop(t, MN_RR_DROP_BE_IGNORED);
		no_mh(e);
		return true;
	}
	return drop(t, MN_RR_DROP_BE_IGNORED);
}

bool mn_rr_input(struct mn_rr_table *t, const struct in6_addr *src, const struct in6_addr *dst,
		 bool from_tunnel, const uint8_t *raw, size_t raw_len, const struct mh_msg *msg)
{
	struct mn_rr_entry *e;

	if (!t || !src || !dst || !msg)
		return false;
	e = mn_rr_find(t, src);
	if (!e || e->state == MN_RR_DISABLED)
		return drop(t, MN_RR_DROP_NO_ENTRY); /* §11.6.2, §11.3.6: "MUST ignore" */
	if (t->stopping && (msg->type != MH_TYPE_BA || !e->dereg))
		return drop(t, MN_RR_DROP_NOT_WAITING); /* stopping: only the deregistrations' BAs */
	switch (msg->type) {
	case MH_TYPE_HOT:
	case MH_TYPE_COT:
		return input_test(e, dst, from_tunnel, msg);
	case MH_TYPE_BA:
		if (!input_ba(e, raw, raw_len, msg))
			return false;
		e->mh_seen = true; /* it answered our BU: it knows the MH (mn_rr_param_problem) */
		return true;
	case MH_TYPE_BE:
		return input_be(e, msg);
	case MH_TYPE_BRR:
		/* §11.7.4: keep the binding: a new return routability procedure, then a BU. */
		if (e->state != MN_RR_BOUND || !t->away)
			return drop(t, MN_RR_DROP_NOT_WAITING);
		start_rr(e, false, false);
		return true;
	default:
		return drop(t, MN_RR_DROP_NOT_WAITING);
	}
}

void mn_rr_send_ready(struct mn_rr_entry *e)
{
	if (!e || !e->bu_waiting || !e->bu_outstanding || e->state != MN_RR_BU_SENT)
		return;
	e->bu_waiting = false;
	send_bu(e); /* the same sequence number: the refused BU never left */
}

bool mn_rr_ro_usable(const struct mn_rr_entry *e, const struct in6_addr *coa, usec_t t0)
{
	return e && e->ro_ok && !e->home && e->state != MN_RR_DISABLED && IN6_ARE_ADDR_EQUAL(&e->ro_coa, coa) &&
	       t0 < e->expires;
}

long long mn_rr_left(const struct mn_rr_entry *e, usec_t t0)
{
	return e->state == MN_RR_BOUND && e->expires > t0 ? (long long)((e->expires - t0) / USEC_PER_SEC) : 0;
}

bool mn_rr_policy_allows(const struct mip6_config *c, const struct conf_home_link *hl, const struct in6_addr *cn)
{
	const struct conf_ro_policy *any = NULL;

	if (!c || !c->do_route_optimization_mn || !hl)
		return false;
	for (size_t i = 0; i < hl->n_ro_policies; i++) {
		const struct conf_ro_policy *p = &hl->ro_policies[i];

		if (p->any) {
			if (!any)
				any = p;
		} else if (cn && IN6_ARE_ADDR_EQUAL(&p->addr, cn)) {
			return p->enabled;
		}
	}
	return any && any->enabled;
}

uint64_t mn_rr_pp_taken(const struct mn_rr_table *t, bool hao)
{
	return t ? (hao ? t->pp_no_hao : t->pp_no_mh) : 0;
}

static bool cookie_of(const struct mn_rr_test *x, const uint8_t *c)
{
	return (x->sent && memcmp(c, x->cookie, MH_COOKIE_LEN) == 0) ||
	       (x->has_prev && memcmp(c, x->prev_cookie, MH_COOKIE_LEN) == 0);
}

/*
 * Whether the Mobility Header mh[0..len) from src (with the Home Address option hao, or NULL)
 * is one the entry sent: a HoTI or CoTI with the cookie of its last or previous init message,
 * or its last BU (sequence number and authenticator). RFC 6275 §6.1.3, §6.1.4, §6.1.7 layouts.
 */
static bool quotes_ours(const struct mn_rr_entry *e, const struct in6_addr *src, const struct in6_addr *hao,
			const uint8_t *mh, size_t len)
{
	size_t mh_len;

	if (len < 8)
		return false;
	mh_len = ((size_t)mh[1] + 1) * 8;
	switch (mh[2]) {
	case MH_TYPE_HOTI: /* from the HoA, never with a HAO (§11.6.1) */
		return !hao && IN6_ARE_ADDR_EQUAL(src, &e->hoa) && len >= 16 && cookie_of(&e->ht, mh + 8);
	case MH_TYPE_COTI: /* from the care-of address it was sent from */
		return !hao && e->ct.sent && IN6_ARE_ADDR_EQUAL(src, &e->ct.addr) && len >= 16 && cookie_of(&e->ct, mh + 8);
	case MH_TYPE_BU:
		if (!e->bus_sent || mh_len > len || mh_len < 8 + 6 + MH_BAD_LEN || !IN6_ARE_ADDR_EQUAL(src, &e->bu_coa))
			return false;
		/* away: from the CoA with our HoA in the HAO (§11.7.2); at home: from the HoA, no HAO */
		if (IN6_ARE_ADDR_EQUAL(&e->bu_coa, &e->hoa) ? hao != NULL : !hao || !IN6_ARE_ADDR_EQUAL(hao, &e->hoa))
			return false;
		return (uint16_t)(mh[6] << 8 | mh[7]) == e->seq &&
		       memcmp(mh + mh_len - MH_BAD_LEN, e->bu_auth, MH_BAD_LEN) == 0;
	default:
		return false;
	}
}

/* RFC 6275 §11.3.5: "SHOULD record ... that future Binding Updates SHOULD NOT be sent". */
static void no_mh(struct mn_rr_entry *e)
{
	e->state = MN_RR_DISABLED;
	e->hold_until = now(e->table) + MN_RR_NO_MH_HOLD_USEC;
	e->bound = false; /* it cannot hold one: it does not read Mobility Headers */
	e->ro_ok = false;
	e->ht.outstanding = e->ct.outstanding = e->bu_outstanding = false;
	e->bu_waiting = false;
	rearm(e);
}

enum mn_rr_pp mn_rr_param_problem(struct mn_rr_table *t, const struct in6_addr *dst,
				  const struct ndisc_param_problem *pp, struct mn_rr_entry **ret)
{
	const struct ndisc_invoking *inv;
	struct mn_rr_entry *e;

	if (ret)
		*ret = NULL;
	if (!t || !dst || !pp)
		return MN_RR_PP_IGNORED;
	inv = &pp->inv;
	/* RFC 4443 §2.4: the error goes to the invoking packet's source; it must be ours. */
	e = mn_rr_find(t, &inv->dst);
	if (!e || e->state == MN_RR_DISABLED || !IN6_ARE_ADDR_EQUAL(dst, &inv->src)) {
		drop(t, MN_RR_DROP_PP_UNMATCHED);
		return MN_RR_PP_IGNORED;
	}
	if (ret)
		*ret = e;
	if (pp->code == NDISC_PP_UNKNOWN_NEXT_HEADER && inv->complete && inv->proto == IPPROTO_MH &&
	    pp->pointer == inv->nh_offset &&
	    quotes_ours(e, &inv->src, inv->has_hao ? &inv->hao : NULL, pp->invoking + inv->upper_offset,
			pp->invoking_len - inv->upper_offset)) {
		/*
		 * §11.3.5 is about a node that "does not recognize the Mobility header"; one that
		 * answered us before does: its MIPv6 daemon is restarting (no MH socket a moment).
		 * The SHOULD is not followed then: the retransmissions reach the new instance.
		 */
		if (e->mh_seen) {
			if (ret)
				*ret = NULL;
			drop(t, MN_RR_DROP_PP_MH_SEEN);
			return MN_RR_PP_IGNORED;
		}
		t->pp_no_mh++;
		no_mh(e);
		return MN_RR_PP_NO_MH;
	}
	/* §11.3.5: code 2 for our Home Address option: logged (by the caller) and discarded. */
	if (pp->code == NDISC_PP_UNKNOWN_OPTION && inv->has_hao && pp->pointer == inv->hao_offset && t->away &&
	    IN6_ARE_ADDR_EQUAL(&inv->hao, &t->hoa) && IN6_ARE_ADDR_EQUAL(&inv->src, &t->coa)) {
		t->pp_no_hao++;
		return MN_RR_PP_NO_HAO;
	}
	if (ret)
		*ret = NULL;
	drop(t, MN_RR_DROP_PP_UNMATCHED);
	return MN_RR_PP_IGNORED;
}

unsigned mn_rr_stop(struct mn_rr_table *t)
{
	unsigned n = 0;
	usec_t t0;

	if (!t || t->stopping)
		return 0;
	t->stopping = true;
	t0 = now(t);
	for (struct mn_rr_entry *e = t->head; e; e = e->next) {
		/* No more tests: what is outstanding stays unanswered. */
		e->ht.outstanding = e->ct.outstanding = false;
		if (e->state == MN_RR_DISABLED || !e->bound || !t->away || e->home ||
		    !token_valid(&e->ht, t0, &e->hoa)) {
			e->bu_outstanding = false;
			rearm(e);
			continue;
		}
		/* §11.7.2: delete the binding; Kbm from the home keygen token alone (§5.2.5). */
		e->dereg = true;
		e->ro_ok = false; /* no more data directly: the binding is being deleted (§11.3.1) */
		e->bu_waiting = false;
		e->bu_retransmits = 0;
		e->bu_backoff = MN_RR_INITIAL_BINDACK_TIMEOUT_USEC;
		e->seq++;
		send_bu(e);
		n++;
	}
	return n;
}

unsigned mn_rr_stop_pending(const struct mn_rr_table *t)
{
	unsigned n = 0;

	if (!t)
		return 0;
	for (const struct mn_rr_entry *e = t->head; e; e = e->next)
		n += e->dereg && e->bu_outstanding;
	return n;
}
