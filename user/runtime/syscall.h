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

/// Make system call number @p nr with up to six arguments. Any number may be
/// passed, including ones no kernel knows (they return -ENOSYS).
inline long raw_syscall(long nr, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0,
                        long a6 = 0) {
    long ret;
    register long r10 asm("r10") = a4;
    register long r8 asm("r8") = a5;
    register long r9 asm("r9") = a6;
    asm volatile("syscall"
                 : "=a"(ret)
                 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                 : "rcx", "r11", "memory");
    return ret;
}

/// Make system call @p nr with up to six arguments.
inline long raw_syscall(abi::Sys nr, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0,
                        long a6 = 0) {
    return raw_syscall(static_cast<long>(nr), a1, a2, a3, a4, a5, a6);
}

/// Thin typed wrappers, one per supported call. Each returns the raw result:
/// >= 0 on success, a negated errno (compare with -abi::Errno::Fault) on error.
namespace sys {
/// read(2): up to @p n bytes from @p fd into @p buf.
inline long read(int fd, void* buf, size_t n) {
    return raw_syscall(abi::Sys::Read, fd, reinterpret_cast<long>(buf), static_cast<long>(n));
}
/// write(2): up to @p n bytes from @p buf to @p fd.
inline long write(int fd, const void* buf, size_t n) {
    return raw_syscall(abi::Sys::Write, fd, reinterpret_cast<long>(buf), static_cast<long>(n));
}
/// readv(2): scatter read into @p count buffers.
inline long readv(int fd, const abi::IoVec* iov, int count) {
    return raw_syscall(abi::Sys::Readv, fd, reinterpret_cast<long>(iov), count);
}
/// writev(2): gather write from @p count buffers.
inline long writev(int fd, const abi::IoVec* iov, int count) {
    return raw_syscall(abi::Sys::Writev, fd, reinterpret_cast<long>(iov), count);
}
/// close(2).
inline long close(int fd) { return raw_syscall(abi::Sys::Close, fd); }
/// pipe2(2): fds[0] is the read end, fds[1] the write end; @p flags from abi::open_flag.
inline long pipe2(int fds[2], int flags) {
    return raw_syscall(abi::Sys::Pipe2, reinterpret_cast<long>(fds), flags);
}
/// mmap(2): returns the address, or a negated errno.
inline long mmap(void* addr, size_t len, int prot, int flags, int fd, long offset) {
    return raw_syscall(abi::Sys::Mmap, reinterpret_cast<long>(addr), static_cast<long>(len), prot, flags, fd,
                       offset);
}
/// munmap(2).
inline long munmap(void* addr, size_t len) {
    return raw_syscall(abi::Sys::Munmap, reinterpret_cast<long>(addr), static_cast<long>(len));
}
/// getpid(2).
inline long getpid() { return raw_syscall(abi::Sys::Getpid); }
/// sched_setaffinity(2): let thread @p tid (0: this one) run only on the
/// CPUs @p mask names (bit N: CPU N).
inline long sched_setaffinity(int tid, uint64_t mask) {
    return raw_syscall(abi::Sys::SchedSetaffinity, tid, static_cast<long>(sizeof mask), reinterpret_cast<long>(&mask));
}
/// arch_prctl(2) with a raw code (so programs can also pass invalid ones).
inline long arch_prctl(int code, unsigned long addr) {
    return raw_syscall(abi::Sys::ArchPrctl, code, static_cast<long>(addr));
}
/// arch_prctl(2): set (SetFs/SetGs: @p addr is the base) or get (GetFs/GetGs:
/// the base is stored at @p addr).
inline long arch_prctl(abi::ArchPrctl code, unsigned long addr) {
    return arch_prctl(static_cast<int>(code), addr);
}
/// exit(2): end this thread. With one thread per process, the process.
[[noreturn]] inline void exit(int code) {
    raw_syscall(abi::Sys::Exit, code);
    __builtin_unreachable();
}
/// exit_group(2): end the process with status @p code (0-255).
[[noreturn]] inline void exit_group(int code) {
    raw_syscall(abi::Sys::ExitGroup, code);
    __builtin_unreachable();
}
}  // namespace sys
