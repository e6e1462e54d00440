/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fake charon for unit tests: a VICI server on a UNIX socket in the test's
 * own sd_event loop, speaking the real codec. Built-in commands: version,
 * echo, list-sas (streams ike-a #1 and ike-b #2 to a list-sa registered
 * connection), hang (never answers), close, garbage, huge; anything else is
 * CMD_UNKNOWN. A test adds its own commands with handler. Events it
 * confirms: `events` (NULL-terminated), by default list-sa and ike-updown.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "vici/vici-codec.h"

struct fake_conn {
	struct fake_server *srv;
	struct fake_conn *next;
	int fd;
	sd_event_source *io;
	uint8_t *rx;
	size_t rx_len;
	uint8_t *tx;
	size_t tx_len, tx_off, tx_cap;
	char *events[16];
	size_t n_events;
};

struct fake_server {
	sd_event *e;
	char path[108];
	int lfd;
	sd_event_source *lio;
	struct fake_conn *conns;
	unsigned accepted;
	unsigned registrations; /* EVENT_REGISTER received (confirmed or not) */
	size_t chunk;		/* max bytes per write, 0 = unlimited */
	const char *const *events; /* known events, NULL-terminated; NULL = list-sa, ike-updown */
	/* A test's commands: true when it handled m (it answers with fconn_send). */
	bool (*handler)(struct fake_conn *fc, const struct vici_msg *m, void *userdata);
	void *handler_ud;
};


void fconn_free(struct fake_conn *fc);
void fconn_write(struct fake_conn *fc, const void *data, size_t len);
/* Finish b, free it and queue the frame. */
void fconn_send(struct fake_conn *fc, struct vici_builder *b);
void fconn_send_simple(struct fake_conn *fc, enum vici_packet_type t);
bool fconn_has_event(const struct fake_conn *fc, const char *name);
/* A list-sa event: IKE SA ike with uniqueid, one INSTALLED CHILD_SA "bu" with reqid 11. */
struct vici_builder *fake_list_sa(const char *ike, const char *uniqueid);

/* Listen on srv->path (set srv->e and srv->path first). */
void fake_listen(struct fake_server *srv);
/* charon goes away: listener and connections closed, socket removed. */
void fake_stop(struct fake_server *srv);
size_t fake_n_conns(const struct fake_server *srv);
/* Send an event to every connection registered for it; returns how many. */
unsigned fake_emit(struct fake_server *srv, const char *name, const char *ike);
