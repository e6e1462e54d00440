/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Configuration: UMIP-compatible mip6d.conf grammar parsed into an immutable
 * struct mip6_config. Parsing never touches the running daemon: a reload
 * parses a new object, validates it, then the manager swaps pointers.
 * The parser is pure apart from reading the file and its includes: no
 * logging, no globals. Errors are reported as "file:line:column: message"
 * in *ret_error (column of the offending token, or of the statement for a
 * semantic error) and returned as -EINVAL (-ENOENT, -EACCES, ... when a
 * file cannot be read, -ENOMEM).
 *
 * Grammar (UMIP's, keywords case-sensitive):
 *   statement  := KEYWORD args ';' | KEYWORD args '{' statement* '}' [';']
 *   args       := number | decimal | "string" | address | prefix (addr/len)
 *                 | bool | word | '(' prefix {',' prefix} ')'
 *   bool       := enabled | allow | true          (true)
 *               | disabled | deny | block | false (false)
 *   comments   := '#' to end of line
 *   include "glob" [';']   relative to the including file's directory,
 *                          matches read in sorted order, depth ≤ 8, no loops.
 *
 * mip6d extensions (not in UMIP):
 *   ViciSocket "path";             strongSwan VICI socket
 *                                  (default "/var/run/charon.vici")
 *   StaticKeyFile "path";          manual keys for KeyManagement static
 *   KeyManagement strongswan|static;
 *                                  who installs the MN–HA IPsec SAs: charon
 *                                  over VICI (default) or static SAs set up
 *                                  outside mip6d (policies only)
 *   ControlSocket "path";          mip6ctl socket (default RUNSTATEDIR "/mip6d.ctl")
 *   ControlSocketGroup "name";     group owning the control socket (mode 0660);
 *                                  unset: the daemon's primary group
 *
 * Limits: 4 MiB per file and in total, 255-byte tokens, 1023-byte strings,
 * nesting depth 8 (include) and 1 (blocks do not nest, as in UMIP),
 * CONF_MAX_ITEMS entries in any list.
 */
#pragma once

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CONF_MAX_ITEMS 4096
#define CONF_IFNAMSIZ 16 /* IFNAMSIZ, including the NUL */
#define CONF_MAX_LIFETIME 262140U /* 65535 time units of 4 s (RFC 6275 §6.1.7) */
#define CONF_MAX_RR_LIFETIME 420U /* MAX_RR_BINDING_LIFETIME (RFC 6275 §12) */
/*
 * The reqids of mobility CHILD_SAs under KeyManagement strongswan. charon
 * hands out dynamic reqids to its other CHILD_SAs counting up from 1 (5.9.8;
 * from charon.reqid_base, default 1, since 5.9.9), reusing released ones, and
 * never skips the fixed reqids of swanctl children: a low fixed reqid can be
 * given to a site-to-site CHILD_SA too. charon would need a billion
 * allocations to reach this range.
 */
#define CONF_REQID_MIN 1000000000U
#define CONF_REQID_MAX 1999999999U
#define CONF_IKE_NAME_MAX 64 /* a swanctl connection name, including the NUL */

enum node_role {
	NODE_ROLE_CN,
	NODE_ROLE_HA,
	NODE_ROLE_MN,
	_NODE_ROLE_MAX,
	_NODE_ROLE_INVALID = -EINVAL,
};

enum conf_ipsec_type {
	CONF_IPSEC_HOME_REG_BINDING,
	CONF_IPSEC_MH,
	CONF_IPSEC_MOB_PFX_DISC,
	CONF_IPSEC_ICMP,
	CONF_IPSEC_ANY,
	CONF_IPSEC_TUNNEL_HOME_TESTING,
	CONF_IPSEC_TUNNEL_MH,
	CONF_IPSEC_TUNNEL_PAYLOAD,
	_CONF_IPSEC_MAX,
	_CONF_IPSEC_INVALID = -EINVAL,
};

enum conf_key_management {
	CONF_KEY_MANAGEMENT_STRONGSWAN,
	CONF_KEY_MANAGEMENT_STATIC,
	_CONF_KEY_MANAGEMENT_MAX,
	_CONF_KEY_MANAGEMENT_INVALID = -EINVAL,
};

/* Where a statement was written; file points into the config's own storage. */
struct conf_loc {
	const char *file;
	unsigned line;
	unsigned column;
};

struct conf_prefix {
	struct in6_addr addr;
	uint8_t len;
};

/* Interface "if" [{ MnIfPreference n; IfType CN|HA|MN; Tunnel bool; }] */
struct conf_interface {
	char name[CONF_IFNAMSIZ];
	unsigned preference;   /* 0..10, default 5 */
	enum node_role type;   /* default: NodeConfig */
	bool tunnel;           /* default false */
	struct conf_loc loc;
};

/* MnRoPolicy [addr] bool;  any = no address given */
struct conf_ro_policy {
	bool any;
	struct in6_addr addr;
	bool enabled;
	struct conf_loc loc;
};

/* MnHomeLink "if" { ... } */
struct conf_home_link {
	char ifname[CONF_IFNAMSIZ];
	bool has_hoa;
	struct conf_prefix hoa;      /* HomeAddress a/len */
	struct conf_prefix *mnps;    /* (mnp/len, ...) mobile network prefixes */
	size_t n_mnps;
	bool has_ha_addr;
	struct in6_addr ha_addr;     /* HomeAgentAddress; :: = find it with DHAAD */
	bool has_home_prefix;
	struct conf_prefix home_prefix;
	bool is_mob_rtr;
	struct conf_ro_policy *ro_policies;
	size_t n_ro_policies;
	struct conf_loc loc;
};

/* BindingAclPolicy addr [(p/len, ...)] allow|deny|status; */
struct conf_binding_acl {
	struct in6_addr hoa;
	struct conf_prefix *mnps;
	size_t n_mnps;
	uint8_t status;              /* BA status: 0 accept, 128..255 reject (129 = deny) */
	struct conf_loc loc;
};

/* IPsecPolicy TYPE UseESP [reqid_toHA [reqid_toMN]] [allow|deny]; */
struct conf_ipsec_policy {
	enum conf_ipsec_type type;
	uint32_t reqid_to_ha;        /* 0 = not given */
	uint32_t reqid_to_mn;        /* 0 = not given */
	bool allow;                  /* default true */
	struct conf_loc loc;
};

struct conf_ipsec_policy_set {
	char *ike_conn;              /* IkeConnection "name": the swanctl connection, NULL = derive */
	bool has_ha_addr;
	struct in6_addr ha_addr;
	struct conf_prefix *hoas;
	size_t n_hoas;
	struct conf_ipsec_policy *policies;
	size_t n_policies;
	struct conf_loc loc;
};

/* CnBindingPolicySet { remote_hoa [local_addr] bool; } */
struct conf_cn_binding_policy {
	struct in6_addr remote_hoa;
	bool has_local;
	struct in6_addr local_addr;
	bool enabled;
	struct conf_loc loc;
};

/* A keyword that was written in the file but that the daemon does not act on yet. */
struct conf_seen {
	const char *keyword;
	struct conf_loc loc;
};

struct mip6_config {
	enum node_role role;                     /* NodeConfig, default CN */
	unsigned debug_level;                    /* DebugLevel 0..10, default 0 */
	char *debug_log_file;                    /* DebugLogFile, NULL = none */
	bool non_volatile_binding_cache;         /* NonVolatileBindingCache, false */
	char *policy_module;                     /* UsePolicyModule, NULL = none */

	/* Route optimisation */
	bool do_route_optimization_cn;           /* true */
	bool do_route_optimization_mn;           /* true */
	bool use_cn_bu_ack;                      /* UseCnBuAck, false */

	/* IPsec */
	bool use_mn_ha_ipsec;                    /* UseMnHaIPsec, true */
	bool key_mng_mob_capability;             /* KeyMngMobCapability, false */

	/* Home agent */
	unsigned ha_max_binding_life;            /* 262140 s */
	/* Limits for untrusted input (issue 10) */
	unsigned ha_max_bindings;                /* HaMaxBindings, 65536 (valid + under DAD) */
	unsigned ha_max_registrations_per_sec;   /* HaMaxRegistrationsPerSec, 1000 new bindings/s */
	unsigned binding_errors_per_sec;         /* BindingErrorsPerSec, 10 (§9.3.3) */
	unsigned rejected_bu_log_per_sec;        /* RejectedBuLogPerSec, 10 log lines/s */
	unsigned mh_receive_buffer;              /* MhReceiveBuffer, MH_SOCKET_RCVBUF octets */
	bool send_mob_pfx_advs;                  /* true */
	bool send_unsol_mob_pfx_advs;            /* true */
	unsigned min_mob_pfx_adv_interval;       /* 600 s */
	unsigned max_mob_pfx_adv_interval;       /* 86400 s */
	bool ha_accept_mob_rtr;                  /* false */
	bool default_binding_acl_allow;          /* DefaultBindingAclPolicy, allow */

	/* Mobile node */
	unsigned mn_max_ha_binding_life;         /* 262140 s */
	unsigned mn_max_cn_binding_life;         /* 420 s */
	unsigned mn_max_learnt_cns;              /* 64: correspondents learnt from traffic at a time */
	unsigned mn_max_ha_consecutive_resends;  /* 5 */
	unsigned mn_max_cn_consecutive_resends;  /* 0 (UMIP) */
	bool mn_discard_ha_param_prob;           /* false */
	bool mn_reset_dhaad_at_home;             /* false */
	bool mn_flush_all_at_home;               /* false */
	bool send_mob_pfx_sols;                  /* true */
	bool mn_use_all_interfaces;              /* false */
	bool mob_rtr_use_explicit_mode;          /* true */
	bool optimistic_handoff;                 /* false */
	bool no_home_return;                     /* false */
	unsigned mn_router_probes;               /* 0 */
	uint64_t mn_router_probe_timeout_usec;   /* 0 */
	uint64_t interface_initial_init_delay_usec;       /* 2.0 s */
	uint64_t initial_bindack_timeout_first_reg_usec;  /* 1.5 s */
	uint64_t initial_bindack_timeout_rereg_usec;      /* 1.0 s */
	uint64_t initial_solicit_timer_usec;              /* 3.0 s */

	/* mip6d extensions */
	char *vici_socket;                       /* "/var/run/charon.vici" */
	char *static_key_file;                   /* StaticKeyFile, NULL = none (KeyManagement static) */
	enum conf_key_management key_management; /* strongswan */
	char *control_socket;                    /* RUNSTATEDIR "/mip6d.ctl" */
	char *control_socket_group;              /* NULL = unset */

	/* Lists, in file order */
	struct conf_interface *interfaces;
	size_t n_interfaces;
	struct conf_home_link *home_links;
	size_t n_home_links;
	struct conf_prefix *ha_served_prefixes;
	size_t n_ha_served_prefixes;
	struct conf_binding_acl *binding_acls;
	size_t n_binding_acls;
	struct conf_ipsec_policy_set *ipsec_policy_sets;
	size_t n_ipsec_policy_sets;
	struct conf_cn_binding_policy *cn_binding_policies;
	size_t n_cn_binding_policies;

	/* Keywords present in the file that the daemon does not implement yet. */
	struct conf_seen *unimplemented;
	size_t n_unimplemented;
	/* "file:line:column: text" of configurations that load but are unsafe (conf_warnings). */
	char **warnings;
	size_t n_warnings;

	/* Storage for conf_loc.file */
	char **files;
	size_t n_files;
};

/* conf_load_string_flags() flags */
enum {
	CONF_LOAD_NO_INCLUDE = 1 << 0, /* `include` is an error (fuzzing, untrusted text) */
};

const char *node_role_to_string(enum node_role r);
const char *conf_ipsec_type_to_string(enum conf_ipsec_type t);
const char *conf_key_management_to_string(enum conf_key_management k);

/* Read and parse path (and its includes), then validate. */
int conf_load_file(const char *path, struct mip6_config **ret, char **ret_error);
/*
 * Parse text of len bytes (need not be NUL-terminated); name is used in
 * messages and as the base of relative includes (its directory; the current
 * directory when name has no '/').
 */
int conf_load_string(const char *name, const char *text, size_t len, struct mip6_config **ret,
		     char **ret_error);
int conf_load_string_flags(const char *name, const char *text, size_t len, unsigned flags,
			   struct mip6_config **ret, char **ret_error);

/*
 * Calls cb(keyword, "file:line", ud) for every keyword written in the file
 * that is accepted but not implemented by the daemon yet, in file order.
 * The daemon logs "keyword X at file:line is accepted but not implemented yet".
 */
void conf_unimplemented(const struct mip6_config *c,
			void (*cb)(const char *keyword, const char *where, void *ud), void *ud);

/*
 * Calls cb("file:line:column: what is wrong; the fix", ud) for each setting
 * that loads but is unsafe or does nothing (an open home agent, IPsec with no
 * policy set, no NodeConfig), in a fixed order. The daemon logs them at
 * start; `mip6d -n` prints them.
 */
void conf_warnings(const struct mip6_config *c, void (*cb)(const char *text, void *ud), void *ud);

/*
 * Print the normalised configuration (what `mip6d -n` shows): every setting
 * with defaults made explicit, in a fixed order; includes are flattened.
 * The output parses back into an equal configuration. Returns 0 or -EIO.
 */
int conf_print(const struct mip6_config *c, FILE *f);

struct mip6_config *conf_free(struct mip6_config *c);
static inline void conf_freep(struct mip6_config **c)
{
	conf_free(*c);
}
