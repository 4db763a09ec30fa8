/**
 * @file chapters/04-user/sys/file_calls.cpp
 * @brief The calls on file descriptors, chapter 04 version: there is no
 * descriptor table yet, and 0, 1 and 2 are all the console. read and
 * readv, write and writev differ only in how the UserIter is made.
 * (Chapter 06 replaces this file with a real per-process table.)
 */
#include "common/abi/linux.h"
#include "proc/console_io.h"
#include "proc/user_iter.h"
#include "sys/syscall.h"

using abi::Errno;

namespace {
constexpr uint32_t kConsoleFds = 3;  // 0, 1 and 2
bool is_console(uint32_t fd) { return fd < kConsoleFds; }
}  // namespace

/// RLIMIT_NOFILE (sys/info_calls.cpp): no descriptor but 0, 1 and 2 exists.
uint64_t descriptor_limit() { return kConsoleFds; }

/// read(fd, buf, count) on the console (fds 0-2): what the UART holds now.
Result<long> sys_read(const SyscallArgs& a) {
    if (!is_console(static_cast<uint32_t>(a.a0))) return Err(Errno::BadF);
    UserIter to = TRY(UserIter::buffer(a.a1, a.a2));
    return console_read_to_user(to);
}

/// write(fd, buf, count) on the console (fds 0-2).
Result<long> sys_write(const SyscallArgs& a) {
    if (!is_console(static_cast<uint32_t>(a.a0))) return Err(Errno::BadF);
    UserIter from = TRY(UserIter::buffer(a.a1, a.a2));
    return console_write_from_user(from);
}

/// readv(fd, iov, iovcnt) on the console: the iovec array is checked whole first.
Result<long> sys_readv(const SyscallArgs& a) {
    if (!is_console(static_cast<uint32_t>(a.a0))) return Err(Errno::BadF);
    UserIter to = TRY(UserIter::iovecs(a.a1, static_cast<uint32_t>(a.a2)));
    return console_read_to_user(to);
}

/// writev(fd, iov, iovcnt) on the console: how C libraries print.
Result<long> sys_writev(const SyscallArgs& a) {
    if (!is_console(static_cast<uint32_t>(a.a0))) return Err(Errno::BadF);
    UserIter from = TRY(UserIter::iovecs(a.a1, static_cast<uint32_t>(a.a2)));
    return console_write_from_user(from);
}
