/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/event-util.h"
#include "core/log.h"
#include "core/ratelimit.h"
#include "core/rxq-ovfl.h"
#include "core/time-util.h"
#include "icmp6/icmp6-socket.h"
#include "icmp6/ndisc.h"
#include "icmp6/ndproxy.h"
#include "io/io.h"
#include "mn/mn-hot.h"
#include "netlink/nl-kernel.h"
#include "vici/vici-client.h"

#define IO_MAX_LINKS 16
#define IO_MH_BATCH 256 /* datagrams per wake-up: the whole queue (~150 BUs in 128 KiB), bounded */
#define IO_ND_BATCH 64
#define IO_ND_BUF 1500

struct io_link {
	struct io *io;
	int ifindex;
	struct icmp6_socket *sock;
	sd_event_source *src;
	uint32_t rxq_ovfl; /* the socket's last SO_RXQ_OVFL count */
	/* proxy ND (io_ns_proxy_open) */
	int ns_fd;
	sd_event_source *ns_src;
	io_ns_fn ns_fn;
	void *ns_userdata;
};

struct io_mh_handler {
	io_mh_fn fn;
	void *userdata;
};

struct io_nd_handler {
	io_nd_fn fn;
	void *userdata;
};

/* Parse targets, one per ND type (an RA is a few KiB: not on the stack). */
struct io_nd_bufs {
	struct ndisc_rs rs;
	struct ndisc_ra ra;
	struct ndisc_ns ns;
	struct ndisc_na na;
	struct ndisc_dhaad_request dhaad_req;
	struct ndisc_dhaad_reply dhaad_rep;
	struct ndisc_mps mps;
	struct ndisc_mpa mpa;
	struct ndisc_param_problem pp;
};

struct io {
	sd_event *event;
	struct mip6_counters *counters;
	struct knl *knl;
	struct vici_client *vici; /* the key manager's connection, when it has one */
	int mh_fd;
	uint32_t mh_rxq_ovfl; /* the MH socket's last SO_RXQ_OVFL count */
	/* the MN's HoT socket (io_mh_hot_open): hot_on with the fakes too, hot_fd only for real */
	bool hot_on;
	int hot_fd;
	sd_event_source *hot_src;
	io_mh_fn hot_fn;
	void *hot_userdata;
	sd_event_source *mh_src;
	struct event_yield mh_yield; /* the MH source first, yielding after each dispatch */
	struct io_mh_handler mh[MIP6_MH_TYPES];
	struct io_nd_handler nd[256];
	struct io_link links[IO_MAX_LINKS];
	size_t n_links;
	struct io_nd_bufs *nd_bufs;
	/* rate limits: Binding Errors (§9.3.3), ICMPv6 Parameter Problems (RFC 4443 §2.4 (f)) */
	struct ratelimit be, pp;
	struct icmp6_socket *err_sock; /* sends the ICMPv6 errors; opened on first use */
	/* fakes */
	io_capture_fn capture;
	void *capture_userdata;
};

static void count_drop(struct io *io, enum mip6_drop d)
{
	if (d >= 0 && d < _DROP_MAX)
		io->counters->drops[d]++;
}

static int on_mh(sd_event_source *s, int fd, uint32_t revents, void *userdata);

static int io_alloc(sd_event *e, struct mip6_counters *counters, struct io **ret)
{
	_cleanup_(freep) struct io *io = calloc(1, sizeof(*io));

	if (!io)
		return -ENOMEM;
	io->nd_bufs = malloc(sizeof(*io->nd_bufs));
	if (!io->nd_bufs)
		return -ENOMEM;
	io->event = sd_event_ref(e);
	io->counters = counters;
	io->mh_fd = -EBADF;
	io->hot_fd = -EBADF;
	ratelimit_init(&io->be, IO_BE_PER_SEC, now_usec());
	ratelimit_init(&io->pp, IO_PP_PER_SEC, now_usec());
	*ret = TAKE_PTR(io);
	return 0;
}

int io_new(sd_event *e, struct mip6_counters *counters, struct io **ret)
{
	struct io *io;
	int r;

	r = io_alloc(e, counters, &io);
	if (r < 0)
		return r;
	r = knl_new(e, &io->knl);
	if (r < 0) {
		log_error_errno(r, "cannot open netlink sockets: %m");
		goto fail;
	}
	r = mh_socket_open(&io->mh_fd);
	if (r < 0) {
		log_error_errno(r, "cannot open the Mobility Header socket: %m");
		goto fail;
	}
	r = sd_event_add_io(e, &io->mh_src, io->mh_fd, EPOLLIN, on_mh, io);
	if (r < 0)
		goto fail;
	(void)sd_event_source_set_description(io->mh_src, "mh");
	/*
	 * Issue 10 item 5: the MH queue is read before any other pending source (DAD timers,
	 * netlink replies, the registration backlog): the kernel cannot tell a bound MN's BU from a
	 * flood's, so the HA must drain the queue faster than a flood fills it. One wake-up reads
	 * it whole (IO_MH_BATCH > MH_SOCKET_RCVBUF / a BU's truesize) and costs a lookup per BU;
	 * what a BU starts beyond that is bounded per iteration (ha/reg-backlog.h). After each
	 * wake-up it yields: every source pending then (the control socket, netlink replies, DAD
	 * timers, the backlog) runs once before the queue is read again, so that a flood that
	 * keeps the queue non-empty does not starve them (core/event-util.h event_yield).
	 */
	r = event_yield_init(&io->mh_yield, io->mh_src, IO_MH_PRIORITY, SD_EVENT_PRIORITY_NORMAL);
	if (r < 0)
		goto fail;
	*ret = io;
	return 0;
fail:
	io_free(io);
	return r;
}

int io_new_fake(sd_event *e, struct mip6_counters *counters, io_capture_fn capture, knl_fake_fn fake_kernel,
		void *userdata, struct io **ret)
{
	struct io *io;
	int r;

	if (!capture || !fake_kernel)
		return -EINVAL;
	r = io_alloc(e, counters, &io);
	if (r < 0)
		return r;
	io->capture = capture;
	io->capture_userdata = userdata;
	r = knl_new_fake(e, fake_kernel, userdata, &io->knl);
	if (r < 0) {
		io_free(io);
		return r;
	}
	*ret = io;
	return 0;
}

struct io *io_free(struct io *io)
{
	if (!io)
		return NULL;
	for (size_t i = 0; i < io->n_links; i++) {
		sd_event_source_disable_unref(io->links[i].src);
		icmp6_socket_free(io->links[i].sock);
		sd_event_source_disable_unref(io->links[i].ns_src);
		if (io->links[i].ns_fd >= 0)
			safe_close(io->links[i].ns_fd);
	}
	event_yield_done(&io->mh_yield);
	(void)io_mh_hot_open(io, NULL, NULL, NULL);
	sd_event_source_disable_unref(io->mh_src);
	safe_close(io->mh_fd);
	icmp6_socket_free(io->err_sock);
	vici_client_free(io->vici);
	knl_free(io->knl);
	sd_event_unref(io->event);
	free(io->nd_bufs);
	free(io);
	return NULL;
}

struct knl *io_knl(struct io *io)
{
	return io->knl;
}

static void vici_count(enum vici_count what, void *userdata)
{
	struct io *io = userdata;

	switch (what) {
	case VICI_COUNT_IN:
		io->counters->vici_in++;
		break;
	case VICI_COUNT_OUT:
		io->counters->vici_out++;
		break;
	case VICI_COUNT_DROPPED:
		io->counters->vici_dropped++;
		break;
	}
}

int io_vici_open(struct io *io, const char *socket_path, struct vici_client **ret)
{
	int r;

	if (io->vici)
		return -EBUSY;
	r = vici_client_new(io->event, socket_path, &io->vici);
	if (r < 0)
		return r;
	vici_client_set_count_handler(io->vici, vici_count, io);
	*ret = io->vici;
	return 0;
}

void io_vici_close(struct io *io, struct vici_client *vc)
{
	if (!vc)
		return;
	if (vc == io->vici)
		io->vici = NULL;
	vici_client_free(vc);
}

int io_mh_register(struct io *io, enum mh_type type, io_mh_fn fn, void *userdata)
{
	if (type < 0 || type >= MIP6_MH_TYPES)
		return -EINVAL;
	io->mh[type] = (struct io_mh_handler){ .fn = fn, .userdata = userdata };
	return 0;
}

int io_nd_register(struct io *io, uint8_t icmp_type, io_nd_fn fn, void *userdata)
{
	io->nd[icmp_type] = (struct io_nd_handler){ .fn = fn, .userdata = userdata };
	return 0;
}

/* ---- sending -------------------------------------------------------------------- */

static int io_mh_transmit(struct io *io, const uint8_t *buf, size_t len, const struct mh_tx_info *tx)
{
	struct io_sent sent = { .proto = IPPROTO_MH, .buf = buf, .len = len };

	if (!io->capture)
		return mh_socket_send(io->mh_fd, buf, len, tx);
	sent.src = tx->src;
	sent.dst = tx->dst;
	sent.ifindex = tx->ifindex;
	if (tx->rh2) {
		sent.has_rh2 = true;
		sent.rh2 = *tx->rh2;
	}
	io->capture(&sent, io->capture_userdata);
	return 0;
}

int io_mh_send(struct io *io, const struct mh_msg *msg, const struct mh_tx_info *tx)
{
	uint8_t buf[MH_LEN_MAX];
	size_t len;
	int r;

	r = mh_build(msg, buf, sizeof(buf), &len);
	if (r < 0)
		return log_error_errno(r, "cannot build an MH message of type %d: %m", msg->type);
	r = io_mh_transmit(io, buf, len, tx);
	if (r < 0)
		return r;
	if (msg->type >= 0 && msg->type < MIP6_MH_TYPES)
		io->counters->mh_out[msg->type]++;
	if (msg->type == MH_TYPE_BA)
		io->counters->ba_status_out[msg->ba.status]++;
	return 0;
}

static struct io_link *link_by_ifindex(struct io *io, int ifindex)
{
	for (size_t i = 0; i < io->n_links; i++)
		if (io->links[i].ifindex == ifindex)
			return &io->links[i];
	return NULL;
}

int io_nd_send_rh2(struct io *io, int ifindex, const struct in6_addr *dst, const struct in6_addr *src,
		   const struct in6_addr *rh2, const uint8_t *buf, size_t len)
{
	struct io_link *l = link_by_ifindex(io, ifindex);
	struct io_sent sent = { .proto = IPPROTO_ICMPV6, .buf = buf, .len = len, .dst = *dst, .ifindex = ifindex };

	if (!l)
		return -ENODEV;
	if (!io->capture)
		return icmp6_socket_send_rh2(l->sock, dst, ifindex, src, rh2, buf, len);
	if (src)
		sent.src = *src;
	if (rh2) {
		sent.has_rh2 = true;
		sent.rh2 = *rh2;
	}
	io->capture(&sent, io->capture_userdata);
	return 0;
}

int io_nd_send(struct io *io, int ifindex, const struct in6_addr *dst, const struct in6_addr *src,
	       const uint8_t *buf, size_t len)
{
	return io_nd_send_rh2(io, ifindex, dst, src, NULL, buf, len);
}

int io_nd_anycast(struct io *io, int ifindex, const struct in6_addr *addr, bool join)
{
	struct io_link *l = link_by_ifindex(io, ifindex);

	if (!l)
		return -ENODEV;
	if (io->capture)
		return 0;
	return icmp6_socket_anycast(l->sock, addr, ifindex, join);
}

int io_nd_membership(struct io *io, int ifindex, const struct in6_addr *group, bool join)
{
	struct io_link *l = link_by_ifindex(io, ifindex);

	if (!l)
		return -ENODEV;
	if (io->capture)
		return 0;
	return join ? icmp6_socket_join(l->sock, group, ifindex) : icmp6_socket_leave(l->sock, group, ifindex);
}

/* §9.3.3: Binding Errors are rate limited like ICMPv6 errors (RFC 4443 §2.4 (f)): BindingErrorsPerSec. */
static bool be_allowed(struct io *io)
{
	return ratelimit_allow(&io->be, now_usec());
}

void io_set_be_rate(struct io *io, unsigned per_sec)
{
	if (io)
		io->be.per_sec = per_sec;
}

int io_send_be(struct io *io, uint8_t status, const struct in6_addr *hoa, const struct mh_tx_info *tx)
{
	struct mh_msg msg = { .type = MH_TYPE_BE };

	msg.be.status = status;
	msg.be.hoa = *hoa;
	if (!be_allowed(io)) {
		count_drop(io, DROP_RATE);
		return -EBUSY;
	}
	return io_mh_send(io, &msg, tx);
}

int io_set_mh_rcvbuf(struct io *io, unsigned octets)
{
	if (!io || io->mh_fd < 0)
		return 0; /* no socket (the fake I/O of the tests) */
	return mh_socket_set_rcvbuf(io->mh_fd, octets);
}

static bool addr_unicast(const struct in6_addr *a)
{
	return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_MULTICAST(a) && !IN6_IS_ADDR_V4MAPPED(a);
}

/*
 * Whether an error message about a packet may go to its wire source: RFC 6275 §9.3.3
 * "If the Source Address field does not contain a unicast address, the Binding Error
 * message MUST NOT be sent"; RFC 4443 §2.4 (e) "An ICMPv6 error message MUST NOT be
 * originated as a result of receiving ... (e.3) a packet destined to an IPv6 multicast
 * address ... (e.6) a packet whose source address does not uniquely identify a single
 * node", and §9.3.3's Binding Error the same way (it would leave from the multicast
 * address). Checked before the rate limit takes a token; counted.
 */
static bool error_allowed(struct io *io, const struct mh_rx_info *rx)
{
	if (addr_unicast(rx->has_hao ? &rx->hao : &rx->src) && addr_unicast(&rx->dst))
		return true;
	io->counters->errors_not_unicast++;
	return false;
}

/*
 * §9.2/§9.3.3: Binding Error status 2 to the packet's source — the care-of
 * address when a Home Address option came with it — naming that home address.
 */
static void send_be_unknown_type(struct io *io, const struct mh_rx_info *rx)
{
	struct mh_msg msg = { .type = MH_TYPE_BE };
	struct mh_tx_info tx = { .src = rx->dst, .dst = rx->has_hao ? rx->hao : rx->src };

	msg.be.status = MH_BE_UNKNOWN_MH_TYPE;
	if (rx->has_hao)
		msg.be.hoa = rx->src;
	if (!error_allowed(io, rx))
		return;
	if (!be_allowed(io)) {
		count_drop(io, DROP_RATE);
		return;
	}
	(void)io_mh_send(io, &msg, &tx);
}

/* ---- ICMPv6 Parameter Problem (RFC 6275 §9.2, RFC 4443 §3.4) ----------------------- */

/*
 * Put the Home Address option of the Destination Options header at d (len
 * octets) back as it was on the wire: the kernel swapped it with the IPv6
 * source (RFC 6275 §9.3.1), so it holds the CoA; the wire had the HoA.
 */
static void hao_unswap(uint8_t *d, size_t len, const struct in6_addr *hoa)
{
	size_t off = 2;

	if (len < 2 || ((size_t)d[1] + 1) * 8 > len)
		return;
	len = ((size_t)d[1] + 1) * 8;
	while (off < len) {
		if (d[off] == 0) { /* Pad1 */
			off++;
			continue;
		}
		if (off + 2 > len || off + 2 + d[off + 1] > len)
			return;
		if (d[off] == 201 && d[off + 1] == 16) {
			memcpy(d + off + 2, hoa, 16);
			return;
		}
		off += 2 + (size_t)d[off + 1];
	}
}

/*
 * The invoking packet as it was on the wire, as far as the socket tells it:
 * the IPv6 header, the extension headers the kernel reported, the MH, cut to
 * fit an ICMPv6 error in the IPv6 minimum MTU (RFC 4443 §2.4 (c)). Returns its length.
 */
static size_t invoking_packet(uint8_t *out, size_t cap, const uint8_t *mh, size_t len,
			      const struct mh_rx_info *rx)
{
	const struct in6_addr *wire_src = rx->has_hao ? &rx->hao : &rx->src;
	size_t plen = (size_t)rx->ext_len + len, n;

	memset(out, 0, 40);
	out[0] = 0x60;
	out[4] = (uint8_t)(plen >> 8);
	out[5] = (uint8_t)plen;
	out[6] = rx->ext_len ? rx->ext_first : IPPROTO_MH;
	out[7] = rx->hoplimit > 0 ? (uint8_t)rx->hoplimit : 0;
	memcpy(out + 8, wire_src, 16);
	memcpy(out + 24, &rx->dst, 16);
	memcpy(out + 40, rx->ext, rx->ext_len); /* 40 + MH_RX_EXT_MAX < cap */
	for (size_t off = 0, next = out[6]; off + 2 <= rx->ext_len;) {
		size_t hl = next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING || next == IPPROTO_DSTOPTS
				    ? ((size_t)rx->ext[off + 1] + 1) * 8
				    : 0;
		if (hl == 0 || off + hl > rx->ext_len)
			break;
		if (next == IPPROTO_DSTOPTS && rx->has_hao)
			hao_unswap(out + 40 + off, hl, &rx->src);
		next = rx->ext[off];
		off += hl;
	}
	n = 40 + (size_t)rx->ext_len;
	if (len > cap - n)
		len = cap - n;
	memcpy(out + n, mh, len);
	return n + len;
}

static int io_icmp6_error_transmit(struct io *io, const uint8_t *buf, size_t len, const struct in6_addr *src,
				   const struct in6_addr *dst)
{
	struct icmp6_socket_config ic = { 0 }; /* receives nothing */
	struct io_sent sent = { .proto = IPPROTO_ICMPV6, .buf = buf, .len = len, .src = *src, .dst = *dst };
	int r;

	if (io->capture) {
		io->capture(&sent, io->capture_userdata);
		return 0;
	}
	if (!io->err_sock) {
		r = icmp6_socket_new(&ic, &io->err_sock);
		if (r < 0)
			return log_warning_errno(r, "cannot open an ICMPv6 socket for errors: %m");
	}
	return icmp6_socket_send(io->err_sock, dst, 0, src, buf, len);
}

/*
 * RFC 6275 §9.2: a Payload Proto other than IPPROTO_NONE (59), or a Header Len
 * below the type's minimum, MUST be discarded with an ICMPv6 Parameter Problem,
 * Code 0, pointing at the field: the offset from the start of the invoking
 * packet (IPv6 header, extension headers) to field (0: Payload Proto, 1:
 * Header Len). Sent to the packet's wire source (the CoA when it had a HAO),
 * rate limited (RFC 4443 §2.4 (f)); a drop counted by reason either way.
 * (Linux's mip6 module makes the same check before the raw socket when it is
 * loaded; this path answers when it is not, and counts.)
 */
static void send_param_problem(struct io *io, const uint8_t *mh, size_t len, const struct mh_rx_info *rx,
			       unsigned field)
{
	uint8_t msg[1280 - 40];
	uint32_t ptr = 40 + (uint32_t)rx->ext_len + field;
	size_t n;

	if (rx->ext_overflow)
		return; /* the pointer would be a guess */
	if (!error_allowed(io, rx))
		return;
	if (!ratelimit_allow(&io->pp, now_usec())) { /* RFC 4443 §2.4 (f) */
		count_drop(io, DROP_RATE);
		return;
	}
	msg[0] = 4; /* Parameter Problem */
	msg[1] = 0; /* Erroneous header field encountered */
	msg[2] = msg[3] = 0; /* checksum: the kernel's */
	msg[4] = (uint8_t)(ptr >> 24);
	msg[5] = (uint8_t)(ptr >> 16);
	msg[6] = (uint8_t)(ptr >> 8);
	msg[7] = (uint8_t)ptr;
	n = 8 + invoking_packet(msg + 8, sizeof(msg) - 8, mh, len, rx);
	if (io_icmp6_error_transmit(io, msg, n, &rx->dst, rx->has_hao ? &rx->hao : &rx->src) == 0)
		io->counters->icmp6_param_problem_out++;
}

/* ---- receiving: Mobility Header ------------------------------------------------- */

/* Messages the kernel dropped before us, a full receive queue (SO_RXQ_OVFL), counted as drops. */
/* MH and ICMPv6 apart: BUs sent = BAs + MH drops, whatever the ND traffic (issue 10 item 5). */
static void count_overflow(struct io *io, enum mip6_drop d, uint32_t *last, bool has, uint32_t now)
{
	if (has)
		io->counters->drops[d] += rxq_ovfl_delta(last, now);
}

void io_mh_input(struct io *io, const uint8_t *buf, size_t len, const struct mh_rx_info *rx)
{
	struct mh_msg msg;
	struct mh_rx_info rx_bytes;
	struct mh_parse_error err = { 0 };
	const struct io_mh_handler *h;
	char s[INET6_ADDRSTRLEN];

	count_overflow(io, DROP_SOCKET_OVERFLOW, &io->mh_rxq_ovfl, rx->has_rxq_ovfl, rx->rxq_ovfl);
	if (rx->truncated) {
		count_drop(io, DROP_TRUNCATED);
		return;
	}
	/* The kernel verified the checksum (IPV6_CHECKSUM); parse and validate the rest (§9.2). */
	if (mh_parse(buf, len, NULL, NULL, &msg, &err) < 0) {
		inet_ntop(AF_INET6, &rx->src, s, sizeof(s));
		log_debug("MH from %s dropped: %s at offset %u", s, mh_err_to_string(err.kind), err.pointer);
		if (mh_err_reaction(err.kind) == MH_REACT_BE_STATUS_2) {
			count_drop(io, DROP_UNEXPECTED);
			send_be_unknown_type(io, rx);
		} else if (mh_err_reaction(err.kind) == MH_REACT_PARAM_PROBLEM) {
			count_drop(io, err.kind == MH_ERR_PAYLOAD_PROTO ? DROP_PAYLOAD_PROTO : DROP_HEADER_LEN);
			send_param_problem(io, buf, len, rx, err.pointer);
		} else
			count_drop(io, err.kind == MH_ERR_CHECKSUM ? DROP_CHECKSUM : DROP_MALFORMED);
		return;
	}
	h = &io->mh[msg.type];
	if (!h->fn) {
		count_drop(io, DROP_UNEXPECTED);
		return;
	}
	io->counters->mh_in[msg.type]++;
	if (msg.type == MH_TYPE_BA)
		io->counters->ba_status_in[msg.ba.status]++;
	rx_bytes = *rx;
	rx_bytes.mh = buf;
	rx_bytes.mh_len = len;
	count_drop(io, h->fn(&msg, &rx_bytes, h->userdata));
}

static int on_mh(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct io *io = userdata;
	int r;

	for (int i = 0; i < IO_MH_BATCH; i++) {
		uint8_t buf[MH_LEN_MAX + 8];
		struct mh_rx_info rx;
		int n = mh_socket_recv(fd, buf, sizeof(buf), &rx);

		if (n == -EAGAIN)
			break;
		if (n < 0) {
			log_debug_errno(n, "MH receive: %m");
			break;
		}
		io_mh_input(io, buf, (size_t)n, &rx);
	}
	r = event_yield(&io->mh_yield);
	if (r < 0)
		log_debug_errno(r, "MH source: cannot yield: %m");
	return 0;
}

/* ---- the MN's HoT socket (mn/mn-hot.h) ------------------------------------------- */

void io_mh_hot_input(struct io *io, const uint8_t *buf, size_t len, const struct mh_rx_info *rx)
{
	struct mh_rx_info rx_bytes = *rx;
	struct mh_msg msg;

	if (!io->hot_fn || rx->truncated || mh_parse(buf, len, NULL, NULL, &msg, NULL) < 0)
		return; /* the main socket's copy is counted (and answered) there */
	rx_bytes.mh = buf;
	rx_bytes.mh_len = len;
	(void)io->hot_fn(&msg, &rx_bytes, io->hot_userdata);
}

void io_mh_hot_drain(struct io *io)
{
	for (int i = 0; io->hot_fd >= 0 && i < IO_MH_BATCH; i++) {
		uint8_t buf[MH_LEN_MAX + 8];
		struct mh_rx_info rx;
		int n = mh_socket_recv(io->hot_fd, buf, sizeof(buf), &rx);

		if (n < 0)
			break;
		io_mh_hot_input(io, buf, (size_t)n, &rx);
	}
}

static int on_hot(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	(void)s;
	(void)fd;
	(void)revents;
	io_mh_hot_drain(userdata);
	return 0;
}

int io_mh_hot_open(struct io *io, const struct in6_addr *hoa, io_mh_fn fn, void *userdata)
{
	int r;

	if (!fn) {
		io->hot_src = sd_event_source_disable_unref(io->hot_src);
		io->hot_fd = safe_close(io->hot_fd);
		io->hot_on = false;
		io->hot_fn = NULL;
		return 0;
	}
	if (io->hot_on)
		return -EBUSY;
	if (!io->capture) {
		r = mn_hot_socket_open(hoa, &io->hot_fd);
		if (r < 0)
			return r;
		r = sd_event_add_io(io->event, &io->hot_src, io->hot_fd, EPOLLIN, on_hot, io);
		if (r < 0) {
			io->hot_fd = safe_close(io->hot_fd);
			return r;
		}
		(void)sd_event_source_set_description(io->hot_src, "mh-hot");
	}
	io->hot_on = true;
	io->hot_fn = fn;
	io->hot_userdata = userdata;
	return 0;
}

int io_mh_hot_set(struct io *io, const struct in6_addr *ha, uint32_t reqid)
{
	if (!io->hot_on)
		return -EBADF;
	return io->hot_fd >= 0 ? mn_hot_socket_set(io->hot_fd, ha, reqid) : 0;
}

bool io_mh_hot_is_open(const struct io *io)
{
	return io->hot_on;
}

/* ---- receiving: Neighbor Discovery ---------------------------------------------- */

/* Parse by type into the module's buffers; -EOPNOTSUPP for a type it does not parse. */
static int nd_parse(struct io *io, const uint8_t *buf, size_t len, struct io_nd_msg *ret)
{
	struct io_nd_bufs *b = io->nd_bufs;

	*ret = (struct io_nd_msg){ .type = buf[0] };
	switch (buf[0]) {
	case NDISC_TYPE_RS:
		ret->rs = &b->rs;
		return ndisc_rs_parse(buf, len, &b->rs);
	case NDISC_TYPE_RA:
		ret->ra = &b->ra;
		return ndisc_ra_parse(buf, len, &b->ra);
	case NDISC_TYPE_NS:
		ret->ns = &b->ns;
		return ndisc_ns_parse(buf, len, &b->ns);
	case NDISC_TYPE_NA:
		ret->na = &b->na;
		return ndisc_na_parse(buf, len, &b->na);
	case NDISC_TYPE_DHAAD_REQUEST:
		ret->dhaad_req = &b->dhaad_req;
		return ndisc_dhaad_request_parse(buf, len, &b->dhaad_req);
	case NDISC_TYPE_DHAAD_REPLY:
		ret->dhaad_rep = &b->dhaad_rep;
		return ndisc_dhaad_reply_parse(buf, len, &b->dhaad_rep);
	case NDISC_TYPE_MPS:
		ret->mps = &b->mps;
		return ndisc_mps_parse(buf, len, &b->mps);
	case NDISC_TYPE_MPA:
		ret->mpa = &b->mpa;
		return ndisc_mpa_parse(buf, len, &b->mpa);
	case NDISC_TYPE_PARAM_PROBLEM:
		ret->pp = &b->pp;
		return ndisc_param_problem_parse(buf, len, &b->pp);
	default:
		return -EOPNOTSUPP;
	}
}

void io_nd_input(struct io *io, const uint8_t *buf, size_t len, const struct icmp6_rxinfo *rx)
{
	const struct io_nd_handler *h;
	struct io_nd_msg msg;

	if (len < 1) {
		count_drop(io, DROP_MALFORMED);
		return;
	}
	h = &io->nd[buf[0]];
	if (!h->fn) {
		count_drop(io, DROP_UNEXPECTED);
		return;
	}
	/* RFC 4861 §6.1, §7.1: hop limit 255, link-local sources where required. */
	if (ndisc_rx_check(buf[0], rx->hop_limit, &rx->src, &rx->dst) < 0 || nd_parse(io, buf, len, &msg) < 0) {
		count_drop(io, DROP_MALFORMED);
		return;
	}
	count_drop(io, h->fn(&msg, rx, h->userdata));
}

static int on_nd(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct io_link *l = userdata;

	for (int i = 0; i < IO_ND_BATCH; i++) {
		uint8_t buf[IO_ND_BUF];
		size_t len;
		struct icmp6_rxinfo rx;
		int r = icmp6_socket_recv(l->sock, buf, sizeof(buf), &len, &rx);

		if (r == -EAGAIN)
			break;
		if (r == -EMSGSIZE) {
			count_drop(l->io, DROP_TRUNCATED);
			continue;
		}
		if (r < 0)
			break;
		count_overflow(l->io, DROP_ND_SOCKET_OVERFLOW, &l->rxq_ovfl, rx.has_rxq_ovfl, rx.rxq_ovfl);
		if (rx.ifindex == 0)
			rx.ifindex = l->ifindex;
		io_nd_input(l->io, buf, len, &rx);
	}
	return 0;
}

int io_nd_link_add(struct io *io, const char *ifname, const uint8_t *types, size_t n_types)
{
	struct icmp6_socket_config ic = { .ifname = ifname, .types = types, .n_types = n_types };
	struct io_link *l;
	int ifindex = ifname ? (int)if_nametoindex(ifname) : 0, r;

	if (ifname && ifindex <= 0)
		return log_error_errno(ENODEV, "interface %s: %m", ifname);
	l = link_by_ifindex(io, ifindex);
	if (l) /* a second user of the link: its types pass too */
		return io->capture ? 0 : icmp6_socket_pass(l->sock, types, n_types);
	if (io->n_links >= IO_MAX_LINKS)
		return log_error_errno(ENOSPC, "more than %d links, %s left out: %m", IO_MAX_LINKS, ifname ? ifname : "every interface");
	l = &io->links[io->n_links];
	*l = (struct io_link){ .io = io, .ifindex = ifindex, .ns_fd = -EBADF };
	if (!io->capture) {
		r = icmp6_socket_new(&ic, &l->sock);
		if (r < 0)
			return log_error_errno(r, "ICMPv6 socket on %s: %m", ifname ? ifname : "every interface");
		r = icmp6_socket_attach_event(l->sock, io->event, 0, on_nd, l, &l->src);
		if (r < 0) {
			l->sock = icmp6_socket_free(l->sock);
			return r;
		}
	}
	io->n_links++;
	return 0;
}

/* ---- receiving: Neighbor Solicitations for the proxy (io_ns_proxy_open) ---------------- */

void io_ns_proxy_input(struct io *io, int ifindex, const uint8_t *pkt, size_t len)
{
	struct io_link *l = link_by_ifindex(io, ifindex);

	if (!l || !l->ns_fn) {
		count_drop(io, DROP_UNEXPECTED);
		return;
	}
	l->ns_fn(pkt, len, ifindex, l->ns_userdata);
}

static int on_ns(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct io_link *l = userdata;

	for (int i = 0; i < IO_ND_BATCH; i++) {
		uint8_t buf[IO_ND_BUF];
		struct sockaddr_ll sll;
		socklen_t sl = sizeof(sll);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC, (struct sockaddr *)&sll, &sl);

		if (n < 0)
			break;
		/* Our own frames (PACKET_OUTGOING) and other hosts' unicast ones are not NSs to us. */
		if (sll.sll_pkttype != PACKET_HOST && sll.sll_pkttype != PACKET_MULTICAST)
			continue;
		if ((size_t)n > sizeof(buf)) {
			count_drop(l->io, DROP_TRUNCATED);
			continue;
		}
		io_ns_proxy_input(l->io, l->ifindex, buf, (size_t)n);
	}
	return 0;
}

static int ns_socket_open(int ifindex)
{
	_cleanup_(closep) int fd = -EBADF;
	struct sock_fprog prog;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IPV6), .sll_ifindex = ifindex };
	struct packet_mreq mr = { .mr_ifindex = ifindex, .mr_type = PACKET_MR_ALLMULTI };

	/* Protocol 0 until bound: nothing is queued before the filter is in place. */
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return log_debug_errno(errno, "%s: socket(AF_PACKET): %m", __func__);
	ndproxy_filter(&prog);
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		return log_debug_errno(errno, "%s: SO_ATTACH_FILTER: %m", __func__);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return log_debug_errno(errno, "%s: bind(ifindex %d): %m", __func__, ifindex);
	/* Every solicited-node group reaches us without one join per home address. */
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
		return log_debug_errno(errno, "%s: PACKET_MR_ALLMULTI: %m", __func__);
	return TAKE_FD(fd);
}

int io_ns_proxy_open(struct io *io, int ifindex, io_ns_fn fn, void *userdata)
{
	struct io_link *l = link_by_ifindex(io, ifindex);
	int r;

	if (!l)
		return -ENODEV;
	if (!fn) {
		l->ns_src = sd_event_source_disable_unref(l->ns_src);
		if (l->ns_fd >= 0)
			l->ns_fd = safe_close(l->ns_fd);
		l->ns_fn = NULL;
		return 0;
	}
	if (l->ns_fn)
		return -EBUSY;
	if (!io->capture) {
		int fd = ns_socket_open(ifindex);

		if (fd < 0)
			return fd;
		r = sd_event_add_io(io->event, &l->ns_src, fd, EPOLLIN, on_ns, l);
		if (r < 0) {
			safe_close(fd);
			return r;
		}
		l->ns_fd = fd;
	}
	l->ns_fn = fn;
	l->ns_userdata = userdata;
	return 0;
}
