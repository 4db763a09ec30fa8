/**
 * @file chapters/10-smp/arch/lapic.cpp
 * @brief Local APIC registers (Intel SDM vol. 3, the chapter "Advanced
 * Programmable Interrupt Controller (APIC)"), in xAPIC mode.
 */
#include "arch/lapic.h"

#include "kernel/x86.h"
#include "mm/mmio.h"

namespace {

// Register offsets from the APIC's base.
constexpr uint32_t kId = 0x020;             // bits 31:24: the APIC ID
constexpr uint32_t kTaskPriority = 0x080;   // interrupts at or below this priority wait: 0 = none wait
constexpr uint32_t kEoi = 0x0b0;            // write 0: the interrupt in service is done
constexpr uint32_t kSpurious = 0x0f0;       // bit 8: APIC enabled; bits 7:0: the spurious vector
constexpr uint32_t kErrorStatus = 0x280;    // written before each read, to latch the errors
constexpr uint32_t kCommandLow = 0x300;     // the interrupt command: writing it sends the IPI
constexpr uint32_t kCommandHigh = 0x310;    // bits 31:24: the destination APIC ID
constexpr uint32_t kLvtTimer = 0x320;
constexpr uint32_t kLvtLint0 = 0x350;
constexpr uint32_t kLvtLint1 = 0x360;
constexpr uint32_t kLvtError = 0x370;
constexpr uint32_t kTimerInitial = 0x380;
constexpr uint32_t kTimerCurrent = 0x390;
constexpr uint32_t kTimerDivide = 0x3e0;

constexpr uint32_t kApicEnabled = 1u << 8;
constexpr uint32_t kMasked = 1u << 16;        // in an LVT entry
constexpr uint32_t kPeriodic = 1u << 17;      // the timer's LVT: reload and go on
constexpr uint32_t kDivideBy16 = 0x3;         // the divide configuration's encoding of 16
constexpr uint32_t kDeliveryNmi = 4u << 8;
constexpr uint32_t kDeliveryExtInt = 7u << 8; // the legacy PIC supplies the vector
constexpr uint32_t kDeliveryInit = 5u << 8;
constexpr uint32_t kDeliveryStartup = 6u << 8;
constexpr uint32_t kLevelAssert = 1u << 14;
constexpr uint32_t kDeliveryPending = 1u << 12;  // the last IPI has not been accepted yet

volatile uint32_t* g_registers = nullptr;

uint32_t read(uint32_t reg) { return g_registers[reg / 4]; }
void write(uint32_t reg, uint32_t value) { g_registers[reg / 4] = value; }

// Send one IPI. Interrupts stay off from the first register write to the
// last: an interrupt handler that sent an IPI of its own in between would
// leave the destination of one with the command of the other.
void send(uint32_t apic_id, uint32_t command) {
    const bool interrupts_were_on = read_rflags() & (1u << 9);
    cli();
    while (read(kCommandLow) & kDeliveryPending) cpu_relax();
    write(kCommandHigh, apic_id << 24);
    write(kCommandLow, command);
    while (read(kCommandLow) & kDeliveryPending) cpu_relax();
    if (interrupts_were_on) sti();
}

}  // namespace

Result<void> lapic_map(uint64_t phys) {
    g_registers = TRY(map_physical(PhysAddr(phys), 0x400, PhysKind::Registers)).as<volatile uint32_t>();
    return {};
}

void lapic_init_cpu(bool boot_cpu) {
    write(kSpurious, kApicEnabled | kSpuriousVector);
    write(kTaskPriority, 0);
    // LINT0 carries the legacy PIC's interrupts to CPU 0 (ExtINT: the PIC
    // names the vector); LINT1 is wired to NMI on every PC.
    write(kLvtLint0, boot_cpu ? kDeliveryExtInt : kMasked);
    write(kLvtLint1, kDeliveryNmi);
    write(kLvtError, kMasked);
    write(kLvtTimer, kMasked);
    write(kErrorStatus, 0);  // twice: once to latch, once to clear
    write(kErrorStatus, 0);
}

uint32_t lapic_id() { return read(kId) >> 24; }

void lapic_eoi() { write(kEoi, 0); }

void lapic_send_init(uint32_t apic_id) { send(apic_id, kDeliveryInit | kLevelAssert); }

void lapic_send_startup(uint32_t apic_id, uint8_t page) { send(apic_id, kDeliveryStartup | kLevelAssert | page); }

void lapic_send_ipi(uint32_t apic_id, uint8_t vector) { send(apic_id, kLevelAssert | vector); }

void lapic_timer_start(uint32_t count, uint8_t vector) {
    write(kTimerDivide, kDivideBy16);
    write(kLvtTimer, kPeriodic | vector);
    write(kTimerInitial, count);  // writing the count starts it
}

void lapic_timer_begin_count() {
    write(kTimerDivide, kDivideBy16);
    write(kLvtTimer, kMasked);
    write(kTimerInitial, 0xffffffff);
}

uint32_t lapic_timer_counted() { return 0xffffffff - read(kTimerCurrent); }
