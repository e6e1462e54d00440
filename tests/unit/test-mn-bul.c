/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MN's Binding Update List (src/mn/bul.h) driven through fake I/O: a fake
 * clock and timers, a send seam that parses every BU, a fake kernel batch
 * (acknowledging or failing: bul_kernel_done) and a fake key manager that
 * completes only when the test says so. BAs are built here byte by byte from
 * the RFC 6275 §6.1.8 layout (not with our encoder) and go through the real
 * parser.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <string.h>

#include "mh/mh-codec.h"
#include "mh/mh-socket.h"
#include "mn/bul.h"

#define SEC USEC_PER_SEC
#define MS USEC_PER_MSEC

struct sent_bu {
	usec_t at;
	uint16_t seq, flags, lifetime;
	bool has_alt_coa; /* RFC 4877 §4.3: an Alternate Care-of Address option */
	struct in6_addr alt_coa;
};

static struct fake {
	usec_t now;
	usec_t timer[_BUL_TIMER_MAX]; /* 0: off */
	struct sent_bu bu[64];
	unsigned n_bu;
	bool km_up;
	struct bul_km_req km[16];
	unsigned n_km, km_inflight, km_inflight_max;
	unsigned events[_BUL_EV_MAX];
	bool km_sync; /* complete inside km_start (against the seam's contract, but survivable) */
} F;

static struct bul_table *T;
static struct bul_entry *E;
static struct in6_addr HOA, HA, COA1, COA2, COA3;

static usec_t f_now(void *ud)
{
	return F.now;
}

static void f_timer(struct bul_entry *e, enum bul_timer which, usec_t when, void *ud)
{
	F.timer[which] = when;
}

/* The send seam: every BU goes through our builder and back through the parser. */
static int f_send(struct bul_entry *e, const struct mh_msg *bu, void *ud)
{
	uint8_t buf[64];
	size_t len;
	struct mh_msg m;

	ck_assert_int_eq(mh_build(bu, buf, sizeof(buf), &len), 0);
	ck_assert_int_eq(mh_parse(buf, len, NULL, NULL, &m, NULL), 0);
	ck_assert_int_eq(m.type, MH_TYPE_BU);
	ck_assert_uint_lt(F.n_bu, 64);
	F.bu[F.n_bu++] = (struct sent_bu){ F.now, m.bu.seq, m.bu.flags, m.bu.lifetime,
					   !!(m.opts.present & MH_OPT_BIT(MH_OPT_ALT_COA)), m.opts.alt_coa };
	return 0;
}

static bool f_km_is_up(struct bul_entry *e, void *ud)
{
	return F.km_up;
}

static int f_km_start(struct bul_entry *e, const struct bul_km_req *req, void *ud)
{
	ck_assert_uint_lt(F.n_km, 16);
	F.km[F.n_km++] = *req;
	if (F.km_sync) {
		bul_km_done(e->table, &e->key, req->gen, 0);
		return 0;
	}
	if (++F.km_inflight > F.km_inflight_max)
		F.km_inflight_max = F.km_inflight;
	return 0;
}

static void f_event(struct bul_entry *e, enum bul_event ev, void *ud)
{
	F.events[ev]++;
}

static const struct bul_io fake_io = {
	.now = f_now, .timer = f_timer, .send = f_send, .km_is_up = f_km_is_up, .km_start = f_km_start,
	.event = f_event,
};

static struct in6_addr A(const char *s)
{
	struct in6_addr a;
	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static void make(bool ipsec, bool kbit, unsigned max_resends)
{
	struct bul_params p = { .initial_first_reg = 1500 * MS, .initial_rereg = 1 * SEC,
				.max_resends = max_resends, .lifetime = 400 };
	struct bul_key key;

	memset(&F, 0, sizeof(F));
	F.now = 1000 * SEC;
	HOA = A("2001:db8:1::100");
	HA = A("2001:db8:1::1");
	COA1 = A("2001:db8:2::5");
	COA2 = A("2001:db8:3::5");
	COA3 = A("2001:db8:4::5");
	key.peer = HA;
	key.hoa = HOA;
	ck_assert_int_eq(bul_table_new(&fake_io, NULL, &p, &T), 0);
	ck_assert_int_eq(bul_add(T, &key, true, ipsec, kbit, &E), 0);
	ck_assert_int_eq(bul_add(T, &key, true, ipsec, kbit, NULL), -EEXIST);
}

static void teardown(void)
{
	T = bul_table_free(T);
}

/*
 * A Binding Acknowledgement, RFC 6275 §6.1.8 inside the MH of §6.1.1:
 *   0 Payload Proto (59: no next header)   1 Header Len (8-octet units after the first 8)
 *   2 MH Type (6)   3 Reserved   4-5 Checksum (the kernel's; not checked here)
 *   6 Status   7 K R P Reserved   8-9 Sequence #   10-11 Lifetime (4-s units)
 *   12.. options: Binding Refresh Advice (type 2, length 2, Refresh Interval in 4-s units, §6.2.4),
 *        or PadN (type 1, length 2) to reach the 8-octet multiple.
 */
static void ba(const struct in6_addr *from, uint8_t status, bool k, uint16_t seq, uint16_t lifetime, int bra)
{
	uint8_t b[16] = { 59, 1, 6, 0, 0, 0 };
	struct mh_rx_info rx = { .src = *from, .dst = HOA };
	struct mh_msg m;

	b[6] = status;
	b[7] = k ? 0x80 : 0;
	b[8] = (uint8_t)(seq >> 8);
	b[9] = (uint8_t)seq;
	b[10] = (uint8_t)(lifetime >> 8);
	b[11] = (uint8_t)lifetime;
	if (bra >= 0) {
		b[12] = 2;
		b[13] = 2;
		b[14] = (uint8_t)(bra >> 8);
		b[15] = (uint8_t)bra;
	} else {
		b[12] = 1;
		b[13] = 2;
	}
	ck_assert_int_eq(mh_parse(b, sizeof(b), NULL, NULL, &m, NULL), 0);
	ck_assert_int_eq(m.type, MH_TYPE_BA);
	bul_input_ba(T, &rx, &m);
}

static void ba_ok(uint16_t seq, bool k, int bra)
{
	ba(&HA, 0, k, seq, 100, bra);
}

/* Let the fake clock run to the BU timer and fire it. */
static void fire_bu_timer(void)
{
	ck_assert_uint_ne(F.timer[BUL_TIMER_BU], 0);
	ck_assert_uint_ge(F.timer[BUL_TIMER_BU], F.now);
	F.now = F.timer[BUL_TIMER_BU];
	F.timer[BUL_TIMER_BU] = 0;
	bul_timer_fired(E, BUL_TIMER_BU);
}

static void km_complete(unsigned i, int error)
{
	struct bul_key key = { .peer = HA, .hoa = HOA };

	ck_assert_uint_lt(i, F.n_km);
	ck_assert_uint_gt(F.km_inflight, 0);
	F.km_inflight--;
	bul_km_done(T, &key, F.km[i].gen, error);
}

/* Move and have the kernel acknowledge the batch. */
static void move_done(const struct in6_addr *coa, bool home)
{
	bul_kernel_done(T, bul_move(T, coa, home), 0);
}

static const struct sent_bu *last_bu(void)
{
	ck_assert_uint_gt(F.n_bu, 0);
	return &F.bu[F.n_bu - 1];
}

/* ---- §11.8 retransmissions and sequence numbers ---- */

START_TEST(first_registration_backoff_doubles_to_32s)
{
	/* §11.8: InitialBindackTimeoutFirstReg (1.5 s), doubled per retransmission up to
	 * MAX_BINDACK_TIMEOUT (32 s, §12), then on at that rate. */
	static const usec_t gaps[] = { 1500 * MS, 3 * SEC, 6 * SEC, 12 * SEC, 24 * SEC, 32 * SEC, 32 * SEC, 32 * SEC };

	make(false, false, 0);
	move_done(&COA1, false);
	ck_assert_uint_eq(F.n_bu, 1);
	ck_assert_uint_eq(last_bu()->seq, 1);
	ck_assert_uint_eq(last_bu()->flags, MH_BU_F_A | MH_BU_F_H);
	ck_assert_uint_eq(last_bu()->lifetime, 100); /* 400 s in 4-s units */
	for (unsigned i = 0; i < sizeof(gaps) / sizeof(gaps[0]); i++) {
		ck_assert_uint_eq(F.timer[BUL_TIMER_BU] - F.bu[i].at, gaps[i]);
		fire_bu_timer();
		ck_assert_uint_eq(F.n_bu, i + 2);
		/* §11.8: every retransmission uses a greater sequence number. */
		ck_assert_uint_eq(F.bu[i + 1].seq, F.bu[i].seq + 1);
	}
	ck_assert_uint_eq(E->retransmits, 8);
	ck_assert_int_eq(E->state, BUL_BU_SENT);
}
END_TEST

START_TEST(resends_capped_by_max_ha_consecutive_resends)
{
	make(false, false, 2);
	move_done(&COA1, false);
	fire_bu_timer(); /* 1st retransmission: 3 s */
	ck_assert_uint_eq(F.timer[BUL_TIMER_BU] - F.now, 3 * SEC);
	fire_bu_timer(); /* 2nd: 6 s */
	ck_assert_uint_eq(F.timer[BUL_TIMER_BU] - F.now, 6 * SEC);
	fire_bu_timer(); /* the limit reached: the maximum interval from now on */
	ck_assert_uint_eq(F.timer[BUL_TIMER_BU] - F.now, 32 * SEC);
}
END_TEST

START_TEST(reregistration_uses_initial_bindack_timeout)
{
	make(false, false, 0);
	move_done(&COA1, false);
	ba_ok(1, false, -1);
	ck_assert_int_eq(E->state, BUL_REGISTERED);
	move_done(&COA2, false);
	/* §11.8: a binding exists at the HA: INITIAL_BINDACK_TIMEOUT (1 s). */
	ck_assert_uint_eq(F.timer[BUL_TIMER_BU] - last_bu()->at, 1 * SEC);
	ck_assert_uint_eq(last_bu()->seq, 2);
}
END_TEST

START_TEST(ba_must_match_the_outstanding_sequence)
{
	make(false, false, 0);
	move_done(&COA1, false);
	fire_bu_timer(); /* seq 2 outstanding now */
	ba_ok(1, false, -1); /* for the superseded transmission: §11.7.3 ignore */
	ck_assert_int_eq(E->state, BUL_BU_SENT);
	ba_ok(3, false, -1);
	ck_assert_int_eq(E->state, BUL_BU_SENT);
	ba(&COA3, 0, false, 2, 100, -1); /* not from the home agent */
	ck_assert_int_eq(E->state, BUL_BU_SENT);
	ba_ok(2, false, -1);
	ck_assert_int_eq(E->state, BUL_REGISTERED);
	ck_assert(memcmp(&E->bu_coa, &COA1, sizeof(COA1)) == 0);
	ck_assert_uint_eq(F.events[BUL_EV_REGISTERED], 1);
	ba_ok(2, false, -1); /* a duplicate: nothing outstanding any more */
	ck_assert_uint_eq(F.events[BUL_EV_REGISTERED], 1);
}
END_TEST

/* ---- §11.7.3 status 135 and 134 ---- */

START_TEST(seq_out_of_window_resynchronises)
{
	make(false, false, 0);
	move_done(&COA1, false);
	ck_assert_uint_eq(last_bu()->seq, 1);
	/* The HA last accepted 500 (§9.5.1 puts it in the BA); §11.7.3: take it, the next BU uses 501. */
	ba(&HA, MH_BA_SEQ_OUT_OF_WINDOW, false, 500, 0, -1);
	ck_assert_uint_eq(F.n_bu, 2);
	ck_assert_uint_eq(last_bu()->seq, 501);
	ck_assert_uint_eq(last_bu()->at, F.now);
	ck_assert_uint_eq(E->last_status, 135);
	ba_ok(501, false, -1);
	ck_assert_int_eq(E->state, BUL_REGISTERED);
}
END_TEST

START_TEST(seq_out_of_window_wraps)
{
	make(false, false, 0);
	move_done(&COA1, false);
	ba(&HA, MH_BA_SEQ_OUT_OF_WINDOW, false, 65535, 0, -1);
	ck_assert_uint_eq(last_bu()->seq, 0); /* modulo 2^16 (§9.5.1) */
}
END_TEST

START_TEST(seq_out_of_window_needs_an_outstanding_bu)
{
	make(false, false, 0);
	move_done(&COA1, false);
	ba_ok(1, false, -1);
	ck_assert_int_eq(E->state, BUL_REGISTERED);
	/* Nothing outstanding: a 135 now does not touch the sequence number or send. */
	ba(&HA, MH_BA_SEQ_OUT_OF_WINDOW, false, 9000, 0, -1);
	ck_assert_uint_eq(F.n_bu, 1);
	ck_assert_uint_eq(E->seq, 1);
	/* Nor from another node while a BU is outstanding. */
	fire_bu_timer(); /* refresh: seq 2 outstanding */
	ba(&COA3, MH_BA_SEQ_OUT_OF_WINDOW, false, 9000, 0, -1);
	ck_assert_uint_eq(F.n_bu, 2);
	ck_assert_uint_eq(E->seq, 2);
}
END_TEST

START_TEST(dad_failed_134_gives_the_home_address_up)
{
	make(false, false, 0);
	move_done(&COA1, false);
	ba(&HA, MH_BA_DAD_FAILED, false, 7, 0, -1); /* not our sequence number: ignored */
	ck_assert_int_eq(E->state, BUL_BU_SENT);
	ba(&HA, MH_BA_DAD_FAILED, false, 1, 0, -1);
	/* RFC 6275 §11.7.1: MUST NOT use the same home address again: no retry, no later move. */
	ck_assert_int_eq(E->state, BUL_FAILED);
	ck_assert(E->gave_up);
	ck_assert_uint_eq(E->last_status, 134);
	ck_assert_uint_eq(F.events[BUL_EV_REFUSED], 1);
	ck_assert_uint_eq(F.timer[BUL_TIMER_BU], 0);
	move_done(&COA2, false);
	move_done(&HOA, true);
	ck_assert_int_eq(E->state, BUL_FAILED);
	ck_assert_uint_eq(F.n_bu, 1);
}
END_TEST

/* Other refusals are retried at the maximum interval with a new sequence number (§11.7.3). */
START_TEST(refusal_retries_at_the_maximum_interval)
{
	make(false, false, 0);
	move_done(&COA1, false);
	ba(&HA, MH_BA_INSUFFICIENT_RESOURCES, false, 1, 0, -1);
	ck_assert_int_eq(E->state, BUL_FAILED);
	ck_assert_uint_eq(F.timer[BUL_TIMER_BU] - F.now, 32 * SEC);
	fire_bu_timer();
	ck_assert_int_eq(E->state, BUL_BU_SENT);
	ck_assert_uint_eq(last_bu()->seq, 2);
	ck_assert_uint_eq(F.timer[BUL_TIMER_BU] - F.now, 32 * SEC);
	ba_ok(2, false, -1);
	ck_assert_int_eq(E->state, BUL_REGISTERED);
}
END_TEST

/* A deregistration answered 133 (the HA restarted): retried after 1 and 2 s, then given up. */
START_TEST(deregistration_133_is_not_retried_forever)
{
	make(false, false, 0);
	move_done(&COA1, false);
	ba_ok(1, false, -1);
	move_done(&HOA, true);
	ba(&HA, MH_BA_NOT_HOME_AGENT, false, 2, 0, -1);
	ck_assert_int_eq(E->state, BUL_FAILED);
	ck_assert_uint_eq(F.timer[BUL_TIMER_BU] - F.now, 1 * SEC);
	fire_bu_timer();
	ck_assert_uint_eq(last_bu()->lifetime, 0);
	ba(&HA, MH_BA_NOT_HOME_AGENT, false, 3, 0, -1);
	ck_assert_uint_eq(F.timer[BUL_TIMER_BU] - F.now, 2 * SEC);
	fire_bu_timer();
	ba(&HA, MH_BA_NOT_HOME_AGENT, false, 4, 0, -1);
	ck_assert_int_eq(E->state, BUL_NONE);
	ck_assert_uint_eq(F.events[BUL_EV_DEREGISTERED], 1);
	ck_assert_uint_eq(F.timer[BUL_TIMER_BU], 0);
	ck_assert_uint_eq(F.n_bu, 4);
	/* The next move away registers normally. */
	move_done(&COA2, false);
	ck_assert_uint_eq(F.n_bu, 5);
}
END_TEST

/* §11.8 MAX_UPDATE_RATE: at most 3 BUs a second; the fourth leaves when the first is 1 s old. */
START_TEST(max_update_rate)
{
	usec_t t0;

	make(false, false, 0);
	t0 = F.now;
	move_done(&COA1, false);
	F.now += 100 * MS;
	move_done(&COA2, false);
	F.now += 100 * MS;
	move_done(&COA3, false);
	ck_assert_uint_eq(F.n_bu, 3);
	F.now += 100 * MS;
	move_done(&COA1, false); /* an attacker alternating RAs: no fourth BU now */
	ck_assert_uint_eq(F.n_bu, 3);
	ck_assert_int_eq(E->state, BUL_BU_SENT);
	ck_assert_uint_eq(E->rate_limited, 1);
	ck_assert_uint_eq(F.timer[BUL_TIMER_BU], t0 + 1 * SEC);
	fire_bu_timer();
	ck_assert_uint_eq(F.n_bu, 4);
	ck_assert(memcmp(&E->bu_coa, &COA1, sizeof(COA1)) == 0);
	ck_assert_uint_eq(last_bu()->seq, 4);
	/* It is a first transmission: its retransmission timer is the first registration's. */
	ck_assert_uint_eq(F.timer[BUL_TIMER_BU] - F.now, 1500 * MS);
	ba_ok(4, false, -1);
	ck_assert_int_eq(E->state, BUL_REGISTERED);
}
END_TEST

/* MnMaxHaBindingLife below 4 s: one 4-s unit, never 0 (a deregistration, §6.1.7). */
START_TEST(short_lifetime_rounds_up)
{
	struct bul_params p = { .initial_first_reg = 1500 * MS, .initial_rereg = 1 * SEC, .lifetime = 3 };

	make(false, false, 0);
	bul_table_set_params(T, &p);
	move_done(&COA1, false);
	ck_assert_uint_eq(last_bu()->lifetime, 1);
	p.lifetime = 5;
	bul_table_set_params(T, &p);
	move_done(&COA2, false);
	ck_assert_uint_eq(last_bu()->lifetime, 2);
}
END_TEST

/* ---- refresh (§11.7.3 Binding Refresh Advice) ---- */

START_TEST(refresh_at_the_binding_refresh_advice)
{
	make(false, false, 0);
	move_done(&COA1, false);
	F.now += 200 * MS;
	ba_ok(1, false, 25); /* lifetime 400 s, refresh advised after 100 s */
	ck_assert_uint_eq(E->lifetime_granted, 400);
	ck_assert_uint_eq(E->refresh_sec, 100);
	ck_assert_uint_eq(F.timer[BUL_TIMER_BU] - F.now, 100 * SEC);
	/* §11.7.3: the lifetime counts from when the BU was sent. */
	ck_assert_uint_eq(E->expires, F.bu[0].at + 400 * SEC);
	fire_bu_timer();
	ck_assert_uint_eq(F.n_bu, 2);
	ck_assert_uint_eq(last_bu()->seq, 2);
	ck_assert_uint_eq(last_bu()->lifetime, 100);
	ck_assert_int_eq(E->state, BUL_BU_SENT);
	ck_assert_uint_eq(F.timer[BUL_TIMER_BU] - F.now, 1 * SEC); /* a re-registration */
}
END_TEST

START_TEST(refresh_without_advice_at_80_percent)
{
	make(false, false, 0);
	move_done(&COA1, false);
	ba_ok(1, false, -1);
	ck_assert_uint_eq(F.timer[BUL_TIMER_BU] - F.now, 320 * SEC);
	fire_bu_timer();
	/* Every BU while away carries the option, refreshes too (RFC 4877 §4.3). */
	ck_assert(last_bu()->has_alt_coa && memcmp(&last_bu()->alt_coa, &COA1, sizeof(COA1)) == 0);
	ba_ok(2, false, 200); /* an advice longer than the lifetime: 80 % again */
	ck_assert_uint_eq(F.timer[BUL_TIMER_BU] - F.now, 320 * SEC);
}
END_TEST

/*
 * A Binding Refresh Request, RFC 6275 §6.1.2 inside the MH of §6.1.1: Payload Proto 59,
 * Header Len 0 (8 octets in all), MH Type 0, Reserved, Checksum, then 16 reserved bits.
 */
static bool brr(const struct in6_addr *from)
{
	static const uint8_t b[8] = { 59, 0, 0, 0, 0, 0, 0, 0 };
	struct mh_rx_info rx = { .src = *from, .dst = HOA };
	struct mh_msg m;

	ck_assert_int_eq(mh_parse(b, sizeof(b), NULL, NULL, &m, NULL), 0);
	ck_assert_int_eq(m.type, MH_TYPE_BRR);
	return bul_input_brr(T, &rx);
}

/* §11.7.4: a BRR from the HA gets a BU (a refresh) at once; from anyone else, nothing. */
START_TEST(brr_from_the_home_agent_gets_a_bu)
{
	struct in6_addr other = A("2001:db8:1::2");

	make(false, false, 0);
	move_done(&COA1, false);
	ba_ok(1, false, -1);
	ck_assert_int_eq(E->state, BUL_REGISTERED);
	ck_assert_uint_eq(F.n_bu, 1);
	F.now += 10 * SEC;
	ck_assert(!brr(&other));
	ck_assert_uint_eq(F.n_bu, 1);
	ck_assert(brr(&HA));
	ck_assert_uint_eq(F.n_bu, 2);
	ck_assert_uint_eq(last_bu()->seq, 2);
	ck_assert_uint_eq(last_bu()->lifetime, 100);
	ck_assert_int_eq(E->state, BUL_BU_SENT);
	/* A second BRR while that BU is outstanding sends nothing more. */
	ck_assert(brr(&HA));
	ck_assert_uint_eq(F.n_bu, 2);
}
END_TEST

/* ---- moves ---- */

START_TEST(home_deregisters_then_nothing)
{
	make(false, false, 0);
	move_done(&COA1, false);
	/* RFC 4877 §4.3: away, the BU names the CoA in an Alternate Care-of Address option. */
	ck_assert(last_bu()->has_alt_coa);
	ck_assert(memcmp(&last_bu()->alt_coa, &COA1, sizeof(COA1)) == 0);
	ba_ok(1, false, -1);
	move_done(&HOA, true);
	ck_assert_uint_eq(F.n_bu, 2);
	ck_assert_uint_eq(last_bu()->lifetime, 0);
	ck_assert(!last_bu()->has_alt_coa); /* the exception: deregistration from home */
	ck_assert(memcmp(&E->bu_coa, &HOA, sizeof(HOA)) == 0);
	ba(&HA, 0, false, 2, 0, -1);
	ck_assert_int_eq(E->state, BUL_NONE);
	ck_assert_uint_eq(F.events[BUL_EV_DEREGISTERED], 1);
	ck_assert_uint_eq(F.timer[BUL_TIMER_BU], 0);
	/* Another RA at home (a new router): nothing to deregister, no BU. */
	move_done(&HOA, true);
	ck_assert_int_eq(E->state, BUL_NONE);
	ck_assert_uint_eq(F.n_bu, 2);
}
END_TEST

START_TEST(kernel_failure_still_registers)
{
	make(false, false, 0);
	bul_kernel_done(T, bul_move(T, &COA1, false), -EPERM); /* logged; the move goes on */
	ck_assert_uint_eq(F.n_bu, 1);
}
END_TEST

START_TEST(stale_kernel_batch_sends_nothing)
{
	uint64_t g1, g2;

	make(false, false, 0);
	g1 = bul_move(T, &COA1, false);
	g2 = bul_move(T, &COA2, false);
	ck_assert_uint_ne(g1, g2);
	bul_kernel_done(T, g1, 0);
	ck_assert_uint_eq(F.n_bu, 0);
	ck_assert_int_eq(E->state, BUL_KERNEL);
	bul_kernel_done(T, g2, 0);
	ck_assert_uint_eq(F.n_bu, 1);
	ck_assert(memcmp(&E->bu_coa, &COA2, sizeof(COA2)) == 0);
	bul_kernel_done(T, g2, 0); /* a second completion of one generation: nothing more */
	ck_assert_uint_eq(F.n_bu, 1);
}
END_TEST

START_TEST(ba_for_the_previous_move_is_ignored)
{
	make(false, false, 0);
	move_done(&COA1, false);
	bul_move(T, &COA2, false); /* its kernel batch still pending */
	ba_ok(1, false, -1);
	ck_assert_int_eq(E->state, BUL_KERNEL);
	ck_assert_uint_eq(F.events[BUL_EV_REGISTERED], 0);
}
END_TEST

/* The state a K=1 MN is in after a first registration from COA1 (SAs up, IKE SA at COA1). */
static void registered_k1_at_coa1(void)
{
	make(true, true, 0);
	F.km_up = true;
	move_done(&COA1, false);
	ck_assert_uint_eq(F.n_km, 1);
	ck_assert_int_eq(F.km[0].kind, BUL_KM_MOVE);
	km_complete(0, 0);
	ck_assert_uint_eq(last_bu()->flags, MH_BU_F_A | MH_BU_F_H | MH_BU_F_K);
	ba_ok(last_bu()->seq, true, -1);
	ck_assert_int_eq(E->state, BUL_REGISTERED);
}

START_TEST(two_moves_during_kernel_steps)
{
	uint64_t g2, g3;
	unsigned bus;

	registered_k1_at_coa1();
	bus = F.n_bu;
	g2 = bul_move(T, &COA2, false);
	g3 = bul_move(T, &COA3, false);
	bul_kernel_done(T, g2, 0); /* stale: no MIGRATE, no BU */
	ck_assert_uint_eq(F.n_km, 1);
	bul_kernel_done(T, g3, 0);
	ck_assert_uint_eq(F.n_km, 2); /* one MIGRATE chain, COA1 -> COA3 */
	ck_assert(F.km[1].has_old);
	ck_assert(memcmp(&F.km[1].old_coa, &COA1, sizeof(COA1)) == 0);
	ck_assert(memcmp(&F.km[1].coa, &COA3, sizeof(COA3)) == 0);
	ck_assert_int_eq(E->state, BUL_SAS_MOVE);
	ck_assert_uint_eq(F.n_bu, bus);
	km_complete(1, 0);
	ck_assert_uint_eq(F.n_bu, bus + 1);
	ba_ok(last_bu()->seq, true, -1);
	ck_assert_int_eq(E->state, BUL_REGISTERED);
	ck_assert(memcmp(&E->bu_coa, &COA3, sizeof(COA3)) == 0);
	ck_assert_uint_eq(F.km_inflight_max, 1);
	ck_assert_uint_eq(F.n_km, 2);
	ck_assert_uint_eq(F.events[BUL_EV_REGISTERED], 2);
}
END_TEST

START_TEST(second_move_during_the_migrate_chain)
{
	unsigned bus;

	registered_k1_at_coa1();
	bus = F.n_bu;
	move_done(&COA2, false);
	ck_assert_uint_eq(F.n_km, 2); /* chain COA1 -> COA2 in flight */
	move_done(&COA3, false);
	/* No second chain beside the first; no BU from either move yet. */
	ck_assert_uint_eq(F.n_km, 2);
	ck_assert_int_eq(E->state, BUL_SAS_UP);
	ck_assert_uint_eq(F.n_bu, bus);
	km_complete(1, 0); /* the stale chain ends: the IKE SA is at COA2 */
	ck_assert_uint_eq(F.n_bu, bus);
	ck_assert_uint_eq(F.n_km, 3);
	ck_assert(memcmp(&F.km[2].old_coa, &COA2, sizeof(COA2)) == 0);
	ck_assert(memcmp(&F.km[2].coa, &COA3, sizeof(COA3)) == 0);
	km_complete(2, 0);
	ck_assert_uint_eq(F.n_bu, bus + 1);
	ba_ok(last_bu()->seq, true, -1);
	ck_assert(memcmp(&E->bu_coa, &COA3, sizeof(COA3)) == 0);
	ck_assert_uint_eq(F.km_inflight_max, 1);
	ck_assert_uint_eq(F.events[BUL_EV_REGISTERED], 2);
}
END_TEST

START_TEST(sas_up_before_the_first_bu)
{
	make(true, false, 0);
	F.km_up = false;
	move_done(&COA1, false);
	ck_assert_int_eq(E->state, BUL_SAS_UP);
	ck_assert_uint_eq(F.n_km, 1);
	ck_assert_int_eq(F.km[0].kind, BUL_KM_UP);
	ck_assert_uint_eq(F.n_bu, 0); /* RFC 4877: the BU travels in ESP */
	km_complete(0, -ETIMEDOUT);    /* failed: the BU goes anyway, no loop */
	ck_assert_uint_eq(F.n_bu, 1);
	ck_assert_uint_eq(F.n_km, 1);
}
END_TEST

START_TEST(k1_ba_keeps_the_ike_sa)
{
	registered_k1_at_coa1();
	ck_assert(E->kbit);
	ck_assert_uint_eq(F.n_km, 1); /* no renewal after a K=1 BA */
	move_done(&COA2, false);
	ck_assert_int_eq(F.km[1].kind, BUL_KM_MOVE);
	ck_assert(F.km[1].k);
}
END_TEST

START_TEST(k0_ba_renews_the_ike_sa)
{
	make(true, true, 0);
	F.km_up = true;
	move_done(&COA1, false);
	km_complete(0, 0);
	ba_ok(1, false, -1); /* the HA answers K=0 (§11.7.3) */
	ck_assert(!E->kbit);
	ck_assert_int_eq(E->state, BUL_REGISTERED);
	/* RFC 4877 §4.3: the HA dropped the IKE SA; a new one from the new CoA. */
	ck_assert_uint_eq(F.n_km, 2);
	ck_assert_int_eq(F.km[1].kind, BUL_KM_RENEW);
	ck_assert(!F.km[1].k);
	ck_assert(memcmp(&F.km[1].coa, &COA1, sizeof(COA1)) == 0);
	km_complete(1, 0);
	/* The next move: no MIGRATE, a BU without K at once, then a renewal after its BA. */
	move_done(&COA2, false);
	ck_assert_uint_eq(F.n_km, 2);
	ck_assert_uint_eq(last_bu()->flags, MH_BU_F_A | MH_BU_F_H);
	ba_ok(last_bu()->seq, false, -1);
	ck_assert_uint_eq(F.n_km, 3);
	ck_assert_int_eq(F.km[2].kind, BUL_KM_RENEW);
}
END_TEST

START_TEST(lost_sas_come_back)
{
	make(true, false, 0);
	F.km_up = true;
	bul_km_changed(T); /* before the first move: nothing */
	ck_assert_uint_eq(F.n_km, 0);
	move_done(&COA1, false);
	ba_ok(1, false, -1);
	ck_assert_uint_eq(F.n_km, 1); /* the K=0 renewal */
	km_complete(0, 0);
	F.km_up = false;
	bul_km_changed(T);
	ck_assert_uint_eq(F.n_km, 2);
	ck_assert_int_eq(F.km[1].kind, BUL_KM_REUP);
	bul_km_changed(T); /* one at a time */
	ck_assert_uint_eq(F.n_km, 2);
	km_complete(1, -ECONNREFUSED);
	ck_assert_uint_eq(F.timer[BUL_TIMER_KM] - F.now, 1 * SEC);
	F.now = F.timer[BUL_TIMER_KM];
	bul_timer_fired(E, BUL_TIMER_KM);
	ck_assert_uint_eq(F.n_km, 3);
	ck_assert_int_eq(E->state, BUL_REGISTERED);
}
END_TEST

START_TEST(synchronous_km_completion)
{
	/* Operations completing inside the call: the BU still leaves, once. */
	for (int up = 0; up < 2; up++) {
		make(true, true, 0);
		F.km_up = up;
		F.km_sync = true;
		move_done(&COA1, false);
		/* SAs down: up from the CoA, then the MIGRATE of the entries from the HoA; up: MIGRATE only. */
		ck_assert_uint_eq(F.n_km, up ? 1 : 2);
		ck_assert_int_eq(F.km[F.n_km - 1].kind, BUL_KM_MOVE);
		ck_assert_uint_eq(F.n_bu, 1);
		ck_assert_int_eq(E->state, BUL_BU_SENT);
		ck_assert(!E->km_busy);
		T = bul_table_free(T);
	}
}
END_TEST

START_TEST(reup_at_home_then_the_entries_migrate_from_the_hoa)
{
	/* charon slow at start: the first up fails, SAs come up later at home; then the first move. */
	make(true, true, 0);
	move_done(&HOA, true);
	ck_assert_int_eq(F.km[0].kind, BUL_KM_UP);
	km_complete(0, -ETIMEDOUT);
	ck_assert_int_eq(E->state, BUL_NONE); /* at home, nothing registered */
	bul_km_changed(T);
	ck_assert_int_eq(F.km[1].kind, BUL_KM_REUP);
	F.km_up = true;
	km_complete(1, 0);
	ck_assert_uint_eq(F.n_km, 2);
	move_done(&COA1, false);
	/* The tunnel-mode entries are still at the HoA (only a MIGRATE moves them). */
	ck_assert_uint_eq(F.n_km, 3);
	ck_assert_int_eq(F.km[2].kind, BUL_KM_MOVE);
	ck_assert(F.km[2].has_old);
	ck_assert(memcmp(&F.km[2].old_coa, &HOA, sizeof(HOA)) == 0);
	ck_assert(memcmp(&F.km[2].coa, &COA1, sizeof(COA1)) == 0);
	km_complete(2, 0);
	ck_assert_uint_eq(F.n_bu, 1);
}
END_TEST

START_TEST(k1_reup_while_registered_tells_the_peer_again)
{
	registered_k1_at_coa1();
	F.km_up = false;
	bul_km_changed(T);
	ck_assert_int_eq(F.km[1].kind, BUL_KM_REUP);
	F.km_up = true;
	km_complete(1, 0);
	/* Both IKE ends must agree on the CoA: a MIGRATE with KMADDRESS (entries already there), a BU. */
	ck_assert_uint_eq(F.n_km, 3);
	ck_assert_int_eq(F.km[2].kind, BUL_KM_MOVE);
	ck_assert(!F.km[2].has_old);
	ck_assert_int_eq(E->state, BUL_SAS_MOVE);
	km_complete(2, 0);
	ck_assert_int_eq(E->state, BUL_BU_SENT);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("mn-bul");
	TCase *tc = tcase_create("bul");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, first_registration_backoff_doubles_to_32s);
	tcase_add_test(tc, resends_capped_by_max_ha_consecutive_resends);
	tcase_add_test(tc, reregistration_uses_initial_bindack_timeout);
	tcase_add_test(tc, ba_must_match_the_outstanding_sequence);
	tcase_add_test(tc, seq_out_of_window_resynchronises);
	tcase_add_test(tc, seq_out_of_window_wraps);
	tcase_add_test(tc, seq_out_of_window_needs_an_outstanding_bu);
	tcase_add_test(tc, dad_failed_134_gives_the_home_address_up);
	tcase_add_test(tc, refusal_retries_at_the_maximum_interval);
	tcase_add_test(tc, deregistration_133_is_not_retried_forever);
	tcase_add_test(tc, max_update_rate);
	tcase_add_test(tc, short_lifetime_rounds_up);
	tcase_add_test(tc, refresh_at_the_binding_refresh_advice);
	tcase_add_test(tc, refresh_without_advice_at_80_percent);
	tcase_add_test(tc, brr_from_the_home_agent_gets_a_bu);
	tcase_add_test(tc, home_deregisters_then_nothing);
	tcase_add_test(tc, kernel_failure_still_registers);
	tcase_add_test(tc, stale_kernel_batch_sends_nothing);
	tcase_add_test(tc, ba_for_the_previous_move_is_ignored);
	tcase_add_test(tc, two_moves_during_kernel_steps);
	tcase_add_test(tc, second_move_during_the_migrate_chain);
	tcase_add_test(tc, sas_up_before_the_first_bu);
	tcase_add_test(tc, k1_ba_keeps_the_ike_sa);
	tcase_add_test(tc, k0_ba_renews_the_ike_sa);
	tcase_add_test(tc, lost_sas_come_back);
	tcase_add_test(tc, synchronous_km_completion);
	tcase_add_test(tc, reup_at_home_then_the_entries_migrate_from_the_hoa);
	tcase_add_test(tc, k1_reup_while_registered_tells_the_peer_again);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
