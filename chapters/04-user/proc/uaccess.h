/**
 * @file chapters/04-user/proc/uaccess.h
 * @brief Reaching user memory from a syscall: copies that survive a fault.
 *
 * A user pointer is a claim, not an address the kernel trusts: it may be
 * NULL, point into the kernel, or name a page that is not there. Two rules
 * make every access safe, and these functions are the only way the kernel
 * reads or writes user memory:
 *
 * 1. The range must lie in user space, [addr, addr + n) below
 *    abi::kUserSpaceEnd without wrapping. This checks the number itself,
 *    which nobody can change afterwards, and keeps the kernel's own half
 *    (mapped in every address space) out of the program's reach.
 * 2. Whether the pages are there, and writable, is found out by the copy
 *    itself (arch/user_copy.S): the MMU checks at the moment of each
 *    access, and a fault in the copy makes it return Errno::Fault instead
 *    of crashing the kernel.
 *
 * What the kernel must NOT do is look the pages up in the page tables and
 * then use the pointer ("check, then use"): another thread of the program
 * can unmap the page between the two (chapters 07 and 10 bring threads and
 * CPUs), and the kernel would fault on the user's address. Linux (its
 * exception table) and Zircon (user_copy's fault-return target) do what is
 * done here.
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "arch/trap_frame.h"
#include "common/result.h"

/// Rule 1 alone (Linux's access_ok): Errno::Fault unless [addr, addr + n)
/// lies in user space. Calls check it first, as Linux does, so that
/// write(fd, kernel_address, 0) fails even though it would copy nothing.
Result<void> check_user_range(uint64_t addr, size_t n);

/// Copy @p n bytes from user address @p src to @p dst. Errno::Fault if any
/// of them is not user memory the program may read; then @p dst holds an
/// unknown part of the data. n == 0 always succeeds.
Result<void> copy_from_user(void* dst, uint64_t src, size_t n);

/// Copy @p n bytes from @p src to user address @p dst. Errno::Fault if any
/// of them is not user memory the program may write; then an unknown part
/// of the range has been written, as on Linux.
Result<void> copy_to_user(uint64_t dst, const void* src, size_t n);

/// Read a @p T (a plain struct or number) from user address @p src.
template <typename T>
Result<T> read_user(uint64_t src) {
    T value;
    TRY(copy_from_user(&value, src, sizeof value));
    return value;
}

/// Write @p value to user address @p dst.
template <typename T>
Result<void> write_user(uint64_t dst, const T& value) {
    return copy_to_user(dst, &value, sizeof value);
}

/// For the page-fault and #GP handler: if @p frame stopped inside a user
/// copy, point it at that copy's fixup (which returns Errno::Fault) and
/// return true. Otherwise the fault is not a user copy's: return false.
bool user_copy_fixup(TrapFrame& frame);

/// Turn on SMEP (the kernel never executes user pages) and SMAP (the kernel
/// touches user pages only inside a user copy) where the CPU has them.
void uaccess_init();

/// Clear RFLAGS.AC (with SMAP on). An interrupt from ring 3 keeps the
/// program's AC flag, which would switch SMAP off in the kernel.
void user_access_off();
