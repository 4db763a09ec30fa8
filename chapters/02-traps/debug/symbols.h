/**
 * @file chapters/02-traps/debug/symbols.h
 * @brief Address-to-name lookup for register dumps ("RIP ... <kernel_main+0x1c>").
 *
 * The build links the kernel twice: the second link adds a table, made by
 * tools/ksyms.py from the first link's `nm -n -C` (demangled), in the section .ksyms. It is
 * placed last in the image, so adding it moves no other address.
 */
#pragma once

#include <cstdint>

#include "common/str.h"

/// One entry of the table: sorted by address.
struct KernelSymbol {
    uint64_t address;  ///< where the function starts
    const char* name;  ///< its (mangled) name, NUL-terminated
};

/// The function containing @p address and how far into it, if known.
struct SymbolHit {
    StringView name;      ///< empty if not found
    uint64_t offset = 0;  ///< address - start of the symbol
};

/// Find the symbol at or below @p address.
SymbolHit symbolize(uint64_t address);
