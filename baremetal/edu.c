/* SPDX-License-Identifier: MIT */
/*
 * QEMU's edu device as a DMA master. Registers below 0x80 take 32-bit
 * accesses only; the DMA registers at 0x80.. take 64-bit ones. A transfer
 * completes about 100 ms of virtual time after the command write (QEMU
 * runs it from a timer), and RUN (bit 0 of the command) clears then. A
 * transfer that faults in the SMMU still completes: edu ignores the error.
 */
#include "harness.h"

#define EDU_ID 0x00
#define EDU_LIVE 0x04
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_CNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_CMD_RUN 1u
#define EDU_CMD_TO_RAM 2u
#define EDU_TIMEOUT_NS UINT64_C(5000000000)

bool edu_init(struct edu *e, uint64_t bar)
{
	uint32_t id;

	e->bar = bar;
	id = smmukit_bm_read32(bar + EDU_ID);
	smmukit_bm_write32(bar + EDU_LIVE, 0x12345678u);
	say("edu: id 0x%08x, liveness 0x%08x\n", id,
	    smmukit_bm_read32(bar + EDU_LIVE));
	return (id & 0xff) == 0xed &&
	       smmukit_bm_read32(bar + EDU_LIVE) == ~0x12345678u;
}

bool edu_dma(struct edu *e, uint64_t src, uint64_t dst, uint32_t len,
	     bool to_ram, bool poll_timers)
{
	uint64_t start = smmukit_plat_clock_ns(H);

	/* What the CPU wrote to the buffer reaches memory before edu reads it. */
	smmukit_wmb();
	smmukit_bm_write64(e->bar + EDU_DMA_SRC, src);
	smmukit_bm_write64(e->bar + EDU_DMA_DST, dst);
	smmukit_bm_write64(e->bar + EDU_DMA_CNT, len);
	smmukit_bm_write64(e->bar + EDU_DMA_CMD,
			   EDU_CMD_RUN | (to_ram ? EDU_CMD_TO_RAM : 0));
	while (smmukit_bm_read64(e->bar + EDU_DMA_CMD) & EDU_CMD_RUN) {
		if (smmukit_plat_clock_ns(H) - start > EDU_TIMEOUT_NS) {
			say("edu: DMA did not complete\n");
			return false;
		}
		if (poll_timers)
			smmukit_plat_timer_poll(H);
	}
	/* Completion seen: only now read what the device wrote. */
	smmukit_rmb();
	return true;
}
