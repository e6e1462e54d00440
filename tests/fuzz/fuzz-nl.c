/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the netlink parsers with one datagram: split it into messages, parse
 * each as rtnetlink, as XFRM and as an ACK. Where a builder exists the round
 * trip parse -> build -> parse must reproduce the event's fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/msg.h>

#include "netlink/nl-build.h"
#include "netlink/nl-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                \
	do {                    \
		if (!(x))       \
			abort(); \
	} while (0)

static int reparse(struct nl_msg *m, int (*parse)(const uint8_t *, size_t, struct knl_event *),
		   struct knl_event *ret)
{
	struct nlmsghdr *h = nlmsg_hdr(m);
	int r = parse((const uint8_t *)h, h->nlmsg_len, ret);

	nlmsg_free(m);
	return r;
}

static void roundtrip_rtnl(const struct knl_event *e)
{
	struct nl_msg *m = NULL;
	struct knl_event b;
	int r = -1;

	switch (e->type) {
	case KNL_EVENT_ADDR:
		r = knl_build_addr(KNL_OP_ADD, &e->addr, &m);
		break;
	case KNL_EVENT_ROUTE:
		r = knl_build_route(KNL_OP_ADD, &e->route, &m);
		break;
	case KNL_EVENT_RULE:
		r = knl_build_rule(KNL_OP_ADD, &e->rule, &m);
		break;
	case KNL_EVENT_NEIGH:
		r = knl_build_proxy(KNL_OP_ADD, &e->neigh, &m);
		break;
	case KNL_EVENT_TC_FILTER:
		r = knl_build_tc_filter(KNL_OP_REPLACE, &e->tc_filter, &m);
		break;
	default:
		return;
	}
	if (r < 0)
		return;
	CHECK(reparse(m, knl_parse_rtnl, &b) == 1);
	CHECK(b.type == e->type);
	switch (e->type) {
	case KNL_EVENT_ADDR:
		CHECK(b.addr.ifindex == e->addr.ifindex && b.addr.prefixlen == e->addr.prefixlen &&
		      b.addr.flags == e->addr.flags && !memcmp(&b.addr.addr, &e->addr.addr, 16));
		break;
	case KNL_EVENT_ROUTE:
		CHECK(b.route.dst_len == e->route.dst_len && b.route.oif == e->route.oif &&
		      b.route.metric == e->route.metric && b.route.encap == e->route.encap &&
		      !memcmp(&b.route.gateway, &e->route.gateway, 16) &&
		      !memcmp(&b.route.encap_dst, &e->route.encap_dst, 16));
		CHECK(e->route.dst_len == 0 || !memcmp(&b.route.dst, &e->route.dst, 16));
		CHECK(e->route.table == 0 || b.route.table == e->route.table);
		CHECK(e->route.protocol == 0 || b.route.protocol == e->route.protocol);
		break;
	case KNL_EVENT_RULE:
		CHECK(b.rule.from_len == e->rule.from_len && b.rule.priority == e->rule.priority &&
		      b.rule.table == e->rule.table);
		break;
	case KNL_EVENT_TC_FILTER:
		CHECK(b.tc_filter.ifindex == e->tc_filter.ifindex && b.tc_filter.prio == e->tc_filter.prio &&
		      b.tc_filter.handle == e->tc_filter.handle && b.tc_filter.drop == e->tc_filter.drop);
		CHECK(e->tc_filter.drop || (!memcmp(&b.tc_filter.enc_src, &e->tc_filter.enc_src, 16) &&
					    !memcmp(&b.tc_filter.src, &e->tc_filter.src, 16)));
		break;
	default:
		CHECK(b.neigh.ifindex == e->neigh.ifindex && !memcmp(&b.neigh.addr, &e->neigh.addr, 16));
		break;
	}
}

static void roundtrip_xfrm(const struct knl_event *e)
{
	struct nl_msg *m = NULL;
	struct knl_event b;

	if (e->type == KNL_EVENT_XFRM_POLICY && !e->removed) {
		if (knl_build_xfrm_policy(KNL_OP_ADD, &e->policy, &m) < 0)
			return;
		CHECK(reparse(m, knl_parse_xfrm, &b) == 1);
		CHECK(b.policy.dir == e->policy.dir && b.policy.ptype == e->policy.ptype &&
		      b.policy.priority == e->policy.priority && b.policy.n_tmpl == e->policy.n_tmpl &&
		      b.policy.sel.type == e->policy.sel.type && b.policy.sel.proto == e->policy.sel.proto &&
		      !memcmp(b.policy.tmpl, e->policy.tmpl, sizeof(b.policy.tmpl)));
	} else if (e->type == KNL_EVENT_XFRM_MIGRATE) {
		if (knl_build_xfrm_migrate(&e->migrate, &m) < 0)
			return;
		CHECK(reparse(m, knl_parse_xfrm, &b) == 1);
		CHECK(b.migrate.n_entries == e->migrate.n_entries &&
		      !memcmp(b.migrate.entries, e->migrate.entries, sizeof(b.migrate.entries)) &&
		      b.migrate.has_kmaddress == e->migrate.has_kmaddress);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *msg;
	size_t off = 0, len;
	unsigned n = 0;

	if (size > 1 << 20)
		return 0;
	while (knl_msg_next(data, size, &off, &msg, &len) > 0 && n++ < 1024) {
		struct knl_event e;
		char text[128];
		int err;

		if (knl_parse_rtnl(msg, len, &e) == 1)
			roundtrip_rtnl(&e);
		if (knl_parse_xfrm(msg, len, &e) == 1)
			roundtrip_xfrm(&e);
		(void)knl_parse_ack(msg, len, &err, text, sizeof(text));
	}
	return 0;
}
