# sync-1us: an SMMU whose CMD_SYNC round trip costs 1 us and whose TLBIs
# cost 100 ns each; everything else is free. Not a calibrated part: a round
# figure of the order reported for SMMUv3 command-queue round trips, chosen
# so that what strict unmap pays per call (one TLBI + one CMD_SYNC waited
# for) and what lazy unmap amortises over a whole flush queue stand out.
# `smmukit bench map --mode all --profile sync-1us` (make run) uses it.

# CMD_SYNC: from the command's consumption to its completion, i.e. the
# round trip a waiting driver sees once everything before it is done.
cmd_sync_ns = 1000

# Every TLBI form: by address (single and range), by ASID/VMID (the flush
# queue's whole-domain flush) and the global ones.
cmd_tlbi_va_ns = 100
cmd_tlbi_range_ns = 100
cmd_tlbi_asid_ns = 100
cmd_tlbi_all_ns = 100

# Configuration invalidation (CFGI_*), prefetch and ATC commands: free.
cmd_cfgi_ns = 0
cmd_other_ns = 0

# Translation: configuration fetches, table walks and IOTLB lookups are
# free, so device-side costs do not blur the invalidation costs.
cfg_fetch_ns = 0
walk_level_ns = 0
iotlb_hit_ns = 0
iotlb_miss_ns = 0
