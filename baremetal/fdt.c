/* SPDX-License-Identifier: MIT */
/*
 * Just enough of a flattened device tree reader to find the PCIe ECAM
 * window (compatible "pci-host-ecam-generic": base, size, bus-range) and
 * the memory node. Runs with the MMU off, so it reads with byte loads only
 * (no unaligned accesses to what is Device memory then). Assumes the
 * root's #address-cells = #size-cells = 2, as QEMU's virt tree has.
 */
#include "harness.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_NOP 4u
#define FDT_END 9u
#define MAX_DEPTH 16

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* Does a NUL-separated string list of len bytes contain s? */
static bool list_has(const unsigned char *v, uint32_t len, const char *s)
{
	uint32_t i = 0;

	while (i < len) {
		const char *item = (const char *)v + i;
		uint32_t n = 0;

		while (i + n < len && v[i + n])
			n++;
		if (str_eq(item, s))
			return true;
		i += n + 1;
	}
	return false;
}

bool fdt_parse(const void *dtb, struct fdt_info *out)
{
	const unsigned char *b = dtb;
	const unsigned char *st, *strs;
	uint32_t size, off_struct, off_strings, pos = 0;
	unsigned depth = 0;
	bool is_ecam[MAX_DEPTH] = { false }, is_mem[MAX_DEPTH] = { false };
	uint64_t reg[MAX_DEPTH][2];
	unsigned bus[MAX_DEPTH][2];

	__builtin_memset(out, 0, sizeof(*out));
	if (!b || be32(b) != FDT_MAGIC)
		return false;
	size = be32(b + 4);
	off_struct = be32(b + 8);
	off_strings = be32(b + 12);
	st = b + off_struct;
	strs = b + off_strings;
	while (off_struct + pos + 4 <= size) {
		uint32_t tok = be32(st + pos);

		pos += 4;
		if (tok == FDT_BEGIN_NODE) {
			while (st[pos])
				pos++;
			pos = (pos + 1 + 3) & ~3u;
			if (++depth >= MAX_DEPTH)
				return false;
			is_ecam[depth] = is_mem[depth] = false;
			reg[depth][0] = reg[depth][1] = 0;
			bus[depth][0] = 0;
			bus[depth][1] = 255;
		} else if (tok == FDT_END_NODE) {
			if (depth == 0)
				return false;
			if (is_ecam[depth] && !out->found_ecam) {
				out->found_ecam = true;
				out->ecam_base = reg[depth][0];
				out->ecam_size = reg[depth][1];
				out->bus_first = bus[depth][0];
				out->bus_last = bus[depth][1];
			}
			if (is_mem[depth] && !out->found_ram) {
				out->found_ram = true;
				out->ram_base = reg[depth][0];
				out->ram_size = reg[depth][1];
			}
			depth--;
		} else if (tok == FDT_PROP) {
			uint32_t len = be32(st + pos);
			const char *name = (const char *)strs + be32(st + pos + 4);
			const unsigned char *v = st + pos + 8;

			if (str_eq(name, "compatible") &&
			    list_has(v, len, "pci-host-ecam-generic"))
				is_ecam[depth] = true;
			else if (str_eq(name, "device_type") &&
				 list_has(v, len, "memory"))
				is_mem[depth] = true;
			else if (str_eq(name, "reg") && len >= 16) {
				reg[depth][0] = be64(v);
				reg[depth][1] = be64(v + 8);
			} else if (str_eq(name, "bus-range") && len >= 8) {
				bus[depth][0] = be32(v);
				bus[depth][1] = be32(v + 4);
			}
			pos = (pos + 8 + len + 3) & ~3u;
		} else if (tok == FDT_NOP) {
			continue;
		} else {
			break;	/* FDT_END or garbage */
		}
	}
	return out->found_ecam || out->found_ram;
}
