/**
 * @file chapters/02-traps/arch/trap.h
 * @brief What happens after arch/trap_entry.S has saved a TrapFrame.
 */
#pragma once

#include "arch/trap_frame.h"

/// Exception vectors (Intel SDM vol. 3, table 6-1) used by name.
enum Vector : uint64_t {
    kDivideError = 0,
    kDebug = 1,
    kNmi = 2,
    kBreakpoint = 3,
    kInvalidOpcode = 6,
    kDoubleFault = 8,
    kGeneralProtection = 13,
    kPageFault = 14,
};

/// Called by trap_common for every interrupt and exception.
extern "C" void trap_dispatch(TrapFrame* frame);

/// Mnemonic and name of an exception vector: "#PF Page fault".
const char* vector_name(uint64_t vector);

/// Print every register of @p frame, with the symbol of RIP.
void dump_frame(const TrapFrame& frame);

/// Fault in the kernel if the `fault=` option asked for it (arch/fault_option.cpp).
void fault_if_asked();

/// A trap no policy claimed: resume after a breakpoint, otherwise dump the
/// registers and panic (returns only for the breakpoint).
void kernel_trap(const TrapFrame& frame);
