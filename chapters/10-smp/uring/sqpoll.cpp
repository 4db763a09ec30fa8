/**
 * @file chapters/10-smp/uring/sqpoll.cpp
 * @brief The SQPOLL thread's loop, and how the program's side reaches it.
 *
 * The loop is Linux's io_sq_thread() for one ring: submit what is queued;
 * while there was work, or the idle time has not run out, go round again;
 * then announce the sleep (NEED_WAKEUP), look once more, and sleep.
 *
 * On one CPU the poller and the program take turns: the poller yields
 * after each round, so the program runs until its time slice ends or it
 * waits (io_uring_enter with GETEVENTS), and the poller then submits
 * whatever the program queued meanwhile. A poller that keeps finding work
 * keeps the CPU busy for nothing else: that is SQPOLL's price, which
 * chapter 10 pays with a CPU of the poller's own.
 *
 * (Chapter 10: with a CPU to itself, the poller's yield finds nobody
 * waiting and it spins, as Linux's does. Its end can no longer count on
 * the kernel not being preempted: see the end of run().)
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

void set_need_wakeup(uint32_t& flags) {
    // A locked `or` on x86: also the full barrier the sleep needs.
    std::atomic_ref<uint32_t>(flags).fetch_or(ring_abi::kSqNeedWakeup, std::memory_order_seq_cst);
}
}  // namespace

Result<void> SqPoller::start(uring::Ring& ring, Process& process, uint32_t idle_ms, WaitQueue& completions,
                             int cpu) {
    m_ring = &ring;
    m_cpu = cpu;
    m_process = &process;
    m_completions = &completions;
    m_idle_ms = idle_ms ? idle_ms : kDefaultIdleMs;
    format_to(m_name, sizeof m_name, "iou-sqp-{}", current_thread()->tid);
    // It joins the program before it can run (chapter 08 joined it just
    // after, which another CPU could see: it would run without the
    // program's page tables). m_running first: it may end at once.
    m_running = true;
    const Result<Thread*> t = spawn_kernel_thread(m_name, main, this, cpu, &process);
    if (!t) {
        m_running = false;
        return Err(t.error());
    }
    m_thread = *t;
    kprint("[io_uring] SQPOLL thread {} (tid {}) started; it sleeps after {} ms without work\n", m_name, (*t)->tid,
           m_idle_ms);
    if (cpu >= 0) kprint("[io_uring] SQPOLL thread {} is pinned to CPU {} (IORING_SETUP_SQ_AFF)\n", m_name, cpu);
    return {};
}

void SqPoller::main(void* self) { static_cast<SqPoller*>(self)->run(); }

bool SqPoller::told_to_stop() const { return m_stopping || m_process->exiting; }

// The kernel's own count, never the shared SQ head: the program may write anything there.
uint32_t SqPoller::queued() const { return m_ring->sq_queued(); }

void SqPoller::run() {
    // As Linux: the idle deadline starts in the past, so a poller with
    // nothing queued sleeps at once, and the first submission wakes it.
    uint64_t idle_at = 0;
    while (!told_to_stop()) {
        // Where this round runs: a pinned thread must always be on its CPU.
        ++m_rounds;
        if (m_cpu >= 0 && this_cpu_id() != static_cast<uint64_t>(m_cpu)) ++m_elsewhere;
        bool worked = false;
        if (const uint32_t n = queued()) {
            // Errno::Busy or Again: no room for the CQEs or requests yet; look again next round.
            const Result<uint32_t> taken = m_ring->submit(n);
            worked = taken && *taken > 0;
            if (worked) m_completions->wake_all();
            // An SQ_WAIT looks again after every try: slots may have gone
            // (taken, or dropped), or the poller found it cannot take any.
            m_room.wake_all();
        }
        if (worked) idle_at = now_ms() + m_idle_ms;
        if (worked || now_ms() < idle_at) {
            yield();  // one CPU: the program gets its turn
            continue;
        }
        sleep_until_woken();
        idle_at = now_ms() + m_idle_ms;
    }
    // As Linux: the flag stays set, so a program that looks enters, and
    // hears EOWNERDEAD. The requests taken are cancelled with the ring.
    set_need_wakeup(m_ring->header()->sq_flags);
    kprint("[io_uring] SQPOLL thread {} ends: {}\n", m_name,
           m_stopping ? "its ring was released" : "its program has ended");
    if (m_cpu >= 0 && m_elsewhere == 0)
        kprint("[io_uring] SQPOLL thread {} ran all its {} rounds on CPU {}\n", m_name, m_rounds, m_cpu);
    else if (m_cpu >= 0)
        kprint("[io_uring] SQPOLL thread {} ran {} of its {} rounds off CPU {}, its pin\n", m_name, m_elsewhere,
               m_rounds, m_cpu);
    // Chapter 08 woke the waiters after this block, counting on them to run
    // only once this thread had switched away for good. On two CPUs, stop()'s
    // caller runs at once, may see m_running false and free the ring - and
    // `this` inside it - while the wake-ups still read it (fuzz-syscalls
    // found it: a #GP in WaitQueue::wake_all on freed memory). So all of it
    // happens under the scheduler's lock, which stop() must take to see
    // m_running false, and `this` is not touched once the lock is let go.
    {
        IrqLock guard(sched_lock());
        --m_process->helper_threads;
        m_gone.wake_all_locked();
        m_room.wake_all_locked();
        m_running = false;
    }
    exit_current_thread();
}

void SqPoller::sleep_until_woken() {
    uint32_t& flags = m_ring->header()->sq_flags;
    // Forget older wake-ups first: from here on one is not missed (Linux's
    // prepare_to_wait). Then announce the sleep and look once more (see
    // sqpoll.h); the fence is the full barrier in C++'s terms, which the
    // locked `or` already is on x86.
    m_woken = false;
    set_need_wakeup(flags);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (queued() == 0)
        (void)m_process->helpers_wait.wait([&] { return m_woken || told_to_stop(); });
    std::atomic_ref<uint32_t>(flags).fetch_and(~ring_abi::kSqNeedWakeup, std::memory_order_seq_cst);
}

void SqPoller::wake() {
    // The store comes before wake_all() takes the scheduler lock, and the
    // sleeper tests m_woken under that lock: it sees it, or is woken.
    m_woken = true;
    m_process->helpers_wait.wake_all();
}

Result<void> SqPoller::wait_for_room() {
    // Linux's io_sqring_full: exactly sq_entries queued, counted from the
    // kernel's own head. A tail the program scribbled on is not "full", so it
    // cannot make this wait forever; nor can a full SQ the poller cannot take
    // from (see sqpoll.h).
    const auto full = [&] { return m_running && queued() == m_ring->layout().sq_entries; };
    TRY(m_room.wait([&] { return !full() || !m_ring->can_submit(); }));
    if (full()) return m_ring->can_submit();  // stuck: the program must reap, or data arrive
    return {};
}

void SqPoller::stop() {
    {
        IrqLock guard(sched_lock());
        if (!m_running) return;  // it ended with its program
        m_stopping = true;
        // Asleep in a request (a WRITE to a full pipe) or on helpers_wait: its wait ends.
        m_thread->interrupted = true;
        if (m_thread->waiting_on) m_thread->waiting_on->wake_all_locked();
    }
    m_process->helpers_wait.wake_all();
    // Not interruptible: the ring's memory must outlive the thread that uses it.
    while (m_running)
        if (!m_gone.wait([&] { return !m_running; })) yield();
}
