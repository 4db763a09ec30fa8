/**
 * @file chapters/10-smp/arch/idt.cpp
 * @brief IDT gates: a 16-byte descriptor per vector, one table for every CPU.
 */
#include "arch/idt.h"

#include "arch/segments.h"
#include "kernel/console.h"

/// Each vector's entry stub (arch/trap_stubs.S): it pushes the vector (and a
/// zero error code where the CPU pushes none) and jumps to trap_common.
extern "C" const uint64_t trap_stubs[kTrapStubs];  // arch/trap_stubs.S

namespace {

/// One IDT entry (Intel SDM vol. 3, figure 6-8).
struct [[gnu::packed]] Gate {
    uint16_t offset_low;
    uint16_t selector;    // code segment to run the handler in
    uint8_t ist;          // 0, or the IST slot whose stack to switch to
    uint8_t type_attr;    // present, DPL, type (0xE: interrupt gate)
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
};
static_assert(sizeof(Gate) == 16);

constexpr uint8_t kInterruptGate = 0x8e;  // present, DPL 0, 64-bit interrupt gate
constexpr uint8_t kDplUser = 3 << 5;

alignas(16) Gate g_idt[256];

void set_gate(int vector, uint64_t handler, IstSlot* ist) {
    Gate& g = g_idt[vector];
    g.offset_low = handler & 0xffff;
    g.offset_mid = (handler >> 16) & 0xffff;
    g.offset_high = static_cast<uint32_t>(handler >> 32);
    g.selector = GDT_KERNEL_CODE;
    g.ist = ist ? static_cast<uint8_t>(*ist) : 0;
    g.type_attr = kInterruptGate;
}

}  // namespace

void idt_init() {
    for (int v = 0; v < kTrapStubs; ++v) {
        IstSlot slot;
        IstSlot* ist = nullptr;
        // These may strike when the current stack is unusable or mid-switch.
        if (v == 8) ist = &(slot = IstSlot::DoubleFault);
        if (v == 2) ist = &(slot = IstSlot::Nmi);
        if (v == 18) ist = &(slot = IstSlot::MachineCheck);
        set_gate(v, trap_stubs[v], ist);
    }
    idt_load();
    kprint("[OK] IDT loaded: {} vectors, #DF/NMI/#MC on IST stacks\n", kTrapStubs);
}

void idt_load() {
    struct [[gnu::packed]] {
        uint16_t limit;
        uint64_t base;
    } pointer{sizeof g_idt - 1, reinterpret_cast<uint64_t>(g_idt)};
    asm volatile("lidt %0" ::"m"(pointer));
}

void idt_allow_user(int vector) { g_idt[vector].type_attr |= kDplUser; }
