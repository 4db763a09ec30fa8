/**
 * @file chapters/04-user/sys/syscall.h
 * @brief The system call table and its dispatcher.
 */
#pragma once

#include <cstdint>

#include "arch/trap_frame.h"
#include "common/abi/linux.h"

/// The six arguments of a syscall, in the registers of the Linux ABI.
struct SyscallArgs {
    /// @name Arguments 1 to 6
    /// @{
    uint64_t a0, a1, a2, a3, a4, a5;  ///< from rdi, rsi, rdx, r10, r8, r9 in that order
    /// @}
};

/// A syscall implementation: returns a result or a negated errno.
using SyscallHandler = long (*)(const SyscallArgs& args);

/// Number of slots in the table (io_uring_register, 427, is the last used).
inline constexpr uint64_t kSyscallSlots = 448;

/// A table of handlers indexed by syscall number; empty slots are nullptr.
/// Built at compile time by each chapter's sys/table.cpp.
struct SyscallTable {
    SyscallHandler slots[kSyscallSlots] = {};  ///< indexed by Linux syscall number

    /// Put @p handler at @p nr's slot.
    constexpr void set(abi::Sys nr, SyscallHandler handler) { slots[static_cast<long>(nr)] = handler; }
    /// The handler for @p number; any 64-bit value is safe (unsigned: -1 is huge).
    [[nodiscard]] constexpr SyscallHandler lookup(uint64_t number) const {
        return number < kSyscallSlots ? slots[number] : nullptr;
    }
};

/// The handler for @p number, or nullptr (then the call gets -ENOSYS).
/// Any 64-bit value is accepted: negative and huge numbers are not in range.
SyscallHandler syscall_handler(uint64_t number);

/// Enable `syscall`: EFER.SCE, STAR, LSTAR = syscall_entry, FMASK.
void syscall_init();

/// Called by syscall_entry with the frame it built; puts the result in rax.
extern "C" void syscall_dispatch(TrapFrame* frame);
