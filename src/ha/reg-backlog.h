/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The new-registration backlog of the home agent (issue 10 item 5): BUs for a HoA
 * with no binding wait here while the HA serves refreshes, moves and
 * deregistrations of existing bindings at once. A new registration costs kernel
 * work (DAD, a route, a proxy entry, a tc filter); an existing binding's refresh
 * costs none. Bounded in entries (REG_BACKLOG_MAX) and in age (REG_BACKLOG_MAX_AGE:
 * the MN retransmits after INITIAL_BINDACK_TIMEOUT_FIRSTREG, RFC 6275 §13, so an
 * older entry's BA would be late anyway). Whatever does not fit or grows too old is
 * dropped and counted as new-registration-backlog (mip6ctl counters): never silent.
 * Fair between sources: one care-of /64 holds at most REG_BACKLOG_PER_SOURCE entries, so a
 * flood from one network (whatever its HoAs) fills a quarter of the backlog and a new MN
 * elsewhere still finds room, and waits behind at most that many of the flood's BUs. A flood
 * spread over many /64s is not told apart (without IPsec anyone can claim any CoA): FIFO.
 * Pure: no I/O, the caller passes the time.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/time-util.h"
#include "ha/ha-policy.h"
#include "mh/mh-socket.h"

#define REG_BACKLOG_MAX 256
#define REG_BACKLOG_PER_SOURCE (REG_BACKLOG_MAX / 4) /* entries of one care-of /64 */
#define REG_BACKLOG_SOURCES (2 * REG_BACKLOG_MAX)     /* slots of the per-source counts */
#define REG_BACKLOG_MAX_AGE (USEC_PER_SEC) /* < INITIAL_BINDACK_TIMEOUT_FIRSTREG (1.5 s) */
/*
 * When the HA (ha.c) starts a new registration instead of queueing it: at most REG_BUDGET of
 * registration work (the starts' own time, measured around each; the first start of an iteration
 * always goes) in one loop iteration, so that no dispatch keeps the MH queue unread for long (its
 * source runs first, io.h IO_MH_PRIORITY; a flood fills 128 KiB in ~125 ms); at most
 * REG_INFLIGHT_MAX under DAD at once, and none starts while REG_KNL_PENDING_MAX netlink requests
 * are queued, so a move's install never waits behind more than that. The backlog is retried on
 * the next iteration, or after REG_RETRY when the kernel is behind.
 */
#define REG_BUDGET (2 * USEC_PER_MSEC)
#define REG_INFLIGHT_MAX 64
#define REG_KNL_PENDING_MAX 64
#define REG_RETRY (10 * USEC_PER_MSEC)

struct reg_backlog_entry {
	struct ha_bu bu;
	struct mh_rx_info rx;
	usec_t queued;
};

struct reg_backlog_source {
	uint64_t prefix; /* the care-of address's first 64 bits */
	unsigned n;      /* its entries in the backlog; 0: a free slot */
};

struct reg_backlog {
	struct reg_backlog_entry e[REG_BACKLOG_MAX];
	size_t head, n; /* a ring: the oldest at head */
	/* entries per care-of /64: open addressing, linear probing, at most REG_BACKLOG_MAX used */
	struct reg_backlog_source src[REG_BACKLOG_SOURCES];
};

/* Queue one; -ENOBUFS when full or when its care-of /64 holds REG_BACKLOG_PER_SOURCE already
 * (the caller counts the drop). */
int reg_backlog_push(struct reg_backlog *b, const struct ha_bu *bu, const struct mh_rx_info *rx, usec_t now);
/* The oldest entry not older than REG_BACKLOG_MAX_AGE, copied to *ret and removed;
 * older ones are removed first and their number added to *expired. false when empty. */
bool reg_backlog_pop(struct reg_backlog *b, usec_t now, struct reg_backlog_entry *ret, size_t *expired);
/* Remove the entries older than REG_BACKLOG_MAX_AGE; returns how many. */
size_t reg_backlog_expire(struct reg_backlog *b, usec_t now);
/* Drop everything; returns how many. */
size_t reg_backlog_clear(struct reg_backlog *b);
/* How many entries of the care-of /64 of coa wait. */
unsigned reg_backlog_source_count(const struct reg_backlog *b, const struct in6_addr *coa);
