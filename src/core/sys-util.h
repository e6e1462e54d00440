/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small system helpers shared by the roles: sysctl files and link-layer addresses. */
#pragma once

#include <stdint.h>

/* Write value to a /proc/sys file; 0 or -errno. */
int sysctl_write(const char *path, const char *value);
/* The 6-byte hardware address of an interface; 0 or -errno. */
int link_read_mac(const char *ifname, uint8_t mac[6]);
