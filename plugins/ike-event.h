/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * charon telling that it moved an IKE SA's endpoints, from its VICI events.
 * Pure: no I/O; the caller stamps the time.
 *
 * strongSwan 5.9 (Debian 12's 5.9.8) moves the IKE SA on a kernel
 * XFRM_MSG_MIGRATE with XFRMA_KMADDRESS (the K=1 path, RFC 4877 §4.3) in a
 * migrate job that sets the IKE SA's hosts directly: it raises no `ike-update`
 * for it (that event comes from MOBIKE and NAT-T address updates only). What it
 * does say, at log level 1 and so on the VICI `log` event, is
 *   group KNL: "creating migrate job for policy <ts> === <ts> <dir> with reqid {N}"
 * as it takes the MIGRATE in and queues the job that finds the CHILD_SA by that
 * reqid and moves the IKE SA. That line is the event mip6d times the move by.
 * An `ike-update` event (a later charon, or MOBIKE) is taken too:
 *   { <conn> = { uniqueid, new-local-host, new-remote-host, ... } }
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

struct vici_msg;

struct ike_moved {
	uint32_t reqid;     /* the CHILD_SA's reqid the migrate job looks for (log); 0: not named */
	uint32_t uniqueid;  /* the IKE SA's unique id (ike-update); 0: not named */
	bool has_hosts;     /* ike-update: the new endpoints */
	struct in6_addr local, remote;
	bool from_log;      /* the migrate-job log line (else ike-update) */
};

/*
 * An EVENT packet: 1 and *ret filled when it tells of an IKE SA move, 0 when it
 * is another event or another log line, -EBADMSG when it is a `log` or
 * `ike-update` event whose fields are missing or malformed (a reqid that is no
 * decimal u32 in braces, an address that is no IPv6 address).
 */
int ike_event_parse(const struct vici_msg *ev, struct ike_moved *ret);
