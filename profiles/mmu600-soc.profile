# mmu600-soc: an Arm CoreLink MMU-600 as configured in a public SoC, the
# Intel Agilex 5 hard processor system (HPS), whose technical reference
# manual (Intel document 814346, "MMU-600 TCU Hardware Configuration")
# publishes the TCU's build parameters. The same NVMe drive as hi1620-2018
# sits behind it, so that compare shows what the SMMU alone changes.

# TCU walk cache: TCUCFG_WCS1L0..L3_DEPTH = 256 entries per level (and the
# same for stage 2). The model keeps one walk cache per level of this size.
# Associativity is not published: 4 ways (the model's default).
walkcache_entries = 256
walkcache_ways = 4

# TCU configuration cache: TCUCFG_CC_DEPTH = 256 entries. Associativity not
# published: 4 ways.
cfgcache_entries = 256
cfgcache_ways = 4

# The TBU main TLB depth of this SoC's TBUs is not in the published tables:
# the model's default, 256 entries, 4 ways.
iotlb_entries = 256
iotlb_ways = 4

# Command costs. Arm publishes no MMU-600 CMD_SYNC or TLBI latency. The
# figure used is the order of magnitude of SMMUv3 command-queue round trips
# reported publicly (microseconds per uncontended CMD_SYNC wait, growing to
# hundreds of microseconds only under cross-CPU contention, in a 2025 Linux
# mlx5 report): 1 us per CMD_SYNC, 100 ns per TLBI, as in sync-1us. An
# assumption, not a measurement: sweep it (compare --sweep cmd_sync_ns=...).
cmd_sync_ns = 1000
cmd_tlbi_va_ns = 100
cmd_tlbi_range_ns = 100
cmd_tlbi_asid_ns = 100
cmd_tlbi_all_ns = 100
cmd_cfgi_ns = 0
cmd_other_ns = 0

# Translation costs: no published figure; they add latency only (docs/io.md).
cfg_fetch_ns = 0
walk_level_ns = 0
iotlb_hit_ns = 0
iotlb_miss_ns = 0

# The drive: hi1620-2018's (its three derived values and its latency).
device_read_iops = 573000
device_write_iops = 513000
device_latency_ns = 80000
