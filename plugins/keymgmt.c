/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The front of the key-management seam: the factory, and the guarantees every
 * backend gets for free (plugins/keymgmt.h): completions are queued and
 * delivered from one defer source on the loop, never inside a call; pending
 * calls are detached by owner.
 *
 * A call lives on one of two lists: `pending` while the backend works on it,
 * `ready` once completed and waiting for delivery. A cancelled pending call
 * stays (the backend still holds it) with done = NULL and is freed silently
 * when the backend completes it.
 */
#include <errno.h>
#include <stdlib.h>

#include <systemd/sd-event.h>

#include "core/log.h"
#include "km-backend.h"

struct km_call {
	struct km *km;
	struct km_call *prev, *next;
	const void *owner;
	km_done_fn done; /* NULL: cancelled */
	void *userdata;
	int error;
	bool completed;
};

struct km_list {
	struct km_call *head, *tail;
};

struct km {
	const struct km_backend_ops *ops;
	void *be;
	sd_event_source *deliver;
	struct km_list pending, ready;
	void (*notify)(void *userdata);
	void *notify_ud;
	km_ike_moved_fn ike_moved;
	void *ike_moved_ud;
	enum km_state state;
	void (*state_fn)(void *userdata);
	void *state_ud;
};

static void list_append(struct km_list *l, struct km_call *c)
{
	c->next = NULL;
	c->prev = l->tail;
	if (l->tail)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
}

static void list_remove(struct km_list *l, struct km_call *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
}

/* The defer source: deliver every ready call, oldest first (also those completed meanwhile). */
static int on_deliver(sd_event_source *s, void *userdata)
{
	struct km *km = userdata;
	struct km_call *c;

	while ((c = km->ready.head)) {
		km_done_fn done = c->done;
		void *ud = c->userdata;
		int error = c->error;

		list_remove(&km->ready, c);
		free(c);
		done(error, ud);
	}
	return 0;
}

void km_call_complete(struct km_call *c, int error)
{
	struct km *km = c->km;

	if (c->completed) {
		log_error("key management %s: a call completed twice, ignoring", km->ops->name);
		return;
	}
	c->completed = true;
	list_remove(&km->pending, c);
	if (!c->done) {
		free(c);
		return;
	}
	c->error = error;
	list_append(&km->ready, c);
	(void)sd_event_source_set_enabled(km->deliver, SD_EVENT_ONESHOT);
}

void km_backend_notify(struct km *km)
{
	if (km->notify)
		km->notify(km->notify_ud);
}

void km_backend_ike_moved(struct km *km, const struct ike_moved *mv, uint64_t realtime_us)
{
	if (km->ike_moved)
		km->ike_moved(mv, realtime_us, km->ike_moved_ud);
}

void km_backend_state(struct km *km, enum km_state state)
{
	if (km->state == state)
		return;
	km->state = state;
	if (km->state_fn)
		km->state_fn(km->state_ud);
}

enum km_state km_state(const struct km *km)
{
	return km->state;
}

const char *km_state_to_string(enum km_state s)
{
	switch (s) {
	case KM_STATE_CONNECTING:
		return "connecting";
	case KM_STATE_CONNECTED:
		return "connected";
	case KM_STATE_UNAVAILABLE:
		return "unavailable";
	}
	return "?";
}

const char *km_peer(const struct km *km)
{
	return km->ops->peer ? km->ops->peer : "";
}

void km_set_state_notify(struct km *km, void (*fn)(void *userdata), void *userdata)
{
	km->state_fn = fn;
	km->state_ud = userdata;
}

static const struct km_backend_ops *override;

void km_backend_override(const struct km_backend_ops *ops)
{
	override = ops;
}

const struct km_backend_ops *km_backend_for(const struct mip6_config *c)
{
	if (override)
		return override;
	return c->key_management == CONF_KEY_MANAGEMENT_STATIC ? &km_static_backend : &km_strongswan_backend;
}

int km_new_with(const struct km_backend_ops *ops, sd_event *e, struct io *io, const struct mip6_config *c,
		struct km **ret)
{
	struct km *km = calloc(1, sizeof(*km));
	int r;

	if (!km)
		return -ENOMEM;
	km->ops = ops;
	km->state = KM_STATE_CONNECTING;
	r = sd_event_add_defer(e, &km->deliver, on_deliver, km);
	if (r >= 0)
		r = sd_event_source_set_enabled(km->deliver, SD_EVENT_OFF);
	if (r >= 0)
		r = ops->create(km, e, io, c, &km->be);
	if (r < 0) {
		sd_event_source_disable_unref(km->deliver);
		free(km);
		return r;
	}
	*ret = km;
	return 0;
}

int km_new(sd_event *e, struct io *io, const struct mip6_config *c, struct km **ret)
{
	return km_new_with(km_backend_for(c), e, io, c, ret);
}

static void cancel_where(struct km *km, bool all, const void *owner)
{
	struct km_call *c, *next;

	for (c = km->pending.head; c; c = c->next)
		if (all || c->owner == owner)
			c->done = NULL;
	for (c = km->ready.head; c; c = next) {
		next = c->next;
		if (all || c->owner == owner) {
			list_remove(&km->ready, c);
			free(c);
		}
	}
}

void km_cancel(struct km *km, const void *owner)
{
	if (km)
		cancel_where(km, false, owner);
}

struct km *km_free(struct km *km)
{
	struct km_call *c;

	if (!km)
		return NULL;
	cancel_where(km, true, NULL);
	km->notify = NULL;
	km->state_fn = NULL;
	km->ops->destroy(km->be);
	/* Calls the backend dropped without completing. */
	while ((c = km->pending.head)) {
		list_remove(&km->pending, c);
		free(c);
	}
	cancel_where(km, true, NULL);
	sd_event_source_disable_unref(km->deliver);
	free(km);
	return NULL;
}

const char *km_name(const struct km *km)
{
	return km->ops->name;
}

unsigned km_features(const struct km *km)
{
	return km->ops->features;
}

bool km_has(const struct km *km, unsigned mask)
{
	return km && (km->ops->features & mask) == mask;
}

static struct km_call *call_new(struct km *km, const void *owner, km_done_fn done, void *userdata)
{
	struct km_call *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->km = km;
	c->owner = owner;
	c->done = done;
	c->userdata = userdata;
	list_append(&km->pending, c);
	return c;
}

/* After the backend's answer r: a refused call is forgotten (the backend must not have completed it). */
static int call_started(struct km_call *c, int r)
{
	if (r < 0) {
		if (c->completed) {
			log_error("key management %s: a call failed (%d) after completing, ignoring", c->km->ops->name, r);
			return 0;
		}
		list_remove(&c->km->pending, c);
		free(c);
	}
	return r;
}

int km_up(struct km *km, const struct spd_pair *p, const void *owner, km_done_fn done, void *userdata)
{
	struct km_call *c;

	if (!done)
		return -EINVAL;
	c = call_new(km, owner, done, userdata);
	if (!c)
		return -ENOMEM;
	return call_started(c, km->ops->up(km->be, p, c));
}

int km_migrate(struct km *km, enum node_role role, const struct spd_pair *p, const struct in6_addr *old_coa,
	       const struct in6_addr *coa, const void *owner, km_done_fn done, void *userdata)
{
	struct km_call *c;

	if (!done)
		return -EINVAL;
	if (!km->ops->migrate || !(km->ops->features & KM_F_MIGRATE))
		return -EOPNOTSUPP;
	c = call_new(km, owner, done, userdata);
	if (!c)
		return -ENOMEM;
	return call_started(c, km->ops->migrate(km->be, role, p, old_coa, coa, c));
}

/* drop and renew: a backend without them has nothing to do; complete from the loop. */
static int km_rekey(struct km *km, int (*op)(void *, const struct spd_pair *, struct km_call *),
		    const struct spd_pair *p, const void *owner, km_done_fn done, void *userdata)
{
	struct km_call *c;

	if (!done)
		return -EINVAL;
	c = call_new(km, owner, done, userdata);
	if (!c)
		return -ENOMEM;
	if (!op || !(km->ops->features & KM_F_REKEY_ON_MOVE)) {
		km_call_complete(c, 0);
		return 0;
	}
	return call_started(c, op(km->be, p, c));
}

int km_down(struct km *km, const struct spd_pair *p, const void *owner, km_done_fn done, void *userdata)
{
	struct km_call *c;

	if (!done)
		return -EINVAL;
	c = call_new(km, owner, done, userdata);
	if (!c)
		return -ENOMEM;
	if (!km->ops->down || !(km->ops->features & KM_F_LOCAL_KEYS)) {
		km_call_complete(c, 0);
		return 0;
	}
	return call_started(c, km->ops->down(km->be, p, c));
}

int km_drop(struct km *km, const struct spd_pair *p, const void *owner, km_done_fn done, void *userdata)
{
	return km_rekey(km, km->ops->drop, p, owner, done, userdata);
}

int km_renew(struct km *km, const struct spd_pair *p, const void *owner, km_done_fn done, void *userdata)
{
	return km_rekey(km, km->ops->renew, p, owner, done, userdata);
}

bool km_is_up(struct km *km, const struct spd_pair *p)
{
	return km->ops->is_up(km->be, p);
}

void km_set_notify(struct km *km, void (*fn)(void *userdata), void *userdata)
{
	km->notify = fn;
	km->notify_ud = userdata;
}

void km_set_ike_moved_notify(struct km *km, km_ike_moved_fn fn, void *userdata)
{
	km->ike_moved = fn;
	km->ike_moved_ud = userdata;
}

void km_print(struct km *km, FILE *out, bool json)
{
	km->ops->print(km->be, out, json);
}
