/**
 * @file chapters/05-percpu/arch/process_switch.cpp
 * @brief Per-CPU version: the running process and its kernel stack are
 * recorded in this CPU's block; the user's GS base waits in
 * IA32_KERNEL_GS_BASE while the kernel runs (the kernel's own GS base, the
 * block, is in IA32_GS_BASE) and comes back with `swapgs`.
 */
#include "arch/process_switch.h"

#include "arch/gdt.h"
#include "arch/percpu.h"
#include "kernel/x86.h"
#include "proc/process.h"

// This CPU's kernel stack, made by percpu_init: one CPU runs one process
// at a time, so the process uses its CPU's stack.
uint64_t arch_kernel_stack_top() { return percpu_read<PERCPU_KERNEL_STACK_TOP>(); }

void arch_enter_process(Process* process) {
    tss_set_rsp0(arch_kernel_stack_top());  // for interrupts from ring 3
    percpu_write<PERCPU_CURRENT_TASK>(reinterpret_cast<uint64_t>(process));
    percpu_write<PERCPU_USER_GS_BASE>(0);
    wrmsr(Msr::FsBase, 0);
    wrmsr(Msr::KernelGsBase, 0);  // the user's GS base, swapped in on the way out
}

void arch_leave_process() {
    percpu_write<PERCPU_CURRENT_TASK>(0);
    wrmsr(Msr::FsBase, 0);
    wrmsr(Msr::KernelGsBase, 0);
}

Process* current_process() { return reinterpret_cast<Process*>(percpu_read<PERCPU_CURRENT_TASK>()); }

uint64_t user_fs_base() { return rdmsr(Msr::FsBase); }

void set_user_fs_base(uint64_t value) { wrmsr(Msr::FsBase, value); }

uint64_t user_gs_base() { return rdmsr(Msr::KernelGsBase); }

void set_user_gs_base(uint64_t value) {
    wrmsr(Msr::KernelGsBase, value);  // not GS_BASE: that is this CPU's block now
    percpu_write<PERCPU_USER_GS_BASE>(value);  // the base validate=1 expects at exit
}
