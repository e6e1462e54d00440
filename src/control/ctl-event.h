/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The events of `mip6ctl monitor`: what happened to a binding, one line each,
 * as text ("<time> <event> hoa=... coa=... ...") or as one JSON object
 * ({"time":"...","event":"...","hoa":"...",...}). Pure: formatting only; the
 * control server (control.h: ctl_publish) sends the lines to its subscribers.
 * Events:
 *   register    a binding accepted (HA: installed, BA 0 sent; MN: BA 0 received)
 *   move        an accepted BU with a new CoA (HA: installed; MN: BA 0 after a move)
 *   refresh     HA: a BU from the same CoA accepted
 *   deregister  HA: the MN returned home; MN: the deregistration was accepted
 *   expire      HA: the lifetime ran out
 *   remove      HA: `mip6ctl bc del`
 *   reject      a BU refused (status, reason: the BA status's name or the cause,
 *               e.g. the limit that refused it)
 *   movement    MN: a new link detected (the CoA it will register)
 *   sa-migrate  the IKE SA and its CHILD_SAs moved to the CoA (K=1, RFC 4877 §4.3),
 *               once the key manager answered (reason "failed: ..." when it refused)
 *   sa-drop     the IKE SA terminated for the MN to re-establish from the CoA (K=0),
 *               likewise at the answer
 *   lost        the subscriber's queue was full: count events were dropped
 *   ike-moved   the IKE daemon reported that it moved an IKE SA (K=1: charon's
 *               migrate job, plugins/ike-event.h); realtime_us is when that
 *               report arrived (CLOCK_REALTIME µs), reason names the reqid
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mip6_event_type {
	MIP6_EV_REGISTER,
	MIP6_EV_MOVE,
	MIP6_EV_REFRESH,
	MIP6_EV_DEREGISTER,
	MIP6_EV_EXPIRE,
	MIP6_EV_REMOVE,
	MIP6_EV_REJECT,
	MIP6_EV_MOVEMENT,
	MIP6_EV_SA_MIGRATE,
	MIP6_EV_SA_DROP,
	MIP6_EV_LOST,
	MIP6_EV_IKE_MOVED,
	_MIP6_EV_MAX,
};

/* One event; a NULL address or a negative number is left out of the line. */
struct mip6_event {
	enum mip6_event_type type;
	const struct in6_addr *hoa, *coa, *peer;
	int status;          /* a BA status, -1: none */
	const char *reason;  /* NULL: none */
	int64_t lifetime;    /* seconds, -1: none */
	int32_t seq;         /* -1: none */
	uint64_t count;      /* MIP6_EV_LOST only */
	uint64_t at_us;      /* when it happened, CLOCK_REALTIME µs, as "realtime_us"; 0: none */
};

/* An event with every optional field absent. */
#define MIP6_EVENT_INIT(t) { .type = (t), .status = -1, .lifetime = -1, .seq = -1 }

const char *mip6_event_type_to_string(enum mip6_event_type t);

/*
 * The event as one line ending in '\n' into buf: realtime_usec is the wall
 * clock time (CLOCK_REALTIME, µs) it carries. Returns the length, or -ENOSPC
 * when it does not fit, -ENOMEM.
 */
int mip6_event_format(const struct mip6_event *ev, uint64_t realtime_usec, bool json, char *buf, size_t size);
