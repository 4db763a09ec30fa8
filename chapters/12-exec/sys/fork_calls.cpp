/**
 * @file chapters/12-exec/sys/fork_calls.cpp
 * @brief New processes and their end: fork, vfork, clone without
 * CLONE_VM, wait4.
 *
 * fork copies the whole process at once (eager copy): every page of its
 * address space into a fresh frame, its descriptors (each open file gains
 * a reference: parent and child share positions, as on Linux), its
 * working directory. The child's one thread returns from the same system
 * call with 0 in rax; the parent gets the child's pid. Linux shares the
 * pages instead and copies each on the first write to it (copy-on-write):
 * the chapter's text compares the two.
 */
#include "arch/fpu.h"
#include "arch/process_switch.h"
#include "common/abi/linux.h"
#include "fs/fs_context.h"
#include "fs/fs_lock.h"
#include "kernel/heap.h"
#include "mm/user_space.h"
#include "proc/process.h"
#include "proc/uaccess.h"
#include "sched/thread.h"
#include "sched/wait.h"
#include "sys/syscall.h"

using abi::Errno;
namespace clone_flag = abi::clone_flag;

Result<long> sys_clone(const SyscallArgs&);  // sys/thread_calls.cpp: a new thread

namespace {

constexpr uint64_t kCloneVfork = 0x4000;  // CLONE_VFORK: the parent sleeps until the child execs or ends

// wait4's options (uapi/linux/wait.h).
constexpr int kWaitNoHang = 1;            // WNOHANG
constexpr int kWaitUntraced = 2;          // WUNTRACED
constexpr int kWaitContinued = 8;         // WCONTINUED
constexpr int kWaitNoThread = 0x20000000; // __WNOTHREAD
constexpr int kWaitAll = 0x40000000;      // __WALL
constexpr int kWaitClone = static_cast<int>(0x80000000u);  // __WCLONE

// Write @p value at user address @p at of @p space, which is not the one
// loaded: through its page tables and the direct map. False if the page is
// not there or not writable (Linux ignores a bad CLONE_CHILD_SETTID address).
bool write_in(const AddressSpace& space, uint64_t at, int32_t value) {
    if (at & 3) return false;  // an aligned int never straddles two pages
    const Result<Translation> t = space.translate(VirtAddr(at));
    if (!t || !has(t->flags, PageFlags::User | PageFlags::Writable)) return false;
    *phys_to_virt(t->phys).as<int32_t>() = value;
    return true;
}

// A copy of the running process, not yet started: its memory, its
// descriptors (and their FD_CLOEXEC), its signal handlers, its working
// directory. Errno::NoMem.
Result<Process*> copy_process() {
    Process& parent = *current_process();
    Process* child = TRY(make<Process>());
    Result<AddressSpace> space = user_space_create();
    if (!space) {
        delete child;
        return Err(space.error());
    }
    child->space = *space;
    Result<void> copied;
    {
        // Another thread may mmap, munmap or brk meanwhile, on another CPU.
        IrqLock locked(parent.memory_lock);
        copied = copy_user_space(parent.space, child->space);
        child->brk_start = parent.brk_start;
        child->brk = parent.brk;
    }
    if (!copied) {
        process_destroy(child);
        return Err(copied.error());
    }
    child->pid = allocate_id();
    mem::copy(child->name, parent.name, sizeof child->name);
    {
        IrqLock locked(parent.files.lock);  // ...or open and close descriptors
        for (int fd = 0; fd < FileTable::kMaxFiles; ++fd)
            if (File* file = parent.files.files[fd]) {
                file->ref();
                child->files.files[fd] = file;
            }
        child->files.close_on_exec = parent.files.close_on_exec;
    }
    {
        IrqLock locked(sched_lock());  // ...or change a handler (rt_sigaction holds it)
        for (int i = 0; i < abi::kSignalCount; ++i) child->signals.actions[i] = parent.signals.actions[i];
    }
    IrqLock guard(fs_lock());
    child->fs.set_cwd(parent.fs.cwd());
    child->fs.umask = parent.fs.umask;
    if (parent.exe) {
        parent.exe->ref();
        child->exe = parent.exe;
    }
    if (parent.exe_path) {
        const size_t n = cstr::length(parent.exe_path) + 1;
        child->exe_path = static_cast<char*>(heap_allocate(n, 1));
        if (child->exe_path) mem::copy(child->exe_path, parent.exe_path, n);
    }
    return child;
}

// fork, vfork and clone without CLONE_VM: a new process. The flags that
// make sense for one are accepted; sharing what this kernel cannot share
// between processes (CLONE_FILES, CLONE_FS, CLONE_SIGHAND...) is Errno::Inval.
Result<long> new_process(uint64_t flags, uint64_t stack, uint64_t parent_tid, uint64_t child_tid) {
    constexpr uint64_t kAllowed = clone_flag::ExitSignalMask | clone_flag::ParentSetTid | clone_flag::ChildSetTid |
                                  clone_flag::ChildClearTid | clone_flag::Detached | kCloneVfork | clone_flag::Vm;
    if (flags & ~kAllowed) return Err(Errno::Inval);
    const bool vfork = flags & kCloneVfork;
    if ((flags & clone_flag::Vm) && !vfork) return Err(Errno::Inval);  // sharing memory is a thread's
    Process& parent = *current_process();
    Process* child = TRY(copy_process());

    TrapFrame frame = current_user_frame();
    frame.rax = 0;  // fork returns 0 in the child
    if (stack) frame.rsp = stack;
    // The child's memory is a copy of the parent's as it is now: the tid
    // goes into the copy, where the child's C library reads it.
    if (flags & clone_flag::ChildSetTid) (void)write_in(child->space, child_tid, child->pid);
    child->vfork_waiting = vfork;
    {
        IrqLock guard(sched_lock());
        process_adopt(&parent, child);
    }
    const Result<Thread*> thread = spawn_user_thread(*child, frame, user_fs_base());
    if (!thread) {
        {
            IrqLock guard(sched_lock());
            child->zombie = true;  // never ran: reaped at once, with no status anyone asked for
        }
        process_reap(child);
        return Err(thread.error());
    }
    (*thread)->gs_base = user_gs_base();
    (*thread)->signals.blocked = current_thread()->signals.blocked;
    fpu_save((*thread)->fpu);  // the parent's x87/SSE state, as Linux copies it
    if (flags & clone_flag::ChildClearTid) (*thread)->clear_child_tid = child_tid;
    if (flags & clone_flag::ParentSetTid) (void)write_user(parent_tid, static_cast<int32_t>(child->pid));
    const int pid = child->pid;
    // vfork: sleep until the child execs or ends (it then no longer needs
    // the parent's memory on Linux, where it borrowed it).
    if (vfork) (void)child->vfork_done.wait([&] { return !child->vfork_waiting; });
    return pid;
}

// A zombie child of @p parent that @p pid selects, or nullptr; @p any is
// set if some child matches at all. With the scheduler lock held.
Process* find_zombie(Process& parent, int pid, bool& any) {
    any = false;
    for (Process* c = parent.children; c; c = c->next_sibling) {
        if (pid > 0 && c->pid != pid) continue;  // pid 0 and < -1 name process groups: all are one here
        any = true;
        if (c->zombie) return c;
    }
    return nullptr;
}

}  // namespace

/// fork(): a copy of this process; the child's pid here, 0 in the child.
Result<long> sys_fork(const SyscallArgs&) { return new_process(static_cast<uint64_t>(abi::Signal::Chld), 0, 0, 0); }

/// vfork(): fork, and sleep until the child execs or ends.
Result<long> sys_vfork(const SyscallArgs&) {
    return new_process(clone_flag::Vm | kCloneVfork | static_cast<uint64_t>(abi::Signal::Chld), 0, 0, 0);
}

/// clone(flags, stack, parent_tid, child_tid, tls): with CLONE_THREAD a new
/// thread (sys/thread_calls.cpp), otherwise a new process (fork, vfork).
Result<long> sys_clone_process(const SyscallArgs& a) {
    if (a.a0 & clone_flag::Thread) return sys_clone(a);
    return new_process(a.a0, a.a1, a.a2, a.a3);
}

/// wait4(pid, wstatus, options, rusage): wait for a child (@p pid > 0:
/// that one; -1: any; 0 or < -1: any, there being one process group) to
/// end, store its status, reap it, and return its pid. WNOHANG: 0 if none
/// has ended yet. Errno::Child if there is no such child, Errno::Inval for
/// an unknown option, Errno::Intr if this process is exiting.
Result<long> sys_wait4(const SyscallArgs& a) {
    const auto pid = static_cast<int>(a.a0);
    const uint64_t status_at = a.a1, rusage_at = a.a3;
    const auto options = static_cast<int>(a.a2);
    constexpr int kKnown = kWaitNoHang | kWaitUntraced | kWaitContinued | kWaitNoThread | kWaitAll | kWaitClone;
    if (options & ~kKnown) return Err(Errno::Inval);
    if (pid == -2147483647 - 1) return Err(Errno::Srch);  // INT_MIN: Linux refuses to negate it
    Process& self = *current_process();
    Process* zombie = nullptr;
    bool any = false;
    TRY(self.child_exited.wait([&] {
        zombie = find_zombie(self, pid, any);
        return zombie || !any || (options & kWaitNoHang);
    }));
    if (!zombie) return any ? Result<long>(0) : Err(Errno::Child);
    const int status = process_wait_status(*zombie);
    const int reaped = zombie->pid;
    process_reap(zombie);  // as Linux: reaped first; a bad pointer below is EFAULT all the same
    if (status_at) TRY(write_user(status_at, status));
    if (rusage_at) {  // no times are kept here: all zero
        const uint8_t rusage[144] = {};
        TRY(copy_to_user(rusage_at, rusage, sizeof rusage));
    }
    return reaped;
}
