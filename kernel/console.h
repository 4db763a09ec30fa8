/**
 * @file kernel/console.h
 * @brief The kernel console: COM1 (115200 8N1) and the 0xE9 debug port.
 *
 * Every byte goes to both: COM1 is what `make run` shows and tests capture,
 * port 0xE9 is QEMU's -debugcon and Bochs' port_e9_hack (instant, no UART).
 */
#pragma once

#include <cstddef>

#include "common/format.h"

/// Program the UART. Safe to call twice.
void console_init();

/// Write bytes to the console ("\n" becomes "\r\n" on the serial line).
void console_write(const char* text, size_t size);

/// Wait until the UART has shifted out its last bit (before power-off).
void console_drain();

/// Read one byte from COM1 if one is waiting; returns -1 otherwise.
int console_try_read();

/// Read what COM1 holds now, up to @p max bytes, a terminal's Enter (CR)
/// turned into '\n'. Never waits: returns 0 if nothing is there.
size_t console_read(char* buffer, size_t max);

/// The console as a Sink, for format().
Sink& console_sink();

/// Formatted print to the console: `kprint("[Boot] {} MiB\n", mib)`.
template <typename... Args>
void kprint(StringView fmt, const Args&... args) {
    format(console_sink(), fmt, args...);
}
