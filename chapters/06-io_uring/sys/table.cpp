/**
 * @file chapters/06-io_uring/sys/table.cpp
 * @brief Which system calls chapter 06 has: chapter 04's, plus descriptors
 * (close, readv, writev, pipe2) and io_uring (setup, enter, register).
 */
#include "common/abi/linux.h"
#include "sys/syscall.h"

Result<long> sys_read(const SyscallArgs&);
Result<long> sys_write(const SyscallArgs&);
Result<long> sys_close(const SyscallArgs&);
Result<long> sys_mmap(const SyscallArgs&);
Result<long> sys_munmap(const SyscallArgs&);
Result<long> sys_mprotect(const SyscallArgs&);
Result<long> sys_brk(const SyscallArgs&);
Result<long> sys_readv(const SyscallArgs&);
Result<long> sys_writev(const SyscallArgs&);
Result<long> sys_getpid(const SyscallArgs&);
Result<long> sys_exit(const SyscallArgs&);
Result<long> sys_arch_prctl(const SyscallArgs&);
Result<long> sys_pipe2(const SyscallArgs&);
Result<long> sys_pipe(const SyscallArgs&);
Result<long> sys_io_uring_setup(const SyscallArgs&);
Result<long> sys_io_uring_enter(const SyscallArgs&);
Result<long> sys_io_uring_register(const SyscallArgs&);

namespace {

constexpr SyscallTable make_table() {
    SyscallTable t;
    t.set(abi::Sys::Read, sys_read);
    t.set(abi::Sys::Write, sys_write);
    t.set(abi::Sys::Close, sys_close);
    t.set(abi::Sys::Mmap, sys_mmap);
    t.set(abi::Sys::Munmap, sys_munmap);
    t.set(abi::Sys::Mprotect, sys_mprotect);
    t.set(abi::Sys::Brk, sys_brk);
    t.set(abi::Sys::Readv, sys_readv);
    t.set(abi::Sys::Writev, sys_writev);
    t.set(abi::Sys::Getpid, sys_getpid);
    t.set(abi::Sys::Exit, sys_exit);
    t.set(abi::Sys::ArchPrctl, sys_arch_prctl);
    t.set(abi::Sys::ExitGroup, sys_exit);
    t.set(abi::Sys::Pipe2, sys_pipe2);
    t.set(abi::Sys::Pipe, sys_pipe);
    t.set(abi::Sys::IoUringSetup, sys_io_uring_setup);
    t.set(abi::Sys::IoUringEnter, sys_io_uring_enter);
    t.set(abi::Sys::IoUringRegister, sys_io_uring_register);
    return t;
}

constinit const SyscallTable g_table = make_table();

}  // namespace

SyscallHandler syscall_handler(uint32_t number) { return g_table.lookup(number); }
