/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Random numbers for protocol timers and identifiers (RAND_ADV_DELAY, DHAAD/MPS Identifiers). */
#pragma once

#include <stdint.h>
#include <sys/random.h>

#include "core/time-util.h"

/* From the kernel's CSPRNG; without entropy yet (early boot), from the clock. */
static inline uint32_t rand_u32(void)
{
	uint32_t v = 0;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v))
		v = (uint32_t)now_usec();
	return v;
}
