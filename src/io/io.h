/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's message I/O in one place: the Mobility Header socket, the
 * ICMPv6 (Neighbor Discovery) sockets of the role's links and the netlink
 * layer (struct knl). Only this module receives (recvmsg): it reads, parses
 * with the pure codecs (mh-codec, ndisc), counts in the manager's counters
 * (in, out, dropped by reason) and hands each message to the handler the role
 * registered for its MH type or ICMPv6 type. Roles send through it too, so the
 * "out" counters are bumped here and nowhere else.
 *
 * Receive path of a Mobility Header (RFC 6275 §9.2), the same for every role:
 *   truncated (MSG_TRUNC/CTRUNC)        -> drop, DROP_TRUNCATED
 *   checksum (the kernel verifies it)   -> never reaches us
 *   unknown MH type                     -> drop, DROP_UNEXPECTED, and a Binding
 *                                          Error status 2 to the source (the CoA
 *                                          of a Home Address option, naming the HoA)
 *   Payload Proto not 59                -> drop, DROP_PAYLOAD_PROTO, and an ICMPv6
 *                                          Parameter Problem code 0 pointing at it
 *   Header Len below the type's minimum -> drop, DROP_HEADER_LEN, the same at
 *                                          Header Len (the pointer counts the IPv6
 *                                          header and the extension headers the
 *                                          socket reported: mh_rx_info.ext)
 *   other §9.2 failure                  -> drop, DROP_MALFORMED
 *   known type, no handler registered   -> drop, DROP_UNEXPECTED
 *   otherwise                           -> mh_in[type]++ (and ba_status_in for a
 *                                          BA), then the handler; a handler that
 *                                          refuses the message returns its reason
 *                                          (DROP_NONE when it took it)
 * ICMPv6: the socket's type filter passes only the types of the link; an
 * RFC 4861 IP-header check failure (ndisc_rx_check) or a parse failure is
 * DROP_MALFORMED; otherwise the handler of the type runs with the parsed
 * message.
 *
 * Binding Errors are rate limited (§9.3.3, like ICMPv6 errors): a token
 * bucket (core/ratelimit.h) of BindingErrorsPerSec (IO_BE_PER_SEC until the
 * manager sets it: io_set_be_rate), bursts of as many; a BE over the limit is not
 * sent and counted as DROP_RATE. Parameter Problems have their own bucket
 * (IO_PP_PER_SEC); those sent are counted in icmp6_param_problem_out.
 *
 * The key manager's connection: io_vici_open() creates the VICI client (the
 * connection object: both UNIX stream sockets to charon, their event sources,
 * framing and reconnects) that a key-management backend then drives; io owns
 * it, counts every packet in and out and every dropped frame (vici_in,
 * vici_out, vici_dropped) and frees it at the latest in io_free(). A backend
 * hands it back with io_vici_close().
 *
 * Fakes for unit tests: io_new_fake() opens no socket. Sent messages go to a
 * capture callback instead; io_mh_input() and io_nd_input() take received
 * bytes through exactly the path the sockets use; the netlink layer is a fake
 * kernel (knl_new_fake) answered by the test.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "manager.h"
#include "mh/mh-codec.h"
#include "mh/mh-socket.h"
#include "netlink/nl-socket.h"

#define IO_BE_PER_SEC 10 /* default; BindingErrorsPerSec */
#define IO_BE_BURST IO_BE_PER_SEC /* bursts: as many as the rate (core/ratelimit.h) */
#define IO_PP_PER_SEC 10 /* ICMPv6 Parameter Problems: the same kind of bucket */
#define IO_PP_BURST IO_PP_PER_SEC
/* The MH socket's event source: before every other, yielding after each wake-up (io.c). */
#define IO_MH_PRIORITY (-100)

struct io;
struct knl;
struct icmp6_rxinfo;
struct ndisc_ra;
struct ndisc_rs;
struct ndisc_ns;
struct ndisc_na;
struct ndisc_dhaad_request;
struct ndisc_dhaad_reply;
struct ndisc_mps;
struct ndisc_mpa;
struct ndisc_param_problem;
struct vici_client;

/* A parsed Neighbor Discovery message: the member of its type is set. */
struct io_nd_msg {
	uint8_t type; /* NDISC_TYPE_* */
	const struct ndisc_rs *rs;
	const struct ndisc_ra *ra;
	const struct ndisc_ns *ns;
	const struct ndisc_na *na;
	const struct ndisc_dhaad_request *dhaad_req; /* RFC 6275 §6.5 */
	const struct ndisc_dhaad_reply *dhaad_rep;   /* §6.6 */
	const struct ndisc_mps *mps;                 /* §6.7 */
	const struct ndisc_mpa *mpa;                 /* §6.8 */
	const struct ndisc_param_problem *pp;        /* RFC 4443 §3.4 (its invoking part points into the received bytes) */
};

/* Return DROP_NONE when the message was taken, else why it was refused (counted). */
typedef enum mip6_drop (*io_mh_fn)(const struct mh_msg *msg, const struct mh_rx_info *rx, void *userdata);
typedef enum mip6_drop (*io_nd_fn)(const struct io_nd_msg *msg, const struct icmp6_rxinfo *rx,
				   void *userdata);

/* What a fake I/O module would have sent. */
struct io_sent {
	int proto;                 /* IPPROTO_MH or IPPROTO_ICMPV6 */
	const uint8_t *buf;
	size_t len;
	struct in6_addr src, dst;  /* src :: = the kernel's choice */
	int ifindex;
	bool has_rh2;
	struct in6_addr rh2;       /* the HoA in the type 2 routing header (dst: the CoA) */
};
typedef void (*io_capture_fn)(const struct io_sent *sent, void *userdata);

/* The real module: opens the netlink layer and the MH socket now, ND sockets per link later. */
int io_new(sd_event *e, struct mip6_counters *counters, struct io **ret);
/* Fakes (see above): capture gets every message sent, fake_kernel answers every netlink request. */
int io_new_fake(sd_event *e, struct mip6_counters *counters, io_capture_fn capture, knl_fake_fn fake_kernel,
		void *userdata, struct io **ret);
struct io *io_free(struct io *io);

/* The netlink layer every role submits its kernel requests to. */
struct knl *io_knl(struct io *io);

/* The key manager's VICI connection to socket_path (NULL: the default), not started yet (-EBUSY: one is open). */
int io_vici_open(struct io *io, const char *socket_path, struct vici_client **ret);
/* Closes it (pending commands fail with -ECANCELED). Accepts NULL. */
void io_vici_close(struct io *io, struct vici_client *vc);

/* Handlers by MH type (0..7) and by ICMPv6 type; one per type, NULL removes. */
int io_mh_register(struct io *io, enum mh_type type, io_mh_fn fn, void *userdata);
int io_nd_register(struct io *io, uint8_t icmp_type, io_nd_fn fn, void *userdata);
/*
 * An ICMPv6 socket on ifname passing only these types (nothing from other links).
 * ifname NULL: one socket on every interface, "link" 0, for messages that are not
 * link-local (DHAAD, Mobile Prefix Discovery); sends through it with ifindex 0.
 * A second call for the same link adds its types to the socket's filter.
 */
int io_nd_link_add(struct io *io, const char *ifname, const uint8_t *types, size_t n_types);

/* Build msg and send it (counts mh_out, ba_status_out). 0 or a negative errno. */
int io_mh_send(struct io *io, const struct mh_msg *msg, const struct mh_tx_info *tx);
/* Binding Errors a second (BindingErrorsPerSec: token bucket, bursts of as many); 0: none. */
void io_set_be_rate(struct io *io, unsigned per_sec);
/*
 * A Binding Error (§6.1.9) under the same bucket: -EBUSY (counted as DROP_RATE)
 * when over the limit, else io_mh_send()'s result.
 */
int io_send_be(struct io *io, uint8_t status, const struct in6_addr *hoa, const struct mh_tx_info *tx);
/* The MH socket's receive queue in octets (MhReceiveBuffer); 0 or a negative errno. */
int io_set_mh_rcvbuf(struct io *io, unsigned octets);
/* Join (or leave) a multicast group on a link's ND socket, e.g. a HoA's solicited-node group. */
int io_nd_membership(struct io *io, int ifindex, const struct in6_addr *group, bool join);
/* Join (or leave) an anycast address on a link (through that link's ND socket). */
int io_nd_anycast(struct io *io, int ifindex, const struct in6_addr *addr, bool join);
/* ND bytes to dst through the socket of ifindex (src NULL: the kernel's choice, :: for DAD). */
int io_nd_send(struct io *io, int ifindex, const struct in6_addr *dst, const struct in6_addr *src,
	       const uint8_t *buf, size_t len);
/* The same to a mobile node away: to its care-of address coa with a type 2 routing header carrying hoa. */
int io_nd_send_rh2(struct io *io, int ifindex, const struct in6_addr *coa, const struct in6_addr *src,
		   const struct in6_addr *hoa, const uint8_t *buf, size_t len);

/*
 * The home agent's proxy Neighbor Discovery (RFC 6275 §10.4.1, icmp6/ndproxy.h): a packet socket
 * on the link (AF_PACKET, SOCK_DGRAM, ETH_P_IPV6) with a filter that lets only ICMPv6 NS through
 * and the link in all-multicast mode (PACKET_MR_ALLMULTI, dropped with the socket), so that an NS
 * to any solicited-node group is seen without joining one group per home address. fn gets each
 * packet from its IPv6 header on, sent to this host (PACKET_HOST) or to a multicast address;
 * the host's own and other hosts' unicast frames are not passed. One per link; fn NULL closes.
 */
typedef void (*io_ns_fn)(const uint8_t *pkt, size_t len, int ifindex, void *userdata);
int io_ns_proxy_open(struct io *io, int ifindex, io_ns_fn fn, void *userdata);
void io_ns_proxy_input(struct io *io, int ifindex, const uint8_t *pkt, size_t len);

/*
 * The mobile node's HoT socket with TunnelHomeTesting (mn/mn-hot.h): a second MH socket bound
 * to hoa whose input policy requires the ESP tunnel SA from ha with reqid (io_mh_hot_set, again
 * when the pair changes). fn gets each message read from it, parsed, with no counting (the main
 * socket counts its own copy). io_mh_hot_drain reads what waits now (the main socket's handler
 * calls it: the copy may still be queued). With the fakes no socket is opened; tests feed
 * io_mh_hot_input. fn NULL closes.
 */
int io_mh_hot_open(struct io *io, const struct in6_addr *hoa, io_mh_fn fn, void *userdata);
int io_mh_hot_set(struct io *io, const struct in6_addr *ha, uint32_t reqid);
bool io_mh_hot_is_open(const struct io *io);
void io_mh_hot_drain(struct io *io);
void io_mh_hot_input(struct io *io, const uint8_t *buf, size_t len, const struct mh_rx_info *rx);

/* The receive paths after recvmsg (the sockets' handlers call them; tests feed them). */
void io_mh_input(struct io *io, const uint8_t *buf, size_t len, const struct mh_rx_info *rx);
void io_nd_input(struct io *io, const uint8_t *buf, size_t len, const struct icmp6_rxinfo *rx);
