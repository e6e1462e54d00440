/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's IPv6 addresses now, read with one blocking RTM_GETADDR dump on a socket of its
 * own (rtnetlink(7)): unlike getifaddrs(3) each comes with its IFA_F_* flags (tentative,
 * optimistic, DAD failed: RFC 4862 §5.4) and its lifetimes (IFA_CACHEINFO). For a caller that
 * needs the set at once, outside the queued request path of nl-kernel (which a test may fake).
 */
#pragma once
#include <stddef.h>
#include "netlink/nl-types.h"

/*
 * Every IPv6 address of every interface into *ret (malloc'ed, NULL when none), their number in
 * *ret_n. Returns 0 or a negative errno (nothing allocated then).
 */
int knl_addrs_read(struct knl_addr **ret, size_t *ret_n);
