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
 * (fail closed). Binding Refresh Requests and Binding Error status 1 are not
 * implemented.
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
};
void cn_set_test_hooks(const struct cn_test_hooks *hooks);
