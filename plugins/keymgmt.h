/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The key-management seam: how the HA and MN roles get and move the ESP SAs
 * that protect their signalling (RFC 3776, RFC 4877), without speaking VICI or
 * knowing SA details. The SPD itself is mip6d's (src/ipsec/spd.h); a backend
 * only provides SAs with the reqids the SPD names, and moves the IKE
 * endpoints when the MN's care-of address changes.
 *
 * Backends (plugins/km-backend.h; km_new picks the one the configuration names):
 *  - strongswan (plugins/km-strongswan.c): charon over VICI. up = `initiate`
 *    of the CHILD_SA whose traffic selectors name the pair; migrate =
 *    XFRM_MSG_MIGRATE with XFRMA_KMADDRESS (charon follows it: RFC 4877 §4.3);
 *    drop/renew = K=0: the HA terminates the IKE SA, the MN initiates anew.
 *  - static (plugins/km-static.c): manual keying (RFC 3776 §4.1): mip6d
 *    installs the SAs from the key file (src/ipsec/keyfile.h) on both ends;
 *    they are keyed on HoA/HA, so movement does not touch them.
 *
 * Roles ask what a backend can do (km_has) and never which backend it is.
 *
 * Contract of the asynchronous calls (km_up, km_migrate, km_drop, km_renew):
 *  - They return 0 when started, or a negative errno (then done never runs).
 *  - Once started, done(error, userdata) runs exactly once, later, from the
 *    event loop: never inside the call (not even when the backend finishes at
 *    once), unless the call is cancelled first.
 *  - owner (any pointer, may be NULL) groups calls: km_cancel(km, owner)
 *    detaches every pending call of that owner; their done never runs. An
 *    owner cancels before it goes away. km_free cancels everything.
 *  - Callbacks may start new calls and cancel; they must not free the km.
 *  - Completions are delivered in the order the backend finished them.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "conf/conf.h"

struct km;
struct io;
struct spd_pair;
typedef struct sd_event sd_event;

typedef void (*km_done_fn)(int error, void *userdata);

/* What a backend can do (km_features). */
enum km_feature {
	/* km_set_notify's callback runs when SAs come or go. */
	KM_F_NOTIFY = 1u << 0,
	/* SAs are negotiated and can go away on their own (peer, restart): an MN watches and re-ups. */
	KM_F_DYNAMIC = 1u << 1,
	/* km_migrate moves the IKE SA with the CoA: the node may set K (RFC 6275 §10.3.1, §11.7.1). */
	KM_F_MIGRATE = 1u << 2,
	/* Without K a CoA change means a new IKE SA: km_drop (HA), km_renew (MN) (RFC 4877 §4.3). */
	KM_F_REKEY_ON_MOVE = 1u << 3,
	/* Both ends install their SAs themselves (manual keys): the HA calls km_up for every pair it protects. */
	KM_F_LOCAL_KEYS = 1u << 4,
};

/*
 * The backend the configuration asks for (KeyManagement), created on the loop.
 * io: the I/O module (src/io/io.h) that owns the kernel layer and the key
 * manager's connection (the strongSwan backend needs it; static uses its netlink).
 */
int km_new(sd_event *e, struct io *io, const struct mip6_config *c, struct km **ret);
/* Cancels every pending call (no callback runs), then frees. Accepts NULL, returns NULL. */
struct km *km_free(struct km *km);

const char *km_name(const struct km *km);
unsigned km_features(const struct km *km);
/* True when the backend has all the features in mask. */
bool km_has(const struct km *km, unsigned mask);

/* The SAs for the pair exist (the MN brings them up first; with KM_F_LOCAL_KEYS the HA installs its side). */
int km_up(struct km *km, const struct spd_pair *p, const void *owner, km_done_fn done, void *userdata);
/*
 * K=1 (KM_F_MIGRATE): the MN's CoA went from old_coa (where the tunnel-mode SAs
 * point now; NULL: unknown) to coa (== HoA at home); role says which of the
 * SPD's policies are outbound. -EOPNOTSUPP without the feature.
 */
int km_migrate(struct km *km, enum node_role role, const struct spd_pair *p, const struct in6_addr *old_coa,
	       const struct in6_addr *coa, const void *owner, km_done_fn done, void *userdata);
/* K=0 on the HA: the IKE SA to the old CoA goes, without waiting for the peer. No-op without KM_F_REKEY_ON_MOVE. */
int km_drop(struct km *km, const struct spd_pair *p, const void *owner, km_done_fn done, void *userdata);
/* K=0 on the MN: drop the IKE SA and negotiate anew from the current CoA. No-op without KM_F_REKEY_ON_MOVE. */
int km_renew(struct km *km, const struct spd_pair *p, const void *owner, km_done_fn done, void *userdata);
/*
 * KM_F_LOCAL_KEYS: remove the SAs km_up installed for the pair (the HA's stop without
 * NonVolatileBindingCache: the kernel keeps nothing of a stopped mip6d). Completes with 0
 * and does nothing for a backend whose SAs are negotiated (they are the IKE daemon's).
 */
int km_down(struct km *km, const struct spd_pair *p, const void *owner, km_done_fn done, void *userdata);
/* Detach every pending call of owner: their callbacks never run. */
void km_cancel(struct km *km, const void *owner);

/*
 * Whether the backend reached what it keys through (RFC 6275 §11.2 wants the
 * SAs before the first BU; READY=1 waits for this, src/manager.h):
 *  - KM_STATE_CONNECTING   not known yet (the strongSwan backend before its
 *                          VICI session is up or has failed once)
 *  - KM_STATE_CONNECTED    connected (strongSwan: the VICI event session with
 *                          its events registered), or nothing to connect to (static)
 *  - KM_STATE_UNAVAILABLE  known absent (charon's socket refused or missing);
 *                          the backend keeps retrying and says so in the log
 * The backend raises it; the front calls the state callback on every change.
 */
enum km_state { KM_STATE_CONNECTING, KM_STATE_CONNECTED, KM_STATE_UNAVAILABLE };
enum km_state km_state(const struct km *km);
const char *km_state_to_string(enum km_state s);
/* What the backend connects to, for STATUS= ("charon (vici)"); "" when nothing. */
const char *km_peer(const struct km *km);
/* fn runs (from the backend's loop callbacks, never inside a km_* call) when km_state changes. */
void km_set_state_notify(struct km *km, void (*fn)(void *userdata), void *userdata);

/* True when the SAs of the pair are installed. */
bool km_is_up(struct km *km, const struct spd_pair *p);
/* fn runs from the loop whenever the backend learns that SAs came or went (KM_F_NOTIFY). */
void km_set_notify(struct km *km, void (*fn)(void *userdata), void *userdata);
/*
 * fn runs from the loop when the backend learns that its IKE daemon moved an IKE
 * SA's endpoints (strongSwan: plugins/ike-event.h), with the CLOCK_REALTIME µs
 * at which that report arrived (the timeline of a handover, mip6ctl bul / monitor).
 */
struct ike_moved;
typedef void (*km_ike_moved_fn)(const struct ike_moved *mv, uint64_t realtime_us, void *userdata);
void km_set_ike_moved_notify(struct km *km, km_ike_moved_fn fn, void *userdata);
void km_print(struct km *km, FILE *out, bool json);
