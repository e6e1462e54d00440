/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "conf/conf.h"
#include "control/control.h"
#include "control/ctl-event.h"
#include "control/ctl-json.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "io/io.h"
#include "keymgmt.h"
#include "manager.h"

void manager_shutdown_done(struct manager *m)
{
	m->shutdown_timer = sd_event_source_disable_unref(m->shutdown_timer);
	(void)sd_event_exit(m->event, 0);
}

static int on_shutdown_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
	log_warning("shutdown work did not finish in time, exiting anyway");
	manager_shutdown_done(userdata);
	return 0;
}

static int on_terminate(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct manager *m = userdata;

	if (m->stopping)
		return 0;
	m->stopping = true;
	log_info("received %s, shutting down", strsignal((int)si->ssi_signo));
	(void)sd_notify(false, "STOPPING=1\nSTATUS=Shutting down...");
	if (m->role && m->role->shutdown && m->role->shutdown(m) > 0) {
		if (sd_event_add_time_relative(m->event, &m->shutdown_timer, MIP6_CLOCK, 3 * USEC_PER_SEC, 0,
					       on_shutdown_timeout, m) >= 0)
			return 0;
	}
	return sd_event_exit(m->event, 0);
}

static int on_hangup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	(void)manager_reload(userdata);
	return 0;
}

const char *mip6_drop_to_string(enum mip6_drop d)
{
	static const char *const names[_DROP_MAX] = {
		[DROP_MALFORMED] = "malformed",
		[DROP_CHECKSUM] = "checksum",
		[DROP_UNEXPECTED] = "unexpected",
		[DROP_NOT_PROTECTED] = "not-protected",
		[DROP_RATE] = "rate-limited",
		[DROP_TRUNCATED] = "truncated",
		[DROP_OTHER] = "other",
		[DROP_PAYLOAD_PROTO] = "payload-proto",
		[DROP_HEADER_LEN] = "header-len",
		[DROP_BAD_ADDRESS] = "bad-address",
		[DROP_NO_CN_ROLE] = "no-cn-role",
		[DROP_SOCKET_OVERFLOW] = "socket-overflow",
		[DROP_REVERSE_TUNNEL] = "reverse-tunnel-source",
		[DROP_TUNNEL_SOURCE] = "tunnel-source",
		[DROP_NOT_SERVED] = "not-served",
		[DROP_ND_SOCKET_OVERFLOW] = "nd-socket-overflow",
		[DROP_REG_BACKLOG] = "new-registration-backlog",
		[DROP_RR_HAO] = "test-init-with-hao",
		[DROP_RR_AUTH] = "bu-authorization",
		[DROP_SUPERSEDED] = "superseded-under-dad",
		[DROP_BE_NO_BUL] = "be-no-binding-update",
	};
	return (d >= 0 && d < _DROP_MAX) ? names[d] : "?";
}

static const char *const mh_type_names[MIP6_MH_TYPES] = { "brr", "hoti", "coti", "hot",
							   "cot", "bu",   "ba",   "be" };

/* The kernel's own refusals of IPsec-protected traffic (e.g. a clear BU where the SPD wants ESP). */
static unsigned long long xfrm_stat(const char *name)
{
	_cleanup_(fclosep) FILE *f = fopen("/proc/net/xfrm_stat", "re");
	char key[64];
	unsigned long long v;

	while (f && fscanf(f, "%63s %llu", key, &v) == 2)
		if (strcmp(key, name) == 0)
			return v;
	return 0;
}

/* {"<name>":n,…} of n counters; names NULL: the index, and only the counters that are not 0. */
static void add_counter_map(json_object *o, const char *key, const uint64_t *v, size_t n,
			    const char *(*name)(size_t i))
{
	json_object *map = ctl_json_add_object(o, key);

	for (size_t i = 0; i < n; i++) {
		char num[24];
		if (name)
			ctl_json_add_u64(map, name(i), v[i]);
		else if (v[i]) {
			snprintf(num, sizeof(num), "%zu", i);
			ctl_json_add_u64(map, num, v[i]);
		}
	}
}

static const char *mh_type_name(size_t i)
{
	return mh_type_names[i];
}

static const char *drop_name(size_t i)
{
	return mip6_drop_to_string((enum mip6_drop)i);
}

const char *mip6_limit_to_string(enum mip6_limit l)
{
	static const char *const names[_LIMIT_MAX] = {
		[LIMIT_REG_RATE] = "registration-rate",
		[LIMIT_BINDINGS] = "binding-limit",
	};
	return (l >= 0 && l < _LIMIT_MAX) ? names[l] : "?";
}

static const char *limit_name(size_t i)
{
	return mip6_limit_to_string((enum mip6_limit)i);
}

static int print_counters_json(struct manager *m, FILE *out)
{
	const struct mip6_counters *c = &m->counters;
	json_object *o = json_object_new_object(), *k;

	add_counter_map(o, "in", c->mh_in, MIP6_MH_TYPES, mh_type_name);
	add_counter_map(o, "out", c->mh_out, MIP6_MH_TYPES, mh_type_name);
	add_counter_map(o, "drops", c->drops, _DROP_MAX, drop_name);
	add_counter_map(o, "ba_status_out", c->ba_status_out, 256, NULL);
	add_counter_map(o, "ba_status_in", c->ba_status_in, 256, NULL);
	ctl_json_add_u64(o, "icmp6_param_problem_out", c->icmp6_param_problem_out);
	ctl_json_add_u64(o, "errors_not_sent_not_unicast", c->errors_not_unicast);
	k = ctl_json_add_object(o, "icmp6_param_problem_in");
	ctl_json_add_u64(k, "no_mobility_header", c->icmp6_pp_no_mh_in);
	ctl_json_add_u64(k, "no_home_address_option", c->icmp6_pp_no_hao_in);
	k = ctl_json_add_object(o, "vici");
	ctl_json_add_u64(k, "in", c->vici_in);
	ctl_json_add_u64(k, "out", c->vici_out);
	ctl_json_add_u64(k, "dropped", c->vici_dropped);
	add_counter_map(o, "limits", c->limits, _LIMIT_MAX, limit_name);
	ctl_json_add_u64(o, "log_suppressed", c->log_suppressed);
	{
		struct ctl_monitor_stats ms;
		ctl_get_monitor_stats(m->ctl, &ms);
		k = ctl_json_add_object(o, "monitor");
		ctl_json_add_u64(k, "subscribers", ms.subscribers);
		ctl_json_add_u64(k, "events", ms.published);
		ctl_json_add_u64(k, "lost", ms.lost);
	}
	/* The host's, not mip6d's: every IPsec user of the machine counts into them. */
	k = ctl_json_add_object(o, "system_wide");
	ctl_json_add_str(k, "source", "/proc/net/xfrm_stat");
	ctl_json_add_u64(k, "xfrm_in_tmpl_mismatch", xfrm_stat("XfrmInTmplMismatch"));
	ctl_json_add_u64(k, "xfrm_in_no_pols", xfrm_stat("XfrmInNoPols"));
	return ctl_json_print(out, o);
}

static int print_counters(struct manager *m, bool json, FILE *out)
{
	const struct mip6_counters *c = &m->counters;

	if (json)
		return print_counters_json(m, out);
	fprintf(out, "%-8s %10s %10s\n", "MH", "in", "out");
	for (int i = 0; i < MIP6_MH_TYPES; i++)
		fprintf(out, "%-8s %10llu %10llu\n", mh_type_names[i], (unsigned long long)c->mh_in[i],
			(unsigned long long)c->mh_out[i]);
	fprintf(out, "\n%-24s %10s\n", "drop reason", "count");
	for (int i = 0; i < _DROP_MAX; i++)
		fprintf(out, "%-24s %10llu\n", mip6_drop_to_string(i), (unsigned long long)c->drops[i]);
	fprintf(out, "\nICMPv6 Parameter Problems sent (RFC 6275 §9.2): %llu\n",
		(unsigned long long)c->icmp6_param_problem_out);
	fprintf(out, "Binding Errors status 2 and Parameter Problems not sent, source or destination not unicast "
		     "(RFC 6275 §9.3.3, RFC 4443 §2.4 (e)): %llu\n",
		(unsigned long long)c->errors_not_unicast);
	fprintf(out, "ICMPv6 Parameter Problems taken (RFC 6275 §11.3.5): %llu code 1 (no Mobility Header), "
		     "%llu code 2 (no Home Address option)\n",
		(unsigned long long)c->icmp6_pp_no_mh_in, (unsigned long long)c->icmp6_pp_no_hao_in);
	fprintf(out, "\nVICI (key manager): %llu in, %llu out, %llu dropped\n", (unsigned long long)c->vici_in,
		(unsigned long long)c->vici_out, (unsigned long long)c->vici_dropped);
	fprintf(out, "\n%-17s %10s\n", "BA 130 by limit", "count");
	for (int i = 0; i < _LIMIT_MAX; i++)
		fprintf(out, "%-17s %10llu\n", mip6_limit_to_string(i), (unsigned long long)c->limits[i]);
	fprintf(out, "\nrejected-BU log lines suppressed: %llu\n", (unsigned long long)c->log_suppressed);
	{
		struct ctl_monitor_stats ms;
		ctl_get_monitor_stats(m->ctl, &ms);
		fprintf(out, "\nmonitor: %u subscriber(s), %llu events, %llu lost (a subscriber's queue was full)\n",
			ms.subscribers, (unsigned long long)ms.published, (unsigned long long)ms.lost);
	}
	fprintf(out, "\nsystem-wide (the whole host's IPsec, not only mip6d's; /proc/net/xfrm_stat):\n"
		     "  XfrmInTmplMismatch %llu (packets without the IPsec a policy requires)\n"
		     "  XfrmInNoPols       %llu (packets with no matching inbound policy)\n",
		xfrm_stat("XfrmInTmplMismatch"), xfrm_stat("XfrmInNoPols"));
	return 0;
}

static int print_status_json(struct manager *m, usec_t up, FILE *out)
{
	json_object *o = json_object_new_object();

	ctl_json_add_str(o, "role", node_role_to_string(m->config->role));
	ctl_json_add_str(o, "version", PACKAGE_VERSION);
	ctl_json_add_u64(o, "uptime_s", up / USEC_PER_SEC);
	ctl_json_add_str(o, "config", m->config_path);
	ctl_json_add_u64(o, "reloads", m->reloads);
	ctl_json_add_u64(o, "reload_failures", m->reload_failures);
	ctl_json_add_bool(o, "ready", m->ready);
	/* The role's state as data (the text form's prose line is for people). */
	if (o && m->role && m->role->status_json)
		m->role->status_json(m, o);
	return ctl_json_print(out, o);
}

static int reload_reply(int r, bool json, FILE *out)
{
	if (r == -EBUSY) {
		fprintf(out, "reload refused: the kernel is still applying a previous change (a reload, or the "
			     "SPD entries of a home prefix that changed); the running configuration is kept, try again");
		return r;
	}
	if (r < 0) {
		fprintf(out, "reload failed, the running configuration is kept (see the log)");
		return r;
	}
	if (json) {
		json_object *o = json_object_new_object();
		ctl_json_add_bool(o, "reloaded", true);
		return ctl_json_print(out, o);
	}
	fprintf(out, "reloaded\n");
	return 0;
}

struct event_fmt {
	const struct mip6_event *ev;
	uint64_t when;
};

static int format_event(void *userdata, bool json, char *buf, size_t size)
{
	const struct event_fmt *f = userdata;

	return mip6_event_format(f->ev, f->when, json, buf, size);
}

void manager_event(struct manager *m, const struct mip6_event *ev)
{
	struct event_fmt f = { .ev = ev };
	struct timespec ts;

	if (!ctl_has_subscribers(m->ctl))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	f.when = (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
	ctl_publish(m->ctl, format_event, &f);
}

/* `monitor`: this connection stays open and receives every event (control.h: subscribers). */
static int ctl_monitor(struct manager *m, int argc, FILE *out)
{
	int r;

	if (argc != 1) {
		fprintf(out, "usage: monitor");
		return -EINVAL;
	}
	r = ctl_subscribe(m->ctl);
	if (r == -EBUSY)
		fprintf(out, "too many monitors (at most %d at once)", CTL_MAX_SUBSCRIBERS);
	else if (r < 0)
		fprintf(out, "cannot subscribe");
	return r < 0 ? r : CTL_SUBSCRIBED;
}

static int on_counters_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
	manager_counters_done(userdata);
	return 0;
}

/* Commands that change the daemon's state (the rest only read it). */
static bool ctl_changes_state(int argc, char **argv)
{
	return strcmp(argv[0], "reload") == 0 || (strcmp(argv[0], "bc") == 0 && argc >= 2 && strcmp(argv[1], "del") == 0);
}

static int on_ctl(void *userdata, int argc, char **argv, bool json, FILE *out)
{
	struct manager *m = userdata;
	int r;

	if (ctl_changes_state(argc, argv) && !ctl_peer_is_admin(m->ctl)) {
		fprintf(out, "'%s%s%s' changes the daemon's state and needs root; members of ControlSocketGroup may only read",
			argv[0], argc >= 2 ? " " : "", argc >= 2 ? argv[1] : "");
		return -EPERM;
	}

	if (strcmp(argv[0], "status") == 0) {
		char rs[256] = "";
		usec_t up = now_usec() - m->started;

		if (json)
			return print_status_json(m, up, out);
		if (m->role && m->role->status)
			m->role->status(m, rs, sizeof(rs));
		fprintf(out, "role: %s\nversion: %s\nuptime: %llu s\nconfig: %s\nreloads: %u (failed %u)\n%s%s",
			node_role_to_string(m->config->role), PACKAGE_VERSION, (unsigned long long)(up / USEC_PER_SEC),
			m->config_path, m->reloads, m->reload_failures, rs, *rs ? "\n" : "");
		return 0;
	}
	if (strcmp(argv[0], "counters") == 0) {
		/*
		 * Counters kept in the kernel are read first; a second request meanwhile gets the last
		 * values, and so does this one when the kernel is slow to answer (a flood queues netlink
		 * requests: the reply must not outlive the control socket's idle timeout).
		 */
		if (m->role && m->role->counters && m->ctl && !m->counters_reply && m->role->counters(m) > 0) {
			m->counters_reply = ctl_defer(m->ctl);
			m->counters_reply_json = json;
			(void)sd_event_add_time_relative(m->event, &m->counters_timer, MIP6_CLOCK,
							 MANAGER_COUNTERS_WAIT_USEC, 0, on_counters_timeout, m);
			return CTL_DEFERRED;
		}
		return print_counters(m, json, out);
	}
	if (strcmp(argv[0], "monitor") == 0)
		return ctl_monitor(m, argc, out);
	if (strcmp(argv[0], "reload") == 0) {
		r = manager_reload(m);
		if (r > 0 && m->ctl) {
			/* The role applies it in the kernel: the answer waits for manager_reload_done(). */
			m->reload_reply = ctl_defer(m->ctl);
			m->reload_reply_json = json;
			return CTL_DEFERRED;
		}
		return reload_reply(r, json, out);
	}
	if (m->role && m->role->ctl) {
		r = m->role->ctl(m, argc, argv, json, out);
		if (r != -EOPNOTSUPP)
			return r;
	}
	fprintf(out, "unknown command '%s' for a %s", argv[0], node_role_to_string(m->config->role));
	return -EOPNOTSUPP;
}

int manager_new(struct manager **ret, const char *config_path, const char *ctl_path,
		struct mip6_config *config)
{
	_cleanup_(manager_freep) struct manager *m = calloc(1, sizeof(*m));
	int r;

	if (!m)
		return log_error_errno(ENOMEM, "manager: %m");
	if (config_path) {
		m->config_path = strdup(config_path);
		if (!m->config_path)
			return log_error_errno(ENOMEM, "manager: %m");
	}
	if (ctl_path) {
		m->ctl_path = strdup(ctl_path);
		if (!m->ctl_path)
			return log_error_errno(ENOMEM, "manager: %m");
	}
	m->started = now_usec();
	m->ctl_gid = (gid_t)-1;
	m->km_wait_usec = MANAGER_KM_WAIT_USEC;
	r = sd_event_new(&m->event);
	if (r < 0)
		return log_error_errno(r, "cannot create event loop: %m");
	m->config = config;
	*ret = TAKE_PTR(m);
	return 0;
}

/* MhReceiveBuffer: a failure is logged, the socket keeps the queue it has. */
static void set_mh_rcvbuf(struct manager *m, const struct mip6_config *c)
{
	int r = io_set_mh_rcvbuf(m->io, c->mh_receive_buffer);

	if (r < 0)
		log_warning_errno(r, "MhReceiveBuffer %u: cannot set the MH socket's receive queue: %m",
				  c->mh_receive_buffer);
}

int manager_start(struct manager *m)
{
	sigset_t mask;
	int r;

	/* Signals are read through signalfd sources: block them for the thread first. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return log_error_errno(errno, "sigprocmask: %m");
	r = sd_event_add_signal(m->event, NULL, SIGTERM, on_terminate, m);
	if (r >= 0)
		r = sd_event_add_signal(m->event, NULL, SIGINT, on_terminate, m);
	if (r >= 0)
		r = sd_event_add_signal(m->event, NULL, SIGHUP, on_hangup, m);
	if (r < 0)
		return log_error_errno(r, "cannot watch signals: %m");
	/* Sends WATCHDOG=1 at half of WATCHDOG_USEC when the service manager asks for it. */
	r = sd_event_set_watchdog(m->event, true);
	if (r < 0)
		return log_error_errno(r, "cannot enable the watchdog: %m");
	if (r > 0)
		log_debug("watchdog enabled");
	if (m->ctl_path) {
		r = ctl_server_new(m->event, m->ctl_path, m->ctl_gid, on_ctl, m, &m->ctl);
		if (r < 0)
			return r;
	}
	if (m->role && !m->io) {
		r = io_new(m->event, &m->counters, &m->io);
		if (r < 0)
			return r;
	}
	io_set_be_rate(m->io, m->config->binding_errors_per_sec); /* RFC 6275 §9.3.3 */
	set_mh_rcvbuf(m, m->config);
	if (m->role && m->role->start) {
		r = m->role->start(m);
		if (r < 0)
			return r;
	}
	if (!m->role)
		manager_ready(m);
	else
		manager_notify_status(m);
	return 0;
}

/* The key manager still decides READY=1: neither connected nor known absent, and not waited out. */
static bool km_pending(const struct manager *m)
{
	return m->km && km_state(m->km) == KM_STATE_CONNECTING && !m->km_waited_out;
}

static void manager_check_ready(struct manager *m);

static int on_km_wait(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct manager *m = userdata;

	m->km_wait = sd_event_source_disable_unref(m->km_wait);
	m->km_waited_out = true;
	log_warning("key manager: %s not connected after %llu ms, ready without it (it keeps trying)",
		    km_peer(m->km), (unsigned long long)(m->km_wait_usec / USEC_PER_MSEC));
	manager_check_ready(m);
	return 0;
}

static void manager_check_ready(struct manager *m)
{
	if (m->ready || !m->setup_done)
		return;
	if (km_pending(m)) {
		if (!m->km_wait &&
		    sd_event_add_time_relative(m->event, &m->km_wait, MIP6_CLOCK, m->km_wait_usec, 0, on_km_wait, m) < 0)
			m->km_waited_out = true; /* no timer: do not wait at all */
		else {
			manager_notify_status(m);
			return;
		}
	}
	m->km_wait = sd_event_source_disable_unref(m->km_wait);
	m->ready = true;
	if (m->km)
		log_info("%s ready, key manager %s %s", node_role_to_string(m->config->role),
			 *km_peer(m->km) ? km_peer(m->km) : km_name(m->km),
			 km_state(m->km) == KM_STATE_CONNECTED ? "connected" : "not connected (retrying)");
	else
		log_info("%s ready", node_role_to_string(m->config->role));
	(void)sd_notify(false, "READY=1");
	manager_notify_status(m);
}

void manager_ready(struct manager *m)
{
	m->setup_done = true;
	manager_check_ready(m);
}

static void on_km_state(void *userdata)
{
	struct manager *m = userdata;

	if (m->ready)
		manager_notify_status(m);
	else
		manager_check_ready(m);
}

void manager_set_km(struct manager *m, struct km *km)
{
	if (m->km && m->km != km)
		km_set_state_notify(m->km, NULL, NULL);
	m->km = km;
	if (!km)
		return; /* the role is going away: nothing becomes ready now */
	km_set_state_notify(km, on_km_state, m);
	manager_check_ready(m);
}

/* STATUS= words for the key manager: what READY=1 waits for, or a degraded state. */
static void km_status(const struct manager *m, char *buf, size_t len)
{
	*buf = '\0';
	if (!m->km || !*km_peer(m->km))
		return;
	if (km_pending(m))
		snprintf(buf, len, "waiting for %s...", km_peer(m->km));
	else if (km_state(m->km) != KM_STATE_CONNECTED)
		snprintf(buf, len, "%s %s, retrying", km_peer(m->km),
			 km_state(m->km) == KM_STATE_UNAVAILABLE ? "unavailable" : "not connected");
}

void manager_notify_status(struct manager *m)
{
	char rs[256] = "", ks[96];

	if (m->role && m->role->status)
		m->role->status(m, rs, sizeof(rs));
	km_status(m, ks, sizeof(ks));
	if (!m->ready) {
		(void)sd_notifyf(false, "STATUS=%s: starting, %s", node_role_to_string(m->config->role),
				 m->setup_done && *ks ? ks : *rs ? rs : "setting up");
		return;
	}
	(void)sd_notifyf(false, "STATUS=%s: running, config %s (reloads %u, failed %u)%s%s%s%s",
			 node_role_to_string(m->config->role),
			 m->config_path ? m->config_path : "(built-in)", m->reloads,
			 m->reload_failures, *rs ? "; " : "", rs, *ks ? "; " : "", ks);
}

static void reload_swap(struct manager *m, struct mip6_config *n)
{
	struct mip6_config *old = m->config;

	m->config = n;
	io_set_be_rate(m->io, n->binding_errors_per_sec);
	set_mh_rcvbuf(m, n);
	if (m->role && m->role->reloaded)
		m->role->reloaded(m, old);
	conf_free(old);
}

static void reload_finish(struct manager *m, int r)
{
	if (r < 0)
		m->reload_failures++;
	else {
		m->reloads++;
		log_info("configuration reloaded");
	}
	/* RELOADING=1 ends with READY=1, unless the first setup is still running. */
	if (m->ready)
		(void)sd_notify(false, "READY=1");
	manager_notify_status(m);
}

static int reload_parse(struct manager *m, struct mip6_config **ret)
{
	_cleanup_(conf_freep) struct mip6_config *n = NULL;
	_cleanup_(freep) char *err = NULL;
	int r;

	if (!m->config_path)
		return -ENOENT;
	r = conf_load_file(m->config_path, &n, &err);
	if (r < 0)
		return log_error_errno(r, "reload failed, keeping the running configuration: %s",
				       err ? err : "(no detail)");
	if (n->role != m->config->role)
		return log_error_errno(EINVAL,
				       "reload failed: NodeConfig changed from %s to %s; a role change needs a restart",
				       node_role_to_string(m->config->role), node_role_to_string(n->role));
	*ret = TAKE_PTR(n);
	return 0;
}

int manager_reload(struct manager *m)
{
	_cleanup_(conf_freep) struct mip6_config *n = NULL;
	int r;

	if (m->reload_pending) {
		r = log_error_errno(EBUSY, "reload refused: the previous one is still being applied");
		m->reload_failures++;
		manager_notify_status(m);
		return r;
	}
	(void)sd_notify(false, "RELOADING=1\nSTATUS=Reloading configuration...");
	log_info("reloading configuration from %s", m->config_path ? m->config_path : "(none)");
	r = reload_parse(m, &n);
	if (r >= 0 && m->role && m->role->reload) {
		r = m->role->reload(m, n);
		if (r < 0)
			log_error_errno(r, "reload failed, keeping the running configuration and kernel state: %m");
		if (r > 0) {
			m->reload_pending = TAKE_PTR(n);
			return 1;
		}
	}
	if (r >= 0)
		reload_swap(m, TAKE_PTR(n));
	reload_finish(m, r);
	return r;
}

/* A deferred control answer (reload, counters): print writes its body; the id is spent. */
typedef int (*deferred_print_fn)(struct manager *m, int r, bool json, FILE *out);

static void complete_deferred(struct manager *m, uint64_t *id, bool json, int r, deferred_print_fn print)
{
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);

	r = f ? print(m, r, json, f) : -ENOMEM;
	if (f)
		fclose(f);
	ctl_complete(m->ctl, *id, r, body ? body : "", body ? len : 0);
	free(body);
	*id = 0;
}

static int print_reload_reply(struct manager *m, int r, bool json, FILE *out)
{
	return reload_reply(r, json, out);
}

static int print_counters_reply(struct manager *m, int r, bool json, FILE *out)
{
	return print_counters(m, json, out);
}

void manager_reload_done(struct manager *m, int r)
{
	_cleanup_(conf_freep) struct mip6_config *n = TAKE_PTR(m->reload_pending);

	if (!n)
		return;
	if (r < 0)
		log_error_errno(r, "reload failed: the kernel refused the new configuration's state; the running "
				   "configuration and kernel state are kept: %m");
	else
		reload_swap(m, TAKE_PTR(n));
	r = r < 0 ? r : 0;
	reload_finish(m, r);
	if (m->reload_reply)
		complete_deferred(m, &m->reload_reply, m->reload_reply_json, r, print_reload_reply);
}

struct manager *manager_free(struct manager *m)
{
	if (!m)
		return NULL;
	if (m->role && m->role->stop)
		m->role->stop(m);
	m->io = io_free(m->io);
	ctl_server_free(m->ctl);
	free(m->ctl_path);
	sd_event_source_disable_unref(m->shutdown_timer);
	sd_event_source_disable_unref(m->counters_timer);
	sd_event_source_disable_unref(m->km_wait);
	sd_event_unref(m->event);
	conf_free(m->reload_pending);
	conf_free(m->config);
	free(m->config_path);
	free(m);
	return NULL;
}

void manager_counters_done(struct manager *m)
{
	m->counters_timer = sd_event_source_disable_unref(m->counters_timer);
	if (m->counters_reply)
		complete_deferred(m, &m->counters_reply, m->counters_reply_json, 0, print_counters_reply);
}
