/* SPDX-License-Identifier: MIT */
/* The QEMU harness: shared declarations (public smmukit headers only). */
#ifndef HARNESS_H
#define HARNESS_H

#include "smmukit/dma.h"
#include "smmukit/iommu.h"
#include "smmukit/platform_baremetal.h"
#include "smmukit/smmu.h"

/* QEMU virt's memory map (hw/arm/virt.c), used where the DTB is silent. */
#define VIRT_UART 0x09000000u
#define VIRT_SMMU 0x09050000u
#define VIRT_PCIE_MMIO 0x10000000u
#define VIRT_PCIE_MMIO_SIZE 0x2eff0000u
#define VIRT_ECAM_LOW 0x3f000000u
#define VIRT_ECAM_HIGH UINT64_C(0x4010000000)
#define VIRT_RAM 0x40000000u

extern struct smmukit_platform *H;

#define say(...) smmukit_baremetal_printf(H, __VA_ARGS__)

/* ---- results ---- */
void check_(bool ok, const char *what, const char *file, int line);
#define check(cond, what) check_(!!(cond), (what), __FILE__, __LINE__)
unsigned nr_passed(void);
unsigned nr_failed(void);

/* ---- fdt.c ---- */
struct fdt_info {
	uint64_t ecam_base, ecam_size;
	unsigned bus_first, bus_last;
	uint64_t ram_base, ram_size;
	bool found_ecam, found_ram;
};
bool fdt_parse(const void *dtb, struct fdt_info *out);

/* ---- pci.c ---- */
struct pci_dev {
	unsigned bus, dev, fn;
	uint16_t vendor, device;
	uint64_t bar0;
	uint64_t cfg;	/* ECAM address of its configuration space */
};
/* Scan the buses, list what is there, find vendor:device, assign its BAR0
 * in the 32-bit window and enable memory decoding and bus mastering. */
bool pci_find_setup(uint64_t ecam, unsigned bus_first, unsigned bus_last,
		    uint16_t vendor, uint16_t device, struct pci_dev *out);
/* Bus mastering on or off (PCI command register bit 2). */
void pci_set_master(const struct pci_dev *d, bool on);

/* ---- edu.c ---- */
#define EDU_BUF 0x40000u	/* the device's buffer, in its own address space */
struct edu {
	uint64_t bar;
};
bool edu_init(struct edu *e, uint64_t bar);
/*
 * One DMA: to_ram false copies [src, +len) of RAM (an IOVA) into the edu
 * buffer at dst; true copies the buffer at src out to RAM at dst. Waits for
 * completion; while it waits it runs due platform timers if poll_timers.
 * false on timeout.
 */
bool edu_dma(struct edu *e, uint64_t src, uint64_t dst, uint32_t len,
	     bool to_ram, bool poll_timers);

/* ---- semihosting ---- */
void harness_exit(int status) __attribute__((noreturn));

#endif
