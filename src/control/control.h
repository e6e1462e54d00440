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
 * Group members may read; commands that change the daemon's state are for uid 0
 * (or the daemon's uid) only: the handler asks ctl_peer_is_admin().
 * The handler writes the body to a memory stream; the reply is sent
 * non-blocking on the event loop. A handler may defer its answer (ctl_defer(),
 * return CTL_DEFERRED) and give it later with ctl_complete().
 * Idle connections are dropped: a peer that has not sent its whole request, or
 * not read the whole reply, CTL_IDLE_TIMEOUT_SEC after connecting (or after a
 * deferred answer was given) is disconnected, so that CTL_MAX_CONN slots cannot
 * be held. A deferred answer's wait does not count.
 * Subscribers (`monitor`): a handler may turn its connection into a
 * subscription (ctl_subscribe, return CTL_SUBSCRIBED): the reply is "ok\n",
 * then one line per published event (ctl_publish), in the connection's mode,
 * until the peer closes. Subscribers are exempt from the idle timeout, at most
 * CTL_MAX_SUBSCRIBERS at once (of the CTL_MAX_CONN), and never block the
 * daemon: each has a queue of CTL_SUB_QUEUE_BYTES; an event that does not fit
 * is dropped and counted, and the subscriber is told how many it lost (a
 * "lost" event) once there is room again.
 * Streams (`bc` with 100,000 bindings): a handler may give the body in pieces
 * (ctl_stream, return CTL_STREAMED): what it wrote to out goes first, after
 * "ok\n"; each time the peer has taken everything sent so far, the next piece
 * is asked for, so the loop runs between pieces and the reply is never held
 * whole. A stream's idle timeout counts from the peer's last progress.
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
#define CTL_SUBSCRIBED 2 /* a handler's return after ctl_subscribe(): the connection stays for events */
#define CTL_STREAMED 3   /* a handler's return after ctl_stream(): the body comes in pieces */
#define CTL_MAX_SUBSCRIBERS 8
#define CTL_SUB_QUEUE_BYTES (64 * 1024)

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

/*
 * Inside a handler: the current connection becomes a subscriber. 0, or -EBUSY
 * when CTL_MAX_SUBSCRIBERS are connected, -EINVAL outside a handler.
 */
int ctl_subscribe(struct ctl_server *s);
bool ctl_has_subscribers(const struct ctl_server *s);
/* Inside a handler: is the current peer uid 0 or the daemon's uid (may change state)? */
bool ctl_peer_is_admin(const struct ctl_server *s);

/*
 * A stream's next piece: written to out; 1 when more follows, 0 after the last,
 * a negative errno to cut the reply short (the connection is closed). Pieces
 * should be small (tens of KiB): each is one turn of the event loop.
 */
typedef int (*ctl_stream_fn)(void *userdata, FILE *out);
/*
 * Inside a handler: the body continues with next()'s pieces; free_fn(userdata)
 * runs once when the stream ends for any reason (end, error, the peer gone, the
 * server freed). 0, or -EINVAL outside a handler (nothing is taken over).
 */
int ctl_stream(struct ctl_server *s, ctl_stream_fn next, void (*free_fn)(void *), void *userdata);
/* Writes one event line ('\n'-terminated) in the mode asked into buf; its length or < 0. */
typedef int (*ctl_format_t)(void *userdata, bool json, char *buf, size_t size);
/* Queues the event for every subscriber (formatted at most once per mode). */
void ctl_publish(struct ctl_server *s, ctl_format_t format, void *userdata);
struct ctl_monitor_stats {
	unsigned subscribers;
	uint64_t published; /* events formatted for at least one subscriber */
	uint64_t lost;      /* event lines dropped because a subscriber's queue was full */
};
void ctl_get_monitor_stats(const struct ctl_server *s, struct ctl_monitor_stats *ret);

/* Pure: may a peer with primary group gid and supplementary groups[n] use the socket of group? */
bool ctl_peer_in_group(gid_t group, gid_t gid, const gid_t *groups, size_t n);

/* Pure: split a request line into mode and words; -EBADMSG if malformed. */
int ctl_parse_request(char *line, size_t len, bool *ret_json, int *ret_argc, char **argv);
