/**
 * @file user/runtime/print.h
 * @brief print() and eprint(): common/format.h for user programs.
 *
 * Output is formatted into a buffer and written with one write() per call,
 * so a line from a program is never split by another writer.
 */
#pragma once

#include "common/format.h"
#include "runtime/syscall.h"

/// Format into a 512-byte buffer and write it to @p fd (longer text is cut).
template <typename... Args>
long fdprint(int fd, StringView fmt, const Args&... args) {
    char buffer[512];
    const size_t n = format_to(buffer, sizeof buffer, fmt, args...);
    return sys::write(fd, buffer, n);
}

/// Formatted print to standard output.
template <typename... Args>
long print(StringView fmt, const Args&... args) {
    return fdprint(1, fmt, args...);
}

/// Formatted print to standard error.
template <typename... Args>
long eprint(StringView fmt, const Args&... args) {
    return fdprint(2, fmt, args...);
}
