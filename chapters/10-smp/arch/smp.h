/**
 * @file chapters/10-smp/arch/smp.h
 * @brief The other processors: finding them, starting them, and asking
 * them to do something (inter-processor interrupts).
 *
 * CPU 0 (the bootstrap processor, the one the firmware started) reads the
 * MADT, switches its local APIC on, and starts each other processor the
 * table lists with INIT, a 10 ms wait, and two start-up IPIs 200 us apart
 * (Intel SDM vol. 3, "Typical BSP Initialization Sequence" in
 * the chapter "Multiple-Processor Management"). Each one comes up in real mode in
 * arch/trampoline.S, reaches ap_main() in long mode, sets itself up as
 * CPU 0 did (per-CPU block, GDT and TSS, IDT, syscall MSRs, APIC, timer),
 * says so, and runs the scheduler's idle loop until there is work.
 *
 * CPUs are numbered 0, 1, ... in the order they were started (the index
 * of their per-CPU block); an IPI goes to an APIC ID, which each block
 * records.
 */
#pragma once

#include <cstdint>

/// Read the MADT and switch on CPU 0's local APIC (before timer_init()).
/// Without a usable MADT the kernel stops: this chapter needs the APIC.
void smp_init();

/// Start every other processor the MADT lists (after timer_init()); each
/// has reported when this returns. Returns how many CPUs run.
int smp_start_others();

/// The CPUs running, one bit per CPU number.
uint64_t cpus_online();

/// How many CPUs run.
int cpu_count();

/// Wake CPU @p cpu if it sleeps in its idle loop (a reschedule IPI).
void smp_kick(int cpu);

/// Run @p fn(@p arg) on each CPU of @p cpus (a bit per CPU; this CPU's bit
/// is ignored) and return once every one has. @p fn runs in an interrupt
/// handler, or in a loop waiting for the call slot, so it must take no
/// lock and not sleep.
void smp_call(uint64_t cpus, void (*fn)(void*), void* arg);

/// The handler of kCallVector (arch/trap.cpp).
void smp_call_interrupt();

/// The handler of kReschedVector (arch/trap.cpp).
void smp_resched_interrupt();

/// Where an application processor arrives from the trampoline, on its idle
/// thread's stack, in the kernel's page tables (arch/trampoline.S).
extern "C" [[noreturn]] void ap_main(uint64_t cpu);
