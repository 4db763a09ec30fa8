/**
 * @file chapters/10-smp/arch/percpu.cpp
 * @brief percpu_init(), and `validate=1`: checks at every syscall that the
 * kernel's own GS bookkeeping is right. (Chapter 10: every CPU calls
 * percpu_init() first, with a stack it is given, and has a TSS of its own.)
 *
 * What validate=1 may check is only what the kernel controls. The user
 * controls its own GS base and may change it behind the kernel's back
 * (`mov` to %gs loads a base from the GDT, wrgsbase sets one), so the
 * user's base is never compared with an expectation. Instead:
 *   - at entry, after swapgs: IA32_GS_BASE must be a CPU's block (its
 *     `self` field names it), and the user's base now in KERNEL_GS_BASE is
 *     recorded in the block;
 *   - at exit, before swapgs: KERNEL_GS_BASE must still hold that base (or
 *     the one arch_prctl(ARCH_SET_GS) installed), so the user gets back the
 *     GS base it came in with.
 * And, with threads (chapter 07): the stack the syscall landed on is the
 * running thread's, and the TSS and the per-CPU block agree on it - the
 * three things the scheduler updates at every switch.
 * A failure is a kernel bug, and panics.
 */
#include "arch/percpu.h"

#include <atomic>

#include "arch/gdt.h"
#include "kernel/console.h"
#include "kernel/options.h"
#include "kernel/panic.h"
#include "kernel/x86.h"
#include "sched/thread.h"

PerCpu g_percpu[kMaxCpus];

/// Read by syscall_entry: nonzero makes every syscall validate its GS bases.
extern "C" uint8_t g_validate_syscalls;
uint8_t g_validate_syscalls = 0;

namespace {
KernelOption g_validate_option("validate", "0|1", [](StringView v) {
    if (v == "1") g_validate_syscalls = 1;
    else if (v == "0") g_validate_syscalls = 0;
    else return false;
    return true;
});
std::atomic<bool> g_validated_once{false};
}  // namespace

void percpu_init(int cpu, uint64_t stack_top) {
    PerCpu& block = g_percpu[cpu];
    block.self = &block;
    block.cpu_id = static_cast<uint64_t>(cpu);
    block.kernel_stack_top = stack_top;
    block.tss_rsp0 = stack_top;
    block.page_tables = read_cr3();
    tss_of(cpu).rsp[0] = stack_top;  // not tss_set_rsp0(): that one finds the TSS through GS

    // The block's address goes into IA32_KERNEL_GS_BASE, where `swapgs`
    // will find it...
    wrmsr(Msr::KernelGsBase, reinterpret_cast<uint64_t>(&block));
    kprint("[Per-CPU] Initialized for CPU {}\n", cpu);
    kprint("  Per-CPU data at: {}\n", static_cast<void*>(&block));
    kprint("  Kernel stack top: {:#x}\n", block.kernel_stack_top);
    kprint("  IA32_KERNEL_GS_BASE: {:#x}\n", rdmsr(Msr::KernelGsBase));

    // ...and one swapgs now puts it in IA32_GS_BASE, where it stays whenever
    // the kernel runs. From here on, GS in ring 0 means "this CPU".
    swapgs();
    kprint("[Per-CPU] swapgs: IA32_GS_BASE={:#x} IA32_KERNEL_GS_BASE={:#x}; gs:[{:#x}] (cpu_id) = {}\n",
           rdmsr(Msr::GsBase), rdmsr(Msr::KernelGsBase), PERCPU_CPU_ID, this_cpu_id());
}

/// Called by syscall_entry right after its swapgs when validate=1.
extern "C" void validate_syscall_entry() {
    const uint64_t gs = rdmsr(Msr::GsBase);
    const uint64_t user_gs = rdmsr(Msr::KernelGsBase);
    const auto first = reinterpret_cast<uint64_t>(&g_percpu[0]);
    const uint64_t index = (gs - first) / sizeof(PerCpu);
    const bool gs_ok = gs >= first && (gs - first) % sizeof(PerCpu) == 0 && index < kMaxCpus &&
                       reinterpret_cast<uint64_t>(g_percpu[index].self) == gs;
    if (!gs_ok)
        panic("validate_syscall_entry: IA32_GS_BASE={:#x} is not a CPU's per-CPU block (IA32_KERNEL_GS_BASE={:#x})",
              gs, user_gs);
    g_percpu[index].user_gs_base = user_gs;
    const uint64_t top = g_percpu[index].kernel_stack_top;
    const uint64_t thread_top = current_thread()->stack.top.value();
    const Tss& own_tss = tss_of(static_cast<int>(index));
    if (top != thread_top || g_percpu[index].tss_rsp0 != top || own_tss.rsp[0] != top)
        panic("validate_syscall_entry: the syscall landed on {:#x}, the running thread's stack is {:#x}, "
              "tss_rsp0={:#x}, CPU {}'s TSS.rsp0={:#x}",
              top, thread_top, g_percpu[index].tss_rsp0, index, own_tss.rsp[0]);
    if (!g_validated_once.exchange(true)) {  // one report, whichever CPU comes first
        kprint("[Validate] syscall context ok: IA32_GS_BASE={:#x} (CPU {}'s block), IA32_KERNEL_GS_BASE={:#x} "
               "(user GS)\n",
               gs, index, user_gs);
    }
}

/// Called by syscall_exit right before its swapgs when validate=1.
extern "C" void validate_syscall_exit() {
    const PerCpu& cpu = this_cpu();
    const uint64_t user_gs = rdmsr(Msr::KernelGsBase);
    if (user_gs != cpu.user_gs_base)
        panic("validate_syscall_exit: IA32_KERNEL_GS_BASE={:#x}, but the user's GS base is {:#x}: the kernel "
              "changed it",
              user_gs, cpu.user_gs_base);
}
