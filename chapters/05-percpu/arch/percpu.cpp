/**
 * @file chapters/05-percpu/arch/percpu.cpp
 * @brief percpu_init(), and `validate=1`: the seed's validate_syscall_context.
 */
#include "arch/percpu.h"

#include "arch/gdt.h"
#include "kernel/console.h"
#include "kernel/options.h"
#include "kernel/panic.h"
#include "kernel/x86.h"
#include "mm/mm.h"

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
bool g_validated_once = false;
}  // namespace

void percpu_init(int cpu) {
    PerCpu& block = g_percpu[cpu];
    const KernelStack stack = kstack_create(4);
    block.cpu_id = static_cast<uint64_t>(cpu);
    block.kernel_stack_top = stack.top.value();
    block.tss_rsp0 = stack.top.value();
    tss_set_rsp0(stack.top.value());

    // As the seed does: the block's address goes into IA32_KERNEL_GS_BASE,
    // where `swapgs` will find it...
    wrmsr(Msr::KernelGsBase, reinterpret_cast<uint64_t>(&block));
    kprint("[Per-CPU] Initialized for CPU {}\n", cpu);
    kprint("  Per-CPU data at: {}\n", static_cast<void*>(&block));
    kprint("  Kernel stack top: {:#x}\n", block.kernel_stack_top.load());
    kprint("  IA32_KERNEL_GS_BASE: {:#x}\n", rdmsr(Msr::KernelGsBase));

    // ...and one swapgs now puts it in IA32_GS_BASE, where it stays whenever
    // the kernel runs. From here on, GS in ring 0 means "this CPU".
    swapgs();
    kprint("[Per-CPU] swapgs: IA32_GS_BASE={:#x} IA32_KERNEL_GS_BASE={:#x}; gs:[{:#x}] (cpu_id) = {}\n",
           rdmsr(Msr::GsBase), rdmsr(Msr::KernelGsBase), PERCPU_CPU_ID, this_cpu_id());
}

/// Called by syscall_entry right after its swapgs when validate=1.
/// After the swap, IA32_GS_BASE must be this CPU's block and
/// IA32_KERNEL_GS_BASE the user's GS base. (Checking KERNEL_GS_BASE for the
/// block would be checking the register swapgs just emptied of it.)
extern "C" void validate_syscall_context() {
    const uint64_t gs = rdmsr(Msr::GsBase);
    const uint64_t kernel_gs = rdmsr(Msr::KernelGsBase);
    const auto first = reinterpret_cast<uint64_t>(&g_percpu[0]);
    const uint64_t index = (gs - first) / sizeof(PerCpu);
    const bool gs_ok = gs >= first && (gs - first) % sizeof(PerCpu) == 0 && index < kMaxCpus &&
                       g_percpu[index].cpu_id == index;
    if (!gs_ok)
        panic("validate_syscall_context: IA32_GS_BASE={:#x} is not a CPU's per-CPU block (IA32_KERNEL_GS_BASE={:#x})",
              gs, kernel_gs);
    if (kernel_gs != g_percpu[index].user_gs_base)
        panic("validate_syscall_context: IA32_KERNEL_GS_BASE={:#x} is not the user's GS base {:#x} "
              "(IA32_GS_BASE={:#x} is CPU {}'s block)",
              kernel_gs, g_percpu[index].user_gs_base.load(), gs, index);
    if (!g_validated_once) {
        g_validated_once = true;
        kprint("[Validate] syscall context ok: IA32_GS_BASE={:#x} (CPU {}'s block), IA32_KERNEL_GS_BASE={:#x} "
               "(user GS)\n",
               gs, index, kernel_gs);
    }
}
