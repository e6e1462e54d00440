/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <arpa/inet.h>
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <linux/xfrm.h>
#include <stdlib.h>
#include <string.h>

#include "cn/cn-bcache.h"
#include "cn/cn-policy.h"
#include "cn/cn-ro-path.h"
#include "cn/cn.h"
#include "cn/rr-keygen.h"
#include "conf/conf.h"
#include "control/ctl-json.h"
#include "core/addr-util.h"
#include "core/log.h"
#include "core/ratelimit.h"
#include "ha/ha-addr.h"
#include "io/io.h"
#include "mh/mh-util.h"
#include "netlink/nl-kernel.h"

enum cn_setup {
	CN_SETUP_HAO_STATE,
	CN_SETUP_HAO_POLICY,
	CN_SETUP_MH_BYPASS,
	CN_SETUP_DONE,
};

struct cn_ro_job;

struct cn {
	struct manager *m;
	struct io *io;
	struct knl *knl;
	struct rr_keygen *kg;
	struct cn_bcache *bc;
	struct ratelimit log_rl; /* RejectedBuLogPerSec */
	struct ratelimit bind_log_rl; /* the same rate: lines about bindings peers create, delete, let expire */
	enum cn_setup setup;
	bool ready;
	bool no_hao; /* the kernel has no `hao` XFRM type: nothing to install or remove */
	unsigned shutdown_pending;
	uint64_t hot_sent, cot_sent;
	struct cn_ro_job *jobs;	/* data path installs waiting for the kernel */
	uint64_t ro_installs, ro_failures;
	uint64_t be_unknown_hao_sent, be_unknown_hao_limited, reports_lost;
	uint64_t reports_not_hao, reports_not_unicast; /* XFRM reports answered with no Binding Error, by reason */
	uint64_t brr_sent, brr_not_in_use, brr_read_failures;
	uint64_t bu_cache_full; /* BUs answered 130: no room, no DELETED entry past its memory (cn-bcache.h) */
};

/* Where a BA goes (§9.5.4): to the BU's source, with a type 2 routing header when it had a HAO. */
struct cn_ba_to {
	struct in6_addr src, dst, hoa;
	bool rh2;
};

/* One binding's data path request; its BA waits for the kernel's answers (fail closed). */
struct cn_ro_job {
	struct cn *cn;
	struct cn_ro_job *next;
	struct in6_addr hoa, coa;
	unsigned left;
	int err;
	bool has_ba;
	struct cn_ba_to to;
	struct cn_decision d;
};

static struct cn_test_hooks hooks;

void cn_set_test_hooks(const struct cn_test_hooks *h)
{
	hooks = h ? *h : (struct cn_test_hooks){ 0 };
}

static usec_t cn_now(void)
{
	return hooks.now ? hooks.now(hooks.userdata) : now_usec();
}

/*
 * A log line about a binding (created, deleted, expired, its data path refused): anyone
 * can run return routability for addresses of its own and churn bindings, so these lines
 * come from untrusted input and share a bucket of RejectedBuLogPerSec; the held ones are
 * counted (log_suppressed) and the next line says how many.
 */
static bool cn_log_binding_ok(struct cn *cn, char *more, size_t len)
{
	return ratelimit_log(&cn->bind_log_rl, cn->m->config->rejected_bu_log_per_sec, now_usec(),
			     &cn->m->counters.log_suppressed, more, len);
}

/* ---- return routability: HoTI -> HoT, CoTI -> CoT (§9.4) ---------------------- */

/* §9.4.1-9.4.4: no Home Address option; the token of the source address; the test to it. */
static enum mip6_drop cn_on_test_init(struct cn *cn, const struct mh_msg *msg, const struct mh_rx_info *rx,
				      bool home)
{
	struct mh_msg t = { .type = home ? MH_TYPE_HOT : MH_TYPE_COT };
	struct mh_tx_info tx = { .src = rx->dst, .dst = rx->src };
	int r;

	/* §9.4.1, §9.4.2: "MUST NOT include a Home Address destination option" (silently ignored). */
	if (rx->has_hao)
		return DROP_RR_HAO;
	/* §9.4.3, §9.4.4: the test goes to the source, from the address the init was sent to. */
	if (!ha_addr_unicast_routable(&rx->dst) || !cn_addr_unicast(&rx->src))
		return DROP_BAD_ADDRESS;
	/* The cookie is echoed (§6.1.5, §6.1.6); the HoTI's and CoTI's cookie share one layout. */
	memcpy(t.hot.cookie, home ? msg->hoti.cookie : msg->coti.cookie, MH_COOKIE_LEN);
	r = rr_keygen_token_now(cn->kg, cn_now(), &rx->src, home ? RR_HOME : RR_CAREOF, &t.hot.nonce_index,
				t.hot.keygen_token);
	if (r < 0) {
		log_warning_errno(r, "no nonce for a return routability test: %m");
		return DROP_OTHER;
	}
	r = io_mh_send(cn->io, &t, &tx);
	if (r < 0)
		log_debug_errno(r, "%s not sent: %m", home ? "HoT" : "CoT");
	else if (home)
		cn->hot_sent++;
	else
		cn->cot_sent++;
	return DROP_NONE;
}

static enum mip6_drop cn_on_hoti(const struct mh_msg *msg, const struct mh_rx_info *rx, void *userdata)
{
	return cn_on_test_init(userdata, msg, rx, true);
}

static enum mip6_drop cn_on_coti(const struct mh_msg *msg, const struct mh_rx_info *rx, void *userdata)
{
	return cn_on_test_init(userdata, msg, rx, false);
}

/* ---- binding cache entries ---------------------------------------------------------- */

/*
 * Binding Refresh Requests (§9.5.5): "If the sender knows that the Binding Cache entry
 * is still in active use, it MAY send a Binding Refresh Request message". What the CN
 * knows of the use: the kernel counts every packet the binding's route2 state sends to
 * the HoA (curlft.packets of the out state, cn-ro-path.h; packets from the MN are not
 * looked at: §9.5.5 speaks of "sending packets to a mobile node"). The entry is in
 * active use when that count grew in the last CN_BRR_LEAD before the BRR's time, which
 * is CN_BRR_LEAD before expiry (a tenth of the lifetime, at least 2 s, as the HA's
 * restored bindings): two reads (XFRM_MSG_GETSA) in a lifetime the MN did not refresh
 * by then, one BRR at most per lifetime (the RFC's "MAY retransmit" is not used: a
 * lost BRR costs the tunnel through the home agent until the MN's next BU), none
 * without a data path or when a read failed. A BU starts a new lifetime ("MUST stop
 * retransmitting when it receives a Binding Update").
 */
#define CN_BRR_LEAD_MIN (2 * USEC_PER_SEC)

enum {
	CN_BRR_BASE,   /* next step: read the count at the start of the window */
	CN_BRR_DECIDE, /* next step: read it again at the BRR's time, send when it grew */
	CN_BRR_OVER,   /* decided for this lifetime: the timer waits for expiry */
};

static usec_t cn_brr_lead(const struct cn_bce *e)
{
	usec_t lead = (usec_t)mh_lifetime_from_units(e->lifetime) * USEC_PER_SEC / 10;

	return lead < CN_BRR_LEAD_MIN ? CN_BRR_LEAD_MIN : lead;
}

/* When the entry's timer is due: its next Binding Refresh Request step, else its expiry. */
static usec_t bce_deadline(const struct cn_bce *e)
{
	usec_t lead;

	if (e->state != CN_BCE_VALID || e->brr == CN_BRR_OVER)
		return e->expires;
	lead = e->brr == CN_BRR_BASE ? 2 * cn_brr_lead(e) : cn_brr_lead(e);
	return e->expires > lead ? e->expires - lead : 0;
}

/* A new lifetime (a BU, a deletion, expiry, a failed install): no read in flight, the steps anew. */
static void bce_brr_reset(struct cn *cn, struct cn_bce *e)
{
	if (e->brr_reading && cn->knl)
		knl_cancel_owner(cn->knl, e);
	e->brr_reading = false;
	e->brr = CN_BRR_BASE;
	e->use_base_valid = false;
	e->use_base = 0;
}

static void bce_release(struct cn_bce *e, void *ud)
{
	struct cn *cn = ud;

	if (e->brr_reading && cn->knl)
		knl_cancel_owner(cn->knl, e);
	e->brr_reading = false;
	e->timer = sd_event_source_disable_unref(e->timer);
}

static void cn_entry_gone(struct cn *cn, struct cn_bce *e)
{
	bce_release(e, cn);
	cn_bcache_remove(cn->bc, e);
}

static int on_bce_timer(sd_event_source *s, uint64_t usec, void *userdata);
static void cn_ro_remove(struct cn *cn, struct cn_bce *e);

/* The entry's timer at its deadline of the role's clock (relative, so a test clock works too). */
static void bce_arm(struct cn *cn, struct cn_bce *e)
{
	usec_t now = cn_now(), when = bce_deadline(e), in = when > now ? when - now : 0;
	int r;

	e->owner = cn;

	if (e->timer) {
		r = sd_event_source_set_time(e->timer, now_usec() + in);
		if (r >= 0)
			r = sd_event_source_set_enabled(e->timer, SD_EVENT_ONESHOT);
	} else
		r = sd_event_add_time(cn->m->event, (sd_event_source **)&e->timer, MIP6_CLOCK, now_usec() + in,
				      USEC_PER_SEC / 10, on_bce_timer, cn);
	if (r >= 0 && e->timer)
		(void)sd_event_source_set_userdata(e->timer, e);
	if (r < 0)
		log_warning_errno(r, "binding cache timer: %m (the entry is removed when next looked up)");
}

/* A VALID entry whose lifetime ended becomes DELETED (§9.6: "MUST be deleted"), a DELETED one goes. */
static void bce_expire(struct cn *cn, struct cn_bce *e)
{
	char h[INET6_ADDRSTRLEN], more[64];

	if (e->state == CN_BCE_DELETED) {
		cn_entry_gone(cn, e);
		return;
	}
	if (cn_log_binding_ok(cn, more, sizeof(more)))
		log_info("correspondent binding for %s expired%s", addr_str(&e->hoa, h), more);
	cn_bcache_set_state(cn->bc, e, CN_BCE_DELETED);
	bce_brr_reset(cn, e);
	cn_ro_remove(cn, e); /* §9.6: with the binding, its data path */
	e->expires = e->expires + RR_MAX_NONCE_LIFETIME_USEC;
	bce_arm(cn, e);
	manager_notify_status(cn->m);
}

/*
 * §6.1.2: MH type 0, Reserved zero, no options (8 octets). §9.5.5: "always sent to the
 * home address", the way the BA goes (§9.5.4): to the CoA with a type 2 routing header
 * holding the HoA (§6.4), from the address the MN registered with.
 */
static void cn_send_brr(struct cn *cn, struct cn_bce *e)
{
	struct mh_msg msg = { .type = MH_TYPE_BRR };
	struct mh_tx_info tx = { .src = e->cn_addr, .dst = e->coa, .rh2 = &e->hoa };
	char h[INET6_ADDRSTRLEN];
	int r;

	addr_str(&e->hoa, h);
	r = io_mh_send(cn->io, &msg, &tx);
	if (r < 0) {
		log_debug_errno(r, "Binding Refresh Request to %s not sent: %m", h);
		return;
	}
	cn->brr_sent++;
	log_debug("correspondent binding for %s in use, expiring in %llu s: Binding Refresh Request sent", h,
		  (unsigned long long)((e->expires - cn_now()) / USEC_PER_SEC));
}

/* The route2 state's counters: the window's start, or its end (the decision). */
static void on_brr_count(const struct knl_event *ev, void *userdata)
{
	struct cn_bce *e = userdata;
	struct cn *cn = e->owner;

	if (ev->type != KNL_EVENT_XFRM_SA || ev->sa.proto != IPPROTO_ROUTING)
		return;
	if (e->brr == CN_BRR_DECIDE) {
		e->use_base = ev->sa.packets;
		e->use_base_valid = true;
		return;
	}
	if (ev->sa.packets > e->use_base)
		cn_send_brr(cn, e);
	else
		cn->brr_not_in_use++;
}

static void on_brr_read(int result, void *userdata)
{
	struct cn_bce *e = userdata;
	struct cn *cn = e->owner;

	e->brr_reading = false;
	if (result < 0) {
		cn->brr_read_failures++;
		log_debug_errno(result, "the route-optimisation state's counters not read: %m (no Binding Refresh Request)");
	}
}

/* The entry's next Binding Refresh Request step is due: a read of the route2 state's counters. */
static void cn_brr_step(struct cn *cn, struct cn_bce *e)
{
	struct cn_ro_binding b = { .cn = e->ro_cn, .hoa = e->hoa, .coa = e->ro_coa };
	struct knl_xfrm_state s;
	int r;

	/* No data path, the last read still out or failed: nothing says the binding is in use. */
	if (!e->ro_installed || cn->no_hao || e->brr_reading || (e->brr == CN_BRR_DECIDE && !e->use_base_valid)) {
		e->brr = CN_BRR_OVER;
		return;
	}
	e->brr = e->brr == CN_BRR_BASE ? CN_BRR_DECIDE : CN_BRR_OVER;
	cn_ro_state_out(&b, &s);
	r = knl_xfrm_state_get(cn->knl, &s, e, on_brr_count, on_brr_read, e);
	if (r < 0) {
		cn->brr_read_failures++;
		e->brr = CN_BRR_OVER;
		return;
	}
	e->brr_reading = true;
}

/* The entry's deadline came (or a test's clock moved): expiry, or a BRR step. */
static void bce_due(struct cn *cn, struct cn_bce *e)
{
	usec_t now = cn_now();

	if (e->expires <= now) {
		bce_expire(cn, e); /* may free e */
		return;
	}
	if (bce_deadline(e) <= now)
		cn_brr_step(cn, e);
	bce_arm(cn, e); /* the next step, or a test clock behind the real one */
}

static int on_bce_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct cn_bce *e = userdata;

	(void)s;
	(void)usec;
	bce_due(e->owner, e);
	return 0;
}

struct bce_list {
	struct cn_bce **v;
	size_t n, max;
};

static void bce_collect(struct cn_bce *e, void *userdata)
{
	struct bce_list *l = userdata;

	if (l->n < l->max)
		l->v[l->n++] = e;
}

void cn_test_run_timers(struct manager *m)
{
	struct cn *cn = m->role_data;
	struct bce_list l = { 0 };

	if (!cn)
		return;
	l.max = cn_bcache_count(cn->bc, CN_BCE_VALID) + cn_bcache_count(cn->bc, CN_BCE_DELETED);
	l.v = calloc(l.max ? l.max : 1, sizeof(*l.v));
	if (!l.v)
		return;
	cn_bcache_foreach(cn->bc, bce_collect, &l);
	for (size_t i = 0; i < l.n; i++)
		bce_due(cn, l.v[i]); /* each handler frees at most its own entry */
	free(l.v);
}

/* The entry of hoa as it is now: one whose time is over is expired first (a test clock, a late timer). */
static struct cn_bce *cn_lookup(struct cn *cn, const struct in6_addr *hoa)
{
	struct cn_bce *e;

	while ((e = cn_bcache_lookup(cn->bc, hoa)) && e->expires <= cn_now())
		bce_expire(cn, e);
	return e;
}

/* ---- Binding Updates (§9.5) ------------------------------------------------------- */

/*
 * The BA (§6.1.8, §9.5.4) to the BU's source on the wire, with a type 2 routing
 * header holding the HoA when the BU came with a Home Address option; with the
 * Binding Authorization Data option computed with Kbm when d->ba_auth (§6.2.7:
 * over care-of address | correspondent | the BA up to the Authenticator).
 */
static void cn_send_ba(struct cn *cn, const struct cn_ba_to *to, const struct cn_decision *d)
{
	struct mh_msg ba = { .type = MH_TYPE_BA };
	struct mh_tx_info tx = { .src = to->src, .dst = to->dst, .rh2 = to->rh2 ? &to->hoa : NULL };
	uint8_t buf[MH_LEN_MAX];
	size_t len;
	int r;

	ba.ba.status = d->status;
	ba.ba.seq = d->ba_seq;
	ba.ba.lifetime = d->lifetime;
	if (d->ba_auth) {
		ba.opts.present = MH_OPT_BIT(MH_OPT_AUTH);
		r = mh_build(&ba, buf, sizeof(buf), &len);
		if (r >= 0)
			r = rr_authenticator(d->kbm, &d->auth_coa, &to->src, buf, len - MH_BAD_LEN, ba.opts.auth);
		if (r < 0) {
			log_warning_errno(r, "BA not built: %m");
			return;
		}
	}
	r = io_mh_send(cn->io, &ba, &tx);
	if (r < 0)
		log_debug_errno(r, "BA not sent: %m");
}

static void cn_log_refused(struct cn *cn, const struct cn_bu_in *in, const struct cn_decision *d)
{
	char h[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN], more[64];

	if (!ratelimit_log(&cn->log_rl, cn->m->config->rejected_bu_log_per_sec, now_usec(),
			   &cn->m->counters.log_suppressed, more, sizeof(more)))
		return;
	if (d->action == CN_DISCARD)
		log_notice("BU for %s from %s discarded: %s%s", addr_str(&in->hoa, h), addr_str(&in->src, c),
			   d->reason, more);
	else
		log_notice("BU for %s from %s refused: status %u (%s)%s", addr_str(&in->hoa, h),
			   addr_str(&in->src, c), d->status, d->reason, more);
}

/* ---- the route-optimisation data path (cn-ro-path.h) ----------------------------- */

static void on_ro_removed(int result, void *userdata)
{
	struct cn *cn = userdata;
	char more[64];

	if (result < 0 && cn_log_binding_ok(cn, more, sizeof(more)))
		log_warning_errno(result, "removing a route-optimisation state or policy: %m%s", more);
}

/* The binding's kernel objects go (deletion, expiry, a failed install); the result is only logged. */
static void cn_ro_remove(struct cn *cn, struct cn_bce *e)
{
	struct cn_ro_binding b = { .cn = e->ro_cn, .hoa = e->hoa, .coa = e->ro_coa };
	unsigned n;
	int r;

	if (!e->ro_installed)
		return;
	e->ro_installed = false;
	r = cn_ro_submit(cn->knl, CN_RO_REMOVE, &b, cn, on_ro_removed, cn, &n);
	if (r < 0)
		log_warning_errno(r, "route-optimisation states and policies of a binding not removed: %m");
}

static void cn_ro_job_free(struct cn *cn, struct cn_ro_job *job)
{
	for (struct cn_ro_job **p = &cn->jobs; *p; p = &(*p)->next)
		if (*p == job) {
			*p = job->next;
			break;
		}
	OPENSSL_cleanse(&job->d, sizeof(job->d));
	free(job);
}

/*
 * Fail closed: the binding the job installed is deleted (its sequence number kept, as
 * for any deletion) and the BA refuses the BU: 130 when the kernel lacked memory
 * (§9.5.2 "insufficient resources"), else 128. §9.5.4: the BA MUST be sent then.
 */
static void cn_ro_fail(struct cn *cn, struct cn_ro_job *job)
{
	char h[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN], more[64];
	struct cn_bce *e = cn_bcache_lookup(cn->bc, &job->hoa);

	errno = -job->err;
	if (cn_log_binding_ok(cn, more, sizeof(more)))
		log_error("route optimisation for %s via %s not installed in the kernel: %m; the binding is refused%s",
			  addr_str(&job->hoa, h), addr_str(&job->coa, c), more);
	cn->ro_failures++;
	if (e && e->state == CN_BCE_VALID && IN6_ARE_ADDR_EQUAL(&e->coa, &job->coa)) {
		cn_ro_remove(cn, e);
		cn_bcache_set_state(cn->bc, e, CN_BCE_DELETED);
		bce_brr_reset(cn, e);
		e->lifetime = 0;
		e->expires = cn_now() + RR_MAX_NONCE_LIFETIME_USEC;
		bce_arm(cn, e);
	}
	job->d.action = CN_REJECT;
	job->d.status = job->err == -ENOMEM || job->err == -ENOBUFS || job->err == -ENOSPC ?
				MH_BA_INSUFFICIENT_RESOURCES : MH_BA_UNSPECIFIED;
	job->d.lifetime = 0;
	job->has_ba = true;
}

static void on_ro_installed(int result, void *userdata)
{
	struct cn_ro_job *job = userdata;
	struct cn *cn = job->cn;

	if (result < 0 && job->err == 0) {
		char more[64];

		job->err = result;
		if (knl_extack(cn->knl) && cn_log_binding_ok(cn, more, sizeof(more)))
			log_warning("route optimisation: the kernel says: %s%s", knl_extack(cn->knl), more);
	}
	if (--job->left > 0)
		return;
	if (job->err < 0)
		cn_ro_fail(cn, job);
	else
		cn->ro_installs++;
	if (job->has_ba && cn_addr_unicast(&job->to.dst))
		cn_send_ba(cn, &job->to, &job->d);
	cn_ro_job_free(cn, job);
	manager_notify_status(cn->m);
}

/*
 * The binding e was created or refreshed: its data path follows (§9.3.1, §9.3.2).
 * Returns true when a kernel request was queued: the BA (if any) is then sent from
 * the job when the kernel has answered, refusing the BU if it failed.
 */
static bool cn_ro_apply(struct cn *cn, struct cn_bce *e, const struct cn_ba_to *to, const struct cn_decision *d)
{
	struct cn_ro_binding b = { .cn = e->cn_addr, .hoa = e->hoa, .coa = e->coa };
	struct cn_ro_job *job;
	int r;

	if (cn->no_hao)
		return false; /* no Mobile IPv6 in the kernel: nothing can be installed */
	if (e->ro_installed && IN6_ARE_ADDR_EQUAL(&e->ro_coa, &e->coa) && IN6_ARE_ADDR_EQUAL(&e->ro_cn, &e->cn_addr))
		return false; /* a refresh: the kernel objects have no lifetime of their own */
	if (e->ro_installed && !IN6_ARE_ADDR_EQUAL(&e->ro_cn, &e->cn_addr))
		cn_ro_remove(cn, e); /* the BU went to another of our addresses: other objects */
	job = calloc(1, sizeof(*job));
	if (!job) {
		struct cn_ro_job stack = { .cn = cn, .hoa = e->hoa, .coa = e->coa, .err = -ENOMEM, .to = *to, .d = *d };

		cn_ro_fail(cn, &stack);
		cn_send_ba(cn, &stack.to, &stack.d);
		OPENSSL_cleanse(&stack.d, sizeof(stack.d));
		return true;
	}
	*job = (struct cn_ro_job){ .cn = cn, .next = cn->jobs, .hoa = e->hoa, .coa = e->coa, .has_ba = d->send_ba,
				   .to = *to, .d = *d };
	cn->jobs = job;
	e->ro_installed = true;
	e->ro_coa = e->coa;
	e->ro_cn = e->cn_addr;
	r = cn_ro_submit(cn->knl, CN_RO_INSTALL, &b, job, on_ro_installed, job, &job->left);
	if (r < 0 && job->err == 0)
		job->err = r;
	if (job->left == 0) { /* nothing queued: finish now */
		job->left = 1;
		on_ro_installed(r < 0 ? r : 0, job);
	}
	return true;
}

/*
 * §9.5.2: create or refresh; 130 when the cache is full ("SHOULD return ... 130"),
 * which it stays while its DELETED entries still guard against replays (cn-bcache.h).
 */
static struct cn_bce *cn_cache(struct cn *cn, const struct cn_bu_in *in, struct cn_bce *e, struct cn_decision *d)
{
	usec_t now = in->now;
	char h[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN], more[64];
	int r;

	if (!e) {
		r = cn_bcache_add(cn->bc, &in->hoa, now, bce_release, cn, &e);
		if (r < 0) {
			d->action = CN_REJECT;
			d->status = MH_BA_INSUFFICIENT_RESOURCES;
			d->lifetime = 0;
			d->send_ba = true; /* §9.5.4 */
			d->reason = "binding cache full";
			cn->bu_cache_full++;
			cn_log_refused(cn, in, d);
			return NULL;
		}
		e->created = now;
		if (cn_log_binding_ok(cn, more, sizeof(more)))
			log_info("correspondent binding for %s: care-of address %s, %u s%s", addr_str(&in->hoa, h),
				 addr_str(&d->coa, c), mh_lifetime_from_units(d->lifetime), more);
	} else if (e->state == CN_BCE_DELETED) {
		cn_bcache_set_state(cn->bc, e, CN_BCE_VALID);
		e->created = now;
	}
	e->coa = d->coa;
	e->cn_addr = in->cn;
	e->seq = in->msg->bu.seq;
	e->lifetime = d->lifetime;
	e->home_nonce_index = in->msg->opts.home_nonce_index;
	e->careof_nonce_index = in->msg->opts.careof_nonce_index;
	e->refreshed = now;
	e->expires = now + (usec_t)mh_lifetime_from_units(d->lifetime) * USEC_PER_SEC;
	bce_brr_reset(cn, e); /* §9.5.5: a BU ends any Binding Refresh Request of the last lifetime */
	bce_arm(cn, e);
	return e;
}

/* §9.5.3: "Any existing binding ... MUST be deleted"; the sequence number is remembered (cn-bcache.h). */
static void cn_delete(struct cn *cn, const struct cn_bu_in *in, struct cn_bce *e)
{
	char h[INET6_ADDRSTRLEN], more[64];

	if (!e)
		return; /* "MUST NOT be created" */
	if (e->state == CN_BCE_VALID) {
		if (cn_log_binding_ok(cn, more, sizeof(more)))
			log_info("correspondent binding for %s deleted by its mobile node%s", addr_str(&in->hoa, h), more);
		cn_bcache_set_state(cn->bc, e, CN_BCE_DELETED);
	}
	cn_ro_remove(cn, e);
	bce_brr_reset(cn, e);
	e->seq = in->msg->bu.seq;
	e->lifetime = 0;
	e->refreshed = in->now;
	e->expires = in->now + RR_MAX_NONCE_LIFETIME_USEC;
	bce_arm(cn, e);
}

static enum mip6_drop cn_on_bu(const struct mh_msg *msg, const struct mh_rx_info *rx, void *userdata)
{
	struct cn *cn = userdata;
	struct cn_bu_in in = { .msg = msg, .raw = rx->mh, .raw_len = rx->mh_len, .hoa = rx->src,
			       .src = rx->has_hao ? rx->hao : rx->src, .cn = rx->dst, .now = cn_now() };
	struct cn_ba_to to = { .src = rx->dst, .dst = in.src, .hoa = rx->src, .rh2 = rx->has_hao };
	struct cn_decision d;
	struct cn_bce *e;
	bool deferred = false;

	if (!rx->mh)
		return DROP_OTHER;
	e = cn_lookup(cn, &in.hoa);
	in.entry = e;
	cn_bu_decide(&in, cn->kg, &d);
	switch (d.action) {
	case CN_DISCARD:
		cn_log_refused(cn, &in, &d);
		return d.drop;
	case CN_REJECT:
		cn_log_refused(cn, &in, &d);
		break;
	case CN_CACHE:
		e = cn_cache(cn, &in, e, &d);
		/* §9.5.2 with §9.3.1/§9.3.2: the binding is usable only with its data path. */
		if (e)
			deferred = cn_ro_apply(cn, e, &to, &d);
		break;
	case CN_DELETE:
		cn_delete(cn, &in, e);
		break;
	}
	/* §9.5.4: a BA only to a unicast source (cn_bu_decide discarded any other). */
	if (d.send_ba && !deferred && cn_addr_unicast(&in.src))
		cn_send_ba(cn, &to, &d);
	OPENSSL_cleanse(d.kbm, sizeof(d.kbm));
	manager_notify_status(cn->m);
	return DROP_NONE;
}

/* ---- Binding Error status 1 (§9.3.1, §9.3.3) --------------------------------------- */

/*
 * The kernel reports a packet with a Home Address option that no binding's state
 * let through (the hao type's reject: XFRM_MSG_REPORT, proto hao, the selector of
 * the packet after the swap, the wire's source as coaddr; MH packets are not
 * reported, and the kernel passes one report per source, destination and second).
 * §9.3.1: "MUST be discarded" (the kernel did) and a Binding Error status 1 sent;
 * §9.3.3: "directly to the address that appeared in the IPv6 Source Address
 * field" (no routing header), "MUST NOT be sent" when it is no unicast address,
 * the Home Address field from the option, "SHOULD be subject to rate limiting"
 * (io's BindingErrorsPerSec bucket).
 */
static void cn_on_report(struct cn *cn, const struct knl_xfrm_report *rep)
{
	struct mh_tx_info tx = { .src = rep->sel.dst, .dst = rep->coaddr };
	char h[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];
	int r;

	if (rep->proto != IPPROTO_DSTOPTS || rep->sel.src_len != 128 || rep->sel.dst_len != 128) {
		cn->reports_not_hao++; /* not the hao type's report of one packet */
		return;
	}
	/* §9.3.3: "If the Source Address field does not contain a unicast address, the Binding Error message MUST NOT be sent." */
	if (!cn_addr_unicast(&rep->coaddr) || !cn_addr_unicast(&rep->sel.dst)) {
		cn->reports_not_unicast++;
		return;
	}
	r = io_send_be(cn->io, MH_BE_UNKNOWN_HAO, &rep->sel.src, &tx);
	if (r == -EBUSY) {
		cn->be_unknown_hao_limited++;
		return;
	}
	if (r < 0) {
		log_debug_errno(r, "Binding Error not sent: %m");
		return;
	}
	cn->be_unknown_hao_sent++;
	log_debug("Home Address option for %s from %s without a binding: Binding Error status 1",
		  addr_str(&rep->sel.src, h), addr_str(&rep->coaddr, c));
}

static void cn_on_knl_event(const struct knl_event *ev, void *userdata)
{
	if (ev->type == KNL_EVENT_XFRM_REPORT)
		cn_on_report(userdata, &ev->report);
}

static void cn_on_knl_resync(void *userdata)
{
	struct cn *cn = userdata;

	/* Reports are events, nothing to dump again: the lost ones only cost their Binding Errors. */
	cn->reports_lost++;
	log_notice("XFRM notifications were lost: some Binding Errors (status 1) were not sent");
}

/* ---- kernel setup: BUs with a Home Address option reach the MH socket -------------- */

static const char *const cn_setup_waits[] = {
	[CN_SETUP_HAO_STATE] = "the Home Address option state",
	[CN_SETUP_HAO_POLICY] = "the Mobility Header policy",
	[CN_SETUP_MH_BYPASS] = "the outbound Mobility Header policy",
	[CN_SETUP_DONE] = "nothing",
};

/* A wildcard-receive HAO state: the kernel processes a Home Address option (RFC 6275 §9.3.1). */
static void cn_hao_state(struct knl_xfrm_state *s)
{
	*s = (struct knl_xfrm_state){ .proto = IPPROTO_DSTOPTS, .mode = XFRM_MODE_ROUTEOPTIMIZATION,
				      .flags = XFRM_STATE_WILDRECV };
	s->sel.type = KNL_XFRM_TYPE_ANY;
}

/* The inbound MH policy whose optional RO template lets MH messages with a HAO through. */
static void cn_hao_policy(struct knl_xfrm_policy *p)
{
	*p = (struct knl_xfrm_policy){ .dir = XFRM_POLICY_IN, .priority = 2, .n_tmpl = 1 };
	p->sel.proto = IPPROTO_MH;
	p->sel.type = KNL_XFRM_TYPE_ANY;
	p->tmpl[0].proto = IPPROTO_DSTOPTS;
	p->tmpl[0].mode = XFRM_MODE_ROUTEOPTIMIZATION;
	p->tmpl[0].optional = true;
}

static void on_cn_setup(int result, void *userdata);

/* The return routability's messages: no kernel state, served from the start. */
static void cn_register_rr(struct cn *cn, bool on)
{
	(void)io_mh_register(cn->io, MH_TYPE_HOTI, on ? cn_on_hoti : NULL, on ? cn : NULL);
	(void)io_mh_register(cn->io, MH_TYPE_COTI, on ? cn_on_coti : NULL, on ? cn : NULL);
}

/*
 * BUs only once the kernel set-up is complete: a binding installed before the MH bypass
 * policy would have its route2 state put a routing header on the BA, which carries its own
 * (§9.5.4: to the BU's source, not from the Binding Cache) -- two RH2s, which the MN
 * discards (seen in the VM right after a CN restart). One dropped meanwhile is counted as
 * unexpected and resent by the MN.
 */
static void cn_register_bu(struct cn *cn, bool on)
{
	(void)io_mh_register(cn->io, MH_TYPE_BU, on ? cn_on_bu : NULL, on ? cn : NULL);
}

static void cn_setup_next(struct cn *cn)
{
	struct knl_xfrm_state s;
	struct knl_xfrm_policy p;
	int r = 0;

	switch (cn->setup) {
	case CN_SETUP_HAO_STATE:
		cn_hao_state(&s);
		r = knl_xfrm_state(cn->knl, KNL_OP_REPLACE, &s, cn, on_cn_setup, cn);
		break;
	case CN_SETUP_HAO_POLICY:
		cn_hao_policy(&p);
		r = knl_xfrm_policy(cn->knl, KNL_OP_REPLACE, &p, cn, on_cn_setup, cn);
		break;
	case CN_SETUP_MH_BYPASS:
		/* §9.5.4: a BA goes to the BU's source "not use information from the Binding Cache". */
		cn_ro_mh_bypass(&p);
		r = knl_xfrm_policy(cn->knl, KNL_OP_REPLACE, &p, cn, on_cn_setup, cn);
		break;
	case CN_SETUP_DONE:
		if (!cn->no_hao)
			cn_register_bu(cn, true);
		cn->ready = true;
		log_info("correspondent node ready: return routability answered, nonce index %u",
			 rr_keygen_current_index(cn->kg));
		manager_ready(cn->m);
		return;
	}
	if (r < 0) {
		log_error_errno(r, "correspondent node kernel setup failed at step %d: %m", cn->setup);
		sd_event_exit(cn->m->event, r);
	}
}

static void on_cn_setup(int result, void *userdata)
{
	struct cn *cn = userdata;

	if (result == -EPROTONOSUPPORT && cn->setup == CN_SETUP_HAO_STATE) {
		/* No Mobile IPv6 in the kernel (CONFIG_IPV6_MIP6): the RR still works, BUs from away cannot arrive. */
		log_warning("the kernel has no Home Address option support (no `hao` XFRM type, CONFIG_IPV6_MIP6): "
			    "HoTI and CoTI are answered, but a Binding Update with a Home Address option never "
			    "reaches mip6d");
		cn->no_hao = true;
		cn->setup = CN_SETUP_DONE;
		cn_setup_next(cn);
		return;
	}
	if (result < 0) {
		log_error_errno(result, "correspondent node kernel setup failed: %s: %m (%s)",
				cn_setup_waits[cn->setup], knl_extack(cn->knl) ? knl_extack(cn->knl) : "no detail");
		sd_event_exit(cn->m->event, result);
		return;
	}
	cn->setup++;
	manager_notify_status(cn->m);
	cn_setup_next(cn);
}

/* ---- role seam ---------------------------------------------------------------------- */

static int cn_start(struct manager *m)
{
	struct cn *cn = calloc(1, sizeof(*cn));
	int r;

	if (!cn)
		return -ENOMEM;
	m->role_data = cn;
	cn->m = m;
	cn->io = m->io;
	cn->knl = io_knl(m->io);
	ratelimit_init(&cn->log_rl, m->config->rejected_bu_log_per_sec, now_usec());
	ratelimit_init(&cn->bind_log_rl, m->config->rejected_bu_log_per_sec, now_usec());
	/* §9.4.1: Kcn and a nonce before the first return routability procedure. */
	r = rr_keygen_new(hooks.rand, hooks.userdata, cn_now(), &cn->kg);
	if (r < 0)
		return log_error_errno(r, "return routability: no random Kcn and nonce, or OpenSSL's "
					  "HMAC-SHA1/SHA-1 failed: %m");
	r = cn_bcache_new(hooks.bcache_max ? hooks.bcache_max : CN_BCACHE_MAX_DEFAULT, &cn->bc);
	if (r < 0)
		return r;
	if (!m->config->do_route_optimization_cn) {
		/* No return routability: HoTI, CoTI and BUs are dropped as unexpected (io). */
		log_notice("DoRouteOptimizationCN disabled: return routability and Binding Updates are not answered");
		cn->setup = CN_SETUP_DONE;
		cn->no_hao = true; /* nothing installed in the kernel */
	} else {
		cn_register_rr(cn, true); /* the BU's handler at CN_SETUP_DONE (cn_register_bu) */
		r = knl_monitor_start(cn->knl, KNL_MONITOR_XFRM, cn_on_knl_event, cn_on_knl_resync, cn);
		if (r < 0)
			return log_error_errno(r, "no XFRM notifications (Binding Error status 1, §9.3.1): %m");
	}
	cn_setup_next(cn);
	return 0;
}

static void cn_stop(struct manager *m)
{
	struct cn *cn = m->role_data;

	if (!cn)
		return;
	if (cn->io) {
		cn_register_rr(cn, false);
		cn_register_bu(cn, false);
		knl_cancel_owner(cn->knl, cn);
	}
	while (cn->jobs) {
		if (cn->io)
			knl_cancel_owner(cn->knl, cn->jobs);
		cn_ro_job_free(cn, cn->jobs);
	}
	cn->bc = cn_bcache_free(cn->bc, bce_release, cn);
	cn->kg = rr_keygen_free(cn->kg);
	free(cn);
	m->role_data = NULL;
}

static void on_cn_flushed(int result, void *userdata)
{
	struct cn *cn = userdata;

	if (result < 0)
		log_warning_errno(result, "removing the Home Address option state or policy: %m");
	if (cn->shutdown_pending > 0 && --cn->shutdown_pending == 0)
		manager_shutdown_done(cn->m);
}

static void cn_shutdown_binding(struct cn_bce *e, void *userdata)
{
	struct cn *cn = userdata;
	struct cn_ro_binding b = { .cn = e->ro_cn, .hoa = e->hoa, .coa = e->ro_coa };
	unsigned n = 0;

	/* No Binding Refresh Request while going down. */
	if (e->brr_reading)
		knl_cancel_owner(cn->knl, e);
	e->brr_reading = false;
	e->brr = CN_BRR_OVER;
	if (!e->ro_installed)
		return;
	e->ro_installed = false;
	(void)cn_ro_submit(cn->knl, CN_RO_REMOVE, &b, NULL, on_cn_flushed, cn, &n);
	cn->shutdown_pending += n;
}

/*
 * SIGTERM: the bindings go with the process (a restarted CN answers their HAOs with
 * Binding Errors, §9.3.1), and with them their data path; the role's HAO state and
 * MH policies go.
 */
static int cn_shutdown(struct manager *m)
{
	struct cn *cn = m->role_data;
	struct knl_xfrm_state s;
	struct knl_xfrm_policy p;

	if (!cn || !cn->knl)
		return 0;
	cn_register_rr(cn, false);
	cn_register_bu(cn, false);
	if (cn->no_hao)
		return 0;
	knl_cancel_owner(cn->knl, cn);
	while (cn->jobs) {
		knl_cancel_owner(cn->knl, cn->jobs);
		cn_ro_job_free(cn, cn->jobs);
	}
	cn->shutdown_pending = 0;
	cn_bcache_foreach(cn->bc, cn_shutdown_binding, cn);
	cn_ro_mh_bypass(&p);
	if (knl_xfrm_policy(cn->knl, KNL_OP_DEL, &p, NULL, on_cn_flushed, cn) == 0)
		cn->shutdown_pending++;
	cn_hao_policy(&p);
	cn_hao_state(&s);
	s.flags = 0;
	if (knl_xfrm_policy(cn->knl, KNL_OP_DEL, &p, NULL, on_cn_flushed, cn) == 0)
		cn->shutdown_pending++;
	if (knl_xfrm_state(cn->knl, KNL_OP_DEL, &s, NULL, on_cn_flushed, cn) == 0)
		cn->shutdown_pending++;
	return cn->shutdown_pending > 0 ? 1 : 0;
}

/* ---- control ------------------------------------------------------------------------ */

struct cn_print {
	FILE *out;
	json_object *list; /* JSON: the array */
	usec_t now;
	const struct in6_addr *only;
	size_t n;
};

static void cn_print_bce(struct cn_bce *e, void *userdata)
{
	struct cn_print *p = userdata;
	char h[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];
	long long left = e->expires > p->now ? (long long)((e->expires - p->now) / USEC_PER_SEC) : 0;
	json_object *o;

	if (e->state != CN_BCE_VALID || (p->only && memcmp(p->only, &e->hoa, sizeof(e->hoa)) != 0))
		return;
	p->n++;
	if (!p->list) {
		fprintf(p->out, "%-39s %-39s %5u %6lld %5u %5u\n", addr_str(&e->hoa, h), addr_str(&e->coa, c), e->seq,
			left, e->home_nonce_index, e->careof_nonce_index);
		return;
	}
	o = ctl_json_append_object(p->list);
	ctl_json_add_addr(o, "hoa", &e->hoa);
	ctl_json_add_addr(o, "coa", &e->coa);
	ctl_json_add_addr(o, "correspondent", &e->cn_addr);
	ctl_json_add_u64(o, "seq", e->seq);
	ctl_json_add_u64(o, "lifetime_s", mh_lifetime_from_units(e->lifetime));
	ctl_json_add_i64(o, "expires_in_s", left);
	ctl_json_add_u64(o, "home_nonce_index", e->home_nonce_index);
	ctl_json_add_u64(o, "careof_nonce_index", e->careof_nonce_index);
	ctl_json_add_i64(o, "age_s", (long long)((p->now - e->created) / USEC_PER_SEC));
}

/* `bc [HoA]`: the correspondent bindings (route optimisation). */
static int cn_ctl_bc(struct cn *cn, int argc, char **argv, bool json, FILE *out)
{
	struct cn_print p = { .out = out, .now = cn_now() };
	struct in6_addr one;
	json_object *o = NULL;

	if (argc > 2 || (argc == 2 && inet_pton(AF_INET6, argv[1], &one) != 1)) {
		fprintf(out, "usage: bc [HoA]");
		return -EINVAL;
	}
	if (argc == 2) {
		p.only = &one;
		(void)cn_lookup(cn, &one);
	}
	if (json) {
		o = json_object_new_object();
		p.list = ctl_json_add_array(o, "bindings");
		if (!p.list) {
			json_object_put(o);
			return -ENOMEM;
		}
	} else
		fprintf(out, "%-39s %-39s %5s %6s %5s %5s\n", "home address", "care-of address", "seq", "expire",
			"hni", "cni");
	cn_bcache_foreach(cn->bc, cn_print_bce, &p);
	if (p.only && p.n == 0) {
		json_object_put(o);
		fprintf(out, "no binding for %s", argv[1]);
		return -ENOENT;
	}
	if (!json)
		return 0;
	ctl_json_add_u64(o, "count", p.n);
	return ctl_json_print(out, o);
}

static int cn_ctl(struct manager *m, int argc, char **argv, bool json, FILE *out)
{
	struct cn *cn = m->role_data;

	if (cn && strcmp(argv[0], "bc") == 0)
		return cn_ctl_bc(cn, argc, argv, json, out);
	return -EOPNOTSUPP;
}

static void cn_status(struct manager *m, char *buf, size_t len)
{
	struct cn *cn = m->role_data;

	if (cn && !cn->ready)
		snprintf(buf, len, "waiting for the kernel: %s", cn_setup_waits[cn->setup]);
	else if (cn) /* Scripts match "binding(s)" at the end. */
		snprintf(buf, len, "correspondent node%s, %zu binding(s)",
			 !m->config->do_route_optimization_cn ? ", DoRouteOptimizationCN disabled" :
			 cn->no_hao ? ", no Home Address option support in the kernel (no route optimisation)" : "",
			 cn_bcache_count(cn->bc, CN_BCE_VALID));
}

static void cn_status_json(struct manager *m, json_object *o)
{
	struct cn *cn = m->role_data;
	usec_t now = cn_now();

	if (!cn)
		return;
	if (!cn->ready) {
		ctl_json_add_str(o, "waiting_for", cn_setup_waits[cn->setup]);
		return;
	}
	ctl_json_add_u64(o, "bindings", cn_bcache_count(cn->bc, CN_BCE_VALID));
	ctl_json_add_u64(o, "deleted_remembered", cn_bcache_count(cn->bc, CN_BCE_DELETED));
	ctl_json_add_u64(o, "nonce_index", rr_keygen_current_index(cn->kg));
	ctl_json_add_u64(o, "nonces_valid", rr_keygen_nonces_valid(cn->kg, now));
	ctl_json_add_u64(o, "hot_sent", cn->hot_sent);
	ctl_json_add_u64(o, "cot_sent", cn->cot_sent);
	ctl_json_add_bool(o, "data_path", !cn->no_hao);
	ctl_json_add_u64(o, "ro_installs", cn->ro_installs);
	ctl_json_add_u64(o, "ro_failures", cn->ro_failures);
	ctl_json_add_u64(o, "be_unknown_hao_sent", cn->be_unknown_hao_sent);
	ctl_json_add_u64(o, "be_unknown_hao_rate_limited", cn->be_unknown_hao_limited);
	ctl_json_add_u64(o, "xfrm_reports_lost", cn->reports_lost);
	ctl_json_add_u64(o, "xfrm_reports_not_hao", cn->reports_not_hao);
	ctl_json_add_u64(o, "xfrm_reports_not_unicast", cn->reports_not_unicast);
	ctl_json_add_u64(o, "brr_sent", cn->brr_sent);
	ctl_json_add_u64(o, "brr_not_in_use", cn->brr_not_in_use);
	ctl_json_add_u64(o, "brr_read_failures", cn->brr_read_failures);
	ctl_json_add_u64(o, "bu_refused_cache_full", cn->bu_cache_full);
	ctl_json_add_bool(o, "kernel_hao", !cn->no_hao);
	ctl_json_add_bool(o, "route_optimization", m->config->do_route_optimization_cn);
}

const struct role_ops cn_role_ops = {
	.name = "CN",
	.start = cn_start,
	.stop = cn_stop,
	.shutdown = cn_shutdown,
	.ctl = cn_ctl,
	.status = cn_status,
	.status_json = cn_status_json,
};
