/* SPDX-License-Identifier: MIT */
#include "smmukit/version.h"

const char *smmukit_version(void)
{
	return SMMUKIT_VERSION_STRING;
}
