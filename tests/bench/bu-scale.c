/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bu-scale: a closed-loop home-registration load for the HA scale curve
 * (tests/bench/ha-scale-curve.sh, issue 14 item 2). Mobile node i (FIRST <= i
 * < FIRST+COUNT) has home address HOME_PREFIX::i and its own care-of address
 * COA_PREFIX::i (the last 32 bits are i). At most WINDOW BUs are outstanding;
 * a BU unanswered after TIMEOUT_MS is sent again with the next sequence number
 * (RFC 6275 §11.8), at most TRIES times. The BAs are seen on IFACE through a
 * packet socket (they go to the CoA, which the bench routes to this node
 * without making it local, so the kernel drops them after the capture).
 *
 * The socket sends from addresses that are not configured here: IPV6_FREEBIND.
 * The checksum is computed over the HoA (the Home Address option swaps it in,
 * RFC 6275 §6.1.1).
 *
 * Output, one line:
 *   BUSCALE n=COUNT accepted=A rejected=R unanswered=U secs=S per_s=P
 *           lat_ms_p50=.. p90=.. p99=.. max=.. resent=.. capture_drops=..
 * Latency: first BU sent to the accepting BA seen, as the mobile node waits.
 *
 * usage: bu-scale IFACE COA_PREFIX HA HOME_PREFIX FIRST COUNT WINDOW SEQ LIFETIME_S [TIMEOUT_MS [TRIES]]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mh/mh-codec.h"

#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif

enum { ST_IDLE, ST_WAIT, ST_DONE };

struct mnode {
	double first_sent, last_sent;
	uint16_t seq;
	uint8_t tries, state, status;
};

static struct {
	struct in6_addr coa_pfx, ha, home_pfx;
	unsigned long first, count;
	unsigned window, tries;
	double timeout;
	uint16_t lifetime4;
	int mh_fd, pkt_fd;
	struct mnode *mn;
	uint32_t *ring; /* indices in send order: the head has the earliest deadline */
	size_t ring_cap, head, tail;
	double *lat;
	unsigned long n_lat, accepted, rejected, unanswered, resent, outstanding;
} G;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct in6_addr with_index(const struct in6_addr *pfx, unsigned long n)
{
	struct in6_addr a = *pfx;

	a.s6_addr[12] = (uint8_t)(n >> 24);
	a.s6_addr[13] = (uint8_t)(n >> 16);
	a.s6_addr[14] = (uint8_t)(n >> 8);
	a.s6_addr[15] = (uint8_t)n;
	return a;
}

static int send_bu(unsigned long i)
{
	struct mnode *m = &G.mn[i];
	struct mh_msg msg = { .type = MH_TYPE_BU };
	struct in6_addr hoa = with_index(&G.home_pfx, G.first + i);
	uint8_t mh[64], dst[24] = { 135, 2, 1, 2, 0, 0, 0xc9, 16 };
	uint8_t control[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(dst))]
		__attribute__((aligned(8))) = { 0 };
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_addr = G.ha };
	struct in6_pktinfo pi = { .ipi6_addr = with_index(&G.coa_pfx, G.first + i) };
	struct iovec iov;
	struct msghdr hdr = { .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = control, .msg_controllen = sizeof(control) };
	struct cmsghdr *c;
	size_t len;

	msg.bu.seq = m->seq;
	msg.bu.flags = MH_BU_F_A | MH_BU_F_H;
	msg.bu.lifetime = G.lifetime4;
	if (mh_build(&msg, mh, sizeof(mh), &len) < 0 || mh_checksum_fill(mh, len, &hoa, &G.ha) < 0)
		return -1;
	/* Destination Options header: PadN (2 bytes) then the Home Address option at 8n+6. */
	memcpy(dst + 8, &hoa, 16);
	iov.iov_base = mh;
	iov.iov_len = len;
	c = CMSG_FIRSTHDR(&hdr);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	c = CMSG_NXTHDR(&hdr, c);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_DSTOPTS;
	c->cmsg_len = CMSG_LEN(sizeof(dst));
	memcpy(CMSG_DATA(c), dst, sizeof(dst));
	/*
	 * Stamped before the send: on one CPU the HA can run, answer and be
	 * captured before sendmsg() returns here (the wakeup preempts us).
	 */
	for (m->last_sent = now_s(); sendmsg(G.mh_fd, &hdr, 0) < 0; m->last_sent = now_s()) {
		if (errno != ENOBUFS && errno != EAGAIN) {
			perror("bu-scale: sendmsg");
			return -1;
		}
		usleep(200);
	}
	if (m->tries++ == 0)
		m->first_sent = m->last_sent;
	m->state = ST_WAIT;
	G.ring[G.tail++ % G.ring_cap] = (uint32_t)i;
	return 0;
}

/*
 * A BA in an IPv6 packet from the capture: the routing header type 2 names
 * the HoA (RFC 6275 §6.4), the Mobility Header is type 6 (§6.1.8). Returns
 * the node's index, or -1 for anything else. Every length is checked.
 */
static long parse_ba(const uint8_t *p, size_t len, uint8_t *status, uint16_t *seq)
{
	size_t off = 40;
	uint8_t nh;
	const uint8_t *hoa = NULL;

	if (len < 40 || (p[0] >> 4) != 6)
		return -1;
	nh = p[6];
	for (int hops = 0; hops < 8; hops++) {
		if (off + 2 > len)
			return -1;
		if (nh == 0 || nh == 60 || nh == 43) {
			size_t hl = ((size_t)p[off + 1] + 1) * 8;

			if (off + hl > len)
				return -1;
			if (nh == 43 && p[off + 2] == 2 && hl == 24)
				hoa = p + off + 8;
			nh = p[off];
			off += hl;
		} else if (nh == 135) {
			struct in6_addr a;
			unsigned long n;

			if (off + 12 > len || p[off + 2] != MH_TYPE_BA || !hoa)
				return -1;
			memcpy(&a, hoa, 16);
			if (memcmp(&a, &G.home_pfx, 12) != 0)
				return -1;
			n = ((unsigned long)a.s6_addr[12] << 24) | ((unsigned long)a.s6_addr[13] << 16) |
			    ((unsigned long)a.s6_addr[14] << 8) | a.s6_addr[15];
			if (n < G.first || n - G.first >= G.count)
				return -1;
			*status = p[off + 6];
			*seq = (uint16_t)(p[off + 8] << 8 | p[off + 9]);
			return (long)(n - G.first);
		} else
			return -1;
	}
	return -1;
}

static void on_ba(long i, uint8_t status, uint16_t seq)
{
	struct mnode *m = &G.mn[i];

	if (m->state != ST_WAIT || seq != m->seq)
		return; /* a late BA to a BU already answered or sent again */
	m->state = ST_DONE;
	m->status = status;
	G.outstanding--;
	if (status < 128) {
		G.accepted++;
		G.lat[G.n_lat++] = (now_s() - m->first_sent) * 1e3;
	} else
		G.rejected++;
}

static void read_captures(void)
{
	uint8_t buf[2048];
	struct sockaddr_ll from;
	socklen_t fl;
	ssize_t n;

	for (;;) {
		uint8_t status;
		uint16_t seq;
		long i;

		fl = sizeof(from);
		n = recvfrom(G.pkt_fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		i = parse_ba(buf, (size_t)n, &status, &seq);
		if (i >= 0)
			on_ba(i, status, seq);
	}
}

/* Resend what timed out (the ring's head is the oldest send); give up after TRIES. */
static int expire(double now)
{
	while (G.head != G.tail) {
		uint32_t i = G.ring[G.head % G.ring_cap];
		struct mnode *m = &G.mn[i];

		if (m->state != ST_WAIT) {
			G.head++;
			continue;
		}
		if (m->last_sent + G.timeout > now)
			return 0;
		G.head++;
		if (m->tries >= G.tries) {
			m->state = ST_DONE;
			G.outstanding--;
			G.unanswered++;
			continue;
		}
		m->seq++;
		G.resent++;
		if (send_bu(i) < 0)
			return -1;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(double p)
{
	size_t k;

	if (G.n_lat == 0)
		return 0;
	k = (size_t)(p * (double)(G.n_lat - 1) + 0.5);
	return G.lat[k];
}

static int open_sockets(const char *ifname)
{
	int off = -1, one = 1, rcvbuf = 16 << 20;
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IPV6) };

	G.mh_fd = socket(AF_INET6, SOCK_RAW, IPPROTO_MH);
	if (G.mh_fd < 0 || setsockopt(G.mh_fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof(off)) < 0 ||
	    setsockopt(G.mh_fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one)) < 0) {
		perror("bu-scale: raw MH socket");
		return -1;
	}
	ll.sll_ifindex = (int)if_nametoindex(ifname);
	G.pkt_fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IPV6));
	if (ll.sll_ifindex == 0 || G.pkt_fd < 0 ||
	    setsockopt(G.pkt_fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0 ||
	    bind(G.pkt_fd, (struct sockaddr *)&ll, sizeof(ll)) < 0) {
		perror("bu-scale: packet socket");
		return -1;
	}
	return 0;
}

static int run(void)
{
	unsigned long next = 0;

	while (next < G.count || G.outstanding > 0) {
		struct pollfd pfd = { .fd = G.pkt_fd, .events = POLLIN };
		double now;
		int ms = 10;

		while (next < G.count && G.outstanding < G.window) {
			if (send_bu(next++) < 0)
				return -1;
			G.outstanding++;
		}
		if (G.head != G.tail) {
			double due = G.mn[G.ring[G.head % G.ring_cap]].last_sent + G.timeout - now_s();

			ms = due <= 0 ? 0 : due < 0.01 ? (int)(due * 1e3) + 1 : 10; /* at most 10 ms */
		}
		if (poll(&pfd, 1, ms) < 0 && errno != EINTR)
			return -1;
		read_captures();
		now = now_s();
		if (expire(now) < 0)
			return -1;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	unsigned long seq;
	struct tpacket_stats st = { 0 };
	socklen_t sl = sizeof(st);
	double t0, t1;

	if (argc < 10 || inet_pton(AF_INET6, argv[2], &G.coa_pfx) != 1 || inet_pton(AF_INET6, argv[3], &G.ha) != 1 ||
	    inet_pton(AF_INET6, argv[4], &G.home_pfx) != 1) {
		fprintf(stderr, "usage: bu-scale IFACE COA_PREFIX HA HOME_PREFIX FIRST COUNT WINDOW SEQ LIFETIME_S "
				"[TIMEOUT_MS [TRIES]]\n");
		return 2;
	}
	G.first = strtoul(argv[5], NULL, 0);
	G.count = strtoul(argv[6], NULL, 0);
	G.window = (unsigned)strtoul(argv[7], NULL, 0);
	seq = strtoul(argv[8], NULL, 0);
	G.lifetime4 = (uint16_t)(strtoul(argv[9], NULL, 0) / 4);
	G.timeout = (argc > 10 ? (double)strtoul(argv[10], NULL, 0) : 2000.0) / 1e3;
	G.tries = argc > 11 ? (unsigned)strtoul(argv[11], NULL, 0) : 5;
	if (G.count == 0 || G.window == 0 || G.tries == 0 || G.tries > 200) {
		fprintf(stderr, "bu-scale: COUNT, WINDOW and TRIES (<= 200) must be positive\n");
		return 2;
	}
	G.ring_cap = G.count * G.tries + 1;
	G.mn = calloc(G.count, sizeof(*G.mn));
	G.ring = calloc(G.ring_cap, sizeof(*G.ring));
	G.lat = calloc(G.count, sizeof(*G.lat));
	if (!G.mn || !G.ring || !G.lat || open_sockets(argv[1]) < 0)
		return 1;
	for (unsigned long i = 0; i < G.count; i++)
		G.mn[i].seq = (uint16_t)seq;
	t0 = now_s();
	if (run() < 0)
		return 1;
	t1 = now_s();
	getsockopt(G.pkt_fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl);
	qsort(G.lat, G.n_lat, sizeof(*G.lat), cmp_double);
	printf("BUSCALE n=%lu accepted=%lu rejected=%lu unanswered=%lu secs=%.3f per_s=%.1f lat_ms_p50=%.2f "
	       "lat_ms_p90=%.2f lat_ms_p99=%.2f lat_ms_max=%.2f resent=%lu capture_drops=%u\n",
	       G.count, G.accepted, G.rejected, G.unanswered, t1 - t0, (double)G.accepted / (t1 - t0), pct(0.5),
	       pct(0.9), pct(0.99), G.n_lat ? G.lat[G.n_lat - 1] : 0.0, G.resent, st.tp_drops);
	return G.unanswered || G.rejected ? 3 : 0;
}
