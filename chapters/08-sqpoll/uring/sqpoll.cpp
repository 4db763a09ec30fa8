/**
 * @file chapters/08-sqpoll/uring/sqpoll.cpp
 * @brief The SQPOLL thread's loop, and how the program's side reaches it.
 *
 * On one CPU the poller and the program take turns: the poller yields
 * after each round, so the program runs until its time slice ends or it
 * waits (io_uring_enter with GETEVENTS), and the poller then submits
 * whatever the program queued meanwhile. A poller that keeps finding work
 * keeps the CPU busy for nothing else: that is SQPOLL's price, which
 * chapter 10 pays with a CPU of the poller's own.
 */
#include "uring/sqpoll.h"

#include <atomic>

#include "arch/percpu.h"
#include "common/format.h"
#include "kernel/console.h"
#include "proc/process.h"

namespace {
namespace ring_abi = abi::io_uring;
constexpr uint64_t kDefaultIdleMs = 1000;  // sq_thread_idle 0 means one second, as Linux
}  // namespace

Result<void> SqPoller::start(uring::Ring& ring, Process& process, uint32_t idle_ms, WaitQueue& completions) {
    m_ring = &ring;
    m_process = &process;
    m_completions = &completions;
    m_idle_ms = idle_ms ? idle_ms : kDefaultIdleMs;
    char name[16];
    format_to(name, sizeof name, "iou-sqp-{}", process.pid);
    Thread* t = TRY(spawn_kernel_thread(name, main, this));
    m_thread = t;
    // It joins the program now, before it can run (the kernel is not
    // preempted): from here the program cannot end, and its address space
    // go, without it. Its first switch loads the program's page tables.
    {
        IrqLock guard(sched_lock());
        t->process = &process;
        process_thread_added(process, t);
        ++process.helper_threads;
    }
    m_running = true;
    kprint("[io_uring] SQPOLL thread {} started, sleeping after {} ms without work\n", name, m_idle_ms);
    return {};
}

void SqPoller::main(void* self) { static_cast<SqPoller*>(self)->run(); }

// The kernel's own count, never the shared SQ head: the program may write anything there.
uint32_t SqPoller::queued() const { return m_ring->sq_queued(); }

void SqPoller::run() {
    uint32_t& flags = m_ring->header()->sq_flags;
    uint64_t last_work = now_ms();
    while (!m_stopping && !m_process->exiting) {
        if (const uint32_t n = queued()) {
            if (m_ring->submit(n)) {  // Errno::Busy or Again: no room for CQEs or requests yet
                m_completions->wake_all();
                last_work = now_ms();
            }
            m_room.wake_all();  // room now, or an SQ_WAIT that must hear it will not come
            yield();  // one CPU: the program gets its turn
            continue;
        }
        if (now_ms() - last_work < m_idle_ms) {
            yield();
            continue;
        }
        // Idle: announce the sleep, then look once more (see sqpoll.h). The
        // locked `or` is a full barrier on x86, the fence says so in C++.
        std::atomic_ref<uint32_t>(flags).fetch_or(ring_abi::kSqNeedWakeup, std::memory_order_seq_cst);
        std::atomic_thread_fence(std::memory_order_seq_cst);
        if (queued() == 0)
            (void)m_process->helpers_wait.wait([&] { return m_woken || m_stopping || m_process->exiting; });
        std::atomic_ref<uint32_t>(flags).fetch_and(~ring_abi::kSqNeedWakeup, std::memory_order_seq_cst);
        m_woken = false;
        last_work = now_ms();
    }
    {
        IrqLock guard(sched_lock());
        --m_process->helper_threads;
        m_running = false;
    }
    m_gone.wake_all();
    m_room.wake_all();
    exit_current_thread();
}

void SqPoller::wake() {
    m_woken = true;
    m_process->helpers_wait.wake_all();
}

Result<void> SqPoller::wait_for_room() {
    // Full is exactly sq_entries queued, as Linux's io_sqring_full: a garbage tail is no reason to wait.
    const auto full = [&] { return m_running && queued() == m_ring->layout().sq_entries; };
    TRY(m_room.wait([&] { return !full() || !m_ring->can_submit(); }));
    if (full()) return m_ring->can_submit();  // stuck: the program must reap, or data arrive
    return {};
}

void SqPoller::stop() {
    {
        IrqLock guard(sched_lock());
        m_stopping = true;
        if (m_running) {  // asleep in a request, or about to sleep on helpers_wait: its wait ends
            m_thread->interrupted = true;
            if (m_thread->waiting_on) m_thread->waiting_on->wake_all_locked();
        }
    }
    m_process->helpers_wait.wake_all();
    // Not interruptible: the ring's memory must outlive the thread that uses it.
    while (m_running)
        if (!m_gone.wait([&] { return !m_running; })) yield();
}
