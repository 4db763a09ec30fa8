/**
 * @file chapters/10-smp/arch/smp.cpp
 * @brief Starting the other processors (INIT, SIPI, SIPI), what each does
 * when it arrives, and the two inter-processor interrupts: "reschedule"
 * and "run this function".
 *
 * Start-up, one processor at a time, by CPU 0:
 *   1. the processor's idle thread is made now: its stack is where the
 *      new CPU will run from its first 64-bit instruction on;
 *   2. the trampoline's data (arch/smp_boot.h) gets that stack, the CPU's
 *      number, page tables that map both the trampoline page (at its own
 *      address: it is running there when paging comes on) and the kernel,
 *      and CPU 0's CR0 and CR4, so the new CPU has the same features on
 *      (SSE, SMEP, SMAP...);
 *   3. INIT, 10 ms, start-up IPI, 200 us, start-up IPI, 200 us: the
 *      sequence Intel documents (a processor already running ignores the
 *      second start-up IPI);
 *   4. wait, up to a second, for the CPU to set its bit in g_online.
 *
 * A cross-call has one slot, taken under g_call_lock: the function, its
 * argument and a bit per CPU still to run it. A CPU that waits for the
 * slot keeps running the calls addressed to it, so two CPUs that both
 * want to call each other cannot wait for ever.
 */
#include "arch/smp.h"

#include <atomic>

#include "acpi/firmware.h"
#include "arch/gdt.h"
#include "arch/idt.h"
#include "arch/lapic.h"
#include "arch/percpu.h"
#include "arch/smp_boot.h"
#include "arch/timer.h"
#include "kernel/console.h"
#include "kernel/panic.h"
#include "kernel/x86.h"
#include "mm/mm.h"
#include "mm/user_space.h"
#include "sched/thread.h"
#include "sync/spinlock.h"
#include "sys/syscall.h"

namespace {

constexpr uint32_t kInitWaitUs = 10000;     // after INIT
constexpr uint32_t kStartupWaitUs = 200;    // after each start-up IPI
constexpr int kReportWaitMs = 1000;         // for the new CPU to say it runs

acpi::Madt g_madt;
std::atomic<uint64_t> g_online{1};  // CPU 0 runs
std::atomic<int> g_count{1};
int g_next_cpu = 1;                 // the number the next processor started gets

SpinLock g_call_lock;               // owns the slot below
void (*g_call_fn)(void*) = nullptr;
void* g_call_arg = nullptr;
std::atomic<uint64_t> g_call_pending{0};  // CPUs that have still to run it

uint64_t bit(uint64_t cpu) { return 1ull << cpu; }

// Run the cross-call if this CPU is one it waits for.
void run_pending_call() {
    const uint64_t me = bit(this_cpu_id());
    if (!(g_call_pending.load(std::memory_order_acquire) & me)) return;
    g_call_fn(g_call_arg);
    g_call_pending.fetch_and(~me, std::memory_order_release);
}

// Page tables for the trampoline: the kernel's upper half (as every
// process has) and the trampoline page at its own address, executable.
Result<AddressSpace> trampoline_space() {
    AddressSpace space = TRY(user_space_create());
    TRY(space.map(VirtAddr(TRAMPOLINE_PHYS), PhysAddr(TRAMPOLINE_PHYS), PageFlags::Writable));
    return space;
}

void trampoline_space_destroy(AddressSpace& space) {
    (void)space.unmap(VirtAddr(TRAMPOLINE_PHYS));  // the page is not the space's to free
    user_space_destroy(space);
}

// Start the processor with APIC ID @p apic_id as CPU @p cpu; true once it runs.
bool start_one(int cpu, uint32_t apic_id, const AddressSpace& space) {
    Result<Thread*> idle = sched_make_idle_thread(cpu);
    if (!idle) {
        kprint("[SMP] no memory for CPU {}'s idle thread\n", cpu);
        return false;
    }
    g_percpu[cpu].apic_id = apic_id;
    auto* data = phys_to_virt(PhysAddr(TRAMPOLINE_PHYS + TRAMPOLINE_DATA)).as<TrampolineData>();
    data->cr3 = space.root().value();
    data->cr0 = read_cr0();
    data->cr4 = read_cr4();
    data->stack = (*idle)->stack.top.value();
    data->entry = reinterpret_cast<uint64_t>(&ap_main);
    data->cpu = static_cast<uint64_t>(cpu);

    lapic_send_init(apic_id);
    pit_delay_us(kInitWaitUs);
    for (int i = 0; i < 2; ++i) {
        lapic_send_startup(apic_id, TRAMPOLINE_PHYS >> 12);
        pit_delay_us(kStartupWaitUs);
    }
    for (int ms = 0; ms < kReportWaitMs; ++ms) {
        if (g_online.load(std::memory_order_acquire) & bit(cpu)) return true;
        pit_delay_us(1000);
    }
    kprint("[SMP] CPU {} (APIC ID {}) did not start within {} ms\n", cpu, apic_id, kReportWaitMs);
    return false;
}

}  // namespace

void smp_init() {
    const Result<acpi::Madt, const char*> madt = firmware_madt();
    if (!madt) panic("ACPI: {}", madt.error());
    g_madt = *madt;
    if (!lapic_map(g_madt.lapic_base)) panic("cannot map the local APIC at {:#x}", g_madt.lapic_base);
    lapic_init_cpu(true);
    g_percpu[0].apic_id = lapic_id();
    kprint("[SMP] MADT: {} processor(s) enabled, local APICs at {:#x}; CPU 0 is APIC ID {}\n",
           g_madt.processor_count, g_madt.lapic_base, lapic_id());
}

int smp_start_others() {
    Result<AddressSpace> space = trampoline_space();
    if (!space) {
        kprint("[SMP] no memory for the trampoline's page tables: CPU 0 runs alone\n");
        return 1;
    }
    const uint64_t size = static_cast<uint64_t>(ap_trampoline_end - ap_trampoline_start);
    mem::copy(phys_to_virt(PhysAddr(TRAMPOLINE_PHYS)).as<void>(), ap_trampoline_start, size);
    kprint("[SMP] Trampoline: {} bytes at {:#x}; INIT, {} ms, start-up IPI (vector {:#x}) twice, {} us apart\n",
           size, TRAMPOLINE_PHYS, kInitWaitUs / 1000, TRAMPOLINE_PHYS >> 12, kStartupWaitUs);
    for (size_t i = 0; i < g_madt.processor_count; ++i) {
        const uint32_t apic_id = g_madt.processors[i].apic_id;
        if (apic_id == g_percpu[0].apic_id) continue;
        if (g_next_cpu == kMaxCpus || apic_id > 0xff) {  // xAPIC IPIs name 8-bit IDs
            kprint("[SMP] processor with APIC ID {} left out (this kernel starts {} CPUs, xAPIC IDs only)\n",
                   apic_id, kMaxCpus);
            continue;
        }
        const int cpu = g_next_cpu++;  // never reused: a late starter must not find another's data
        if (start_one(cpu, apic_id, *space)) g_count.fetch_add(1);
    }
    trampoline_space_destroy(*space);
    kprint("[SMP] {} CPU(s) running\n", cpu_count());
    return cpu_count();
}

extern "C" [[noreturn]] void ap_main(uint64_t cpu_number) {
    const int cpu = static_cast<int>(cpu_number);
    kernel_space().activate();  // leave the trampoline's tables before they go
    Thread* idle = sched_idle_thread_of(cpu);
    percpu_init(cpu, idle->stack.top.value());
    gdt_init_cpu(cpu);
    idt_load();
    syscall_init_cpu();
    lapic_init_cpu(false);
    if (lapic_id() != g_percpu[cpu].apic_id)
        panic("CPU {} has APIC ID {}, the MADT said {}", cpu, lapic_id(), g_percpu[cpu].apic_id);
    timer_start_cpu();
    kprint("[SMP] CPU {} running: APIC ID {}, GDT, TSS at {}, IDT, syscall MSRs, timer\n", cpu, lapic_id(),
           static_cast<void*>(&tss()));
    g_online.fetch_or(bit(cpu_number), std::memory_order_release);
    sched_run_idle(idle);
}

uint64_t cpus_online() { return g_online.load(std::memory_order_acquire); }

int cpu_count() { return g_count.load(); }

void smp_kick(int cpu) { lapic_send_ipi(static_cast<uint32_t>(g_percpu[cpu].apic_id), kReschedVector); }

void smp_call(uint64_t cpus, void (*fn)(void*), void* arg) {
    cpus &= cpus_online() & ~bit(this_cpu_id());
    if (!cpus) return;
    // Take the slot with interrupts off, running the calls addressed to
    // this CPU while it waits (see the top of this file).
    const bool interrupts_were_on = read_rflags() & (1u << 9);
    cli();
    while (!g_call_lock.try_lock()) {
        run_pending_call();
        cpu_relax();
    }
    g_call_fn = fn;
    g_call_arg = arg;
    g_call_pending.store(cpus, std::memory_order_release);
    for (int cpu = 0; cpu < kMaxCpus; ++cpu)
        if (cpus & bit(cpu)) lapic_send_ipi(static_cast<uint32_t>(g_percpu[cpu].apic_id), kCallVector);
    while (g_call_pending.load(std::memory_order_acquire)) cpu_relax();
    g_call_lock.unlock();
    if (interrupts_were_on) sti();
}

void smp_call_interrupt() {
    lapic_eoi();
    run_pending_call();
}

void smp_resched_interrupt() {
    lapic_eoi();
    percpu_write<PERCPU_NEED_RESCHED>(1);  // a thread from user mode yields on its way back
}
