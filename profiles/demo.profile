# demo: illustrative, NOT calibrated values, for trying `smmukit model`
# and the timing rules by hand. Calibrated profiles (with a source for every
# value) come with the measurement work; every key not set here is 0 (costs)
# or the built-in default (cache geometry).
cmd_cfgi_ns = 100
cmd_tlbi_va_ns = 150
cmd_tlbi_range_ns = 200
cmd_tlbi_asid_ns = 300
cmd_tlbi_all_ns = 500
cmd_sync_ns = 1000
cmd_other_ns = 50
cfg_fetch_ns = 120
walk_level_ns = 80
iotlb_hit_ns = 5
iotlb_miss_ns = 40
iotlb_entries = 128
iotlb_ways = 4
walkcache_entries = 32
walkcache_ways = 2
cfgcache_entries = 32
cfgcache_ways = 2
