/**
 * @file chapters/04-user/sys/file_calls.cpp
 * @brief The calls on file descriptors, chapter 04 version: there is no
 * descriptor table yet, and 0, 1 and 2 are all the console.
 * (Chapter 06 replaces this file with a real per-process table.)
 */
#include "common/abi/linux.h"
#include "kernel/console.h"
#include "proc/process.h"
#include "proc/uaccess.h"
#include "sys/syscall.h"

using abi::Errno;

namespace {
bool is_console(uint64_t fd) { return fd <= 2; }
}  // namespace

/// read(fd, buf, count) on the console (fds 0-2): what the UART holds now.
long sys_read(const SyscallArgs& a) {
    if (!is_console(a.a0)) return -Errno::BadF;
    if (a.a2 == 0) return 0;
    if (!user_range_ok(current_process()->space, a.a1, a.a2, true)) return -Errno::Fault;
    // Console input is minimal: what the UART holds now; 0 (end of file) if
    // nothing is waiting. A blocking read would hang the tests.
    return static_cast<long>(console_read(reinterpret_cast<char*>(a.a1), a.a2));
}

/// write(fd, buf, count) on the console (fds 0-2): all @p count bytes.
long sys_write(const SyscallArgs& a) {
    if (!is_console(a.a0)) return -Errno::BadF;
    if (!user_range_ok(current_process()->space, a.a1, a.a2, false)) return -Errno::Fault;
    console_write(reinterpret_cast<const char*>(a.a1), a.a2);
    return static_cast<long>(a.a2);
}

// No table to set up or tear down yet.
void files_open(Process*) {}
void files_close(Process*) {}

/// mmap of a file descriptor (not MAP_ANONYMOUS): the console cannot be mapped.
long mmap_file(const SyscallArgs& a) { return is_console(a.a4) ? -Errno::NoDev : -Errno::BadF; }
