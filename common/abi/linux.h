/**
 * @file common/abi/linux.h
 * @brief The Linux x86-64 ABI values this course implements.
 *
 * Syscall numbers, errno values, signals, and the flag values of the calls
 * the kernel supports, with Linux's numbers, so that a static binary built
 * for Linux runs unchanged. Shared by the kernel, user programs and host
 * tests; common/tests/test_abi.cpp checks every value against the host's own
 * Linux headers. Values and a few constexpr helpers only.
 *
 * Naming. Linux spells these as macros (EFAULT, SIGSEGV, MAP_PRIVATE...), and
 * a host file that includes <errno.h> or <sys/mman.h> gets those macros, which
 * would rewrite any declaration here with the same spelling. So no name below
 * is a libc macro: each family is an enum class or a namespace, and each
 * value is the Linux name without its prefix, in CamelCase:
 *
 *     Linux                   here
 *     __NR_write              abi::Sys::Write
 *     return -EFAULT;         return -abi::Errno::Fault;   (a long: -14)
 *     SIGSEGV                 abi::Signal::Segv
 *     ARCH_SET_FS             abi::ArchPrctl::SetFs
 *     PROT_READ | PROT_WRITE  abi::prot::Read | abi::prot::Write
 *     MAP_PRIVATE             abi::map::Private
 *     O_CLOEXEC               abi::open_flag::CloExec
 *     AT_PHDR                 abi::Aux::Phdr
 *     struct iovec            abi::IoVec
 */
#pragma once

#include <cstdint>

namespace abi {

/// Syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl).
enum class Sys : long {
    Read = 0,
    Write = 1,
    Open = 2,
    Close = 3,
    Stat = 4,
    Fstat = 5,
    Lstat = 6,
    Lseek = 8,
    Mmap = 9,
    Mprotect = 10,
    Munmap = 11,
    Brk = 12,
    RtSigaction = 13,
    RtSigprocmask = 14,
    RtSigreturn = 15,
    Ioctl = 16,
    Pread64 = 17,
    Pwrite64 = 18,
    Readv = 19,
    Writev = 20,
    Access = 21,
    Pipe = 22,
    SchedYield = 24,
    Dup = 32,
    Dup2 = 33,
    Nanosleep = 35,
    Getpid = 39,
    Clone = 56,
    Fork = 57,
    Vfork = 58,
    Execve = 59,
    Exit = 60,
    Wait4 = 61,
    Kill = 62,
    Uname = 63,
    Fcntl = 72,
    Fsync = 74,
    Fdatasync = 75,
    Truncate = 76,
    Ftruncate = 77,
    Getcwd = 79,
    Chdir = 80,
    Fchdir = 81,
    Rename = 82,
    Mkdir = 83,
    Rmdir = 84,
    Creat = 85,
    Unlink = 87,
    Readlink = 89,
    Chmod = 90,
    Fchmod = 91,
    Umask = 95,
    Getrlimit = 97,
    Getuid = 102,
    Getgid = 104,
    Geteuid = 107,
    Getegid = 108,
    Getppid = 110,
    Getresuid = 118,
    Getresgid = 120,
    ArchPrctl = 158,
    Setrlimit = 160,
    Gettid = 186,
    Tkill = 200,
    Futex = 202,
    SchedSetaffinity = 203,
    SchedGetaffinity = 204,
    Getdents64 = 217,
    SetTidAddress = 218,
    Fadvise64 = 221,
    ClockGettime = 228,
    ClockGetres = 229,
    ExitGroup = 231,
    Tgkill = 234,
    Openat = 257,
    Mkdirat = 258,
    Newfstatat = 262,
    Unlinkat = 263,
    Renameat = 264,
    Readlinkat = 267,
    Fchmodat = 268,
    Faccessat = 269,
    SetRobustList = 273,
    GetRobustList = 274,
    Utimensat = 280,
    Dup3 = 292,
    Pipe2 = 293,
    Prlimit64 = 302,
    Renameat2 = 316,
    Getrandom = 318,
    Statx = 332,
    IoUringSetup = 425,
    IoUringEnter = 426,
    IoUringRegister = 427,
    Faccessat2 = 439,
};

/// errno values (include/uapi/asm-generic/errno-base.h, errno.h): the Linux
/// name without its leading E. Syscalls return them negated; write
/// `-Errno::Fault` for Linux's `-EFAULT` (see operator- below).
enum class Errno : int {
    Perm = 1,         ///< EPERM: operation not permitted
    NoEnt = 2,        ///< ENOENT: no such file or directory
    Srch = 3,         ///< ESRCH: no such process
    Intr = 4,         ///< EINTR: interrupted system call
    Io = 5,           ///< EIO: I/O error
    NxIo = 6,         ///< ENXIO: no such device or address (io_uring: nothing registered; SEEK_DATA past the end)
    TooBig = 7,       ///< E2BIG: argument list too long (execve)
    NoExec = 8,       ///< ENOEXEC: exec format error: not an executable this kernel runs
    BadF = 9,         ///< EBADF: bad file descriptor
    Child = 10,       ///< ECHILD: no child processes (wait4)
    Again = 11,       ///< EAGAIN: try again (would block)
    NoMem = 12,       ///< ENOMEM: out of memory
    Acces = 13,       ///< EACCES: permission denied (a file opened without the access asked for)
    Fault = 14,       ///< EFAULT: bad address
    Busy = 16,        ///< EBUSY: device or resource busy
    Exist = 17,       ///< EEXIST: already exists
    XDev = 18,        ///< EXDEV: cross-device link
    NoDev = 19,       ///< ENODEV: no such device
    NotDir = 20,      ///< ENOTDIR: not a directory (a path component, or O_DIRECTORY)
    IsDir = 21,       ///< EISDIR: is a directory (opened for writing, unlinked)
    Inval = 22,       ///< EINVAL: invalid argument
    MFile = 24,       ///< EMFILE: too many open files
    NoTty = 25,       ///< ENOTTY: not a terminal (an ioctl the file does not know)
    FBig = 27,        ///< EFBIG: file too large
    NoSpc = 28,       ///< ENOSPC: no space left
    SPipe = 29,       ///< ESPIPE: illegal seek (lseek on a pipe)
    Pipe = 32,        ///< EPIPE: broken pipe
    Range = 34,       ///< ERANGE: result out of range
    DeadLk = 35,      ///< EDEADLK: would wait forever (io_uring_enter with nothing left to run)
    NameTooLong = 36, ///< ENAMETOOLONG: file name too long
    NoSys = 38,       ///< ENOSYS: no such system call
    NotEmpty = 39,    ///< ENOTEMPTY: directory not empty
    Loop = 40,        ///< ELOOP: too many levels of symbolic links
    BadR = 53,        ///< EBADR: invalid request descriptor (io_uring: completions were lost)
    Time = 62,        ///< ETIME: timer expired
    Overflow = 75,    ///< EOVERFLOW: value too large
    OpNotSupp = 95,   ///< EOPNOTSUPP: operation not supported
    TimedOut = 110,   ///< ETIMEDOUT: a wait's time ran out (futex)
    Already = 114,    ///< EALREADY: already in progress (io_uring: too late to cancel)
    Canceled = 125,   ///< ECANCELED: operation canceled
    OwnerDead = 130,  ///< EOWNERDEAD: the owner is gone (io_uring: the SQPOLL thread)
    /// ERESTARTSYS (include/linux/errno.h): inside the kernel only. A wait
    /// cut short by a signal returns it; on the way out, the call is
    /// restarted (the handler has SA_RESTART, or no handler runs) or it
    /// becomes EINTR. No program ever sees 512.
    RestartSys = 512,
};

/// A syscall's negated return value for @p e: `-Errno::Fault` is -14L, so a
/// handler reads like Linux (`return -Errno::BadF;`) and compares the same
/// way (`if (ret == -Errno::Fault)`).
constexpr long operator-(Errno e) { return -static_cast<long>(e); }

/// The Linux spelling of @p e ("EFAULT"), for logs; "E?" if unknown.
constexpr const char* errno_name(Errno e) {
    switch (e) {
    case Errno::Perm: return "EPERM";
    case Errno::NoEnt: return "ENOENT";
    case Errno::Srch: return "ESRCH";
    case Errno::Intr: return "EINTR";
    case Errno::Io: return "EIO";
    case Errno::NxIo: return "ENXIO";
    case Errno::TooBig: return "E2BIG";
    case Errno::NoExec: return "ENOEXEC";
    case Errno::BadF: return "EBADF";
    case Errno::Child: return "ECHILD";
    case Errno::Again: return "EAGAIN";
    case Errno::NoMem: return "ENOMEM";
    case Errno::Acces: return "EACCES";
    case Errno::Fault: return "EFAULT";
    case Errno::Busy: return "EBUSY";
    case Errno::Exist: return "EEXIST";
    case Errno::XDev: return "EXDEV";
    case Errno::NoDev: return "ENODEV";
    case Errno::NotDir: return "ENOTDIR";
    case Errno::IsDir: return "EISDIR";
    case Errno::Inval: return "EINVAL";
    case Errno::MFile: return "EMFILE";
    case Errno::NoTty: return "ENOTTY";
    case Errno::FBig: return "EFBIG";
    case Errno::NoSpc: return "ENOSPC";
    case Errno::SPipe: return "ESPIPE";
    case Errno::Pipe: return "EPIPE";
    case Errno::Range: return "ERANGE";
    case Errno::DeadLk: return "EDEADLK";
    case Errno::NameTooLong: return "ENAMETOOLONG";
    case Errno::NoSys: return "ENOSYS";
    case Errno::NotEmpty: return "ENOTEMPTY";
    case Errno::Loop: return "ELOOP";
    case Errno::BadR: return "EBADR";
    case Errno::Time: return "ETIME";
    case Errno::Overflow: return "EOVERFLOW";
    case Errno::OpNotSupp: return "EOPNOTSUPP";
    case Errno::TimedOut: return "ETIMEDOUT";
    case Errno::Already: return "EALREADY";
    case Errno::Canceled: return "ECANCELED";
    case Errno::OwnerDead: return "EOWNERDEAD";
    case Errno::RestartSys: return "ERESTARTSYS";
    }
    return "E?";
}

/// Signals (asm/signal.h): the Linux name without SIG. 32 to 64 are the
/// real-time signals, which have no names.
enum class Signal : int {
    Hup = 1,      ///< SIGHUP: the terminal hung up
    Int = 2,      ///< SIGINT: Ctrl-C
    Quit = 3,     ///< SIGQUIT: Ctrl-backslash
    Ill = 4,      ///< SIGILL: illegal instruction (#UD)
    Trap = 5,     ///< SIGTRAP: breakpoint or single step (#BP, #DB)
    Abrt = 6,     ///< SIGABRT: abort()
    Bus = 7,      ///< SIGBUS: bus error (#AC; a mapping past its file)
    Fpe = 8,      ///< SIGFPE: arithmetic fault (#DE, x87/SSE faults)
    Kill = 9,     ///< SIGKILL: killed; cannot be caught, blocked or ignored
    Usr1 = 10,    ///< SIGUSR1: the program's own
    Segv = 11,    ///< SIGSEGV: bad memory access (#PF, #GP, #SS)
    Usr2 = 12,    ///< SIGUSR2: the program's own
    Pipe = 13,    ///< SIGPIPE: write to a pipe with no reader
    Alrm = 14,    ///< SIGALRM: alarm()
    Term = 15,    ///< SIGTERM: please end
    StkFlt = 16,  ///< SIGSTKFLT: unused on x86
    Chld = 17,    ///< SIGCHLD: a child stopped or ended
    Cont = 18,    ///< SIGCONT: continue if stopped
    Stop = 19,    ///< SIGSTOP: stop; cannot be caught, blocked or ignored
    Tstp = 20,    ///< SIGTSTP: Ctrl-Z
    Ttin = 21,    ///< SIGTTIN: background read from the terminal
    Ttou = 22,    ///< SIGTTOU: background write to the terminal
    Urg = 23,     ///< SIGURG: urgent socket data
    XCpu = 24,    ///< SIGXCPU: CPU time limit
    XFsz = 25,    ///< SIGXFSZ: file size limit
    VtAlrm = 26,  ///< SIGVTALRM: virtual timer
    Prof = 27,    ///< SIGPROF: profiling timer
    Winch = 28,   ///< SIGWINCH: the terminal's size changed
    Io = 29,      ///< SIGIO: I/O possible
    Pwr = 30,     ///< SIGPWR: power failure
    Sys = 31,     ///< SIGSYS: bad system call (seccomp)
};

/// The highest signal number (_NSIG): signals are 1 to 64.
inline constexpr int kSignalCount = 64;

/// The Linux spelling of @p s ("SIGSEGV"); "SIG?" for 0, a real-time
/// signal or anything else.
constexpr const char* signal_name(Signal s) {
    switch (s) {
    case Signal::Hup: return "SIGHUP";
    case Signal::Int: return "SIGINT";
    case Signal::Quit: return "SIGQUIT";
    case Signal::Ill: return "SIGILL";
    case Signal::Trap: return "SIGTRAP";
    case Signal::Abrt: return "SIGABRT";
    case Signal::Bus: return "SIGBUS";
    case Signal::Fpe: return "SIGFPE";
    case Signal::Kill: return "SIGKILL";
    case Signal::Usr1: return "SIGUSR1";
    case Signal::Segv: return "SIGSEGV";
    case Signal::Usr2: return "SIGUSR2";
    case Signal::Pipe: return "SIGPIPE";
    case Signal::Alrm: return "SIGALRM";
    case Signal::Term: return "SIGTERM";
    case Signal::StkFlt: return "SIGSTKFLT";
    case Signal::Chld: return "SIGCHLD";
    case Signal::Cont: return "SIGCONT";
    case Signal::Stop: return "SIGSTOP";
    case Signal::Tstp: return "SIGTSTP";
    case Signal::Ttin: return "SIGTTIN";
    case Signal::Ttou: return "SIGTTOU";
    case Signal::Urg: return "SIGURG";
    case Signal::XCpu: return "SIGXCPU";
    case Signal::XFsz: return "SIGXFSZ";
    case Signal::VtAlrm: return "SIGVTALRM";
    case Signal::Prof: return "SIGPROF";
    case Signal::Winch: return "SIGWINCH";
    case Signal::Io: return "SIGIO";
    case Signal::Pwr: return "SIGPWR";
    case Signal::Sys: return "SIGSYS";
    }
    return "SIG?";
}

/// The exit status a shell reports for a process killed by @p s: 128 + the
/// signal number (SIGSEGV -> 139). The course's kernel reports the same.
constexpr int killed_exit_status(Signal s) { return 128 + static_cast<int>(s); }

/// arch_prctl codes (asm/prctl.h): the Linux name without ARCH_.
enum class ArchPrctl : int {
    SetGs = 0x1001,  ///< ARCH_SET_GS: set the user GS base to addr
    SetFs = 0x1002,  ///< ARCH_SET_FS: set the user FS base (TLS) to addr
    GetFs = 0x1003,  ///< ARCH_GET_FS: store the FS base at *(uint64_t*)addr
    GetGs = 0x1004,  ///< ARCH_GET_GS: store the GS base at *(uint64_t*)addr
};

/// mmap protection bits (asm-generic/mman-common.h): PROT_READ is prot::Read.
namespace prot {
inline constexpr int None = 0x0;   ///< PROT_NONE: no access
inline constexpr int Read = 0x1;   ///< PROT_READ
inline constexpr int Write = 0x2;  ///< PROT_WRITE
inline constexpr int Exec = 0x4;   ///< PROT_EXEC
inline constexpr int Sem = 0x8;    ///< PROT_SEM: usable for atomic operations (no effect on x86)
inline constexpr int GrowsDown = 0x01000000;  ///< PROT_GROWSDOWN: extend the change down a stack mapping
inline constexpr int GrowsUp = 0x02000000;    ///< PROT_GROWSUP: the same, upwards
}  // namespace prot

/// mmap flags (asm-generic/mman-common.h, mman.h): MAP_PRIVATE is map::Private.
namespace map {
inline constexpr int Shared = 0x01;             ///< MAP_SHARED
inline constexpr int Private = 0x02;            ///< MAP_PRIVATE
inline constexpr int Fixed = 0x10;              ///< MAP_FIXED: exactly at addr, replacing
inline constexpr int Anonymous = 0x20;          ///< MAP_ANONYMOUS: no file, zero-filled
inline constexpr int Populate = 0x8000;         ///< MAP_POPULATE: map the pages now
inline constexpr int FixedNoReplace = 0x100000; ///< MAP_FIXED_NOREPLACE: at addr, or EEXIST
/// MAP_FAILED ((void*)-1) as a number. The raw syscall returns -errno
/// instead, so only a libc-style wrapper ever produces this.
inline constexpr uint64_t Failed = ~0ull;
}  // namespace map

/// pipe2 / open flags (asm-generic/fcntl.h): O_CLOEXEC is open_flag::CloExec.
/// The access mode and the status flags are what fcntl(F_GETFL) reports.
namespace open_flag {
inline constexpr int ReadOnly = 0;        ///< O_RDONLY (an access mode, in the low two bits)
inline constexpr int WriteOnly = 1;       ///< O_WRONLY
inline constexpr int ReadWrite = 2;       ///< O_RDWR
inline constexpr int AccessMode = 3;      ///< O_ACCMODE: the bits of the access mode
inline constexpr int Append = 02000;      ///< O_APPEND: every write at the end
inline constexpr int NonBlock = 04000;    ///< O_NONBLOCK
inline constexpr int Async = 020000;      ///< O_ASYNC (FASYNC): SIGIO when I/O is possible
inline constexpr int Direct = 040000;     ///< O_DIRECT: no page cache (on a pipe: packets)
inline constexpr int LargeFile = 0100000; ///< O_LARGEFILE: always set by open() on 64-bit Linux
inline constexpr int NoAtime = 01000000;  ///< O_NOATIME: do not update the access time
inline constexpr int CloExec = 02000000;  ///< O_CLOEXEC
}  // namespace open_flag

/// fcntl commands and descriptor flags (asm-generic/fcntl.h): F_GETFD is fcntl_cmd::GetFd.
namespace fcntl_cmd {
inline constexpr int DupFd = 0;            ///< F_DUPFD: a copy at the lowest free descriptor >= arg
inline constexpr int GetFd = 1;            ///< F_GETFD: the descriptor's flags (FD_CLOEXEC)
inline constexpr int SetFd = 2;            ///< F_SETFD
inline constexpr int GetFl = 3;            ///< F_GETFL: the open file's access mode and status flags
inline constexpr int SetFl = 4;            ///< F_SETFL
inline constexpr int DupFdCloExec = 1030;  ///< F_DUPFD_CLOEXEC: F_DUPFD, with FD_CLOEXEC set
inline constexpr int FdCloExec = 1;        ///< FD_CLOEXEC: the one descriptor flag
}  // namespace fcntl_cmd

/// ioctl requests (asm-generic/ioctls.h): TIOCGWINSZ is ioctl_req::TiocGWinSz.
namespace ioctl_req {
inline constexpr uint32_t TcGets = 0x5401;      ///< TCGETS: read the terminal's struct termios
inline constexpr uint32_t TcSets = 0x5402;      ///< TCSETS: set it now
inline constexpr uint32_t TcSetsW = 0x5403;     ///< TCSETSW: set it once output has drained
inline constexpr uint32_t TcSetsF = 0x5404;     ///< TCSETSF: drain, discard input, set
inline constexpr uint32_t TiocGPgrp = 0x540f;   ///< TIOCGPGRP: the terminal's foreground process group
inline constexpr uint32_t TiocGWinSz = 0x5413;  ///< TIOCGWINSZ: read the window size
inline constexpr uint32_t TiocSWinSz = 0x5414;  ///< TIOCSWINSZ: set it
inline constexpr uint32_t FionRead = 0x541b;    ///< FIONREAD: bytes ready to read
inline constexpr uint32_t FionBio = 0x5421;     ///< FIONBIO: set or clear O_NONBLOCK (any file)
inline constexpr uint32_t FionClex = 0x5450;    ///< FIONCLEX: clear FD_CLOEXEC (any descriptor)
inline constexpr uint32_t FioClex = 0x5451;     ///< FIOCLEX: set FD_CLOEXEC (any descriptor)
}  // namespace ioctl_req

/// A terminal's size (asm-generic/termios.h struct winsize), for TIOCGWINSZ.
struct WinSize {
    uint16_t rows;    ///< offset 0: ws_row
    uint16_t cols;    ///< offset 2: ws_col
    uint16_t xpixel;  ///< offset 4: ws_xpixel (unused)
    uint16_t ypixel;  ///< offset 6: ws_ypixel (unused)
};

/// A terminal's modes (asm-generic/termbits.h struct termios, what TCGETS
/// copies: 36 bytes, not libc's larger struct with speeds).
struct Termios {
    uint32_t iflag;  ///< offset 0: input modes (ICRNL...)
    uint32_t oflag;  ///< offset 4: output modes (OPOST, ONLCR...)
    uint32_t cflag;  ///< offset 8: control modes (baud rate, CS8, CREAD...)
    uint32_t lflag;  ///< offset 12: local modes (ICANON, ECHO, ISIG...)
    uint8_t line;    ///< offset 16: line discipline (0: N_TTY)
    uint8_t cc[19];  ///< offset 17: control characters (VEOF at 4...)
};

/// clone flags (uapi/linux/sched.h): CLONE_VM is clone_flag::Vm.
namespace clone_flag {
inline constexpr uint64_t ExitSignalMask = 0xff;     ///< CSIGNAL: the signal sent to the parent at exit
inline constexpr uint64_t Vm = 0x100;                ///< CLONE_VM: share the address space
inline constexpr uint64_t Fs = 0x200;                ///< CLONE_FS: share the working directory, umask...
inline constexpr uint64_t Files = 0x400;             ///< CLONE_FILES: share the descriptor table
inline constexpr uint64_t SigHand = 0x800;           ///< CLONE_SIGHAND: share the signal handlers
inline constexpr uint64_t Thread = 0x10000;          ///< CLONE_THREAD: same thread group (a thread, not a process)
inline constexpr uint64_t SysVSem = 0x40000;         ///< CLONE_SYSVSEM: share System V semaphore undo lists
inline constexpr uint64_t SetTls = 0x80000;          ///< CLONE_SETTLS: the new thread's FS base is the tls argument
inline constexpr uint64_t ParentSetTid = 0x100000;   ///< CLONE_PARENT_SETTID: write the new tid at parent_tid
inline constexpr uint64_t ChildClearTid = 0x200000;  ///< CLONE_CHILD_CLEARTID: zero child_tid and wake it at exit
inline constexpr uint64_t Detached = 0x400000;       ///< CLONE_DETACHED: ignored by Linux (musl still passes it)
inline constexpr uint64_t ChildSetTid = 0x1000000;   ///< CLONE_CHILD_SETTID: write the new tid at child_tid
}  // namespace clone_flag

/// Clocks of clock_gettime (uapi/linux/time.h): CLOCK_MONOTONIC is Clock::Monotonic.
enum class Clock : int {
    Realtime = 0,         ///< CLOCK_REALTIME: wall-clock time
    Monotonic = 1,        ///< CLOCK_MONOTONIC: time since boot, never set
    ProcessCputime = 2,   ///< CLOCK_PROCESS_CPUTIME_ID
    ThreadCputime = 3,    ///< CLOCK_THREAD_CPUTIME_ID
    MonotonicRaw = 4,     ///< CLOCK_MONOTONIC_RAW
    RealtimeCoarse = 5,   ///< CLOCK_REALTIME_COARSE
    MonotonicCoarse = 6,  ///< CLOCK_MONOTONIC_COARSE
    Boottime = 7,         ///< CLOCK_BOOTTIME: monotonic, counting suspend
};

/// Auxiliary vector entry types (uapi/linux/auxvec.h): AT_PHDR is Aux::Phdr.
enum class Aux : uint64_t {
    Null = 0,     ///< AT_NULL: end of the vector
    Phdr = 3,     ///< AT_PHDR: address of the program headers in memory
    PhEnt = 4,    ///< AT_PHENT: size of one program header
    PhNum = 5,    ///< AT_PHNUM: number of program headers
    PageSz = 6,   ///< AT_PAGESZ: page size
    Base = 7,     ///< AT_BASE: where the interpreter was loaded (0: none)
    Flags = 8,    ///< AT_FLAGS: unused, 0
    Entry = 9,    ///< AT_ENTRY: the program's entry point
    Uid = 11,     ///< AT_UID
    Euid = 12,    ///< AT_EUID
    Gid = 13,     ///< AT_GID
    Egid = 14,    ///< AT_EGID
    Platform = 15,  ///< AT_PLATFORM: address of the string "x86_64"
    Hwcap = 16,   ///< AT_HWCAP: CPUID leaf 1's EDX (the CPU's basic features)
    ClkTck = 17,  ///< AT_CLKTCK: clock ticks per second of times() (USER_HZ, 100)
    Secure = 23,  ///< AT_SECURE: nonzero for setuid programs
    Random = 25,  ///< AT_RANDOM: address of 16 random bytes
    Hwcap2 = 26,  ///< AT_HWCAP2: more features (bit 1: the kernel let ring 3 use FSGSBASE)
    ExecFn = 31,  ///< AT_EXECFN: address of the program's file name
};

/// What uname() fills (uapi/linux/utsname.h struct new_utsname): six
/// NUL-terminated strings of 65 bytes each.
struct UtsName {
    char sysname[65];     ///< offset 0: "Linux"
    char nodename[65];    ///< offset 65: the host name
    char release[65];     ///< offset 130: the kernel's release ("6.1.0-...")
    char version[65];     ///< offset 195: its build
    char machine[65];     ///< offset 260: "x86_64"
    char domainname[65];  ///< offset 325: the NIS domain name
};

/// Resource limits (asm-generic/resource.h): RLIMIT_STACK is rlimit::Stack.
namespace rlimit {
inline constexpr unsigned Cpu = 0;          ///< RLIMIT_CPU: CPU seconds
inline constexpr unsigned FSize = 1;        ///< RLIMIT_FSIZE: largest file
inline constexpr unsigned Data = 2;         ///< RLIMIT_DATA: data and heap
inline constexpr unsigned Stack = 3;        ///< RLIMIT_STACK: the main thread's stack
inline constexpr unsigned Core = 4;         ///< RLIMIT_CORE: largest core dump
inline constexpr unsigned Rss = 5;          ///< RLIMIT_RSS: resident memory (not enforced by Linux)
inline constexpr unsigned NProc = 6;        ///< RLIMIT_NPROC: processes and threads of the user
inline constexpr unsigned NoFile = 7;       ///< RLIMIT_NOFILE: one more than the highest descriptor
inline constexpr unsigned MemLock = 8;      ///< RLIMIT_MEMLOCK: locked memory
inline constexpr unsigned As = 9;           ///< RLIMIT_AS: address space
inline constexpr unsigned Locks = 10;       ///< RLIMIT_LOCKS: file locks
inline constexpr unsigned SigPending = 11;  ///< RLIMIT_SIGPENDING: queued signals
inline constexpr unsigned MsgQueue = 12;    ///< RLIMIT_MSGQUEUE: POSIX message queue bytes
inline constexpr unsigned Nice = 13;        ///< RLIMIT_NICE: highest nice priority (20 - limit)
inline constexpr unsigned RtPrio = 14;      ///< RLIMIT_RTPRIO: highest real-time priority
inline constexpr unsigned RtTime = 15;      ///< RLIMIT_RTTIME: real-time CPU microseconds
inline constexpr unsigned Count = 16;       ///< RLIM_NLIMITS
inline constexpr uint64_t Infinity = ~0ull; ///< RLIM_INFINITY: no limit
}  // namespace rlimit

/// One resource limit (struct rlimit64, what prlimit64 and getrlimit copy).
struct RLimit {
    uint64_t cur;  ///< offset 0: the soft limit, which the kernel enforces
    uint64_t max;  ///< offset 8: the hard limit, the ceiling for cur
};

/// getrandom flags (uapi/linux/random.h): GRND_NONBLOCK is grnd::NonBlock.
namespace grnd {
inline constexpr unsigned NonBlock = 0x1;  ///< GRND_NONBLOCK: EAGAIN rather than wait for entropy
inline constexpr unsigned Random = 0x2;    ///< GRND_RANDOM: the old blocking pool (now the same bytes)
inline constexpr unsigned Insecure = 0x4;  ///< GRND_INSECURE: do not wait, even if not yet seeded
}  // namespace grnd

/// A time as seconds and nanoseconds (struct timespec on x86-64).
struct TimeSpec {
    int64_t sec;   ///< offset 0: seconds
    int64_t nsec;  ///< offset 8: nanoseconds, 0 to 999999999
};

/// One element of readv/writev's array (uapi/linux/uio.h struct iovec).
struct IoVec {
    uint64_t base;  ///< offset 0: user address
    uint64_t len;   ///< offset 8: bytes
};

/// The page size of every mapping the ABI talks about.
inline constexpr uint64_t kPageSize = 4096;
/// The first address above user space: 47-bit canonical lower half.
inline constexpr uint64_t kUserSpaceEnd = 0x0000800000000000ull;
/// Linux's TASK_SIZE_MAX on x86-64 (4-level paging): user mappings end one
/// page short of kUserSpaceEnd, and a user range [addr, addr + n) is valid
/// (access_ok) only if it ends at or below this.
inline constexpr uint64_t kTaskSize = kUserSpaceEnd - kPageSize;

}  // namespace abi
