/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The installed SPD set (src/ipsec/spd-sync.h) against a fake kernel: what an
 * apply sends (install before delete, unchanged entries untouched), a refused
 * change undone in reverse with the old set kept, repairs after a DELPOLICY or a
 * FLUSHPOLICY notification (and none for our own deletions), clear; and the HA's
 * set for a configuration (spd_ha_set).
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>

#include "conf/conf.h"
#include "core/time-util.h"
#include "ipsec/spd-sync.h"
#include "ipsec/spd.h"
#include "event-loop.h"

#define MAX_REQ 64

static struct {
	sd_event *e;
	struct knl *knl;
	struct spd_sync *s;
	uint16_t type[MAX_REQ];
	struct knl_xfrm_policy pol[MAX_REQ];
	unsigned n;
	int fail_at; /* 1-based request number the kernel refuses, 0 = none */
	int done_result, done_calls;
} F;

static int fake_kernel(int protocol, const uint8_t *msg, size_t len, void *ud)
{
	struct knl_event ev;
	uint16_t type;

	ck_assert_int_eq(protocol, NETLINK_XFRM);
	memcpy(&type, msg + 4, sizeof(type));
	ck_assert_uint_lt(F.n, MAX_REQ);
	ck_assert_int_eq(knl_parse_xfrm(msg, len, &ev), 1);
	F.type[F.n] = type;
	F.pol[F.n] = ev.policy;
	F.n++;
	return (int)F.n == F.fail_at ? -EPERM : 0;
}

static void on_done(int result, void *ud)
{
	F.done_result = result;
	F.done_calls++;
}

static bool done_called(void)
{
	return F.done_calls > 0;
}

static bool run_until(bool (*pred)(void))
{
	return loop_run_until(F.e, pred, 10000); /* generous: the kernel cases fork ip(8) per check */
}

static void run_for(int ms)
{
	loop_run_for(F.e, ms);
}

static struct knl_xfrm_policy pol(const char *hoa, uint8_t dir, uint32_t reqid)
{
	struct knl_xfrm_policy p = { .dir = dir, .priority = 1, .n_tmpl = 1 };

	ck_assert_int_eq(inet_pton(AF_INET6, hoa, dir == XFRM_POLICY_IN ? &p.sel.src : &p.sel.dst), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8:1::1", dir == XFRM_POLICY_IN ? &p.sel.dst : &p.sel.src),
			 1);
	p.sel.src_len = p.sel.dst_len = 128;
	p.sel.proto = IPPROTO_MH;
	p.sel.type = KNL_XFRM_TYPE_ANY;
	p.tmpl[0].proto = IPPROTO_ESP;
	p.tmpl[0].mode = XFRM_MODE_TRANSPORT;
	p.tmpl[0].reqid = reqid;
	return p;
}

static void setup(void)
{
	memset(&F, 0, sizeof(F));
	ck_assert_int_ge(sd_event_new(&F.e), 0);
	ck_assert_int_eq(knl_new_fake(F.e, fake_kernel, NULL, &F.knl), 0);
	ck_assert_int_eq(spd_sync_new(F.knl, &F.s), 0);
}

static void teardown(void)
{
	F.s = spd_sync_free(F.s);
	F.knl = knl_free(F.knl);
	F.e = sd_event_unref(F.e);
}

static void apply_ok(const struct knl_xfrm_policy *want, size_t n)
{
	F.done_calls = 0;
	F.n = 0;
	ck_assert_int_eq(spd_sync_apply(F.s, want, n, on_done, NULL), 1);
	ck_assert(run_until(done_called));
	ck_assert_int_eq(F.done_result, 0);
}

static size_t installed(void)
{
	struct spd_sync_stats st;

	spd_sync_get_stats(F.s, &st);
	return st.installed;
}

START_TEST(apply_diffs_and_orders)
{
	struct knl_xfrm_policy a[3] = { pol("2001:db8:1::10", XFRM_POLICY_IN, 10),
					pol("2001:db8:1::10", XFRM_POLICY_OUT, 10),
					pol("2001:db8:1::11", XFRM_POLICY_IN, 11) };
	struct knl_xfrm_policy b[3] = { a[0], pol("2001:db8:1::11", XFRM_POLICY_IN, 99),
					pol("2001:db8:1::12", XFRM_POLICY_IN, 12) };

	apply_ok(a, 3);
	ck_assert_uint_eq(F.n, 3);
	for (unsigned i = 0; i < 3; i++)
		ck_assert_uint_eq(F.type[i], XFRM_MSG_UPDPOLICY);
	ck_assert_uint_eq(installed(), 3);
	/* Same set again: nothing to send, done does not run. */
	F.n = 0;
	ck_assert_int_eq(spd_sync_apply(F.s, a, 3, on_done, NULL), 0);
	run_for(30);
	ck_assert_uint_eq(F.n, 0);
	/* b: a[0] kept, ::11 changed (reqid), ::12 new, a[1] removed — installs first, the delete last. */
	apply_ok(b, 3);
	ck_assert_uint_eq(F.n, 3);
	ck_assert_uint_eq(F.type[0], XFRM_MSG_UPDPOLICY);
	ck_assert_uint_eq(F.type[1], XFRM_MSG_UPDPOLICY);
	ck_assert_uint_eq(F.type[2], XFRM_MSG_DELPOLICY);
	ck_assert_uint_eq(F.pol[2].dir, XFRM_POLICY_OUT);
	ck_assert(spd_sync_find(F.s, &a[1]) == NULL);
	ck_assert_uint_eq(spd_sync_find(F.s, &b[1])->tmpl[0].reqid, 99);
	ck_assert_uint_eq(installed(), 3);
	/* Bad input. */
	b[2] = b[1];
	ck_assert_int_eq(spd_sync_apply(F.s, b, 3, on_done, NULL), -EINVAL);
	ck_assert_int_eq(spd_sync_apply(F.s, a, 3, on_done, NULL), 1);
	ck_assert_int_eq(spd_sync_apply(F.s, a, 3, on_done, NULL), -EBUSY);
}
END_TEST

START_TEST(apply_failure_rolls_back)
{
	struct knl_xfrm_policy a[2] = { pol("2001:db8:1::10", XFRM_POLICY_IN, 10),
					pol("2001:db8:1::11", XFRM_POLICY_IN, 11) };
	struct knl_xfrm_policy b[2] = { pol("2001:db8:1::11", XFRM_POLICY_IN, 77),
					pol("2001:db8:1::12", XFRM_POLICY_IN, 12) };
	struct spd_sync_stats st;

	apply_ok(a, 2);
	/* b: ::11 replaced (1), ::12 added (2, refused), ::10 deleted (3); then the undo. */
	F.n = 0;
	F.done_calls = 0;
	F.fail_at = 2;
	ck_assert_int_eq(spd_sync_apply(F.s, b, 2, on_done, NULL), 1);
	ck_assert(run_until(done_called));
	ck_assert_int_eq(F.done_result, -EPERM);
	ck_assert_uint_eq(F.n, 5);
	ck_assert_uint_eq(F.type[2], XFRM_MSG_DELPOLICY);
	/* Reverse order: ::10 back first, then ::11 with its old reqid; the refused add is not undone. */
	ck_assert_uint_eq(F.type[3], XFRM_MSG_UPDPOLICY);
	ck_assert(memcmp(&F.pol[3].sel.src, &a[0].sel.src, 16) == 0);
	ck_assert_uint_eq(F.type[4], XFRM_MSG_UPDPOLICY);
	ck_assert_uint_eq(F.pol[4].tmpl[0].reqid, 11);
	ck_assert_uint_eq(spd_sync_find(F.s, &a[1])->tmpl[0].reqid, 11);
	ck_assert_ptr_nonnull(spd_sync_find(F.s, &a[0]));
	ck_assert(spd_sync_find(F.s, &b[1]) == NULL);
	spd_sync_get_stats(F.s, &st);
	ck_assert_uint_eq(st.apply_failures, 1);
	/* The old entries are still watched: a deletion of ::10 is repaired. */
	{
		struct knl_event ev = { .type = KNL_EVENT_XFRM_POLICY, .removed = true, .policy = a[0] };
		F.n = 0;
		F.fail_at = 0;
		spd_sync_on_event(F.s, &ev);
		run_for(30);
		ck_assert_uint_eq(F.n, 1);
	}
}
END_TEST

START_TEST(repairs_after_delete_and_flush)
{
	struct knl_xfrm_policy a[2] = { pol("2001:db8:1::10", XFRM_POLICY_IN, 10),
					pol("2001:db8:1::10", XFRM_POLICY_OUT, 10) };
	struct knl_event ev = { .type = KNL_EVENT_XFRM_POLICY, .removed = true, .policy = a[1] };
	struct spd_sync_stats st;

	apply_ok(a, 2);
	F.n = 0;
	ev.policy.index = 1234; /* the kernel's index does not matter, the key does */
	ev.policy.n_tmpl = 0;
	spd_sync_on_event(F.s, &ev);
	run_for(30);
	ck_assert_uint_eq(F.n, 1);
	ck_assert_uint_eq(F.type[0], XFRM_MSG_UPDPOLICY);
	ck_assert_uint_eq(F.pol[0].dir, XFRM_POLICY_OUT);
	ck_assert_uint_eq(F.pol[0].tmpl[0].reqid, 10); /* our copy, not the notification's */
	/* Not ours, not a deletion, another policy type's flush: nothing. */
	F.n = 0;
	ev.policy = pol("2001:db8:1::99", XFRM_POLICY_IN, 1);
	spd_sync_on_event(F.s, &ev);
	ev.policy = a[0];
	ev.removed = false;
	spd_sync_on_event(F.s, &ev);
	ev = (struct knl_event){ .type = KNL_EVENT_XFRM_POLICY_FLUSH, .removed = true };
	ev.policy.ptype = XFRM_POLICY_TYPE_SUB;
	spd_sync_on_event(F.s, &ev);
	run_for(30);
	ck_assert_uint_eq(F.n, 0);
	/* `ip xfrm policy flush`: everything again. */
	ev.policy.ptype = XFRM_POLICY_TYPE_MAIN;
	spd_sync_on_event(F.s, &ev);
	run_for(30);
	ck_assert_uint_eq(F.n, 2);
	spd_sync_resync(F.s);
	run_for(30);
	ck_assert_uint_eq(F.n, 4);
	spd_sync_get_stats(F.s, &st);
	ck_assert_uint_eq(st.repairs, 5);
	ck_assert_uint_eq(st.repair_failures, 0);
}
END_TEST

START_TEST(own_deletions_are_not_repaired)
{
	struct knl_xfrm_policy a[2] = { pol("2001:db8:1::10", XFRM_POLICY_IN, 10),
					pol("2001:db8:1::11", XFRM_POLICY_IN, 11) };
	struct knl_event ev = { .type = KNL_EVENT_XFRM_POLICY, .removed = true, .policy = a[1] };

	apply_ok(a, 2);
	/* Removing ::11: its DELPOLICY notification may come before the acknowledgement. */
	F.n = 0;
	F.done_calls = 0;
	ck_assert_int_eq(spd_sync_apply(F.s, a, 1, on_done, NULL), 1);
	spd_sync_on_event(F.s, &ev);
	ck_assert(run_until(done_called));
	spd_sync_on_event(F.s, &ev);
	run_for(30);
	ck_assert_uint_eq(F.n, 1);
	ck_assert_uint_eq(F.type[0], XFRM_MSG_DELPOLICY);
	/* Shutdown: every installed entry deleted, none repaired afterwards. */
	F.n = 0;
	F.done_calls = 0;
	ck_assert_int_eq(spd_sync_clear(F.s, on_done, NULL), 1);
	ck_assert_uint_eq(installed(), 0);
	ck_assert(run_until(done_called));
	ck_assert_int_eq(F.done_result, 0);
	ev.policy = a[0];
	spd_sync_on_event(F.s, &ev);
	run_for(30);
	ck_assert_uint_eq(F.n, 1);
	ck_assert_uint_eq(F.type[0], XFRM_MSG_DELPOLICY);
	ck_assert_int_eq(spd_sync_clear(F.s, on_done, NULL), 0);
}
END_TEST

START_TEST(ha_set_from_config)
{
	static const char text[] =
		"NodeConfig HA;\nInterface \"home0\";\nUseMnHaIPsec enabled;\n"
		"IPsecPolicySet { HomeAgentAddress 2001:db8:1::1; HomeAddress 2001:db8:1::10/64; "
		"HomeAddress 2001:db8:1::11/64; IPsecPolicy HomeRegBinding UseESP 1000000010; "
		"IPsecPolicy TunnelHomeTesting UseESP 1000000020; }\n"
		"IPsecPolicySet { HomeAgentAddress 2001:db8:1::1; HomeAddress 2001:db8:1::10/64; "
		"HomeAddress 2001:db8:1::12/64; IPsecPolicy HomeRegBinding UseESP 1000000030; }\n";
	struct mip6_config *c = NULL;
	struct knl_xfrm_policy *p = NULL;
	char *err = NULL;
	size_t n;

	ck_assert_msg(conf_load_string("t", text, sizeof(text) - 1, &c, &err) == 0, "%s", err);
	/* ::10 counts once (the first set's), ::11 with tunnel entries, ::12. */
	ck_assert_int_eq(spd_ha_set(c, NULL, NULL, &p, &n), 3);
	ck_assert_uint_eq(n, 4 + 4 + 2);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			ck_assert_int_ne(spd_policy_key_cmp(&p[i], &p[j]), 0);
	free(p);
	c->use_mn_ha_ipsec = false;
	ck_assert_int_eq(spd_ha_set(c, NULL, NULL, &p, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(p);
	conf_free(c);
}
END_TEST

/*
 * A start over a kept SPD (NonVolatileBindingCache, issue 11): the kernel's entries adopted,
 * then the first apply keeps the wanted ones as they are (no request), replaces a changed
 * one, installs the missing one and deletes the one nobody wants — installs first.
 */
START_TEST(adopt_then_apply_keeps_what_the_kernel_holds)
{
	struct knl_xfrm_policy have[4] = { pol("2001:db8:1::10", XFRM_POLICY_IN, 10),
					   pol("2001:db8:1::11", XFRM_POLICY_IN, 99),
					   pol("2001:db8:1::13", XFRM_POLICY_IN, 13),
					   pol("2001:db8:1::10", XFRM_POLICY_IN, 55) /* same key: first taken */ };
	struct knl_xfrm_policy want[3] = { pol("2001:db8:1::10", XFRM_POLICY_IN, 10),
					   pol("2001:db8:1::11", XFRM_POLICY_IN, 11),
					   pol("2001:db8:1::12", XFRM_POLICY_IN, 12) };
	struct spd_sync_diff d;
	struct spd_sync_stats st;

	have[0].index = 8; /* the kernel's index is not part of the entry */
	ck_assert_int_eq(spd_sync_adopt(F.s, have, 4), 3);
	ck_assert_int_eq(spd_sync_adopt(F.s, have, 4), -EBUSY);
	spd_sync_get_stats(F.s, &st);
	ck_assert_uint_eq(st.adopted, 3);
	ck_assert_uint_eq(spd_sync_find(F.s, &have[0])->tmpl[0].reqid, 10);
	ck_assert_int_eq(spd_sync_diff(F.s, want, 3, &d), 0);
	ck_assert_uint_eq(d.keep, 1);
	ck_assert_uint_eq(d.change, 1);
	ck_assert_uint_eq(d.add, 1);
	ck_assert_uint_eq(d.remove, 1);
	apply_ok(want, 3);
	ck_assert_uint_eq(F.n, 3);
	ck_assert_uint_eq(F.type[0], XFRM_MSG_UPDPOLICY);
	ck_assert_uint_eq(F.pol[0].tmpl[0].reqid, 11);
	ck_assert_uint_eq(F.type[1], XFRM_MSG_UPDPOLICY);
	ck_assert_uint_eq(F.pol[1].tmpl[0].reqid, 12);
	ck_assert_uint_eq(F.type[2], XFRM_MSG_DELPOLICY);
	ck_assert(memcmp(&F.pol[2].sel.src, &have[2].sel.src, 16) == 0);
	ck_assert_uint_eq(installed(), 3);
	/* The adopted entry is watched like an installed one: its deletion is repaired. */
	{
		struct knl_event ev = { .type = KNL_EVENT_XFRM_POLICY, .removed = true, .policy = want[0] };

		F.n = 0;
		spd_sync_on_event(F.s, &ev);
		run_for(30);
		ck_assert_uint_eq(F.n, 1);
		ck_assert_uint_eq(F.pol[0].tmpl[0].reqid, 10);
	}
}
END_TEST

/* A refused change at the first apply: the adopted set stays (the HA then ends before READY). */
START_TEST(adopt_then_refused_apply_undoes)
{
	struct knl_xfrm_policy have[1] = { pol("2001:db8:1::13", XFRM_POLICY_IN, 13) };
	struct knl_xfrm_policy want[1] = { pol("2001:db8:1::12", XFRM_POLICY_IN, 12) };

	ck_assert_int_eq(spd_sync_adopt(F.s, have, 1), 1);
	F.fail_at = 1;
	F.done_calls = 0;
	ck_assert_int_eq(spd_sync_apply(F.s, want, 1, on_done, NULL), 1);
	ck_assert(run_until(done_called));
	ck_assert_int_eq(F.done_result, -EPERM);
	ck_assert_ptr_nonnull(spd_sync_find(F.s, &have[0]));
	ck_assert(spd_sync_find(F.s, &want[0]) == NULL);
}
END_TEST

/* A tunnel template: ESP tunnel src -> dst. */
static struct knl_xfrm_policy tunnel_pol(const char *hoa, const char *src, const char *dst)
{
	struct knl_xfrm_policy p = pol(hoa, XFRM_POLICY_FWD, 20);

	p.priority = SPD_PRIORITY_TUNNEL;
	p.tmpl[0].mode = XFRM_MODE_TUNNEL;
	ck_assert_int_eq(inet_pton(AF_INET6, src, &p.tmpl[0].src), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, dst, &p.tmpl[0].dst), 1);
	return p;
}

/*
 * XFRM_MSG_MIGRATE moved a tunnel template to the CoA: spd_sync_note records it (no
 * request), so a flush is repaired with the CoA, not the HoA it was installed with, and an
 * apply of the moved entry sends nothing; with install the kernel gets the new entry too.
 */
START_TEST(note_is_what_a_repair_reinstalls)
{
	struct knl_xfrm_policy a = tunnel_pol("2001:db8:1::10", "2001:db8:1::10", "2001:db8:1::1");
	struct knl_xfrm_policy moved = tunnel_pol("2001:db8:1::10", "2001:db8:7::10", "2001:db8:1::1");
	struct knl_xfrm_policy back = a;
	struct knl_event ev = { .type = KNL_EVENT_XFRM_POLICY_FLUSH, .removed = true };
	struct knl_xfrm_policy other = pol("2001:db8:1::99", XFRM_POLICY_IN, 1);
	struct spd_sync_stats st;

	apply_ok(&a, 1);
	F.n = 0;
	ck_assert_int_eq(spd_sync_note(F.s, &moved, false), 1);
	ck_assert_int_eq(spd_sync_note(F.s, &other, false), 0);
	run_for(30);
	ck_assert_uint_eq(F.n, 0);
	spd_sync_on_event(F.s, &ev);
	run_for(30);
	ck_assert_uint_eq(F.n, 1);
	ck_assert(memcmp(&F.pol[0].tmpl[0].src, &moved.tmpl[0].src, 16) == 0);
	F.n = 0;
	ck_assert_int_eq(spd_sync_apply(F.s, &moved, 1, on_done, NULL), 0);
	ck_assert_int_eq(spd_sync_note(F.s, &back, true), 1);
	run_for(30);
	ck_assert_uint_eq(F.n, 1);
	ck_assert_uint_eq(F.type[0], XFRM_MSG_UPDPOLICY);
	ck_assert(memcmp(&F.pol[0].tmpl[0].src, &back.tmpl[0].src, 16) == 0);
	spd_sync_get_stats(F.s, &st);
	ck_assert_uint_eq(st.notes, 2);
	ck_assert_uint_eq(st.repairs, 1); /* the flush's; a note is no repair */
}
END_TEST

/* What the HA takes as its own at start, and its tunnel entries from the bindings' CoAs. */
static const struct in6_addr *end_of_11(const struct in6_addr *hoa, void *ud)
{
	static struct in6_addr coa;
	struct in6_addr h;

	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8:1::11", &h), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, ud, &coa), 1);
	return memcmp(hoa, &h, 16) == 0 ? &coa : NULL;
}

START_TEST(ha_owns_and_tunnel_ends)
{
	static const char text[] =
		"NodeConfig HA;\nInterface \"home0\";\nUseMnHaIPsec enabled;\n"
		"IPsecPolicySet { HomeAgentAddress 2001:db8:1::1; HomeAddress 2001:db8:1::10/64; "
		"HomeAddress 2001:db8:1::11/64; IPsecPolicy HomeRegBinding UseESP 1000000010; "
		"IPsecPolicy TunnelHomeTesting UseESP 1000000020; IPsecPolicy MobPfxDisc UseESP 1000000040; }\n";
	struct mip6_config *c = NULL;
	struct knl_xfrm_policy *p = NULL, q;
	struct in6_addr coa, h10;
	char *err = NULL;
	size_t n, tunnels = 0;

	ck_assert_msg(conf_load_string("t", text, sizeof(text) - 1, &c, &err) == 0, "%s", err);
	ck_assert_int_eq(spd_ha_set(c, end_of_11, (void *)"2001:db8:7::11", &p, &n), 2);
	ck_assert_uint_eq(n, 12);
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8:7::11", &coa), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8:1::10", &h10), 1);
	for (size_t i = 0; i < n; i++) {
		ck_assert(spd_ha_owns(&p[i]));
		if (p[i].tmpl[0].mode != XFRM_MODE_TUNNEL)
			continue;
		tunnels++;
		/* ::11's binding moved its SAs to the CoA; ::10's are on the HoA. */
		const struct in6_addr *outer = p[i].dir == XFRM_POLICY_FWD ? &p[i].tmpl[0].src : &p[i].tmpl[0].dst;
		const struct in6_addr *hoa = p[i].dir == XFRM_POLICY_FWD ? &p[i].sel.src : &p[i].sel.dst;
		ck_assert(memcmp(outer, memcmp(hoa, &h10, 16) == 0 ? &h10 : &coa, 16) == 0);
	}
	ck_assert_uint_eq(tunnels, 4);
	/* Not the HA's: a sub policy, a typed MH selector, another protocol, another priority. */
	q = p[0];
	q.ptype = XFRM_POLICY_TYPE_SUB;
	ck_assert(!spd_ha_owns(&q));
	q = p[0];
	q.sel.type = 5;
	ck_assert(!spd_ha_owns(&q));
	q = p[0];
	q.sel.proto = IPPROTO_TCP;
	ck_assert(!spd_ha_owns(&q));
	q = p[0];
	q.priority = 100;
	ck_assert(!spd_ha_owns(&q));
	/* The MPS entry of a home prefix is the HA's, and so is an earlier version's any -> any one. */
	struct in6_addr pfx = h10;
	memset(&pfx.s6_addr[8], 0, 8);
	spd_ha_mps_policy(&q, &pfx, 64, &p[0].sel.dst);
	ck_assert_uint_eq(q.sel.src_len, 64);
	ck_assert_uint_eq(q.sel.dst_len, 128);
	ck_assert(spd_ha_owns(&q));
	q.sel.src_len = q.sel.dst_len = 0;
	ck_assert(spd_ha_owns(&q));
	/* Another daemon's ICMPv6 entry at that priority (an ESP tunnel template) is not. */
	q.tmpl[0].proto = IPPROTO_ESP;
	q.tmpl[0].mode = XFRM_MODE_TUNNEL;
	ck_assert(!spd_ha_owns(&q));
	free(p);
	conf_free(c);
}
END_TEST

/* ---- the real kernel, in a private network namespace ---- */

static struct {
	struct spd_sync *s;
} K;

static void on_knl_event(const struct knl_event *ev, void *ud)
{
	spd_sync_on_event(K.s, ev);
}

static void on_knl_resync(void *ud)
{
	spd_sync_resync(K.s);
}

static bool policies_are(const char *cmd_count, int want)
{
	char buf[32] = "";
	FILE *p = popen(cmd_count, "r");

	ck_assert_ptr_nonnull(p);
	if (!fgets(buf, sizeof(buf), p))
		buf[0] = 0;
	pclose(p);
	return atoi(buf) == want;
}

#define COUNT_OURS "ip xfrm policy | grep -c '^src 2001:db8:1::'" /* the namespace holds only ours */
static bool all_three_back(void)
{
	return policies_are(COUNT_OURS, 3);
}

/* The kernel's own XFRMNLGRP_POLICY notifications (FLUSHPOLICY, DELPOLICY) drive the repair. */
START_TEST(kernel_flush_and_delete_repaired)
{
	struct knl_xfrm_policy a[3] = { pol("2001:db8:1::10", XFRM_POLICY_IN, 10),
					pol("2001:db8:1::10", XFRM_POLICY_OUT, 10),
					pol("2001:db8:1::11", XFRM_POLICY_IN, 11) };
	struct spd_sync_stats st;
	sd_event *e = NULL;
	struct knl *k = NULL;
	usec_t deadline;

	ck_assert_int_ge(sd_event_new(&e), 0);
	ck_assert_int_eq(knl_new(e, &k), 0);
	ck_assert_int_eq(spd_sync_new(k, &K.s), 0);
	ck_assert_int_eq(knl_monitor_start(k, KNL_MONITOR_XFRM_POLICY, on_knl_event, on_knl_resync, NULL), 0);
	F.e = e;
	F.done_calls = 0;
	ck_assert_int_eq(spd_sync_apply(K.s, a, 3, on_done, NULL), 1);
	ck_assert(run_until(done_called));
	ck_assert_int_eq(F.done_result, 0);
	ck_assert(policies_are(COUNT_OURS, 3));
	ck_assert_int_eq(system("ip xfrm policy flush"), 0);
	ck_assert(run_until(all_three_back));
	ck_assert_int_eq(system("ip xfrm policy delete src 2001:db8:1::11/128 dst 2001:db8:1::1/128 "
				"proto 135 dir in"), 0);
	ck_assert(!all_three_back());
	ck_assert(run_until(all_three_back));
	spd_sync_get_stats(K.s, &st);
	ck_assert_uint_eq(st.repairs, 4);
	ck_assert_uint_eq(st.repair_failures, 0);
	/* Clear: gone and not repaired. */
	F.done_calls = 0;
	ck_assert_int_eq(spd_sync_clear(K.s, on_done, NULL), 1);
	ck_assert(run_until(done_called));
	deadline = now_usec() + 200 * USEC_PER_MSEC;
	while (now_usec() < deadline)
		ck_assert_int_ge(sd_event_run(e, 10 * USEC_PER_MSEC), 0);
	ck_assert(policies_are("ip xfrm policy | grep -c '^src'", 0));
	K.s = spd_sync_free(K.s);
	knl_free(k);
	sd_event_unref(e);
	F.e = NULL;
}
END_TEST

static bool loaded_done(void)
{
	return F.done_calls > 0;
}

/*
 * The HA's whole set as the kernel dumps it back (issue 11): installed by one spd_sync, loaded
 * by a second (a restart): every entry adopted and equal to the wanted one, so the first apply
 * sends nothing; another process's policy (TCP) is not taken; an MH entry of no wanted HoA is
 * deleted by the apply.
 */
START_TEST(kernel_dump_adopts_the_ha_set)
{
	static const char text[] =
		"NodeConfig HA;\nInterface \"home0\";\nUseMnHaIPsec enabled;\n"
		"IPsecPolicySet { HomeAgentAddress 2001:db8:1::1; HomeAddress 2001:db8:1::10/64; "
		"HomeAddress 2001:db8:1::11/64; IPsecPolicy HomeRegBinding UseESP 1000000010; "
		"IPsecPolicy TunnelHomeTesting UseESP 1000000020; IPsecPolicy MobPfxDisc UseESP 1000000040; }\n";
	struct mip6_config *c = NULL;
	struct knl_xfrm_policy *p = NULL, orphan = pol("2001:db8:1::99", XFRM_POLICY_IN, 1000000050);
	struct spd_sync *s2 = NULL;
	struct spd_sync_stats st;
	struct spd_sync_diff d;
	sd_event *e = NULL;
	struct knl *k = NULL;
	char *err = NULL;
	size_t n;

	ck_assert_msg(conf_load_string("t", text, sizeof(text) - 1, &c, &err) == 0, "%s", err);
	ck_assert_int_eq(spd_ha_set(c, end_of_11, (void *)"2001:db8:7::11", &p, &n), 2);
	ck_assert_int_eq(system("ip xfrm policy flush && ip -6 xfrm policy add src 2001:db8:1::5/128 "
				"dst 2001:db8:1::1/128 proto tcp dir in priority 1"), 0);
	ck_assert_int_eq(sd_event_new(&e), 0);
	F.e = e;
	ck_assert_int_eq(knl_new(e, &k), 0);
	ck_assert_int_eq(spd_sync_new(k, &K.s), 0);
	F.done_calls = 0;
	ck_assert_int_eq(spd_sync_apply(K.s, p, n, on_done, NULL), 1);
	ck_assert(run_until(done_called));
	ck_assert_int_eq(F.done_result, 0);
	F.done_calls = 0;
	ck_assert_int_eq(spd_sync_apply(K.s, &orphan, 1, on_done, NULL), 1); /* replaces the set: deletes p */
	ck_assert(run_until(done_called));
	K.s = spd_sync_free(K.s); /* leaves the orphan */
	ck_assert_int_eq(spd_sync_new(k, &K.s), 0);
	F.done_calls = 0;
	ck_assert_int_eq(spd_sync_apply(K.s, p, n, on_done, NULL), 1);
	ck_assert(run_until(done_called));
	K.s = spd_sync_free(K.s); /* a stop with persistence: p and the orphan stay */

	ck_assert_int_eq(spd_sync_new(k, &s2), 0);
	F.done_calls = 0;
	ck_assert_int_eq(spd_sync_load(s2, spd_ha_owns, on_done, NULL), 0);
	ck_assert(run_until(loaded_done));
	ck_assert_int_eq(F.done_result, 0);
	spd_sync_get_stats(s2, &st);
	ck_assert_uint_eq(st.adopted, n + 1);
	ck_assert_int_eq(spd_sync_diff(s2, p, n, &d), 0);
	ck_assert_uint_eq(d.keep, n);
	ck_assert_uint_eq(d.change + d.add, 0);
	ck_assert_uint_eq(d.remove, 1);
	F.done_calls = 0;
	ck_assert_int_eq(spd_sync_apply(s2, p, n, on_done, NULL), 1); /* the orphan's deletion only */
	ck_assert(run_until(done_called));
	ck_assert_int_eq(F.done_result, 0);
	ck_assert(policies_are("ip xfrm policy | grep -c '2001:db8:1::99'", 0));
	ck_assert(policies_are("ip xfrm policy | grep -c 'proto tcp'", 1));
	ck_assert_int_eq(spd_sync_apply(s2, p, n, on_done, NULL), 0);
	s2 = spd_sync_free(s2);
	ck_assert_int_eq(system("ip xfrm policy flush"), 0);
	free(p);
	conf_free(c);
	knl_free(k);
	sd_event_unref(e);
	F.e = NULL;
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("spd-sync");
	TCase *tc = tcase_create("spd-sync");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, apply_diffs_and_orders);
	tcase_add_test(tc, apply_failure_rolls_back);
	tcase_add_test(tc, repairs_after_delete_and_flush);
	tcase_add_test(tc, own_deletions_are_not_repaired);
	tcase_add_test(tc, ha_set_from_config);
	tcase_add_test(tc, adopt_then_apply_keeps_what_the_kernel_holds);
	tcase_add_test(tc, adopt_then_refused_apply_undoes);
	tcase_add_test(tc, note_is_what_a_repair_reinstalls);
	tcase_add_test(tc, ha_owns_and_tunnel_ends);
	suite_add_tcase(s, tc);
	if (unshare(CLONE_NEWNET) == 0) {
		TCase *tk = tcase_create("kernel");

		tcase_set_timeout(tk, 30);
		tcase_add_test(tk, kernel_flush_and_delete_repaired);
		tcase_add_test(tk, kernel_dump_adopts_the_ha_set);
		suite_add_tcase(s, tk);
	} else
		fprintf(stderr, "test-spd-sync: no private network namespace: the kernel cases are skipped\n");
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
