/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Control socket: a UNIX stream socket (mode 0660, owner root, group chosen
 * by the operator) on which mip6ctl sends one request line and reads one
 * response, then the daemon closes the connection.
 *   request:  "<json|text> <command> [args...]\n"   (at most CTL_MAX_REQUEST bytes)
 *   response: "ok\n" then the body (JSON or a table), or "error: <message>\n";
 *             in JSON mode the message is a JSON object {"error":"<message>"}
 *             (one line), so that every reply a JSON client prints is JSON.
 * Peers are checked with SO_PEERCRED: uid 0 or the configured group.
 * The handler writes the body to a memory stream; the reply is sent
 * non-blocking on the event loop.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#define CTL_MAX_REQUEST 1024
#define CTL_MAX_ARGS 16

struct ctl_server;

/*
 * Return 0 and write the body to out (JSON mode: through ctl_json_print), or a
 * negative errno and write the error text to out (plain text in both modes).
 */
typedef int (*ctl_handler_t)(void *userdata, int argc, char **argv, bool json, FILE *out);

int ctl_server_new(sd_event *e, const char *path, gid_t group, ctl_handler_t handler, void *userdata,
		   struct ctl_server **ret);
struct ctl_server *ctl_server_free(struct ctl_server *s);

/* Pure: split a request line into mode and words; -EBADMSG if malformed. */
int ctl_parse_request(char *line, size_t len, bool *ret_json, int *ret_argc, char **argv);
