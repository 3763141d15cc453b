// SPDX-License-Identifier: MIT
/*
 * Bad caller input to the upper layers (options, IOMMU core, DMA API, the
 * NVMe model, warn, version) and a NULL sweep of every public function of
 * the lower ones that tests/unit/bad_input.c does not reach: NULL
 * pointers, zero and overflowing sizes, misaligned and out-of-range
 * addresses, unknown enum values, double and never-made unmaps, wrong
 * domains, use after release where the API can see it. Every probe must
 * give its documented negative code (or be ignored, for void functions),
 * never crash, and change nothing: after each group the live mappings
 * still translate and the counters are unchanged.
 *
 * Each probe is counted per layer; the totals are printed at the end
 * (docs/reliability.md quotes them).
 */
#include "dma_stack.h"

#include <limits.h>
#include <stdint.h>

#include "smmukit/dma.h"
#include "smmukit/iommu.h"
#include "smmukit/iova.h"
#include "smmukit/model_nvme.h"
#include "smmukit/options.h"
#include "smmukit/pgtable.h"
#include "smmukit/version.h"
#include "smmukit/warn.h"

enum layer { L_OPT, L_IOMMU, L_DMA, L_NVME, L_WARN, L_LOWER, L_NR };
static const char *const layer_names[L_NR] = {
	"options", "iommu", "dma", "model_nvme", "warn/version",
	"lower layers (NULL sweep)",
};
static unsigned probes[L_NR];

/* One probe: the call's result must be want. */
#define P(l, call, want)                                                      \
	do {                                                                  \
		probes[l]++;                                                  \
		assert_int_equal((int64_t)(call), (int64_t)(want));          \
	} while (0)
/* One probe of a call whose result is not an error code. */
#define PV(l, call)                                                           \
	do {                                                                  \
		probes[l]++;                                                  \
		call;                                                         \
	} while (0)

/* ---- the stack ---- */

static void st_up(struct dma_stack *s, bool strict, bool passthrough)
{
	struct smmukit_iommu_options o;

	smmukit_iommu_options_default(&o);
	o.strict = strict;
	o.passthrough = passthrough;
	ds_up(s, "checking", &o);
}

/* Counters a refused call must not move (map_errors may: it counts them). */
static void same_stats(const struct smmukit_dma_stats *a,
		       const struct smmukit_dma_stats *b)
{
	assert_int_equal(a->maps, b->maps);
	assert_int_equal(a->unmaps, b->unmaps);
	assert_int_equal(a->strict_unmaps, b->strict_unmaps);
	assert_int_equal(a->lazy_unmaps, b->lazy_unmaps);
	assert_int_equal(a->iova_live, b->iova_live);
	assert_int_equal(a->fq_pending, b->fq_pending);
	assert_int_equal(a->bounced, b->bounced);
}

/* The device reads iova and finds the byte the buffer was filled with. */
static void reads_back(struct dma_stack *s, uint32_t sid, uint64_t iova,
		       unsigned char want)
{
	unsigned char b = 0;

	assert_int_equal(h_dma_read(&s->h, sid, iova, &b, 1), 0);
	assert_int_equal(b, want);
}

/* ---- options ---- */

static int set_u32(void *target, const struct smmukit_option *opt,
		   uint64_t v)
{
	(void)opt;
	*(uint64_t *)target = v;
	return 0;
}

static void options_bad(void **state)
{
	static const char *const ch[] = { "a", "b", NULL };
	const struct smmukit_option opts[] = {
		{ .name = "n", .type = SMMUKIT_OPT_UINT, .min = 2, .max = 64,
		  .flags = SMMUKIT_OPT_F_POW2, .def = 4, .help = "n" },
		{ .name = "e", .type = SMMUKIT_OPT_ENUM, .choices = ch,
		  .def = 1, .help = "e" },
		{ .name = "b", .type = SMMUKIT_OPT_BOOL, .def = 1, .help = "b" },
		/* An unknown type and an enum without choices: a bad table. */
		{ .name = "x", .type = (enum smmukit_option_type)77, .def = 9,
		  .help = "x" },
		{ .name = "y", .type = SMMUKIT_OPT_ENUM, .choices = NULL,
		  .def = 5, .help = "y" },
	};
	const struct smmukit_option_table tab = {
		.prefix = "t", .opts = opts, .nr_opts = 3, .set = set_u32,
	};
	const struct smmukit_option_table noset = {
		.prefix = "t", .opts = opts, .nr_opts = 3, .set = NULL,
	};
	const struct smmukit_option_table nopfx = {
		.prefix = NULL, .opts = opts, .nr_opts = 3, .set = set_u32,
	};
	uint64_t v = 42;
	struct smmukit_option_binding b = { &tab, &v };
	struct smmukit_option_binding bad_b = { &noset, &v };
	struct smmukit_option_binding bad_p = { &nopfx, &v };
	struct smmukit_option_binding null_t = { NULL, &v };
	static const char *const words[] = {
		"t.n=3", "t.n=0", "t.n=128", "t.n=-1", "t.n=x", "t.n=",
		"t.n", "=4", "t.n=99999999999999999999", "t.n=0x", "t.n=4Q",
		"t.n=16G", "t.e=c", "t.e=", "t.b=2", "t.b=maybe", "t.z=1",
		"u.n=4", "t.n=4 t.n=5", "t.n=4\x01", ".n=4", "t.=4", "t..n=4",
		"t.n==4", "t.n=4=4",
	};
	char err[96], buf[24];
	struct smmukit_iommu_options io;

	(void)state;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		err[0] = 0;
		P(L_OPT, smmukit_parse_options(words[i], &b, 1, NULL, NULL, err,
					       sizeof(err)), -SMMUKIT_EINVAL);
		assert_true(err[0] != 0);	/* one line naming it */
		assert_null(strchr(err, '\n'));
		assert_int_equal(v, 42);	/* all or nothing */
		/* No room for the message: still the code, no overflow. */
		P(L_OPT, smmukit_parse_options(words[i], &b, 1, NULL, NULL,
					       NULL, 0), -SMMUKIT_EINVAL);
		P(L_OPT, smmukit_parse_options(words[i], &b, 1, NULL, NULL,
					       err, 1), -SMMUKIT_EINVAL);
		assert_int_equal(err[0], 0);
	}
	/* Bad bindings. */
	P(L_OPT, smmukit_parse_options("t.n=4", NULL, 1, NULL, NULL, err,
				       sizeof(err)), -SMMUKIT_EINVAL);
	P(L_OPT, smmukit_parse_options("t.n=4", &bad_b, 1, NULL, NULL, err,
				       sizeof(err)), -SMMUKIT_EINVAL);
	P(L_OPT, smmukit_parse_options("t.n=4", &bad_p, 1, NULL, NULL, err,
				       sizeof(err)), -SMMUKIT_EINVAL);
	P(L_OPT, smmukit_parse_options("t.n=4", &null_t, 1, NULL, NULL, err,
				       sizeof(err)), -SMMUKIT_EINVAL);
	P(L_OPT, smmukit_parse_options("t.n=4", NULL, 0, NULL, NULL, err,
				       sizeof(err)), -SMMUKIT_EINVAL);
	assert_int_equal(v, 42);
	/* NULL and empty strings: nothing to do. */
	P(L_OPT, smmukit_parse_options(NULL, NULL, 0, NULL, NULL, NULL, 0), 0);
	P(L_OPT, smmukit_parse_options("", &b, 1, NULL, NULL, err, sizeof(err)), 0);
	P(L_OPT, smmukit_parse_options(" \t ", &b, 1, NULL, NULL, err,
				       sizeof(err)), 0);
	assert_int_equal(v, 42);

	PV(L_OPT, smmukit_options_set_defaults(NULL, &v));
	PV(L_OPT, smmukit_options_set_defaults(&noset, &v));
	assert_int_equal(v, 42);
	/* Text helpers: NULL option, NULL or tiny buffers, bad rows. */
	PV(L_OPT, smmukit_option_default_str(NULL, buf, sizeof(buf)));
	assert_string_equal(buf, "");
	PV(L_OPT, smmukit_option_range_str(NULL, buf, sizeof(buf)));
	assert_string_equal(buf, "");
	PV(L_OPT, smmukit_option_default_str(&opts[0], NULL, 0));
	PV(L_OPT, smmukit_option_range_str(&opts[0], NULL, 0));
	PV(L_OPT, smmukit_option_default_str(&opts[0], buf, 1));
	assert_string_equal(buf, "");
	PV(L_OPT, smmukit_option_range_str(&opts[0], buf, 3));
	assert_true(strlen(buf) < 3);
	PV(L_OPT, smmukit_option_default_str(&opts[3], buf, sizeof(buf)));
	PV(L_OPT, smmukit_option_range_str(&opts[3], buf, sizeof(buf)));
	PV(L_OPT, smmukit_option_default_str(&opts[4], buf, sizeof(buf)));
	PV(L_OPT, smmukit_option_range_str(&opts[4], buf, sizeof(buf)));

	/* The iommu table. */
	PV(L_OPT, smmukit_iommu_options_default(NULL));
	P(L_OPT, smmukit_iommu_options_fq_size(NULL), SMMUKIT_FQ_PERCPU_SIZE);
	P(L_OPT, smmukit_iommu_options_fq_timeout_ms(NULL),
	  SMMUKIT_FQ_PERCPU_TIMEOUT_MS);
	{
		struct smmukit_option_binding ib = {
			&smmukit_iommu_option_table, &io,
		};
		static const char *const iw[] = {
			"iommu.fq_size=3", "iommu.fq_size=0",
			"iommu.fq_size=2097152", "iommu.fq_timeout_ms=0",
			"iommu.fq_timeout_ms=60001", "iommu.fq_mode=fast",
			"iommu.strict=2", "iommu.passthrough=-1",
			"iommu.fq_size=18446744073709551616",
		};

		smmukit_iommu_options_default(&io);
		io.fq_size = 7;
		for (size_t i = 0; i < sizeof(iw) / sizeof(iw[0]); i++)
			P(L_OPT, smmukit_parse_options(iw[i], &ib, 1, NULL, NULL,
						       err, sizeof(err)),
			  -SMMUKIT_EINVAL);
		assert_int_equal(io.fq_size, 7);
	}
}

/* ---- IOMMU core ---- */

static void iommu_null_and_enums(void **state)
{
	struct dma_stack s;
	struct smmukit_iommu_config cfg = { 0 };
	struct smmukit_iommu *core = (void *)1;
	struct smmukit_device *d, *o = NULL;
	struct smmukit_domain *dom = NULL;
	struct smmukit_iotlb_gather g;
	enum smmukit_domain_type t;
	smmukit_phys_t pa = 0;
	void *ck;
	static const struct smmukit_iommu_dma_ops half = { 0 };
	uint32_t sids[SMMUKIT_DEVICE_MAX_SIDS + 1] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct smmukit_device_config dc = { .name = "x", .sids = sids,
					    .nr_sids = 1 };
	char longname[SMMUKIT_DEVICE_NAME_MAX + 1];

	(void)state;
	st_up(&s, true, false);
	/* create */
	P(L_IOMMU, smmukit_iommu_create(NULL, &core), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_create(&cfg, &core), -SMMUKIT_EINVAL);
	cfg.platform = s.h.p;
	P(L_IOMMU, smmukit_iommu_create(&cfg, &core), -SMMUKIT_EINVAL);
	cfg.drv = s.h.iommu;
	P(L_IOMMU, smmukit_iommu_create(&cfg, NULL), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_destroy(NULL), 0);
	P(L_IOMMU, smmukit_iommu_set_dma_ops(NULL, NULL, NULL), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_set_dma_ops(s.core, &half, NULL),
	  -SMMUKIT_EINVAL);
	PV(L_IOMMU, smmukit_iommu_set_unmap_observer(NULL, NULL));
	P(L_IOMMU, smmukit_iommu_platform(NULL), 0);
	P(L_IOMMU, smmukit_iommu_get_options(NULL), 0);
	P(L_IOMMU, smmukit_iommu_default_type(NULL), SMMUKIT_DOMAIN_BLOCKED);
	/* domain type names */
	P(L_IOMMU, strcmp(smmukit_domain_type_name((enum smmukit_domain_type)99),
			  "?"), 0);
	P(L_IOMMU, strcmp(smmukit_domain_type_name((enum smmukit_domain_type)-1),
			  "?"), 0);
	P(L_IOMMU, smmukit_domain_type_parse(NULL, &t), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_domain_type_parse("DMA", NULL), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_domain_type_parse("", &t), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_domain_type_parse("DMA-FQX", &t), -SMMUKIT_EINVAL);

	/* probe: bad configs */
	P(L_IOMMU, smmukit_iommu_probe_device(NULL, &dc, &d), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_probe_device(s.core, NULL, &d), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_probe_device(s.core, &dc, NULL), -SMMUKIT_EINVAL);
	dc.name = NULL;
	P(L_IOMMU, smmukit_iommu_probe_device(s.core, &dc, &d), -SMMUKIT_EINVAL);
	dc.name = "";
	P(L_IOMMU, smmukit_iommu_probe_device(s.core, &dc, &d), -SMMUKIT_EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	dc.name = longname;
	P(L_IOMMU, smmukit_iommu_probe_device(s.core, &dc, &d), -SMMUKIT_EINVAL);
	dc.name = "x";
	dc.sids = NULL;
	P(L_IOMMU, smmukit_iommu_probe_device(s.core, &dc, &d), -SMMUKIT_EINVAL);
	dc.sids = sids;
	dc.nr_sids = SMMUKIT_DEVICE_MAX_SIDS + 1;
	P(L_IOMMU, smmukit_iommu_probe_device(s.core, &dc, &d), -SMMUKIT_EINVAL);
	dc.nr_sids = UINT_MAX;
	P(L_IOMMU, smmukit_iommu_probe_device(s.core, &dc, &d), -SMMUKIT_EINVAL);
	sids[1] = 1;	/* the same SID twice */
	dc.nr_sids = 2;
	P(L_IOMMU, smmukit_iommu_probe_device(s.core, &dc, &d), -SMMUKIT_EINVAL);
	sids[1] = 2;
	/* A SID beyond what the SMMU has: the driver's error, nothing kept. */
	sids[0] = UINT32_MAX;
	dc.nr_sids = 1;
	probes[L_IOMMU]++;
	assert_true(smmukit_iommu_probe_device(s.core, &dc, &d) < 0);
	sids[0] = 1;

	d = ds_dev(&s, "nvme", 8, false, 0);
	/* set_dma_ops after a device: -EBUSY; the hooks stay. */
	P(L_IOMMU, smmukit_iommu_set_dma_ops(s.core, NULL, NULL), -SMMUKIT_EBUSY);
	P(L_IOMMU, smmukit_dma_create(s.core, &s.dma), -SMMUKIT_EBUSY);
	/* The SID is taken now. */
	sids[0] = 8;
	P(L_IOMMU, smmukit_iommu_probe_device(s.core, &dc, &o), -SMMUKIT_EINVAL);
	assert_null(o);

	/* accessors on NULL */
	P(L_IOMMU, strcmp(smmukit_device_name(NULL), ""), 0);
	P(L_IOMMU, smmukit_device_untrusted(NULL), false);
	P(L_IOMMU, smmukit_device_nr_sids(NULL), 0);
	P(L_IOMMU, smmukit_device_sid(NULL, 0), UINT32_MAX);
	P(L_IOMMU, smmukit_device_sid(d, 1), UINT32_MAX);
	P(L_IOMMU, smmukit_device_sid(d, UINT_MAX), UINT32_MAX);
	P(L_IOMMU, smmukit_device_group(NULL), 0);
	P(L_IOMMU, smmukit_device_iommu(NULL), 0);
	P(L_IOMMU, smmukit_device_domain(NULL), 0);
	P(L_IOMMU, smmukit_device_default_domain(NULL), 0);
	P(L_IOMMU, smmukit_device_dma_state(NULL, &t, &ck), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_device_dma_state(d, NULL, &ck), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_device_dma_state(d, &t, NULL), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_domain_get_type(NULL), SMMUKIT_DOMAIN_BLOCKED);
	P(L_IOMMU, smmukit_domain_iommu(NULL), 0);
	P(L_IOMMU, smmukit_domain_pgsize_bitmap(NULL), 0);
	P(L_IOMMU, smmukit_domain_granule(NULL), 0);
	P(L_IOMMU, smmukit_domain_ias(NULL), 0);
	P(L_IOMMU, smmukit_domain_dma_cookie(NULL), 0);
	PV(L_IOMMU, smmukit_domain_set_dma_cookie(NULL, &t));
	P(L_IOMMU, smmukit_domain_attached(NULL), false);

	/* type changes and domains: NULL and unknown types */
	P(L_IOMMU, smmukit_iommu_set_default_domain_type(NULL, SMMUKIT_DOMAIN_DMA),
	  -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_set_default_domain_type(d, (enum smmukit_domain_type)5),
	  -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_set_default_domain_type(d, (enum smmukit_domain_type)-1),
	  -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_domain_alloc(NULL, SMMUKIT_DOMAIN_UNMANAGED, &dom),
	  -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_domain_alloc(s.core, SMMUKIT_DOMAIN_UNMANAGED, NULL),
	  -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_domain_alloc(s.core, SMMUKIT_DOMAIN_DMA, &dom),
	  -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_domain_alloc(s.core, (enum smmukit_domain_type)12345, &dom),
	  -SMMUKIT_EINVAL);
	assert_null(dom);
	P(L_IOMMU, smmukit_iommu_domain_free(NULL), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_attach_group(NULL, d), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_detach_group(NULL, d), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_release_device(NULL), -SMMUKIT_EINVAL);

	/* map/unmap: NULL */
	smmukit_pgtable_gather_init(&g);
	P(L_IOMMU, smmukit_iommu_map(NULL, 0x1000, 0x1000, 4096, 1), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_unmap(NULL, 0x1000, 4096), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_unmap_fast(NULL, 0x1000, 4096, &g), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_dma_map(NULL, 0x1000, 0x1000, 4096, 1), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_dma_unmap(NULL, 0x1000, 4096), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_dma_unmap_fast(NULL, 0x1000, 4096, &g), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_iotlb_sync(NULL, &g), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_iotlb_sync(smmukit_device_domain(d), NULL),
	  -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_flush_iotlb_all(NULL), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_iova_to_phys(NULL, 0, &pa), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_iova_to_phys(smmukit_device_domain(d), 0, NULL),
	  -SMMUKIT_EINVAL);
	PV(L_IOMMU, smmukit_iommu_note_unmap(NULL, 0, 4096, false));

	/* An iommu with a device (and a user domain) cannot go. */
	P(L_IOMMU, smmukit_iommu_destroy(s.core), -SMMUKIT_EBUSY);
	assert_int_equal(smmukit_iommu_release_device(d), 0);
	assert_int_equal(smmukit_iommu_domain_alloc(s.core, SMMUKIT_DOMAIN_UNMANAGED,
						    &dom), 0);
	P(L_IOMMU, smmukit_iommu_destroy(s.core), -SMMUKIT_EBUSY);
	assert_int_equal(smmukit_iommu_domain_free(dom), 0);
	ds_down(&s);
}

/* A user domain's map/unmap: sizes, alignment, wrapping, range, holes. */
static void iommu_user_map_bad(void **state)
{
	struct dma_stack s;
	struct smmukit_device *d;
	struct smmukit_domain *um;
	struct smmukit_iotlb_gather g;
	struct smmukit_dma_pages buf;
	smmukit_phys_t pa;
	const uint64_t base = 0x40000000;
	unsigned ias;
	const unsigned rw = SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE;
	struct smmukit_model_stats m0, m1;

	(void)state;
	st_up(&s, true, false);
	d = ds_dev(&s, "vfio", 9, false, 0);
	buf = h_buf(&s.h, 0, 0x77);
	assert_int_equal(smmukit_iommu_domain_alloc(s.core, SMMUKIT_DOMAIN_UNMANAGED,
						    &um), 0);
	assert_int_equal(smmukit_iommu_attach_group(um, d), 0);
	assert_int_equal(smmukit_iommu_map(um, base, buf.pa, 4096, rw), 0);
	ias = smmukit_domain_ias(um);
	assert_true(ias >= 32 && ias < 64);
	m0 = h_mstats(&s.h);

	P(L_IOMMU, smmukit_iommu_map(um, base + 4096, buf.pa, 0, rw), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_map(um, base + 4096 + 1, buf.pa, 4096, rw),
	  -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_map(um, base + 4096, buf.pa + 8, 4096, rw),
	  -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_map(um, base + 4096, buf.pa, 100, rw),
	  -SMMUKIT_EINVAL);
	/* iova + size and pa + size wrapping */
	P(L_IOMMU, smmukit_iommu_map(um, UINT64_MAX - 4095, buf.pa, 8192, rw),
	  -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_map(um, base + 4096, UINT64_MAX - 4095, 8192, rw),
	  -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_map(um, 0, 0, UINT64_MAX - 4095, rw),
	  -SMMUKIT_ERANGE);
	/* beyond the input size */
	probes[L_IOMMU]++;
	{
		int r = smmukit_iommu_map(um, UINT64_C(1) << ias, buf.pa, 4096, rw);

		assert_true(r == -SMMUKIT_ERANGE || r == -SMMUKIT_EINVAL);
	}
	P(L_IOMMU, smmukit_iommu_map(um, (UINT64_C(1) << ias) - 4096, buf.pa,
				     8192, rw), -SMMUKIT_ERANGE);
	/* beyond the output size */
	probes[L_IOMMU]++;
	{
		int r = smmukit_iommu_map(um, base + 4096,
					  UINT64_C(1) << 52, 4096, rw);

		assert_true(r == -SMMUKIT_ERANGE || r == -SMMUKIT_EINVAL);
	}
	/* bad prot bits, an existing mapping */
	P(L_IOMMU, smmukit_iommu_map(um, base + 4096, buf.pa, 4096, 0xffff0000u),
	  -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_map(um, base, buf.pa, 4096, rw), -SMMUKIT_EEXIST);
	/* A range overlapping the live page: all or nothing. */
	P(L_IOMMU, smmukit_iommu_map(um, base - 4096, buf.pa, 3 * 4096, rw),
	  -SMMUKIT_EEXIST);
	assert_int_equal(smmukit_iommu_iova_to_phys(um, base - 4096, &pa),
			 -SMMUKIT_ENOENT);

	/* unmap: bad ranges, never mapped, twice */
	P(L_IOMMU, smmukit_iommu_unmap(um, base, 0), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_unmap(um, base + 1, 4096), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_unmap(um, UINT64_MAX - 4095, 8192), -SMMUKIT_EINVAL);
	probes[L_IOMMU]++;
	{
		int64_t r = smmukit_iommu_unmap(um, UINT64_C(1) << ias, 4096);

		assert_true(r == -SMMUKIT_ERANGE || r == -SMMUKIT_EINVAL || r == 0);
	}
	P(L_IOMMU, smmukit_iommu_unmap(um, base + 0x100000, 4096), 0);
	smmukit_pgtable_gather_init(&g);
	P(L_IOMMU, smmukit_iommu_unmap_fast(um, base, 0, &g), -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_unmap_fast(um, base, 4096, NULL), -SMMUKIT_EINVAL);
	g.queued = true;	/* lazy on a user domain: never */
	P(L_IOMMU, smmukit_iommu_unmap_fast(um, base, 4096, &g), -SMMUKIT_EPERM);
	P(L_IOMMU, smmukit_iommu_iotlb_sync(um, &g), -SMMUKIT_EPERM);

	/* Nothing changed: the page still translates, nothing was issued. */
	m1 = h_mstats(&s.h);
	assert_int_equal(m1.free_violations, m0.free_violations);
	assert_int_equal(smmukit_iommu_iova_to_phys(um, base, &pa), 0);
	assert_int_equal(pa, buf.pa);
	reads_back(&s, 9, base, 0x77);

	/* Double unmap: the second finds nothing. */
	assert_int_equal(smmukit_iommu_unmap(um, base, 4096), 4096);
	P(L_IOMMU, smmukit_iommu_unmap(um, base, 4096), 0);

	/* Non-paging user domains: map refused, iova_to_phys as documented. */
	{
		struct smmukit_domain *id, *bl;

		assert_int_equal(smmukit_iommu_domain_alloc(s.core,
					SMMUKIT_DOMAIN_IDENTITY, &id), 0);
		assert_int_equal(smmukit_iommu_domain_alloc(s.core,
					SMMUKIT_DOMAIN_BLOCKED, &bl), 0);
		P(L_IOMMU, smmukit_iommu_map(id, base, buf.pa, 4096, rw),
		  -SMMUKIT_EINVAL);
		P(L_IOMMU, smmukit_iommu_map(bl, base, buf.pa, 4096, rw),
		  -SMMUKIT_EINVAL);
		P(L_IOMMU, smmukit_iommu_unmap(bl, base, 4096), -SMMUKIT_EINVAL);
		smmukit_pgtable_gather_init(&g);
		P(L_IOMMU, smmukit_iommu_unmap_fast(id, base, 4096, &g),
		  -SMMUKIT_EINVAL);
		probes[L_IOMMU]++;
		{
			int r = smmukit_iommu_iova_to_phys(bl, base, &pa);

			assert_true(r == -SMMUKIT_ENOENT || r == -SMMUKIT_EINVAL);
		}
		/* The group is on um: another user domain is refused. */
		P(L_IOMMU, smmukit_iommu_attach_group(id, d), -SMMUKIT_EBUSY);
		P(L_IOMMU, smmukit_iommu_attach_group(um, d), -SMMUKIT_EEXIST);
		P(L_IOMMU, smmukit_iommu_detach_group(id, d), -SMMUKIT_ENOENT);
		/* Freeing an attached domain. */
		P(L_IOMMU, smmukit_iommu_domain_free(um), -SMMUKIT_EBUSY);
		/* Releasing a device whose group a user owns. */
		P(L_IOMMU, smmukit_iommu_release_device(d), -SMMUKIT_EBUSY);
		/* Type changes while a user owns the group. */
		P(L_IOMMU, smmukit_iommu_set_default_domain_type(d,
				SMMUKIT_DOMAIN_IDENTITY), -SMMUKIT_EBUSY);
		assert_int_equal(smmukit_device_domain(d), um);
		assert_int_equal(smmukit_iommu_domain_free(id), 0);
		assert_int_equal(smmukit_iommu_domain_free(bl), 0);
	}
	assert_int_equal(smmukit_iommu_detach_group(um, d), 0);
	P(L_IOMMU, smmukit_iommu_detach_group(um, d), -SMMUKIT_ENOENT);
	P(L_IOMMU, smmukit_iommu_detach_group(smmukit_device_default_domain(d), d),
	  -SMMUKIT_ENOENT);
	/* A default domain is not the user's to free or attach. */
	P(L_IOMMU, smmukit_iommu_domain_free(smmukit_device_default_domain(d)),
	  -SMMUKIT_EINVAL);
	P(L_IOMMU, smmukit_iommu_attach_group(smmukit_device_default_domain(d), d),
	  -SMMUKIT_EINVAL);
	assert_int_equal(smmukit_iommu_domain_free(um), 0);
	assert_int_equal(smmukit_iommu_release_device(d), 0);
	smmukit_plat_free_pages(s.h.p, &buf);
	ds_down(&s);
}

/*
 * The DMA layer's domain through the user API, and objects of another
 * instance: refused, and the DMA mapping survives.
 */
static void iommu_wrong_domain(void **state)
{
	struct dma_stack s, s2;
	struct smmukit_device *d, *d2;
	struct smmukit_domain *def, *um2;
	struct smmukit_iotlb_gather g;
	struct smmukit_dma_pages buf;
	struct smmukit_dma_stats st0, st1;
	smmukit_dma_addr_t a;
	smmukit_phys_t pa;
	const unsigned rw = SMMUKIT_PROT_READ | SMMUKIT_PROT_WRITE;

	(void)state;
	for (int lazy = 0; lazy < 2; lazy++) {
		st_up(&s, !lazy, false);
		d = ds_dev(&s, "nvme", 8, false, 0);
		def = smmukit_device_default_domain(d);
		buf = h_buf(&s.h, 0, 0x3c);
		assert_int_equal(smmukit_dma_map_page(d, buf.pa, 4096,
						      SMMUKIT_DMA_BIDIRECTIONAL,
						      &a), 0);
		st0 = ds_stats(&s);
		P(L_IOMMU, smmukit_iommu_map(def, a + 0x100000, buf.pa, 4096, rw),
		  -SMMUKIT_EPERM);
		P(L_IOMMU, smmukit_iommu_map(def, a, buf.pa, 4096, rw),
		  -SMMUKIT_EPERM);
		P(L_IOMMU, smmukit_iommu_unmap(def, a, 4096), -SMMUKIT_EPERM);
		smmukit_pgtable_gather_init(&g);
		P(L_IOMMU, smmukit_iommu_unmap_fast(def, a, 4096, &g),
		  -SMMUKIT_EPERM);
		assert_int_equal(smmukit_iommu_iova_to_phys(def, a, &pa), 0);
		assert_int_equal(pa, buf.pa);
		reads_back(&s, 8, a, 0x3c);
		st1 = ds_stats(&s);
		same_stats(&st0, &st1);
		/* Busy: no type change, no user domain, no release. */
		P(L_IOMMU, smmukit_iommu_set_default_domain_type(d,
				SMMUKIT_DOMAIN_IDENTITY), -SMMUKIT_EBUSY);
		{
			struct smmukit_domain *um;

			assert_int_equal(smmukit_iommu_domain_alloc(s.core,
					SMMUKIT_DOMAIN_UNMANAGED, &um), 0);
			P(L_IOMMU, smmukit_iommu_attach_group(um, d),
			  -SMMUKIT_EBUSY);
			assert_int_equal(smmukit_iommu_domain_free(um), 0);
		}
		P(L_IOMMU, smmukit_iommu_release_device(d), -SMMUKIT_EBUSY);
		assert_int_equal(smmukit_device_default_domain(d), def);

		/* Another instance's device and domain. */
		st_up(&s2, true, false);
		d2 = ds_dev(&s2, "other", 8, false, 0);
		assert_int_equal(smmukit_iommu_domain_alloc(s2.core,
				SMMUKIT_DOMAIN_UNMANAGED, &um2), 0);
		P(L_IOMMU, smmukit_iommu_attach_group(um2, d), -SMMUKIT_EINVAL);
		P(L_IOMMU, smmukit_iommu_detach_group(um2, d), -SMMUKIT_EINVAL);
		assert_int_equal(smmukit_device_domain(d), def);
		assert_int_equal(smmukit_iommu_domain_free(um2), 0);
		assert_int_equal(smmukit_iommu_release_device(d2), 0);
		ds_down(&s2);

		reads_back(&s, 8, a, 0x3c);
		assert_int_equal(smmukit_dma_unmap_page(d, a, 4096,
						SMMUKIT_DMA_BIDIRECTIONAL), 0);
		assert_int_equal(smmukit_dma_flush(d), 0);
		assert_int_equal(smmukit_iommu_release_device(d), 0);
		smmukit_plat_free_pages(s.h.p, &buf);
		ds_down(&s);
	}
}

/*
 * An identity default domain counts what the DMA API handed out through
 * it: no type change, release or user attach while any is live, and an
 * unmap with none live is -ENOENT.
 */
static void iommu_identity_busy(void **state)
{
	struct dma_stack s;
	struct smmukit_device *d;
	struct smmukit_domain *um;
	struct smmukit_dma_sg sg[2] = {
		{ .pa = 0x1000, .len = 100 }, { .pa = 0x3000, .len = 4096 },
	};
	smmukit_dma_addr_t a;
	void *cpu;

	(void)state;
	st_up(&s, true, true);
	d = ds_dev(&s, "pt", 8, false, 3);
	assert_int_equal(smmukit_domain_get_type(smmukit_device_domain(d)),
			 SMMUKIT_DOMAIN_IDENTITY);
	P(L_DMA, smmukit_dma_unmap_page(d, 0x5000, 4096, 0), -SMMUKIT_ENOENT);
	assert_int_equal(smmukit_dma_map_page(d, 0x5000, 4096, 0, &a), 0);
	assert_int_equal(a, 0x5000);
	P(L_IOMMU, smmukit_iommu_set_default_domain_type(d, SMMUKIT_DOMAIN_DMA),
	  -SMMUKIT_EBUSY);
	P(L_IOMMU, smmukit_iommu_set_default_domain_type(d, SMMUKIT_DOMAIN_BLOCKED),
	  -SMMUKIT_EBUSY);
	P(L_IOMMU, smmukit_iommu_release_device(d), -SMMUKIT_EBUSY);
	assert_int_equal(smmukit_iommu_domain_alloc(s.core, SMMUKIT_DOMAIN_UNMANAGED,
						    &um), 0);
	P(L_IOMMU, smmukit_iommu_attach_group(um, d), -SMMUKIT_EBUSY);
	assert_int_equal(smmukit_domain_get_type(smmukit_device_domain(d)),
			 SMMUKIT_DOMAIN_IDENTITY);
	/* An untrusted device joining the busy passthrough group: refused. */
	{
		uint32_t sid = 9;
		struct smmukit_device_config dc = {
			.name = "usb", .sids = &sid, .nr_sids = 1,
			.untrusted = true, .group_id = 3,
		};
		struct smmukit_device *u = NULL;

		P(L_IOMMU, smmukit_iommu_probe_device(s.core, &dc, &u),
		  -SMMUKIT_EBUSY);
		assert_null(u);
	}
	assert_int_equal(smmukit_dma_unmap_page(d, a, 4096, 0), 0);
	P(L_DMA, smmukit_dma_unmap_page(d, a, 4096, 0), -SMMUKIT_ENOENT);
	/* sg and coherent count too. */
	assert_int_equal(smmukit_dma_map_sg(d, sg, 2, 0), 2);
	P(L_IOMMU, smmukit_iommu_set_default_domain_type(d, SMMUKIT_DOMAIN_DMA),
	  -SMMUKIT_EBUSY);
	assert_int_equal(smmukit_dma_unmap_sg(d, sg, 2, 0), 0);
	P(L_DMA, smmukit_dma_unmap_sg(d, sg, 2, 0), -SMMUKIT_ENOENT);
	assert_int_equal(smmukit_dma_alloc_coherent(d, 4096, &cpu, &a), 0);
	P(L_IOMMU, smmukit_iommu_set_default_domain_type(d, SMMUKIT_DOMAIN_DMA),
	  -SMMUKIT_EBUSY);
	assert_int_equal(smmukit_dma_free_coherent(d, 4096, cpu, a), 0);
	/* Idle: the change goes through. */
	assert_int_equal(smmukit_iommu_set_default_domain_type(d, SMMUKIT_DOMAIN_DMA), 0);
	assert_int_equal(smmukit_iommu_domain_free(um), 0);
	assert_int_equal(smmukit_iommu_release_device(d), 0);
	ds_down(&s);
}

/* ---- DMA API ---- */

static void dma_bad(void **state)
{
	struct dma_stack s;
	struct smmukit_device *d, *u;
	struct smmukit_dma_pages buf;
	struct smmukit_dma_stats st0, st1;
	struct smmukit_dma_timing tm;
	struct smmukit_dma_sg sg[3];
	smmukit_dma_addr_t a, b = 0;
	struct smmukit_dma *dma2 = (void *)1;
	enum smmukit_dma_dir dir;
	const enum smmukit_dma_dir bad_dirs[] = {
		(enum smmukit_dma_dir)3, (enum smmukit_dma_dir)-1,
		(enum smmukit_dma_dir)INT_MAX,
	};
	void *cpu = NULL;
	uint64_t limit;

	(void)state;
	st_up(&s, false, false);
	d = ds_dev(&s, "nvme", 8, false, 0);
	u = ds_dev(&s, "usb4", 21, true, 0);
	buf = h_buf(&s.h, 1, 0x5a);
	assert_int_equal(smmukit_dma_map_page(d, buf.pa, 4096,
					      SMMUKIT_DMA_BIDIRECTIONAL, &a), 0);
	limit = UINT64_C(1) << smmukit_domain_ias(smmukit_device_domain(d));
	st0 = ds_stats(&s);

	/* names */
	P(L_DMA, strcmp(smmukit_dma_dir_name((enum smmukit_dma_dir)3), "?"), 0);
	P(L_DMA, strcmp(smmukit_dma_dir_name((enum smmukit_dma_dir)-1), "?"), 0);
	P(L_DMA, smmukit_dma_dir_parse(NULL, &dir), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_dir_parse("bidir", NULL), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_dir_parse("", &dir), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_dir_parse("bidirx", &dir), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_dir_parse("bidi", &dir), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_dir_prot((enum smmukit_dma_dir)3), 0);
	P(L_DMA, smmukit_dma_dir_prot((enum smmukit_dma_dir)-1), 0);

	/* create/destroy */
	P(L_DMA, smmukit_dma_create(NULL, &dma2), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_create(s.core, NULL), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_create(s.core, &dma2), -SMMUKIT_EBUSY);
	PV(L_DMA, smmukit_dma_destroy(NULL));
	/*
	 * Destroying the layer with devices still there must not free what
	 * their domains point to: refused (logged), the layer stays usable.
	 */
	PV(L_DMA, smmukit_dma_destroy(s.dma));
	reads_back(&s, 8, a, 0x5a);
	assert_int_equal(smmukit_dma_map_page(d, buf.pa + 4096, 4096,
					      SMMUKIT_DMA_TO_DEVICE, &b), 0);
	assert_int_equal(smmukit_dma_unmap_page(d, b, 4096,
						SMMUKIT_DMA_TO_DEVICE), 0);
	st0 = ds_stats(&s);

	/* map_page / map_single */
	P(L_DMA, smmukit_dma_map_page(d, buf.pa, 4096, 0, NULL), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_map_page(NULL, buf.pa, 4096, 0, &b), -SMMUKIT_EINVAL);
	assert_int_equal(b, SMMUKIT_DMA_MAPPING_ERROR);
	P(L_DMA, smmukit_dma_map_page(d, buf.pa, 0, 0, &b), -SMMUKIT_EINVAL);
	for (size_t i = 0; i < 3; i++)
		P(L_DMA, smmukit_dma_map_page(d, buf.pa, 4096, bad_dirs[i], &b),
		  -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_map_page(d, UINT64_MAX - 10, 4096, 0, &b),
	  -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_map_page(d, 4096, UINT64_MAX, 0, &b),
	  -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_map_page(d, 0, limit + 1, 0, &b), -SMMUKIT_ENOSPC);
	/* Beyond the SMMU's output size: the page table refuses it. */
	probes[L_DMA]++;
	{
		int r = smmukit_dma_map_page(d, UINT64_C(1) << 52, 4096, 0, &b);

		assert_true(r == -SMMUKIT_ERANGE || r == -SMMUKIT_EINVAL);
		assert_int_equal(b, SMMUKIT_DMA_MAPPING_ERROR);
	}
	P(L_DMA, smmukit_dma_map_single(NULL, buf.cpu, 8, 0, &b), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_map_single(d, NULL, 8, 0, &b), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_map_single(d, buf.cpu, 8, 0, NULL), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_map_single(d, &b, 8, 0, &b), -SMMUKIT_EFAULT);
	P(L_DMA, smmukit_dma_map_single(d, buf.cpu, 0, 0, &b), -SMMUKIT_EINVAL);

	/* unmap: bad input, never mapped, wrong size, misaligned */
	P(L_DMA, smmukit_dma_unmap_page(NULL, a, 4096, 0), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_unmap_page(d, a, 0, 0), -SMMUKIT_EINVAL);
	for (size_t i = 0; i < 3; i++)
		P(L_DMA, smmukit_dma_unmap_page(d, a, 4096, bad_dirs[i]),
		  -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_unmap_page(d, SMMUKIT_DMA_MAPPING_ERROR, 4096, 0),
	  -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_unmap_page(d, UINT64_MAX - 100, 4096, 0),
	  -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_unmap_page(d, limit, 4096, 0), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_unmap_page(d, 0x7654000, 4096, 0), -SMMUKIT_ENOENT);
	P(L_DMA, smmukit_dma_unmap_page(d, 0, 4096, 0), -SMMUKIT_ENOENT);
	P(L_DMA, smmukit_dma_unmap_page(d, a, limit + 4096, 0), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_unmap_single(d, SMMUKIT_DMA_MAPPING_ERROR, 1, 0),
	  -SMMUKIT_EINVAL);
	/* Another device's address, and a device on another group. */
	P(L_DMA, smmukit_dma_unmap_page(u, a, 4096, 0), -SMMUKIT_ENOENT);

	/* sg */
	memset(sg, 0, sizeof(sg));
	sg[0].pa = buf.pa;
	sg[0].len = 4096;
	sg[1].pa = buf.pa + 4096;
	sg[1].len = 4096;
	P(L_DMA, smmukit_dma_map_sg(NULL, sg, 2, 0), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_map_sg(d, NULL, 2, 0), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_map_sg(d, sg, 0, 0), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_map_sg(d, sg, SMMUKIT_DMA_MAX_SG + 1, 0),
	  -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_map_sg(d, sg, 2, bad_dirs[0]), -SMMUKIT_EINVAL);
	sg[1].len = 0;
	P(L_DMA, smmukit_dma_map_sg(d, sg, 2, 0), -SMMUKIT_EINVAL);
	assert_int_equal(sg[0].dma_addr, SMMUKIT_DMA_MAPPING_ERROR);
	sg[1].len = UINT64_MAX;
	P(L_DMA, smmukit_dma_map_sg(d, sg, 2, 0), -SMMUKIT_EINVAL);
	sg[1].pa = UINT64_MAX - 10;
	sg[1].len = 4096;
	P(L_DMA, smmukit_dma_map_sg(d, sg, 2, 0), -SMMUKIT_EINVAL);
	/* Segments that together exceed the IOVA space. */
	sg[0].pa = 0;
	sg[0].len = limit - 4096;
	sg[1].pa = 0;
	sg[1].len = limit - 4096;
	P(L_DMA, smmukit_dma_map_sg(d, sg, 2, 0), -SMMUKIT_ENOSPC);
	/* unmap_sg of a list never mapped, disordered, wrapping */
	sg[0].dma_addr = 0x200000;
	sg[0].dma_len = 4096;
	sg[1].dma_addr = 0x100000;
	sg[1].dma_len = 4096;
	P(L_DMA, smmukit_dma_unmap_sg(d, sg, 2, 0), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_unmap_sg(d, sg, 1, 0), -SMMUKIT_ENOENT);
	P(L_DMA, smmukit_dma_unmap_sg(NULL, sg, 1, 0), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_unmap_sg(d, NULL, 1, 0), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_unmap_sg(d, sg, 0, 0), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_unmap_sg(d, sg, SMMUKIT_DMA_MAX_SG + 1, 0),
	  -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_unmap_sg(d, sg, 1, bad_dirs[1]), -SMMUKIT_EINVAL);
	sg[0].dma_addr = UINT64_MAX - 100;
	P(L_DMA, smmukit_dma_unmap_sg(d, sg, 1, 0), -SMMUKIT_EINVAL);
	sg[0].dma_addr = SMMUKIT_DMA_MAPPING_ERROR;
	P(L_DMA, smmukit_dma_unmap_sg(d, sg, 1, 0), -SMMUKIT_EINVAL);
	sg[0].dma_addr = limit;
	P(L_DMA, smmukit_dma_unmap_sg(d, sg, 1, 0), -SMMUKIT_EINVAL);
	sg[0].dma_addr = 0x100000;
	sg[0].dma_len = 0;
	P(L_DMA, smmukit_dma_unmap_sg(d, sg, 1, 0), -SMMUKIT_EINVAL);

	/* sync */
	P(L_DMA, smmukit_dma_sync_single_for_cpu(NULL, a, 1, 0), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_sync_single_for_cpu(d, a, 0, 0), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_sync_single_for_device(d, a, 1, bad_dirs[2]),
	  -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_sync_single_for_device(d, SMMUKIT_DMA_MAPPING_ERROR,
						    1, 0), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_sync_single_for_cpu(d, UINT64_MAX - 1, 8, 0),
	  -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_sync_single_for_cpu(u, 0x9999000, 8, 0),
	  -SMMUKIT_ENOENT);

	/* coherent */
	P(L_DMA, smmukit_dma_alloc_coherent(NULL, 4096, &cpu, &b), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_alloc_coherent(d, 0, &cpu, &b), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_alloc_coherent(d, 4096, NULL, &b), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_alloc_coherent(d, 4096, &cpu, NULL), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_alloc_coherent(d, UINT64_MAX, &cpu, &b),
	  -SMMUKIT_EINVAL);
	assert_null(cpu);
	P(L_DMA, smmukit_dma_free_coherent(NULL, 4096, buf.cpu, a), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_free_coherent(d, 4096, NULL, a), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_free_coherent(d, 0, buf.cpu, a), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_free_coherent(d, UINT64_MAX, buf.cpu, a),
	  -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_free_coherent(d, 4096, &b, a), -SMMUKIT_EFAULT);
	/* Never allocated: the unmap finds nothing, the pages are kept. */
	P(L_DMA, smmukit_dma_free_coherent(d, 4096, buf.cpu, 0x7777000),
	  -SMMUKIT_ENOENT);

	/* flush, stats, timing */
	P(L_DMA, smmukit_dma_flush(NULL), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_get_stats(NULL, &st1), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_get_stats(s.dma, NULL), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_set_timing(NULL, true), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_get_timing(NULL, &tm), -SMMUKIT_EINVAL);
	P(L_DMA, smmukit_dma_get_timing(s.dma, NULL), -SMMUKIT_EINVAL);

	/* Nothing changed. */
	st1 = ds_stats(&s);
	same_stats(&st0, &st1);
	reads_back(&s, 8, a, 0x5a);

	/* Double unmap, and an unmap with the wrong (larger) size. */
	assert_int_equal(smmukit_dma_map_page(d, buf.pa + 4096, 4096,
					      SMMUKIT_DMA_TO_DEVICE, &b), 0);
	st0 = ds_stats(&s);
	probes[L_DMA]++;
	{
		int r = smmukit_dma_unmap_page(d, b, 8192, SMMUKIT_DMA_TO_DEVICE);

		/* Found 4 KiB of 8: invalidated, IOVA kept, -EINVAL. */
		assert_int_equal(r, -SMMUKIT_EINVAL);
	}
	P(L_DMA, smmukit_dma_unmap_page(d, b, 4096, SMMUKIT_DMA_TO_DEVICE),
	  -SMMUKIT_ENOENT);
	assert_int_equal(smmukit_dma_unmap_page(d, a, 4096,
						SMMUKIT_DMA_BIDIRECTIONAL), 0);
	P(L_DMA, smmukit_dma_unmap_page(d, a, 4096, SMMUKIT_DMA_BIDIRECTIONAL),
	  -SMMUKIT_ENOENT);
	assert_int_equal(smmukit_dma_flush(d), 0);
	P(L_DMA, smmukit_dma_unmap_page(d, a, 4096, SMMUKIT_DMA_BIDIRECTIONAL),
	  -SMMUKIT_ENOENT);

	/* A device whose group is on a user domain or a blocked one. */
	{
		struct smmukit_domain *um;

		assert_int_equal(smmukit_iommu_domain_alloc(s.core,
				SMMUKIT_DOMAIN_UNMANAGED, &um), 0);
		assert_int_equal(smmukit_iommu_attach_group(um, u), 0);
		P(L_DMA, smmukit_dma_map_page(u, buf.pa, 4096, 0, &b),
		  -SMMUKIT_EBUSY);
		P(L_DMA, smmukit_dma_unmap_page(u, 0x1000, 4096, 0),
		  -SMMUKIT_EBUSY);
		P(L_DMA, smmukit_dma_flush(u), -SMMUKIT_EBUSY);
		assert_int_equal(smmukit_iommu_detach_group(um, u), 0);
		assert_int_equal(smmukit_iommu_domain_free(um), 0);
		assert_int_equal(smmukit_iommu_set_default_domain_type(u,
				SMMUKIT_DOMAIN_BLOCKED), 0);
		P(L_DMA, smmukit_dma_map_page(u, buf.pa, 4096, 0, &b),
		  -SMMUKIT_ENODEV);
		P(L_DMA, smmukit_dma_map_sg(u, sg, 1, 0), -SMMUKIT_ENODEV);
	}
	assert_int_equal(smmukit_iommu_release_device(u), 0);
	assert_int_equal(smmukit_iommu_release_device(d), 0);
	smmukit_plat_free_pages(s.h.p, &buf);
	ds_down(&s);
}

/* ---- NVMe model ---- */

static void nvme_bad(void **state)
{
	struct harness h;
	struct smmukit_nvme_config c;
	struct smmukit_nvme *n = (void *)1, *n2;
	struct smmukit_nvme_stats ns0, ns1;
	struct smmukit_nvme_cpl cpl[2];
	uint64_t prp[SMMUKIT_NVME_MAX_PRPS + 1] = { 0 };
	struct smmukit_nvme_cmd cmd = {
		.opcode = SMMUKIT_NVME_OP_READ, .cid = 1, .slba = 0, .nlb = 1,
		.nr_prps = 1, .prp = prp,
	};
	struct smmukit_model_profile prof;

	(void)state;
	h_up(&h, "checking");
	PV(L_NVME, smmukit_nvme_config_default(NULL));
	smmukit_nvme_config_default(&c);
	PV(L_NVME, smmukit_nvme_config_from_profile(NULL, NULL));
	PV(L_NVME, smmukit_nvme_config_from_profile(&c, NULL));
	smmukit_model_profile_zero(&prof);
	PV(L_NVME, smmukit_nvme_config_from_profile(NULL, &prof));

	P(L_NVME, smmukit_nvme_create(NULL, h.p, &c, &n), -SMMUKIT_EINVAL);
	P(L_NVME, smmukit_nvme_create(h.m, NULL, &c, &n), -SMMUKIT_EINVAL);
	P(L_NVME, smmukit_nvme_create(h.m, h.p, NULL, &n), -SMMUKIT_EINVAL);
	P(L_NVME, smmukit_nvme_create(h.m, h.p, &c, NULL), -SMMUKIT_EINVAL);
	{
		static const struct {
			uint32_t bs;
			uint64_t nb;
			unsigned q, depth;
		} bad[] = {
			{ 256, 0, 1, 1 }, { 4000, 0, 1, 1 }, { 131072, 0, 1, 1 },
			{ 4096, UINT64_MAX, 1, 1 }, { 512, UINT64_MAX / 512, 1, 1 },
			{ 4096, 0, 0, 1 }, { 4096, 0, SMMUKIT_NVME_MAX_QUEUES + 1, 1 },
			{ 4096, 0, 1, 0 }, { 4096, 0, 1, SMMUKIT_NVME_MAX_DEPTH + 1 },
			{ 4096, 0, UINT_MAX, UINT_MAX },
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			smmukit_nvme_config_default(&c);
			c.block_size = bad[i].bs;
			c.nr_blocks = bad[i].nb;
			c.nr_queues = bad[i].q;
			c.queue_depth = bad[i].depth;
			n2 = (void *)1;
			P(L_NVME, smmukit_nvme_create(h.m, h.p, &c, &n2),
			  -SMMUKIT_EINVAL);
			assert_null(n2);
		}
	}
	smmukit_nvme_config_default(&c);
	c.sid = 5;
	c.queue_depth = 1;
	c.nr_blocks = 16;
	assert_int_equal(smmukit_nvme_create(h.m, h.p, &c, &n), 0);
	assert_int_equal(smmukit_nvme_get_stats(n, &ns0), 0);

	P(L_NVME, smmukit_nvme_submit(NULL, 0, &cmd), -SMMUKIT_EINVAL);
	P(L_NVME, smmukit_nvme_submit(n, 0, NULL), -SMMUKIT_EINVAL);
	P(L_NVME, smmukit_nvme_submit(n, 1, &cmd), -SMMUKIT_EINVAL);
	P(L_NVME, smmukit_nvme_submit(n, UINT_MAX, &cmd), -SMMUKIT_EINVAL);
	cmd.opcode = 0x7f;
	P(L_NVME, smmukit_nvme_submit(n, 0, &cmd), -SMMUKIT_EINVAL);
	cmd.opcode = SMMUKIT_NVME_OP_READ;
	cmd.nlb = 0;
	P(L_NVME, smmukit_nvme_submit(n, 0, &cmd), -SMMUKIT_EINVAL);
	cmd.nlb = UINT32_MAX;	/* more than MAX_PRPS pages of data */
	P(L_NVME, smmukit_nvme_submit(n, 0, &cmd), -SMMUKIT_EINVAL);
	cmd.nlb = 1;
	cmd.nr_prps = 0;
	P(L_NVME, smmukit_nvme_submit(n, 0, &cmd), -SMMUKIT_EINVAL);
	cmd.nr_prps = SMMUKIT_NVME_MAX_PRPS + 1;
	P(L_NVME, smmukit_nvme_submit(n, 0, &cmd), -SMMUKIT_EINVAL);
	cmd.nr_prps = 2;	/* one block needs one entry */
	P(L_NVME, smmukit_nvme_submit(n, 0, &cmd), -SMMUKIT_EINVAL);
	cmd.nr_prps = 1;
	cmd.prp = NULL;
	P(L_NVME, smmukit_nvme_submit(n, 0, &cmd), -SMMUKIT_EINVAL);
	cmd.prp = prp;
	/* A second entry not page-aligned. */
	prp[0] = 0x1800;
	prp[1] = 0x2100;
	cmd.nr_prps = 2;
	P(L_NVME, smmukit_nvme_submit(n, 0, &cmd), -SMMUKIT_EINVAL);
	prp[0] = prp[1] = 0;
	cmd.nr_prps = 1;
	assert_int_equal(smmukit_nvme_get_stats(n, &ns1), 0);
	assert_int_equal(ns1.submitted, ns0.submitted);

	P(L_NVME, smmukit_nvme_poll(NULL, 0, cpl, 2), -SMMUKIT_EINVAL);
	P(L_NVME, smmukit_nvme_poll(n, 1, cpl, 2), -SMMUKIT_EINVAL);
	P(L_NVME, smmukit_nvme_poll(n, 0, NULL, 2), -SMMUKIT_EINVAL);
	P(L_NVME, smmukit_nvme_poll(n, 0, NULL, 0), 0);
	PV(L_NVME, smmukit_nvme_run(NULL));
	P(L_NVME, smmukit_nvme_next_due_ns(NULL), UINT64_MAX);
	P(L_NVME, smmukit_nvme_queue_next_ns(NULL, 0), UINT64_MAX);
	P(L_NVME, smmukit_nvme_queue_next_ns(n, 1), UINT64_MAX);
	P(L_NVME, smmukit_nvme_get_stats(NULL, &ns1), -SMMUKIT_EINVAL);
	P(L_NVME, smmukit_nvme_get_stats(n, NULL), -SMMUKIT_EINVAL);

	/* Beyond the namespace: accepted, completes with LBA_RANGE. */
	cmd.slba = UINT64_MAX;
	assert_int_equal(smmukit_nvme_submit(n, 0, &cmd), 0);
	/* The queue (depth 1) is full now. */
	P(L_NVME, smmukit_nvme_submit(n, 0, &cmd), -SMMUKIT_EBUSY);
	for (int i = 0; i < 100; i++) {
		if (smmukit_nvme_poll(n, 0, cpl, 2) == 1)
			break;
		smmukit_posix_clock_advance(h.p, 1000);
	}
	assert_int_equal(cpl[0].status, SMMUKIT_NVME_SC_LBA_RANGE);
	PV(L_NVME, smmukit_nvme_destroy(NULL));
	smmukit_nvme_destroy(n);
	h_down(&h);
}

/* ---- warn, version ---- */

static void warn_version_bad(void **state)
{
	struct smmukit_ratelimit rs;
	struct smmukit_posix_config pc = {
		.manual_clock = true, .nr_cpus = 2, .mem_size = 16u << 20,
		.log_level = SMMUKIT_LOG_ERR,
	};
	struct smmukit_platform *p;
	bool was;

	(void)state;
	assert_int_equal(smmukit_posix_create(&pc, &p), 0);
	P(L_WARN, strcmp(smmukit_version(), SMMUKIT_VERSION_STRING), 0);
	PV(L_WARN, smmukit_ratelimit_init(NULL, 1, 1));
	/* A NULL state: nothing to limit by; printing is allowed. */
	P(L_WARN, smmukit_ratelimit(NULL, NULL, "x"), true);
	smmukit_ratelimit_init(&rs, 0, 0);
	/* Zero burst: no limit; no platform: no clock to limit by. */
	P(L_WARN, smmukit_ratelimit(p, &rs, NULL), true);
	smmukit_ratelimit_init(&rs, UINT64_MAX, 1);
	P(L_WARN, smmukit_ratelimit(NULL, &rs, "x"), true);
	/* A huge interval never ends; a NULL name is not printed as such. */
	P(L_WARN, smmukit_ratelimit(p, &rs, NULL), true);
	P(L_WARN, smmukit_ratelimit(p, &rs, NULL), false);
	smmukit_posix_clock_advance(p, UINT64_MAX / 2);
	P(L_WARN, smmukit_ratelimit(p, &rs, NULL), false);
	smmukit_ratelimit_init(&rs, 0, 1);
	P(L_WARN, smmukit_ratelimit(p, &rs, "x"), true);
	P(L_WARN, smmukit_ratelimit(p, &rs, "x"), true);
	smmukit_ratelimit_init(&rs, 1000, UINT_MAX);
	P(L_WARN, smmukit_ratelimit(p, &rs, "x"), true);
	was = smmukit_warn_set_fatal(false);
	{
		uint64_t n = smmukit_warn_count();

		P(L_WARN, smmukit_warn_fire(NULL, NULL, 0, NULL), true);
		P(L_WARN, smmukit_warn_fire(NULL, "f.c", UINT_MAX, "c"), true);
		assert_int_equal(smmukit_warn_count(), n + 2);
	}
	smmukit_warn_set_fatal(was);
	P(L_WARN, strcmp(smmukit_errname(-SMMUKIT_EOPNOTSUPP), "EOPNOTSUPP"), 0);
	P(L_WARN, strcmp(smmukit_errname(-1000), "E?"), 0);
	P(L_WARN, strcmp(smmukit_errname(INT_MAX), "E?"), 0);
	smmukit_posix_destroy(p);
}

/* ---- the lower layers: every function not probed in bad_input.c ---- */

static void lower_null_sweep(void **state)
{
	struct harness h;
	struct smmukit_iova_domain *iv = (void *)1;
	struct smmukit_iova_config ic = { .granule = 4096 };
	struct smmukit_iova_range r;
	struct smmukit_iova_stats ist;
	struct smmukit_iova_free_entry fe = { 0 };
	struct smmukit_pgtable *pgt = (void *)1;
	struct smmukit_pgtable_freelist fl;
	struct smmukit_iotlb_gather g;
	struct smmukit_smmu_info si;
	struct smmukit_smmu_stats ss;
	struct smmukit_smmu *sm = (void *)1;
	struct smmukit_model *m = (void *)1;
	struct smmukit_model_stats ms;
	struct smmukit_model_dma_result res;
	struct smmukit_model_cmd_rec cr;
	struct smmukit_model_inval_rec ir;
	struct smmukit_model_stale_rec sr;
	struct smmukit_model_profile prof;
	struct smmukit_model_config mc;
	struct smmukit_mmio mmio;
	struct smmuv3_cmd cmd = { 0 };
	uint64_t pfn, cur = 0, lost, mapped;
	uint32_t asid, vmid;
	unsigned char b;
	char err[64];

	(void)state;
	h_up(&h, "checking");
	/* iova */
	P(L_LOWER, smmukit_iova_domain_create(NULL, &ic, &iv), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_iova_domain_create(h.p, NULL, &iv), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_iova_domain_create(h.p, &ic, NULL), -SMMUKIT_EINVAL);
	ic.granule = 4095;
	P(L_LOWER, smmukit_iova_domain_create(h.p, &ic, &iv), -SMMUKIT_EINVAL);
	ic.granule = 0;
	P(L_LOWER, smmukit_iova_domain_create(h.p, &ic, &iv), -SMMUKIT_EINVAL);
	PV(L_LOWER, smmukit_iova_domain_destroy(NULL));
	P(L_LOWER, smmukit_iova_shift(NULL), 0);
	P(L_LOWER, smmukit_iova_start_pfn(NULL), 0);
	P(L_LOWER, smmukit_iova_end_pfn(NULL), 0);
	P(L_LOWER, smmukit_iova_alloc(NULL, 1, 100, false, &pfn), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_iova_free(NULL, 1, 1), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_iova_reserve(NULL, 1, 2), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_iova_find(NULL, 1, &r), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_iova_alloc_fast(NULL, 1, 100, 0, &pfn), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_iova_free_fast(NULL, 1, 1), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_iova_free_bulk(NULL, &fe, 1), -SMMUKIT_EINVAL);
	PV(L_LOWER, smmukit_iova_flush_caches(NULL));
	P(L_LOWER, smmukit_iova_flush_cpu(NULL, 0), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_iova_depot_trim(NULL), 0);
	PV(L_LOWER, smmukit_iova_get_stats(NULL, &ist));
	P(L_LOWER, smmukit_iova_check(NULL), -SMMUKIT_EINVAL);
	PV(L_LOWER, smmukit_iova_fast_size(0));
	PV(L_LOWER, smmukit_iova_fast_size(UINT64_MAX));
	ic.granule = 4096;
	assert_int_equal(smmukit_iova_domain_create(h.p, &ic, &iv), 0);
	P(L_LOWER, smmukit_iova_alloc(iv, 1, 100, false, NULL), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_iova_alloc(iv, 0, 100, false, &pfn), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_iova_alloc_fast(iv, 1, 100, 0, NULL), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_iova_find(iv, 1, NULL), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_iova_free_bulk(iv, NULL, 1), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_iova_free(iv, 5, 1), -SMMUKIT_ENOENT);
	P(L_LOWER, smmukit_iova_reserve(iv, 10, 2), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_iova_flush_cpu(iv, UINT_MAX), -SMMUKIT_EINVAL);
	PV(L_LOWER, smmukit_iova_get_stats(iv, NULL));
	P(L_LOWER, smmukit_iova_check(iv), 0);
	smmukit_iova_domain_destroy(iv);

	/* pgtable */
	P(L_LOWER, smmukit_pgtable_alloc(NULL, &pgt), -SMMUKIT_EINVAL);
	PV(L_LOWER, smmukit_pgtable_free(NULL));
	PV(L_LOWER, smmukit_pgtable_freelist_init(NULL));
	smmukit_pgtable_freelist_init(&fl);
	PV(L_LOWER, smmukit_pgtable_freelist_splice(h.p, NULL, &fl));
	PV(L_LOWER, smmukit_pgtable_freelist_splice(h.p, &fl, NULL));
	P(L_LOWER, smmukit_pgtable_freelist_free(h.p, NULL), 0);
	P(L_LOWER, smmukit_pgtable_freelist_free(NULL, &fl), 0);
	smmukit_pgtable_gather_init(&g);
	P(L_LOWER, smmukit_pgtable_map(NULL, 0, 0, 4096, 1, &mapped),
	  -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_pgtable_unmap(NULL, 0, 4096, &g), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_pgtable_walk(NULL, NULL, NULL), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_pgtable_level_size(NULL, 3), 0);
	P(L_LOWER, smmukit_pgtable_encode_leaf(NULL, 0, 3, 1), 0);
	P(L_LOWER, smmukit_pgtable_selftest(NULL, NULL, NULL, NULL),
	  -SMMUKIT_EINVAL);

	/* smmu */
	P(L_LOWER, smmukit_smmu_probe(NULL, &sm), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_smmu_reset(NULL), -SMMUKIT_EINVAL);
	PV(L_LOWER, smmukit_smmu_destroy(NULL));
	P(L_LOWER, smmukit_smmu_get_info(NULL, &si), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_smmu_get_info(h.s, NULL), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_smmu_get_stats(NULL, &ss), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_smmu_get_stats(h.s, NULL), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_smmu_iommu(NULL), 0);
	P(L_LOWER, smmukit_smmu_handle_evtq_irq(NULL), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_smmu_handle_gerror_irq(NULL), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_smmu_issue_cmds(NULL, &cmd, 1, true), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_smmu_issue_cmds(h.s, NULL, 1, true), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_smmu_sync(NULL), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_smmu_init_stream(NULL, 1), -SMMUKIT_EINVAL);
	probes[L_LOWER]++;
	assert_true(smmukit_smmu_init_stream(h.s, UINT32_MAX) < 0);
	P(L_LOWER, smmukit_smmu_domain_tag(NULL, &asid, &vmid), -SMMUKIT_EINVAL);

	/* model */
	PV(L_LOWER, smmukit_model_config_default(NULL));
	P(L_LOWER, smmukit_model_config_parse(NULL, "x", err, sizeof(err)),
	  -SMMUKIT_EINVAL);
	smmukit_model_config_default(&mc);
	P(L_LOWER, smmukit_model_config_parse(&mc, "no_such_key=1", err,
					      sizeof(err)), -SMMUKIT_EINVAL);
	PV(L_LOWER, smmukit_model_profile_zero(NULL));
	smmukit_model_profile_zero(&prof);
	P(L_LOWER, smmukit_model_profile_set(NULL, "cmd_sync_ns", "1"),
	  -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_model_profile_set(&prof, NULL, "1"), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_model_profile_set(&prof, "cmd_sync_ns", NULL),
	  -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_model_profile_set(&prof, "cmd_sync_ns",
					     "99999999999999999999"),
	  -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_model_profile_set(&prof, "cmd_sync_ns", "-1"),
	  -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_model_profile_parse(NULL, "", err, sizeof(err)),
	  -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_model_profile_parse(&prof, NULL, err, sizeof(err)),
	  -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_model_profile_check(NULL, err, sizeof(err)),
	  -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_model_profile_load(NULL, "zero", NULL, err, sizeof(err)),
	  -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_model_profile_load(&prof, NULL, NULL, err, sizeof(err)),
	  -SMMUKIT_EINVAL);
	probes[L_LOWER]++;
	assert_true(smmukit_model_profile_load(&prof, "/nonexistent/x.profile",
					       NULL, err, sizeof(err)) < 0);
	P(L_LOWER, smmukit_model_profile_key(UINT_MAX, NULL), 0);
	P(L_LOWER, smmukit_model_profile_key(smmukit_model_profile_nkeys(), NULL), 0);
	P(L_LOWER, smmukit_model_create(NULL, &mc, NULL, &m), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_model_create(h.p, &mc, NULL, NULL), -SMMUKIT_EINVAL);
	PV(L_LOWER, smmukit_model_destroy(NULL));
	P(L_LOWER, smmukit_model_reset(NULL), -SMMUKIT_EINVAL);
	PV(L_LOWER, mmio = smmukit_model_mmio(NULL));
	assert_null(mmio.ops);
	PV(L_LOWER, smmukit_model_run(NULL));
	P(L_LOWER, smmukit_model_next_due_ns(NULL), UINT64_MAX);
	P(L_LOWER, smmukit_model_inject(NULL, (enum smmukit_model_fault)0, true),
	  -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_model_inject(h.m, (enum smmukit_model_fault)9999, true),
	  -SMMUKIT_EINVAL);
	PV(L_LOWER, smmukit_model_event_name(UINT_MAX));
	assert_non_null(smmukit_model_event_name(UINT_MAX));
	probes[L_LOWER]++;
	assert_true(smmukit_model_dma(NULL, 0, 0, 0, 1, false, &b, &res) < 0);
	probes[L_LOWER]++;
	assert_true(smmukit_model_dma(h.m, 0, 0, 0, 1, false, NULL, &res) < 0);
	probes[L_LOWER]++;
	assert_true(smmukit_model_translate(NULL, 0, 0, 0, false, &res) < 0);
	P(L_LOWER, smmukit_model_get_stats(NULL, &ms), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_model_get_stats(h.m, NULL), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_model_read_cmdlog(NULL, &cur, &cr, 1, &lost), 0);
	P(L_LOWER, smmukit_model_read_cmdlog(h.m, NULL, &cr, 1, &lost), 0);
	P(L_LOWER, smmukit_model_read_invlog(NULL, &cur, &ir, 1, &lost), 0);
	P(L_LOWER, smmukit_model_read_stalelog(NULL, &cur, &sr, 1, &lost), 0);
	PV(L_LOWER, smmukit_model_set_trace(NULL, 1, NULL, NULL));
	P(L_LOWER, smmukit_model_check_free(NULL, 0, 4096), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_model_unmap_begin(NULL, 0, 0, 4096), -SMMUKIT_EINVAL);
	P(L_LOWER, smmukit_model_unmap_end(NULL, 0, 0, 4096), -SMMUKIT_EINVAL);
	h_down(&h);
}

static int print_counts(void **state)
{
	unsigned total = 0;

	(void)state;
	for (unsigned i = 0; i < L_NR; i++) {
		printf("bad_input_core: %-26s %u probes\n", layer_names[i],
		       probes[i]);
		total += probes[i];
	}
	printf("bad_input_core: total %u probes\n", total);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(options_bad),
		cmocka_unit_test(iommu_null_and_enums),
		cmocka_unit_test(iommu_user_map_bad),
		cmocka_unit_test(iommu_wrong_domain),
		cmocka_unit_test(iommu_identity_busy),
		cmocka_unit_test(dma_bad),
		cmocka_unit_test(nvme_bad),
		cmocka_unit_test(warn_version_bad),
		cmocka_unit_test(lower_null_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, print_counts);
}
