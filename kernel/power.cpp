/**
 * @file kernel/power.cpp
 * @brief Emulator power-off: QEMU's isa-debug-exit and Bochs' shutdown port.
 *
 * QEMU (with -device isa-debug-exit,iobase=0xf4) exits with (V << 1) | 1 when
 * V is written to port 0xf4, so status 0 cannot be expressed directly: we
 * write 0x10 + status, giving 33 for success and 35 for a panic.
 * Bochs exits when the string "Shutdown" is written to port 0x8900. Each
 * emulator ignores the other's port, so we simply try both.
 */
#include "kernel/power.h"

#include "kernel/console.h"
#include "kernel/x86.h"

[[noreturn]] void power_off(PowerStatus status) {
    cli();
    kprint("[Power] off status={}\n", static_cast<int>(status));
    console_drain();  // Bochs would otherwise quit with bytes still in the UART

    outl(0xf4, 0x10 + static_cast<uint32_t>(status));
    for (const char* p = "Shutdown"; *p; ++p) outb(0x8900, static_cast<uint8_t>(*p));

    for (;;) hlt();  // real hardware: nothing left to do
}
