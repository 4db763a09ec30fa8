/**
 * @file chapters/08-sqpoll/arch/timer.h
 * @brief The PIT at 1000 Hz on IRQ 0: the scheduler's tick and the clocks.
 * (Chapter 07's version: ten times faster than chapter 05's, for a 1 ms clock.
 * Chapter 08's: and the time-stamp counter's rate, measured against it, for
 * the CPU-time clocks.)
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

/// Program PIT channel 0, read the CMOS clock, unmask IRQ 0, and measure
/// the TSC's rate against ten of its ticks (interrupts are on meanwhile).
void timer_init();

/// @p ticks of the time-stamp counter in nanoseconds, at the measured rate.
uint64_t tsc_to_ns(uint64_t ticks);

/// Handle one tick (from trap_dispatch): count it, tell the scheduler.
void timer_interrupt(const TrapFrame& frame);

/// The counts so far.
TimerTicks timer_ticks();

/// Enable interrupts and halt until a tick arrives in kernel mode.
void timer_wait_for_kernel_tick();

/// The wall-clock time at boot, in seconds since 1970 (from the CMOS clock).
int64_t boot_epoch_seconds();
