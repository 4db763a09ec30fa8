/**
 * @file chapters/08-sqpoll/arch/process_switch.cpp
 * @brief Switching threads: the user state the CPU holds, the page tables,
 * the per-CPU block and the TSS, then the stacks. (Chapter 08: and the
 * time-stamp counter, so that each thread knows how long it has run.)
 *
 * While a thread of a program runs, its FS base is in IA32_FS_BASE and its
 * GS base in IA32_KERNEL_GS_BASE (swapgs brings it in on the way out); the
 * program may have changed either itself, so they are read back from the
 * CPU when the thread stops running, not taken from a copy. So are its
 * x87 and SSE registers.
 */
#include "arch/process_switch.h"

#include "arch/fpu.h"
#include "arch/gdt.h"
#include "arch/percpu.h"
#include "kernel/x86.h"
#include "mm/mm.h"
#include "proc/process.h"
#include "sched/thread.h"

/// Save the callee-saved registers and RSP at @p save_rsp, continue on @p next_rsp (arch/switch.S).
extern "C" void context_switch(uint64_t* save_rsp, uint64_t next_rsp);

void arch_switch_threads(Thread* prev, Thread* next) {
    // The turn ending is prev's CPU time; next's starts now.
    const uint64_t now = rdtsc();
    prev->cpu_tsc += now - prev->turn_began_tsc;
    next->turn_began_tsc = now;
    if (prev->process) {
        prev->fs_base = rdmsr(Msr::FsBase);
        prev->gs_base = rdmsr(Msr::KernelGsBase);
    }
    // The x87/SSE registers still hold the last program thread's: a kernel
    // thread never touches them (arch/fpu.h).
    if (prev->runs_user) fpu_save(prev->fpu);
    if (next->runs_user) fpu_load(next->fpu);
    if (next->process) {
        wrmsr(Msr::FsBase, next->fs_base);
        wrmsr(Msr::KernelGsBase, next->gs_base);
        percpu_write<PERCPU_USER_GS_BASE>(next->gs_base);  // what validate=1 expects at syscall exit
    }
    // A kernel thread runs on the kernel's own tables: never on those of a
    // program that may be torn down while it runs.
    if (next->process != prev->process) (next->process ? next->process->space : kernel_space()).activate();

    // Where a syscall or an interrupt from ring 3 will land: next's stack.
    const uint64_t top = next->stack.top.value();
    percpu_write<PERCPU_KERNEL_STACK_TOP>(top);
    percpu_write<PERCPU_TSS_RSP0>(top);
    tss_set_rsp0(top);
    percpu_write<PERCPU_CURRENT_TASK>(reinterpret_cast<uint64_t>(next));
    context_switch(&prev->saved_rsp, next->saved_rsp);
}

Process* current_process() { return current_thread()->process; }

uint64_t thread_cpu_tsc(const Thread& thread) {
    if (&thread != current_thread()) return thread.cpu_tsc;
    return thread.cpu_tsc + (rdtsc() - thread.turn_began_tsc);
}

uint64_t user_fs_base() { return rdmsr(Msr::FsBase); }

void set_user_fs_base(uint64_t value) { wrmsr(Msr::FsBase, value); }

uint64_t user_gs_base() { return rdmsr(Msr::KernelGsBase); }

void set_user_gs_base(uint64_t value) {
    wrmsr(Msr::KernelGsBase, value);           // not GS_BASE: that is this CPU's block now
    percpu_write<PERCPU_USER_GS_BASE>(value);  // the base validate=1 expects at exit
}
