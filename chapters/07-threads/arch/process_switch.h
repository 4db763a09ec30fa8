/**
 * @file chapters/07-threads/arch/process_switch.h
 * @brief The CPU state that follows the running thread: which kernel stack
 * a syscall or interrupt lands on, the user's FS and GS bases, the page
 * tables. (Chapter 07's version: per thread, switched by the scheduler.)
 */
#pragma once

#include <cstdint>

struct Process;
struct Thread;

/// Leave @p prev for @p next on this CPU: keep prev's user FS/GS bases,
/// load next's, switch page tables if the program changes, point the
/// per-CPU block (kernel_stack_top, tss_rsp0, current_task) and the TSS at
/// next's stack, then switch stacks. Returns when prev runs again.
void arch_switch_threads(Thread* prev, Thread* next);

/// The running program: the running thread's (nullptr in a kernel thread).
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
