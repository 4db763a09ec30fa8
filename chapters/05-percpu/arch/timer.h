/**
 * @file chapters/05-percpu/arch/timer.h
 * @brief The PIT at 100 Hz on IRQ 0: interrupts that arrive whether the CPU
 * is in user or kernel mode, so both entry paths get exercised.
 */
#pragma once

#include <cstdint>

#include "arch/trap_frame.h"

/// Vector of IRQ 0 after pic_init's remapping.
inline constexpr uint64_t kTimerVector = 32;

/// Ticks counted so far, split by the ring they interrupted.
struct TimerTicks {
    uint64_t user;    ///< the timer interrupted ring 3
    uint64_t kernel;  ///< the timer interrupted ring 0
};

/// Program PIT channel 0 and unmask IRQ 0 (interrupts stay off until sti).
void timer_init();

/// Handle one tick (from trap_dispatch).
void timer_interrupt(const TrapFrame& frame);

/// The counts so far.
TimerTicks timer_ticks();

/// Enable interrupts and halt until a tick arrives in kernel mode.
void timer_wait_for_kernel_tick();
