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
	ck_assert_int_eq(spd_ha_set(c, &p, &n), 3);
	ck_assert_uint_eq(n, 4 + 4 + 2);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			ck_assert_int_ne(spd_policy_key_cmp(&p[i], &p[j]), 0);
	free(p);
	c->use_mn_ha_ipsec = false;
	ck_assert_int_eq(spd_ha_set(c, &p, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(p);
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
	suite_add_tcase(s, tc);
	if (unshare(CLONE_NEWNET) == 0) {
		TCase *tk = tcase_create("kernel");

		tcase_set_timeout(tk, 30);
		tcase_add_test(tk, kernel_flush_and_delete_repaired);
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
