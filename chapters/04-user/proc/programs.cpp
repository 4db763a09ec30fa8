/**
 * @file chapters/04-user/proc/programs.cpp
 * @brief run_boot_modules(): every Multiboot2 module is a program; run them
 * one after another, each in a new process.
 */
#include "kernel/boot_info.h"
#include "kernel/console.h"
#include "mm/address.h"
#include "proc/process.h"

/// Run each boot module to its end; returns how many were rejected.
int run_boot_modules() {
    const multiboot2::BootInfo& boot = boot_info();
    int rejected = 0;
    for (size_t i = 0; i < boot.module_count; ++i) {
        const multiboot2::Module& m = boot.modules[i];
        const auto* image = phys_to_virt(PhysAddr(m.start)).as<const uint8_t>();
        auto created = process_create(m.cmdline, image, m.end - m.start);
        if (!created) {
            kprint("[Process] Rejected module {} (\"{}\"): {}\n", i, m.cmdline, created.error());
            ++rejected;
            continue;
        }
        Process* p = *created;
        kprint("[Process] Started PID={} ({}) at entry {:#x}\n", p->pid, p->name, p->entry);
        process_run(p);
    }
    return rejected;
}
