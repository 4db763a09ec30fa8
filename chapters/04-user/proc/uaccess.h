/**
 * @file chapters/04-user/proc/uaccess.h
 * @brief Reaching user memory from a syscall, safely.
 *
 * A user pointer is a claim, not an address we trust: it may be NULL, point
 * into the kernel, be non-canonical, or be unmapped. Every syscall checks
 * the whole range before touching a byte: it must lie in the lower half and
 * every page of it must be mapped with the User bit (and Writable, if the
 * kernel will write). A failed check is -EFAULT for the caller, never a
 * fault in the kernel. (Linux instead lets the access fault and recovers
 * through an exception table; checking first is simpler to follow, and
 * safe here because one process runs at a time on one CPU.)
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "mm/paging.h"

/// True if [addr, addr + len) is user memory that @p space maps for ring 3
/// (and for writing, if @p write). A zero length is always fine.
bool user_range_ok(const AddressSpace& space, uint64_t addr, uint64_t len, bool write);

/// Copy @p n bytes from user address @p src. Returns 0 or -EFAULT.
long copy_from_user(void* dst, uint64_t src, size_t n);

/// Copy @p n bytes to user address @p dst. Returns 0 or -EFAULT.
long copy_to_user(uint64_t dst, const void* src, size_t n);
