/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MN's record of its recent handovers (RFC 6275 §11.5 movement, §11.7.1
 * registration): for each move, when each of its steps happened, on one clock
 * for all of them: CLOCK_REALTIME in µs, the clock of packet captures
 * (tcpdump/tshark epoch times) and of every network namespace of a host, so
 * the HA's events and a capture line up with the MN's.
 *
 * Steps (enum ho_step), each stamped once, where it happens:
 *   link_down, link_up  netlink: the MN's interface lost / regained its carrier
 *                       (the last of each since the previous move; none when
 *                       the move came without a link change)
 *   ra                  the Router Advertisement that told of the move arrived
 *   decided             movement decided (the move starts)
 *   kernel_done         the move's addresses, routes, rule and tunnel acknowledged
 *   bu_sent             the move's first BU left
 *   ba_rcvd             its BA was accepted
 *   ike_moved           K=1: charon reported the IKE SA moved (its migrate job,
 *                       plugins/ike-event.h), after this move's MIGRATE started
 *
 * Pure: the caller passes the time. A ring of HO_RING records: the oldest is
 * overwritten, memory stays bounded.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct json_object json_object;

#define HO_RING 16

enum ho_step {
	HO_LINK_DOWN,
	HO_LINK_UP,
	HO_RA,
	HO_DECIDED,
	HO_KERNEL_DONE,
	HO_BU_SENT,
	HO_BA_RCVD,
	HO_IKE_MOVED,
	_HO_STEP_MAX,
};

struct ho_rec {
	char from[8], to[8];
	uint64_t t[_HO_STEP_MAX]; /* CLOCK_REALTIME µs; 0: not (yet) seen */
	uint64_t detected_boot;   /* the decision on the daemon's clock (CLOCK_BOOTTIME µs) */
	bool km_move;             /* a MIGRATE for this move started: ike_moved may be stamped */
	uint32_t ike_reqid;       /* the reqid charon named with ike_moved */
	uint8_t status;           /* the BA's */
};

struct ho_ring {
	struct ho_rec v[HO_RING];
	unsigned n;              /* records ever begun */
	uint64_t link[2];        /* link_down, link_up since the last move (0: none) */
};

const char *ho_step_to_string(enum ho_step s);

/*
 * A link event (carrier lost: up == false) at t, kept for the next move; a carrier back
 * after the current move was decided, with that move's carrier loss and no link event since,
 * is stamped on that move (the kernel's notification came after the RA).
 */
void ho_ring_link(struct ho_ring *r, bool up, uint64_t t);
/*
 * A move decided at t (boot: the same instant on CLOCK_BOOTTIME) on the RA that
 * arrived at ra_t: a new record (the oldest one goes when the ring is full) that
 * takes the link events since the previous move.
 */
struct ho_rec *ho_ring_begin(struct ho_ring *r, const char *from, const char *to, uint64_t ra_t, uint64_t t,
			     uint64_t boot);
/* The latest record, NULL before the first move. */
struct ho_rec *ho_ring_current(struct ho_ring *r);
/* Records kept (<= HO_RING) and the i-th, oldest first. */
size_t ho_ring_size(const struct ho_ring *r);
const struct ho_rec *ho_ring_get(const struct ho_ring *r, size_t i);
/* Stamp step s at t unless it was stamped already (or t is 0): true when this call stamped it. */
bool ho_stamp(struct ho_rec *h, enum ho_step s, uint64_t t);

/*
 * The record as a JSON object appended to list: "from", "to", "status",
 * "realtime_us" {step: µs, ...} with the steps seen, and the older relative
 * figures ("detected_ms" on CLOCK_BOOTTIME, "bu_after_ms", "ba_after_ms",
 * "bu_to_ba_ms", -1 when not seen).
 */
void ho_rec_json(json_object *list, const struct ho_rec *h);
