/**
 * @file chapters/10-smp/uring/sqpoll.h
 * @brief SqPoller: the kernel thread of an IORING_SETUP_SQPOLL ring, which
 * takes the program's SQEs as they appear, so the program submits I/O
 * without a system call.
 *
 * The poller runs in the program's address space (its requests name the
 * program's buffers and descriptors) and counts as one of its threads.
 * While there is work it submits; after sq_thread_idle milliseconds with
 * none, it sets IORING_SQ_NEED_WAKEUP in the SQ flags and sleeps, and the
 * program must then wake it with io_uring_enter(IORING_ENTER_SQ_WAKEUP).
 * As on Linux its idle timer starts expired: a new poller sleeps at once,
 * and the program's first submission wakes it.
 *
 * The hand-off is a classic race, closed by two full barriers:
 *
 *     poller                              program
 *     set NEED_WAKEUP                     store the SQ tail
 *     full barrier                        full barrier
 *     read the SQ tail: empty? sleep      read the flags: NEED_WAKEUP? enter(SQ_WAKEUP)
 *
 * Without them each side's store can sit in its CPU's store buffer while
 * it reads the other's old value: the poller sees no new SQE and sleeps,
 * the program sees no flag and does not wake it - an SQE is left waiting
 * forever. With them, at least one side sees the other's store.
 *
 * The thread ends when its ring is released (stop()) or its program ends;
 * either way it sets NEED_WAKEUP as it goes, as Linux does, so a program
 * that looks calls io_uring_enter and learns (EOWNERDEAD) that it is gone.
 * The requests it had taken and parked are cancelled with the ring.
 *
 * (Chapter 10: IORING_SETUP_SQ_AFF pins the thread to one CPU, which it
 * then has to itself as long as nothing else is pinned there; each round
 * checks where it runs, and the thread's last words say.)
 */
#pragma once

#include <cstdint>

#include "common/result.h"
#include "sched/wait.h"
#include "uring/engine.h"

struct Process;

/// The poller of one ring.
class SqPoller {
public:
    /// Start the thread for @p ring of @p process, named iou-sqp-TID after
    /// the thread that asks (as Linux). It sleeps after @p idle_ms
    /// milliseconds without work (0: 1000), and wakes the threads on
    /// @p completions when it posts CQEs. Only CPU @p cpu runs it (an
    /// online CPU: IORING_SETUP_SQ_AFF), or any CPU if @p cpu is -1.
    Result<void> start(uring::Ring& ring, Process& process, uint32_t idle_ms, WaitQueue& completions, int cpu = -1);

    /// True once started, until the thread has exited.
    [[nodiscard]] bool running() const { return m_running; }

    /// IORING_ENTER_SQ_WAKEUP: wake the thread if it sleeps.
    void wake();

    /// IORING_ENTER_SQ_WAIT: sleep until the SQ has room for an SQE. A full
    /// SQ that the thread cannot take from (no room for a CQE, every request
    /// in flight) never drains by itself: then Errno::Busy or Errno::Again
    /// at once, what a submission would answer.
    Result<void> wait_for_room();

    /// The ring is going away: stop the thread and wait until it has gone.
    /// A thread asleep inside a request (a WRITE to a full pipe) is woken,
    /// and that request ends with EINTR, as at the program's exit.
    void stop();

private:
    static void main(void* self);
    void run();
    void sleep_until_woken();
    [[nodiscard]] bool told_to_stop() const;
    [[nodiscard]] uint32_t queued() const;

    uring::Ring* m_ring = nullptr;
    Process* m_process = nullptr;
    Thread* m_thread = nullptr;  // valid while m_running
    WaitQueue* m_completions = nullptr;
    uint64_t m_idle_ms = 0;
    char m_name[16] = {};     // iou-sqp-TID, for the log
    int m_cpu = -1;           // the CPU it is pinned to, or -1
    uint64_t m_rounds = 0;    // rounds of its loop, and of them...
    uint64_t m_elsewhere = 0; // ...those it ran on another CPU than m_cpu (a broken pin)
    bool m_running = false;   // the thread exists
    bool m_stopping = false;  // stop() asked it to go
    bool m_woken = false;     // wake() came since the thread last got ready to sleep
    WaitQueue m_room;         // programs waiting for SQ room (SQ_WAIT)
    WaitQueue m_gone;         // stop() waiting for the thread to exit
};
