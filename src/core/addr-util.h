/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Addresses as text, for log lines and tables: one formatter for every module. */
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>

/* a as text into buf (INET6_ADDRSTRLEN bytes); returns buf. */
static inline const char *addr_str(const struct in6_addr *a, char buf[static INET6_ADDRSTRLEN])
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}
