/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The manager owns everything the daemon runs: the sd-event loop, the active
 * configuration and (as they are added) the sockets, kernel layer and the
 * role (HA, MN, CN). One thread; every fd and timer is an sd-event source.
 * Life cycle: manager_new() → manager_start() → sd_event_loop() → manager_free().
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-event.h>

struct mip6_config;

struct manager {
	sd_event *event;
	struct mip6_config *config; /* owned, immutable; swapped on reload */
	char *config_path;
	unsigned reloads;
	unsigned reload_failures;
};

/* Takes ownership of config on success. */
int manager_new(struct manager **ret, const char *config_path, struct mip6_config *config);
int manager_start(struct manager *m);
/* Parse config_path anew, validate, swap. On failure the old config stays. */
int manager_reload(struct manager *m);
void manager_notify_status(struct manager *m);
struct manager *manager_free(struct manager *m);
static inline void manager_freep(struct manager **m)
{
	manager_free(*m);
}
