/* SPDX-License-Identifier: MIT */
/*
 * PCIe enumeration through ECAM: config space of bus b, device d, function
 * f at base + (b << 20 | d << 15 | f << 12). Only 32-bit config accesses.
 */
#include "harness.h"

#define PCI_VENDOR 0x00
#define PCI_COMMAND 0x04
#define PCI_CMD_MEM (1u << 1)
#define PCI_CMD_MASTER (1u << 2)
#define PCI_CLASS 0x08
#define PCI_HEADER 0x0c
#define PCI_BAR0 0x10

static uint64_t cfg_addr(uint64_t ecam, unsigned b, unsigned d, unsigned f)
{
	return ecam + ((uint64_t)b << 20) + ((uint64_t)d << 15) +
	       ((uint64_t)f << 12);
}

/* Size and place a 32-bit memory BAR at the next aligned window address. */
static uint64_t assign_bar0(uint64_t cfg, uint64_t *next)
{
	uint32_t orig = smmukit_bm_read32(cfg + PCI_BAR0), probe, size;
	uint64_t base;

	if (orig & 1)
		return 0;	/* an I/O BAR: not what edu has */
	smmukit_bm_write32(cfg + PCI_BAR0, 0xffffffffu);
	probe = smmukit_bm_read32(cfg + PCI_BAR0) & ~0xfu;
	if (!probe) {
		smmukit_bm_write32(cfg + PCI_BAR0, orig);
		return 0;
	}
	size = ~probe + 1;
	base = smmukit_align_up(*next, size);
	if (base + size > VIRT_PCIE_MMIO + VIRT_PCIE_MMIO_SIZE)
		return 0;
	smmukit_bm_write32(cfg + PCI_BAR0, (uint32_t)base);
	if (((orig >> 1) & 3) == 2)	/* 64-bit BAR: upper half */
		smmukit_bm_write32(cfg + PCI_BAR0 + 4, 0);
	*next = base + size;
	return base;
}

bool pci_find_setup(uint64_t ecam, unsigned bus_first, unsigned bus_last,
		    uint16_t vendor, uint16_t device, struct pci_dev *out)
{
	uint64_t next = VIRT_PCIE_MMIO;
	bool found = false;

	for (unsigned b = bus_first; b <= bus_last && b < 256; b++) {
		bool any = false;

		for (unsigned d = 0; d < 32; d++) {
			for (unsigned f = 0; f < 8; f++) {
				uint64_t cfg = cfg_addr(ecam, b, d, f);
				uint32_t id = smmukit_bm_read32(cfg + PCI_VENDOR);
				uint32_t hdr;

				if ((id & 0xffff) == 0xffff) {
					if (f == 0)
						break;
					continue;
				}
				any = true;
				hdr = smmukit_bm_read32(cfg + PCI_HEADER);
				say("pci: %02x:%02x.%u %04x:%04x class %06x\n", b, d,
				    f, id & 0xffff, id >> 16,
				    smmukit_bm_read32(cfg + PCI_CLASS) >> 8);
				if (!found && (id & 0xffff) == vendor &&
				    (id >> 16) == device) {
					out->bus = b;
					out->dev = d;
					out->fn = f;
					out->vendor = vendor;
					out->device = device;
					out->cfg = cfg;
					out->bar0 = assign_bar0(cfg, &next);
					if (out->bar0) {
						uint32_t cmd = smmukit_bm_read32(cfg + PCI_COMMAND);

						smmukit_bm_write32(cfg + PCI_COMMAND,
							(cmd & 0xffff) | PCI_CMD_MEM |
							PCI_CMD_MASTER);
						found = true;
					}
				}
				if (f == 0 && !(hdr & (0x80u << 16)))
					break;	/* single-function device */
			}
		}
		/* Only the root bus exists without bridges (no -device
		 * pcie-root-port on our command line): stop at an empty bus. */
		if (!any)
			break;
	}
	return found;
}

void pci_set_master(const struct pci_dev *d, bool on)
{
	uint32_t cmd = smmukit_bm_read32(d->cfg + PCI_COMMAND) & 0xffff;

	cmd = on ? cmd | PCI_CMD_MASTER : cmd & ~PCI_CMD_MASTER;
	smmukit_bm_write32(d->cfg + PCI_COMMAND, cmd);
}
