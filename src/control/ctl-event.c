/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "control/ctl-event.h"
#include "control/ctl-json.h"

const char *mip6_event_type_to_string(enum mip6_event_type t)
{
	static const char *const names[_MIP6_EV_MAX] = {
		[MIP6_EV_REGISTER] = "register",     [MIP6_EV_MOVE] = "move",
		[MIP6_EV_REFRESH] = "refresh",       [MIP6_EV_DEREGISTER] = "deregister",
		[MIP6_EV_EXPIRE] = "expire",         [MIP6_EV_REMOVE] = "remove",
		[MIP6_EV_REJECT] = "reject",         [MIP6_EV_MOVEMENT] = "movement",
		[MIP6_EV_SA_MIGRATE] = "sa-migrate", [MIP6_EV_SA_DROP] = "sa-drop",
		[MIP6_EV_LOST] = "lost",             [MIP6_EV_IKE_MOVED] = "ike-moved",
	};
	return t >= 0 && t < _MIP6_EV_MAX ? names[t] : "?";
}

/* "2026-12-02T11:22:39.123Z" */
static void iso_time(uint64_t usec, char *buf, size_t size)
{
	time_t sec = (time_t)(usec / 1000000);
	struct tm tm;
	char s[32] = "?";

	if (gmtime_r(&sec, &tm))
		strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03uZ", s, (unsigned)(usec / 1000 % 1000));
}

static int format_json(const struct mip6_event *ev, const char *when, char *buf, size_t size)
{
	json_object *o = json_object_new_object();
	const char *s;
	int n;

	if (!o)
		return -ENOMEM;
	ctl_json_add_str(o, "time", when);
	ctl_json_add_str(o, "event", mip6_event_type_to_string(ev->type));
	if (ev->hoa)
		ctl_json_add_addr(o, "hoa", ev->hoa);
	if (ev->coa)
		ctl_json_add_addr(o, "coa", ev->coa);
	if (ev->peer)
		ctl_json_add_addr(o, "peer", ev->peer);
	if (ev->status >= 0)
		ctl_json_add_u64(o, "status", (uint64_t)ev->status);
	if (ev->reason)
		ctl_json_add_str(o, "reason", ev->reason);
	if (ev->lifetime >= 0)
		ctl_json_add_u64(o, "lifetime", (uint64_t)ev->lifetime);
	if (ev->seq >= 0)
		ctl_json_add_u64(o, "seq", (uint64_t)ev->seq);
	if (ev->type == MIP6_EV_LOST)
		ctl_json_add_u64(o, "count", ev->count);
	if (ev->at_us)
		ctl_json_add_u64(o, "realtime_us", ev->at_us);
	s = json_object_to_json_string_ext(o, CTL_JSON_FLAGS);
	n = s ? snprintf(buf, size, "%s\n", s) : -ENOMEM;
	json_object_put(o);
	return n < 0 ? n : (size_t)n >= size ? -ENOSPC : n;
}

/* " key=address" */
static size_t put_addr(char *buf, size_t size, size_t off, const char *key, const struct in6_addr *a)
{
	char s[INET6_ADDRSTRLEN];

	if (!a || off >= size)
		return off;
	inet_ntop(AF_INET6, a, s, sizeof(s));
	return off + (size_t)snprintf(buf + off, size - off, " %s=%s", key, s);
}

static int format_text(const struct mip6_event *ev, const char *when, char *buf, size_t size)
{
	size_t off = (size_t)snprintf(buf, size, "%s %s", when, mip6_event_type_to_string(ev->type));

	off = put_addr(buf, size, off, "hoa", ev->hoa);
	off = put_addr(buf, size, off, "coa", ev->coa);
	off = put_addr(buf, size, off, "peer", ev->peer);
	if (ev->status >= 0 && off < size)
		off += (size_t)snprintf(buf + off, size - off, " status=%d", ev->status);
	if (ev->lifetime >= 0 && off < size)
		off += (size_t)snprintf(buf + off, size - off, " lifetime=%lld", (long long)ev->lifetime);
	if (ev->seq >= 0 && off < size)
		off += (size_t)snprintf(buf + off, size - off, " seq=%d", (int)ev->seq);
	if (ev->type == MIP6_EV_LOST && off < size)
		off += (size_t)snprintf(buf + off, size - off, " count=%llu", (unsigned long long)ev->count);
	if (ev->at_us && off < size)
		off += (size_t)snprintf(buf + off, size - off, " realtime_us=%llu", (unsigned long long)ev->at_us);
	/* The reason last, quoted: it is prose and may hold spaces (never a quote or newline from us). */
	if (ev->reason && off < size)
		off += (size_t)snprintf(buf + off, size - off, " reason=\"%s\"", ev->reason);
	if (off < size)
		off += (size_t)snprintf(buf + off, size - off, "\n");
	return off >= size ? -ENOSPC : (int)off;
}

int mip6_event_format(const struct mip6_event *ev, uint64_t realtime_usec, bool json, char *buf, size_t size)
{
	char when[48];

	iso_time(realtime_usec, when, sizeof(when));
	return json ? format_json(ev, when, buf, size) : format_text(ev, when, buf, size);
}
