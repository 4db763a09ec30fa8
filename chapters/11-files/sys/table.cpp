/**
 * @file chapters/11-files/sys/table.cpp
 * @brief Which system calls chapter 11 has: chapter 07's (threads, time,
 * signals, fcntl and ioctl, what C libraries ask as they start), plus the calls of files and directories: open,
 * openat, creat, lseek, pread64, pwrite64, getdents64, ftruncate,
 * truncate, fsync, fdatasync, dup, dup2, dup3, umask (sys/open_calls.cpp);
 * mkdir, mkdirat, rmdir, unlink, unlinkat, rename, renameat, renameat2,
 * chdir, fchdir, getcwd, chmod, fchmod, fchmodat (sys/dir_calls.cpp); stat, lstat, fstat,
 * newfstatat, statx, access, faccessat, faccessat2, readlink, readlinkat,
 * utimensat (sys/stat_calls.cpp).
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
Result<long> sys_getrandom(const SyscallArgs&);
Result<long> sys_open(const SyscallArgs&);
Result<long> sys_openat(const SyscallArgs&);
Result<long> sys_creat(const SyscallArgs&);
Result<long> sys_lseek(const SyscallArgs&);
Result<long> sys_pread64(const SyscallArgs&);
Result<long> sys_pwrite64(const SyscallArgs&);
Result<long> sys_getdents64(const SyscallArgs&);
Result<long> sys_ftruncate(const SyscallArgs&);
Result<long> sys_truncate(const SyscallArgs&);
Result<long> sys_fsync(const SyscallArgs&);
Result<long> sys_fadvise64(const SyscallArgs&);
Result<long> sys_dup(const SyscallArgs&);
Result<long> sys_dup2(const SyscallArgs&);
Result<long> sys_dup3(const SyscallArgs&);
Result<long> sys_umask(const SyscallArgs&);
Result<long> sys_mkdir(const SyscallArgs&);
Result<long> sys_mkdirat(const SyscallArgs&);
Result<long> sys_rmdir(const SyscallArgs&);
Result<long> sys_unlink(const SyscallArgs&);
Result<long> sys_unlinkat(const SyscallArgs&);
Result<long> sys_rename(const SyscallArgs&);
Result<long> sys_renameat(const SyscallArgs&);
Result<long> sys_renameat2(const SyscallArgs&);
Result<long> sys_chdir(const SyscallArgs&);
Result<long> sys_fchdir(const SyscallArgs&);
Result<long> sys_getcwd(const SyscallArgs&);
Result<long> sys_stat(const SyscallArgs&);
Result<long> sys_fstat(const SyscallArgs&);
Result<long> sys_newfstatat(const SyscallArgs&);
Result<long> sys_statx(const SyscallArgs&);
Result<long> sys_access(const SyscallArgs&);
Result<long> sys_faccessat(const SyscallArgs&);
Result<long> sys_faccessat2(const SyscallArgs&);
Result<long> sys_readlink(const SyscallArgs&);
Result<long> sys_readlinkat(const SyscallArgs&);
Result<long> sys_utimensat(const SyscallArgs&);
Result<long> sys_chmod(const SyscallArgs&);
Result<long> sys_fchmod(const SyscallArgs&);
Result<long> sys_fchmodat(const SyscallArgs&);

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
    t.set(abi::Sys::Getrandom, sys_getrandom);
    t.set(abi::Sys::Open, sys_open);
    t.set(abi::Sys::Openat, sys_openat);
    t.set(abi::Sys::Creat, sys_creat);
    t.set(abi::Sys::Lseek, sys_lseek);
    t.set(abi::Sys::Pread64, sys_pread64);
    t.set(abi::Sys::Pwrite64, sys_pwrite64);
    t.set(abi::Sys::Getdents64, sys_getdents64);
    t.set(abi::Sys::Ftruncate, sys_ftruncate);
    t.set(abi::Sys::Truncate, sys_truncate);
    t.set(abi::Sys::Fsync, sys_fsync);
    t.set(abi::Sys::Fdatasync, sys_fsync);
    t.set(abi::Sys::Fadvise64, sys_fadvise64);
    t.set(abi::Sys::Dup, sys_dup);
    t.set(abi::Sys::Dup2, sys_dup2);
    t.set(abi::Sys::Dup3, sys_dup3);
    t.set(abi::Sys::Umask, sys_umask);
    t.set(abi::Sys::Mkdir, sys_mkdir);
    t.set(abi::Sys::Mkdirat, sys_mkdirat);
    t.set(abi::Sys::Rmdir, sys_rmdir);
    t.set(abi::Sys::Unlink, sys_unlink);
    t.set(abi::Sys::Unlinkat, sys_unlinkat);
    t.set(abi::Sys::Rename, sys_rename);
    t.set(abi::Sys::Renameat, sys_renameat);
    t.set(abi::Sys::Renameat2, sys_renameat2);
    t.set(abi::Sys::Chdir, sys_chdir);
    t.set(abi::Sys::Fchdir, sys_fchdir);
    t.set(abi::Sys::Getcwd, sys_getcwd);
    t.set(abi::Sys::Stat, sys_stat);
    t.set(abi::Sys::Lstat, sys_stat);
    t.set(abi::Sys::Fstat, sys_fstat);
    t.set(abi::Sys::Newfstatat, sys_newfstatat);
    t.set(abi::Sys::Statx, sys_statx);
    t.set(abi::Sys::Access, sys_access);
    t.set(abi::Sys::Faccessat, sys_faccessat);
    t.set(abi::Sys::Faccessat2, sys_faccessat2);
    t.set(abi::Sys::Readlink, sys_readlink);
    t.set(abi::Sys::Readlinkat, sys_readlinkat);
    t.set(abi::Sys::Utimensat, sys_utimensat);
    t.set(abi::Sys::Chmod, sys_chmod);
    t.set(abi::Sys::Fchmod, sys_fchmod);
    t.set(abi::Sys::Fchmodat, sys_fchmodat);
    return t;
}

constinit const SyscallTable g_table = make_table();

}  // namespace

SyscallHandler syscall_handler(uint32_t number) { return g_table.lookup(number); }
