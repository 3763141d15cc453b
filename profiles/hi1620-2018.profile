# hi1620-2018: the arm64 server (HiSilicon Hi1620 generation, 2018) on which
# the original non-strict series was measured, and its NVMe drive. The
# series' cover letter gives 4 KiB NVMe random I/O rates, strict vs
# non-strict (Linux 4.18-4.20):
#     random read  146K IOPS strict vs 573K non-strict
#     random write 143K IOPS strict vs 513K non-strict
# It names no drive and no fio settings, so exactly three values below are
# taken from those figures; each is marked "# derived:" with its arithmetic.
# Everything else is a stated physical quantity or left at the model's
# default, and was not tuned: the strict randwrite rate is a prediction, as
# no write figure went into the strict side.
#
# The driver of that era: one lock around command-queue insertion and one
# CMD_SYNC waited for per strict unmap. That is smmukit's command queue
# (src/smmu/cmdq.c, the locked design), so no driver option is needed; that
# the wait happens outside the lock changes no rate in the model because the
# SMMU serialises the syncs anyway (docs/io.md).

# The serialised cost of one strict unmap's invalidation: the TLBI plus the
# CMD_SYNC round trip, as the SMMU serialises it. Strict randread was bound
# by it (the drive does 573K), so it is the reciprocal of the strict rate.
# The cover letter cannot split it between the TLBI and the sync: it is
# charged to the sync, the TLBI costs nothing (below).
cmd_sync_ns = 6849        # derived: 1e9 ns / 146,000 strict randread IOPS = 6849 ns

# The drive's ceilings: lazy unmaps queue their invalidation, so the
# non-strict figures are the drive's (4 KiB I/Os per second).
device_read_iops = 573000  # derived: lazy randread 573K IOPS, the drive's read ceiling
device_write_iops = 513000 # derived: lazy randwrite 513K IOPS, the drive's write ceiling

# Service time of one 4 KiB I/O: typical queue-depth-1 read latency of 2018
# data-centre TLC NVMe drives, whose product briefs quote 77-90 us. It sets
# latencies only: 8 jobs x 32 I/Os in flight cover 80 us x 573K = 46.
device_latency_ns = 80000

# No published figure for this SMMU: 0, i.e. everything the strict unmap
# pays is in cmd_sync_ns above.
cmd_tlbi_va_ns = 0
cmd_tlbi_range_ns = 0
cmd_tlbi_asid_ns = 0
cmd_tlbi_all_ns = 0
cmd_cfgi_ns = 0
cmd_other_ns = 0

# Translation costs: no published figure; in this model they add to each
# I/O's latency, never to the SMMU's serialised time, so they cannot move
# the rates. Cache geometry: the model's defaults (256-entry 4-way IOTLB,
# 64-entry walk and configuration caches), no published figure either.
cfg_fetch_ns = 0
walk_level_ns = 0
iotlb_hit_ns = 0
iotlb_miss_ns = 0
