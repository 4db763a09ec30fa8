/**
 * @file chapters/10-smp/arch/idt.h
 * @brief The interrupt descriptor table: which code runs for each vector.
 * (Chapter 10: all 256 vectors have a stub, for the local APIC's timer,
 * the inter-processor interrupts and its spurious vector; every CPU loads
 * the same table.)
 */
#pragma once

#include <cstdint>

#include "arch/gdt.h"

/// Vectors with a stub in arch/trap_stubs.S: every one.
inline constexpr int kTrapStubs = 256;
/// Where the legacy PIC's IRQ 0-15 are remapped (clear of the exceptions).
inline constexpr int kIrqBase = 32;

/// Fill the IDT with the stubs (interrupt gates, ring 0 only) and load it.
void idt_init();

/// Load the IDT idt_init() filled on this CPU (an application processor).
void idt_load();

/// Let ring 3 raise @p vector with `int n` (e.g. int3 as a breakpoint).
void idt_allow_user(int vector);
