/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Key management through strongSwan's charon over VICI (RFC 4877).
 *
 * State comes from charon: after every (re)connect the backend lists the
 * connections (`list-conns`: each child's traffic selectors, parsed into
 * prefixes, traffic-selector.h) and the SAs (`list-sas` with noblock: IKE
 * SAs, their endpoints and SPIs, and the reqids of their installed
 * CHILD_SAs, indexed by reqid and unique id, ike-sa-table.h). ike-updown,
 * child-updown and the rekey events trigger a new `list-sas`.
 *
 * up: `initiate` of the child protecting the pair's BU/BA (its selectors
 * name the HoA and the HA for the mobility header; charon answers when it is
 * up or failed, within 10 s), and of the pair's other children of the same
 * connection with timeout -1 (charon queues them and answers at once: they
 * never hold the one command slot); done once `list-sas` shows the reqid.
 *
 * migrate, K=1 (RFC 6275 §10.3.1/§11.7.1, RFC 4877 §4.3): a transport
 * XFRM_MSG_MIGRATE with old == new (the SAs are keyed on the HoA) and
 * XFRMA_KMADDRESS naming the new IKE endpoints, on the role's outbound MH
 * policy; charon finds the CHILD_SA by reqid and moves the IKE SA. The
 * selector names protocol 135 only, as mip6d's policies do (src/ipsec/spd.c):
 * Linux 6.1 and 6.12 both find the policy with it.
 *
 * drop (HA) and renew (MN), K=0: `terminate` of the IKE SA by unique id with
 * force and timeout -1: charon answers at once and never holds the one
 * command slot waiting for a DELETE to a peer that moved away; the MN then
 * initiates anew.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/xfrm.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-event.h>

#include "control/ctl-json.h"
#include "core/cleanup.h"
#include "core/event-util.h"
#include "core/log.h"
#include "ike-event.h"
#include "ike-sa-table.h"
#include "ipsec/spd.h"
#include "km-backend.h"
#include "netlink/nl-kernel.h"
#include "traffic-selector.h"
#include "io/io.h"
#include "vici/vici-client.h"
#include "vici/vici-codec.h"

#define KM_NAME 64
/* A command's time counts from when it is queued: long enough to wait behind a waited initiate. */
#define KM_TIMEOUT_USEC (30 * USEC_PER_SEC)
/*
 * charon's own limit for the initiate we wait on, and ours, later: charon
 * answers first (the connection survives), the client's timer is the safety net.
 */
#define KM_INITIATE_MSEC "10000"
#define KM_INITIATE_USEC (15 * USEC_PER_SEC)

/* A swanctl child: where it lives and its local [0] and remote [1] traffic selectors. */
struct ss_child {
	char conn[KM_NAME], child[KM_NAME];
	struct ts *ts[2];
	size_t n_ts[2];
};

struct ss_children {
	struct ss_child *v;
	size_t n, cap;
};

/* An up waiting for its reqid to show in `list-sas` under its connection's name. */
struct ss_wait {
	struct ss_wait *next;
	char conn[KM_NAME];
	uint32_t reqid;
	struct km_call *call;
};

/* A migrate chain or a terminate in flight. */
struct ss_op {
	struct ss_km *ss;
	struct ss_op *prev, *next;
	/* MIGRATEs sent one after the other: tunnel in/fwd, tunnel out, transport (RFC 4877 §4.3). */
	struct knl_xfrm_migrate mgs[3];
	unsigned n_mg, i_mg;
	int first_error;
	uint32_t ike_uid; /* terminate: the IKE SA */
	struct spd_pair pair;
	bool reup; /* renew: initiate after the terminate */
	struct km_call *call;
};

struct ss_km {
	struct km *front;
	sd_event *event;
	struct io *io;
	struct knl *knl;
	struct vici_client *vc; /* owned by io (io_vici_open) */
	struct ss_children children, next_children;
	bool listing_conns;
	struct ike_sa_table sas, next;
	bool listing, relist, next_broken, destroying;
	struct ss_wait *waits;
	struct ss_op *ops;
	/* The swanctl connections of mip6d's pairs (named or derived): what `mip6ctl ipsec` shows. */
	char (*owned)[KM_NAME];
	size_t n_owned;
	struct spd_pair *pairs; /* of the configuration's sets, to derive their connections */
	size_t n_pairs;
	sd_event_source *relist_timer;
	unsigned relist_backoff; /* listings in a row that left an up waiting */
	uint64_t migrations, migrate_failures, initiations, terminations, resyncs;
	uint64_t ike_moves; /* charon said it moved an IKE SA (ike-event.h) */
};

/* ---- charon state ------------------------------------------------------------ */

static void copy_str(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s ? s : "");
}

/* A decimal u32 as charon prints ids ("17"); false for anything else. */
static bool parse_id(const char *s, uint32_t *ret)
{
	uint64_t v = 0;

	if (!s || !*s || strlen(s) > 10)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*ret = (uint32_t)v;
	return true;
}

static void km_list_sas(struct ss_km *ss);
static void km_list_sas_retry(struct ss_km *ss);

/* One IKE SA of a list-sa event into the table being filled. */
static int add_ike_sa(struct ss_km *ss, const struct vici_node *ike)
{
	const struct vici_node *children = vici_node_child(ike, "child-sas");
	struct ike_sa *s;
	uint32_t uid;

	if (!parse_id(vici_node_str(vici_node_child(ike, "uniqueid")), &uid))
		return 0; /* not one we could terminate or index: skip it */
	s = ike_sa_table_add(&ss->next);
	if (!s)
		return -ENOMEM;
	copy_str(s->name, sizeof(s->name), ike->name);
	s->uid = uid;
	copy_str(s->local, sizeof(s->local), vici_node_str(vici_node_child(ike, "local-host")));
	copy_str(s->remote, sizeof(s->remote), vici_node_str(vici_node_child(ike, "remote-host")));
	copy_str(s->spi_i, sizeof(s->spi_i), vici_node_str(vici_node_child(ike, "initiator-spi")));
	copy_str(s->spi_r, sizeof(s->spi_r), vici_node_str(vici_node_child(ike, "responder-spi")));
	copy_str(s->state, sizeof(s->state), vici_node_str(vici_node_child(ike, "state")));
	if (!children || children->type != VICI_NODE_SECTION)
		return 0;
	VICI_NODE_FOREACH(ch, children)
	{
		const char *state = vici_node_str(vici_node_child(ch, "state"));
		uint32_t reqid;

		if (ch->type == VICI_NODE_SECTION && state && strcmp(state, "INSTALLED") == 0 &&
		    parse_id(vici_node_str(vici_node_child(ch, "reqid")), &reqid) && reqid != 0 &&
		    ike_sa_add_reqid(s, reqid) < 0)
			return -ENOMEM;
	}
	return 0;
}

static void on_list_sa(struct vici_client *c, const struct vici_msg *ev, void *userdata)
{
	struct ss_km *ss = userdata;

	VICI_NODE_FOREACH(ike, &ev->root)
		if (ike->type == VICI_NODE_SECTION && add_ike_sa(ss, ike) < 0)
			ss->next_broken = true;
}

/* The IKE SA of connection conn carrying an installed CHILD_SA with reqid: never another connection's. */
static bool reqid_up(struct ss_km *ss, const char *conn, uint32_t reqid)
{
	return ike_sa_table_find(&ss->sas, conn, reqid, true) != NULL;
}

/* Complete the waits that match (up: their reqid is installed; otherwise: all still missing). */
static void complete_waits(struct ss_km *ss, bool up, int error)
{
	struct ss_wait **pw = &ss->waits;

	while (*pw) {
		struct ss_wait *w = *pw;

		if (reqid_up(ss, w->conn, w->reqid) == up) {
			*pw = w->next;
			km_call_complete(w->call, up ? 0 : error);
			free(w);
		} else
			pw = &w->next;
	}
}

static void log_sas(struct ss_km *ss)
{
	for (size_t i = 0; i < ss->sas.n; i++) {
		const struct ike_sa *s = &ss->sas.sas[i];

		log_debug("strongswan: IKE SA %s #%u %s %s <-> %s, %zu installed CHILD_SA(s)%s%u", s->name, s->uid,
			  s->state, s->local, s->remote, s->n_reqids, s->n_reqids ? ", first reqid " : "",
			  s->n_reqids ? s->reqids[0] : 0);
	}
}

static void on_list_sas_done(struct vici_client *c, int error, const struct vici_msg *reply, void *userdata)
{
	struct ss_km *ss = userdata;

	ss->listing = false;
	if (ss->destroying)
		return;
	if (error == 0 && (ss->next_broken || ike_sa_table_index(&ss->next) < 0))
		error = -ENOMEM;
	if (error < 0)
		log_warning_errno(error, "strongswan: list-sas failed: %m");
	else {
		ike_sa_table_swap(&ss->sas, &ss->next);
		ss->resyncs++;
		log_sas(ss);
		complete_waits(ss, true, 0);
		km_backend_notify(ss->front);
		if (ss->waits)
			km_list_sas_retry(ss);
		else
			ss->relist_backoff = 0;
	}
	ike_sa_table_clear(&ss->next);
	if (ss->relist) {
		/* Something changed while we listed: list again. */
		ss->relist = false;
		km_list_sas(ss);
	}
}

static void km_list_sas(struct ss_km *ss)
{
	struct vici_builder *b = NULL;

	if (ss->listing) {
		ss->relist = true;
		return;
	}
	if (vici_builder_new(VICI_CMD_REQUEST, "list-sas", &b) < 0)
		return;
	vici_builder_add_str(b, "noblock", "yes");
	ike_sa_table_clear(&ss->next);
	ss->next_broken = false;
	if (vici_client_call(ss->vc, b, "list-sa", KM_TIMEOUT_USEC, on_list_sas_done, on_list_sa, ss) == 0)
		ss->listing = true;
}

static void children_clear(struct ss_children *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		for (int d = 0; d < 2; d++)
			free(cs->v[i].ts[d]);
	free(cs->v);
	memset(cs, 0, sizeof(*cs));
}

/* A VICI list of selectors; unparsable ones are logged and left out. */
static int parse_ts_list(const struct vici_node *list, const char *where, struct ts **ret, size_t *ret_n)
{
	size_t n = 0;

	*ret = NULL;
	*ret_n = 0;
	if (!list || list->type != VICI_NODE_LIST || list->list.n_items == 0)
		return 0;
	*ret = calloc(list->list.n_items, sizeof(**ret));
	if (!*ret)
		return -ENOMEM;
	for (size_t i = 0; i < list->list.n_items; i++) {
		const char *it = vici_list_item_str(list, i);

		if (it && ts_parse(it, strlen(it), &(*ret)[n]) == 0)
			n++;
		else
			log_notice("strongswan: %s: traffic selector \"%s\" not understood, ignoring", where,
				   it ? it : "(binary)");
	}
	*ret_n = n;
	return 0;
}

static int add_child(struct ss_children *cs, const char *conn, const struct vici_node *ch)
{
	struct ss_child *k;

	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? 2 * cs->cap : 8;
		struct ss_child *v = reallocarray(cs->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		cs->v = v;
		cs->cap = cap;
	}
	k = &cs->v[cs->n];
	memset(k, 0, sizeof(*k));
	copy_str(k->conn, sizeof(k->conn), conn);
	copy_str(k->child, sizeof(k->child), ch->name);
	cs->n++;
	if (parse_ts_list(vici_node_child(ch, "local-ts"), ch->name, &k->ts[0], &k->n_ts[0]) < 0 ||
	    parse_ts_list(vici_node_child(ch, "remote-ts"), ch->name, &k->ts[1], &k->n_ts[1]) < 0)
		return -ENOMEM;
	return 0;
}

static void on_list_conn(struct vici_client *c, const struct vici_msg *ev, void *userdata)
{
	struct ss_km *ss = userdata;

	VICI_NODE_FOREACH(conn, &ev->root)
	{
		const struct vici_node *children = vici_node_child(conn, "children");

		if (conn->type != VICI_NODE_SECTION || !children || children->type != VICI_NODE_SECTION)
			continue;
		VICI_NODE_FOREACH(ch, children)
			if (ch->type == VICI_NODE_SECTION && add_child(&ss->next_children, conn->name, ch) < 0)
				log_warning("strongswan: out of memory listing connections");
	}
}

static void on_list_conns_done(struct vici_client *c, int error, const struct vici_msg *reply, void *userdata)
{
	struct ss_km *ss = userdata;

	ss->listing_conns = false;
	if (error < 0)
		log_warning_errno(error, "strongswan: list-conns failed: %m");
	else {
		struct ss_children tmp = ss->children;

		ss->children = ss->next_children;
		ss->next_children = tmp;
	}
	children_clear(&ss->next_children);
}

static void km_list_conns(struct ss_km *ss)
{
	struct vici_builder *b = NULL;

	if (ss->listing_conns || vici_builder_new(VICI_CMD_REQUEST, "list-conns", &b) < 0)
		return;
	children_clear(&ss->next_children);
	if (vici_client_call(ss->vc, b, "list-conn", KM_TIMEOUT_USEC, on_list_conns_done, on_list_conn, ss) == 0)
		ss->listing_conns = true;
}

static void on_connected(struct vici_client *c, void *userdata)
{
	struct ss_km *ss = userdata;

	log_info("strongswan: connected to charon, resynchronising");
	km_backend_state(ss->front, KM_STATE_CONNECTED);
	km_list_conns(ss);
	ss->listing = false;
	km_list_sas(ss);
}

/* Known absent (or gone): the VICI client keeps reconnecting with backoff; logged once per loss. */
static void on_down(struct vici_client *c, int error, void *userdata)
{
	struct ss_km *ss = userdata;

	if (ss->destroying || km_state(ss->front) == KM_STATE_UNAVAILABLE)
		return;
	log_warning_errno(error, "strongswan: charon is not reachable over VICI (%m), retrying in the background");
	km_backend_state(ss->front, KM_STATE_UNAVAILABLE);
}

static int on_relist(sd_event_source *s, uint64_t usec, void *userdata)
{
	km_list_sas(userdata);
	return 0;
}

/*
 * charon raises its events while the IKE SA is still checked out, and
 * `list-sas` with noblock skips such SAs: list a little later, once.
 */
static void km_list_sas_soon(struct ss_km *ss)
{
	if (ss->destroying)
		return;
	if (event_timer_arm(ss->event, &ss->relist_timer, now_usec() + 150 * USEC_PER_MSEC, 10 * USEC_PER_MSEC,
			    on_relist, ss) < 0)
		km_list_sas(ss);
}

/*
 * A listing left an up waiting: its CHILD_SA may have been up but checked out
 * (noblock skips it), and no further event need come. List again, backing off
 * from 150 ms to 2.4 s, for as long as someone waits (a wait ends when the
 * initiate fails, the caller cancels or the backend goes away).
 */
static void km_list_sas_retry(struct ss_km *ss)
{
	uint64_t when = now_usec() + ((150 * USEC_PER_MSEC) << ss->relist_backoff), armed;
	int enabled;

	if (ss->destroying)
		return;
	if (ss->relist_backoff < 4)
		ss->relist_backoff++;
	/* An event already asked for an earlier listing: keep it. */
	if (ss->relist_timer && sd_event_source_get_enabled(ss->relist_timer, &enabled) >= 0 &&
	    enabled != SD_EVENT_OFF && sd_event_source_get_time(ss->relist_timer, &armed) >= 0 && armed <= when)
		return;
	if (event_timer_arm(ss->event, &ss->relist_timer, when, 10 * USEC_PER_MSEC, on_relist, ss) < 0)
		log_warning("strongswan: cannot arm the timer to list the SAs again; an up waits for the next event");
}

/*
 * charon moved an IKE SA (plugins/ike-event.h): the `log` line of its migrate
 * job, or an `ike-update`. A log event never starts a `list-sas` (that command
 * makes charon log again).
 */
static bool on_ike_event(struct ss_km *ss, const struct vici_msg *ev)
{
	uint64_t at = now_realtime_usec();
	struct ike_moved mv;
	int r = ike_event_parse(ev, &mv);

	if (r < 0)
		log_debug("strongswan: a malformed %s event, ignoring", ev->name);
	else if (r > 0) {
		ss->ike_moves++;
		log_debug("strongswan: charon moved an IKE SA (%s, reqid %u)", mv.from_log ? "migrate job" : "ike-update",
			  mv.reqid);
		km_backend_ike_moved(ss->front, &mv, at);
	}
	return strcmp(ev->name, "log") == 0;
}

static void on_event(struct vici_client *c, const struct vici_msg *ev, void *userdata)
{
	struct ss_km *ss = userdata;

	if (ev->name && (strcmp(ev->name, "log") == 0 || strcmp(ev->name, "ike-update") == 0) && on_ike_event(ss, ev))
		return;
	log_debug("strongswan: event %s", ev->name ? ev->name : "?");
	/* Connected before `swanctl --load-all` (a charon restart): SAs coming up mean connections now. */
	if (ss->children.n == 0)
		km_list_conns(ss);
	km_list_sas_soon(ss);
}

/*
 * How the child names the pair: hoa/ha = the longest prefix of its
 * selectors (local or remote) holding the address for protocol proto, -1 none.
 */
static void child_match(const struct ss_child *k, const struct spd_pair *p, int proto, int *hoa, int *ha)
{
	*hoa = *ha = -1;
	for (int d = 0; d < 2; d++) {
		int a = ts_list_match(k->ts[d], k->n_ts[d], &p->hoa, proto);
		int b = ts_list_match(k->ts[d], k->n_ts[d], &p->ha, proto);

		*hoa = a > *hoa ? a : *hoa;
		*ha = b > *ha ? b : *ha;
	}
}

/* The child names the HoA by a real prefix (not ::/0) for any protocol. */
static bool child_names_hoa(const struct ss_child *k, const struct spd_pair *p)
{
	int hoa, ha;

	child_match(k, p, TS_PROTO_ANY, &hoa, &ha);
	return hoa > 0;
}

/*
 * The swanctl child of connection conn (NULL: of any) protecting the pair's
 * BU/BA: its selectors hold both the HoA and the HA by a real prefix (not
 * ::/0) for the mobility header, the most specific first. Failing that, the
 * child naming the HoA most specifically. *tie: another connection's child
 * scores the same.
 */
static const struct ss_child *child_in(struct ss_km *ss, const char *conn, const struct spd_pair *p, bool *tie)
{
	const struct ss_child *best = NULL, *any = NULL;
	int best_score = -1, any_score = 0;
	bool best_tie = false, any_tie = false;

	for (size_t i = 0; i < ss->children.n; i++) {
		const struct ss_child *k = &ss->children.v[i];
		int hoa, ha;

		if (conn && strcmp(k->conn, conn) != 0)
			continue;

		child_match(k, p, IPPROTO_MH, &hoa, &ha);
		if (hoa > 0 && ha > 0 && hoa + ha >= best_score) {
			best_tie = hoa + ha == best_score && strcmp(best->conn, k->conn) != 0;
			if (hoa + ha > best_score) {
				best = k;
				best_score = hoa + ha;
			}
		}
		child_match(k, p, TS_PROTO_ANY, &hoa, &ha);
		if (hoa > 0 && hoa >= any_score) {
			any_tie = any && hoa == any_score && strcmp(any->conn, k->conn) != 0;
			if (hoa > any_score) {
				any = k;
				any_score = hoa;
			}
		}
	}
	*tie = best ? best_tie : any_tie;
	return best ? best : any;
}

static bool is_owned(const struct ss_km *ss, const char *conn)
{
	for (size_t i = 0; i < ss->n_owned; i++)
		if (strcmp(ss->owned[i], conn) == 0)
			return true;
	return false;
}

static void add_owned(struct ss_km *ss, const char *conn)
{
	char(*v)[KM_NAME];

	if (!conn || !*conn || is_owned(ss, conn))
		return;
	v = reallocarray(ss->owned, ss->n_owned + 1, sizeof(*v));
	if (!v)
		return; /* only what mip6ctl shows */
	ss->owned = v;
	copy_str(ss->owned[ss->n_owned++], KM_NAME, conn);
}

/*
 * The swanctl connection of the pair: the set's IkeConnection, or derived
 * from charon's connections (the one whose child names the pair best, see
 * child_in) when exactly one does; NULL otherwise (nothing is touched).
 */
static const char *conn_for(struct ss_km *ss, const struct spd_pair *p, bool loud)
{
	const struct ss_child *k;
	bool tie;

	if (p->ike_conn[0])
		return p->ike_conn;
	k = child_in(ss, NULL, p, &tie);
	if (k && tie) {
		if (loud)
			log_error("strongswan: more than one swanctl connection names the home address as "
				  "well as \"%s\" does: name it with IkeConnection in the IPsecPolicySet",
				  k->conn);
		return NULL;
	}
	return k ? k->conn : NULL;
}

/* The pair's IKE SA (its connection's, carrying the BU/BA reqid), or NULL. */
static const struct ike_sa *sa_for(struct ss_km *ss, const struct spd_pair *p)
{
	const char *conn = conn_for(ss, p, false);

	return conn ? ike_sa_table_find(&ss->sas, conn, p->reqid, true) : NULL;
}

/* ---- operations ----------------------------------------------------------------- */

static const char *reply_error(int error, const struct vici_msg *reply)
{
	if (error < 0)
		return strerror(-error);
	if (reply && vici_msg_get(reply, "errmsg"))
		return vici_msg_get(reply, "errmsg");
	return "no reason given";
}

static bool reply_ok(int error, const struct vici_msg *reply)
{
	const char *ok = reply ? vici_msg_get(reply, "success") : NULL;

	return error == 0 && ok && strcmp(ok, "yes") == 0;
}

static void on_initiated(struct vici_client *c, int error, const struct vici_msg *reply, void *userdata)
{
	struct ss_km *ss = userdata;

	if (ss->destroying)
		return;
	if (!reply_ok(error, reply)) {
		log_warning("strongswan: initiate failed: %s", reply_error(error, reply));
		/* Whoever waits for SAs that are still not there hears of it now (and may retry). */
		complete_waits(ss, false, -EHOSTUNREACH);
	}
	km_list_sas_soon(ss);
}

static void on_initiated_extra(struct vici_client *c, int error, const struct vici_msg *reply, void *userdata)
{
	struct ss_km *ss = userdata;

	if (ss->destroying)
		return;
	if (!reply_ok(error, reply))
		log_notice("strongswan: an additional CHILD_SA did not come up: %s", reply_error(error, reply));
	km_list_sas_soon(ss);
}

/*
 * `initiate` one swanctl child. wait: charon answers once it is up or failed
 * (what up reports); otherwise timeout -1: charon queues it and answers at
 * once, so that the pair's other children never hold the one command slot.
 */
static int km_initiate(struct ss_km *ss, const struct ss_child *ch, bool wait, vici_command_cb cb)
{
	struct vici_builder *b = NULL;
	int r = vici_builder_new(VICI_CMD_REQUEST, "initiate", &b);

	if (r < 0)
		return r;
	vici_builder_add_str(b, "ike", ch->conn);
	vici_builder_add_str(b, "child", ch->child);
	vici_builder_add_str(b, "timeout", wait ? KM_INITIATE_MSEC : "-1");
	vici_builder_add_str(b, "init-limits", "no");
	return vici_client_call(ss->vc, b, "control-log", wait ? KM_INITIATE_USEC : KM_TIMEOUT_USEC, cb, NULL, ss);
}

/* The pair's other children of the same connection (HoTI/HoT tunnel...) come up beside it; their fate is only logged. */
static void initiate_others(struct ss_km *ss, const struct ss_child *ch, const struct spd_pair *p)
{
	for (size_t i = 0; i < ss->children.n; i++) {
		const struct ss_child *k = &ss->children.v[i];

		if (k == ch || strcmp(k->conn, ch->conn) != 0 || !child_names_hoa(k, p))
			continue;
		if (km_initiate(ss, k, false, on_initiated_extra) == 0)
			log_info("strongswan: initiating %s/%s too", k->conn, k->child);
	}
}

static int ss_up(void *be, const struct spd_pair *p, struct km_call *call)
{
	struct ss_km *ss = be;
	const char *conn = conn_for(ss, p, true);
	const struct ss_child *ch;
	struct ss_wait *w;
	bool tie;
	int r;

	if (conn && reqid_up(ss, conn, p->reqid)) {
		km_call_complete(call, 0); /* the front delivers it from the loop */
		return 0;
	}
	ch = conn ? child_in(ss, conn, p, &tie) : NULL;
	add_owned(ss, conn);
	if (!ch) {
		/* charon may have come up before `swanctl --load-all`: look again, the caller retries. */
		km_list_conns(ss);
		return log_warning_errno(EAGAIN, "strongswan: no swanctl child names the home address yet (is the config loaded?)");
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	/*
	 * The other children first: charon answers those at once (timeout -1), so they
	 * never wait in our one-command queue behind the waited initiate, whose answer
	 * can take KM_INITIATE_MSEC (they timed out there on a slow host).
	 */
	initiate_others(ss, ch, p);
	r = km_initiate(ss, ch, true, on_initiated);
	if (r < 0) {
		free(w);
		return r;
	}
	*w = (struct ss_wait){ .next = ss->waits, .reqid = p->reqid, .call = call };
	copy_str(w->conn, sizeof(w->conn), ch->conn);
	ss->waits = w;
	ss->initiations++;
	log_info("strongswan: initiating %s/%s", ch->conn, ch->child);
	return 0;
}

static struct ss_op *op_new(struct ss_km *ss, struct km_call *call)
{
	struct ss_op *op = calloc(1, sizeof(*op));

	if (!op)
		return NULL;
	op->ss = ss;
	op->call = call;
	op->next = ss->ops;
	if (ss->ops)
		ss->ops->prev = op;
	ss->ops = op;
	return op;
}

/* Unlink and free op; its call completes with error unless already handed on (call NULL). */
static void op_finish(struct ss_op *op, int error)
{
	struct ss_km *ss = op->ss;

	if (op->prev)
		op->prev->next = op->next;
	else
		ss->ops = op->next;
	if (op->next)
		op->next->prev = op->prev;
	if (op->call)
		km_call_complete(op->call, error);
	free(op);
}

static void on_migrated(int result, void *userdata)
{
	struct ss_op *mv = userdata;
	struct ss_km *ss = mv->ss;
	struct knl_xfrm_migrate *mg = &mv->mgs[mv->i_mg];

	if (result < 0) {
		ss->migrate_failures++;
		log_warning_errno(result, "XFRM MIGRATE %u/%u (%s%s) failed: %m", mv->i_mg + 1, mv->n_mg,
				  mg->entries[0].mode == XFRM_MODE_TUNNEL ? "tunnel" : "transport",
				  mg->has_kmaddress ? ", KMADDRESS" : "");
		/* The transport MIGRATE (the last) is what moves the IKE SA: its result counts. */
		if (mv->i_mg + 1 == mv->n_mg)
			mv->first_error = result;
	} else
		ss->migrations++;
	if (++mv->i_mg < mv->n_mg) {
		if (knl_xfrm_migrate(ss->knl, &mv->mgs[mv->i_mg], ss, on_migrated, mv) == 0)
			return;
		mv->first_error = -ENOMEM;
	}
	op_finish(mv, mv->first_error);
	km_list_sas_soon(ss);
}

/*
 * An IKE SA of another connection carrying one of the reqids a MIGRATE names:
 * charon finds the CHILD_SA of a MIGRATE by reqid alone (strongswan.md), it
 * would move that one. With the connection not known (yet: charon restarted
 * and its connections are not loaded, or listed, yet), a holder counts when
 * IKE SAs of two names carry the reqid.
 */
static const struct ike_sa *foreign_holder(struct ss_km *ss, const struct spd_pair *p, bool tunnel)
{
	const char *conn = conn_for(ss, p, false);
	const uint32_t reqids[2] = { p->reqid, tunnel ? p->reqid_hoti : 0 };

	for (size_t i = 0; i < ELEMENTSOF(reqids); i++) {
		const struct ike_sa *o;

		if (reqids[i] == 0)
			continue;
		if (conn)
			o = ike_sa_table_find(&ss->sas, conn, reqids[i], false);
		else {
			o = ike_sa_table_by_reqid(&ss->sas, reqids[i]);
			o = o ? ike_sa_table_find(&ss->sas, o->name, reqids[i], false) : NULL;
		}
		if (o)
			return o;
	}
	return NULL;
}

static int ss_migrate(void *be, enum node_role role, const struct spd_pair *p, const struct in6_addr *old_coa,
		      const struct in6_addr *coa, struct km_call *call)
{
	struct ss_km *ss = be;
	bool tunnel = old_coa && memcmp(old_coa, coa, sizeof(*coa)) != 0;
	const struct ike_sa *other = foreign_holder(ss, p, tunnel);

	if (!conn_for(ss, p, false))
		km_list_conns(ss); /* for the next time */
	struct ss_op *mv;
	int r;

	if (other) {
		ss->migrate_failures++;
		log_error("strongswan: not migrating: IKE SA %s #%u (not this pair's connection) carries a CHILD_SA "
			  "with reqid %u or %u, and charon would move it instead; give the mobility children "
			  "reqids from %u-%u",
			  other->name, other->uid, p->reqid, p->reqid_hoti, CONF_REQID_MIN, CONF_REQID_MAX);
		return -EADDRINUSE;
	}
	mv = op_new(ss, call);
	if (!mv)
		return -ENOMEM;
	/* Tunnel-mode entries follow the CoA first (if any), then the IKE SA moves. */
	if (tunnel)
		mv->n_mg = (unsigned)spd_migrate_tunnel(role, p, old_coa, coa, mv->mgs);
	spd_migrate(role, p, coa, &mv->mgs[mv->n_mg++]);
	r = knl_xfrm_migrate(ss->knl, &mv->mgs[0], ss, on_migrated, mv);
	if (r < 0) {
		mv->call = NULL;
		op_finish(mv, 0);
	}
	return r;
}

static void on_terminated(struct vici_client *c, int error, const struct vici_msg *reply, void *userdata)
{
	struct ss_op *op = userdata;
	struct ss_km *ss = op->ss;

	if (ss->destroying) {
		op_finish(op, -ECANCELED);
		return;
	}
	ss->terminations++;
	if (error == 0 && !reply_ok(error, reply))
		log_notice("strongswan: terminate: %s", reply_error(error, reply));
	/* The IKE SA and its CHILD_SAs are gone now (charon did not wait for the peer). */
	ike_sa_table_forget(&ss->sas, op->ike_uid);
	if (op->reup) {
		/* renew: initiate anew from the current CoA. */
		error = ss_up(ss, &op->pair, op->call);
		if (error == 0)
			op->call = NULL; /* handed on */
	}
	op_finish(op, error < 0 ? error : 0);
	km_list_sas_soon(ss);
}

/*
 * `terminate` the IKE SA by unique id, forced, timeout -1: charon answers at
 * once instead of holding our one command slot while its DELETE goes
 * unanswered by a peer that is not at that address any more.
 */
static int km_terminate(struct ss_km *ss, struct ss_op *op)
{
	struct vici_builder *b = NULL;
	char id[16];
	int r = vici_builder_new(VICI_CMD_REQUEST, "terminate", &b);

	if (r < 0)
		return r;
	snprintf(id, sizeof(id), "%u", op->ike_uid);
	vici_builder_add_str(b, "ike-id", id);
	vici_builder_add_str(b, "force", "yes");
	vici_builder_add_str(b, "timeout", "-1");
	return vici_client_call(ss->vc, b, "control-log", KM_TIMEOUT_USEC, on_terminated, NULL, op);
}

static int terminate_pair(struct ss_km *ss, const struct spd_pair *p, bool reup, struct km_call *call)
{
	const struct ike_sa *sa = sa_for(ss, p);
	struct ss_op *op;
	int r;

	if (!sa)
		return reup ? ss_up(ss, p, call) : -ENOENT;
	op = op_new(ss, call);
	if (!op)
		return -ENOMEM;
	op->ike_uid = sa->uid;
	op->pair = *p;
	op->reup = reup;
	r = km_terminate(ss, op);
	if (r < 0) {
		op->call = NULL;
		op_finish(op, 0);
	}
	return r;
}

/* K=0 on the HA (RFC 4877 §4.3): the IKE SA to the old CoA goes; the MN starts a new one. */
static int ss_drop(void *be, const struct spd_pair *p, struct km_call *call)
{
	return terminate_pair(be, p, false, call);
}

/*
 * K=0 on the MN: the HA dropped the IKE SA it had with the old CoA (its DELETE
 * went there); drop ours too, then initiate anew, from the current CoA.
 */
static int ss_renew(void *be, const struct spd_pair *p, struct km_call *call)
{
	return terminate_pair(be, p, true, call);
}

static bool ss_is_up(void *be, const struct spd_pair *p)
{
	return sa_for(be, p) != NULL;
}

/* The strings come from charon (names, states, hosts): json-c escapes them. */
static json_object *ss_sa_json(const struct ike_sa *s)
{
	json_object *o = json_object_new_object(), *reqids;
	char uid[16];

	snprintf(uid, sizeof(uid), "%u", s->uid);
	ctl_json_add_str(o, "name", s->name);
	ctl_json_add_str(o, "uniqueid", uid);
	ctl_json_add_str(o, "state", s->state);
	ctl_json_add_str(o, "local", s->local);
	ctl_json_add_str(o, "remote", s->remote);
	ctl_json_add_str(o, "spi_i", s->spi_i);
	ctl_json_add_str(o, "spi_r", s->spi_r);
	reqids = ctl_json_add_array(o, "reqids");
	for (size_t j = 0; reqids && j < s->n_reqids; j++)
		ctl_json_append(reqids, json_object_new_uint64(s->reqids[j]));
	return o;
}

/* Only the IKE SAs of mip6d's connections: charon's other tunnels are none of mip6d's business. */
static void ss_print(void *be, FILE *out, bool json)
{
	struct ss_km *ss = be;
	size_t n_other = 0;

	for (size_t i = 0; i < ss->n_pairs; i++)
		add_owned(ss, conn_for(ss, &ss->pairs[i], false));
	for (size_t i = 0; i < ss->sas.n; i++)
		n_other += !is_owned(ss, ss->sas.sas[i].name);

	if (json) {
		json_object *o = json_object_new_object(), *sas;

		ctl_json_add_str(o, "backend", "strongswan");
		ctl_json_add_bool(o, "connected", vici_client_is_connected(ss->vc));
		ctl_json_add_u64(o, "migrations", ss->migrations);
		ctl_json_add_u64(o, "migrate_failures", ss->migrate_failures);
		ctl_json_add_u64(o, "initiations", ss->initiations);
		ctl_json_add_u64(o, "terminations", ss->terminations);
		ctl_json_add_u64(o, "ike_moves_reported", ss->ike_moves);
		ctl_json_add_u64(o, "other_ike_sas", n_other);
		sas = ctl_json_add_array(o, "ike_sas");
		for (size_t i = 0; sas && i < ss->sas.n; i++)
			if (is_owned(ss, ss->sas.sas[i].name))
				ctl_json_append(sas, ss_sa_json(&ss->sas.sas[i]));
		(void)ctl_json_print(out, o);
		return;
	}
	fprintf(out, "backend strongswan (%s), %llu MIGRATEs (%llu failed), %llu initiations, %llu terminations\n",
		vici_client_is_connected(ss->vc) ? "connected" : "not connected", (unsigned long long)ss->migrations,
		(unsigned long long)ss->migrate_failures, (unsigned long long)ss->initiations,
		(unsigned long long)ss->terminations);
	for (size_t i = 0; i < ss->sas.n; i++)
		if (is_owned(ss, ss->sas.sas[i].name))
			fprintf(out, "  IKE %s #%u %s %s <-> %s, %zu child SA(s)\n", ss->sas.sas[i].name,
				ss->sas.sas[i].uid, ss->sas.sas[i].state, ss->sas.sas[i].local,
				ss->sas.sas[i].remote, ss->sas.sas[i].n_reqids);
	if (n_other)
		fprintf(out, "  (%zu IKE SA(s) of other connections not shown)\n", n_other);
}

/* The pairs of the configuration's sets (their connections are what mip6ctl shows). */
static void remember_pairs(struct ss_km *ss, const struct mip6_config *c)
{
	for (size_t i = 0; i < c->n_ipsec_policy_sets; i++) {
		const struct conf_ipsec_policy_set *set = &c->ipsec_policy_sets[i];

		add_owned(ss, set->ike_conn);
		for (size_t j = 0; j < set->n_hoas; j++) {
			struct spd_pair p, *v;

			if (spd_lookup(c, &set->hoas[j].addr, set->has_ha_addr ? &set->ha_addr : NULL, &p) <= 0)
				continue;
			v = reallocarray(ss->pairs, ss->n_pairs + 1, sizeof(*v));
			if (!v)
				return;
			ss->pairs = v;
			ss->pairs[ss->n_pairs++] = p;
		}
	}
}

static int ss_create(struct km *front, sd_event *e, struct io *io, const struct mip6_config *c, void **ret)
{
	/* log and ike-update: when charon moved an IKE SA (ike-event.h). */
	static const char *const events[] = { "ike-updown", "child-updown", "ike-rekey", "child-rekey", "ike-update",
					      "log" };
	struct ss_km *ss = calloc(1, sizeof(*ss));
	int r;

	if (!ss)
		return -ENOMEM;
	ss->front = front;
	ss->event = e;
	ss->io = io;
	ss->knl = io ? io_knl(io) : NULL;
	/* The connection is the I/O module's (it counts and owns it); this backend drives it. */
	r = io ? io_vici_open(io, c->vici_socket, &ss->vc) : -EINVAL;
	if (r < 0) {
		free(ss);
		return r;
	}
	remember_pairs(ss, c);
	vici_client_set_event_handler(ss->vc, on_event, ss);
	vici_client_set_connected_handler(ss->vc, on_connected, ss);
	vici_client_set_down_handler(ss->vc, on_down, ss);
	for (size_t i = 0; i < ELEMENTSOF(events); i++)
		(void)vici_client_register_event(ss->vc, events[i]);
	r = vici_client_start(ss->vc);
	if (r < 0) {
		io_vici_close(io, ss->vc);
		free(ss);
		return r;
	}
	*ret = ss;
	return 0;
}

static void ss_destroy(void *be)
{
	struct ss_km *ss = be;

	if (!ss)
		return;
	ss->destroying = true;
	/* Fails the commands in flight (terminates finish their op) ... */
	io_vici_close(ss->io, ss->vc);
	/* ... no MIGRATE acknowledgement reaches us any more. */
	if (ss->knl)
		knl_cancel_owner(ss->knl, ss);
	while (ss->ops)
		op_finish(ss->ops, -ECANCELED);
	while (ss->waits) {
		struct ss_wait *w = ss->waits;

		ss->waits = w->next;
		km_call_complete(w->call, -ECANCELED);
		free(w);
	}
	sd_event_source_disable_unref(ss->relist_timer);
	ike_sa_table_clear(&ss->sas);
	ike_sa_table_clear(&ss->next);
	children_clear(&ss->children);
	children_clear(&ss->next_children);
	free(ss->owned);
	free(ss->pairs);
	free(ss);
}

const struct km_backend_ops km_strongswan_backend = {
	.name = "strongswan",
	.peer = "charon (vici)",
	.features = KM_F_NOTIFY | KM_F_DYNAMIC | KM_F_MIGRATE | KM_F_REKEY_ON_MOVE,
	.create = ss_create,
	.destroy = ss_destroy,
	.up = ss_up,
	.migrate = ss_migrate,
	.drop = ss_drop,
	.renew = ss_renew,
	.is_up = ss_is_up,
	.print = ss_print,
};
