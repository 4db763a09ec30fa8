/**
 * @file chapters/07-threads/sys/thread_calls.cpp
 * @brief The thread calls of Linux's ABI, as C libraries use them: clone
 * (threads), set_tid_address, gettid, sched_yield, sched_getaffinity and
 * sched_setaffinity, exit of one thread, nanosleep, clock_gettime and
 * clock_getres.
 */
#include "arch/fpu.h"
#include "arch/process_switch.h"
#include "arch/timer.h"
#include "common/abi/linux.h"
#include "kernel/x86.h"
#include "mm/user_space.h"
#include "proc/process.h"
#include "proc/uaccess.h"
#include "sched/thread.h"
#include "sched/wait.h"
#include "sys/syscall.h"

using abi::Errno;
namespace clone_flag = abi::clone_flag;

namespace {
constexpr int64_t kNsPerMs = 1000000;
}  // namespace

/// clone(flags, stack, parent_tid, child_tid, tls): a new thread of this
/// program, which returns 0 from clone on @p stack, with the caller's
/// registers. Only threads: the flags must share the address space, the
/// files and the signal handlers (CLONE_VM|CLONE_FS|CLONE_FILES|
/// CLONE_SIGHAND|CLONE_THREAD, as pthread_create passes them); a new
/// process (fork) is Errno::Inval here - see the chapter's differences.
/// A CLONE_SETTLS base outside user space is Errno::Perm.
Result<long> sys_clone(const SyscallArgs& a) {
    const uint64_t flags = a.a0, stack = a.a1, parent_tid = a.a2, child_tid = a.a3, tls = a.a4;
    constexpr uint64_t kRequired = clone_flag::Vm | clone_flag::Fs | clone_flag::Files | clone_flag::SigHand |
                                   clone_flag::Thread;
    constexpr uint64_t kAllowed = kRequired | clone_flag::SysVSem | clone_flag::SetTls | clone_flag::ParentSetTid |
                                  clone_flag::ChildClearTid | clone_flag::ChildSetTid | clone_flag::Detached |
                                  clone_flag::ExitSignalMask;
    // Linux's own consistency rules first, then what this kernel has.
    if ((flags & clone_flag::Thread) && !(flags & clone_flag::SigHand)) return Err(Errno::Inval);
    if ((flags & clone_flag::SigHand) && !(flags & clone_flag::Vm)) return Err(Errno::Inval);
    if ((flags & kRequired) != kRequired || (flags & ~kAllowed)) return Err(Errno::Inval);
    // The new thread's FS base, checked as arch_prctl(ARCH_SET_FS) checks it
    // (Linux's set_new_tls does the same): it is loaded into IA32_FS_BASE.
    if ((flags & clone_flag::SetTls) && tls >= g_user_top) return Err(Errno::Perm);

    Thread* self = current_thread();
    TrapFrame frame = current_user_frame();
    frame.rax = 0;  // clone returns 0 in the new thread
    if (stack) frame.rsp = stack;
    const uint64_t fs = (flags & clone_flag::SetTls) ? tls : user_fs_base();
    Thread* child = TRY(spawn_user_thread(*current_process(), frame, fs));
    // It runs only once this thread blocks, yields or returns: the kernel is not preempted.
    child->gs_base = user_gs_base();
    child->signals.blocked = self->signals.blocked;
    fpu_save(child->fpu);  // the parent's x87/SSE state, as Linux copies it
    if (flags & clone_flag::ChildClearTid) child->clear_child_tid = child_tid;
    // Linux ignores a fault writing either tid.
    if (flags & clone_flag::ParentSetTid) (void)write_user(parent_tid, static_cast<int32_t>(child->tid));
    if (flags & clone_flag::ChildSetTid) (void)write_user(child_tid, static_cast<int32_t>(child->tid));
    return child->tid;
}

/// set_tid_address(tidptr): at this thread's exit, write 0 to @p tidptr and
/// wake a futex there (how pthread_join learns of it). Returns the tid.
Result<long> sys_set_tid_address(const SyscallArgs& a) {
    current_thread()->clear_child_tid = a.a0;
    return current_thread()->tid;
}

/// gettid(): the running thread's id.
Result<long> sys_gettid(const SyscallArgs&) { return current_thread()->tid; }

/// sched_yield(): let another ready thread run.
Result<long> sys_sched_yield(const SyscallArgs&) {
    yield();
    return 0;
}

namespace {
/// The thread the affinity calls name by @p pid: 0 for the caller, else a
/// thread of this program with that id; nullptr if there is none.
Thread* program_thread(int pid) {
    if (pid == 0) return current_thread();
    for (Thread* t = current_process()->threads; t; t = t->next_in_process)
        if (t->tid == pid && t->runs_user) return t;
    return nullptr;
}
}  // namespace

/// sched_getaffinity(pid, len, mask): the CPUs thread @p pid (0: this one;
/// any thread of this program) may run on: CPU 0, the only one. Returns
/// the bytes written, one 64-bit word; Errno::Inval if @p len is not a
/// multiple of 8 (or 0), Errno::Srch for another pid.
Result<long> sys_sched_getaffinity(const SyscallArgs& a) {
    const int pid = static_cast<int>(a.a0);
    const uint64_t len = static_cast<uint32_t>(a.a1);  // an unsigned int on Linux
    constexpr uint64_t kMaskBytes = sizeof(uint64_t);  // room for every CPU id: one word
    if (len * 8 < 1 || len % sizeof(uint64_t) != 0) return Err(Errno::Inval);
    if (!program_thread(pid)) return Err(Errno::Srch);
    TRY(write_user(a.a2, uint64_t{1}));  // CPU 0
    return kMaskBytes;
}

/// sched_setaffinity(pid, len, mask): let thread @p pid (0: this one; any
/// thread of this program) run only on the CPUs @p mask names. The mask is
/// read as Linux reads it: @p len bytes of it, at most one 64-bit word (the
/// rest is zero if it is shorter, ignored if it is longer). With one CPU
/// the only mask that can be kept is one that names CPU 0, and keeping it
/// changes nothing; Errno::Inval for a mask without CPU 0 (no CPU it names
/// is running), Errno::Fault for a bad pointer, Errno::Srch for another pid.
Result<long> sys_sched_setaffinity(const SyscallArgs& a) {
    const int pid = static_cast<int>(a.a0);
    const uint64_t len = static_cast<uint32_t>(a.a1);  // an unsigned int on Linux
    uint64_t mask = 0;
    TRY(copy_from_user(&mask, a.a2, len < sizeof mask ? len : sizeof mask));
    if (!program_thread(pid)) return Err(Errno::Srch);
    if ((mask & 1) == 0) return Err(Errno::Inval);  // CPU 0, the only one
    return 0;
}

/// exit(status): end this thread only. The program ends with its last
/// thread, and then @p status is the program's.
Result<long> sys_exit_thread(const SyscallArgs& a) {
    Process& p = *current_process();
    if (p.live_threads == 1 && !p.exiting) p.exit_code = static_cast<int>(a.a0) & 0xff;
    exit_current_thread();
}

/// nanosleep(req, rem): sleep at least *req. Errno::Inval for a negative
/// time or nanoseconds out of range; Errno::Fault for a bad pointer. A
/// signal that cuts it short makes it Errno::Intr, with the time left in
/// *rem (if @p rem is not NULL), as on Linux: nanosleep is never restarted.
Result<long> sys_nanosleep(const SyscallArgs& a) {
    const abi::TimeSpec req = TRY(read_user<abi::TimeSpec>(a.a0));
    if (req.sec < 0 || req.nsec < 0 || req.nsec >= 1000000000) return Err(Errno::Inval);
    // Whole milliseconds, rounded up, and one more: the current one has partly gone by.
    const uint64_t ms = static_cast<uint64_t>(req.sec) * 1000 + static_cast<uint64_t>(req.nsec + kNsPerMs - 1) / kNsPerMs;
    const uint64_t deadline = now_ms() + ms + 1;
    WaitQueue nobody;  // nothing wakes this sleep but its deadline (or a signal)
    const Result<void> slept = nobody.wait([] { return false; }, deadline);
    if (!slept && slept.error() == Errno::RestartSys) {
        const uint64_t left = deadline > now_ms() ? deadline - now_ms() : 0;
        if (a.a1) TRY(write_user(a.a1, abi::TimeSpec{static_cast<int64_t>(left / 1000), static_cast<int64_t>(left % 1000) * kNsPerMs}));
        return Err(Errno::Intr);
    }
    if (!slept && slept.error() != Errno::TimedOut) return Err(slept.error());
    return 0;
}

namespace {

// The time of @p clock as a TimeSpec, or Errno::Inval for a clock this kernel does not keep.
Result<abi::TimeSpec> clock_now(int clock) {
    const int64_t ms = static_cast<int64_t>(now_ms());
    switch (static_cast<abi::Clock>(clock)) {
    case abi::Clock::Realtime:
    case abi::Clock::RealtimeCoarse:
        return abi::TimeSpec{boot_epoch_seconds() + ms / 1000, (ms % 1000) * kNsPerMs};
    case abi::Clock::Monotonic:
    case abi::Clock::MonotonicRaw:
    case abi::Clock::MonotonicCoarse:
    case abi::Clock::Boottime:
        return abi::TimeSpec{ms / 1000, (ms % 1000) * kNsPerMs};
    default:
        return Err(Errno::Inval);  // CPU-time clocks are not kept (see the chapter's differences)
    }
}

}  // namespace

/// clock_gettime(clock, tp): the monotonic clock counts the timer's 1 ms
/// ticks since boot; the real-time clock adds the CMOS clock read at boot.
Result<long> sys_clock_gettime(const SyscallArgs& a) {
    const abi::TimeSpec now = TRY(clock_now(static_cast<int>(a.a0)));
    TRY(write_user(a.a1, now));
    return 0;
}

/// clock_getres(clock, res): 1 ms, the timer's tick; @p res may be NULL.
Result<long> sys_clock_getres(const SyscallArgs& a) {
    TRY(clock_now(static_cast<int>(a.a0)));  // the clock must exist
    if (a.a1) TRY(write_user(a.a1, abi::TimeSpec{0, kNsPerMs}));
    return 0;
}
