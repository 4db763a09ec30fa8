/**
 * @file chapters/06-io_uring/sys/table.cpp
 * @brief Which system calls chapter 06 has: chapter 04's, plus descriptors
 * (close, readv, writev, pipe2, fcntl, ioctl) and io_uring (setup, enter,
 * register).
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
Result<long> sys_fcntl(const SyscallArgs&);
Result<long> sys_ioctl(const SyscallArgs&);
Result<long> sys_uname(const SyscallArgs&);
Result<long> sys_get_id(const SyscallArgs&);
Result<long> sys_getres_id(const SyscallArgs&);
Result<long> sys_getppid(const SyscallArgs&);
Result<long> sys_getrlimit(const SyscallArgs&);
Result<long> sys_setrlimit(const SyscallArgs&);
Result<long> sys_prlimit64(const SyscallArgs&);
Result<long> sys_getcwd(const SyscallArgs&);
Result<long> sys_getrandom(const SyscallArgs&);

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
    t.set(abi::Sys::Fcntl, sys_fcntl);
    t.set(abi::Sys::Ioctl, sys_ioctl);
    // What C libraries ask as they start (chapter 04's sys/info_calls.cpp).
    t.set(abi::Sys::Uname, sys_uname);
    t.set(abi::Sys::Getuid, sys_get_id);
    t.set(abi::Sys::Geteuid, sys_get_id);
    t.set(abi::Sys::Getgid, sys_get_id);
    t.set(abi::Sys::Getegid, sys_get_id);
    t.set(abi::Sys::Getresuid, sys_getres_id);
    t.set(abi::Sys::Getresgid, sys_getres_id);
    t.set(abi::Sys::Getppid, sys_getppid);
    t.set(abi::Sys::Getrlimit, sys_getrlimit);
    t.set(abi::Sys::Setrlimit, sys_setrlimit);
    t.set(abi::Sys::Prlimit64, sys_prlimit64);
    t.set(abi::Sys::Getcwd, sys_getcwd);
    t.set(abi::Sys::Getrandom, sys_getrandom);
    return t;
}

constinit const SyscallTable g_table = make_table();

}  // namespace

SyscallHandler syscall_handler(uint32_t number) { return g_table.lookup(number); }
