/**
 * @file chapters/12-exec/proc/process.cpp
 * @brief A process's life: its first thread, its end, its parent's wait
 * for it, and the boot thread reaping what no process will.
 *
 * The tree (parent, children, next_sibling, zombie) is changed only with
 * the scheduler lock held.
 *
 * A process's end comes in two steps. Its last thread cannot free what it
 * is still using: the page tables it runs on, or its files (closing one
 * may wake a pipe's readers, which takes the scheduler lock it holds). So
 * that thread only hands the process to a kernel thread, the cleaner
 * (Linux finishes an exit in the dying task, and frees its memory after
 * the switch, in finish_task_switch). The cleaner closes the descriptors
 * (a pipe's reader sees end of file now, not when the parent waits),
 * frees the memory, and only then makes the process a zombie and wakes
 * whoever reaps it; the reaper frees what is left.
 *
 * (Chapter 08: the last program thread's exit also stops the process's
 * helper threads; the process's CPU time. Chapter 10: threads end at the
 * same moment on two CPUs, so the status the program ends with is decided
 * under the scheduler's lock, by whichever thread is really the last, or the
 * first to end it all.)
 */
#include "proc/process.h"

#include "arch/process_switch.h"
#include "arch/segments.h"
#include "fs/fs_lock.h"
#include "kernel/console.h"
#include "kernel/heap.h"
#include "kernel/panic.h"
#include "mm/mm.h"
#include "mm/user_space.h"
#include "sched/thread.h"

namespace {

constexpr uint64_t kRflagsIf = 1 << 9;

Process* g_orphans = nullptr;  // the kernel's children: boot modules, and orphans given to it
int g_processes = 0;           // processes not yet reaped
WaitQueue g_reaper;            // the boot thread: a kernel's child became a zombie, or none are left
Process* g_dead = nullptr;     // processes whose last thread has ended, for the cleaner (via next_dead)
WaitQueue g_cleaner;           // where the cleaner sleeps until g_dead has one

// Free what a process holds but its pid and status: its descriptors, its
// memory, its file mappings, its program file. Not with any lock held.
void release(Process* process) {
    for (uint32_t fd = 0; fd < FileTable::kMaxFiles; ++fd) (void)process->files.close(fd);
    if (process->space.root().value()) {
        user_space_destroy(process->space);
        process->space = AddressSpace(PhysAddr());
    }
    // The mapped rings' references: a ring whose last hold this was goes
    // now, after the pages that showed it.
    DroppedFiles dropped;
    process->mappings.remove(0, ~0ull, dropped);
    if (process->exe) {
        IrqLock guard(fs_lock());
        process->exe->unref();
        process->exe = nullptr;
    }
}

// The cleaner: finish the exit of each process its last thread left.
[[noreturn]] void clean(void*) {
    for (;;) {
        Process* dead = nullptr;
        (void)g_cleaner.wait([&] {  // a kernel thread is never interrupted
            dead = g_dead;
            if (dead) g_dead = dead->next_dead;
            return dead != nullptr;
        });
        release(dead);
        IrqLock guard(sched_lock());
        dead->zombie = true;
        if (dead->parent) dead->parent->child_exited.wake_all_locked();
        else g_reaper.wake_all_locked();
    }
}

Process*& children_of(Process* parent) { return parent ? parent->children : g_orphans; }

void unlink_child(Process* child) {
    for (Process** c = &children_of(child->parent); *c; c = &(*c)->next_sibling)
        if (*c == child) {
            *c = child->next_sibling;
            break;
        }
    child->next_sibling = nullptr;
}

// The first zombie among the kernel's children, or nullptr.
Process* orphan_zombie() {
    for (Process* c = g_orphans; c; c = c->next_sibling)
        if (c->zombie) return c;
    return nullptr;
}

}  // namespace

void process_init() {
    if (!spawn_kernel_thread("cleaner", clean, nullptr)) panic("no memory for the process cleaner");
}

Result<void> process_run(Process* process) {
    // The first thread's first "return from interrupt": every register
    // zero, interrupts on, at the program's entry point.
    TrapFrame frame{};
    frame.rip = process->entry;
    frame.cs = USER_CS;
    frame.rflags = kRflagsIf | 0x2;  // bit 1 is always set
    frame.rsp = process->initial_rsp;
    frame.ss = USER_SS;
    {
        IrqLock guard(sched_lock());
        process_adopt(nullptr, process);
    }
    if (const Result<Thread*> first = spawn_user_thread(*process, frame, 0); !first) {
        kprint("[Process] PID={} ({}) has no memory for its first thread\n", process->pid, process->name);
        {
            IrqLock guard(sched_lock());
            unlink_child(process);
            --g_processes;
        }
        process_destroy(process);
        return Err(first.error());
    }
    return {};
}

void process_adopt(Process* parent, Process* child) {
    child->parent = parent;
    child->next_sibling = children_of(parent);
    children_of(parent) = child;
    ++g_processes;
}

void process_reap_orphans() {
    for (;;) {
        Process* zombie = nullptr;
        (void)g_reaper.wait([&] {  // the boot thread is never interrupted
            zombie = orphan_zombie();
            return zombie || g_processes == 0;
        });
        if (!zombie) return;
        kprint("[Process] Terminated PID={} ({}) with code={}\n", zombie->pid, zombie->name, zombie->exit_code);
        process_reap(zombie);
    }
}

void process_reap(Process* child) {
    {
        IrqLock guard(sched_lock());
        unlink_child(child);
        // Its children are the kernel's now; a zombie among them is the boot thread's to reap.
        while (Process* grandchild = child->children) {
            child->children = grandchild->next_sibling;
            grandchild->parent = nullptr;
            grandchild->next_sibling = g_orphans;
            g_orphans = grandchild;
        }
        --g_processes;
        g_reaper.wake_all_locked();
    }
    process_destroy(child);
}

int process_wait_status(const Process& process) {
    if (process.term_signal) return process.term_signal;  // WIFSIGNALED, WTERMSIG
    return (process.exit_code & 0xff) << 8;               // WIFEXITED, WEXITSTATUS
}

void process_release_vfork(Process* child) {
    IrqLock guard(sched_lock());
    if (!child->vfork_waiting) return;
    child->vfork_waiting = false;
    child->vfork_done.wake_all_locked();
}

void process_destroy(Process* process) {
    release(process);
    sched_free_dead_threads();  // its threads, which may not have been freed yet, point at it
    heap_free(process->exe_path);
    delete process;  // its working directory goes with its FsContext
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
    if (process.live_threads == 0) {
        if (process.vfork_waiting) {  // a vfork child that ended without exec
            process.vfork_waiting = false;
            process.vfork_done.wake_all_locked();
        }
        process.next_dead = g_dead;  // the cleaner finishes the exit (see above)
        g_dead = &process;
        g_cleaner.wake_all_locked();
    }
}

uint64_t process_cpu_tsc(Process& process) {
    IrqLock guard(sched_lock());  // the list of threads changes under it
    uint64_t ticks = process.exited_cpu_tsc;
    for (const Thread* t = process.threads; t; t = t->next_in_process) ticks += thread_cpu_tsc(*t);
    return ticks;
}

// The first thread to end @p p decides how it ended: @p code, and the
// signal that killed it (0: it exited). Two threads may try at once.
static void end_process(Process& p, int code, int signal) {
    IrqLock guard(sched_lock());
    if (p.exiting) return;
    p.exiting = true;
    p.exit_code = code;
    p.term_signal = signal;
}

void process_exit(int code) {
    Process* p = current_process();
    end_process(*p, code, 0);
    interrupt_threads(*p);  // the others stop waiting, and end on their way back to user mode
    exit_current_thread();
}

void process_exit_signal(abi::Signal signal) {
    Process* p = current_process();
    end_process(*p, abi::killed_exit_status(signal), static_cast<int>(signal));
    interrupt_threads(*p);
    exit_current_thread();
}
