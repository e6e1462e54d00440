/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mobile node's side of route optimisation (RFC 6275 §5.2, §11.6-11.8):
 * one entry per correspondent (a Binding Update List entry of its own kind,
 * §11.1), each running the return routability procedure and the
 * correspondent registration.
 *
 * Pure protocol core: no sockets, no kernel. It talks to the world through
 * `struct mn_rr_io` (clock, one timer per entry, send, random octets); the
 * unit tests capture what it sends. The MN role calls mn_rr_moved() once its
 * home registration is accepted (away: a new care-of address) or its
 * deregistration is (home), and hands it the HoT, CoT, BA, BE and BRR that
 * come from correspondents.
 *
 * Per entry (event [guard] / action):
 *
 *   NONE, BOUND  --moved(away)-->   RR / HoTI (through the home agent's tunnel, from the HoA)
 *                                       unless the home keygen token is still valid (§5.2.7),
 *                                       CoTI (from the CoA, directly) always
 *   any          --moved(home) [a binding may exist at the CN]--> RR / HoTI only (§11.6.1)
 *   any          --moved(home) [no binding]-->            NONE
 *   RR           --HoT/CoT valid (§11.6.2)--> RR, or when both tokens are in:
 *                                       BU (Nonce Indices, Binding Authorization Data, §11.7.2)
 *                                       [A bit] BU_SENT  [no A bit] BOUND (home: NONE)
 *   RR, BU_SENT  --timer-->            retransmission, new cookie / new sequence number,
 *                                       timeout doubled from INITIAL_BINDACK_TIMEOUT up to
 *                                       MAX_BINDACK_TIMEOUT (§11.8)
 *   BU_SENT      --BA accepted-->      BOUND (home: NONE); refresh timer
 *   BU_SENT      --BA 136/137/138-->   RR / the expired token(s) again (§5.2.7, §11.7.3)
 *   BU_SENT      --BA 135-->           BU_SENT / sequence number from the BA, BU again
 *   BU_SENT      --BA other >= 128-->  FAILED / retry after MAX_BINDACK_TIMEOUT; after
 *                                       MAX_RO_FAILURE refusals DISABLED (§11.7.3: no more BUs)
 *   BOUND        --refresh timer, BRR (§11.7.4)--> RR (the tokens that are too old)
 *   any          --BE status 1 (§11.3.6)--> the binding is gone: NONE, then RR again
 *   any          --BE status 2 [a response expected]--> DISABLED for MN_RR_NO_MH_HOLD_USEC
 *                                       (§11.3.6; spoofable: not for good)
 *   FAILED       --timer-->            RR
 *   any          --ICMPv6 Parameter Problem code 1 quoting our HoTI/CoTI/BU (§11.3.5)-->
 *                                       DISABLED for MN_RR_NO_MH_HOLD_USEC (no binding, no BU)
 *   DISABLED     --hold over-->        NONE (away: RR again)
 *   BOUND, RR, BU_SENT --stop [away, may hold a binding, home token valid]--> BU_SENT / one
 *                                       deregistration BU (lifetime 0, §11.7.2), never
 *                                       retransmitted; its BA: NONE. After stop nothing else
 *                                       leaves and nothing else is taken.
 * HoT/CoT/BA not matching the entry's state are ignored and counted (§11.6.2, §11.7.3).
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/time-util.h"
#include "mh/mh-codec.h"

/* RFC 6275 §12. */
#define MN_RR_INITIAL_BINDACK_TIMEOUT_USEC (1 * USEC_PER_SEC)
#define MN_RR_MAX_BINDACK_TIMEOUT_USEC (32 * USEC_PER_SEC)
#define MN_RR_MAX_TOKEN_LIFETIME_USEC (210 * USEC_PER_SEC)
#define MN_RR_MAX_RR_BINDING_LIFETIME 420 /* seconds */
#define MN_RR_MAX_UPDATE_RATE 3           /* messages of one type to one CN per second */
#define MN_RR_MAX_RO_FAILURE 3
/*
 * RFC 6275 §11.3.5: after an ICMPv6 Parameter Problem code 1 (the correspondent does not know
 * the Mobility Header) no BU goes to it, and such an entry "SHOULD be removed after a period
 * of time in order to allow for retrying route optimization": this period (the RFC names none).
 */
#define MN_RR_NO_MH_HOLD_USEC (600 * USEC_PER_SEC)

enum mn_rr_state {
	MN_RR_NONE,     /* no binding at the correspondent, nothing pending */
	MN_RR_RR,       /* return routability in progress (HoTI and/or CoTI outstanding) */
	MN_RR_BU_SENT,  /* BU with the A bit outstanding */
	MN_RR_BOUND,    /* the correspondent holds our binding */
	MN_RR_FAILED,   /* refused (status >= 128); retry timer armed */
	MN_RR_DISABLED, /* no route optimisation with this peer (§11.3.6, §11.7.3) */
	_MN_RR_STATE_MAX,
	_MN_RR_STATE_INVALID = -22,
};

/* How a message leaves (RFC 6275 §11.6.1, §11.7.2). */
enum mn_rr_path {
	MN_RR_PATH_TUNNEL, /* from the HoA through the home agent's tunnel (HoTI away from home) */
	MN_RR_PATH_DIRECT, /* from tx->src, no Home Address option (CoTI; HoTI and BU at home) */
	MN_RR_PATH_HAO,    /* from the CoA (tx->src) with a Home Address option (tx->hoa): a BU away */
};

struct mn_rr_tx {
	enum mn_rr_path path;
	struct in6_addr src, dst, hoa;
};

/* Reasons a message from a correspondent was ignored (counted per table). */
enum mn_rr_drop {
	MN_RR_DROP_NO_ENTRY,     /* no entry for the source (§11.6.2, §11.3.6, §11.7.4) */
	MN_RR_DROP_NOT_WAITING,  /* HoT/CoT: no test outstanding, token already in (§11.6.2) */
	MN_RR_DROP_COOKIE,       /* HoT/CoT: the init cookie does not match (§11.6.2) */
	MN_RR_DROP_DST,          /* HoT not to the HoA through the tunnel, CoT not to the CoA */
	MN_RR_DROP_BA_SEQ,       /* BA: no outstanding BU with that sequence number (§11.7.3) */
	MN_RR_DROP_BA_AUTH,      /* BA: authenticator missing or wrong (§11.7.3, §9.5.4) */
	MN_RR_DROP_BE_IGNORED,   /* BE status 2 with nothing expected, or an unknown status */
	MN_RR_DROP_PP_UNMATCHED, /* ICMPv6 Parameter Problem quoting no message of ours (mn_rr_param_problem) */
	MN_RR_DROP_PP_MH_SEEN,   /* code 1 from a correspondent that answered us before: transient (its daemon restarting) */
	MN_RR_DROP_BE_RR_RUNNING, /* BE status 1 while the procedure it asks for already runs (§11.3.6) */
	_MN_RR_DROP_MAX,
};

struct mn_rr_params {
	uint32_t lifetime; /* requested, seconds, <= MAX_RR_BINDING_LIFETIME (MnMaxCnBindingLife) */
	bool ack;          /* A bit in BUs (UseCnBuAck) */
};

/* One token half of the procedure (§11.6.1: what the BUL records). */
struct mn_rr_test {
	bool outstanding;        /* init message sent, no valid test yet */
	uint8_t cookie[MH_COOKIE_LEN];
	uint8_t prev_cookie[MH_COOKIE_LEN]; /* the one before (a late ICMPv6 error may quote it) */
	bool has_prev;
	usec_t sent, due, backoff;
	unsigned retransmits;
	bool have;               /* a token is in */
	uint8_t token[MH_KEYGEN_TOKEN_LEN];
	uint16_t nonce_index;
	usec_t token_time;       /* when its init message left: valid MAX_TOKEN_LIFETIME from there */
	struct in6_addr addr;    /* the address the token is for (care-of: the CoA) */
	usec_t rate[MN_RR_MAX_UPDATE_RATE]; /* the last sends (§11.8 MAX_UPDATE_RATE) */
	unsigned rate_i;
};

/* Read-only outside mn-rr.c. */
struct mn_rr_entry {
	struct mn_rr_table *table;
	struct mn_rr_entry *next;
	struct in6_addr cn, hoa;
	enum mn_rr_state state;
	bool home;            /* the current target is a deregistration (at home) */
	bool bound;           /* the correspondent may hold a binding for us */
	struct in6_addr coa;  /* the move's care-of address (== HoA at home) */
	struct mn_rr_test ht, ct;
	/* registration */
	uint16_t seq;
	bool bu_outstanding;
	struct in6_addr bu_coa;
	uint8_t kbm[20];
	uint8_t bu_auth[12];  /* the last BU's authenticator (a Parameter Problem must quote it) */
	usec_t bu_sent, bu_due, bu_backoff, refresh_at, expires;
	unsigned bu_retransmits, failures;
	uint32_t lifetime_sent, lifetime_granted;
	uint8_t last_status;
	usec_t bu_rate[MN_RR_MAX_UPDATE_RATE];
	unsigned bu_rate_i;
	uint64_t rr_runs, bus_sent, restarts; /* restarts: 136/137/138, BE 1 */
	uint64_t send_errors; /* the I/O refused a message (retried on the timer) */
	bool bu_waiting;      /* the last BU was refused by the I/O: mn_rr_send_ready() sends it */
	bool dereg;           /* the BU is the deregistration sent away from home on stop (mn_rr_stop) */
	bool mh_seen;         /* it answered with a valid HoT, CoT or authenticated BA: it knows the MH */
	/*
	 * The correspondent accepted a binding for ro_coa (a BA with status < 128, or a BU
	 * without the A bit) that has not expired, been refused or reported gone (BE 1) since:
	 * what the MN's data path may send directly (§11.3.1; mn_rr_ro_usable()).
	 */
	bool ro_ok;
	struct in6_addr ro_coa;
	usec_t hold_until;    /* DISABLED by a Parameter Problem code 1: until then (0: for good) */
	/*
	 * Learnt from traffic (a wildcard MnRoPolicy, set by the caller after mn_rr_add): an
	 * accepted binding is not refreshed by the table (refresh_at 0); the caller refreshes it
	 * (mn_rr_refresh) when the correspondent is still in use, else drops the entry when it
	 * expires and learns the correspondent again if traffic comes back.
	 */
	bool learnt;
	usec_t armed;         /* the timer's deadline (0: off) */
	void *io_ctx;
};

struct mn_rr_io {
	usec_t (*now)(void *ud);
	/* Arm the entry's timer for `when` (absolute), or stop it (0). */
	void (*timer)(struct mn_rr_entry *e, usec_t when, void *ud);
	/* Send one Mobility Header (checksum 0: the kernel fills it). 0 or a negative errno. */
	int (*send)(struct mn_rr_entry *e, const struct mn_rr_tx *tx, const uint8_t *mh, size_t len, void *ud);
	/* len random octets (cookies, the first sequence number); 0 or a negative errno. */
	int (*rand)(void *buf, size_t len, void *ud);
	/* The entry is being freed: release io_ctx. May be NULL. */
	void (*release)(struct mn_rr_entry *e, void *ud);
};

struct mn_rr_table;

/*
 * After rr_crypto_prepare() (its error returned): the first BU's Kbm and authenticator do not
 * wait for OpenSSL's lazy set-up.
 */
int mn_rr_table_new(const struct mn_rr_io *io, void *ud, const struct in6_addr *hoa,
		    const struct mn_rr_params *params, struct mn_rr_table **ret);
struct mn_rr_table *mn_rr_table_free(struct mn_rr_table *t);
void mn_rr_set_params(struct mn_rr_table *t, const struct mn_rr_params *params);

/*
 * A correspondent to use route optimisation with (the policy said yes). When the MN is away and
 * registered (the last mn_rr_moved), the procedure starts now (§11.7.2: "at any time after
 * sending the Binding Update to its home agent"). -EEXIST if it is there.
 */
int mn_rr_add(struct mn_rr_table *t, const struct in6_addr *cn, struct mn_rr_entry **ret);
struct mn_rr_entry *mn_rr_find(struct mn_rr_table *t, const struct in6_addr *cn);
/* Forget the entry (its timer stopped, io->release called); nothing is sent. */
void mn_rr_remove(struct mn_rr_table *t, struct mn_rr_entry *e);
struct mn_rr_entry *mn_rr_first(struct mn_rr_table *t);

/*
 * The home registration for a new care-of address was accepted (home false), or the
 * deregistration was (home true, coa == the HoA): every entry registers again (§11.7.2).
 */
void mn_rr_moved(struct mn_rr_table *t, const struct in6_addr *coa, bool home);
/*
 * The MN stops (SIGTERM): RFC 6275 §11.7.2, a mobile node that stops using route optimisation
 * with a correspondent deletes its binding there. Away from home, every entry whose
 * correspondent may hold a binding and whose home keygen token is still valid (§5.2.7) sends
 * one BU with lifetime 0 now: from the CoA with the Home Address option, Nonce Indices with the
 * care-of nonce index 0, Kbm = SHA1(home keygen token) (§5.2.5) and the authenticator over
 * the home address (§6.2.7: "the home address of the mobile node if this option is used in
 * de-registration"), the A bit as configured. It is never retransmitted: from now on the timers
 * do nothing and only a BA to such a BU is taken. Returns the number of BUs sent or waiting for
 * the I/O (mn_rr_send_ready); mn_rr_stop_pending() counts those not done yet (a BA awaited with
 * the A bit, or not sent yet).
 */
unsigned mn_rr_stop(struct mn_rr_table *t);
unsigned mn_rr_stop_pending(const struct mn_rr_table *t);
/* When the home registration ends (§11.7.2: a correspondent binding asks for no more); 0: unknown. */
void mn_rr_set_home_expiry(struct mn_rr_table *t, usec_t expires);
/*
 * RFC 6275 §11.7.2: a new BU before the binding expires, the correspondent still being in use
 * (the caller's decision, for a learnt entry): the procedure for the tokens that are too old
 * (§5.2.7), then the BU. Only a BOUND entry away from home (false otherwise, nothing changes).
 */
bool mn_rr_refresh(struct mn_rr_entry *e);
/* The entry's timer fired. */
void mn_rr_timer_fired(struct mn_rr_entry *e);
/* The I/O can send the entry's BU now (its data path is installed): a BU it refused leaves. */
void mn_rr_send_ready(struct mn_rr_entry *e);
/*
 * RFC 6275 §11.3.1: whether packets to the correspondent may go directly from coa with a Home
 * Address option: it accepted a binding for coa that is still valid at `now`.
 */
bool mn_rr_ro_usable(const struct mn_rr_entry *e, const struct in6_addr *coa, usec_t now);

/*
 * A parsed message from a correspondent (rx->src) to us (rx->dst). raw/raw_len: the Mobility
 * Header as received (a BA's authenticator covers it). from_tunnel: it came decapsulated from
 * the home agent's tunnel (a HoT away from home must, §11.6.2). Returns true when the message
 * was taken, false when it was ignored (counted by reason).
 */
bool mn_rr_input(struct mn_rr_table *t, const struct in6_addr *src, const struct in6_addr *dst,
		 bool from_tunnel, const uint8_t *raw, size_t raw_len, const struct mh_msg *msg);

/*
 * An ICMPv6 Parameter Problem (RFC 4443 §3.4) to dst, one of our addresses (RFC 6275 §11.3.5).
 * Taken only when it quotes a message of ours to a correspondent with an entry (no entry is
 * ever created, §11.3.5): sent from dst itself, and
 *   code 1: the Pointer at the Next Header field naming the Mobility Header (135) of our HoTI or
 *           CoTI carrying the cookie of that entry's last or previous init message, or of the
 *           last BU carrying its sequence number and authenticator: an off-path node knows
 *           neither, so it cannot turn route optimisation off. The entry goes DISABLED for
 *           MN_RR_NO_MH_HOLD_USEC: no binding, nothing outstanding, no BU. Not when the
 *           correspondent answered a HoTI, CoTI or BU of ours before (mh_seen): it knows the
 *           MH, the error is transient (its Mobile IPv6 daemon restarting leaves its kernel
 *           without an MH socket for a moment); ignored (MN_RR_DROP_PP_MH_SEEN), the
 *           retransmissions go on.
 *   code 2: the Pointer at the Home Address option (our HoA) of a packet from our current
 *           care-of address to the correspondent: "SHOULD log the error and then discard" (the
 *           caller logs; nothing changes).
 * Anything else is MN_RR_PP_IGNORED, counted as MN_RR_DROP_PP_UNMATCHED. *ret: the entry.
 */
struct ndisc_param_problem;
enum mn_rr_pp {
	MN_RR_PP_IGNORED,
	MN_RR_PP_NO_MH,  /* code 1: route optimisation off with that correspondent for a while */
	MN_RR_PP_NO_HAO, /* code 2: to be logged */
};
enum mn_rr_pp mn_rr_param_problem(struct mn_rr_table *t, const struct in6_addr *dst,
				  const struct ndisc_param_problem *pp, struct mn_rr_entry **ret);
/* Parameter Problems taken: code 1 (no Mobility Header), code 2 (no Home Address option). */
uint64_t mn_rr_pp_taken(const struct mn_rr_table *t, bool hao);

uint64_t mn_rr_drops(const struct mn_rr_table *t, enum mn_rr_drop why);
const char *mn_rr_state_to_string(enum mn_rr_state s);
const char *mn_rr_drop_to_string(enum mn_rr_drop d);
/* Seconds until the binding expires (0 when not bound). */
long long mn_rr_left(const struct mn_rr_entry *e, usec_t now);

/* RFC 6275 §11.7.2 "MAY choose to keep its topological location private": MnRoPolicy. */
struct mip6_config;
struct conf_home_link;
/*
 * Whether route optimisation is used with cn: DoRouteOptimizationMN and the home link's
 * MnRoPolicy (an entry naming cn first, else one without an address); no entry: no.
 */
bool mn_rr_policy_allows(const struct mip6_config *c, const struct conf_home_link *hl, const struct in6_addr *cn);
