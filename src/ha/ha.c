/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The home agent role (RFC 6275 §10). Receives BUs on the MH socket, decides
 * with ha_decide(), runs DAD for a new HoA on the home link, installs the
 * binding in the kernel (one flow-based ip6tnl device for all bindings, a
 * per-HoA `encap ip6` route) and answers with a BA carrying a type 2 routing
 * header. It defends the home addresses on the home link itself (RFC 6275
 * §10.4.1): NSs come through a packet socket (io_ns_proxy_open) and are answered
 * from a binding cache lookup; no kernel proxy neighbour entry is installed.
 * Everything runs on the manager's event loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_addr.h>
#include <linux/xfrm.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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
#include "ha/bcache-journal.h"
#include "ha/bcache.h"
#include "ha/dad-watch.h"
#include "ha/ha-dhaad.h"
#include "ha/ha-mpd.h"
#include "ha/ha-nemo.h"
#include "ha/mobile-prefix.h"
#include "ha/ha-addr.h"
#include "ha/ha-ctl.h"
#include "ha/ha-policy.h"
#include "ha/ha-restore.h"
#include "ha/ha.h"
#include "ha/reg-backlog.h"
#include "ha/reverse-tunnel.h"
#include "icmp6/icmp6-socket.h"
#include "icmp6/ndisc.h"
#include "icmp6/ndproxy.h"
#include "io/io.h"
#include "ipsec/spd-sync.h"
#include "ipsec/spd.h"
#include "ike-event.h"
#include "keymgmt.h"
#include "manager.h"
#include "mh/mh-codec.h"
#include "netlink/nl-addrs.h"
#include "netlink/nl-kernel.h"

#define HA_TUNNEL_NAME "mip6tnl0"
#define MAX_DELETE_BCE_TIMEOUT_USEC (10 * USEC_PER_SEC) /* RFC 6275 §12 */
#define MAX_NEIGHBOR_ADVERTISEMENT 3                      /* RFC 4861 §10 */
#define HA_MAX_HOME_IFS 16
#define HA_MAX_PREFIXES 64
#define HA_MAX_OWN_ADDRS 64
#define HA_BRR_LEAD_MIN (2 * USEC_PER_SEC) /* a restored binding's BRR: at least this before expiry */
#define HA_PREFIX_SETTLE (50 * USEC_PER_MSEC) /* address events gathered before the prefixes are read again */
#define HA_PREFIX_SPD_BUSY (100 * USEC_PER_MSEC) /* the MPS entries wait for another apply */
#define HA_PREFIX_SPD_RETRY_MIN USEC_PER_SEC  /* a refused apply is tried again, doubling, */
#define HA_PREFIX_SPD_RETRY_MAX (60 * USEC_PER_SEC) /* up to this */

struct ha_home_if {
	int ifindex;
	char name[IFNAMSIZ];
	uint8_t mac[6];
};

struct ha {
	struct manager *m;
	struct io *io;   /* the manager's: sockets and netlink */
	struct knl *knl; /* io_knl(io) */
	struct bcache *bc;   /* every binding, one state each (ha/bcache.h) */
	struct bc_stream *bc_streams; /* `mip6ctl bc` replies being streamed (ha/ha-ctl.h) */
	int tnl_ifindex;
	bool ready;
	struct ha_home_if homes[HA_MAX_HOME_IFS];
	size_t n_homes;
	struct ha_prefix prefixes[HA_MAX_PREFIXES];
	size_t n_prefixes;
	struct in6_addr own[HA_MAX_OWN_ADDRS]; /* the HA's addresses, for address validation */
	size_t n_own;
	/* The prefixes follow the home links' addresses (RFC 6275 §10.6.2): see "Home prefixes at run time". */
	struct knl_addr unusable[HA_MAX_OWN_ADDRS]; /* tentative or duplicate (DAD) addresses: not served */
	size_t n_unusable;
	sd_event_source *prefix_timer;     /* the settle time after address events */
	sd_event_source *prefix_spd_timer; /* the MPS entries' apply: waiting for another, or retried */
	usec_t prefix_spd_backoff;
	bool prefix_spd_inflight, stopping;
	uint64_t prefix_set_changes, prefix_spd_failures, prefix_gone;
	usec_t dad_timeout;
	struct dad_watch *dad; /* HoAs under DAD and their solicited-node groups */
	struct ratelimit reg_rl; /* HaMaxRegistrationsPerSec */
	struct reg_backlog *backlog; /* new registrations waiting for their turn */
	sd_event_source *backlog_timer;
	uint64_t reg_iteration; /* the loop iteration reg_spent is for */
	usec_t reg_spent;       /* time spent starting new registrations in it (REG_BUDGET) */
	usec_t (*reg_clock)(void); /* measures it: now_usec, a test's clock */
	struct ratelimit log_rl; /* RejectedBuLogPerSec */
	/* Proxy ND (RFC 6275 §10.4.1): NSs answered, for no binding of ours, dropped by reason. */
	uint64_t ns_answered, ns_not_bound, ns_drops[_NDPROXY_VERDICT_MAX];
	uint64_t na_announced; /* unsolicited NAs for new bindings (each HoA, and its link-local with L=1) */
	struct ratelimit ns_log_rl;
	struct ha_dhaad *dhaad; /* home agents lists and DHAAD Replies (§10.5) */
	struct ha_mpd *mpd;     /* home prefix lifetimes, Mobile Prefix Discovery (§10.6) */
	uint64_t registrations, refreshes, deregistrations, expiries, removals, dad_failures;
	unsigned flush_pending;
	int setup_stage;               /* the kernel setup chain's current step */
	sd_event_source *status_timer; /* coalesces STATUS= updates */
	/* MN–HA IPsec (RFC 4877): the key manager; the SPD entries as installed (ipsec/spd-sync.h). */
	struct km *km;
	struct spd_sync *spd;
	struct revtun *revtun; /* the reverse-tunnel source check (RFC 6275 §10.4.5) */
	size_t revtun_restoring; /* restored bindings' filters not yet acknowledged */
	struct mip6_config *reload_config; /* the configuration a reload's SPD change is for */
	/* NonVolatileBindingCache: the state file (ha/bcache-journal.h), its fdatasync timer. */
	struct bcj *bcj;
	sd_event_source *sync_timer;
	bool persist_failed;              /* an append failed (logged once) */
	struct ha_restore *restore;       /* the start's reconciliation with the kernel */
	size_t restored, expired_at_start;
	usec_t start_time;
};

static struct ha_home_if *home_by_ifindex(struct ha *ha, int ifindex)
{
	for (size_t i = 0; i < ha->n_homes; i++)
		if (ha->homes[i].ifindex == ifindex)
			return &ha->homes[i];
	return NULL;
}

/* ---- sending ---------------------------------------------------------------- */

static void ha_send_ba(struct ha *ha, const struct in6_addr *local, const struct in6_addr *hoa,
		       const struct in6_addr *coa, uint8_t status, uint16_t seq, uint32_t lifetime_sec,
		       uint8_t flags)
{
	struct mh_msg msg = { .type = MH_TYPE_BA };
	struct mh_tx_info tx = { .src = *local, .dst = *coa };
	int r;

	msg.ba.status = status;
	msg.ba.flags = flags;
	msg.ba.seq = seq;
	msg.ba.lifetime = MH_BA_STATUS_IS_ACCEPTED(status) ? mh_lifetime_to_units(lifetime_sec) : 0;
	if (MH_BA_STATUS_IS_ACCEPTED(status) && lifetime_sec > 0) {
		/* §10.3.1: Binding Refresh Advice below the lifetime: refresh at 80%. */
		uint16_t refresh = (uint16_t)(msg.ba.lifetime * 4 / 5);
		if (refresh > 0 && refresh < msg.ba.lifetime) {
			msg.opts.present |= MH_OPT_BIT(MH_OPT_BRA);
			msg.opts.refresh = refresh;
		}
	}
	/* §9.5.4/§10.3.1: to the BU's source; a type 2 routing header when the MN is away. */
	if (memcmp(hoa, coa, sizeof(*hoa)) != 0)
		tx.rh2 = hoa;
	r = io_mh_send(ha->io, &msg, &tx);
	if (r < 0) {
		char h[INET6_ADDRSTRLEN];
		addr_str(hoa, h);
		log_warning_errno(r, "sending a BA for %s failed: %m", h);
	}
}

/*
 * RFC 6275 §9.5.5, §6.1.2: a Binding Refresh Request to a binding close to expiry, sent as
 * the BA is (to the CoA, type 2 routing header with the HoA); then the lifetime timer.
 */
static int on_bce_timer(sd_event_source *s, uint64_t usec, void *userdata);

static void ha_send_brr(struct ha *ha, struct bce *e)
{
	struct mh_msg msg = { .type = MH_TYPE_BRR };
	struct mh_tx_info tx = { .src = e->local, .dst = e->coa, .rh2 = &e->hoa };
	char h[INET6_ADDRSTRLEN];
	int r;

	addr_str(&e->hoa, h);
	e->restore &= (uint8_t)~BCE_R_BRR;
	r = io_mh_send(ha->io, &msg, &tx);
	if (r < 0)
		log_warning_errno(r, "sending a Binding Refresh Request to %s failed: %m", h);
	else
		log_info("binding of %s expires in %llu s: Binding Refresh Request sent", h,
			 (unsigned long long)((e->expires - now_usec()) / USEC_PER_SEC));
	(void)event_timer_arm(ha->m->event, &e->timer, e->expires, 100 * USEC_PER_MSEC, on_bce_timer, e);
}

/* §10.4.1: unsolicited NA with the Override flag for the HoA, from our link-layer address. */
static void ha_send_proxy_na(struct ha *ha, struct ha_home_if *h, const struct in6_addr *hoa, bool router)
{
	static const struct in6_addr all_nodes = { { { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
						       1 } } };
	/* RFC 6275 §10.4.1: Override set, Solicited clear, "The Router (R) bit ... MUST be set to zero". */
	struct ndisc_na na = { .flags = NDISC_NA_F_OVERRIDE, .target = *hoa };
	uint8_t buf[64];
	size_t len;

	if (router)
		na.flags |= NDISC_NA_F_ROUTER; /* RFC 3963 §6.2: for a BU with R=1, the R bit MUST be set */
	na.target_lla.len = 6;
	memcpy(na.target_lla.addr, h->mac, 6);
	if (ndisc_na_build(&na, buf, sizeof(buf), &len) < 0)
		return;
	(void)io_nd_send(ha->io, h->ifindex, &all_nodes, NULL, buf, len);
}

static void ha_send_dad_ns(struct ha *ha, struct ha_home_if *h, const struct in6_addr *hoa)
{
	struct ndisc_ns ns = { .target = *hoa };
	struct in6_addr snm, any = IN6ADDR_ANY_INIT;
	uint8_t buf[64];
	size_t len;

	ndisc_solicited_node(hoa, &snm);
	if (ndisc_ns_build(&ns, buf, sizeof(buf), &len) < 0)
		return;
	(void)io_nd_send(ha->io, h->ifindex, &snm, &any, buf, len);
}

/*
 * RFC 6275 §10.3.1, RFC 4862 §5.4.3: while the HA probes a HoA it listens on its
 * solicited-node group, so another node's probe for it (or, L=1, for the derived
 * link-local address) is seen and fails the registration (134). Once the binding is
 * installed, ha_on_ns() defends it (the packet socket sees every solicited-node group).
 */
static int ha_dad_watch(struct ha *ha, struct bce *e)
{
	struct in6_addr group;
	bool join;
	int r;

	r = dad_watch_add(ha->dad, e, e->ifindex, &e->hoa, !!(e->bu_flags & MH_BU_F_L), &join, &group);
	if (r < 0)
		return r;
	if (join && (r = io_nd_membership(ha->io, e->ifindex, &group, true)) < 0 && r != -EADDRINUSE)
		log_debug_errno(r, "joining a solicited-node group failed: %m");
	return 0;
}

static void ha_dad_unwatch(struct ha *ha, struct bce *e)
{
	struct in6_addr group;
	bool leave;
	int ifindex;

	if (dad_watch_remove(ha->dad, e, &leave, &group, &ifindex) && leave)
		(void)io_nd_membership(ha->io, ifindex, &group, false);
}

/* ---- binding life cycle ---------------------------------------------------- */

static int on_status_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct ha *ha = userdata;

	manager_notify_status(ha->m);
	return 0;
}

/* STATUS= follows the number of bindings, at most once a second whatever the churn. */
static void ha_status_changed(struct ha *ha)
{
	int enabled = SD_EVENT_OFF;

	/* Already pending: that update will show this change too. */
	if (ha->status_timer && sd_event_source_get_enabled(ha->status_timer, &enabled) >= 0 &&
	    enabled != SD_EVENT_OFF)
		return;
	(void)event_timer_arm(ha->m->event, &ha->status_timer, now_usec() + USEC_PER_SEC, 100 * USEC_PER_MSEC,
			      on_status_timer, ha);
}

/* ---- the persistent binding cache (NonVolatileBindingCache) -------------- */

static bool timer_armed(sd_event_source *s)
{
	int enabled = SD_EVENT_OFF;

	return s && sd_event_source_get_enabled(s, &enabled) >= 0 && enabled != SD_EVENT_OFF;
}

static int on_sync_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct ha *ha = userdata;
	int r;

	if (ha->bcj && (r = bcj_sync(ha->bcj)) < 0)
		log_warning_errno(r, "fdatasync of the binding cache file failed: %m");
	return 0;
}

struct compact_ctx {
	struct ha *ha;
	usec_t now;
	uint64_t now_rt;
	int error;
};

static void compact_one(struct bce *e, void *userdata)
{
	struct compact_ctx *c = userdata;
	struct bcs_record rec;
	int r;

	if (e->state != BCE_VALID || c->error < 0)
		return;
	bce_to_record(e, c->now, c->now_rt, &rec);
	if ((r = bcj_compact_add(c->ha->bcj, &rec)) < 0)
		c->error = r;
	if (c->error >= 0 && ha_nemo_to_record(e, &rec) && (r = bcj_compact_add(c->ha->bcj, &rec)) < 0)
		c->error = r;
}

/* The file becomes one PUT per live binding (write, fsync, rename: bcache-journal.h). */
static void ha_persist_compact(struct ha *ha)
{
	struct compact_ctx c = { .ha = ha, .now = now_usec(), .now_rt = realtime_usec() };
	int r;

	if ((r = bcj_compact_begin(ha->bcj)) < 0) {
		log_warning_errno(r, "compacting the binding cache file: %m");
		return;
	}
	bcache_foreach(ha->bc, compact_one, &c);
	r = c.error < 0 ? c.error : bcj_compact_commit(ha->bcj);
	if (r < 0)
		log_warning_errno(r, "compacting the binding cache file %s: %m", bcj_path(ha->bcj));
	else
		log_debug("binding cache file compacted: %zu binding(s) in %llu us", bcj_records(ha->bcj),
			  (unsigned long long)(now_usec() - c.now));
}

static void ha_persist(struct ha *ha, const struct bcs_record *rec)
{
	int r;

	if (!ha->bcj)
		return;
	if ((r = bcj_append(ha->bcj, rec)) < 0) {
		if (!ha->persist_failed)
			log_error_errno(r, "writing the binding cache file %s failed: %m; bindings may not survive a restart",
					bcj_path(ha->bcj));
		ha->persist_failed = true;
		return;
	}
	if (bcj_should_compact(ha->bcj, bcache_count_state(ha->bc, BCE_VALID)))
		ha_persist_compact(ha);
	if (bcj_dirty(ha->bcj) && !timer_armed(ha->sync_timer))
		(void)event_timer_arm(ha->m->event, &ha->sync_timer, now_usec() + BCJ_SYNC_USEC, 100 * USEC_PER_MSEC,
				      on_sync_timer, ha);
}

static void ha_persist_put(struct ha *ha, const struct bce *e)
{
	struct bcs_record rec;

	if (!ha->bcj)
		return;
	bce_to_record(e, now_usec(), realtime_usec(), &rec);
	ha_persist(ha, &rec);
	if (ha_nemo_to_record(e, &rec)) /* RFC 3963: a mobile router's prefixes, after its PUT */
		ha_persist(ha, &rec);
}

static void ha_persist_del(struct ha *ha, const struct bce *e)
{
	struct bcs_record rec = { .type = BCS_DEL, .hoa = e->hoa };

	ha_persist(ha, &rec);
}

/* `mip6ctl monitor`: an event about the entry (its HoA, CoA, seq; the lifetime when one was granted). */
static void ha_event(struct ha *ha, enum mip6_event_type t, const struct bce *e, int status, const char *reason)
{
	struct mip6_event ev = MIP6_EVENT_INIT(t);

	ev.hoa = &e->hoa;
	ev.coa = &e->coa;
	ev.seq = e->seq;
	ev.status = status;
	ev.reason = reason;
	if (t == MIP6_EV_REGISTER || t == MIP6_EV_MOVE || t == MIP6_EV_REFRESH)
		ev.lifetime = e->lifetime_sec;
	manager_event(ha->m, &ev);
}

static int on_bce_timer(sd_event_source *s, uint64_t usec, void *userdata);

/*
 * A binding's timer. Lifetimes tolerate 100 ms of coalescing; the end of DAD
 * does not: the MN waits for that BA, and sd-event may fire a timer at the end
 * of its accuracy window (RFC 4862 §5.4: RetransTimer after the NS, no more).
 */
static void bce_set_timer_within(struct ha *ha, struct bce *e, usec_t when, usec_t accuracy)
{
	e->expires = when;
	e->restore &= (uint8_t)~BCE_R_BRR; /* a refresh came: no BRR (§9.5.5) */
	(void)event_timer_arm(ha->m->event, &e->timer, when, accuracy, on_bce_timer, e);
}

static void bce_set_timer(struct ha *ha, struct bce *e, usec_t when)
{
	bce_set_timer_within(ha, e, when, 100 * USEC_PER_MSEC);
}

static void bce_release(struct bce *e, void *userdata)
{
	struct ha *ha = userdata;

	if (ha && ha->knl)
		knl_cancel_owner(ha->knl, e);
	km_cancel(ha ? ha->km : NULL, e);
	sd_event_source_disable_unref(e->timer);
	e->timer = NULL;
	e->na_timer = sd_event_source_disable_unref(e->na_timer);
	ha_nemo_free(e);
}

/* The entry leaves the table (the "(none)" of the state machine in ha/bcache.h). */
static void ha_dad_unwatch(struct ha *ha, struct bce *e);

static void bce_free(struct ha *ha, struct bce *e)
{
	if (e->state == BCE_DAD)
		ha_dad_unwatch(ha, e);
	bce_release(e, ha);
	bcache_remove(ha->bc, e);
}

/* The one place an entry changes state (transitions: ha/bcache.h). */
static void bce_transition(struct ha *ha, struct bce *e, enum bce_state to, const char *why)
{
	char h[INET6_ADDRSTRLEN];

	addr_str(&e->hoa, h);
	log_debug("binding %s: %s -> %s (%s)", h, bce_state_to_string(e->state), bce_state_to_string(to), why);
	if (e->state == BCE_DAD && to != BCE_DAD)
		ha_dad_unwatch(ha, e);
	if (to != BCE_VALID) /* no more NAs claiming the HoA (§10.4.1) */
		e->na_timer = sd_event_source_disable_unref(e->na_timer);
	bcache_set_state(ha->bc, e, to);
	ha_status_changed(ha);
}

/* §10.3.1: K in the BA when both sides can move the IKE SA with the CoA. */
static bool ha_kbit(struct ha *ha, const struct bce *e)
{
	return km_has(ha->km, KM_F_MIGRATE) && ha->m->config->key_mng_mob_capability &&
	       (e->bu_flags & MH_BU_F_K);
}

static void on_km_keys_up(int error, void *userdata)
{
	if (error < 0)
		log_warning_errno(error, "installing the static keys failed: %m");
}

/*
 * The monitor's sa-migrate / sa-drop once charon has answered (not when asked):
 * with the CoA the SAs now follow, or the failure as the reason.
 */
static void ha_km_event(struct bce *e, enum mip6_event_type t, int error)
{
	char why[96];

	if (error < 0)
		snprintf(why, sizeof(why), "failed: %s", strerror(-error));
	ha_event(e->ha, t, e, -1, error < 0 ? why : NULL);
}

static void on_km_dropped(int error, void *userdata)
{
	struct bce *e = userdata;

	if (error < 0)
		log_warning_errno(error, "dropping the IKE SA failed: %m");
	ha_km_event(e, MIP6_EV_SA_DROP, error);
}

/* Where the HoA's tunnel-mode SAs point: its binding's sa_coa (the last move's CoA), NULL for the HoA. */
static const struct in6_addr *ha_tunnel_end(const struct in6_addr *hoa, void *userdata)
{
	struct ha *ha = userdata;
	const struct bce *e = bcache_lookup(ha->bc, hoa);

	return e && !IN6_IS_ADDR_UNSPECIFIED(&e->sa_coa) ? &e->sa_coa : NULL;
}

/*
 * RFC 4877 §7.2 TunnelHomeTesting: the binding's tunnel-mode SPD entries now name its sa_coa.
 * The installed set records it (a repair after a flush, a reload and the next start's
 * adoption then agree with the kernel); install: they are replaced in the kernel too.
 */
static void ha_spd_tunnel_moved(struct ha *ha, struct bce *e, bool install)
{
	struct knl_xfrm_policy pol[2];
	struct spd_pair p;
	int n;

	if (!ha->spd || spd_lookup(ha->m->config, &e->hoa, &e->local, &p) <= 0)
		return;
	n = spd_tunnel_policies(NODE_ROLE_HA, &p, IN6_IS_ADDR_UNSPECIFIED(&e->sa_coa) ? &e->hoa : &e->sa_coa, pol);
	for (int i = 0; i < n; i++)
		(void)spd_sync_note(ha->spd, &pol[i], install);
}

/*
 * K=1: the SAs are where the move put them only once it succeeded; after a
 * failure they stay recorded where they were, so the next BU with K (a
 * refresh moves again) starts the MIGRATE from their real place. Runs only
 * for the entry's newest move (older ones are cancelled, the entry's owner).
 */
static void on_km_migrated(int error, void *userdata)
{
	struct bce *e = userdata;

	if (error < 0)
		log_warning_errno(error, "moving the IKE SA failed: %m");
	if (error >= 0) {
		e->sa_coa = e->sa_coa_moving;
		ha_spd_tunnel_moved(e->ha, e, false); /* XFRM_MSG_MIGRATE moved the entries */
		if (e->state == BCE_VALID)
			ha_persist_put(e->ha, e);
	}
	ha_km_event(e, MIP6_EV_SA_MIGRATE, error);
}

/* charon moved an IKE SA (plugins/ike-event.h): the monitor's ike-moved, stamped when the report came. */
static void on_ike_moved(const struct ike_moved *mv, uint64_t realtime_us, void *userdata)
{
	struct ha *ha = userdata;
	struct mip6_event ev = MIP6_EVENT_INIT(MIP6_EV_IKE_MOVED);
	char why[64];

	if (mv->has_hosts)
		ev.coa = &mv->remote;
	snprintf(why, sizeof(why), "%s, reqid %u", mv->from_log ? "charon migrate job" : "charon ike-update",
		 mv->reqid);
	ev.reason = why;
	ev.at_us = realtime_us;
	manager_event(ha->m, &ev);
}

/*
 * The MN's CoA is now coa: move (K=1) or drop (K=0) its IKE SA (RFC 4877 §4.3). RFC 6275
 * §10.4.6: the HA "MUST set the new care-of address as the destination address" of the
 * return routability packets' tunnel-mode SA: K=1 the MIGRATE moves the SAs and the
 * TunnelHomeTesting entries, K=0 the HA replaces the entries itself (ha_spd_tunnel_moved).
 */
static void ha_km_move(struct ha *ha, struct bce *e, const struct in6_addr *coa)
{
	struct spd_pair p;
	int r;

	if (!ha->km || spd_lookup(ha->m->config, &e->hoa, &e->local, &p) <= 0)
		return;
	/* Where the SAs point now: the last CoA we moved them to, the HoA before that. */
	km_cancel(ha->km, e); /* an older move's completion is stale now */
	if (ha_kbit(ha, e)) {
		e->sa_coa_moving = *coa;
		r = km_migrate(ha->km, NODE_ROLE_HA, &p, IN6_IS_ADDR_UNSPECIFIED(&e->sa_coa) ? &e->hoa : &e->sa_coa,
			       coa, e, on_km_migrated, e);
	} else {
		r = km_drop(ha->km, &p, e, on_km_dropped, e);
		e->sa_coa = *coa; /* K=0: a new IKE SA comes from the new CoA */
		ha_spd_tunnel_moved(ha, e, true); /* and its tunnel-mode CHILD_SA: no MIGRATE moves them */
	}
	if (r < 0 && r != -ENOENT) {
		log_warning_errno(r, "cannot move the IKE SA: %m");
		ha_km_event(e, ha_kbit(ha, e) ? MIP6_EV_SA_MIGRATE : MIP6_EV_SA_DROP, r);
	}
}

/* The BA of the entry's newest accepted BU (its lifetime, K when both sides move the IKE SA). */
static void ha_send_ba_accepted(struct ha *ha, struct bce *e, uint32_t lifetime_sec)
{
	if (lifetime_sec > 0)
		ha_mpd_registered(ha->mpd, &e->hoa); /* §10.6.2 */
	/* RFC 3963 §4.2, §6.6: R when the BU had R (forwarding for the mobile network is set up). */
	ha_send_ba(ha, &e->local, &e->hoa, &e->ba_dst, MH_BA_ACCEPTED, e->seq, lifetime_sec,
		   (ha_kbit(ha, e) ? MH_BA_F_K : 0) | (ha_nemo_ba_r(e) ? MH_BA_F_R : 0));
}

/*
 * Fails closed: no BA 0 for a binding the kernel did not take. BA 130 (or, for a mobile
 * network prefix, 141/143: ha_nemo_status), undo, forget the entry.
 */
static void ha_install_failed(struct ha *ha, struct bce *e)
{
	struct knl_route rt = { .dst = e->hoa, .dst_len = 128, .oif = ha->tnl_ifindex };
	uint8_t st = e->ba_status != MH_BA_ACCEPTED ? e->ba_status : MH_BA_INSUFFICIENT_RESOURCES;

	ha_send_ba(ha, &e->local, &e->hoa, &e->ba_dst, st, e->seq, 0, 0);
	ha_persist_del(ha, e);
	ha_event(ha, MIP6_EV_REJECT, e, st, "the kernel refused the binding");
	knl_cancel_owner(ha->knl, e);
	ha_nemo_uninstall(ha->knl, ha->revtun, ha->tnl_ifindex, e);
	(void)knl_route(ha->knl, KNL_OP_DEL, &rt, NULL, NULL, NULL);
	revtun_unbind(ha->revtun, &e->revtun_handle);
	bce_free(ha, e);
	ha_status_changed(ha);
}

static int on_na_timer(sd_event_source *s, uint64_t usec, void *userdata);

/*
 * A new binding's unsolicited NA: RFC 6275 §10.4.1, the HA "MAY send this Neighbor Advertisement
 * up to MAX_NEIGHBOR_ADVERTISEMENT times", and RFC 4861 §7.2.6, "separated by at least
 * RetransTimer seconds" (the home link's, as for DAD). Repeated only while the binding is valid:
 * bce_transition() and bce_release() remove the timer.
 */
static void ha_announce(struct ha *ha, struct bce *e)
{
	struct ha_home_if *hi = home_by_ifindex(ha, e->ifindex);

	if (!hi)
		return;
	ha_send_proxy_na(ha, hi, &e->hoa, ha_nemo_ba_r(e));
	ha->na_announced++;
	if (e->ll_proxy) {
		struct in6_addr ll;
		dad_watch_link_local(&e->hoa, &ll);
		ha_send_proxy_na(ha, hi, &ll, ha_nemo_ba_r(e)); /* §10.4.1: the same for the link-local with L=1 */
		ha->na_announced++;
	}
	if (++e->na_sent < MAX_NEIGHBOR_ADVERTISEMENT)
		(void)event_timer_arm(ha->m->event, &e->na_timer, now_usec() + ha->dad_timeout, 100 * USEC_PER_MSEC,
				      on_na_timer, e);
}

static int on_na_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct bce *e = userdata;

	if (e->state == BCE_VALID)
		ha_announce(e->ha, e);
	return 0;
}

/* The kernel acknowledged the binding's route (and filter): send the BA now. */
static void on_binding_installed(int result, void *userdata)
{
	struct bce *e = userdata;
	struct ha *ha = e->ha;
	char h[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];

	addr_str(&e->hoa, h);
	addr_str(&e->coa, c);
	if (result < 0) {
		log_warning_errno(result, "installing the binding of %s failed: %m (%s)", h,
				  knl_extack(ha->knl) ? knl_extack(ha->knl) : "no detail");
		e->ba_status = MH_BA_INSUFFICIENT_RESOURCES;
	}
	if (--e->kpending > 0)
		return;
	if (e->ba_status != MH_BA_ACCEPTED) {
		ha_install_failed(ha, e);
		return;
	}
	{
		char fh[LOG_ADDR_FIELD_MAX], fc[LOG_ADDR_FIELD_MAX];

		snprintf(fh, sizeof(fh), "MIP6_HOA=%s", h);
		snprintf(fc, sizeof(fc), "MIP6_COA=%s", c);
		log_full_errno_fields(LOG_INFO, 0, LOG_FIELDS("MESSAGE_ID=6d1e0a5e2b8c4f0f9a3c1b7d00000001", fh, fc),
				      "binding %s -> %s accepted, lifetime %u s, seq %u", h, c, e->lifetime_sec,
				      e->seq);
	}
	ha_persist_put(ha, e);
	ha_event(ha, e->new_binding ? MIP6_EV_REGISTER : MIP6_EV_MOVE, e, -1, NULL);
	/*
	 * RFC 6275 §10.4.1: interception announced before the BA, not after it. The BA lets the MN
	 * send through the tunnel at once (its HoTI, and a correspondent's HoT comes straight back
	 * to the HoA); a home link node that has not had the NA yet still sends that to the MN's
	 * old link-layer address, where it is lost. Seen in the VM: the HoT lost, the HoTI resent
	 * after 1 s.
	 */
	if (e->new_binding) {
		e->na_sent = 0;
		ha_announce(ha, e);
		e->new_binding = false;
	}
	ha_send_ba_accepted(ha, e, e->lifetime_sec);
	ha_km_move(ha, e, &e->coa);
}

/*
 * RFC 3963 §6.2: a mobile network prefix the kernel refused → the registration fails, 141 in
 * explicit mode ("MUST NOT forward traffic to any of the prefixes ... MUST reject ... 141"), 143
 * (Forwarding Setup failed) in implicit mode; otherwise counted like the binding's other requests.
 */
static void on_mnp_installed(int result, void *userdata)
{
	struct bce *e = userdata;

	if (result < 0 && e->ba_status == MH_BA_ACCEPTED && e->mr)
		e->ba_status = e->mr->have.explicit_mode ? MH_BA_INVALID_PREFIX : MH_BA_FWD_SETUP_FAILED;
	on_binding_installed(result < 0 && e->mr ? 0 : result, e);
}

/*
 * Put the binding into the kernel (route, reverse-tunnel filter); the BA
 * leaves when all is acknowledged. A newer install of the same entry takes
 * over: the older requests' callbacks are cancelled, so their acknowledgements
 * neither count nor send a BA for a BU that was superseded.
 */
static int ha_install(struct ha *ha, struct bce *e)
{
	struct knl_route rt = {
		.dst = e->hoa,
		.dst_len = 128,
		.oif = ha->tnl_ifindex,
		.encap = true,
		.encap_dst = e->coa,
		.encap_src = e->local,
	};
	int r;

	knl_cancel_owner(ha->knl, e);
	e->ha = ha;
	e->ba_status = MH_BA_ACCEPTED;
	e->kpending = 0;
	/* RFC 6275 §10.4.5: the tunnel lets (CoA, HoA) through, and nothing else of the HoA. */
	r = revtun_bind(ha->revtun, &e->revtun_handle, &e->coa, &e->hoa, e, on_binding_installed, e);
	if (r < 0)
		return r;
	e->kpending++;
	r = knl_route(ha->knl, KNL_OP_REPLACE, &rt, e, on_binding_installed, e);
	if (r < 0)
		return r;
	e->kpending++;
	/* RFC 3963 §6.2, §6.5: a mobile router's prefixes follow the binding. */
	r = ha_nemo_install(ha->knl, ha->revtun, ha->tnl_ifindex, e, on_mnp_installed, e);
	if (r < 0)
		return r;
	e->kpending += (unsigned)r;
	/*
	 * RFC 6275 §10.4.1: from now on ha_on_ns() answers NSs for the HoA, and with L=1 for its
	 * link-local address too; nothing per binding in the kernel's neighbour tables.
	 */
	if (e->new_binding)
		e->ll_proxy = !!(e->bu_flags & MH_BU_F_L);
	return 0;
}

static void on_binding_removed(int result, void *userdata)
{
	struct bce *e = userdata;
	struct ha *ha = e->ha;

	/* §10.3.2: the deregistration's BA, with Lifetime 0, now that interception stopped. */
	ha_send_ba_accepted(ha, e, 0);
	ha_km_move(ha, e, &e->coa);
}

static void ha_uninstall(struct ha *ha, struct bce *e, bool send_ba)
{
	struct knl_route rt = { .dst = e->hoa, .dst_len = 128, .oif = ha->tnl_ifindex };

	knl_cancel_owner(ha->knl, e);
	e->ha = ha;
	(void)knl_route(ha->knl, KNL_OP_DEL, &rt, e, send_ba ? on_binding_removed : NULL, e);
	revtun_unbind(ha->revtun, &e->revtun_handle); /* RFC 6275 §10.4.5 */
	ha_nemo_uninstall(ha->knl, ha->revtun, ha->tnl_ifindex, e); /* RFC 3963 §6.7 */
}

/* Stop intercepting; keep the entry MAX_DELETE_BCE_TIMEOUT so that late BUs get 135 (§10.3.2). */
static void ha_binding_delete(struct ha *ha, struct bce *e, const char *why, bool send_ba)
{
	char h[INET6_ADDRSTRLEN], fh[LOG_ADDR_FIELD_MAX];

	addr_str(&e->hoa, h);
	snprintf(fh, sizeof(fh), "MIP6_HOA=%s", h);
	log_full_errno_fields(LOG_INFO, 0, LOG_FIELDS(fh), "binding of %s removed (%s)", h, why);
	ha_persist_del(ha, e);
	ha_mpd_forget(ha->mpd, &e->hoa); /* §10.6.2 */
	ha_uninstall(ha, e, send_ba);
	bce_transition(ha, e, BCE_DELETED, why);
	bce_set_timer(ha, e, now_usec() + MAX_DELETE_BCE_TIMEOUT_USEC);
}

/* DAD time over and nobody defended the HoA: the address is ours to proxy (§10.3.1). */
static void ha_dad_done(struct ha *ha, struct bce *e)
{
	e->registered = e->updated = now_usec();
	e->new_binding = true;
	ha->registrations++;
	bce_transition(ha, e, BCE_VALID, "DAD done");
	bce_set_timer(ha, e, e->updated + (usec_t)e->lifetime_sec * USEC_PER_SEC);
	if (ha_install(ha, e) < 0)
		ha_install_failed(ha, e);
}

static int on_bce_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct bce *e = userdata;
	struct ha *ha = e->ha;

	switch (e->state) {
	case BCE_VALID:
		if ((e->restore & BCE_R_BRR) && now_usec() < e->expires) {
			ha_send_brr(ha, e);
			break;
		}
		ha->expiries++;
		ha_event(ha, MIP6_EV_EXPIRE, e, -1, NULL);
		ha_binding_delete(ha, e, "lifetime expired", false);
		break;
	case BCE_DAD:
		ha_dad_done(ha, e);
		break;
	default:
		bce_free(ha, e);
		break;
	}
	return 0;
}

/* ---- Binding Update processing -------------------------------------------- */

/* The pending BU of an entry: what its BA (after DAD or the kernel) will answer. */
static void bce_take_bu(struct bce *e, const struct ha_bu *bu, const struct mh_rx_info *rx, uint32_t lifetime)
{
	e->seq = bu->seq;
	e->bu_flags = bu->flags;
	e->coa = bu->coa;
	/* §9.5.4: the BA goes to the BU's source address, also when an Alternate CoA names another. */
	e->ba_dst = rx->has_hao ? rx->hao : rx->src;
	e->local = rx->dst;
	e->lifetime_sec = lifetime;
}

static void ha_deregister(struct ha *ha, struct bce *e, const struct ha_bu *bu, const struct mh_rx_info *rx)
{
	static const struct ha_mnp_set none;

	e->seq = bu->seq;
	e->local = rx->dst;
	/* RFC 3963 §6.7: MNP options of a deregistration are ignored; its BA has R as the BU. */
	(void)ha_nemo_take(e, bu, &none);
	/* The BA goes to the BU's source (the CoA == HoA at home), not to the old CoA. */
	e->coa = rx->has_hao ? rx->hao : rx->src;
	e->ba_dst = e->coa;
	ha->deregistrations++;
	ha_event(ha, MIP6_EV_DEREGISTER, e, -1, NULL);
	if (e->state == BCE_DAD) {
		/* Nothing was installed: the pending registration ends here, BA 0 now (§10.3.2). */
		bce_transition(ha, e, BCE_DELETED, "deregistered under DAD");
		bce_set_timer(ha, e, now_usec() + MAX_DELETE_BCE_TIMEOUT_USEC);
		ha_send_ba_accepted(ha, e, 0);
		return;
	}
	/* The BA leaves once the tunnel route is gone, or it would follow it to the old CoA. */
	ha_binding_delete(ha, e, "deregistered", true);
}

static void ha_refresh(struct ha *ha, struct bce *e, const struct ha_bu *bu, const struct mh_rx_info *rx,
		       const struct ha_verdict *v)
{
	bool same_coa = memcmp(&e->coa, &bu->coa, sizeof(bu->coa)) == 0;
	uint32_t lifetime = v->lifetime_sec;
	usec_t now = now_usec();

	bce_take_bu(e, bu, rx, lifetime);
	if (ha_nemo_take(e, bu, &v->mnps) < 0) {
		ha_install_failed(ha, e);
		return;
	}
	e->updated = now;
	e->refreshes++;
	ha->refreshes++;
	bce_set_timer(ha, e, now + (usec_t)lifetime * USEC_PER_SEC);
	if (same_coa && e->kpending == 0 && !ha_nemo_changed(e)) {
		/* Same CoA, nothing in flight: nothing changes in the kernel. */
		ha_persist_put(ha, e);
		ha_event(ha, MIP6_EV_REFRESH, e, -1, NULL);
		ha_send_ba_accepted(ha, e, e->lifetime_sec);
		/* K=1: keep the IKE SA on the CoA (it may have been re-established elsewhere). */
		if (ha_kbit(ha, e))
			ha_km_move(ha, e, &e->coa);
		return;
	}
	/* A CoA change, or an install still in flight: this BU's install supersedes it. */
	if (ha_install(ha, e) < 0)
		ha_install_failed(ha, e);
}

/*
 * Untrusted input must not flood the journal: at most RejectedBuLogPerSec lines a second
 * about refused BUs; the suppressed ones are counted (mip6ctl counters: log_suppressed) and
 * their number logged with the next line that passes.
 */
static void ha_log_rejected(struct ha *ha, const struct ha_bu *bu, uint8_t status)
{
	char h[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN], fh[LOG_ADDR_FIELD_MAX], fc[LOG_ADDR_FIELD_MAX];
	char more[64];
	const char *st = mh_ba_status_to_string(status);

	if (!ratelimit_log(&ha->log_rl, ha->m->config->rejected_bu_log_per_sec, now_usec(),
			   &ha->m->counters.log_suppressed, more, sizeof(more)))
		return;
	addr_str(&bu->hoa, h);
	addr_str(&bu->coa, c);
	snprintf(fh, sizeof(fh), "MIP6_HOA=%s", h);
	snprintf(fc, sizeof(fc), "MIP6_COA=%s", c);
	log_full_errno_fields(LOG_NOTICE, 0, LOG_FIELDS("MIP6_HOA_REJECTED=1", fh, fc),
			      "BU for %s from %s refused: status %u (%s)%s", h, c, status, st ? st : "?", more);
}

/*
 * Every refused BU: the (rate-limited) log line, the monitor's reject event with
 * the reason, and the BA with the status to the BU's source (or its Home Address
 * option's address, §9.5.4 for a refusal: no Alternate CoA is trusted).
 */
static void ha_refuse(struct ha *ha, const struct ha_bu *bu, const struct mh_rx_info *rx, uint8_t status,
		      uint16_t ba_seq, const char *reason)
{
	struct mip6_event ev = MIP6_EVENT_INIT(MIP6_EV_REJECT);
	const char *st = mh_ba_status_to_string(status);

	ha_log_rejected(ha, bu, status);
	ev.hoa = &bu->hoa;
	ev.coa = &bu->coa;
	ev.seq = bu->seq;
	ev.status = status;
	ev.reason = reason ? reason : st ? st : "?";
	manager_event(ha->m, &ev);
	ha_send_ba(ha, &rx->dst, &bu->hoa, rx->has_hao ? &rx->hao : &rx->src, status, ba_seq, 0, 0);
}

/* §10.3.1: a new registration (or a newer BU for one under DAD) waits for DAD on the HoA. */
static void ha_register(struct ha *ha, struct bce *e, const struct ha_bu *bu, const struct mh_rx_info *rx,
			const struct ha_verdict *v)
{
	struct ha_home_if *hi = home_by_ifindex(ha, v->home->ifindex);

	if (e && e->state == BCE_DAD) {
		bce_take_bu(e, bu, rx, v->lifetime_sec); /* DAD goes on; its end answers this BU */
		if (ha_nemo_take(e, bu, &v->mnps) < 0) {
			ha_refuse(ha, bu, rx, MH_BA_INSUFFICIENT_RESOURCES, bu->seq, "no memory for the prefixes");
			bce_free(ha, e);
			ha_status_changed(ha);
		}
		return;
	}
	/*
	 * RFC 6275 §9.5.1 "insufficient resources" (130): at most HaMaxRegistrationsPerSec new
	 * bindings a second; no room to watch one more HoA under DAD counts as the binding limit.
	 */
	ha->reg_rl.per_sec = ha->m->config->ha_max_registrations_per_sec;
	if (!ratelimit_allow(&ha->reg_rl, now_usec()) || ha->dad->n >= DAD_WATCH_MAX) {
		bool full = ha->dad->n >= DAD_WATCH_MAX;

		ha->m->counters.limits[full ? LIMIT_BINDINGS : LIMIT_REG_RATE]++;
		ha_refuse(ha, bu, rx, MH_BA_INSUFFICIENT_RESOURCES, bu->seq,
			  full ? "binding limit (no room for one more DAD)" : "registration rate (HaMaxRegistrationsPerSec)");
		return;
	}
	if (!hi || (!e && bcache_add(ha->bc, &bu->hoa, 0, &e) < 0)) {
		ha_refuse(ha, bu, rx, MH_BA_INSUFFICIENT_RESOURCES, bu->seq,
			  hi ? "no memory for the binding" : "home interface gone");
		return;
	}
	/* A new entry, or a deleted one in its grace period: the same entry goes to DAD. */
	knl_cancel_owner(ha->knl, e);
	e->ha = ha;
	e->ifindex = hi->ifindex;
	e->refreshes = 0;
	e->sa_coa = in6addr_any;
	bce_take_bu(e, bu, rx, v->lifetime_sec);
	if (ha_nemo_take(e, bu, &v->mnps) < 0) {
		bce_free(ha, e);
		ha_refuse(ha, bu, rx, MH_BA_INSUFFICIENT_RESOURCES, bu->seq, "no memory for the prefixes");
		return;
	}
	bce_transition(ha, e, BCE_DAD, "new registration");
	(void)ha_dad_watch(ha, e);
	ha_send_dad_ns(ha, hi, &bu->hoa);
	if (bu->flags & MH_BU_F_L) {
		/* §10.3.1 L=1: the derived link-local address is tested too. */
		struct in6_addr ll;
		dad_watch_link_local(&bu->hoa, &ll);
		ha_send_dad_ns(ha, hi, &ll);
	}
	bce_set_timer_within(ha, e, now_usec() + ha->dad_timeout, USEC_PER_MSEC);
}

/* A refused BU. A newer BU refused while DAD ran for an older one ends that registration too. */
static void ha_reject(struct ha *ha, struct bce *e, const struct ha_bu *bu, const struct mh_rx_info *rx,
		      const struct ha_verdict *v, const char *reason)
{
	ha_refuse(ha, bu, rx, v->status, v->ba_seq, reason);
	if (e && e->state == BCE_DAD) {
		bce_free(ha, e);
		ha_status_changed(ha);
	}
}

/*
 * UseMnHaIPsec: a home registration must arrive under ESP. For a HoA in an
 * IPsecPolicySet the kernel enforces it (the SPD requires ESP, so a clear BU
 * never reaches us: XfrmInTmplMismatch); a HoA with no protection is refused here.
 */
static bool ha_bu_protected(struct ha *ha, const struct ha_bu *bu, const struct mh_rx_info *rx)
{
	struct spd_pair sp;

	return !ha->m->config->use_mn_ha_ipsec || spd_lookup(ha->m->config, &bu->hoa, &rx->dst, &sp) > 0;
}

/*
 * RFC 4877 §4.3: under ESP the outer source (the CoA) is not protected, so a MN away
 * from home MUST name its CoA in an Alternate Care-of Address option (RFC 6275 §6.2.5,
 * §11.7.1), also when it deregisters from away; the HA takes the CoA from it (§10.3.1).
 * A protected BU from a care-of address without one is refused with 128 (Reason
 * unspecified): it came under ESP, so the MN is authenticated and a negative BA (to the
 * BU's source, §9.5.4) tells it why; `mip6ctl counters` counts it (BA status 128 out).
 */
static bool ha_bu_lacks_alt_coa(struct ha *ha, const struct mh_msg *msg, const struct mh_rx_info *rx)
{
	return ha->m->config->use_mn_ha_ipsec && rx->has_hao && !(msg->opts.present & MH_OPT_BIT(MH_OPT_ALT_COA));
}

/*
 * RFC 6275 §9.5.1, §6.1.7, §10.3.1 (table in ha/ha-addr.h): false when the BU was
 * discarded or refused for its addresses. A refusal answers with a BA but touches no
 * entry, not even one under DAD for the same HoA.
 */
static bool ha_bu_addresses_ok(struct ha *ha, const struct ha_bu *bu, const struct mh_rx_info *rx)
{
	struct in6_addr own[HA_MAX_OWN_ADDRS + 1];
	struct ha_self self = { .prefixes = ha->prefixes, .n_prefixes = ha->n_prefixes, .own = own,
				.n_own = ha->n_own + 1, .bc = ha->bc };
	bool reg = bu->lifetime_units != 0 && memcmp(&bu->hoa, &bu->coa, sizeof(bu->hoa)) != 0;
	struct ha_verdict v = { .action = HA_REJECT, .ba_seq = bu->seq };
	struct ha_addr_verdict av;
	char h[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];

	/* The addresses at the last (re)load, and the one this BU was sent to. */
	memcpy(own, ha->own, ha->n_own * sizeof(own[0]));
	own[ha->n_own] = rx->dst;
	ha_addr_check(&self, &bu->hoa, &bu->coa, reg, &av);
	if (av.action == HA_ADDR_OK)
		return true;
	if (av.action == HA_ADDR_REJECT) {
		v.status = av.status;
		ha_reject(ha, NULL, bu, rx, &v, NULL);
		return false;
	}
	addr_str(&bu->hoa, h);
	addr_str(&bu->coa, c);
	log_debug("BU for %s from %s discarded: %s", h, c, av.reason);
	return false;
}

/* ---- new registrations yield to existing bindings (ha/reg-backlog.h) ---- */

/* May a new registration start now? Within this iteration's budget, and the kernel keeping up. */
static bool ha_reg_admit(struct ha *ha)
{
	uint64_t it = 0;

	(void)sd_event_get_iteration(ha->m->event, &it);
	if (it != ha->reg_iteration) {
		ha->reg_iteration = it;
		ha->reg_spent = 0;
	}
	return ha->reg_spent < REG_BUDGET && bcache_count_state(ha->bc, BCE_DAD) < REG_INFLIGHT_MAX &&
	       knl_pending(ha->knl) < REG_KNL_PENDING_MAX;
}

static int on_reg_backlog(sd_event_source *s, uint64_t usec, void *userdata);

/* The next iteration when only the budget was spent; a little later when the kernel is behind. */
static void ha_backlog_arm(struct ha *ha)
{
	bool behind = bcache_count_state(ha->bc, BCE_DAD) >= REG_INFLIGHT_MAX ||
		      knl_pending(ha->knl) >= REG_KNL_PENDING_MAX;
	usec_t now = now_usec();

	(void)event_timer_arm(ha->m->event, &ha->backlog_timer, behind ? now + REG_RETRY : now, USEC_PER_MSEC,
			      on_reg_backlog, ha);
}

static enum mip6_drop ha_reg_defer(struct ha *ha, const struct ha_bu *bu, const struct mh_rx_info *rx)
{
	char h[INET6_ADDRSTRLEN];

	if (reg_backlog_push(ha->backlog, bu, rx, now_usec()) < 0) {
		addr_str(&bu->hoa, h);
		log_debug("BU for %s dropped: the new-registration backlog is full, or its care-of /64's share of it", h);
		return DROP_REG_BACKLOG;
	}
	if (!timer_armed(ha->backlog_timer))
		ha_backlog_arm(ha);
	return DROP_NONE;
}

static void ha_register_counted(struct ha *ha, struct bce *e, const struct ha_bu *bu, const struct mh_rx_info *rx,
				const struct ha_verdict *v)
{
	usec_t t0 = ha->reg_clock();

	ha_register(ha, e, bu, rx, v);
	ha->reg_spent += ha->reg_clock() - t0;
}

void ha_set_reg_clock(struct manager *m, usec_t (*clock)(void))
{
	struct ha *ha = m->role_data;

	ha->reg_clock = clock ? clock : now_usec;
}

/*
 * A validated BU against the binding cache. A refresh, a move or a deregistration is served at
 * once; a new registration (kernel work: DAD, route, proxy entry, filter) starts at once only when
 * nothing waits before it and ha_reg_admit() allows, else it waits in the backlog (queued: it comes
 * from there, admitted).
 */
static enum mip6_drop ha_bu_apply(struct ha *ha, const struct ha_bu *bu, const struct mh_rx_info *rx, bool queued)
{
	struct bce *e = bcache_lookup(ha->bc, &bu->hoa);
	struct ha_verdict v;
	char h[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];
	const char *st;

	ha_decide(ha->m->config, ha->prefixes, ha->n_prefixes, e,
		  bcache_count_state(ha->bc, BCE_VALID) + bcache_count_state(ha->bc, BCE_DAD),
		  ha->m->config->ha_max_bindings, /* HaMaxBindings: valid + under DAD, 130 beyond (§9.5.1) */
		  bu, now_usec(), &v);
	st = mh_ba_status_to_string(v.status);
	addr_str(&bu->hoa, h);
	addr_str(&bu->coa, c);
	log_debug("BU %s -> %s seq %u lifetime %u: action %d, status %u (%s)", h, c, bu->seq,
		  bu->lifetime_units * 4, v.action, v.status, st ? st : "?");
	/*
	 * Under DAD an entry waits on one BU, the one its BA will answer: a copy of it is not
	 * answered, and a newer BU decided here (replacing it, refused, a deregistration) leaves the
	 * older one unanswered. Counted, so that every BU is answered or counted (issue 10 item 5).
	 */
	if (e && e->state == BCE_DAD && v.action != HA_IGNORE && v.action != HA_DISCARD)
		ha->m->counters.drops[DROP_SUPERSEDED]++;
	switch (v.action) {
	case HA_IGNORE:
		return DROP_SUPERSEDED;
	case HA_DISCARD:
		log_debug("BU for %s from %s without H: no correspondent role, discarded (RFC 6275 §9.5.1)", h, c);
		return DROP_NO_CN_ROLE;
	case HA_REJECT:
		if (v.status == MH_BA_INSUFFICIENT_RESOURCES) {
			ha->m->counters.limits[LIMIT_BINDINGS]++; /* HaMaxBindings (§9.5.1) */
			ha_reject(ha, e, bu, rx, &v, "binding limit (HaMaxBindings)");
		} else {
			ha_reject(ha, e, bu, rx, &v, NULL);
		}
		break;
	case HA_DEREGISTER:
		ha_deregister(ha, e, bu, rx);
		break;
	case HA_REFRESH:
		ha_refresh(ha, e, bu, rx, &v);
		break;
	case HA_REGISTER:
		if (e && e->state == BCE_DAD)
			ha_register(ha, e, bu, rx, &v); /* no new work: DAD goes on, its end answers */
		else if (!queued && (ha->backlog->n > 0 || !ha_reg_admit(ha)))
			return ha_reg_defer(ha, bu, rx);
		else
			ha_register_counted(ha, e, bu, rx, &v);
		break;
	}
	return DROP_NONE;
}

static int on_reg_backlog(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct ha *ha = userdata;
	struct reg_backlog_entry q;
	size_t expired = reg_backlog_expire(ha->backlog, now_usec());

	while (ha->ready && ha_reg_admit(ha) && reg_backlog_pop(ha->backlog, now_usec(), &q, &expired)) {
		enum mip6_drop d = ha_bu_apply(ha, &q.bu, &q.rx, true);

		if (d != DROP_NONE)
			ha->m->counters.drops[d]++;
	}
	/* Waited longer than REG_BACKLOG_MAX_AGE: the MN has retransmitted by now (RFC 6275 §11.8). */
	ha->m->counters.drops[DROP_REG_BACKLOG] += expired;
	if (ha->backlog->n > 0)
		ha_backlog_arm(ha);
	return 0;
}

/*
 * A HoTI or CoTI on the MH socket: its destination is one of our addresses. RFC 4877 §4.3:
 * "The home agent MUST be able to distinguish between HoTi messages sent to itself (when it
 * is acting as a Correspondent Node) and those sent to Correspondent Nodes (when it is acting
 * as a home agent) based on the destination address of the packet." Those for correspondents
 * never reach this socket: out of the MN's tunnel (ip6ip6, or ESP tunnel mode with
 * TunnelHomeTesting, RFC 6275 §10.4.6) the kernel forwards them as any packet from the HoA,
 * and a correspondent's HoT or CoT to the HoA is tunnelled to the CoA as any packet for it;
 * the HA does not process them as its own mobility messages. One sent to us asks the HA to
 * act as a correspondent, which it does not (no CN role, as for a BU without H, RFC 6275
 * §9.5.1): no HoT or CoT, counted (no-cn-role). A HoT or CoT to us stays unexpected (io).
 */
static enum mip6_drop ha_on_test_init(const struct mh_msg *msg, const struct mh_rx_info *rx, void *userdata)
{
	(void)msg;
	(void)rx;
	(void)userdata;
	return DROP_NO_CN_ROLE;
}

static enum mip6_drop ha_on_bu(const struct mh_msg *msg, const struct mh_rx_info *rx, void *userdata)
{
	struct ha *ha = userdata;
	struct ha_bu bu = {
		.hoa = rx->src,
		.coa = rx->has_hao ? rx->hao : rx->src,
		.seq = msg->bu.seq,
		.flags = msg->bu.flags,
		.lifetime_units = msg->bu.lifetime,
	};
	char h[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];

	/* §9.5.1/§10.3.1: an Alternate Care-of Address option names the CoA. */
	if (msg->opts.present & MH_OPT_BIT(MH_OPT_ALT_COA))
		bu.coa = msg->opts.alt_coa;
	/* RFC 3963 §4.3: the Mobile Network Prefix options (the codec bounds them to MH_MNP_MAX). */
	bu.mnps.n = (uint8_t)(msg->opts.n_mnp <= MH_MNP_MAX ? msg->opts.n_mnp : MH_MNP_MAX);
	memcpy(bu.mnps.p, msg->opts.mnp, bu.mnps.n * sizeof(bu.mnps.p[0]));
	addr_str(&bu.hoa, h);
	addr_str(&bu.coa, c);
	if (!ha->ready) {
		log_debug("BU from %s before the kernel setup finished, ignoring", h);
		return DROP_OTHER;
	}
	if (!ha_bu_protected(ha, &bu, rx)) {
		log_notice("BU for %s from %s dropped: UseMnHaIPsec requires an IPsecPolicySet for it", h, c);
		return DROP_NOT_PROTECTED;
	}
	if (ha_bu_lacks_alt_coa(ha, msg, rx)) {
		log_notice("BU for %s from %s refused (128): no Alternate Care-of Address option (RFC 4877 §4.3)", h, c);
		if (bu.flags & MH_BU_F_A)
			ha_send_ba(ha, &rx->dst, &bu.hoa, &rx->hao, MH_BA_UNSPECIFIED, bu.seq, 0, 0);
		return DROP_NONE;
	}
	if (!ha_bu_addresses_ok(ha, &bu, rx))
		return DROP_BAD_ADDRESS;
	return ha_bu_apply(ha, &bu, rx, false);
}

/* NAs (and NSs from other nodes) for a HoA under DAD mean the address is in use (§10.3.1). */
static enum mip6_drop ha_on_nd(const struct io_nd_msg *msg, const struct icmp6_rxinfo *rx, void *userdata)
{
	struct ha *ha = userdata;
	struct in6_addr target;
	char h[INET6_ADDRSTRLEN], t[INET6_ADDRSTRLEN];
	struct bce *e;

	if (msg->type == NDISC_TYPE_NA)
		target = msg->na->target;
	else if (msg->type == NDISC_TYPE_NS && IN6_IS_ADDR_UNSPECIFIED(&rx->src))
		target = msg->ns->target; /* another node's DAD for the same address */
	else
		return DROP_NONE; /* address resolution: the kernel's business */
	/* The HoA, or with L=1 its link-local address (§10.3.1), of an entry under DAD. */
	e = (struct bce *)dad_watch_find(ha->dad, rx->ifindex, &target);
	if (!e || e->state != BCE_DAD)
		return DROP_NONE;
	addr_str(&e->hoa, h);
	addr_str(&target, t);
	log_notice("DAD for home address %s failed: %s is in use on the home link (%s)", h, t,
		   msg->type == NDISC_TYPE_NA ? "Neighbor Advertisement" : "another node's DAD probe");
	ha->dad_failures++;
	ha_event(ha, MIP6_EV_REJECT, e, MH_BA_DAD_FAILED, "duplicate address detection failed");
	ha_send_ba(ha, &e->local, &e->hoa, &e->ba_dst, MH_BA_DAD_FAILED, e->seq, 0, 0);
	bce_free(ha, e);
	ha_status_changed(ha);
	return DROP_NONE;
}

/*
 * RFC 6275 §10.4.1, proxy ND: the binding a Neighbor Solicitation's target names, a valid home
 * registration on that link: its HoA, or with L=1 its link-local address (fe80::IID, §10.3.1),
 * looked up under each of the link's home prefixes. O(1) in the number of bindings.
 */
static struct bce *ha_ns_binding(struct ha *ha, int ifindex, const struct in6_addr *target)
{
	struct bce *e;

	if (IN6_IS_ADDR_LINKLOCAL(target)) {
		for (size_t i = 0; i < ha->n_prefixes; i++) {
			struct in6_addr hoa = ha->prefixes[i].prefix;

			if (ha->prefixes[i].ifindex != ifindex || ha->prefixes[i].len > 64)
				continue;
			memcpy(hoa.s6_addr + 8, target->s6_addr + 8, 8);
			e = bcache_lookup(ha->bc, &hoa);
			if (e && e->state == BCE_VALID && e->ifindex == ifindex && e->ll_proxy)
				return e;
		}
		return NULL;
	}
	e = bcache_lookup(ha->bc, target);
	return e && e->state == BCE_VALID && e->ifindex == ifindex ? e : NULL;
}

/*
 * An NS on a home link (io_ns_proxy_open: every NS the link receives, from the IPv6 header on).
 * RFC 4861 §7.1.1 validated (ndproxy_ns_parse, each drop counted by reason); for a bound HoA
 * the NA of §10.4.1 with the HA's link-layer address: to the solicitor (S=1), or for another
 * node's DAD probe to all-nodes (S=0), which defends the address while the MN is away.
 */
static void ha_on_ns(const uint8_t *pkt, size_t len, int ifindex, void *userdata)
{
	struct ha *ha = userdata;
	struct ha_home_if *hi = home_by_ifindex(ha, ifindex);
	struct ndproxy_ns ns;
	enum ndproxy_verdict v = ndproxy_ns_parse(pkt, len, &ns);
	struct in6_addr dst;
	uint8_t buf[64];
	size_t n;
	struct bce *e;

	if (v != NDPROXY_OK) {
		char s[INET6_ADDRSTRLEN], more[64];

		ha->ns_drops[v]++;
		ha->m->counters.drops[DROP_MALFORMED]++;
		if (ratelimit_log(&ha->ns_log_rl, ha->m->config->rejected_bu_log_per_sec, now_usec(),
				  &ha->m->counters.log_suppressed, more, sizeof(more))) {
			addr_str(&ns.src, s);
			log_debug("Neighbor Solicitation from %s dropped: %s%s", s, ndproxy_verdict_to_string(v), more);
		}
		return;
	}
	e = hi ? ha_ns_binding(ha, ifindex, &ns.ns.target) : NULL;
	if (!e) {
		ha->ns_not_bound++; /* another node's, or the HA's own addresses: the kernel's business */
		return;
	}
	if (ndproxy_na_build(&ns, hi->mac, ha_nemo_ba_r(e), buf, sizeof(buf), &n, &dst) < 0)
		return;
	if (io_nd_send(ha->io, ifindex, &dst, NULL, buf, n) == 0)
		ha->ns_answered++;
}

/* The role's messages on io's sockets: BUs, the HoTI/CoTI sent to the HA, the DAD NS/NA. */
static void ha_handlers(struct ha *ha, bool on)
{
	(void)io_mh_register(ha->io, MH_TYPE_BU, on ? ha_on_bu : NULL, on ? ha : NULL);
	(void)io_mh_register(ha->io, MH_TYPE_HOTI, on ? ha_on_test_init : NULL, on ? ha : NULL);
	(void)io_mh_register(ha->io, MH_TYPE_COTI, on ? ha_on_test_init : NULL, on ? ha : NULL);
	(void)io_nd_register(ha->io, NDISC_TYPE_NA, on ? ha_on_nd : NULL, on ? ha : NULL);
	(void)io_nd_register(ha->io, NDISC_TYPE_NS, on ? ha_on_nd : NULL, on ? ha : NULL);
}

/* ---- home prefix lifetimes (ha/ha-mpd.h) ----------------------------------- */

struct prefix_clamp {
	struct ha *ha;
	const struct ha_prefix *p;
	usec_t end;
};

static void clamp_binding(struct bce *e, void *userdata)
{
	struct prefix_clamp *x = userdata;

	if (e->state == BCE_VALID && e->ifindex == x->p->ifindex && ha_prefix_match(x->p, 1, &e->hoa) &&
	    e->expires > x->end)
		bce_set_timer(x->ha, e, x->end);
}

/* RFC 6275 §10.3.1: the HA MUST remove a binding when the valid lifetime of its prefix expires. */
static void ha_on_prefix_changed(const struct ha_prefix *p, void *userdata)
{
	struct prefix_clamp x = { .ha = userdata, .p = p };
	usec_t now = now_usec();
	uint32_t left = mp_remaining(p, now, false);

	if (left == UINT32_MAX)
		return;
	x.end = now + (usec_t)left * USEC_PER_SEC;
	bcache_foreach(x.ha->bc, clamp_binding, &x);
}

static void ha_on_home_ra(int ifindex, const struct in6_addr *src, const struct ndisc_ra *ra, void *userdata)
{
	struct ha *ha = userdata;

	ha_mpd_on_ra(ha->mpd, ifindex, src, ra);
}

static int ha_mpd_start(struct ha *ha)
{
	const struct ha_mpd_params p = {
		.io = ha->io,
		.event = ha->m->event,
		.config = &ha->m->config,
		.bc = ha->bc,
		.prefixes = ha->prefixes,
		.n_prefixes = &ha->n_prefixes,
		.changed = ha_on_prefix_changed,
		.userdata = ha,
	};
	int r = ha_mpd_new(&p, &ha->mpd);

	if (r >= 0 && ha->dhaad)
		ha_dhaad_set_ra_observer(ha->dhaad, ha_on_home_ra, ha);
	return r;
}

/* ---- start-up -------------------------------------------------------------- */


/* The addresses without flags or lifetimes (infinite), when the RTM_GETADDR dump failed. 1, or -errno. */
static int addrs_from_getifaddrs(struct knl_addr **ret, size_t *ret_n)
{
	struct ifaddrs *ifa_list = NULL;
	struct knl_addr *v = NULL;
	size_t n = 0;

	if (getifaddrs(&ifa_list) < 0)
		return -errno;
	for (struct ifaddrs *ifa = ifa_list; ifa; ifa = ifa->ifa_next) {
		struct sockaddr_in6 *sa = (struct sockaddr_in6 *)ifa->ifa_addr;
		struct sockaddr_in6 *nm = (struct sockaddr_in6 *)ifa->ifa_netmask;
		struct knl_addr *w;
		int plen = 0;

		if (!sa || sa->sin6_family != AF_INET6)
			continue;
		w = reallocarray(v, n + 1, sizeof(*v));
		if (!w)
			break;
		v = w;
		for (int i = 0; nm && i < 16; i++)
			plen += __builtin_popcount(nm->sin6_addr.s6_addr[i]);
		v[n++] = (struct knl_addr){ .ifindex = (int)if_nametoindex(ifa->ifa_name), .addr = sa->sin6_addr,
					    .prefixlen = (uint8_t)plen, .valid_lft = KNL_LIFETIME_INFINITE,
					    .preferred_lft = KNL_LIFETIME_INFINITE };
	}
	freeifaddrs(ifa_list);
	*ret = v;
	*ret_n = n;
	return 1;
}

static bool ha_addr_unusable(const struct ha *ha, int ifindex, const struct in6_addr *a)
{
	for (size_t i = 0; i < ha->n_unusable; i++)
		if (ha->unusable[i].ifindex == ifindex && IN6_ARE_ADDR_EQUAL(&ha->unusable[i].addr, a))
			return true;
	return false;
}

static bool ha_served(const struct mip6_config *c, const struct ha_prefix *p)
{
	/* With HaServedPrefix, serve only those prefixes. */
	if (c->n_ha_served_prefixes == 0)
		return true;
	for (size_t i = 0; i < c->n_ha_served_prefixes; i++)
		if (c->ha_served_prefixes[i].len == p->len && memcmp(&c->ha_served_prefixes[i].addr, &p->prefix, 16) == 0)
			return true;
	return false;
}

/*
 * The kernel's addresses now: every global address on a home link whose prefix configuration
 * c serves (HaServedPrefix, else all) into cand (one entry per address, with the kernel's
 * lifetimes of the address: mp_set_build() makes the prefix set and a new prefix is clamped
 * from its first BU, RFC 6275 §10.3.1); with own, the HA's global addresses on any link too
 * (address validation, ha/ha-addr.h). Read with an RTM_GETADDR dump (netlink/nl-addrs.h): an
 * address still tentative or whose DAD failed (RFC 4862 §5.4: not yet, or never, the HA's
 * own) is noted unusable and not served, at start too; the kernel's notification when DAD
 * ends takes it off that list and the set is read again (ha_on_addr_event). Without the dump
 * (ENOMEM...) getifaddrs(3), which has neither flags nor lifetimes: the notifications' then.
 * Returns the number of candidates.
 */
static size_t ha_scan_prefixes(struct ha *ha, const struct mip6_config *c, struct ha_prefix *cand, size_t max,
			       bool own)
{
	_cleanup_(freep) struct knl_addr *addrs = NULL;
	size_t n = 0, n_addrs = 0;
	int r;

	if (own)
		ha->n_own = 0;
	r = knl_addrs_read(&addrs, &n_addrs);
	if (r < 0) {
		log_warning_errno(r, "reading the addresses with their flags and lifetimes: %m; reading them without");
		r = addrs_from_getifaddrs(&addrs, &n_addrs);
		if (r < 0)
			return 0;
	}
	for (size_t k = 0; k < n_addrs; k++) {
		const struct knl_addr *a = &addrs[k];
		struct ha_prefix *p;
		bool unusable = (a->flags & IFA_F_DADFAILED) ||
				(a->flags & (IFA_F_TENTATIVE | IFA_F_OPTIMISTIC)) == IFA_F_TENTATIVE;

		if (IN6_IS_ADDR_LINKLOCAL(&a->addr) || IN6_IS_ADDR_LOOPBACK(&a->addr) ||
		    IN6_IS_ADDR_MULTICAST(&a->addr) || IN6_IS_ADDR_UNSPECIFIED(&a->addr))
			continue;
		if (unusable && !ha_addr_unusable(ha, a->ifindex, &a->addr) && ha->n_unusable < HA_MAX_OWN_ADDRS)
			ha->unusable[ha->n_unusable++] = *a;
		if (own && ha->n_own < HA_MAX_OWN_ADDRS)
			ha->own[ha->n_own++] = a->addr;
		if (n >= max || !home_by_ifindex(ha, a->ifindex) || ha_addr_unusable(ha, a->ifindex, &a->addr))
			continue;
		p = &cand[n];
		memset(p, 0, sizeof(*p));
		p->prefix = a->addr;
		p->len = a->prefixlen;
		for (int i = p->len; i < 128; i++)
			p->prefix.s6_addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
		p->ifindex = a->ifindex;
		p->ha = a->addr;
		p->valid_sec = p->if_valid = a->valid_lft;
		p->preferred_sec = p->if_preferred = a->preferred_lft;
		p->if_known = r == 0;
		p->seen = p->if_seen = now_usec();
		if (ha_served(c, p))
			n++;
	}
	return n;
}

/* Home prefixes at start: HaServedPrefix entries, else the global prefixes of the home interfaces. */
static void ha_load_prefixes(struct ha *ha)
{
	struct ha_prefix cand[HA_MAX_PREFIXES];
	size_t n = ha_scan_prefixes(ha, ha->m->config, cand, HA_MAX_PREFIXES, true);

	ha->n_prefixes = mp_set_build(NULL, 0, cand, n, ha->prefixes, HA_MAX_PREFIXES, now_usec());
}

static void on_setup_step(int result, void *userdata);

/*
 * The inbound policy for every MH whose optional RO template lets BUs with a Home
 * Address option through (the `hao` state processed the option; other MH types with a
 * HAO must reach us too: §9.2 BE). Part of the SPD set, so a flush is repaired.
 */
static void ha_hao_policy(struct knl_xfrm_policy *p)
{
	*p = (struct knl_xfrm_policy){ .dir = XFRM_POLICY_IN, .priority = 2, .n_tmpl = 1 };
	p->sel.proto = IPPROTO_MH;
	p->sel.type = KNL_XFRM_TYPE_ANY;
	p->tmpl[0].proto = IPPROTO_DSTOPTS;
	p->tmpl[0].mode = XFRM_MODE_ROUTEOPTIMIZATION;
	p->tmpl[0].optional = true;
}

static void on_flushed(int result, void *userdata);

/*
 * Manual keys: the HA installs its side of every protected pair at start (with IKE, charon
 * does); down: a stop without NonVolatileBindingCache removes them (each removal counted in
 * flush_pending). Returns how many calls were made.
 */
static unsigned ha_static_keys(struct ha *ha, bool down)
{
	const struct mip6_config *c = ha->m->config;
	unsigned n = 0;
	int r;

	if (!c->use_mn_ha_ipsec || !km_has(ha->km, KM_F_LOCAL_KEYS))
		return 0;
	for (size_t i = 0; i < c->n_ipsec_policy_sets; i++)
		for (size_t j = 0; j < c->ipsec_policy_sets[i].n_hoas; j++) {
			const struct conf_ipsec_policy_set *set = &c->ipsec_policy_sets[i];
			struct spd_pair sp;

			if (spd_lookup(c, &set->hoas[j].addr, set->has_ha_addr ? &set->ha_addr : NULL, &sp) <= 0)
				continue;
			r = down ? km_down(ha->km, &sp, ha, on_flushed, ha) : km_up(ha->km, &sp, ha, on_km_keys_up, NULL);
			if (r < 0)
				log_warning_errno(r, "static keys for a home address: %m");
			else
				n++;
		}
	return n;
}

/*
 * RFC 4877 §7.2, §4.3: with UseMnHaIPsec the kernel must refuse a clear BU for every
 * protected HoA, so the SPD set of configuration c replaces the installed one as one
 * change that fails as a whole (ipsec/spd-sync.h). done as spd_sync_apply(). The inbound
 * MPS entries are those of the home prefixes px[n] (the served set, or a reload's new one).
 */
static int ha_spd_apply(struct ha *ha, const struct mip6_config *c, const struct ha_prefix *px, size_t n_px,
			knl_done_fn done, void *userdata)
{
	_cleanup_(freep) struct knl_xfrm_policy *pol = NULL;
	struct knl_xfrm_policy *all;
	struct spd_sync_diff d = { 0 };
	size_t n;
	int hoas = spd_ha_set(c, ha_tunnel_end, ha, &pol, &n), r;

	if (hoas < 0)
		return hoas;
	all = realloc(pol, (n + 1 + n_px) * sizeof(*pol));
	if (!all)
		return -ENOMEM;
	pol = all;
	ha_hao_policy(&pol[n++]);
	/* RFC 6275 §11.4.2: Solicitations come with a HAO; §9.3.1: only from the home prefixes, to the HA */
	for (size_t i = 0; i < n_px; i++)
		spd_ha_mps_policy(&pol[n++], &px[i].prefix, px[i].len, &px[i].ha);
	(void)spd_sync_diff(ha->spd, pol, n, &d);
	r = spd_sync_apply(ha->spd, pol, n, done, userdata);
	if (r >= 0 && (hoas > 0 || d.keep + d.change + d.remove > 0))
		log_info("MN-HA IPsec: %zu SPD entries for %d home address(es) (%zu kept as they were, %zu replaced, "
			 "%zu installed, %zu of no home address removed), key management %s",
			 n, hoas, d.keep, d.change, d.add, d.remove, ha->km ? km_name(ha->km) : "none");
	return r;
}

/* ---- home prefixes at run time (RFC 6275 §10.6.2, §10.3.1) --------------- */

static int on_prefix_spd_timer(sd_event_source *s, uint64_t usec, void *userdata);

static void ha_prefix_spd_arm(struct ha *ha, usec_t delay)
{
	if (!ha->stopping)
		(void)event_timer_arm(ha->m->event, &ha->prefix_spd_timer, now_usec() + delay, 10 * USEC_PER_MSEC,
				      on_prefix_spd_timer, ha);
}

/* The apply failed: the kernel keeps the old entries (fail closed); logged, counted, tried again. */
static void ha_prefix_spd_failed(struct ha *ha, int error)
{
	ha->prefix_spd_failures++;
	ha->prefix_spd_backoff = ha->prefix_spd_backoff ? ha->prefix_spd_backoff * 2 : HA_PREFIX_SPD_RETRY_MIN;
	if (ha->prefix_spd_backoff > HA_PREFIX_SPD_RETRY_MAX)
		ha->prefix_spd_backoff = HA_PREFIX_SPD_RETRY_MAX;
	log_warning_errno(error, "the home prefixes' MPS entries were not installed (failure %llu): %m; the kernel "
				 "keeps the previous ones, again in %llu s",
			  (unsigned long long)ha->prefix_spd_failures,
			  (unsigned long long)(ha->prefix_spd_backoff / USEC_PER_SEC));
	ha_prefix_spd_arm(ha, ha->prefix_spd_backoff);
}

static void on_prefix_spd_done(int result, void *userdata)
{
	struct ha *ha = userdata;

	ha->prefix_spd_inflight = false;
	if (result < 0)
		ha_prefix_spd_failed(ha, result);
	else
		ha->prefix_spd_backoff = 0;
}

/*
 * RFC 6275 §11.4.2, §9.3.1: a Solicitation from a mobile node in a new prefix comes with a
 * HAO, which only the prefix's inbound MPS entry lets in: the SPD set follows the prefixes,
 * through the same all-or-nothing apply as the start and a reload (ipsec/spd-sync.h).
 */
static int on_prefix_spd_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct ha *ha = userdata;
	int r;

	(void)s;
	(void)usec;
	if (ha->stopping)
		return 0;
	if (!ha->ready || ha->prefix_spd_inflight) { /* the start's SPD step, or our apply, runs */
		ha_prefix_spd_arm(ha, HA_PREFIX_SPD_BUSY);
		return 0;
	}
	r = ha_spd_apply(ha, ha->m->config, ha->prefixes, ha->n_prefixes, on_prefix_spd_done, ha);
	if (r == -EBUSY) /* a reload's apply */
		ha_prefix_spd_arm(ha, HA_PREFIX_SPD_BUSY);
	else if (r < 0)
		ha_prefix_spd_failed(ha, r);
	else if (r > 0)
		ha->prefix_spd_inflight = true;
	else
		ha->prefix_spd_backoff = 0;
	return 0;
}

struct prefix_gone {
	struct ha *ha;
	struct bce **e; /* collected first: bcache_foreach's callback may not remove */
	size_t n, cap;
	bool nomem;
};

static void collect_prefix_gone(struct bce *e, void *userdata)
{
	struct prefix_gone *x = userdata;
	const struct ha_prefix *p;

	if (e->state == BCE_DELETED)
		return;
	p = ha_prefix_match(x->ha->prefixes, x->ha->n_prefixes, &e->hoa);
	if (p && p->ifindex == e->ifindex)
		return;
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 64;
		struct bce **n = realloc(x->e, cap * sizeof(*n));

		if (!n) {
			x->nomem = true; /* the rest expire with their lifetime; their next BU gets 132 */
			return;
		}
		x->e = n;
		x->cap = cap;
	}
	x->e[x->n++] = e;
}

/*
 * A binding whose home prefix is no longer served on its link. For this HA the prefix's
 * remaining valid lifetime is 0 (its own Prefix List entry is gone, RFC 6275 §10.3.1), and it
 * MUST remove a binding when that lifetime expires (§10.3.1): removed now, as an expiry is;
 * its next BU gets 132 (§10.3.1). One under DAD is refused with 132 now.
 */
static void drop_prefix_gone(struct ha *ha, struct bce *e)
{
	ha->prefix_gone++;
	ha_event(ha, MIP6_EV_REMOVE, e, e->state == BCE_DAD ? MH_BA_NOT_HOME_SUBNET : -1, "home prefix removed");
	if (e->state == BCE_DAD) { /* RFC 6275 §10.3.1: 132 */
		ha_send_ba(ha, &e->local, &e->hoa, &e->ba_dst, MH_BA_NOT_HOME_SUBNET, e->seq, 0, 0);
		bce_free(ha, e);
		ha_status_changed(ha);
	} else
		ha_binding_delete(ha, e, "its home prefix is no longer served", false);
}

static void log_prefix(const char *what, const struct ha_prefix *p, const char *why)
{
	char px[INET6_ADDRSTRLEN], a[INET6_ADDRSTRLEN], ifn[IF_NAMESIZE] = "?";

	addr_str(&p->prefix, px);
	addr_str(&p->ha, a);
	if_indextoname((unsigned)p->ifindex, ifn);
	log_notice("home prefix %s/%u on %s %s (home agent address %s; %s)", px, p->len, ifn, what, a, why);
}

/* Logs the prefixes of a not in b; returns how many. */
static size_t log_prefixes_not_in(const struct ha_prefix *a, size_t na, const struct ha_prefix *b, size_t nb,
				  const char *what, const char *why)
{
	size_t n = 0;

	for (size_t i = 0; i < na; i++) {
		if (mp_set_find(b, nb, &a[i], true))
			continue;
		log_prefix(what, &a[i], why);
		n++;
	}
	return n;
}

/*
 * The served prefixes read again from the kernel (after address events, or a reload).
 * When the set changed: DHAAD's anycast addresses and self entries (§10.5), the lifetimes
 * (ha_mpd_resync), the bindings of a prefix gone, an unsolicited MPA to the mobile nodes
 * of every home link whose set changed (§10.6.2), the MPS entries (on_prefix_spd_timer).
 */
static void ha_prefixes_refresh(struct ha *ha, const char *why)
{
	struct ha_prefix cand[HA_MAX_PREFIXES], next[HA_MAX_PREFIXES], old[HA_MAX_PREFIXES];
	size_t n_cand = ha_scan_prefixes(ha, ha->m->config, cand, HA_MAX_PREFIXES, true), n, n_old = ha->n_prefixes;
	struct prefix_gone gone = { .ha = ha };
	size_t mpas = 0;

	n = mp_set_build(ha->prefixes, ha->n_prefixes, cand, n_cand, next, HA_MAX_PREFIXES, now_usec());
	memcpy(old, ha->prefixes, n_old * sizeof(old[0]));
	memcpy(ha->prefixes, next, n * sizeof(next[0]));
	ha->n_prefixes = n;
	if (log_prefixes_not_in(old, n_old, next, n, "no longer served", why) +
		    log_prefixes_not_in(next, n, old, n_old, "served", why) == 0)
		return; /* lifetimes carried over; nothing else changed */
	ha->prefix_set_changes++;
	if (ha->dhaad && ha_dhaad_set_prefixes(ha->dhaad, ha->prefixes, ha->n_prefixes) < 0)
		log_error("dynamic home agent address discovery: not every served prefix has its anycast address");
	ha_mpd_resync(ha->mpd);
	bcache_foreach(ha->bc, collect_prefix_gone, &gone);
	for (size_t i = 0; i < gone.n; i++)
		drop_prefix_gone(ha, gone.e[i]);
	free(gone.e);
	if (gone.nomem)
		log_error("out of memory: some bindings of a home prefix no longer served stay until their lifetime ends");
	for (size_t i = 0; i < ha->n_homes; i++)
		if (mp_set_link_changed(old, n_old, next, n, ha->homes[i].ifindex))
			mpas += ha_mpd_link_changed(ha->mpd, ha->homes[i].ifindex);
	log_info("%zu home prefix(es) served now: %zu binding(s) of a prefix gone removed, %zu unsolicited "
		 "Mobile Prefix Advertisement(s) scheduled", n, gone.n, mpas);
	ha_prefix_spd_arm(ha, 0);
	ha_status_changed(ha);
}

static int on_prefix_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct ha *ha = userdata;

	(void)s;
	(void)usec;
	/* Before READY=1 the restore may hold bindings: the read waits for SETUP_DONE, which asks again. */
	if (!ha->stopping && ha->ready)
		ha_prefixes_refresh(ha, "address change");
	return 0;
}

/*
 * An address was added, changed or removed: its lifetimes now (ha/ha-mpd.h); the prefix set
 * once the burst settled (one read of the addresses for all of it, HA_PREFIX_SETTLE after the
 * first event: an address added with its route, a whole renumbering, an interface going down).
 */
static void ha_prefixes_settle(struct ha *ha);

static void ha_on_addr_event(struct ha *ha, const struct knl_addr *a, bool removed)
{
	/* RFC 4862 §5.4: tentative (but optimistic, RFC 4429) or duplicate: not a source address yet. */
	bool unusable = !removed && ((a->flags & IFA_F_DADFAILED) ||
				     (a->flags & (IFA_F_TENTATIVE | IFA_F_OPTIMISTIC)) == IFA_F_TENTATIVE);

	ha_mpd_on_addr(ha->mpd, a, removed);
	if (IN6_IS_ADDR_LINKLOCAL(&a->addr) || IN6_IS_ADDR_LOOPBACK(&a->addr) || IN6_IS_ADDR_MULTICAST(&a->addr))
		return;
	for (size_t i = 0; i < ha->n_unusable;)
		if (ha->unusable[i].ifindex == a->ifindex && IN6_ARE_ADDR_EQUAL(&ha->unusable[i].addr, &a->addr))
			ha->unusable[i] = ha->unusable[--ha->n_unusable];
		else
			i++;
	if (unusable && ha->n_unusable < HA_MAX_OWN_ADDRS)
		ha->unusable[ha->n_unusable++] = *a;
	ha_prefixes_settle(ha);
}

static void ha_prefixes_settle(struct ha *ha)
{
	if (ha->stopping || timer_armed(ha->prefix_timer))
		return;
	(void)event_timer_arm(ha->m->event, &ha->prefix_timer, now_usec() + HA_PREFIX_SETTLE, 10 * USEC_PER_MSEC,
			      on_prefix_timer, ha);
}

static void ha_on_knl_event(const struct knl_event *ev, void *userdata)
{
	struct ha *ha = userdata;
	struct spd_sync_stats before, after;

	if (ev->type == KNL_EVENT_ADDR) {
		ha_on_addr_event(ha, &ev->addr, ev->removed);
		return;
	}
	spd_sync_get_stats(ha->spd, &before);
	spd_sync_on_event(ha->spd, ev);
	spd_sync_get_stats(ha->spd, &after);
	if (after.repairs != before.repairs)
		ha_status_changed(ha); /* STATUS= counts the repairs */
}

static void ha_on_knl_resync(void *userdata)
{
	struct ha *ha = userdata;

	log_warning("XFRM policy or address notifications were lost: reinstalling the MN-HA SPD entries");
	spd_sync_resync(ha->spd);
	ha_mpd_resync(ha->mpd);
	ha_prefixes_settle(ha); /* an address change may be among the lost */
}

/* ---- restart: the state file and the kernel (ha/ha-restore.h) ------------- */

/* A restored binding for a link that is no longer a home link is dropped with the expired ones. */
static void expire_foreign(struct bce *e, void *userdata)
{
	struct ha *ha = userdata;

	if (!home_by_ifindex(ha, e->ifindex))
		e->expires = 0;
}

/* NonVolatileBindingCache: open the state file and replay it into the binding table. */
static void ha_restore_load(struct ha *ha)
{
	struct ha_replay p = { .bc = ha->bc, .now = now_usec(), .now_rt = realtime_usec(),
			       .max = ha->m->config->ha_max_bindings };
	const char *dir = bcj_default_dir();
	bool corrupt = false;
	int r;

	if (!ha->m->config->non_volatile_binding_cache)
		return;
	if ((r = bcj_open(dir, &ha->bcj)) < 0) {
		log_error_errno(r, "cannot open the binding cache file in %s: %m; bindings will not survive a restart",
				dir);
		return;
	}
	r = bcj_load(ha->bcj, ha_replay_record, &p, &corrupt);
	if (r < 0)
		log_error_errno(r, "reading the binding cache file %s failed: %m", bcj_path(ha->bcj));
	bcache_foreach(ha->bc, expire_foreign, ha);
	ha->expired_at_start = ha_replay_drop_expired(ha->bc, p.now);
	log_info("binding cache file %s: %d record(s)%s, %zu binding(s) to restore, %zu expired or off the home links "
		 "(read in %llu ms)",
		 bcj_path(ha->bcj), r < 0 ? 0 : r, corrupt ? " (corrupt, moved aside)" : "", bcache_count(ha->bc),
		 ha->expired_at_start, (unsigned long long)((now_usec() - p.now) / USEC_PER_MSEC));
}

/*
 * A restored entry is the HA's now: its lifetime timer; one the kernel refused expires at
 * once. RFC 6275 §9.5.5: a restored binding not refreshed HA_BRR_LEAD before it expires
 * gets a Binding Refresh Request (the MN's own refresh timer may be gone too).
 */
/* RFC 3963: a restored mobile router's prefix route or filter the kernel refused: the binding expires. */
static void on_restored_mnp(int result, void *userdata)
{
	struct bce *e = userdata;

	if (result < 0 && e->state == BCE_VALID) {
		char h[INET6_ADDRSTRLEN];

		addr_str(&e->hoa, h);
		log_warning_errno(result, "a mobile network prefix of restored binding %s was refused: %m; it expires", h);
		bce_set_timer(e->ha, e, now_usec());
	}
}

static void take_restored(struct bce *e, void *userdata)
{
	struct ha *ha = userdata;
	bool failed = e->restore & BCE_R_FAILED;
	usec_t lead = (usec_t)e->lifetime_sec * USEC_PER_SEC / 10, now = now_usec();

	if (!(e->restore & BCE_R_RESTORED))
		return;
	e->ha = ha;
	e->restore = 0;
	bce_set_timer(ha, e, failed ? now : e->expires);
	ha->restored += !failed;
	if (failed)
		return;
	/* Its prefixes (state file): routes replaced (kept if in place), filters installed anew. */
	if (e->mr && ha_nemo_install(ha->knl, ha->revtun, ha->tnl_ifindex, e, on_restored_mnp, e) < 0)
		bce_set_timer(ha, e, now_usec());
	lead = lead < HA_BRR_LEAD_MIN ? HA_BRR_LEAD_MIN : lead;
	e->restore = BCE_R_BRR;
	(void)event_timer_arm(ha->m->event, &e->timer, e->expires > now + lead ? e->expires - lead : now,
			      100 * USEC_PER_MSEC, on_bce_timer, e);
}

static void on_restored(int result, void *userdata)
{
	struct ha *ha = userdata;
	struct ha_restore_stats st;

	ha_restore_get_stats(ha->restore, &st);
	if (result < 0)
		log_warning_errno(result, "dumping the kernel's routes or proxy entries failed: %m; "
				  "objects of no binding may be left");
	bcache_foreach(ha->bc, take_restored, ha);
	ha->restore = ha_restore_free(ha->restore);
	log_info("binding cache reconciled with the kernel: %zu binding(s) restored (%zu routes and "
		 "%zu reverse-tunnel filters adopted, %zu reinstalled, %zu refused), %zu kernel object(s) of no binding "
		 "and %zu proxy neighbour entries of an older version removed, %llu ms after start",
		 ha->restored, st.adopted_routes, st.adopted_filters, st.installed, st.failed,
		 st.orphans_removed, st.proxies_removed, (unsigned long long)((now_usec() - ha->start_time) / USEC_PER_MSEC));
	if (ha->bcj)
		ha_persist_compact(ha); /* the file now holds the live set, also after a corrupt one */
	ha_status_changed(ha);
	on_setup_step(0, ha);
}

/*
 * RFC 6275 §10.4.5: the restored bindings' reverse-tunnel filters that SETUP_RESTORE did not
 * adopt. A refused one fails closed: that binding expires.
 */
static void on_restored_filter(int result, void *userdata)
{
	struct bce *e = userdata;
	struct ha *ha = e->ha;

	if (result < 0) {
		char h[INET6_ADDRSTRLEN];

		addr_str(&e->hoa, h);
		log_warning_errno(result, "the reverse-tunnel filter of restored binding %s was refused: %m; it expires", h);
		bce_set_timer(ha, e, now_usec());
	}
	if (--ha->revtun_restoring == 0)
		on_setup_step(0, ha);
}

static void bind_restored(struct bce *e, void *userdata)
{
	struct ha *ha = userdata;

	if (e->state != BCE_VALID || e->revtun_handle)
		return;
	e->ha = ha;
	if (revtun_bind(ha->revtun, &e->revtun_handle, &e->coa, &e->hoa, e, on_restored_filter, e) < 0)
		bce_set_timer(ha, e, now_usec());
	else
		ha->revtun_restoring++;
}

/* 1 when filters were queued (the last answer moves the setup on), 0 when there is none. */
static int ha_revtun_restored(struct ha *ha)
{
	ha->revtun_restoring = 0;
	bcache_foreach(ha->bc, bind_restored, ha);
	return ha->revtun_restoring > 0;
}

/*
 * Before READY=1 (no BU is taken meanwhile): adopt what the kernel holds for the
 * restored bindings, remove what belongs to none, install what is missing.
 */
static int ha_restore_begin(struct ha *ha)
{
	struct ha_restore_scope sc = { .tnl_ifindex = ha->tnl_ifindex, .revtun = ha->bcj ? ha->revtun : NULL,
				       .prefixes = ha->prefixes, .n_prefixes = ha->n_prefixes };

	return ha_restore_start(ha->knl, ha->bc, &sc, on_restored, ha, &ha->restore);
}

/*
 * SETUP_SPD, after the dump of the kernel's XFRM policies: those of the HA's kinds
 * (spd_ha_owns) were adopted; the apply keeps the wanted ones as they are (the same
 * objects: a restart with NonVolatileBindingCache leaves them, the restored bindings'
 * tunnel entries naming their saved CoA), replaces the changed ones, deletes the others
 * (a crashed or reconfigured predecessor's). A refused change ends the daemon before
 * READY=1 (fail closed). A failed dump adopts nothing: everything is installed anew.
 */
static void ha_spd_loaded(int result, void *userdata)
{
	struct ha *ha = userdata;
	int r;

	if (result < 0)
		log_warning_errno(result, "dumping the kernel's XFRM policies failed: %m; installing every SPD entry, "
					  "a predecessor's entries for no configured home address may be left");
	r = ha_spd_apply(ha, ha->m->config, ha->prefixes, ha->n_prefixes, on_setup_step, ha);
	if (r <= 0)
		on_setup_step(r, ha); /* 0: the kernel holds the set already */
}

/*
 * The kernel setup runs as a chain of acknowledged requests; `ready` opens the
 * door to BUs and READY=1 goes out (manager_ready) once the last step is acknowledged.
 */
enum { SETUP_TUNNEL, SETUP_TUNNEL_UP, SETUP_REVTUN, SETUP_HAO_STATE, SETUP_SPD, SETUP_RESTORE,
       SETUP_REVTUN_RESTORED, SETUP_DONE };

static const char *const ha_setup_waits[] = {
	[SETUP_TUNNEL] = "the tunnel device",
	[SETUP_TUNNEL_UP] = "the tunnel device to come up",
	[SETUP_REVTUN] = "the reverse-tunnel source check",
	[SETUP_REVTUN_RESTORED] = "the restored bindings' reverse-tunnel filters",
	[SETUP_HAO_STATE] = "the Home Address option state",
	[SETUP_SPD] = "the Mobility Header and MN-HA IPsec policies",
	[SETUP_RESTORE] = "the binding cache to be reconciled with the kernel",
	[SETUP_DONE] = "nothing",
};

static void ha_setup_next(struct ha *ha)
{
	int r = 0;

	switch (ha->setup_stage) {
	case SETUP_TUNNEL: {
		struct knl_ip6tnl t = { .external = true, .flags = 0 };
		snprintf(t.name, sizeof(t.name), "%s", HA_TUNNEL_NAME);
		r = knl_ip6tnl_add(ha->knl, &t, ha, on_setup_step, ha);
		break;
	}
	case SETUP_TUNNEL_UP:
		ha->tnl_ifindex = (int)if_nametoindex(HA_TUNNEL_NAME);
		if (ha->tnl_ifindex <= 0) {
			log_error("the tunnel device %s did not appear", HA_TUNNEL_NAME);
			sd_event_exit(ha->m->event, -ENODEV);
			return;
		}
		r = knl_link_set_up(ha->knl, ha->tnl_ifindex, true, ha, on_setup_step, ha);
		break;
	case SETUP_REVTUN:
		/*
		 * RFC 6275 §10.4.5: the device drops every reverse-tunnelled packet until a binding lets it.
		 * With NonVolatileBindingCache the last run's filters stay for SETUP_RESTORE (no gap).
		 */
		r = revtun_setup(ha->revtun, ha->tnl_ifindex, !ha->bcj, on_setup_step, ha);
		break;
	case SETUP_HAO_STATE: {
		/* A wildcard-receive HAO state: the kernel then accepts BUs with a Home Address option. */
		struct knl_xfrm_state s = { .proto = IPPROTO_DSTOPTS, .mode = XFRM_MODE_ROUTEOPTIMIZATION,
					    .flags = XFRM_STATE_WILDRECV };
		s.sel.type = KNL_XFRM_TYPE_ANY;
		/* With NonVolatileBindingCache the last run's is kept (EEXIST); replace is delete + add. */
		r = knl_xfrm_state(ha->knl, ha->bcj ? KNL_OP_ADD : KNL_OP_REPLACE, &s, ha, on_setup_step, ha);
		break;
	}
	case SETUP_SPD:
		/*
		 * The inbound MH policy (ha_hao_policy) and the MN-HA SPD, adopted where the kernel holds
		 * them already (ha_spd_loaded). Subscribed first: a flush from now on is seen and repaired.
		 */
		r = knl_monitor_start(ha->knl, KNL_MONITOR_XFRM_POLICY | KNL_MONITOR_ADDR, ha_on_knl_event, ha_on_knl_resync, ha);
		if (r < 0 && r != -EBUSY)
			break;
		(void)ha_static_keys(ha, false);
		r = spd_sync_load(ha->spd, spd_ha_owns, ha_spd_loaded, ha);
		break;
	case SETUP_RESTORE:
		r = ha_restore_begin(ha);
		break;
	case SETUP_REVTUN_RESTORED:
		if (ha_revtun_restored(ha) == 0) {
			ha->setup_stage++;
			ha_setup_next(ha);
			return;
		}
		break;
	case SETUP_DONE:
		ha->ready = true;
		log_info("home agent ready: %zu home prefix(es), tunnel %s, %zu binding(s) restored, %llu ms after start",
			 ha->n_prefixes, HA_TUNNEL_NAME, ha->restored,
			 (unsigned long long)((now_usec() - ha->start_time) / USEC_PER_MSEC));
		manager_ready(ha->m);
		ha_prefixes_settle(ha); /* an address change before the monitor started (SETUP_SPD) */
		return;
	}
	if (r < 0) {
		log_error_errno(r, "home agent kernel setup failed at step %d: %m", ha->setup_stage);
		sd_event_exit(ha->m->event, r);
	}
}

static void on_setup_step(int result, void *userdata)
{
	struct ha *ha = userdata;

	if (result < 0) {
		log_error_errno(result, "home agent kernel setup failed at step %d: %m (%s)", ha->setup_stage,
				knl_extack(ha->knl) ? knl_extack(ha->knl) : "no detail");
		sd_event_exit(ha->m->event, result);
		return;
	}
	ha->setup_stage++;
	manager_notify_status(ha->m); /* STATUS= names the next step waited for */
	ha_setup_next(ha);
}

static int ha_start(struct manager *m)
{
	const struct mip6_config *c = m->config;
	struct ha *ha;
	char path[256];
	int r;

	ha = calloc(1, sizeof(*ha));
	if (!ha)
		return -ENOMEM;
	m->role_data = ha;
	ha->m = m;
	ha->start_time = now_usec();
	ha->reg_clock = now_usec;
	ha->io = m->io;
	ha->knl = io_knl(m->io);
	ratelimit_init(&ha->reg_rl, c->ha_max_registrations_per_sec, now_usec());
	ratelimit_init(&ha->log_rl, c->rejected_bu_log_per_sec, now_usec());
	ratelimit_init(&ha->ns_log_rl, c->rejected_bu_log_per_sec, now_usec());
	ha->dad_timeout = USEC_PER_SEC;
	if ((r = bcache_new(&ha->bc)) < 0 || (r = spd_sync_new(ha->knl, &ha->spd)) < 0 ||
	    (r = revtun_new(ha->knl, &ha->revtun)) < 0)
		return r;
	ha->dad = calloc(1, sizeof(*ha->dad));
	ha->backlog = calloc(1, sizeof(*ha->backlog));
	if (!ha->dad || !ha->backlog)
		return -ENOMEM;
	ha_handlers(ha, true);

	(void)sysctl_write("/proc/sys/net/ipv6/conf/all/forwarding", "1");
	for (size_t i = 0; i < c->n_interfaces && ha->n_homes < HA_MAX_HOME_IFS; i++) {
		struct ha_home_if *h = &ha->homes[ha->n_homes];
		static const uint8_t types[] = { NDISC_TYPE_NA, NDISC_TYPE_NS, NDISC_TYPE_RA };
		char rt[32];

		h->ifindex = (int)if_nametoindex(c->interfaces[i].name);
		if (h->ifindex <= 0)
			return log_error_errno(ENODEV, "home link interface %s: %m", c->interfaces[i].name);
		snprintf(h->name, sizeof(h->name), "%s", c->interfaces[i].name);
		if (link_read_mac(h->name, h->mac) < 0)
			log_warning("no link-layer address on %s, ignoring", h->name);
		/* DAD waits RetransTimer of the home link (RFC 4862 §5.4, one transmission). */
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/neigh/%s/retrans_time_ms", h->name);
		{
			_cleanup_(fclosep) FILE *f = fopen(path, "re");
			unsigned ms;
			if (f && fgets(rt, sizeof(rt), f) && sscanf(rt, "%u", &ms) == 1 && ms > 0)
				ha->dad_timeout = (usec_t)ms * USEC_PER_MSEC;
		}
		r = io_nd_link_add(ha->io, h->name, types, ELEMENTSOF(types));
		if (r < 0)
			return r;
		/* §10.4.1: the HA answers NSs for the home addresses; without it, no home link (fails closed). */
		r = io_ns_proxy_open(ha->io, h->ifindex, ha_on_ns, ha);
		if (r < 0)
			return log_error_errno(r, "proxy Neighbor Discovery on %s (a packet socket): %m", h->name);
		ha->n_homes++;
	}
	if (c->use_mn_ha_ipsec && c->n_ipsec_policy_sets > 0) {
		r = km_new(m->event, ha->io, c, &ha->km);
		if (r < 0)
			return log_error_errno(r, "key management %s: %m",
					       conf_key_management_to_string(c->key_management));
		manager_set_km(m, ha->km); /* READY=1 waits for it too */
		km_set_ike_moved_notify(ha->km, on_ike_moved, ha);
	}
	ha_load_prefixes(ha);
	if (ha->n_prefixes == 0)
		log_warning("no home prefix found on the home link interface(s): every BU will get 132");
	ha_restore_load(ha);
	/* §10.5 is optional: without it MNs with a configured home agent address still register. */
	if ((r = ha_dhaad_new(ha->io, m->event, &ha->dhaad)) >= 0)
		ha_dhaad_set_mobile_router(ha->dhaad, m->config->ha_accept_mob_rtr); /* RFC 3963 §7.2 */
	if (r < 0 || (r = ha_dhaad_set_prefixes(ha->dhaad, ha->prefixes, ha->n_prefixes)) < 0)
		log_error_errno(r, "dynamic home agent address discovery is not available: %m");
	if ((r = ha_mpd_start(ha)) < 0)
		log_error_errno(r, "mobile prefix discovery is not available: %m");
	ha->setup_stage = SETUP_TUNNEL;
	ha_setup_next(ha);
	return 0;
}

static void on_flushed(int result, void *userdata)
{
	struct ha *ha = userdata;

	if (--ha->flush_pending == 0)
		manager_shutdown_done(ha->m);
}

/*
 * SIGTERM: queue the removal of everything the HA installed; the last
 * request's acknowledgement ends the loop (requests run in order per socket,
 * rtnl first then xfrm). Deleting the tunnel device takes the binding routes
 * with it, and its clsact qdisc with the reverse-tunnel filters (RFC 6275 §10.4.5).
 * With NonVolatileBindingCache everything stays — routes, the tunnel with
 * its filters, the hao state, the SPD and the static keys' SAs — and the next start adopts
 * it (a restart is hitless); without it the static keys' SAs go too (km_down).
 */
static int ha_shutdown(struct manager *m)
{
	struct ha *ha = m->role_data;
	struct knl_xfrm_state s = { .proto = IPPROTO_DSTOPTS, .mode = XFRM_MODE_ROUTEOPTIMIZATION };

	if (!ha || !ha->knl)
		return 0;
	ha->stopping = true; /* no more prefix re-reads nor MPS applies */
	ha->flush_pending = 0;
	/*
	 * What is still queued (a flood's installs) is dropped first, in one pass: cancelling owner
	 * by owner is quadratic in the queue. New registrations still waiting are counted as dropped.
	 */
	(void)knl_cancel_all(ha->knl);
	ha->m->counters.drops[DROP_REG_BACKLOG] += reg_backlog_clear(ha->backlog);
	ha->backlog_timer = sd_event_source_disable_unref(ha->backlog_timer);
	if (ha->bcj) {
		/*
		 * NonVolatileBindingCache: routes, the tunnel, the hao state and the SPD
		 * (tunnel entries as the last MIGRATE left them) stay for the next start to adopt.
		 */
		int r = bcj_sync(ha->bcj);
		struct spd_sync_stats st;

		if (r < 0)
			log_warning_errno(r, "fdatasync of the binding cache file failed: %m");
		spd_sync_get_stats(ha->spd, &st);
		log_info("leaving %zu binding(s) and %zu XFRM policies in the kernel for the next start "
			 "(NonVolatileBindingCache)", bcache_count_state(ha->bc, BCE_VALID), st.installed);
		return 0;
	}
	if (ha->tnl_ifindex > 0 && knl_link_del(ha->knl, ha->tnl_ifindex, NULL, on_flushed, ha) == 0)
		ha->flush_pending++;
	ha->flush_pending += ha_static_keys(ha, true); /* manual keys: the HA's own SAs */
	s.sel.type = KNL_XFRM_TYPE_ANY;
	/* The entries actually installed (the MH/HAO policy too), not those of the file read last. */
	if (spd_sync_clear(ha->spd, on_flushed, ha) > 0)
		ha->flush_pending++;
	else {
		struct knl_xfrm_policy p; /* a shutdown before the SPD step: the MH/HAO policy alone */

		ha_hao_policy(&p);
		(void)knl_xfrm_policy(ha->knl, KNL_OP_DEL, &p, NULL, NULL, NULL);
		for (size_t i = 0; i < ha->n_prefixes; i++) {
			spd_ha_mps_policy(&p, &ha->prefixes[i].prefix, ha->prefixes[i].len, &ha->prefixes[i].ha);
			(void)knl_xfrm_policy(ha->knl, KNL_OP_DEL, &p, NULL, NULL, NULL);
		}
	}
	if (knl_xfrm_state(ha->knl, KNL_OP_DEL, &s, NULL, on_flushed, ha) == 0)
		ha->flush_pending++;
	return ha->flush_pending > 0 ? 1 : 0;
}

static void ha_stop(struct manager *m)
{
	struct ha *ha = m->role_data;

	if (!ha)
		return;
	manager_set_km(ha->m, NULL);
	ha->km = km_free(ha->km);
	ha->spd = spd_sync_free(ha->spd);
	ha->revtun = revtun_free(ha->revtun);
	ha->reload_config = NULL;
	sd_event_source_disable_unref(ha->status_timer);
	sd_event_source_disable_unref(ha->sync_timer);
	sd_event_source_disable_unref(ha->prefix_timer);
	sd_event_source_disable_unref(ha->prefix_spd_timer);
	ha->restore = ha_restore_free(ha->restore);
	ha->bcj = bcj_close(ha->bcj);
	bc_stream_detach_all(&ha->bc_streams); /* their next piece ends them */
	ha->backlog_timer = sd_event_source_disable_unref(ha->backlog_timer);
	free(ha->backlog);
	(void)knl_cancel_all(ha->knl); /* O(n): the entries' own cancels below then find nothing */
	ha->bc = bcache_free(ha->bc, bce_release, ha);
	free(ha->dad);
	ha->mpd = ha_mpd_free(ha->mpd);
	ha->dhaad = ha_dhaad_free(ha->dhaad);
	if (ha->io) {
		ha_handlers(ha, false);
		knl_cancel_owner(ha->knl, ha);
	}
	free(ha);
	m->role_data = NULL;
}

/* ---- control ---------------------------------------------------------------- */

struct bc_print {
	FILE *out;
	json_object *bindings; /* JSON mode: the array the entries go to */
	usec_t now;
};

static void print_bce(struct bce *e, void *userdata)
{
	struct bc_print *p = userdata;

	if (!p->bindings) {
		bce_print_row(p->out, e, p->now);
		return;
	}
	ctl_json_append(p->bindings, bce_to_json(e, p->now));
}

/* The home prefixes this HA serves (mip6ctl prefixes). */
static int ha_ctl_prefixes(struct ha *ha, bool json, FILE *out)
{
	json_object *o = json ? json_object_new_object() : NULL;
	json_object *list = ctl_json_add_array(o, "prefixes");

	for (size_t i = 0; i < ha->n_prefixes; i++) {
		char px[INET6_ADDRSTRLEN], a[INET6_ADDRSTRLEN], ifn[IF_NAMESIZE] = "?";
		const struct ha_prefix *pf = &ha->prefixes[i];
		json_object *e = ctl_json_append_object(list);
		uint32_t valid = mp_remaining(pf, now_usec(), false), pref = mp_remaining(pf, now_usec(), true);

		addr_str(&pf->prefix, px);
		addr_str(&pf->ha, a);
		if_indextoname((unsigned)pf->ifindex, ifn);
		if (json) {
			ctl_json_add_prefix(e, "prefix", &pf->prefix, pf->len);
			ctl_json_add_str(e, "interface", ifn);
			ctl_json_add_str(e, "ha", a);
			ctl_json_add_str(e, "valid", valid == UINT32_MAX ? "infinite" : "finite");
			ctl_json_add_u64(e, "valid_lifetime", valid);
			ctl_json_add_u64(e, "preferred_lifetime", pref);
		} else if (valid == UINT32_MAX)
			fprintf(out, "%s/%u on %s, home agent address %s, valid forever\n", px, pf->len, ifn, a);
		else
			fprintf(out, "%s/%u on %s, home agent address %s, valid %u s, preferred %u s\n", px, pf->len,
				ifn, a, valid, pref);
	}
	if (json) { /* RFC 6275 §10.6 */
		struct ha_mpd_stats st;

		ha_mpd_get_stats(ha->mpd, &st);
		ctl_json_add_u64(o, "mobile_prefix_solicitations", st.solicitations);
		ctl_json_add_u64(o, "solicitations_not_registered", st.not_registered);
		ctl_json_add_u64(o, "advertisements_solicited", st.solicited);
		ctl_json_add_u64(o, "advertisements_unsolicited", st.unsolicited);
		ctl_json_add_u64(o, "advertisement_retransmissions", st.retransmissions);
		ctl_json_add_u64(o, "prefix_changes", st.changes);
		/* The set itself following the home links' addresses; the MPS entries' applies refused. */
		ctl_json_add_u64(o, "prefix_set_changes", ha->prefix_set_changes);
		ctl_json_add_u64(o, "prefix_spd_failures", ha->prefix_spd_failures);
	}
	return json ? ctl_json_print(out, o) : 0;
}

/* The totals after the entries of `bc --json` (also those of a streamed reply, as of its end). */
static void bc_totals(void *userdata, json_object *o)
{
	struct ha *ha = userdata;

	ctl_json_add_u64(o, "count", bcache_count_state(ha->bc, BCE_VALID));
	ctl_json_add_u64(o, "registrations", ha->registrations);
	ctl_json_add_u64(o, "refreshes", ha->refreshes);
	ctl_json_add_u64(o, "deregistrations", ha->deregistrations);
	ctl_json_add_u64(o, "expiries", ha->expiries);
	ctl_json_add_u64(o, "removals", ha->removals);
	ctl_json_add_u64(o, "dad_failures", ha->dad_failures);
	{
		json_object *nd = ctl_json_add_object(o, "proxy_nd"); /* RFC 6275 §10.4.1 */
		json_object *drops = nd ? ctl_json_add_object(nd, "dropped") : NULL;

		if (nd) {
			ctl_json_add_u64(nd, "answered", ha->ns_answered);
			ctl_json_add_u64(nd, "announced", ha->na_announced);
			ctl_json_add_u64(nd, "not_bound", ha->ns_not_bound);
		}
		for (int i = NDPROXY_OK + 1; drops && i < _NDPROXY_VERDICT_MAX; i++)
			ctl_json_add_u64(drops, ndproxy_verdict_to_string((enum ndproxy_verdict)i), ha->ns_drops[i]);
	}
	ctl_json_add_u64(o, "prefix_removed", ha->prefix_gone); /* bindings of a prefix no longer served */
}

static int bc_stream_piece(void *userdata, FILE *out)
{
	return bc_stream_next(userdata, out);
}

static void bc_stream_release(void *userdata)
{
	bc_stream_free(userdata);
}

/*
 * `bc`: every entry, streamed through the control socket (ha/ha-ctl.h: the loop runs
 * between pieces); without a control connection (a direct call) written whole to out.
 */
static int ha_ctl_bc_all(struct ha *ha, bool json, FILE *out)
{
	struct bc_stream *st;
	int r = bc_stream_new(ha->bc, json, bc_totals, ha, &ha->bc_streams, &st);

	if (r < 0)
		return r;
	r = bc_stream_next(st, out);
	if (r <= 0) {
		bc_stream_free(st);
		return r;
	}
	if (ctl_stream(ha->m->ctl, bc_stream_piece, bc_stream_release, st) == 0)
		return CTL_STREAMED;
	while ((r = bc_stream_next(st, out)) > 0)
		;
	bc_stream_free(st);
	return r;
}

/* `bc HoA`: the HoA's entry (an error when it has none). */
static int ha_ctl_bc(struct ha *ha, const struct in6_addr *hoa, bool json, FILE *out)
{
	struct bc_print p = { .out = out, .now = now_usec() };
	struct bce *one = bcache_lookup(ha->bc, hoa);
	json_object *o = NULL;

	if (!one) {
		char h[INET6_ADDRSTRLEN];
		addr_str(hoa, h);
		fprintf(out, "no binding for %s", h);
		return -ENOENT;
	}
	if (!json) {
		bce_print_header(out);
		print_bce(one, &p);
		return 0;
	}
	o = json_object_new_object();
	p.bindings = ctl_json_add_array(o, "bindings");
	if (!p.bindings) {
		json_object_put(o);
		return -ENOMEM;
	}
	print_bce(one, &p);
	bc_totals(ha, o);
	return ctl_json_print(out, o);
}

/*
 * `bc del HoA`: the operator ends a binding. The same path as an expiry
 * (ha_binding_delete: route, proxy entries and the IKE SA bookkeeping go, the
 * entry waits MAX_DELETE_BCE_TIMEOUT in DELETED), counted as a removal; a
 * registration still under DAD ends as a refused one does (nothing installed yet).
 */
static int ha_ctl_bc_del(struct ha *ha, const struct in6_addr *hoa, bool json, FILE *out)
{
	struct bce *e = bcache_lookup(ha->bc, hoa);
	char h[INET6_ADDRSTRLEN];

	addr_str(hoa, h);
	if (!e || e->state == BCE_DELETED) {
		fprintf(out, "no binding for %s", h);
		return -ENOENT;
	}
	ha->removals++;
	ha_event(ha, MIP6_EV_REMOVE, e, -1, "mip6ctl bc del");
	if (e->state == BCE_DAD) {
		log_info("registration of %s under DAD removed by the operator", h);
		bce_free(ha, e);
		ha_status_changed(ha);
	} else
		ha_binding_delete(ha, e, "removed by the operator", false);
	if (!json) {
		fprintf(out, "binding of %s removed\n", h);
		return 0;
	}
	{
		json_object *o = json_object_new_object();
		ctl_json_add_str(o, "removed", h);
		return ctl_json_print(out, o);
	}
}

/* A HoA argument: the address, or an error naming the word. */
static int ctl_hoa_arg(const char *w, struct in6_addr *ret, FILE *out)
{
	if (inet_pton(AF_INET6, w, ret) == 1)
		return 0;
	fprintf(out, "'%s' is not an IPv6 address", w);
	return -EINVAL;
}

static int ha_ctl_bc_cmd(struct ha *ha, int argc, char **argv, bool json, FILE *out)
{
	struct in6_addr hoa;
	int r;

	if (argc == 1)
		return ha_ctl_bc_all(ha, json, out);
	if (strcmp(argv[1], "del") == 0) {
		if (argc != 3) {
			fprintf(out, "usage: bc del HOME-ADDRESS");
			return -EINVAL;
		}
		r = ctl_hoa_arg(argv[2], &hoa, out);
		return r < 0 ? r : ha_ctl_bc_del(ha, &hoa, json, out);
	}
	if (argc != 2) {
		fprintf(out, "usage: bc [HOME-ADDRESS] | bc del HOME-ADDRESS");
		return -EINVAL;
	}
	r = ctl_hoa_arg(argv[1], &hoa, out);
	return r < 0 ? r : ha_ctl_bc(ha, &hoa, json, out);
}

static int ha_ctl(struct manager *m, int argc, char **argv, bool json, FILE *out)
{
	struct ha *ha = m->role_data;

	if (strcmp(argv[0], "prefixes") == 0)
		return ha_ctl_prefixes(ha, json, out);
	if (strcmp(argv[0], "hal") == 0) {
		if (!ha->dhaad) {
			fprintf(out, "dynamic home agent address discovery is not available (see the log)");
			return -ENOENT;
		}
		return ha_dhaad_ctl(ha->dhaad, json, out);
	}
	if (strcmp(argv[0], "ipsec") == 0) {
		if (!ha->km) {
			fprintf(out, "MN-HA IPsec is not in use (UseMnHaIPsec disabled or no IPsecPolicySet)");
			return -ENOENT;
		}
		km_print(ha->km, out, json);
		return 0;
	}
	if (strcmp(argv[0], "bc") == 0)
		return ha_ctl_bc_cmd(ha, argc, argv, json, out);
	return -EOPNOTSUPP;
}

/* RFC 6275 §10.4.5: the reverse-tunnel drops are counted by the kernel's drop filter. */
static void on_revtun_drops(int result, void *userdata)
{
	struct ha *ha = userdata;

	if (result < 0)
		log_warning_errno(result, "cannot read the reverse-tunnel drop counter: %m");
	else
		ha->m->counters.drops[DROP_REVERSE_TUNNEL] = revtun_drops(ha->revtun);
	manager_counters_done(ha->m);
}

static int ha_counters(struct manager *m)
{
	struct ha *ha = m->role_data;

	if (!ha || !ha->ready)
		return 0;
	return revtun_read_drops(ha->revtun, on_revtun_drops, ha) < 0 ? 0 : 1;
}

static void ha_status(struct manager *m, char *buf, size_t len)
{
	struct ha *ha = m->role_data;

	if (ha && !ha->ready)
		snprintf(buf, len, "waiting for the kernel: %s", ha_setup_waits[ha->setup_stage]);
	else if (ha) {
		struct spd_sync_stats st;

		spd_sync_get_stats(ha->spd, &st);
		/* Scripts match "binding(s)" at the end. */
		snprintf(buf, len, "%zu SPD entries (%llu reinstalled), %zu binding(s)", st.installed,
			 (unsigned long long)st.repairs, bcache_count_state(ha->bc, BCE_VALID));
	}
}

static void ha_status_json(struct manager *m, json_object *o)
{
	struct ha *ha = m->role_data;
	struct spd_sync_stats st;

	if (!ha)
		return;
	if (!ha->ready) {
		ctl_json_add_str(o, "waiting_for", ha_setup_waits[ha->setup_stage]);
		return;
	}
	spd_sync_get_stats(ha->spd, &st);
	ctl_json_add_u64(o, "bindings", bcache_count_state(ha->bc, BCE_VALID));
	ctl_json_add_u64(o, "spd_entries", st.installed);
	ctl_json_add_u64(o, "spd_reinstalled", st.repairs);
	/* How far new registrations are behind (ha/reg-backlog.h, "Under a flood"). */
	ctl_json_add_u64(o, "under_dad", bcache_count_state(ha->bc, BCE_DAD));
	ctl_json_add_u64(o, "registration_backlog", ha->backlog->n);
	ctl_json_add_u64(o, "netlink_pending", knl_pending(ha->knl));
}

static void on_reload_spd(int result, void *userdata)
{
	struct ha *ha = userdata;

	manager_reload_done(ha->m, result);
}

/*
 * Before a new configuration is swapped in, the SPD follows it (RFC 4877 §4.3: a
 * HoA the new file protects must never take a clear BU): entries diffed and applied;
 * if the kernel refuses any change, every change is undone and the reload is refused.
 */
static int ha_reload(struct manager *m, const struct mip6_config *n)
{
	struct ha *ha = m->role_data;
	struct ha_prefix cand[HA_MAX_PREFIXES], px[HA_MAX_PREFIXES];
	size_t n_px;
	int r;

	if (!ha->ready)
		return log_error_errno(EBUSY, "reload refused: the home agent's kernel setup is still running");
	/*
	 * The home prefixes' SPD entries are being applied (a prefix came or went): one SPD change
	 * at a time, all or nothing (ipsec/spd-sync.h); refused rather than merged, the caller retries.
	 */
	if (ha->prefix_spd_inflight)
		return log_error_errno(EBUSY, "reload refused: the SPD entries of a changed home prefix are still "
					      "being applied; try again");
	/* The MPS entries of the prefixes the new file serves (HaServedPrefix). */
	n_px = ha_scan_prefixes(ha, n, cand, HA_MAX_PREFIXES, false);
	n_px = mp_set_build(ha->prefixes, ha->n_prefixes, cand, n_px, px, HA_MAX_PREFIXES, now_usec());
	r = ha_spd_apply(ha, n, px, n_px, on_reload_spd, ha);
	if (r < 0)
		log_error_errno(r, "reload refused: cannot apply the new MN-HA SPD entries: %m");
	return r;
}

static void ha_reloaded(struct manager *m, const struct mip6_config *old)
{
	struct ha *ha = m->role_data;

	/*
	 * Bindings stay (but those of a prefix no longer served: "Home prefixes at run time");
	 * prefixes, ACLs, limits and the static keys of new pairs follow the new configuration.
	 */
	if (ha->dhaad)
		ha_dhaad_set_mobile_router(ha->dhaad, m->config->ha_accept_mob_rtr);
	ha_prefixes_refresh(ha, "reload");
	(void)ha_static_keys(ha, false);
	if (m->config->use_mn_ha_ipsec && m->config->n_ipsec_policy_sets > 0 && !ha->km)
		log_warning("MN-HA IPsec: no key manager was started with the previous configuration; "
			    "the new home addresses' SPD entries are installed, their SAs need a restart");
}

const struct role_ops ha_role_ops = {
	.name = "HA",
	.start = ha_start,
	.stop = ha_stop,
	.shutdown = ha_shutdown,
	.ctl = ha_ctl,
	.reload = ha_reload,
	.reloaded = ha_reloaded,
	.status = ha_status,
	.status_json = ha_status_json,
	.counters = ha_counters,
};
