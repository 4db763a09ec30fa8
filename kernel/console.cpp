/**
 * @file kernel/console.cpp
 * @brief A polled 16550 UART driver on COM1, mirrored to port 0xE9.
 */
#include "kernel/console.h"

#include "kernel/x86.h"

namespace {

constexpr uint16_t kCom1 = 0x3f8;
constexpr uint16_t kDebugPort = 0xe9;

// 16550 registers, as offsets from the base port.
constexpr uint16_t kData = 0;         // THR on write, RBR on read (DLAB=0)
constexpr uint16_t kIrqEnable = 1;    // IER (DLAB=0), divisor high byte (DLAB=1)
constexpr uint16_t kFifoControl = 2;  // FCR
constexpr uint16_t kLineControl = 3;  // LCR; bit 7 is DLAB
constexpr uint16_t kModemControl = 4; // MCR
constexpr uint16_t kLineStatus = 5;   // LSR

constexpr uint8_t kLsrDataReady = 1 << 0;
constexpr uint8_t kLsrThrEmpty = 1 << 5;    // room for the next byte
constexpr uint8_t kLsrTransmitterEmpty = 1 << 6;  // last bit has left the wire

void put(char c) {
    while (!(inb(kCom1 + kLineStatus) & kLsrThrEmpty)) cpu_relax();
    outb(kCom1 + kData, static_cast<uint8_t>(c));
    outb(kDebugPort, static_cast<uint8_t>(c));
}

class ConsoleSink final : public Sink {
public:
    void write(const char* text, size_t size) override { console_write(text, size); }
};

ConsoleSink g_sink;

}  // namespace

void console_init() {
    outb(kCom1 + kIrqEnable, 0x00);     // polled: no UART interrupts
    outb(kCom1 + kLineControl, 0x80);   // DLAB on to set the divisor
    outb(kCom1 + kData, 0x01);          // 115200 / 1 = 115200 baud
    outb(kCom1 + kIrqEnable, 0x00);
    outb(kCom1 + kLineControl, 0x03);   // 8 data bits, no parity, 1 stop bit
    outb(kCom1 + kFifoControl, 0xc7);   // FIFO on, cleared, 14-byte threshold
    outb(kCom1 + kModemControl, 0x03);  // DTR and RTS
}

void console_write(const char* text, size_t size) {
    for (size_t i = 0; i < size; ++i) {
        if (text[i] == '\n') put('\r');
        put(text[i]);
    }
}

void console_drain() {
    while (!(inb(kCom1 + kLineStatus) & kLsrTransmitterEmpty)) cpu_relax();
}

int console_try_read() {
    if (!(inb(kCom1 + kLineStatus) & kLsrDataReady)) return -1;
    return inb(kCom1 + kData);
}

size_t console_read(char* buffer, size_t max) {
    size_t n = 0;
    for (int c; n < max && (c = console_try_read()) >= 0;) buffer[n++] = static_cast<char>(c == '\r' ? '\n' : c);
    return n;
}

Sink& console_sink() { return g_sink; }
