/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Asynchronous VICI client on sd-event: single-threaded, never blocks.
 *
 * It keeps two UNIX stream connections to charon's VICI socket:
 *  - the command connection runs a FIFO queue with exactly one request in
 *    flight. Each command completes exactly once through its callback:
 *    error 0 with the CMD_RESPONSE message, or a negative errno with reply NULL:
 *      -EOPNOTSUPP   charon answered CMD_UNKNOWN (or EVENT_UNKNOWN for the
 *                    command's stream event),
 *      -ETIMEDOUT    no response within the command's timeout (counted from
 *                    vici_client_call()); if the command was already sent the
 *                    connection is dropped and reopened, because charon's late
 *                    answer would otherwise be taken for the next command's,
 *      -ECONNRESET   the connection broke while the command was in flight (it
 *                    may or may not have run: it is NOT retried),
 *      -ECANCELED    the client was freed.
 *    Commands queued but not yet sent survive a reconnect: they are sent once
 *    the connection is back (their timeout keeps running meanwhile).
 *    A streamed command (e.g. "list-sas", which streams "list-sa") names its
 *    stream event: the client registers that event on the command connection
 *    before sending the command (charon streams only to a registered
 *    connection), and hands every EVENT packet that arrives while the command
 *    is in flight to the command's stream callback.
 *  - the event connection registers the set of events given with
 *    vici_client_register_event() and delivers EVENT packets to the event
 *    callback. After every (re)connect it registers the whole set again and
 *    then calls the connected callback, which is where the caller resyncs
 *    (e.g. "list-sas" with noblock=yes).
 *
 * Both connections reconnect on their own when charon is absent (ENOENT,
 * ECONNREFUSED), after EOF or an I/O error, and after a malformed frame (logged
 * at warning level), with exponential backoff (default 100 ms doubling to 5 s;
 * reset once a connection has received a valid packet).
 *
 * Callbacks may queue commands and register events. They must not free the
 * client. Messages passed to callbacks are owned by the client and valid only
 * during the call.
 */
#pragma once

#include <stdbool.h>

#include "core/time-util.h"

typedef struct sd_event sd_event;
struct vici_builder;
struct vici_client;
struct vici_msg;

#define VICI_DEFAULT_SOCKET "/var/run/charon.vici"
#define VICI_DEFAULT_TIMEOUT_USEC (30 * USEC_PER_SEC)
#define VICI_BACKOFF_MIN_USEC (100 * USEC_PER_MSEC)
#define VICI_BACKOFF_MAX_USEC (5 * USEC_PER_SEC)

typedef void (*vici_command_cb)(struct vici_client *c, int error, const struct vici_msg *reply,
				void *userdata);
/* msg->name is the event name. */
typedef void (*vici_event_cb)(struct vici_client *c, const struct vici_msg *event, void *userdata);
typedef void (*vici_connected_cb)(struct vici_client *c, void *userdata);
/* What the count callback is told: a packet sent, a packet received, a frame dropped (bad header, malformed, unexpected). */
enum vici_count { VICI_COUNT_OUT, VICI_COUNT_IN, VICI_COUNT_DROPPED };
typedef void (*vici_count_cb)(enum vici_count what, void *userdata);
/* The event connection could not connect (error: -ENOENT, -ECONNREFUSED...) or broke; a retry is scheduled. */
typedef void (*vici_down_cb)(struct vici_client *c, int error, void *userdata);

/* socket_path NULL = VICI_DEFAULT_SOCKET. Does not connect yet. */
int vici_client_new(sd_event *event, const char *socket_path, struct vici_client **ret);
/* Closes both connections and fails pending commands with -ECANCELED. */
struct vici_client *vici_client_free(struct vici_client *c);
static inline void vici_client_freep(struct vici_client **c)
{
	if (*c)
		vici_client_free(*c);
}

void vici_client_set_event_handler(struct vici_client *c, vici_event_cb cb, void *userdata);
void vici_client_set_connected_handler(struct vici_client *c, vici_connected_cb cb, void *userdata);
void vici_client_set_down_handler(struct vici_client *c, vici_down_cb cb, void *userdata);
/* Every packet in and out and every dropped frame, on both connections (the I/O module counts them). */
void vici_client_set_count_handler(struct vici_client *c, vici_count_cb cb, void *userdata);
/* Backoff bounds (min > 0, max >= min) and the default command timeout (> 0). */
int vici_client_set_backoff(struct vici_client *c, usec_t min, usec_t max);
int vici_client_set_timeout(struct vici_client *c, usec_t timeout);

/* Add an event (1..255 bytes) to the registered set; sent at once when connected. */
int vici_client_register_event(struct vici_client *c, const char *name);

/* Start connecting both connections (returns at once; failures are retried). */
int vici_client_start(struct vici_client *c);
/* True while the event connection is up with all its events registered. */
bool vici_client_is_connected(const struct vici_client *c);

/*
 * Queue a command. request: built with vici_builder_new(VICI_CMD_REQUEST, name);
 * always consumed (freed), also on error. stream_event: NULL or the event the
 * command streams ("list-sa" for "list-sas"); stream_cb receives those events.
 * timeout: 0 = the default. cb may be NULL. Returns 0 or a negative errno
 * (-EINVAL, -ENOMEM, or the builder's error); on an error cb is not called.
 */
int vici_client_call(struct vici_client *c, struct vici_builder *request, const char *stream_event,
		     usec_t timeout, vici_command_cb cb, vici_event_cb stream_cb, void *userdata);
/* Shorthand: a command without arguments. */
int vici_client_call_simple(struct vici_client *c, const char *command, vici_command_cb cb,
			    void *userdata);
