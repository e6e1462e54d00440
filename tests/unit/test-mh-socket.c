/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MH socket on the host kernel (raw IPPROTO_MH works without MIPv6
 * support): send to ::1 in a private network namespace and receive with the
 * ancillary data; the kernel fills and verifies the checksum. The HAO/RH2
 * paths need a MIPv6 kernel and run in the VM scenarios; their pure
 * ancillary-data parsers are tested here.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/rxq-ovfl.h"
#include "mh/mh-socket.h"

static bool have_netns;

static void setup_netns(void)
{
	if (unshare(CLONE_NEWNET) == 0 && system("ip link set lo up") == 0)
		have_netns = true;
}

START_TEST(loopback_roundtrip)
{
	/* A BRR: payload proto 59, hdr len 0, type 0, reserved, checksum, reserved. */
	uint8_t brr[8] = { 59, 0, 0, 0, 0, 0, 0, 0 }, buf[256];
	struct mh_tx_info tx = { 0 };
	struct mh_rx_info rx;
	struct pollfd p;
	int fd, n;

	if (!have_netns)
		return;
	ck_assert_int_eq(mh_socket_open(&fd), 0);
	inet_pton(AF_INET6, "::1", &tx.dst);
	inet_pton(AF_INET6, "::1", &tx.src);
	ck_assert_int_eq(mh_socket_send(fd, brr, sizeof(brr), &tx), 0);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	n = mh_socket_recv(fd, buf, sizeof(buf), &rx);
	ck_assert_int_eq(n, 8);
	ck_assert(!rx.truncated);
	ck_assert(!rx.has_hao);
	ck_assert(!rx.has_rh2);
	ck_assert_int_eq(rx.ifindex, 1);
	ck_assert(memcmp(&rx.dst, &tx.dst, 16) == 0);
	ck_assert(memcmp(&rx.src, &tx.src, 16) == 0);
	/* The kernel filled the checksum at offset 4. */
	ck_assert(buf[4] != 0 || buf[5] != 0);
	ck_assert_int_eq(mh_socket_recv(fd, buf, sizeof(buf), &rx), -EAGAIN);

	/* Truncation is reported, not silently accepted. */
	ck_assert_int_eq(mh_socket_send(fd, brr, sizeof(brr), &tx), 0);
	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	n = mh_socket_recv(fd, buf, 4, &rx);
	ck_assert(rx.truncated);
	close(fd);
}
END_TEST

/*
 * The extension headers before the MH are kept for an ICMPv6 error's pointer
 * (RFC 6275 §9.2): a packet with a Hop-by-Hop Options header (8 octets, PadN)
 * arrives with ext_len 8 and ext_first 0; one without has ext_len 0.
 */
START_TEST(extension_headers_kept)
{
	uint8_t brr[8] = { 59, 0, 0, 0, 0, 0, 0, 0 }, buf[256];
	uint8_t hbh[8] = { 0, 0, 1, 4, 0, 0, 0, 0 }; /* Next Header (the kernel's), Hdr Ext Len 0, PadN 4 */
	struct mh_tx_info tx = { 0 };
	struct mh_rx_info rx;
	struct pollfd p;
	int rfd, sfd;

	if (!have_netns)
		return;
	ck_assert_int_eq(mh_socket_open(&rfd), 0);
	ck_assert_int_eq(mh_socket_open(&sfd), 0);
	inet_pton(AF_INET6, "::1", &tx.dst);
	inet_pton(AF_INET6, "::1", &tx.src);
	ck_assert_int_eq(mh_socket_send(sfd, brr, sizeof(brr), &tx), 0);
	p = (struct pollfd){ .fd = rfd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	ck_assert_int_eq(mh_socket_recv(rfd, buf, sizeof(buf), &rx), 8);
	ck_assert_uint_eq(rx.ext_len, 0);
	ck_assert_int_eq(setsockopt(sfd, IPPROTO_IPV6, IPV6_HOPOPTS, hbh, sizeof(hbh)), 0);
	ck_assert_int_eq(mh_socket_send(sfd, brr, sizeof(brr), &tx), 0);
	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	ck_assert_int_eq(mh_socket_recv(rfd, buf, sizeof(buf), &rx), 8);
	ck_assert_uint_eq(rx.ext_len, 8);
	ck_assert_uint_eq(rx.ext_first, 0);
	ck_assert_uint_eq(rx.ext[0], 135); /* the Hop-by-Hop header's Next Header: the MH */
	ck_assert(!rx.ext_overflow);
	close(sfd);
	close(rfd);
}
END_TEST

/*
 * SO_RXQ_OVFL on the host kernel: a receiver with the smallest queue gets a burst it cannot
 * hold; every message is either received or in the kernel's drop count the packets carry.
 */
START_TEST(receive_queue_overflow_counted)
{
	uint8_t brr[8] = { 59, 0, 0, 0, 0, 0, 0, 0 }, buf[256];
	struct mh_tx_info tx = { 0 };
	struct mh_rx_info rx;
	uint32_t last = 0;
	uint64_t dropped = 0;
	int rfd, sfd, small = 1, sent = 200, got = 0;

	if (!have_netns)
		return;
	ck_assert_int_eq(mh_socket_open(&rfd), 0);
	ck_assert_int_eq(mh_socket_open(&sfd), 0);
	ck_assert_int_eq(setsockopt(rfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	inet_pton(AF_INET6, "::1", &tx.dst);
	inet_pton(AF_INET6, "::1", &tx.src);
	for (int i = 0; i < sent; i++)
		ck_assert_int_eq(mh_socket_send(sfd, brr, sizeof(brr), &tx), 0);
	/* A last one after the queue drained carries the final count. */
	while (mh_socket_recv(rfd, buf, sizeof(buf), &rx) >= 0) {
		got++;
		if (rx.has_rxq_ovfl)
			dropped += rxq_ovfl_delta(&last, rx.rxq_ovfl);
	}
	ck_assert_int_eq(mh_socket_send(sfd, brr, sizeof(brr), &tx), 0);
	ck_assert_int_eq(mh_socket_recv(rfd, buf, sizeof(buf), &rx), 8);
	got++;
	ck_assert(rx.has_rxq_ovfl);
	dropped += rxq_ovfl_delta(&last, rx.rxq_ovfl);
	ck_assert_int_lt(got, sent); /* the queue did overflow */
	ck_assert_uint_eq(dropped + (uint64_t)got, (uint64_t)sent + 1);
	close(sfd);
	close(rfd);
}
END_TEST

/* MhReceiveBuffer: the queue at open, set in range, refused out of it (the kernel doubles it). */
START_TEST(receive_buffer_set)
{
	int fd, v;
	socklen_t len = sizeof(v);

	ck_assert_int_eq(mh_socket_open(&fd), 0);
	ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	ck_assert_int_eq(v, 2 * (int)MH_SOCKET_RCVBUF);
	ck_assert_int_eq(mh_socket_set_rcvbuf(fd, 256u << 10), 0);
	ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	ck_assert_int_eq(v, 2 * (256 << 10));
	ck_assert_int_eq(mh_socket_set_rcvbuf(fd, MH_SOCKET_RCVBUF_MIN - 1), -ERANGE);
	ck_assert_int_eq(mh_socket_set_rcvbuf(fd, MH_SOCKET_RCVBUF_MAX + 1), -ERANGE);
	ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	ck_assert_int_eq(v, 2 * (256 << 10));
	close(fd);
}
END_TEST

/* The control message parser and the wrap of the 32-bit count. */
START_TEST(rxq_ovfl_cmsg)
{
	uint8_t control[CMSG_SPACE(sizeof(uint32_t)) + CMSG_SPACE(sizeof(uint64_t))] __attribute__((aligned(8))) = { 0 };
	struct msghdr m = { .msg_control = control, .msg_controllen = sizeof(control) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	struct mh_rx_info info = { 0 };
	uint32_t v = 7, last = 0xfffffffeu;

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SO_RXQ_OVFL;
	c->cmsg_len = CMSG_LEN(sizeof(v));
	memcpy(CMSG_DATA(c), &v, sizeof(v));
	c = CMSG_NXTHDR(&m, c);
	c->cmsg_level = SOL_SOCKET; /* a wrong length is not taken */
	c->cmsg_type = SO_RXQ_OVFL;
	c->cmsg_len = CMSG_LEN(sizeof(uint64_t));
	ck_assert_int_eq(mh_socket_parse_cmsg(&m, &info), 0);
	ck_assert(info.has_rxq_ovfl);
	ck_assert_uint_eq(info.rxq_ovfl, 7);
	m.msg_controllen = CMSG_SPACE(sizeof(uint32_t));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_type = SO_RCVBUF;
	info = (struct mh_rx_info){ 0 };
	ck_assert_int_eq(mh_socket_parse_cmsg(&m, &info), 0);
	ck_assert(!info.has_rxq_ovfl);
	ck_assert_uint_eq(rxq_ovfl_delta(&last, 1), 3);
	ck_assert_uint_eq(last, 1);
	ck_assert_uint_eq(rxq_ovfl_delta(&last, 1), 0);
}
END_TEST

START_TEST(hao_parse)
{
	/* Dest opts: nh 135, len 2 (24 bytes): PadN(2) ... HAO at 8n+6. */
	uint8_t d[24] = { 135, 2, 1, 2, 0, 0, 0xc9, 16 };
	struct in6_addr a, want;

	inet_pton(AF_INET6, "2001:db8:2::5", &want);
	memcpy(d + 8, &want, 16);
	ck_assert_int_eq(mh_find_hao(d, sizeof(d), &a), 0);
	ck_assert(memcmp(&a, &want, 16) == 0);
	/* Every truncation fails cleanly. */
	for (size_t l = 0; l < sizeof(d); l++)
		ck_assert_int_eq(mh_find_hao(d, l, &a), -EBADMSG);
	/* HAO with a wrong length. */
	d[7] = 15;
	ck_assert_int_eq(mh_find_hao(d, sizeof(d), &a), -EBADMSG);
	/* No HAO: only padding. */
	{
		uint8_t pad[8] = { 135, 0, 1, 4, 0, 0, 0, 0 };
		ck_assert_int_eq(mh_find_hao(pad, sizeof(pad), &a), -ENOENT);
	}
	/* An option running past the header. */
	{
		uint8_t bad[8] = { 135, 0, 1, 200, 0, 0, 0, 0 };
		ck_assert_int_eq(mh_find_hao(bad, sizeof(bad), &a), -EBADMSG);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mh-socket");
	TCase *tc = tcase_create("socket");
	SRunner *sr;
	int failed;

	setup_netns();
	if (!have_netns)
		fprintf(stderr, "no private network namespace (not root?): socket test skipped\n");
	tcase_add_test(tc, loopback_roundtrip);
	tcase_add_test(tc, hao_parse);
	tcase_add_test(tc, extension_headers_kept);
	tcase_add_test(tc, receive_queue_overflow_counted);
	tcase_add_test(tc, rxq_ovfl_cmsg);
	tcase_add_test(tc, receive_buffer_set);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : (have_netns ? 0 : 77);
}
