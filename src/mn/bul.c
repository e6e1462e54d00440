/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Binding Update List: per-entry state machines (see bul.h for the transitions). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "mh/mh-codec.h"
#include "mh/mh-socket.h"
#include "mh/mh-util.h"
#include "mn/bul.h"

struct bul_table {
	const struct bul_io *io;
	void *ud;
	struct bul_params params;
	uint64_t gen;
	struct bul_entry *entries;
};

#define MSGID_BU "MESSAGE_ID=6d1e0a5e2b8c4f0f9a3c1b7d00000002"
#define MSGID_BA "MESSAGE_ID=6d1e0a5e2b8c4f0f9a3c1b7d00000003"

/* The journal fields MIP6_HOA= and MIP6_COA= of the entry (mip6d(8)). */
static void addr_fields(const struct bul_entry *e, char fh[LOG_ADDR_FIELD_MAX], char fc[LOG_ADDR_FIELD_MAX])
{
	char a[INET6_ADDRSTRLEN];

	snprintf(fh, LOG_ADDR_FIELD_MAX, "MIP6_HOA=%s", inet_ntop(AF_INET6, &e->key.hoa, a, sizeof(a)));
	snprintf(fc, LOG_ADDR_FIELD_MAX, "MIP6_COA=%s", inet_ntop(AF_INET6, &e->coa, a, sizeof(a)));
}

static double ms_between(usec_t t0, usec_t t1)
{
	return t1 >= t0 ? (double)(t1 - t0) / 1000.0 : 0.0;
}

static usec_t now(const struct bul_entry *e)
{
	return e->table->io->now(e->table->ud);
}

static void arm(struct bul_entry *e, enum bul_timer which, usec_t when)
{
	e->table->io->timer(e, which, when, e->table->ud);
}

static void emit(struct bul_entry *e, enum bul_event ev)
{
	if (e->table->io->event)
		e->table->io->event(e, ev, e->table->ud);
}

static void set_state(struct bul_entry *e, enum bul_state s, const char *why)
{
	if (e->state != s)
		log_debug("BUL: %s -> %s (%s, generation %llu)", bul_state_to_string(e->state), bul_state_to_string(s),
			  why, (unsigned long long)e->gen);
	e->state = s;
}

int bul_table_new(const struct bul_io *io, void *ud, const struct bul_params *params, struct bul_table **ret)
{
	struct bul_table *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->io = io;
	t->ud = ud;
	t->params = *params;
	*ret = t;
	return 0;
}

struct bul_table *bul_table_free(struct bul_table *t)
{
	if (!t)
		return NULL;
	while (t->entries) {
		struct bul_entry *e = t->entries;

		t->entries = e->next;
		if (t->io->release)
			t->io->release(e, t->ud);
		free(e);
	}
	free(t);
	return NULL;
}

void bul_table_set_params(struct bul_table *t, const struct bul_params *params)
{
	t->params = *params;
}

uint64_t bul_table_gen(const struct bul_table *t)
{
	return t->gen;
}

int bul_add(struct bul_table *t, const struct bul_key *key, bool home_reg, bool ipsec, bool kbit,
	    struct bul_entry **ret)
{
	struct bul_entry *e;

	if (bul_find(t, &key->peer, &key->hoa))
		return -EEXIST;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->table = t;
	e->key = *key;
	e->home_reg = home_reg;
	e->ipsec = ipsec;
	e->kbit = kbit;
	e->state = BUL_NONE;
	e->coa = e->bu_coa = e->reg_coa = e->sa_coa = key->hoa;
	e->ike_synced = true;
	e->next = t->entries;
	t->entries = e;
	if (ret)
		*ret = e;
	return 0;
}

int bul_set_peer(struct bul_table *t, struct bul_entry *e, const struct in6_addr *peer, uint64_t *ret_gen)
{
	if (!IN6_ARE_ADDR_EQUAL(&e->key.peer, peer) && bul_find(t, peer, &e->key.hoa))
		return -EEXIST;
	e->key.peer = *peer;
	/* Nothing registered at the new peer: a first registration (§11.8), the K flag offered again. */
	e->bound = false;
	e->lifetime_granted = 0;
	e->reg_coa = e->key.hoa;
	e->retransmits = 0;
	e->last_status = 0;
	e->deferred = BUL_DEFERRED_NONE;
	arm(e, BUL_TIMER_BU, 0);
	t->gen++;
	e->gen = t->gen;
	e->tried_up = false;
	/* A key-manager operation in flight was for the old peer: its completion no longer finds this entry. */
	e->km_busy = false;
	e->dereg_refusals = 0;
	set_state(e, BUL_KERNEL, "new peer");
	*ret_gen = t->gen;
	return 0;
}

struct bul_entry *bul_find(struct bul_table *t, const struct in6_addr *peer, const struct in6_addr *hoa)
{
	for (struct bul_entry *e = t->entries; e; e = e->next)
		if (IN6_ARE_ADDR_EQUAL(&e->key.peer, peer) && IN6_ARE_ADDR_EQUAL(&e->key.hoa, hoa))
			return e;
	return NULL;
}

struct bul_entry *bul_first(struct bul_table *t)
{
	return t->entries;
}

/* ---- Binding Updates ------------------------------------------------------------ */

static int send_bu(struct bul_entry *e)
{
	struct mh_msg msg = { .type = MH_TYPE_BU };
	int r;

	msg.bu.seq = e->seq;
	msg.bu.flags = MH_BU_F_A | (e->home_reg ? MH_BU_F_H : 0) | (e->kbit ? MH_BU_F_K : 0);
	/* 4-s units, rounded up: a lifetime below 4 s must not become 0, a deregistration (§6.1.7). */
	msg.bu.lifetime = e->home ? 0 : mh_lifetime_to_units_ceil(e->table->params.lifetime);
	/*
	 * RFC 4877 §4.3: away from home every BU names the CoA in an Alternate Care-of
	 * Address option (RFC 6275 §6.2.5), which ESP protects; the outer source, the only
	 * other copy, is not. The HA takes the CoA from it (§10.3.1).
	 */
	if (!e->home) {
		msg.opts.present |= MH_OPT_BIT(MH_OPT_ALT_COA);
		msg.opts.alt_coa = e->coa;
	}
	r = e->table->io->send(e, &msg, e->table->ud);
	if (r < 0)
		return log_warning_errno(r, "sending the BU failed: %m, retrying");
	e->bu_sent = now(e);
	return 0;
}

/*
 * Send the BU for the entry's target and arm the retransmission. Every
 * transmission takes a new sequence number (RFC 6275 §11.8: "Retransmitted
 * Binding Updates MUST use a Sequence Number value greater than that used for
 * the previous transmission").
 */
/*
 * RFC 6275 §11.8: "MUST NOT send Binding Updates about the same binding more often than
 * MAX_UPDATE_RATE times a second" (3, §12). The last three send times are kept; a fourth
 * within a second waits for the oldest to be a second old (the BU goes then, not lost).
 */
static bool rate_limited(struct bul_entry *e, bool first)
{
	usec_t oldest = e->sent_at[e->sent_i], t = now(e);

	if (oldest == 0 || t >= oldest + USEC_PER_SEC)
		return false;
	e->deferred = first ? BUL_DEFERRED_FIRST : BUL_DEFERRED_RESEND;
	e->rate_limited++;
	set_state(e, BUL_BU_SENT, "MAX_UPDATE_RATE: BU deferred");
	arm(e, BUL_TIMER_BU, oldest + USEC_PER_SEC);
	return true;
}

static void bu_transmit(struct bul_entry *e, bool first)
{
	const struct bul_params *p = &e->table->params;
	char co[INET6_ADDRSTRLEN], fh[LOG_ADDR_FIELD_MAX], fc[LOG_ADDR_FIELD_MAX];

	if (rate_limited(e, first))
		return;
	e->deferred = BUL_DEFERRED_NONE;
	e->sent_at[e->sent_i] = now(e);
	e->sent_i = (e->sent_i + 1) % BUL_MAX_UPDATE_RATE;
	e->seq++;
	if (first) {
		e->retransmits = 0;
		e->bu_first_sent = now(e);
		/* §11.8: InitialBindackTimeoutFirstReg when the HA has no binding of ours yet. */
		e->backoff = !e->home && e->lifetime_granted == 0 ? p->initial_first_reg : p->initial_rereg;
	}
	e->bu_coa = e->coa;
	if (!e->home)
		e->bound = true;
	set_state(e, BUL_BU_SENT, first ? "BU" : "BU retransmission");
	inet_ntop(AF_INET6, &e->coa, co, sizeof(co));
	addr_fields(e, fh, fc);
	log_full_errno_fields(LOG_INFO, 0, LOG_FIELDS(MSGID_BU, fh, fc), "BU sent: seq %u, care-of %s, lifetime %u s%s",
			      e->seq, co, e->home ? 0 : p->lifetime, first ? "" : " (retransmission)");
	if (send_bu(e) == 0 && first)
		emit(e, BUL_EV_BU_SENT);
	arm(e, BUL_TIMER_BU, now(e) + e->backoff);
}

/*
 * §11.8: no BA in time: double the timeout up to MAX_BINDACK_TIMEOUT, send again. Once
 * MnMaxHaConsecutiveResends retransmissions went unanswered the interval stays at the maximum,
 * and the MN is told (§11.4.1: it may move on to the next home agent, bul_set_peer).
 */
static void bu_retransmit(struct bul_entry *e)
{
	const struct bul_params *p = &e->table->params;
	uint64_t gen = e->gen;

	if (p->max_resends && e->retransmits >= p->max_resends) {
		e->backoff = BUL_MAX_BINDACK_TIMEOUT_USEC;
		if (e->retransmits == p->max_resends) {
			log_warning("no BA after %u retransmissions; keeping on at the maximum interval",
				    e->retransmits);
			emit(e, BUL_EV_UNREACHABLE);
			if (e->gen != gen)
				return; /* the entry moved on to another peer */
		}
	} else {
		e->backoff *= 2;
		if (e->backoff > BUL_MAX_BINDACK_TIMEOUT_USEC)
			e->backoff = BUL_MAX_BINDACK_TIMEOUT_USEC;
	}
	e->retransmits++;
	bu_transmit(e, false);
}

/* ---- the key manager ------------------------------------------------------------ */

/* Marked busy before the call: a completion that runs early (even inside the call) finds its operation. */
static int km_start(struct bul_entry *e, enum bul_km_kind kind, bool k)
{
	struct bul_km_req req = { .kind = kind, .gen = e->gen, .coa = e->coa, .k = k };
	int r;

	if (kind == BUL_KM_MOVE && !IN6_ARE_ADDR_EQUAL(&e->sa_coa, &e->coa)) {
		req.has_old = true;
		req.old_coa = e->sa_coa;
	}
	e->km_busy = true;
	e->km_op = req;
	r = e->table->io->km_start(e, &req, e->table->ud);
	if (r < 0)
		e->km_busy = false;
	return r;
}

/*
 * After the kernel steps of a move: the SAs first (RFC 4877: the BU travels in
 * ESP), then with K=1 the IKE SA follows the CoA (MIGRATE with KMADDRESS),
 * then the BU. Each step runs once per move.
 */
static void proceed(struct bul_entry *e)
{
	int r;

	if (e->ipsec && e->km_busy) {
		set_state(e, BUL_SAS_UP, "waiting for the key manager");
		return;
	}
	if (e->ipsec && !e->tried_up && !e->table->io->km_is_up(e, e->table->ud)) {
		e->tried_up = true;
		set_state(e, BUL_SAS_UP, "bringing the SAs up");
		r = km_start(e, BUL_KM_UP, false);
		if (r == 0)
			return;
		log_warning_errno(r, "cannot bring the MN-HA SAs up: %m");
	}
	if (e->ipsec && e->kbit && (!IN6_ARE_ADDR_EQUAL(&e->sa_coa, &e->coa) || !e->ike_synced)) {
		set_state(e, BUL_SAS_MOVE, "moving the IKE SA");
		r = km_start(e, BUL_KM_MOVE, true);
		if (r == 0)
			return;
		log_warning_errno(r, "cannot move the IKE SA: %m; sending the BU anyway");
		e->sa_coa = e->coa; /* do not loop on a failing MIGRATE */
		e->ike_synced = true;
	}
	if (e->home && !e->bound) {
		set_state(e, BUL_NONE, "at home, nothing registered");
		return;
	}
	bu_transmit(e, true);
}

uint64_t bul_move(struct bul_table *t, const struct in6_addr *coa, bool home)
{
	t->gen++;
	for (struct bul_entry *e = t->entries; e; e = e->next) {
		if (e->gave_up)
			continue; /* §11.7.1: this home address is not used again */
		e->gen = t->gen;
		e->coa = *coa;
		e->home = home;
		e->tried_up = false;
		e->dereg_refusals = 0;
		arm(e, BUL_TIMER_BU, 0);
		set_state(e, BUL_KERNEL, "moved");
	}
	return t->gen;
}

void bul_kernel_done(struct bul_table *t, uint64_t gen, int error)
{
	if (gen != t->gen) {
		log_debug("kernel steps of move %llu done, superseded by move %llu: ignoring",
			  (unsigned long long)gen, (unsigned long long)t->gen);
		return;
	}
	if (error < 0)
		log_warning_errno(error, "a handover kernel request failed: %m, continuing");
	for (struct bul_entry *e = t->entries; e; e = e->next)
		if (e->gen == gen && e->state == BUL_KERNEL)
			proceed(e);
}

static void km_retry_later(struct bul_entry *e)
{
	arm(e, BUL_TIMER_KM, now(e) + USEC_PER_SEC);
}

/* A re-established IKE SA starts from the CoA; with K=1 both ends must agree again: BU after a MIGRATE. */
static void km_reup_done(struct bul_entry *e, int error, bool current)
{
	if (error < 0) {
		log_warning_errno(error, "bringing the MN-HA SAs up again failed: %m, retrying");
		km_retry_later(e);
	}
	if (e->kbit)
		e->ike_synced = false;
	if (current && error >= 0 && e->kbit && (e->state == BUL_REGISTERED || e->state == BUL_BU_SENT))
		proceed(e);
}

void bul_km_done(struct bul_table *t, const struct bul_key *key, uint64_t gen, int error)
{
	struct bul_entry *e = bul_find(t, &key->peer, &key->hoa);
	struct bul_km_req op;
	bool current, waiting;

	if (!e || !e->km_busy || e->km_op.gen != gen)
		return; /* not ours (any more) */
	op = e->km_op;
	e->km_busy = false;
	current = gen == e->gen;
	waiting = e->state == BUL_SAS_UP || e->state == BUL_SAS_MOVE;
	/*
	 * An up starts the IKE SA from the CoA; a MIGRATE moved the entries to op.coa. Tried for
	 * that CoA either way: do not loop on a failing operation (lost SAs are brought up again).
	 */
	if (op.kind == BUL_KM_MOVE)
		e->sa_coa = op.coa;
	if (op.kind == BUL_KM_UP || op.kind == BUL_KM_MOVE)
		e->ike_synced = true;
	if (op.kind == BUL_KM_REUP || op.kind == BUL_KM_RENEW)
		km_reup_done(e, error, current);
	else if (error < 0)
		log_warning_errno(error, "key management failed: %m; sending the BU anyway");
	if (!current)
		log_debug("key management of move %llu done during move %llu", (unsigned long long)gen,
			  (unsigned long long)e->gen);
	/* The entry waited for this operation (current) or for the key manager to be free (stale). */
	if (waiting)
		proceed(e);
}

static void km_check(struct bul_entry *e)
{
	if (!e->ipsec || e->gen == 0 || e->km_busy || e->state == BUL_KERNEL || e->state == BUL_SAS_UP ||
	    e->state == BUL_SAS_MOVE || e->table->io->km_is_up(e, e->table->ud))
		return;
	log_info("MN-HA SAs are down: bringing them up again");
	if (km_start(e, BUL_KM_REUP, false) < 0)
		km_retry_later(e);
}

void bul_km_changed(struct bul_table *t)
{
	for (struct bul_entry *e = t->entries; e; e = e->next)
		km_check(e);
}

bool bul_input_brr(struct bul_table *t, const struct mh_rx_info *rx)
{
	struct bul_entry *e = bul_find(t, &rx->src, &rx->dst);

	if (!e)
		return false;
	/* §11.7.4: "the mobile node SHOULD respond ... by sending a new Binding Update". */
	if (e->state == BUL_REGISTERED)
		bu_transmit(e, true);
	return true;
}

void bul_timer_fired(struct bul_entry *e, enum bul_timer which)
{
	if (which == BUL_TIMER_KM) {
		km_check(e);
		return;
	}
	switch (e->state) {
	case BUL_BU_SENT:
		if (e->deferred != BUL_DEFERRED_NONE)
			bu_transmit(e, e->deferred == BUL_DEFERRED_FIRST); /* MAX_UPDATE_RATE let it go */
		else
			bu_retransmit(e);
		break;
	case BUL_FAILED:
		/* §11.7.3: a refused BU may be retried with a new sequence number, rate-limited (§11.8);
		 * ba_refused() chose the interval. */
		bu_transmit(e, false);
		break;
	case BUL_REGISTERED:
		/* Refresh before the binding expires. */
		bu_transmit(e, true);
		break;
	default:
		break;
	}
}

/* ---- Binding Acknowledgements ------------------------------------------------------- */

static void ba_registered(struct bul_entry *e, const struct mh_msg *msg, usec_t t)
{
	bool k = msg->ba.flags & MH_BA_F_K;
	char fh[LOG_ADDR_FIELD_MAX], fc[LOG_ADDR_FIELD_MAX];

	if (e->kbit && !k) {
		/* §11.7.3: the HA cannot move the IKE SA (K=0): it drops it; we start a new one. */
		log_notice("the home agent answered K=0: the IKE SA will be re-established after each move");
		e->kbit = false;
	}
	if (e->ipsec && !k && !IN6_ARE_ADDR_EQUAL(&e->reg_coa, &e->bu_coa) && !e->km_busy)
		/* K=0 after a move: the HA dropped the IKE SA; a new one from the new CoA (RFC 4877 §4.3). */
		(void)km_start(e, BUL_KM_RENEW, false);
	e->reg_coa = e->bu_coa;
	e->lifetime_granted = mh_lifetime_from_units(msg->ba.lifetime);
	e->refresh_sec = e->lifetime_granted;
	/* §11.7.3: the Binding Refresh Advice from the home agent: refresh at that interval. */
	if (e->home_reg && (msg->opts.present & MH_OPT_BIT(MH_OPT_BRA)))
		e->refresh_sec = mh_lifetime_from_units(msg->opts.refresh);
	if (e->refresh_sec >= e->lifetime_granted)
		e->refresh_sec = e->lifetime_granted * 4 / 5;
	/* §11.7.3: the lifetime counts from the moment the acknowledged BU was sent. */
	e->expires = e->bu_sent + (usec_t)e->lifetime_granted * USEC_PER_SEC;
	set_state(e, BUL_REGISTERED, "BA accepted");
	addr_fields(e, fh, fc);
	log_full_errno_fields(LOG_INFO, 0, LOG_FIELDS(MSGID_BA, fh, fc),
			      "BA received: status %u, lifetime %u s, refresh in %u s (BU->BA %.1f ms)",
			      msg->ba.status, e->lifetime_granted, e->refresh_sec, ms_between(e->bu_sent, t));
	arm(e, BUL_TIMER_BU, t + (usec_t)(e->refresh_sec ? e->refresh_sec : 1) * USEC_PER_SEC);
	emit(e, BUL_EV_REGISTERED);
}

static void ba_deregistered(struct bul_entry *e, usec_t t)
{
	char fh[LOG_ADDR_FIELD_MAX], fc[LOG_ADDR_FIELD_MAX];

	addr_fields(e, fh, fc);
	log_full_errno_fields(LOG_INFO, 0, LOG_FIELDS(MSGID_BA, fh, fc),
			      "BA received: deregistered at home (BU->BA %.1f ms)", ms_between(e->bu_sent, t));
	e->bound = false;
	e->reg_coa = e->key.hoa;
	e->lifetime_granted = 0;
	arm(e, BUL_TIMER_BU, 0);
	set_state(e, BUL_NONE, "deregistered");
	emit(e, BUL_EV_DEREGISTERED);
}

static void ba_refused(struct bul_entry *e, uint8_t status, usec_t t)
{
	const char *name = mh_ba_status_to_string(status);
	char h[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, &e->key.hoa, h, sizeof(h));
	log_error("%s registration refused: status %u (%s)", e->home_reg ? "home" : "binding", status,
		  name ? name : "?");
	if (status == MH_BA_DAD_FAILED && !e->home) {
		/* RFC 6275 §11.7.1: after 134 the MN "MUST NOT attempt to use the same home address". */
		log_error("home address %s failed DAD at the home agent: giving it up (RFC 6275 §11.7.1)", h);
		e->gave_up = true;
		arm(e, BUL_TIMER_BU, 0);
		set_state(e, BUL_FAILED, "BA 134: home address given up");
		emit(e, BUL_EV_REFUSED);
		return;
	}
	if (status == MH_BA_NOT_HOME_AGENT && e->home) {
		/* A deregistration answered 133: the HA holds no binding for us (it restarted, or the
		 * binding expired). Retried a few times (1, 2, 4 s), then the MN is simply home. */
		if (++e->dereg_refusals >= BUL_MAX_DEREG_REFUSALS) {
			log_warning("deregistration of %s refused %u times with 133: the home agent has no binding; "
				    "giving up, at home", h, e->dereg_refusals);
			ba_deregistered(e, t);
			return;
		}
		e->backoff = e->table->params.initial_rereg << (e->dereg_refusals - 1);
		set_state(e, BUL_FAILED, "deregistration refused (133)");
		arm(e, BUL_TIMER_BU, t + e->backoff);
		emit(e, BUL_EV_REFUSED);
		return;
	}
	/* §11.7.3 (status >= 128): try again later, rate-limited, at the maximum interval (§11.8). */
	e->backoff = BUL_MAX_BINDACK_TIMEOUT_USEC;
	set_state(e, BUL_FAILED, "BA refused");
	arm(e, BUL_TIMER_BU, t + e->backoff);
	emit(e, BUL_EV_REFUSED);
}

void bul_input_ba(struct bul_table *t, const struct mh_rx_info *rx, const struct mh_msg *msg)
{
	struct bul_entry *e = bul_find(t, &rx->src, &rx->dst);
	usec_t tnow;

	if (!e || e->state != BUL_BU_SENT) {
		log_debug("BA seq %u with no BU outstanding to its sender, ignoring", msg->ba.seq);
		return;
	}
	if (msg->ba.status == MH_BA_SEQ_OUT_OF_WINDOW) {
		/*
		 * RFC 6275 §11.7.3: the sequence-number match applies to every status but 135; a
		 * 135 carries the peer's last accepted number (§9.5.1), which the MN "MUST update
		 * its binding sequence number ... to match"; then the next BU uses the next value
		 * (§11.7.1). Its authentication is the SPD's (the kernel drops an unprotected BA
		 * for a protected pair). Only with a BU outstanding to that peer (checked above).
		 */
		log_notice("BA 135: the home agent last accepted seq %u; resynchronising", msg->ba.seq);
		e->last_status = msg->ba.status;
		e->seq = msg->ba.seq;
		bu_transmit(e, false);
		return;
	}
	/* §11.7.3: otherwise the sequence number must match the outstanding BU, or the BA is ignored. */
	if (msg->ba.seq != e->seq) {
		log_debug("BA seq %u does not match the BU's %u, ignoring", msg->ba.seq, e->seq);
		return;
	}
	tnow = now(e);
	e->ba_time = tnow;
	e->last_status = msg->ba.status;
	if (!MH_BA_STATUS_IS_ACCEPTED(msg->ba.status))
		ba_refused(e, msg->ba.status, tnow);
	else if (e->home)
		ba_deregistered(e, tnow);
	else
		ba_registered(e, msg, tnow);
}

const char *bul_state_to_string(enum bul_state s)
{
	static const char *const names[_BUL_STATE_MAX] = {
		[BUL_NONE] = "none",		 [BUL_KERNEL] = "kernel-steps", [BUL_SAS_UP] = "sas-up",
		[BUL_SAS_MOVE] = "sas-move",	 [BUL_BU_SENT] = "bu-sent",	[BUL_REGISTERED] = "registered",
		[BUL_FAILED] = "failed",
	};

	return s >= 0 && s < _BUL_STATE_MAX ? names[s] : NULL;
}
