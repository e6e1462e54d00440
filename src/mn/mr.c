// SPDX-License-Identifier: GPL-2.0-or-later
/* The mobile router (RFC 3963 §5); contract in mn/mr.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "mn/mn-plan.h"
#include "mn/mr.h"

int mr_bu_decorate(const struct mip6_config *c, const struct conf_home_link *hl, struct mh_msg *bu)
{
	if (!hl->is_mob_rtr || bu->type != MH_TYPE_BU)
		return 0;
	/* §5.2: "If the Mobile Router Flag is set, the Home Registration Flag (H) MUST be set." */
	bu->bu.flags |= MH_BU_F_R | MH_BU_F_H;
	/* §5.2 explicit mode: the prefixes in every BU that wants forwarding, refreshes included. */
	if (!c->mob_rtr_use_explicit_mode || bu->bu.lifetime == 0)
		return 0;
	if (hl->n_mnps > MH_MNP_MAX)
		return -E2BIG;
	for (size_t i = 0; i < hl->n_mnps; i++) {
		bu->opts.mnp[i].prefix = hl->mnps[i].addr;
		bu->opts.mnp[i].prefix_len = hl->mnps[i].len;
	}
	bu->opts.n_mnp = (unsigned)hl->n_mnps;
	if (hl->n_mnps)
		bu->opts.present |= MH_OPT_BIT(MH_OPT_MNP);
	return 0;
}

int mr_rules(struct knl *k, const struct conf_home_link *hl, enum knl_op op, const void *owner, knl_done_fn done,
	     void *userdata)
{
	int n = 0;

	if (!hl->is_mob_rtr)
		return 0;
	for (size_t i = 0; i < hl->n_mnps; i++) {
		struct knl_rule ru = { .from = hl->mnps[i].addr, .from_len = hl->mnps[i].len,
				       .table = MN_PLAN_TABLE, .priority = MR_RULE_PRIO };
		int r = knl_rule(k, op, &ru, owner, done, userdata);

		if (r < 0)
			return r;
		n++;
	}
	return n;
}

bool mr_ba_ok(const struct conf_home_link *hl, const struct mh_msg *ba)
{
	if (!hl->is_mob_rtr || !MH_BA_STATUS_IS_ACCEPTED(ba->ba.status) || (ba->ba.flags & MH_BA_F_R) ||
	    ba->ba.lifetime == 0)
		return true;
	log_warning("the home agent accepted the BU without the R flag: it forwards nothing for the mobile "
		    "network (RFC 3963 §5.3)");
	return false;
}

bool mr_forwarding_on(void)
{
	char v = '0';
	int fd = open("/proc/sys/net/ipv6/conf/all/forwarding", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (read(fd, &v, 1) != 1)
		v = '0';
	close(fd);
	return v == '1';
}
