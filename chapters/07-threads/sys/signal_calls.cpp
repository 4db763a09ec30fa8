/**
 * @file chapters/07-threads/sys/signal_calls.cpp
 * @brief The signal calls: rt_sigaction (a process's handlers),
 * rt_sigprocmask (a thread's mask), rt_sigreturn (back from a handler),
 * kill, tgkill and tkill (sending), with Linux's checks in Linux's order.
 *
 * A program runs alone here, so the only process a signal can be sent to
 * is the sender's own: kill() of any other pid is ESRCH, as it would be
 * on Linux for a process that does not exist.
 */
#include "arch/fpu.h"
#include "arch/segments.h"
#include "common/abi/linux.h"
#include "common/abi/signal.h"
#include "proc/process.h"
#include "proc/signal.h"
#include "proc/uaccess.h"
#include "sched/thread.h"
#include "sched/wait.h"
#include "sys/syscall.h"

using abi::Errno;

namespace {

// Linux's valid_signal(): 0 (which sends nothing, only checks) to 64.
bool valid_signal(int sig) { return sig >= 0 && sig <= abi::kSignalCount; }

// The thread of this program with id @p tid, or nullptr.
Thread* thread_of(int tid) {
    for (Thread* t = current_process()->threads; t; t = t->next_in_process)
        if (t->tid == tid && t->runs_user) return t;
    return nullptr;
}

bool canonical(uint64_t address) {
    const uint64_t top = address >> 47;
    return top == 0 || top == 0x1ffff;
}

// rt_sigreturn's frame could not be used: Linux's signal_fault(), a SIGSEGV
// for the thread (to its handler, if it has one and does not block it).
Result<long> bad_frame() {
    signal_bad_frame("rt_sigreturn found no signal frame it could use");
    return 0;
}

}  // namespace

/// rt_sigaction(sig, act, oact, sigsetsize): read and/or set signal @p
/// sig's action (abi::KernelSigaction). Errno::Inval if @p sigsetsize is
/// not 8, for a signal outside 1-64, or to change SIGKILL's or SIGSTOP's;
/// Errno::Fault for a bad pointer. Flags Linux does not know are dropped
/// (SA_UNSUPPORTED reads back as 0: how a program learns what is there);
/// SIGKILL and SIGSTOP leave the mask. A signal that becomes ignored is
/// taken out of every pending set.
Result<long> sys_rt_sigaction(const SyscallArgs& a) {
    const int sig = static_cast<int>(a.a0);
    const uint64_t act_at = a.a1, old_at = a.a2;
    if (a.a3 != sizeof(uint64_t)) return Err(Errno::Inval);
    abi::KernelSigaction act{};
    if (act_at) act = TRY(read_user<abi::KernelSigaction>(act_at));
    if (sig < 1 || sig > abi::kSignalCount || (act_at && (signal_bit(sig) & kUnblockable))) return Err(Errno::Inval);
    Process& p = *current_process();
    abi::KernelSigaction old;
    {
        IrqLock guard(sched_lock());
        abi::KernelSigaction& action = p.signals.actions[sig - 1];
        old = action;
        if (act_at) {
            act.flags &= abi::sa::Known;
            act.mask &= ~kUnblockable;
            action = act;
            if (signal_ignored(p, sig)) {  // POSIX: pending signals that are now ignored are discarded
                p.signals.pending &= ~signal_bit(sig);
                for (Thread* t = p.threads; t; t = t->next_in_process) t->signals.pending &= ~signal_bit(sig);
            }
        }
    }
    if (old_at) TRY(write_user(old_at, old));
    return 0;
}

/// rt_sigprocmask(how, set, oldset, sigsetsize): change or read the
/// thread's blocked signals (SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK).
/// SIGKILL and SIGSTOP are never blocked. A signal it unblocks that is
/// pending is delivered on the way back to user mode.
Result<long> sys_rt_sigprocmask(const SyscallArgs& a) {
    const auto how = static_cast<int>(a.a0);
    const uint64_t set = a.a1, old_set = a.a2, size = a.a3;
    if (size != sizeof(uint64_t)) return Err(Errno::Inval);
    ThreadSignals& s = current_thread()->signals;
    const uint64_t before = s.blocked;
    if (set) {
        const uint64_t bits = TRY(read_user<uint64_t>(set)) & ~kUnblockable;
        IrqLock guard(sched_lock());
        switch (how) {
        case abi::sig_how::Block: s.blocked |= bits; break;
        case abi::sig_how::Unblock: s.blocked &= ~bits; break;
        case abi::sig_how::SetMask: s.blocked = bits; break;
        default: return Err(Errno::Inval);
        }
    }
    if (old_set) TRY(write_user(old_set, before));
    return 0;
}

/// rt_sigreturn(): back from a handler. Reads the frame signal_deliver()
/// pushed (its restorer's `ret` left RSP just above pretcode), and puts
/// back every register, the flags a program may change, the FPU state and
/// the signal mask; then leaves by iretq (leave_rt_sigreturn), since
/// sysretq would lose rcx and r11: the program goes on with its rax as it
/// was, not with a result. A frame that cannot be read or used (a
/// non-canonical RIP or RSP, a bad MXCSR) is a SIGSEGV.
Result<long> sys_rt_sigreturn(const SyscallArgs&) {
    TrapFrame& frame = current_user_frame();
    Thread& t = *current_thread();
    const Result<abi::RtSigframe> read = read_user<abi::RtSigframe>(frame.rsp - sizeof(uint64_t));
    if (!read) return bad_frame();
    {
        IrqLock guard(sched_lock());
        t.signals.blocked = read->uc.sigmask & ~kUnblockable;
    }
    const abi::SigContext& sc = read->uc.mcontext;
    if (!canonical(sc.rip) || !canonical(sc.rsp)) return bad_frame();  // iretq would refuse them
    abi::FxState fx = kFpuInitial;  // no fpstate: the FPU starts clean, as on Linux
    if (sc.fpstate) {
        const Result<abi::FxState> saved = read_user<abi::FxState>(sc.fpstate);
        if (!saved || (saved->mxcsr & ~fpu_mxcsr_mask())) return bad_frame();  // FXRSTOR would fault
        fx = *saved;
    }
    fpu_load(fx);
    frame.r8 = sc.r8, frame.r9 = sc.r9, frame.r10 = sc.r10, frame.r11 = sc.r11;
    frame.r12 = sc.r12, frame.r13 = sc.r13, frame.r14 = sc.r14, frame.r15 = sc.r15;
    frame.rdi = sc.rdi, frame.rsi = sc.rsi, frame.rbp = sc.rbp, frame.rbx = sc.rbx;
    frame.rdx = sc.rdx, frame.rcx = sc.rcx, frame.rsp = sc.rsp, frame.rip = sc.rip;
    frame.rflags = (frame.rflags & ~abi::kSigreturnRflags) | (sc.rflags & abi::kSigreturnRflags);
    frame.cs = USER_CS;  // whatever the frame says: a program here runs in 64-bit ring 3
    frame.ss = USER_SS;
    frame.rax = sc.rax;
    leave_rt_sigreturn(frame);
}

/// kill(pid, sig): send @p sig to a process. Here that can only be the
/// caller's own (its pid, the tid of any of its threads, 0 or -pid: its
/// process group, which is itself); anything else is Errno::Srch, as for
/// a process that does not exist. Errno::Inval for a signal outside 0-64;
/// signal 0 sends nothing.
Result<long> sys_kill(const SyscallArgs& a) {
    const int pid = static_cast<int>(a.a0), sig = static_cast<int>(a.a1);
    Process& p = *current_process();
    const bool self = pid == p.pid || pid == 0 || pid == -p.pid || (pid > 0 && thread_of(pid));
    if (!self) return Err(Errno::Srch);
    if (!valid_signal(sig)) return Err(Errno::Inval);
    Thread* named = pid > 0 ? thread_of(pid) : nullptr;  // the thread to try first (Linux's complete_signal)
    if (sig != 0) send_signal(named ? *named : *current_thread(), sig, true);
    return 0;
}

/// tgkill(tgid, tid, sig): send @p sig to thread @p tid of process @p tgid
/// (si_code SI_TKILL). Errno::Inval for a tgid or tid below 1 or a bad
/// signal; Errno::Srch if no thread of this program has that tid.
Result<long> sys_tgkill(const SyscallArgs& a) {
    const int tgid = static_cast<int>(a.a0), tid = static_cast<int>(a.a1), sig = static_cast<int>(a.a2);
    if (tgid <= 0 || tid <= 0) return Err(Errno::Inval);
    Thread* target = thread_of(tid);
    if (!target || tgid != current_process()->pid) return Err(Errno::Srch);
    if (!valid_signal(sig)) return Err(Errno::Inval);
    if (sig != 0) send_signal(*target, sig, false);
    return 0;
}

/// tkill(tid, sig): tgkill without the process's id (the older call).
Result<long> sys_tkill(const SyscallArgs& a) {
    const int tid = static_cast<int>(a.a0), sig = static_cast<int>(a.a1);
    if (tid <= 0) return Err(Errno::Inval);
    Thread* target = thread_of(tid);
    if (!target) return Err(Errno::Srch);
    if (!valid_signal(sig)) return Err(Errno::Inval);
    if (sig != 0) send_signal(*target, sig, false);
    return 0;
}
