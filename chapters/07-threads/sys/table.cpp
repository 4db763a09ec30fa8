/**
 * @file chapters/07-threads/sys/table.cpp
 * @brief Which system calls chapter 07 has: chapter 06's, plus threads
 * (clone, set_tid_address, gettid, sched_yield, exit of one thread, futex),
 * time (nanosleep, clock_gettime, clock_getres), sched_getaffinity and
 * sched_setaffinity, robust futex lists, and signals (rt_sigaction,
 * rt_sigprocmask, rt_sigreturn, kill, tgkill, tkill).
 * exit (60) now ends one thread; exit_group (231) the whole program.
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
Result<long> sys_clone(const SyscallArgs&);
Result<long> sys_set_tid_address(const SyscallArgs&);
Result<long> sys_gettid(const SyscallArgs&);
Result<long> sys_sched_yield(const SyscallArgs&);
Result<long> sys_exit_thread(const SyscallArgs&);
Result<long> sys_futex(const SyscallArgs&);
Result<long> sys_nanosleep(const SyscallArgs&);
Result<long> sys_clock_gettime(const SyscallArgs&);
Result<long> sys_clock_getres(const SyscallArgs&);
Result<long> sys_rt_sigprocmask(const SyscallArgs&);
Result<long> sys_rt_sigaction(const SyscallArgs&);
Result<long> sys_rt_sigreturn(const SyscallArgs&);
Result<long> sys_kill(const SyscallArgs&);
Result<long> sys_tgkill(const SyscallArgs&);
Result<long> sys_tkill(const SyscallArgs&);
Result<long> sys_set_robust_list(const SyscallArgs&);
Result<long> sys_get_robust_list(const SyscallArgs&);
Result<long> sys_sched_getaffinity(const SyscallArgs&);
Result<long> sys_sched_setaffinity(const SyscallArgs&);
Result<long> sys_ioctl(const SyscallArgs&);
Result<long> sys_fcntl(const SyscallArgs&);
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
    t.set(abi::Sys::Exit, sys_exit_thread);
    t.set(abi::Sys::ArchPrctl, sys_arch_prctl);
    t.set(abi::Sys::ExitGroup, sys_exit);
    t.set(abi::Sys::Pipe2, sys_pipe2);
    t.set(abi::Sys::Pipe, sys_pipe);
    t.set(abi::Sys::IoUringSetup, sys_io_uring_setup);
    t.set(abi::Sys::IoUringEnter, sys_io_uring_enter);
    t.set(abi::Sys::IoUringRegister, sys_io_uring_register);
    t.set(abi::Sys::Clone, sys_clone);
    t.set(abi::Sys::SetTidAddress, sys_set_tid_address);
    t.set(abi::Sys::Gettid, sys_gettid);
    t.set(abi::Sys::SchedYield, sys_sched_yield);
    t.set(abi::Sys::Futex, sys_futex);
    t.set(abi::Sys::Nanosleep, sys_nanosleep);
    t.set(abi::Sys::ClockGettime, sys_clock_gettime);
    t.set(abi::Sys::ClockGetres, sys_clock_getres);
    t.set(abi::Sys::RtSigprocmask, sys_rt_sigprocmask);
    t.set(abi::Sys::RtSigaction, sys_rt_sigaction);
    t.set(abi::Sys::RtSigreturn, sys_rt_sigreturn);
    t.set(abi::Sys::Kill, sys_kill);
    t.set(abi::Sys::Tgkill, sys_tgkill);
    t.set(abi::Sys::Tkill, sys_tkill);
    t.set(abi::Sys::SetRobustList, sys_set_robust_list);
    t.set(abi::Sys::GetRobustList, sys_get_robust_list);
    t.set(abi::Sys::SchedGetaffinity, sys_sched_getaffinity);
    t.set(abi::Sys::SchedSetaffinity, sys_sched_setaffinity);
    t.set(abi::Sys::Ioctl, sys_ioctl);
    t.set(abi::Sys::Fcntl, sys_fcntl);
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
