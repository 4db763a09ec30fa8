/**
 * @file chapters/12-exec/proc/loader.h
 * @brief Loading a program for execve: an ELF file's bytes become a new
 * address space with the program's segments and its initial stack.
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/result.h"
#include "mm/paging.h"
#include "proc/cmdline.h"

/// A program loaded into an address space of its own, not yet running.
struct LoadedImage {
    AddressSpace space;    ///< its page tables: the segments and the stack
    uint64_t entry;        ///< the first user RIP
    uint64_t initial_rsp;  ///< the user RSP at entry (argc)
    uint64_t brk_start;    ///< the page after its last segment: where brk() starts
};

/// Load the ELF executable in [@p file, @p file + @p size) with the
/// arguments and environment of @p line (argv[0] is also AT_EXECFN).
/// Errno::NoExec if it is not an executable this kernel runs,
/// Errno::NoMem; nothing is left allocated on failure.
Result<LoadedImage> load_image(const uint8_t* file, size_t size, const CommandLine& line);
