/**
 * @file kernel/panic.h
 * @brief panic(): report an unrecoverable kernel error and power off.
 */
#pragma once

#include "kernel/console.h"
#include "kernel/power.h"

/// Print "PANIC: <message>" and power off with PowerStatus::Panic.
template <typename... Args>
[[noreturn]] void panic(StringView fmt, const Args&... args) {
    kprint("PANIC: ");
    kprint(fmt, args...);
    kprint("\n");
    power_off(PowerStatus::Panic);
}

/// Panic with the expression and its place when @p cond is false.
#define KASSERT(cond)                                                                   \
    do {                                                                                \
        if (!(cond)) panic("assertion failed: {} at {}:{}", #cond, __FILE__, __LINE__); \
    } while (0)
