/**
 * @file chapters/02-traps/arch/idt.h
 * @brief The interrupt descriptor table: which code runs for each vector.
 */
#pragma once

#include <cstdint>

#include "arch/gdt.h"

/// Vectors with a stub in arch/trap_entry.S: the 32 exceptions and 16 IRQs.
inline constexpr int kTrapStubs = 48;
/// Where the legacy PIC's IRQ 0-15 are remapped (clear of the exceptions).
inline constexpr int kIrqBase = 32;

/// Fill the IDT with the stubs (interrupt gates, ring 0 only) and load it.
void idt_init();

/// Let ring 3 raise @p vector with `int n` (e.g. int3 as a breakpoint).
void idt_allow_user(int vector);
