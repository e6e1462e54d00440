/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Dynamic Home Agent Address Discovery at the mobile node (see mn-dhaad.h). */
#include "mn/mn-dhaad.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "control/ctl-json.h"
#include "core/addr-util.h"
#include "core/event-util.h"
#include "core/log.h"
#include "ha/ha-dhaad.h"
#include "icmp6/icmp6-socket.h"
#include "icmp6/ndisc.h"
#include "io/io.h"

struct mn_dhaad {
	struct io *io;
	sd_event *event;
	int ifindex;
	struct in6_addr prefix, anycast; /* the home prefix, its Home-Agents anycast address (RFC 2526) */
	uint8_t plen;
	mn_dhaad_fn done;
	void *userdata;
	/* the outstanding Request */
	bool running;
	bool paused; /* DHAAD_RETRIES spent: the next discovery starts after MN_DHAAD_PAUSE_USEC */
	uint16_t id;
	struct in6_addr src;
	unsigned sent;  /* transmissions of this Request: the first and up to DHAAD_RETRIES more */
	usec_t timeout; /* until the next one */
	sd_event_source *timer;
	/* the last accepted Reply's home agents, in its order */
	struct in6_addr agents[MN_DHAAD_MAX_AGENTS];
	size_t n_agents;
	uint64_t requests, replies, ignored, timeouts;
	bool mobile_router; /* RFC 3963 §7.1: ask for home agents that serve mobile routers */
};

void mn_dhaad_set_mobile_router(struct mn_dhaad *d, bool on)
{
	d->mobile_router = on;
}

int mn_dhaad_new(struct io *io, sd_event *e, int ifindex, const struct in6_addr *home_prefix, uint8_t plen,
		 mn_dhaad_fn done, void *userdata, struct mn_dhaad **ret)
{
	struct mn_dhaad *d;
	int r;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	r = ha_dhaad_anycast(home_prefix, plen, &d->anycast);
	if (r < 0) {
		free(d);
		return r;
	}
	d->prefix = *home_prefix;
	d->plen = plen;
	d->io = io;
	d->event = e;
	d->ifindex = ifindex;
	d->done = done;
	d->userdata = userdata;
	*ret = d;
	return 0;
}

struct mn_dhaad *mn_dhaad_free(struct mn_dhaad *d)
{
	if (!d)
		return NULL;
	sd_event_source_disable_unref(d->timer);
	free(d);
	return NULL;
}

static int send_request(struct mn_dhaad *d)
{
	struct ndisc_dhaad_request req = { .id = d->id, .flags = d->mobile_router ? NDISC_DHAAD_F_MOBILE_ROUTER : 0 };
	uint8_t buf[NDISC_DHAAD_HDR_LEN];
	size_t len;
	int r;

	r = ndisc_dhaad_request_build(&req, buf, sizeof(buf), &len);
	if (r < 0)
		return r;
	d->sent++;
	d->requests++;
	return io_nd_send(d->io, d->ifindex, &d->anycast, &d->src, buf, len);
}

/* §11.4.1: "Each retransmission MUST be delayed by twice the time interval of the previous". */
static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct mn_dhaad *d = userdata;
	int r;

	if (!d->running)
		return 0;
	if (d->sent > MN_DHAAD_RETRIES) {
		/* DHAAD_RETRIES spent: told once; a new discovery (new Identifier) after a pause. */
		d->timeouts++;
		log_warning("no Home Agent Address Discovery Reply after %u Requests; again in %llu s", d->sent,
			    (unsigned long long)(MN_DHAAD_PAUSE_USEC / USEC_PER_SEC));
		d->sent = 0;
		d->timeout = MN_DHAAD_PAUSE_USEC;
		d->paused = true;
		(void)event_timer_arm(d->event, &d->timer, now_usec() + d->timeout, USEC_PER_SEC, on_timeout, d);
		d->done(-ETIMEDOUT, d->userdata);
		return 0;
	}
	if (d->paused) {
		(void)mn_dhaad_start(d, &d->src);
		return 0;
	}
	r = send_request(d);
	if (r < 0)
		log_warning_errno(r, "cannot send the DHAAD Request again: %m");
	d->timeout *= 2;
	(void)event_timer_arm(d->event, &d->timer, now_usec() + d->timeout, 10 * USEC_PER_MSEC, on_timeout, d);
	return 0;
}

int mn_dhaad_start(struct mn_dhaad *d, const struct in6_addr *src)
{
	char a[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN];
	uint16_t id;
	int r;

	/* The Identifier matches the Reply to this Request (§6.5); a new one per discovery. */
	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
		id = (uint16_t)(d->id + 1 + (now_usec() & 0xff));
	d->id = id;
	d->src = *src;
	d->sent = 0;
	d->running = true;
	d->paused = false;
	d->timeout = MN_DHAAD_INITIAL_TIMEOUT_USEC;
	addr_str(&d->anycast, a);
	addr_str(src, s);
	log_info("home agent address discovery: Request %u from %s to %s", id, s, a);
	r = send_request(d);
	if (r < 0)
		log_warning_errno(r, "cannot send the DHAAD Request: %m; retrying");
	return event_timer_arm(d->event, &d->timer, now_usec() + d->timeout, 10 * USEC_PER_MSEC, on_timeout, d);
}

void mn_dhaad_cancel(struct mn_dhaad *d)
{
	d->running = false;
	if (d->timer)
		(void)sd_event_source_set_enabled(d->timer, SD_EVENT_OFF);
}

bool mn_dhaad_running(const struct mn_dhaad *d)
{
	return d->running;
}

/*
 * An anycast address of the home prefix: the Subnet-Router anycast address (RFC 4291 §2.6.1,
 * interface identifier 0) or a reserved subnet anycast address (RFC 2526: the identifier's bits
 * all 1 but the last 7, u/l bit 0 for a 64-bit one). A router that sets R in its prefix option
 * without a complete address (RFC 6275 §7.2) is listed with the first.
 */
static bool home_anycast(const struct in6_addr *a, const struct in6_addr *prefix, uint8_t plen)
{
	struct in6_addr top;
	bool zero = true;

	for (unsigned i = 0; i < 128; i++) {
		bool bit = a->s6_addr[i / 8] & (0x80 >> (i % 8));

		if (i < plen && bit != !!(prefix->s6_addr[i / 8] & (0x80 >> (i % 8))))
			return false; /* not in the home prefix */
		if (i >= plen && bit)
			zero = false;
	}
	if (zero)
		return true;
	/* RFC 2526: the same as the Home-Agents address but for the 7-bit anycast identifier. */
	if (ha_dhaad_anycast(prefix, plen, &top) < 0)
		return false;
	return memcmp(a, &top, 15) == 0 && (a->s6_addr[15] & 0x80) == (top.s6_addr[15] & 0x80);
}

/* A Home Agent Address: a global unicast address (not ::, loopback, multicast, link-local or anycast). */
static bool agent_usable(const struct in6_addr *a, const struct in6_addr *prefix, uint8_t plen)
{
	return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_LOOPBACK(a) && !IN6_IS_ADDR_MULTICAST(a) &&
	       !IN6_IS_ADDR_LINKLOCAL(a) && !IN6_IS_ADDR_V4MAPPED(a) && !home_anycast(a, prefix, plen);
}

size_t mn_dhaad_reply_agents(const struct ndisc_dhaad_reply *rep, const struct in6_addr *prefix, uint8_t plen,
			     struct in6_addr *ret, size_t max)
{
	size_t n = 0, end = rep->n_addrs < NDISC_DHAAD_MAX_ADDRS ? rep->n_addrs : NDISC_DHAAD_MAX_ADDRS;

	for (size_t i = 0; i < end && n < max; i++) {
		bool dup = false;

		if (!agent_usable(&rep->addrs[i], prefix, plen))
			continue;
		for (size_t j = 0; j < n && !dup; j++)
			dup = IN6_ARE_ADDR_EQUAL(&ret[j], &rep->addrs[i]);
		if (!dup)
			ret[n++] = rep->addrs[i];
	}
	return n;
}

enum mip6_drop mn_dhaad_input(struct mn_dhaad *d, const struct ndisc_dhaad_reply *rep, const struct icmp6_rxinfo *rx)
{
	struct in6_addr agents[MN_DHAAD_MAX_AGENTS];
	char h[INET6_ADDRSTRLEN];
	size_t n;

	/* §11.4.1: the Reply answers our Request: its Identifier, to the address the Request left from. */
	if (!d->running || rep->id != d->id || !IN6_ARE_ADDR_EQUAL(&rx->dst, &d->src)) {
		d->ignored++;
		log_debug("DHAAD Reply %u that answers no outstanding Request, ignoring", rep->id);
		return DROP_UNEXPECTED;
	}
	n = mn_dhaad_reply_agents(rep, &d->prefix, d->plen, agents, MN_DHAAD_MAX_AGENTS);
	if (n == 0) {
		/* No home agent in it: the previous list stays and the Request is retransmitted. */
		d->ignored++;
		log_notice("DHAAD Reply %u lists no usable home agent, ignoring", rep->id);
		return DROP_MALFORMED;
	}
	/* RFC 3963 §7.2: R=0 answering R=1: none of these serves mobile routers (a BU will get 140). */
	if (d->mobile_router && !(rep->flags & NDISC_DHAAD_F_MOBILE_ROUTER))
		log_warning("DHAAD Reply %u: no home agent on the home link serves mobile routers (RFC 3963 §7.2)",
			    rep->id);
	memcpy(d->agents, agents, n * sizeof(agents[0]));
	d->n_agents = n;
	d->replies++;
	mn_dhaad_cancel(d);
	addr_str(&d->agents[0], h);
	log_info("home agent address discovery: %zu home agent%s, the first %s", n, n == 1 ? "" : "s", h);
	d->done(0, d->userdata);
	return DROP_NONE;
}

size_t mn_dhaad_count(const struct mn_dhaad *d)
{
	return d->n_agents;
}

const struct in6_addr *mn_dhaad_agent(const struct mn_dhaad *d, size_t i)
{
	return i < d->n_agents ? &d->agents[i] : NULL;
}

int mn_dhaad_next(const struct mn_dhaad *d, const struct in6_addr *cur, struct in6_addr *ret)
{
	size_t i = 0;

	while (i < d->n_agents && !IN6_ARE_ADDR_EQUAL(&d->agents[i], cur))
		i++;
	i = i < d->n_agents ? i + 1 : 0;
	if (i >= d->n_agents)
		return -ENOENT;
	*ret = d->agents[i];
	return 0;
}

void mn_dhaad_print(const struct mn_dhaad *d, const struct in6_addr *current, FILE *out)
{
	char a[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < d->n_agents; i++) {
		addr_str(&d->agents[i], a);
		fprintf(out, "%s (dhaad%s)\n", a, IN6_ARE_ADDR_EQUAL(&d->agents[i], current) ? ", current" : "");
	}
	addr_str(&d->anycast, a);
	fprintf(out, "discovery: %s to %s; requests %llu, replies %llu, ignored %llu, timeouts %llu\n",
		d->running ? "running" : "idle", a, (unsigned long long)d->requests, (unsigned long long)d->replies,
		(unsigned long long)d->ignored, (unsigned long long)d->timeouts);
}

void mn_dhaad_json(const struct mn_dhaad *d, const struct in6_addr *current, json_object *o)
{
	json_object *list = ctl_json_add_array(o, "home_agents");

	for (size_t i = 0; i < d->n_agents; i++) {
		json_object *e = ctl_json_append_object(list);

		ctl_json_add_addr(e, "address", &d->agents[i]);
		ctl_json_add_str(e, "source", "dhaad");
		ctl_json_add_bool(e, "current", IN6_ARE_ADDR_EQUAL(&d->agents[i], current));
	}
	ctl_json_add_addr(o, "dhaad_anycast", &d->anycast);
	ctl_json_add_bool(o, "dhaad_running", d->running);
	ctl_json_add_u64(o, "dhaad_requests", d->requests);
	ctl_json_add_u64(o, "dhaad_replies", d->replies);
	ctl_json_add_u64(o, "dhaad_ignored", d->ignored);
	ctl_json_add_u64(o, "dhaad_timeouts", d->timeouts);
}
