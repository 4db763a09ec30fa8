/**
 * @file chapters/07-threads/dev/serial_input.h
 * @brief Console input that loses nothing: COM1's receive interrupt moves
 * each byte into a kernel buffer, and a reader sleeps until one is there.
 *
 * Until this chapter the console was polled: a read took whatever the
 * UART's 16-byte FIFO held at that moment, and a byte that arrived while
 * nobody asked was lost once the FIFO overflowed. Now the UART interrupts
 * (IRQ 4) as bytes arrive; the handler moves them into a 4 KiB ring and
 * wakes the readers waiting on its WaitQueue.
 *
 * When the ring is full, the handler stops taking bytes: it turns the
 * receive interrupt off and leaves the rest in the UART, whose FIFO then
 * fills, and the sender is held back (QEMU stops reading its side of the
 * line; a real terminal would rely on flow control). The first read that
 * makes room turns the interrupt back on. So no byte is ever dropped: a
 * slow reader slows the sender down instead.
 *
 * The bytes are stored as they came; what they mean (Enter, Ctrl-D) is
 * for the console file to decide (proc/console_io.cpp).
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "arch/idt.h"
#include "common/result.h"
#include "proc/file.h"

/// Vector of IRQ 4 (COM1) after pic_init's remapping.
inline constexpr uint64_t kSerialVector = kIrqBase + 4;

/// Turn on COM1's receive interrupt and unmask IRQ 4. After sched_init().
void serial_input_init();

/// The IRQ 4 handler (from trap_dispatch): move what the UART holds into
/// the ring, wake the readers.
void serial_input_interrupt();

/// Until the ring holds at least one byte: sleep (Blocking::Yes; Errno::Intr
/// if the program is exiting) or answer Errno::Again (Blocking::No).
Result<void> serial_input_wait(Blocking blocking);

/// Copy up to @p max of the oldest bytes to @p out without taking them;
/// returns how many were copied.
size_t serial_input_peek(char* out, size_t max);

/// Take the @p count oldest bytes out of the ring (those a reader
/// delivered), making room for more.
void serial_input_consume(size_t count);

/// What the input has seen since boot (the boot's last lines report it).
struct SerialInputCounts {
    uint64_t received;  ///< bytes moved from the UART into the ring
    uint64_t pauses;    ///< times the ring was full and the UART held the rest back
};

/// The counts so far.
SerialInputCounts serial_input_counts();
