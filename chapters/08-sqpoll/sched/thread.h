/**
 * @file chapters/08-sqpoll/sched/thread.h
 * @brief A thread: a kernel stack, a saved context, and what the scheduler
 * needs to know about it. The scheduler's interface. (Chapter 08: each
 * thread counts the time-stamp counter ticks it has run, for the CPU-time
 * clocks that show what an SQPOLL poller costs.)
 *
 * Every thread has a kernel stack of its own. While a thread is not
 * running, everything it was doing is on that stack: the registers
 * context_switch() pushed, and below them (for a thread of a program) the
 * TrapFrame its last syscall or interrupt left, which it will return to
 * user mode with. A kernel thread (process == nullptr) never leaves ring 0.
 *
 * One lock, the scheduler lock, protects every run queue, wait queue and
 * thread state in this chapter (sched/scheduler.cpp); it is always taken
 * with interrupts off, because the timer and the UART change those too.
 *
 * States: Ready (on the run queue) -> Running -> Ready (preempted or
 * yielding), Blocked (on a WaitQueue, or sleeping) or Dead (exited; freed
 * by the next thread to run on this CPU, since a thread cannot free the
 * stack it is running on).
 *
 * The user's x87 and SSE registers belong to the thread too: the kernel
 * never touches them (it is built with -mgeneral-regs-only), so they are
 * saved and loaded only when one program thread gives the CPU to another.
 */
#pragma once

#include <cstdint>

#include "arch/trap_frame.h"
#include "common/abi/signal.h"
#include "common/result.h"
#include "mm/mm.h"
#include "proc/signal.h"

struct Process;
class WaitQueue;

/// Where a thread is in its life.
enum class ThreadState : uint8_t {
    Ready,
    Running,
    Blocked,
    Dead
};

/// One thread of execution.
struct Thread {
    int tid = 0;                         ///< thread id (gettid); a program's first thread's is its pid
    char name[16] = {};                  ///< for logs and the debugger
    Process* process = nullptr;          ///< the program it belongs to; nullptr for a kernel thread
    bool runs_user = false;              ///< a thread of the program itself, which returns to user mode
    ThreadState state = ThreadState::Ready;  ///< where it is in its life (the states above)
    uint64_t saved_rsp = 0;              ///< where context_switch() left its stack
    KernelStack stack{};                 ///< its own kernel stack
    uint64_t fs_base = 0;                ///< the user's FS base while it is not running
    uint64_t gs_base = 0;                ///< the user's GS base while it is not running
    uint64_t clear_child_tid = 0;        ///< user address zeroed and woken at exit (set_tid_address)
    uint64_t robust_list = 0;            ///< user address of its robust futex list (set_robust_list)
    ThreadSignals signals;               ///< its mask and pending signals (proc/signal.h)
    abi::FxState fpu{};                  ///< its x87/SSE registers while it is not running (FXSAVE)

    Thread* next_ready = nullptr;        ///< the run queue's link
    WaitQueue* waiting_on = nullptr;     ///< the queue it sleeps on, or nullptr
    Thread* next_waiter = nullptr;       ///< that queue's link
    uint64_t wake_at_ms = 0;             ///< monotonic deadline of its sleep; 0: none
    uint64_t wait_key = 0;               ///< what it waits for on a shared queue (a futex's address)
    bool interrupted = false;            ///< its program is exiting: its wait ends with EINTR
    Thread* next_in_process = nullptr;   ///< the other threads of its program
    uint64_t ran_ticks = 0;              ///< timer ticks in its current time slice
    uint64_t cpu_tsc = 0;                ///< TSC ticks it ran before its current turn (CPU-time clocks)
    uint64_t turn_began_tsc = 0;         ///< the TSC when its current turn on the CPU began
};

/// The TSC ticks @p thread has run so far, its current turn included if it
/// is the running thread (CLOCK_THREAD_CPUTIME_ID, in TSC ticks).
uint64_t thread_cpu_tsc(const Thread& thread);

/// Make the boot code a thread (the first one of this CPU) and start the
/// idle thread. Called once, after percpu_init().
void sched_init();

/// The thread running on this CPU (one `mov %gs:0x20`).
Thread* current_thread();

/// A new kernel thread that runs @p fn(@p arg), then exits; ready to run.
Result<Thread*> spawn_kernel_thread(const char* name, void (*fn)(void*), void* arg);

/// A new thread of @p process that enters user mode through @p frame (a
/// TrapFrame for iretq: user RIP, RSP, flags) with FS base @p fs_base; ready to run.
Result<Thread*> spawn_user_thread(Process& process, const TrapFrame& frame, uint64_t fs_base);

/// Give the CPU to another ready thread, if there is one.
void yield();

/// End the running thread. The last thread of a program ends the program.
extern "C" [[noreturn]] void exit_current_thread();  // extern "C": arch/switch.S calls it

/// With the scheduler lock held: a signal came for @p thread; if it
/// sleeps, wake it, so that its wait ends (with Errno::RestartSys).
void wake_for_signal(Thread* thread);

/// Wake every Blocked thread of @p process with `interrupted` set, so that
/// their waits end with EINTR (exit_group, a fatal signal).
void interrupt_threads(Process& process);

/// For the timer interrupt: one more tick. Wakes sleepers whose time has
/// come and asks for a switch when the running thread's slice is used up.
void sched_tick();

/// Before returning to user mode: end the thread if its program is exiting,
/// switch threads if the timer asked for it.
void return_to_user_checks();

/// Milliseconds since the timer started (the monotonic clock).
uint64_t now_ms();
