/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The manager owns everything the daemon runs: the sd-event loop, the active
 * configuration and (as they are added) the sockets, kernel layer and the
 * role (HA, MN, CN). One thread; every fd and timer is an sd-event source.
 * Life cycle: manager_new() → manager_start() → sd_event_loop() → manager_free().
 * READY=1 goes out when the role says its setup completed (manager_ready());
 * until then STATUS= says what it waits for. A node without a role is ready
 * when manager_start() returns.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "core/time-util.h"

struct mip6_config;
struct ctl_server;
struct io;
struct km;
struct manager;
struct json_object;

/*
 * How long READY=1 waits, after the role's setup completed, for a key manager
 * that is neither connected nor known absent (e.g. charon's VICI socket
 * accepted but the session never came up). Then READY=1 goes out anyway and
 * STATUS= names the degraded state; the backend keeps retrying.
 */
#define MANAGER_KM_WAIT_USEC (10 * USEC_PER_SEC)
/* How long `mip6ctl counters` waits for the counters the kernel keeps (then: the last values). */
#define MANAGER_COUNTERS_WAIT_USEC (USEC_PER_SEC)

/* The role seam: HA, MN and CN implement it; the manager never looks inside. */
struct role_ops {
	const char *name;
	int (*start)(struct manager *m);
	void (*stop)(struct manager *m);
	/* A control command the role understands; -EOPNOTSUPP when it does not. */
	int (*ctl)(struct manager *m, int argc, char **argv, bool json, FILE *out);
	/*
	 * Optional, before a new configuration is swapped in: make the kernel follow it.
	 * 0: nothing pending, the swap happens now; 1: the role calls manager_reload_done()
	 * later (with r < 0 the reload is refused and the role has restored its kernel
	 * state); < 0: refused now, nothing changed.
	 */
	int (*reload)(struct manager *m, const struct mip6_config *new_config);
	/* A new configuration was swapped in (old is still valid during the call). */
	void (*reloaded)(struct manager *m, const struct mip6_config *old);
	/*
	 * SIGTERM: undo what the role installed in the kernel. Return 0 when done,
	 * or 1 and call manager_shutdown_done() later (bounded by a 3 s timer).
	 */
	int (*shutdown)(struct manager *m);
	/*
	 * Optional: read the counters the kernel keeps for the role into m->counters before
	 * `counters` answers. 1: the role calls manager_counters_done() later; 0: nothing to read.
	 */
	int (*counters)(struct manager *m);
	/* A short text for STATUS=; before manager_ready(), what the role waits for. */
	void (*status)(struct manager *m, char *buf, size_t len);
	/* The same as data for `mip6ctl --json status`: members added to o (json_object). */
	void (*status_json)(struct manager *m, struct json_object *o);
};

/* Message counters shown by `mip6ctl counters`. Index: MH type 0..7. */
#define MIP6_MH_TYPES 8
enum mip6_drop {
	DROP_NONE = -1,     /* not dropped: a handler took the message */
	DROP_MALFORMED,     /* failed §9.2 validation */
	DROP_CHECKSUM,
	DROP_UNEXPECTED,    /* a type this role does not take */
	DROP_NOT_PROTECTED, /* arrived without the required IPsec */
	DROP_RATE,
	DROP_TRUNCATED,     /* MSG_TRUNC/MSG_CTRUNC */
	DROP_OTHER,
	DROP_PAYLOAD_PROTO, /* §9.2: Payload Proto not 59 (ICMPv6 Parameter Problem sent) */
	DROP_HEADER_LEN,    /* §9.2: Header Len below the type's minimum (the same) */
	DROP_BAD_ADDRESS,   /* a BU's home or care-of address not unicast routable (§9.5.1, §6.1.7), its IPv6 source
			       or destination not unicast (§9.5.4); a HoTI/CoTI's the same (CN) */
	DROP_NO_CN_ROLE,    /* HA: a BU without H (§9.5.1), a HoTI/CoTI to the HA itself (RFC 4877 §4.3): no CN role */
	DROP_SOCKET_OVERFLOW, /* the kernel dropped it: the MH socket's queue was full (SO_RXQ_OVFL) */
	DROP_REVERSE_TUNNEL, /* HA: tunnelled packet whose (outer, inner) source is no binding's (CoA, HoA), §10.4.5; counted by the kernel */
	DROP_TUNNEL_SOURCE,  /* MN: tunnelled packet whose outer source is not the home agent, §11.3.3; counted by the kernel */
	DROP_NOT_SERVED,    /* a DHAAD Request for a prefix this HA does not serve (§10.5), an MPS from no registration (§10.6) */
	DROP_ND_SOCKET_OVERFLOW, /* the same for an ICMPv6 (ND) socket: not a Mobility Header message */
	DROP_REG_BACKLOG,   /* HA: a new registration that found the backlog full or waited too long (ha/reg-backlog.h) */
	DROP_RR_HAO,        /* CN: a HoTI or CoTI with a Home Address option (RFC 6275 §9.4.1, §9.4.2) */
	DROP_RR_AUTH,       /* CN: a BU without Nonce Indices / Binding Authorization Data, or whose authenticator fails (§9.5.1) */
	DROP_SUPERSEDED,    /* HA: a BU under DAD another BU for the HoA answers instead (a copy, or one replaced) */
	DROP_BE_NO_BUL,     /* MN: a Binding Error from neither its home agent nor a correspondent (§11.3.6 "MUST ignore") */
	_DROP_MAX,
};
/* BUs answered 130 ("insufficient resources", RFC 6275 §9.5.1) because of a configured limit. */
enum mip6_limit {
	LIMIT_REG_RATE,      /* a new registration over HaMaxRegistrationsPerSec */
	LIMIT_BINDINGS,      /* a new registration over HaMaxBindings (valid + under DAD) */
	_LIMIT_MAX,
};
struct mip6_counters {
	uint64_t mh_in[MIP6_MH_TYPES];
	uint64_t mh_out[MIP6_MH_TYPES];
	uint64_t drops[_DROP_MAX];
	uint64_t ba_status_out[256];
	uint64_t ba_status_in[256];
	/* the key manager's VICI connection (src/io owns it): packets in, out, frames dropped */
	uint64_t vici_in, vici_out, vici_dropped;
	uint64_t icmp6_param_problem_out; /* §9.2 answers sent (src/io) */
	/* Binding Errors status 2 and Parameter Problems not sent: the packet's wire source or its
	 * destination not unicast (RFC 6275 §9.3.3, RFC 4443 §2.4 (e)); the packet's drop is counted too */
	uint64_t errors_not_unicast;
	/* MN: Parameter Problems quoting our route-optimisation messages (RFC 6275 §11.3.5): code 1, code 2 */
	uint64_t icmp6_pp_no_mh_in, icmp6_pp_no_hao_in;
	uint64_t limits[_LIMIT_MAX]; /* answered, not dropped: ba_status_out[130] holds them too */
	uint64_t log_suppressed;     /* rejected-BU log lines over RejectedBuLogPerSec */
};
const char *mip6_drop_to_string(enum mip6_drop d);
const char *mip6_limit_to_string(enum mip6_limit l);

struct manager {
	sd_event *event;
	struct mip6_config *config; /* owned, immutable; swapped on reload */
	char *config_path;
	char *ctl_path;
	gid_t ctl_gid;              /* (gid_t)-1: root only */
	struct ctl_server *ctl;
	unsigned reloads;
	unsigned reload_failures;
	struct mip6_config *reload_pending; /* parsed, waiting for the role's reload to complete */
	uint64_t reload_reply;              /* the control connection waiting for it (0: none) */
	bool reload_reply_json;
	uint64_t counters_reply; /* the control connection waiting for the role's counters (0: none) */
	bool counters_reply_json;
	sd_event_source *counters_timer; /* MANAGER_COUNTERS_WAIT_USEC: then the last values */
	bool stopping;
	bool ready;                 /* READY=1 sent */
	bool setup_done;            /* the role called manager_ready() */
	struct km *km;              /* the role's key manager (manager_set_km), NULL: none */
	sd_event_source *km_wait;   /* km_wait_usec after setup_done */
	usec_t km_wait_usec;        /* MANAGER_KM_WAIT_USEC (tests shorten it) */
	bool km_waited_out;
	sd_event_source *shutdown_timer;
	usec_t started;
	const struct role_ops *role;
	void *role_data;
	struct io *io;              /* sockets and netlink of the role (src/io); a test may set a fake */
	struct mip6_counters counters;
};

/* Takes ownership of config on success. */
int manager_new(struct manager **ret, const char *config_path, const char *ctl_path,
		struct mip6_config *config);
int manager_start(struct manager *m);
/*
 * Parse config_path anew, validate, let the role apply it (role_ops.reload), swap.
 * Returns 0 (reloaded), 1 (the role is applying it: manager_reload_done() ends it) or
 * a negative errno: the old configuration stays (-EBUSY while a reload is pending).
 */
int manager_reload(struct manager *m);
/* The role's reload work ended: r < 0 refuses the reload (the old configuration stays). */
void manager_reload_done(struct manager *m, int r);
/* The role read its kernel counters (role_ops.counters): the waiting `counters` gets its answer. */
void manager_counters_done(struct manager *m);
void manager_notify_status(struct manager *m);
/*
 * The role's kernel setup completed (installed and acknowledged). READY=1 and
 * STATUS= follow once the key manager (manager_set_km) is also connected or
 * known absent (km_state), or after MANAGER_KM_WAIT_USEC; until then STATUS=
 * says what it waits for. Once; later calls do nothing.
 */
void manager_ready(struct manager *m);
/* The role's key manager (NULL: none, or it goes away): READY=1 waits for its state. */
void manager_set_km(struct manager *m, struct km *km);
/* An event for the `mip6ctl monitor` subscribers (control/ctl-event.h); nothing is done when there are none. */
struct mip6_event;
void manager_event(struct manager *m, const struct mip6_event *ev);
/* The role finished its shutdown work: leave the event loop. */
void manager_shutdown_done(struct manager *m);
struct manager *manager_free(struct manager *m);
static inline void manager_freep(struct manager **m)
{
	manager_free(*m);
}
