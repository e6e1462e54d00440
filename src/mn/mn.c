/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mobile node role (RFC 6275 §11), one home link (the first MnHomeLink).
 *
 * Movement detection: Router Advertisements on the MN's interface (a raw
 * ICMPv6 socket) and link events. An RA advertising the home prefix means
 * "at home"; an RA with another autoconfiguration prefix means "on that
 * foreign link". The MN owns the interface's addressing while it runs
 * (accept_ra=0): it forms the CoA itself (prefix + EUI-64, no DAD wait) and
 * installs the default route through the advertising router, so a handover
 * never waits on a tentative address or a stale router.
 *
 * Data path away from home (the seed's): HoA/128 with IFA_F_HOMEADDRESS on a
 * flow-based ip6tnl device, rule `from HoA lookup 252` (priority 1001) and in
 * table 252 a default route `encap ip6 dst HA src CoA` through that device.
 * BUs leave from the HoA through an XFRM `hao` state (coa = CoA) on the
 * physical interface (oif set, so the table-252 rule does not capture them);
 * BAs arrive with a type 2 routing header accepted by a `route2` state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/xfrm.h>
#include <net/if.h>
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conf/conf.h"
#include "control/control.h"
#include "control/ctl-event.h"
#include "control/ctl-json.h"
#include "core/addr-util.h"
#include "core/cleanup.h"
#include "core/event-util.h"
#include "core/log.h"
#include "core/ratelimit.h"
#include "core/sys-util.h"
#include "icmp6/icmp6-socket.h"
#include "ipsec/spd-sync.h"
#include "ipsec/spd.h"
#include "ike-event.h"
#include "keymgmt.h"
#include "icmp6/ndisc.h"
#include "io/io.h"
#include "manager.h"
#include "mh/mh-codec.h"
#include "ha/reverse-tunnel.h"
#include "mh/mh-socket.h"
#include "mn/bul.h"
#include "mn/handover-record.h"
#include "mn/mn-dhaad.h"
#include "mn/mn-hot.h"
#include "mn/mn-mpd.h"
#include "mn/mn.h"
#include "mn/mn-plan.h"
#include "mn/mn-ro-path.h"
#include "mn/mn-rr.h"
#include "mn/mr.h"
#include "netlink/nl-kernel.h"

#define MN_TUNNEL_NAME "mip6tnl0"

/* The kernel batch of one move: its completion carries the move's generation. */
struct mn_batch {
	struct mn *mn;
	uint64_t gen;
	unsigned left;
	int error;
};

/* A key-manager operation in flight for a BUL entry (freed on completion or at stop). */
struct mn_km_ticket {
	struct mn *mn;
	struct bul_key key;
	uint64_t gen;
	struct mn_km_ticket *next;
};

/* The I/O side of a BUL entry: its two timers. */
struct mn_bul_timers {
	struct mn *mn;
	struct bul_entry *e;
	sd_event_source *src[_BUL_TIMER_MAX];
};

struct mn {
	struct manager *m;
	struct io *io;   /* the manager's: sockets and netlink */
	struct knl *knl; /* io_knl(io) */
	int ifindex;
	char ifname[IFNAMSIZ];
	uint8_t mac[6];
	int tnl_ifindex;
	struct revtun *tnl_filter; /* the tunnel device's drop filter (RFC 6275 §11.3.3, mn-plan.h) */
	bool ready;

	/* home link; the home agent is the home registration's peer: :: while unknown */
	struct in6_addr hoa, ha, home_prefix;
	uint8_t home_plen;
	/* HomeAgentAddress :: (RFC 6275 §11.4.1): the home agents from DHAAD, tried in turn */
	struct mn_dhaad *dhaad;
	uint64_t ha_changes;
	struct mn_mpd *mpd; /* Mobile Prefix Discovery (§11.4.2-11.4.3) */

	/* where we are (the target of the last move: its kernel batch may still run) */
	enum mn_loc loc;
	struct in6_addr prefix;  /* of the current link */
	struct in6_addr router;  /* link-local source of its RA */
	struct in6_addr coa;     /* current CoA (== hoa at home) */
	int setup_stage;         /* the kernel setup chain's current step */
	struct mn_batch *batch;  /* the current move's kernel batch, NULL when done */

	/* the binding update list; home: the home registration entry */
	struct bul_table *bul;
	struct bul_entry *home;

	/* MN–HA IPsec (RFC 4877): the SPD pair and the key manager */
	bool ipsec;
	struct spd_pair pair;
	struct km *km;
	struct spd_sync *spd; /* the SPD entries installed at start, acknowledged as one change */
	struct mn_km_ticket *tickets;
	/*
	 * HomeAgentAddress :: with IPsec: pair.reqid is 0 while no home agent is chosen (no
	 * entries); a change of home agent applies the new pair's set (spd_gen: the BUL generation
	 * whose kernel batch waits for it; spd_dirty: asked again while an apply was in flight).
	 */
	uint64_t spd_gen;
	bool spd_busy, spd_dirty;
	uint64_t spd_ha_failures; /* SPD sets refused for a new home agent */

	/* the recent handovers' timelines (CLOCK_REALTIME); cur: the latest move's */
	struct ho_ring hist;
	struct ho_rec *cur;
	uint64_t bu_tx_rt; /* the last BU handed to the kernel (CLOCK_REALTIME) */
	bool lower_up; /* the interface's carrier as netlink last said (at start: up, it hears RAs) */
	uint64_t moves;

	/*
	 * Route optimisation (RFC 6275 §11.6-11.7), only with DoRouteOptimizationMN and an MnRoPolicy
	 * naming a correspondent: NULL otherwise. rr_coa/rr_home: what it was last told.
	 */
	struct mn_rr_table *rr;
	bool rr_told, rr_home;
	struct in6_addr rr_coa;
	/*
	 * With TunnelHomeTesting (mn/mn-hot.h): the HoT socket (io_mh_hot_open), whose input
	 * policy requires the ESP tunnel SA from hot_ha with hot_reqid, and the HoTs it read lately.
	 */
	struct in6_addr hot_ha;
	uint32_t hot_reqid;
	struct mn_hot_seen hot_seen;
	/*
	 * The correspondents' data paths (mn/mn-ro-path.h): ro_bu_deferred counts BUs held back
	 * until their path is installed, ro_path_failures the XFRM requests the kernel refused
	 * (route optimisation off for that correspondent a while: its traffic stays on the tunnel).
	 */
	uint64_t ro_bu_deferred, ro_path_failures, ro_path_installs;
	bool stopping;    /* SIGTERM: shutting down (no BU from the BUL's timers, no move, no RR timer) */
	bool ro_stopping; /* SIGTERM, once the correspondents are deregistered: no RO path */
	/* SIGTERM: waiting (at most MN_STOP_DEREG_WAIT_USEC) for the correspondents' deregistrations */
	sd_event_source *stop_wait;
	/*
	 * Correspondents learnt from traffic (a wildcard `MnRoPolicy enabled`, RFC 6275 §11.7.2):
	 * the trigger policies (mn-ro-path.h) while away and registered; XFRM_MSG_ACQUIRE for a
	 * destination adds it (validated, rate-limited, at most MnMaxLearntCorrespondents). acq: what became
	 * of each ACQUIRE, by reason (enum mn_acq); recent: correspondents whose procedure failed,
	 * not learnt again before their time.
	 */
	bool ro_learn;
	struct mn_ro_trig {
		bool have;          /* queued last: installed (the kernel has it once pending is 0) */
		struct in6_addr ha; /* the home agent its bypass names */
		unsigned pending;
		bool failed;
		usec_t retry_at;
	} trig;
	uint64_t ro_trigger_installs, ro_trigger_failures;
	unsigned n_learnt;
	sd_event_source *learn_src;
	struct ratelimit learn_rl;
	struct {
		struct in6_addr cn;
		usec_t until;
	} recent[16];
	unsigned recent_i;
	uint64_t acq[10]; /* enum mn_acq */
	/* Learnt bindings before their expiry (mn_ro_use_decide): refreshed, left to expire idle, count unread. */
	uint64_t ro_learnt_refreshed, ro_learnt_idle, ro_learnt_use_unread;
	struct ratelimit be_log_rl; /* the Binding Error log line (RejectedBuLogPerSec) */
	struct ratelimit pp_log_rl; /* the Parameter Problem log line (the same rate) */
};

static bool prefix_equal(const struct in6_addr *a, const struct in6_addr *b, uint8_t len)
{
	uint8_t full = len / 8, rest = len % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	return !rest || ((a->s6_addr[full] ^ b->s6_addr[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* ---- the BUL's I/O: timers, MH socket, key manager, events ---------------------------- */

static usec_t io_now(void *ud)
{
	return now_usec();
}

static int on_bul_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct mn_bul_timers *t = userdata;

	/* SIGTERM: the kernel state a BU needs is being removed; no refresh or retransmission leaves. */
	if (t->mn->stopping)
		return 0;
	bul_timer_fired(t->e, s == t->src[BUL_TIMER_KM] ? BUL_TIMER_KM : BUL_TIMER_BU);
	return 0;
}

static void io_timer(struct bul_entry *e, enum bul_timer which, usec_t when, void *ud)
{
	struct mn *mn = ud;
	struct mn_bul_timers *t = e->io_ctx;

	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return (void)log_error_errno(ENOMEM, "BUL timer: %m");
		t->mn = mn;
		t->e = e;
		e->io_ctx = t;
	}
	if (when == 0) {
		if (t->src[which])
			(void)sd_event_source_set_enabled(t->src[which], SD_EVENT_OFF);
		return;
	}
	(void)event_timer_arm(mn->m->event, &t->src[which], when, 10 * USEC_PER_MSEC, on_bul_timer, t);
}

static void io_release(struct bul_entry *e, void *ud)
{
	struct mn_bul_timers *t = e->io_ctx;

	if (!t)
		return;
	for (int i = 0; i < _BUL_TIMER_MAX; i++)
		sd_event_source_disable_unref(t->src[i]);
	free(t);
	e->io_ctx = NULL;
}

static int io_send(struct bul_entry *e, const struct mh_msg *bu, void *ud)
{
	struct mn *mn = ud;
	struct mh_tx_info tx = { .src = e->key.hoa, .dst = e->key.peer, .ifindex = mn->ifindex };
	const struct mip6_config *c = mn->m->config;
	struct mh_msg mr_bu;

	/* The timeline's bu_sent: as the BU goes to the kernel (on one CPU the sender may wait after it). */
	mn->bu_tx_rt = now_realtime_usec();
	if (c->home_links[0].is_mob_rtr) {
		/* RFC 3963 §5.2: R, and the Mobile Network Prefixes in explicit mode (mn/mr.h). */
		mr_bu = *bu;
		if (mr_bu_decorate(c, &c->home_links[0], &mr_bu) < 0)
			return -E2BIG;
		bu = &mr_bu;
	}
	return io_mh_send(mn->io, bu, &tx);
}

static bool io_km_is_up(struct bul_entry *e, void *ud)
{
	struct mn *mn = ud;

	/* No home agent chosen yet (DHAAD): no SAs are needed, no BU leaves. */
	if (mn->km && mn->pair.reqid == 0)
		return true;
	return mn->km && km_is_up(mn->km, &mn->pair);
}

static bool mn_ticket_unlink(struct mn *mn, struct mn_km_ticket *tk)
{
	for (struct mn_km_ticket **pp = &mn->tickets; *pp; pp = &(*pp)->next)
		if (*pp == tk) {
			*pp = tk->next;
			return true;
		}
	return false;
}

static void on_km_done(int error, void *userdata)
{
	struct mn_km_ticket *tk = userdata;
	struct mn *mn = tk->mn;
	struct bul_key key = tk->key;
	uint64_t gen = tk->gen;

	if (!mn_ticket_unlink(mn, tk))
		return;
	free(tk);
	bul_km_done(mn->bul, &key, gen, error);
}

static int io_km_start(struct bul_entry *e, const struct bul_km_req *req, void *ud)
{
	struct mn *mn = ud;
	struct mn_km_ticket *tk;
	int r;

	if (!mn->km)
		return -EOPNOTSUPP;
	if (req->kind == BUL_KM_MOVE && mn->cur && req->gen == bul_table_gen(mn->bul))
		mn->cur->km_move = true;
	tk = calloc(1, sizeof(*tk));
	if (!tk)
		return -ENOMEM;
	/* Linked first: a completion that runs early finds (and frees) it. */
	*tk = (struct mn_km_ticket){ .mn = mn, .key = e->key, .gen = req->gen, .next = mn->tickets };
	mn->tickets = tk;
	if (req->kind == BUL_KM_UP || req->kind == BUL_KM_REUP)
		r = km_up(mn->km, &mn->pair, tk, on_km_done, tk);
	else if (req->kind == BUL_KM_RENEW)
		r = km_renew(mn->km, &mn->pair, tk, on_km_done, tk);
	else
		r = km_migrate(mn->km, NODE_ROLE_MN, &mn->pair, req->has_old ? &req->old_coa : NULL, &req->coa, tk,
			       on_km_done, tk);
	if (r < 0 && mn_ticket_unlink(mn, tk))
		free(tk);
	return r;
}

static void mn_send_home_na(struct mn *mn)
{
	static const struct in6_addr all_nodes = { { { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
						       1 } } };
	struct ndisc_na na = { .flags = NDISC_NA_F_OVERRIDE, .target = mn->hoa };
	uint8_t buf[64];
	size_t len;

	/* §11.5.5: tell the home link that the HoA is here again. */
	na.target_lla.len = 6;
	memcpy(na.target_lla.addr, mn->mac, 6);
	if (ndisc_na_build(&na, buf, sizeof(buf), &len) == 0)
		(void)io_nd_send(mn->io, mn->ifindex, &all_nodes, NULL, buf, len);
}

/* `mip6ctl monitor`: the home registration's outcome (RFC 6275 §11.7.3). */
static void mn_bul_monitor(struct mn *mn, const struct bul_entry *e, enum bul_event ev)
{
	static const enum mip6_event_type types[_BUL_EV_MAX] = {
		[BUL_EV_REGISTERED] = MIP6_EV_REGISTER,
		[BUL_EV_DEREGISTERED] = MIP6_EV_DEREGISTER,
		[BUL_EV_REFUSED] = MIP6_EV_REJECT,
	};
	struct mip6_event me;

	if (ev != BUL_EV_REGISTERED && ev != BUL_EV_DEREGISTERED && ev != BUL_EV_REFUSED)
		return;
	me = (struct mip6_event)MIP6_EVENT_INIT(types[ev]);
	me.hoa = &e->key.hoa;
	me.coa = &e->bu_coa;
	me.peer = &e->key.peer;
	me.seq = e->seq;
	if (ev == BUL_EV_REGISTERED)
		me.lifetime = e->lifetime_granted;
	if (ev == BUL_EV_REFUSED) {
		me.status = e->last_status;
		me.reason = mh_ba_status_to_string(e->last_status);
	}
	manager_event(mn->m, &me);
}

static void mn_ha_next(struct mn *mn);
static void mn_rr_home_registered(struct mn *mn, const struct bul_entry *e, bool home);

static void io_event(struct bul_entry *e, enum bul_event ev, void *ud)
{
	struct mn *mn = ud;

	if (e != mn->home)
		return;
	mn_bul_monitor(mn, e, ev);
	if (ev == BUL_EV_REGISTERED || ev == BUL_EV_DEREGISTERED)
		mn_rr_home_registered(mn, e, ev == BUL_EV_DEREGISTERED);
	switch (ev) {
	case BUL_EV_BU_SENT:
		(void)ho_stamp(mn->cur, HO_BU_SENT, mn->bu_tx_rt);
		return;
	case BUL_EV_DEREGISTERED:
		mn_send_home_na(mn);
		mn_mpd_unregistered(mn->mpd);
		/* fall through */
	case BUL_EV_REGISTERED:
		if (ev == BUL_EV_REGISTERED && mn->loc == MN_LOC_FOREIGN)
			mn_mpd_registered(mn->mpd, &mn->ha);
		/* The move's first accepted BA (not a later refresh). */
		(void)ho_stamp(mn->cur, HO_BA_RCVD, now_realtime_usec());
		/* fall through */
	case BUL_EV_REFUSED:
		if (mn->cur)
			mn->cur->status = e->last_status;
		manager_notify_status(mn->m);
		return;
	case BUL_EV_UNREACHABLE:
		mn_mpd_unregistered(mn->mpd);
		/* §11.4.1: a registration that timed out is tried with another home agent. */
		if (mn->dhaad && !e->home)
			mn_ha_next(mn);
		return;
	default:
		return;
	}
}

static const struct bul_io mn_bul_io = {
	.now = io_now,
	.timer = io_timer,
	.send = io_send,
	.km_is_up = io_km_is_up,
	.km_start = io_km_start,
	.event = io_event,
	.release = io_release,
};

/* ---- route optimisation: the correspondents' entries (mn/mn-rr.h) ---------------------------- */

/* Per correspondent entry: its timer and its data path (installed level, requests in flight). */
struct mn_rr_timer {
	struct mn *mn;
	struct mn_rr_entry *e;
	sd_event_source *src;
	struct mn_ro_path have; /* what was queued last (the kernel has it once pending is 0) */
	unsigned pending;
	bool failed;            /* a request failed: no route optimisation until retry_at */
	usec_t retry_at;
	usec_t learn_since;     /* learnt: when it was learnt or the last registration started */
	bool retiring, retire_failed; /* learnt and done: its path goes, then the entry */
	bool relearn;           /* retiring, and its traffic triggered again: learnt anew at once */
	/*
	 * Learnt and bound: is the correspondent still in use before the binding expires
	 * (mn_ro_use_decide)? hao_mh: BUs sent through the hao state; use_base: the count at the
	 * last check (or {0, hao_mh} when the state was added); use_for: the binding expiry the
	 * last check was for (one check per binding); use_reading: a GETSA out.
	 */
	uint64_t hao_mh;
	struct mn_ro_use use_base, use_read;
	bool use_base_valid, use_reading, use_seen;
	usec_t use_for;
};

#define MN_RO_RETRY_USEC (32 * USEC_PER_SEC) /* MAX_BINDACK_TIMEOUT, RFC 6275 §12 */
/* SIGTERM: how long the correspondents' deregistration BAs are waited for (the manager allows 3 s in all). */
#define MN_STOP_DEREG_WAIT_USEC (1 * USEC_PER_SEC)

static void mn_ro_sync(struct mn *mn);

static struct mn_rr_timer *rr_ctx(struct mn *mn, struct mn_rr_entry *e)
{
	struct mn_rr_timer *t = e->io_ctx;

	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t) {
			log_error_errno(ENOMEM, "route optimisation: %m");
			return NULL;
		}
		t->mn = mn;
		t->e = e;
		e->io_ctx = t;
	}
	return t;
}

static int on_rr_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct mn_rr_timer *t = userdata;
	struct mn *mn = t->mn;

	if (mn->stopping)
		return 0; /* SIGTERM: no retransmission or refresh (the deregistrations are sent once) */
	mn_rr_timer_fired(t->e);
	mn_ro_sync(mn);
	return 0;
}

static void rr_io_timer(struct mn_rr_entry *e, usec_t when, void *ud)
{
	struct mn *mn = ud;
	struct mn_rr_timer *t = rr_ctx(mn, e);

	if (!t)
		return;
	if (when == 0) {
		if (t->src)
			(void)sd_event_source_set_enabled(t->src, SD_EVENT_OFF);
		return;
	}
	(void)event_timer_arm(mn->m->event, &t->src, when, 10 * USEC_PER_MSEC, on_rr_timer, t);
}

static void rr_io_release(struct mn_rr_entry *e, void *ud)
{
	struct mn *mn = ud;
	struct mn_rr_timer *t = e->io_ctx;

	if (!t)
		return;
	if (mn->knl)
		knl_cancel_owner(mn->knl, t);
	sd_event_source_disable_unref(t->src);
	free(t);
	e->io_ctx = NULL;
}

/*
 * RFC 6275 §11.3.1: the level an entry's data path should be at. Away from home: the BU/BA part
 * while the procedure runs (the BU leaves from the CoA with a HAO, its BA comes with an RH2), the
 * data part too once the correspondent accepted a binding for the current CoA. At home, stopping,
 * nothing to do or after a refused install: nothing (fail closed: the tunnel carries the traffic).
 */
static enum mn_ro_level ro_want(const struct mn *mn, const struct mn_rr_entry *e, const struct mn_rr_timer *t,
				usec_t t0)
{
	if (mn->ro_stopping || mn->loc != MN_LOC_FOREIGN || e->state == MN_RR_NONE || e->state == MN_RR_DISABLED ||
	    t->retiring)
		return MN_RO_OFF;
	if (t->failed && t0 < t->retry_at)
		return MN_RO_OFF;
	return mn_rr_ro_usable(e, &mn->coa, t0) ? MN_RO_ON : MN_RO_PREP;
}

static void ro_step_done(int result, void *userdata)
{
	struct mn_rr_timer *t = userdata;
	struct mn *mn = t->mn;
	char c[INET6_ADDRSTRLEN];

	if (t->pending)
		t->pending--;
	if (result < 0) {
		/* Fail closed: no route optimisation with this CN for a while (its traffic: the tunnel). */
		mn->ro_path_failures++;
		if (!t->failed) {
			addr_str(&t->e->cn, c);
			log_warning_errno(result, "route optimisation with %s: the kernel refused its data path (%m)%s%s; "
					  "traffic stays in the tunnel", c, knl_extack(mn->knl) ? ": " : "",
					  knl_extack(mn->knl) ? knl_extack(mn->knl) : "");
		}
		t->failed = true;
		t->retry_at = now_usec() + MN_RO_RETRY_USEC;
	}
	if (t->pending)
		return;
	if (!t->failed && t->have.level != MN_RO_OFF) {
		mn->ro_path_installs++;
		mn_rr_send_ready(t->e); /* a BU that waited for its HAO state */
	}
	mn_ro_sync(mn);
}

static void mn_ro_sync_entry(struct mn *mn, struct mn_rr_entry *e, usec_t t0)
{
	struct mn_rr_timer *t = rr_ctx(mn, e);
	struct mn_ro_path want = { 0 };
	struct mn_plan plan;
	int n, r;

	if (!t || !mn->knl)
		return;
	if (t->failed && t0 >= t->retry_at && !t->pending)
		t->failed = false;
	want.level = ro_want(mn, e, t, t0);
	want.coa = want.level == MN_RO_OFF ? t->have.coa : mn->coa;
	want.hold = mn->ro_learn;
	n = mn_ro_plan(&mn->hoa, &e->cn, &t->have, &want, &plan);
	if (n <= 0)
		return;
	if (t->have.level == MN_RO_OFF && want.level != MN_RO_OFF) {
		/* the hao state is added now: its count starts at 0 (mn_ro_use_decide) */
		t->use_base = (struct mn_ro_use){ .packets = 0, .mh = t->hao_mh };
		t->use_base_valid = true;
	}
	t->have = want;
	for (int i = 0; i < n; i++) {
		const struct mn_op *o = &plan.ops[i];

		r = o->kind == MN_OP_XFRM_STATE ? knl_xfrm_state(mn->knl, o->op, &o->state, t, ro_step_done, t)
						 : knl_xfrm_policy(mn->knl, o->op, &o->policy, t, ro_step_done, t);
		if (r < 0) {
			mn->ro_path_failures++;
			t->failed = true;
			t->retry_at = t0 + MN_RO_RETRY_USEC;
			continue;
		}
		t->pending++;
	}
}

static void mn_stop_continue(struct mn *mn);

/* ---- correspondents learnt from traffic (RFC 6275 §11.7.2; mn-ro-path.h's trigger) ---- */

#define MN_RO_LEARN_PER_SEC 16                       /* new ones a second */
#define MN_RO_LEARN_SETUP_USEC (64 * USEC_PER_SEC)   /* no binding by then: given up */
#define MN_RO_LEARN_HOLD_USEC (120 * USEC_PER_SEC)   /* given up: not learnt again before */
/*
 * A learnt binding's use is checked a fifth of its lifetime before it expires (the refresh
 * point of a named correspondent's), at least this long before (time for the procedure and the
 * BU/BA, retransmitted after 1 and 2 s, §11.8, before the binding ends), but not in its first
 * half (a short lifetime is not refreshed all the time).
 */
#define MN_RO_USE_LEAD_MIN_USEC (3 * USEC_PER_SEC)

enum mn_acq {
	MN_ACQ_LEARNT,         /* a new correspondent: return routability started */
	MN_ACQ_KNOWN,          /* already in the table (its data path is not direct yet) */
	MN_ACQ_RECENT,         /* its procedure failed a short while ago */
	MN_ACQ_NOT_OURS,       /* not the trigger's (direction, protocol, template) */
	MN_ACQ_WRONG_SOURCE,   /* the selector's source is not our home address */
	MN_ACQ_BAD_DEST,       /* not a unicast global address of a correspondent */
	MN_ACQ_POLICY,         /* `MnRoPolicy ADDR disabled` */
	MN_ACQ_NOT_REGISTERED, /* not away and registered (the trigger is going) */
	MN_ACQ_FULL,           /* MnMaxLearntCorrespondents learnt already */
	MN_ACQ_RATE,           /* more than MN_RO_LEARN_PER_SEC new ones a second */
	_MN_ACQ_MAX,
};

static const char *const acq_names[_MN_ACQ_MAX] = {
	[MN_ACQ_LEARNT] = "learnt",          [MN_ACQ_KNOWN] = "known",
	[MN_ACQ_RECENT] = "recently_failed", [MN_ACQ_NOT_OURS] = "not_ours",
	[MN_ACQ_WRONG_SOURCE] = "wrong_source", [MN_ACQ_BAD_DEST] = "bad_destination",
	[MN_ACQ_POLICY] = "policy_disabled", [MN_ACQ_NOT_REGISTERED] = "not_registered",
	[MN_ACQ_FULL] = "table_full",        [MN_ACQ_RATE] = "rate_limited",
};
_Static_assert(MN_PLAN_TNL_FILTER_PRIO == REVTUN_PRIO_BINDING, "the MN's tunnel filter sits before revtun's drop filter");
_Static_assert(_MN_ACQ_MAX == ELEMENTSOF(((struct mn *)0)->acq), "struct mn's acq counters");

static bool ro_trig_want(const struct mn *mn, usec_t t0)
{
	return mn->ro_learn && mn->knl && !mn->stopping && !mn->ro_stopping && mn->loc == MN_LOC_FOREIGN && mn->rr_told &&
	       !mn->rr_home && !IN6_IS_ADDR_UNSPECIFIED(&mn->ha) && !(mn->trig.failed && t0 < mn->trig.retry_at);
}

static void trig_step_done(int result, void *userdata)
{
	struct mn *mn = userdata;

	if (mn->trig.pending)
		mn->trig.pending--;
	if (result < 0) {
		/* Fail closed: no learning a while (what would have been learnt stays in the tunnel). */
		mn->ro_trigger_failures++;
		if (!mn->trig.failed)
			log_warning_errno(result, "route optimisation: the kernel refused the correspondent trigger (%m); "
					  "no correspondent is learnt from traffic for now");
		mn->trig.failed = true;
		mn->trig.retry_at = now_usec() + MN_RO_RETRY_USEC;
	}
	if (mn->trig.pending)
		return;
	if (!mn->trig.failed && mn->trig.have)
		mn->ro_trigger_installs++;
	mn_ro_sync(mn);
}

static void mn_ro_trig_submit(struct mn *mn, const struct in6_addr *ha, bool up, usec_t t0)
{
	struct mn_plan plan;
	int n = mn_ro_trigger_plan(&mn->hoa, ha, up, &plan);

	for (int i = 0; i < n; i++) {
		if (knl_xfrm_policy(mn->knl, plan.ops[i].op, &plan.ops[i].policy, &mn->trig, trig_step_done, mn) < 0) {
			mn->ro_trigger_failures++;
			mn->trig.failed = true;
			mn->trig.retry_at = t0 + MN_RO_RETRY_USEC;
			continue;
		}
		mn->trig.pending++;
	}
}

/* The trigger in step with the MN: away and registered (and a home agent), else none. */
static void mn_ro_trig_sync(struct mn *mn, usec_t t0)
{
	bool want;

	if (!mn->ro_learn || !mn->knl)
		return;
	if (mn->trig.failed && t0 >= mn->trig.retry_at && !mn->trig.pending)
		mn->trig.failed = false;
	want = ro_trig_want(mn, t0);
	if (mn->trig.have && (!want || !IN6_ARE_ADDR_EQUAL(&mn->trig.ha, &mn->ha))) {
		mn->trig.have = false;
		mn_ro_trig_submit(mn, &mn->trig.ha, false, t0);
	}
	if (want && !mn->trig.have && !mn->trig.failed) {
		mn->trig.have = true;
		mn->trig.ha = mn->ha;
		mn_ro_trig_submit(mn, &mn->ha, true, t0);
	}
}

static bool ro_recent(struct mn *mn, const struct in6_addr *cn, usec_t t0)
{
	for (size_t i = 0; i < ELEMENTSOF(mn->recent); i++)
		if (mn->recent[i].until > t0 && IN6_ARE_ADDR_EQUAL(&mn->recent[i].cn, cn))
			return true;
	return false;
}

/* When a learnt entry is due: its binding's expiry, else the end of its setup time; 0: now. */
static usec_t learnt_due(const struct mn *mn, const struct mn_rr_entry *e, const struct mn_rr_timer *t)
{
	if (e->state == MN_RR_DISABLED || (mn->rr_home && e->state == MN_RR_NONE))
		return 0;
	if (e->state == MN_RR_BOUND)
		return e->expires;
	return t->learn_since + MN_RO_LEARN_SETUP_USEC;
}

/*
 * A learnt bound entry's use check (RFC 6275 §11.7.2: a new BU before the binding expires while
 * the correspondent is in use): when it is due, 0 when done for this binding or not bound.
 */
static usec_t learnt_check_at(const struct mn_rr_entry *e, const struct mn_rr_timer *t)
{
	usec_t lead;

	if (e->state != MN_RR_BOUND || t->use_for == e->expires)
		return 0;
	lead = (usec_t)e->lifetime_granted * USEC_PER_SEC / 5;
	if (lead < MN_RO_USE_LEAD_MIN_USEC)
		lead = MN_RO_USE_LEAD_MIN_USEC;
	if (lead > (usec_t)e->lifetime_granted * USEC_PER_SEC / 2)
		lead = (usec_t)e->lifetime_granted * USEC_PER_SEC / 2;
	return e->expires > lead ? e->expires - lead : 1;
}

static int on_learn_timer(sd_event_source *s, uint64_t usec, void *userdata);
static void ro_learn_add(struct mn *mn, const struct in6_addr *cn, usec_t t0);

/* The learn timer at the earliest learnt entry's deadline (or now: one to reap), or the trigger's retry. */
static void mn_ro_learn_arm(struct mn *mn, usec_t t0)
{
	usec_t when = 0;

	if (!mn->ro_learn || mn->stopping || mn->ro_stopping)
		return;
	if (mn->trig.failed && !mn->trig.pending)
		when = mn->trig.retry_at;
	for (struct mn_rr_entry *e = mn_rr_first(mn->rr); e; e = e->next) {
		const struct mn_rr_timer *t = e->io_ctx;
		usec_t due;

		if (!e->learnt || !t)
			continue;
		if (t->retiring) {
			due = t->have.level == MN_RO_OFF && !t->pending ? t0 : 0;
		} else {
			usec_t c = learnt_check_at(e, t);

			due = learnt_due(mn, e, t);
			if (c && c < due)
				due = c;
			/* a refresh running: the data path leaves the binding's end behind (mn_rr_ro_usable) */
			if (e->state != MN_RR_BOUND && e->ro_ok && e->expires > t0 && e->expires < due)
				due = e->expires;
		}
		if (t->retiring && !due)
			continue;
		if (due < t0)
			due = t0;
		if (!when || due < when)
			when = due;
	}
	if (!when) {
		if (mn->learn_src)
			(void)sd_event_source_set_enabled(mn->learn_src, SD_EVENT_OFF);
		return;
	}
	(void)event_timer_arm(mn->m->event, &mn->learn_src, when, 10 * USEC_PER_MSEC, on_learn_timer, mn);
}

/* After anything that may change an entry's state or the MN's location. */
static void mn_ro_sync(struct mn *mn)
{
	usec_t t0 = now_usec();

	if (!mn->rr)
		return;
	if (!ro_trig_want(mn, t0))
		mn_ro_trig_sync(mn, t0); /* going: before any correspondent's path does */
	for (struct mn_rr_entry *e = mn_rr_first(mn->rr); e; e = e->next)
		mn_ro_sync_entry(mn, e, t0);
	mn_ro_trig_sync(mn, t0);
	mn_ro_learn_arm(mn, t0);
	/* SIGTERM: every correspondent's deregistration is done (its BA came, or it was sent without A). */
	if (mn->stop_wait && mn_rr_stop_pending(mn->rr) == 0)
		mn_stop_continue(mn);
}

/* The hao state's counters, the answer to learnt_use_check's GETSA. */
static void on_use_count(const struct knl_event *ev, void *userdata)
{
	struct mn_rr_timer *t = userdata;

	if (ev->type != KNL_EVENT_XFRM_SA || ev->sa.proto != IPPROTO_DSTOPTS)
		return;
	t->use_read.packets = ev->sa.packets;
	t->use_seen = true;
}

/* The decision (mn_ro_use_decide): in use, a new registration now; else the binding expires. */
static void learnt_use_decided(struct mn *mn, struct mn_rr_timer *t, int result)
{
	struct mn_rr_entry *e = t->e;
	enum mn_ro_use_verdict v;
	char c[INET6_ADDRSTRLEN];

	t->use_read.mh = t->hao_mh;
	if (result >= 0 && !t->use_seen)
		result = -ENODATA; /* no state in the answer */
	v = mn_ro_use_decide(result, t->use_base_valid ? &t->use_base : NULL, &t->use_read);
	addr_str(&e->cn, c);
	switch (v) {
	case MN_RO_USE_REFRESH:
		if (t->retiring || e->expires != t->use_for || !mn_rr_refresh(e))
			break; /* moved, gone or refreshed meanwhile (a BRR): nothing more */
		mn->ro_learnt_refreshed++;
		t->learn_since = now_usec(); /* a new setup time for the procedure */
		log_debug("route optimisation with %s: the learnt correspondent is in use, refreshing its binding", c);
		break;
	case MN_RO_USE_IDLE:
		mn->ro_learnt_idle++;
		log_debug("route optimisation with %s: no data since the last check, the binding expires", c);
		break;
	default:
		/* Fail closed: not known to be in use, the binding expires (traffic: the tunnel, then learnt again). */
		mn->ro_learnt_use_unread++;
		log_debug_errno(result < 0 ? result : -ENODATA,
				"route optimisation with %s: its use not read (%m), the binding expires", c);
		break;
	}
	if (v != MN_RO_USE_UNKNOWN) {
		t->use_base = t->use_read;
		t->use_base_valid = true;
	}
	mn_ro_sync(mn);
}

static void on_use_read(int result, void *userdata)
{
	struct mn_rr_timer *t = userdata;

	t->use_reading = false;
	learnt_use_decided(t->mn, t, result);
}

/* The check is due: the hao state's counters (XFRM_MSG_GETSA); no data path: not in use. */
static void learnt_use_check(struct mn *mn, struct mn_rr_entry *e, struct mn_rr_timer *t)
{
	struct knl_xfrm_state s;
	int r;

	t->use_for = e->expires;
	if (t->use_reading)
		return;
	t->use_seen = false;
	if (!mn->knl || t->have.level != MN_RO_ON || t->pending || t->failed) {
		learnt_use_decided(mn, t, -ENOENT);
		return;
	}
	mn_ro_state_out(&mn->hoa, &e->cn, &t->have.coa, &s);
	r = knl_xfrm_state_get(mn->knl, &s, t, on_use_count, on_use_read, t);
	if (r < 0) {
		learnt_use_decided(mn, t, r);
		return;
	}
	t->use_reading = true;
}

/*
 * Learnt entries whose binding expired (no refresh: the traffic, if it goes on, brings them back
 * through the trigger), whose procedure did not succeed in MN_RO_LEARN_SETUP_USEC or was
 * disabled (then not learnt again for MN_RO_LEARN_HOLD_USEC), or that are done at home: their
 * path goes, then the entry.
 */
static int on_learn_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct mn *mn = userdata;
	usec_t t0 = now_usec();
	char a[INET6_ADDRSTRLEN];

	if (mn->stopping || mn->ro_stopping || !mn->rr)
		return 0;
	for (struct mn_rr_entry *e = mn_rr_first(mn->rr); e; e = e->next) {
		struct mn_rr_timer *t = rr_ctx(mn, e);

		usec_t check, due;

		if (!e->learnt || !t || t->retiring)
			continue;
		check = learnt_check_at(e, t);
		due = learnt_due(mn, e, t);
		if (check && check <= t0 && due > t0) {
			learnt_use_check(mn, e, t); /* may refresh: e stays */
			continue;
		}
		if (due > t0)
			continue;
		t->retiring = true;
		t->retire_failed = e->state != MN_RR_BOUND && !(mn->rr_home && e->state == MN_RR_NONE);
		addr_str(&e->cn, a);
		log_info("route optimisation with %s: %s, forgetting the learnt correspondent", a,
			 e->state == MN_RR_BOUND ? "its binding expired" : t->retire_failed ? "no binding" : "at home");
	}
	mn_ro_sync(mn);
	for (struct mn_rr_entry *e = mn_rr_first(mn->rr), *next; e; e = next) {
		struct mn_rr_timer *t = e->io_ctx;

		struct in6_addr cn;
		bool again;

		next = e->next;
		if (!e->learnt || !t || !t->retiring || t->have.level != MN_RO_OFF || t->pending)
			continue;
		if (t->retire_failed) {
			mn->recent[mn->recent_i].cn = e->cn;
			mn->recent[mn->recent_i].until = t0 + MN_RO_LEARN_HOLD_USEC;
			/* RFC 6275 §11.3.5: disabled by a Parameter Problem code 1: no BU before its hold is over */
			if (e->state == MN_RR_DISABLED && e->hold_until > mn->recent[mn->recent_i].until)
				mn->recent[mn->recent_i].until = e->hold_until;
			mn->recent_i = (mn->recent_i + 1) % ELEMENTSOF(mn->recent);
		}
		if (mn->n_learnt)
			mn->n_learnt--;
		/* Its traffic triggered while the path went (the kernel's larval state holds 30 s more). */
		again = t->relearn && !t->retire_failed && ro_trig_want(mn, t0);
		cn = e->cn;
		mn_rr_remove(mn->rr, e);
		if (again)
			ro_learn_add(mn, &cn, t0);
	}
	mn_ro_sync(mn); /* a correspondent learnt again: its path; the timer re-armed */
	return 0;
}

/* RFC 6275 §11.7.2, §15.1: only a unicast global address of someone else is a correspondent. */
static bool ro_cn_addr_ok(const struct mn *mn, const struct in6_addr *a)
{
	if (IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_MULTICAST(a) ||
	    IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_SITELOCAL(a) || IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_V4COMPAT(a))
		return false;
	return !IN6_ARE_ADDR_EQUAL(a, &mn->hoa) && !IN6_ARE_ADDR_EQUAL(a, &mn->ha) && !IN6_ARE_ADDR_EQUAL(a, &mn->coa);
}

/* XFRM_MSG_ACQUIRE: the trigger saw data from the HoA to a destination without a hao state. */
static void mn_ro_acquire(struct mn *mn, const struct knl_xfrm_acquire *a)
{
	const struct mip6_config *c = mn->m->config;
	usec_t t0 = now_usec();
	struct mn_rr_entry *e;
	struct mn_rr_timer *t;
	enum mn_acq why;

	if (!mn->ro_learn || !mn->rr)
		return;
	if (a->dir != XFRM_POLICY_OUT || a->proto != IPPROTO_DSTOPTS || a->n_tmpl != 1 ||
	    a->tmpl[0].proto != IPPROTO_DSTOPTS || a->tmpl[0].mode != XFRM_MODE_ROUTEOPTIMIZATION)
		why = MN_ACQ_NOT_OURS;
	else if (!IN6_ARE_ADDR_EQUAL(&a->src, &mn->hoa) || !IN6_ARE_ADDR_EQUAL(&a->sel.src, &mn->hoa) || a->sel.src_len != 128)
		why = MN_ACQ_WRONG_SOURCE;
	else if (!IN6_ARE_ADDR_EQUAL(&a->sel.dst, &a->dst) || a->sel.dst_len != 128 || !ro_cn_addr_ok(mn, &a->dst))
		why = MN_ACQ_BAD_DEST;
	else if (!ro_trig_want(mn, t0))
		why = MN_ACQ_NOT_REGISTERED;
	else if (mn_rr_find(mn->rr, &a->dst))
		why = MN_ACQ_KNOWN;
	else if (ro_recent(mn, &a->dst, t0))
		why = MN_ACQ_RECENT;
	else if (!mn_rr_policy_allows(c, &c->home_links[0], &a->dst))
		why = MN_ACQ_POLICY; /* RFC 6275 §11.7.2 "MAY choose to keep its topological location private" */
	else if (mn->n_learnt >= c->mn_max_learnt_cns)
		why = MN_ACQ_FULL;
	else if (!ratelimit_allow(&mn->learn_rl, t0))
		why = MN_ACQ_RATE;
	else
		why = MN_ACQ_LEARNT;
	mn->acq[why]++;
	if (why == MN_ACQ_KNOWN && (e = mn_rr_find(mn->rr, &a->dst)) && e->learnt && (t = e->io_ctx) && t->retiring)
		t->relearn = true;
	if (why != MN_ACQ_LEARNT)
		return;
	ro_learn_add(mn, &a->dst, t0);
	mn_ro_sync(mn);
}

static void ro_learn_add(struct mn *mn, const struct in6_addr *cn, usec_t t0)
{
	struct mn_rr_entry *e;
	struct mn_rr_timer *t;
	char d[INET6_ADDRSTRLEN];
	int r;

	r = mn_rr_add(mn->rr, cn, &e);
	if (r < 0) {
		log_warning_errno(r, "route optimisation: cannot add a learnt correspondent: %m");
		return;
	}
	e->learnt = true;
	mn->n_learnt++;
	t = rr_ctx(mn, e);
	if (t)
		t->learn_since = t0;
	addr_str(cn, d);
	log_info("route optimisation: correspondent %s learnt from traffic, return routability", d);
}

/*
 * HoTI away from home: from the HoA, which the `from HoA lookup 252` rule sends through the
 * tunnel to the home agent (the entry's HoTI policy keeps the HAO off it); CoTI (and HoTI, BU at
 * home): from the given address on the link. A BU away (§11.7.2, §6.1.7) leaves from the HoA to
 * the CN and the entry's hao state puts the HAO in and the CoA as the source: only once that
 * state is installed for this CoA, else it waits (counted; mn_rr_send_ready sends it).
 */
static int rr_io_send(struct mn_rr_entry *e, const struct mn_rr_tx *tx, const uint8_t *mh, size_t len, void *ud)
{
	struct mn *mn = ud;
	struct mh_tx_info t = { .src = tx->src, .dst = tx->dst };
	struct mn_rr_timer *x = NULL;
	struct mh_msg msg;
	int r;

	if (tx->path == MN_RR_PATH_HAO) {
		x = rr_ctx(mn, e);
		if (!x || x->have.level == MN_RO_OFF || x->pending || x->failed ||
		    memcmp(&x->have.coa, &tx->src, sizeof(tx->src)) != 0 || mn->loc != MN_LOC_FOREIGN) {
			mn->ro_bu_deferred++;
			return -EAGAIN;
		}
		t.src = tx->hoa;
		t.ifindex = mn->ifindex;
	}
	if (tx->path == MN_RR_PATH_DIRECT)
		t.ifindex = mn->ifindex;
	/* io_mh_send builds the message again: the same octets (the builder is deterministic). */
	r = mh_parse(mh, len, NULL, NULL, &msg, NULL);
	if (r < 0)
		return r;
	r = io_mh_send(mn->io, &msg, &t);
	if (r >= 0 && x)
		x->hao_mh++; /* through the hao state: not data (mn_ro_use_decide) */
	return r;
}

static int rr_io_rand(void *buf, size_t len, void *ud)
{
	ssize_t n = getrandom(buf, len, 0);

	return n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
}

static const struct mn_rr_io mn_rr_io = {
	.now = io_now,
	.timer = rr_io_timer,
	.send = rr_io_send,
	.rand = rr_io_rand,
	.release = rr_io_release,
};

/*
 * The HoT socket (mn/mn-hot.h): what the kernel queues there came through the TunnelHomeTesting
 * ESP tunnel SA from the home agent. Only HoTs are taken from it (the main socket has the rest).
 */
static enum mip6_drop mn_on_hot(const struct mh_msg *msg, const struct mh_rx_info *rx, void *userdata)
{
	struct mn *mn = userdata;

	if (msg->type != MH_TYPE_HOT)
		return DROP_NONE;
	mn_hot_seen_add(&mn->hot_seen, &rx->src, msg->hot.cookie);
	if (mn->rr) {
		(void)mn_rr_input(mn->rr, &rx->src, &rx->dst, true, rx->mh, rx->mh_len, msg);
		mn_ro_sync(mn);
	}
	return DROP_NONE;
}

/* The HoT socket and its input policy follow the pair (TunnelHomeTesting, its home agent). */
static int mn_hot_sync(struct mn *mn)
{
	bool want = mn->rr && mn->ipsec && mn->pair.reqid_hoti && !IN6_IS_ADDR_UNSPECIFIED(&mn->pair.ha);
	int r;

	if (!want) {
		/* Fail closed: without it a HoT that came through the ESP tunnel is not taken either. */
		(void)io_mh_hot_open(mn->io, NULL, NULL, NULL);
		return 0;
	}
	if (!io_mh_hot_is_open(mn->io)) {
		r = io_mh_hot_open(mn->io, &mn->hoa, mn_on_hot, mn);
		if (r < 0)
			return log_error_errno(r, "the HoT socket (TunnelHomeTesting): %m");
		mn->hot_reqid = 0;
	}
	if (mn->hot_reqid == mn->pair.reqid_hoti && IN6_ARE_ADDR_EQUAL(&mn->hot_ha, &mn->pair.ha))
		return 0;
	r = io_mh_hot_set(mn->io, &mn->pair.ha, mn->pair.reqid_hoti);
	if (r < 0)
		return log_error_errno(r, "the HoT socket's input policy (IPV6_XFRM_POLICY): %m");
	mn->hot_ha = mn->pair.ha;
	mn->hot_reqid = mn->pair.reqid_hoti;
	return 0;
}

/* HoT, CoT, and a correspondent's BA, BE, BRR (§11.6.2, §11.7.3, §11.3.6, §11.7.4). */
static enum mip6_drop mn_on_rr(const struct mh_msg *msg, const struct mh_rx_info *rx, void *userdata)
{
	struct mn *mn = userdata;
	/* A HoT away from home comes decapsulated from the home agent's tunnel (§11.6.2). */
	bool tunnel = mn->tnl_ifindex > 0 && rx->ifindex == mn->tnl_ifindex;
	struct mn_rr_entry *e;
	bool taken, learnt_bound;

	if (!mn->rr)
		return DROP_UNEXPECTED;
	e = mn_rr_find(mn->rr, &rx->src);
	learnt_bound = e && e->learnt && e->state == MN_RR_BOUND;
	if (msg->type == MH_TYPE_HOT && !tunnel && io_mh_hot_is_open(mn->io)) {
		/*
		 * TunnelHomeTesting: the HoT socket's copy proves the ESP tunnel from the home agent
		 * (mn/mn-hot.h); it may still wait there. Without it, this HoT came another way:
		 * mn_rr_input drops it (§11.6.2, "received in a tunnel from the home agent").
		 */
		if (!mn_hot_seen_take(&mn->hot_seen, &rx->src, msg->hot.cookie)) {
			io_mh_hot_drain(mn->io);
			if (!mn_hot_seen_take(&mn->hot_seen, &rx->src, msg->hot.cookie))
				goto input;
		}
		return DROP_NONE; /* taken from the HoT socket */
	}
input:
	taken = mn_rr_input(mn->rr, &rx->src, &rx->dst, tunnel, rx->mh, rx->mh_len, msg);
	if (taken && learnt_bound && msg->type == MH_TYPE_BRR && e->io_ctx)
		/* §11.7.4: the CN asks to keep it (in use there): the refresh gets a setup time of its own */
		((struct mn_rr_timer *)e->io_ctx)->learn_since = now_usec();
	mn_ro_sync(mn);
	return taken ? DROP_NONE : DROP_UNEXPECTED;
}

/*
 * RFC 6275 §11.3.5: an ICMPv6 Parameter Problem about a message we sent to a correspondent
 * (mn_rr_param_problem validates it against what we sent). Code 1: the correspondent does not
 * know the Mobility Header: no route optimisation with it for MN_RR_NO_MH_HOLD_USEC, its data
 * path removed (its traffic stays in the tunnel). Code 2: "SHOULD log the error and then discard".
 * Anyone can send one: the log line is rate-limited.
 */
static enum mip6_drop mn_on_param_problem(const struct io_nd_msg *msg, const struct icmp6_rxinfo *rx, void *userdata)
{
	struct mn *mn = userdata;
	struct mn_rr_entry *e;
	enum mn_rr_pp r;
	char c[INET6_ADDRSTRLEN], more[64];

	if (!mn->rr || mn->stopping)
		return DROP_UNEXPECTED;
	r = mn_rr_param_problem(mn->rr, &rx->dst, msg->pp, &e);
	if (r == MN_RR_PP_IGNORED)
		return DROP_UNEXPECTED;
	if (r == MN_RR_PP_NO_MH) {
		mn->m->counters.icmp6_pp_no_mh_in++;
		mn_ro_sync(mn); /* the entry is DISABLED: its data path goes */
	} else {
		mn->m->counters.icmp6_pp_no_hao_in++;
	}
	if (!ratelimit_log(&mn->pp_log_rl, mn->m->config->rejected_bu_log_per_sec, now_usec(),
			   &mn->m->counters.log_suppressed, more, sizeof(more)))
		return DROP_NONE;
	addr_str(&e->cn, c);
	if (r == MN_RR_PP_NO_MH)
		log_notice("correspondent %s does not support the Mobility Header (ICMPv6 Parameter Problem code 1): "
			   "no route optimisation with it for %llu s, its traffic stays in the tunnel (RFC 6275 §11.3.5)%s",
			   c, (unsigned long long)(MN_RR_NO_MH_HOLD_USEC / USEC_PER_SEC), more);
	else
		log_notice("a node on the path to correspondent %s does not support the Home Address option "
			   "(ICMPv6 Parameter Problem code 2), ignoring (RFC 6275 §11.3.5)%s", c, more);
	return DROP_NONE;
}

/* §11.7.2: after the home registration of a new care-of address (or the return home), the correspondents. */
static void mn_rr_home_registered(struct mn *mn, const struct bul_entry *e, bool home)
{
	const struct in6_addr *coa = home ? &mn->hoa : &e->reg_coa;

	if (!mn->rr)
		return;
	mn_rr_set_home_expiry(mn->rr, home ? 0 : e->expires);
	if (mn->rr_told && mn->rr_home == home && memcmp(&mn->rr_coa, coa, sizeof(*coa)) == 0)
		return; /* a refresh of the same registration */
	mn->rr_told = true;
	mn->rr_home = home;
	mn->rr_coa = *coa;
	mn_ro_sync(mn); /* at home: every correspondent's path gone before the deregistration BU */
	mn_rr_moved(mn->rr, coa, home);
	for (struct mn_rr_entry *x = mn_rr_first(mn->rr); x; x = x->next) {
		struct mn_rr_timer *t = x->learnt ? rr_ctx(mn, x) : NULL;

		if (t)
			t->learn_since = now_usec(); /* a new registration: a new setup time */
	}
	mn_ro_sync(mn);
}

/* The correspondents MnRoPolicy names (and allows); none: no table, the MN behaves as without RO. */
static int mn_rr_open(struct mn *mn, const struct mip6_config *c)
{
	static const uint8_t pp_type[] = { NDISC_TYPE_PARAM_PROBLEM };
	const struct conf_home_link *hl = &c->home_links[0];
	struct mn_rr_params p = { .lifetime = c->mn_max_cn_binding_life, .ack = c->use_cn_bu_ack };
	int r;

	/* A wildcard `MnRoPolicy enabled`: correspondents learnt from traffic (addressed entries override). */
	mn->ro_learn = mn_rr_policy_allows(c, hl, NULL);
	if (mn->ro_learn) {
		ratelimit_init(&mn->learn_rl, MN_RO_LEARN_PER_SEC, now_usec());
		r = mn_rr_table_new(&mn_rr_io, mn, &mn->hoa, &p, &mn->rr);
		if (r < 0)
			return log_error_errno(r, "route optimisation: %m");
		log_info("route optimisation: correspondents learnt from traffic (MnRoPolicy without an address)");
	}
	for (size_t i = 0; i < hl->n_ro_policies; i++) {
		const struct conf_ro_policy *pol = &hl->ro_policies[i];

		if (pol->any || !mn_rr_policy_allows(c, hl, &pol->addr))
			continue;
		/* RFC 6275 §11.3.1: the configuration refuses non-unicast addresses; these are known now. */
		if (!ro_cn_addr_ok(mn, &pol->addr)) {
			char a[INET6_ADDRSTRLEN];

			log_warning("MnRoPolicy %s: the home address or the home agent's address is no correspondent, "
				    "ignoring", addr_str(&pol->addr, a));
			continue;
		}
		if (!mn->rr) {
			r = mn_rr_table_new(&mn_rr_io, mn, &mn->hoa, &p, &mn->rr);
			if (r < 0)
				return log_error_errno(r, "route optimisation: %m");
		}
		r = mn_rr_add(mn->rr, &pol->addr, NULL);
		if (r < 0 && r != -EEXIST)
			return log_error_errno(r, "route optimisation: %m");
	}
	if (mn->rr) {
		log_info("route optimisation: return routability with the correspondents of MnRoPolicy");
		(void)io_mh_register(mn->io, MH_TYPE_HOT, mn_on_rr, mn);
		(void)io_mh_register(mn->io, MH_TYPE_COT, mn_on_rr, mn);
		/* §11.3.5: from a correspondent to the CoA, or through the tunnel to the HoA: every interface. */
		(void)io_nd_register(mn->io, NDISC_TYPE_PARAM_PROBLEM, mn_on_param_problem, mn);
		r = io_nd_link_add(mn->io, NULL, pp_type, 1);
		if (r < 0)
			log_warning_errno(r, "route optimisation: ICMPv6 errors from correspondents will not be read: %m");
	}
	return mn_hot_sync(mn); /* with TunnelHomeTesting: the HoT socket */
}

static enum mip6_drop mn_on_ba(const struct mh_msg *msg, const struct mh_rx_info *rx, void *userdata)
{
	struct mn *mn = userdata;
	char h[INET6_ADDRSTRLEN];

	if (memcmp(&rx->src, &mn->ha, sizeof(mn->ha)) != 0) {
		if (mn->rr && mn_rr_find(mn->rr, &rx->src))
			return mn_on_rr(msg, rx, mn);
		addr_str(&rx->src, h);
		log_debug("BA from %s, not our home agent, ignoring", h);
		return DROP_UNEXPECTED;
	}
	(void)mr_ba_ok(&mn->m->config->home_links[0], msg); /* RFC 3963 §5.3 */
	bul_input_ba(mn->bul, rx, msg);
	return DROP_NONE;
}

/* RFC 6275 §11.7.4: a BRR from our home agent asks for a BU now; any other is ignored and counted. */
static enum mip6_drop mn_on_brr(const struct mh_msg *msg, const struct mh_rx_info *rx, void *userdata)
{
	struct mn *mn = userdata;
	char h[INET6_ADDRSTRLEN];

	if (mn->rr && memcmp(&rx->src, &mn->ha, sizeof(mn->ha)) != 0 && mn_rr_find(mn->rr, &rx->src))
		return mn_on_rr(msg, rx, mn);
	if (memcmp(&rx->src, &mn->ha, sizeof(mn->ha)) != 0 || !bul_input_brr(mn->bul, rx)) {
		addr_str(&rx->src, h);
		log_debug("Binding Refresh Request from %s, not our home agent for this home address, ignoring", h);
		return DROP_UNEXPECTED;
	}
	return DROP_NONE;
}

static enum mip6_drop mn_on_be(const struct mh_msg *msg, const struct mh_rx_info *rx, void *userdata)
{
	struct mn *mn = userdata;
	char src[INET6_ADDRSTRLEN];

	/* §11.3.6 for a correspondent's Binding Error: mn-rr.c. */
	if (mn->rr && memcmp(&rx->src, &mn->ha, sizeof(mn->ha)) != 0 && mn_rr_find(mn->rr, &rx->src))
		return mn_on_rr(msg, rx, mn);
	/*
	 * RFC 6275 §11.3.6: "If the mobile node does not have such an entry [in its Binding
	 * Update List for the source], it MUST ignore the message": counted, not logged.
	 */
	if (IN6_IS_ADDR_UNSPECIFIED(&mn->ha) || !IN6_ARE_ADDR_EQUAL(&rx->src, &mn->ha))
		return DROP_BE_NO_BUL;

	/* Anyone can send a Binding Error: its log line is rate-limited (RejectedBuLogPerSec). */
	char more[64];

	if (!ratelimit_log(&mn->be_log_rl, mn->m->config->rejected_bu_log_per_sec, now_usec(),
			   &mn->m->counters.log_suppressed, more, sizeof(more)))
		return DROP_NONE;
	addr_str(&rx->src, src);
	log_notice("Binding Error status %u (%s) from %s%s", msg->be.status,
		   mh_be_status_to_string(msg->be.status) ? mh_be_status_to_string(msg->be.status) : "?", src, more);
	return DROP_NONE;
}

/* ---- movement ----------------------------------------------------------------- */

static void eui64(struct mn *mn, const struct in6_addr *prefix, struct in6_addr *ret)
{
	*ret = *prefix;
	ret->s6_addr[8] = mn->mac[0] ^ 0x02;
	ret->s6_addr[9] = mn->mac[1];
	ret->s6_addr[10] = mn->mac[2];
	ret->s6_addr[11] = 0xff;
	ret->s6_addr[12] = 0xfe;
	ret->s6_addr[13] = mn->mac[3];
	ret->s6_addr[14] = mn->mac[4];
	ret->s6_addr[15] = mn->mac[5];
}

static void mn_plan_config(const struct mn *mn, struct mn_plan_config *ret)
{
	*ret = (struct mn_plan_config){ .ifindex = mn->ifindex, .tnl_ifindex = mn->tnl_ifindex, .hoa = mn->hoa,
					.ha = mn->ha, .home_plen = mn->home_plen, .ipsec = mn->ipsec };
}

/*
 * The MN's SPD entries for the current pair (RFC 4877 §7.2), tunnel templates with outer
 * address `outer`: none while no home agent is chosen (DHAAD; no BU leaves then).
 */
static size_t mn_spd_want(const struct mn *mn, const struct in6_addr *outer, struct knl_xfrm_policy sp[8])
{
	struct spd_pair tp = mn->pair;
	size_t n = 0;

	if (mn->pair.reqid == 0)
		return 0;
	tp.mn_ro = mn->rr != NULL; /* a correspondent's BA/BRR/BE with an RH2 pass (spd.h) */
	n += (size_t)spd_tunnel_policies(NODE_ROLE_MN, &tp, outer, &sp[n]);
	/* MPS/MPA in ESP transport (if the set asks), with their HAO / RH2 in any case. */
	n += (size_t)spd_mpd_policies(NODE_ROLE_MN, &mn->pair, &sp[n]);
	n += (size_t)spd_mpd_ro_policies(&mn->pair, &sp[n]);
	n += (size_t)spd_policies(NODE_ROLE_MN, &mn->pair, &sp[n]);
	return n;
}

/*
 * All of a batch acknowledged: the BUL goes on (a stale generation is ignored there). Away with
 * no home agent known, the BU waits for DHAAD (§11.4.1): mn_set_ha then submits the rest of the
 * data path under a new generation, whose completion sends the BU.
 */
static void mn_kernel_done(struct mn *mn, uint64_t gen, int error)
{
	if (gen == bul_table_gen(mn->bul))
		(void)ho_stamp(mn->cur, HO_KERNEL_DONE, now_realtime_usec());
	if (mn->dhaad && IN6_IS_ADDR_UNSPECIFIED(&mn->ha) && mn->loc == MN_LOC_FOREIGN &&
	    gen == bul_table_gen(mn->bul)) {
		(void)mn_dhaad_start(mn->dhaad, &mn->coa);
		return;
	}
	bul_kernel_done(mn->bul, gen, error);
}

static void on_batch_step(int result, void *userdata)
{
	struct mn_batch *b = userdata;
	struct mn *mn = b->mn;

	if (result < 0) {
		log_warning_errno(result, "a handover kernel request failed: %m (%s), continuing",
				  knl_extack(mn->knl) ? knl_extack(mn->knl) : "no detail");
		if (b->error == 0)
			b->error = result;
	}
	if (b->left > 0 && --b->left > 0)
		return;
	if (mn->batch == b)
		mn->batch = NULL;
	mn_kernel_done(mn, b->gen, b->error);
	free(b);
}

static int plan_queue(struct mn *mn, struct mn_batch *b, const struct mn_op *o)
{
	switch (o->kind) {
	case MN_OP_ADDR:
		return knl_addr(mn->knl, o->op, &o->addr, b, on_batch_step, b);
	case MN_OP_ROUTE:
		return knl_route(mn->knl, o->op, &o->route, b, on_batch_step, b);
	case MN_OP_RULE:
		return knl_rule(mn->knl, o->op, &o->rule, b, on_batch_step, b);
	case MN_OP_XFRM_POLICY:
		return knl_xfrm_policy(mn->knl, o->op, &o->policy, b, on_batch_step, b);
	case MN_OP_XFRM_STATE:
		return knl_xfrm_state(mn->knl, o->op, &o->state, b, on_batch_step, b);
	case MN_OP_TC_FILTER:
		return knl_tc_filter(mn->knl, o->op, &o->filter, b, on_batch_step, b);
	default:
		return -EINVAL;
	}
}

/* The older move's batch: its requests still reach the kernel in order; its completion never runs. */
static void mn_batch_cancel(struct mn *mn)
{
	if (!mn->batch)
		return;
	knl_cancel_owner(mn->knl, mn->batch);
	free(mn->batch);
	mn->batch = NULL;
}

/* Submit a plan as one batch, in order; bul_kernel_done(gen) runs once all are acknowledged. */
static void mn_submit_plan(struct mn *mn, const struct mn_plan *p, uint64_t gen, bool spd_wait)
{
	struct mn_batch *b = calloc(1, sizeof(*b));

	mn_batch_cancel(mn);
	if (!b) {
		log_error_errno(ENOMEM, "handover batch: %m");
		return;
	}
	*b = (struct mn_batch){ .mn = mn, .gen = gen };
	mn->batch = b;
	for (unsigned i = 0; i < p->n; i++) {
		int r = plan_queue(mn, b, &p->ops[i]);

		if (r == 0)
			b->left++;
		else
			log_warning_errno(r, "cannot queue a kernel request (%s): %m",
					  mn_op_kind_to_string(p->ops[i].kind));
	}
	if (spd_wait)
		b->left++; /* the SPD set of a new home agent: on_ha_spd_applied completes that step */
	if (b->left == 0)
		on_batch_step(0, b);
}

/* The move's record: decided now, on the RA that arrived at ra_t (CLOCK_REALTIME). */
static struct ho_rec *mn_history_add(struct mn *mn, enum mn_loc to, uint64_t ra_t)
{
	return ho_ring_begin(&mn->hist, mn->loc == MN_LOC_HOME ? "home" : mn->loc == MN_LOC_FOREIGN ? "foreign" : "start",
			     to == MN_LOC_HOME ? "home" : "foreign", ra_t, now_realtime_usec(), now_usec());
}

/* A move: the plan from the old location to the new one, one batch, a new BUL generation. */
static void mn_move(struct mn *mn, enum mn_loc loc, const struct in6_addr *prefix, const struct in6_addr *router,
		    uint64_t ra_t)
{
	struct mn_location from = { .loc = mn->loc, .coa = mn->coa, .router = mn->router };
	struct mn_location to = { .loc = loc, .router = *router };
	struct mn_plan_config pc;
	struct mn_plan plan;
	char pr[INET6_ADDRSTRLEN], co[INET6_ADDRSTRLEN];

	if (mn->stopping)
		return; /* SIGTERM: the data path is being removed */
	if (loc == MN_LOC_HOME)
		to.coa = mn->hoa;
	else
		eui64(mn, prefix, &to.coa);
	mn_plan_config(mn, &pc);
	if (mn_plan_move(&pc, &from, &to, &plan) < 0)
		return;
	mn->moves++;
	mn->cur = mn_history_add(mn, loc, ra_t);
	addr_str(prefix, pr);
	addr_str(&to.coa, co);
	{
		char fh[LOG_ADDR_FIELD_MAX], fc[LOG_ADDR_FIELD_MAX], h[INET6_ADDRSTRLEN];

		addr_str(&mn->hoa, h);
		snprintf(fh, sizeof(fh), "MIP6_HOA=%s", h);
		snprintf(fc, sizeof(fc), "MIP6_COA=%s", co);
		log_full_errno_fields(LOG_INFO, 0,
				      LOG_FIELDS("MESSAGE_ID=6d1e0a5e2b8c4f0f9a3c1b7d00000004", fh, fc),
				      "movement detected: %s link %s/64, care-of address %s",
				      loc == MN_LOC_HOME ? "home" : "foreign", pr, co);
	}
	{
		struct mip6_event me = MIP6_EVENT_INIT(MIP6_EV_MOVEMENT);
		me.hoa = &mn->hoa;
		me.coa = &to.coa;
		me.reason = loc == MN_LOC_HOME ? "home link" : "foreign link";
		manager_event(mn->m, &me);
	}
	mn->loc = loc;
	mn->prefix = *prefix;
	mn->router = *router;
	mn->coa = to.coa;
	/* §11.3.1: no direct path from a CoA the correspondents have not accepted; home: none. */
	mn_ro_sync(mn);
	if (mn->dhaad)
		mn_dhaad_cancel(mn->dhaad); /* a Request from the old address: the move's end asks again */
	mn_submit_plan(mn, &plan, bul_move(mn->bul, &to.coa, loc == MN_LOC_HOME), false);
}

/*
 * The home agent changes (RFC 6275 §11.4.1): the home registration's peer and the data path
 * that names it, under a new BUL generation; :: forgets it (the next kernel completion away from
 * home runs DHAAD again).
 */
static void mn_set_ha(struct mn *mn, const struct in6_addr *ha, const char *why);

static void on_ha_spd_applied(int result, void *userdata);

/*
 * The current pair's SPD set (a change of home agent): 1 while an apply runs (its completion
 * completes the step of the batch of generation spd_gen), 0 when the kernel holds it already,
 * or a negative errno.
 */
static int mn_ha_spd_apply(struct mn *mn)
{
	struct knl_xfrm_policy sp[8];
	size_t n;
	int r;

	if (mn->spd_busy) {
		mn->spd_dirty = true; /* applied again once the one in flight is done */
		return 1;
	}
	/* The tunnel templates where the BUL has the SAs (sa_coa): its next MIGRATE moves them from there. */
	n = mn_spd_want(mn, &mn->home->sa_coa, sp);
	r = spd_sync_apply(mn->spd, sp, n, on_ha_spd_applied, mn);
	if (r > 0)
		mn->spd_busy = true;
	return r;
}

/*
 * The new home agent's SPD set is in the kernel: its kernel batch goes on. Refused: fail closed
 * (RFC 4877 §4.4: a BU to that home agent would leave unprotected): the set stays the old one and
 * the next home agent of the list is tried.
 */
static void on_ha_spd_applied(int result, void *userdata)
{
	struct mn *mn = userdata;
	char a[INET6_ADDRSTRLEN];

	mn->spd_busy = false;
	if (result >= 0 && mn->spd_dirty) {
		mn->spd_dirty = false;
		result = mn_ha_spd_apply(mn);
		if (result > 0)
			return;
	}
	mn->spd_dirty = false;
	if (result < 0) {
		mn->spd_ha_failures++;
		addr_str(&mn->ha, a);
		log_error_errno(result, "the SPD entries for home agent %s were refused: %m (%s); trying the next one",
				a, knl_extack(mn->knl) ? knl_extack(mn->knl) : "no detail");
		if (mn->dhaad && !IN6_IS_ADDR_UNSPECIFIED(&mn->ha)) {
			struct in6_addr next = IN6ADDR_ANY_INIT;

			(void)mn_dhaad_next(mn->dhaad, &mn->ha, &next);
			mn_set_ha(mn, &next, "the SPD entries for the previous one were refused");
		}
		return;
	}
	if (mn->batch && mn->batch->gen == mn->spd_gen)
		on_batch_step(0, mn->batch);
}

/*
 * MN–HA IPsec with DHAAD: the IPsecPolicySet of the new home agent (one per home agent, each
 * with its reqids and its swanctl connection). 1 and *ret filled, 0 for :: (no pair), -ENOENT
 * when no set covers this home agent.
 */
static int mn_ha_pair(struct mn *mn, const struct in6_addr *ha, struct spd_pair *ret)
{
	*ret = (struct spd_pair){ .hoa = mn->hoa };
	if (IN6_IS_ADDR_UNSPECIFIED(ha))
		return 0;
	if (spd_lookup(mn->m->config, &mn->hoa, ha, ret) <= 0 || ret->reqid == 0) {
		*ret = (struct spd_pair){ .hoa = mn->hoa };
		return -ENOENT;
	}
	return 1;
}

static void on_old_ike_dropped(int error, void *userdata)
{
	if (error < 0)
		log_info_errno(error, "the IKE SA with the previous home agent was not terminated: %m");
}

static void mn_set_ha(struct mn *mn, const struct in6_addr *ha, const char *why)
{
	struct mn_location at = { .loc = mn->loc, .coa = mn->coa, .router = mn->router };
	struct mn_plan_config old, pc;
	struct spd_pair old_pair = mn->pair, pair;
	struct mn_plan plan;
	char a[INET6_ADDRSTRLEN];
	bool spd_wait = false;
	uint64_t gen;
	int r;

	addr_str(ha, a);
	if (mn->ipsec && mn_ha_pair(mn, ha, &pair) < 0) {
		struct in6_addr next = IN6ADDR_ANY_INIT;

		/* RFC 4877 §4.4: no SA may protect the BU to a home agent we have no policy for: skip it. */
		log_warning("home agent %s: no IPsecPolicySet names it (HomeAgentAddress) for the home address: "
			    "skipping it", a);
		mn->spd_ha_failures++;
		if (mn->dhaad)
			(void)mn_dhaad_next(mn->dhaad, ha, &next);
		mn_set_ha(mn, &next, "the previous one has no IPsecPolicySet");
		return;
	}
	mn_plan_config(mn, &old);
	r = bul_set_peer(mn->bul, mn->home, ha, &gen);
	if (r < 0) {
		log_warning_errno(r, "cannot change the home agent: %m");
		return;
	}
	mn->ha = *ha;
	mn->ha_changes++;
	mn_plan_config(mn, &pc);
	log_notice("home agent %s (%s)", IN6_IS_ADDR_UNSPECIFIED(ha) ? "unknown, discovering again" : a, why);
	manager_notify_status(mn->m);
	if (mn->ipsec) {
		/*
		 * The new home agent's SPD entries replace the old one's (spd_sync: the new go first);
		 * the BU waits for them (kernel batch), then the BUL brings the pair's SAs up (a new IKE
		 * SA with that home agent, from the CoA) before it sends the BU.
		 */
		mn->pair = pair;
		mn->spd_gen = gen;
		(void)mn_hot_sync(mn);
		r = mn->spd ? mn_ha_spd_apply(mn) : 0;
		if (r < 0) {
			on_ha_spd_applied(r, mn);
			return;
		}
		spd_wait = r > 0;
		/* The old home agent's IKE SA goes at once (it stopped answering: no DELETE exchange). */
		if (old_pair.reqid && old_pair.reqid != pair.reqid && mn->km)
			(void)km_drop(mn->km, &old_pair, mn, on_old_ike_dropped, NULL);
	}
	if (mn_plan_change_ha(&old, &pc, &at, &plan) >= 0)
		mn_submit_plan(mn, &plan, gen, spd_wait);
	else if (spd_wait)
		mn->spd_gen = 0; /* no batch waits for it */
}

/* The current home agent stopped answering: the next one of the DHAAD list, else DHAAD again. */
static void mn_ha_next(struct mn *mn)
{
	struct in6_addr next = IN6ADDR_ANY_INIT;

	if (mn_dhaad_next(mn->dhaad, &mn->ha, &next) < 0)
		mn_set_ha(mn, &next, "the last home agent of the list stopped answering");
	else
		mn_set_ha(mn, &next, "the next of the list: the previous one stopped answering");
}

/* A DHAAD Reply came: the first home agent of it, in the Reply's order (§11.4.1). */
static void on_dhaad_done(int result, void *userdata)
{
	struct mn *mn = userdata;

	if (result < 0 || mn->loc != MN_LOC_FOREIGN || !IN6_IS_ADDR_UNSPECIFIED(&mn->ha))
		return;
	mn_set_ha(mn, mn_dhaad_agent(mn->dhaad, 0), "the first of the DHAAD Reply");
}

static enum mip6_drop mn_on_dhaad_reply(const struct io_nd_msg *msg, const struct icmp6_rxinfo *info,
					void *userdata)
{
	struct mn *mn = userdata;

	if (!mn->dhaad)
		return DROP_UNEXPECTED;
	return mn_dhaad_input(mn->dhaad, msg->dhaad_rep, info);
}

/* K=1: charon moved the IKE SA after this move's MIGRATE (plugins/ike-event.h): the timeline's last step. */
static void on_ike_moved(const struct ike_moved *mv, uint64_t realtime_us, void *userdata)
{
	struct mn *mn = userdata;

	if (mn->cur && mn->cur->km_move && ho_stamp(mn->cur, HO_IKE_MOVED, realtime_us))
		mn->cur->ike_reqid = mv->reqid;
}

/* The key manager's view changed: entries whose SAs went while they need them bring them up. */
static void on_km_notify(void *userdata)
{
	struct mn *mn = userdata;

	if (mn->ready && !mn->stopping)
		bul_km_changed(mn->bul);
}

static enum mip6_drop mn_on_ra(const struct io_nd_msg *msg, const struct icmp6_rxinfo *info, void *userdata)
{
	struct mn *mn = userdata;
	const struct ndisc_ra *ra = msg->ra;
	const struct ndisc_prefix *pick = NULL;
	uint64_t ra_t = now_realtime_usec();

	if (info->ifindex != mn->ifindex)
		return DROP_UNEXPECTED;
	for (size_t i = 0; i < ra->n_prefixes; i++) {
		const struct ndisc_prefix *p = &ra->prefixes[i];
		if (p->prefixlen != 64 || !(p->flags & NDISC_PREFIX_F_AUTO) || p->valid_lifetime == 0)
			continue;
		if (prefix_equal(&p->prefix, &mn->home_prefix, mn->home_plen)) {
			pick = p;
			break;
		}
		if (!pick)
			pick = p;
	}
	if (pick && ra->router_lifetime > 0) {
		bool home = prefix_equal(&pick->prefix, &mn->home_prefix, mn->home_plen);
		enum mn_loc loc = home ? MN_LOC_HOME : MN_LOC_FOREIGN;

		if (!mn->ready)
			; /* kernel setup still running: the next RA will do */
		else if (loc != mn->loc || !prefix_equal(&pick->prefix, &mn->prefix, 64) ||
			 memcmp(&info->src, &mn->router, sizeof(info->src)) != 0)
			mn_move(mn, loc, &pick->prefix, &info->src, ra_t);
	}
	return DROP_NONE;
}

static void mn_send_rs(struct mn *mn)
{
	static const struct in6_addr all_routers = ICMP6_ALL_ROUTERS_INIT;
	struct ndisc_rs rs = { 0 };
	uint8_t buf[32];
	size_t len;

	rs.source_lla.len = 6;
	memcpy(rs.source_lla.addr, mn->mac, 6);
	if (ndisc_rs_build(&rs, buf, sizeof(buf), &len) == 0)
		(void)io_nd_send(mn->io, mn->ifindex, &all_routers, NULL, buf, len);
}

/* Link events: a carrier coming back means a new attachment — ask for an RA now. */
static void on_knl_event(const struct knl_event *ev, void *userdata)
{
	struct mn *mn = userdata;

	/*
	 * RFC 4877 §7.2: the MN–HA SPD entries must stay; a deletion or flush by someone else
	 * (XFRMNLGRP_POLICY) is repaired, logged and counted by spd-sync, as on the HA.
	 */
	if (ev->type == KNL_EVENT_XFRM_POLICY || ev->type == KNL_EVENT_XFRM_POLICY_FLUSH) {
		if (mn->spd)
			spd_sync_on_event(mn->spd, ev);
		return;
	}
	if (ev->type == KNL_EVENT_XFRM_ACQUIRE) {
		mn_ro_acquire(mn, &ev->acquire);
		return;
	}
	if (ev->type != KNL_EVENT_LINK || ev->link.ifindex != mn->ifindex || ev->removed)
		return;
	/* The handover timeline starts at a carrier change (src/mn/handover-record.h). */
	if (mn->lower_up != !!(ev->link.flags & IFF_LOWER_UP)) {
		mn->lower_up = !mn->lower_up;
		ho_ring_link(&mn->hist, mn->lower_up, now_realtime_usec());
	}
	if ((ev->link.flags & IFF_LOWER_UP) && mn->ready) {
		log_debug("link %s is up: soliciting a router advertisement", mn->ifname);
		mn_send_rs(mn);
	}
}

/* Notifications were lost (ENOBUFS): the SPD entries are installed again. */
static void on_knl_resync(void *userdata)
{
	struct mn *mn = userdata;

	if (mn->spd) {
		log_warning("kernel notifications were lost: reinstalling the MN-HA SPD entries");
		spd_sync_resync(mn->spd);
	}
}

/* ---- start-up ------------------------------------------------------------------- */


enum { SETUP_FLUSH_ADDRS, SETUP_FLUSH_ROUTES, SETUP_TUNNEL, SETUP_TUNNEL_UP, SETUP_TUNNEL_FILTER, SETUP_SPD, SETUP_DONE };

#define RTPROT_RA_KERNEL 9 /* RTPROT_RA: routes the kernel learned from RAs */

/*
 * mip6d owns the interface's global addresses and RA-learned routes while it
 * runs: what the kernel autoconfigured before (accept_ra is now off) would
 * keep the home prefix on-link after the MN leaves home.
 */
static void flush_each(const struct knl_event *ev, void *userdata)
{
	struct mn *mn = userdata;

	if (ev->type == KNL_EVENT_ADDR && ev->addr.ifindex == mn->ifindex && ev->addr.scope == 0 &&
	    memcmp(&ev->addr.addr, &mn->hoa, sizeof(mn->hoa)) != 0) {
		struct knl_addr a = ev->addr;
		a.valid_lft = a.preferred_lft = 0;
		(void)knl_addr(mn->knl, KNL_OP_DEL, &a, NULL, NULL, NULL);
	} else if (ev->type == KNL_EVENT_ROUTE && ev->route.oif == mn->ifindex &&
		   ev->route.protocol == RTPROT_RA_KERNEL) {
		(void)knl_route(mn->knl, KNL_OP_DEL, &ev->route, NULL, NULL, NULL);
	}
}

static void on_setup_step(int result, void *userdata);

static void mn_setup_next(struct mn *mn, int stage)
{
	int r = 0;

	switch (stage) {
	case SETUP_FLUSH_ADDRS:
		r = knl_dump(mn->knl, KNL_DUMP_ADDRS, NULL, flush_each, on_setup_step, mn);
		break;
	case SETUP_FLUSH_ROUTES:
		r = knl_dump(mn->knl, KNL_DUMP_ROUTES, NULL, flush_each, on_setup_step, mn);
		break;
	case SETUP_TUNNEL: {
		struct knl_ip6tnl t = { .external = true };
		snprintf(t.name, sizeof(t.name), "%s", MN_TUNNEL_NAME);
		r = knl_ip6tnl_add(mn->knl, &t, NULL, on_setup_step, mn);
		break;
	}
	case SETUP_TUNNEL_UP:
		mn->tnl_ifindex = (int)if_nametoindex(MN_TUNNEL_NAME);
		if (mn->tnl_ifindex <= 0) {
			log_error("the tunnel device %s did not appear", MN_TUNNEL_NAME);
			sd_event_exit(mn->m->event, -ENODEV);
			return;
		}
		r = knl_link_set_up(mn->knl, mn->tnl_ifindex, true, NULL, on_setup_step, mn);
		break;
	case SETUP_TUNNEL_FILTER:
		/*
		 * RFC 6275 §11.3.3: the flow-based device decapsulates from any outer source; its
		 * ingress drops everything the home agent's filter (mn-plan.h) does not pass. An
		 * earlier run's filter is flushed: the first move away installs the current one.
		 */
		r = revtun_setup(mn->tnl_filter, mn->tnl_ifindex, true, on_setup_step, mn);
		break;
	case SETUP_SPD: {
		/* RFC 4877 §7.2: the SPD is ours; it stays in place at home and away. */
		struct knl_xfrm_policy sp[8];
		size_t n = 0;

		if (!mn->ipsec) {
			mn_setup_next(mn, ++mn->setup_stage);
			return;
		}
		/* HoTI/HoT in ESP tunnel (if the set asks): outer HoA <-> HA until the first move. */
		n = mn_spd_want(mn, &mn->hoa, sp);
		/* Every entry acknowledged, or the start fails (a refusal undoes the others). */
		r = spd_sync_new(mn->knl, &mn->spd);
		if (r >= 0)
			r = spd_sync_apply(mn->spd, sp, n, on_setup_step, mn);
		if (r == 0) {
			mn_setup_next(mn, ++mn->setup_stage);
			return;
		}
		r = r > 0 ? 0 : r;
		break;
	}
	case SETUP_DONE:
		mn->ready = true;
		log_info("mobile node ready on %s: home address, soliciting a router", mn->ifname);
		manager_ready(mn->m);
		mn_send_rs(mn);
		return;
	}
	if (r < 0) {
		log_error_errno(r, "mobile node kernel setup failed at step %d: %m", stage);
		sd_event_exit(mn->m->event, r);
	}
}

static void on_setup_step(int result, void *userdata)
{
	struct mn *mn = userdata;

	if (result < 0) {
		log_error_errno(result, "mobile node kernel setup failed at step %d: %m (%s)", mn->setup_stage,
				knl_extack(mn->knl) ? knl_extack(mn->knl) : "no detail");
		sd_event_exit(mn->m->event, result);
		return;
	}
	mn_setup_next(mn, ++mn->setup_stage);
}

static void mn_bul_params(const struct mip6_config *c, struct bul_params *ret)
{
	*ret = (struct bul_params){ .initial_first_reg = c->initial_bindack_timeout_first_reg_usec,
				    .initial_rereg = c->initial_bindack_timeout_rereg_usec,
				    .max_resends = c->mn_max_ha_consecutive_resends,
				    .lifetime = c->mn_max_ha_binding_life };
}

/* MN–HA IPsec (the SPD pair, the key manager) and the BUL with its home registration entry. */
static int mn_bul_open(struct mn *mn, const struct mip6_config *c)
{
	struct bul_key key = { .peer = mn->ha, .hoa = mn->hoa };
	struct bul_params bp;
	bool kbit = false;
	int r;

	if (c->use_mn_ha_ipsec) {
		bool any_ha = IN6_IS_ADDR_UNSPECIFIED(&mn->ha);

		/*
		 * DHAAD (HomeAgentAddress ::): one IPsecPolicySet per home agent the MN may use; the
		 * pair (and its SPD entries) is chosen with the home agent (mn_set_ha).
		 */
		r = spd_lookup(c, &mn->hoa, any_ha ? NULL : &mn->ha, &mn->pair);
		if (r <= 0)
			return log_error_errno(EINVAL, "UseMnHaIPsec is enabled but no IPsecPolicySet protects "
						       "HomeRegBinding for the home address (or say UseMnHaIPsec disabled)");
		if (any_ha)
			mn->pair = (struct spd_pair){ .hoa = mn->hoa };
		mn->ipsec = true;
		r = km_new(mn->m->event, mn->io, c, &mn->km);
		if (r < 0)
			return log_error_errno(r, "key management: %m");
		manager_set_km(mn->m, mn->km); /* READY=1 waits for it too */
		kbit = c->key_mng_mob_capability && km_has(mn->km, KM_F_MIGRATE);
		if (km_has(mn->km, KM_F_NOTIFY))
			km_set_notify(mn->km, on_km_notify, mn);
		km_set_ike_moved_notify(mn->km, on_ike_moved, mn);
	}
	mn_bul_params(c, &bp);
	r = bul_table_new(&mn_bul_io, mn, &bp, &mn->bul);
	if (r < 0)
		return r;
	return bul_add(mn->bul, &key, true, mn->ipsec, kbit, &mn->home);
}

/* RFC 3963 §5.5: a source rule of the mobile network refused → the router cannot work; stop. */
static void on_mr_rule(int result, void *userdata)
{
	struct mn *mn = userdata;

	if (result < 0 && result != -EEXIST) {
		log_error_errno(result, "the mobile network's source rule was refused: %m");
		sd_event_exit(mn->m->event, result);
	}
}

static int mn_mr_start(struct mn *mn, const struct conf_home_link *hl)
{
	int r;

	if (!hl->is_mob_rtr)
		return 0;
	if (!mr_forwarding_on())
		log_warning("IsMobRtr: IPv6 forwarding is off (net.ipv6.conf.all.forwarding): the mobile network "
			    "is not served");
	r = mr_rules(mn->knl, hl, KNL_OP_ADD, mn, on_mr_rule, mn);
	return r < 0 ? log_error_errno(r, "the mobile network's source rules: %m") : 0;
}

static int mn_start(struct manager *m)
{
	const struct mip6_config *c = m->config;
	const struct conf_home_link *hl;
	static const uint8_t types[] = { NDISC_TYPE_RA, NDISC_TYPE_DHAAD_REPLY };
	struct mn *mn;
	char path[256];
	int r;

	if (c->n_home_links < 1 || !c->home_links[0].has_hoa)
		return log_error_errno(EINVAL, "a mobile node needs MnHomeLink with HomeAddress");
	hl = &c->home_links[0];
	mn = calloc(1, sizeof(*mn));
	if (!mn)
		return -ENOMEM;
	m->role_data = mn;
	mn->m = m;
	mn->lower_up = true;
	ratelimit_init(&mn->be_log_rl, c->rejected_bu_log_per_sec, now_usec());
	ratelimit_init(&mn->pp_log_rl, c->rejected_bu_log_per_sec, now_usec());
	mn->io = m->io;
	mn->knl = io_knl(m->io);
	r = revtun_new(mn->knl, &mn->tnl_filter);
	if (r < 0)
		return log_error_errno(r, "tunnel filter: %m");
	mn->hoa = hl->hoa.addr;
	mn->home_plen = hl->hoa.len;
	mn->home_prefix = hl->hoa.addr;
	for (int i = mn->home_plen; i < 128; i++)
		mn->home_prefix.s6_addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	mn->ha = hl->ha_addr; /* :: when absent or ::: discovery (RFC 6275 §11.4.1) */
	snprintf(mn->ifname, sizeof(mn->ifname), "%s", hl->ifname);
	mn->ifindex = (int)if_nametoindex(mn->ifname);
	if (mn->ifindex <= 0)
		return log_error_errno(ENODEV, "home link interface %s: %m", mn->ifname);
	if (IN6_IS_ADDR_UNSPECIFIED(&mn->ha)) {
		r = mn_dhaad_new(m->io, m->event, mn->ifindex, &mn->home_prefix, mn->home_plen, on_dhaad_done, mn,
				 &mn->dhaad);
		if (r < 0)
			return log_error_errno(r, "home agent address discovery: %m");
		mn_dhaad_set_mobile_router(mn->dhaad, hl->is_mob_rtr); /* RFC 3963 §7.1 */
	}
	r = mn_mpd_new(m->io, m->event, &m->config, &mn->hoa, &mn->home_prefix, mn->home_plen, &mn->mpd);
	if (r < 0)
		log_warning_errno(r, "mobile prefix discovery is not available: %m");
	if (link_read_mac(mn->ifname, mn->mac) < 0)
		return log_error_errno(ENODEV, "no link-layer address on %s", mn->ifname);
	/* mip6d owns the interface's addressing and default route while it runs. */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_ra", mn->ifname);
	if (sysctl_write(path, "0") < 0)
		log_warning("cannot turn off accept_ra on %s, ignoring", mn->ifname);

	r = mn_bul_open(mn, c);
	if (r < 0)
		return r;
	r = mn_mr_start(mn, hl);
	if (r < 0)
		return r;
	r = mn_rr_open(mn, c);
	if (r < 0)
		return r;
	/* XFRM policies too when the SPD is ours: subscribed before its install, so no flush goes unseen. */
	r = knl_monitor_start(mn->knl,
			      KNL_MONITOR_LINK | (mn->ipsec ? KNL_MONITOR_XFRM_POLICY : 0) |
				      (mn->ro_learn ? KNL_MONITOR_XFRM : 0),
			      on_knl_event,
			      mn->ipsec ? on_knl_resync : NULL, mn);
	if (r < 0)
		return log_error_errno(r, "cannot monitor links: %m");
	(void)io_mh_register(mn->io, MH_TYPE_BA, mn_on_ba, mn);
	(void)io_mh_register(mn->io, MH_TYPE_BE, mn_on_be, mn);
	(void)io_mh_register(mn->io, MH_TYPE_BRR, mn_on_brr, mn);
	(void)io_nd_register(mn->io, NDISC_TYPE_RA, mn_on_ra, mn);
	(void)io_nd_register(mn->io, NDISC_TYPE_DHAAD_REPLY, mn_on_dhaad_reply, mn);
	r = io_nd_link_add(mn->io, mn->ifname, types, ELEMENTSOF(types));
	if (r < 0)
		return r;
	mn->setup_stage = SETUP_FLUSH_ADDRS;
	mn_setup_next(mn, mn->setup_stage);
	return 0;
}

static void on_flushed(int result, void *userdata)
{
	struct mn *mn = userdata;

	manager_shutdown_done(mn->m);
}

/* SIGTERM, after the correspondents' deregistrations: remove what the MN installed. 0: done, 1: on_flushed ends it. */
static int mn_shutdown_kernel(struct mn *mn)
{
	struct manager *m = mn->m;
	struct spd_pair ro = { 0 };
	struct knl_xfrm_policy p[2];
	struct knl_xfrm_state s;
	struct knl_rule ru;
	struct mn_plan_config pc;
	bool away;

	/* Every correspondent's route-optimisation path (mn-ro-path.h). */
	mn->ro_stopping = true;
	mn_ro_sync(mn);
	/* The SPD entries are deleted below: no repair of our own deletions from now on. */
	mn->spd = spd_sync_free(mn->spd);
	mn_plan_config(mn, &pc);
	away = mn->loc == MN_LOC_FOREIGN;
	if (away) {
		mn_plan_rule(&pc, &ru);
		(void)knl_rule(mn->knl, KNL_OP_DEL, &ru, NULL, NULL, NULL);
		mn_plan_hao_state(&pc, &mn->coa, &s);
		(void)knl_xfrm_state(mn->knl, KNL_OP_DEL, &s, NULL, NULL, NULL);
	}
	/* The BU/BA policies (the SPD's with IPsec, the RO-only ones without: same selectors). */
	if (away || mn->ipsec) {
		ro.hoa = mn->hoa;
		ro.ha = mn->ha;
		spd_policies(NODE_ROLE_MN, &ro, p);
		(void)knl_xfrm_policy(mn->knl, KNL_OP_DEL, &p[0], NULL, NULL, NULL);
		(void)knl_xfrm_policy(mn->knl, KNL_OP_DEL, &p[1], NULL, NULL, NULL);
	}
	if (mn->ipsec && spd_tunnel_policies(NODE_ROLE_MN, &mn->pair, &mn->coa, p) == 2) {
		(void)knl_xfrm_policy(mn->knl, KNL_OP_DEL, &p[0], NULL, NULL, NULL);
		(void)knl_xfrm_policy(mn->knl, KNL_OP_DEL, &p[1], NULL, NULL, NULL);
	}
	if (mn->ipsec && spd_mpd_policies(NODE_ROLE_MN, &mn->pair, p) == 2) {
		(void)knl_xfrm_policy(mn->knl, KNL_OP_DEL, &p[0], NULL, NULL, NULL);
		(void)knl_xfrm_policy(mn->knl, KNL_OP_DEL, &p[1], NULL, NULL, NULL);
	}
	for (int i = 0, n = mn->ipsec ? spd_mpd_ro_policies(&mn->pair, p) : 0; i < n; i++)
		(void)knl_xfrm_policy(mn->knl, KNL_OP_DEL, &p[i], NULL, NULL, NULL);
	(void)mr_rules(mn->knl, &m->config->home_links[0], KNL_OP_DEL, NULL, NULL, NULL);
	if (mn->tnl_ifindex > 0)
		(void)knl_link_del(mn->knl, mn->tnl_ifindex, NULL, NULL, NULL);
	mn_plan_route2_state(&pc, &s);
	if (knl_xfrm_state(mn->knl, KNL_OP_DEL, &s, NULL, on_flushed, mn) < 0)
		return 0;
	return 1;
}

/* The wait for the correspondents' deregistrations ended (all done, or the deadline): the kernel part. */
static void mn_stop_continue(struct mn *mn)
{
	unsigned left = mn_rr_stop_pending(mn->rr);

	if (!mn->stop_wait)
		return;
	mn->stop_wait = sd_event_source_disable_unref(mn->stop_wait);
	if (left)
		log_info("route optimisation: %u correspondent(s) did not acknowledge the deregistration in time", left);
	if (mn_shutdown_kernel(mn) == 0)
		manager_shutdown_done(mn->m);
}

static int on_stop_wait(sd_event_source *s, uint64_t usec, void *userdata)
{
	mn_stop_continue(userdata);
	return 0;
}

/*
 * SIGTERM. Once it began no BUL timer, key-manager notification, move or correspondent timer acts
 * (a BU sent while its XFRM state goes fails). RFC 6275 §11.7.2: first the correspondents that may
 * hold a binding get a deregistration BU (mn_rr_stop), while their data path (the hao state, the
 * BU policy, the route2 state for the BA) is still there; the kernel state goes once their BAs
 * came (A bit) or after MN_STOP_DEREG_WAIT_USEC, never retransmitted. The binding at the HA
 * expires by itself.
 */
static int mn_shutdown(struct manager *m)
{
	struct mn *mn = m->role_data;
	unsigned n;

	if (!mn || !mn->knl)
		return 0;
	mn_batch_cancel(mn);
	mn->stopping = true;
	n = mn_rr_stop(mn->rr);
	if (n)
		log_info("route optimisation: deregistering with %u correspondent(s)", n);
	if (mn_rr_stop_pending(mn->rr) &&
	    event_timer_arm(m->event, &mn->stop_wait, now_usec() + MN_STOP_DEREG_WAIT_USEC, 0, on_stop_wait, mn) >= 0)
		return 1;
	return mn_shutdown_kernel(mn);
}

static void mn_stop(struct manager *m)
{
	struct mn *mn = m->role_data;

	if (!mn)
		return;
	mn_batch_cancel(mn);
	manager_set_km(mn->m, NULL);
	mn->km = km_free(mn->km); /* cancels pending calls: no callback runs */
	mn->spd = spd_sync_free(mn->spd);
	if (mn->io) {
		(void)io_mh_register(mn->io, MH_TYPE_BA, NULL, NULL);
		(void)io_mh_register(mn->io, MH_TYPE_BE, NULL, NULL);
		(void)io_mh_register(mn->io, MH_TYPE_BRR, NULL, NULL);
		if (mn->rr) {
			(void)io_mh_register(mn->io, MH_TYPE_HOT, NULL, NULL);
			(void)io_mh_register(mn->io, MH_TYPE_COT, NULL, NULL);
			(void)io_nd_register(mn->io, NDISC_TYPE_PARAM_PROBLEM, NULL, NULL);
		}
		(void)io_nd_register(mn->io, NDISC_TYPE_RA, NULL, NULL);
		(void)io_nd_register(mn->io, NDISC_TYPE_DHAAD_REPLY, NULL, NULL);
		knl_cancel_owner(mn->knl, mn);
		knl_cancel_owner(mn->knl, &mn->trig);
	}
	mn->learn_src = sd_event_source_disable_unref(mn->learn_src);
	while (mn->tickets) {
		struct mn_km_ticket *tk = mn->tickets;

		mn->tickets = tk->next;
		free(tk);
	}
	mn->stop_wait = sd_event_source_disable_unref(mn->stop_wait);
	mn->rr = mn_rr_table_free(mn->rr);
	(void)io_mh_hot_open(mn->io, NULL, NULL, NULL);
	bul_table_free(mn->bul);
	mn_dhaad_free(mn->dhaad);
	mn_mpd_free(mn->mpd);
	mn->tnl_filter = revtun_free(mn->tnl_filter);
	free(mn);
	m->role_data = NULL;
}

static const char *loc_name(enum mn_loc l)
{
	return l == MN_LOC_HOME ? "home" : l == MN_LOC_FOREIGN ? "foreign" : "unknown";
}

static int mn_ctl_prefixes(struct mn *mn, bool hal, bool json, FILE *out)
{
	char hp[INET6_ADDRSTRLEN], cp[INET6_ADDRSTRLEN], ha[INET6_ADDRSTRLEN];
	json_object *o, *e;

	addr_str(&mn->home_prefix, hp);
	addr_str(&mn->prefix, cp);
	addr_str(&mn->ha, ha);
	if (!json) {
		if (hal && mn->dhaad)
			mn_dhaad_print(mn->dhaad, &mn->ha, out);
		else if (hal)
			fprintf(out, "%s (configured)\n", ha);
		else {
			fprintf(out, "home prefix %s/%u\ncurrent link %s/64 (%s)\n", hp, mn->home_plen, cp,
				loc_name(mn->loc));
			if (mn->mpd)
				mn_mpd_print(mn->mpd, out);
		}
		return 0;
	}
	o = json_object_new_object();
	if (hal && mn->dhaad) {
		mn_dhaad_json(mn->dhaad, &mn->ha, o);
		ctl_json_add_u64(o, "home_agent_changes", mn->ha_changes);
	} else if (hal) {
		/* The configured home agent. */
		e = ctl_json_append_object(ctl_json_add_array(o, "home_agents"));
		ctl_json_add_str(e, "address", ha);
		ctl_json_add_str(e, "source", "config");
	} else {
		ctl_json_add_prefix(o, "home_prefix", &mn->home_prefix, mn->home_plen);
		ctl_json_add_str(o, "location", loc_name(mn->loc));
		ctl_json_add_prefix(o, "current_prefix", &mn->prefix, 64);
		if (mn->mpd)
			mn_mpd_json(mn->mpd, o);
	}
	return ctl_json_print(out, o);
}

static long long bul_left(const struct bul_entry *e, usec_t now)
{
	return e->expires > now && e->state == BUL_REGISTERED ? (long long)((e->expires - now) / USEC_PER_SEC) : 0;
}

static void mn_bul_entry_json(json_object *list, const struct bul_entry *be, usec_t now)
{
	char h[INET6_ADDRSTRLEN], a[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];
	json_object *e = ctl_json_append_object(list);

	addr_str(&be->key.hoa, h);
	addr_str(&be->key.peer, a);
	addr_str(&be->bu_coa, c);
	ctl_json_add_str(e, "hoa", h);
	ctl_json_add_str(e, "ha", a);
	ctl_json_add_str(e, "coa", c);
	ctl_json_add_str(e, "state", bul_state_to_string(be->state));
	ctl_json_add_u64(e, "seq", be->seq);
	ctl_json_add_u64(e, "lifetime", be->lifetime_granted);
	ctl_json_add_i64(e, "expires_in", bul_left(be, now));
	ctl_json_add_u64(e, "retransmits", be->retransmits);
	ctl_json_add_u64(e, "last_status", be->last_status);
}

/* The entry matches `bul [peer]`: no filter, or its peer is the one named. */
static bool bul_shown(const struct bul_entry *e, const struct in6_addr *peer)
{
	return !peer || memcmp(&e->key.peer, peer, sizeof(*peer)) == 0;
}

static bool rr_shown(const struct mn_rr_entry *e, const struct in6_addr *peer)
{
	return !peer || memcmp(&e->cn, peer, sizeof(*peer)) == 0;
}

/* A correspondent's entry (route optimisation): the return routability halves and the registration. */
static void mn_rr_entry_json(json_object *list, const struct mn_rr_entry *re, usec_t now)
{
	char h[INET6_ADDRSTRLEN], a[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];
	json_object *e = ctl_json_append_object(list);

	addr_str(&re->hoa, h);
	addr_str(&re->cn, a);
	addr_str(&re->coa, c);
	ctl_json_add_str(e, "hoa", h);
	ctl_json_add_str(e, "cn", a);
	ctl_json_add_str(e, "coa", c);
	ctl_json_add_str(e, "state", mn_rr_state_to_string(re->state));
	ctl_json_add_bool(e, "home_test_outstanding", re->ht.outstanding);
	ctl_json_add_bool(e, "careof_test_outstanding", re->ct.outstanding);
	ctl_json_add_bool(e, "home_token", re->ht.have);
	ctl_json_add_bool(e, "careof_token", re->ct.have);
	ctl_json_add_u64(e, "seq", re->seq);
	ctl_json_add_u64(e, "lifetime", re->lifetime_granted);
	ctl_json_add_i64(e, "expires_in", mn_rr_left(re, now));
	ctl_json_add_u64(e, "last_status", re->last_status);
	ctl_json_add_u64(e, "rr_runs", re->rr_runs);
	ctl_json_add_u64(e, "bus_sent", re->bus_sent);
	ctl_json_add_u64(e, "restarts", re->restarts);
	ctl_json_add_u64(e, "send_errors", re->send_errors);
	{
		const struct mn_rr_timer *t = re->io_ctx;

		ctl_json_add_bool(e, "learnt", re->learnt);
		ctl_json_add_str(e, "data_path", mn_ro_level_to_string(t ? t->have.level : MN_RO_OFF));
		ctl_json_add_bool(e, "data_path_pending", t && t->pending);
		ctl_json_add_bool(e, "data_path_failed", t && t->failed);
	}
}

/* Learning from traffic (a wildcard MnRoPolicy): the trigger and what became of each ACQUIRE. */
static void mn_ro_learn_json(const struct mn *mn, json_object *o)
{
	usec_t now = now_usec();
	json_object *held;

	if (!mn->ro_learn)
		return;
	ctl_json_add_bool(o, "ro_trigger", mn->trig.have && !mn->trig.pending && !mn->trig.failed);
	ctl_json_add_u64(o, "ro_trigger_installs", mn->ro_trigger_installs);
	ctl_json_add_u64(o, "ro_trigger_failures", mn->ro_trigger_failures);
	ctl_json_add_u64(o, "ro_learnt_now", mn->n_learnt);
	ctl_json_add_u64(o, "ro_learnt_refreshed", mn->ro_learnt_refreshed);
	ctl_json_add_u64(o, "ro_learnt_idle", mn->ro_learnt_idle);
	ctl_json_add_u64(o, "ro_learnt_use_unread", mn->ro_learnt_use_unread);
	held = ctl_json_add_array(o, "ro_learn_held");
	for (size_t i = 0; held && i < ELEMENTSOF(mn->recent); i++) {
		json_object *h;

		if (mn->recent[i].until <= now)
			continue;
		h = json_object_new_object();
		if (!h || json_object_array_add(held, h) < 0) {
			json_object_put(h);
			break;
		}
		ctl_json_add_addr(h, "cn", &mn->recent[i].cn);
		ctl_json_add_u64(h, "seconds", (mn->recent[i].until - now) / USEC_PER_SEC);
	}
	for (int d = 0; d < _MN_ACQ_MAX; d++) {
		char key[64];

		snprintf(key, sizeof(key), "ro_acquire_%s", acq_names[d]);
		ctl_json_add_u64(o, key, mn->acq[d]);
	}
}

static int mn_ctl_bul(struct mn *mn, const struct in6_addr *peer, bool json, FILE *out)
{
	char h[INET6_ADDRSTRLEN], a[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];
	usec_t now = now_usec();
	json_object *o, *list, *hist;
	bool any = !peer;

	for (const struct bul_entry *e = bul_first(mn->bul); e && !any; e = e->next)
		any = bul_shown(e, peer);
	for (const struct mn_rr_entry *e = mn_rr_first(mn->rr); e && !any; e = e->next)
		any = rr_shown(e, peer);
	if (!any) {
		addr_str(peer, a);
		fprintf(out, "no binding update list entry for %s", a);
		return -ENOENT;
	}
	if (!json) {
		fprintf(out, "location: %s\n", loc_name(mn->loc));
		fprintf(out, "%-39s %-39s %-39s %-13s %5s %8s %6s\n", "home address", "home agent", "care-of address",
			"state", "seq", "lifetime", "left");
		for (const struct bul_entry *e = bul_first(mn->bul); e; e = e->next) {
			if (!bul_shown(e, peer))
				continue;
			addr_str(&e->key.hoa, h);
			addr_str(&e->key.peer, a);
			addr_str(&e->bu_coa, c);
			fprintf(out, "%-39s %-39s %-39s %-13s %5u %8u %6lld\n", h, a, c, bul_state_to_string(e->state),
				e->seq, e->lifetime_granted, bul_left(e, now));
		}
		if (!mn_rr_first(mn->rr))
			return 0;
		fprintf(out, "%-39s %-39s %-39s %-13s %5s %8s %6s\n", "home address", "correspondent",
			"care-of address", "state", "seq", "lifetime", "left");
		for (const struct mn_rr_entry *e = mn_rr_first(mn->rr); e; e = e->next) {
			if (!rr_shown(e, peer))
				continue;
			addr_str(&e->hoa, h);
			addr_str(&e->cn, a);
			addr_str(e->bound || e->bu_outstanding ? &e->bu_coa : &e->coa, c);
			fprintf(out, "%-39s %-39s %-39s %-13s %5u %8u %6lld\n", h, a, c, mn_rr_state_to_string(e->state),
				e->seq, e->lifetime_granted, mn_rr_left(e, now));
		}
		return 0;
	}
	o = json_object_new_object();
	ctl_json_add_str(o, "location", loc_name(mn->loc));
	list = ctl_json_add_array(o, "entries");
	for (const struct bul_entry *e = bul_first(mn->bul); e; e = e->next)
		if (bul_shown(e, peer))
			mn_bul_entry_json(list, e, now);
	if (mn->rr) {
		json_object *cl = ctl_json_add_array(o, "correspondents");

		for (const struct mn_rr_entry *e = mn_rr_first(mn->rr); e; e = e->next)
			if (rr_shown(e, peer))
				mn_rr_entry_json(cl, e, now);
		ctl_json_add_u64(o, "ro_bu_deferred", mn->ro_bu_deferred);
		ctl_json_add_u64(o, "ro_path_installs", mn->ro_path_installs);
		ctl_json_add_u64(o, "ro_path_failures", mn->ro_path_failures);
		for (int d = 0; d < _MN_RR_DROP_MAX; d++) {
			char key[64];

			snprintf(key, sizeof(key), "ro_ignored_%s", mn_rr_drop_to_string(d));
			ctl_json_add_u64(o, key, mn_rr_drops(mn->rr, d));
		}
		mn_ro_learn_json(mn, o);
	}
	ctl_json_add_u64(o, "moves", mn->moves);
	hist = ctl_json_add_array(o, "handovers");
	for (size_t i = 0; i < ho_ring_size(&mn->hist); i++)
		ho_rec_json(hist, ho_ring_get(&mn->hist, i));
	return ctl_json_print(out, o);
}

static int mn_ctl(struct manager *m, int argc, char **argv, bool json, FILE *out)
{
	struct mn *mn = m->role_data;

	if (strcmp(argv[0], "hal") == 0 || strcmp(argv[0], "prefixes") == 0)
		return mn_ctl_prefixes(mn, argv[0][0] == 'h', json, out);
	if (strcmp(argv[0], "ipsec") == 0) {
		if (!mn->km) {
			fprintf(out, "MN-HA IPsec is not in use (UseMnHaIPsec disabled)");
			return -ENOENT;
		}
		km_print(mn->km, out, json);
		return 0;
	}
	if (strcmp(argv[0], "bul") == 0) {
		struct in6_addr peer;

		if (argc > 2) {
			fprintf(out, "usage: bul [PEER]");
			return -EINVAL;
		}
		if (argc == 2 && inet_pton(AF_INET6, argv[1], &peer) != 1) {
			fprintf(out, "'%s' is not an IPv6 address", argv[1]);
			return -EINVAL;
		}
		return mn_ctl_bul(mn, argc == 2 ? &peer : NULL, json, out);
	}
	return -EOPNOTSUPP;
}

static void mn_status(struct manager *m, char *buf, size_t len)
{
	struct mn *mn = m->role_data;

	char ha[INET6_ADDRSTRLEN];

	if (mn && !mn->ready)
		snprintf(buf, len, "waiting for the kernel setup (step %d)", mn->setup_stage);
	else if (mn && mn->home && mn->spd) {
		struct spd_sync_stats st;

		spd_sync_get_stats(mn->spd, &st);
		addr_str(&mn->ha, ha);
		snprintf(buf, len, "%s, binding %s, home agent %s, %zu SPD entries (%llu reinstalled)",
			 loc_name(mn->loc), bul_state_to_string(mn->home->state),
			 IN6_IS_ADDR_UNSPECIFIED(&mn->ha) ? "unknown" : ha, st.installed, (unsigned long long)st.repairs);
	} else if (mn && mn->home) {
		addr_str(&mn->ha, ha);
		/* The home agent is a run-time property with DHAAD (RFC 6275 §11.4.1). */
		snprintf(buf, len, "%s, binding %s, home agent %s", loc_name(mn->loc),
			 bul_state_to_string(mn->home->state), IN6_IS_ADDR_UNSPECIFIED(&mn->ha) ? "unknown" : ha);
	}
}

static void mn_status_json(struct manager *m, json_object *o)
{
	struct mn *mn = m->role_data;

	if (mn && !mn->ready)
		ctl_json_add_i64(o, "waiting_for_setup_step", mn->setup_stage);
	else if (mn) {
		ctl_json_add_str(o, "location", loc_name(mn->loc));
		ctl_json_add_str(o, "binding", mn->home ? bul_state_to_string(mn->home->state) : "none");
		ctl_json_add_addr(o, "home_agent", &mn->ha);
		ctl_json_add_str(o, "home_agent_source", mn->dhaad ? "dhaad" : "config");
		if (mn->ipsec)
			ctl_json_add_i64(o, "home_agents_skipped_spd", (int64_t)mn->spd_ha_failures);
	}
}

/* A reload may change the BU timeouts and the requested lifetime (used from the next BU on). */
static void mn_reloaded(struct manager *m, const struct mip6_config *old)
{
	struct mn *mn = m->role_data;
	struct bul_params bp;

	if (!mn || !mn->bul)
		return;
	mn_bul_params(m->config, &bp);
	bul_table_set_params(mn->bul, &bp);
	if (mn->rr) {
		struct mn_rr_params rp = { .lifetime = m->config->mn_max_cn_binding_life,
					   .ack = m->config->use_cn_bu_ack };

		mn_rr_set_params(mn->rr, &rp);
	}
}

/* RFC 6275 §11.3.3: what the tunnel device's drop filter refused, counted by the kernel. */
static void on_tnl_drops(int result, void *userdata)
{
	struct mn *mn = userdata;

	if (result < 0)
		log_warning_errno(result, "cannot read the tunnel-source drop counter: %m");
	else
		mn->m->counters.drops[DROP_TUNNEL_SOURCE] = revtun_drops(mn->tnl_filter);
	manager_counters_done(mn->m);
}

static int mn_counters(struct manager *m)
{
	struct mn *mn = m->role_data;

	if (!mn || !mn->ready)
		return 0;
	return revtun_read_drops(mn->tnl_filter, on_tnl_drops, mn) < 0 ? 0 : 1;
}

const struct role_ops mn_role_ops = {
	.name = "MN",
	.start = mn_start,
	.stop = mn_stop,
	.shutdown = mn_shutdown,
	.ctl = mn_ctl,
	.status = mn_status,
	.counters = mn_counters,
	.status_json = mn_status_json,
	.reloaded = mn_reloaded,
};
