/**
 * @file chapters/10-smp/arch/gdt.cpp
 * @brief GDT descriptors, the TSS and its IST stacks: one set per CPU.
 *
 * In long mode segmentation is mostly off: base and limit are ignored for
 * code and data, but the descriptors still carry the privilege level (DPL)
 * and the L bit (64-bit code). The CPU checks them on every far transfer.
 */
#include "arch/gdt.h"

#include "arch/percpu.h"
#include "kernel/console.h"

namespace {

// Access byte and flags of a code/data descriptor.
constexpr uint64_t kPresent = 1ull << 47;
constexpr uint64_t kDplUser = 3ull << 45;
constexpr uint64_t kCodeOrData = 1ull << 44;  // S: not a system descriptor
constexpr uint64_t kExecutable = 1ull << 43;
constexpr uint64_t kReadWrite = 1ull << 41;   // readable code / writable data
constexpr uint64_t kLongMode = 1ull << 53;    // L: 64-bit code
constexpr uint64_t kDefault32 = 1ull << 54;   // D/B: 32-bit (compatibility) code
constexpr uint64_t kGranular = 1ull << 55;
constexpr uint64_t kLimitMax = 0x000f00000000ffffull;

constexpr uint64_t kKernelCode = kPresent | kCodeOrData | kExecutable | kReadWrite | kLongMode;
constexpr uint64_t kKernelData = kPresent | kCodeOrData | kReadWrite | kGranular | kDefault32 | kLimitMax;
constexpr uint64_t kUserCode32 = kKernelData | kExecutable | kDplUser;
constexpr uint64_t kUserData = kKernelData | kDplUser;
constexpr uint64_t kUserCode = kKernelCode | kDplUser;

constexpr size_t kIstStackSize = 16 * 1024;

alignas(16) uint64_t g_gdt[kMaxCpus][GDT_ENTRIES];
Tss g_tss[kMaxCpus];
alignas(16) uint8_t g_ist_stacks[kMaxCpus][3][kIstStackSize];  // two NMIs on two CPUs need two stacks

struct [[gnu::packed]] DescriptorPointer {
    uint16_t limit;
    uint64_t base;
};

// A TSS descriptor is 16 bytes: a system descriptor (type 9, available
// 64-bit TSS) with the upper 32 bits of the base in the second slot.
void set_tss_descriptor(uint64_t* gdt, const Tss* tss) {
    const uint64_t base = reinterpret_cast<uint64_t>(tss);
    const uint64_t limit = sizeof(Tss) - 1;
    gdt[GDT_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x9ull << 40) | kPresent |
                       (((base >> 24) & 0xff) << 56);
    gdt[GDT_TSS / 8 + 1] = base >> 32;
}

// Fill CPU @p cpu's GDT and TSS, and load them on the CPU running this.
void load_for(int cpu) {
    uint64_t* gdt = g_gdt[cpu];
    Tss& tss = g_tss[cpu];
    gdt[0] = 0;
    gdt[GDT_KERNEL_CODE / 8] = kKernelCode;
    gdt[GDT_KERNEL_DATA / 8] = kKernelData;
    gdt[GDT_USER_CODE32 / 8] = kUserCode32;
    gdt[GDT_USER_DATA / 8] = kUserData;
    gdt[GDT_USER_CODE / 8] = kUserCode;

    for (int i = 0; i < 3; ++i)  // stacks grow down: IST entries hold the top
        tss.ist[i] = reinterpret_cast<uint64_t>(g_ist_stacks[cpu][i] + kIstStackSize);
    tss.iomap_base = sizeof(Tss);
    set_tss_descriptor(gdt, &tss);

    const DescriptorPointer pointer{sizeof g_gdt[cpu] - 1, reinterpret_cast<uint64_t>(gdt)};
    asm volatile("lgdt %0" ::"m"(pointer));
    // Reload CS with a far return (there is no far jmp to an immediate in
    // 64-bit mode), then the data segments and the task register.
    asm volatile(
        "pushq %[cs]\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "movw %w[ds], %%ax\n\t"
        "movw %%ax, %%ds\n\t"
        "movw %%ax, %%es\n\t"
        "movw %%ax, %%ss\n\t"
        "ltr %w[tr]"
        :
        : [cs] "i"(GDT_KERNEL_CODE), [ds] "r"(GDT_KERNEL_DATA), [tr] "r"(GDT_TSS)
        : "rax", "memory");
}

}  // namespace

void gdt_init() {
    load_for(0);
    kprint("[OK] GDT loaded: kernel CS={:#x} user CS={:#x} SS={:#x}, TSS at {}\n", GDT_KERNEL_CODE, USER_CS,
           USER_SS, static_cast<void*>(&g_tss[0]));
}

void gdt_init_cpu(int cpu) { load_for(cpu); }

void tss_set_rsp0(uint64_t rsp0) { g_tss[this_cpu_id()].rsp[0] = rsp0; }

Tss& tss() { return g_tss[this_cpu_id()]; }

Tss& tss_of(int cpu) { return g_tss[cpu]; }
