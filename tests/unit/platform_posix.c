/* SPDX-License-Identifier: MIT */
/* The hosted platform backend: memory, failure injection, clocks, timers, CPUs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "smmukit/platform_posix.h"

static struct smmukit_platform *make(bool manual, uint64_t mem)
{
	struct smmukit_posix_config cfg = {
		.manual_clock = manual, .mem_size = mem, .nr_cpus = 4,
		.record_syncs = true, .log_level = SMMUKIT_LOG_WARN,
	};
	struct smmukit_platform *p = NULL;

	assert_int_equal(smmukit_posix_create(&cfg, &p), 0);
	return p;
}

static uint64_t in_use(struct smmukit_platform *p)
{
	struct smmukit_posix_stats st;

	smmukit_posix_get_stats(p, &st);
	return st.pages_in_use;
}

static void test_pages_zeroed_aligned_and_reusable(void **state)
{
	struct smmukit_platform *p = make(true, 8u << 20);
	struct smmukit_dma_pages a, b;

	for (unsigned order = 0; order <= SMMUKIT_MAX_PAGE_ORDER; order++) {
		assert_int_equal(smmukit_plat_alloc_pages(p, order, &a), 0);
		assert_true(smmukit_is_aligned(a.pa, SMMUKIT_PAGE_SIZE << order));
		assert_ptr_equal(smmukit_plat_phys_to_virt(p, a.pa), a.cpu);
		assert_int_equal(smmukit_plat_virt_to_phys(p, a.cpu), a.pa);
		for (uint64_t i = 0; i < (SMMUKIT_PAGE_SIZE << order); i += 512)
			assert_int_equal(((unsigned char *)a.cpu)[i], 0);
		memset(a.cpu, 0xa5, SMMUKIT_PAGE_SIZE << order);
		assert_int_equal(in_use(p), 1u << order);
		smmukit_plat_free_pages(p, &a);
		assert_int_equal(in_use(p), 0);
	}
	/* Freed memory comes back zeroed, and buddies merge again. */
	assert_int_equal(smmukit_plat_alloc_pages(p, 0, &a), 0);
	assert_int_equal(((unsigned char *)a.cpu)[0], 0);
	assert_int_equal(smmukit_plat_alloc_pages(p, 0, &b), 0);
	assert_int_not_equal(a.pa, b.pa);
	smmukit_plat_free_pages(p, &a);
	smmukit_plat_free_pages(p, &b);
	assert_int_equal(smmukit_plat_alloc_pages(p, SMMUKIT_MAX_PAGE_ORDER, &a), 0);
	smmukit_plat_free_pages(p, &a);
	assert_int_equal(smmukit_plat_alloc_pages(p, SMMUKIT_MAX_PAGE_ORDER + 1, &a),
			 -SMMUKIT_EINVAL);
	smmukit_posix_destroy(p);
}

static void test_memory_exhaustion(void **state)
{
	struct smmukit_platform *p = make(true, 4u << 20);	/* one max block */
	struct smmukit_dma_pages big, one;

	assert_int_equal(smmukit_plat_alloc_pages(p, SMMUKIT_MAX_PAGE_ORDER, &big), 0);
	assert_int_equal(smmukit_plat_alloc_pages(p, 0, &one), -SMMUKIT_ENOMEM);
	smmukit_plat_free_pages(p, &big);
	assert_int_equal(smmukit_plat_alloc_pages(p, 0, &one), 0);
	smmukit_plat_free_pages(p, &one);
	smmukit_posix_destroy(p);
}

static void test_phys_range_bounds(void **state)
{
	struct smmukit_platform *p = make(true, 4u << 20);
	smmukit_phys_t base = smmukit_posix_phys_base(p);

	assert_int_equal(base, 0x80000000u);
	assert_non_null(smmukit_posix_phys_range(p, base, 4u << 20));
	assert_null(smmukit_posix_phys_range(p, base, (4u << 20) + 1));
	assert_null(smmukit_posix_phys_range(p, base - 1, 2));
	assert_null(smmukit_posix_phys_range(p, UINT64_MAX - 1, 8));
	assert_null(smmukit_plat_phys_to_virt(p, base + (4u << 20)));
	smmukit_posix_destroy(p);
}

static void test_failure_injection(void **state)
{
	struct smmukit_platform *p = make(true, 4u << 20);
	struct smmukit_dma_pages a;
	void *z;

	smmukit_posix_fail_nth_alloc(p, 2);
	assert_int_equal(smmukit_plat_alloc_pages(p, 0, &a), 0);
	z = smmukit_plat_zalloc(p, 64);
	assert_null(z);		/* the 2nd allocation fails */
	z = smmukit_plat_zalloc(p, 64);
	assert_non_null(z);	/* and only that one */
	assert_int_equal(smmukit_posix_fail_nth_alloc(p, 0), 3);
	/* The same through the ops table, which any backend may offer. */
	assert_true(smmukit_plat_can_inject_failures(p));
	smmukit_plat_fail_nth_alloc(p, 1);
	assert_int_equal(smmukit_plat_alloc_pages(p, 0, &a), -SMMUKIT_ENOMEM);
	assert_int_equal(smmukit_plat_fail_nth_alloc(p, 0), 1);
	smmukit_plat_free(p, z, 64);
	smmukit_plat_free_pages(p, &a);
	smmukit_posix_destroy(p);
}

static void test_syncs_recorded(void **state)
{
	struct smmukit_platform *p = make(true, 4u << 20);
	struct smmukit_posix_stats st;

	smmukit_plat_dma_sync_for_device(p, 0x80001000, 8);
	smmukit_posix_get_stats(p, &st);
	assert_int_equal(st.syncs, 1);
	assert_int_equal(st.last_sync_pa, 0x80001000);
	assert_int_equal(st.last_sync_len, 8);
	smmukit_posix_destroy(p);
}

struct counter_timer {
	struct smmukit_timer t;
	int fired;
	uint64_t at;
	struct smmukit_platform *p;
};

static void count_fire(struct smmukit_timer *t)
{
	struct counter_timer *ct = smmukit_container_of(t, struct counter_timer, t);

	ct->at = smmukit_plat_clock_ns(ct->p);
	/* Release: the waiter reads 'at' after seeing the count. */
	__atomic_add_fetch(&ct->fired, 1, __ATOMIC_RELEASE);
}

static void test_manual_clock_timers(void **state)
{
	struct smmukit_platform *p = make(true, 4u << 20);
	struct counter_timer ct = { .p = p };

	assert_int_equal(smmukit_plat_clock_ns(p), 0);
	smmukit_plat_timer_init(p, &ct.t, count_fire);
	smmukit_plat_timer_arm(p, &ct.t, 1000);
	smmukit_posix_clock_advance(p, 999);
	assert_int_equal(ct.fired, 0);
	smmukit_posix_clock_advance(p, 1);
	assert_int_equal(ct.fired, 1);
	assert_int_equal(ct.at, 1000);
	/* relax() jumps exactly to the next timer deadline. */
	smmukit_plat_timer_arm(p, &ct.t, 5000);
	smmukit_plat_relax(p);
	assert_int_equal(ct.fired, 2);
	assert_int_equal(smmukit_plat_clock_ns(p), 5000);
	/* A cancelled timer never fires. */
	smmukit_plat_timer_arm(p, &ct.t, 6000);
	smmukit_plat_timer_cancel_sync(p, &ct.t);
	smmukit_posix_clock_advance(p, 10000);
	assert_int_equal(ct.fired, 2);
	smmukit_plat_timer_destroy(p, &ct.t);
	smmukit_posix_destroy(p);
}

struct fake_hw {
	uint64_t due;
	int ran_at_due;
};

static void hw_run_due(void *arg, uint64_t now)
{
	struct fake_hw *hw = arg;

	if (hw->due != UINT64_MAX && now >= hw->due) {
		hw->ran_at_due++;
		hw->due = UINT64_MAX;
	}
}

static uint64_t hw_next_due(void *arg)
{
	return ((struct fake_hw *)arg)->due;
}

static bool hw_done(void *arg)
{
	return ((struct fake_hw *)arg)->ran_at_due > 0;
}

static void test_relax_drives_model_and_poll_until(void **state)
{
	struct smmukit_platform *p = make(true, 4u << 20);
	struct fake_hw hw = { .due = 777 };
	struct smmukit_posix_hooks hooks = {
		.run_due = hw_run_due, .next_due_ns = hw_next_due, .arg = &hw,
	};

	smmukit_posix_set_hooks(p, &hooks);
	assert_true(smmukit_plat_poll_until(p, hw_done, &hw, 1000));
	assert_int_equal(smmukit_plat_clock_ns(p), 777);
	/* Nothing pending: the wait times out instead of spinning forever. */
	hw.ran_at_due = 0;
	hw.due = UINT64_MAX;
	assert_false(smmukit_plat_poll_until(p, hw_done, &hw, 1000000));
	assert_true(smmukit_plat_clock_ns(p) >= 777 + 1000000);
	smmukit_posix_clear_hooks(p);
	smmukit_posix_destroy(p);
}

/* A timer already due does not push relax() past an earlier model event. */
static void test_relax_due_timer_and_model_event(void **state)
{
	struct smmukit_platform *p = make(true, 4u << 20);
	struct counter_timer ct = { .p = p };
	struct fake_hw hw = { .due = 100 };
	struct smmukit_posix_hooks hooks = {
		.run_due = hw_run_due, .next_due_ns = hw_next_due, .arg = &hw,
	};

	smmukit_posix_set_hooks(p, &hooks);
	smmukit_plat_timer_init(p, &ct.t, count_fire);
	smmukit_plat_timer_arm(p, &ct.t, 0);
	smmukit_plat_relax(p);
	assert_int_equal(ct.fired, 1);
	assert_int_equal(ct.at, 0);
	assert_int_equal(hw.ran_at_due, 1);
	assert_int_equal(smmukit_plat_clock_ns(p), 100);
	smmukit_posix_clear_hooks(p);
	smmukit_plat_timer_destroy(p, &ct.t);
	smmukit_posix_destroy(p);
}

/* Runs fn in a child process; true if the child died of SIGABRT. */
static bool aborts(void (*fn)(struct smmukit_platform *p))
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		struct smmukit_platform *p = make(true, 4u << 20);

		fn(p);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void free_twice_after_merge(struct smmukit_platform *p)
{
	struct smmukit_dma_pages a, b;

	smmukit_plat_alloc_pages(p, 0, &a);
	smmukit_plat_alloc_pages(p, 0, &b);
	smmukit_plat_free_pages(p, &a);
	smmukit_plat_free_pages(p, &b);	/* merges with a */
	smmukit_plat_free_pages(p, &b);
}

static void free_with_wrong_order(struct smmukit_platform *p)
{
	struct smmukit_dma_pages a;

	smmukit_plat_alloc_pages(p, 2, &a);
	a.order = 1;
	smmukit_plat_free_pages(p, &a);
}

static void free_inside_a_run(struct smmukit_platform *p)
{
	struct smmukit_dma_pages a;

	smmukit_plat_alloc_pages(p, 2, &a);
	a.pa += SMMUKIT_PAGE_SIZE;
	a.order = 0;
	smmukit_plat_free_pages(p, &a);
}

static void free_correctly(struct smmukit_platform *p)
{
	struct smmukit_dma_pages a;

	smmukit_plat_alloc_pages(p, 2, &a);
	smmukit_plat_free_pages(p, &a);
}

/* Freeing what is not a live run stops loudly instead of corrupting memory. */
static void test_bad_frees_abort(void **state)
{
	assert_true(aborts(free_twice_after_merge));
	assert_true(aborts(free_with_wrong_order));
	assert_true(aborts(free_inside_a_run));
	assert_false(aborts(free_correctly));
}

static void test_threaded_timer(void **state)
{
	struct smmukit_platform *p = make(false, 4u << 20);
	struct counter_timer ct = { .p = p };
	uint64_t deadline;

	smmukit_plat_timer_init(p, &ct.t, count_fire);
	deadline = smmukit_plat_clock_ns(p) + 1000000;
	smmukit_plat_timer_arm(p, &ct.t, deadline);
	for (int i = 0; i < 2000 && !__atomic_load_n(&ct.fired, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	smmukit_plat_timer_cancel_sync(p, &ct.t);
	assert_int_equal(__atomic_load_n(&ct.fired, __ATOMIC_ACQUIRE), 1);
	assert_true(ct.at >= deadline);
	smmukit_posix_destroy(p);
}

struct cpu_arg {
	struct smmukit_platform *p;
	unsigned id;
};

static void *cpu_thread(void *arg)
{
	struct cpu_arg *a = arg;

	a->id = smmukit_plat_cpu_id(a->p);
	return NULL;
}

static void test_cpu_ids(void **state)
{
	struct smmukit_platform *p = make(true, 4u << 20);
	struct cpu_arg args[8];
	pthread_t th[8];
	unsigned seen[4] = { 0 };

	assert_int_equal(smmukit_plat_nr_cpus(p), 4);
	for (int i = 0; i < 8; i++) {
		args[i].p = p;
		pthread_create(&th[i], NULL, cpu_thread, &args[i]);
		pthread_join(th[i], NULL);
		assert_true(args[i].id < 4);
		seen[args[i].id]++;
	}
	/* Round-robin: 8 threads over 4 CPUs, two each. */
	for (int c = 0; c < 4; c++)
		assert_int_equal(seen[c], 2);
	smmukit_posix_set_cpu(p, 3);
	assert_int_equal(smmukit_plat_cpu_id(p), 3);
	smmukit_posix_destroy(p);
}

static void test_bad_config(void **state)
{
	struct smmukit_posix_config cfg = { .mem_size = 4096 };
	struct smmukit_platform *p = NULL;

	assert_int_equal(smmukit_posix_create(&cfg, &p), -SMMUKIT_EINVAL);
	assert_null(p);
	assert_int_equal(smmukit_posix_create(NULL, NULL), -SMMUKIT_EINVAL);
	assert_string_equal(smmukit_errname(-SMMUKIT_EEXIST), "EEXIST");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages_zeroed_aligned_and_reusable),
		cmocka_unit_test(test_memory_exhaustion),
		cmocka_unit_test(test_phys_range_bounds),
		cmocka_unit_test(test_failure_injection),
		cmocka_unit_test(test_syncs_recorded),
		cmocka_unit_test(test_manual_clock_timers),
		cmocka_unit_test(test_relax_drives_model_and_poll_until),
		cmocka_unit_test(test_relax_due_timer_and_model_event),
		cmocka_unit_test(test_bad_frees_abort),
		cmocka_unit_test(test_threaded_timer),
		cmocka_unit_test(test_cpu_ids),
		cmocka_unit_test(test_bad_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
