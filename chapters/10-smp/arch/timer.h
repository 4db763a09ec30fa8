/**
 * @file chapters/10-smp/arch/timer.h
 * @brief Each CPU's local APIC timer at 1000 Hz: the scheduler's tick and
 * the clocks; the time-stamp counter's rate for the CPU-time clocks.
 * (Chapter 10's version: the PIT, which interrupts one CPU only, now just
 * measures the APIC timer's and the TSC's speed and times short waits.)
 */
#pragma once

#include <cstdint>

#include "arch/trap_frame.h"

/// Vector of the local APIC timer (arch/lapic.h).
inline constexpr uint64_t kTimerVector = 48;

/// Ticks counted so far on every CPU, split by the ring they interrupted.
struct TimerTicks {
    uint64_t user;    ///< the timer interrupted ring 3
    uint64_t kernel;  ///< the timer interrupted ring 0
};

/// Read the CMOS clock, time the local APIC timer and the TSC against the
/// PIT, start the timer on this CPU (CPU 0).
void timer_init();

/// Start this CPU's timer at the rate timer_init() measured (another CPU).
void timer_start_cpu();

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

/// Busy-wait @p us microseconds, timed by the PIT (no interrupt needed).
void pit_delay_us(uint32_t us);
