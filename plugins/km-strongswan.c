/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Key management through strongSwan's charon over VICI (RFC 4877).
 *
 * State comes from charon: after every (re)connect the backend lists the
 * connections (`list-conns`, to find the CHILD_SA that protects a pair: the
 * child whose local or remote traffic selector names the HoA) and the SAs
 * (`list-sas` with noblock, to learn IKE SAs, their endpoints and SPIs, and
 * which CHILD_SA reqids are installed). ike-updown, child-updown and the
 * rekey events trigger a new `list-sas`.
 *
 * Movement with K=1 (RFC 6275 §10.3.1/§11.7.1, RFC 4877 §4.3): a transport
 * XFRM_MSG_MIGRATE with old == new (the SAs are keyed on the HoA) and
 * XFRMA_KMADDRESS naming the new IKE endpoints, on the role's outbound
 * MH policy; charon finds the CHILD_SA by reqid and moves the IKE SA. On
 * kernels >= 6.12 an MH-typed selector needs the type in dport too: the
 * MIGRATE is retried that way after ENOENT. With K=0 the HA terminates the
 * IKE SA through VICI and the MN initiates a new one.
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
#include "ipsec/spd.h"
#include "keymgmt.h"
#include "netlink/nl-kernel.h"
#include "vici/vici-client.h"
#include "vici/vici-codec.h"

#define KM_MAX 32
#define KM_NAME 64
#define KM_TIMEOUT_USEC (10 * USEC_PER_SEC)

struct km_child {
	char conn[KM_NAME], child[KM_NAME];
	char local_ts[96], remote_ts[96];
};

struct km_sa {
	char ike[KM_NAME];
	char ike_uid[16];
	char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN];
	char spi_i[24], spi_r[24];
	char state[24];
	uint32_t reqids[8];
	unsigned n_reqids;
};

struct km_wait {
	uint32_t reqid;
	km_done_fn done;
	void *userdata;
	bool used;
};

struct km {
	sd_event *event;
	struct knl *knl;
	struct vici_client *vc;
	struct km_child children[KM_MAX];
	unsigned n_children;
	struct km_sa sas[KM_MAX], next[KM_MAX];
	unsigned n_sas, n_next;
	struct km_wait waits[8];
	bool listing, relist;
	sd_event_source *relist_timer;
	void (*notify)(void *userdata);
	void *notify_ud;
	uint64_t migrations, migrate_failures, initiations, terminations, resyncs;
};

/* ---- charon state ------------------------------------------------------------ */

static void copy_str(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s ? s : "");
}

static void km_list_sas(struct km *km);

static void on_list_sa(struct vici_client *c, const struct vici_msg *ev, void *userdata)
{
	struct km *km = userdata;

	VICI_NODE_FOREACH(ike, &ev->root)
	{
		const struct vici_node *children;
		struct km_sa *s;

		if (ike->type != VICI_NODE_SECTION || km->n_next >= KM_MAX)
			continue;
		s = &km->next[km->n_next++];
		memset(s, 0, sizeof(*s));
		copy_str(s->ike, sizeof(s->ike), ike->name);
		copy_str(s->ike_uid, sizeof(s->ike_uid), vici_node_str(vici_node_child(ike, "uniqueid")));
		copy_str(s->local, sizeof(s->local), vici_node_str(vici_node_child(ike, "local-host")));
		copy_str(s->remote, sizeof(s->remote), vici_node_str(vici_node_child(ike, "remote-host")));
		copy_str(s->spi_i, sizeof(s->spi_i), vici_node_str(vici_node_child(ike, "initiator-spi")));
		copy_str(s->spi_r, sizeof(s->spi_r), vici_node_str(vici_node_child(ike, "responder-spi")));
		copy_str(s->state, sizeof(s->state), vici_node_str(vici_node_child(ike, "state")));
		children = vici_node_child(ike, "child-sas");
		if (!children || children->type != VICI_NODE_SECTION)
			continue;
		VICI_NODE_FOREACH(ch, children)
		{
			const char *reqid = vici_node_str(vici_node_child(ch, "reqid"));
			const char *state = vici_node_str(vici_node_child(ch, "state"));

			if (reqid && state && strcmp(state, "INSTALLED") == 0 && s->n_reqids < 8)
				s->reqids[s->n_reqids++] = (uint32_t)strtoul(reqid, NULL, 10);
		}
	}
}

static bool reqid_up(struct km *km, uint32_t reqid, const struct km_sa **ret)
{
	for (unsigned i = 0; i < km->n_sas; i++)
		for (unsigned j = 0; j < km->sas[i].n_reqids; j++)
			if (km->sas[i].reqids[j] == reqid) {
				if (ret)
					*ret = &km->sas[i];
				return true;
			}
	return false;
}

static void complete_waits(struct km *km)
{
	for (unsigned i = 0; i < ELEMENTSOF(km->waits); i++) {
		struct km_wait *w = &km->waits[i];
		if (w->used && reqid_up(km, w->reqid, NULL)) {
			w->used = false;
			w->done(0, w->userdata);
		}
	}
}

static void on_list_sas_done(struct vici_client *c, int error, const struct vici_msg *reply, void *userdata)
{
	struct km *km = userdata;

	km->listing = false;
	if (error < 0)
		log_warning_errno(error, "strongswan: list-sas failed: %m");
	else {
		memcpy(km->sas, km->next, sizeof(km->sas));
		km->n_sas = km->n_next;
		km->resyncs++;
		for (unsigned i = 0; i < km->n_sas; i++)
			log_debug("strongswan: IKE SA %s #%s %s %s <-> %s, %u installed CHILD_SA(s)%s%u", km->sas[i].ike,
				  km->sas[i].ike_uid, km->sas[i].state, km->sas[i].local, km->sas[i].remote,
				  km->sas[i].n_reqids, km->sas[i].n_reqids ? ", first reqid " : "",
				  km->sas[i].n_reqids ? km->sas[i].reqids[0] : 0);
		complete_waits(km);
		if (km->notify)
			km->notify(km->notify_ud);
	}
	if (km->relist) {
		/* Something changed while we listed: list again. */
		km->relist = false;
		km_list_sas(km);
	}
}

static void km_list_sas(struct km *km)
{
	struct vici_builder *b = NULL;

	if (km->listing) {
		km->relist = true;
		return;
	}
	if (vici_builder_new(VICI_CMD_REQUEST, "list-sas", &b) < 0)
		return;
	vici_builder_add_str(b, "noblock", "yes");
	km->n_next = 0;
	if (vici_client_call(km->vc, b, "list-sa", KM_TIMEOUT_USEC, on_list_sas_done, on_list_sa, km) == 0)
		km->listing = true;
}

static void ts_join(const struct vici_node *list, char *buf, size_t n)
{
	buf[0] = 0;
	if (!list || list->type != VICI_NODE_LIST)
		return;
	for (size_t i = 0; i < list->list.n_items; i++) {
		const char *it = vici_list_item_str(list, i);
		size_t l = strlen(buf);
		if (it)
			snprintf(buf + l, n - l, "%s%s", l ? "," : "", it);
	}
}

static void on_list_conn(struct vici_client *c, const struct vici_msg *ev, void *userdata)
{
	struct km *km = userdata;

	VICI_NODE_FOREACH(conn, &ev->root)
	{
		const struct vici_node *children = vici_node_child(conn, "children");

		if (conn->type != VICI_NODE_SECTION || !children || children->type != VICI_NODE_SECTION)
			continue;
		VICI_NODE_FOREACH(ch, children)
		{
			struct km_child *k;

			if (ch->type != VICI_NODE_SECTION || km->n_children >= KM_MAX)
				continue;
			k = &km->children[km->n_children++];
			copy_str(k->conn, sizeof(k->conn), conn->name);
			copy_str(k->child, sizeof(k->child), ch->name);
			ts_join(vici_node_child(ch, "local-ts"), k->local_ts, sizeof(k->local_ts));
			ts_join(vici_node_child(ch, "remote-ts"), k->remote_ts, sizeof(k->remote_ts));
		}
	}
}

static void on_list_conns_done(struct vici_client *c, int error, const struct vici_msg *reply, void *userdata)
{
	if (error < 0)
		log_warning_errno(error, "strongswan: list-conns failed: %m");
}

static void km_list_conns(struct km *km)
{
	struct vici_builder *b = NULL;

	km->n_children = 0;
	if (vici_builder_new(VICI_CMD_REQUEST, "list-conns", &b) == 0)
		(void)vici_client_call(km->vc, b, "list-conn", KM_TIMEOUT_USEC, on_list_conns_done, on_list_conn, km);
}

static void on_connected(struct vici_client *c, void *userdata)
{
	struct km *km = userdata;

	log_info("strongswan: connected to charon, resynchronising");
	km_list_conns(km);
	km->listing = false;
	km_list_sas(km);
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
static void km_list_sas_soon(struct km *km)
{
	if (event_timer_arm(km->event, &km->relist_timer, now_usec() + 150 * USEC_PER_MSEC, 10 * USEC_PER_MSEC,
			    on_relist, km) < 0)
		km_list_sas(km);
}

static void on_event(struct vici_client *c, const struct vici_msg *ev, void *userdata)
{
	struct km *km = userdata;

	log_debug("strongswan: event %s", ev->name ? ev->name : "?");
	km_list_sas_soon(km);
}

/* "addr/128", as charon lists a host traffic selector; buf holds INET6_ADDRSTRLEN + 8. */
static void host_ts(const struct in6_addr *a, char *buf)
{
	inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
	strcat(buf, "/128");
}

static bool child_names(const struct km_child *k, const char *addr)
{
	return strstr(k->local_ts, addr) || strstr(k->remote_ts, addr);
}

/*
 * The swanctl child protecting the pair's BU/BA: its traffic selectors name
 * both the HoA and the HA. Others naming the HoA (e.g. the HoTI/HoT tunnel)
 * are brought up beside it.
 */
static const struct km_child *child_for(struct km *km, const struct spd_pair *p)
{
	char hoa[INET6_ADDRSTRLEN + 8], ha[INET6_ADDRSTRLEN + 8];
	const struct km_child *any = NULL;

	host_ts(&p->hoa, hoa);
	host_ts(&p->ha, ha);
	for (unsigned i = 0; i < km->n_children; i++)
		if (child_names(&km->children[i], hoa)) {
			if (child_names(&km->children[i], ha))
				return &km->children[i];
			if (!any)
				any = &km->children[i];
		}
	return any;
}

/* ---- operations ----------------------------------------------------------------- */

static void on_initiated(struct vici_client *c, int error, const struct vici_msg *reply, void *userdata)
{
	struct km *km = userdata;
	const char *ok = reply ? vici_msg_get(reply, "success") : NULL;

	if (error < 0 || !ok || strcmp(ok, "yes") != 0) {
		log_warning("strongswan: initiate failed: %s",
			    error < 0 ? strerror(-error) : (reply && vici_msg_get(reply, "errmsg")) ? vici_msg_get(reply, "errmsg") : "no reason given");
		/* Whoever waits for SAs that are still not there hears of it now (and may retry). */
		for (unsigned i = 0; i < ELEMENTSOF(km->waits); i++) {
			struct km_wait *w = &km->waits[i];
			if (w->used && !reqid_up(km, w->reqid, NULL)) {
				w->used = false;
				w->done(-EHOSTUNREACH, w->userdata);
			}
		}
	}
	km_list_sas_soon(km);
}

static void on_initiated_extra(struct vici_client *c, int error, const struct vici_msg *reply, void *userdata)
{
	const char *ok = reply ? vici_msg_get(reply, "success") : NULL;

	if (error < 0 || !ok || strcmp(ok, "yes") != 0)
		log_notice("strongswan: an additional CHILD_SA did not come up: %s",
			   error < 0 ? strerror(-error) : (reply && vici_msg_get(reply, "errmsg")) ? vici_msg_get(reply, "errmsg") : "no reason given");
	km_list_sas_soon(userdata);
}

/* `initiate` one swanctl child (charon answers once it is up or failed). */
static int km_initiate(struct km *km, const struct km_child *ch, vici_command_cb cb)
{
	struct vici_builder *b = NULL;
	int r = vici_builder_new(VICI_CMD_REQUEST, "initiate", &b);

	if (r < 0)
		return r;
	vici_builder_add_str(b, "ike", ch->conn);
	vici_builder_add_str(b, "child", ch->child);
	vici_builder_add_str(b, "timeout", "10000");
	vici_builder_add_str(b, "init-limits", "no");
	return vici_client_call(km->vc, b, "control-log", KM_TIMEOUT_USEC, cb, NULL, km);
}

static int ss_up(struct km *km, const struct spd_pair *p, km_done_fn done, void *userdata)
{
	const struct km_child *ch;
	struct km_wait *w = NULL;
	int r;

	if (reqid_up(km, p->reqid, NULL)) {
		/* Already up: complete from the loop, never synchronously. */
		for (unsigned i = 0; i < ELEMENTSOF(km->waits); i++)
			if (!km->waits[i].used) {
				km->waits[i] = (struct km_wait){ p->reqid, done, userdata, true };
				km_list_sas(km);
				return 0;
			}
		return -EBUSY;
	}
	ch = child_for(km, p);
	if (!ch) {
		/* charon may have come up before `swanctl --load-all`: look again, the caller retries. */
		km_list_conns(km);
		return log_warning_errno(EAGAIN, "strongswan: no swanctl child names the home address yet (is the config loaded?)");
	}
	for (unsigned i = 0; i < ELEMENTSOF(km->waits); i++)
		if (!km->waits[i].used) {
			w = &km->waits[i];
			break;
		}
	if (!w)
		return -EBUSY;
	r = km_initiate(km, ch, on_initiated);
	if (r < 0)
		return r;
	*w = (struct km_wait){ p->reqid, done, userdata, true };
	km->initiations++;
	log_info("strongswan: initiating %s/%s", ch->conn, ch->child);
	/* The pair's other children (HoTI/HoT tunnel...) come up beside it; their fate is only logged. */
	{
		char hoa[INET6_ADDRSTRLEN + 8];

		host_ts(&p->hoa, hoa);
		for (unsigned i = 0; i < km->n_children; i++) {
			const struct km_child *k = &km->children[i];
			if (k == ch || !child_names(k, hoa) || strcmp(k->conn, ch->conn) != 0)
				continue;
			if (km_initiate(km, k, on_initiated_extra) == 0)
				log_info("strongswan: initiating %s/%s too", k->conn, k->child);
		}
	}
	return 0;
}

struct km_move {
	struct km *km;
	/* MIGRATEs sent one after the other: tunnel in/fwd, tunnel out, transport (RFC 4877 §4.3). */
	struct knl_xfrm_migrate mgs[3];
	unsigned n_mg, i_mg;
	int first_error;
	struct spd_pair pair;
	bool reup;
	bool retried;
	km_done_fn done;
	void *userdata;
};

static void on_migrated(int result, void *userdata)
{
	struct km_move *mv = userdata;
	struct km *km = mv->km;
	struct knl_xfrm_migrate *mg = &mv->mgs[mv->i_mg];

	if (result == -ENOENT && !mv->retried) {
		/* Linux >= 6.12 looks MH-typed selectors up with the type in dport. */
		mv->retried = true;
		mg->sel.type_in_dport = true;
		if (knl_xfrm_migrate(km->knl, mg, NULL, on_migrated, mv) == 0)
			return;
	}
	if (result < 0) {
		km->migrate_failures++;
		log_warning_errno(result, "XFRM MIGRATE %u/%u (%s%s) failed: %m", mv->i_mg + 1, mv->n_mg,
				  mg->entries[0].mode == XFRM_MODE_TUNNEL ? "tunnel" : "transport",
				  mg->has_kmaddress ? ", KMADDRESS" : "");
		/* The transport MIGRATE (the last) is what moves the IKE SA: its result counts. */
		if (mv->i_mg + 1 == mv->n_mg)
			mv->first_error = result;
	} else
		km->migrations++;
	if (++mv->i_mg < mv->n_mg) {
		mv->retried = false;
		if (knl_xfrm_migrate(km->knl, &mv->mgs[mv->i_mg], NULL, on_migrated, mv) == 0)
			return;
		mv->first_error = -ENOMEM;
	}
	mv->done(mv->first_error, mv->userdata);
	free(mv);
	km_list_sas_soon(km);
}

static void on_terminated(struct vici_client *c, int error, const struct vici_msg *reply, void *userdata)
{
	struct km_move *mv = userdata;
	struct km *km = mv->km;

	km->terminations++;
	if (mv->reup) {
		/* Forget the terminated SAs at once, then initiate anew. */
		for (unsigned i = 0; i < km->n_sas; i++)
			for (unsigned j = 0; j < km->sas[i].n_reqids; j++)
				if (km->sas[i].reqids[j] == mv->pair.reqid)
					km->sas[i].reqids[j] = 0;
		error = ss_up(km, &mv->pair, mv->done, mv->userdata);
		if (error == 0) {
			free(mv);
			return;
		}
	}
	mv->done(error < 0 ? error : 0, mv->userdata);
	free(mv);
}

/* `terminate` an IKE SA by unique id, forced; timeout "-1" = do not wait for the peer. */
static int km_terminate(struct km *km, const struct km_sa *sa, const char *timeout, struct km_move *mv)
{
	struct vici_builder *b = NULL;
	int r = vici_builder_new(VICI_CMD_REQUEST, "terminate", &b);

	if (r < 0)
		return r;
	vici_builder_add_str(b, "ike-id", sa->ike_uid);
	vici_builder_add_str(b, "timeout", timeout);
	vici_builder_add_str(b, "force", "yes");
	return vici_client_call(km->vc, b, "control-log", KM_TIMEOUT_USEC, on_terminated, NULL, mv);
}

static int ss_move(struct km *km, enum node_role role, const struct spd_pair *p, const struct in6_addr *old_coa,
		   const struct in6_addr *coa, bool k, km_done_fn done, void *userdata)
{
	struct km_move *mv = calloc(1, sizeof(*mv));
	int r;

	if (!mv)
		return -ENOMEM;
	mv->km = km;
	mv->done = done;
	mv->userdata = userdata;
	if (k) {
		/* Tunnel-mode entries follow the CoA first (if any), then the IKE SA moves. */
		if (old_coa && memcmp(old_coa, coa, sizeof(*coa)) != 0)
			mv->n_mg = (unsigned)spd_migrate_tunnel(role, p, old_coa, coa, mv->mgs);
		spd_migrate(role, p, coa, &mv->mgs[mv->n_mg++]);
		r = knl_xfrm_migrate(km->knl, &mv->mgs[0], NULL, on_migrated, mv);
	} else if (role == NODE_ROLE_HA) {
		/* K=0 (RFC 4877 §4.3): the IKE SA to the old CoA goes; the MN starts a new one. */
		const struct km_sa *sa;

		if (!reqid_up(km, p->reqid, &sa)) {
			free(mv);
			return -ENOENT;
		}
		r = km_terminate(km, sa, "5000", mv);
	} else {
		/*
		 * K=0 on the MN: the HA dropped the IKE SA it had with the old CoA (its DELETE
		 * went there); drop ours too, then initiate anew, from the current CoA.
		 */
		const struct km_sa *sa;

		mv->pair = *p;
		mv->reup = true;
		if (!reqid_up(km, p->reqid, &sa)) {
			free(mv);
			return ss_up(km, p, done, userdata);
		}
		/* Local only (timeout -1): the HA's side is gone already. */
		r = km_terminate(km, sa, "-1", mv);
	}
	if (r < 0)
		free(mv);
	return r;
}

static bool ss_is_up(struct km *km, const struct spd_pair *p)
{
	return reqid_up(km, p->reqid, NULL);
}

static void ss_set_notify(struct km *km, void (*fn)(void *userdata), void *userdata)
{
	km->notify = fn;
	km->notify_ud = userdata;
}

/* The strings come from charon (names, states, hosts): json-c escapes them. */
static json_object *ss_sa_json(const struct km_sa *s)
{
	json_object *o = json_object_new_object(), *reqids;

	ctl_json_add_str(o, "name", s->ike);
	ctl_json_add_str(o, "uniqueid", s->ike_uid);
	ctl_json_add_str(o, "state", s->state);
	ctl_json_add_str(o, "local", s->local);
	ctl_json_add_str(o, "remote", s->remote);
	ctl_json_add_str(o, "spi_i", s->spi_i);
	ctl_json_add_str(o, "spi_r", s->spi_r);
	reqids = ctl_json_add_array(o, "reqids");
	for (unsigned j = 0; reqids && j < s->n_reqids; j++)
		ctl_json_append(reqids, json_object_new_uint64(s->reqids[j]));
	return o;
}

static void ss_print(struct km *km, FILE *out, bool json)
{
	if (json) {
		json_object *o = json_object_new_object(), *sas;

		ctl_json_add_str(o, "backend", "strongswan");
		ctl_json_add_bool(o, "connected", vici_client_is_connected(km->vc));
		ctl_json_add_u64(o, "migrations", km->migrations);
		ctl_json_add_u64(o, "migrate_failures", km->migrate_failures);
		ctl_json_add_u64(o, "initiations", km->initiations);
		ctl_json_add_u64(o, "terminations", km->terminations);
		sas = ctl_json_add_array(o, "ike_sas");
		for (unsigned i = 0; sas && i < km->n_sas; i++)
			ctl_json_append(sas, ss_sa_json(&km->sas[i]));
		(void)ctl_json_print(out, o);
		return;
	}
	fprintf(out, "backend strongswan (%s), %llu MIGRATEs (%llu failed), %llu initiations, %llu terminations\n",
		vici_client_is_connected(km->vc) ? "connected" : "not connected", (unsigned long long)km->migrations,
		(unsigned long long)km->migrate_failures, (unsigned long long)km->initiations,
		(unsigned long long)km->terminations);
	for (unsigned i = 0; i < km->n_sas; i++)
		fprintf(out, "  IKE %s #%s %s %s <-> %s, %u child SA(s)\n", km->sas[i].ike, km->sas[i].ike_uid,
			km->sas[i].state, km->sas[i].local, km->sas[i].remote, km->sas[i].n_reqids);
}

static int ss_create(sd_event *e, struct knl *knl, const struct mip6_config *c, struct km **ret)
{
	static const char *const events[] = { "ike-updown", "child-updown", "ike-rekey", "child-rekey" };
	struct km *km = calloc(1, sizeof(*km));
	int r;

	if (!km)
		return -ENOMEM;
	km->event = e;
	km->knl = knl;
	r = vici_client_new(e, c->vici_socket, &km->vc);
	if (r < 0) {
		free(km);
		return r;
	}
	vici_client_set_event_handler(km->vc, on_event, km);
	vici_client_set_connected_handler(km->vc, on_connected, km);
	for (size_t i = 0; i < ELEMENTSOF(events); i++)
		(void)vici_client_register_event(km->vc, events[i]);
	r = vici_client_start(km->vc);
	if (r < 0) {
		vici_client_free(km->vc);
		free(km);
		return r;
	}
	*ret = km;
	return 0;
}

static void ss_destroy(struct km *km)
{
	if (!km)
		return;
	sd_event_source_disable_unref(km->relist_timer);
	vici_client_free(km->vc);
	free(km);
}

const struct km_ops km_strongswan_ops = {
	.name = "strongswan",
	.create = ss_create,
	.destroy = ss_destroy,
	.up = ss_up,
	.move = ss_move,
	.is_up = ss_is_up,
	.set_notify = ss_set_notify,
	.print = ss_print,
};

const struct km_ops *km_ops_for(const struct mip6_config *c)
{
	return c->key_management == CONF_KEY_MANAGEMENT_STATIC ? &km_static_ops : &km_strongswan_ops;
}
