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

// sys/proc_calls.cpp, sys/mem_calls.cpp and sys/file_calls.cpp
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
    return t;
}

constinit const SyscallTable g_table = make_table();

}  // namespace

SyscallHandler syscall_handler(uint32_t number) { return g_table.lookup(number); }
