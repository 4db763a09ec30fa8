/**
 * @file chapters/07-threads/sync/spinlock.h
 * @brief SpinLock and IrqLock: mutual exclusion for kernel data that
 * interrupt handlers or (from chapter 10) other CPUs also touch.
 *
 * A thread may be interrupted at any instruction, and the interrupt handler
 * (the timer waking a sleeper, the UART delivering a byte) may change the
 * same run queue or wait queue the thread was changing. So such data is
 * touched only with interrupts off on this CPU and, for the other CPUs, a
 * spin lock held: an IrqLock guard does both, and undoes both when it goes
 * out of scope, restoring the interrupt flag it found. On one CPU the spin
 * never spins; the code is already right for several.
 *
 * Rules the kernel keeps (checked where it can be):
 *   - a lock is held only with interrupts off (an IrqLock), so no handler on
 *     this CPU can spin on a lock its own CPU holds;
 *   - no lock is held across a context switch: schedule() asserts that this
 *     CPU holds none (PerCpu::locks_held).
 */
#pragma once

#include <atomic>
#include <cstdint>

#include "arch/percpu.h"
#include "kernel/x86.h"

/// A test-and-set spin lock. Use it through IrqLock.
class SpinLock {
public:
    /// Spin until the lock is ours.
    void lock() {
        while (m_held.exchange(true, std::memory_order_acquire)) cpu_relax();
        percpu_write<PERCPU_LOCKS_HELD>(percpu_read<PERCPU_LOCKS_HELD>() + 1);
    }
    /// Let the next one in.
    void unlock() {
        percpu_write<PERCPU_LOCKS_HELD>(percpu_read<PERCPU_LOCKS_HELD>() - 1);
        m_held.store(false, std::memory_order_release);
    }

private:
    std::atomic<bool> m_held{false};
};

/// Interrupts off and @p lock held for the guard's lifetime.
class IrqLock {
public:
    /// Save the interrupt flag, clear it, take the lock.
    explicit IrqLock(SpinLock& lock) : m_lock(lock), m_interrupts_were_on(read_rflags() & kRflagsIf) {
        cli();
        m_lock.lock();
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
