/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bu-flood: a home-registration BU generator for the HA scale benchmark.
 * Sends one BU per home address HOME_PREFIX::(FIRST+i), i < COUNT, from this
 * host's care-of address COA to the HA, each with a Home Address option, at
 * most RATE per second (0: as fast as the socket takes them). The checksum is
 * computed here over the HoA (RFC 6275 §6.1.1), since the kernel would use
 * the CoA. Output: how many were sent and how long it took.
 *
 * usage: bu-flood COA HA HOME_PREFIX FIRST COUNT [RATE] [LIFETIME_S] [SEQ]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mh/mh-codec.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char *argv[])
{
	struct in6_addr coa, ha, prefix;
	unsigned long first, count, rate = 0, lifetime = 600, seq = 1;
	int fd, off = -1;
	double t0, t1;
	unsigned long sent = 0, again = 0;

	if (argc < 6 || inet_pton(AF_INET6, argv[1], &coa) != 1 || inet_pton(AF_INET6, argv[2], &ha) != 1 ||
	    inet_pton(AF_INET6, argv[3], &prefix) != 1) {
		fprintf(stderr, "usage: bu-flood COA HA HOME_PREFIX FIRST COUNT [RATE] [LIFETIME_S] [SEQ]\n");
		return 2;
	}
	first = strtoul(argv[4], NULL, 0);
	count = strtoul(argv[5], NULL, 0);
	if (argc > 6)
		rate = strtoul(argv[6], NULL, 0);
	if (argc > 7)
		lifetime = strtoul(argv[7], NULL, 0);
	if (argc > 8)
		seq = strtoul(argv[8], NULL, 0);
	fd = socket(AF_INET6, SOCK_RAW, IPPROTO_MH);
	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof(off)) < 0) {
		perror("bu-flood: raw MH socket");
		return 1;
	}
	t0 = now_s();
	for (unsigned long i = 0; i < count; i++) {
		struct mh_msg m = { .type = MH_TYPE_BU };
		struct in6_addr hoa = prefix;
		uint8_t mh[64], dst[24] = { 135, 2, 1, 2, 0, 0, 0xc9, 16 };
		uint8_t control[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(dst))]
			__attribute__((aligned(8))) = { 0 };
		struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_addr = ha };
		struct in6_pktinfo pi = { .ipi6_addr = coa };
		struct iovec iov;
		struct msghdr msg = { .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov,
				      .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control) };
		struct cmsghdr *c;
		unsigned long n = first + i;
		size_t len;

		hoa.s6_addr[12] = (uint8_t)(n >> 24);
		hoa.s6_addr[13] = (uint8_t)(n >> 16);
		hoa.s6_addr[14] = (uint8_t)(n >> 8);
		hoa.s6_addr[15] = (uint8_t)n;
		m.bu.seq = (uint16_t)seq;
		m.bu.flags = MH_BU_F_A | MH_BU_F_H;
		m.bu.lifetime = (uint16_t)(lifetime / 4);
		if (mh_build(&m, mh, sizeof(mh), &len) < 0 || mh_checksum_fill(mh, len, &hoa, &ha) < 0)
			return 1;
		/* Destination Options header: PadN(2 bytes of padding) then the HAO at 8n+6. */
		memcpy(dst + 8, &hoa, 16);
		iov.iov_base = mh;
		iov.iov_len = len;
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		c = CMSG_NXTHDR(&msg, c);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_DSTOPTS;
		c->cmsg_len = CMSG_LEN(sizeof(dst));
		memcpy(CMSG_DATA(c), dst, sizeof(dst));
		while (sendmsg(fd, &msg, 0) < 0) {
			if (errno != ENOBUFS && errno != EAGAIN) {
				perror("bu-flood: sendmsg");
				return 1;
			}
			again++;
			usleep(1000);
		}
		sent++;
		if (rate) {
			double due = t0 + (double)(i + 1) / (double)rate, now = now_s();
			if (due > now)
				usleep((useconds_t)((due - now) * 1e6));
		}
	}
	t1 = now_s();
	printf("bu-flood: sent %lu BUs in %.3f s (%.0f/s), %lu send retries\n", sent, t1 - t0,
	       (double)sent / (t1 - t0 > 0 ? t1 - t0 : 1e-9), again);
	close(fd);
	return 0;
}
