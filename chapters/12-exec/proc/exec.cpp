/**
 * @file chapters/12-exec/proc/exec.cpp
 * @brief execve: a process throws its program away and runs another, from
 * a file; and /proc/self/exe, the file it runs.
 *
 * execve works in two halves, split by the point of no return:
 *
 *  1. Everything that can fail, with the old program untouched, so that a
 *     failed execve returns its error to a program that is still there:
 *     copy the path, the arguments and the environment into the kernel
 *     (the old address space is about to go, and they are in it), find
 *     the file and check it may be run, and load it into a *new* address
 *     space (chapter 04's loader, with the arguments given here).
 *  2. Then what cannot fail: switch to the new address space and free the
 *     old one, close the descriptors marked close-on-exec, reset the
 *     signal handlers, and point the thread's saved user registers at the
 *     new program's entry. The system call "returns" 0 into the new
 *     program, which starts with every register zero but RSP and RIP.
 */
#include "arch/fpu.h"
#include "arch/percpu.h"
#include "arch/process_switch.h"
#include "arch/segments.h"
#include "fs/fs_context.h"
#include "fs/fs_lock.h"
#include "fs/path.h"
#include "kernel/heap.h"
#include "mm/user_space.h"
#include "proc/loader.h"
#include "proc/process.h"
#include "proc/uaccess.h"
#include "proc/user_string.h"
#include "sched/thread.h"
#include "sys/fs_at.h"
#include "sys/syscall.h"

using abi::Errno;

/// Where /proc/self/exe leads: the running process's program file (a
/// boot module's /bin/NAME, or what it last exec'd).
Result<fs::LinkTarget> proc_self_exe() {
    const Process* process = current_process();
    if (!process || !process->exe || !process->exe_path) return Err(Errno::NoEnt);
    return fs::LinkTarget{process->exe, process->exe_path};
}

namespace {

constexpr uint64_t kRflagsIf = 1 << 9;

// Copy the NULL-terminated array of string pointers at user address
// @p array into @p line's bytes from @p used on, the views into @p views:
// how many strings. Errno::TooBig past CommandLine's limits (the whole
// argument list and environment must fit in kMaxBytes, kMaxWords each).
Result<size_t> copy_strings(uint64_t array, CommandLine& line, size_t& used, StringView* views, size_t max) {
    size_t count = 0;
    if (array == 0) return 0;  // Linux takes a NULL argv or envp as empty
    for (;; ++count) {
        const uint64_t at = TRY(read_user<uint64_t>(array + count * sizeof(uint64_t)));
        if (at == 0) return count;
        if (count == max || used == sizeof line.bytes) return Err(Errno::TooBig);
        const Result<size_t> n = copy_string_from_user(line.bytes + used, at, sizeof line.bytes - used);
        if (!n) return Err(n.error() == Errno::NameTooLong ? Errno::TooBig : n.error());
        views[count] = StringView(line.bytes + used, *n);
        used += *n + 1;
    }
}

// The program file @p path names, checked as Linux's do_open_execat does:
// a regular file (Errno::Acces otherwise) with an execute bit (Errno::Acces),
// with a reference; its absolute path goes to @p where. With the fs lock held.
// (execve has no dirfd: an empty FileRef, so a relative path starts at the
// working directory.)
Result<fs::Inode*> find_program(StringView path, char* where, size_t size) {
    const fs::ParentAndName at = TRY(fs::walk_parent(fs_root(), TRY(start_dir(FileRef(), path)), path));
    fs::Inode* inode = TRY(fs::lookup_in(at.dir, at.name));
    const char* through = nullptr;  // a magic link's target path
    if (inode->type() == fs::Type::MagicLink) {
        const fs::LinkTarget target = TRY(inode->resolve());
        inode = target.inode;
        through = target.path;
    }
    if (at.trailing_slash && !inode->is_dir()) return Err(Errno::NotDir);
    if (inode->type() != fs::Type::Regular) return Err(Errno::Acces);
    if (!(inode->mode() & abi::mode::AnyExec)) return Err(Errno::Acces);
    if (through) {
        const size_t n = cstr::length(through) + 1;
        if (n > size) return Err(Errno::NameTooLong);
        mem::copy(where, through, n);
    } else {
        char* dir = TRY(fs::absolute_path(at.dir, where, size - at.name.size() - 1));
        const size_t length = cstr::length(dir);
        mem::move(where, dir, length);
        size_t end = length;
        if (end > 1) where[end++] = '/';  // "/" and "bin" make "/bin"; "/bin" and "x" "/bin/x"
        mem::copy(where + end, at.name.data(), at.name.size());
        where[end + at.name.size()] = 0;
    }
    inode->ref();
    return inode;
}

// The file's bytes in one run: a boot module's in place, else a copy on
// the heap (@p copy, freed by the caller).
Result<const uint8_t*> bytes_of(fs::Inode* file, uint8_t*& copy) {
    IrqLock guard(fs_lock());
    if (file->image()) return file->image();
    copy = static_cast<uint8_t*>(heap_allocate(file->size() ? file->size() : 1, 16));
    if (!copy) return Err(Errno::NoMem);
    file->read_kernel(0, copy, file->size());
    return copy;
}

// The second half: the new program replaces the old. Nothing here fails.
void replace_program(Process& p, const LoadedImage& loaded, fs::Inode* exe, char* exe_path) {
    AddressSpace old = p.space;
    DroppedFiles dropped;  // the mapped rings' references, given back last (a ring may sleep as it goes)
    {
        IrqLock locked(p.memory_lock);  // a helper thread (a poller) may look at them
        p.space = loaded.space;
        p.mappings.remove(0, ~0ull, dropped);  // their pages go with the old address space
        p.entry = loaded.entry;
        p.initial_rsp = loaded.initial_rsp;
        p.brk_start = p.brk = loaded.brk_start;
        // This CPU's block names the tables it runs on before CR3 does, as a
        // thread switch does (mm/tlb.h: whom a shootdown must reach).
        percpu_write<PERCPU_PAGE_TABLES>(p.space.root().value());
        p.space.activate();
    }
    user_space_destroy(old);  // once no other CPU runs on it

    for (uint32_t fd = 0; fd < FileTable::kMaxFiles; ++fd)
        if (p.files.close_on_exec & (1ull << fd)) (void)p.files.close(fd);
    // A handler's code is gone with the old program: back to the default,
    // except that an ignored signal stays ignored (Linux's flush_signal_handlers).
    for (abi::KernelSigaction& action : p.signals.actions)
        if (action.handler != abi::kSigIgn) action = abi::KernelSigaction{};

    {
        IrqLock guard(fs_lock());
        if (p.exe) p.exe->unref();
    }
    p.exe = exe;  // the reference find_program took
    heap_free(p.exe_path);
    p.exe_path = exe_path;
    const char* base = exe_path;
    for (const char* c = exe_path; *c; ++c)
        if (*c == '/') base = c + 1;
    mem::fill(p.name, 0, sizeof p.name);
    mem::copy(p.name, base, cstr::length_bounded(base, sizeof p.name - 1));

    // The thread: the new program's registers, TLS bases and FPU state.
    Thread& self = *current_thread();
    self.clear_child_tid = 0;
    set_user_fs_base(0);
    set_user_gs_base(0);
    fpu_load(kFpuInitial);
    TrapFrame& frame = current_user_frame();
    frame = TrapFrame{};
    frame.rip = loaded.entry;
    frame.cs = USER_CS;
    frame.rflags = kRflagsIf | 0x2;
    frame.rsp = loaded.initial_rsp;
    frame.ss = USER_SS;
    process_release_vfork(&p);
}

}  // namespace

/// execve(path, argv, envp): run the program file @p path in this process,
/// with arguments @p argv and environment @p envp; on success it does not
/// return to the old program. Errno::NoEnt, NotDir, Acces (not a regular
/// file, or no execute bit), NoExec (not an ELF executable this kernel
/// runs), TooBig (more arguments than CommandLine holds), Fault, NoMem;
/// Errno::Again from a process with other threads (see the differences).
Result<long> sys_execve(const SyscallArgs& a) {
    Process& p = *current_process();
    const UserPath path = TRY(UserPath::copy(a.a0));
    CommandLine* line = TRY(make<CommandLine>());  // 5 KiB: too much for a kernel stack
    auto* exe_path = static_cast<char*>(heap_allocate(abi::kPathMax, 1));
    fs::Inode* exe = nullptr;
    uint8_t* copy = nullptr;
    Result<long> result = [&]() -> Result<long> {
        if (!exe_path) return Err(Errno::NoMem);
        size_t used = 0;
        line->argc = TRY(copy_strings(a.a1, *line, used, line->argv, CommandLine::kMaxWords));
        const size_t env_max = sizeof line->envp / sizeof line->envp[0];
        line->envc = TRY(copy_strings(a.a2, *line, used, line->envp, env_max));
        if (line->argc == 0) {  // Linux 5.18 on: an empty argv[0], so that argv[1] is not the environment
            line->argv[0] = StringView("", 0);
            line->argc = 1;
        }
        {
            IrqLock guard(fs_lock());
            exe = TRY(find_program(path.view(), exe_path, abi::kPathMax));
        }
        const Result<const uint8_t*> bytes = bytes_of(exe, copy);
        if (!bytes) return Err(bytes.error());
        if (p.live_threads - p.helper_threads > 1) return Err(Errno::Again);  // other threads: not here
        const LoadedImage loaded = TRY(load_image(*bytes, exe->size(), *line));
        replace_program(p, loaded, exe, exe_path);  // the point of no return
        exe = nullptr;
        exe_path = nullptr;
        return 0;
    }();
    heap_free(copy);
    heap_free(exe_path);
    delete line;
    if (exe) {
        IrqLock guard(fs_lock());
        exe->unref();
    }
    return result;
}
