/**
 * @file chapters/07-threads/sched/run_queue.h
 * @brief The run queue: the Ready threads, first in, first out.
 *
 * Round robin needs nothing more than a FIFO: a thread that becomes ready
 * (new, woken, preempted, yielding) goes to the back, and a CPU that needs
 * a thread takes the front; when the queue is empty, it runs its idle
 * thread. Threads are linked through Thread::next_ready, so queueing never
 * allocates: it happens in the timer interrupt too.
 *
 * Invariants, with the scheduler lock held (sched/scheduler.cpp holds it
 * for every call):
 *   - a thread is queued at most once: push() panics on a thread already
 *     in the queue (a second push would link it to itself, and the next
 *     take() would hand the same thread to the CPU twice);
 *   - every queued thread is Ready, and a taken one has no link left;
 *   - the head is null exactly when the tail is.
 *
 * It touches no hardware, so tests/test_run_queue.cpp runs it on the host.
 */
#pragma once

#include "kernel/panic.h"
#include "sched/thread.h"

/// The Ready threads, oldest first. Used only with the scheduler lock held.
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

    /// The thread at the front, taken off the queue; nullptr if none is ready.
    Thread* take() {
        Thread* t = m_head;
        if (!t) return nullptr;
        m_head = t->next_ready;
        if (!m_head) m_tail = nullptr;
        t->next_ready = nullptr;
        return t;
    }

    /// Is no thread ready?
    [[nodiscard]] bool empty() const { return !m_head; }

private:
    Thread* m_head = nullptr;  // taken next
    Thread* m_tail = nullptr;  // queued last
};
