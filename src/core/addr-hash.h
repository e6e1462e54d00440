/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A keyed hash of an IPv6 address for the binding caches' bucket tables (ha/bcache,
 * cn/cn-bcache): the key is random, so a peer cannot choose home addresses that share a chain.
 */
#pragma once

#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

static inline uint64_t addr_hash_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* key from the kernel's CSPRNG; early boot without entropy: derived from where the table lives. */
static inline void addr_hash_key_init(uint64_t key[2], const void *table)
{
	if (getrandom(key, 2 * sizeof(*key), GRND_NONBLOCK) != (ssize_t)(2 * sizeof(*key))) {
		key[0] = (uint64_t)(uintptr_t)table * 0x9e3779b97f4a7c15ULL;
		key[1] = (uint64_t)(uintptr_t)&key ^ 0x2545f4914f6cdd1dULL;
	}
}

static inline uint64_t addr_hash(const uint64_t key[2], const struct in6_addr *a)
{
	uint64_t hi, lo;

	memcpy(&hi, a->s6_addr, 8);
	memcpy(&lo, a->s6_addr + 8, 8);
	return addr_hash_mix64(addr_hash_mix64(hi ^ key[0]) ^ lo ^ key[1]);
}
