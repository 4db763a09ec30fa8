/**
 * @file chapters/07-threads/proc/signal.h
 * @brief Signals: what a fault, kill() or tgkill() does to a program - run
 * its handler on the thread, or the signal's default action, as Linux.
 * (Chapter 04's version could only kill the process.)
 *
 * The handlers belong to the process, which its threads share (clone
 * requires CLONE_SIGHAND); the mask of blocked signals belongs to each
 * thread; a signal is sent either to one thread (tgkill, a fault) or to the
 * process (kill), where the first thread that does not block it takes it.
 * Nothing happens at the moment of sending, beyond waking the thread if it
 * sleeps: a signal is delivered on the thread's way back to user mode
 * (signal_deliver(), from both dispatchers), where the kernel either acts
 * by default or rewrites the thread's TrapFrame so that it "returns" into
 * the handler, with the interrupted context saved on the user stack in
 * Linux's frame (common/abi/signal.h). rt_sigreturn reads it back.
 *
 * Why here and not in chapter 04: a signal is a thread's business (its
 * mask, where it is delivered, a sleep it cuts short with ERESTARTSYS) and
 * a process's (its handlers, the default action that ends every thread),
 * and the place to deliver it, the way back to user mode, is the
 * scheduler's return_to_user_checks() of this chapter.
 *
 * Locking: pending sets and masks change with the scheduler lock held, as
 * the rest of a thread's state, so that a sleeping thread cannot miss the
 * signal that should wake it.
 */
#pragma once

#include <cstdint>

#include "arch/trap_frame.h"
#include "common/abi/linux.h"
#include "common/abi/signal.h"
#include "common/result.h"

struct Process;
struct Thread;

/// Bit of signal @p sig (1 to 64) in a mask.
constexpr uint64_t signal_bit(int sig) { return 1ull << (sig - 1); }

/// SIGKILL and SIGSTOP: no mask blocks them, no handler catches them.
inline constexpr uint64_t kUnblockable = signal_bit(9) | signal_bit(19);

/// A thread's signals.
struct ThreadSignals {
    uint64_t blocked = 0;     ///< rt_sigprocmask's mask
    uint64_t pending = 0;     ///< sent to this thread (tgkill, a fault), not yet delivered
    uint64_t by_tkill = 0;    ///< which of those came by tkill/tgkill (si_code SI_TKILL, else SI_USER)
    int fault_signal = 0;     ///< the signal of a fault not yet delivered (0: none); its siginfo:
    int fault_code = 0;       ///< ...si_code
    uint64_t fault_addr = 0;  ///< ...si_addr
    const char* fault_why = nullptr;  ///< not an exception: why the kernel forced it (for the log)
    uint64_t trapno = 0;      ///< the thread's last exception, for the frame's sigcontext: vector
    uint64_t error_code = 0;  ///< ...its error code
    uint64_t cr2 = 0;         ///< ...and, for a page fault, the address
};

/// A process's signals.
struct ProcessSignals {
    abi::KernelSigaction actions[abi::kSignalCount] = {};  ///< index n-1: signal n's action (all SIG_DFL)
    uint64_t pending = 0;  ///< sent to the process (kill), not yet taken by a thread
};

/// True if @p process ignores @p sig: SIG_IGN, or SIG_DFL for a signal
/// whose default is to be ignored (SIGCHLD, SIGCONT, SIGURG, SIGWINCH).
bool signal_ignored(const Process& process, int sig);

/// True if @p thread has a signal to take that it does not block: a sleep
/// of its ends with Errno::RestartSys. Scheduler lock held.
bool signal_pending(const Thread& thread);

/// From trap_dispatch: a fault in user mode (#PF, #GP, #UD, #DE...) becomes
/// its signal for the running thread, with Linux's siginfo. As Linux's
/// force_sig_fault: a fault the thread blocks or ignores is not skipped,
/// its action goes back to the default, which kills.
void signal_fault(const TrapFrame& frame);

/// A SIGSEGV for the running thread that no exception raised: a signal
/// frame that rt_sigreturn could not use (@p why says so in the log if
/// the SIGSEGV kills). As signal_fault(), it is not held back.
void signal_bad_frame(const char* why);

/// Send @p sig (1 to 64) to @p thread (SI_TKILL), or to its whole process
/// if @p to_process (SI_USER, kill). Nothing if the signal is ignored.
void send_signal(Thread& thread, int sig, bool to_process);

/// On the way back to user mode, with @p frame the thread's TrapFrame:
/// deliver what is pending and not blocked, lowest number first (faults
/// before anything else) - a handler by rewriting @p frame, a default
/// action by acting. @p syscall_nr is the syscall this return ends (-1: an
/// interrupt or fault), whose result Errno::RestartSys becomes EINTR or a
/// restart of the call, by SA_RESTART.
void signal_deliver(TrapFrame& frame, long syscall_nr);

/// rt_sigreturn's way out of the kernel (sys/syscall.cpp): @p frame holds
/// the restored context, every register of it, so the return is by iretq
/// (sysretq would overwrite rcx and r11), after the same checks as any
/// system call's return. Never returns.
[[noreturn]] void leave_rt_sigreturn(TrapFrame& frame);

/// The user-mode frame at the top of the running thread's kernel stack,
/// where every entry from ring 3 builds it.
TrapFrame& current_user_frame();

/// The signal Linux sends for exception @p vector raised by user code.
abi::Signal signal_for_vector(uint64_t vector);

/// End the running program because of @p frame's fault, whatever its
/// handlers: when even the fault cannot be delivered (an iretq the CPU
/// refused). Logs why; never returns.
[[noreturn]] void kill_current_process(const TrapFrame& frame);
