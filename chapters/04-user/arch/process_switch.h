/**
 * @file chapters/04-user/arch/process_switch.h
 * @brief The CPU state that follows the running process: which kernel stack
 * a syscall or interrupt lands on, and the user's FS and GS bases.
 *
 * Kept apart from proc/ because this is exactly what chapter 05 changes:
 * here the kernel stack lives in a global and the user GS base sits in
 * IA32_GS_BASE; there, both move into the per-CPU block and KERNEL_GS_BASE.
 */
#pragma once

#include <cstdint>

struct Process;

/// The top of the kernel stack the running process's syscalls and
/// interrupts land on (its first TrapFrame is built just below it).
uint64_t arch_kernel_stack_top();

/// Point the syscall entry and TSS.rsp0 at that stack and load the
/// process's FS and GS bases.
void arch_enter_process(Process* process);

/// Forget the process (its stack is about to be reused).
void arch_leave_process();

/// The user's GS base, as arch_prctl(ARCH_GET_GS) reports it.
uint64_t user_gs_base();

/// Change the user's GS base (arch_prctl(ARCH_SET_GS)).
void set_user_gs_base(uint64_t value);
