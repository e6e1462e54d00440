/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Control socket: a UNIX stream socket (mode 0660, owner root, group chosen
 * by the operator) on which mip6ctl sends one request line and reads one
 * response, then the daemon closes the connection.
 *   request:  "<json|text> <command> [args...]\n"   (at most CTL_MAX_REQUEST bytes)
 *   response: "ok\n" then the body (JSON or a table), or "error: <message>\n";
 *             in JSON mode the message is a JSON object {"error":"<message>"}
 *             (one line), so that every reply a JSON client prints is JSON.
 * Peers are checked when they connect: uid 0 (or the daemon's uid), or a member of
 * the configured group as primary group (SO_PEERCRED) or supplementary group
 * (SO_PEERGROUPS: the groups the kernel recorded for the peer at connect()).
 * The handler writes the body to a memory stream; the reply is sent
 * non-blocking on the event loop. A handler may defer its answer (ctl_defer(),
 * return CTL_DEFERRED) and give it later with ctl_complete().
 * Idle connections are dropped: a peer that has not sent its whole request, or
 * not read the whole reply, CTL_IDLE_TIMEOUT_SEC after connecting (or after a
 * deferred answer was given) is disconnected, so that CTL_MAX_CONN slots cannot
 * be held. A deferred answer's wait does not count.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#define CTL_MAX_REQUEST 1024
#define CTL_MAX_ARGS 16
#define CTL_MAX_CONN 32
#define CTL_IDLE_TIMEOUT_SEC 5
#define CTL_DEFERRED 1 /* a handler's return: the answer comes through ctl_complete() */

struct ctl_server;

/*
 * Return 0 and write the body to out (JSON mode: through ctl_json_print), or a
 * negative errno and write the error text to out (plain text in both modes).
 */
typedef int (*ctl_handler_t)(void *userdata, int argc, char **argv, bool json, FILE *out);

int ctl_server_new(sd_event *e, const char *path, gid_t group, ctl_handler_t handler, void *userdata,
		   struct ctl_server **ret);
struct ctl_server *ctl_server_free(struct ctl_server *s);
/* CTL_IDLE_TIMEOUT_SEC unless a test says otherwise; for new connections. */
void ctl_server_set_idle_timeout(struct ctl_server *s, uint64_t usec);

/*
 * Inside a handler: the answer to the current request will come later. Returns
 * the connection's id for ctl_complete() (never 0); the handler returns CTL_DEFERRED.
 */
uint64_t ctl_defer(struct ctl_server *s);
/* The deferred answer (r and body as a handler's); nothing when the peer has gone. */
void ctl_complete(struct ctl_server *s, uint64_t id, int r, const char *body, size_t len);

/* Pure: may a peer with primary group gid and supplementary groups[n] use the socket of group? */
bool ctl_peer_in_group(gid_t group, gid_t gid, const gid_t *groups, size_t n);

/* Pure: split a request line into mode and words; -EBADMSG if malformed. */
int ctl_parse_request(char *line, size_t len, bool *ret_json, int *ret_argc, char **argv);
