/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "mh/mh-util.h"

uint16_t mh_lifetime_to_units(uint32_t seconds)
{
	if (seconds >= MH_LIFETIME_MAX_SEC)
		return UINT16_MAX;
	return (uint16_t)(seconds / MH_LIFETIME_UNIT_SEC);
}

uint16_t mh_lifetime_to_units_ceil(uint32_t seconds)
{
	if (seconds >= MH_LIFETIME_MAX_SEC)
		return UINT16_MAX;
	return (uint16_t)((seconds + MH_LIFETIME_UNIT_SEC - 1) / MH_LIFETIME_UNIT_SEC);
}
