/* SPDX-License-Identifier: MIT */
/*
 * Register file of the model: ID registers built from features, CR0/CR0ACK,
 * GBPA's UPDATE protocol, writes refused in the wrong state, access widths,
 * 32-bit halves of 64-bit registers, bring-up, GBPA bypass/abort, DMA.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "model_testlib.h"

static void test_idr_defaults(void **state)
{
	struct mt t;
	uint32_t idr0, idr1, idr3, idr5;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	idr0 = mt_rd32(&t, SMMUV3_IDR0);
	idr1 = mt_rd32(&t, SMMUV3_IDR1);
	idr3 = mt_rd32(&t, SMMUV3_IDR3);
	idr5 = mt_rd32(&t, SMMUV3_IDR5);
	assert_true(idr0 & IDR0_S1P);
	assert_true(idr0 & IDR0_S2P);
	assert_int_equal(smmukit_field_get(IDR0_TTF, idr0), IDR0_TTF_AARCH64);
	assert_true(idr0 & IDR0_COHACC);
	assert_false(idr0 & IDR0_MSI);
	assert_false(idr0 & IDR0_SEV);
	assert_false(idr0 & IDR0_HYP);
	assert_true(idr0 & IDR0_ASID16);
	assert_true(idr0 & IDR0_VMID16);
	assert_int_equal(smmukit_field_get(IDR0_TTENDIAN, idr0),
			 IDR0_TTENDIAN_LE);
	assert_int_equal(smmukit_field_get(IDR0_ST_LEVEL, idr0),
			 IDR0_ST_LEVEL_2LVL);
	assert_true(idr0 & IDR0_TERM_MODEL);
	assert_int_equal(smmukit_field_get(IDR1_SIDSIZE, idr1), 16);
	assert_int_equal(smmukit_field_get(IDR1_CMDQS, idr1), 10);
	assert_int_equal(smmukit_field_get(IDR1_EVENTQS, idr1), 8);
	assert_true(idr3 & IDR3_RIL);
	assert_int_equal(smmukit_field_get(IDR5_OAS, idr5), IDR5_OAS_48);
	assert_true(idr5 & IDR5_GRAN4K);
	assert_true(idr5 & IDR5_GRAN16K);
	assert_true(idr5 & IDR5_GRAN64K);
	assert_int_equal(mt_rd32(&t, SMMUV3_AIDR) & AIDR_ARCH_MINOR, 2);
	mt_teardown(&t);
}

static void test_idr_features(void **state)
{
	struct mt t;
	uint32_t idr0, idr1, idr3, idr5;

	(void)state;
	assert_int_equal(mt_setup(&t, "stages=s1,strtab=linear,ril=0,msi,sev,"
				      "coherent=0,hyp,asid16=0,vmid16=0,sidsize=8,"
				      "ssidsize=5,cmdq_log2=5,evtq_log2=4,oas=44,"
				      "gran=4k+64k", NULL), 0);
	idr0 = mt_rd32(&t, SMMUV3_IDR0);
	idr1 = mt_rd32(&t, SMMUV3_IDR1);
	idr3 = mt_rd32(&t, SMMUV3_IDR3);
	idr5 = mt_rd32(&t, SMMUV3_IDR5);
	assert_true(idr0 & IDR0_S1P);
	assert_false(idr0 & IDR0_S2P);
	assert_false(idr0 & IDR0_COHACC);
	assert_true(idr0 & IDR0_MSI);
	assert_true(idr0 & IDR0_SEV);
	assert_true(idr0 & IDR0_HYP);
	assert_false(idr0 & IDR0_ASID16);
	assert_false(idr0 & IDR0_VMID16);
	assert_int_equal(smmukit_field_get(IDR0_ST_LEVEL, idr0),
			 IDR0_ST_LEVEL_LINEAR);
	assert_int_equal(smmukit_field_get(IDR1_SIDSIZE, idr1), 8);
	assert_int_equal(smmukit_field_get(IDR1_SSIDSIZE, idr1), 5);
	assert_int_equal(smmukit_field_get(IDR1_CMDQS, idr1), 5);
	assert_int_equal(smmukit_field_get(IDR1_EVENTQS, idr1), 4);
	assert_false(idr3 & IDR3_RIL);
	assert_int_equal(smmukit_field_get(IDR5_OAS, idr5), IDR5_OAS_44);
	assert_true(idr5 & IDR5_GRAN4K);
	assert_false(idr5 & IDR5_GRAN16K);
	assert_true(idr5 & IDR5_GRAN64K);
	mt_teardown(&t);
}

static void test_feature_parse_errors(void **state)
{
	struct smmukit_model_config c;
	char err[128];

	(void)state;
	smmukit_model_config_default(&c);
	assert_int_equal(smmukit_model_config_parse(&c, "bogus=1", err,
						    sizeof(err)),
			 -SMMUKIT_EINVAL);
	assert_non_null(strstr(err, "bogus"));
	assert_int_equal(smmukit_model_config_parse(&c, "oas=47", err,
						    sizeof(err)),
			 -SMMUKIT_EINVAL);
	assert_non_null(strstr(err, "oas"));
	assert_int_equal(smmukit_model_config_parse(&c, "gran=8k", err,
						    sizeof(err)),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_model_config_parse(&c, "stages=s3", err,
						    sizeof(err)),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_model_config_parse(&c, "ril=maybe", err,
						    sizeof(err)),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_model_config_parse(&c, "cmdq_log2=20", err,
						    sizeof(err)),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_model_config_parse(&c, "ril=0,msi", NULL, 0),
			 0);
	assert_false(c.ril);
	assert_true(c.msi);
}

static void test_profile_parse(void **state)
{
	struct smmukit_model_profile p;
	char err[128];

	(void)state;
	smmukit_model_profile_zero(&p);
	assert_int_equal(p.cmd_sync_ns, 0);
	assert_int_equal(p.iotlb_entries, 256);
	assert_int_equal(smmukit_model_profile_parse(&p,
			 "# comment\n\ncmd_sync_ns = 1000\niotlb_entries=1K\n",
			 err, sizeof(err)), 0);
	assert_int_equal(p.cmd_sync_ns, 1000);
	assert_int_equal(p.iotlb_entries, 1024);
	assert_int_equal(smmukit_model_profile_parse(&p, "\n\nnope_ns=3\n", err,
						     sizeof(err)),
			 -SMMUKIT_EINVAL);
	assert_non_null(strstr(err, "nope_ns"));
	assert_non_null(strstr(err, "line 3"));
	assert_int_equal(smmukit_model_profile_parse(&p, "cmd_sync_ns=x\n", err,
						     sizeof(err)),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_model_profile_parse(&p, "iotlb_entries=0\n",
						     err, sizeof(err)),
			 -SMMUKIT_EINVAL);
	/*
	 * Cache geometry is used exactly as given, or refused naming the key:
	 * never silently capped or rounded.
	 */
	{
		static const struct { const char *text, *key; } bad[] = {
			{ "iotlb_entries=100\n", "iotlb_entries" },
			{ "walkcache_ways=128\nwalkcache_entries=256\n",
			  "walkcache_ways" },
			{ "cfgcache_entries=2\ncfgcache_ways=4\n",
			  "cfgcache_entries" },
			{ "iotlb_entries=24\niotlb_ways=4\n", "iotlb_entries" },
		};

		for (size_t i = 0; i < SMMUKIT_ARRAY_SIZE(bad); i++) {
			smmukit_model_profile_zero(&p);
			err[0] = '\0';
			assert_int_equal(smmukit_model_profile_parse(&p,
					 bad[i].text, err, sizeof(err)),
					 -SMMUKIT_EINVAL);
			assert_non_null(strstr(err, bad[i].key));
		}
		smmukit_model_profile_zero(&p);
		assert_int_equal(smmukit_model_profile_parse(&p,
				 "iotlb_entries=96\niotlb_ways=3\n"
				 "walkcache_entries=0\nwalkcache_ways=64\n",
				 err, sizeof(err)), 0);
		assert_int_equal(smmukit_model_profile_check(&p, err,
							     sizeof(err)), 0);
		assert_int_equal(smmukit_model_profile_set(&p, "iotlb_ways",
							   "64"), 0);
		assert_int_equal(smmukit_model_profile_check(&p, err,
							     sizeof(err)),
				 -SMMUKIT_EINVAL);
		assert_non_null(strstr(err, "iotlb_entries"));
		smmukit_model_profile_zero(&p);
	}
	assert_int_equal(smmukit_model_profile_set(&p, "walk_level_ns", "7"), 0);
	assert_int_equal(p.walk_level_ns, 7);
	assert_int_equal(smmukit_model_profile_set(&p, "nokey", "7"),
			 -SMMUKIT_ENOENT);
	assert_true(smmukit_model_profile_nkeys() >= 10);
	assert_string_equal(smmukit_model_profile_key(0, NULL), "cmd_cfgi_ns");
	assert_null(smmukit_model_profile_key(1000, NULL));
	assert_int_equal(smmukit_model_profile_load(&p, "zero", NULL, err,
						    sizeof(err)), 0);
	assert_int_equal(smmukit_model_profile_load(&p, "nonexistent", NULL,
						    err, sizeof(err)),
			 -SMMUKIT_ENOENT);
}

static void test_cr0_ack_and_refusals(void **state)
{
	struct mt t;
	struct smmukit_model_stats s;
	uint64_t q;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_rd32(&t, SMMUV3_CR0ACK), 0);
	q = mt_alloc(&t, 0);
	mt_wr64(&t, SMMUV3_CMDQ_BASE, q | 4);
	assert_int_equal(mt_rd64(&t, SMMUV3_CMDQ_BASE), q | 4);
	/* 32-bit halves of a 64-bit register work. */
	assert_int_equal(mt_rd32(&t, SMMUV3_CMDQ_BASE), (uint32_t)(q | 4));
	assert_int_equal(mt_rd32(&t, SMMUV3_CMDQ_BASE + 4), (uint32_t)(q >> 32));
	mt_wr32(&t, SMMUV3_CR0, (uint32_t)CR0_CMDQEN);
	assert_int_equal(mt_rd32(&t, SMMUV3_CR0ACK), CR0_CMDQEN);

	s = mt_stats(&t);
	assert_int_equal(s.refused_writes, 0);
	/* Base and CONS while the queue is enabled: refused. */
	mt_wr64(&t, SMMUV3_CMDQ_BASE, 0);
	assert_int_equal(mt_rd64(&t, SMMUV3_CMDQ_BASE), q | 4);
	mt_wr32(&t, SMMUV3_CMDQ_CONS, 3);
	assert_int_equal(mt_rd32(&t, SMMUV3_CMDQ_CONS), 0);
	/* CR1/CR2 while something is enabled: refused. */
	mt_wr32(&t, SMMUV3_CR1, 0xD75);
	assert_int_equal(mt_rd32(&t, SMMUV3_CR1), 0);
	/* Read-only registers, reserved CR0 bits, wrong widths, holes. */
	mt_wr32(&t, SMMUV3_IDR0, 0);
	mt_wr32(&t, SMMUV3_GERROR, 1);
	mt_wr32(&t, SMMUV3_CR0, (uint32_t)(CR0_CMDQEN | CR0_PRIQEN));
	assert_int_equal(mt_rd32(&t, SMMUV3_CR0), CR0_CMDQEN);
	mt_wr64(&t, SMMUV3_CR0, 0);
	mt_wr32(&t, 0x0F00, 1);
	mt_wr32(&t, SMMUV3_MMIO_SIZE + 8, 1);
	s = mt_stats(&t);
	assert_int_equal(s.refused_writes, 9);
	assert_int_equal(mt_rd32(&t, SMMUV3_GERROR), 0);

	/* With the queue off, CONS is writable again (openvmm lesson). */
	mt_wr32(&t, SMMUV3_CR0, 0);
	assert_int_equal(mt_rd32(&t, SMMUV3_CR0ACK), 0);
	mt_wr32(&t, SMMUV3_CMDQ_CONS, 3);
	assert_int_equal(mt_rd32(&t, SMMUV3_CMDQ_CONS), 3);
	mt_wr32(&t, SMMUV3_CR1, 0xD75);
	assert_int_equal(mt_rd32(&t, SMMUV3_CR1), 0xD75);
	mt_teardown(&t);
}

/*
 * CMDQ_PROD follows the ring arithmetic: a write that
 * moves it back over fetched commands, or more than 2^n entries ahead of
 * CONS, is refused (counted, logged); the model never fetches slots that
 * software did not produce.
 */
static void test_cmdq_prod_ring_rules(void **state)
{
	struct mt t;
	uint32_t c0, n;
	uint64_t refused, cmds;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, "cmd_sync_ns = 1000\n"), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	n = UINT32_C(1) << t.cmdq_log2;
	c0 = t.cmdq_prod;
	assert_int_equal(smmuv3_q_ptr(mt_rd32(&t, SMMUV3_CMDQ_CONS),
				      t.cmdq_log2), c0);
	refused = mt_stats(&t).refused_writes;
	cmds = mt_stats(&t).cmds;
	/* Three syncs fetched at once, none consumed yet (1 us each). */
	for (int i = 0; i < 3; i++)
		mt_sync_submit(&t);
	assert_int_equal(smmuv3_q_ptr(mt_rd32(&t, SMMUV3_CMDQ_CONS),
				      t.cmdq_log2), c0);
	/* Back over two fetched commands: refused. */
	mt_wr32(&t, SMMUV3_CMDQ_PROD, smmuv3_q_advance(c0, 1, t.cmdq_log2));
	assert_int_equal(mt_rd32(&t, SMMUV3_CMDQ_PROD), t.cmdq_prod);
	assert_int_equal(mt_stats(&t).refused_writes, refused + 1);
	/* 2^n + 1 entries ahead of CONS: refused. */
	mt_wr32(&t, SMMUV3_CMDQ_PROD,
		smmuv3_q_advance(c0, n + 1, t.cmdq_log2));
	assert_int_equal(mt_rd32(&t, SMMUV3_CMDQ_PROD), t.cmdq_prod);
	assert_int_equal(mt_stats(&t).refused_writes, refused + 2);
	/* Only what software produced is consumed. */
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(mt_stats(&t).cmds, cmds + 4);
	assert_int_equal(mt_rd32(&t, SMMUV3_CMDQ_CONS), t.cmdq_prod);
	/* Empty queue, PROD one back (behind CONS): refused. */
	mt_wr32(&t, SMMUV3_CMDQ_PROD,
		smmuv3_q_advance(t.cmdq_prod, 2 * n - 1, t.cmdq_log2));
	assert_int_equal(mt_rd32(&t, SMMUV3_CMDQ_PROD), t.cmdq_prod);
	assert_int_equal(mt_stats(&t).refused_writes, refused + 3);
	/* Rewriting the same PROD is fine (nothing new). */
	mt_wr32(&t, SMMUV3_CMDQ_PROD, t.cmdq_prod);
	assert_int_equal(mt_stats(&t).refused_writes, refused + 3);
	assert_int_equal(mt_sync(&t), 0);
	assert_int_equal(mt_stats(&t).cmds, cmds + 5);
	mt_teardown(&t);
}

static void test_gbpa_protocol(void **state)
{
	struct mt t;
	uint8_t buf[8] = { 0 };
	uint64_t pa;
	struct smmukit_model_dma_result r;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	pa = mt_alloc(&t, 0);
	/* Reset state aborts incoming traffic. */
	assert_true(mt_rd32(&t, SMMUV3_GBPA) & GBPA_ABORT);
	assert_int_equal(smmukit_model_dma(t.m, 1, SMMUKIT_MODEL_NO_SSID, pa, 8,
					   false, buf, &r),
			 SMMUKIT_MODEL_ABORT);
	assert_false(r.recorded);
	/* Without UPDATE the write is refused. */
	mt_wr32(&t, SMMUV3_GBPA, 0);
	assert_true(mt_rd32(&t, SMMUV3_GBPA) & GBPA_ABORT);
	assert_int_equal(mt_stats(&t).refused_writes, 1);
	mt_wr32(&t, SMMUV3_GBPA, (uint32_t)GBPA_UPDATE);
	assert_int_equal(mt_rd32(&t, SMMUV3_GBPA), 0);
	/* Bypass: IOVA = PA. */
	memcpy(mt_va(&t, pa), "bypass!", 8);
	assert_int_equal(mt_dma_read(&t, 1, pa, buf, 8), 0);
	assert_memory_equal(buf, "bypass!", 8);
	/* Outside RAM the bus aborts, the host survives. */
	assert_int_equal(mt_dma_read(&t, 1, 0x10, buf, 8), SMMUKIT_MODEL_ABORT);
	mt_teardown(&t);
}

static void test_bringup_and_dma(void **state)
{
	struct mt t;
	struct mt_pt pt;
	uint64_t data;
	char buf[32];

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 8, false), 0);
	assert_int_equal(mt_s1_stream(&t, 5, 1, &pt), 0);
	data = mt_alloc(&t, 0);
	assert_int_equal(mt_pt_map(&t, &pt, 0x10000, data, 12, MT_RW), 0);
	assert_int_equal(mt_dma_write(&t, 5, 0x10010, "hello, smmu", 12), 0);
	assert_memory_equal((char *)mt_va(&t, data) + 0x10, "hello, smmu", 12);
	assert_int_equal(mt_dma_read(&t, 5, 0x10010, buf, 12), 0);
	assert_string_equal(buf, "hello, smmu");
	/* Unmapped IOVA: F_TRANSLATION, recorded. */
	assert_int_equal(mt_dma_read(&t, 5, 0x20000, buf, 4),
			 SMMUV3_EVT_F_TRANSLATION);
	assert_int_equal(mt_evt_drain(&t), 1);
	/* SMMUEN off again: GBPA (abort) applies. */
	mt_wr32(&t, SMMUV3_CR0, (uint32_t)(CR0_CMDQEN | CR0_EVENTQEN));
	assert_int_equal(mt_dma_read(&t, 5, 0x10010, buf, 4),
			 SMMUKIT_MODEL_ABORT);
	mt_teardown(&t);
}

static void test_bad_args(void **state)
{
	struct mt t;
	char buf[4];

	(void)state;
	assert_int_equal(smmukit_model_create(NULL, NULL, NULL, NULL),
			 -SMMUKIT_EINVAL);
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(smmukit_model_dma(t.m, 0, 0, 0, 0, false, buf, NULL),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_model_dma(t.m, 0, 0, 0, 4, false, NULL, NULL),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_model_dma(t.m, 0, 0, UINT64_MAX, 4, false, buf,
					   NULL),
			 -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_model_get_stats(t.m, NULL), -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_model_translate(NULL, 0, 0, 0, false, NULL),
			 -SMMUKIT_EINVAL);
	smmukit_model_destroy(NULL);
	mt_teardown(&t);
}

/* xorshift64*: a fixed, printed seed makes any failure replayable. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

/*
 * Garbage everywhere — register values, queue contents, stream table, CDs,
 * page tables — never crashes, hangs, or touches memory outside RAM (run
 * under ASan); every outcome is an architected response.
 */
static void test_garbage_never_crashes(void **state)
{
	static const uint64_t offs[] = {
		SMMUV3_CR0, SMMUV3_CR1, SMMUV3_CR2, SMMUV3_GBPA,
		SMMUV3_IRQ_CTRL, SMMUV3_GERRORN, SMMUV3_STRTAB_BASE,
		SMMUV3_STRTAB_BASE + 4, SMMUV3_STRTAB_BASE_CFG, SMMUV3_CMDQ_BASE,
		SMMUV3_CMDQ_PROD, SMMUV3_CMDQ_CONS, SMMUV3_EVENTQ_BASE,
		SMMUV3_EVENTQ_PROD, SMMUV3_EVENTQ_CONS, SMMUV3_GERROR_IRQ_CFG0,
		SMMUV3_EVENTQ_IRQ_CFG1, 0x1234, 0x1fffc,
	};
	uint64_t seed = 0x5eed5eedULL, cerrors = 0, events = 0, refused = 0;
	uint64_t translations = 0;

	(void)state;
	print_message("garbage seed %#llx\n", (unsigned long long)seed);
	for (int round = 0; round < 20; round++) {
		struct mt t;
		uint64_t mem;
		char buf[64];

		assert_int_equal(mt_setup(&t, round & 1 ? "strtab=2lvl,checking" :
							  "coherent=0,stages=s1s2",
					  NULL), 0);
		assert_int_equal(mt_enable(&t, 8, round & 2), 0);
		mem = mt_alloc(&t, 4);
		/* Random words in the queues, the stream table, 64 KiB more. */
		for (int i = 0; i < 512; i++) {
			mt_w64(&t, t.cmdq_pa + 8 * (uint64_t)(i % 512), rnd(&seed));
			mt_w64(&t, t.strtab_pa + 8 * (uint64_t)(i % 256),
			       (rnd(&seed) & ~UINT64_C(0xfffff00000000)) |
				       (i & 1 ? mem : 0));
			mt_w64(&t, mem + 8 * (uint64_t)(rnd(&seed) % 8192),
			       (rnd(&seed) & 0xffff000000000fffULL) |
				       (mem + (rnd(&seed) & 0xf000)));
		}
		for (int i = 0; i < 2000; i++) {
			uint64_t r = rnd(&seed), v = rnd(&seed);
			uint64_t off = offs[r % SMMUKIT_ARRAY_SIZE(offs)];

			switch ((r >> 8) % 4) {
			case 0:
				mt_wr32(&t, off, (uint32_t)v);
				break;
			case 1:
				mt_wr64(&t, off & ~UINT64_C(7), v);
				break;
			case 2:
				(void)mt_rd32(&t, off);
				break;
			default:
				(void)smmukit_model_dma(t.m, (uint32_t)(v % 300),
							(r >> 20) & 1 ?
								(uint32_t)(v >> 40) & 7 :
								SMMUKIT_MODEL_NO_SSID,
							rnd(&seed) & 0xffffffffffULL,
							1 + (r >> 32) % 64,
							(r >> 16) & 1, buf, NULL);
			}
			if (!(i % 64))
				smmukit_plat_relax(t.plat);
		}
		cerrors += mt_stats(&t).cerrors;
		events += mt_stats(&t).events;
		refused += mt_stats(&t).refused_writes;
		translations += mt_stats(&t).translations;
		mt_teardown(&t);
	}
	print_message("cerrors %llu events %llu refused %llu translations %llu\n",
		      (unsigned long long)cerrors, (unsigned long long)events,
		      (unsigned long long)refused,
		      (unsigned long long)translations);
	/* The garbage reached the interesting paths. */
	assert_true(cerrors > 0);
	assert_true(events > 0);
	assert_true(refused > 0);
}

static void test_misaligned_bases(void **state)
{
	struct mt t;
	uint64_t q;

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_stats(&t).misaligned_bases, 0);
	mt_wr32(&t, SMMUV3_CR0, 0);
	q = mt_alloc(&t, 0);
	/* 16 commands = 256 bytes: 0x80 is not aligned. */
	mt_wr64(&t, SMMUV3_CMDQ_BASE, (q + 0x80) | 4);
	mt_wr64(&t, SMMUV3_STRTAB_BASE, t.strtab_pa + 0x40);
	mt_wr32(&t, SMMUV3_CMDQ_PROD, 0);
	mt_wr32(&t, SMMUV3_CMDQ_CONS, 0);
	mt_wr32(&t, SMMUV3_CR0, (uint32_t)(CR0_CMDQEN | CR0_SMMUEN));
	assert_int_equal(mt_stats(&t).misaligned_bases, 2);
	/* The low bits are ignored: commands are read from q. */
	mt_w64(&t, q, 0x46);
	mt_w64(&t, q + 8, 0);
	mt_wr32(&t, SMMUV3_CMDQ_PROD, 1);
	assert_int_equal(mt_rd32(&t, SMMUV3_CMDQ_CONS), 1);
	assert_int_equal(mt_stats(&t).cerrors, 0);
	mt_teardown(&t);
}

static void test_reset(void **state)
{
	struct mt t;
	struct mt_pt pt;
	uint64_t data;
	char buf[4];

	(void)state;
	assert_int_equal(mt_setup(&t, NULL, NULL), 0);
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_s1_stream(&t, 5, 1, &pt), 0);
	data = mt_alloc(&t, 0);
	mt_pt_map(&t, &pt, 0x1000, data, 12, MT_RW);
	assert_int_equal(mt_dma_read(&t, 5, 0x1000, buf, 4), 0);
	assert_int_equal(smmukit_model_reset(t.m), 0);
	assert_int_equal(mt_rd32(&t, SMMUV3_CR0), 0);
	assert_int_equal(mt_rd64(&t, SMMUV3_STRTAB_BASE), 0);
	assert_true(mt_rd32(&t, SMMUV3_GBPA) & GBPA_ABORT);
	assert_int_equal(mt_dma_read(&t, 5, 0x1000, buf, 4), SMMUKIT_MODEL_ABORT);
	assert_int_equal(mt_stats(&t).iotlb_valid, 0);
	/* The tables survived: bring-up again and the stream works. */
	t.strtab_pa = 0;
	assert_int_equal(mt_enable(&t, 6, false), 0);
	assert_int_equal(mt_s1_stream(&t, 5, 1, &pt), 0);
	mt_pt_map(&t, &pt, 0x1000, data, 12, MT_RW);
	assert_int_equal(mt_dma_read(&t, 5, 0x1000, buf, 4), 0);
	assert_int_equal(smmukit_model_reset(NULL), -SMMUKIT_EINVAL);
	mt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idr_defaults),
		cmocka_unit_test(test_idr_features),
		cmocka_unit_test(test_feature_parse_errors),
		cmocka_unit_test(test_profile_parse),
		cmocka_unit_test(test_cr0_ack_and_refusals),
		cmocka_unit_test(test_gbpa_protocol),
		cmocka_unit_test(test_cmdq_prod_ring_rules),
		cmocka_unit_test(test_bringup_and_dma),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_misaligned_bases),
		cmocka_unit_test(test_garbage_never_crashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
