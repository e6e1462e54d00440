/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small pure helpers of RFC 6275 shared by the HA, MN and CN roles:
 * sequence-number comparison modulo 2^16 (§9.5.1) and lifetime conversion to
 * and from the 4-second units of the Binding Update/Acknowledgement (§6.1.7).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Largest lifetime a BU/BA can carry: 65535 units of 4 s. */
#define MH_LIFETIME_MAX_SEC 262140u
#define MH_LIFETIME_UNIT_SEC 4u

/*
 * RFC 6275 §9.5.1: a Sequence Number is "greater" than the last one when
 * (seq - last) mod 2^16 lies in 1..32767. Equal or older (including exactly
 * half the space away) is not newer.
 */
static inline bool mh_seq_is_newer(uint16_t seq, uint16_t last)
{
	uint16_t d = (uint16_t)(seq - last);

	return d >= 1 && d <= 32767;
}

/* Seconds → 4-s units, rounding down (never grant more than asked) and capped. */
uint16_t mh_lifetime_to_units(uint32_t seconds);
/* Seconds → 4-s units, rounding up (a request never asks for less), capped. */
uint16_t mh_lifetime_to_units_ceil(uint32_t seconds);
static inline uint32_t mh_lifetime_from_units(uint16_t units)
{
	return (uint32_t)units * MH_LIFETIME_UNIT_SEC;
}
