/**
 * @file chapters/10-smp/tests/test_run_queue.cpp
 * @brief Chapter 10's run queue (sched/run_queue.h) on the host: one queue
 * for every CPU, each taking the first thread its CPU mask allows, the
 * others keeping their places; the idle set, from which each thread that
 * becomes ready claims a different CPU to wake.
 *
 * The threads are plain Thread objects with a cpu_mask: the queue only
 * links them, so no stack or CPU is needed. The last test plays a long
 * random sequence of pushes and takes by random CPUs against a std::deque
 * doing the same.
 */
#include <criterion/criterion.h>

#include <algorithm>
#include <deque>
#include <random>

#include "sched/run_queue.h"
#include "../../03-memory/tests/fake_kernel.h"

namespace {

constexpr int kPanicExit = 100 + static_cast<int>(PowerStatus::Panic);  // fake_kernel.h's power_off
constexpr uint64_t kAnyCpu = ~uint64_t{0};

uint64_t only(int cpu) { return uint64_t{1} << cpu; }

/// Eight threads with tids 1..8, none queued, free to run anywhere.
struct Threads {
    Thread t[8];
    Threads() {
        for (int i = 0; i < 8; ++i) t[i].tid = i + 1;
    }
};

}  // namespace

Test(run_queue, an_empty_queue_gives_nothing_to_any_cpu) {
    RunQueue q;
    for (int cpu = 0; cpu < kMaxCpus; ++cpu) {
        cr_expect_null(q.take(cpu));
        cr_expect_not(q.has_for(cpu));
    }
}

Test(run_queue, free_threads_come_out_in_order_whichever_cpu_asks) {
    Threads th;
    RunQueue q;
    for (int i = 0; i < 4; ++i) q.push(&th.t[i]);
    for (int i = 0; i < 4; ++i) {
        cr_expect_eq(th.t[i].state, ThreadState::Ready);
        Thread* got = q.take(i % 3);  // CPUs 0, 1, 2, 0
        cr_assert_eq(got, &th.t[i], "take %d: thread %d, in order", i, i + 1);
        cr_expect_null(got->next_ready, "a taken thread has no link left");
    }
    cr_expect_null(q.take(0));
}

Test(run_queue, a_cpu_passes_threads_pinned_elsewhere_and_they_keep_their_place) {
    Threads th;
    RunQueue q;
    th.t[0].cpu_mask = only(1);
    th.t[2].cpu_mask = only(1);
    for (int i = 0; i < 4; ++i) q.push(&th.t[i]);  // 1@cpu1, 2, 3@cpu1, 4
    cr_expect(q.has_for(0));
    cr_expect_eq(q.take(0), &th.t[1], "CPU 0 skips thread 1, pinned to CPU 1");
    cr_expect_eq(q.take(0), &th.t[3]);
    cr_expect_null(q.take(0), "only threads CPU 0 may not run are left: it idles");
    cr_expect_not(q.has_for(0));
    cr_expect(q.has_for(1));
    cr_expect_eq(q.take(1), &th.t[0], "the pinned threads, still in order");
    cr_expect_eq(q.take(1), &th.t[2]);
    cr_expect_null(q.take(1));
}

Test(run_queue, taking_the_last_thread_from_behind_a_pinned_one_keeps_the_tail) {
    // The taken thread was the tail and another stays in front of it: the
    // tail must move back to that one, or the next push is lost.
    Threads th;
    RunQueue q;
    th.t[0].cpu_mask = only(1);
    q.push(&th.t[0]);
    q.push(&th.t[1]);
    cr_assert_eq(q.take(0), &th.t[1]);
    q.push(&th.t[2]);
    cr_expect_eq(q.take(1), &th.t[0]);
    cr_expect_eq(q.take(1), &th.t[2], "the thread queued after the tail moved");
    cr_expect_null(q.take(0));
}

Test(run_queue, a_thread_with_no_cpu_in_its_mask_is_never_taken) {
    // sched_setaffinity refuses such a mask; the queue must not crash on one.
    Threads th;
    RunQueue q;
    th.t[0].cpu_mask = 0;
    q.push(&th.t[0]);
    q.push(&th.t[1]);
    for (int cpu = 0; cpu < kMaxCpus; ++cpu) cr_expect_eq(q.take(cpu), cpu == 0 ? &th.t[1] : nullptr);
    for (int cpu = 0; cpu < 64; ++cpu) cr_expect_not(q.has_for(cpu), "cpu %d", cpu);
}

Test(run_queue, queueing_the_last_thread_again_panics, .exit_code = kPanicExit) {
    Threads th;
    RunQueue q;
    q.push(&th.t[0]);
    q.push(&th.t[1]);
    q.push(&th.t[1]);  // would link it to itself: take() would loop for ever
}

Test(run_queue, queueing_a_thread_in_the_middle_again_panics, .exit_code = kPanicExit) {
    Threads th;
    RunQueue q;
    q.push(&th.t[0]);
    q.push(&th.t[1]);
    q.push(&th.t[0]);  // would cut thread 2 off the queue
}

Test(idle_cpus, nobody_idles_nobody_is_woken) {
    Threads th;
    RunQueue q;
    cr_expect_eq(q.claim_idle_cpu_for(th.t[0], 0), -1);
}

Test(idle_cpus, each_ready_thread_claims_a_different_cpu) {
    // Two threads made ready one after the other must wake two CPUs: the
    // first claim takes its CPU out of the set.
    Threads th;
    RunQueue q;
    q.idling(1);
    q.idling(3);
    cr_expect_eq(q.claim_idle_cpu_for(th.t[0], 0), 1);
    cr_expect_eq(q.claim_idle_cpu_for(th.t[1], 0), 3);
    cr_expect_eq(q.claim_idle_cpu_for(th.t[2], 0), -1, "both are claimed already");
}

Test(idle_cpus, the_cpu_asking_is_never_claimed) {
    // It looks at the queue itself before it halts again.
    Threads th;
    RunQueue q;
    q.idling(2);
    cr_expect_eq(q.claim_idle_cpu_for(th.t[0], 2), -1);
    cr_expect_eq(q.claim_idle_cpu_for(th.t[0], 0), 2, "still idle for the others");
}

Test(idle_cpus, only_a_cpu_the_thread_may_run_on_is_claimed) {
    Threads th;
    RunQueue q;
    q.idling(1);
    q.idling(2);
    th.t[0].cpu_mask = only(2);
    th.t[1].cpu_mask = only(5);
    cr_expect_eq(q.claim_idle_cpu_for(th.t[1], 0), -1, "CPU 5 is not idle");
    cr_expect_eq(q.claim_idle_cpu_for(th.t[0], 0), 2, "not CPU 1, lower but outside the mask");
    cr_expect_eq(q.claim_idle_cpu_for(th.t[2], 0), 1);
}

Test(idle_cpus, a_cpu_that_found_work_itself_is_not_claimed) {
    Threads th;
    RunQueue q;
    q.idling(1);
    q.busy(1);
    cr_expect_eq(q.claim_idle_cpu_for(th.t[0], 0), -1);
}

Test(run_queue, a_random_life_matches_a_fifo_per_cpu) {
    // Random pushes (of threads not queued, with random masks) and takes
    // by random CPUs; a std::deque searched front to back for the first
    // thread each CPU may run must give the same thread every time.
    Threads th;
    RunQueue q;
    std::deque<Thread*> model;
    std::mt19937 random(10);
    const uint64_t masks[] = {kAnyCpu, only(0), only(1), only(2), only(1) | only(3)};
    for (int step = 0; step < 20000; ++step) {
        Thread* t = &th.t[random() % 8];
        const int cpu = static_cast<int>(random() % 4);
        const bool queued = std::find(model.begin(), model.end(), t) != model.end();
        if (random() % 2 && !queued) {
            t->cpu_mask = masks[random() % 5];
            q.push(t);
            model.push_back(t);
        } else {
            const auto first = std::find_if(model.begin(), model.end(), [&](Thread* m) { return may_run_on(*m, cpu); });
            Thread* want = first == model.end() ? nullptr : *first;
            if (want) model.erase(first);
            cr_assert_eq(q.has_for(cpu), want != nullptr, "step %d", step);
            Thread* got = q.take(cpu);
            cr_assert_eq(got, want, "step %d, CPU %d: take() gave thread %d, the model thread %d", step, cpu,
                         got ? got->tid : 0, want ? want->tid : 0);
        }
    }
    for (int cpu = 0; cpu < 4; ++cpu)
        while (Thread* got = q.take(cpu)) {
            cr_assert(!model.empty() && std::find(model.begin(), model.end(), got) != model.end());
            std::erase(model, got);
        }
    cr_expect(model.empty(), "every thread queued came out once");
}
