/**
 * @file chapters/10-smp/arch/lapic.h
 * @brief The local APIC: each CPU's own interrupt controller, through which
 * it receives its timer and interrupts from other CPUs, and sends them.
 *
 * Every CPU has one, at the same physical address (the MADT says where,
 * normally 0xfee00000); an access there reaches the APIC of the CPU that
 * makes it. Its registers are 32 bits wide, each 16-byte aligned. This
 * kernel uses it in xAPIC mode (memory-mapped, 8-bit APIC IDs), which QEMU
 * and Bochs both emulate.
 *
 * Vectors it delivers here (arch/idt.h has a stub for each):
 *
 *     48    kTimerVector      this CPU's periodic timer (arch/timer.h)
 *     240   kReschedVector    "look at the run queue": a thread became ready
 *     241   kCallVector       "run the function in the mailbox" (arch/smp.h)
 *     255   kSpuriousVector   an interrupt that went away: no handler, no EOI
 *
 * The legacy PIC's interrupts (COM1's IRQ 4) still reach CPU 0 through its
 * LINT0 pin, in "virtual wire" mode, as the BIOS left them.
 */
#pragma once

#include <cstdint>

#include "common/result.h"

inline constexpr uint8_t kReschedVector = 240;   ///< IPI: a thread is ready for this CPU
inline constexpr uint8_t kCallVector = 241;      ///< IPI: run the cross-call in this CPU's mailbox
inline constexpr uint8_t kSpuriousVector = 255;  ///< what the APIC delivers for an interrupt that vanished

/// Map the registers at @p phys (CPU 0, once). Errno::NoMem if they cannot be mapped.
Result<void> lapic_map(uint64_t phys);

/// Switch this CPU's APIC on: the spurious vector, its LINT pins (CPU 0
/// keeps the legacy PIC on LINT0), no priority filtering, errors cleared.
void lapic_init_cpu(bool boot_cpu);

/// This CPU's APIC ID, as the APIC reports it.
uint32_t lapic_id();

/// Tell this CPU's APIC the current interrupt is handled (not for the
/// spurious vector, nor for the legacy PIC's).
void lapic_eoi();

/// INIT to the CPU with APIC ID @p apic_id: it resets and waits for a SIPI.
void lapic_send_init(uint32_t apic_id);

/// Start-up IPI: the CPU starts in real mode at @p page * 4096.
void lapic_send_startup(uint32_t apic_id, uint8_t page);

/// A fixed interrupt with @p vector to the CPU with APIC ID @p apic_id.
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);

/// Start this CPU's timer: periodic, @p count ticks of the bus clock / 16
/// between interrupts, with vector @p vector.
void lapic_timer_start(uint32_t count, uint8_t vector);

/// Let the timer count down from the top, masked, for the caller to time it.
void lapic_timer_begin_count();

/// How far the timer has counted since lapic_timer_begin_count().
uint32_t lapic_timer_counted();
