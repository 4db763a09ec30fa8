/**
 * @file chapters/12-exec/proc/process.h
 * @brief A process: what its threads share - an address space, open files,
 * mapped files, a heap, a working directory - its place in the tree of
 * processes, and how it ends. (Chapter 11 adds the working directory and
 * umask: FsContext. Chapter 12: parents and children, zombies, wait4's
 * status, the program file it runs.)
 *
 * Chapter 12: processes make processes (fork), and each has a parent. A
 * process whose last thread has ended is a zombie: it keeps its pid and
 * its status, and everything else too, until its parent collects it with
 * wait4, which frees it (reaps it). The kernel itself is the parent of the
 * boot modules and of every orphan (a process whose parent was reaped
 * first): the boot thread reaps those (process_reap_orphans), as Linux's
 * init does. All of the tree is changed with the scheduler lock held,
 * since the last thread's exit changes it from inside the scheduler.
 * What belongs to one thread (registers, stacks, FS base...) is in its Thread.
 *
 * Chapter 08: kernel threads may work for a process (an SQPOLL ring's
 * poller). They count among its threads, but the process ends when its
 * last *program* thread does: then they are interrupted, wherever they
 * sleep, and end too.
 *
 * The descriptor table and the file mappings are members: when the process
 * is deleted, their destructors close every descriptor and drop every
 * mapping's hold on its file.
 *
 * Chapter 10: the threads of a process run on several CPUs at once, and
 * two of them may mmap or munmap at the same moment. memory_lock owns what
 * those calls change: the lower half of the page tables, the file
 * mappings and the break.
 */
#pragma once

#include <cstdint>

#include "arch/trap_frame.h"
#include "common/result.h"
#include "common/str.h"
#include "fs/fs_context.h"
#include "mm/file_mappings.h"
#include "mm/paging.h"
#include "proc/file.h"
#include "proc/signal.h"
#include "sched/wait.h"
#include "sync/spinlock.h"

/// One running program.
struct Process {
    int pid = 0;                     ///< process id, from 1 (getpid)
    char name[32] = {};              ///< the module's first word, for logs
    SpinLock memory_lock;            ///< owns space's lower half, mappings, brk_start and brk
    AddressSpace space{PhysAddr()};  ///< its page tables: its own lower half, the kernel's upper half
    uint64_t entry = 0;              ///< first user RIP
    uint64_t initial_rsp = 0;        ///< user RSP at entry (argc)
    uint64_t brk_start = 0;          ///< where the heap (brk) starts: the page after the program's last segment
    uint64_t brk = 0;                ///< the current break: brk_start, or where brk() moved it
    Thread* threads = nullptr;       ///< its live threads, linked by Thread::next_in_process
    int live_threads = 0;            ///< how many; the process ends when it reaches 0
    bool exiting = false;            ///< exit_group or a fatal fault: every thread ends at its next chance
    int exit_code = 0;               ///< the status it ends with: 0-255, or 128 + the signal that killed it
    int term_signal = 0;             ///< the signal that killed it, or 0 if it exited (wait4's status)
    Process* parent = nullptr;       ///< who reaps it; nullptr: the kernel (a boot module, an orphan)
    Process* children = nullptr;     ///< its children, alive or zombies, linked by next_sibling
    Process* next_sibling = nullptr; ///< the next child of its parent
    bool zombie = false;             ///< ended and cleaned up: only wait4 is left to do
    Process* next_dead = nullptr;    ///< the cleaner's list of processes whose last thread ended
    WaitQueue child_exited;          ///< wait4 sleeps here until a child becomes a zombie
    bool vfork_waiting = false;      ///< a parent sleeps in vfork until this child execs or ends
    WaitQueue vfork_done;            ///< where that parent sleeps
    fs::Inode* exe = nullptr;        ///< the program file it runs (with a reference): /proc/self/exe
    char* exe_path = nullptr;        ///< that file's absolute path (heap), what readlink of /proc/self/exe says
    int helper_threads = 0;          ///< of live_threads, the kernel threads working for it (SQPOLL pollers)
    WaitQueue helpers_wait;          ///< where those sleep while idle (an SQPOLL poller waiting for SQ_WAKEUP)
    uint64_t exited_cpu_tsc = 0;     ///< TSC ticks its threads that have ended ran (CLOCK_PROCESS_CPUTIME_ID)
    ProcessSignals signals;          ///< its handlers, and the signals sent to all its threads
    FsContext fs;                    ///< its working directory and umask
    FileMappings mappings;           ///< the files mapped into the address space (io_uring rings)
    FileTable files;                 ///< open descriptors; destroyed first, closing them all
};

/// A new process id (1, 2, ...): one counter for every id the kernel hands out.
int allocate_id();

/// Load an ELF executable into a new process with command line @p cmdline
/// (name and arguments, separated by spaces). On failure, the reason (the
/// ELF parser's, or "out of memory"); nothing is left allocated.
Result<Process*, const char*> process_create(StringView cmdline, const uint8_t* image, size_t size);

/// Start the cleaner, the kernel thread that finishes each process's exit
/// (closes its files, frees its memory) once its last thread has ended.
void process_init();

/// Start @p process's first thread in ring 3 at its entry point: with the
/// kernel as its parent (a boot module). Errno::NoMem, and then it is freed.
Result<void> process_run(Process* process);

/// For the boot thread, acting as init: reap every orphan zombie as it
/// appears (logging how each ended), until no process is left at all.
void process_reap_orphans();

/// Make @p child a child of @p parent (nullptr: the kernel's). With the
/// scheduler lock held, before the child's first thread runs.
void process_adopt(Process* parent, Process* child);

/// Take the zombie @p child off its parent's list, give its own children
/// to the kernel, and free it. Its wait4 status is read first.
void process_reap(Process* child);

/// wait4's status word of a zombie: (code << 8) if it exited, the signal if killed.
int process_wait_status(const Process& process);

/// A parent sleeping in vfork for @p child may go on (the child exec'd or ended).
void process_release_vfork(Process* child);

/// Free @p process and its address space. It must not be running.
void process_destroy(Process* process);

/// The running process (nullptr between processes): see arch/process_switch.h.
Process* current_process();

/// For the scheduler, with its lock held: @p thread joins @p process.
void process_thread_added(Process& process, Thread* thread);

/// For the scheduler, with its lock held: @p thread of @p process has
/// exited. When it was the last, the process is a zombie, and its parent's
/// wait4 (or, for the kernel's children, the boot thread) is woken.
void process_thread_gone(Process& process, Thread* thread);

/// The TSC ticks every thread of @p process has run, ended ones and
/// helpers included (CLOCK_PROCESS_CPUTIME_ID, in TSC ticks).
uint64_t process_cpu_tsc(Process& process);

/// End the current process with @p code (0-255), all its threads
/// (exit_group); never returns.
[[noreturn]] void process_exit(int code);

/// End the current process as killed by signal @p signal (a fatal fault);
/// never returns.
[[noreturn]] void process_exit_signal(abi::Signal signal);
