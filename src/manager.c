/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "conf/conf.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "manager.h"

static int on_terminate(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct manager *m = userdata;

	log_info("received %s, shutting down", strsignal((int)si->ssi_signo));
	(void)sd_notify(false, "STOPPING=1\nSTATUS=Shutting down...");
	return sd_event_exit(m->event, 0);
}

static int on_hangup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	(void)manager_reload(userdata);
	return 0;
}

int manager_new(struct manager **ret, const char *config_path, struct mip6_config *config)
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
	r = sd_event_new(&m->event);
	if (r < 0)
		return log_error_errno(r, "cannot create event loop: %m");
	m->config = config;
	*ret = TAKE_PTR(m);
	return 0;
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
	return 0;
}

void manager_notify_status(struct manager *m)
{
	(void)sd_notifyf(false, "STATUS=%s: running, config %s (reloads %u, failed %u)",
			 node_role_to_string(m->config->role),
			 m->config_path ? m->config_path : "(built-in)", m->reloads,
			 m->reload_failures);
}

int manager_reload(struct manager *m)
{
	_cleanup_(conf_freep) struct mip6_config *n = NULL;
	_cleanup_(freep) char *err = NULL;
	int r;

	(void)sd_notify(false, "RELOADING=1\nSTATUS=Reloading configuration...");
	log_info("reloading configuration from %s", m->config_path ? m->config_path : "(none)");
	if (!m->config_path) {
		r = -ENOENT;
		goto done;
	}
	r = conf_load_file(m->config_path, &n, &err);
	if (r < 0) {
		log_error_errno(r, "reload failed, keeping the running configuration: %s",
				err ? err : "(no detail)");
		goto done;
	}
	if (n->role != m->config->role) {
		r = log_error_errno(EINVAL,
				    "reload failed: NodeConfig changed from %s to %s; a role change needs a restart",
				    node_role_to_string(m->config->role), node_role_to_string(n->role));
		goto done;
	}
	conf_free(m->config);
	m->config = TAKE_PTR(n);
	m->reloads++;
	log_info("configuration reloaded");
done:
	if (r < 0)
		m->reload_failures++;
	(void)sd_notify(false, "READY=1");
	manager_notify_status(m);
	return r;
}

struct manager *manager_free(struct manager *m)
{
	if (!m)
		return NULL;
	sd_event_unref(m->event);
	conf_free(m->config);
	free(m->config_path);
	free(m);
	return NULL;
}
