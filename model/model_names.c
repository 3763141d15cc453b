/* SPDX-License-Identifier: MIT */
/* Names the model gives its results, so every user prints the same words. */
#include "smmukit/model.h"
#include "smmukit/smmuv3_hw.h"

const char *smmukit_model_event_name(unsigned event)
{
	if (event == SMMUKIT_MODEL_ABORT)
		return "ABORT";
	if (!event)
		return "none";
	return smmuv3_event_name(event);
}
