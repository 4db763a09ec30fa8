/**
 * @file chapters/05-percpu/arch/process_switch.cpp
 * @brief Per-CPU version: the running process's kernel stack, its TSS.rsp0
 * and the process itself are recorded in this CPU's block; the user's GS
 * base waits in IA32_KERNEL_GS_BASE while the kernel runs (the kernel's own
 * GS base, the block, is in IA32_GS_BASE) and comes back with `swapgs`.
 */
#include "arch/process_switch.h"

#include "arch/gdt.h"
#include "arch/percpu.h"
#include "kernel/x86.h"
#include "proc/process.h"

// This CPU's kernel stack, made by percpu_init: one CPU runs one process
// at a time, so the process uses its CPU's stack.
uint64_t arch_kernel_stack_top() { return this_cpu().kernel_stack_top; }

void arch_enter_process(Process* process) {
    PerCpu& cpu = this_cpu();
    cpu.tss_rsp0 = cpu.kernel_stack_top.load();
    tss_set_rsp0(cpu.kernel_stack_top);  // for interrupts from ring 3
    cpu.current_task = reinterpret_cast<uint64_t>(process);
    cpu.user_gs_base = process->gs_base;
    wrmsr(Msr::FsBase, process->fs_base);
    wrmsr(Msr::KernelGsBase, process->gs_base);  // swapped in on the way out
}

void arch_leave_process() {
    PerCpu& cpu = this_cpu();
    cpu.current_task = 0;
    cpu.user_gs_base = 0;
    wrmsr(Msr::FsBase, 0);
    wrmsr(Msr::KernelGsBase, 0);
}

uint64_t user_gs_base() { return rdmsr(Msr::KernelGsBase); }

void set_user_gs_base(uint64_t value) {
    wrmsr(Msr::KernelGsBase, value);  // not GS_BASE: that is this CPU's block now
    this_cpu().user_gs_base = value;
    current_process()->gs_base = value;
}
