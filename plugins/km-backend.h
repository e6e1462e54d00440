/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a key-management backend implements (the roles see plugins/keymgmt.h
 * only). The front (plugins/keymgmt.c) owns the guarantees of the seam:
 * deferral to the loop, cancellation by owner, exactly-once delivery. A
 * backend therefore only has to:
 *  - return 0 from an operation and then call km_call_complete(call, error)
 *    exactly once, at any time, even before returning (the front defers), or
 *  - return a negative errno and never touch call.
 *  - In destroy: it may complete its calls, and must not touch them afterwards.
 *  - Call km_backend_notify(front) whenever it learns that SAs came or went.
 *  - Call km_backend_state(front, state) when it is connected to what it keys
 *    through, or knows it absent (a backend that needs nothing raises
 *    KM_STATE_CONNECTED in create); the front starts in KM_STATE_CONNECTING.
 * Operations left NULL: migrate fails with -EOPNOTSUPP, drop, renew and down
 * are no-ops that complete with 0.
 */
#pragma once

#include "keymgmt.h"

struct km_call;

struct km_backend_ops {
	const char *name;
	const char *peer; /* what it connects to, for STATUS= ("charon (vici)"); NULL: nothing */
	unsigned features; /* enum km_feature */
	int (*create)(struct km *front, sd_event *e, struct io *io, const struct mip6_config *c, void **ret);
	void (*destroy)(void *be);
	int (*up)(void *be, const struct spd_pair *p, struct km_call *call);
	int (*migrate)(void *be, enum node_role role, const struct spd_pair *p, const struct in6_addr *old_coa,
		       const struct in6_addr *coa, struct km_call *call);
	int (*drop)(void *be, const struct spd_pair *p, struct km_call *call);
	int (*renew)(void *be, const struct spd_pair *p, struct km_call *call);
	int (*down)(void *be, const struct spd_pair *p, struct km_call *call); /* KM_F_LOCAL_KEYS */
	bool (*is_up)(void *be, const struct spd_pair *p);
	void (*print)(void *be, FILE *out, bool json);
};

extern const struct km_backend_ops km_strongswan_backend;
extern const struct km_backend_ops km_static_backend;

/* The backend for KeyManagement (the factory's choice). */
const struct km_backend_ops *km_backend_for(const struct mip6_config *c);
/* Tests of the roles: km_new builds ops whatever KeyManagement says (NULL: the factory's choice again). */
void km_backend_override(const struct km_backend_ops *ops);
/* km_new with a given backend (tests use fakes). */
int km_new_with(const struct km_backend_ops *ops, sd_event *e, struct io *io, const struct mip6_config *c,
		struct km **ret);

/* The backend finished call (exactly once). */
void km_call_complete(struct km_call *call, int error);
void km_backend_notify(struct km *front);
/* The IKE daemon reported an IKE SA move (plugins/ike-event.h) that arrived at realtime_us. */
void km_backend_ike_moved(struct km *front, const struct ike_moved *mv, uint64_t realtime_us);
/* The backend's connection state changed (enum km_state). */
void km_backend_state(struct km *front, enum km_state state);
