/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Raw ICMPv6 socket, end to end in a private network namespace: the test
 * unshares CLONE_NEWNET, brings lo up and creates a veth pair nd0/nd1 with
 * fe80::1 and fe80::2 (nodad). Needs root (CAP_NET_ADMIN + CAP_NET_RAW):
 * otherwise it exits 77 (skipped). Without veth support only the lo cases run.
 * Waits are poll() with a timeout, never sleeps.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "icmp6/icmp6-socket.h"
#include "icmp6/ndisc.h"

static bool have_veth;

static struct in6_addr A(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static bool readable(const struct icmp6_socket *s, int timeout_ms)
{
	struct pollfd p = { .fd = icmp6_socket_fd(s), .events = POLLIN };

	return poll(&p, 1, timeout_ms) == 1;
}

static size_t build_na(uint8_t *buf, size_t cap, const char *target)
{
	struct ndisc_na na = { .flags = NDISC_NA_F_OVERRIDE, .target = A(target) };
	size_t n;

	na.target_lla.len = 6;
	memcpy(na.target_lla.addr, "\x02\x00\x00\x00\x00\x01", 6);
	ck_assert_int_eq(ndisc_na_build(&na, buf, cap, &n), 0);
	return n;
}

static struct icmp6_socket *open_sock(const char *ifname, const uint8_t *types, size_t n,
				      bool all_routers)
{
	struct icmp6_socket_config cfg = {
		.ifname = ifname, .types = types, .n_types = n, .join_all_routers = all_routers,
	};
	struct icmp6_socket *s = NULL;

	ck_assert_int_eq(icmp6_socket_new(&cfg, &s), 0);
	ck_assert_int_ge(icmp6_socket_fd(s), 0);
	return s;
}

START_TEST(lo_filter_hoplimit_pktinfo)
{
	static const uint8_t na_only[] = { NDISC_TYPE_NA };
	_cleanup_(icmp6_socket_freep) struct icmp6_socket *tx = open_sock(NULL, NULL, 0, false);
	_cleanup_(icmp6_socket_freep) struct icmp6_socket *rx = open_sock(NULL, na_only, 1, false);
	struct in6_addr lo = A("::1");
	struct icmp6_rxinfo info;
	struct ndisc_na na;
	struct ndisc_rs rs = {};
	uint8_t buf[1500];
	size_t n;

	/* An RS first: the filter must drop it, so the first message read is the NA. */
	ck_assert_int_eq(ndisc_rs_build(&rs, buf, sizeof(buf), &n), 0);
	ck_assert_int_eq(icmp6_socket_send(tx, &lo, 0, NULL, buf, n), 0);
	n = build_na(buf, sizeof(buf), "2001:db8::100");
	ck_assert_int_eq(icmp6_socket_send(tx, &lo, 0, NULL, buf, n), 0);
	ck_assert_uint_eq(icmp6_socket_get_stats(tx)->tx_packets, 2);

	ck_assert(readable(rx, 2000));
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(icmp6_socket_recv(rx, buf, sizeof(buf), &n, &info), 0);
	ck_assert_uint_eq(n, 32);
	ck_assert_uint_eq(buf[0], NDISC_TYPE_NA);
	ck_assert_int_eq(info.hop_limit, 255);
	ck_assert_mem_eq(&info.src, &lo, 16);
	ck_assert_mem_eq(&info.dst, &lo, 16);
	ck_assert_int_eq(info.ifindex, (int)if_nametoindex("lo"));
	ck_assert_int_eq(ndisc_rx_check(buf[0], info.hop_limit, &info.src, &info.dst), 0);
	/* The kernel filled the checksum in. */
	ck_assert(buf[2] | buf[3]);
	ck_assert(ndisc_checksum_ok(&info.src, &info.dst, buf, n));
	ck_assert_int_eq(ndisc_na_parse(buf, n, &na), 0);
	ck_assert_uint_eq(na.flags, NDISC_NA_F_OVERRIDE);
	/* Nothing else: the RS was filtered. */
	ck_assert_int_eq(icmp6_socket_recv(rx, buf, sizeof(buf), &n, &info), -EAGAIN);
	ck_assert_uint_eq(icmp6_socket_get_stats(rx)->rx_packets, 1);
}
END_TEST

START_TEST(lo_truncated_is_dropped_and_counted)
{
	static const uint8_t na_only[] = { NDISC_TYPE_NA };
	_cleanup_(icmp6_socket_freep) struct icmp6_socket *tx = open_sock(NULL, NULL, 0, false);
	_cleanup_(icmp6_socket_freep) struct icmp6_socket *rx = open_sock(NULL, na_only, 1, false);
	struct in6_addr lo = A("::1");
	struct icmp6_rxinfo info;
	uint8_t buf[64];
	size_t n;

	n = build_na(buf, sizeof(buf), "2001:db8::100");
	ck_assert_int_eq(icmp6_socket_send(tx, &lo, 0, NULL, buf, n), 0);
	ck_assert(readable(rx, 2000));
	ck_assert_int_eq(icmp6_socket_recv(rx, buf, 31, &n, &info), -EMSGSIZE);
	ck_assert_uint_eq(icmp6_socket_get_stats(rx)->rx_truncated, 1);
	ck_assert_uint_eq(icmp6_socket_get_stats(rx)->rx_packets, 0);
	ck_assert_int_eq(icmp6_socket_recv(rx, buf, sizeof(buf), &n, &info), -EAGAIN);
}
END_TEST

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct icmp6_socket *rx = userdata;
	struct icmp6_rxinfo info;
	uint8_t buf[1500];
	size_t n;

	if (icmp6_socket_recv(rx, buf, sizeof(buf), &n, &info) == 0 && buf[0] == NDISC_TYPE_NA)
		return sd_event_exit(sd_event_source_get_event(s), 42);
	return 0;
}

START_TEST(lo_sd_event_attach)
{
	static const uint8_t na_only[] = { NDISC_TYPE_NA };
	_cleanup_(icmp6_socket_freep) struct icmp6_socket *tx = open_sock(NULL, NULL, 0, false);
	_cleanup_(icmp6_socket_freep) struct icmp6_socket *rx = open_sock(NULL, na_only, 1, false);
	_cleanup_(sd_event_unrefp) sd_event *e = NULL;
	_cleanup_(sd_event_source_disable_unrefp) sd_event_source *src = NULL;
	struct in6_addr lo = A("::1");
	uint8_t buf[64];
	size_t n;
	int code = 0;

	ck_assert_int_ge(sd_event_new(&e), 0);
	ck_assert_int_eq(icmp6_socket_attach_event(rx, e, 0, on_io, rx, &src), 0);
	n = build_na(buf, sizeof(buf), "2001:db8::100");
	ck_assert_int_eq(icmp6_socket_send(tx, &lo, 0, NULL, buf, n), 0);
	for (int i = 0; i < 10 && sd_event_get_state(e) != SD_EVENT_FINISHED; i++)
		ck_assert_int_ge(sd_event_run(e, 200 * 1000), 0);
	ck_assert_int_eq(sd_event_get_exit_code(e, &code), 0);
	ck_assert_int_eq(code, 42);
}
END_TEST

/*
 * veth: an RS from nd0 to ff02::2 with source fe80::1 given through
 * IPV6_PKTINFO reaches the nd1 socket that joined all-routers. Resent until
 * it arrives (the veth carrier comes up asynchronously), bounded.
 */
START_TEST(veth_multicast_rs_pktinfo)
{
	static const uint8_t rs_only[] = { NDISC_TYPE_RS };
	struct in6_addr all_routers = ICMP6_ALL_ROUTERS_INIT, src = A("fe80::1");
	_cleanup_(icmp6_socket_freep) struct icmp6_socket *tx = NULL, *rx = NULL;
	struct ndisc_rs rs = { .source_lla = { .len = 6, .addr = { 2, 0, 0, 0, 0, 1 } } }, rs2;
	struct icmp6_rxinfo info;
	uint8_t buf[1500], out[64];
	size_t n, len;
	bool got = false;

	if (!have_veth)
		return;
	tx = open_sock("nd0", NULL, 0, false);
	rx = open_sock("nd1", rs_only, 1, true);
	ck_assert_int_eq(icmp6_socket_ifindex(rx), (int)if_nametoindex("nd1"));
	ck_assert_int_eq(ndisc_rs_build(&rs, out, sizeof(out), &len), 0);
	for (int i = 0; i < 50 && !got; i++) {
		int r = icmp6_socket_send(tx, &all_routers, icmp6_socket_ifindex(tx), &src, out, len);

		ck_assert_msg(r == 0 || r == -EAGAIN || r == -ENETDOWN || r == -EADDRNOTAVAIL,
			      "send: %s", strerror(-r));
		got = readable(rx, 100);
	}
	ck_assert_msg(got, "no RS on nd1 within 5 s");
	ck_assert_int_eq(icmp6_socket_recv(rx, buf, sizeof(buf), &n, &info), 0);
	ck_assert_uint_eq(n, len);
	ck_assert_int_eq(info.hop_limit, 255);
	ck_assert_mem_eq(&info.src, &src, 16);
	ck_assert_mem_eq(&info.dst, &all_routers, 16);
	ck_assert_int_eq(info.ifindex, (int)if_nametoindex("nd1"));
	ck_assert_int_eq(ndisc_rx_check(buf[0], info.hop_limit, &info.src, &info.dst), 0);
	ck_assert_int_eq(ndisc_rs_parse(buf, n, &rs2), 0);
	ck_assert_int_eq(memcmp(&rs, &rs2, sizeof(rs)), 0);
}
END_TEST

/*
 * SO_BINDTODEVICE: an NA over lo is not seen by the socket bound to nd1,
 * the NA sent after it over the veth is.
 */
START_TEST(veth_bound_socket_ignores_lo)
{
	static const uint8_t na_only[] = { NDISC_TYPE_NA };
	struct in6_addr lo = A("::1"), peer = A("fe80::2"), src = A("fe80::1");
	_cleanup_(icmp6_socket_freep) struct icmp6_socket *tx_lo = NULL, *tx = NULL, *rx = NULL;
	struct icmp6_rxinfo info;
	uint8_t buf[1500], out[64];
	size_t n, len;
	bool got = false;

	if (!have_veth)
		return;
	tx_lo = open_sock(NULL, NULL, 0, false);
	tx = open_sock("nd0", NULL, 0, false);
	rx = open_sock("nd1", na_only, 1, false);
	len = build_na(out, sizeof(out), "2001:db8::7");
	for (int i = 0; i < 50 && !got; i++) {
		ck_assert_int_eq(icmp6_socket_send(tx_lo, &lo, 0, NULL, out, len), 0);
		(void)icmp6_socket_send(tx, &peer, 0, NULL, out, len);
		got = readable(rx, 100);
	}
	ck_assert(got);
	ck_assert_int_eq(icmp6_socket_recv(rx, buf, sizeof(buf), &n, &info), 0);
	ck_assert_int_eq(info.ifindex, (int)if_nametoindex("nd1"));
	ck_assert_mem_eq(&info.src, &src, 16);
	ck_assert_mem_eq(&info.dst, &peer, 16);
	ck_assert_int_eq(info.hop_limit, 255);
	/* Whatever else is queued came over nd1 too. */
	while (icmp6_socket_recv(rx, buf, sizeof(buf), &n, &info) == 0)
		ck_assert_int_eq(info.ifindex, (int)if_nametoindex("nd1"));
}
END_TEST

/*
 * RFC 4862 §5.4.2 / RFC 6275 §10.4.1: a DAD probe leaves from the unspecified address (our
 * own IPv6 header, the kernel would pick a source for :: in IPV6_PKTINFO) with hop limit 255
 * and a checksum the receiving kernel accepts; it reaches a socket on the peer that joined the
 * target's solicited-node group. Resent until it arrives (veth carrier), bounded.
 */
START_TEST(veth_dad_ns_from_unspecified)
{
	static const uint8_t ns_only[] = { NDISC_TYPE_NS };
	struct in6_addr any = IN6ADDR_ANY_INIT, snm;
	_cleanup_(icmp6_socket_freep) struct icmp6_socket *tx = NULL, *rx = NULL;
	struct ndisc_ns ns = { .target = A("2001:db8::1:2:3") };
	struct icmp6_rxinfo info;
	uint8_t buf[1500], out[64];
	size_t n, len;
	bool got = false;

	if (!have_veth)
		return;
	tx = open_sock("nd0", NULL, 0, false);
	rx = open_sock("nd1", ns_only, 1, false);
	ndisc_solicited_node(&ns.target, &snm);
	ck_assert_int_eq(icmp6_socket_join(rx, &snm, icmp6_socket_ifindex(rx)), 0);
	ck_assert_int_eq(ndisc_ns_build(&ns, out, sizeof(out), &len), 0);
	for (int i = 0; i < 50 && !got; i++) {
		int r = icmp6_socket_send(tx, &snm, icmp6_socket_ifindex(tx), &any, out, len);

		ck_assert_msg(r == 0 || r == -EAGAIN || r == -ENETDOWN, "send: %s", strerror(-r));
		got = readable(rx, 100);
	}
	ck_assert_msg(got, "no NS on nd1 within 5 s");
	ck_assert_int_eq(icmp6_socket_recv(rx, buf, sizeof(buf), &n, &info), 0);
	ck_assert_uint_eq(n, len);
	ck_assert(IN6_IS_ADDR_UNSPECIFIED(&info.src));
	ck_assert_mem_eq(&info.dst, &snm, 16);
	ck_assert_int_eq(info.hop_limit, 255);
	ck_assert_mem_eq(buf + 8, &ns.target, 16);
	ck_assert_uint_eq(icmp6_socket_get_stats(tx)->tx_errors, 0);
}
END_TEST

START_TEST(bad_arguments)
{
	struct icmp6_socket_config cfg = { .join_all_routers = true };
	struct icmp6_socket *s = NULL;

	ck_assert_int_eq(icmp6_socket_new(&cfg, &s), -EINVAL); /* all-routers needs ifname */
	cfg = (struct icmp6_socket_config){ .ifname = "no-such-if0" };
	ck_assert_int_eq(icmp6_socket_new(&cfg, &s), -ENODEV);
	ck_assert_ptr_null(s);
	ck_assert_ptr_null(icmp6_socket_free(NULL));
	cfg = (struct icmp6_socket_config){};
	ck_assert_int_eq(icmp6_socket_new(&cfg, &s), 0);
	ck_assert_int_eq(icmp6_socket_join(s, &(struct in6_addr){}, 1), -EINVAL);
	s = icmp6_socket_free(s);
}
END_TEST

static int setup_netns(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "test-icmp6-socket: needs root for a private netns, skipped\n");
		return 77;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "test-icmp6-socket: unshare(CLONE_NEWNET): %m, skipped\n");
		return 77;
	}
	if (system("ip link set lo up") != 0) {
		fprintf(stderr, "test-icmp6-socket: cannot bring lo up, skipped\n");
		return 77;
	}
	have_veth = system("ip link add nd0 type veth peer name nd1 2>/dev/null && "
			   "ip link set nd0 up && ip link set nd1 up && "
			   "ip addr add fe80::1/64 dev nd0 nodad && "
			   "ip addr add fe80::2/64 dev nd1 nodad") == 0;
	if (!have_veth)
		fprintf(stderr, "test-icmp6-socket: no veth, only the lo cases run\n");
	return 0;
}

int main(void)
{
	Suite *s = suite_create("icmp6-socket");
	TCase *tc = tcase_create("netns");
	SRunner *sr;
	int failed, r;

	r = setup_netns();
	if (r != 0)
		return r;
	tcase_add_test(tc, lo_filter_hoplimit_pktinfo);
	tcase_add_test(tc, lo_truncated_is_dropped_and_counted);
	tcase_add_test(tc, lo_sd_event_attach);
	tcase_add_test(tc, veth_multicast_rs_pktinfo);
	tcase_add_test(tc, veth_bound_socket_ignores_lo);
	tcase_add_test(tc, veth_dad_ns_from_unspecified);
	tcase_add_test(tc, bad_arguments);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
