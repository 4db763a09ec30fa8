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
    Close = 3,
    Mmap = 9,
    Mprotect = 10,
    Munmap = 11,
    Brk = 12,
    RtSigprocmask = 14,
    Ioctl = 16,
    Readv = 19,
    Writev = 20,
    Pipe = 22,
    SchedYield = 24,
    Nanosleep = 35,
    Getpid = 39,
    Clone = 56,
    Exit = 60,
    ArchPrctl = 158,
    Gettid = 186,
    Futex = 202,
    SetTidAddress = 218,
    ClockGettime = 228,
    ClockGetres = 229,
    ExitGroup = 231,
    Pipe2 = 293,
    IoUringSetup = 425,
    IoUringEnter = 426,
    IoUringRegister = 427,
};

/// errno values (include/uapi/asm-generic/errno-base.h, errno.h): the Linux
/// name without its leading E. Syscalls return them negated; write
/// `-Errno::Fault` for Linux's `-EFAULT` (see operator- below).
enum class Errno : int {
    Perm = 1,         ///< EPERM: operation not permitted
    NoEnt = 2,        ///< ENOENT: no such file or directory
    Intr = 4,         ///< EINTR: interrupted system call
    Io = 5,           ///< EIO: I/O error
    NxIo = 6,         ///< ENXIO: no such device or address (io_uring: nothing registered)
    BadF = 9,         ///< EBADF: bad file descriptor
    Again = 11,       ///< EAGAIN: try again (would block)
    NoMem = 12,       ///< ENOMEM: out of memory
    Acces = 13,       ///< EACCES: permission denied (a file opened without the access asked for)
    Fault = 14,       ///< EFAULT: bad address
    Busy = 16,        ///< EBUSY: device or resource busy
    Exist = 17,       ///< EEXIST: already exists
    NoDev = 19,       ///< ENODEV: no such device
    Inval = 22,       ///< EINVAL: invalid argument
    MFile = 24,       ///< EMFILE: too many open files
    NoTty = 25,       ///< ENOTTY: not a terminal (an ioctl the file does not know)
    NoSpc = 28,       ///< ENOSPC: no space left
    Pipe = 32,        ///< EPIPE: broken pipe
    Range = 34,       ///< ERANGE: result out of range
    DeadLk = 35,      ///< EDEADLK: would wait forever (io_uring_enter with nothing left to run)
    NoSys = 38,       ///< ENOSYS: no such system call
    BadR = 53,        ///< EBADR: invalid request descriptor (io_uring: completions were lost)
    Time = 62,        ///< ETIME: timer expired
    Overflow = 75,    ///< EOVERFLOW: value too large
    OpNotSupp = 95,   ///< EOPNOTSUPP: operation not supported
    TimedOut = 110,   ///< ETIMEDOUT: a wait's time ran out (futex)
    Canceled = 125,   ///< ECANCELED: operation canceled
    OwnerDead = 130,  ///< EOWNERDEAD: the owner is gone (io_uring: the SQPOLL thread)
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
        case Errno::Intr: return "EINTR";
        case Errno::Io: return "EIO";
        case Errno::NxIo: return "ENXIO";
        case Errno::BadF: return "EBADF";
        case Errno::Again: return "EAGAIN";
        case Errno::NoMem: return "ENOMEM";
        case Errno::Acces: return "EACCES";
        case Errno::Fault: return "EFAULT";
        case Errno::Busy: return "EBUSY";
        case Errno::Exist: return "EEXIST";
        case Errno::NoDev: return "ENODEV";
        case Errno::Inval: return "EINVAL";
        case Errno::MFile: return "EMFILE";
        case Errno::NoTty: return "ENOTTY";
        case Errno::NoSpc: return "ENOSPC";
        case Errno::Pipe: return "EPIPE";
        case Errno::Range: return "ERANGE";
        case Errno::DeadLk: return "EDEADLK";
        case Errno::NoSys: return "ENOSYS";
        case Errno::BadR: return "EBADR";
        case Errno::Time: return "ETIME";
        case Errno::Overflow: return "EOVERFLOW";
        case Errno::OpNotSupp: return "EOPNOTSUPP";
        case Errno::TimedOut: return "ETIMEDOUT";
        case Errno::Canceled: return "ECANCELED";
        case Errno::OwnerDead: return "EOWNERDEAD";
    }
    return "E?";
}

/// Signals (asm/signal.h): the Linux name without SIG.
enum class Signal : int {
    Ill = 4,    ///< SIGILL: illegal instruction (#UD)
    Trap = 5,   ///< SIGTRAP: breakpoint or single step (#BP, #DB)
    Bus = 7,    ///< SIGBUS: bus error (#AC; a mapping past its file)
    Fpe = 8,    ///< SIGFPE: arithmetic fault (#DE, x87/SSE faults)
    Kill = 9,   ///< SIGKILL: killed
    Segv = 11,  ///< SIGSEGV: bad memory access (#PF, #GP, #SS)
    Pipe = 13,  ///< SIGPIPE: write to a pipe with no reader
};

/// The Linux spelling of @p s ("SIGSEGV"); "SIG?" if unknown.
constexpr const char* signal_name(Signal s) {
    switch (s) {
        case Signal::Ill: return "SIGILL";
        case Signal::Trap: return "SIGTRAP";
        case Signal::Bus: return "SIGBUS";
        case Signal::Fpe: return "SIGFPE";
        case Signal::Kill: return "SIGKILL";
        case Signal::Segv: return "SIGSEGV";
        case Signal::Pipe: return "SIGPIPE";
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
namespace open_flag {
inline constexpr int NonBlock = 04000;    ///< O_NONBLOCK
inline constexpr int CloExec = 02000000;  ///< O_CLOEXEC
}  // namespace open_flag

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
    Entry = 9,    ///< AT_ENTRY: the program's entry point
    Uid = 11,     ///< AT_UID
    Euid = 12,    ///< AT_EUID
    Gid = 13,     ///< AT_GID
    Egid = 14,    ///< AT_EGID
    Secure = 23,  ///< AT_SECURE: nonzero for setuid programs
    Random = 25,  ///< AT_RANDOM: address of 16 random bytes
    ExecFn = 31,  ///< AT_EXECFN: address of the program's file name
};

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
