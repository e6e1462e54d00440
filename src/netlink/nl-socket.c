/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The socket is opened directly (not through libnl's nl_sock) so that the
 * receive path sees MSG_TRUNC and ENOBUFS as such; messages are still built
 * and parsed with libnl (nl-build.c, nl-parse.c).
 */
#include <errno.h>
#include <linux/netlink.h>
#include <netlink/msg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/log.h"
#include "netlink/nl-parse.h"
#include "netlink/nl-socket.h"

#define KNL_RCVBUF (1 << 20)
#define KNL_RXBUF (64 * 1024)
#define KNL_RX_BATCH 64 /* datagrams per io callback; the source stays ready */

struct knl_req {
	TAILQ_ENTRY(knl_req) link;
	struct nl_msg *msg; /* until sent */
	uint32_t seq;
	unsigned map;
	bool dump;
	bool dump_intr;
	bool held;       /* fake kernel: waiting for knl_sock_fake_answer() */
	int fake_result; /* fake kernel: its answer, given once r is in flight */
	uint8_t *fake_reply; /* fake kernel: a message for on_reply before the answer */
	size_t fake_reply_len;
	const void *owner;
	knl_msg_fn on_reply;
	knl_done_fn done;
	void *userdata;
};

TAILQ_HEAD(knl_req_list, knl_req);

struct knl_sock {
	char *name;
	int protocol;
	int fd;
	uint32_t portid;
	uint32_t seq;
	sd_event *event;
	sd_event_source *io;
	sd_event_source *pump;
	struct knl_req_list waiting;
	struct knl_req_list inflight;
	size_t n_waiting, n_inflight;
	unsigned window;
	bool dump_inflight;
	uint8_t *rxbuf;
	const char *extack; /* valid while a done callback runs */
	knl_msg_fn on_msg;
	knl_resync_fn on_resync;
	void *userdata;
	knl_tap_fn tap;
	void *tap_userdata;
	knl_fake_fn fake; /* non-NULL: no fd, the fake answers */
	void *fake_userdata;
	uint8_t *fake_reply; /* knl_sock_fake_reply() from inside fake: for the request it answers */
	size_t fake_reply_len;
};

static void req_free(struct knl_req *r)
{
	if (!r)
		return;
	if (r->msg)
		nlmsg_free(r->msg);
	free(r->fake_reply);
	free(r);
}

static void arm_pump(struct knl_sock *s)
{
	if (s->pump && s->n_waiting > 0)
		(void)sd_event_source_set_enabled(s->pump, SD_EVENT_ONESHOT);
}

/* Unlink an in-flight request, run its callback (unless cancelled), free it. */
static void complete(struct knl_sock *s, struct knl_req *r, int result, const char *text)
{
	TAILQ_REMOVE(&s->inflight, r, link);
	s->n_inflight--;
	if (r->dump)
		s->dump_inflight = false;
	if (r->done) {
		s->extack = text && text[0] ? text : NULL;
		r->done(result, r->userdata);
		s->extack = NULL;
	}
	req_free(r);
}

static void answer(struct knl_sock *s, struct knl_req *r, int err, const char *text);

/* The fake kernel answers now (answer() runs after the caller queued r in flight) or holds. */
static int send_fake(struct knl_sock *s, struct knl_req *r)
{
	struct nlmsghdr *h = nlmsg_hdr(r->msg);
	int result = s->fake(s->protocol, (const uint8_t *)h, h->nlmsg_len, s->fake_userdata);

	nlmsg_free(r->msg);
	r->msg = NULL;
	r->held = result == KNL_FAKE_HOLD;
	r->fake_result = r->held ? 0 : result;
	r->fake_reply = s->fake_reply;
	r->fake_reply_len = s->fake_reply_len;
	s->fake_reply = NULL;
	s->fake_reply_len = 0;
	return 0;
}

/* The fake's reply message (if it gave one) goes to on_reply, as the kernel's would before its ACK. */
static void fake_answer(struct knl_sock *s, struct knl_req *r, int result)
{
	if (r->fake_reply && r->on_reply && result == 0)
		r->on_reply(r->fake_reply, r->fake_reply_len, r->userdata);
	answer(s, r, result, NULL);
}

static int send_req(struct knl_sock *s, struct knl_req *r)
{
	struct nlmsghdr *h = nlmsg_hdr(r->msg);
	ssize_t n;

	if (++s->seq == 0)
		s->seq = 1;
	r->seq = s->seq;
	h->nlmsg_seq = r->seq;
	h->nlmsg_pid = 0;
	if (r->dump)
		h->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
	else
		h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (s->fake)
		return send_fake(s, r);
	do
		n = send(s->fd, h, h->nlmsg_len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != h->nlmsg_len)
		return -EMSGSIZE;
	nlmsg_free(r->msg);
	r->msg = NULL;
	return 0;
}

static int on_pump(sd_event_source *es, void *userdata)
{
	struct knl_sock *s = userdata;
	struct knl_req *r;

	while ((r = TAILQ_FIRST(&s->waiting)) && s->n_inflight < s->window) {
		int e;

		if (r->dump && s->dump_inflight)
			break;
		TAILQ_REMOVE(&s->waiting, r, link);
		s->n_waiting--;
		TAILQ_INSERT_TAIL(&s->inflight, r, link);
		s->n_inflight++;
		if (r->dump)
			s->dump_inflight = true;
		e = send_req(s, r);
		if (e < 0) {
			log_warning_errno(e, "%s: cannot send netlink request (type %u): %m", s->name,
					  nlmsg_hdr(r->msg)->nlmsg_type);
			complete(s, r, e, NULL);
		} else if (s->fake && !r->held)
			fake_answer(s, r, r->fake_result);
	}
	return 0;
}

static struct knl_req *find_inflight(struct knl_sock *s, uint32_t seq)
{
	struct knl_req *r;

	TAILQ_FOREACH(r, &s->inflight, link)
		if (r->seq == seq)
			return r;
	return NULL;
}

static void overrun(struct knl_sock *s, int err)
{
	struct knl_req *r;

	log_warning_errno(err, "%s: netlink messages lost (%zu requests in flight), resynchronising: %m",
			  s->name, s->n_inflight);
	while ((r = TAILQ_FIRST(&s->inflight)))
		complete(s, r, -ENOBUFS, NULL);
	if (s->on_resync)
		s->on_resync(s->userdata);
}

/* The kernel's (or the fake's) answer err, with its ext-ack text (may be NULL), completes r. */
static void answer(struct knl_sock *s, struct knl_req *r, int err, const char *text)
{
	int result = err;

	if (!text)
		text = "";
	if (err == -EEXIST && (r->map & KNL_MAP_EXISTED))
		result = KNL_RESULT_EXISTED;
	else if ((err == -ENOENT || err == -ESRCH || err == -ENODEV || err == -EADDRNOTAVAIL) && (r->map & KNL_MAP_ABSENT))
		result = KNL_RESULT_ABSENT;
	else if (err < 0 && text[0])
		log_full_errno(r->done ? LOG_DEBUG : LOG_WARNING, err, "%s: request seq %u failed: %s (%m)",
			       s->name, r->seq, text);
	else if (err < 0)
		log_full_errno(r->done ? LOG_DEBUG : LOG_WARNING, err, "%s: request seq %u failed: %m",
			       s->name, r->seq);
	else if (text[0])
		log_debug("%s: request seq %u: kernel says: %s", s->name, r->seq, text);
	complete(s, r, result, text);
}

static void handle_ack(struct knl_sock *s, struct knl_req *r, const uint8_t *msg, size_t len)
{
	char text[256];
	int err = 0;

	if (knl_parse_ack(msg, len, &err, text, sizeof(text)) < 0) {
		log_warning("%s: malformed netlink ACK for seq %u, ignoring", s->name, r->seq);
		return;
	}
	if (r->dump && r->dump_intr && err == 0)
		err = -EAGAIN;
	answer(s, r, err, text);
}

static void dispatch(struct knl_sock *s, const uint8_t *buf, size_t len)
{
	const uint8_t *msg;
	size_t off = 0, mlen;
	int r;

	while ((r = knl_msg_next(buf, len, &off, &msg, &mlen)) > 0) {
		uint16_t type, flags;
		uint32_t seq;
		struct knl_req *req;

		knl_msg_header(msg, &type, &flags, &seq);
		req = seq ? find_inflight(s, seq) : NULL;
		if (req && ((const struct nlmsghdr *)(const void *)msg)->nlmsg_pid != s->portid)
			req = NULL;
		if (!req) {
			if (s->on_msg && type != NLMSG_ERROR && type != NLMSG_DONE && type != NLMSG_NOOP)
				s->on_msg(msg, mlen, s->userdata);
			continue;
		}
		if (flags & NLM_F_DUMP_INTR)
			req->dump_intr = true;
		if (type == NLMSG_ERROR || (type == NLMSG_DONE && req->dump))
			handle_ack(s, req, msg, mlen);
		else if (type != NLMSG_NOOP && type != NLMSG_OVERRUN && req->on_reply)
			req->on_reply(msg, mlen, req->userdata);
	}
	if (r < 0)
		log_warning("%s: malformed netlink datagram (%zu bytes, at %zu), dropping its rest", s->name, len, off);
}

static int on_io(sd_event_source *es, int fd, uint32_t revents, void *userdata)
{
	struct knl_sock *s = userdata;

	for (unsigned i = 0; i < KNL_RX_BATCH; i++) {
		struct sockaddr_nl sa = {};
		struct iovec iov = { .iov_base = s->rxbuf, .iov_len = KNL_RXBUF };
		struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			if (errno == ENOBUFS) {
				overrun(s, ENOBUFS);
				continue;
			}
			log_warning_errno(errno, "%s: recvmsg: %m, ignoring", s->name);
			break;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			overrun(s, EMSGSIZE);
			continue;
		}
		if (sa.nl_pid != 0) /* not from the kernel */
			continue;
		if (s->tap)
			s->tap(s->rxbuf, (size_t)n, s->tap_userdata);
		dispatch(s, s->rxbuf, (size_t)n);
	}
	arm_pump(s);
	return 0;
}

static int setsockopt_int(int fd, int level, int opt, int v)
{
	return setsockopt(fd, level, opt, &v, sizeof(v)) < 0 ? -errno : 0;
}

int knl_sock_set_rcvbuf(struct knl_sock *s, int bytes)
{
	if (s->fake)
		return 0;
	if (setsockopt_int(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, bytes) < 0)
		return setsockopt_int(s->fd, SOL_SOCKET, SO_RCVBUF, bytes);
	return 0;
}

void knl_sock_set_window(struct knl_sock *s, unsigned window)
{
	s->window = window ? window : 1;
	arm_pump(s);
}

void knl_sock_set_tap(struct knl_sock *s, knl_tap_fn tap, void *userdata)
{
	s->tap = tap;
	s->tap_userdata = userdata;
}

int knl_sock_new(sd_event *e, int protocol, const char *name, struct knl_sock **ret)
{
	_cleanup_(knl_sock_freep) struct knl_sock *s = NULL;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t salen = sizeof(sa);
	int r;

	if (!e || (protocol != NETLINK_ROUTE && protocol != NETLINK_XFRM))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = -EBADF;
	TAILQ_INIT(&s->waiting);
	TAILQ_INIT(&s->inflight);
	s->window = KNL_WINDOW_DEFAULT;
	s->protocol = protocol;
	s->seq = (uint32_t)getpid() << 16;
	s->name = strdup(name ? name : "netlink");
	s->rxbuf = malloc(KNL_RXBUF);
	if (!s->name || !s->rxbuf)
		return -ENOMEM;
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
	if (s->fd < 0)
		return log_error_errno(errno, "%s: cannot open netlink socket: %m", s->name);
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(s->fd, (struct sockaddr *)&sa, &salen) < 0)
		return log_error_errno(errno, "%s: cannot bind netlink socket: %m", s->name);
	s->portid = sa.nl_pid;
	/* Extended ACKs carry the kernel's error text; capped ACKs do not echo our request. */
	r = setsockopt_int(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
	if (r < 0)
		log_warning_errno(r, "%s: NETLINK_EXT_ACK: %m, ignoring", s->name);
	r = setsockopt_int(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, 1);
	if (r < 0)
		log_warning_errno(r, "%s: NETLINK_CAP_ACK: %m, ignoring", s->name);
	r = knl_sock_set_rcvbuf(s, KNL_RCVBUF);
	if (r < 0)
		log_warning_errno(r, "%s: cannot grow the receive buffer: %m, ignoring", s->name);
	s->event = sd_event_ref(e);
	r = sd_event_add_io(e, &s->io, s->fd, EPOLLIN, on_io, s);
	if (r < 0)
		return log_error_errno(r, "%s: cannot watch netlink socket: %m", s->name);
	(void)sd_event_source_set_description(s->io, s->name);
	r = sd_event_add_defer(e, &s->pump, on_pump, s);
	if (r < 0)
		return log_error_errno(r, "%s: cannot add queue pump: %m", s->name);
	(void)sd_event_source_set_enabled(s->pump, SD_EVENT_OFF);
	*ret = TAKE_PTR(s);
	return 0;
}

int knl_sock_new_fake(sd_event *e, int protocol, const char *name, knl_fake_fn fake, void *userdata,
		      struct knl_sock **ret)
{
	_cleanup_(knl_sock_freep) struct knl_sock *s = NULL;
	int r;

	if (!e || !fake || (protocol != NETLINK_ROUTE && protocol != NETLINK_XFRM))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = -EBADF;
	TAILQ_INIT(&s->waiting);
	TAILQ_INIT(&s->inflight);
	s->window = KNL_WINDOW_DEFAULT;
	s->protocol = protocol;
	s->fake = fake;
	s->fake_userdata = userdata;
	s->name = strdup(name ? name : "fake-netlink");
	if (!s->name)
		return -ENOMEM;
	s->event = sd_event_ref(e);
	r = sd_event_add_defer(e, &s->pump, on_pump, s);
	if (r < 0)
		return r;
	(void)sd_event_source_set_enabled(s->pump, SD_EVENT_OFF);
	*ret = TAKE_PTR(s);
	return 0;
}

int knl_sock_fake_answer(struct knl_sock *s, int result)
{
	struct knl_req *r;

	TAILQ_FOREACH(r, &s->inflight, link)
		if (r->held) {
			r->held = false;
			fake_answer(s, r, result);
			arm_pump(s);
			return 0;
		}
	return -ENOENT;
}

int knl_sock_fake_reply(struct knl_sock *s, const uint8_t *msg, size_t len)
{
	uint8_t *copy;

	if (!s || !s->fake || len < NLMSG_HDRLEN)
		return -EINVAL;
	copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, msg, len);
	free(s->fake_reply);
	s->fake_reply = copy;
	s->fake_reply_len = len;
	return 0;
}

struct knl_sock *knl_sock_free(struct knl_sock *s)
{
	struct knl_req *r;

	if (!s)
		return NULL;
	while ((r = TAILQ_FIRST(&s->waiting))) {
		TAILQ_REMOVE(&s->waiting, r, link);
		req_free(r);
	}
	while ((r = TAILQ_FIRST(&s->inflight))) {
		TAILQ_REMOVE(&s->inflight, r, link);
		req_free(r);
	}
	sd_event_source_disable_unref(s->io);
	sd_event_source_disable_unref(s->pump);
	sd_event_unref(s->event);
	safe_close(s->fd);
	free(s->rxbuf);
	free(s->fake_reply);
	free(s->name);
	free(s);
	return NULL;
}

void knl_sock_freep(struct knl_sock **s)
{
	knl_sock_free(*s);
}

int knl_sock_monitor(struct knl_sock *s, const unsigned *groups, size_t n_groups, knl_msg_fn on_msg,
		     knl_resync_fn on_resync, void *userdata)
{
	for (size_t i = 0; !s->fake && i < n_groups; i++) {
		int r = setsockopt_int(s->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, (int)groups[i]);

		if (r < 0)
			return log_error_errno(r, "%s: cannot join netlink group %u: %m", s->name, groups[i]);
	}
	s->on_msg = on_msg;
	s->on_resync = on_resync;
	s->userdata = userdata;
	return 0;
}

int knl_sock_submit(struct knl_sock *s, struct nl_msg *msg, unsigned map, const void *owner,
		    knl_msg_fn on_reply, knl_done_fn done, void *userdata)
{
	struct knl_req *r;

	if (!msg)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	*r = (struct knl_req){
		.msg = msg,
		.map = map,
		.dump = (nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP,
		.owner = owner,
		.on_reply = on_reply,
		.done = done,
		.userdata = userdata,
	};
	TAILQ_INSERT_TAIL(&s->waiting, r, link);
	s->n_waiting++;
	arm_pump(s);
	return 0;
}

static size_t cancel_list(struct knl_req_list *l, const void *owner)
{
	struct knl_req *r;
	size_t n = 0;

	TAILQ_FOREACH(r, l, link)
		if (r->owner == owner) {
			r->owner = NULL;
			r->done = NULL;
			r->on_reply = NULL;
			r->userdata = NULL;
			n++;
		}
	return n;
}

size_t knl_sock_cancel_owner(struct knl_sock *s, const void *owner)
{
	if (!s || !owner)
		return 0;
	return cancel_list(&s->waiting, owner) + cancel_list(&s->inflight, owner);
}

size_t knl_sock_cancel_all(struct knl_sock *s)
{
	struct knl_req *r;
	size_t n = 0;

	if (!s)
		return 0;
	while ((r = TAILQ_FIRST(&s->waiting))) {
		TAILQ_REMOVE(&s->waiting, r, link);
		s->n_waiting--;
		req_free(r);
		n++;
	}
	TAILQ_FOREACH(r, &s->inflight, link) {
		r->owner = NULL;
		r->done = NULL;
		r->on_reply = NULL;
		r->userdata = NULL;
	}
	return n;
}

size_t knl_sock_pending(const struct knl_sock *s)
{
	return s->n_waiting + s->n_inflight;
}

const char *knl_sock_extack(const struct knl_sock *s)
{
	return s->extack;
}
