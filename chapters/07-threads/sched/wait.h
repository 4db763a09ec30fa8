/**
 * @file chapters/07-threads/sched/wait.h
 * @brief WaitQueue: where threads sleep until something they wait for happens.
 *
 * A thread that must wait (an empty pipe, a futex, an io_uring completion)
 * calls wait() with a condition. The condition is tested with the scheduler
 * lock held and interrupts off; if it is false, the thread goes on the
 * queue and to sleep in the same locked step. The thread that makes the
 * condition true changes its data first, then calls wake_all() (or
 * wake_some()), which takes the same lock: so a wake-up can never fall
 * between the test and the sleep, the classic lost wake-up.
 *
 * A woken thread tests its condition again (another thread may have taken
 * the data first), so wake_all() is always correct, if not always cheapest.
 */
#pragma once

#include <cstdint>

#include "common/result.h"
#include "sched/thread.h"
#include "sync/spinlock.h"

/// The lock of every scheduler structure (sched/scheduler.cpp).
SpinLock& sched_lock();

/// Put the running thread to sleep on @p queue (held by @p guard), until a
/// wake, @p deadline_ms (0: none), an interrupt or a signal; the lock is
/// released while it sleeps and not held on return. Errno::TimedOut,
/// Errno::Intr (the program is exiting) or Errno::RestartSys (a signal
/// came: proc/signal.h) if that is what ended the sleep.
Result<void> sleep_on(WaitQueue& queue, IrqLock& guard, uint64_t deadline_ms, uint64_t key);

/// Threads waiting for something.
class WaitQueue {
public:
    /// Sleep until @p ready() is true (tested with the scheduler lock held).
    /// Errno::TimedOut once the monotonic clock reaches @p deadline_ms (0:
    /// never); Errno::Intr if the program is exiting; Errno::RestartSys if
    /// a signal came for the thread. @p key tells waiters
    /// apart on a shared queue (wake_some); 0 if unused.
    template <typename Ready>
    Result<void> wait(Ready ready, uint64_t deadline_ms = 0, uint64_t key = 0) {
        for (;;) {
            IrqLock guard(sched_lock());
            if (ready()) return {};
            TRY(sleep_on(*this, guard, deadline_ms, key));
        }
    }

    /// Wake every thread waiting here.
    void wake_all();
    /// wake_all() for a caller that holds the scheduler lock already.
    void wake_all_locked();
    /// Wake up to @p count threads waiting here with @p key; returns how many.
    int wake_some(uint64_t key, int count);
    /// Wake up to @p wake threads waiting here with @p key, and move up to
    /// @p move of the others with that key to @p to, now waiting with
    /// @p new_key (FUTEX_REQUEUE). Returns how many were woken or moved.
    int requeue(uint64_t key, int wake, WaitQueue& to, uint64_t new_key, int move);

    /// The sleepers, oldest first, linked by Thread::next_waiter; changed
    /// only by sched/scheduler.cpp, with the scheduler lock held.
    Thread* sleepers = nullptr;
};
