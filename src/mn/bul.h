/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Binding Update List (RFC 6275 §11.1): one entry per (peer, home
 * address), each an explicit state machine. Today the MN uses one entry, the
 * home registration with its home agent; a correspondent registration (route
 * optimisation) is another entry with its own peer and no key management.
 *
 * The module does no I/O: it describes BUs as codec messages and talks to the
 * world through `struct bul_io` (clock, timers, send, key manager, events),
 * which the MN role implements over sd-event, the MH socket and the key
 * manager, and the unit tests implement with fakes.
 *
 * Generations. Every move (bul_move) takes a new table generation and stamps
 * it on every entry. Each asynchronous operation records the generation it
 * was started for: the kernel batch of a move (bul_kernel_done) and every key
 * manager operation (bul_km_done). A completion whose generation is not the
 * entry's current one is stale: it never sends a BU. A stale key-manager
 * completion still records where it left the IKE SA, and if the entry was
 * waiting for the key manager to be free, the entry proceeds then. At most one
 * key-manager operation per entry is in flight (e->km_busy): a second move
 * never starts a second MIGRATE chain beside the first.
 *
 * States and transitions (event [guard] / action):
 *
 *   NONE       --move-->                                  KERNEL
 *   KERNEL     --move-->                                  KERNEL  (new generation; older batch stale)
 *   KERNEL     --kernel_done(gen)--> proceed
 *   proceed:   [key manager busy]                         SAS_UP   (wait for it)
 *              [IPsec, SAs not up, not tried this move]  SAS_UP   / km up
 *              [IPsec, K=1, SA entries not at the CoA
 *               or IKE ends not in agreement]             SAS_MOVE / km move (MIGRATE chain)
 *              [at home and nothing to deregister]        NONE
 *              otherwise                                  BU_SENT  / first BU (lifetime 0 at home)
 *   SAS_UP, SAS_MOVE --km_done(gen)--> proceed            (stale gen: proceed too, it was awaited)
 *   BU_SENT    --timer-->                                 BU_SENT  / BU seq+1, timeout doubled up to
 *                                                                    MAX_BINDACK_TIMEOUT (§11.8); after
 *                                                                    MnMaxHaConsecutiveResends of them:
 *                                                                    event UNREACHABLE (once per BU)
 *   any        --set_peer-->                              KERNEL   (new generation, no binding at the peer)
 *   BU_SENT    --BA 135 (§11.7.3)-->                      BU_SENT  / seq := BA's, BU seq+1
 *   BU_SENT    --BA accepted, seq matches, lifetime > 0--> REGISTERED / refresh timer (BRA, §11.7.3)
 *                                                                    [K=0 after a move: km renew]
 *   BU_SENT    --BA accepted, seq matches, deregistration--> NONE / event DEREGISTERED
 *   BU_SENT    --BA 134, registration-->                  FAILED   / gave_up: no timer, never moved
 *                                                                    again (§11.7.1 MUST NOT reuse the HoA)
 *   BU_SENT    --BA 133, deregistration-->                FAILED   / retry in 1, 2 s; the third 133:
 *                                                                    NONE / event DEREGISTERED (give up)
 *   BU_SENT    --BA >= 128 (not 135), seq matches-->      FAILED   / retry timer MAX_BINDACK_TIMEOUT
 *   FAILED     --timer-->                                 BU_SENT  / BU seq+1
 *   REGISTERED --timer (refresh)-->                       BU_SENT  / first BU
 *   REGISTERED, BU_SENT --km re-up/renew done [K=1]-->    proceed  (move the IKE SA, BU again)
 *   any (after the first move) --SAs lost [idle key manager]--> same / km re-up
 * A BA in any state but BU_SENT is ignored (nothing outstanding).
 * Any BU (first, retransmission, refresh) waits in BU_SENT while three BUs left in the last
 * second (MAX_UPDATE_RATE, §11.8); it leaves when the oldest of them is a second old.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/time-util.h"

#define BUL_MAX_BINDACK_TIMEOUT_USEC (32 * USEC_PER_SEC) /* RFC 6275 §12 MAX_BINDACK_TIMEOUT */
#define BUL_MAX_UPDATE_RATE 3    /* RFC 6275 §12 MAX_UPDATE_RATE: BUs per second per binding */
#define BUL_MAX_DEREG_REFUSALS 3 /* a deregistration answered 133 this often: the MN gives up */

enum bul_deferred {
	BUL_DEFERRED_NONE,
	BUL_DEFERRED_FIRST,  /* a first BU waits for MAX_UPDATE_RATE */
	BUL_DEFERRED_RESEND, /* a retransmission does */
};

struct mh_msg;
struct mh_rx_info;

enum bul_state {
	BUL_NONE,       /* no binding at the peer, nothing pending */
	BUL_KERNEL,     /* the move's kernel batch is pending */
	BUL_SAS_UP,     /* waiting for the key manager: SAs coming up, or an older operation to end */
	BUL_SAS_MOVE,   /* the IKE SA (and tunnel-mode SAs) follow the CoA: MIGRATE chain */
	BUL_BU_SENT,    /* BU outstanding, retransmitting (§11.8) */
	BUL_REGISTERED, /* BA accepted; refresh timer armed */
	BUL_FAILED,     /* the peer refused (status >= 128); retry timer armed */
	_BUL_STATE_MAX,
	_BUL_STATE_INVALID = -22,
};

enum bul_timer {
	BUL_TIMER_BU, /* retransmission, refresh, retry after a refusal */
	BUL_TIMER_KM, /* bring lost SAs up again */
	_BUL_TIMER_MAX,
};

enum bul_km_kind {
	BUL_KM_UP,   /* bring the SAs up before the BU (RFC 4877: the BU travels in ESP) */
	BUL_KM_MOVE, /* K=1: MIGRATE the IKE SA to the CoA before the BU */
	BUL_KM_REUP,  /* the SAs went (charon restarted, SA deleted): bring them up again */
	BUL_KM_RENEW, /* K=0 after a move (RFC 4877 §4.3): drop the IKE SA, start one from the CoA */
	_BUL_KM_MAX,
};

enum bul_event {
	BUL_EV_BU_SENT,      /* first BU of a registration/deregistration left */
	BUL_EV_REGISTERED,   /* accepted BA (registration) */
	BUL_EV_DEREGISTERED, /* accepted BA (deregistration): the MN is home (§11.5.5: NA) */
	BUL_EV_REFUSED,      /* BA with status >= 128 */
	BUL_EV_UNREACHABLE,  /* MnMaxHaConsecutiveResends retransmissions unanswered (§11.4.1: next HA) */
	_BUL_EV_MAX,
};

struct bul_key {
	struct in6_addr peer; /* the home agent (or, later, a correspondent) */
	struct in6_addr hoa;
};

struct bul_km_req {
	enum bul_km_kind kind;
	uint64_t gen;
	bool has_old;             /* old_coa known (where the IKE SA is now) */
	struct in6_addr old_coa;
	struct in6_addr coa;      /* where it goes (== HoA at home) */
	bool k;                   /* MOVE: true (K=1 MIGRATE); RENEW: false */
};

struct bul_params {
	usec_t initial_first_reg; /* InitialBindackTimeoutFirstReg (§13), 1.5 s */
	usec_t initial_rereg;     /* INITIAL_BINDACK_TIMEOUT (§12), 1 s */
	unsigned max_resends;     /* MnMaxHaConsecutiveResends; then stay at the maximum (0: no limit) */
	uint32_t lifetime;        /* requested lifetime, seconds */
};

/* Read-only outside bul.c (printing, tests). */
struct bul_entry {
	struct bul_table *table;
	struct bul_entry *next;
	struct bul_key key;
	bool home_reg;  /* H flag: home registration */
	bool ipsec;     /* MN–HA IPsec: SAs must be up before the BU */
	bool kbit;      /* K flag sent (cleared when the HA answers K=0) */
	enum bul_state state;
	uint64_t gen;   /* the move this entry is working on */
	bool home;      /* the move's target is the home link: deregistration */
	struct in6_addr coa;      /* the move's care-of address (== HoA at home) */
	struct in6_addr bu_coa;   /* the CoA the outstanding/accepted BU names */
	struct in6_addr reg_coa;  /* CoA of the last accepted registration (HoA: none/home) */
	bool bound;               /* the peer may hold a binding (a registration BU left) */
	bool tried_up;            /* km up tried in this move (do not loop on failure) */
	/* key manager */
	bool km_busy;
	struct bul_km_req km_op;  /* the operation in flight */
	/*
	 * Where the tunnel-mode SPD entries point (the HoA from start; a MIGRATE
	 * moves them, nothing else does), and whether both IKE ends agree on the
	 * CoA (false after SAs were re-established with K=1: a MIGRATE with
	 * KMADDRESS tells the peer again).
	 */
	struct in6_addr sa_coa;
	bool ike_synced;
	/* registration */
	uint16_t seq;
	usec_t backoff, bu_first_sent, bu_sent, ba_time, expires;
	unsigned retransmits;
	uint32_t lifetime_granted, refresh_sec;
	uint8_t last_status;
	bool gave_up;              /* 134 (§11.7.1): this HoA is not used again */
	unsigned dereg_refusals;   /* 133 answers to this move's deregistration */
	usec_t sent_at[BUL_MAX_UPDATE_RATE]; /* the last BUs' send times (§11.8) */
	unsigned sent_i;
	enum bul_deferred deferred;
	uint64_t rate_limited;     /* BUs MAX_UPDATE_RATE deferred */
	void *io_ctx; /* the I/O layer's (timers) */
};

struct bul_io {
	usec_t (*now)(void *ud);
	/* Arm the entry's timer `which` for `when` (absolute), or stop it (when == 0). */
	void (*timer)(struct bul_entry *e, enum bul_timer which, usec_t when, void *ud);
	/* Send a BU from e->key.hoa to e->key.peer. 0 or a negative errno. */
	int (*send)(struct bul_entry *e, const struct mh_msg *bu, void *ud);
	bool (*km_is_up)(struct bul_entry *e, void *ud);
	/* Start a key-manager operation; bul_km_done() later, never synchronously. 0 or negative errno. */
	int (*km_start)(struct bul_entry *e, const struct bul_km_req *req, void *ud);
	void (*event)(struct bul_entry *e, enum bul_event ev, void *ud);
	/* The entry is being freed: release io_ctx. */
	void (*release)(struct bul_entry *e, void *ud);
};

struct bul_table;

int bul_table_new(const struct bul_io *io, void *ud, const struct bul_params *params, struct bul_table **ret);
struct bul_table *bul_table_free(struct bul_table *t);
void bul_table_set_params(struct bul_table *t, const struct bul_params *params);
uint64_t bul_table_gen(const struct bul_table *t);

/* A new entry in NONE (-EEXIST if the key is there). */
int bul_add(struct bul_table *t, const struct bul_key *key, bool home_reg, bool ipsec, bool kbit,
	    struct bul_entry **ret);
struct bul_entry *bul_find(struct bul_table *t, const struct in6_addr *peer, const struct in6_addr *hoa);
struct bul_entry *bul_first(struct bul_table *t);

/* The MN moved to coa (home: coa == HoA). Returns the move's generation, for the kernel batch. */
uint64_t bul_move(struct bul_table *t, const struct in6_addr *coa, bool home);
/* The kernel batch of generation gen completed (error: the first failure, logged; the move goes on). */
void bul_kernel_done(struct bul_table *t, uint64_t gen, int error);
/*
 * The entry's peer changes (RFC 6275 §11.4.1: the home agent from a DHAAD Reply, or the next one
 * on its list when this one stopped answering). The entry starts afresh for its peer (no binding
 * there: the first BU takes InitialBindackTimeoutFirstReg) and waits in KERNEL for the returned
 * generation, like a move to its current care-of address; -EEXIST if (peer, HoA) is taken.
 */
int bul_set_peer(struct bul_table *t, struct bul_entry *e, const struct in6_addr *peer, uint64_t *ret_gen);
/* The key-manager operation the entry `key` started for gen completed. */
void bul_km_done(struct bul_table *t, const struct bul_key *key, uint64_t gen, int error);
/* The key manager says SAs came or went: entries whose SAs are down bring them up again. */
void bul_km_changed(struct bul_table *t);
/* A timer armed through io->timer fired. */
void bul_timer_fired(struct bul_entry *e, enum bul_timer which);
/* A parsed Binding Acknowledgement (type MH_TYPE_BA) from rx->src to rx->dst. */
void bul_input_ba(struct bul_table *t, const struct mh_rx_info *rx, const struct mh_msg *msg);

/*
 * RFC 6275 §11.7.4: a Binding Refresh Request from rx->src to rx->dst (the HoA).
 * The entry (rx->src, rx->dst) answers with a BU now when registered (a refresh,
 * under MAX_UPDATE_RATE); in another state a BU is already on its way. false when
 * there is no such entry (the caller ignores the BRR and counts it).
 */
bool bul_input_brr(struct bul_table *t, const struct mh_rx_info *rx);

const char *bul_state_to_string(enum bul_state s);
