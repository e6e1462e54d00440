// SPDX-License-Identifier: GPL-2.0-or-later
#include "mn/mn-mpd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "control/ctl-json.h"
#include "core/rand-util.h"
#include "core/addr-util.h"
#include "core/event-util.h"
#include "core/log.h"
#include "core/time-util.h"
#include "icmp6/icmp6-socket.h"
#include "icmp6/ndisc.h"
#include "io/io.h"
#include "manager.h"
#include "mn/mn-prefixes.h"

struct mn_mpd {
	struct io *io;
	sd_event *event;
	struct mip6_config *const *config;
	struct in6_addr hoa, ha; /* ha: the registered home agent, :: when none */
	struct mnp_list list;
	struct mps_state mps;
	sd_event_source *timer;
	uint64_t solicitations, accepted, unsolicited, refused;
};

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata);

static void arm(struct mn_mpd *d)
{
	usec_t next = d->mps.outstanding ? d->mps.next : mnp_refresh_time(&d->list);

	if (IN6_IS_ADDR_UNSPECIFIED(&d->ha) || next == UINT64_MAX) {
		if (d->timer)
			(void)sd_event_source_set_enabled(d->timer, SD_EVENT_OFF);
		return;
	}
	(void)event_timer_arm(d->event, &d->timer, next, 10 * USEC_PER_MSEC, on_timer, d);
}

/*
 * §11.4.2: from the home address to the home agent, a random Identifier (MUST; kept for
 * retransmissions). RFC 6275 §11.4.2 MUST: the home address travels in a Home Address
 * option: the kernel's `hao` state (src HoA, dst HA, coaddr CoA) rewrites the packet to
 * leave from the CoA, through the out policy HoA -> HA ICMPv6 146 (spd_mpd_policies with
 * IPsec, spd_mpd_ro_policies without), as it does for the Binding Updates.
 */
static void send_mps(struct mn_mpd *d)
{
	const struct mip6_config *c = *d->config;
	struct ndisc_mps m = { .id = d->mps.outstanding ? d->mps.id : (uint16_t)rand_u32() };
	uint8_t buf[NDISC_MP_HDR_LEN];
	size_t len;
	int r;

	if (!c->send_mob_pfx_sols || IN6_IS_ADDR_UNSPECIFIED(&d->ha))
		return;
	if (ndisc_mps_build(&m, buf, sizeof(buf), &len) < 0)
		return;
	r = io_nd_send(d->io, 0, &d->ha, &d->hoa, buf, len);
	if (r < 0)
		log_debug_errno(r, "Mobile Prefix Solicitation not sent: %m");
	d->solicitations++;
	mps_sent(&d->mps, m.id, now_usec(), c->initial_solicit_timer_usec);
	arm(d);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	send_mps(userdata);
	return 0;
}

void mn_mpd_registered(struct mn_mpd *d, const struct in6_addr *ha)
{
	if (!d)
		return;
	if (!IN6_ARE_ADDR_EQUAL(&d->ha, ha))
		d->mps.outstanding = false; /* another home agent: start afresh */
	d->ha = *ha;
	/* Lifetimes not known yet: ask once (§10.6's boot-time configuration). */
	if (!d->list.p[0].known && !d->mps.outstanding)
		send_mps(d);
	else
		arm(d);
}

void mn_mpd_unregistered(struct mn_mpd *d)
{
	if (!d)
		return;
	d->ha = (struct in6_addr)IN6ADDR_ANY_INIT;
	d->mps.outstanding = false;
	arm(d);
}

static enum mip6_drop on_mpa(const struct io_nd_msg *msg, const struct icmp6_rxinfo *rx, void *userdata)
{
	struct mn_mpd *d = userdata;
	enum mpa_verdict v;
	char a[INET6_ADDRSTRLEN];

	/* RFC 6275 §11.4.3: to the home address, and it MUST have come with a type 2 routing header. */
	if (!IN6_ARE_ADDR_EQUAL(&rx->dst, &d->hoa) || !rx->has_rh2) {
		d->refused++;
		return DROP_UNEXPECTED;
	}
	v = mpa_check(&d->mps, &rx->src, &d->ha, msg->mpa);
	switch (v) {
	case MPA_ACCEPT:
		d->accepted++;
		(void)mnp_apply(&d->list, msg->mpa, now_usec());
		addr_str(&d->list.p[0].prefix, a);
		log_info("Mobile Prefix Advertisement: home prefix %s/%u valid %u s, preferred %u s", a,
			 d->list.p[0].len, mnp_remaining(&d->list.p[0], now_usec(), false),
			 mnp_remaining(&d->list.p[0], now_usec(), true));
		arm(d);
		return DROP_NONE;
	case MPA_UNSOLICITED:
		/* §11.4.3: discarded; the mobile node SHOULD send a Solicitation. */
		d->unsolicited++;
		if (!d->mps.outstanding)
			send_mps(d);
		return DROP_UNEXPECTED;
	default: /* §11.4.3: not from the registered home agent: silently discarded */
		d->refused++;
		return DROP_UNEXPECTED;
	}
}

int mn_mpd_new(struct io *io, sd_event *e, struct mip6_config *const *config, const struct in6_addr *hoa,
	       const struct in6_addr *home_prefix, uint8_t plen, struct mn_mpd **ret)
{
	static const uint8_t types[] = { NDISC_TYPE_MPA };
	struct mn_mpd *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -ENOMEM;
	d->io = io;
	d->event = e;
	d->config = config;
	d->hoa = *hoa;
	d->mps.next = UINT64_MAX;
	mnp_init(&d->list, home_prefix, plen);
	/* Advertisements come to the CoA with a type 2 routing header (the HoA): the every-interface socket. */
	r = io_nd_link_add(io, NULL, types, 1);
	if (r < 0) {
		free(d);
		return r;
	}
	(void)io_nd_register(io, NDISC_TYPE_MPA, on_mpa, d);
	*ret = d;
	return 0;
}

struct mn_mpd *mn_mpd_free(struct mn_mpd *d)
{
	if (!d)
		return NULL;
	(void)io_nd_register(d->io, NDISC_TYPE_MPA, NULL, NULL);
	sd_event_source_disable_unref(d->timer);
	free(d);
	return NULL;
}

void mn_mpd_print(const struct mn_mpd *d, FILE *out)
{
	usec_t now = now_usec();

	for (size_t i = 0; i < d->list.n; i++) {
		const struct mnp_prefix *p = &d->list.p[i];
		char a[INET6_ADDRSTRLEN];

		addr_str(&p->prefix, a);
		if (!p->known)
			fprintf(out, "prefix %s/%u lifetime unknown (no Mobile Prefix Advertisement yet)\n", a, p->len);
		else if (p->valid == UINT32_MAX)
			fprintf(out, "prefix %s/%u valid forever\n", a, p->len);
		else
			fprintf(out, "prefix %s/%u valid %u s, preferred %u s\n", a, p->len,
				mnp_remaining(p, now, false), mnp_remaining(p, now, true));
	}
}

void mn_mpd_json(const struct mn_mpd *d, json_object *o)
{
	json_object *list = ctl_json_add_array(o, "prefixes");
	usec_t now = now_usec();

	for (size_t i = 0; i < d->list.n; i++) {
		const struct mnp_prefix *p = &d->list.p[i];
		json_object *e = ctl_json_append_object(list);

		ctl_json_add_prefix(e, "prefix", &p->prefix, p->len);
		ctl_json_add_bool(e, "known", p->known);
		/* 4294967295: infinite (or unknown) */
		ctl_json_add_u64(e, "valid_lifetime", mnp_remaining(p, now, false));
		ctl_json_add_u64(e, "preferred_lifetime", mnp_remaining(p, now, true));
	}
	ctl_json_add_u64(o, "mobile_prefix_solicitations", d->solicitations);
	ctl_json_add_u64(o, "advertisements_accepted", d->accepted);
	ctl_json_add_u64(o, "advertisements_unsolicited", d->unsolicited);
	ctl_json_add_u64(o, "advertisements_refused", d->refused);
}
