/**
 * @file chapters/10-smp/arch/fpu.h
 * @brief The x87/SSE registers of a user thread, saved while it does not run.
 *
 * The kernel itself never touches these registers (it is compiled with
 * -mgeneral-regs-only), so they hold the running user thread's values from
 * the moment it enters the kernel to the moment it leaves. A thread switch
 * must keep them: `fxsave` writes all of them (x87 stack, XMM0-15, MXCSR)
 * into 512 bytes, `fxrstor` loads them back. Chapter 07 switched threads
 * without them, and two threads of a program could see each other's
 * values after a preemption; with several CPUs, a thread that resumes on
 * another CPU would find that CPU's values, which is what made this
 * chapter's stress test fail.
 */
#pragma once

#include <cstdint>

/// The area `fxsave` writes (Intel SDM vol. 1, "FXSAVE"): 512 bytes, 16-byte aligned.
struct alignas(16) FpuState {
    uint8_t bytes[512];  ///< FCW at 0, MXCSR at 24, the x87 and XMM registers from 32
};
static_assert(sizeof(FpuState) == 512);

/// Save this CPU's x87/SSE registers in @p state.
inline void fpu_save(FpuState& state) { asm volatile("fxsave64 %0" : "=m"(state)); }

/// Load this CPU's x87/SSE registers from @p state.
inline void fpu_restore(const FpuState& state) { asm volatile("fxrstor64 %0" ::"m"(state)); }

/// The registers as a program finds them at its start (as after `fninit`,
/// with every SSE exception masked): FCW 0x037f, MXCSR 0x1f80, all else 0.
inline void fpu_init(FpuState& state) {
    for (uint8_t& b : state.bytes) b = 0;
    state.bytes[0] = 0x7f;  // FCW = 0x037f
    state.bytes[1] = 0x03;
    state.bytes[24] = 0x80;  // MXCSR = 0x1f80
    state.bytes[25] = 0x1f;
}
