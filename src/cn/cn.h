/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The correspondent node role (RFC 6275 §9), behind the manager's role seam:
 * the return routability procedure (HoTI -> HoT, CoTI -> CoT, §9.4), Binding
 * Updates authorised by it (§9.5.1, cn-policy), the correspondent Binding
 * Cache (cn-bcache) with expiry, BAs with the Binding Authorization Data
 * option. Kernel: the wildcard-receive `hao` XFRM state and the inbound MH
 * policy that let BUs with a Home Address option reach the MH socket, an
 * outbound MH policy that keeps the RO states off the role's own messages,
 * and per binding the route-optimisation data path (cn-ro-path.h: RH2 out,
 * HAO in), installed before the BA goes: a failed install refuses the BU
 * (fail closed). Binding Error status 1 for a Home Address option without a
 * binding (the kernel's XFRM_MSG_REPORT). A Binding Refresh Request before a
 * binding in use expires (§9.5.5; "in use": its route2 state's packet count,
 * read from the kernel, grew shortly before; cn.c).
 */
#pragma once

#include "core/time-util.h"
#include "cn/rr-keygen.h"
#include "manager.h"

extern const struct role_ops cn_role_ops;

/*
 * Tests: the clock the role decides with (nonce ages, lifetimes) and the
 * random source of its keys, set before manager_start(). NULL: the real ones.
 */
struct cn_test_hooks {
	usec_t (*now)(void *userdata);
	rr_rand_fn rand;
	void *userdata;
	size_t bcache_max; /* the cache's limit (cn-bcache.h); 0: CN_BCACHE_MAX_DEFAULT */
};
void cn_set_test_hooks(const struct cn_test_hooks *hooks);
/* Tests: every entry's timer runs now as if due (the hooks' clock moved; the real timers did not). */
void cn_test_run_timers(struct manager *m);
