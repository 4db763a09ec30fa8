/**
 * @file chapters/07-threads/tests/test_run_queue.cpp
 * @brief The run queue (sched/run_queue.h) on the host: first in, first
 * out; empty means the CPU idles; a taken thread is unlinked and may be
 * queued again; a thread queued twice is a panic, not a loop.
 *
 * The threads are plain Thread objects: the queue only links them, so no
 * stack or CPU is needed. The last test plays a long random sequence of
 * pushes and takes against a std::deque doing the same.
 */
#include <criterion/criterion.h>

#include <algorithm>
#include <deque>
#include <random>

#include "sched/run_queue.h"
#include "../../03-memory/tests/fake_kernel.h"

namespace {

constexpr int kPanicExit = 100 + static_cast<int>(PowerStatus::Panic);  // fake_kernel.h's power_off

/// @p n threads with tids 1..n, none queued.
struct Threads {
    Thread t[8];
    Threads() {
        for (int i = 0; i < 8; ++i) t[i].tid = i + 1;
    }
};

}  // namespace

Test(run_queue, an_empty_queue_gives_nothing_and_the_cpu_idles) {
    RunQueue q;
    cr_expect(q.empty());
    cr_expect_null(q.take());
    cr_expect_null(q.take(), "taking from an empty queue changes nothing");
}

Test(run_queue, threads_come_out_in_the_order_they_went_in) {
    Threads th;
    RunQueue q;
    th.t[0].state = ThreadState::Blocked;  // woken
    th.t[1].state = ThreadState::Running;  // yielding
    for (int i = 0; i < 3; ++i) q.push(&th.t[i]);
    cr_expect_not(q.empty());
    for (int i = 0; i < 3; ++i) {
        cr_expect_eq(th.t[i].state, ThreadState::Ready, "thread %d is Ready once queued", i + 1);
        Thread* got = q.take();
        cr_assert_eq(got, &th.t[i], "take %d: thread %d, in order", i, i + 1);
        cr_expect_null(got->next_ready, "a taken thread has no link left");
    }
    cr_expect(q.empty());
    cr_expect_null(q.take());
}

Test(run_queue, a_queue_emptied_and_filled_again_keeps_its_order) {
    // The tail must be forgotten when the last thread leaves: else the
    // next push would link the new thread behind one that is gone.
    Threads th;
    RunQueue q;
    q.push(&th.t[0]);
    cr_assert_eq(q.take(), &th.t[0]);
    q.push(&th.t[1]);
    q.push(&th.t[2]);
    cr_assert_eq(q.take(), &th.t[1]);
    q.push(&th.t[0]);  // taken before: may come back
    cr_expect_eq(q.take(), &th.t[2]);
    cr_expect_eq(q.take(), &th.t[0]);
    cr_expect(q.empty());
}

Test(run_queue, a_thread_alone_that_yields_gets_the_cpu_back) {
    // yield() queues the running thread, then schedule() takes the front:
    // with nobody else ready, the same thread (and no switch).
    Threads th;
    RunQueue q;
    th.t[0].state = ThreadState::Running;
    q.push(&th.t[0]);
    cr_expect_eq(q.take(), &th.t[0]);
    cr_expect(q.empty());
}

Test(run_queue, round_robin_gives_every_thread_its_turn) {
    // A CPU's life: take the front, run it a slice, put it at the back.
    Threads th;
    RunQueue q;
    for (int i = 0; i < 5; ++i) q.push(&th.t[i]);
    for (int turn = 0; turn < 20; ++turn) {
        Thread* running = q.take();
        cr_assert_eq(running, &th.t[turn % 5], "turn %d goes to thread %d", turn, turn % 5 + 1);
        q.push(running);
    }
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

Test(run_queue, a_random_life_matches_a_fifo) {
    // Pushes of threads not queued and takes, at random; the queue must
    // give exactly what a std::deque gives.
    Threads th;
    RunQueue q;
    std::deque<Thread*> model;
    std::mt19937 random(7);
    for (int step = 0; step < 20000; ++step) {
        Thread* t = &th.t[random() % 8];
        const bool queued = std::find(model.begin(), model.end(), t) != model.end();
        if (random() % 2 && !queued) {
            q.push(t);
            model.push_back(t);
        } else {
            Thread* got = q.take();
            Thread* want = model.empty() ? nullptr : model.front();
            if (!model.empty()) model.pop_front();
            cr_assert_eq(got, want, "step %d: take() gave thread %d, a FIFO thread %d", step, got ? got->tid : 0,
                         want ? want->tid : 0);
        }
        cr_assert_eq(q.empty(), model.empty(), "step %d", step);
    }
}
