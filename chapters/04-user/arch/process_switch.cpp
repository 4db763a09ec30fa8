/**
 * @file chapters/04-user/arch/process_switch.cpp
 * @brief Flat version: one global kernel stack; the user's GS base stays in
 * IA32_GS_BASE all the time, because this kernel never uses GS itself.
 */
#include "arch/process_switch.h"

#include "arch/gdt.h"
#include "kernel/panic.h"
#include "kernel/x86.h"
#include "mm/mm.h"
#include "proc/process.h"

/// Top of the running process's kernel stack: syscall_entry loads RSP from
/// it. One global, so one CPU and one syscall at a time (chapter 05 moves it
/// into the per-CPU block).
extern "C" uint64_t CURRENT_KERNEL_STACK;  // arch/syscall_entry.S

uint64_t arch_kernel_stack_top() {
    static KernelStack stack;  // one process at a time: one stack, reused
    if (stack.top.value() == 0) {
        const Result<KernelStack> made = kstack_create(4);
        if (!made) panic("no memory for the kernel stack of user programs");
        stack = *made;
    }
    return stack.top.value();
}

namespace {
Process* g_current = nullptr;  // the running process: one CPU, one global
}  // namespace

void arch_enter_process(Process* process) {
    g_current = process;
    CURRENT_KERNEL_STACK = arch_kernel_stack_top();  // for syscall_entry
    tss_set_rsp0(arch_kernel_stack_top());           // for interrupts from ring 3
    wrmsr(Msr::FsBase, 0);
    wrmsr(Msr::GsBase, 0);
}

void arch_leave_process() {
    g_current = nullptr;
    CURRENT_KERNEL_STACK = 0;  // a syscall now would be a kernel bug: fault loudly
    wrmsr(Msr::FsBase, 0);
    wrmsr(Msr::GsBase, 0);
}

Process* current_process() { return g_current; }

uint64_t user_fs_base() { return rdmsr(Msr::FsBase); }

void set_user_fs_base(uint64_t value) { wrmsr(Msr::FsBase, value); }

uint64_t user_gs_base() { return rdmsr(Msr::GsBase); }

void set_user_gs_base(uint64_t value) { wrmsr(Msr::GsBase, value); }
