/**
 * @file chapters/10-smp/arch/gdt.h
 * @brief The GDT and the TSS: segments for ring 0 and ring 3, and the
 * stacks the CPU switches to on an interrupt. (Chapter 10: one of each per
 * CPU. A TSS holds the stack of the thread its CPU runs, and `ltr` marks
 * it busy, so no two CPUs can share one; each GDT holds its CPU's TSS
 * descriptor at the same selector, so the selectors stay those of
 * arch/segments.h everywhere.)
 */
#pragma once

#include <cstdint>

#include "arch/segments.h"

/// Interrupt stack table slots (1-based, as the IDT gate's IST field).
enum class IstSlot : uint8_t {
    DoubleFault = 1,   ///< #DF: the current stack may be the cause
    Nmi = 2,           ///< NMI: may arrive anywhere, even mid-entry
    MachineCheck = 3,  ///< #MC
};

/// The 64-bit Task State Segment (Intel SDM vol. 3, 8.7). No tasks are
/// switched in long mode: it only holds stack pointers for the CPU to load.
struct [[gnu::packed]] Tss {
    uint32_t reserved0;     ///< ignored by the CPU
    uint64_t rsp[3];        ///< rsp[0]: stack loaded on an interrupt from ring 3
    uint64_t reserved1;     ///< ignored by the CPU
    uint64_t ist[7];        ///< ist[n-1]: stack for gates with IST n
    uint64_t reserved2;     ///< ignored by the CPU
    uint16_t reserved3;     ///< ignored by the CPU
    uint16_t iomap_base;    ///< past the limit: no I/O permission bitmap
};
static_assert(sizeof(Tss) == 104, "the TSS is 104 bytes");

/// Build and load CPU 0's GDT and TSS; reload every segment register.
void gdt_init();

/// The same for CPU @p cpu (an application processor, starting), quietly.
void gdt_init_cpu(int cpu);

/// Set the stack this CPU loads when an interrupt arrives in ring 3.
void tss_set_rsp0(uint64_t rsp0);

/// This CPU's TSS (its address is shown in logs and checked in traces).
Tss& tss();

/// CPU @p cpu's TSS.
Tss& tss_of(int cpu);
