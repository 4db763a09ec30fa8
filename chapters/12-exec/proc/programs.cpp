/**
 * @file chapters/12-exec/proc/programs.cpp
 * @brief run_boot_modules(): every Multiboot2 module is a program, also
 * found as /bin/NAME; run them one after another, each in a new process
 * whose descriptors 0, 1 and 2 are the console. (Chapter 12: a program may
 * now leave processes behind it; the boot thread reaps them all, as init,
 * before the next module starts.)
 */
#include "fs/fs_context.h"
#include "fs/fs_lock.h"
#include "fs/path.h"
#include "kernel/boot_info.h"
#include "kernel/console.h"
#include "kernel/heap.h"
#include "mm/address.h"
#include "proc/process.h"

namespace {

// The module's program file, /bin/NAME, becomes @p p's /proc/self/exe.
void set_exe(Process* p) {
    char path[5 + sizeof p->name] = "/bin/";
    mem::copy(path + 5, p->name, cstr::length_bounded(p->name, sizeof p->name));
    IrqLock guard(fs_lock());
    const Result<fs::Inode*> exe = fs::walk(fs_root(), fs_root(), path);
    const size_t n = cstr::length(path) + 1;
    p->exe_path = static_cast<char*>(heap_allocate(n, 1));
    if (!exe || !p->exe_path) return;  // no /proc/self/exe for it: readlink answers ENOENT
    mem::copy(p->exe_path, path, n);
    (*exe)->ref();
    p->exe = *exe;
}

}  // namespace

/// Run each boot module to its end; returns how many were rejected.
int run_boot_modules() {
    process_init();
    const multiboot2::BootInfo& boot = boot_info();
    int rejected = 0;
    for (size_t i = 0; i < boot.module_count; ++i) {
        const multiboot2::Module& m = boot.modules[i];
        const auto* image = phys_to_virt(PhysAddr(m.start)).as<const uint8_t>();
        auto created = process_create(m.cmdline, image, m.end - m.start);
        if (created && !open_console((*created)->files)) {
            process_destroy(*created);
            created = Err("out of memory for its descriptors");
        }
        if (!created) {
            kprint("[Process] Rejected module {} (\"{}\"): {}\n", i, m.cmdline, created.error());
            ++rejected;
            continue;
        }
        Process* p = *created;
        set_exe(p);
        kprint("[Process] Started PID={} ({}) at entry {:#x}\n", p->pid, p->name, p->entry);
        if (process_run(p)) process_reap_orphans();
    }
    return rejected;
}
