/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Asynchronous VICI client: see vici-client.h for the contract. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "core/cleanup.h"
#include "core/log.h"
#include "vici/vici-client.h"
#include "vici/vici-codec.h"

/* Packets handled per wakeup before yielding to other sources. */
#define VICI_READS_PER_DISPATCH 64

enum op_kind {
	OP_COMMAND,  /* user command */
	OP_REGISTER, /* internal: register an event on the event connection */
};

enum op_phase {
	PHASE_QUEUED,
	PHASE_REGISTERING, /* EVENT_REGISTER sent, waiting for EVENT_CONFIRM/UNKNOWN */
	PHASE_SENT,	   /* CMD_REQUEST sent, waiting for CMD_RESPONSE/UNKNOWN */
};

struct vici_conn;

struct vici_op {
	struct vici_op *next;
	struct vici_conn *conn;
	enum op_kind kind;
	enum op_phase phase;
	char *name;	    /* command name, or event name for OP_REGISTER */
	char *stream_event; /* OP_COMMAND: NULL or the event it streams */
	uint8_t *frame;	    /* OP_COMMAND: the CMD_REQUEST frame */
	size_t frame_len;
	vici_command_cb cb;
	vici_event_cb stream_cb;
	void *userdata;
	sd_event_source *timer;
};

struct vici_conn {
	struct vici_client *client;
	const char *what; /* "command" or "event", for logs */
	int fd;
	sd_event_source *io;
	sd_event_source *retry;
	bool up;
	bool was_up;   /* log the first failure after a working connection louder */
	usec_t backoff;
	/* receive state: header, then payload */
	uint8_t hdr[VICI_FRAME_HEADER_LEN];
	size_t hdr_got;
	uint8_t *payload;
	size_t payload_len, payload_got;
	/* transmit state: one frame at a time */
	uint8_t *tx;
	size_t tx_len, tx_off;
	/* FIFO of ops; the head is in flight unless PHASE_QUEUED */
	struct vici_op *head, *tail;
	/* events registered on this connection (this session) */
	char **registered;
	size_t n_registered;
};

struct vici_client {
	sd_event *event;
	char *path;
	struct vici_conn cmd, evt;
	char **events; /* wanted on the event connection */
	size_t n_events;
	vici_event_cb event_cb;
	void *event_userdata;
	vici_connected_cb connected_cb;
	void *connected_userdata;
	vici_down_cb down_cb;
	void *down_userdata;
	vici_count_cb count_cb;
	void *count_userdata;
	usec_t backoff_min, backoff_max, timeout;
	bool started, connected;
};

static void conn_kick(struct vici_conn *conn);
static void conn_fail(struct vici_conn *conn, int err);

/* ------------------------------------------------------------ string sets */

static bool strv_contains(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static int strv_add(char ***v, size_t *n, const char *s)
{
	char **nv;
	char *d;

	if (strv_contains(*v, *n, s))
		return 0;
	d = strdup(s);
	if (!d)
		return -ENOMEM;
	nv = reallocarray(*v, *n + 1, sizeof(char *));
	if (!nv) {
		free(d);
		return -ENOMEM;
	}
	nv[(*n)++] = d;
	*v = nv;
	return 1;
}

static void strv_clear(char ***v, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

/* ------------------------------------------------------------------- ops */

static void op_free(struct vici_op *op)
{
	if (!op)
		return;
	sd_event_source_disable_unref(op->timer);
	free(op->name);
	free(op->stream_event);
	free(op->frame);
	free(op);
}

static void conn_enqueue(struct vici_conn *conn, struct vici_op *op)
{
	op->conn = conn;
	op->next = NULL;
	if (conn->tail)
		conn->tail->next = op;
	else
		conn->head = op;
	conn->tail = op;
}

static void conn_unlink(struct vici_conn *conn, struct vici_op *op)
{
	struct vici_op **p;

	for (p = &conn->head; *p; p = &(*p)->next)
		if (*p == op) {
			*p = op->next;
			break;
		}
	conn->tail = NULL;
	for (struct vici_op *o = conn->head; o; o = o->next)
		conn->tail = o;
	op->next = NULL;
}

/* Remove op from its queue, call its callback once, free it. */
static void op_complete(struct vici_op *op, int error, const struct vici_msg *reply)
{
	struct vici_conn *conn = op->conn;

	conn_unlink(conn, op);
	if (op->kind == OP_COMMAND && op->cb)
		op->cb(conn->client, error, reply, op->userdata);
	op_free(op);
}

static int on_op_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct vici_op *op = userdata;
	struct vici_conn *conn = op->conn;

	log_warning("vici: command '%s' timed out%s", op->name,
		    op->phase == PHASE_SENT ? ", reconnecting" : "");
	if (op == conn->head && op->phase == PHASE_SENT) {
		/* charon may still answer: drop the connection so that its late
		 * answer cannot be taken for the next command's. */
		conn_fail(conn, -ETIMEDOUT);
		return 0;
	}
	if (op == conn->head && op->phase == PHASE_REGISTERING) {
		/* The EVENT_CONFIRM is still due; resync the connection too. */
		conn_fail(conn, -ETIMEDOUT);
		return 0;
	}
	op_complete(op, -ETIMEDOUT, NULL);
	return 0;
}

/* ------------------------------------------------------------ connection */

static void conn_close(struct vici_conn *conn)
{
	conn->io = sd_event_source_disable_unref(conn->io);
	conn->fd = safe_close(conn->fd);
	conn->up = false;
	conn->hdr_got = 0;
	free(conn->payload);
	conn->payload = NULL;
	conn->payload_len = conn->payload_got = 0;
	free(conn->tx);
	conn->tx = NULL;
	conn->tx_len = conn->tx_off = 0;
	strv_clear(&conn->registered, &conn->n_registered);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata);

static void conn_schedule_retry(struct vici_conn *conn)
{
	struct vici_client *c = conn->client;
	int r;

	if (conn->retry)
		return;
	r = sd_event_add_time_relative(c->event, &conn->retry, MIP6_CLOCK, conn->backoff,
				       USEC_PER_MSEC, on_retry, conn);
	if (r < 0) {
		log_error_errno(r, "vici: cannot arm the %s reconnect timer: %m", conn->what);
		return;
	}
	log_debug("vici: %s connection retry in %llu ms", conn->what,
		  (unsigned long long)(conn->backoff / USEC_PER_MSEC));
	conn->backoff = conn->backoff > c->backoff_max / 2 ? c->backoff_max : conn->backoff * 2;
	if (conn->backoff < c->backoff_min)
		conn->backoff = c->backoff_min;
}

/*
 * Drop the connection: the op in flight fails with err (a command not yet sent,
 * waiting for its stream registration, stays queued), internal ops go away,
 * and a reconnect is scheduled.
 */
static void conn_fail(struct vici_conn *conn, int err)
{
	struct vici_client *c = conn->client;
	struct vici_op *head = conn->head;

	conn_close(conn);
	if (conn == &c->evt && c->connected)
		c->connected = false;
	if (conn == &c->evt && c->down_cb)
		c->down_cb(c, err, c->down_userdata);
	if (head && head->phase != PHASE_QUEUED) {
		if (head->kind == OP_COMMAND && head->phase == PHASE_REGISTERING && err != -ETIMEDOUT)
			head->phase = PHASE_QUEUED;
		else {
			head->phase = PHASE_QUEUED;
			op_complete(head, err, NULL);
		}
	}
	/* Internal register ops are regenerated on the next connect. */
	for (struct vici_op *op = conn->head, *next; op; op = next) {
		next = op->next;
		if (op->kind == OP_REGISTER) {
			conn_unlink(conn, op);
			op_free(op);
		}
	}
	conn_schedule_retry(conn);
}

static void conn_count(struct vici_conn *conn, enum vici_count what)
{
	if (conn->client->count_cb)
		conn->client->count_cb(what, conn->client->count_userdata);
}

static void conn_update_events(struct vici_conn *conn)
{
	if (conn->io)
		(void)sd_event_source_set_io_events(conn->io,
						    EPOLLIN | (conn->tx ? EPOLLOUT : 0));
}

static int conn_flush(struct vici_conn *conn)
{
	while (conn->tx && conn->tx_off < conn->tx_len) {
		ssize_t n = send(conn->fd, conn->tx + conn->tx_off, conn->tx_len - conn->tx_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return -errno;
		}
		conn->tx_off += (size_t)n;
	}
	if (conn->tx && conn->tx_off == conn->tx_len) {
		free(conn->tx);
		conn->tx = NULL;
		conn->tx_len = conn->tx_off = 0;
	}
	conn_update_events(conn);
	return 0;
}

/* Queue one frame (takes ownership) and try to write it. */
static void conn_send(struct vici_conn *conn, uint8_t *frame, size_t len)
{
	int r;

	/* One op in flight: nothing else is being written. */
	free(conn->tx);
	conn->tx = frame;
	conn->tx_len = len;
	conn->tx_off = 0;
	conn_count(conn, VICI_COUNT_OUT);
	r = conn_flush(conn);
	if (r < 0) {
		log_warning_errno(r, "vici: %s connection write failed: %m, reconnecting", conn->what);
		conn_fail(conn, -ECONNRESET);
	}
}

static int build_register(const char *event, uint8_t **ret, size_t *ret_len)
{
	_cleanup_(vici_builder_freep) struct vici_builder *b = NULL;
	int r;

	r = vici_builder_new(VICI_EVENT_REGISTER, event, &b);
	if (r < 0)
		return r;
	return vici_builder_finish(b, ret, ret_len);
}

static void conn_set_connected(struct vici_conn *conn)
{
	struct vici_client *c = conn->client;

	if (conn != &c->evt || c->connected || !conn->up)
		return;
	c->connected = true;
	log_info("vici: connected to %s, %zu event(s) registered", c->path, c->n_events);
	if (c->connected_cb)
		c->connected_cb(c, c->connected_userdata);
}

/* Start the op at the head of the queue if nothing is in flight. */
static void conn_kick(struct vici_conn *conn)
{
	struct vici_op *op;
	uint8_t *frame;
	size_t len;
	int r;

	for (;;) {
		op = conn->head;
		if (!conn->up || conn->tx)
			return;
		if (!op) {
			conn_set_connected(conn);
			return;
		}
		if (op->phase != PHASE_QUEUED)
			return;
		if (op->kind == OP_REGISTER ||
		    (op->stream_event &&
		     !strv_contains(conn->registered, conn->n_registered, op->stream_event))) {
			const char *ev = op->kind == OP_REGISTER ? op->name : op->stream_event;

			r = build_register(ev, &frame, &len);
			if (r < 0) {
				log_warning_errno(r, "vici: cannot build registration for '%s': %m", ev);
				op_complete(op, r, NULL);
				continue;
			}
			op->phase = PHASE_REGISTERING;
		} else {
			frame = TAKE_PTR(op->frame);
			len = op->frame_len;
			op->phase = PHASE_SENT;
		}
		conn_send(conn, frame, len);
		return;
	}
}

static int conn_handle_packet(struct vici_conn *conn, const struct vici_msg *m)
{
	struct vici_client *c = conn->client;
	struct vici_op *op = conn->head;
	bool registering = op && op->phase == PHASE_REGISTERING;
	bool sent = op && op->phase == PHASE_SENT;

	switch (m->type) {
	case VICI_EVENT:
		if (conn == &c->evt) {
			if (c->event_cb)
				c->event_cb(c, m, c->event_userdata);
		} else if (sent && op->stream_cb)
			op->stream_cb(c, m, op->userdata);
		else
			log_debug("vici: unexpected event '%s' on the command connection, ignoring",
				  m->name);
		return 0;
	case VICI_CMD_RESPONSE:
	case VICI_CMD_UNKNOWN:
		if (!sent)
			return -EPROTO;
		if (m->type == VICI_CMD_UNKNOWN)
			log_debug("vici: charon does not know command '%s'", op->name);
		op_complete(op, m->type == VICI_CMD_RESPONSE ? 0 : -EOPNOTSUPP,
			    m->type == VICI_CMD_RESPONSE ? m : NULL);
		conn_kick(conn);
		return 0;
	case VICI_EVENT_CONFIRM:
	case VICI_EVENT_UNKNOWN: {
		const char *ev;

		if (!registering)
			return -EPROTO;
		ev = op->kind == OP_REGISTER ? op->name : op->stream_event;
		if (m->type == VICI_EVENT_CONFIRM) {
			if (strv_add(&conn->registered, &conn->n_registered, ev) < 0)
				return -ENOMEM;
			if (op->kind == OP_REGISTER)
				op_complete(op, 0, NULL);
			else
				op->phase = PHASE_QUEUED; /* now send the command itself */
		} else {
			log_warning("vici: charon does not know event '%s', ignoring", ev);
			op_complete(op, -EOPNOTSUPP, NULL);
		}
		conn_kick(conn);
		return 0;
	}
	default:
		return -EPROTO;
	}
}

/* Read what is available; returns 0, or a negative errno to drop the connection. */
static int conn_read(struct vici_conn *conn)
{
	for (unsigned i = 0; i < VICI_READS_PER_DISPATCH && conn->up; i++) {
		ssize_t n;

		if (conn->hdr_got < VICI_FRAME_HEADER_LEN) {
			n = recv(conn->fd, conn->hdr + conn->hdr_got,
				 VICI_FRAME_HEADER_LEN - conn->hdr_got, MSG_DONTWAIT);
		} else {
			n = recv(conn->fd, conn->payload + conn->payload_got,
				 conn->payload_len - conn->payload_got, MSG_DONTWAIT);
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			return log_warning_errno(errno, "vici: %s connection read failed: %m, reconnecting",
						 conn->what);
		}
		if (n == 0) {
			log_full(conn->hdr_got || conn->payload_got ? LOG_WARNING : LOG_INFO,
				 "vici: charon closed the %s connection%s, reconnecting", conn->what,
				 conn->hdr_got || conn->payload_got ? " within a frame" : "");
			return -ECONNRESET;
		}
		if (conn->hdr_got < VICI_FRAME_HEADER_LEN) {
			int r;

			conn->hdr_got += (size_t)n;
			if (conn->hdr_got < VICI_FRAME_HEADER_LEN)
				continue;
			r = vici_frame_header_parse(conn->hdr, &conn->payload_len);
			if (r < 0)
				conn_count(conn, VICI_COUNT_DROPPED);
			if (r < 0)
				return log_warning_errno(r, "vici: bad frame header on the %s connection "
							    "(%02x%02x%02x%02x), reconnecting",
							 conn->what, conn->hdr[0], conn->hdr[1],
							 conn->hdr[2], conn->hdr[3]);
			conn->payload = malloc(conn->payload_len);
			if (!conn->payload)
				return log_error_errno(ENOMEM, "vici: %m");
			conn->payload_got = 0;
			continue;
		}
		conn->payload_got += (size_t)n;
		if (conn->payload_got == conn->payload_len) {
			_cleanup_(vici_msg_freep) struct vici_msg *m = NULL;
			_cleanup_(freep) uint8_t *p = TAKE_PTR(conn->payload);
			size_t len = conn->payload_len;
			int r;

			conn->hdr_got = 0;
			conn->payload_len = conn->payload_got = 0;
			r = vici_packet_decode(p, len, &m);
			conn_count(conn, r < 0 ? VICI_COUNT_DROPPED : VICI_COUNT_IN);
			if (r < 0)
				return log_warning_errno(r, "vici: malformed packet (%zu bytes) on the %s "
							    "connection: %m, reconnecting",
							 len, conn->what);
			log_debug("vici: %s connection: received %s%s%s", conn->what,
				  vici_packet_type_to_string(m->type), m->name ? " " : "",
				  m->name ? m->name : "");
			conn->backoff = conn->client->backoff_min;
			r = conn_handle_packet(conn, m);
			if (r < 0)
				conn_count(conn, VICI_COUNT_DROPPED);
			if (r < 0)
				return log_warning_errno(r, "vici: unexpected %s on the %s connection: %m, "
							    "reconnecting",
							 vici_packet_type_to_string(m->type), conn->what);
		}
	}
	return 0;
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct vici_conn *conn = userdata;
	int r;

	if (revents & EPOLLOUT) {
		r = conn_flush(conn);
		if (r < 0) {
			log_warning_errno(r, "vici: %s connection write failed: %m, reconnecting",
					  conn->what);
			conn_fail(conn, -ECONNRESET);
			return 0;
		}
		conn_kick(conn);
	}
	if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		r = conn_read(conn);
		if (r < 0 && conn->up) {
			conn_fail(conn, -ECONNRESET);
			return 0;
		}
	}
	return 0;
}

static int conn_connect(struct vici_conn *conn)
{
	struct vici_client *c = conn->client;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_(closep) int fd = -EBADF;
	int r;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memcpy(sa.sun_path, c->path, strlen(c->path));
	/* AF_UNIX stream connects complete or fail at once; EAGAIN (backlog full) is retried. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	r = sd_event_add_io(c->event, &conn->io, fd, EPOLLIN, on_io, conn);
	if (r < 0)
		return r;
	conn->fd = TAKE_FD(fd);
	conn->up = true;
	return 0;
}

static void conn_start(struct vici_conn *conn)
{
	struct vici_client *c = conn->client;
	int r;

	r = conn_connect(conn);
	if (r < 0) {
		int level = conn->was_up ? LOG_WARNING : LOG_DEBUG;

		log_full_errno(level, r, "vici: cannot connect the %s connection to %s: %m", conn->what,
			       c->path);
		conn->was_up = false;
		conn_schedule_retry(conn);
		if (conn == &c->evt && c->down_cb)
			c->down_cb(c, r, c->down_userdata);
		return;
	}
	log_debug("vici: %s connection up", conn->what);
	conn->was_up = true;
	if (conn == &c->evt) {
		/* Register the whole set first, then report connected. */
		for (size_t i = 0; i < c->n_events; i++) {
			struct vici_op *op = calloc(1, sizeof(*op));

			if (!op || !(op->name = strdup(c->events[i]))) {
				free(op);
				log_error_errno(ENOMEM, "vici: %m");
				conn_fail(conn, -ENOMEM);
				return;
			}
			op->kind = OP_REGISTER;
			conn_enqueue(conn, op);
		}
	}
	conn_kick(conn);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct vici_conn *conn = userdata;

	conn->retry = sd_event_source_disable_unref(conn->retry);
	conn_start(conn);
	return 0;
}

/* ---------------------------------------------------------------- public */

static void conn_init(struct vici_client *c, struct vici_conn *conn, const char *what)
{
	conn->client = c;
	conn->what = what;
	conn->fd = -EBADF;
	conn->backoff = c->backoff_min;
}

int vici_client_new(sd_event *event, const char *socket_path, struct vici_client **ret)
{
	_cleanup_(vici_client_freep) struct vici_client *c = NULL;
	const char *path = socket_path ? socket_path : VICI_DEFAULT_SOCKET;

	if (!event || !ret)
		return -EINVAL;
	if (path[0] == '\0' || strlen(path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->path = strdup(path);
	if (!c->path)
		return -ENOMEM;
	c->event = sd_event_ref(event);
	c->backoff_min = VICI_BACKOFF_MIN_USEC;
	c->backoff_max = VICI_BACKOFF_MAX_USEC;
	c->timeout = VICI_DEFAULT_TIMEOUT_USEC;
	conn_init(c, &c->cmd, "command");
	conn_init(c, &c->evt, "event");
	*ret = TAKE_PTR(c);
	return 0;
}

static void conn_free(struct vici_conn *conn)
{
	if (!conn->client)
		return;
	conn_close(conn);
	conn->retry = sd_event_source_disable_unref(conn->retry);
	while (conn->head) {
		conn->head->phase = PHASE_QUEUED;
		op_complete(conn->head, -ECANCELED, NULL);
	}
}

struct vici_client *vici_client_free(struct vici_client *c)
{
	if (!c)
		return NULL;
	conn_free(&c->cmd);
	conn_free(&c->evt);
	strv_clear(&c->events, &c->n_events);
	sd_event_unref(c->event);
	free(c->path);
	free(c);
	return NULL;
}

void vici_client_set_event_handler(struct vici_client *c, vici_event_cb cb, void *userdata)
{
	c->event_cb = cb;
	c->event_userdata = userdata;
}

void vici_client_set_connected_handler(struct vici_client *c, vici_connected_cb cb, void *userdata)
{
	c->connected_cb = cb;
	c->connected_userdata = userdata;
}

void vici_client_set_down_handler(struct vici_client *c, vici_down_cb cb, void *userdata)
{
	c->down_cb = cb;
	c->down_userdata = userdata;
}

void vici_client_set_count_handler(struct vici_client *c, vici_count_cb cb, void *userdata)
{
	c->count_cb = cb;
	c->count_userdata = userdata;
}

int vici_client_set_backoff(struct vici_client *c, usec_t min, usec_t max)
{
	if (!c || min == 0 || max < min)
		return -EINVAL;
	c->backoff_min = min;
	c->backoff_max = max;
	c->cmd.backoff = c->evt.backoff = min;
	return 0;
}

int vici_client_set_timeout(struct vici_client *c, usec_t timeout)
{
	if (!c || timeout == 0)
		return -EINVAL;
	c->timeout = timeout;
	return 0;
}

int vici_client_register_event(struct vici_client *c, const char *name)
{
	struct vici_op *op;
	int r;

	if (!c || !name || name[0] == '\0' || strlen(name) > VICI_NAME_MAX)
		return -EINVAL;
	r = strv_add(&c->events, &c->n_events, name);
	if (r <= 0)
		return r;
	if (!c->evt.up)
		return 0; /* registered on connect */
	op = calloc(1, sizeof(*op));
	if (!op || !(op->name = strdup(name))) {
		free(op);
		return -ENOMEM;
	}
	op->kind = OP_REGISTER;
	conn_enqueue(&c->evt, op);
	conn_kick(&c->evt);
	return 0;
}

int vici_client_start(struct vici_client *c)
{
	if (!c)
		return -EINVAL;
	if (c->started)
		return 0;
	c->started = true;
	conn_start(&c->evt);
	conn_start(&c->cmd);
	return 0;
}

bool vici_client_is_connected(const struct vici_client *c)
{
	return c && c->connected;
}

int vici_client_call(struct vici_client *c, struct vici_builder *request, const char *stream_event,
		     usec_t timeout, vici_command_cb cb, vici_event_cb stream_cb, void *userdata)
{
	_cleanup_(vici_builder_freep) struct vici_builder *b = request;
	struct vici_op *op;
	int r;

	if (!c || !b || vici_builder_type(b) != VICI_CMD_REQUEST)
		return -EINVAL;
	if (stream_event && (stream_event[0] == '\0' || strlen(stream_event) > VICI_NAME_MAX))
		return -EINVAL;
	op = calloc(1, sizeof(*op));
	if (!op)
		return -ENOMEM;
	op->kind = OP_COMMAND;
	op->cb = cb;
	op->stream_cb = stream_cb;
	op->userdata = userdata;
	op->name = strdup(vici_builder_name(b));
	if (!op->name || (stream_event && !(op->stream_event = strdup(stream_event)))) {
		op_free(op);
		return -ENOMEM;
	}
	r = vici_builder_finish(b, &op->frame, &op->frame_len);
	if (r >= 0)
		r = sd_event_add_time_relative(c->event, &op->timer, MIP6_CLOCK,
					       timeout ? timeout : c->timeout, USEC_PER_MSEC,
					       on_op_timeout, op);
	if (r < 0) {
		op_free(op);
		return r;
	}
	conn_enqueue(&c->cmd, op);
	conn_kick(&c->cmd);
	return 0;
}

int vici_client_call_simple(struct vici_client *c, const char *command, vici_command_cb cb,
			    void *userdata)
{
	struct vici_builder *b = NULL;
	int r;

	r = vici_builder_new(VICI_CMD_REQUEST, command, &b);
	if (r < 0)
		return r;
	return vici_client_call(c, b, NULL, 0, cb, NULL, userdata);
}
