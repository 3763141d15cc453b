/* SPDX-License-Identifier: MIT */
/*
 * The driver's decoding of what hardware hands it: arbitrary event records
 * (decode, name, re-encode what decodes), command words (decode, and a
 * decoded command re-encodes to words that decode the same), CERROR codes
 * and range-TLBI splitting of arbitrary ranges.
 */
#include "fuzz.h"
#include "smmukit/smmuv3_hw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint64_t ev[4], cw[2], back[2];
	struct smmuv3_event e;
	struct smmuv3_cmd c, c2;
	const char *name;

	for (int i = 0; i < 4; i++)
		ev[i] = fuzz_bytes(&in, 8);
	smmuv3_event_decode(ev, &e);
	name = smmuv3_event_name(e.id);
	FUZZ_CHECK(name != NULL);
	{
		uint64_t re[4];

		if (smmuv3_event_encode(&e, re) == 0) {
			struct smmuv3_event e2;

			smmuv3_event_decode(re, &e2);
			FUZZ_CHECK(e2.id == e.id && e2.sid == e.sid);
		}
	}
	FUZZ_CHECK(smmuv3_cerror_name((unsigned)fuzz_bytes(&in, 4)) != NULL);
	cw[0] = fuzz_bytes(&in, 8);
	cw[1] = fuzz_bytes(&in, 8);
	FUZZ_CHECK(smmuv3_cmd_name((unsigned)(cw[0] & 0xff)) != NULL);
	memset(&c, 0, sizeof(c));
	/*
	 * The decoder takes what hardware must accept, the encoder only what
	 * software should send (it refuses, for example, a range TLBI whose
	 * address is not aligned to its TTL block, UNPREDICTABLE for the
	 * SMMU): whatever the encoder takes round-trips.
	 */
	if (smmuv3_cmd_decode(cw, &c) == 0) {
		int eret = smmuv3_cmd_encode(&c, back);

		FUZZ_CHECK(eret == 0 || eret == -SMMUKIT_EINVAL);
		if (eret)
			return 0;
		memset(&c2, 0, sizeof(c2));
		FUZZ_CHECK(smmuv3_cmd_decode(back, &c2) == 0);
		FUZZ_CHECK(smmuv3_cmd_encode(&c2, cw) == 0);
		FUZZ_CHECK(cw[0] == back[0] && cw[1] == back[1]);
	}
	{
		uint64_t iova = fuzz_bytes(&in, 8), len = fuzz_bytes(&in, 8);
		unsigned sel = (unsigned)fuzz_bytes(&in, 1);
		unsigned pg = sel % 3 == 0 ? 12 : sel % 3 == 1 ? 14 : 16;
		unsigned leaf_shift = (unsigned)fuzz_bytes(&in, 1) % 64;
		struct smmuv3_range_tlbi r[SMMUV3_RANGE_TLBI_MAX_CMDS];
		int n;

		/* Keep the range page aligned often enough to split. */
		if (sel & 0x80) {
			iova &= ~((UINT64_C(1) << pg) - 1);
			len &= ~((UINT64_C(1) << pg) - 1);
			len &= (UINT64_C(1) << 40) - 1;
		}
		n = smmuv3_range_tlbi_split(iova, len, pg, leaf_shift,
					    sel & 0x40, r,
					    SMMUV3_RANGE_TLBI_MAX_CMDS);
		FUZZ_CHECK(n == -SMMUKIT_EINVAL || n >= 1);
	}
	return 0;
}
