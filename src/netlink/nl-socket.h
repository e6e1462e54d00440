/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One netlink socket on the sd-event loop with a queue of acknowledged
 * requests: the generic machinery under both NETLINK_ROUTE and NETLINK_XFRM
 * (house style 4 and 5). Nothing here blocks: submit only queues; messages are
 * sent from a deferred event source and completions run from the socket's io
 * source.
 *
 * Requests:
 *  - Each request is a libnl message sent with its own sequence number
 *    (NLM_F_ACK is added unless it is a dump). At most `window` requests
 *    (default KNL_WINDOW_DEFAULT) are in flight; the rest wait in FIFO order.
 *    Only one dump is in flight at a time (the kernel allows one per socket);
 *    a dump at the head of the queue holds back what follows it, so order is
 *    always the order of submission. The kernel executes requests in the
 *    order it receives them, so "state before policy, route after tunnel" is
 *    expressed by submitting in that order on the same socket; across the two
 *    protocols, chain through the completion callback.
 *  - done(result, userdata) runs exactly once per request unless cancelled:
 *    result 0 = acknowledged; KNL_RESULT_EXISTED (> 0) = a create found the
 *    object already there (EEXIST; only with KNL_MAP_EXISTED); KNL_RESULT_ABSENT
 *    (> 0) = a delete found nothing (ENOENT/ESRCH/ENODEV, and
 *    EADDRNOTAVAIL for addresses; only with KNL_MAP_ABSENT);
 *    negative errno otherwise. The kernel's extended-ACK text is logged with
 *    the error and readable through knl_sock_extack() while done runs.
 *    A dump completes with 0 at NLMSG_DONE, or -EAGAIN when the kernel flagged
 *    it interrupted (NLM_F_DUMP_INTR: the owner re-dumps).
 *  - on_reply(msg, len, userdata) runs for every reply message of the request
 *    (dump parts, the answer to a GET) before done.
 *  - Owners: every request may name an owner pointer. knl_sock_cancel_owner()
 *    detaches the owner's requests: their callbacks never run again, but the
 *    requests are still sent / left to complete in order, so the kernel ends
 *    up in the state the owner asked for (a teardown queued just before
 *    freeing the owner still happens). Call it from the owner's destructor.
 *  - ENOBUFS or MSG_TRUNC on a request socket: acknowledgements may be lost,
 *    so every in-flight request completes with -ENOBUFS (and on_resync runs if
 *    set); waiting ones are sent normally afterwards.
 *
 * Monitor: knl_sock_monitor() joins multicast groups and hands every message
 * to on_msg. ENOBUFS or MSG_TRUNC means notifications were lost: on_resync
 * runs and the owner re-dumps.
 *
 * Fake kernel (unit tests of the layers above): knl_sock_new_fake() opens no
 * socket. Each request, when its turn comes (same queue, window and order), is
 * handed to fake(msg, len, userdata); its return value is the kernel's answer:
 * 0 (ACK), a negative errno (an error; the map flags apply), or KNL_FAKE_HOLD:
 * the request stays in flight until knl_sock_fake_answer() answers the oldest
 * held one. Answers run from the loop (or from knl_sock_fake_answer()), never
 * inside submit. A dump answered 0 completes with no objects. Monitors of a
 * fake socket receive nothing.
 *
 * Callbacks may submit and cancel, but must not free the socket.
 * knl_sock_free() drops pending requests without running their callbacks.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct nl_msg;
struct knl_sock;
typedef struct sd_event sd_event;

#define KNL_WINDOW_DEFAULT 64

/* Idempotent results (positive: success). */
#define KNL_RESULT_EXISTED 1
#define KNL_RESULT_ABSENT 2

/* knl_sock_submit() map flags. */
#define KNL_MAP_EXISTED (1U << 0) /* EEXIST -> KNL_RESULT_EXISTED */
#define KNL_MAP_ABSENT (1U << 1)  /* ENOENT, ESRCH, ENODEV, EADDRNOTAVAIL -> ABSENT */

typedef void (*knl_done_fn)(int result, void *userdata);
/* One received message (nlmsghdr included, len = nlmsg_len, 4-byte aligned). */
typedef void (*knl_msg_fn)(const uint8_t *msg, size_t len, void *userdata);
typedef void (*knl_resync_fn)(void *userdata);
/* Every received datagram, before dispatch (tests, corpus capture). */
typedef void (*knl_tap_fn)(const uint8_t *buf, size_t len, void *userdata);
/* The fake kernel's answer to one request (nlmsghdr included). */
typedef int (*knl_fake_fn)(int protocol, const uint8_t *msg, size_t len, void *userdata);
#define KNL_FAKE_HOLD 0x7fff

/*
 * Open a NETLINK_ROUTE or NETLINK_XFRM socket (non-blocking, CLOEXEC, EXT_ACK
 * and CAP_ACK on, 1 MiB receive buffer) attached to e. name is for logs.
 */
int knl_sock_new(sd_event *e, int protocol, const char *name, struct knl_sock **ret);
/* A socket answered by fake (see the contract above) instead of the kernel. */
int knl_sock_new_fake(sd_event *e, int protocol, const char *name, knl_fake_fn fake, void *userdata,
		      struct knl_sock **ret);
/*
 * From inside fake: a reply message (nlmsghdr included; the answer to a GET) that the
 * request being answered delivers to its on_reply before its done, when its answer is 0.
 */
int knl_sock_fake_reply(struct knl_sock *s, const uint8_t *msg, size_t len);
/* Answer the oldest held request with result; -ENOENT when none is held. */
int knl_sock_fake_answer(struct knl_sock *s, int result);
struct knl_sock *knl_sock_free(struct knl_sock *s);
void knl_sock_freep(struct knl_sock **s);

/* Join groups (RTNLGRP_*, XFRMNLGRP_*) and deliver notifications to on_msg. */
int knl_sock_monitor(struct knl_sock *s, const unsigned *groups, size_t n_groups, knl_msg_fn on_msg,
		     knl_resync_fn on_resync, void *userdata);

/*
 * Queue msg (ownership passes to the queue, also on failure). Returns 0, or
 * -ENOMEM. Never calls back synchronously.
 */
int knl_sock_submit(struct knl_sock *s, struct nl_msg *msg, unsigned map, const void *owner,
		    knl_msg_fn on_reply, knl_done_fn done, void *userdata);

/* Detach the callbacks of every request of owner (NULL: none). Returns how many. */
size_t knl_sock_cancel_owner(struct knl_sock *s, const void *owner);

/* Drop every waiting request and detach the callbacks of those in flight (a shutdown's
 * first step: O(n), where cancelling owner by owner is O(n^2)). Returns how many were dropped. */
size_t knl_sock_cancel_all(struct knl_sock *s);

/* Requests waiting plus in flight. */
size_t knl_sock_pending(const struct knl_sock *s);

/* The ext-ack text of the request whose done is running, else NULL. */
const char *knl_sock_extack(const struct knl_sock *s);

/* Tuning and test hooks. */
int knl_sock_set_rcvbuf(struct knl_sock *s, int bytes);
void knl_sock_set_window(struct knl_sock *s, unsigned window);
void knl_sock_set_tap(struct knl_sock *s, knl_tap_fn tap, void *userdata);
