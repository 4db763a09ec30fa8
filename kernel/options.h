/**
 * @file kernel/options.h
 * @brief Kernel command-line options (`trace=syscall validate=1`).
 *
 * A subsystem declares its option as a global object:
 *
 *     KernelOption g_trace("trace", "syscall", [](StringView v) { ... });
 *
 * Its constructor (run by run_global_constructors) links it into a list, so
 * the parser knows every option without a central table, and an unknown
 * word on the command line is answered with the list of known ones.
 */
#pragma once

#include "common/str.h"

/// One `name=value` option the kernel understands.
class KernelOption {
public:
    /// Returns false if @p value is not one this option accepts.
    using Handler = bool (*)(StringView value);

    /// @p values describes the accepted values for messages, e.g. "0|1".
    KernelOption(const char* name, const char* values, Handler handler);

    /// Apply every word of @p cmdline; report unknown names and bad values.
    /// Returns the number of words that were rejected.
    static int parse_command_line(StringView cmdline);

private:
    const char* m_name;
    const char* m_values;
    Handler m_handler;
    KernelOption* m_next = nullptr;
};
