/**
 * @file chapters/10-smp/sched/run_queue.h
 * @brief The run queue: the Ready threads, first in, first out. (Chapter
 * 10: every CPU takes from it, each the first thread its mask lets it run,
 * and it knows which CPUs sleep in their idle loops waiting for it.)
 *
 * Round robin needs nothing more than a FIFO: a thread that becomes ready
 * (new, woken, preempted, yielding) goes to the back, and a CPU that needs
 * a thread takes the first one it may run (Thread::cpu_mask: a pinned
 * thread waits for its CPU, and the others pass it); when there is none,
 * the CPU runs its idle thread. Threads are linked through
 * Thread::next_ready, so queueing never allocates: it happens in the timer
 * interrupt too.
 *
 * Invariants, with the scheduler lock held (sched/scheduler.cpp holds it
 * for every call):
 *   - a thread is queued at most once: push() panics on a thread already
 *     in the queue (a second push would link it to itself, and the next
 *     take() would hand the same thread to two CPUs);
 *   - every queued thread is Ready, and a taken one has no link left;
 *   - the head is null exactly when the tail is;
 *   - a CPU is in the idle set only between idling() and the moment it
 *     is claimed (and kicked) or finds a thread itself: two threads that
 *     become ready one after the other wake two CPUs, not one twice.
 *
 * It touches no hardware, so tests/test_run_queue.cpp runs it on the host.
 */
#pragma once

#include <bit>
#include <cstdint>

#include "kernel/panic.h"
#include "sched/thread.h"

/// May CPU @p cpu run @p t? (Thread::cpu_mask has a bit per CPU.)
inline bool may_run_on(const Thread& t, int cpu) { return (t.cpu_mask >> cpu) & 1; }

/// The Ready threads, oldest first, shared by every CPU. Used only with the scheduler lock held.
class RunQueue {
public:
    /// Queue @p t at the back, Ready.
    void push(Thread* t) {
        // Queued means linked to a next thread, or being the last one.
        if (t->next_ready || t == m_tail) panic("thread {} queued twice", t->tid);
        t->state = ThreadState::Ready;
        if (m_tail) m_tail->next_ready = t;
        else m_head = t;
        m_tail = t;
    }

    /// The first queued thread CPU @p cpu may run, taken off the queue;
    /// nullptr if there is none. The threads it passes keep their order.
    Thread* take(int cpu) {
        Thread* prev = nullptr;
        for (Thread* t = m_head; t; prev = t, t = t->next_ready) {
            if (!may_run_on(*t, cpu)) continue;
            (prev ? prev->next_ready : m_head) = t->next_ready;
            if (m_tail == t) m_tail = prev;
            t->next_ready = nullptr;
            return t;
        }
        return nullptr;
    }

    /// Is a thread CPU @p cpu may run queued?
    [[nodiscard]] bool has_for(int cpu) const {
        for (const Thread* t = m_head; t; t = t->next_ready)
            if (may_run_on(*t, cpu)) return true;
        return false;
    }

    /// CPU @p cpu is about to halt in its idle loop: a thread that becomes
    /// ready may claim it (claim_idle_cpu_for).
    void idling(int cpu) { m_idle_cpus |= uint64_t{1} << cpu; }
    /// CPU @p cpu found a thread itself: no need to wake it.
    void busy(int cpu) { m_idle_cpus &= ~(uint64_t{1} << cpu); }

    /// A CPU halted in its idle loop that may run @p t, other than @p me
    /// (which looks at the queue itself before it halts again), taken out
    /// of the idle set for the caller to wake; -1 if there is none.
    int claim_idle_cpu_for(const Thread& t, int me) {
        const uint64_t candidates = m_idle_cpus & t.cpu_mask & ~(uint64_t{1} << me);
        if (!candidates) return -1;
        const int cpu = std::countr_zero(candidates);
        busy(cpu);  // claimed: the next ready thread wakes another
        return cpu;
    }

private:
    Thread* m_head = nullptr;  // the oldest
    Thread* m_tail = nullptr;  // queued last
    uint64_t m_idle_cpus = 0;  // CPUs halted in their idle loop that nobody has claimed (a bit each)
};
