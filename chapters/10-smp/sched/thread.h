/**
 * @file chapters/10-smp/sched/thread.h
 * @brief A thread: a kernel stack, a saved context, and what the scheduler
 * needs to know about it. The scheduler's interface. (Chapter 08: each
 * thread counts the time-stamp counter ticks it has run, for the CPU-time
 * clocks that show what an SQPOLL poller costs. Chapter 10: any CPU may run
 * any thread - or only one CPU, if it is pinned.)
 *
 * Every thread has a kernel stack of its own. While a thread is not
 * running, everything it was doing is on that stack: the registers
 * context_switch() pushed, and below them (for a thread of a program) the
 * TrapFrame its last syscall or interrupt left, which it will return to
 * user mode with. A kernel thread (process == nullptr) never leaves ring 0.
 *
 * One lock, the scheduler lock, protects the run queue, every wait queue
 * and thread state (sched/scheduler.cpp); it is always held with
 * interrupts off, because the timer and the UART change those too, and
 * every CPU takes it.
 *
 * States: Ready (on the run queue) -> Running -> Ready (preempted or
 * yielding), Blocked (on a WaitQueue, or sleeping) or Dead (exited; its
 * stack freed by the next thread to run on its CPU, since a thread cannot
 * free the stack it is running on, and a program thread's descriptor when
 * its program ends: sched_free_dead_threads()).
 *
 * A thread that has just stopped running is Ready or Blocked before its CPU
 * has finished saving it: on_cpu says so, and no other CPU switches to it
 * until that CPU has cleared it, on the next thread's stack.
 *
 * The user's x87 and SSE registers belong to the thread too: the kernel
 * never touches them (it is built with -mgeneral-regs-only), so they are
 * saved and loaded only when one program thread gives the CPU to another.
 */
#pragma once

#include <atomic>
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
    std::atomic<bool> on_cpu{false};     ///< a CPU runs it, or has not finished switching away from it
    uint64_t cpu_mask = ~uint64_t{0};    ///< the CPUs that may run it, a bit each (IORING_SETUP_SQ_AFF, sched_setaffinity)
    int cpu = 0;                         ///< the CPU that runs it or ran it last (a signal's IPI goes there)
    int exit_status = 0;                 ///< exit()'s status: the program's, if it is the last thread
    uint64_t cpu_tsc = 0;                ///< TSC ticks it ran before its current turn (CPU-time clocks)
    uint64_t turn_began_tsc = 0;         ///< the TSC when its current turn on a CPU began; 0: not on a CPU
    std::atomic<uint32_t> tsc_seq{0};    ///< odd while its CPU changes the two above (arch/process_switch.cpp)
};

/// The TSC ticks @p thread has run so far, its current turn included if it
/// is running, here or on another CPU (CLOCK_THREAD_CPUTIME_ID, in TSC ticks).
uint64_t thread_cpu_tsc(const Thread& thread);

/// Free the descriptors of the program threads that have ended. Chapter
/// 10 keeps them until then (their stacks are reused at once): a CPU may
/// still hold a pointer it found in a process's list of threads (kill,
/// tgkill). Called when a program has ended and none of its threads runs.
void sched_free_dead_threads();

/// Make the boot code a thread (the first one of CPU 0) and start CPU 0's
/// idle thread. Called once, after percpu_init(0).
void sched_init();

/// A new idle thread for CPU @p cpu (by CPU 0, before it starts that CPU):
/// the new CPU starts on its stack.
Result<Thread*> sched_make_idle_thread(int cpu);

/// CPU @p cpu's idle thread, made by sched_make_idle_thread().
Thread* sched_idle_thread_of(int cpu);

/// This CPU (just started, on @p idle's stack) becomes @p idle and runs
/// whatever is ready from now on.
[[noreturn]] void sched_run_idle(Thread* idle);

/// The thread running on this CPU (one `mov %gs:0x20`).
Thread* current_thread();

/// A new kernel thread that runs @p fn(@p arg), then exits; ready to run,
/// on CPU @p cpu only if it is not -1. With @p helper_of, it is a helper
/// thread of that process (an SQPOLL poller: proc/process.h) from before it
/// can run: on another CPU it may run at once, in the process's memory.
Result<Thread*> spawn_kernel_thread(const char* name, void (*fn)(void*), void* arg, int cpu = -1,
                                    Process* helper_of = nullptr);

/// A new thread of @p process that enters user mode through @p frame (a
/// TrapFrame for iretq: user RIP, RSP, flags) with FS base @p fs_base; ready to run.
/// Its x87/SSE registers are the caller's if a thread of @p process calls
/// (clone copies them, as Linux does), else as at a program's start.
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

/// For the timer interrupt of every CPU: one more tick. On CPU 0 it moves
/// the clock and wakes sleepers whose time has come; on each CPU it asks
/// for a switch when the running thread's slice is used up.
void sched_tick();

/// Before returning to user mode: end the thread if its program is exiting,
/// switch threads if the timer asked for it.
void return_to_user_checks();

/// Milliseconds since the timer started (the monotonic clock).
uint64_t now_ms();
