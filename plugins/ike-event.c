/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ike-event.h"
#include "vici/vici-codec.h"

#define MIGRATE_JOB_PREFIX "creating migrate job for policy "
#define REQID_MARK " with reqid {"

/* "N}" at the end of s, N a decimal u32 (1..10 digits): false for anything else. */
static bool parse_braced_u32(const char *s, uint32_t *ret)
{
	uint64_t v = 0;
	size_t n = 0;

	for (; *s >= '0' && *s <= '9'; s++, n++) {
		if (n == 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (n == 0 || v > UINT32_MAX || strcmp(s, "}") != 0)
		return false;
	*ret = (uint32_t)v;
	return true;
}

static int parse_log(const struct vici_msg *ev, struct ike_moved *ret)
{
	const char *group = vici_msg_get(ev, "group"), *msg = vici_msg_get(ev, "msg"), *mark, *next;

	if (!group || !msg)
		return -EBADMSG;
	if (strcmp(group, "KNL") != 0 || strncmp(msg, MIGRATE_JOB_PREFIX, strlen(MIGRATE_JOB_PREFIX)) != 0)
		return 0;
	/* The last " with reqid {" (the selectors before it are charon's text). */
	mark = strstr(msg, REQID_MARK);
	if (!mark)
		return -EBADMSG;
	while ((next = strstr(mark + 1, REQID_MARK)))
		mark = next;
	*ret = (struct ike_moved){ .from_log = true };
	if (!parse_braced_u32(mark + strlen(REQID_MARK), &ret->reqid))
		return -EBADMSG;
	return 1;
}

static bool parse_u32(const char *s, uint32_t *ret)
{
	char b[16];

	if (!s || strlen(s) > 10)
		return false;
	snprintf(b, sizeof(b), "%s}", s);
	return parse_braced_u32(b, ret);
}

/* { <conn> = { uniqueid, new-local-host, new-remote-host, ... } }: the first section. */
static int parse_ike_update(const struct vici_msg *ev, struct ike_moved *ret)
{
	const struct vici_node *sa = NULL;
	const char *uid, *l, *r;

	VICI_NODE_FOREACH(n, &ev->root)
		if (n->type == VICI_NODE_SECTION) {
			sa = n;
			break;
		}
	if (!sa)
		return -EBADMSG;
	uid = vici_node_str(vici_node_child(sa, "uniqueid"));
	l = vici_node_str(vici_node_child(sa, "new-local-host"));
	r = vici_node_str(vici_node_child(sa, "new-remote-host"));
	*ret = (struct ike_moved){ .has_hosts = true };
	if (!parse_u32(uid, &ret->uniqueid) || !l || !r)
		return -EBADMSG;
	/* An IPv4 endpoint is no CoA of ours: not malformed, not a move we time. */
	if (strchr(l, ':') == NULL || strchr(r, ':') == NULL)
		return 0;
	if (inet_pton(AF_INET6, l, &ret->local) != 1 || inet_pton(AF_INET6, r, &ret->remote) != 1)
		return -EBADMSG;
	return 1;
}

int ike_event_parse(const struct vici_msg *ev, struct ike_moved *ret)
{
	if (!ev || ev->type != VICI_EVENT || !ev->name)
		return 0;
	if (strcmp(ev->name, "log") == 0)
		return parse_log(ev, ret);
	if (strcmp(ev->name, "ike-update") == 0)
		return parse_ike_update(ev, ret);
	return 0;
}
