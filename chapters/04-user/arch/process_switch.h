/**
 * @file chapters/04-user/arch/process_switch.h
 * @brief The CPU state that follows the running process: which kernel stack
 * a syscall or interrupt lands on, and the user's FS and GS bases.
 *
 * Kept apart from proc/ because this is exactly what chapter 05 changes:
 * here the running process and its kernel stack live in globals and the
 * user GS base sits in IA32_GS_BASE; there, the process and the stack move
 * into the per-CPU block, and the user's GS base into KERNEL_GS_BASE.
 */
#pragma once

#include <cstdint>

struct Process;

/// The top of the kernel stack the running process's syscalls and
/// interrupts land on (its first TrapFrame is built just below it).
uint64_t arch_kernel_stack_top();

/// Make @p process the running one (current_process()), point the syscall
/// entry and TSS.rsp0 at its kernel stack; it starts with FS and GS bases of 0.
void arch_enter_process(Process* process);

/// Forget the process (its stack is about to be reused).
void arch_leave_process();

/// The running process (nullptr between processes).
Process* current_process();

/// The user's FS base, as arch_prctl(ARCH_GET_FS) reports it: read from
/// the CPU, where the program may also have changed it.
uint64_t user_fs_base();

/// Change the user's FS base (arch_prctl(ARCH_SET_FS)).
void set_user_fs_base(uint64_t value);

/// The user's GS base, as arch_prctl(ARCH_GET_GS) reports it.
uint64_t user_gs_base();

/// Change the user's GS base (arch_prctl(ARCH_SET_GS)).
void set_user_gs_base(uint64_t value);
