/**
 * @file chapters/10-smp/sync/spinlock.h
 * @brief SpinLock and IrqLock: mutual exclusion for kernel data that
 * interrupt handlers and other CPUs also touch. (Chapter 10's version:
 * now the spin really spins, and a CPU that waits still takes interrupts.)
 *
 * A thread may be interrupted at any instruction, and the interrupt handler
 * (the timer waking a sleeper, the UART delivering a byte) may change the
 * same run queue or wait queue the thread was changing; another CPU may be
 * changing it at the same moment. So such data is touched only with
 * interrupts off on this CPU and the lock held against the others: an
 * IrqLock guard does both, and undoes both when it goes out of scope,
 * restoring the interrupt flag it found.
 *
 * Waiting for a lock is different from holding it: a CPU that waits keeps
 * interrupts as they were before the guard, and turns them off only for
 * each attempt to take the lock. A CPU that holds a lock may be waiting for
 * another CPU to answer an inter-processor interrupt (a TLB shootdown,
 * mm/tlb.h); if that other CPU were spinning on a lock with interrupts off,
 * neither would ever go on.
 *
 * Rules the kernel keeps (checked where it can be):
 *   - a lock is held only with interrupts off (an IrqLock), so no handler on
 *     this CPU can spin on a lock its own CPU holds;
 *   - a CPU never takes a lock it already holds: lock() panics, naming it,
 *     instead of spinning for ever;
 *   - no lock is held across a context switch: schedule() asserts that this
 *     CPU holds none (PerCpu::locks_held).
 */
#pragma once

#include <atomic>
#include <cstdint>

#include "arch/percpu.h"
#include "kernel/panic.h"
#include "kernel/x86.h"

/// A test-and-set spin lock that knows which CPU holds it. Use it through IrqLock.
class SpinLock {
public:
    /// Take the lock if it is free (interrupts must be off). True if taken.
    bool try_lock() {
        const uint64_t me = this_cpu_id();
        if (m_owner.load(std::memory_order_relaxed) == me + 1)
            panic("a CPU took a spin lock it already holds (CPU {}, lock at {})", me, static_cast<void*>(this));
        if (m_held.exchange(true, std::memory_order_acquire)) return false;
        m_owner.store(me + 1, std::memory_order_relaxed);
        percpu_write<PERCPU_LOCKS_HELD>(percpu_read<PERCPU_LOCKS_HELD>() + 1);
        return true;
    }
    /// True while some CPU holds it (a hint: it may change at once).
    [[nodiscard]] bool is_locked() const { return m_held.load(std::memory_order_relaxed); }
    /// Let the next one in.
    void unlock() {
        percpu_write<PERCPU_LOCKS_HELD>(percpu_read<PERCPU_LOCKS_HELD>() - 1);
        m_owner.store(0, std::memory_order_relaxed);
        m_held.store(false, std::memory_order_release);
    }

private:
    std::atomic<bool> m_held{false};
    std::atomic<uint64_t> m_owner{0};  // the holder's CPU id + 1; 0: nobody (for the check above)
};

/// Interrupts off and @p lock held for the guard's lifetime.
class IrqLock {
public:
    /// Save the interrupt flag, then take the lock with interrupts off,
    /// waiting (between attempts) with the flag as it was.
    explicit IrqLock(SpinLock& lock) : m_lock(lock), m_interrupts_were_on(read_rflags() & kRflagsIf) {
        for (;;) {
            cli();
            if (m_lock.try_lock()) return;
            if (m_interrupts_were_on) sti();
            // Read, not exchange, while it is held: the cache line stays
            // shared instead of bouncing between the waiting CPUs.
            while (m_lock.is_locked()) cpu_relax();
        }
    }
    /// Release the lock, then give back the interrupt flag as it was.
    ~IrqLock() {
        if (!m_released) m_lock.unlock();
        if (m_interrupts_were_on) sti();
    }
    IrqLock(const IrqLock&) = delete;
    IrqLock& operator=(const IrqLock&) = delete;

    /// Release the lock early, keeping interrupts off (for schedule(), which
    /// must not switch threads with a lock held). The destructor then only
    /// restores the interrupt flag.
    void release_keeping_interrupts_off() {
        m_lock.unlock();
        m_released = true;
    }

private:
    static constexpr uint64_t kRflagsIf = 1u << 9;
    SpinLock& m_lock;
    bool m_interrupts_were_on;
    bool m_released = false;
};
