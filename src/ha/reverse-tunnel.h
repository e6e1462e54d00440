/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The home agent's reverse-tunnel source check (RFC 6275 §10.4.5: the outer source of a
 * packet the MN tunnels to the HA MUST be the binding's primary care-of address).
 *
 * Every binding shares one flow-based `ip6tnl external` device, which decapsulates
 * ip6ip6 from any outer source. The check is tc on that device's ingress (clsact): the
 * device attaches the outer header as tunnel metadata on receive and flower keys on it.
 *   prio 1 (REVTUN_PRIO_BINDING): one filter per binding, enc_src_ip CoA and src_ip HoA
 *          (both /128), no action: a match passes the packet. One mask, so flower keeps
 *          one hash table: the lookup does not grow with the number of bindings.
 *   prio 2 (REVTUN_PRIO_DROP): protocol all, gact drop; its statistics are the count of
 *          packets refused (`reverse-tunnel-source` in mip6ctl counters).
 * Handles of binding filters are unique among the live ones (freed handles are reused),
 * so an install is a create-or-replace of the binding's own filter and a CoA change is a
 * replace with the same handle.
 *
 * Every request goes through the netlink layer (nl-kernel.h) in submission order on the
 * rtnetlink socket; done callbacks follow its contract.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "netlink/nl-kernel.h"

#define REVTUN_PRIO_BINDING 1
#define REVTUN_PRIO_DROP 2
#define REVTUN_DROP_HANDLE 1

struct revtun;

int revtun_new(struct knl *k, struct revtun **ret);
/* Cancels its pending callbacks; the kernel state stays (deleting the device removes it). */
struct revtun *revtun_free(struct revtun *rt);

/*
 * Start-up on the tunnel device: the clsact qdisc (an existing one is fine), with flush
 * every binding filter an earlier run left removed (without: they stay for the restart's
 * reconciliation, ha/ha-restore.h, to adopt or remove), the final drop filter installed
 * (replaced: the binding filters before it keep passing meanwhile). done runs once: 0, or
 * the first failure (negative errno).
 */
int revtun_setup(struct revtun *rt, int ifindex, bool flush, knl_done_fn done, void *userdata);
/*
 * The restart's reconciliation: a binding filter found in the kernel is a binding's again
 * (counted, its handle never handed out twice), one of nobody's is deleted (done as
 * knl_tc_filter()), or, when the dump failed, every binding filter is (revtun_bind then
 * installs each binding's again).
 */
void revtun_adopt(struct revtun *rt, uint32_t handle);
int revtun_remove_foreign(struct revtun *rt, uint32_t handle, const void *owner, knl_done_fn done, void *userdata);
int revtun_flush(struct revtun *rt, const void *owner, knl_done_fn done, void *userdata);

/*
 * Let (coa, hoa) through: *handle 0 takes a new handle (a new binding), otherwise the
 * binding's filter is replaced (its CoA moved). done as knl_tc_filter(); on a queueing
 * failure the new handle is given back and *handle is 0 again.
 */
int revtun_bind(struct revtun *rt, uint32_t *handle, const struct in6_addr *coa, const struct in6_addr *hoa,
		const void *owner, knl_done_fn done, void *userdata);
/*
 * The same for a source prefix (RFC 3963 §6.4: a mobile router's MNP): src/src_len inside,
 * coa outside. Its own mask: flower keeps one hash table per mask, so a lookup costs one
 * probe per distinct MNP length in use besides the HoAs' /128, not one per filter.
 */
int revtun_bind_prefix(struct revtun *rt, uint32_t *handle, const struct in6_addr *coa, const struct in6_addr *src,
		       uint8_t src_len, const void *owner, knl_done_fn done, void *userdata);
/* Remove the binding's filter (nothing when *handle is 0) and set *handle to 0. */
void revtun_unbind(struct revtun *rt, uint32_t *handle);

/* Read the drop filter's packet count from the kernel; done(0) once revtun_drops() has it. */
int revtun_read_drops(struct revtun *rt, knl_done_fn done, void *userdata);
/* Packets dropped as of the last read (0 before the first). */
uint64_t revtun_drops(const struct revtun *rt);
/* Binding filters installed or queued. */
size_t revtun_count(const struct revtun *rt);
