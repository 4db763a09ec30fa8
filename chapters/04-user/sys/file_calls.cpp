/**
 * @file chapters/04-user/sys/file_calls.cpp
 * @brief The calls on file descriptors, chapter 04 version: there is no
 * descriptor table yet, and 0, 1 and 2 are all the console.
 * (Chapter 06 replaces this file with a real per-process table.)
 */
#include "common/abi/linux.h"
#include "proc/console_io.h"
#include "proc/uaccess.h"
#include "sys/syscall.h"

using abi::Errno;

namespace {

constexpr uint64_t kMaxRwCount = 0x7ffff000;  // Linux's MAX_RW_COUNT: one call moves at most this

bool is_console(unsigned fd) { return fd <= 2; }

}  // namespace

/// read(fd, buf, count) on the console (fds 0-2): what the UART holds now.
Result<long> sys_read(const SyscallArgs& a) {
    const auto fd = static_cast<unsigned>(a.a0);
    const uint64_t buf = a.a1;
    if (!is_console(fd)) return Err(Errno::BadF);
    TRY(check_user_range(buf, a.a2));
    return console_read_to_user(buf, a.a2 < kMaxRwCount ? a.a2 : kMaxRwCount);
}

/// write(fd, buf, count) on the console (fds 0-2).
Result<long> sys_write(const SyscallArgs& a) {
    const auto fd = static_cast<unsigned>(a.a0);
    const uint64_t buf = a.a1;
    if (!is_console(fd)) return Err(Errno::BadF);
    TRY(check_user_range(buf, a.a2));
    return console_write_from_user(buf, a.a2 < kMaxRwCount ? a.a2 : kMaxRwCount);
}
