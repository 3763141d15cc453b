/* SPDX-License-Identifier: MIT */
/*
 * The hardware model driven as `smmukit model` drives it (the MMIO seam,
 * simulated memory, DMA masters, time): arbitrary register writes, queue,
 * stream-table and descriptor contents written into RAM, DMA by any stream
 * and time moving. The model must never crash, hang or touch host memory
 * outside simulated RAM (AddressSanitizer watches), and every call returns.
 */
#include "fuzz.h"
#include "smmukit/model.h"
#include "smmukit/platform_posix.h"

static const uint32_t regs[] = {
	SMMUV3_CR0, SMMUV3_CR1, SMMUV3_CR2, SMMUV3_GBPA, SMMUV3_IRQ_CTRL,
	SMMUV3_GERRORN, SMMUV3_GERROR_IRQ_CFG0, SMMUV3_STRTAB_BASE,
	SMMUV3_STRTAB_BASE_CFG, SMMUV3_CMDQ_BASE, SMMUV3_CMDQ_PROD,
	SMMUV3_CMDQ_CONS, SMMUV3_EVENTQ_BASE, SMMUV3_PAGE1 + SMMUV3_EVENTQ_PROD,
	SMMUV3_PAGE1 + SMMUV3_EVENTQ_CONS, SMMUV3_EVENTQ_IRQ_CFG0,
	SMMUV3_EVENTQ_IRQ_CFG1, SMMUV3_PRIQ_BASE, SMMUV3_GATOS_CTRL,
	SMMUV3_GATOS_SID, SMMUV3_GATOS_ADDR, SMMUV3_S_INIT, SMMUV3_IDR0,
};

#define MEM (16u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct smmukit_posix_config pc = {
		.manual_clock = true, .mem_size = MEM, .nr_cpus = 1,
		.log_level = SMMUKIT_LOG_ERR,
	};
	struct smmukit_platform *p;
	struct smmukit_model_config cfg;
	struct smmukit_model *m;
	struct smmukit_mmio mmio;
	uint64_t base;
	unsigned feat = (unsigned)fuzz_bytes(&in, 1);

	FUZZ_CHECK(smmukit_posix_create(&pc, &p) == 0);
	base = smmukit_posix_phys_base(p);
	smmukit_model_config_default(&cfg);
	cfg.msi = feat & 1;
	cfg.coherent = !(feat & 2);
	cfg.checking = feat & 4;
	cfg.sev = feat & 8;
	cfg.cmdq_log2 = 4 + (feat >> 4) % 4;
	cfg.evtq_log2 = 2 + (feat >> 6);
	cfg.cmdlog_entries = cfg.invlog_entries = cfg.stalelog_entries = 64;
	FUZZ_CHECK(smmukit_model_create(p, &cfg, NULL, &m) == 0);
	mmio = smmukit_model_mmio(m);
	for (unsigned op = 0; op < 256 && in.n; op++) {
		unsigned k = (unsigned)fuzz_bytes(&in, 1);
		uint64_t v;
		uint32_t off;

		switch (k % 8) {
		case 0:	/* 32-bit register write, known register */
		case 1:
			off = regs[fuzz_bytes(&in, 1) % (sizeof(regs) / sizeof(regs[0]))];
			v = fuzz_bytes(&in, 4);
			mmio.ops->write32(mmio.ctx, off, (uint32_t)v);
			break;
		case 2:	/* 64-bit write of an address into RAM (bases) */
			off = regs[fuzz_bytes(&in, 1) % (sizeof(regs) / sizeof(regs[0]))];
			v = base + (fuzz_bytes(&in, 3) << 12) % MEM;
			v |= fuzz_bytes(&in, 1) & 0x1f;	/* LOG2SIZE and friends */
			v |= fuzz_bytes(&in, 1) << 56;
			mmio.ops->write64(mmio.ctx, off & ~7u, v);
			break;
		case 3:	/* any access anywhere in the register space */
			off = (uint32_t)fuzz_bytes(&in, 3) % (2 * SMMUV3_PAGE1);
			v = fuzz_bytes(&in, 8);
			if (k & 0x80)
				mmio.ops->write64(mmio.ctx, off, v);
			else if (k & 0x40)
				(void)mmio.ops->read64(mmio.ctx, off);
			else
				mmio.ops->write32(mmio.ctx, off, (uint32_t)v);
			break;
		case 4:	/* descriptor / queue contents in RAM */
		case 5: {
			uint64_t pa = base + (fuzz_bytes(&in, 3) * 8) % MEM;
			uint64_t w = fuzz_bytes(&in, 8);
			volatile uint64_t *hp = smmukit_posix_phys_range(p, pa, 8);

			FUZZ_CHECK(hp != NULL);
			if (k & 0x80)	/* an address-looking word */
				w = base + (w % MEM);
			smmukit_write_once64(hp, w);
			if (!cfg.coherent)
				smmukit_plat_dma_sync_for_device(p, pa, 8);
			break;
		}
		case 6: {	/* a device access */
			unsigned char buf[64];
			uint32_t sid = (uint32_t)fuzz_bytes(&in, 1);
			uint64_t iova = fuzz_bytes(&in, 8);
			uint64_t len = fuzz_bytes(&in, 1) % sizeof(buf) + 1;
			struct smmukit_model_dma_result r;

			memset(buf, 0xa5, sizeof(buf));
			if (k & 0x80)
				iova &= 0xffffffff;
			(void)smmukit_model_dma(m, sid, (k & 0x40) ? 0 :
						SMMUKIT_MODEL_NO_SSID, iova, len,
						k & 0x20, buf, &r);
			break;
		}
		default:	/* time passes */
			smmukit_posix_clock_advance(p, fuzz_bytes(&in, 2) * 100);
			smmukit_model_run(m);
			break;
		}
	}
	{
		struct smmukit_model_stats st;

		FUZZ_CHECK(smmukit_model_get_stats(m, &st) == 0);
	}
	smmukit_model_destroy(m);
	smmukit_posix_destroy(p);
	return 0;
}
