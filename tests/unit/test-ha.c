/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The home agent role driven through its real handlers with fake I/O: raw BU
 * bytes in (laid out by hand after RFC 6275 §6.1.7, not with our encoder), the
 * BA bytes it emits checked by hand against §6.1.8. The I/O module is a fake
 * (src/io: capture of what would be sent, the receive path fed directly) and
 * so is the kernel under the netlink layer: it acknowledges, fails or holds
 * each request as the test says. The links themselves are real, in a private
 * network namespace (a veth pair as the home link, a bridge standing in for
 * the tunnel device): the HA reads its home prefix and DAD time from there.
 *
 * Decisions covered (§9.5.1, §10.3.1, §10.3.2): 0 after DAD, 129, 132, 133, 140,
 * 134, 135, H=0 discarded; the BU-during-DAD cases; overlapping installs; a failed kernel
 * install (fails closed: BA 130, never 0); a deregistration; an unknown MH type
 * (Binding Error status 2 from the shared path); the reverse-tunnel filter of
 * RFC 6275 §10.4.5 (installed before the BA, replaced under its handle on a CoA
 * change, deleted with the binding, a refusal fails the registration with 130 and
 * a refused drop filter ends start-up). Not applicable to an HA
 * without route optimisation: 136-138 (nonces: a correspondent's statuses) and
 * 128 (the HA never sends it). No key manager here (UseMnHaIPsec disabled).
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <check.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf/conf.h"
#include "ha/bcache-journal.h"
#include "ha/ha-restore.h"
#include "ha/reg-backlog.h"
#include "ha/ha.h"
#include "icmp6/icmp6-socket.h"
#include "io/io.h"
#include "ipsec/spd.h"
#include "km-backend.h"
#include "manager.h"
#include "netlink/nl-kernel.h"
#include "event-loop.h"

#define HOA "2001:db8:1::100"
#define HA_ADDR "2001:db8:1::1"
#define COA1 "2001:db8:2::100"
#define COA2 "2001:db8:3::100"
#define COA3 "2001:db8:4::100"
#define MAX_SENT 2048
#define MAX_KREQ 2048

struct sent {
	int proto;
	uint8_t buf[128];
	size_t len;
	struct in6_addr src, dst, rh2;
	bool has_rh2;
	usec_t at; /* when the HA sent it (CLOCK_MONOTONIC) */
};

struct fx {
	struct manager *m;
	struct sent sent[MAX_SENT];
	unsigned n_sent;
	uint16_t kreq[MAX_KREQ]; /* nlmsg_type of every request the fake kernel saw */
	int kproto[MAX_KREQ];    /* and its protocol (RTM_ and XFRM_MSG_ types overlap) */
	unsigned n_kreq;
	struct knl_xfrm_policy xpol[MAX_KREQ]; /* every XFRM_MSG_UPDPOLICY, parsed */
	unsigned n_xpol;
	int route_answer;        /* answer to RTM_NEWROUTE (0, -errno, KNL_FAKE_HOLD) */
	/* The reverse-tunnel filters (RFC 6275 §10.4.5): every RTM_NEW/DELTFILTER, parsed. */
	struct knl_event tc[MAX_KREQ];
	unsigned n_tc;
	int bind_answer;  /* answer to a binding's RTM_NEWTFILTER */
	int drop_answer;  /* answer to the drop filter's RTM_NEWTFILTER (start-up) */
	bool qdisc_added; /* RTM_NEWQDISC seen */
	int mps_answer;   /* answer to an XFRM_MSG_UPDPOLICY of an ICMPv6 (MPS) entry */
	const char *ctl_path; /* a control socket for the test (setup_with keeps it) */
};

static struct fx F;

static struct in6_addr A(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static bool addr_is(const void *a, const char *s)
{
	struct in6_addr b = A(s);

	return memcmp(a, &b, sizeof(b)) == 0;
}

static void capture(const struct io_sent *s, void *ud)
{
	struct fx *f = ud;
	struct sent *c;

	ck_assert_uint_lt(f->n_sent, MAX_SENT);
	c = &f->sent[f->n_sent++];
	c->proto = s->proto;
	ck_assert_uint_le(s->len, sizeof(c->buf));
	memcpy(c->buf, s->buf, s->len);
	c->len = s->len;
	c->src = s->src;
	c->dst = s->dst;
	c->has_rh2 = s->has_rh2;
	c->rh2 = s->rh2;
	c->at = now_usec();
}

static int fake_kernel(int protocol, const uint8_t *msg, size_t len, void *ud)
{
	struct fx *f = ud;
	uint16_t type;

	ck_assert_uint_ge(len, 16);
	memcpy(&type, msg + 4, sizeof(type));
	ck_assert_uint_lt(f->n_kreq, MAX_KREQ);
	f->kproto[f->n_kreq] = protocol;
	f->kreq[f->n_kreq++] = type;
	if (protocol == NETLINK_XFRM && type == XFRM_MSG_UPDPOLICY) {
		struct knl_event e;

		ck_assert_int_eq(knl_parse_xfrm(msg, len, &e), 1);
		ck_assert_uint_lt(f->n_xpol, MAX_KREQ);
		f->xpol[f->n_xpol++] = e.policy;
		if (e.policy.sel.proto == IPPROTO_ICMPV6)
			return f->mps_answer;
	}
	if (protocol == NETLINK_ROUTE && type == RTM_NEWROUTE)
		return f->route_answer;
	if (protocol == NETLINK_ROUTE && type == RTM_NEWQDISC)
		f->qdisc_added = true;
	if (protocol == NETLINK_ROUTE && (type == RTM_NEWTFILTER || type == RTM_DELTFILTER)) {
		struct knl_event *e = &f->tc[f->n_tc];

		ck_assert_uint_lt(f->n_tc, MAX_KREQ);
		ck_assert_int_eq(knl_parse_rtnl(msg, len, e), 1);
		e->removed = type == RTM_DELTFILTER;
		f->n_tc++;
		if (type == RTM_NEWTFILTER)
			return e->tc_filter.drop ? f->drop_answer : f->bind_answer;
	}
	return 0;
}

static unsigned kreq_count_of(int protocol, uint16_t type)
{
	unsigned n = 0;

	for (unsigned i = 0; i < F.n_kreq; i++)
		n += F.kproto[i] == protocol && F.kreq[i] == type;
	return n;
}

/* rtnetlink requests of a type. */
static unsigned kreq_count(uint16_t type)
{
	return kreq_count_of(NETLINK_ROUTE, type);
}

/* XFRM requests of a type. */
static unsigned xreq_count(uint16_t type)
{
	return kreq_count_of(NETLINK_XFRM, type);
}

static unsigned xreq_all(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < F.n_kreq; i++)
		n += F.kproto[i] == NETLINK_XFRM;
	return n;
}

/* Run the loop until pred() or timeout_ms; returns pred(). */
static bool run_until(bool (*pred)(void), int timeout_ms)
{
	return loop_run_until(F.m->event, pred, timeout_ms);
}

/* Let the loop run for ms (for "nothing more happens" checks). */
static void run_for(int ms)
{
	loop_run_for(F.m->event, ms);
}

/* The HA's registration clock in tests: advances test_clock_step at each reading. */
static usec_t test_clock_now, test_clock_step;
static usec_t test_clock(void)
{
	return test_clock_now += test_clock_step;
}

static bool is_ready(void)
{
	return F.m->ready;
}

static void setup_with(const char *text)
{
	struct mip6_config *c = NULL;
	char *err = NULL;
	int drop_answer = F.drop_answer; /* a test of the start-up sets it before */
	const char *ctl_path = F.ctl_path;

	memset(&F, 0, sizeof(F));
	test_clock_step = 0;
	F.drop_answer = drop_answer;
	F.ctl_path = ctl_path;
	ck_assert_msg(conf_load_string("test", text, strlen(text), &c, &err) == 0, "%s", err);
	ck_assert_int_eq(manager_new(&F.m, NULL, ctl_path, c), 0);
	F.m->role = &ha_role_ops;
	ck_assert_int_eq(io_new_fake(F.m->event, &F.m->counters, capture, fake_kernel, &F, &F.m->io), 0);
	ck_assert_int_eq(manager_start(F.m), 0);
	ha_set_reg_clock(F.m, test_clock); /* registrations cost no time unless a test says */
	ck_assert_msg(run_until(is_ready, 5000), "the HA did not finish its setup on the fake kernel");
	F.n_sent = 0;
	F.n_kreq = 0;
}

static void setup(void)
{
	setup_with("NodeConfig HA;\nInterface \"home0\";\nUseMnHaIPsec disabled;\n"
		   "HaMaxBindingLife 600;\nBindingAclPolicy 2001:db8:1::66 deny;\n");
}

static void teardown(void)
{
	F.m = manager_free(F.m);
}

/*
 * A BU (§6.1.7): Payload Proto 59, Header Len, MH Type 5, Reserved, Checksum
 * (the kernel's: 0 here), Sequence #, A|H|L|K|M|R|P + reserved, Lifetime (4 s
 * units), then options; 16 octets with a PadN, 32 with an Alternate CoA option.
 */
static size_t bu_bytes(uint8_t *b, uint16_t seq, uint16_t flags, uint16_t units, const char *alt_coa)
{
	memset(b, 0, 32);
	b[0] = 59;
	b[2] = 5;
	b[6] = (uint8_t)(seq >> 8);
	b[7] = (uint8_t)seq;
	b[8] = (uint8_t)(flags >> 8);
	b[9] = (uint8_t)flags;
	b[10] = (uint8_t)(units >> 8);
	b[11] = (uint8_t)units;
	if (!alt_coa) {
		b[1] = 1;           /* (1 + 1) * 8 = 16 octets */
		b[12] = 1, b[13] = 2; /* PadN, 2 bytes of padding */
		return 16;
	}
	b[1] = 3;             /* 32 octets */
	b[12] = 1, b[13] = 0; /* PadN of length 0: the AltCoA at 8n+6 (§6.2.5) */
	b[14] = 3, b[15] = 16;
	{
		struct in6_addr a = A(alt_coa);
		memcpy(b + 16, &a, 16);
	}
	return 32;
}

#define F_A 0x8000
#define F_H 0x4000
#define F_K 0x1000

/* The BU from hoa to the HA address ha, with a Home Address option holding coa (NULL: sent from the HoA itself). */
static void send_bu_to(const char *hoa, const char *coa, const char *ha, uint16_t seq, uint16_t flags,
		       uint16_t units)
{
	uint8_t b[32];
	/* RFC 4877 §4.3: away from home the BU names its CoA in an Alternate Care-of Address option. */
	size_t len = bu_bytes(b, seq, flags, units, coa);
	struct mh_rx_info rx = { .src = A(hoa), .dst = A(ha) };

	if (coa) {
		rx.has_hao = true;
		rx.hao = A(coa);
	}
	io_mh_input(F.m->io, b, len, &rx);
}

static void send_bu(const char *hoa, const char *coa, uint16_t seq, uint16_t flags, uint16_t units)
{
	send_bu_to(hoa, coa, HA_ADDR, seq, flags, units);
}

static unsigned n_ba(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < F.n_sent; i++)
		n += F.sent[i].proto == IPPROTO_MH && F.sent[i].buf[2] == 6;
	return n;
}

static unsigned want_ba;
static bool have_ba(void)
{
	return n_ba() >= want_ba;
}

/* The k-th BA sent (0-based). */
static const struct sent *ba(unsigned k)
{
	for (unsigned i = 0; i < F.n_sent; i++)
		if (F.sent[i].proto == IPPROTO_MH && F.sent[i].buf[2] == 6 && k-- == 0)
			return &F.sent[i];
	ck_abort_msg("no BA #%u", k);
	return NULL;
}

/* §6.1.8: Status at 6, K|R|P at 7, Sequence # at 8, Lifetime at 10, options from 12. */
static void check_ba(const struct sent *s, uint8_t status, uint16_t seq, uint16_t units, const char *to,
		     const char *rh2)
{
	ck_assert_uint_ge(s->len, 12);
	ck_assert_uint_eq(s->len % 8, 0);
	ck_assert_uint_eq(s->buf[0], 59);
	ck_assert_uint_eq(((size_t)s->buf[1] + 1) * 8, s->len);
	ck_assert_uint_eq(s->buf[2], 6);
	ck_assert_uint_eq(s->buf[6], status);
	ck_assert_uint_eq((s->buf[8] << 8) | s->buf[9], seq);
	ck_assert_uint_eq((s->buf[10] << 8) | s->buf[11], units);
	ck_assert_msg(addr_is(&s->dst, to), "BA not sent to %s", to);
	ck_assert_msg(addr_is(&s->src, HA_ADDR), "BA not from the HA address");
	ck_assert_int_eq(s->has_rh2, rh2 != NULL);
	if (rh2)
		ck_assert_msg(addr_is(&s->rh2, rh2), "type 2 routing header does not hold %s", rh2);
}

/* A Binding Refresh Advice (§6.2.4: type 2, length 2) among the BA's options, its interval in units. */
static int ba_refresh(const struct sent *s)
{
	for (size_t off = 12; off < s->len;) {
		if (s->buf[off] == 0) {
			off++;
			continue;
		}
		ck_assert_uint_le(off + 2, s->len);
		if (s->buf[off] == 2 && s->buf[off + 1] == 2)
			return (s->buf[off + 2] << 8) | s->buf[off + 3];
		off += 2 + (size_t)s->buf[off + 1];
	}
	return -1;
}

static unsigned count_nd(uint8_t type)
{
	unsigned n = 0;

	for (unsigned i = 0; i < F.n_sent; i++)
		n += F.sent[i].proto == IPPROTO_ICMPV6 && F.sent[i].buf[0] == type;
	return n;
}

/* A registration (through DAD when new): BU, then route (+ proxy entry), then BA 0. */
static void register_binding_flags(uint16_t seq, const char *coa, uint16_t flags)
{
	unsigned before = n_ba();

	send_bu(HOA, coa, seq, flags, 64);
	want_ba = before + 1;
	ck_assert_msg(run_until(have_ba, 5000), "no BA for the registration");
	check_ba(ba(before), 0, seq, 64, coa, HOA);
}

static void register_binding(uint16_t seq, const char *coa)
{
	register_binding_flags(seq, coa, F_A | F_H);
}

/*
 * RFC 4862 §5.4, RFC 6275 §10.3.1: a new registration's BA follows its DAD NS
 * by RetransTimer (50 ms in this namespace), not by RetransTimer plus a timer's
 * coalescing slack (sd-event may fire a timer at the end of its accuracy
 * window; the binding timers allow 100 ms). The median of nine registrations
 * counts: load delays some, not most.
 */
static int cmp_usec(const void *a, const void *b)
{
	usec_t x = *(const usec_t *)a, y = *(const usec_t *)b;

	return x < y ? -1 : x > y;
}

START_TEST(dad_ends_after_retrans_timer)
{
	usec_t took[9];

	for (unsigned i = 0; i < ELEMENTSOF(took); i++) {
		char hoa[INET6_ADDRSTRLEN];
		unsigned before = n_ba(), first = F.n_sent;
		usec_t ns_at = 0;

		snprintf(hoa, sizeof(hoa), "2001:db8:1::%x", 0x200 + i);
		send_bu(hoa, COA1, 10, F_A | F_H, 64);
		for (unsigned k = first; k < F.n_sent; k++)
			if (F.sent[k].proto == IPPROTO_ICMPV6 && F.sent[k].buf[0] == 135)
				ns_at = F.sent[k].at;
		ck_assert_uint_gt(ns_at, 0);
		want_ba = before + 1;
		/* Not run_until(): its 10 ms polls would wake the loop early and hide the slack. */
		for (usec_t end = now_usec() + 5 * USEC_PER_SEC; !have_ba() && now_usec() < end;)
			ck_assert_int_ge(sd_event_run(F.m->event, USEC_PER_SEC), 0);
		ck_assert(have_ba());
		check_ba(ba(before), 0, 10, 64, COA1, hoa);
		took[i] = ba(before)->at - ns_at;
		ck_assert_uint_ge(took[i], 50 * USEC_PER_MSEC);
	}
	qsort(took, ELEMENTSOF(took), sizeof(took[0]), cmp_usec);
	ck_assert_msg(took[4] < 75 * USEC_PER_MSEC, "DAD took %llu us (median; RetransTimer 50 ms)",
		      (unsigned long long)took[4]);
}
END_TEST

START_TEST(registration_after_dad)
{
	const struct sent *s;
	int refresh;

	send_bu(HOA, COA1, 10, F_A | F_H, 64);
	/* §10.3.1: no BA before DAD; an NS for the HoA from :: to its solicited-node group. */
	ck_assert_uint_eq(n_ba(), 0);
	ck_assert_uint_eq(count_nd(135), 1);
	for (unsigned i = 0; i < F.n_sent; i++)
		if (F.sent[i].proto == IPPROTO_ICMPV6) {
			ck_assert(IN6_IS_ADDR_UNSPECIFIED(&F.sent[i].src));
			ck_assert(addr_is(&F.sent[i].dst, "ff02::1:ff00:100"));
		}
	ck_assert_uint_eq(kreq_count(RTM_NEWROUTE), 0);
	want_ba = 1;
	ck_assert(run_until(have_ba, 5000));
	/* BA 0 with the lifetime asked (256 s < HaMaxBindingLife), to the CoA, RH2 with the HoA. */
	s = ba(0);
	check_ba(s, 0, 10, 64, COA1, HOA);
	refresh = ba_refresh(s);
	ck_assert_int_gt(refresh, 0);
	ck_assert_int_lt(refresh, 64);
	ck_assert_uint_eq(kreq_count(RTM_NEWROUTE), 1);
	ck_assert_uint_eq(kreq_count(RTM_NEWNEIGH), 0); /* no proxy entry: ha_on_ns() answers (§10.4.1) */
	/* §10.4.1: an unsolicited NA claims the HoA on the home link: R=0, S=0, O=1. */
	ck_assert_uint_eq(count_nd(136), 1);
	for (unsigned i = 0; i < F.n_sent; i++)
		if (F.sent[i].proto == IPPROTO_ICMPV6 && F.sent[i].buf[0] == 136)
			ck_assert_uint_eq(F.sent[i].buf[4], 0x20);
	ck_assert_uint_eq(F.m->counters.mh_in[5], 1);
	ck_assert_uint_eq(F.m->counters.mh_out[6], 1);
	ck_assert_uint_eq(F.m->counters.ba_status_out[0], 1);
	/* A refresh from the same CoA: BA at once, nothing in the kernel. */
	send_bu(HOA, COA1, 11, F_A | F_H, 64);
	ck_assert_uint_eq(n_ba(), 2);
	check_ba(ba(1), 0, 11, 64, COA1, HOA);
	ck_assert_uint_eq(kreq_count(RTM_NEWROUTE), 1);
}
END_TEST

START_TEST(refusals)
{
	/* 132: the HoA is not in a home prefix (§10.3.1). */
	send_bu("2001:db8:9::1", COA1, 1, F_A | F_H, 64);
	check_ba(ba(0), 132, 1, 0, COA1, "2001:db8:9::1");
	/* 129: BindingAclPolicy denies it. */
	send_bu("2001:db8:1::66", COA1, 1, F_A | F_H, 64);
	check_ba(ba(1), 129, 1, 0, COA1, "2001:db8:1::66");
	/* H=0: no correspondent role, silently discarded and counted (§9.5.1). */
	send_bu(HOA, COA1, 1, F_A, 64);
	ck_assert_uint_eq(n_ba(), 2);
	ck_assert_uint_eq(F.m->counters.drops[DROP_NO_CN_ROLE], 1);
	/* 133: deregistration without a binding (§10.3.2). */
	send_bu(HOA, COA1, 2, F_A | F_H, 0);
	check_ba(ba(2), 133, 2, 0, COA1, HOA);
	/* A link-local CoA: silently discarded (§6.1.7); a CoA in the home prefix: 129. */
	send_bu(HOA, "fe80::1", 3, F_A | F_H, 64);
	ck_assert_uint_eq(n_ba(), 3);
	ck_assert_uint_eq(F.m->counters.drops[DROP_BAD_ADDRESS], 1);
	send_bu(HOA, "2001:db8:1::55", 4, F_A | F_H, 64);
	check_ba(ba(3), 129, 4, 0, "2001:db8:1::55", HOA);
	ck_assert_uint_eq(count_nd(135), 0);
	ck_assert_uint_eq(F.n_kreq, 0);
	ck_assert_uint_eq(F.m->counters.ba_status_out[132] + F.m->counters.ba_status_out[129] +
				  F.m->counters.ba_status_out[131] + F.m->counters.ba_status_out[133],
			  4);
}
END_TEST

START_TEST(refusals_of_a_binding)
{
	register_binding(100, COA1);
	/* 135: not newer than the last accepted (§9.5.1), with that number in the BA. */
	send_bu(HOA, COA2, 100, F_A | F_H, 64);
	check_ba(ba(1), 135, 100, 0, COA2, HOA);
	send_bu(HOA, COA2, 90, F_A | F_H, 64);
	check_ba(ba(2), 135, 100, 0, COA2, HOA);
	/* H=0: discarded (§9.5.1: no correspondent role to verify it), the binding untouched. */
	send_bu(HOA, COA2, 101, F_A, 64);
	ck_assert_uint_eq(n_ba(), 3);
	ck_assert_uint_eq(F.m->counters.drops[DROP_NO_CN_ROLE], 1);
	/* The binding is untouched: no new route. */
	ck_assert_uint_eq(kreq_count(RTM_NEWROUTE), 1);
}
END_TEST

START_TEST(dad_failure_gives_134)
{
	struct icmp6_rxinfo rx = { .src = A("fe80::99"), .dst = A("ff02::1"), .hop_limit = 255 };
	/* A Neighbor Advertisement (RFC 4861 §4.4) for the HoA: type 136, code 0, O flag, target. */
	uint8_t na[24] = { 136, 0, 0, 0, 0x20, 0, 0, 0 };
	struct in6_addr t = A(HOA);

	memcpy(na + 8, &t, 16);
	send_bu(HOA, COA1, 5, F_A | F_H, 64);
	ck_assert_uint_eq(count_nd(135), 1);
	rx.ifindex = 0;
	io_nd_input(F.m->io, na, sizeof(na), &rx);
	check_ba(ba(0), 134, 5, 0, COA1, HOA);
	/* The registration is gone: the DAD timer installs nothing later. */
	run_for(300);
	ck_assert_uint_eq(n_ba(), 1);
	ck_assert_uint_eq(kreq_count(RTM_NEWROUTE), 0);
}
END_TEST

/*
 * RFC 6275 §10.5.1, §10.5: another home agent's RA on the home link enters the Home Agents
 * List; a DHAAD Request to the Home-Agents anycast address of the home prefix (RFC 2526:
 * interface id fdff:ffff:ffff:fffe) gets a Reply from the HA's own address to the Request's
 * source, the Identifier copied, the other HA (preference 20) before this one (0).
 */
START_TEST(dhaad_reply_lists_home_agents)
{
	int home = (int)if_nametoindex("home0");
	struct icmp6_rxinfo rx = { .src = A("fe80::2"), .dst = A("ff02::1"), .hop_limit = 255, .ifindex = home };
	/* RA (RFC 4861 §4.2): type 134, code 0, checksum, hop limit 64, flags H (RFC 6275 §7.1),
	 * router lifetime 1800, reachable time, retrans timer; HA Information (§7.4): type 8,
	 * length 1, reserved, preference 20, lifetime 600; Prefix Information (RFC 4861 §4.6.2)
	 * with L, A and R (§7.2): valid and preferred 3600, the router's address 2001:db8:1::2. */
	uint8_t ra[56] = { 134, 0, 0, 0, 64, 0x20, 0x07, 0x08, [16] = 8, 1, 0, 0, 0, 20, 0x02, 0x58,
			   [24] = 3, 4, 64, 0xe0, 0, 0, 0x0e, 0x10, 0, 0, 0x0e, 0x10 };
	/* DHAAD Request (§6.5): type 144, code 0, checksum, Identifier 0x1234, reserved. */
	uint8_t req[8] = { 144, 0, 0, 0, 0x12, 0x34, 0, 0 };
	struct in6_addr other = A("2001:db8:1::2");
	const struct sent *rep = NULL;

	memcpy(ra + 40, &other, 16);
	io_nd_input(F.m->io, ra, sizeof(ra), &rx);
	rx = (struct icmp6_rxinfo){ .src = A(COA1), .dst = A("2001:db8:1::fdff:ffff:ffff:fffe"), .hop_limit = 60,
				    .ifindex = home + 100 };
	io_nd_input(F.m->io, req, sizeof(req), &rx);
	ck_assert_uint_eq(count_nd(145), 1);
	for (unsigned i = 0; i < F.n_sent; i++)
		if (F.sent[i].proto == IPPROTO_ICMPV6 && F.sent[i].buf[0] == 145)
			rep = &F.sent[i];
	/* Reply (§6.6): type 145, code 0, checksum, Identifier, reserved, then the addresses. */
	ck_assert_uint_eq(rep->len, 8 + 2 * 16);
	ck_assert_uint_eq(rep->buf[1], 0);
	ck_assert_uint_eq(rep->buf[4], 0x12);
	ck_assert_uint_eq(rep->buf[5], 0x34);
	ck_assert(addr_is(rep->buf + 8, "2001:db8:1::2"));
	ck_assert(addr_is(rep->buf + 24, HA_ADDR));
	ck_assert(addr_is(&rep->src, HA_ADDR));
	ck_assert(addr_is(&rep->dst, COA1));
	/* A Request for a prefix this HA does not serve: no Reply, counted. */
	rx.dst = A("2001:db8:9::fdff:ffff:ffff:fffe");
	io_nd_input(F.m->io, req, sizeof(req), &rx);
	ck_assert_uint_eq(count_nd(145), 1);
	ck_assert_uint_eq(F.m->counters.drops[DROP_NOT_SERVED], 1);
	/* The other HA withdraws (H clear): the next Reply lists this HA only. */
	rx = (struct icmp6_rxinfo){ .src = A("fe80::2"), .dst = A("ff02::1"), .hop_limit = 255, .ifindex = home };
	ra[5] = 0;
	io_nd_input(F.m->io, ra, sizeof(ra), &rx);
	rx = (struct icmp6_rxinfo){ .src = A(COA1), .dst = A("2001:db8:1::fdff:ffff:ffff:fffe"), .hop_limit = 60 };
	io_nd_input(F.m->io, req, sizeof(req), &rx);
	ck_assert_uint_eq(count_nd(145), 2);
	ck_assert_uint_eq(F.sent[F.n_sent - 1].len, 8 + 16);
	ck_assert(addr_is(F.sent[F.n_sent - 1].buf + 8, HA_ADDR));
}
END_TEST

static const struct sent *last_nd(uint8_t type)
{
	const struct sent *r = NULL;

	for (unsigned i = 0; i < F.n_sent; i++)
		if (F.sent[i].proto == IPPROTO_ICMPV6 && F.sent[i].buf[0] == type)
			r = &F.sent[i];
	return r;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* An MPA (RFC 6275 §6.8) from the HA to the HoA with one Prefix Information option
 * (RFC 4861 §4.6.2) for the home prefix: its Identifier and Valid Lifetime. */
static void check_mpa(const struct sent *s, uint16_t id, uint32_t valid_min, uint32_t valid_max)
{
	struct in6_addr px = A("2001:db8:1::");

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->len, 8 + 32);
	ck_assert_uint_eq(s->buf[0], 147);
	ck_assert_uint_eq(s->buf[1], 0);
	if (id)
		ck_assert_uint_eq((s->buf[4] << 8) | s->buf[5], id);
	ck_assert_uint_eq(s->buf[8], 3);
	ck_assert_uint_eq(s->buf[9], 4);
	ck_assert_uint_eq(s->buf[10], 64);
	ck_assert_uint_eq(s->buf[11] & 0xc0, 0xc0);
	ck_assert_uint_ge(be32(s->buf + 12), valid_min);
	ck_assert_uint_le(be32(s->buf + 12), valid_max);
	ck_assert_mem_eq(s->buf + 24, &px, 16);
	/* §10.6.3: from the address the MN registered with, to its care-of address with a type 2
	 * routing header carrying its home address (both MUST). */
	ck_assert(addr_is(&s->src, HA_ADDR));
	ck_assert(addr_is(&s->dst, COA1));
	ck_assert(s->has_rh2);
	ck_assert(addr_is(&s->rh2, HOA));
}

/*
 * RFC 6275 §10.6.2-10.6.3: a Mobile Prefix Solicitation (§6.7: type 146, code 0, checksum,
 * Identifier, Reserved) from a registered home address to the HA address of its registration
 * is answered at once with an Advertisement echoing the Identifier; one from another address,
 * to another address, or malformed (RFC 4861 §4.6 option rules) is not; unknown options are
 * ignored (§6.7).
 */
START_TEST(mps_is_answered_for_registered_mns)
{
	uint8_t mps[8] = { 146, 0, 0, 0, 0xab, 0xcd, 0, 0 };
	uint8_t unknown_opt[16] = { 146, 0, 0, 0, 0x12, 0x34, 0, 0, 99, 1 };
	uint8_t zero_len_opt[16] = { 146, 0, 0, 0, 0x12, 0x34, 0, 0, 99, 0 };
	uint8_t long_opt[16] = { 146, 0, 0, 0, 0x12, 0x34, 0, 0, 99, 2 };
	struct icmp6_rxinfo rx = { .src = A(HOA), .dst = A(HA_ADDR), .hop_limit = 63 };
	uint64_t malformed;

	/* Not registered yet: no answer. */
	io_nd_input(F.m->io, mps, sizeof(mps), &rx);
	ck_assert_uint_eq(count_nd(147), 0);
	ck_assert_uint_eq(F.m->counters.drops[DROP_NOT_SERVED], 1);
	register_binding(1, COA1);
	io_nd_input(F.m->io, mps, sizeof(mps), &rx);
	ck_assert_uint_eq(count_nd(147), 1);
	check_mpa(last_nd(147), 0xabcd, UINT32_MAX, UINT32_MAX); /* the prefix's lifetime: infinite */
	io_nd_input(F.m->io, unknown_opt, sizeof(unknown_opt), &rx);
	ck_assert_uint_eq(count_nd(147), 2);
	check_mpa(last_nd(147), 0x1234, UINT32_MAX, UINT32_MAX);
	/* Malformed: truncated, an option of length 0, an option past the end. */
	malformed = F.m->counters.drops[DROP_MALFORMED];
	io_nd_input(F.m->io, mps, 7, &rx);
	io_nd_input(F.m->io, zero_len_opt, sizeof(zero_len_opt), &rx);
	io_nd_input(F.m->io, long_opt, sizeof(long_opt), &rx);
	ck_assert_uint_eq(F.m->counters.drops[DROP_MALFORMED], malformed + 3);
	/* Another source, or to an address the MN did not register with. */
	rx.src = A("2001:db8:1::200");
	io_nd_input(F.m->io, mps, sizeof(mps), &rx);
	rx.src = A(HOA);
	rx.dst = A("2001:db8:1::5");
	io_nd_input(F.m->io, mps, sizeof(mps), &rx);
	ck_assert_uint_eq(count_nd(147), 2);
	ck_assert_uint_eq(F.m->counters.drops[DROP_NOT_SERVED], 3);
}
END_TEST

static bool two_mpas(void)
{
	return count_nd(147) >= 2;
}

static bool one_mpa(void)
{
	return count_nd(147) >= 1;
}

/*
 * §10.6.2: a home prefix's lifetime changed (an RA on the home link says valid 100 s): an
 * unsolicited Advertisement after RAND_ADV_DELAY (MinMobPfxAdvInterval = Max = 1 s), again
 * after PREFIX_ADV_TIMEOUT (3 s, §12) without a Solicitation; §10.3.1: a refresh gets no
 * more than the prefix's remaining valid lifetime.
 */
START_TEST(prefix_change_sends_unsolicited_mpa)
{
	int home = (int)if_nametoindex("home0");
	struct icmp6_rxinfo rx = { .src = A("fe80::2"), .dst = A("ff02::1"), .hop_limit = 255, .ifindex = home };
	/* RA (RFC 4861 §4.2) with a Prefix Information option (§4.6.2): L, A, valid 100, preferred 50. */
	uint8_t ra[48] = { 134, 0, 0, 0, 64, 0, 0x07, 0x08, [16] = 3, 4, 64, 0xc0, 0, 0, 0, 100, 0, 0, 0, 50 };
	struct in6_addr px = A("2001:db8:1::");
	unsigned before;

	teardown();
	setup_with("NodeConfig HA;\nInterface \"home0\";\nUseMnHaIPsec disabled;\nHaMaxBindingLife 600;\n"
		   "MinMobPfxAdvInterval 1;\nMaxMobPfxAdvInterval 1;\n");
	register_binding(1, COA1);
	memcpy(ra + 32, &px, 16);
	io_nd_input(F.m->io, ra, sizeof(ra), &rx);
	ck_assert_uint_eq(count_nd(147), 0);
	ck_assert(run_until(one_mpa, 3000));
	check_mpa(last_nd(147), 0, 97, 100);
	ck_assert(run_until(two_mpas, 5000));
	check_mpa(last_nd(147), 0, 94, 97);
	/* §10.3.1: the refresh asks for 256 s and gets what is left of the prefix (< 100 s). */
	before = n_ba();
	send_bu(HOA, COA1, 2, F_A | F_H, 64);
	want_ba = before + 1;
	ck_assert(run_until(have_ba, 5000));
	ck_assert_uint_le((ba(before)->buf[10] << 8) | ba(before)->buf[11], 25);
	ck_assert_uint_ge((ba(before)->buf[10] << 8) | ba(before)->buf[11], 22);
}
END_TEST

/* RFC 4862 §5.4.3 / RFC 6275 §10.3.1: another node's DAD probe (NS from ::) for the HoA → 134. */
START_TEST(dad_probe_from_another_node_gives_134)
{
	struct icmp6_rxinfo rx = { .src = IN6ADDR_ANY_INIT, .dst = A("ff02::1:ff00:100"), .hop_limit = 255 };
	/* A Neighbor Solicitation (RFC 4861 §4.3): type 135, code 0, reserved, target; no options. */
	uint8_t ns[24] = { 135, 0, 0, 0, 0, 0, 0, 0 };
	struct in6_addr t = A(HOA);

	memcpy(ns + 8, &t, 16);
	send_bu(HOA, COA1, 5, F_A | F_H, 64);
	io_nd_input(F.m->io, ns, sizeof(ns), &rx);
	check_ba(ba(0), 134, 5, 0, COA1, HOA);
	run_for(300);
	ck_assert_uint_eq(n_ba(), 1);
	ck_assert_uint_eq(kreq_count(RTM_NEWROUTE), 0);
	/* After a registration, a probe is the proxy ND's to answer (proxy_nd_*): the binding stays. */
	register_binding(10, COA1);
	io_nd_input(F.m->io, ns, sizeof(ns), &rx);
	run_for(100);
	ck_assert_uint_eq(n_ba(), 2);
}
END_TEST

/* The unsolicited NAs since index first whose target is target. */
static unsigned announcements_of(unsigned first, const char *target, usec_t at[], unsigned max)
{
	unsigned n = 0;

	for (unsigned i = first; i < F.n_sent; i++)
		if (F.sent[i].proto == IPPROTO_ICMPV6 && F.sent[i].buf[0] == 136 && !(F.sent[i].buf[4] & 0x40) &&
		    addr_is(F.sent[i].buf + 8, target)) {
			ck_assert(addr_is(&F.sent[i].dst, "ff02::1"));
			ck_assert_uint_eq(F.sent[i].buf[4], 0x20); /* O=1, R=0, S=0 (§10.4.1) */
			if (n < max)
				at[n] = F.sent[i].at;
			n++;
		}
	return n;
}

static bool three_announcements(void)
{
	usec_t at[4];

	return announcements_of(0, HOA, at, 4) >= 3;
}

static bool three_ll_announcements(void)
{
	usec_t at[4];

	return announcements_of(0, "fe80::100", at, 4) >= 3;
}

/* §10.3.1 / §10.4.1, L=1: the derived link-local address is probed, watched and proxied too. */
START_TEST(link_local_compatibility)
{
	struct icmp6_rxinfo rx = { .src = A("fe80::99"), .dst = A("ff02::1"), .hop_limit = 255 };
	uint8_t na[24] = { 136, 0, 0, 0, 0x20, 0, 0, 0 };
	struct in6_addr ll = A("fe80::100");
	unsigned nas = 0, ll_nas = 0;

	send_bu(HOA, COA1, 5, F_A | F_H | MH_BU_F_L, 64);
	ck_assert_uint_eq(count_nd(135), 2);
	ck_assert(addr_is(F.sent[F.n_sent - 1].buf + 8, "fe80::100"));
	/* An NA for the link-local address fails the registration. */
	memcpy(na + 8, &ll, 16);
	io_nd_input(F.m->io, na, sizeof(na), &rx);
	check_ba(ba(0), 134, 5, 0, COA1, HOA);
	/* Without the conflict: no proxy entry, two unsolicited NAs (HoA and fe80::IID). */
	send_bu(HOA, COA1, 6, F_A | F_H | MH_BU_F_L, 64);
	want_ba = 2;
	ck_assert(run_until(have_ba, 5000));
	check_ba(ba(1), 0, 6, 64, COA1, HOA);
	ck_assert_uint_eq(kreq_count(RTM_NEWNEIGH), 0);
	for (unsigned i = 0; i < F.n_sent; i++)
		if (F.sent[i].proto == IPPROTO_ICMPV6 && F.sent[i].buf[0] == 136) {
			nas++;
			ll_nas += addr_is(F.sent[i].buf + 8, "fe80::100");
		}
	ck_assert_uint_eq(nas, 2);
	ck_assert_uint_eq(ll_nas, 1);
	/* Both repeated (§10.4.1: up to MAX_NEIGHBOR_ADVERTISEMENT times). */
	ck_assert(run_until(three_ll_announcements, 3000));
	ck_assert(run_until(three_announcements, 3000));
	/* The deregistration: nothing in the neighbour tables to remove. */
	send_bu(HOA, COA1, 7, F_A | F_H, 0);
	want_ba = 3;
	ck_assert(run_until(have_ba, 5000));
	ck_assert_uint_eq(kreq_count(RTM_DELNEIGH), 0);
}
END_TEST

/*
 * Proxy ND (RFC 6275 §10.4.1): an NS as the packet socket hands it over, from the IPv6 header
 * on, laid out by RFC 8200 §3 and RFC 4861 §4.3; the checksum of RFC 4443 §2.3 computed here.
 */
static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t ns_packet(uint8_t *p, const char *src, const char *dst, uint8_t hlim, const char *target,
			const uint8_t *sllao_mac)
{
	struct in6_addr s = A(src), d = A(dst), t = A(target);
	size_t plen = 24 + (sllao_mac ? 8 : 0);
	uint32_t sum = 0;

	memset(p, 0, 40 + plen);
	p[0] = 0x60;
	p[4] = 0;
	p[5] = (uint8_t)plen;
	p[6] = 58;
	p[7] = hlim;
	memcpy(p + 8, &s, 16);
	memcpy(p + 24, &d, 16);
	p[40] = 135;
	memcpy(p + 48, &t, 16);
	if (sllao_mac) {
		p[64] = 1; /* Source Link-Layer Address, Length 1 (RFC 4861 §4.6.1) */
		p[65] = 1;
		memcpy(p + 66, sllao_mac, 6);
	}
	/* Pseudo-header (RFC 8200 §8.1): src, dst, upper-layer length, next header 58. */
	for (size_t i = 8; i < 40; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	sum += (uint32_t)plen + 58;
	for (size_t i = 40; i < 40 + plen; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	{
		uint16_t c = csum_fold(sum);
		p[42] = (uint8_t)(c >> 8);
		p[43] = (uint8_t)c;
	}
	return 40 + plen;
}

static void home_mac(uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "home0");
	ck_assert_int_eq(ioctl(fd, SIOCGIFHWADDR, &ifr), 0);
	close(fd);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
}

/* The NAs the HA sent since index first: how many, the last one in *ret. */
static unsigned nas_since(unsigned first, const struct sent **ret)
{
	unsigned n = 0;

	for (unsigned i = first; i < F.n_sent; i++)
		if (F.sent[i].proto == IPPROTO_ICMPV6 && F.sent[i].buf[0] == 136) {
			n++;
			*ret = &F.sent[i];
		}
	return n;
}

/* An NA as RFC 4861 §4.4 lays it out, with the Target LLA option of §4.6.1 carrying mac. */
static void check_na(const struct sent *na, const char *dst, uint8_t flags, const char *target, const uint8_t mac[6])
{
	ck_assert_msg(addr_is(&na->dst, dst), "NA not to %s", dst);
	ck_assert_uint_eq(na->len, 32);
	ck_assert_uint_eq(na->buf[0], 136);
	ck_assert_uint_eq(na->buf[1], 0);
	ck_assert_uint_eq(na->buf[4], flags);
	ck_assert(addr_is(na->buf + 8, target));
	ck_assert_uint_eq(na->buf[24], 2);
	ck_assert_uint_eq(na->buf[25], 1);
	ck_assert_mem_eq(na->buf + 26, mac, 6);
}

static uint64_t json_u64(const char *json, const char *key)
{
	char k[64];
	const char *p;

	snprintf(k, sizeof(k), "\"%s\":", key);
	p = strstr(json, k);
	ck_assert_msg(p, "no %s in %s", key, json);
	return strtoull(p + strlen(k), NULL, 10);
}

static int ctl_run(const char *line, bool json, char *out, size_t size);

START_TEST(proxy_nd_answers_for_bound_hoas)
{
	static const uint8_t peer[6] = { 0x02, 0, 0, 0, 0x0b, 0x01 };
	int home = (int)if_nametoindex("home0");
	uint8_t pkt[128], mac[6];
	const struct sent *na = NULL;
	unsigned first;
	char out[8192];
	size_t n;

	home_mac(mac);
	/* Before any binding: an NS for the HoA is another node's business. */
	n = ns_packet(pkt, "2001:db8:1::99", "ff02::1:ff00:100", 255, HOA, peer);
	first = F.n_sent;
	io_ns_proxy_input(F.m->io, home, pkt, n);
	ck_assert_uint_eq(nas_since(first, &na), 0);

	register_binding(10, COA1);
	/* Address resolution (RFC 4861 §7.2.4): to the solicitor, R=0 S=1 O=1, Target LLA = our MAC. */
	first = F.n_sent;
	io_ns_proxy_input(F.m->io, home, pkt, n);
	ck_assert_uint_eq(nas_since(first, &na), 1);
	check_na(na, "2001:db8:1::99", 0x60, HOA, mac);
	/* Unicast NUD probe to the HoA itself: answered the same way. */
	n = ns_packet(pkt, "2001:db8:1::99", HOA, 255, HOA, peer);
	first = F.n_sent;
	io_ns_proxy_input(F.m->io, home, pkt, n);
	ck_assert_uint_eq(nas_since(first, &na), 1);
	check_na(na, "2001:db8:1::99", 0x60, HOA, mac);
	/* Another node's DAD probe: defended, to all-nodes with S=0 (RFC 4861 §7.2.4), O=1. */
	n = ns_packet(pkt, "::", "ff02::1:ff00:100", 255, HOA, NULL);
	first = F.n_sent;
	io_ns_proxy_input(F.m->io, home, pkt, n);
	ck_assert_uint_eq(nas_since(first, &na), 1);
	check_na(na, "ff02::1", 0x20, HOA, mac);
	/* Another HoA in the prefix, no binding: no answer, counted as not bound. */
	n = ns_packet(pkt, "2001:db8:1::99", "ff02::1:ff00:101", 255, "2001:db8:1::101", peer);
	first = F.n_sent;
	io_ns_proxy_input(F.m->io, home, pkt, n);
	ck_assert_uint_eq(nas_since(first, &na), 0);
	/* On another link: no proxy there (io drops it as unexpected). */
	n = ns_packet(pkt, "2001:db8:1::99", "ff02::1:ff00:100", 255, HOA, peer);
	first = F.n_sent;
	io_ns_proxy_input(F.m->io, home + 100, pkt, n);
	ck_assert_uint_eq(nas_since(first, &na), 0);

	/* RFC 4861 §7.1.1: each invalid NS is dropped, counted by reason, and not answered. */
	first = F.n_sent;
	n = ns_packet(pkt, "2001:db8:1::99", "ff02::1:ff00:100", 254, HOA, peer); /* forwarded */
	io_ns_proxy_input(F.m->io, home, pkt, n);
	n = ns_packet(pkt, "2001:db8:1::99", "ff02::1:ff00:100", 255, HOA, peer);
	pkt[43] ^= 1; /* checksum */
	io_ns_proxy_input(F.m->io, home, pkt, n);
	n = ns_packet(pkt, "::", "ff02::1:ff00:100", 255, HOA, peer); /* DAD with a source LLA option */
	io_ns_proxy_input(F.m->io, home, pkt, n);
	n = ns_packet(pkt, "::", HOA, 255, HOA, NULL); /* DAD not to a solicited-node group */
	io_ns_proxy_input(F.m->io, home, pkt, n);
	ck_assert_uint_eq(nas_since(first, &na), 0);
	ck_assert_int_eq(ctl_run("bc", true, out, sizeof(out)), 0); /* the totals after the entries */
	ck_assert_msg(strstr(out, "\"proxy_nd\""), "%s", out);
	ck_assert_uint_eq(json_u64(out, "answered"), 3);
	ck_assert_uint_eq(json_u64(out, "not_bound"), 2);
	ck_assert_uint_eq(json_u64(out, "hop-limit"), 1);
	ck_assert_uint_eq(json_u64(out, "checksum"), 1);
	ck_assert_uint_eq(json_u64(out, "dad-source-lla"), 1);
	ck_assert_uint_eq(json_u64(out, "dad-destination"), 1);

	/* After the deregistration (§10.3.2): no answer any more. */
	send_bu(HOA, NULL, 11, F_A | F_H, 0);
	want_ba = 2;
	ck_assert(run_until(have_ba, 5000));
	n = ns_packet(pkt, "2001:db8:1::99", "ff02::1:ff00:100", 255, HOA, peer);
	first = F.n_sent;
	io_ns_proxy_input(F.m->io, home, pkt, n);
	ck_assert_uint_eq(nas_since(first, &na), 0);
}
END_TEST

/* L=1 (§10.4.1): fe80::IID is defended too; without L it is not. A mobile router's NA has R=1 elsewhere. */
START_TEST(proxy_nd_link_local_with_l)
{
	static const uint8_t peer[6] = { 0x02, 0, 0, 0, 0x0b, 0x01 };
	int home = (int)if_nametoindex("home0");
	uint8_t pkt[128], mac[6];
	const struct sent *na = NULL;
	unsigned first;
	size_t n;

	home_mac(mac);
	register_binding(10, COA1);
	n = ns_packet(pkt, "fe80::99", "ff02::1:ff00:100", 255, "fe80::100", peer);
	first = F.n_sent;
	io_ns_proxy_input(F.m->io, home, pkt, n);
	ck_assert_uint_eq(nas_since(first, &na), 0); /* registered without L */
	send_bu(HOA, NULL, 11, F_A | F_H, 0);
	want_ba = 2;
	ck_assert(run_until(have_ba, 5000));
	run_for(50);
	register_binding_flags(12, COA1, F_A | F_H | MH_BU_F_L);
	first = F.n_sent;
	io_ns_proxy_input(F.m->io, home, pkt, n);
	ck_assert_uint_eq(nas_since(first, &na), 1);
	check_na(na, "fe80::99", 0x60, "fe80::100", mac);
}
END_TEST

/* Limits (issue 10): new registrations per second and the binding limit answer 130, counted. */
START_TEST(registration_limits)
{
	F.m->config->ha_max_registrations_per_sec = 2;
	F.m->config->rejected_bu_log_per_sec = 1;
	send_bu("2001:db8:1::101", COA1, 1, F_A | F_H, 64);
	send_bu("2001:db8:1::102", COA1, 1, F_A | F_H, 64);
	send_bu("2001:db8:1::103", COA1, 1, F_A | F_H, 64);
	check_ba(ba(0), 130, 1, 0, COA1, "2001:db8:1::103");
	ck_assert_uint_eq(F.m->counters.limits[LIMIT_REG_RATE], 1);
	ck_assert_uint_eq(count_nd(135), 2);
	/* HaMaxBindings counts the two under DAD: a third (the rate allowing) gets 130. */
	F.m->config->ha_max_registrations_per_sec = 1000;
	F.m->config->ha_max_bindings = 2;
	send_bu("2001:db8:1::104", COA1, 1, F_A | F_H, 64);
	check_ba(ba(1), 130, 1, 0, COA1, "2001:db8:1::104");
	ck_assert_uint_eq(F.m->counters.limits[LIMIT_BINDINGS], 1);
	/* Refused BUs beyond RejectedBuLogPerSec are not logged, only counted. */
	send_bu("2001:db8:9::1", COA1, 1, F_A | F_H, 64);
	send_bu("2001:db8:9::2", COA1, 1, F_A | F_H, 64);
	ck_assert_uint_ge(F.m->counters.log_suppressed, 1);
	/* The two registrations under DAD complete. */
	want_ba = 6;
	ck_assert(run_until(have_ba, 5000));
	ck_assert_uint_eq(F.m->counters.ba_status_out[0], 2);
}
END_TEST

/* A monitor's lines so far (a non-blocking client of the control socket). */
static char mon_buf[8192];
static size_t mon_len;
static int mon_fd = -1;
static char mon_dir[] = "/tmp/test-ha-ctl.XXXXXX", mon_path[64];
static const char *mon_want;

static bool mon_has(void)
{
	ssize_t n;

	while (mon_len + 1 < sizeof(mon_buf) && (n = read(mon_fd, mon_buf + mon_len, sizeof(mon_buf) - 1 - mon_len)) > 0)
		mon_len += (size_t)n;
	mon_buf[mon_len] = 0;
	return strstr(mon_buf, mon_want) != NULL;
}

/* The HA again (setup_fn), now with a control socket, and `json monitor` subscribed to it. */
static void mon_start(void (*setup_fn)(void))
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	teardown();
	ck_assert_ptr_nonnull(mkdtemp(mon_dir));
	snprintf(mon_path, sizeof(mon_path), "%s/ctl", mon_dir);
	F.ctl_path = mon_path;
	setup_fn();
	mon_len = 0;
	mon_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(mon_fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", mon_path);
	ck_assert_int_eq(connect(mon_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(write(mon_fd, "json monitor\n", 13), 13);
	mon_want = "ok\n";
	ck_assert(run_until(mon_has, 2000));
}

/* The JSON line of the newest event that starts with head (the monitor has it within 2 s). */
static const char *mon_line(const char *head)
{
	const char *l = NULL;

	mon_want = head;
	ck_assert_msg(run_until(mon_has, 2000), "no event %s in: %s", head, mon_buf);
	for (const char *p = mon_buf; (p = strstr(p, head)); p++)
		l = p;
	return l;
}

static void mon_stop(void)
{
	close(mon_fd);
	mon_fd = -1;
	F.m = manager_free(F.m);
	unlink(mon_path);
	rmdir(mon_dir);
	memcpy(mon_dir + strlen(mon_dir) - 6, "XXXXXX", 6);
	F.ctl_path = NULL;
}

/*
 * `mip6ctl monitor` sees every refusal, those of the limits too (status 130 and
 * the limit that refused, RFC 6275 §9.5.1), not only the verdicts' refusals.
 */
START_TEST(limit_refusals_reach_the_monitor)
{
	mon_start(setup);
	F.m->config->ha_max_registrations_per_sec = 1;
	send_bu("2001:db8:1::101", COA1, 1, F_A | F_H, 64);
	send_bu("2001:db8:1::102", COA1, 1, F_A | F_H, 64);
	check_ba(ba(0), 130, 1, 0, COA1, "2001:db8:1::102");
	ck_assert_ptr_nonnull(strstr(mon_line("\"event\":\"reject\",\"hoa\":\"2001:db8:1::102\""),
				     "\"status\":130,\"reason\":\"registration rate"));
	/* HaMaxBindings (valid + under DAD) */
	F.m->config->ha_max_registrations_per_sec = 1000;
	F.m->config->ha_max_bindings = 1;
	send_bu("2001:db8:1::103", COA1, 1, F_A | F_H, 64);
	ck_assert_ptr_nonnull(strstr(mon_line("\"event\":\"reject\",\"hoa\":\"2001:db8:1::103\""),
				     "\"status\":130,\"reason\":\"binding limit"));
	mon_stop();
}
END_TEST

/*
 * Issue 10 item 5: under a flood of new registrations an existing binding's refresh is answered
 * at once; the new ones start at most REG_INFLIGHT_MAX at a time (the rest wait in the backlog,
 * beyond it dropped and counted as new-registration-backlog), and in the end every BU is either
 * answered or counted as dropped.
 */
#define FLOOD_REGS 400
static bool flood_accounted(void)
{
	return n_ba() - 1 + F.m->counters.drops[DROP_REG_BACKLOG] == FLOOD_REGS;
}

START_TEST(refresh_before_new_registrations)
{
	char hoa[INET6_ADDRSTRLEN];
	uint64_t dropped;

	register_binding(1, COA1);
	F.n_sent = 0;
	for (unsigned i = 0; i < FLOOD_REGS; i++) {
		snprintf(hoa, sizeof(hoa), "2001:db8:1::1:%x", i + 1);
		send_bu(hoa, COA2, 1, F_A | F_H, 64);
	}
	dropped = F.m->counters.drops[DROP_REG_BACKLOG];
	ck_assert_uint_le(count_nd(135), REG_INFLIGHT_MAX);
	ck_assert_uint_ge(dropped, FLOOD_REGS - REG_INFLIGHT_MAX - REG_BACKLOG_MAX);
	ck_assert_uint_eq(F.m->counters.drops[DROP_OTHER], 0);
	/* The refresh: its BA 0 before the loop runs again, ahead of every waiting registration. */
	ck_assert_uint_eq(n_ba(), 0);
	send_bu(HOA, COA1, 2, F_A | F_H, 64);
	ck_assert_uint_eq(n_ba(), 1);
	check_ba(ba(0), 0, 2, 64, COA1, HOA);
	/* The new registrations go on (DAD, install, BA 0); each is answered or counted. */
	ck_assert_msg(run_until(flood_accounted, 10000), "%u BAs, %llu dropped", n_ba(),
		      (unsigned long long)F.m->counters.drops[DROP_REG_BACKLOG]);
	ck_assert_uint_eq(F.m->counters.ba_status_out[0], 1 + 1 + n_ba() - 1);
	ck_assert_uint_gt(n_ba() - 1, REG_INFLIGHT_MAX);
}
END_TEST

/*
 * Issue 10 item 5: new registrations are bounded per loop iteration by their work's time
 * (REG_BUDGET on the HA's registration clock), not by a count: each costs 1 ms here, so one
 * wake-up holding 40 new registrations and a refresh starts REG_BUDGET / 1 ms of them, answers
 * the refresh at once, and each later iteration stays within the budget too.
 */
#define BUDGET_REGS 40
static unsigned budget_max_per_iteration;
static unsigned budget_nd_seen;
static bool budget_done(void)
{
	unsigned nd = count_nd(135);

	/* Called once per loop iteration: DAD NSs (one per started registration) since the last. */
	if (nd - budget_nd_seen > budget_max_per_iteration)
		budget_max_per_iteration = nd - budget_nd_seen;
	budget_nd_seen = nd;
	return n_ba() == 1 + BUDGET_REGS;
}

START_TEST(registration_work_within_budget)
{
	char hoa[INET6_ADDRSTRLEN];

	register_binding(1, COA1);
	F.n_sent = 0;
	test_clock_step = USEC_PER_MSEC; /* a registration spans two readings: 1 ms */
	for (unsigned i = 0; i < BUDGET_REGS; i++) {
		snprintf(hoa, sizeof(hoa), "2001:db8:1::2:%x", i + 1);
		send_bu(hoa, COA2, 1, F_A | F_H, 64);
	}
	send_bu(HOA, COA1, 2, F_A | F_H, 64);
	/* This wake-up: REG_BUDGET's worth started, the refresh answered, the rest queued. */
	ck_assert_uint_eq(count_nd(135), REG_BUDGET / USEC_PER_MSEC);
	ck_assert_uint_eq(n_ba(), 1);
	check_ba(ba(0), 0, 2, 64, COA1, HOA);
	ck_assert_uint_eq(F.m->counters.drops[DROP_REG_BACKLOG], 0);
	/* Later iterations: never more than the budget's worth, and all registered in the end. */
	budget_nd_seen = count_nd(135);
	budget_max_per_iteration = 0;
	ck_assert_msg(run_until(budget_done, 10000), "%u BAs", n_ba());
	ck_assert_uint_le(budget_max_per_iteration, REG_BUDGET / USEC_PER_MSEC);
	ck_assert_uint_eq(count_nd(135), BUDGET_REGS);
	ck_assert_uint_eq(F.m->counters.ba_status_out[0], 1 + 1 + BUDGET_REGS);
}
END_TEST

/*
 * Issue 10 item 5: a flood of new registrations from one care-of /64 holds at most
 * REG_BACKLOG_PER_SOURCE of the backlog; an MN registering from elsewhere in the same wake-up
 * still gets in (with a FIFO of REG_BACKLOG_MAX, the flood's 300 BUs filled it and the MN's
 * was dropped), and every BU is answered or counted.
 */
#define FAIR_FLOOD 300
static bool fair_mn_answered(void)
{
	for (unsigned i = 0; i < F.n_sent; i++)
		if (F.sent[i].proto == IPPROTO_MH && F.sent[i].buf[2] == 6 && addr_is(&F.sent[i].dst, COA3))
			return true;
	return false;
}

START_TEST(new_mn_gets_in_during_a_one_source_flood)
{
	char hoa[INET6_ADDRSTRLEN];
	unsigned started;

	test_clock_step = USEC_PER_MSEC; /* a registration spans two readings: 1 ms */
	for (unsigned i = 0; i < FAIR_FLOOD; i++) {
		snprintf(hoa, sizeof(hoa), "2001:db8:1::3:%x", i + 1);
		send_bu(hoa, COA2, 1, F_A | F_H, 64);
	}
	send_bu(HOA, COA3, 7, F_A | F_H, 64);
	started = count_nd(135);
	ck_assert_uint_eq(started, REG_BUDGET / USEC_PER_MSEC);
	/* Queued: the flood's share and the MN's BU; the rest of the flood dropped, counted. */
	ck_assert_uint_eq(F.m->counters.drops[DROP_REG_BACKLOG], FAIR_FLOOD - started - REG_BACKLOG_PER_SOURCE);
	ck_assert(run_until(fair_mn_answered, 10000));
	for (unsigned i = 0; i < F.n_sent; i++)
		if (F.sent[i].proto == IPPROTO_MH && F.sent[i].buf[2] == 6 && addr_is(&F.sent[i].dst, COA3))
			check_ba(&F.sent[i], 0, 7, 64, COA3, HOA);
	/* Then the queued flood: all answered or counted (each 150 ms DAD at most 64 at once). */
	want_ba = started + REG_BACKLOG_PER_SOURCE + 1;
	ck_assert_msg(run_until(have_ba, 10000), "%u BAs", n_ba());
	ck_assert_uint_eq(n_ba() + F.m->counters.drops[DROP_REG_BACKLOG], FAIR_FLOOD + 1);
}
END_TEST

START_TEST(bu_during_dad)
{
	send_bu(HOA, COA1, 20, F_A | F_H, 64);
	/* The same BU again: nothing now (its BA comes when DAD ends); no second NS. */
	send_bu(HOA, COA1, 20, F_A | F_H, 64);
	ck_assert_uint_eq(n_ba(), 0);
	ck_assert_uint_eq(count_nd(135), 1);
	/* Each BU answered or counted: the copy is (superseded-under-dad). */
	ck_assert_uint_eq(F.m->counters.drops[DROP_SUPERSEDED], 1);
	/* A newer BU from another CoA replaces the one DAD waits for: that one counted too. */
	send_bu(HOA, COA2, 21, F_A | F_H, 32);
	ck_assert_uint_eq(n_ba(), 0);
	ck_assert_uint_eq(F.m->counters.drops[DROP_SUPERSEDED], 2);
	want_ba = 1;
	ck_assert(run_until(have_ba, 5000));
	check_ba(ba(0), 0, 21, 32, COA2, HOA);
	run_for(200);
	ck_assert_uint_eq(n_ba(), 1);
	ck_assert_uint_eq(kreq_count(RTM_NEWROUTE), 1);
	/* A newer BU refused under DAD ends the pending registration: its BA, then nothing. */
	send_bu("2001:db8:1::101", COA1, 1, F_A | F_H, 64);
	send_bu("2001:db8:1::101", COA1, 2, F_A | F_H | MH_BU_F_R, 64);
	check_ba(ba(1), 140, 2, 0, COA1, "2001:db8:1::101");
	ck_assert_uint_eq(F.m->counters.drops[DROP_SUPERSEDED], 3); /* seq 1: never answered */
	run_for(300);
	ck_assert_uint_eq(n_ba(), 2);
	ck_assert_uint_eq(kreq_count(RTM_NEWROUTE), 1);
}
END_TEST

/* A lifetime-0 BU during DAD is decided, not swallowed: accepted at once, no binding later. */
START_TEST(deregistration_during_dad)
{
	send_bu(HOA, COA1, 30, F_A | F_H, 64);
	send_bu(HOA, COA1, 31, F_A | F_H, 0);
	ck_assert_uint_eq(n_ba(), 1);
	check_ba(ba(0), 0, 31, 0, COA1, HOA);
	run_for(300);
	ck_assert_uint_eq(n_ba(), 1);
	ck_assert_uint_eq(kreq_count(RTM_NEWROUTE), 0);
	ck_assert_uint_eq(kreq_count(RTM_NEWNEIGH), 0);
	/* The entry is kept (DELETED) for late BUs: the older one gets 135 (§9.5.1). */
	send_bu(HOA, COA1, 30, F_A | F_H, 64);
	check_ba(ba(1), 135, 31, 0, COA1, HOA);
}
END_TEST

/*
 * Two CoA changes whose kernel installs overlap: the first BU's acknowledgement
 * neither sends a BA nor counts against the second install; exactly one BA, for
 * the newest BU, once its own route is acknowledged.
 */
START_TEST(overlapping_installs)
{
	struct knl_sock *rtnl;

	register_binding(40, COA1);
	rtnl = knl_get_socket(io_knl(F.m->io), KNL_SOCKET_RTNL);
	F.route_answer = KNL_FAKE_HOLD;
	send_bu(HOA, COA2, 41, F_A | F_H, 64);
	run_for(50);
	send_bu(HOA, COA3, 42, F_A | F_H, 64);
	run_for(50);
	ck_assert_uint_eq(kreq_count(RTM_NEWROUTE), 3);
	ck_assert_uint_eq(n_ba(), 1);
	/* The kernel acknowledges the first (superseded) install: no BA. */
	ck_assert_int_eq(knl_sock_fake_answer(rtnl, 0), 0);
	run_for(50);
	ck_assert_uint_eq(n_ba(), 1);
	/* ... then the second: one BA, for seq 42 to the newest CoA. */
	ck_assert_int_eq(knl_sock_fake_answer(rtnl, 0), 0);
	run_for(50);
	ck_assert_uint_eq(n_ba(), 2);
	check_ba(ba(1), 0, 42, 64, COA3, HOA);
	ck_assert_int_eq(knl_sock_fake_answer(rtnl, 0), -ENOENT);
	/* No counter left behind: a refresh from the same CoA is answered at once. */
	F.route_answer = 0;
	send_bu(HOA, COA3, 43, F_A | F_H, 64);
	ck_assert_uint_eq(n_ba(), 3);
	check_ba(ba(2), 0, 43, 64, COA3, HOA);
	ck_assert_uint_eq(kreq_count(RTM_NEWROUTE), 3);
}
END_TEST

/* The kernel refuses the route: fail closed. BA 130, never 0; what was installed is removed. */
START_TEST(failed_install_fails_closed)
{
	F.route_answer = -ENETUNREACH;
	send_bu(HOA, COA1, 50, F_A | F_H, 64);
	want_ba = 1;
	ck_assert(run_until(have_ba, 5000));
	check_ba(ba(0), 130, 50, 0, COA1, HOA);
	ck_assert_uint_eq(F.m->counters.ba_status_out[0], 0);
	run_for(100);
	ck_assert_uint_eq(n_ba(), 1);
	ck_assert_uint_eq(kreq_count(RTM_DELROUTE), 1);
	ck_assert_uint_eq(kreq_count(RTM_DELNEIGH), 0);
	ck_assert_uint_eq(count_nd(136), 0); /* no NA claims a HoA that is not proxied */
	/* Nothing is left: the MN's next BU starts a registration afresh (DAD again). */
	F.route_answer = 0;
	send_bu(HOA, COA1, 51, F_A | F_H, 64);
	ck_assert_uint_eq(count_nd(135), 2);
	want_ba = 2;
	ck_assert(run_until(have_ba, 5000));
	check_ba(ba(1), 0, 51, 64, COA1, HOA);
}
END_TEST

/* Deregistration from home (§10.3.2): route and proxy entry go first, then BA 0 with lifetime 0. */
START_TEST(deregistration)
{
	register_binding(60, COA1);
	send_bu(HOA, NULL, 61, F_A | F_H, 0);
	want_ba = 2;
	ck_assert(run_until(have_ba, 5000));
	check_ba(ba(1), 0, 61, 0, HOA, NULL);
	ck_assert_uint_eq(kreq_count(RTM_DELROUTE), 1);
	ck_assert_uint_eq(kreq_count(RTM_DELNEIGH), 0);
	/* A late BU (older) gets 135 while the entry is kept. */
	send_bu(HOA, COA1, 60, F_A | F_H, 64);
	check_ba(ba(2), 135, 61, 0, COA1, HOA);
}
END_TEST

/* Index in F.sent of the first BA, or of the first unsolicited NA for target; F.n_sent if none. */
static unsigned first_ba_index(void)
{
	unsigned i = 0;

	while (i < F.n_sent && !(F.sent[i].proto == IPPROTO_MH && F.sent[i].buf[2] == 6))
		i++;
	return i;
}

static unsigned first_announcement_index(const char *target)
{
	unsigned i = 0;

	while (i < F.n_sent && !(F.sent[i].proto == IPPROTO_ICMPV6 && F.sent[i].buf[0] == 136 &&
				 !(F.sent[i].buf[4] & 0x40) && addr_is(F.sent[i].buf + 8, target)))
		i++;
	return i;
}

/*
 * RFC 6275 §10.4.1: the new binding's NA (HoA, and with L=1 its link-local address) leaves
 * before its BA, so that the home link sends to the HA before the MN, told it is registered,
 * can make anyone send to its HoA (its HoTI's HoT; a HoT sent to the old link-layer address is
 * lost and the HoTI waits 1 s for its retransmission).
 */
START_TEST(announcement_before_the_ba)
{
	F.n_sent = 0;
	register_binding_flags(30, COA1, F_A | F_H | MH_BU_F_L);
	ck_assert_uint_lt(first_announcement_index(HOA), F.n_sent);
	ck_assert_uint_lt(first_announcement_index(HOA), first_ba_index());
	ck_assert_uint_lt(first_announcement_index("fe80::100"), first_ba_index());
	/* A move of that binding (after the repeats): no new NA (the home link sends to the HA). */
	ck_assert(run_until(three_announcements, 3000));
	ck_assert(run_until(three_ll_announcements, 3000));
	run_for(100);
	F.n_sent = 0;
	register_binding_flags(31, COA2, F_A | F_H | MH_BU_F_L);
	ck_assert_uint_lt(first_ba_index(), F.n_sent);
	ck_assert_uint_eq(first_announcement_index(HOA), F.n_sent);
}
END_TEST

/*
 * RFC 6275 §10.4.1: the NA for a new binding up to MAX_NEIGHBOR_ADVERTISEMENT (3, RFC 4861 §10)
 * times, RFC 4861 §7.2.6: at least RetransTimer (50 ms here) apart; then no more. A binding
 * removed before its repeats stops them.
 */
START_TEST(unsolicited_na_repeated)
{
	usec_t at[4];
	char out[8192];

	register_binding(70, COA1);
	ck_assert(run_until(three_announcements, 3000));
	run_for(300);
	ck_assert_uint_eq(announcements_of(0, HOA, at, 4), 3);
	ck_assert_uint_ge(at[1] - at[0], 50 * USEC_PER_MSEC);
	ck_assert_uint_ge(at[2] - at[1], 50 * USEC_PER_MSEC);
	ck_assert_int_eq(ctl_run("bc", true, out, sizeof(out)), 0);
	ck_assert_uint_eq(json_u64(out, "announced"), 3);
	/* Deregistered at once: the first NA only, none claims the HoA afterwards. */
	send_bu(HOA, NULL, 71, F_A | F_H, 0);
	want_ba = n_ba() + 1;
	ck_assert(run_until(have_ba, 5000));
	F.n_sent = 0;
	send_bu(HOA, COA2, 72, F_A | F_H, 64);
	want_ba = n_ba() + 1;
	ck_assert(run_until(have_ba, 5000));
	send_bu(HOA, NULL, 73, F_A | F_H, 0);
	want_ba = n_ba() + 1;
	ck_assert(run_until(have_ba, 5000));
	run_for(300);
	ck_assert_uint_eq(announcements_of(0, HOA, at, 4), 1);
}
END_TEST

/* A control command as mip6ctl sends it (words split on spaces); its reply body in out. */
static int ctl_run(const char *line, bool json, char *out, size_t size)
{
	char buf[256], *argv[8], *save = NULL, *body = NULL;
	size_t len = 0;
	int argc = 0, r;
	FILE *f = open_memstream(&body, &len);

	ck_assert_ptr_nonnull(f);
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *w = strtok_r(buf, " ", &save); w && argc < 8; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	r = F.m->role->ctl(F.m, argc, argv, json, f);
	fclose(f);
	snprintf(out, size, "%s", body ? body : "");
	free(body);
	return r;
}

static bool route_and_proxy_deleted(void)
{
	return kreq_count(RTM_DELROUTE) >= 1;
}

/* `bc HoA` shows that binding only; an unknown or malformed HoA is an error. */
START_TEST(bc_filter)
{
	char out[4096];

	register_binding(60, COA1);
	ck_assert_int_eq(ctl_run("bc " HOA, true, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "\"hoa\":\"" HOA "\""), "%s", out);
	ck_assert_int_eq(ctl_run("bc " HOA, false, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, HOA) && strstr(out, COA1), "%s", out);
	ck_assert_int_eq(ctl_run("bc 2001:db8:1::5", true, out, sizeof(out)), -ENOENT);
	ck_assert_str_eq(out, "no binding for 2001:db8:1::5");
	ck_assert_int_eq(ctl_run("bc nonsense", false, out, sizeof(out)), -EINVAL);
	ck_assert_msg(strstr(out, "nonsense"), "%s", out);
	ck_assert_int_eq(ctl_run("bc " HOA " " HOA, false, out, sizeof(out)), -EINVAL);
}
END_TEST

/*
 * `bc del HoA` (the operator ends a binding): route and proxy entry go as on an
 * expiry, no BA is sent, it is counted; an unknown HoA is refused; the MN's next
 * BU registers afresh (DAD again, then BA 0).
 */
START_TEST(bc_del_removes_like_an_expiry)
{
	char out[4096];

	register_binding(60, COA1);
	F.n_kreq = 0;
	ck_assert_int_eq(ctl_run("bc del 2001:db8:1::5", false, out, sizeof(out)), -ENOENT);
	ck_assert_str_eq(out, "no binding for 2001:db8:1::5");
	ck_assert_int_eq(ctl_run("bc del", false, out, sizeof(out)), -EINVAL);
	ck_assert_uint_eq(F.n_kreq, 0);
	ck_assert_int_eq(ctl_run("bc del " HOA, true, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "{\"removed\":\"" HOA "\"}\n");
	ck_assert(run_until(route_and_proxy_deleted, 2000));
	run_for(50);
	ck_assert_uint_eq(kreq_count(RTM_DELROUTE), 1);
	ck_assert_uint_eq(n_ba(), 1); /* no BA: the MN learns it on its next BU */
	ck_assert_int_eq(ctl_run("bc", true, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "\"state\":\"deleted\"") && strstr(out, "\"count\":0") &&
			      strstr(out, "\"removals\":1") && strstr(out, "\"expiries\":0"),
		      "%s", out);
	/* Removed once: a second removal is refused. */
	ck_assert_int_eq(ctl_run("bc del " HOA, false, out, sizeof(out)), -ENOENT);
	/* The MN's refresh now registers anew: DAD (a second NS), then BA 0 and the route again. */
	F.n_kreq = 0;
	send_bu(HOA, COA1, 61, F_A | F_H, 64);
	ck_assert_uint_eq(count_nd(135), 2);
	want_ba = 2;
	ck_assert(run_until(have_ba, 5000));
	check_ba(ba(1), 0, 61, 64, COA1, HOA);
	ck_assert_uint_eq(kreq_count(RTM_NEWROUTE), 1);
}
END_TEST

/* §9.2: an unknown MH type reaching the HA gets Binding Error status 2 from the shared path. */
START_TEST(unknown_type_gets_be2)
{
	static const uint8_t unknown[8] = { 59, 0, 17, 0, 0, 0, 0, 0 };
	struct mh_rx_info rx = { .src = A(HOA), .dst = A(HA_ADDR), .has_hao = true, .hao = A(COA1) };
	const struct sent *s = &F.sent[0];

	io_mh_input(F.m->io, unknown, sizeof(unknown), &rx);
	ck_assert_uint_eq(F.n_sent, 1);
	ck_assert_int_eq(s->proto, IPPROTO_MH);
	/* §6.1.9: MH Type 7, Status 2 at offset 6, the Home Address at 8. */
	ck_assert_uint_eq(s->buf[2], 7);
	ck_assert_uint_eq(s->buf[6], 2);
	ck_assert(addr_is(s->buf + 8, HOA));
	ck_assert(addr_is(&s->dst, COA1));
	ck_assert_uint_eq(F.m->counters.mh_out[7], 1);
}
END_TEST

/*
 * RFC 6275 §10.4.6 with RFC 4877 §4.3: a HoTI or CoTI that reaches the HA's MH socket was
 * sent to the HA itself (those for correspondents are forwarded by the kernel and never
 * reach it): the HA, no correspondent, answers nothing and counts it (no-cn-role); a HoT or
 * CoT sent to it is unexpected. Neither touches the binding of the HoA nor the kernel.
 * Bytes from §6.1.3-§6.1.6: HoTI/CoTI 16 octets (Header Len 1), HoT/CoT 24 (Header Len 2).
 */
START_TEST(rr_messages_to_the_ha_are_not_its_own)
{
	static const uint8_t hoti[16] = { 59, 1, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t coti[16] = { 59, 1, 2, 0, 0, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1 };
	static const uint8_t hot[24] = { 59, 2, 3, 0, 0, 0, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t cot[24] = { 59, 2, 4, 0, 0, 0, 0, 9, 8, 7, 6, 5, 4, 3, 2, 1 };
	struct mh_rx_info from_hoa = { .src = A(HOA), .dst = A(HA_ADDR) };
	struct mh_rx_info from_coa = { .src = A(COA1), .dst = A(HA_ADDR) };
	struct mh_rx_info from_cn = { .src = A("2001:db8:9::9"), .dst = A(HA_ADDR) };
	unsigned sent, kreq;
	char out[4096];

	register_binding(10, COA1);
	ck_assert(run_until(three_announcements, 3000)); /* the NA's repeats (§10.4.1) are over */
	run_for(30);
	sent = F.n_sent;
	kreq = F.n_kreq;
	io_mh_input(F.m->io, hoti, sizeof(hoti), &from_hoa); /* out of the MN's tunnel, to the HA */
	io_mh_input(F.m->io, coti, sizeof(coti), &from_coa);
	ck_assert_uint_eq(F.m->counters.mh_in[1], 1);
	ck_assert_uint_eq(F.m->counters.mh_in[2], 1);
	ck_assert_uint_eq(F.m->counters.drops[DROP_NO_CN_ROLE], 2);
	io_mh_input(F.m->io, hot, sizeof(hot), &from_cn);
	io_mh_input(F.m->io, cot, sizeof(cot), &from_cn);
	ck_assert_uint_eq(F.m->counters.drops[DROP_UNEXPECTED], 2);
	run_for(30);
	ck_assert_uint_eq(F.n_sent, sent); /* no HoT, CoT, BE or anything else */
	ck_assert_uint_eq(F.m->counters.mh_out[3] + F.m->counters.mh_out[4], 0);
	ck_assert_uint_eq(F.n_kreq, kreq);
	ck_assert_int_eq(ctl_run("bc", true, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "\"coa\":\"" COA1 "\",") && strstr(out, "\"seq\":10,"), "%s", out);
}
END_TEST

/* ------------------------------------------ the reverse-tunnel source check (§10.4.5) */

/* The i-th reverse-tunnel filter request. */
static const struct knl_tc_filter *tcf(unsigned i, bool removed)
{
	ck_assert_uint_lt(i, F.n_tc);
	ck_assert_int_eq(F.tc[i].type, KNL_EVENT_TC_FILTER);
	ck_assert_int_eq(F.tc[i].removed, removed);
	return &F.tc[i].tc_filter;
}

static bool is_exited(void)
{
	int code;

	return sd_event_get_exit_code(F.m->event, &code) >= 0;
}

START_TEST(revtun_filter_follows_binding)
{
	struct knl_sock *rtnl = knl_get_socket(io_knl(F.m->io), KNL_SOCKET_RTNL);
	const struct knl_tc_filter *f;
	uint32_t h;

	/* Before READY: clsact, the leftover binding filters flushed (prio 1, no handle), the drop. */
	ck_assert(F.qdisc_added);
	ck_assert_uint_eq(F.n_tc, 2);
	f = tcf(0, true);
	ck_assert_uint_eq(f->prio, 1);
	ck_assert_uint_eq(f->handle, 0);
	f = tcf(1, false);
	ck_assert(f->drop);
	ck_assert_uint_eq(f->prio, 2);

	/* A new binding: its filter (CoA outside, HoA inside); the BA waits for the kernel's answer. */
	F.bind_answer = KNL_FAKE_HOLD;
	send_bu(HOA, COA1, 10, F_A | F_H, 64);
	want_ba = 1;
	ck_assert(!run_until(have_ba, 1500));
	ck_assert_uint_eq(F.n_tc, 3);
	f = tcf(2, false);
	ck_assert(!f->drop);
	ck_assert_uint_eq(f->prio, 1);
	ck_assert_uint_ne(f->handle, 0);
	ck_assert(addr_is(&f->enc_src, COA1));
	ck_assert(addr_is(&f->src, HOA));
	h = f->handle;
	ck_assert_int_eq(knl_sock_fake_answer(rtnl, 0), 0);
	ck_assert(run_until(have_ba, 5000));
	check_ba(ba(0), 0, 10, 64, COA1, HOA);

	/* A CoA change moves the same filter: replaced under its handle, the new CoA outside. */
	F.bind_answer = 0;
	send_bu(HOA, COA2, 11, F_A | F_H, 64);
	want_ba = 2;
	ck_assert(run_until(have_ba, 5000));
	check_ba(ba(1), 0, 11, 64, COA2, HOA);
	ck_assert_uint_eq(F.n_tc, 4);
	f = tcf(3, false);
	ck_assert_uint_eq(f->handle, h);
	ck_assert(addr_is(&f->enc_src, COA2));
	ck_assert(addr_is(&f->src, HOA));
	/* A refresh from the same CoA touches nothing. */
	send_bu(HOA, COA2, 12, F_A | F_H, 64);
	ck_assert_uint_eq(n_ba(), 3);
	ck_assert_uint_eq(F.n_tc, 4);

	/* Deregistration: the filter goes with the route. */
	send_bu(HOA, NULL, 13, F_A | F_H, 0);
	want_ba = 4;
	ck_assert(run_until(have_ba, 5000));
	check_ba(ba(3), 0, 13, 0, HOA, NULL);
	run_for(50);
	ck_assert_uint_eq(F.n_tc, 5);
	f = tcf(4, true);
	ck_assert_uint_eq(f->prio, 1);
	ck_assert_uint_eq(f->handle, h);
}
END_TEST

/* The kernel refuses the binding's filter: fail closed, BA 130, route and proxy entry removed. */
START_TEST(revtun_refused_filter_fails_closed)
{
	const struct knl_tc_filter *f;
	uint32_t h;

	F.bind_answer = -ENOSPC;
	send_bu(HOA, COA1, 20, F_A | F_H, 64);
	want_ba = 1;
	ck_assert(run_until(have_ba, 5000));
	check_ba(ba(0), 130, 20, 0, COA1, HOA);
	ck_assert_uint_eq(F.m->counters.ba_status_out[0], 0);
	run_for(100);
	ck_assert_uint_eq(n_ba(), 1);
	ck_assert_uint_eq(kreq_count(RTM_DELROUTE), 1);
	ck_assert_uint_eq(kreq_count(RTM_DELNEIGH), 0);
	ck_assert_uint_eq(count_nd(136), 0);
	ck_assert_uint_eq(F.n_tc, 4);
	h = tcf(2, false)->handle;
	f = tcf(3, true);
	ck_assert_uint_eq(f->handle, h);
	/* Accepted again once the kernel takes it. */
	F.bind_answer = 0;
	send_bu(HOA, COA1, 21, F_A | F_H, 64);
	want_ba = 2;
	ck_assert(run_until(have_ba, 5000));
	check_ba(ba(1), 0, 21, 64, COA1, HOA);
	ck_assert(addr_is(&tcf(4, false)->enc_src, COA1));
}
END_TEST

/* The drop filter refused at start-up: the daemon ends before READY=1 (nothing open). */
START_TEST(revtun_startup_failure_ends_the_daemon)
{
	struct mip6_config *c = NULL;
	char *err = NULL;
	static const char text[] = "NodeConfig HA;\nInterface \"home0\";\nUseMnHaIPsec disabled;\n";

	memset(&F, 0, sizeof(F));
	F.drop_answer = -EOPNOTSUPP;
	ck_assert_msg(conf_load_string("test", text, strlen(text), &c, &err) == 0, "%s", err);
	ck_assert_int_eq(manager_new(&F.m, NULL, NULL, c), 0);
	F.m->role = &ha_role_ops;
	ck_assert_int_eq(io_new_fake(F.m->event, &F.m->counters, capture, fake_kernel, &F, &F.m->io), 0);
	ck_assert_int_eq(manager_start(F.m), 0);
	ck_assert_msg(run_until(is_exited, 5000), "the HA went on without its reverse-tunnel check");
	ck_assert(!F.m->ready);
	F.m = manager_free(F.m);
	F.drop_answer = 0;
}
END_TEST

/* ------------------------------------------------ the K bit with a fake key manager */

/* The fake key manager the HA gets from km_new (km_backend_override): records and holds. */
static struct {
	struct km_call *held[8];
	unsigned n_migrate, n_drop, n_held;
	struct spd_pair pair;
	enum node_role role;
	struct in6_addr old_coa, coa;
	unsigned bas_at_migrate; /* BAs sent when the last migrate started */
} K;

static int fk_create(struct km *front, sd_event *e, struct io *io, const struct mip6_config *c, void **ret)
{
	*ret = &K;
	km_backend_state(front, KM_STATE_CONNECTED);
	return 0;
}

static void fk_destroy(void *be)
{
	for (unsigned i = 0; i < K.n_held; i++)
		if (K.held[i])
			km_call_complete(K.held[i], -ECANCELED);
	K.n_held = 0;
}

static int fk_up(void *be, const struct spd_pair *p, struct km_call *call)
{
	km_call_complete(call, 0);
	return 0;
}

static int fk_migrate(void *be, enum node_role role, const struct spd_pair *p, const struct in6_addr *old_coa,
		      const struct in6_addr *coa, struct km_call *call)
{
	ck_assert_uint_lt(K.n_held, ELEMENTSOF(K.held));
	K.held[K.n_held++] = call;
	K.n_migrate++;
	K.pair = *p;
	K.role = role;
	ck_assert_ptr_nonnull(old_coa);
	K.old_coa = *old_coa;
	K.coa = *coa;
	K.bas_at_migrate = n_ba();
	return 0;
}

static int fk_drop(void *be, const struct spd_pair *p, struct km_call *call)
{
	K.n_drop++;
	K.pair = *p;
	km_call_complete(call, 0);
	return 0;
}

static bool fk_is_up(void *be, const struct spd_pair *p)
{
	return true;
}

static void fk_print(void *be, FILE *out, bool json)
{
}

static const struct km_backend_ops fake_km = {
	.name = "fake",
	.features = KM_F_MIGRATE | KM_F_REKEY_ON_MOVE,
	.create = fk_create,
	.destroy = fk_destroy,
	.up = fk_up,
	.migrate = fk_migrate,
	.drop = fk_drop,
	.is_up = fk_is_up,
	.print = fk_print,
};

static void setup_k(void)
{
	memset(&K, 0, sizeof(K));
	km_backend_override(&fake_km);
	setup_with("NodeConfig HA;\nInterface \"home0\";\nUseMnHaIPsec enabled;\nKeyMngMobCapability enabled;\n"
		   "HaMaxBindingLife 600;\nIPsecPolicySet {\n HomeAgentAddress " HA_ADDR ";\n HomeAddress " HOA
		   "/64;\n IPsecPolicy HomeRegBinding UseESP 1000000001;\n}\n");
}

static void teardown_k(void)
{
	teardown();
	km_backend_override(NULL);
}

/* The k-th held migrate finishes with error; the loop delivers it. */
static void migrate_done(unsigned k, int error)
{
	ck_assert_uint_lt(k, K.n_held);
	ck_assert_ptr_nonnull(K.held[k]);
	km_call_complete(K.held[k], error);
	K.held[k] = NULL;
	run_for(30);
}

static unsigned ba_k(const struct sent *s)
{
	return s->buf[7] & 0x80; /* §6.1.8: K is the first bit after Status */
}

/*
 * K=1 (RFC 6275 §10.3.1 / RFC 4877 §7.4): BA 0 with K once the kernel took the
 * binding, then the IKE SA and tunnel-mode SAs follow the CoA: km_migrate from
 * where they are (the HoA before the first move) to the new CoA. The BA does
 * not wait for charon: it travels in the transport-mode SAs keyed on the HoA,
 * which a move does not touch. A failed move leaves the binding where the BU
 * put it and the SAs recorded where they were: the next BU moves them from there.
 */
START_TEST(k1_migrates_the_sas_with_the_coa)
{
	register_binding_flags(10, COA1, F_A | F_H | F_K);
	ck_assert(ba_k(ba(0)));
	ck_assert_uint_eq(K.n_migrate, 1);
	ck_assert_uint_eq(K.n_drop, 0);
	ck_assert_uint_eq(K.bas_at_migrate, 1);
	ck_assert_int_eq(K.role, NODE_ROLE_HA);
	ck_assert(addr_is(&K.pair.hoa, HOA) && addr_is(&K.pair.ha, HA_ADDR));
	ck_assert(addr_is(&K.old_coa, HOA));
	ck_assert(addr_is(&K.coa, COA1));
	migrate_done(0, 0);
	/* The MN moves on: from COA1 to COA2. */
	register_binding_flags(11, COA2, F_A | F_H | F_K);
	ck_assert(ba_k(ba(1)));
	ck_assert_uint_eq(K.n_migrate, 2);
	ck_assert(addr_is(&K.old_coa, COA1) && addr_is(&K.coa, COA2));
	/* charon could not follow: the binding stays on COA2 (the MN is there), nothing is undone. */
	migrate_done(1, -EIO);
	ck_assert_uint_eq(kreq_count(RTM_DELROUTE), 0);
	ck_assert_uint_eq(kreq_count(RTM_NEWROUTE), 2);
	/* The refresh moves them again, from where they really are. */
	send_bu(HOA, COA2, 12, F_A | F_H | F_K, 64);
	ck_assert_uint_eq(n_ba(), 3);
	check_ba(ba(2), 0, 12, 64, COA2, HOA);
	ck_assert_uint_eq(K.n_migrate, 3);
	ck_assert(addr_is(&K.old_coa, COA1) && addr_is(&K.coa, COA2));
	migrate_done(2, 0);
	send_bu(HOA, COA2, 13, F_A | F_H | F_K, 64);
	ck_assert_uint_eq(K.n_migrate, 4);
	ck_assert(addr_is(&K.old_coa, COA2) && addr_is(&K.coa, COA2));
	ck_assert_uint_eq(K.n_drop, 0);
}
END_TEST

/* K=0 in the BU (§10.3.1): BA without K, and the IKE SA to the old CoA is dropped (RFC 4877 §7.4). */
START_TEST(k0_drops_the_ike_sa)
{
	register_binding_flags(20, COA1, F_A | F_H);
	ck_assert(!ba_k(ba(0)));
	ck_assert_uint_eq(K.n_drop, 1);
	ck_assert(addr_is(&K.pair.hoa, HOA));
	register_binding_flags(21, COA2, F_A | F_H);
	ck_assert(!ba_k(ba(1)));
	ck_assert_uint_eq(K.n_drop, 2);
	ck_assert_uint_eq(K.n_migrate, 0);
	/* A refresh from the same CoA moves nothing. */
	send_bu(HOA, COA2, 22, F_A | F_H, 64);
	ck_assert_uint_eq(n_ba(), 3);
	ck_assert(!ba_k(ba(2)));
	ck_assert_uint_eq(K.n_drop, 2);
}
END_TEST

#define THT_CONF                                                                                             \
	"NodeConfig HA;\nInterface \"home0\";\nUseMnHaIPsec enabled;\nKeyMngMobCapability enabled;\n"           \
	"HaMaxBindingLife 600;\nIPsecPolicySet {\n HomeAgentAddress " HA_ADDR ";\n HomeAddress " HOA "/64;\n" \
	" IPsecPolicy HomeRegBinding UseESP 1000000001;\n IPsecPolicy TunnelHomeTesting UseESP 1000000002;\n}\n"

/*
 * The last UPDPOLICY of the HoTI (FWD) or HoT (OUT) direction of the TunnelHomeTesting set:
 * MH (protocol only) from the HoA to anywhere, or from anywhere to the HoA, one template, ESP
 * tunnel mode between outer (the CoA, the HoA at home) and the HA, reqid 1000000002, required.
 */
static void check_tunnel_entry(uint8_t dir, const char *outer)
{
	const struct knl_xfrm_policy *p = NULL;

	for (unsigned i = 0; i < F.n_xpol; i++)
		if (F.xpol[i].dir == dir && F.xpol[i].n_tmpl == 1 && F.xpol[i].tmpl[0].mode == XFRM_MODE_TUNNEL)
			p = &F.xpol[i];
	ck_assert_msg(p, "no tunnel-mode entry of direction %u", dir);
	ck_assert_uint_eq(p->sel.proto, IPPROTO_MH);
	ck_assert_uint_eq(dir == XFRM_POLICY_FWD ? p->sel.src_len : p->sel.dst_len, 128);
	ck_assert(addr_is(dir == XFRM_POLICY_FWD ? &p->sel.src : &p->sel.dst, HOA));
	ck_assert_uint_eq(dir == XFRM_POLICY_FWD ? p->sel.dst_len : p->sel.src_len, 0);
	ck_assert_uint_eq(p->tmpl[0].proto, IPPROTO_ESP);
	ck_assert_uint_eq(p->tmpl[0].reqid, 1000000002);
	/* Required, not "use": a HoTI out of the plain ip6ip6 tunnel fails the kernel's FWD check. */
	ck_assert(!p->tmpl[0].optional);
	ck_assert(addr_is(dir == XFRM_POLICY_FWD ? &p->tmpl[0].src : &p->tmpl[0].dst, outer));
	ck_assert(addr_is(dir == XFRM_POLICY_FWD ? &p->tmpl[0].dst : &p->tmpl[0].src, HA_ADDR));
}

/*
 * RFC 6275 §10.4.6: "the home agent MUST support tunnel mode IPsec ESP for the protection of
 * packets belonging to the return routability procedure" (RFC 4877 §6.2: the HA's SPD, HoTI
 * in from the MN's CoA, HoT out to it), and after an accepted BU with a new CoA "MUST set the
 * new care-of address as the destination address of these packets": K=0 (no MIGRATE moves
 * them) the HA replaces both entries with the new CoA; K=1 the key manager migrates the SAs
 * and entries from the old CoA to the new one.
 */
START_TEST(tunnel_home_testing_follows_the_coa)
{
	teardown();
	setup_with(THT_CONF);
	check_tunnel_entry(XFRM_POLICY_FWD, HOA); /* at home: the HoA is the outer address */
	check_tunnel_entry(XFRM_POLICY_OUT, HOA);
	F.n_xpol = 0;
	register_binding_flags(40, COA1, F_A | F_H);
	run_for(30);
	ck_assert_uint_eq(K.n_drop, 1);
	check_tunnel_entry(XFRM_POLICY_FWD, COA1);
	check_tunnel_entry(XFRM_POLICY_OUT, COA1);
	register_binding_flags(41, COA2, F_A | F_H | F_K);
	ck_assert_uint_eq(K.n_migrate, 1);
	ck_assert(addr_is(&K.old_coa, COA1) && addr_is(&K.coa, COA2));
	ck_assert_uint_eq(K.pair.reqid_hoti, 1000000002);
	migrate_done(0, 0);
	/* A refresh from the same CoA moves nothing. */
	F.n_xpol = 0;
	send_bu(HOA, COA2, 42, F_A | F_H, 64);
	run_for(30);
	ck_assert_uint_eq(F.n_xpol, 0);
	ck_assert_uint_eq(K.n_drop, 1);
}
END_TEST

/* A newer move while the older MIGRATE is in flight: the older one's completion is stale. */
START_TEST(k1_stale_migrate_completion_is_ignored)
{
	register_binding_flags(30, COA1, F_A | F_H | F_K);
	register_binding_flags(31, COA2, F_A | F_H | F_K);
	ck_assert_uint_eq(K.n_migrate, 2);
	ck_assert(addr_is(&K.old_coa, HOA) && addr_is(&K.coa, COA2));
	/* The newer fails, then the older (cancelled) one succeeds late: the SAs are not taken as moved. */
	migrate_done(1, -EIO);
	migrate_done(0, 0);
	send_bu(HOA, COA2, 32, F_A | F_H | F_K, 64);
	ck_assert_uint_eq(K.n_migrate, 3);
	ck_assert(addr_is(&K.old_coa, HOA) && addr_is(&K.coa, COA2));
}
END_TEST

/*
 * sa-migrate is an event of charon's answer, not of the request: nothing while
 * the MIGRATE is in flight; then the CoA the SAs follow, or the failure.
 */
START_TEST(k1_sa_events_when_charon_answers)
{
	mon_start(setup_k);
	register_binding_flags(40, COA1, F_A | F_H | F_K);
	ck_assert_uint_eq(K.n_migrate, 1);
	run_for(50);
	mon_want = "sa-migrate";
	ck_assert_msg(!mon_has(), "sa-migrate before charon answered: %s", mon_buf);
	migrate_done(0, 0);
	ck_assert_ptr_null(strstr(mon_line("\"event\":\"sa-migrate\""), "reason"));
	ck_assert_ptr_nonnull(strstr(mon_line("\"event\":\"sa-migrate\""), "\"coa\":\"" COA1 "\""));
	register_binding_flags(41, COA2, F_A | F_H | F_K);
	migrate_done(1, -EIO);
	ck_assert_ptr_nonnull(strstr(mon_line("\"event\":\"sa-migrate\""), "\"reason\":\"failed: Input/output error\""));
	mon_stop();
	memset(&K, 0, sizeof(K));
}
END_TEST

static int netns_setup(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	if (system("ip link set lo up && ip link add home0 type veth peer name home1 && "
		   "ip link set home0 up && ip link set home1 up && "
		   "ip -6 addr add 2001:db8:1::1/64 dev home0 nodad && "
		   "ip link add mip6tnl0 type bridge && "
		   "sysctl -qw net.ipv6.neigh.home0.retrans_time_ms=50") != 0)
		return -ENODEV;
	return 0;
}

/* ---- NonVolatileBindingCache: a restart keeps the binding ------------------ */

#define PERSIST_CONF "NodeConfig HA;\nInterface \"home0\";\nUseMnHaIPsec disabled;\n" \
		     "HaMaxBindingLife 600;\nNonVolatileBindingCache enabled;\n"

static char state_dir[64];

/* Like setup_with(), but the kernel requests of the start (the restore) are kept. */
static void start_ha(const char *text)
{
	struct mip6_config *c = NULL;
	char *err = NULL;

	memset(&F, 0, sizeof(F));
	ck_assert_msg(conf_load_string("test", text, strlen(text), &c, &err) == 0, "%s", err);
	ck_assert_int_eq(manager_new(&F.m, NULL, NULL, c), 0);
	F.m->role = &ha_role_ops;
	ck_assert_int_eq(io_new_fake(F.m->event, &F.m->counters, capture, fake_kernel, &F, &F.m->io), 0);
	ck_assert_int_eq(manager_start(F.m), 0);
	ck_assert_msg(run_until(is_ready, 5000), "the HA did not finish its setup on the fake kernel");
}

static void setup_persist(void)
{
	snprintf(state_dir, sizeof(state_dir), "/tmp/test-ha-state.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(state_dir));
	ck_assert_int_eq(setenv("STATE_DIRECTORY", state_dir, 1), 0);
}

static void teardown_persist(void)
{
	char cmd[128];

	F.m = manager_free(F.m);
	unsetenv("STATE_DIRECTORY");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", state_dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* The role's shutdown, then the loop until it exits (the last removal acknowledged). */
static void shut_down(void)
{
	int r = F.m->role->shutdown(F.m);

	if (r == 0)
		return;
	for (int i = 0; i < 500 && sd_event_get_state(F.m->event) != SD_EVENT_FINISHED; i++)
		if (sd_event_run(F.m->event, 10 * USEC_PER_MSEC) < 0)
			break;
	ck_assert_int_eq(sd_event_get_state(F.m->event), SD_EVENT_FINISHED);
}

static char *ctl_bc(void)
{
	static char out[4096];
	char *argv[] = { (char *)"bc", NULL };
	FILE *f = fmemopen(out, sizeof(out), "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(F.m->role->ctl(F.m, 1, argv, true, f), 0);
	fclose(f);
	return out;
}

START_TEST(restart_keeps_the_binding)
{
	start_ha(PERSIST_CONF);
	F.n_sent = F.n_kreq = 0;
	register_binding(10, COA1);
	send_bu(HOA, COA1, 11, F_A | F_H, 64); /* a refresh: a second record */
	check_ba(ba(1), 0, 11, 64, COA1, HOA);
	/*
	 * A graceful stop with persistence leaves the binding's route and tunnel, and
	 * the XFRM side: the hao state and the MH policy (issue 11 item 2).
	 */
	F.n_kreq = 0;
	shut_down();
	ck_assert_uint_eq(kreq_count(RTM_DELROUTE) + kreq_count(RTM_DELNEIGH) + kreq_count(RTM_DELTFILTER), 0);
	ck_assert_uint_eq(kreq_count(RTM_DELLINK), 0);
	ck_assert_uint_eq(xreq_all(), 0);
	F.m = manager_free(F.m);

	/* The new HA restores it before READY=1 (the fake kernel's dumps are empty: it is reinstalled). */
	start_ha(PERSIST_CONF);
	ck_assert_uint_eq(xreq_count(XFRM_MSG_GETPOLICY), 1); /* the SPD is dumped for adoption */
	ck_assert_uint_eq(kreq_count(RTM_GETROUTE), 1);
	ck_assert_uint_eq(kreq_count(RTM_NEWROUTE), 1);
	ck_assert_uint_eq(kreq_count(RTM_NEWNEIGH), 0);
	/*
	 * RFC 6275 §10.4.5: the last run's filters are not flushed but dumped for adoption; the
	 * drop filter is put back, and the binding's filter (the dump is empty) installed, before READY=1.
	 */
	ck_assert_uint_eq(kreq_count(RTM_GETTFILTER), 1);
	ck_assert_uint_eq(F.n_tc, 2);
	ck_assert(!F.tc[0].removed && F.tc[0].tc_filter.drop);
	ck_assert(!F.tc[1].removed && !F.tc[1].tc_filter.drop);
	ck_assert(addr_is(&F.tc[1].tc_filter.enc_src, COA1) && addr_is(&F.tc[1].tc_filter.src, HOA));
	ck_assert_ptr_nonnull(strstr(ctl_bc(), "\"hoa\":\"" HOA "\",\"coa\":\"" COA1 "\",\"ha\":\"" HA_ADDR
					       "\",\"state\":\"valid\",\"seq\":11,"));
	/* Its sequence number came back: 11 again is not newer (135), 12 refreshes it, no DAD. */
	F.n_sent = 0;
	send_bu(HOA, COA1, 11, F_A | F_H, 64);
	check_ba(ba(0), 135, 11, 0, COA1, HOA);
	send_bu(HOA, COA1, 12, F_A | F_H, 64);
	check_ba(ba(1), 0, 12, 64, COA1, HOA);
	ck_assert_uint_eq(count_nd(135), 0);
}
END_TEST

#define PERSIST_K_CONF                                                                                        \
	"NodeConfig HA;\nInterface \"home0\";\nUseMnHaIPsec enabled;\nKeyMngMobCapability enabled;\n"           \
	"HaMaxBindingLife 600;\nNonVolatileBindingCache enabled;\nIPsecPolicySet {\n HomeAgentAddress " HA_ADDR \
	";\n HomeAddress " HOA "/64;\n IPsecPolicy HomeRegBinding UseESP 1000000001;\n"                        \
	" IPsecPolicy TunnelHomeTesting UseESP 1000000002;\n}\n"

/* The TunnelHomeTesting entries among the UPDPOLICYs since the last reset: both name coa outside. */
static bool tunnel_entries_name(const char *coa)
{
	unsigned n = 0;

	for (unsigned i = 0; i < F.n_xpol; i++) {
		const struct knl_xfrm_policy *p = &F.xpol[i];

		if (p->n_tmpl != 1 || p->tmpl[0].mode != XFRM_MODE_TUNNEL)
			continue;
		n++;
		if (!addr_is(p->dir == XFRM_POLICY_FWD ? &p->tmpl[0].src : &p->tmpl[0].dst, coa) ||
		    !addr_is(p->dir == XFRM_POLICY_FWD ? &p->tmpl[0].dst : &p->tmpl[0].src, HA_ADDR))
			return false;
	}
	return n == 2;
}

/*
 * Issue 11 item 2, the XFRM side (RFC 4877 §7.2 TunnelHomeTesting): K=1 moved the tunnel-mode
 * SAs and entries to COA1 (MIGRATE: the HA sends nothing itself). A stop with persistence
 * deletes no XFRM object; the next start builds the tunnel entries from the restored binding's
 * saved CoA (the fake's dump is empty, so they are installed — with COA1, not the HoA), and
 * the next move migrates from COA1. K=0 (no MIGRATE) replaces the entries itself.
 */
START_TEST(restart_keeps_the_tunnel_entries_at_the_coa)
{
	memset(&K, 0, sizeof(K));
	km_backend_override(&fake_km);
	start_ha(PERSIST_K_CONF);
	ck_assert_uint_eq(xreq_count(XFRM_MSG_GETPOLICY), 1);
	ck_assert(tunnel_entries_name(HOA));
	F.n_sent = F.n_kreq = F.n_xpol = 0;
	register_binding_flags(10, COA1, F_A | F_H | F_K);
	ck_assert(addr_is(&K.old_coa, HOA) && addr_is(&K.coa, COA1));
	migrate_done(0, 0);
	ck_assert_uint_eq(xreq_count(XFRM_MSG_UPDPOLICY) + xreq_count(XFRM_MSG_DELPOLICY), 0);
	F.n_kreq = 0;
	shut_down();
	ck_assert_uint_eq(xreq_all(), 0);
	F.m = manager_free(F.m);
	memset(&K, 0, sizeof(K));

	start_ha(PERSIST_K_CONF);
	ck_assert_uint_eq(xreq_count(XFRM_MSG_GETPOLICY), 1);
	ck_assert_uint_eq(xreq_count(XFRM_MSG_DELPOLICY), 0);
	ck_assert_msg(tunnel_entries_name(COA1), "the restored binding's tunnel entries do not name its CoA");
	ck_assert_ptr_nonnull(strstr(ctl_bc(), "\"coa\":\"" COA1 "\""));
	F.n_sent = F.n_kreq = F.n_xpol = 0;
	register_binding_flags(11, COA2, F_A | F_H | F_K);
	ck_assert_uint_eq(K.n_migrate, 1);
	ck_assert(addr_is(&K.old_coa, COA1) && addr_is(&K.coa, COA2));
	migrate_done(0, 0);
	/* K=0: no MIGRATE moves them; the HA replaces its entries (the new IKE SA comes from COA3). */
	F.n_xpol = 0;
	register_binding_flags(12, COA3, F_A | F_H);
	ck_assert_uint_eq(K.n_drop, 1);
	run_for(30);
	ck_assert_msg(tunnel_entries_name(COA3), "K=0: the tunnel entries were not replaced");
	km_backend_override(NULL);
}
END_TEST

static unsigned n_brr(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < F.n_sent; i++)
		n += F.sent[i].proto == IPPROTO_MH && F.sent[i].buf[2] == 0;
	return n;
}

static bool have_brr(void)
{
	return n_brr() > 0;
}

/*
 * RFC 6275 §9.5.5: a restored binding close to expiry gets a Binding Refresh Request,
 * laid out per §6.1.2 (Payload Proto 59, Header Len 0, MH Type 0, Reserved, Checksum,
 * Reserved: 8 octets), to the CoA with the HoA in a type 2 routing header.
 */
START_TEST(restored_binding_close_to_expiry_gets_a_brr)
{
	struct bcs_record r = { .type = BCS_PUT, .hoa = A(HOA), .coa = A(COA1), .local = A(HA_ADDR),
				.ba_dst = A(COA1), .seq = 20, .bu_flags = F_A | F_H, .lifetime_sec = 60,
				.expires_rt = realtime_usec() + 3 * USEC_PER_SEC,
				.ifindex = if_nametoindex("home0") };
	struct bcj *j;
	const struct sent *s = NULL;

	ck_assert_int_eq(bcj_open(state_dir, &j), 0);
	ck_assert_int_eq(bcj_append(j, &r), 0);
	j = bcj_close(j);
	start_ha(PERSIST_CONF);
	ck_assert_ptr_nonnull(strstr(ctl_bc(), "\"seq\":20,"));
	ck_assert_msg(run_until(have_brr, 2000), "no BRR for a binding 3 s from expiry");
	for (unsigned i = 0; i < F.n_sent && !s; i++)
		if (F.sent[i].proto == IPPROTO_MH && F.sent[i].buf[2] == 0)
			s = &F.sent[i];
	ck_assert_uint_eq(s->len, 8);
	ck_assert_uint_eq(s->buf[0], 59);
	ck_assert_uint_eq(s->buf[1], 0);
	ck_assert_uint_eq(s->buf[3] | s->buf[6] | s->buf[7], 0);
	ck_assert(addr_is(&s->dst, COA1));
	ck_assert(addr_is(&s->src, HA_ADDR));
	ck_assert(s->has_rh2 && addr_is(&s->rh2, HOA));
	/* One BRR; the MN's BU refreshes the binding (seq 21 > 20), no DAD. */
	run_for(200);
	ck_assert_uint_eq(n_brr(), 1);
	F.n_sent = 0;
	send_bu(HOA, COA1, 21, F_A | F_H, 64);
	check_ba(ba(0), 0, 21, 64, COA1, HOA);
	ck_assert_uint_eq(count_nd(135), 0);
}
END_TEST

/*
 * Without persistence the stop removes what it installed (no proxy entry: there is none); the tunnel
 * device takes the routes and the reverse-tunnel filters with it (one request per binding, not 3).
 */
/*
 * RFC 6275 §9.3.1 and coexistence with other IPsec tunnels: the inbound entry that lets an MPS
 * with a Home Address option in (§11.4.2) names the home prefix as source and the HA's own
 * address as destination. An any -> any ICMPv6 entry at the HA's priority 2 caught the
 * ICMPv6 of charon's site-to-site tunnel (VM scenario coexist) and let a HAO naming any
 * address reach the stack.
 */
START_TEST(mps_policy_only_from_the_home_prefix)
{
	struct in6_addr prefix;
	unsigned icmp = 0;

	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8:1::", &prefix), 1);
	F.n_xpol = 0;
	start_ha("NodeConfig HA;\nInterface \"home0\";\nUseMnHaIPsec disabled;\nHaMaxBindingLife 600;\n");
	for (unsigned i = 0; i < F.n_xpol; i++) {
		const struct knl_xfrm_policy *p = &F.xpol[i];

		if (p->sel.proto != IPPROTO_ICMPV6)
			continue;
		icmp++;
		ck_assert_int_eq(p->dir, XFRM_POLICY_IN);
		ck_assert_uint_eq(p->sel.src_len, 64);
		ck_assert(memcmp(&p->sel.src, &prefix, 16) == 0);
		ck_assert_uint_eq(p->sel.dst_len, 128);
		ck_assert(addr_is(&p->sel.dst, HA_ADDR));
		ck_assert_uint_eq(p->n_tmpl, 1);
		ck_assert_int_eq(p->tmpl[0].proto, IPPROTO_DSTOPTS);
		ck_assert(spd_ha_owns(p));
	}
	ck_assert_uint_eq(icmp, 1);
}
END_TEST

START_TEST(stop_without_persistence_removes)
{
	start_ha("NodeConfig HA;\nInterface \"home0\";\nUseMnHaIPsec disabled;\nHaMaxBindingLife 600;\n");
	F.n_sent = F.n_kreq = 0;
	register_binding(10, COA1);
	F.n_kreq = 0;
	shut_down();
	ck_assert_uint_eq(kreq_count(RTM_DELROUTE), 0);
	ck_assert_uint_eq(kreq_count(RTM_DELTFILTER), 0);
	ck_assert_uint_eq(kreq_count(RTM_DELNEIGH), 0);
	ck_assert_uint_eq(kreq_count(RTM_DELLINK), 1); /* the tunnel device */
	ck_assert_uint_eq(xreq_count(XFRM_MSG_DELSA), 1); /* the hao state */
	ck_assert_uint_eq(xreq_count(XFRM_MSG_DELPOLICY), 2); /* the MH and the MPS (HAO) policies */
	F.m = manager_free(F.m);
	start_ha("NodeConfig HA;\nInterface \"home0\";\nUseMnHaIPsec disabled;\nHaMaxBindingLife 600;\n");
	ck_assert_uint_eq(kreq_count(RTM_NEWROUTE), 0);
	ck_assert_ptr_null(strstr(ctl_bc(), HOA));
}
END_TEST

/* ---- home prefixes at run time (RFC 6275 §10.6.2, §10.3.1) ---------------- */

#define HA5 "2001:db8:5::1"
#define HA6 "2001:db8:6::1"
#define HA7 "2001:db8:7::1"
#define HOA5 "2001:db8:5::100"
#define RENUMBER_CONF "NodeConfig HA;\nInterface \"home0\";\nUseMnHaIPsec disabled;\nHaMaxBindingLife 600;\n" \
		      "MinMobPfxAdvInterval 1;\nMaxMobPfxAdvInterval 1;\n"

static void setup_renumber(void)
{
	setup_with(RENUMBER_CONF);
}

/* The namespace outlives a test (Check forks it): the addresses a test added go. */
static void teardown_renumber(void)
{
	teardown();
	ck_assert_int_ge(system("for a in " HA5 " " HA6 " " HA7 "; do ip -6 addr del $a/64 dev home0 2>/dev/null; "
				"done; sysctl -qw net.ipv6.conf.home0.dad_transmits=1; true"), 0);
}

static void ip(const char *cmd)
{
	char c[160];

	snprintf(c, sizeof(c), "ip -6 addr %s dev home0", cmd);
	ck_assert_int_eq(system(c), 0);
}

/*
 * The kernel's notification (rtnetlink(7)), laid out by hand: nlmsghdr (length, type, flags,
 * seq, pid), ifaddrmsg (AF_INET6, prefix length 64, IFA_F_* flags, scope, ifindex), IFA_ADDRESS
 * (16 octets), IFA_CACHEINFO (preferred, valid: infinite; cstamp, tstamp). Host byte order.
 */
static void addr_event(uint16_t type, const char *addr, uint8_t flags)
{
	uint8_t m[64] = { 0 };
	uint32_t len = sizeof(m), inf = UINT32_MAX;
	uint16_t alen = 20, atype = IFA_ADDRESS, ctype = IFA_CACHEINFO;
	int ifindex = (int)if_nametoindex("home0");
	struct in6_addr a = A(addr);

	memcpy(m, &len, 4);
	memcpy(m + 4, &type, 2);
	m[16] = AF_INET6, m[17] = 64, m[18] = flags, m[19] = 0;
	memcpy(m + 20, &ifindex, 4);
	memcpy(m + 24, &alen, 2), memcpy(m + 26, &atype, 2), memcpy(m + 28, &a, 16);
	memcpy(m + 44, &alen, 2), memcpy(m + 46, &ctype, 2), memcpy(m + 48, &inf, 4), memcpy(m + 52, &inf, 4);
	ck_assert_int_eq(knl_fake_notify(io_knl(F.m->io), NETLINK_ROUTE, m, sizeof(m)), 0);
}

static char prefixes_out[4096];

/* `mip6ctl prefixes` (text), and a counter of `prefixes --json`. */
static const char *ctl_prefixes(void)
{
	ck_assert_int_eq(ctl_run("prefixes", false, prefixes_out, sizeof(prefixes_out)), 0);
	return prefixes_out;
}

static unsigned long long prefixes_counter(const char *key)
{
	char out[4096], k[64];
	const char *p;

	ck_assert_int_eq(ctl_run("prefixes", true, out, sizeof(out)), 0);
	snprintf(k, sizeof(k), "\"%s\":", key);
	p = strstr(out, k);
	ck_assert_msg(p, "%s not in %s", key, out);
	return strtoull(p + strlen(k), NULL, 10);
}

static bool lists_5_and_6(void)
{
	return strstr(ctl_prefixes(), "2001:db8:5::/64 on home0, home agent address " HA5) &&
	       strstr(prefixes_out, "2001:db8:6::/64 on home0, home agent address " HA6);
}

static bool lists_5(void)
{
	return strstr(ctl_prefixes(), "2001:db8:5::/64 on home0, home agent address " HA5);
}

static bool lists_neither_5_nor_6(void)
{
	return !strstr(ctl_prefixes(), "2001:db8:5::") && !strstr(prefixes_out, "2001:db8:6::");
}

/* The inbound MPS entries (HAO) of prefix px/64 to ha among the UPDPOLICYs since i0 (§11.4.2, §9.3.1). */
static unsigned mps_updates(const char *px, const char *ha, unsigned i0)
{
	unsigned n = 0;

	for (unsigned i = i0; i < F.n_xpol; i++) {
		const struct knl_xfrm_policy *p = &F.xpol[i];

		n += p->sel.proto == IPPROTO_ICMPV6 && p->dir == XFRM_POLICY_IN && p->sel.src_len == 64 &&
		     addr_is(&p->sel.src, px) && p->sel.dst_len == 128 && addr_is(&p->sel.dst, ha);
	}
	return n;
}

/* The MPA sent last to the MN of HOA (§10.6.3: to COA1, RH2 with HOA, from HA_ADDR): its prefixes. */
static unsigned mpa_prefixes(struct in6_addr *px, unsigned max)
{
	const struct sent *s = last_nd(147);
	unsigned n = 0;

	ck_assert_ptr_nonnull(s);
	ck_assert(addr_is(&s->src, HA_ADDR) && addr_is(&s->dst, COA1) && s->has_rh2 && addr_is(&s->rh2, HOA));
	ck_assert_uint_eq((s->len - 8) % 32, 0);
	/* Prefix Information options (RFC 4861 §4.6.2): type 3, length 4, the prefix at +16. */
	for (size_t off = 8; off + 32 <= s->len && n < max; off += 32, n++) {
		ck_assert_uint_eq(s->buf[off], 3);
		ck_assert_uint_eq(s->buf[off + 1], 4);
		memcpy(&px[n], s->buf + off + 16, 16);
	}
	return n;
}

static bool has_prefix(const struct in6_addr *px, unsigned n, const char *p)
{
	for (unsigned i = 0; i < n; i++)
		if (addr_is(&px[i], p))
			return true;
	return false;
}

static unsigned mpa_with;
static bool mpa_with_n_prefixes(void)
{
	const struct sent *s = last_nd(147);

	return s && s->len == 8 + 32 * mpa_with;
}

/*
 * A global address added on the home link after start (renumbering) makes its prefix served:
 * listed by `prefixes`, its inbound MPS entry installed, BUs for HoAs in it accepted, and the
 * mobile nodes registered on that link sent an unsolicited MPA with the whole list (§10.6.2
 * SHOULD). Address events are gathered: two in one burst make one change. A tentative
 * address is not served until its DAD ends. Removed: no longer listed, the MPS entry deleted,
 * the binding in it removed (§10.3.1: the prefix's valid lifetime is over for this HA), its
 * next BU gets 132, and the other MNs get the shorter list.
 */
START_TEST(prefix_added_and_removed_at_run_time)
{
	struct in6_addr px[8];
	unsigned before, dels, n;
	char out[4096];

	register_binding(1, COA1);
	ck_assert_uint_eq(prefixes_counter("prefix_set_changes"), 0);
	/* A tentative address (RFC 4862 §5.4): not served yet. */
	ip("add " HA5 "/64 nodad");
	addr_event(RTM_NEWADDR, HA5, IFA_F_TENTATIVE);
	run_for(200);
	ck_assert_ptr_null(strstr(ctl_prefixes(), "2001:db8:5::"));
	ck_assert_uint_eq(prefixes_counter("prefix_set_changes"), 0);
	/* Its DAD done, and a second address added in the same burst: one change for both. */
	F.n_sent = F.n_xpol = 0;
	addr_event(RTM_NEWADDR, HA5, IFA_F_PERMANENT);
	ip("add " HA6 "/64 nodad");
	addr_event(RTM_NEWADDR, HA6, IFA_F_PERMANENT);
	ck_assert_msg(run_until(lists_5_and_6, 2000), "%s", prefixes_out);
	ck_assert_uint_eq(prefixes_counter("prefix_set_changes"), 1);
	ck_assert(strstr(prefixes_out, "2001:db8:1::/64 on home0, home agent address " HA_ADDR));
	run_for(100);
	ck_assert_uint_eq(mps_updates("2001:db8:5::", HA5, 0), 1);
	ck_assert_uint_eq(mps_updates("2001:db8:6::", HA6, 0), 1);
	ck_assert_uint_eq(prefixes_counter("prefix_spd_failures"), 0);
	/* §10.6.2: the registered MN hears of the new prefixes, the list whole. */
	mpa_with = 3;
	ck_assert(run_until(mpa_with_n_prefixes, 3000));
	n = mpa_prefixes(px, 8);
	ck_assert(has_prefix(px, n, "2001:db8:1::") && has_prefix(px, n, "2001:db8:5::") &&
		  has_prefix(px, n, "2001:db8:6::"));
	/* A BU for a HoA in the new prefix, to the HA's address there: accepted after DAD. */
	before = n_ba();
	send_bu_to(HOA5, COA2, HA5, 1, F_A | F_H, 64);
	want_ba = before + 1;
	ck_assert(run_until(have_ba, 5000));
	ck_assert_uint_eq(ba(before)->buf[6], 0);
	ck_assert(addr_is(&ba(before)->src, HA5) && addr_is(&ba(before)->dst, COA2));
	/* Both addresses removed. */
	F.n_kreq = 0;
	ip("del " HA5 "/64");
	ip("del " HA6 "/64");
	addr_event(RTM_DELADDR, HA5, IFA_F_PERMANENT);
	addr_event(RTM_DELADDR, HA6, IFA_F_PERMANENT);
	ck_assert_msg(run_until(lists_neither_5_nor_6, 2000), "%s", prefixes_out);
	ck_assert_uint_eq(prefixes_counter("prefix_set_changes"), 2);
	run_for(100);
	dels = xreq_count(XFRM_MSG_DELPOLICY);
	ck_assert_uint_eq(dels, 2); /* the two MPS entries */
	ck_assert_uint_eq(kreq_count(RTM_DELROUTE), 1); /* HOA5's binding, not HOA's */
	ck_assert_int_eq(ctl_run("bc " HOA, true, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "\"state\":\"valid\"") && strstr(out, "\"prefix_removed\":1"), "%s", out);
	/* §10.3.1: the next BU for it gets 132. */
	before = n_ba();
	send_bu_to(HOA5, COA2, HA5, 2, F_A | F_H, 64);
	want_ba = before + 1;
	ck_assert(run_until(have_ba, 2000));
	ck_assert_uint_eq(ba(before)->buf[6], 132);
	/* The MN still registered gets the shorter list. */
	mpa_with = 1;
	ck_assert(run_until(mpa_with_n_prefixes, 3000));
	n = mpa_prefixes(px, 8);
	ck_assert(has_prefix(px, n, "2001:db8:1::"));
}
END_TEST

static bool reload_done(void)
{
	return !F.m->reload_pending;
}

static bool hoa_removed(void)
{
	char out[4096];

	return ctl_run("bc", true, out, sizeof(out)) == 0 && strstr(out, "\"prefix_removed\":1");
}

/*
 * A reload whose HaServedPrefix drops a prefix: the reload's SPD set (applied before the swap)
 * already holds the MPS entries of the new file's prefixes only; after the swap the prefix is
 * no longer served, its binding removed, the other prefix's binding kept.
 */
START_TEST(reload_follows_ha_served_prefix)
{
	char path[] = "/tmp/test-ha-reload.XXXXXX", out[4096];
	int fd = mkstemp(path);
	const char *conf = RENUMBER_CONF "HaServedPrefix 2001:db8:5::/64;\n";
	unsigned before;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, conf, strlen(conf)), (ssize_t)strlen(conf));
	close(fd);
	register_binding(1, COA1);
	ip("add " HA5 "/64 nodad");
	addr_event(RTM_NEWADDR, HA5, IFA_F_PERMANENT);
	ck_assert(run_until(lists_5, 2000));
	before = n_ba();
	send_bu_to(HOA5, COA2, HA5, 1, F_A | F_H, 64);
	want_ba = before + 1;
	ck_assert(run_until(have_ba, 5000));
	ck_assert_uint_eq(ba(before)->buf[6], 0);
	run_for(100);
	F.m->config_path = strdup(path);
	F.n_kreq = F.n_xpol = 0;
	ck_assert_int_ge(manager_reload(F.m), 0);
	ck_assert(run_until(reload_done, 2000));
	unlink(path);
	ck_assert_uint_eq(F.m->reload_failures, 0);
	ck_assert_uint_eq(xreq_count(XFRM_MSG_DELPOLICY), 1); /* the MPS entry of 2001:db8:1::/64 */
	ck_assert_uint_eq(mps_updates("2001:db8:5::", HA5, 0), 0); /* kept as it was */
	ck_assert(run_until(hoa_removed, 2000));
	run_for(100);
	ck_assert_ptr_null(strstr(ctl_prefixes(), "2001:db8:1::"));
	ck_assert(strstr(prefixes_out, "2001:db8:5::/64 on home0"));
	ck_assert_int_eq(ctl_run("bc " HOA5, true, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "\"state\":\"valid\""), "%s", out);
	ck_assert_uint_eq(kreq_count(RTM_DELROUTE), 1); /* HOA's */
	/* §10.3.1: HOA's next BU gets 132. */
	before = n_ba();
	send_bu(HOA, COA1, 2, F_A | F_H, 64);
	want_ba = before + 1;
	ck_assert(run_until(have_ba, 2000));
	ck_assert_uint_eq(ba(before)->buf[6], 132);
}
END_TEST

static unsigned long long want_failures;
static bool spd_failures_reached(void)
{
	return prefixes_counter("prefix_spd_failures") >= want_failures;
}

static bool mps_7_installed(void)
{
	return mps_updates("2001:db8:7::", HA7, 0) >= 2;
}

/* The kernel refuses the new prefix's MPS entry: logged, counted, the old set kept, tried again. */
START_TEST(prefix_spd_refused_is_counted_and_retried)
{
	F.mps_answer = -ENOBUFS;
	F.n_xpol = 0;
	ip("add " HA7 "/64 nodad");
	addr_event(RTM_NEWADDR, HA7, IFA_F_PERMANENT);
	want_failures = 1;
	ck_assert(run_until(spd_failures_reached, 2000));
	ck_assert(strstr(ctl_prefixes(), "2001:db8:7::/64 on home0"));
	ck_assert_uint_eq(mps_updates("2001:db8:7::", HA7, 0), 1);
	/* The kernel takes it on the retry (1 s later). */
	F.mps_answer = 0;
	ck_assert(run_until(mps_7_installed, 3000));
	run_for(100);
	ck_assert_uint_eq(prefixes_counter("prefix_spd_failures"), 1);
}
END_TEST

static bool mps_7_sent(void)
{
	return mps_updates("2001:db8:7::", HA7, 0) >= 1;
}

/*
 * A reload while a new prefix's SPD apply waits for the kernel: refused with EBUSY (counted as a
 * failed reload, the running configuration and the apply in flight untouched); once the kernel
 * answers, the same reload goes through.
 */
START_TEST(reload_during_prefix_spd_apply_is_refused)
{
	char path[] = "/tmp/test-ha-reload.XXXXXX";
	int fd = mkstemp(path);
	const char *conf = RENUMBER_CONF;
	struct knl_sock *xfrm = knl_get_socket(io_knl(F.m->io), KNL_SOCKET_XFRM);
	const struct mip6_config *running = F.m->config;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, conf, strlen(conf)), (ssize_t)strlen(conf));
	close(fd);
	F.m->config_path = strdup(path);
	F.mps_answer = KNL_FAKE_HOLD;
	F.n_xpol = 0;
	ip("add " HA7 "/64 nodad");
	addr_event(RTM_NEWADDR, HA7, IFA_F_PERMANENT);
	ck_assert(run_until(mps_7_sent, 2000));
	ck_assert_int_eq(manager_reload(F.m), -EBUSY);
	ck_assert_uint_eq(F.m->reload_failures, 1);
	ck_assert_ptr_eq(F.m->config, running);
	ck_assert_ptr_null(F.m->reload_pending);
	/* The kernel takes the held MPS entry: the apply ends, the prefix's entry is in, a reload goes. */
	F.mps_answer = 0;
	ck_assert_int_eq(knl_sock_fake_answer(xfrm, 0), 0);
	run_for(100);
	ck_assert_uint_eq(prefixes_counter("prefix_spd_failures"), 0);
	ck_assert_int_ge(manager_reload(F.m), 0);
	ck_assert(run_until(reload_done, 2000));
	unlink(path);
	ck_assert_uint_eq(F.m->reload_failures, 1);
	ck_assert_ptr_ne(F.m->config, running);
}
END_TEST

static bool lists_7(void)
{
	return strstr(ctl_prefixes(), "2001:db8:7::/64 on home0, home agent address " HA7) != NULL;
}

/*
 * RFC 6275 §10.3.1: a prefix that appears with a finite valid lifetime (100 s here) limits the
 * lifetime of the first BU in it, before any lifetime dump answers (the fake kernel's dumps
 * return nothing): the set is read with the addresses' lifetimes. The BU asks 256 s
 * (HaMaxBindingLife 600) and gets at most 100 s (25 units of 4 s).
 */
START_TEST(new_prefix_lifetime_clamps_the_first_bu)
{
	unsigned before;
	const struct sent *b;

	ip("add " HA7 "/64 nodad valid_lft 100 preferred_lft 50");
	addr_event(RTM_NEWADDR, HA7, IFA_F_PERMANENT); /* the notification says infinite: not what counts */
	ck_assert(run_until(lists_7, 2000));
	before = n_ba();
	send_bu_to("2001:db8:7::100", COA2, HA7, 1, F_A | F_H, 64);
	want_ba = before + 1;
	ck_assert(run_until(have_ba, 5000));
	b = ba(before);
	ck_assert_uint_eq(b->buf[6], 0);
	ck_assert_uint_le((unsigned)(b->buf[10] << 8 | b->buf[11]), 25);
	ck_assert_uint_ge((unsigned)(b->buf[10] << 8 | b->buf[11]), 20);
}
END_TEST

/*
 * RFC 4862 §5.4: an address still tentative when the HA starts is not its own yet: its prefix
 * is not served until DAD ends (the kernel's notification then), though getifaddrs(3) lists it.
 * DAD is made long (40 probes, 50 ms apart) before the start.
 */
static void setup_tentative(void)
{
	ck_assert_int_eq(system("sysctl -qw net.ipv6.conf.home0.dad_transmits=40 && "
				"ip -6 addr add " HA7 "/64 dev home0"), 0);
	setup_with(RENUMBER_CONF);
}

static bool ha7_tentative(void)
{
	return system("ip -6 addr show dev home0 to " HA7 "/128 | grep -q tentative") == 0;
}

START_TEST(tentative_address_at_start_served_after_dad)
{
	ck_assert_msg(ha7_tentative(), "the address was not tentative any more at the HA's start");
	ck_assert(strstr(ctl_prefixes(), "2001:db8:1::/64 on home0"));
	ck_assert_ptr_null(strstr(prefixes_out, "2001:db8:7::"));
	/* DAD ends (polled; at most ~3 s), the kernel says so: now it is served. */
	for (int i = 0; i < 100 && ha7_tentative(); i++)
		run_for(50);
	ck_assert(!ha7_tentative());
	ck_assert_ptr_null(strstr(ctl_prefixes(), "2001:db8:7::"));
	addr_event(RTM_NEWADDR, HA7, IFA_F_PERMANENT);
	ck_assert(run_until(lists_7, 2000));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ha");
	TCase *tc = tcase_create("ha"), *tk, *ts;
	SRunner *sr;
	int failed;

	if (netns_setup() < 0) {
		fprintf(stderr, "test-ha: no private network namespace with veth and bridge links here, skipped\n");
		return 77;
	}
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, registration_after_dad);
	tcase_add_test(tc, dad_ends_after_retrans_timer);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, refusals_of_a_binding);
	tcase_add_test(tc, dad_failure_gives_134);
	tcase_add_test(tc, dhaad_reply_lists_home_agents);
	tcase_add_test(tc, mps_is_answered_for_registered_mns);
	tcase_add_test(tc, prefix_change_sends_unsolicited_mpa);
	tcase_add_test(tc, bu_during_dad);
	tcase_add_test(tc, dad_probe_from_another_node_gives_134);
	tcase_add_test(tc, link_local_compatibility);
	tcase_add_test(tc, proxy_nd_answers_for_bound_hoas);
	tcase_add_test(tc, proxy_nd_link_local_with_l);
	tcase_add_test(tc, registration_limits);
	tcase_add_test(tc, refresh_before_new_registrations);
	tcase_add_test(tc, registration_work_within_budget);
	tcase_add_test(tc, new_mn_gets_in_during_a_one_source_flood);
	tcase_add_test(tc, deregistration_during_dad);
	tcase_add_test(tc, overlapping_installs);
	tcase_add_test(tc, failed_install_fails_closed);
	tcase_add_test(tc, deregistration);
	tcase_add_test(tc, unsolicited_na_repeated);
	tcase_add_test(tc, announcement_before_the_ba);
	tcase_add_test(tc, unknown_type_gets_be2);
	tcase_add_test(tc, rr_messages_to_the_ha_are_not_its_own);
	tcase_add_test(tc, bc_filter);
	tcase_add_test(tc, bc_del_removes_like_an_expiry);
	tcase_add_test(tc, limit_refusals_reach_the_monitor);
	tcase_add_test(tc, revtun_filter_follows_binding);
	tcase_add_test(tc, revtun_refused_filter_fails_closed);
	suite_add_tcase(s, tc);
	tk = tcase_create("kbit");
	tcase_add_checked_fixture(tk, setup_k, teardown_k);
	tcase_set_timeout(tk, 30);
	tcase_add_test(tk, k1_migrates_the_sas_with_the_coa);
	tcase_add_test(tk, k0_drops_the_ike_sa);
	tcase_add_test(tk, tunnel_home_testing_follows_the_coa);
	tcase_add_test(tk, k1_stale_migrate_completion_is_ignored);
	tcase_add_test(tk, k1_sa_events_when_charon_answers);
	suite_add_tcase(s, tk);
	tk = tcase_create("persist");
	tcase_add_checked_fixture(tk, setup_persist, teardown_persist);
	tcase_set_timeout(tk, 30);
	tcase_add_test(tk, restart_keeps_the_binding);
	tcase_add_test(tk, stop_without_persistence_removes);
	tcase_add_test(tk, mps_policy_only_from_the_home_prefix);
	tcase_add_test(tk, restored_binding_close_to_expiry_gets_a_brr);
	tcase_add_test(tk, restart_keeps_the_tunnel_entries_at_the_coa);
	suite_add_tcase(s, tk);
	tk = tcase_create("renumber");
	tcase_add_checked_fixture(tk, setup_renumber, teardown_renumber);
	tcase_set_timeout(tk, 30);
	tcase_add_test(tk, prefix_added_and_removed_at_run_time);
	tcase_add_test(tk, prefix_spd_refused_is_counted_and_retried);
	tcase_add_test(tk, reload_during_prefix_spd_apply_is_refused);
	tcase_add_test(tk, reload_follows_ha_served_prefix);
	tcase_add_test(tk, new_prefix_lifetime_clamps_the_first_bu);
	suite_add_tcase(s, tk);
	tk = tcase_create("tentative");
	tcase_add_checked_fixture(tk, setup_tentative, teardown_renumber);
	tcase_set_timeout(tk, 30);
	tcase_add_test(tk, tentative_address_at_start_served_after_dad);
	suite_add_tcase(s, tk);
	ts = tcase_create("startup");
	tcase_set_timeout(ts, 30);
	tcase_add_test(ts, revtun_startup_failure_ends_the_daemon);
	suite_add_tcase(s, ts);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
