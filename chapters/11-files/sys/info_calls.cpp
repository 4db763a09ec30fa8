/**
 * @file chapters/11-files/sys/info_calls.cpp
 * @brief What a program asks about itself and the machine before it does
 * anything: uname, its user and group ids, its parent, its resource
 * limits, and random bytes (getrandom). C libraries make most of these
 * calls while they start. (Chapter 11: getcwd moves to the file system,
 * sys/dir_calls.cpp, where a process has a working directory of its own.)
 *
 * Every process here is started by the kernel itself, as Linux starts
 * init: it runs as root (uid and gid 0, as its AT_UID says) and has no
 * parent (getppid() is 0).
 */
#include "arch/random.h"
#include "common/abi/linux.h"
#include "mm/user_space.h"
#include "proc/process.h"
#include "proc/uaccess.h"
#include "proc/user_iter.h"
#include "sys/syscall.h"

#ifndef CHAPTER_NAME
#define CHAPTER_NAME "host"  ///< the chapter uname reports; the kernel's build defines it (tools/kernel.mk)
#endif

using abi::Errno;
using abi::RLimit;

/// The highest descriptor a process may have, plus one (RLIMIT_NOFILE):
/// sys/file_calls.cpp knows.
uint64_t descriptor_limit();

namespace {

void copy_string(char (&to)[65], const char* text) { mem::copy(to, text, cstr::length_bounded(text, 64)); }

// The limits, which this kernel does not let a program change. Where a
// limit stands for something the kernel really bounds, it is that bound;
// elsewhere it is Linux's default for init (include/asm-generic/resource.h).
RLimit limit_of(unsigned resource) {
    constexpr uint64_t kNone = abi::rlimit::Infinity;
    switch (resource) {
    case abi::rlimit::Stack: return {kUserStackPages * kPageSize, kUserStackPages * kPageSize};  // it never grows
    case abi::rlimit::Core: return {0, 0};                                 // no core dumps are written
    case abi::rlimit::NoFile: return {descriptor_limit(), descriptor_limit()};
    case abi::rlimit::MemLock: return {8 << 20, 8 << 20};                  // Linux's MLOCK_LIMIT
    case abi::rlimit::MsgQueue: return {819200, 819200};                   // Linux's MQ_BYTES_MAX
    case abi::rlimit::Nice:
    case abi::rlimit::RtPrio: return {0, 0};
    default: return {kNone, kNone};  // CPU, FSIZE, DATA, RSS, NPROC, AS, LOCKS, SIGPENDING, RTTIME
    }
}

// Linux's do_prlimit(), for the running process: @p resource's limit into
// @p old (if not null), and a new one from @p asked (if not null), which
// must be the limit as it is (see the chapter's differences).
Result<void> do_prlimit(unsigned resource, const RLimit* asked, RLimit* old) {
    if (resource >= abi::rlimit::Count) return Err(Errno::Inval);
    const RLimit now = limit_of(resource);
    if (asked) {
        if (asked->cur > asked->max) return Err(Errno::Inval);
        if (asked->cur != now.cur || asked->max != now.max) return Err(Errno::Perm);
    }
    if (old) *old = now;
    return {};
}

}  // namespace

/// uname(buf): Linux's struct new_utsname. The system is "Linux" (this
/// kernel speaks Linux's ABI, and programs decide what to call by that
/// name); the release says which Linux it follows (6.1, Debian 12's) and
/// which kernel it is; the host and domain names are Linux's defaults for
/// a machine where nothing set them.
Result<long> sys_uname(const SyscallArgs& a) {
    abi::UtsName name{};
    copy_string(name.sysname, "Linux");
    copy_string(name.nodename, "(none)");
    copy_string(name.release, "6.1.0-course-" CHAPTER_NAME);
    copy_string(name.version, "#1 the course's kernel, chapter " CHAPTER_NAME);
    copy_string(name.machine, "x86_64");
    copy_string(name.domainname, "(none)");
    TRY(write_user(a.a0, name));
    return 0;
}

/// getuid(), geteuid(), getgid(), getegid(): 0, root.
Result<long> sys_get_id(const SyscallArgs&) { return 0; }

/// getresuid(ruid, euid, suid) and getresgid(): three zeros, each written
/// where asked (Errno::Fault at the first bad pointer, as Linux).
Result<long> sys_getres_id(const SyscallArgs& a) {
    TRY(write_user(a.a0, uint32_t{0}));
    TRY(write_user(a.a1, uint32_t{0}));
    TRY(write_user(a.a2, uint32_t{0}));
    return 0;
}

/// getppid(): 0, as for Linux's init: the kernel started this process.
Result<long> sys_getppid(const SyscallArgs&) { return 0; }

/// getrlimit(resource, rlim): Errno::Inval for an unknown resource.
Result<long> sys_getrlimit(const SyscallArgs& a) {
    RLimit old;
    TRY(do_prlimit(static_cast<unsigned>(a.a0), nullptr, &old));
    TRY(write_user(a.a1, old));
    return 0;
}

/// setrlimit(resource, rlim): only the limit as it is (Errno::Perm otherwise).
Result<long> sys_setrlimit(const SyscallArgs& a) {
    const RLimit asked = TRY(read_user<RLimit>(a.a1));
    TRY(do_prlimit(static_cast<unsigned>(a.a0), &asked, nullptr));
    return 0;
}

/// prlimit64(pid, resource, new, old): getrlimit and setrlimit in one, for
/// this process (pid 0 or its own; any other is Errno::Srch), with Linux's
/// order of checks: the new limit's copy, the process, the resource.
Result<long> sys_prlimit64(const SyscallArgs& a) {
    const int pid = static_cast<int>(a.a0);
    const auto resource = static_cast<unsigned>(a.a1);
    const uint64_t new_at = a.a2, old_at = a.a3;
    RLimit asked{}, old{};
    if (new_at) asked = TRY(read_user<RLimit>(new_at));
    if (pid != 0 && pid != current_process()->pid) return Err(Errno::Srch);
    TRY(do_prlimit(resource, new_at ? &asked : nullptr, old_at ? &old : nullptr));
    if (old_at) TRY(write_user(old_at, old));
    return 0;
}

/// getrandom(buf, count, flags): @p count bytes from the CPU's generator
/// (arch/random.h), which is ready from the start, so no flag ever makes
/// the call wait. Errno::Inval for an unknown flag or GRND_INSECURE with
/// GRND_RANDOM; Errno::Fault if the buffer is not in user space, or the
/// first bytes could not be written; a short count if later ones could not.
/// On a CPU without a generator, Errno::NoSys.
Result<long> sys_getrandom(const SyscallArgs& a) {
    const auto flags = static_cast<unsigned>(a.a2);
    using namespace abi::grnd;
    if (flags & ~(NonBlock | Random | Insecure)) return Err(Errno::Inval);
    if ((flags & (Insecure | Random)) == (Insecure | Random)) return Err(Errno::Inval);
    if (!random_available()) return Err(Errno::NoSys);
    UserIter to = TRY(UserIter::buffer(a.a0, a.a1));
    long done = 0;
    while (to.remaining() > 0) {
        uint8_t chunk[256];
        const size_t want = to.remaining() < sizeof chunk ? to.remaining() : sizeof chunk;
        if (!random_fill(chunk, want)) return done > 0 ? Result<long>(done) : Err(Errno::Again);
        const size_t copied = to.copy_out(chunk, want);
        done += static_cast<long>(copied);
        mem::fill(chunk, 0, sizeof chunk);  // no copy of the bytes stays on the kernel stack
        if (copied < want) return done > 0 ? Result<long>(done) : Err(Errno::Fault);
    }
    return done;
}
