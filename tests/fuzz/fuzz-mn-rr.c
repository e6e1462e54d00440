/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the mobile node's handling of correspondents' messages (src/mn/mn-rr.h):
 * untrusted HoT, CoT, BA, BE and BRR through the real MH parser into an entry
 * that is in the middle of a return routability procedure or waiting for a BA.
 *
 * Input: octet 0 picks the start (bit 0: the BU outstanding with the A bit,
 * else HoTI/CoTI outstanding; bit 1: the next messages may carry the right
 * cookies), then records of [flags][length][length octets of MH]: flags bit 0
 * to the CoA (else the HoA), bit 1 through the tunnel, bit 2 fire the timer
 * first, bit 3 copy the current cookie into octets 8..15; bit 4: the record is an
 * ICMPv6 Parameter Problem (RFC 4443 §3.4) for mn_rr_param_problem, bit 3 then copying the
 * HoTI's cookie where a plain quoted HoTI has it (octets 56..63).
 * Invariants: every message is taken or counted as ignored, the state stays
 * valid, a procedure in progress always has its timer armed, a code 1 taken leaves
 * the entry disabled with nothing outstanding.
 */
#include <stdlib.h>
#include <string.h>

#include "icmp6/ndisc.h"
#include "mn/mn-rr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

static usec_t now_v;
static usec_t armed;
static uint8_t rnd;
static uint8_t last_ht_cookie[8], last_ct_cookie[8];

static usec_t f_now(void *ud)
{
	return now_v;
}

static void f_timer(struct mn_rr_entry *e, usec_t when, void *ud)
{
	armed = when;
}

static int f_send(struct mn_rr_entry *e, const struct mn_rr_tx *tx, const uint8_t *mh, size_t len, void *ud)
{
	check(len >= 8 && len % 8 == 0 && mh[0] == 59 && (mh[1] + 1u) * 8 == len);
	if (mh[2] == 1)
		memcpy(last_ht_cookie, mh + 8, 8);
	if (mh[2] == 2)
		memcpy(last_ct_cookie, mh + 8, 8);
	return 0;
}

static int f_rand(void *buf, size_t len, void *ud)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = ++rnd;
	return 0;
}

static const struct mn_rr_io IO = { .now = f_now, .timer = f_timer, .send = f_send, .rand = f_rand };

static void feed_test(struct mn_rr_table *t, const struct in6_addr *cn, const struct in6_addr *dst, uint8_t type,
		      const uint8_t cookie[8], bool tunnel)
{
	uint8_t b[24] = { 59, 2, type, 0, 0, 0, 0, 1 };
	struct mh_msg m;

	memcpy(b + 8, cookie, 8);
	check(mh_parse(b, sizeof(b), NULL, NULL, &m, NULL) == 0);
	(void)mn_rr_input(t, cn, dst, tunnel, b, sizeof(b), &m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct in6_addr hoa = { { { 0x20, 0x01, 0x0d, 0xb8, 1, [15] = 1 } } };
	static const struct in6_addr coa = { { { 0x20, 0x01, 0x0d, 0xb8, 2, [15] = 1 } } };
	static const struct in6_addr cn = { { { 0x20, 0x01, 0x0d, 0xb8, 9, [15] = 9 } } };
	struct mn_rr_params p = { .lifetime = 420, .ack = true };
	struct mn_rr_table *t;
	struct mn_rr_entry *e;
	size_t i = 1;
	uint64_t before, after;
	bool ok;

	if (size < 1)
		return 0;
	now_v = 1000 * USEC_PER_SEC;
	armed = 0;
	rnd = 0;
	check(mn_rr_table_new(&IO, NULL, &hoa, &p, &t) == 0);
	check(mn_rr_add(t, &cn, &e) == 0);
	mn_rr_moved(t, &coa, false);
	check(e->state == MN_RR_RR);
	if (data[0] & 1) {
		feed_test(t, &cn, &hoa, 3, last_ht_cookie, true);
		feed_test(t, &cn, &coa, 4, last_ct_cookie, false);
		check(e->state == MN_RR_BU_SENT);
	}
	while (i + 2 <= size) {
		uint8_t flags = data[i], len = data[i + 1];
		uint8_t buf[256];
		struct mh_msg m;

		i += 2;
		if (len > size - i)
			len = (uint8_t)(size - i);
		memcpy(buf, data + i, len);
		i += len;
		if ((flags & 4) && armed) {
			now_v = armed > now_v ? armed : now_v;
			mn_rr_timer_fired(e);
		}
		if (flags & 16) {
			struct ndisc_param_problem pp;
			struct mn_rr_entry *pe;
			enum mn_rr_pp r;
			uint64_t taken = mn_rr_pp_taken(t, false) + mn_rr_pp_taken(t, true);
			uint64_t unmatched = mn_rr_drops(t, MN_RR_DROP_PP_UNMATCHED) + mn_rr_drops(t, MN_RR_DROP_PP_MH_SEEN);

			if ((flags & 8) && (data[0] & 2) && len >= 64)
				memcpy(buf + 56, last_ht_cookie, 8);
			if (ndisc_param_problem_parse(buf, len, &pp) < 0)
				continue;
			r = mn_rr_param_problem(t, flags & 1 ? &coa : &hoa, &pp, &pe);
			check(r == MN_RR_PP_IGNORED ? mn_rr_drops(t, MN_RR_DROP_PP_UNMATCHED) +
								  mn_rr_drops(t, MN_RR_DROP_PP_MH_SEEN) == unmatched + 1 && !pe
						    : mn_rr_pp_taken(t, false) + mn_rr_pp_taken(t, true) == taken + 1 && pe == e);
			if (r == MN_RR_PP_NO_MH)
				check(e->state == MN_RR_DISABLED && !e->ht.outstanding && !e->ct.outstanding &&
				      !e->bu_outstanding && !e->bound && armed != 0);
			continue;
		}
		if ((flags & 8) && (data[0] & 2) && len >= 16)
			memcpy(buf + 8, buf[2] == 4 ? last_ct_cookie : last_ht_cookie, 8);
		if (mh_parse(buf, len, NULL, NULL, &m, NULL) < 0)
			continue;
		before = 0;
		for (int d = 0; d < _MN_RR_DROP_MAX; d++)
			before += mn_rr_drops(t, d);
		ok = mn_rr_input(t, &cn, flags & 1 ? &coa : &hoa, flags & 2, buf, len, &m);
		after = 0;
		for (int d = 0; d < _MN_RR_DROP_MAX; d++)
			after += mn_rr_drops(t, d);
		/* Taken, or ignored and counted once. */
		check(ok ? after == before : after == before + 1);
		check(mn_rr_state_to_string(e->state) != NULL);
		if (e->ht.outstanding || e->ct.outstanding || e->bu_outstanding)
			check(armed != 0);
	}
	mn_rr_table_free(t);
	return 0;
}
