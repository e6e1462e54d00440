/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure parsing of netlink messages received from the kernel: rtnetlink
 * notifications and dump parts (links, IPv6 addresses, routes, rules,
 * neighbours), XFRM notifications (policies, policy flushes, MIGRATE, REPORT, ACQUIRE), a state's
 * counters (XFRM_MSG_NEWSA, the answer to a GETSA), and
 * NLMSG_ERROR/NLMSG_DONE with extended-ACK TLVs.
 *
 * Contract: input is untrusted bytes (const uint8_t *, size_t) of any
 * alignment; nothing is read outside [data, data + len). Attributes are
 * validated with libnl nla_policy tables whose fixed-size entries carry exact
 * lengths (minlen == maxlen); a known attribute of the wrong size rejects the
 * whole message with -EBADMSG. No I/O, no globals, no logging.
 *
 * Return values of the knl_parse_* functions: 1 = *ret filled, 0 = not an
 * event we track (other message type or address family; *ret
 * unspecified),
 * -EBADMSG = malformed, -ENOMEM.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "netlink/nl-types.h"

enum knl_event_type {
	KNL_EVENT_LINK,
	KNL_EVENT_ADDR,
	KNL_EVENT_ROUTE,
	KNL_EVENT_RULE,
	KNL_EVENT_NEIGH,
	KNL_EVENT_XFRM_POLICY,
	KNL_EVENT_XFRM_MIGRATE,
	KNL_EVENT_XFRM_REPORT,
	KNL_EVENT_XFRM_ACQUIRE,
	KNL_EVENT_XFRM_POLICY_FLUSH, /* XFRM_MSG_FLUSHPOLICY: every policy of policy.ptype is gone */
	KNL_EVENT_TC_FILTER,	     /* RTM_NEWTFILTER / RTM_DELTFILTER of a flower filter */
	KNL_EVENT_XFRM_SA,	     /* XFRM_MSG_NEWSA: a state's counters (the answer to a GETSA) */
	_KNL_EVENT_MAX,
	_KNL_EVENT_INVALID = -22,
};

struct knl_event {
	enum knl_event_type type;
	bool removed; /* RTM_DEL* / XFRM_MSG_DELPOLICY; false for new/changed and dump parts */
	union {
		struct knl_link link;
		struct knl_addr addr;
		struct knl_route route;
		struct knl_rule rule;
		struct knl_neigh neigh;
		struct knl_xfrm_policy policy;
		struct knl_xfrm_migrate migrate;
		struct knl_xfrm_report report;
		struct knl_xfrm_acquire acquire;
		struct knl_tc_filter tc_filter;
		struct knl_xfrm_sa_use sa;
	};
};

const char *knl_event_type_to_string(enum knl_event_type t);

/*
 * Iterate over the messages of one datagram. *off starts at 0. Returns 1 with
 * the next message in ret_msg/ret_len (ret_len = its nlmsg_len), 0 at the end,
 * -EBADMSG when a header is short or its nlmsg_len is below the header size or
 * above the bytes left (the rest of the datagram must then be dropped).
 */
int knl_msg_next(const uint8_t *buf, size_t len, size_t *off, const uint8_t **ret_msg,
		 size_t *ret_len);

/* The nlmsghdr fields of a message checked by knl_msg_next() (len >= NLMSG_HDRLEN). */
void knl_msg_header(const uint8_t *msg, uint16_t *ret_type, uint16_t *ret_flags, uint32_t *ret_seq);

/*
 * NLMSG_ERROR: the error (0 = ACK, else negative errno), and the ext-ack text
 * (NLMSGERR_ATTR_MSG) copied into text[text_size] ("" when absent; text may be
 * NULL). Handles both capped (NETLINK_CAP_ACK) and uncapped layouts.
 * NLMSG_DONE: the optional int error in the payload (0 when absent).
 * Returns 0 or -EBADMSG; -EINVAL for another message type.
 */
int knl_parse_ack(const uint8_t *msg, size_t len, int *ret_error, char *text, size_t text_size);

/* One NETLINK_ROUTE message → event. */
int knl_parse_rtnl(const uint8_t *msg, size_t len, struct knl_event *ret);

/* One NETLINK_XFRM message → event. */
int knl_parse_xfrm(const uint8_t *msg, size_t len, struct knl_event *ret);
