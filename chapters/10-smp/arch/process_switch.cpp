/**
 * @file chapters/10-smp/arch/process_switch.cpp
 * @brief Switching threads: the user state the CPU holds, the page tables,
 * the per-CPU block and the TSS, then the stacks. (Chapter 08: and the
 * time-stamp counter, so that each thread knows how long it has run.
 * Chapter 10: the block also says which page tables this CPU has loaded,
 * for TLB shootdowns; and a thread's CPU time can be read from another
 * CPU while it runs. Chapter 07's x87/SSE save at every switch away from
 * a program thread is what lets the thread resume on another CPU.)
 *
 * While a thread of a program runs, its FS base is in IA32_FS_BASE and its
 * GS base in IA32_KERNEL_GS_BASE (swapgs brings it in on the way out); the
 * program may have changed either itself, so they are read back from the
 * CPU when the thread stops running, not taken from a copy. So are its
 * x87 and SSE registers.
 */
#include "arch/process_switch.h"

#include <atomic>

#include "arch/flat_entry.h"
#include "arch/fpu.h"
#include "arch/gdt.h"
#include "arch/percpu.h"
#include "kernel/x86.h"
#include "mm/mm.h"
#include "proc/process.h"
#include "sched/thread.h"

/// Save the callee-saved registers and RSP at @p save_rsp, continue on @p next_rsp (arch/switch.S).
extern "C" void context_switch(uint64_t* save_rsp, uint64_t next_rsp);

namespace {

// Another CPU may read a thread's two CPU-time fields at any moment
// (CLOCK_PROCESS_CPUTIME_ID sums a process's threads, some running
// elsewhere), so they change inside a sequence count, as Linux's seqcount:
// odd while they change; a reader that saw it odd, or changed, reads again.
template <typename Change>
void change_turn(Thread& t, Change change) {
    t.tsc_seq.fetch_add(1, std::memory_order_acq_rel);  // odd; a locked add: a full barrier on x86
    change(std::atomic_ref<uint64_t>(t.cpu_tsc), std::atomic_ref<uint64_t>(t.turn_began_tsc));
    t.tsc_seq.fetch_add(1, std::memory_order_release);  // even again
}

}  // namespace

void arch_switch_threads(Thread* prev, Thread* next) {
    // The turn ending is prev's CPU time; next's starts now.
    const uint64_t now = rdtsc();
    change_turn(*prev, [&](std::atomic_ref<uint64_t> ended, std::atomic_ref<uint64_t> began) {
        if (const uint64_t b = began.load(std::memory_order_relaxed)) ended.fetch_add(now - b, std::memory_order_relaxed);
        began.store(0, std::memory_order_relaxed);
    });
    change_turn(*next, [&](std::atomic_ref<uint64_t>, std::atomic_ref<uint64_t> began) {
        began.store(now, std::memory_order_relaxed);
    });
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
    // program that may be torn down while it runs. The block says which
    // tables this CPU uses before CR3 does (mm/tlb.cpp explains why).
    // Chapter 07 compared next's program with prev's; here the tables this
    // CPU has loaded are compared with the ones next needs. A thread can
    // join a program after its first turn began on another CPU (chapter
    // 08's poller is made a kernel thread, queued, and only then given its
    // process: a CPU that sat idle took it at once, on the kernel's
    // tables), and from that thread a switch to the program's own would
    // have kept the kernel's tables: the program then faulted on its own
    // code for ever (tools: test-sqpoll, now and then, on a busy host).
    const AddressSpace& space = next->process ? next->process->space : kernel_space();
    if (percpu_read<PERCPU_PAGE_TABLES>() != space.root().value()) {
        percpu_write<PERCPU_PAGE_TABLES>(space.root().value());
        space.activate();
    }

    // Where a syscall or an interrupt from ring 3 will land: next's stack.
    const uint64_t top = next->stack.top.value();
    percpu_write<PERCPU_KERNEL_STACK_TOP>(top);
    percpu_write<PERCPU_TSS_RSP0>(top);
    tss_set_rsp0(top);
    flat_entry_switched_to(next);  // entry=flat: the one global stack, whichever CPU this is
    percpu_write<PERCPU_CURRENT_TASK>(reinterpret_cast<uint64_t>(next));
    context_switch(&prev->saved_rsp, next->saved_rsp);
}

Process* current_process() { return current_thread()->process; }

uint64_t thread_cpu_tsc(const Thread& thread) {
    // Chapter 08 counted the current turn only for the thread asking; now
    // the thread may be running on another CPU (a poller spinning there),
    // whose turn counts too. The CPUs' TSCs run in step (QEMU, Bochs and
    // any CPU with an invariant TSC started together).
    Thread& t = const_cast<Thread&>(thread);  // atomic_ref needs a non-const object; nothing is written
    for (;;) {
        const uint32_t seq = t.tsc_seq.load(std::memory_order_acquire);
        const uint64_t ended = std::atomic_ref<uint64_t>(t.cpu_tsc).load(std::memory_order_relaxed);
        const uint64_t began = std::atomic_ref<uint64_t>(t.turn_began_tsc).load(std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_acquire);
        if ((seq & 1) || t.tsc_seq.load(std::memory_order_relaxed) != seq) {
            cpu_relax();  // its CPU is switching it in or out: read again
            continue;
        }
        const uint64_t now = rdtsc();
        return ended + (began != 0 && now > began ? now - began : 0);
    }
}

uint64_t user_fs_base() { return rdmsr(Msr::FsBase); }

void set_user_fs_base(uint64_t value) { wrmsr(Msr::FsBase, value); }

uint64_t user_gs_base() { return rdmsr(Msr::KernelGsBase); }

void set_user_gs_base(uint64_t value) {
    wrmsr(Msr::KernelGsBase, value);           // not GS_BASE: that is this CPU's block now
    percpu_write<PERCPU_USER_GS_BASE>(value);  // the base validate=1 expects at exit
}
