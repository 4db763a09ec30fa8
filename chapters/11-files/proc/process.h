/**
 * @file chapters/11-files/proc/process.h
 * @brief A process: what its threads share - an address space, open files,
 * mapped files, a heap, a working directory - and how it ends. (Chapter
 * 11 adds the working directory and umask: FsContext.)
 *
 * The kernel still runs its boot modules one after another: process_run()
 * starts a process's first thread and waits until its last thread has
 * ended, whether by exit(), exit_group() or a fault. In between, the
 * process's threads (clone) run under the scheduler like any other. What
 * belongs to one thread (registers, stacks, FS base...) is in its Thread.
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
    int exit_code = 0;               ///< the status it ends with
    WaitQueue done;                  ///< process_run() waits here for live_threads to reach 0
    int helper_threads = 0;          ///< of live_threads, the kernel threads working for it (SQPOLL pollers)
    WaitQueue helpers_wait;          ///< where those sleep while idle (an SQPOLL poller waiting for SQ_WAKEUP)
    uint64_t exited_cpu_tsc = 0;     ///< TSC ticks its threads that have ended ran (CLOCK_PROCESS_CPUTIME_ID)
    FsContext fs;                    ///< its working directory and umask
    FileMappings mappings;           ///< the files mapped into the address space (io_uring rings)
    ProcessSignals signals;          ///< its handlers, and the signals sent to all its threads
    FileTable files;                 ///< open descriptors; destroyed first, closing them all
};

/// A new process id (1, 2, ...): one counter for every id the kernel hands out.
int allocate_id();

/// Load an ELF executable into a new process with command line @p cmdline
/// (name and arguments, separated by spaces). On failure, the reason (the
/// ELF parser's, or "out of memory"); nothing is left allocated.
Result<Process*, const char*> process_create(StringView cmdline, const uint8_t* image, size_t size);

/// Run @p process in ring 3 until its last thread ends; returns its exit
/// code and frees it (process_destroy).
int process_run(Process* process);

/// Free @p process and its address space. It must not be running.
void process_destroy(Process* process);

/// The running process (nullptr between processes): see arch/process_switch.h.
Process* current_process();

/// For the scheduler, with its lock held: @p thread joins @p process.
void process_thread_added(Process& process, Thread* thread);

/// For the scheduler, with its lock held: @p thread of @p process has
/// exited. When it was the last, process_run() is woken.
void process_thread_gone(Process& process, Thread* thread);

/// The TSC ticks every thread of @p process has run, ended ones and
/// helpers included (CLOCK_PROCESS_CPUTIME_ID, in TSC ticks).
uint64_t process_cpu_tsc(Process& process);

/// End the current process with @p code (0-255), all its threads
/// (exit_group, or a fatal fault); never returns.
[[noreturn]] void process_exit(int code);
