/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The I/O module's shared receive path (src/io) through its fakes: parse,
 * count, dispatch by MH type, Binding Error status 2 for an unknown type
 * (RFC 6275 §9.2) with its rate limit (§9.3.3), and the fake kernel of the
 * netlink layer (answers now, fails, or holds until the test answers).
 * Messages are hand-made bytes in the layout of RFC 6275 §6.1.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "io/io.h"
#include "mh/mh-codec.h"
#include "netlink/nl-kernel.h"

struct sent_log {
	unsigned n;
	int proto[64];
	uint8_t buf[64][256];
	size_t len[64];
	struct in6_addr dst[64], src[64];
};

struct fixture {
	sd_event *e;
	struct mip6_counters c;
	struct io *io;
	struct sent_log sent;
	int kernel_answer;
	unsigned kernel_requests;
	uint16_t last_type;
	unsigned handled;
	enum mip6_drop verdict;
	struct mh_msg last;
};

static void capture(const struct io_sent *s, void *ud)
{
	struct fixture *f = ud;
	unsigned i = f->sent.n++;

	ck_assert_uint_lt(i, 64);
	f->sent.proto[i] = s->proto;
	ck_assert_uint_le(s->len, 256);
	memcpy(f->sent.buf[i], s->buf, s->len);
	f->sent.len[i] = s->len;
	f->sent.dst[i] = s->dst;
	f->sent.src[i] = s->src;
}

static int fake_kernel(int protocol, const uint8_t *msg, size_t len, void *ud)
{
	struct fixture *f = ud;

	ck_assert_uint_ge(len, 16);
	memcpy(&f->last_type, msg + 4, 2);
	f->kernel_requests++;
	return f->kernel_answer;
}

static enum mip6_drop on_msg(const struct mh_msg *m, const struct mh_rx_info *rx, void *ud)
{
	struct fixture *f = ud;

	f->handled++;
	f->last = *m;
	return f->verdict;
}

static void setup(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->verdict = DROP_NONE;
	ck_assert_int_ge(sd_event_new(&f->e), 0);
	ck_assert_int_eq(io_new_fake(f->e, &f->c, capture, fake_kernel, f, &f->io), 0);
}

static void teardown(struct fixture *f)
{
	io_free(f->io);
	sd_event_unref(f->e);
}

static void rx_from(struct mh_rx_info *rx, const char *hoa, const char *coa, const char *dst)
{
	memset(rx, 0, sizeof(*rx));
	inet_pton(AF_INET6, hoa, &rx->src);
	inet_pton(AF_INET6, dst, &rx->dst);
	if (coa) {
		rx->has_hao = true;
		inet_pton(AF_INET6, coa, &rx->hao);
	}
}

/* A BU (§6.1.7): 8-byte MH header + seq, flags A|H, lifetime; padded to 16 octets. */
static const uint8_t bu_bytes[16] = {
	59, 1, 5, 0, 0, 0,   /* Payload Proto, Header Len (16 octets), MH Type 5, Reserved, Checksum */
	0x00, 0x07,          /* Sequence # 7 */
	0xc0, 0x00,          /* A, H */
	0x00, 0x40,          /* Lifetime 64 units = 256 s */
	1, 2, 0, 0,          /* PadN */
};

START_TEST(dispatch_by_type_and_count)
{
	struct fixture f;
	struct mh_rx_info rx;

	setup(&f);
	rx_from(&rx, "2001:db8:1::100", "2001:db8:2::100", "2001:db8:1::1");
	io_mh_input(f.io, bu_bytes, sizeof(bu_bytes), &rx);
	/* No handler for BU yet: a known type this role does not take. */
	ck_assert_uint_eq(f.c.drops[DROP_UNEXPECTED], 1);
	ck_assert_uint_eq(f.c.mh_in[MH_TYPE_BU], 0);
	ck_assert_uint_eq(f.sent.n, 0);

	ck_assert_int_eq(io_mh_register(f.io, MH_TYPE_BU, on_msg, &f), 0);
	io_mh_input(f.io, bu_bytes, sizeof(bu_bytes), &rx);
	ck_assert_uint_eq(f.handled, 1);
	ck_assert_uint_eq(f.c.mh_in[MH_TYPE_BU], 1);
	ck_assert_uint_eq(f.last.bu.seq, 7);
	ck_assert_uint_eq(f.last.bu.lifetime, 64);
	ck_assert_uint_eq(f.last.bu.flags, MH_BU_F_A | MH_BU_F_H);

	/* A handler's refusal is counted under its reason. */
	f.verdict = DROP_NOT_PROTECTED;
	io_mh_input(f.io, bu_bytes, sizeof(bu_bytes), &rx);
	ck_assert_uint_eq(f.c.drops[DROP_NOT_PROTECTED], 1);
	ck_assert_uint_eq(f.c.mh_in[MH_TYPE_BU], 2);

	/* Truncated by the socket: dropped before parsing. */
	rx.truncated = true;
	io_mh_input(f.io, bu_bytes, sizeof(bu_bytes), &rx);
	ck_assert_uint_eq(f.c.drops[DROP_TRUNCATED], 1);
	ck_assert_uint_eq(f.handled, 2);
	teardown(&f);
}
END_TEST

START_TEST(malformed_is_dropped_silently)
{
	struct fixture f;
	struct mh_rx_info rx;
	uint8_t bad[24];

	setup(&f);
	ck_assert_int_eq(io_mh_register(f.io, MH_TYPE_BU, on_msg, &f), 0);
	rx_from(&rx, "2001:db8:1::100", NULL, "2001:db8:1::1");
	memcpy(bad, bu_bytes, 16);
	io_mh_input(f.io, bad, 12, &rx); /* Header Len says 16 octets, 12 came */
	memset(bad + 16, 0, 8);
	io_mh_input(f.io, bad, 24, &rx); /* 8 octets after what Header Len covers */
	ck_assert_uint_eq(f.c.drops[DROP_MALFORMED], 2);
	ck_assert_uint_eq(f.handled, 0);
	ck_assert_uint_eq(f.sent.n, 0);
	teardown(&f);
}
END_TEST

/* §9.2: an unknown MH type gets a Binding Error status 2 to the CoA, naming the HoA (§6.1.9). */
START_TEST(unknown_type_gets_be2)
{
	static const uint8_t unknown[8] = { 59, 0, 42, 0, 0, 0, 0, 0 };
	struct fixture f;
	struct mh_rx_info rx;
	struct in6_addr coa, hoa, ha;
	const uint8_t *be;

	setup(&f);
	rx_from(&rx, "2001:db8:1::100", "2001:db8:2::100", "2001:db8:1::1");
	inet_pton(AF_INET6, "2001:db8:2::100", &coa);
	inet_pton(AF_INET6, "2001:db8:1::100", &hoa);
	inet_pton(AF_INET6, "2001:db8:1::1", &ha);
	io_mh_input(f.io, unknown, sizeof(unknown), &rx);
	ck_assert_uint_eq(f.sent.n, 1);
	ck_assert_int_eq(f.sent.proto[0], IPPROTO_MH);
	ck_assert(memcmp(&f.sent.dst[0], &coa, 16) == 0);
	ck_assert(memcmp(&f.sent.src[0], &ha, 16) == 0);
	/* §6.1.9 layout: MH header, Status at 6, Reserved at 7, Home Address at 8..23. */
	be = f.sent.buf[0];
	ck_assert_uint_eq(f.sent.len[0], 24);
	ck_assert_uint_eq(be[0], 59);
	ck_assert_uint_eq(be[1], 2);
	ck_assert_uint_eq(be[2], MH_TYPE_BE);
	ck_assert_uint_eq(be[6], 2);
	ck_assert(memcmp(be + 8, &hoa, 16) == 0);
	ck_assert_uint_eq(f.c.mh_out[MH_TYPE_BE], 1);
	ck_assert_uint_eq(f.c.drops[DROP_UNEXPECTED], 1);

	/* Without a Home Address option: to the source, Home Address unspecified. */
	rx_from(&rx, "2001:db8:3::5", NULL, "2001:db8:1::1");
	io_mh_input(f.io, unknown, sizeof(unknown), &rx);
	ck_assert_uint_eq(f.sent.n, 2);
	inet_pton(AF_INET6, "2001:db8:3::5", &coa);
	ck_assert(memcmp(&f.sent.dst[1], &coa, 16) == 0);
	ck_assert(IN6_IS_ADDR_UNSPECIFIED((const struct in6_addr *)(const void *)(f.sent.buf[1] + 8)));
	teardown(&f);
}
END_TEST

/* §9.3.3: Binding Errors are rate limited; a burst of unknown types gets IO_BE_BURST answers. */
START_TEST(be_rate_limited)
{
	static const uint8_t unknown[8] = { 59, 0, 200, 0, 0, 0, 0, 0 };
	struct fixture f;
	struct mh_rx_info rx;

	setup(&f);
	rx_from(&rx, "2001:db8:3::5", NULL, "2001:db8:1::1");
	for (int i = 0; i < 40; i++)
		io_mh_input(f.io, unknown, sizeof(unknown), &rx);
	/* The bucket refills at IO_BE_PER_SEC: a slow machine may earn one or two more. */
	ck_assert_uint_ge(f.sent.n, IO_BE_BURST);
	ck_assert_uint_lt(f.sent.n, 40);
	ck_assert_uint_eq(f.c.drops[DROP_RATE], 40 - f.sent.n);
	ck_assert_uint_eq(f.c.drops[DROP_UNEXPECTED], 40);
	teardown(&f);
}
END_TEST

/* BindingErrorsPerSec: the rate the manager sets; 0 sends none. */
START_TEST(be_rate_configured)
{
	static const uint8_t unknown[8] = { 59, 0, 200, 0, 0, 0, 0, 0 };
	struct fixture f;
	struct mh_rx_info rx;

	setup(&f);
	io_set_be_rate(f.io, 0);
	rx_from(&rx, "2001:db8:3::5", NULL, "2001:db8:1::1");
	for (int i = 0; i < 5; i++)
		io_mh_input(f.io, unknown, sizeof(unknown), &rx);
	ck_assert_uint_eq(f.sent.n, 0);
	ck_assert_uint_eq(f.c.drops[DROP_RATE], 5);
	teardown(&f);
}
END_TEST

/* SO_RXQ_OVFL: the growth of the kernel's count is added to socket-overflow, once. */
START_TEST(socket_overflow_counted)
{
	static const uint8_t brr[8] = { 59, 0, 0, 0, 0, 0, 0, 0 };
	struct fixture f;
	struct mh_rx_info rx;

	setup(&f);
	rx_from(&rx, "2001:db8:3::5", NULL, "2001:db8:1::1");
	io_mh_input(f.io, brr, sizeof(brr), &rx); /* no count attached: nothing dropped yet */
	ck_assert_uint_eq(f.c.drops[DROP_SOCKET_OVERFLOW], 0);
	rx.has_rxq_ovfl = true;
	rx.rxq_ovfl = 5;
	io_mh_input(f.io, brr, sizeof(brr), &rx);
	io_mh_input(f.io, brr, sizeof(brr), &rx); /* the same count again: no new drop */
	ck_assert_uint_eq(f.c.drops[DROP_SOCKET_OVERFLOW], 5);
	rx.rxq_ovfl = 12;
	io_mh_input(f.io, brr, sizeof(brr), &rx);
	ck_assert_uint_eq(f.c.drops[DROP_SOCKET_OVERFLOW], 12);
	teardown(&f);
}
END_TEST

/*
 * RFC 6275 §9.2: Payload Proto other than 59 -> discard, ICMPv6 Parameter
 * Problem code 0 pointing at it (RFC 4443 §3.4: type 4, code 0, 32-bit
 * pointer, then the invoking packet). The vector is laid out byte by byte.
 */
START_TEST(payload_proto_gets_param_problem)
{
	static const uint8_t bad[16] = {
		6, 1, 5, 0, 0, 0, /* Payload Proto 6 (TCP), Header Len 1, BU, Reserved, Checksum */
		0, 9, 0xc0, 0, 0, 0x40, 1, 2, 0, 0,
	};
	struct fixture f;
	struct mh_rx_info rx;
	struct in6_addr src, dst;
	const uint8_t *m;

	setup(&f);
	ck_assert_int_eq(io_mh_register(f.io, MH_TYPE_BU, on_msg, &f), 0);
	rx_from(&rx, "2001:db8:3::5", NULL, "2001:db8:1::1");
	rx.hoplimit = 64;
	inet_pton(AF_INET6, "2001:db8:3::5", &src);
	inet_pton(AF_INET6, "2001:db8:1::1", &dst);
	io_mh_input(f.io, bad, sizeof(bad), &rx);
	ck_assert_uint_eq(f.handled, 0);
	ck_assert_uint_eq(f.c.drops[DROP_PAYLOAD_PROTO], 1);
	ck_assert_uint_eq(f.c.drops[DROP_MALFORMED], 0);
	ck_assert_uint_eq(f.sent.n, 1);
	ck_assert_int_eq(f.sent.proto[0], IPPROTO_ICMPV6);
	ck_assert(memcmp(&f.sent.dst[0], &src, 16) == 0);
	ck_assert(memcmp(&f.sent.src[0], &dst, 16) == 0);
	m = f.sent.buf[0];
	ck_assert_uint_eq(f.sent.len[0], 8 + 40 + 16);
	ck_assert_uint_eq(m[0], 4);
	ck_assert_uint_eq(m[1], 0);
	/* Pointer: the 40-octet IPv6 header, then Payload Proto at offset 0 of the MH. */
	ck_assert_uint_eq((m[4] << 24) | (m[5] << 16) | (m[6] << 8) | m[7], 40);
	/* The invoking packet: version 6, Payload Length 16, Next Header 135, hop limit, addresses. */
	ck_assert_uint_eq(m[8] >> 4, 6);
	ck_assert_uint_eq((m[12] << 8) | m[13], 16);
	ck_assert_uint_eq(m[14], 135);
	ck_assert_uint_eq(m[15], 64);
	ck_assert(memcmp(m + 16, &src, 16) == 0);
	ck_assert(memcmp(m + 32, &dst, 16) == 0);
	ck_assert(memcmp(m + 48, bad, sizeof(bad)) == 0);
	ck_assert_uint_eq(f.c.icmp6_param_problem_out, 1);
	teardown(&f);
}
END_TEST

/*
 * §9.2: Header Len below the type's minimum (a BU needs 12 octets, §6.1.7; this
 * one says 8), behind a Destination Options header with a Home Address option:
 * the pointer counts that header, the error goes to the CoA (the wire source),
 * and the invoking packet shows the HAO as it was on the wire (the HoA).
 */
START_TEST(short_header_len_behind_hao_gets_param_problem)
{
	static const uint8_t bad[8] = { 59, 0, 5, 0, 0, 0, 0, 1 };
	/* Destination Options (RFC 8200 §4.6): Next Header 135, Hdr Ext Len 2 (24 octets), PadN 4, HAO at 8n+6. */
	uint8_t dstopts[24] = { 135, 2, 1, 2, 0, 0, 201, 16 };
	struct fixture f;
	struct mh_rx_info rx;
	struct in6_addr hoa, coa;
	const uint8_t *m;

	setup(&f);
	rx_from(&rx, "2001:db8:1::100", "2001:db8:2::100", "2001:db8:1::1");
	inet_pton(AF_INET6, "2001:db8:1::100", &hoa);
	inet_pton(AF_INET6, "2001:db8:2::100", &coa);
	memcpy(dstopts + 8, &coa, 16); /* after the kernel's swap the HAO holds the CoA */
	memcpy(rx.ext, dstopts, sizeof(dstopts));
	rx.ext_len = sizeof(dstopts);
	rx.ext_first = 60;
	io_mh_input(f.io, bad, sizeof(bad), &rx);
	ck_assert_uint_eq(f.c.drops[DROP_HEADER_LEN], 1);
	ck_assert_uint_eq(f.sent.n, 1);
	ck_assert(memcmp(&f.sent.dst[0], &coa, 16) == 0);
	m = f.sent.buf[0];
	ck_assert_uint_eq(f.sent.len[0], 8 + 40 + 24 + 8);
	ck_assert_uint_eq(m[0], 4);
	ck_assert_uint_eq(m[1], 0);
	/* Pointer: IPv6 header 40 + Destination Options 24 + Header Len at 1. */
	ck_assert_uint_eq((m[4] << 24) | (m[5] << 16) | (m[6] << 8) | m[7], 65);
	ck_assert_uint_eq((m[12] << 8) | m[13], 24 + 8);
	ck_assert_uint_eq(m[14], 60);
	ck_assert(memcmp(m + 16, &coa, 16) == 0);
	ck_assert_uint_eq(m[48], 135);
	ck_assert_uint_eq(m[54], 201);
	ck_assert(memcmp(m + 56, &hoa, 16) == 0);
	ck_assert(memcmp(m + 72, bad, sizeof(bad)) == 0);
	teardown(&f);
}
END_TEST

/* The Parameter Problems are rate limited (RFC 4443 §2.4 (f)); every drop is counted. */
START_TEST(param_problem_rate_limited)
{
	static const uint8_t bad[8] = { 17, 0, 0, 0, 0, 0, 0, 0 }; /* a BRR with Payload Proto 17 */
	struct fixture f;
	struct mh_rx_info rx;

	setup(&f);
	rx_from(&rx, "2001:db8:3::5", NULL, "2001:db8:1::1");
	for (int i = 0; i < 40; i++)
		io_mh_input(f.io, bad, sizeof(bad), &rx);
	ck_assert_uint_ge(f.sent.n, IO_PP_BURST);
	ck_assert_uint_lt(f.sent.n, 40);
	ck_assert_uint_eq(f.c.drops[DROP_RATE], 40 - f.sent.n);
	ck_assert_uint_eq(f.c.drops[DROP_PAYLOAD_PROTO], 40);
	ck_assert_uint_eq(f.c.icmp6_param_problem_out, f.sent.n);
	teardown(&f);
}
END_TEST


/*
 * RFC 6275 §9.3.3: "If the Source Address field does not contain a unicast address,
 * the Binding Error message MUST NOT be sent"; RFC 4443 §2.4 (e): no ICMPv6 error for a
 * packet to a multicast address or from one that names no single node. The wire source
 * (the CoA behind a Home Address option) and the destination are checked; the
 * suppressed ones are counted and take no token of the rate limits (the first good
 * packet afterwards is still answered with BindingErrorsPerSec 1).
 */
START_TEST(no_error_to_or_about_non_unicast)
{
	static const uint8_t unknown[8] = { 59, 0, 42, 0, 0, 0, 0, 0 };
	static const uint8_t bad_pp[8] = { 17, 0, 0, 0, 0, 0, 0, 0 };
	static const char *const cases[][3] = {
		/* IPv6 source (the HoA with a HAO), HAO (the wire source) or NULL, destination */
		{ "::", NULL, "2001:db8:1::1" },
		{ "ff02::1", NULL, "2001:db8:1::1" },
		{ "::ffff:192.0.2.1", NULL, "2001:db8:1::1" },
		{ "2001:db8:1::100", "ff0e::1", "2001:db8:1::1" },
		{ "2001:db8:1::100", "::", "2001:db8:1::1" },
		{ "2001:db8:3::5", NULL, "ff02::1" },
		{ "2001:db8:3::5", NULL, "ff05::1:3" },
		{ "2001:db8:1::100", "2001:db8:2::100", "ff02::2" },
	};
	const size_t n = sizeof(cases) / sizeof(cases[0]);
	struct fixture f;
	struct mh_rx_info rx;

	setup(&f);
	io_set_be_rate(f.io, 1);
	for (size_t i = 0; i < n; i++) {
		rx_from(&rx, cases[i][0], cases[i][1], cases[i][2]);
		io_mh_input(f.io, unknown, sizeof(unknown), &rx);
		io_mh_input(f.io, bad_pp, sizeof(bad_pp), &rx);
		ck_assert_msg(f.sent.n == 0, "an error sent for case %zu", i);
	}
	ck_assert_uint_eq(f.c.errors_not_unicast, 2 * n);
	ck_assert_uint_eq(f.c.drops[DROP_UNEXPECTED], n);
	ck_assert_uint_eq(f.c.drops[DROP_PAYLOAD_PROTO], n);
	ck_assert_uint_eq(f.c.drops[DROP_RATE], 0);
	ck_assert_uint_eq(f.c.icmp6_param_problem_out, 0);
	/* The buckets are untouched: a unicast source gets both answers. */
	rx_from(&rx, "2001:db8:3::5", NULL, "2001:db8:1::1");
	io_mh_input(f.io, unknown, sizeof(unknown), &rx);
	io_mh_input(f.io, bad_pp, sizeof(bad_pp), &rx);
	ck_assert_uint_eq(f.sent.n, 2);
	ck_assert_int_eq(f.sent.proto[0], IPPROTO_MH);
	ck_assert_int_eq(f.sent.proto[1], IPPROTO_ICMPV6);
	ck_assert_uint_eq(f.c.errors_not_unicast, 2 * n);
	teardown(&f);
}
END_TEST

static void on_done(int result, void *ud)
{
	int *r = ud;

	*r = result;
}

static void run_until(sd_event *e, const int *v, int unset)
{
	for (int i = 0; i < 100 && *v == unset; i++)
		ck_assert_int_ge(sd_event_run(e, 10000), 0);
}

START_TEST(fake_kernel_answers)
{
	struct fixture f;
	struct knl_route rt = { .dst_len = 128, .oif = 1 };
	int result = 1000;

	setup(&f);
	inet_pton(AF_INET6, "2001:db8:1::100", &rt.dst);
	/* An ACK, from the loop and not inside the call. */
	ck_assert_int_eq(knl_route(io_knl(f.io), KNL_OP_REPLACE, &rt, NULL, on_done, &result), 0);
	ck_assert_int_eq(result, 1000);
	run_until(f.e, &result, 1000);
	ck_assert_int_eq(result, 0);
	ck_assert_uint_eq(f.last_type, RTM_NEWROUTE);
	/* An error. */
	result = 1000;
	f.kernel_answer = -ENETUNREACH;
	ck_assert_int_eq(knl_route(io_knl(f.io), KNL_OP_REPLACE, &rt, NULL, on_done, &result), 0);
	run_until(f.e, &result, 1000);
	ck_assert_int_eq(result, -ENETUNREACH);
	/* Held until the test answers; a delete answered ENOENT maps to KNL_RESULT_ABSENT. */
	result = 1000;
	f.kernel_answer = KNL_FAKE_HOLD;
	ck_assert_int_eq(knl_route(io_knl(f.io), KNL_OP_DEL, &rt, NULL, on_done, &result), 0);
	for (int i = 0; i < 5; i++)
		ck_assert_int_ge(sd_event_run(f.e, 1000), 0);
	ck_assert_int_eq(result, 1000);
	ck_assert_uint_eq(f.last_type, RTM_DELROUTE);
	ck_assert_int_eq(knl_sock_fake_answer(knl_get_socket(io_knl(f.io), KNL_SOCKET_RTNL), -ENOENT), 0);
	ck_assert_int_eq(result, KNL_RESULT_ABSENT);
	ck_assert_int_eq(knl_sock_fake_answer(knl_get_socket(io_knl(f.io), KNL_SOCKET_RTNL), 0), -ENOENT);
	/* A cancelled owner's held request completes without its callback. */
	result = 1000;
	ck_assert_int_eq(knl_route(io_knl(f.io), KNL_OP_REPLACE, &rt, &f, on_done, &result), 0);
	for (int i = 0; i < 5; i++)
		ck_assert_int_ge(sd_event_run(f.e, 1000), 0);
	knl_cancel_owner(io_knl(f.io), &f);
	ck_assert_int_eq(knl_sock_fake_answer(knl_get_socket(io_knl(f.io), KNL_SOCKET_RTNL), 0), 0);
	ck_assert_int_eq(result, 1000);
	ck_assert_uint_eq(f.kernel_requests, 4);
	teardown(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("io");
	TCase *tc = tcase_create("io");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, dispatch_by_type_and_count);
	tcase_add_test(tc, malformed_is_dropped_silently);
	tcase_add_test(tc, unknown_type_gets_be2);
	tcase_add_test(tc, be_rate_limited);
	tcase_add_test(tc, be_rate_configured);
	tcase_add_test(tc, socket_overflow_counted);
	tcase_add_test(tc, payload_proto_gets_param_problem);
	tcase_add_test(tc, short_header_len_behind_hao_gets_param_problem);
	tcase_add_test(tc, param_problem_rate_limited);
	tcase_add_test(tc, no_error_to_or_about_non_unicast);
	tcase_add_test(tc, fake_kernel_answers);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
