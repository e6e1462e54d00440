/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control/control.h"
#include "control/ctl-event.h"
#include "control/ctl-json.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/time-util.h"

struct ctl_server {
	sd_event *event;
	sd_event_source *accept_src;
	int fd;
	char *path;
	gid_t group;
	ctl_handler_t handler;
	void *userdata;
	unsigned nconn;
	struct ctl_conn *conns;
	struct ctl_conn *current; /* the connection whose handler runs */
	uint64_t idle_usec;
	uint64_t next_id;
	unsigned nsub;
	struct ctl_monitor_stats mon;
};

struct ctl_conn {
	struct ctl_server *srv;
	sd_event_source *src;
	sd_event_source *idle; /* CTL_IDLE_TIMEOUT_SEC */
	int fd;
	uint64_t id;
	bool json, deferred, subscriber;
	bool admin; /* uid 0 or the daemon's uid: may change state (ctl_peer_is_admin) */
	uint64_t lost; /* subscriber: events dropped since its last "lost" line */
	char req[CTL_MAX_REQUEST + 1];
	size_t reqlen;
	char *out;
	size_t outlen, outoff;
	/* a streamed reply (ctl_stream): the next piece's producer */
	ctl_stream_fn stream;
	void (*stream_free)(void *);
	void *stream_ud;
	struct ctl_conn *next, **pprev;
};

static void conn_stream_end(struct ctl_conn *c)
{
	void (*f)(void *) = c->stream_free;
	void *ud = c->stream_ud;

	c->stream = NULL;
	c->stream_free = NULL;
	c->stream_ud = NULL;
	if (f)
		f(ud);
}

static void conn_free(struct ctl_conn *c)
{
	if (!c)
		return;
	sd_event_source_disable_unref(c->src);
	sd_event_source_disable_unref(c->idle);
	safe_close(c->fd);
	free(c->out);
	conn_stream_end(c);
	c->srv->nconn--;
	if (c->subscriber)
		c->srv->nsub--;
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	free(c);
}

int ctl_parse_request(char *line, size_t len, bool *ret_json, int *ret_argc, char **argv)
{
	int argc = 0;
	char *save = NULL, *w;

	if (len == 0 || memchr(line, 0, len))
		return -EBADMSG;
	line[len] = 0;
	/* The mode first, so that even a malformed JSON request gets a JSON error. */
	*ret_json = strncmp(line, "json", 4) == 0 && (line[4] == 0 || line[4] == ' ' || line[4] == '\t');
	for (w = strtok_r(line, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (argc == CTL_MAX_ARGS + 1)
			return -E2BIG;
		argv[argc++] = w;
	}
	if (argc < 2)
		return -EBADMSG;
	if (strcmp(argv[0], "json") == 0)
		*ret_json = true;
	else if (strcmp(argv[0], "text") == 0)
		*ret_json = false;
	else
		return -EBADMSG;
	memmove(argv, argv + 1, sizeof(char *) * (size_t)(argc - 1));
	*ret_argc = argc - 1;
	return 0;
}

static int on_conn_io(sd_event_source *s, int fd, uint32_t revents, void *userdata);

/* The reply to send: "ok\n" + body, or "error: " + the message (as JSON in JSON mode). */
static void conn_set_reply(struct ctl_conn *c, int r, const char *body, size_t bodylen)
{
	if (r < 0 && c->json) {
		/* The handler wrote its message as text; a JSON client gets it as {"error":…}. */
		_cleanup_(freep) char *t = strndup(body, bodylen);
		_cleanup_(freep) char *e = t ? ctl_json_error_text(t) : NULL;
		if (!e || asprintf(&c->out, "error: %s\n", e) < 0)
			c->out = NULL;
	} else if (r < 0) {
		if (asprintf(&c->out, "error: %.*s\n", (int)bodylen, body) < 0)
			c->out = NULL;
	} else if (asprintf(&c->out, "ok\n%.*s", (int)bodylen, body) < 0)
		c->out = NULL;
	if (!c->out) {
		conn_free(c);
		return;
	}
	c->outlen = strlen(c->out);
	c->outoff = 0;
	if (sd_event_source_set_io_events(c->src, EPOLLOUT) < 0)
		conn_free(c);
}

/* A subscriber's queue: "ok\n" first, then event lines; no idle timeout, EOF from the peer ends it. */
static void conn_start_subscription(struct ctl_conn *c)
{
	c->out = malloc(CTL_SUB_QUEUE_BYTES);
	if (!c->out) {
		conn_free(c);
		return;
	}
	memcpy(c->out, "ok\n", 3);
	c->outlen = 3;
	c->outoff = 0;
	(void)sd_event_source_set_enabled(c->idle, SD_EVENT_OFF);
	if (sd_event_source_set_io_events(c->src, EPOLLIN | EPOLLOUT) < 0)
		conn_free(c);
}

/* Appends len bytes to a subscriber's queue; false when they do not fit (nothing appended). */
static bool sub_queue(struct ctl_conn *c, const char *line, size_t len)
{
	if (c->outoff > 0) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	if (len > CTL_SUB_QUEUE_BYTES - c->outlen)
		return false;
	memcpy(c->out + c->outlen, line, len);
	c->outlen += len;
	return true;
}

/* One event line for one subscriber: after losses, the "lost" line goes first (both or neither). */
static void sub_push(struct ctl_conn *c, const char *line, size_t len)
{
	if (c->lost) {
		struct mip6_event lost = MIP6_EVENT_INIT(MIP6_EV_LOST);
		struct timespec ts;
		char buf[256];
		int n;

		lost.count = c->lost;
		clock_gettime(CLOCK_REALTIME, &ts);
		n = mip6_event_format(&lost, (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000, c->json, buf,
				      sizeof(buf));
		if (n < 0 || (size_t)n + len > CTL_SUB_QUEUE_BYTES - (c->outlen - c->outoff)) {
			c->lost++;
			c->srv->mon.lost++;
			return;
		}
		(void)sub_queue(c, buf, (size_t)n);
		c->lost = 0;
	}
	if (!sub_queue(c, line, len)) {
		c->lost++;
		c->srv->mon.lost++;
		return;
	}
	(void)sd_event_source_set_io_events(c->src, EPOLLIN | EPOLLOUT);
}

int ctl_subscribe(struct ctl_server *s)
{
	if (!s->current)
		return -EINVAL;
	if (s->nsub >= CTL_MAX_SUBSCRIBERS)
		return -EBUSY;
	s->current->subscriber = true;
	s->nsub++;
	return 0;
}

bool ctl_peer_is_admin(const struct ctl_server *s)
{
	return s && s->current && s->current->admin;
}

bool ctl_has_subscribers(const struct ctl_server *s)
{
	return s && s->nsub > 0;
}

void ctl_publish(struct ctl_server *s, ctl_format_t format, void *userdata)
{
	char lines[2][1024];
	int len[2] = { -1, -1 };
	bool done[2] = { false, false };

	if (!ctl_has_subscribers(s))
		return;
	for (struct ctl_conn *c = s->conns, *next; c; c = next) {
		int j = c->json;

		next = c->next;
		if (!c->subscriber || !c->out)
			continue;
		if (!done[j]) {
			len[j] = format(userdata, c->json, lines[j], sizeof(lines[j]));
			done[j] = true;
		}
		if (len[j] > 0)
			sub_push(c, lines[j], (size_t)len[j]);
	}
	if (len[0] > 0 || len[1] > 0)
		s->mon.published++;
}

void ctl_get_monitor_stats(const struct ctl_server *s, struct ctl_monitor_stats *ret)
{
	*ret = s ? s->mon : (struct ctl_monitor_stats){ 0 };
	ret->subscribers = s ? s->nsub : 0;
}

static void conn_respond(struct ctl_conn *c)
{
	char *argv[CTL_MAX_ARGS + 1];
	bool json = false;
	int argc = 0, r;
	char *body = NULL;
	size_t bodylen = 0;
	FILE *f;

	r = ctl_parse_request(c->req, c->reqlen, &json, &argc, argv);
	c->json = json;
	f = open_memstream(&body, &bodylen);
	if (!f) {
		conn_free(c);
		return;
	}
	if (r < 0)
		fprintf(f, "malformed request");
	else {
		c->srv->current = c;
		r = c->srv->handler(c->srv->userdata, argc, argv, json, f);
		c->srv->current = NULL;
	}
	fclose(f);
	if (r == CTL_DEFERRED && c->deferred) {
		/* Waiting for ctl_complete(): no idle timeout, no more input read. */
		free(body);
		(void)sd_event_source_set_enabled(c->idle, SD_EVENT_OFF);
		if (sd_event_source_set_io_events(c->src, 0) < 0)
			conn_free(c);
		return;
	}
	if (r != CTL_SUBSCRIBED && c->subscriber) {
		c->subscriber = false; /* subscribed, then answered after all */
		c->srv->nsub--;
	}
	if (r == CTL_SUBSCRIBED && c->subscriber) {
		free(body);
		conn_start_subscription(c);
		return;
	}
	if (r != CTL_STREAMED)
		conn_stream_end(c); /* asked for a stream, then answered after all */
	else if (!c->stream)
		r = 0;
	conn_set_reply(c, r, body ? body : "", body ? bodylen : 0);
	free(body);
}

int ctl_stream(struct ctl_server *s, ctl_stream_fn next, void (*free_fn)(void *), void *userdata)
{
	if (!s || !s->current || s->current->stream)
		return -EINVAL;
	s->current->stream = next;
	s->current->stream_free = free_fn;
	s->current->stream_ud = userdata;
	return 0;
}

/* The peer took everything sent: the stream's next piece, or the end of the reply (false: closed). */
static bool conn_stream_refill(struct ctl_conn *c)
{
	char *piece = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	free(c->out);
	c->out = NULL;
	c->outlen = c->outoff = 0;
	if (!c->stream) {
		conn_free(c);
		return false;
	}
	f = open_memstream(&piece, &len);
	r = f ? c->stream(c->stream_ud, f) : -ENOMEM;
	if (f)
		fclose(f);
	if (r < 0)
		log_debug_errno(r, "control: a streamed reply ended early: %m");
	if (r <= 0)
		conn_stream_end(c);
	if (r < 0 || (len == 0 && r == 0)) {
		free(piece);
		conn_free(c);
		return false;
	}
	c->out = piece;
	c->outlen = len;
	return true;
}

void ctl_server_set_idle_timeout(struct ctl_server *s, uint64_t usec)
{
	s->idle_usec = usec;
}

uint64_t ctl_defer(struct ctl_server *s)
{
	if (!s->current)
		return 0;
	s->current->deferred = true;
	return s->current->id;
}

void ctl_complete(struct ctl_server *s, uint64_t id, int r, const char *body, size_t len)
{
	for (struct ctl_conn *c = s ? s->conns : NULL; c; c = c->next)
		if (c->id == id && c->deferred && !c->out) {
			c->deferred = false;
			(void)sd_event_source_set_time_relative(c->idle, s->idle_usec);
			(void)sd_event_source_set_enabled(c->idle, SD_EVENT_ONESHOT);
			conn_set_reply(c, r, body, len);
			return;
		}
}

/* A subscriber: what it sends is ignored, its EOF ends it; the queue drains as the socket takes it. */
static int on_sub_io(struct ctl_conn *c, int fd, uint32_t revents)
{
	char sink[256];
	ssize_t n;

	if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		n = recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_free(c);
			return 0;
		}
	}
	if (c->outoff == c->outlen)
		return 0;
	n = send(fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		conn_free(c);
		return 0;
	}
	if (n > 0)
		c->outoff += (size_t)n;
	if (c->outoff == c->outlen) {
		c->outoff = c->outlen = 0;
		(void)sd_event_source_set_io_events(c->src, EPOLLIN);
	}
	return 0;
}

static int on_conn_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct ctl_conn *c = userdata;
	ssize_t n;

	if (c->subscriber && c->out)
		return on_sub_io(c, fd, revents);
	if (c->out) {
		n = send(fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0) {
			conn_free(c);
			return 0;
		}
		c->outoff += (size_t)n;
		if (c->stream) /* progress: a stream is idle only when the peer stops reading */
			(void)sd_event_source_set_time_relative(c->idle, c->srv->idle_usec);
		if (c->outoff == c->outlen) {
			if (!c->stream)
				conn_free(c);
			else
				(void)conn_stream_refill(c);
		}
		return 0;
	}
	n = recv(fd, c->req + c->reqlen, CTL_MAX_REQUEST - c->reqlen, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		conn_free(c);
		return 0;
	}
	c->reqlen += (size_t)n;
	{
		char *nl = memchr(c->req, '\n', c->reqlen);
		if (nl) {
			c->reqlen = (size_t)(nl - c->req);
			conn_respond(c);
		} else if (c->reqlen == CTL_MAX_REQUEST) {
			log_debug("control: request too long, closing");
			conn_free(c);
		}
	}
	return 0;
}

bool ctl_peer_in_group(gid_t group, gid_t gid, const gid_t *groups, size_t n)
{
	if (group == (gid_t)-1)
		return false;
	if (gid == group)
		return true;
	for (size_t i = 0; i < n; i++)
		if (groups[i] == group)
			return true;
	return false;
}

/*
 * The peer's supplementary groups as the kernel recorded them at connect()
 * (SO_PEERGROUPS, Linux 4.13): no /proc race, no user database lookup.
 */
static size_t peer_groups(int fd, gid_t **ret)
{
	socklen_t len = 64 * sizeof(gid_t);

	for (int tries = 0; tries < 4; tries++) {
		gid_t *g = malloc(len ? len : sizeof(gid_t));

		if (!g)
			break;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == 0) {
			*ret = g;
			return len / sizeof(gid_t);
		}
		free(g);
		if (errno != ERANGE)
			break; /* len now holds the size needed */
	}
	*ret = NULL;
	return 0;
}

static bool peer_allowed(struct ctl_server *srv, int fd, bool *ret_admin)
{
	struct ucred cred;
	socklen_t l = sizeof(cred);
	_cleanup_(freep) gid_t *groups = NULL;
	size_t n;

	*ret_admin = false;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &l) < 0)
		return false;
	if (cred.uid == 0 || cred.uid == geteuid())
		return *ret_admin = true;
	if (srv->group == (gid_t)-1)
		return false;
	n = cred.gid == srv->group ? 0 : peer_groups(fd, &groups);
	return ctl_peer_in_group(srv->group, cred.gid, groups, n);
}

static int on_conn_idle(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct ctl_conn *c = userdata;

	log_debug("control: connection idle for %llu ms, closing", (unsigned long long)(c->srv->idle_usec / 1000));
	conn_free(c);
	return 0;
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct ctl_server *srv = userdata;
	struct ctl_conn *c;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	bool admin;

	if (cfd < 0)
		return 0;
	if (srv->nconn >= CTL_MAX_CONN || !peer_allowed(srv, cfd, &admin)) {
		log_debug("control: refusing a connection");
		close(cfd);
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(cfd);
		return 0;
	}
	c->srv = srv;
	c->fd = cfd;
	c->admin = admin;
	c->id = ++srv->next_id;
	srv->nconn++;
	c->next = srv->conns;
	if (c->next)
		c->next->pprev = &c->next;
	c->pprev = &srv->conns;
	srv->conns = c;
	if (sd_event_add_io(srv->event, &c->src, cfd, EPOLLIN, on_conn_io, c) < 0 ||
	    sd_event_add_time_relative(srv->event, &c->idle, MIP6_CLOCK, srv->idle_usec, 0,
				       on_conn_idle, c) < 0)
		conn_free(c);
	return 0;
}

int ctl_server_new(sd_event *e, const char *path, gid_t group, ctl_handler_t handler, void *userdata,
		   struct ctl_server **ret)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl_server *srv;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return log_error_errno(ENAMETOOLONG, "control socket path too long: %s", path);
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->event = e;
	srv->idle_usec = CTL_IDLE_TIMEOUT_SEC * USEC_PER_SEC;
	srv->group = group;
	srv->handler = handler;
	srv->userdata = userdata;
	srv->fd = -EBADF;
	srv->path = strdup(path);
	if (!srv->path) {
		ctl_server_free(srv);
		return -ENOMEM;
	}
	srv->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->fd < 0) {
		r = log_error_errno(errno, "control socket: %m");
		goto fail;
	}
	strcpy(sa.sun_path, path);
	(void)unlink(path);
	{
		mode_t old = umask(0117);
		r = bind(srv->fd, (struct sockaddr *)&sa, sizeof(sa));
		umask(old);
	}
	if (r < 0) {
		r = log_error_errno(errno, "cannot bind control socket %s: %m", path);
		goto fail;
	}
	if (group != (gid_t)-1 && chown(path, 0, group) < 0)
		log_warning_errno(errno, "cannot give %s to group %u: %m, ignoring", path, (unsigned)group);
	if (listen(srv->fd, 16) < 0) {
		r = log_error_errno(errno, "listen on %s: %m", path);
		goto fail;
	}
	r = sd_event_add_io(e, &srv->accept_src, srv->fd, EPOLLIN, on_accept, srv);
	if (r < 0)
		goto fail;
	*ret = srv;
	return 0;
fail:
	ctl_server_free(srv);
	return r;
}

struct ctl_server *ctl_server_free(struct ctl_server *s)
{
	if (!s)
		return NULL;
	while (s->conns)
		conn_free(s->conns);
	sd_event_source_disable_unref(s->accept_src);
	if (s->fd >= 0) {
		close(s->fd);
		if (s->path)
			(void)unlink(s->path);
	}
	free(s->path);
	free(s);
	return NULL;
}
