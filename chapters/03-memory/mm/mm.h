/**
 * @file chapters/03-memory/mm/mm.h
 * @brief Bringing up memory management, and the kernel's address space.
 */
#pragma once

#include <cstddef>

#include "mm/paging.h"

/// Start the frame allocator from the memory map, build the kernel's own
/// page tables (image with per-section permissions, direct map of RAM, no
/// lower half), switch to them, and start the heap.
void mm_init();

/// The kernel's address space. Every process shares its upper half.
AddressSpace& kernel_space();

/// A kernel stack with an unmapped guard page below it.
struct KernelStack {
    VirtAddr bottom;  ///< lowest mapped byte
    VirtAddr top;     ///< initial RSP (one past the highest byte)
    VirtAddr guard;   ///< the unmapped page under bottom
};

/// Map a new kernel stack of @p pages pages, or Errno::NoMem (with
/// nothing left allocated).
Result<KernelStack> kstack_create(size_t pages);
