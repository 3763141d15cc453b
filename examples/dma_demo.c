/* SPDX-License-Identifier: MIT */
/*
 * The whole stack in one short program: the SMMUv3 driver brought up on the
 * hardware model, a device attached through the IOMMU core, a buffer mapped
 * with the DMA API, the device reading it through the SMMU, then unmapped
 * twice -- strictly (the next access faults at once) and lazily (the IOTLB
 * still holds the old translation until the flush queue's flush, so the
 * device can still read: the window lazy mode trades for speed; after the
 * flush it faults).
 *
 * Build against an installed smmukit (scripts/build-example.sh does this):
 *   cc -o dma_demo dma_demo.c $(pkg-config --cflags --libs smmukit)
 */
#include <stdio.h>
#include <string.h>

#include <smmukit/dma.h>
#include <smmukit/iommu.h>
#include <smmukit/model.h>
#include <smmukit/platform_posix.h>
#include <smmukit/smmu.h>

#define SID 8		/* the device's stream ID */

/* Any failure ends the demo with the library's name for the error. */
#define CHECK(call)                                                         \
	do {                                                                \
		int ret_ = (call);                                          \
		if (ret_) {                                                 \
			fprintf(stderr, "%s: %s\n", #call,                  \
				smmukit_errname(ret_));                     \
			return 1;                                           \
		}                                                           \
	} while (0)

/* The device reads 8 bytes at iova through the SMMU; say what happened. */
static void device_read(struct smmukit_model *m, const char *when,
			smmukit_dma_addr_t iova)
{
	struct smmukit_model_dma_result r;
	char data[9] = { 0 };

	if (smmukit_model_dma(m, SID, SMMUKIT_MODEL_NO_SSID, iova, 8, false,
			      data, &r) == 0)
		printf("%-34s device reads \"%s\"\n", when, data);
	else
		printf("%-34s device faults: %s\n", when,
		       smmukit_model_event_name(r.event));
}

int main(void)
{
	/* A simulated machine: 1 CPU, RAM shared with the model, a clock
	 * that moves only when told to (so the run is the same every time). */
	struct smmukit_posix_config pc = {
		.nr_cpus = 1, .manual_clock = true, .log_level = SMMUKIT_LOG_ERR,
	};
	struct smmukit_platform *plat;
	struct smmukit_model_config mcfg;
	struct smmukit_model_profile prof;
	struct smmukit_model *model;
	struct smmukit_smmu_config scfg = { 0 };
	struct smmukit_smmu *smmu;
	struct smmukit_iommu_options opts;
	struct smmukit_iommu_config icfg = { 0 };
	struct smmukit_iommu *iommu;
	struct smmukit_dma *dma;
	const uint32_t sids[] = { SID };
	struct smmukit_device_config dcfg = { 0 };
	struct smmukit_device *dev;
	struct smmukit_dma_pages buf;
	smmukit_dma_addr_t iova;

	CHECK(smmukit_posix_create(&pc, &plat));

	/* The SMMU: the model's registers are the driver's MMIO. */
	smmukit_model_config_default(&mcfg);
	smmukit_model_profile_zero(&prof);
	CHECK(smmukit_model_create(plat, &mcfg, &prof, &model));
	scfg.platform = plat;
	scfg.mmio = smmukit_model_mmio(model);
	CHECK(smmukit_smmu_probe(&scfg, &smmu));

	/* The IOMMU core over the driver (Linux's defaults: strict, DMA
	 * domains), then the DMA API on top. */
	smmukit_iommu_options_default(&opts);
	icfg.platform = plat;
	icfg.drv = smmukit_smmu_iommu(smmu);
	icfg.options = &opts;
	CHECK(smmukit_iommu_create(&icfg, &iommu));
	CHECK(smmukit_dma_create(iommu, &dma));

	/* A device with one stream: the core gives it a DMA domain. */
	CHECK(smmukit_smmu_init_stream(smmu, SID));
	dcfg.name = "demo";
	dcfg.sids = sids;
	dcfg.nr_sids = 1;
	CHECK(smmukit_iommu_probe_device(iommu, &dcfg, &dev));

	/* A DMA-able page holding a message. */
	CHECK(smmukit_plat_alloc_pages(plat, 0, &buf));
	memcpy(buf.cpu, "smmukit", 8);

	/* Strict: after unmap returns, the translation is gone. */
	CHECK(smmukit_dma_map_single(dev, buf.cpu, 4096,
				     SMMUKIT_DMA_BIDIRECTIONAL, &iova));
	printf("mapped PA 0x%llx at IOVA 0x%llx\n",
	       (unsigned long long)buf.pa, (unsigned long long)iova);
	device_read(model, "strict, mapped:", iova);
	CHECK(smmukit_dma_unmap_single(dev, iova, 4096,
				       SMMUKIT_DMA_BIDIRECTIONAL));
	device_read(model, "strict, after unmap:", iova);

	/* Lazy: switch the device's domain to DMA-FQ (live, as Linux's sysfs
	 * "type" does), map, read, unmap. The unmap only queues the IOVA. */
	CHECK(smmukit_iommu_set_default_domain_type(dev, SMMUKIT_DOMAIN_DMA_FQ));
	CHECK(smmukit_dma_map_single(dev, buf.cpu, 4096,
				     SMMUKIT_DMA_BIDIRECTIONAL, &iova));
	device_read(model, "lazy, mapped:", iova);
	CHECK(smmukit_dma_unmap_single(dev, iova, 4096,
				       SMMUKIT_DMA_BIDIRECTIONAL));
	device_read(model, "lazy, after unmap (IOTLB stale):", iova);

	/* The flush queue's timer (10 ms by default) invalidates the
	 * domain's IOTLB entries; smmukit_dma_flush(dev) would do it now. */
	smmukit_posix_clock_advance(plat, 10 * 1000 * 1000);
	device_read(model, "lazy, after the 10 ms flush:", iova);

	/* Teardown, in reverse. */
	smmukit_plat_free_pages(plat, &buf);
	CHECK(smmukit_iommu_release_device(dev));
	smmukit_dma_destroy(dma);
	CHECK(smmukit_iommu_destroy(iommu));
	smmukit_smmu_destroy(smmu);
	smmukit_model_destroy(model);
	smmukit_posix_destroy(plat);
	return 0;
}
