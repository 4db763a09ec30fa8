/**
 * @file chapters/02-traps/arch/pic.cpp
 * @brief 8259A initialisation words (ICW1-4) and masks.
 */
#include "arch/pic.h"

#include "arch/idt.h"
#include "kernel/x86.h"

namespace {
constexpr uint16_t kMasterCommand = 0x20, kMasterData = 0x21;
constexpr uint16_t kSlaveCommand = 0xa0, kSlaveData = 0xa1;
constexpr uint8_t kEndOfInterrupt = 0x20;
constexpr uint8_t kReadInService = 0x0b;  // OCW3: the next read of the command port gives the ISR
}  // namespace

void pic_init() {
    outb(kMasterCommand, 0x11);         // ICW1: initialise, ICW4 follows
    outb(kSlaveCommand, 0x11);
    outb(kMasterData, kIrqBase);        // ICW2: master's vectors start at 32
    outb(kSlaveData, kIrqBase + 8);     //       slave's at 40
    outb(kMasterData, 0x04);            // ICW3: slave on master's IRQ 2
    outb(kSlaveData, 0x02);             //       slave's cascade identity
    outb(kMasterData, 0x01);            // ICW4: 8086 mode
    outb(kSlaveData, 0x01);
    outb(kMasterData, 0xff);            // mask everything
    outb(kSlaveData, 0xff);
}

void pic_unmask(int irq) {
    const uint16_t port = irq < 8 ? kMasterData : kSlaveData;
    outb(port, inb(port) & ~(1 << (irq % 8)));
    if (irq >= 8) outb(kMasterData, inb(kMasterData) & ~(1 << 2));  // the cascade line
}

void pic_end_of_interrupt(int irq) {
    if (irq >= 8) outb(kSlaveCommand, kEndOfInterrupt);
    outb(kMasterCommand, kEndOfInterrupt);
}

bool pic_spurious(int irq) {
    const uint16_t port = irq < 8 ? kMasterCommand : kSlaveCommand;
    outb(port, kReadInService);
    if (inb(port) & (1 << (irq % 8))) return false;  // in service: a real request
    if (irq >= 8) outb(kMasterCommand, kEndOfInterrupt);
    return true;
}
