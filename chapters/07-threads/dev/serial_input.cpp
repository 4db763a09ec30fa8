/**
 * @file chapters/07-threads/dev/serial_input.cpp
 * @brief COM1's receive side, interrupt-driven: a ring of received bytes,
 * filled by the IRQ 4 handler, emptied by readers (see serial_input.h).
 *
 * Who touches what:
 *   - the ring (g_ring, g_head, g_count) and g_paused: the handler and the
 *     readers, always under g_lock taken with interrupts off (IrqLock), so
 *     a handler never interrupts a reader half-way through an update;
 *   - the UART's interrupt-enable register: the handler (off when the ring
 *     is full) and serial_input_consume() (on again), under the same lock.
 * Lock order: the scheduler lock, then g_lock (a waiter's condition takes
 * g_lock with the scheduler lock held); the handler lets g_lock go before
 * it wakes anyone, so it never holds both.
 *
 * The transmit side stays in kernel/console.cpp, polled, for every chapter.
 */
#include "dev/serial_input.h"

#include "arch/pic.h"
#include "kernel/console.h"
#include "kernel/x86.h"
#include "sched/wait.h"
#include "sync/spinlock.h"

namespace {

constexpr int kIrq = 4;  // COM1's line on the master PIC

// 16550 registers, as offsets from COM1's base port (DLAB=0).
constexpr uint16_t kCom1 = 0x3f8;
constexpr uint16_t kData = 0;          // RBR: the oldest received byte
constexpr uint16_t kIrqEnable = 1;     // IER
constexpr uint16_t kModemControl = 4;  // MCR
constexpr uint16_t kLineStatus = 5;    // LSR

constexpr uint8_t kIerReceive = 1 << 0;     // interrupt when data is there (or has waited a while in the FIFO)
constexpr uint8_t kMcrDtrRts = 0x03;        // what console_init() set
constexpr uint8_t kMcrOut2 = 1 << 3;        // on a PC, OUT2 connects the UART's interrupt line to the PIC
constexpr uint8_t kLsrDataReady = 1 << 0;

constexpr size_t kRingSize = 4096;  // as Linux's N_TTY_BUF_SIZE

SpinLock g_lock;
char g_ring[kRingSize];
size_t g_head = 0;      // index of the oldest byte
size_t g_count = 0;     // bytes held
bool g_paused = false;  // the ring filled up: the receive interrupt is off until a reader makes room
WaitQueue g_readers;    // threads waiting for the first byte
SerialInputCounts g_counts = {0, 0};

bool data_ready() { return inb(kCom1 + kLineStatus) & kLsrDataReady; }

}  // namespace

void serial_input_init() {
    outb(kCom1 + kModemControl, kMcrDtrRts | kMcrOut2);
    outb(kCom1 + kIrqEnable, kIerReceive);
    pic_unmask(kIrq);
    kprint("[Console] COM1 input: IRQ {} (vector {}) into a {}-byte ring; read() sleeps until a byte is there\n",
           kIrq, kSerialVector, kRingSize);
}

void serial_input_interrupt() {
    bool received = false;
    {
        IrqLock guard(g_lock);
        while (g_count < kRingSize && data_ready()) {
            g_ring[(g_head + g_count) % kRingSize] = static_cast<char>(inb(kCom1 + kData));
            ++g_count;
            ++g_counts.received;
            received = true;
        }
        if (g_count == kRingSize && !g_paused) {
            // Full: leave further bytes in the UART. With the interrupt off
            // its line drops, so turning it on again later raises a new edge.
            outb(kCom1 + kIrqEnable, 0);
            g_paused = true;
            ++g_counts.pauses;
        }
    }
    pic_end_of_interrupt(kIrq);
    if (received) g_readers.wake_all();
}

Result<void> serial_input_wait(Blocking blocking) {
    const auto have_input = [] {
        IrqLock guard(g_lock);
        return g_count > 0;
    };
    if (blocking == Blocking::No) return have_input() ? Result<void>() : Err(abi::Errno::Again);
    return g_readers.wait(have_input);
}

size_t serial_input_peek(char* out, size_t max) {
    IrqLock guard(g_lock);
    const size_t n = max < g_count ? max : g_count;
    for (size_t i = 0; i < n; ++i) out[i] = g_ring[(g_head + i) % kRingSize];
    return n;
}

void serial_input_consume(size_t count) {
    IrqLock guard(g_lock);
    if (count > g_count) count = g_count;
    g_head = (g_head + count) % kRingSize;
    g_count -= count;
    if (g_paused && g_count < kRingSize) {
        // Room again: the UART may interrupt, and the handler takes what waited in it.
        g_paused = false;
        outb(kCom1 + kIrqEnable, kIerReceive);
    }
}

SerialInputCounts serial_input_counts() {
    IrqLock guard(g_lock);
    return g_counts;
}
