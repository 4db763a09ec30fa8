/**
 * @file chapters/04-user/sys/table.cpp
 * @brief Which system calls chapter 04 has: number -> handler.
 *
 * Linux's numbers (common/abi/linux.h). Every other number, negative and
 * huge ones included, finds an empty slot and gets -ENOSYS. Later chapters
 * replace this file to add their calls, so this list is the whole answer to
 * "what can a program ask this kernel to do?".
 */
#include "common/abi/linux.h"
#include "sys/syscall.h"

// sys/proc_calls.cpp, sys/heap_calls.cpp, sys/mem_calls.cpp, sys/file_calls.cpp and sys/info_calls.cpp
Result<long> sys_read(const SyscallArgs&);
Result<long> sys_write(const SyscallArgs&);
Result<long> sys_readv(const SyscallArgs&);
Result<long> sys_writev(const SyscallArgs&);
Result<long> sys_mmap(const SyscallArgs&);
Result<long> sys_munmap(const SyscallArgs&);
Result<long> sys_mprotect(const SyscallArgs&);
Result<long> sys_brk(const SyscallArgs&);
Result<long> sys_getpid(const SyscallArgs&);
Result<long> sys_exit(const SyscallArgs&);
Result<long> sys_arch_prctl(const SyscallArgs&);
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
    t.set(abi::Sys::Readv, sys_readv);
    t.set(abi::Sys::Writev, sys_writev);
    t.set(abi::Sys::Mmap, sys_mmap);
    t.set(abi::Sys::Munmap, sys_munmap);
    t.set(abi::Sys::Mprotect, sys_mprotect);
    t.set(abi::Sys::Brk, sys_brk);
    t.set(abi::Sys::Getpid, sys_getpid);
    t.set(abi::Sys::Exit, sys_exit);
    t.set(abi::Sys::ExitGroup, sys_exit);  // one thread per process: the same
    t.set(abi::Sys::ArchPrctl, sys_arch_prctl);
    // What C libraries ask as they start (sys/info_calls.cpp).
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
