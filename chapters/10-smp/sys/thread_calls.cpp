/**
 * @file chapters/10-smp/sys/thread_calls.cpp
 * @brief The thread calls of Linux's ABI, as C libraries use them: clone
 * (threads), set_tid_address, gettid, sched_yield, sched_getaffinity, exit
 * of one thread, nanosleep, clock_gettime and clock_getres.
 * (Chapter 08: the CPU-time clocks, which count an SQPOLL poller's time as
 * its process's; and exit of the last program thread with helpers left.
 * Chapter 10: exit leaves its status with the thread; the process takes it
 * if this was its last program thread, proc/process.cpp; sched_getaffinity
 * names every CPU running, and sched_setaffinity pins a thread.)
 */
#include "arch/fpu.h"
#include "arch/process_switch.h"
#include "arch/smp.h"
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
/// thread of this program with that id; nullptr if there is none. The
/// caller holds the scheduler's lock: the list of threads changes under it.
Thread* program_thread(int pid) {
    if (pid == 0) return current_thread();
    for (Thread* t = current_process()->threads; t; t = t->next_in_process)
        if (t->tid == pid && t->runs_user) return t;
    return nullptr;
}
}  // namespace

/// sched_getaffinity(pid, len, mask): the CPUs thread @p pid (0: this one;
/// any thread of this program) may run on: those of its mask that are
/// running (chapter 10: every CPU, unless sched_setaffinity said less). Returns the bytes written, one 64-bit word
/// (kMaxCpus is 8); Errno::Inval if @p len is not a multiple of 8 (or 0),
/// Errno::Srch for another pid.
Result<long> sys_sched_getaffinity(const SyscallArgs& a) {
    const int pid = static_cast<int>(a.a0);
    const uint64_t len = static_cast<uint32_t>(a.a1);  // an unsigned int on Linux
    constexpr uint64_t kMaskBytes = sizeof(uint64_t);  // room for every CPU id: one word
    if (len * 8 < 1 || len % sizeof(uint64_t) != 0) return Err(Errno::Inval);
    const Thread* found = nullptr;
    uint64_t mask = 0;
    {
        IrqLock guard(sched_lock());  // the list of threads changes under it, on any CPU
        found = program_thread(pid);
        if (found) mask = found->cpu_mask & cpus_online();
    }
    if (!found) return Err(Errno::Srch);
    TRY(write_user(a.a2, mask));
    return kMaskBytes;
}

/// sched_setaffinity(pid, len, mask): let thread @p pid (0: this one; any
/// thread of this program) run only on the CPUs @p mask names. The mask is
/// read as Linux reads it: @p len bytes of it, at most one 64-bit word (the
/// rest is zero if it is shorter, ignored if it is longer). A thread on a
/// CPU it may no longer use leaves it: this one at once (it yields, and a
/// CPU of its mask takes it), another at its way back to user mode, which
/// a reschedule IPI hastens (Linux waits until it has moved). Errno::Inval
/// for a mask without a running CPU, Errno::Fault for a bad pointer,
/// Errno::Srch for another pid.
Result<long> sys_sched_setaffinity(const SyscallArgs& a) {
    const int pid = static_cast<int>(a.a0);
    const uint64_t len = static_cast<uint32_t>(a.a1);  // an unsigned int on Linux
    uint64_t mask = 0;
    TRY(copy_from_user(&mask, a.a2, len < sizeof mask ? len : sizeof mask));
    Thread* self = current_thread();
    bool leave = false;
    {
        IrqLock guard(sched_lock());  // the thread list, and every thread's mask, change under it
        Thread* found = program_thread(pid);
        if (!found) return Err(Errno::Srch);
        if ((mask & cpus_online()) == 0) return Err(Errno::Inval);
        found->cpu_mask = mask;
        const bool here_no_more = ((mask >> found->cpu) & 1) == 0;
        if (found == self) leave = here_no_more;
        else if (found->state == ThreadState::Running && here_no_more) smp_kick(found->cpu);
    }
    if (leave) yield();  // back on a CPU of the mask
    return 0;
}

/// exit(status): end this thread only. The program ends with its last
/// thread, and then @p status is the program's.
Result<long> sys_exit_thread(const SyscallArgs& a) {
    current_thread()->exit_status = static_cast<int>(a.a0) & 0xff;
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

abi::TimeSpec from_ns(uint64_t ns) {
    return abi::TimeSpec{static_cast<int64_t>(ns / 1000000000), static_cast<int64_t>(ns % 1000000000)};
}

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
    case abi::Clock::ProcessCputime:  // every thread's, its helpers' (an SQPOLL poller) too
        return from_ns(tsc_to_ns(process_cpu_tsc(*current_process())));
    case abi::Clock::ThreadCputime:
        return from_ns(tsc_to_ns(thread_cpu_tsc(*current_thread())));
    default:
        return Err(Errno::Inval);  // another thread's or process's CPU clock (see the chapter's differences)
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

/// clock_getres(clock, res): 1 ms, the timer's tick; 1 ns for the CPU-time
/// clocks, as Linux; @p res may be NULL.
Result<long> sys_clock_getres(const SyscallArgs& a) {
    const auto clock = static_cast<abi::Clock>(a.a0);
    TRY(clock_now(static_cast<int>(a.a0)));  // the clock must exist
    const bool cpu = clock == abi::Clock::ProcessCputime || clock == abi::Clock::ThreadCputime;
    if (a.a1) TRY(write_user(a.a1, abi::TimeSpec{0, cpu ? 1 : kNsPerMs}));
    return 0;
}
