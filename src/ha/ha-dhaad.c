/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ha/ha-dhaad.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "control/ctl-json.h"
#include "core/addr-util.h"
#include "core/rand-util.h"
#include "core/event-util.h"
#include "core/log.h"
#include "core/time-util.h"
#include "ha/ha-list.h"
#include "ha/ha-policy.h"
#include "icmp6/icmp6-socket.h"
#include "icmp6/ndisc.h"
#include "io/io.h"

#define DHAAD_MAX_LINKS 8
#define DHAAD_MAX_PREFIXES 16
#define DHAAD_ID 126 /* RFC 2526 §3: the Mobile IPv6 Home-Agents anycast id */

struct dhaad_link {
	struct hal_link hal;
	struct in6_addr lladdr; /* the HA's link-local address on it (:: if none) */
};

struct dhaad_prefix {
	struct in6_addr prefix, anycast, ha;
	uint8_t len;
	int ifindex;
	bool joined;
};

struct ha_dhaad {
	struct io *io;
	sd_event *event;
	struct dhaad_link links[DHAAD_MAX_LINKS];
	size_t n_links;
	struct dhaad_prefix prefixes[DHAAD_MAX_PREFIXES];
	size_t n_prefixes;
	sd_event_source *expiry;
	uint64_t requests, replies, not_served, ras, list_full;
	ha_dhaad_ra_fn ra_fn;
	void *ra_userdata;
	usec_t last_warning; /* warnings caused by received messages: one per 10 s */
	bool mobile_router;  /* HaAcceptMobRtr: the self entries serve mobile routers (RFC 3963 §7) */
};

static bool warning_allowed(struct ha_dhaad *d)
{
	usec_t now = now_usec();

	if (d->last_warning && now - d->last_warning < 10 * USEC_PER_SEC)
		return false;
	d->last_warning = now;
	return true;
}

int ha_dhaad_anycast(const struct in6_addr *prefix, uint8_t len, struct in6_addr *ret)
{
	if (len > 121)
		return -EINVAL;
	*ret = *prefix;
	/* RFC 2526 §2: every interface-id bit 1 but the 7-bit anycast id; with a 64-bit
	 * (EUI-64 format) id the universal/local bit (bit 70 of the address) is 0. */
	for (unsigned i = len; i < 121; i++) {
		uint8_t bit = (uint8_t)(0x80 >> (i % 8));

		if (len == 64 && i == 70)
			ret->s6_addr[i / 8] &= (uint8_t)~bit;
		else
			ret->s6_addr[i / 8] |= bit;
	}
	ret->s6_addr[15] = (uint8_t)((ret->s6_addr[15] & 0x80) | DHAAD_ID);
	return 0;
}

static struct dhaad_link *link_of(struct ha_dhaad *d, int ifindex)
{
	for (size_t i = 0; i < d->n_links; i++)
		if (d->links[i].hal.ifindex == ifindex)
			return &d->links[i];
	return NULL;
}

static uint32_t dhaad_random(void *userdata)
{
	(void)userdata;
	return rand_u32();
}

static int on_expiry(sd_event_source *s, uint64_t usec, void *userdata);

static void arm_expiry(struct ha_dhaad *d)
{
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < d->n_links; i++) {
		uint64_t n = hal_next_expiry(&d->links[i].hal);
		if (n < next)
			next = n;
	}
	if (next == UINT64_MAX) {
		if (d->expiry)
			(void)sd_event_source_set_enabled(d->expiry, SD_EVENT_OFF);
		return;
	}
	(void)event_timer_arm(d->event, &d->expiry, next, USEC_PER_SEC, on_expiry, d);
}

static int on_expiry(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct ha_dhaad *d = userdata;

	(void)s;
	for (size_t i = 0; i < d->n_links; i++) {
		size_t n = hal_expire(&d->links[i].hal, usec);
		if (n > 0)
			log_info("home agents list: %zu home agent(s) expired on ifindex %d (RFC 6275 §10.5.1)", n,
				 d->links[i].hal.ifindex);
	}
	arm_expiry(d);
	return 0;
}

/* RFC 6275 §10.5.1: every valid RA on a home link updates that link's list. */
static enum mip6_drop on_ra(const struct io_nd_msg *msg, const struct icmp6_rxinfo *rx, void *userdata)
{
	struct ha_dhaad *d = userdata;
	struct dhaad_link *l = link_of(d, rx->ifindex);
	char src[INET6_ADDRSTRLEN];
	enum hal_ra_result r;

	if (!l)
		return DROP_UNEXPECTED;
	d->ras++;
	if (d->ra_fn)
		d->ra_fn(rx->ifindex, &rx->src, msg->ra, d->ra_userdata);
	r = hal_on_ra(&l->hal, &rx->src, msg->ra, now_usec());
	addr_str(&rx->src, src);
	if (r == HAL_RA_ADDED)
		log_info("home agents list: %s is a home agent on ifindex %d", src, rx->ifindex);
	else if (r == HAL_RA_REMOVED)
		log_info("home agents list: %s withdrew (lifetime 0) on ifindex %d", src, rx->ifindex);
	else if (r == HAL_RA_FULL) {
		d->list_full++;
		if (warning_allowed(d))
			log_warning("home agents list on ifindex %d is full (%d): %s left out (%llu so far)",
				    rx->ifindex, HAL_MAX_AGENTS, src, (unsigned long long)d->list_full);
	}
	arm_expiry(d);
	return DROP_NONE;
}

static const struct dhaad_prefix *prefix_of_anycast(struct ha_dhaad *d, const struct in6_addr *dst)
{
	for (size_t i = 0; i < d->n_prefixes; i++)
		if (IN6_ARE_ADDR_EQUAL(&d->prefixes[i].anycast, dst))
			return &d->prefixes[i];
	return NULL;
}

/* RFC 6275 §10.5: a Request to the Home-Agents anycast address of a served prefix gets a Reply. */
static enum mip6_drop on_request(const struct io_nd_msg *msg, const struct icmp6_rxinfo *rx, void *userdata)
{
	struct ha_dhaad *d = userdata;
	const struct dhaad_prefix *p = prefix_of_anycast(d, &rx->dst);
	struct ndisc_dhaad_reply rep = { 0 };
	struct dhaad_link *l;
	uint8_t buf[NDISC_DHAAD_HDR_LEN + 16 * NDISC_DHAAD_MAX_ADDRS];
	size_t len;
	int r;

	d->requests++;
	if (!p || !(l = link_of(d, p->ifindex))) {
		d->not_served++;
		return DROP_NOT_SERVED;
	}
	/* The reply goes back to the Request's source, a care-of address: it must be unicast. */
	if (IN6_IS_ADDR_UNSPECIFIED(&rx->src) || IN6_IS_ADDR_MULTICAST(&rx->src) || IN6_IS_ADDR_LOOPBACK(&rx->src))
		return DROP_BAD_ADDRESS;
	/* §6.6: the Identifier (and RFC 3963 §7.2's R flag) are copied from the Request. */
	rep.id = msg->dhaad_req->id;
	/*
	 * RFC 3963 §7.2: R=1 asks for the agents serving mobile routers, and the Reply's R says it
	 * lists some; when none does, the mobile IPv6 agents are listed with R=0 (the "MAY").
	 */
	rep.flags = msg->dhaad_req->flags & NDISC_DHAAD_F_MOBILE_ROUTER;
	rep.n_addrs = rep.flags ? hal_reply_addrs(&l->hal, now_usec(), true, rep.addrs, NDISC_DHAAD_MAX_ADDRS,
						  dhaad_random, NULL)
				: 0;
	if (rep.n_addrs == 0) {
		rep.flags = 0;
		rep.n_addrs = hal_reply_addrs(&l->hal, now_usec(), false, rep.addrs, NDISC_DHAAD_MAX_ADDRS,
					      dhaad_random, NULL);
	}
	if (ndisc_dhaad_reply_build(&rep, buf, sizeof(buf), &len) < 0)
		return DROP_OTHER;
	/* §10.5: from one of the HA's global unicast addresses: its address in the prefix. */
	r = io_nd_send(d->io, 0, &rx->src, &p->ha, buf, len);
	if (r < 0) {
		if (warning_allowed(d))
			log_warning("DHAAD Reply not sent: %s", strerror(-r));
		return DROP_OTHER;
	}
	d->replies++;
	return DROP_NONE;
}

void ha_dhaad_set_ra_observer(struct ha_dhaad *d, ha_dhaad_ra_fn fn, void *userdata)
{
	d->ra_fn = fn;
	d->ra_userdata = userdata;
}

int ha_dhaad_new(struct io *io, sd_event *e, struct ha_dhaad **ret)
{
	static const uint8_t types[] = { NDISC_TYPE_DHAAD_REQUEST };
	struct ha_dhaad *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -ENOMEM;
	d->io = io;
	d->event = e;
	r = io_nd_link_add(io, NULL, types, 1);
	if (r < 0) {
		free(d);
		return r;
	}
	(void)io_nd_register(io, NDISC_TYPE_RA, on_ra, d);
	(void)io_nd_register(io, NDISC_TYPE_DHAAD_REQUEST, on_request, d);
	*ret = d;
	return 0;
}

static void leave_all(struct ha_dhaad *d)
{
	for (size_t i = 0; i < d->n_prefixes; i++)
		if (d->prefixes[i].joined)
			(void)io_nd_anycast(d->io, d->prefixes[i].ifindex, &d->prefixes[i].anycast, false);
	d->n_prefixes = 0;
}

struct ha_dhaad *ha_dhaad_free(struct ha_dhaad *d)
{
	if (!d)
		return NULL;
	(void)io_nd_register(d->io, NDISC_TYPE_RA, NULL, NULL);
	(void)io_nd_register(d->io, NDISC_TYPE_DHAAD_REQUEST, NULL, NULL);
	leave_all(d);
	sd_event_source_disable_unref(d->expiry);
	free(d);
	return NULL;
}

/* The HA's link-local address on ifindex (:: when it has none). */
static struct in6_addr link_local_of(int ifindex)
{
	struct in6_addr ret = IN6ADDR_ANY_INIT;
	struct ifaddrs *list = NULL;

	if (getifaddrs(&list) < 0)
		return ret;
	for (struct ifaddrs *i = list; i; i = i->ifa_next) {
		const struct sockaddr_in6 *sa = (const struct sockaddr_in6 *)i->ifa_addr;

		if (sa && sa->sin6_family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&sa->sin6_addr) &&
		    (int)if_nametoindex(i->ifa_name) == ifindex) {
			ret = sa->sin6_addr;
			break;
		}
	}
	freeifaddrs(list);
	return ret;
}

static struct dhaad_link *link_get(struct ha_dhaad *d, int ifindex)
{
	struct dhaad_link *l = link_of(d, ifindex);

	if (l || d->n_links >= DHAAD_MAX_LINKS)
		return l;
	l = &d->links[d->n_links++];
	memset(l, 0, sizeof(*l));
	l->hal.ifindex = ifindex;
	l->lladdr = link_local_of(ifindex);
	return l;
}

/* Each link's self entry: the HA's addresses in the prefixes it serves there. */
static void set_self_entries(struct ha_dhaad *d)
{
	for (size_t i = 0; i < d->n_links; i++) {
		struct dhaad_link *l = &d->links[i];
		struct in6_addr own[HAL_MAX_ADDRS];
		size_t n = 0;

		for (size_t j = 0; j < d->n_prefixes && n < HAL_MAX_ADDRS; j++)
			if (d->prefixes[j].ifindex == l->hal.ifindex)
				own[n++] = d->prefixes[j].ha;
		(void)hal_set_self(&l->hal, &l->lladdr, own, n);
		for (size_t j = 0; j < l->hal.n_agents; j++)
			if (l->hal.agents[j].self)
				l->hal.agents[j].mobile_router = d->mobile_router;
	}
}

void ha_dhaad_set_mobile_router(struct ha_dhaad *d, bool on)
{
	d->mobile_router = on;
	set_self_entries(d);
}

int ha_dhaad_set_prefixes(struct ha_dhaad *d, const struct ha_prefix *p, size_t n)
{
	int ret = 0;

	leave_all(d);
	for (size_t i = 0; i < n && d->n_prefixes < DHAAD_MAX_PREFIXES; i++) {
		struct dhaad_prefix *q = &d->prefixes[d->n_prefixes];
		char a[INET6_ADDRSTRLEN];
		int r;

		if (!link_get(d, p[i].ifindex) || ha_dhaad_anycast(&p[i].prefix, p[i].len, &q->anycast) < 0)
			continue;
		q->prefix = p[i].prefix;
		q->len = p[i].len;
		q->ha = p[i].ha;
		q->ifindex = p[i].ifindex;
		r = io_nd_anycast(d->io, q->ifindex, &q->anycast, true);
		q->joined = r >= 0 || r == -EADDRINUSE;
		addr_str(&q->anycast, a);
		if (!q->joined) {
			log_error_errno(r, "cannot join the Home-Agents anycast address %s: %m", a);
			ret = ret < 0 ? ret : r;
		} else
			log_debug("DHAAD: listening on %s", a);
		d->n_prefixes++;
	}
	set_self_entries(d);
	return ret;
}

static void print_agent(FILE *out, const struct hal_agent *a, uint64_t now, const char *ifn)
{
	char ll[INET6_ADDRSTRLEN];

	addr_str(&a->lladdr, ll);
	if (a->self)
		fprintf(out, "%s %s preference %u (this node)\n", ifn, ll, a->preference);
	else
		fprintf(out, "%s %s preference %u lifetime %llus\n", ifn, ll, a->preference,
			(unsigned long long)((a->expires_us - now) / USEC_PER_SEC));
	for (size_t k = 0; k < a->n_addrs; k++) {
		char g[INET6_ADDRSTRLEN];

		addr_str(&a->addrs[k].addr, g);
		fprintf(out, "    %s\n", g);
	}
}

static json_object *agent_json(const struct hal_agent *a, uint64_t now, const char *ifn)
{
	json_object *e = json_object_new_object(), *addrs;

	ctl_json_add_str(e, "interface", ifn);
	ctl_json_add_addr(e, "link_local", &a->lladdr);
	ctl_json_add_u64(e, "preference", a->preference);
	if (a->self)
		ctl_json_add_bool(e, "self", true);
	else
		ctl_json_add_u64(e, "lifetime", (a->expires_us - now) / USEC_PER_SEC);
	addrs = ctl_json_add_array(e, "addresses");
	for (size_t k = 0; k < a->n_addrs; k++) {
		char g[INET6_ADDRSTRLEN];

		addr_str(&a->addrs[k].addr, g);
		json_object_array_add(addrs, json_object_new_string(g));
	}
	return e;
}

int ha_dhaad_ctl(struct ha_dhaad *d, bool json, FILE *out)
{
	json_object *o = json ? json_object_new_object() : NULL;
	json_object *list = ctl_json_add_array(o, "home_agents");
	uint64_t now = now_usec();

	for (size_t i = 0; i < d->n_links; i++) {
		const struct hal_link *l = &d->links[i].hal;
		char ifn[IF_NAMESIZE] = "?";

		if_indextoname((unsigned)l->ifindex, ifn);
		for (size_t j = 0; j < l->n_agents; j++) {
			if (l->agents[j].expires_us <= now)
				continue;
			if (json)
				ctl_json_append(list, agent_json(&l->agents[j], now, ifn));
			else
				print_agent(out, &l->agents[j], now, ifn);
		}
	}
	if (!json)
		return 0;
	ctl_json_add_u64(o, "dhaad_requests", d->requests);
	ctl_json_add_u64(o, "dhaad_replies", d->replies);
	ctl_json_add_u64(o, "dhaad_not_served", d->not_served);
	ctl_json_add_u64(o, "router_advertisements", d->ras);
	ctl_json_add_u64(o, "list_full", d->list_full);
	return ctl_json_print(out, o);
}
