/**
 * @file chapters/07-threads/arch/fpu.h
 * @brief The user's x87 and SSE registers, saved and loaded with FXSAVE and
 * FXRSTOR (512 bytes: abi::FxState).
 *
 * The kernel never uses them itself (-mgeneral-regs-only), so while the
 * kernel runs they still hold the state of the last program thread that
 * ran. Two things must move that state: a switch to another program thread
 * (arch/process_switch.cpp), and a signal handler, which starts with a clean
 * state and gets the interrupted one back from its frame (proc/signal.cpp).
 * The kernel does not turn on XSAVE (CR4.OSXSAVE), so there are no AVX
 * registers to keep: FXSAVE's area is all of it, as programs see from
 * CPUID, which then reports no AVX.
 */
#pragma once

#include <cstdint>

#include "common/abi/signal.h"

/// Store this CPU's x87/SSE registers in @p to.
inline void fpu_save(abi::FxState& to) { asm volatile("fxsave64 %0" : "=m"(to)); }

/// Load them from @p from. Its MXCSR must have no bit outside fpu_mxcsr_mask():
/// FXRSTOR faults (#GP) on one.
inline void fpu_load(const abi::FxState& from) { asm volatile("fxrstor64 %0" : : "m"(from)); }

/// The state a program starts with, as after FNINIT and a reset of MXCSR:
/// every exception masked, round to nearest, registers empty.
inline constexpr abi::FxState kFpuInitial = [] {
    abi::FxState s{};
    s.cwd = 0x37f;
    s.mxcsr = 0x1f80;
    return s;
}();

/// The MXCSR bits this CPU has (FXSAVE reports them; 0 means the original 0xffbf).
inline uint32_t fpu_mxcsr_mask() {
    abi::FxState s;
    fpu_save(s);
    return s.mxcsr_mask ? s.mxcsr_mask : 0xffbf;
}
