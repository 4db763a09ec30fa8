/**
 * @file chapters/04-user/arch/process_switch.cpp
 * @brief Flat version: one global kernel stack; the user's GS base stays in
 * IA32_GS_BASE all the time, because this kernel never uses GS itself.
 */
#include "arch/process_switch.h"

#include "arch/gdt.h"
#include "kernel/x86.h"
#include "mm/mm.h"
#include "proc/process.h"

/// Top of the running process's kernel stack: syscall_entry loads RSP from
/// it. One global, so one CPU and one syscall at a time (chapter 05 moves it
/// into the per-CPU block).
extern "C" uint64_t CURRENT_KERNEL_STACK;  // arch/syscall_entry.S

uint64_t arch_kernel_stack_top() {
    static KernelStack stack;  // one process at a time: one stack, reused
    if (stack.top.value() == 0) stack = kstack_create(4);
    return stack.top.value();
}

void arch_enter_process(Process* process) {
    CURRENT_KERNEL_STACK = arch_kernel_stack_top();  // for syscall_entry
    tss_set_rsp0(arch_kernel_stack_top());           // for interrupts from ring 3
    wrmsr(Msr::FsBase, process->fs_base);
    wrmsr(Msr::GsBase, process->gs_base);
}

void arch_leave_process() {
    CURRENT_KERNEL_STACK = 0;  // a syscall now would be a kernel bug: fault loudly
    wrmsr(Msr::FsBase, 0);
    wrmsr(Msr::GsBase, 0);
}

uint64_t user_gs_base() { return rdmsr(Msr::GsBase); }

void set_user_gs_base(uint64_t value) {
    wrmsr(Msr::GsBase, value);
    current_process()->gs_base = value;
}
