/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A fake charon speaking VICI for unit tests (fake-vici.h). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "fake-vici.h"


void fconn_free(struct fake_conn *fc)
{
	struct fake_conn **p;

	for (p = &fc->srv->conns; *p; p = &(*p)->next)
		if (*p == fc) {
			*p = fc->next;
			break;
		}
	sd_event_source_disable_unref(fc->io);
	close(fc->fd);
	free(fc->rx);
	free(fc->tx);
	for (size_t i = 0; i < fc->n_events; i++)
		free(fc->events[i]);
	free(fc);
}

static void fconn_update(struct fake_conn *fc)
{
	sd_event_source_set_io_events(fc->io, EPOLLIN | (fc->tx_off < fc->tx_len ? EPOLLOUT : 0));
}

void fconn_write(struct fake_conn *fc, const void *data, size_t len)
{
	if (fc->tx_cap - fc->tx_len < len) {
		/* Doubling: thousands of streamed events must not copy the buffer each time. */
		size_t cap = fc->tx_cap ? fc->tx_cap : 4096;

		while (cap - fc->tx_len < len)
			cap *= 2;
		fc->tx = realloc(fc->tx, cap);
		ck_assert_ptr_nonnull(fc->tx);
		fc->tx_cap = cap;
	}
	memcpy(fc->tx + fc->tx_len, data, len);
	fc->tx_len += len;
	fconn_update(fc);
}

void fconn_send(struct fake_conn *fc, struct vici_builder *b)
{
	_cleanup_(freep) uint8_t *frame = NULL;
	size_t len;

	ck_assert_int_eq(vici_builder_finish(b, &frame, &len), 0);
	vici_builder_free(b);
	fconn_write(fc, frame, len);
}

void fconn_send_simple(struct fake_conn *fc, enum vici_packet_type t)
{
	struct vici_builder *b = NULL;

	ck_assert_int_eq(vici_builder_new(t, NULL, &b), 0);
	fconn_send(fc, b);
}

struct vici_builder *fake_list_sa(const char *ike, const char *uniqueid)
{
	struct vici_builder *b = NULL;

	ck_assert_int_eq(vici_builder_new(VICI_EVENT, "list-sa", &b), 0);
	vici_builder_begin_section(b, ike);
	vici_builder_add_str(b, "uniqueid", uniqueid);
	vici_builder_add_str(b, "state", "ESTABLISHED");
	vici_builder_begin_section(b, "child-sas");
	vici_builder_begin_section(b, "bu");
	vici_builder_add_str(b, "reqid", "11");
	vici_builder_end_section(b);
	vici_builder_end_section(b);
	vici_builder_end_section(b);
	return b;
}

bool fconn_has_event(const struct fake_conn *fc, const char *name)
{
	for (size_t i = 0; i < fc->n_events; i++)
		if (strcmp(fc->events[i], name) == 0)
			return true;
	return false;
}

static bool fake_knows_event(const struct fake_server *srv, const char *name)
{
	static const char *const builtin[] = { "list-sa", "ike-updown", NULL };
	const char *const *known = srv->events ? srv->events : builtin;

	for (size_t i = 0; known[i]; i++)
		if (strcmp(known[i], name) == 0)
			return true;
	return false;
}

/* Returns false when the connection was closed. */
static bool fconn_handle(struct fake_conn *fc, const struct vici_msg *m)
{
	struct vici_builder *b = NULL;

	switch (m->type) {
	case VICI_EVENT_REGISTER:
		fc->srv->registrations++;
		if (fake_knows_event(fc->srv, m->name)) {
			ck_assert_uint_lt(fc->n_events, ELEMENTSOF(fc->events));
			fc->events[fc->n_events++] = strdup(m->name);
			fconn_send_simple(fc, VICI_EVENT_CONFIRM);
		} else
			fconn_send_simple(fc, VICI_EVENT_UNKNOWN);
		return true;
	case VICI_CMD_REQUEST:
		if (fc->srv->handler && fc->srv->handler(fc, m, fc->srv->handler_ud))
			return true;
		break;
	default:
		ck_abort_msg("fake server: unexpected packet type %d", m->type);
	}
	if (strcmp(m->name, "version") == 0) {
		ck_assert_int_eq(vici_builder_new(VICI_CMD_RESPONSE, NULL, &b), 0);
		vici_builder_add_str(b, "daemon", "fake-charon");
		vici_builder_add_str(b, "version", "5.9.8");
		fconn_send(fc, b);
	} else if (strcmp(m->name, "echo") == 0) {
		_cleanup_(freep) uint8_t *frame = NULL;
		size_t len;

		/* Re-encode the request, turned into a response (type byte at offset 4). */
		ck_assert_int_eq(vici_msg_encode(m, &frame, &len), 0);
		{
			size_t name_len = (size_t)frame[5] + 1;
			size_t plen = len - 4 - name_len;

			memmove(frame + 5, frame + 5 + name_len, len - 5 - name_len);
			frame[0] = (uint8_t)(plen >> 24);
			frame[1] = (uint8_t)(plen >> 16);
			frame[2] = (uint8_t)(plen >> 8);
			frame[3] = (uint8_t)plen;
			frame[4] = VICI_CMD_RESPONSE;
			fconn_write(fc, frame, 4 + plen);
		}
	} else if (strcmp(m->name, "list-sas") == 0) {
		/* charon streams only to connections registered for list-sa. */
		if (fconn_has_event(fc, "list-sa")) {
			fconn_send(fc, fake_list_sa("ike-a", "1"));
			fconn_send(fc, fake_list_sa("ike-b", "2"));
		}
		ck_assert_int_eq(vici_builder_new(VICI_CMD_RESPONSE, NULL, &b), 0);
		fconn_send(fc, b);
	} else if (strcmp(m->name, "hang") == 0) {
		/* never answers */
	} else if (strcmp(m->name, "close") == 0) {
		fconn_free(fc);
		return false;
	} else if (strcmp(m->name, "garbage") == 0) {
		/* a frame with element type 9 */
		fconn_write(fc, "\x00\x00\x00\x02\x01\x09", 6);
	} else if (strcmp(m->name, "huge") == 0) {
		/* a header declaring more than 512 KiB */
		fconn_write(fc, "\x00\x08\x00\x01", 4);
	} else
		fconn_send_simple(fc, VICI_CMD_UNKNOWN);
	return true;
}

static int fconn_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct fake_conn *fc = userdata;

	if (revents & EPOLLOUT) {
		size_t n = fc->tx_len - fc->tx_off;
		ssize_t k;

		if (fc->srv->chunk && n > fc->srv->chunk)
			n = fc->srv->chunk;
		k = send(fc->fd, fc->tx + fc->tx_off, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0 && errno != EAGAIN) {
			fconn_free(fc);
			return 0;
		}
		if (k > 0)
			fc->tx_off += (size_t)k;
		if (fc->tx_off == fc->tx_len) {
			free(fc->tx);
			fc->tx = NULL;
			fc->tx_len = fc->tx_off = fc->tx_cap = 0;
		}
		fconn_update(fc);
	}
	if (revents & (EPOLLIN | EPOLLHUP)) {
		uint8_t buf[65536];
		ssize_t k = recv(fc->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (k < 0 && errno == EAGAIN)
			return 0;
		if (k <= 0) {
			fconn_free(fc);
			return 0;
		}
		fc->rx = realloc(fc->rx, fc->rx_len + (size_t)k);
		memcpy(fc->rx + fc->rx_len, buf, (size_t)k);
		fc->rx_len += (size_t)k;
		while (fc->rx_len >= 4) {
			struct vici_msg *m = NULL;
			size_t plen;
			bool alive;

			ck_assert_int_eq(vici_frame_header_parse(fc->rx, &plen), 0);
			if (fc->rx_len - 4 < plen)
				break;
			ck_assert_int_eq(vici_packet_decode(fc->rx + 4, plen, &m), 0);
			memmove(fc->rx, fc->rx + 4 + plen, fc->rx_len - 4 - plen);
			fc->rx_len -= 4 + plen;
			alive = fconn_handle(fc, m);
			vici_msg_free(m);
			if (!alive)
				break;
		}
	}
	return 0;
}

static int fake_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct fake_server *srv = userdata;
	struct fake_conn *fc;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (cfd < 0)
		return 0;
	fc = calloc(1, sizeof(*fc));
	ck_assert_ptr_nonnull(fc);
	fc->srv = srv;
	fc->fd = cfd;
	ck_assert_int_ge(sd_event_add_io(srv->e, &fc->io, cfd, EPOLLIN, fconn_io, fc), 0);
	fc->next = srv->conns;
	srv->conns = fc;
	srv->accepted++;
	return 0;
}

void fake_listen(struct fake_server *srv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	srv->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(srv->lfd, 0);
	strcpy(sa.sun_path, srv->path);
	ck_assert_int_eq(bind(srv->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(srv->lfd, 8), 0);
	ck_assert_int_ge(sd_event_add_io(srv->e, &srv->lio, srv->lfd, EPOLLIN, fake_accept, srv), 0);
}

/* charon goes away: listener and connections closed, socket removed. */
void fake_stop(struct fake_server *srv)
{
	while (srv->conns)
		fconn_free(srv->conns);
	srv->lio = sd_event_source_disable_unref(srv->lio);
	if (srv->lfd >= 0)
		close(srv->lfd);
	srv->lfd = -1;
	unlink(srv->path);
}

size_t fake_n_conns(const struct fake_server *srv)
{
	size_t n = 0;

	for (const struct fake_conn *fc = srv->conns; fc; fc = fc->next)
		n++;
	return n;
}

/* Send an event to every connection registered for it; returns how many. */
unsigned fake_emit(struct fake_server *srv, const char *name, const char *ike)
{
	unsigned n = 0;

	for (struct fake_conn *fc = srv->conns; fc; fc = fc->next) {
		struct vici_builder *b = NULL;

		if (!fconn_has_event(fc, name))
			continue;
		ck_assert_int_eq(vici_builder_new(VICI_EVENT, name, &b), 0);
		vici_builder_add_str(b, "up", "yes");
		vici_builder_begin_section(b, ike);
		vici_builder_add_str(b, "state", "ESTABLISHED");
		vici_builder_end_section(b);
		fconn_send(fc, b);
		n++;
	}
	return n;
}

