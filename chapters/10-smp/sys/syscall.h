/**
 * @file chapters/10-smp/sys/syscall.h
 * @brief The system call table and its dispatcher. (Chapter 10: every CPU
 * sets its own syscall MSRs.)
 */
#pragma once

#include <cstdint>

#include "arch/trap_frame.h"
#include "common/abi/linux.h"
#include "common/result.h"

/// The six arguments of a syscall, in the registers of the Linux ABI.
struct SyscallArgs {
    /// @name Arguments 1 to 6
    /// @{
    uint64_t a0, a1, a2, a3, a4, a5;  ///< from rdi, rsi, rdx, r10, r8, r9 in that order
    /// @}
};

/// A syscall implementation: its result (>= 0), or the errno to fail with.
/// syscall_dispatch() turns the error into Linux's `-errno` in rax.
/// Each handler starts by giving its arguments the types Linux's prototype
/// gives them: `const int fd = static_cast<int>(args.a0);` for an `int fd`,
/// so the upper 32 bits of that register are ignored, as on Linux.
using SyscallHandler = Result<long> (*)(const SyscallArgs& args);

/// Number of slots in the table (io_uring_register, 427, is the last used).
inline constexpr uint64_t kSyscallSlots = 448;

/// A table of handlers indexed by syscall number; empty slots are nullptr.
/// Built at compile time by each chapter's sys/table.cpp.
struct SyscallTable {
    SyscallHandler slots[kSyscallSlots] = {};  ///< indexed by Linux syscall number

    /// Put @p handler at @p nr's slot.
    constexpr void set(abi::Sys nr, SyscallHandler handler) { slots[static_cast<long>(nr)] = handler; }
    /// The handler for @p number; any value is safe.
    [[nodiscard]] constexpr SyscallHandler lookup(uint32_t number) const {
        return number < kSyscallSlots ? slots[number] : nullptr;
    }
};

/// The handler for @p number, or nullptr (then the call gets -ENOSYS).
/// Any value is accepted. The dispatcher passes the low 32 bits of rax,
/// as Linux reads the number as an int: rax = 0x100000027 is getpid (39),
/// and -1 (0xffffffff) is out of range.
SyscallHandler syscall_handler(uint32_t number);

/// Enable `syscall` on CPU 0 (syscall_init_cpu()) and say how.
void syscall_init();

/// Enable `syscall` on this CPU: EFER.SCE, STAR, LSTAR = syscall_entry,
/// FMASK. These MSRs are per CPU: each CPU sets its own.
void syscall_init_cpu();

/// Called by syscall_entry with the frame it built; puts the result in rax.
extern "C" void syscall_dispatch(TrapFrame* frame);
