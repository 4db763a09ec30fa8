/**
 * @file chapters/10-smp/proc/process.cpp
 * @brief Running a process: its first thread, waiting for its last, ending it.
 * (Chapter 08: the last program thread's exit also stops the process's
 * helper threads; the process's CPU time. Chapter 10: threads end at the
 * same moment on two CPUs, so the status the program ends with is decided
 * under the scheduler's lock, by whichever thread is really the last, or the
 * first to end it all.)
 */
#include "proc/process.h"

#include "arch/segments.h"
#include "arch/process_switch.h"
#include "kernel/console.h"
#include "kernel/heap.h"
#include "kernel/panic.h"
#include "mm/mm.h"
#include "mm/user_space.h"
#include "sched/thread.h"

namespace {
constexpr uint64_t kRflagsIf = 1 << 9;
}  // namespace

int process_run(Process* process) {
    // The first thread's first "return from interrupt": every register
    // zero, interrupts on, at the program's entry point.
    TrapFrame frame{};
    frame.rip = process->entry;
    frame.cs = USER_CS;
    frame.rflags = kRflagsIf | 0x2;  // bit 1 is always set
    frame.rsp = process->initial_rsp;
    frame.ss = USER_SS;
    if (const Result<Thread*> first = spawn_user_thread(*process, frame, 0); !first) {
        kprint("[Process] PID={} ({}) has no memory for its first thread\n", process->pid, process->name);
        process_destroy(process);
        return 128 + 9;  // as if killed
    }
    (void)process->done.wait([&] { return process->live_threads == 0; });  // the boot thread is never interrupted
    kprint("[Process] Terminated PID={} ({}) with code={}\n", process->pid, process->name, process->exit_code);
    const int code = process->exit_code;
    process_destroy(process);
    return code;
}

void process_destroy(Process* process) {
    user_space_destroy(process->space);  // after every CPU has left its tables (mm/tlb.h)...
    sched_free_dead_threads();           // ...and so its threads, which may not have been freed
    delete process;  // its descriptors close, its file mappings let go
}

void process_thread_added(Process& process, Thread* thread) {
    thread->next_in_process = process.threads;
    process.threads = thread;
    ++process.live_threads;
}

void process_thread_gone(Process& process, Thread* thread) {
    process.exited_cpu_tsc += thread_cpu_tsc(*thread);  // it is still running: its turn counts
    for (Thread** t = &process.threads; *t; t = &(*t)->next_in_process)
        if (*t == thread) {
            *t = thread->next_in_process;
            break;
        }
    --process.live_threads;
    if (process.live_threads == process.helper_threads && !process.exiting) {
        // The last program thread left by exit(): its status is the program's.
        // Helpers, if any, end too, wherever they wait (a poller may sleep on
        // a full pipe as well as on helpers_wait, or poll on another CPU).
        process.exit_code = thread->exit_status;
        process.exiting = true;
        for (Thread* t = process.threads; t; t = t->next_in_process) {
            t->interrupted = true;
            if (t->waiting_on) t->waiting_on->wake_all_locked();
        }
    }
    if (process.live_threads == 0) process.done.wake_all_locked();
}

uint64_t process_cpu_tsc(Process& process) {
    IrqLock guard(sched_lock());  // the list of threads changes under it
    uint64_t ticks = process.exited_cpu_tsc;
    for (const Thread* t = process.threads; t; t = t->next_in_process) ticks += thread_cpu_tsc(*t);
    return ticks;
}

void process_exit(int code) {
    Process* p = current_process();
    {
        IrqLock guard(sched_lock());  // two threads may end it at once: the first sets the code
        if (!p->exiting) {
            p->exiting = true;
            p->exit_code = code;
        }
    }
    interrupt_threads(*p);  // the others stop waiting, and end on their way back to user mode
    exit_current_thread();
}
