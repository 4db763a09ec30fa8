/**
 * @file chapters/07-threads/proc/signal.cpp
 * @brief Sending signals, and delivering them on the way back to user
 * mode: a default action, or a handler entered through Linux's frame.
 *
 * The frame, built below the interrupted stack pointer (and below its
 * 128-byte red zone, which belongs to the interrupted code):
 *
 *     the FXSAVE area (512 bytes, 64-byte aligned)     <- sigcontext.fpstate
 *     abi::RtSigframe: info (siginfo), uc (ucontext: every register,
 *         the mask to restore), pretcode (sa_restorer) <- RSP, 16n + 8
 *
 * RSP ends 8 bytes off a 16-byte boundary, as right after a call, and the
 * handler's `ret` takes pretcode: the C library's restorer, which makes
 * the rt_sigreturn system call (sys/signal_calls.cpp).
 */
#include "proc/signal.h"

#include "arch/fpu.h"
#include "arch/segments.h"
#include "arch/trap.h"
#include "kernel/console.h"
#include "kernel/x86.h"
#include "proc/process.h"
#include "proc/uaccess.h"
#include "sched/thread.h"
#include "sched/wait.h"

using abi::Errno;
using abi::Signal;

namespace {

enum class Default {
    Terminate,
    Ignore,
    Stop
};

// What Linux does to a signal no handler takes (the table in signal(7));
// a core dump is a termination here: RLIMIT_CORE is 0, as on Linux by default.
Default default_action(int sig) {
    switch (static_cast<Signal>(sig)) {
    case Signal::Chld:
    case Signal::Urg:
    case Signal::Winch:
    case Signal::Cont: return Default::Ignore;
    case Signal::Stop:
    case Signal::Tstp:
    case Signal::Ttin:
    case Signal::Ttou: return Default::Stop;
    default: return Default::Terminate;
    }
}

// Signals a fault raises: delivered before any other (Linux's SYNCHRONOUS_MASK).
constexpr uint64_t kSynchronous = signal_bit(int(Signal::Segv)) | signal_bit(int(Signal::Bus)) |
                                  signal_bit(int(Signal::Ill)) | signal_bit(int(Signal::Trap)) |
                                  signal_bit(int(Signal::Fpe)) | signal_bit(int(Signal::Sys));

constexpr uint64_t kRflagsTf = 1u << 8, kRflagsDf = 1u << 10, kRflagsRf = 1u << 16;

// The signal to take from @p set: a synchronous one first, then the lowest.
int first_of(uint64_t set) {
    if (set & kSynchronous) set &= kSynchronous;
    return __builtin_ctzll(set) + 1;
}

// "SIGTERM", or "signal 34" for a real-time one.
void print_signal(int sig) {
    const char* name = abi::signal_name(static_cast<Signal>(sig));
    if (name[3] == '?') kprint("signal {}", sig);
    else kprint("{}", name);
}

// A canonical address: what iretq and sysretq accept as RIP.
bool canonical(uint64_t address) {
    const uint64_t top = address >> 47;
    return top == 0 || top == 0x1ffff;
}

// The default action that ends the program: say why, and end it with the
// status a shell reports (128 + the signal).
[[noreturn]] void die(int sig, const TrapFrame& frame, const abi::SigInfo& info, bool fault) {
    const Process& p = *current_process();
    const ThreadSignals& s = current_thread()->signals;
    kprint("[Process] PID={} ({}) {} by ", p.pid, p.name,
           default_action(sig) == Default::Stop ? "stopped" : "killed");
    print_signal(sig);
    if (fault && s.fault_why) {
        kprint(" ({})", s.fault_why);
    } else if (fault) {  // which exception, and where
        kprint(": {} at RIP {:#x}", vector_name(s.trapno), frame.rip);
        if (s.trapno == kPageFault)
            kprint(", address {:#x} ({})", s.cr2, s.error_code & 1 ? "protection" : "not mapped");
    } else if (info.code == abi::si_code::Tkill || info.code == abi::si_code::User) {
        kprint(" (sent by {})", info.code == abi::si_code::Tkill ? "tkill/tgkill" : "kill");
    }
    if (default_action(sig) == Default::Stop) kprint(", and nothing here could continue it: ended");
    kprint("\n");
    process_exit(abi::killed_exit_status(static_cast<Signal>(sig)));
}

// Push Linux's frame for handler @p act of @p sig and point @p frame at the
// handler. False if the frame could not be written (or the handler cannot
// be returned to), and nothing was changed.
bool setup_frame(TrapFrame& frame, int sig, const abi::SigInfo& info, const abi::KernelSigaction& act) {
    ThreadSignals& s = current_thread()->signals;
    if (!(act.flags & abi::sa::Restorer) || !canonical(act.handler)) return false;  // x86-64 needs a restorer
    const uint64_t below_red_zone = frame.rsp - 128;
    const uint64_t fx_at = (below_red_zone - sizeof(abi::FxState)) & ~uint64_t(63);
    const uint64_t at = ((fx_at - sizeof(abi::RtSigframe)) & ~uint64_t(15)) - 8;

    abi::FxState fx;
    fpu_save(fx);
    abi::RtSigframe f{};
    f.pretcode = act.restorer;
    f.uc.flags = abi::uc::SigcontextSs | abi::uc::StrictRestoreSs;
    f.uc.stack.flags = abi::kSigStackDisable;  // no sigaltstack here
    abi::SigContext& sc = f.uc.mcontext;
    sc.r8 = frame.r8, sc.r9 = frame.r9, sc.r10 = frame.r10, sc.r11 = frame.r11;
    sc.r12 = frame.r12, sc.r13 = frame.r13, sc.r14 = frame.r14, sc.r15 = frame.r15;
    sc.rdi = frame.rdi, sc.rsi = frame.rsi, sc.rbp = frame.rbp, sc.rbx = frame.rbx;
    sc.rdx = frame.rdx, sc.rax = frame.rax, sc.rcx = frame.rcx, sc.rsp = frame.rsp;
    sc.rip = frame.rip, sc.rflags = frame.rflags;
    sc.cs = static_cast<uint16_t>(frame.cs), sc.ss = static_cast<uint16_t>(frame.ss);
    sc.err = s.error_code, sc.trapno = s.trapno, sc.cr2 = s.cr2;
    sc.oldmask = s.blocked;
    sc.fpstate = fx_at;
    f.uc.sigmask = s.blocked;
    f.info = info;
    if (!copy_to_user(fx_at, &fx, sizeof fx) || !copy_to_user(at, &f, sizeof f)) return false;

    frame.rdi = static_cast<uint64_t>(sig);
    frame.rsi = at + offsetof(abi::RtSigframe, info);
    frame.rdx = at + offsetof(abi::RtSigframe, uc);
    frame.rax = 0;
    frame.rip = act.handler;
    frame.rsp = at;
    frame.cs = USER_CS;
    frame.ss = USER_SS;
    frame.rflags &= ~(kRflagsDf | kRflagsRf | kRflagsTf);
    fpu_load(kFpuInitial);  // the handler starts with a clean FPU, as on Linux
    return true;
}

// Linux's force_sig(): @p sig for the running thread, delivered even if it
// is blocked or ignored - then by its default action. @p why: not an
// exception, but this. Scheduler lock held.
void force_locked(int sig, int code, uint64_t addr, const char* why) {
    Thread& t = *current_thread();
    abi::KernelSigaction& act = current_process()->signals.actions[sig - 1];
    const uint64_t bit = signal_bit(sig);
    if ((t.signals.blocked & bit) || act.handler == abi::kSigIgn) {
        act.handler = abi::kSigDfl;
        t.signals.blocked &= ~bit;
    }
    t.signals.pending |= bit;
    t.signals.by_tkill &= ~bit;
    t.signals.fault_signal = sig;
    t.signals.fault_code = code;
    t.signals.fault_addr = addr;
    t.signals.fault_why = why;
}

// The si_code of an SSE (#XM) or x87 (#MF) exception: the first of the
// exceptions that are raised and not masked (Linux's fpu__exception_code).
int float_code(uint64_t vector) {
    uint32_t raised;
    if (vector == 19) {
        uint32_t mxcsr;
        asm volatile("stmxcsr %0" : "=m"(mxcsr));
        raised = mxcsr & ~(mxcsr >> 7) & 0x3f;
    } else {
        uint16_t status, control;
        asm volatile("fnstsw %0; fnstcw %1" : "=m"(status), "=m"(control));
        raised = status & ~control & 0x3f;
    }
    if (raised & 0x01) return 7;   // FPE_FLTINV: invalid operation
    if (raised & 0x04) return 3;   // FPE_FLTDIV: division by zero
    if (raised & 0x08) return 4;   // FPE_FLTOVF: overflow
    if (raised & 0x12) return 5;   // FPE_FLTUND: underflow (or a denormal)
    if (raised & 0x20) return 6;   // FPE_FLTRES: inexact result
    return 0;
}

}  // namespace

bool signal_ignored(const Process& p, int sig) {
    const uint64_t handler = p.signals.actions[sig - 1].handler;
    return handler == abi::kSigIgn || (handler == abi::kSigDfl && default_action(sig) == Default::Ignore);
}

TrapFrame& current_user_frame() {
    return *reinterpret_cast<TrapFrame*>(current_thread()->stack.top.value() - sizeof(TrapFrame));
}

bool signal_pending(const Thread& thread) {
    if (!thread.runs_user) return false;  // a kernel thread working for a program takes none
    return (thread.signals.pending | thread.process->signals.pending) & ~thread.signals.blocked;
}

void signal_fault(const TrapFrame& frame) {
    using namespace abi::si_code;
    int sig = int(Signal::Segv), code = Kernel;
    uint64_t addr = 0;
    switch (frame.vector) {
    case kPageFault:
        code = frame.error_code & 1 ? SegvAccErr : SegvMapErr;
        addr = read_cr2();
        break;
    case kInvalidOpcode: sig = int(Signal::Ill), code = IllIllOpn, addr = frame.rip; break;
    case kDivideError: sig = int(Signal::Fpe), code = FpeIntDiv, addr = frame.rip; break;
    case 16:  // #MF
    case 19:  // #XM
        sig = int(Signal::Fpe), code = float_code(frame.vector), addr = frame.rip;
        break;
    case kDebug:
    case kBreakpoint: sig = int(Signal::Trap); break;
    case 17: sig = int(Signal::Bus), code = BusAdrAln; break;  // #AC
    default: break;  // #GP, #SS, #NP...: SIGSEGV from the kernel, no address
    }
    ThreadSignals& s = current_thread()->signals;
    s.trapno = frame.vector;
    s.error_code = frame.error_code;
    if (frame.vector == kPageFault) s.cr2 = addr;
    IrqLock guard(sched_lock());
    force_locked(sig, code, addr, nullptr);
}

void signal_bad_frame(const char* why) {
    IrqLock guard(sched_lock());
    force_locked(int(Signal::Segv), abi::si_code::Kernel, 0, why);
}

void send_signal(Thread& thread, int sig, bool to_process) {
    if (!thread.process) return;  // a kernel thread of nobody's
    Process& p = *thread.process;
    const uint64_t bit = signal_bit(sig);
    IrqLock guard(sched_lock());
    // Linux's sig_ignored(): dropped now, unless blocked - its action may
    // change before it is unblocked.
    if (!(thread.signals.blocked & bit) && signal_ignored(p, sig)) return;
    Thread* taker = &thread;
    if (to_process) {
        p.signals.pending |= bit;
        // The thread that will notice: this one if it can take the signal,
        // else the first that can (Linux's complete_signal).
        const auto can_take = [bit](const Thread* t) { return t->runs_user && !(t->signals.blocked & bit); };
        for (Thread* t = p.threads; !can_take(taker) && t; t = t->next_in_process)
            if (can_take(t)) taker = t;
    } else {
        thread.signals.pending |= bit;
        thread.signals.by_tkill |= bit;
    }
    if (taker->runs_user && !(taker->signals.blocked & bit) && taker != current_thread()) wake_for_signal(taker);
}

void signal_deliver(TrapFrame& frame, long syscall_nr) {
    Thread& t = *current_thread();
    if (!t.runs_user) return;
    Process& p = *t.process;
    const long restart = -static_cast<long>(Errno::RestartSys);
    // Nothing pending, nothing to restart: the common case, without the
    // lock (a signal sent this instant is seen at the next return).
    if (!t.signals.pending && !p.signals.pending && (syscall_nr < 0 || static_cast<long>(frame.rax) != restart))
        return;
    for (;;) {
        int sig;
        abi::SigInfo info{};
        abi::KernelSigaction act;
        bool fault = false;
        {
            IrqLock guard(sched_lock());
            const uint64_t own = t.signals.pending & ~t.signals.blocked;
            const uint64_t shared = p.signals.pending & ~t.signals.blocked;
            if (!own && !shared) break;
            sig = first_of(own ? own : shared);
            const uint64_t bit = signal_bit(sig);
            info.signo = sig;
            if (own) {
                t.signals.pending &= ~bit;
                if (sig == t.signals.fault_signal) {
                    fault = true;
                    info.code = t.signals.fault_code;
                    info.fields.fault.addr = t.signals.fault_addr;
                    t.signals.fault_signal = 0;
                } else {
                    info.code = t.signals.by_tkill & bit ? abi::si_code::Tkill : abi::si_code::User;
                    info.fields.kill.pid = p.pid;  // only a thread of this process can have sent it
                }
                t.signals.by_tkill &= ~bit;
            } else {
                p.signals.pending &= ~bit;
                info.code = abi::si_code::User;
                info.fields.kill.pid = p.pid;
            }
            act = p.signals.actions[sig - 1];
            if (act.handler == abi::kSigIgn) continue;
            if (act.handler == abi::kSigDfl && default_action(sig) == Default::Ignore) continue;
            if (act.handler != abi::kSigDfl && (act.flags & abi::sa::ResetHand))
                p.signals.actions[sig - 1].handler = abi::kSigDfl;
        }
        if (act.handler == abi::kSigDfl) die(sig, frame, info, fault);

        // A system call this signal cut short: restarted after the handler
        // (SA_RESTART: the saved context is the syscall instruction again),
        // or it returns EINTR. Decided once, for the first handler.
        if (syscall_nr >= 0 && static_cast<long>(frame.rax) == restart) {
            if (act.flags & abi::sa::Restart) {
                frame.rax = static_cast<uint64_t>(syscall_nr);
                frame.rip -= 2;  // the length of `syscall`
            } else {
                frame.rax = static_cast<uint64_t>(-Errno::Intr);
            }
        }
        syscall_nr = -1;
        if (!setup_frame(frame, sig, info, act)) {
            // As Linux's force_sigsegv(): a SIGSEGV handler that cannot be
            // entered either is not tried again.
            IrqLock guard(sched_lock());
            if (sig == int(Signal::Segv)) p.signals.actions[sig - 1].handler = abi::kSigDfl;
            force_locked(int(Signal::Segv), abi::si_code::Kernel, 0, "its handler's frame could not be written");
            continue;
        }
        IrqLock guard(sched_lock());
        t.signals.blocked |= act.mask & ~kUnblockable;
        if (!(act.flags & abi::sa::NoDefer)) t.signals.blocked |= signal_bit(sig);
    }
    // No handler ran: a call cut short starts again, as if nothing happened.
    if (syscall_nr >= 0 && static_cast<long>(frame.rax) == restart) {
        frame.rax = static_cast<uint64_t>(syscall_nr);
        frame.rip -= 2;
    }
}

void kill_current_process(const TrapFrame& frame) {
    const Process* p = current_process();
    const abi::Signal sig = signal_for_vector(frame.vector);
    kprint("[Process] PID={} ({}) killed by {}: {} at RIP {:#x}", p->pid, p->name, abi::signal_name(sig),
           vector_name(frame.vector), frame.rip);
    if (frame.vector == kPageFault)
        kprint(", address {:#x} ({})", read_cr2(), frame.error_code & 1 ? "protection" : "not mapped");
    kprint("\n");
    process_exit(abi::killed_exit_status(sig));
}

abi::Signal signal_for_vector(uint64_t vector) {
    switch (vector) {
    case kDivideError: return abi::Signal::Fpe;
    case kDebug:
    case kBreakpoint: return abi::Signal::Trap;
    case kInvalidOpcode: return abi::Signal::Ill;
    case 16:  // #MF
    case 19: return abi::Signal::Fpe;  // #XM
    case 17: return abi::Signal::Bus;  // #AC
    default: return abi::Signal::Segv;  // #PF, #GP, #SS, #NP...
    }
}
