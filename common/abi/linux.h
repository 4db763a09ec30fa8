/**
 * @file common/abi/linux.h
 * @brief The Linux x86-64 ABI values this course implements.
 *
 * Syscall numbers, errno values, signals, and the flag values of the calls
 * the kernel supports, with Linux's numbers, so that a static binary built
 * for Linux runs unchanged. Shared by the kernel, user programs and host
 * tests; common/tests/test_abi.cpp checks every value against the host's own
 * Linux headers. Values only: no code.
 */
#pragma once

#include <cstdint>

namespace abi {

/// Syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl).
enum class Sys : long {
    Read = 0,
    Write = 1,
    Close = 3,
    Mmap = 9,
    Munmap = 11,
    Readv = 19,
    Writev = 20,
    Getpid = 39,
    Exit = 60,
    ArchPrctl = 158,
    ExitGroup = 231,
    Pipe2 = 293,
    IoUringSetup = 425,
    IoUringEnter = 426,
    IoUringRegister = 427,
};

/// errno values (include/uapi/asm-generic/errno-base.h, errno.h).
/// Syscalls return them negated: -EFAULT is -14.
enum Errno : int {
    EPERM = 1,
    ENOENT = 2,
    EINTR = 4,
    EIO = 5,
    EBADF = 9,
    EAGAIN = 11,
    ENOMEM = 12,
    EFAULT = 14,
    EBUSY = 16,
    EEXIST = 17,
    ENODEV = 19,
    EINVAL = 22,
    EMFILE = 24,
    ENOSPC = 28,
    EPIPE = 32,
    ERANGE = 34,
    ENOSYS = 38,
    EOVERFLOW = 75,
    EOPNOTSUPP = 95,
    ETIME = 62,
    ECANCELED = 125,
};

/// Signals (asm/signal.h); a killed process exits with 128 + signal.
enum Signal : int {
    SIGILL = 4,
    SIGTRAP = 5,
    SIGBUS = 7,
    SIGFPE = 8,
    SIGKILL = 9,
    SIGSEGV = 11,
    SIGPIPE = 13,
};

/// arch_prctl codes (asm/prctl.h).
enum ArchPrctl : int {
    ARCH_SET_GS = 0x1001,
    ARCH_SET_FS = 0x1002,
    ARCH_GET_FS = 0x1003,
    ARCH_GET_GS = 0x1004,
};

/// mmap protection and flags (asm-generic/mman-common.h, mman.h).
inline constexpr int PROT_NONE = 0x0;
inline constexpr int PROT_READ = 0x1;
inline constexpr int PROT_WRITE = 0x2;
inline constexpr int PROT_EXEC = 0x4;
inline constexpr int MAP_SHARED = 0x01;
inline constexpr int MAP_PRIVATE = 0x02;
inline constexpr int MAP_FIXED = 0x10;
inline constexpr int MAP_ANONYMOUS = 0x20;
inline constexpr int MAP_POPULATE = 0x8000;
inline constexpr int MAP_FIXED_NOREPLACE = 0x100000;
inline constexpr uint64_t MAP_FAILED_VALUE = ~0ull;  ///< (void*)-1 as a number

/// pipe2 / open flags (asm-generic/fcntl.h).
inline constexpr int O_NONBLOCK = 04000;
inline constexpr int O_CLOEXEC = 02000000;

/// Auxiliary vector entry types (uapi/linux/auxvec.h).
enum AuxType : uint64_t {
    AT_NULL = 0,
    AT_PHDR = 3,
    AT_PHENT = 4,
    AT_PHNUM = 5,
    AT_PAGESZ = 6,
    AT_ENTRY = 9,
    AT_UID = 11,
    AT_EUID = 12,
    AT_GID = 13,
    AT_EGID = 14,
    AT_SECURE = 23,
    AT_RANDOM = 25,
    AT_EXECFN = 31,
};

/// One element of readv/writev's array (uapi/linux/uio.h).
struct IoVec {
    uint64_t base;  ///< user address
    uint64_t len;   ///< bytes
};

inline constexpr uint64_t kPageSize = 4096;
/// The first address above user space: 47-bit canonical lower half.
inline constexpr uint64_t kUserSpaceEnd = 0x0000800000000000ull;

}  // namespace abi
