/**
 * @file common/tests/test_abi.cpp
 * @brief Every value in common/abi/linux.h against the host's Linux headers.
 *
 * The course kernel runs unmodified Linux binaries only if its numbers are
 * Linux's numbers, so each constant is compared with the macro the host's
 * <asm/unistd_64.h>, <errno.h>, <signal.h>, <sys/mman.h>... define for it.
 * The file includes both on purpose: it also proves that no name in
 * common/abi/linux.h is rewritten by a libc macro. Each
 * table row carries the Linux spelling, so a failure names the value, and
 * errno_name()/signal_name() are checked against that spelling too.
 */
#include <criterion/criterion.h>

#include <asm/prctl.h>
#include <asm/unistd_64.h>
#include <elf.h>  // AT_* (the auxv types)
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/mman.h>  // PROT_SEM, which glibc does not define
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/sched.h>  // CLONE_*, CSIGNAL

#include <cstddef>
#include <cstring>
#include <type_traits>

#include "common/abi/linux.h"

namespace {

/// One constant: its Linux spelling, our value and the host's.
struct Row {
    const char* linux_name;
    long long ours;
    long long host;
};

// clang-format would break this braced list from its macro's name.
// clang-format off
#define ROW(ours, HOST) Row{#HOST, static_cast<long long>(ours), static_cast<long long>(HOST)}
// clang-format on

template <size_t N>
void check_rows(const Row (&rows)[N]) {
    for (const Row& row : rows)
        cr_expect_eq(row.ours, row.host, "%s: common/abi/linux.h says %lld, the host says %lld", row.linux_name,
                     row.ours, row.host);
}

}  // namespace

Test(abi, syscall_numbers) {
    using abi::Sys;
    const Row rows[] = {
        ROW(Sys::Read, __NR_read),
        ROW(Sys::Write, __NR_write),
        ROW(Sys::Close, __NR_close),
        ROW(Sys::Mmap, __NR_mmap),
        ROW(Sys::Mprotect, __NR_mprotect),
        ROW(Sys::Munmap, __NR_munmap),
        ROW(Sys::Brk, __NR_brk),
        ROW(Sys::RtSigaction, __NR_rt_sigaction),
        ROW(Sys::RtSigprocmask, __NR_rt_sigprocmask),
        ROW(Sys::RtSigreturn, __NR_rt_sigreturn),
        ROW(Sys::Ioctl, __NR_ioctl),
        ROW(Sys::Pipe, __NR_pipe),
        ROW(Sys::SchedYield, __NR_sched_yield),
        ROW(Sys::Nanosleep, __NR_nanosleep),
        ROW(Sys::Clone, __NR_clone),
        ROW(Sys::Gettid, __NR_gettid),
        ROW(Sys::Futex, __NR_futex),
        ROW(Sys::SetTidAddress, __NR_set_tid_address),
        ROW(Sys::ClockGettime, __NR_clock_gettime),
        ROW(Sys::ClockGetres, __NR_clock_getres),
        ROW(Sys::Readv, __NR_readv),
        ROW(Sys::Writev, __NR_writev),
        ROW(Sys::Getpid, __NR_getpid),
        ROW(Sys::Exit, __NR_exit),
        ROW(Sys::ArchPrctl, __NR_arch_prctl),
        ROW(Sys::ExitGroup, __NR_exit_group),
        ROW(Sys::Kill, __NR_kill),
        ROW(Sys::Uname, __NR_uname),
        ROW(Sys::Fcntl, __NR_fcntl),
        ROW(Sys::Getcwd, __NR_getcwd),
        ROW(Sys::Getrlimit, __NR_getrlimit),
        ROW(Sys::Getuid, __NR_getuid),
        ROW(Sys::Getgid, __NR_getgid),
        ROW(Sys::Geteuid, __NR_geteuid),
        ROW(Sys::Getegid, __NR_getegid),
        ROW(Sys::Getppid, __NR_getppid),
        ROW(Sys::Getresuid, __NR_getresuid),
        ROW(Sys::Getresgid, __NR_getresgid),
        ROW(Sys::Setrlimit, __NR_setrlimit),
        ROW(Sys::Tkill, __NR_tkill),
        ROW(Sys::SchedSetaffinity, __NR_sched_setaffinity),
        ROW(Sys::SchedGetaffinity, __NR_sched_getaffinity),
        ROW(Sys::Tgkill, __NR_tgkill),
        ROW(Sys::SetRobustList, __NR_set_robust_list),
        ROW(Sys::GetRobustList, __NR_get_robust_list),
        ROW(Sys::Prlimit64, __NR_prlimit64),
        ROW(Sys::Getrandom, __NR_getrandom),
        ROW(Sys::Pipe2, __NR_pipe2),
        ROW(Sys::IoUringSetup, __NR_io_uring_setup),
        ROW(Sys::IoUringEnter, __NR_io_uring_enter),
        ROW(Sys::IoUringRegister, __NR_io_uring_register),
    };
    check_rows(rows);
}

namespace {
using abi::Errno;
// The kernel's own (include/linux/errno.h), in no header a program sees.
constexpr int ERESTARTSYS = 512;
const Row kErrnoRows[] = {
    ROW(Errno::Perm, EPERM),
    ROW(Errno::NoEnt, ENOENT),
    ROW(Errno::Srch, ESRCH),
    ROW(Errno::Intr, EINTR),
    ROW(Errno::Io, EIO),
    ROW(Errno::NxIo, ENXIO),
    ROW(Errno::BadF, EBADF),
    ROW(Errno::Again, EAGAIN),
    ROW(Errno::NoMem, ENOMEM),
    ROW(Errno::Acces, EACCES),
    ROW(Errno::Fault, EFAULT),
    ROW(Errno::Busy, EBUSY),
    ROW(Errno::Exist, EEXIST),
    ROW(Errno::NoDev, ENODEV),
    ROW(Errno::Inval, EINVAL),
    ROW(Errno::MFile, EMFILE),
    ROW(Errno::NoTty, ENOTTY),
    ROW(Errno::NoSpc, ENOSPC),
    ROW(Errno::Pipe, EPIPE),
    ROW(Errno::Range, ERANGE),
    ROW(Errno::NoSys, ENOSYS),
    ROW(Errno::BadR, EBADR),
    ROW(Errno::Time, ETIME),
    ROW(Errno::DeadLk, EDEADLK),
    ROW(Errno::Overflow, EOVERFLOW),
    ROW(Errno::OpNotSupp, EOPNOTSUPP),
    ROW(Errno::TimedOut, ETIMEDOUT),
    ROW(Errno::Canceled, ECANCELED),
    ROW(Errno::OwnerDead, EOWNERDEAD),
    ROW(Errno::RestartSys, ERESTARTSYS),
};
}  // namespace

Test(abi, errno_values) { check_rows(kErrnoRows); }

Test(abi, errno_names_are_the_linux_spellings) {
    for (const Row& row : kErrnoRows)
        cr_expect_str_eq(abi::errno_name(static_cast<Errno>(row.ours)), row.linux_name);
    cr_expect_str_eq(abi::errno_name(static_cast<Errno>(9999)), "E?");
}

Test(abi, negated_errno_is_the_syscall_return) {
    cr_assert_eq(-Errno::Fault, -14L);
    cr_assert_eq(-Errno::NoSys, -static_cast<long>(ENOSYS));
    static_assert(std::is_same_v<decltype(-Errno::BadF), long>, "a syscall return is a long");
}

namespace {
using abi::Signal;
// Laid out by hand as a table: clang-format would put one entry on each line.
// clang-format off
const Row kSignalRows[] = {
    ROW(Signal::Hup, SIGHUP),       ROW(Signal::Int, SIGINT),       ROW(Signal::Quit, SIGQUIT),
    ROW(Signal::Ill, SIGILL),       ROW(Signal::Trap, SIGTRAP),     ROW(Signal::Abrt, SIGABRT),
    ROW(Signal::Bus, SIGBUS),       ROW(Signal::Fpe, SIGFPE),       ROW(Signal::Kill, SIGKILL),
    ROW(Signal::Usr1, SIGUSR1),     ROW(Signal::Segv, SIGSEGV),     ROW(Signal::Usr2, SIGUSR2),
    ROW(Signal::Pipe, SIGPIPE),     ROW(Signal::Alrm, SIGALRM),     ROW(Signal::Term, SIGTERM),
    ROW(Signal::StkFlt, SIGSTKFLT), ROW(Signal::Chld, SIGCHLD),     ROW(Signal::Cont, SIGCONT),
    ROW(Signal::Stop, SIGSTOP),     ROW(Signal::Tstp, SIGTSTP),     ROW(Signal::Ttin, SIGTTIN),
    ROW(Signal::Ttou, SIGTTOU),     ROW(Signal::Urg, SIGURG),       ROW(Signal::XCpu, SIGXCPU),
    ROW(Signal::XFsz, SIGXFSZ),     ROW(Signal::VtAlrm, SIGVTALRM), ROW(Signal::Prof, SIGPROF),
    ROW(Signal::Winch, SIGWINCH),   ROW(Signal::Io, SIGIO),         ROW(Signal::Pwr, SIGPWR),
    ROW(Signal::Sys, SIGSYS),
};
// clang-format on
}  // namespace

Test(abi, signal_values) {
    check_rows(kSignalRows);
    cr_expect_eq(abi::kSignalCount, _NSIG - 1, "signals are 1 to 64");
}

Test(abi, signal_names_and_exit_statuses) {
    for (const Row& row : kSignalRows)
        cr_expect_str_eq(abi::signal_name(static_cast<Signal>(row.ours)), row.linux_name);
    cr_expect_str_eq(abi::signal_name(static_cast<Signal>(0)), "SIG?");
    cr_expect_eq(abi::killed_exit_status(Signal::Segv), 139);
    cr_expect_eq(abi::killed_exit_status(Signal::Ill), 132);
    cr_expect_eq(abi::killed_exit_status(Signal::Fpe), 136);
}

Test(abi, arch_prctl_codes) {
    using abi::ArchPrctl;
    const Row rows[] = {
        ROW(ArchPrctl::SetGs, ARCH_SET_GS),
        ROW(ArchPrctl::SetFs, ARCH_SET_FS),
        ROW(ArchPrctl::GetFs, ARCH_GET_FS),
        ROW(ArchPrctl::GetGs, ARCH_GET_GS),
    };
    check_rows(rows);
}

Test(abi, mmap_prot_and_flags) {
    const Row rows[] = {
        ROW(abi::prot::None, PROT_NONE),
        ROW(abi::prot::Read, PROT_READ),
        ROW(abi::prot::Write, PROT_WRITE),
        ROW(abi::prot::Exec, PROT_EXEC),
        ROW(abi::prot::Sem, PROT_SEM),
        ROW(abi::prot::GrowsDown, PROT_GROWSDOWN),
        ROW(abi::prot::GrowsUp, PROT_GROWSUP),
        ROW(abi::map::Shared, MAP_SHARED),
        ROW(abi::map::Private, MAP_PRIVATE),
        ROW(abi::map::Fixed, MAP_FIXED),
        ROW(abi::map::Anonymous, MAP_ANONYMOUS),
        ROW(abi::map::Populate, MAP_POPULATE),
        ROW(abi::map::FixedNoReplace, MAP_FIXED_NOREPLACE),
    };
    check_rows(rows);
    cr_expect_eq(abi::map::Failed, reinterpret_cast<uint64_t>(MAP_FAILED));
}

Test(abi, open_and_fcntl_flags) {
    const Row rows[] = {
        ROW(abi::open_flag::ReadOnly, O_RDONLY),
        ROW(abi::open_flag::WriteOnly, O_WRONLY),
        ROW(abi::open_flag::ReadWrite, O_RDWR),
        ROW(abi::open_flag::AccessMode, O_ACCMODE),
        ROW(abi::open_flag::Append, O_APPEND),
        ROW(abi::open_flag::NonBlock, O_NONBLOCK),
        ROW(abi::open_flag::Async, O_ASYNC),
        ROW(abi::open_flag::Direct, O_DIRECT),
        ROW(abi::open_flag::LargeFile, 0100000),  // glibc's O_LARGEFILE is 0 on x86-64; the kernel's is this
        ROW(abi::open_flag::NoAtime, O_NOATIME),
        ROW(abi::open_flag::CloExec, O_CLOEXEC),
        ROW(abi::fcntl_cmd::DupFd, F_DUPFD),
        ROW(abi::fcntl_cmd::GetFd, F_GETFD),
        ROW(abi::fcntl_cmd::SetFd, F_SETFD),
        ROW(abi::fcntl_cmd::GetFl, F_GETFL),
        ROW(abi::fcntl_cmd::SetFl, F_SETFL),
        ROW(abi::fcntl_cmd::DupFdCloExec, F_DUPFD_CLOEXEC),
        ROW(abi::fcntl_cmd::FdCloExec, FD_CLOEXEC),
    };
    check_rows(rows);
}

Test(abi, ioctl_requests_and_terminal_structs) {
    const Row rows[] = {
        ROW(abi::ioctl_req::TcGets, TCGETS),
        ROW(abi::ioctl_req::TcSets, TCSETS),
        ROW(abi::ioctl_req::TcSetsW, TCSETSW),
        ROW(abi::ioctl_req::TcSetsF, TCSETSF),
        ROW(abi::ioctl_req::TiocGPgrp, TIOCGPGRP),
        ROW(abi::ioctl_req::TiocGWinSz, TIOCGWINSZ),
        ROW(abi::ioctl_req::TiocSWinSz, TIOCSWINSZ),
        ROW(abi::ioctl_req::FionRead, FIONREAD),
        ROW(abi::ioctl_req::FionBio, FIONBIO),
        ROW(abi::ioctl_req::FionClex, FIONCLEX),
        ROW(abi::ioctl_req::FioClex, FIOCLEX),
    };
    check_rows(rows);
    cr_expect_eq(sizeof(abi::WinSize), sizeof(struct winsize));
    cr_expect_eq(offsetof(abi::WinSize, rows), offsetof(struct winsize, ws_row));
    cr_expect_eq(offsetof(abi::WinSize, cols), offsetof(struct winsize, ws_col));
    cr_expect_eq(offsetof(abi::WinSize, xpixel), offsetof(struct winsize, ws_xpixel));
    cr_expect_eq(offsetof(abi::WinSize, ypixel), offsetof(struct winsize, ws_ypixel));
    // The kernel's struct termios (asm-generic/termbits.h): glibc's adds c_ispeed and c_ospeed after c_cc[32].
    cr_expect_eq(sizeof(abi::Termios), 36u);
    cr_expect_eq(offsetof(abi::Termios, iflag), offsetof(struct termios, c_iflag));
    cr_expect_eq(offsetof(abi::Termios, oflag), offsetof(struct termios, c_oflag));
    cr_expect_eq(offsetof(abi::Termios, cflag), offsetof(struct termios, c_cflag));
    cr_expect_eq(offsetof(abi::Termios, lflag), offsetof(struct termios, c_lflag));
    cr_expect_eq(offsetof(abi::Termios, line), offsetof(struct termios, c_line));
    cr_expect_eq(offsetof(abi::Termios, cc), offsetof(struct termios, c_cc));
}

Test(abi, uname_rlimit_getrandom) {
    cr_expect_eq(sizeof(abi::UtsName), sizeof(struct utsname));
    cr_expect_eq(offsetof(abi::UtsName, nodename), offsetof(struct utsname, nodename));
    cr_expect_eq(offsetof(abi::UtsName, release), offsetof(struct utsname, release));
    cr_expect_eq(offsetof(abi::UtsName, version), offsetof(struct utsname, version));
    cr_expect_eq(offsetof(abi::UtsName, machine), offsetof(struct utsname, machine));
    cr_expect_eq(offsetof(abi::UtsName, domainname), offsetof(struct utsname, domainname));
    cr_expect_eq(sizeof(abi::RLimit), sizeof(struct rlimit64));
    cr_expect_eq(offsetof(abi::RLimit, cur), offsetof(struct rlimit64, rlim_cur));
    cr_expect_eq(offsetof(abi::RLimit, max), offsetof(struct rlimit64, rlim_max));
    const Row rows[] = {
        ROW(abi::rlimit::Cpu, RLIMIT_CPU),
        ROW(abi::rlimit::FSize, RLIMIT_FSIZE),
        ROW(abi::rlimit::Data, RLIMIT_DATA),
        ROW(abi::rlimit::Stack, RLIMIT_STACK),
        ROW(abi::rlimit::Core, RLIMIT_CORE),
        ROW(abi::rlimit::Rss, RLIMIT_RSS),
        ROW(abi::rlimit::NProc, RLIMIT_NPROC),
        ROW(abi::rlimit::NoFile, RLIMIT_NOFILE),
        ROW(abi::rlimit::MemLock, RLIMIT_MEMLOCK),
        ROW(abi::rlimit::As, RLIMIT_AS),
        ROW(abi::rlimit::Locks, RLIMIT_LOCKS),
        ROW(abi::rlimit::SigPending, RLIMIT_SIGPENDING),
        ROW(abi::rlimit::MsgQueue, RLIMIT_MSGQUEUE),
        ROW(abi::rlimit::Nice, RLIMIT_NICE),
        ROW(abi::rlimit::RtPrio, RLIMIT_RTPRIO),
        ROW(abi::rlimit::RtTime, RLIMIT_RTTIME),
        ROW(abi::rlimit::Count, RLIMIT_NLIMITS),
        ROW(abi::rlimit::Infinity, RLIM64_INFINITY),
        ROW(abi::grnd::NonBlock, GRND_NONBLOCK),
        ROW(abi::grnd::Random, GRND_RANDOM),
        ROW(abi::grnd::Insecure, GRND_INSECURE),
    };
    check_rows(rows);
}

Test(abi, auxv_types) {
    using abi::Aux;
    const Row rows[] = {
        ROW(Aux::Null, AT_NULL),
        ROW(Aux::Phdr, AT_PHDR),
        ROW(Aux::PhEnt, AT_PHENT),
        ROW(Aux::PhNum, AT_PHNUM),
        ROW(Aux::PageSz, AT_PAGESZ),
        ROW(Aux::Base, AT_BASE),
        ROW(Aux::Flags, AT_FLAGS),
        ROW(Aux::Entry, AT_ENTRY),
        ROW(Aux::Uid, AT_UID),
        ROW(Aux::Euid, AT_EUID),
        ROW(Aux::Gid, AT_GID),
        ROW(Aux::Egid, AT_EGID),
        ROW(Aux::Platform, AT_PLATFORM),
        ROW(Aux::Hwcap, AT_HWCAP),
        ROW(Aux::ClkTck, AT_CLKTCK),
        ROW(Aux::Secure, AT_SECURE),
        ROW(Aux::Random, AT_RANDOM),
        ROW(Aux::Hwcap2, AT_HWCAP2),
        ROW(Aux::ExecFn, AT_EXECFN),
    };
    check_rows(rows);
}

Test(abi, iovec_layout) {
    cr_expect_eq(sizeof(abi::IoVec), sizeof(struct iovec));
    cr_expect_eq(offsetof(abi::IoVec, base), offsetof(struct iovec, iov_base));
    cr_expect_eq(offsetof(abi::IoVec, len), offsetof(struct iovec, iov_len));
    cr_expect_eq(sizeof(abi::IoVec::base), sizeof(iovec::iov_base));
    cr_expect_eq(sizeof(abi::IoVec::len), sizeof(iovec::iov_len));
}

Test(abi, clone_flags_and_clocks) {
    const Row rows[] = {
        ROW(abi::clone_flag::ExitSignalMask, CSIGNAL),
        ROW(abi::clone_flag::Vm, CLONE_VM),
        ROW(abi::clone_flag::Fs, CLONE_FS),
        ROW(abi::clone_flag::Files, CLONE_FILES),
        ROW(abi::clone_flag::SigHand, CLONE_SIGHAND),
        ROW(abi::clone_flag::Thread, CLONE_THREAD),
        ROW(abi::clone_flag::SysVSem, CLONE_SYSVSEM),
        ROW(abi::clone_flag::SetTls, CLONE_SETTLS),
        ROW(abi::clone_flag::ParentSetTid, CLONE_PARENT_SETTID),
        ROW(abi::clone_flag::ChildClearTid, CLONE_CHILD_CLEARTID),
        ROW(abi::clone_flag::Detached, CLONE_DETACHED),
        ROW(abi::clone_flag::ChildSetTid, CLONE_CHILD_SETTID),
        ROW(abi::Clock::Realtime, CLOCK_REALTIME),
        ROW(abi::Clock::Monotonic, CLOCK_MONOTONIC),
        ROW(abi::Clock::ProcessCputime, CLOCK_PROCESS_CPUTIME_ID),
        ROW(abi::Clock::ThreadCputime, CLOCK_THREAD_CPUTIME_ID),
        ROW(abi::Clock::MonotonicRaw, CLOCK_MONOTONIC_RAW),
        ROW(abi::Clock::RealtimeCoarse, CLOCK_REALTIME_COARSE),
        ROW(abi::Clock::MonotonicCoarse, CLOCK_MONOTONIC_COARSE),
        ROW(abi::Clock::Boottime, CLOCK_BOOTTIME),
    };
    check_rows(rows);
}

Test(abi, timespec_layout) {
    cr_expect_eq(sizeof(abi::TimeSpec), sizeof(struct timespec));
    cr_expect_eq(offsetof(abi::TimeSpec, sec), offsetof(struct timespec, tv_sec));
    cr_expect_eq(offsetof(abi::TimeSpec, nsec), offsetof(struct timespec, tv_nsec));
}

Test(abi, page_size) { cr_expect_eq(abi::kPageSize, static_cast<uint64_t>(sysconf(_SC_PAGESIZE))); }
