/**
 * @file user/runtime/syscall.h
 * @brief Raw Linux system calls for user programs: no libc, no errno.
 *
 * Each function returns what the kernel returns: a result >= 0, or a
 * negated errno (-EFAULT...). That is the raw Linux convention; a libc would
 * turn it into -1 and errno, which we do not need.
 *
 * The `syscall` instruction takes the number in rax and arguments in rdi,
 * rsi, rdx, r10, r8, r9 (r10, not rcx: syscall overwrites rcx with the
 * return address and r11 with RFLAGS).
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/abi/linux.h"

/// Make system call @p nr with up to six arguments.
inline long raw_syscall(abi::Sys nr, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0,
                        long a6 = 0) {
    long ret;
    register long r10 asm("r10") = a4;
    register long r8 asm("r8") = a5;
    register long r9 asm("r9") = a6;
    asm volatile("syscall"
                 : "=a"(ret)
                 : "a"(static_cast<long>(nr)), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                 : "rcx", "r11", "memory");
    return ret;
}

/// Thin typed wrappers, one per supported call.
namespace sys {
inline long read(int fd, void* buf, size_t n) {
    return raw_syscall(abi::Sys::Read, fd, reinterpret_cast<long>(buf), static_cast<long>(n));
}
inline long write(int fd, const void* buf, size_t n) {
    return raw_syscall(abi::Sys::Write, fd, reinterpret_cast<long>(buf), static_cast<long>(n));
}
inline long close(int fd) { return raw_syscall(abi::Sys::Close, fd); }
inline long mmap(void* addr, size_t len, int prot, int flags, int fd, long offset) {
    return raw_syscall(abi::Sys::Mmap, reinterpret_cast<long>(addr), static_cast<long>(len), prot, flags, fd,
                       offset);
}
inline long munmap(void* addr, size_t len) {
    return raw_syscall(abi::Sys::Munmap, reinterpret_cast<long>(addr), static_cast<long>(len));
}
inline long getpid() { return raw_syscall(abi::Sys::Getpid); }
inline long arch_prctl(int code, unsigned long addr) {
    return raw_syscall(abi::Sys::ArchPrctl, code, static_cast<long>(addr));
}
[[noreturn]] inline void exit_group(int code) {
    raw_syscall(abi::Sys::ExitGroup, code);
    __builtin_unreachable();
}
}  // namespace sys
