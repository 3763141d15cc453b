/* SPDX-License-Identifier: MIT */
/*
 * smmukit bench io: an fio-like random I/O workload on an NVMe-like device
 * model behind the SMMUv3 model, through the whole DMA stack, with the
 * jobs as simulated CPUs in virtual time (io_engine.h, tool_vtime.h).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io_engine.h"
#include "tool.h"
#include "tool_io_args.h"
#include "tool_stack.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: smmukit [--cmdline \"...\"] bench io [--mode strict|lazy|passthrough]\n"
		"         [--rw randread|randwrite|randrw] [--bs SIZE] [--iodepth D]\n"
		"         [--jobs N] [--seconds S] [--profile NAME|PATH] [--model KEYS]\n"
		"         [--seed N] [--json]\n"
		"\n"
		"fio-like random I/O on an NVMe-like device model (its own stream ID %#x)\n"
		"behind the SMMUv3 model, through the driver, the IOMMU core and the DMA\n"
		"layer. N jobs each keep D I/Os in flight; per I/O: dma_map, submit (PRP\n"
		"entries), completion by polling, dma_unmap, latency recorded. Reads make\n"
		"the device write the buffer through the SMMU, writes make it read it; the\n"
		"bytes move, and every read is checked against what was last written.\n"
		"\n"
		"The jobs are simulated CPUs in virtual time: the modelled hardware (the\n"
		"profile's SMMU command costs, the device's rates and service time) and the\n"
		"software's waits set the rates, never this host's speed or core count.\n"
		"Rates are modelled rates; host_cpu says what the simulation cost the host.\n"
		"\n"
		"  --mode M      strict (DMA domain, default), lazy (DMA-FQ), passthrough\n"
		"                (identity)\n"
		"  --rw W        randread (default), randwrite, randrw (half each)\n"
		"  --bs SIZE     4k (default) .. 1M, a multiple of 4k\n"
		"  --iodepth D   I/Os in flight per job, 1..%u (default 32)\n"
		"  --jobs N      simulated CPUs issuing I/O, 1..%u (default 8)\n"
		"  --seconds S   modelled seconds measured, 0 < S <= %g (default 0.05),\n"
		"                after a tenth of that unmeasured\n"
		"  --seed N      random offsets (default 1)\n"
		"  --json        one object:\n"
		"     {\"mode\":\"strict\",\"rw\":\"randread\",\"iops\":X,\"bw_mib_s\":X,\n"
		"      \"lat_us\":{\"p50\":X,\"p99\":X,\"p999\":X},\"cmds\":N,\"tlbi\":N,\n"
		"      \"syncs\":N,\"flushes\":N,\"tlb_hit_rate\":X,\"host_cpu\":X,\n"
		"      \"host_bound\":false,\"dilation\":1,\"virtual_time\":true,...}\n"
		"\n"
		"Counters cover the whole run: commands, TLBIs and CMD_SYNCs the SMMU\n"
		"consumed, flush-queue flushes, and the share of the device's data pages\n"
		"whose translation hit the IOTLB. Latency: submission to completion seen\n"
		"by the polling job. Device keys of a profile: device_read_iops,\n"
		"device_write_iops (4 KiB I/Os per second, 0: no limit), device_latency_ns\n"
		"(0: %u ns, so that a profile without a device, such as zero, still\n"
		"gives finite rates).\n"
		"\n",
		IO_DEVICE_SID, IO_MAX_IODEPTH, IO_MAX_JOBS, IO_MAX_SECONDS,
		IO_DEFAULT_DEVICE_LATENCY_NS);
	tool_stack_usage(f);
	fprintf(f,
		"\n"
		"Exit status: 0 success; 1 an operation failed (a map, unmap, I/O or\n"
		"data check failed, or the stack could not be built); 2 bad usage or input\n"
		"(one line on stderr naming the option and its limit).\n");
}

static void print_json(const struct io_cfg *c, const struct io_result *r)
{
	printf("{\"mode\":\"%s\",\"rw\":\"%s\",\"bs\":%llu,\"jobs\":%u,\"iodepth\":%u,"
	       "\"seconds\":%g,\"profile\":",
	       io_mode_name(c->mode), io_rw_name(c->rw),
	       (unsigned long long)c->bs, c->jobs, c->iodepth, c->seconds);
	tool_json_str(stdout, c->profile);
	printf(",\"domain\":\"%s\",\"iops\":%.0f,\"bw_mib_s\":%.1f,"
	       "\"lat_us\":{\"p50\":%.2f,\"p99\":%.2f,\"p999\":%.2f},"
	       "\"ios\":%llu,\"cmds\":%llu,\"tlbi\":%llu,\"syncs\":%llu,"
	       "\"flushes\":%llu,\"tlb_hit_rate\":%.4f,\"host_cpu\":%.2f,"
	       "\"host_wall_s\":%.2f,\"host_us_per_io\":%.2f,\"host_bound\":false,"
	       "\"dilation\":1,\"virtual_time\":true,\"errors\":%llu,"
	       "\"verify_errors\":%llu}\n",
	       r->domain, r->iops, r->bw_mib_s, r->lat_p50_us, r->lat_p99_us,
	       r->lat_p999_us, (unsigned long long)r->ios,
	       (unsigned long long)r->cmds, (unsigned long long)r->tlbi,
	       (unsigned long long)r->syncs, (unsigned long long)r->flushes,
	       r->tlb_hit_rate, r->host_cpu, r->host_wall_s, r->host_us_per_io,
	       (unsigned long long)r->errors,
	       (unsigned long long)r->verify_errors);
}

static void print_text(const struct io_cfg *c, const struct io_result *r)
{
	printf("bench io: %s %s, bs %llu, %u jobs x iodepth %u, %g s modelled, profile %s (domain %s)\n",
	       io_rw_name(c->rw), io_mode_name(c->mode),
	       (unsigned long long)c->bs, c->jobs, c->iodepth, c->seconds,
	       c->profile, r->domain);
	printf("  IOPS        %.0f (modelled)   bandwidth %.1f MiB/s\n", r->iops,
	       r->bw_mib_s);
	printf("  latency     p50 %.1f us   p99 %.1f us   p99.9 %.1f us\n",
	       r->lat_p50_us, r->lat_p99_us, r->lat_p999_us);
	printf("  SMMU        %llu commands, %llu TLBI, %llu CMD_SYNC, %llu flush-queue flushes, TLB hit rate %.3f\n",
	       (unsigned long long)r->cmds, (unsigned long long)r->tlbi,
	       (unsigned long long)r->syncs, (unsigned long long)r->flushes,
	       r->tlb_hit_rate);
	printf("  host        %.2f CPU per wall second, %.1f s wall, %.1f us CPU per simulated I/O;\n"
	       "              virtual time: the host does not limit the modelled rate\n",
	       r->host_cpu, r->host_wall_s, r->host_us_per_io);
	if (r->errors || r->verify_errors)
		printf("  ERRORS      %llu failed operations, %llu reads with wrong data\n",
		       (unsigned long long)r->errors,
		       (unsigned long long)r->verify_errors);
}

int tool_cmd_bench_io(int argc, char **argv);	/* argv[0] is "io" */
int tool_cmd_bench_io(int argc, char **argv)
{
	struct io_cfg c;
	struct io_result r;
	bool json = false;
	int ret;

	io_cfg_default(&c, "bench io");
	for (int i = 1; i < argc; i++) {
		const char *v;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (io_arg_common(&c, argc, argv, &i)) {
			continue;
		} else if (io_arg(c.cmd, argc, argv, &i, "--mode", &v)) {
			if (io_mode_parse(v, &c.mode))
				tool_fail("%s: --mode must be strict, lazy or passthrough", c.cmd);
		} else if (io_arg(c.cmd, argc, argv, &i, "--rw", &v)) {
			if (io_rw_parse(v, &c.rw))
				tool_fail("%s: --rw must be randread, randwrite or randrw", c.cmd);
		} else {
			tool_fail("%s: unknown option '%s' (see smmukit bench io --help)",
				  c.cmd, argv[i]);
		}
	}
	io_cfg_check(&c);
	c.progress = !json && isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);
	c.progress_label = "bench io:";
	ret = io_run(&c, &r);
	if (ret)
		return 1;
	if (json)
		print_json(&c, &r);
	else
		print_text(&c, &r);
	return r.errors || r.verify_errors ? 1 : 0;
}
