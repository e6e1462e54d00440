/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mip6d: argv, configuration, manager, sd_notify, event loop — nothing else. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "cn/cn.h"
#include "conf/conf.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "ha/ha.h"
#include "manager.h"
#include "mn/mn.h"

#define DEFAULT_CONFIG SYSCONFDIR "/mip6d.conf"
#define DEFAULT_CTL_SOCKET RUNSTATEDIR "/mip6d.ctl"

static void warn_unimplemented(const char *keyword, const char *where, void *userdata)
{
	if (userdata)
		fprintf(userdata, "%s: warning: keyword %s is accepted but not implemented yet, ignoring\n", where,
			keyword);
	else
		log_warning("%s: keyword %s is accepted but not implemented yet, ignoring", where, keyword);
}

static void warn_unsafe(const char *text, void *userdata)
{
	if (userdata)
		fprintf(userdata, "%s: warning: %s\n", "mip6d", text);
	else
		log_warning("%s", text);
}

/* -n: the normalised configuration on stdout, after the file it came from; every warning the daemon would log on stderr. */
static int check_config(const struct mip6_config *config, const char *path)
{
	printf("# mip6d -n: %s\n", path);
	conf_print(config, stdout);
	conf_unimplemented(config, warn_unimplemented, stderr);
	conf_warnings(config, warn_unsafe, stderr);
	return fflush(stdout) == 0 ? 0 : 1;
}

static void help(void)
{
	printf("Usage: mip6d [OPTIONS]\n"
	       "Mobile IPv6 daemon (RFC 6275): home agent, mobile node, correspondent node.\n\n"
	       "  -c, --config FILE      configuration file (default " DEFAULT_CONFIG ")\n"
	       "  -n, --check            check the configuration, print it normalised, exit\n"
	       "  -s, --control-socket P control socket path (default " DEFAULT_CTL_SOCKET ")\n"
	       "  -d, --debug            log debug messages\n"
	       "  -l, --log-target T     auto, stderr or journal (default auto)\n"
	       "  -V, --version          print the version and exit\n"
	       "  -h, --help             print this help and exit\n");
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "control-socket", required_argument, NULL, 's' },
		{ "debug", no_argument, NULL, 'd' },
		{ "log-target", required_argument, NULL, 'l' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	_cleanup_(manager_freep) struct manager *m = NULL;
	_cleanup_(conf_freep) struct mip6_config *config = NULL;
	_cleanup_(freep) char *err = NULL;
	const char *config_path = DEFAULT_CONFIG;
	bool default_path = true;
	const char *ctl_path = NULL;
	enum log_target target = LOG_TARGET_AUTO;
	bool check = false, debug = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "c:ns:dl:Vh", opts, NULL)) >= 0) {
		switch (c) {
		case 'c':
			config_path = optarg;
			default_path = false;
			break;
		case 'n':
			check = true;
			break;
		case 's':
			ctl_path = optarg;
			break;
		case 'd':
			debug = true;
			break;
		case 'l':
			target = log_target_from_string(optarg);
			if (target < 0) {
				fprintf(stderr, "mip6d: unknown log target '%s'\n", optarg);
				return 2;
			}
			break;
		case 'V':
			printf("mip6d %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			help();
			return 0;
		default:
			fprintf(stderr, "Try 'mip6d --help'.\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mip6d: unexpected argument '%s'\nTry 'mip6d --help'.\n", argv[optind]);
		return 2;
	}

	log_open(check ? LOG_TARGET_STDERR : target);
	if (debug)
		log_set_max_level(LOG_DEBUG);

	r = conf_load_file(config_path, &config, &err);
	if (r < 0) {
		fprintf(stderr, "mip6d: %s%s%s\n", err ? err : config_path, err ? "" : ": ", err ? "" : strerror(-r));
		if (default_path && r == -ENOENT)
			fprintf(stderr, "mip6d: the units read " SYSCONFDIR "/mip6d/ha.conf, mn.conf or cn.conf: give "
					"one with -c\n");
		return 1;
	}
	if (check)
		return check_config(config, config_path);
	if (config->debug_level > 0)
		log_set_max_level(LOG_DEBUG);
	conf_unimplemented(config, warn_unimplemented, NULL);
	conf_warnings(config, warn_unsafe, NULL);
	if (!ctl_path)
		ctl_path = config->control_socket ? config->control_socket : DEFAULT_CTL_SOCKET;

	r = manager_new(&m, config_path, ctl_path, TAKE_PTR(config));
	if (r < 0)
		goto fail;
	if (m->config->control_socket_group) {
		/* ControlSocketGroup: members may use mip6ctl (socket mode 0660). */
		struct group *g = getgrnam(m->config->control_socket_group);
		if (!g) {
			log_error("ControlSocketGroup: no group named '%s'", m->config->control_socket_group);
			r = -ENOENT;
			goto fail;
		}
		m->ctl_gid = g->gr_gid;
	}
	switch (m->config->role) {
	case NODE_ROLE_HA:
		m->role = &ha_role_ops;
		break;
	case NODE_ROLE_MN:
		m->role = &mn_role_ops;
		break;
	default:
		/* Correspondent node: return routability and the binding cache; no RO data path yet (cn/cn.h). */
		m->role = &cn_role_ops;
		break;
	}
	r = manager_start(m);
	if (r < 0)
		goto fail;

	/* READY=1 follows when the role's setup completed (manager_ready()). */
	log_info("mip6d %s started as %s", PACKAGE_VERSION, node_role_to_string(m->config->role));

	r = sd_event_loop(m->event);
	if (r < 0) {
		log_error_errno(r, "event loop failed: %m");
		goto fail;
	}
	(void)sd_notify(false, "STOPPING=1\nSTATUS=Stopped.");
	log_info("mip6d stopped");
	return 0;
fail:
	(void)sd_notifyf(false, "STOPPING=1\nERRNO=%d", -r);
	return 1;
}
