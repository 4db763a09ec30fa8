/**
 * @file chapters/03-memory/main.cpp
 * @brief kernel_main for chapter 03: after the traps, memory management -
 * frames, the kernel's own page tables, the heap - and a self-test of each.
 */
#include <cstdint>

#include "arch/gdt.h"
#include "arch/idt.h"
#include "arch/pic.h"
#include "arch/trap.h"
#include "kernel/boot_info.h"
#include "kernel/console.h"
#include "kernel/cxxrt.h"
#include "kernel/options.h"
#include "kernel/power.h"
#include "mm/mm.h"

/// Check the memory manager on the real MMU (mm/selftest.cpp).
void mm_selftest();  // mm/selftest.cpp

extern "C" [[noreturn]] void kernel_main(uint32_t magic, uint32_t info_phys) {
    console_init();
    run_global_constructors();
    kprint("[Boot] Long mode: kernel_main at {}\n", reinterpret_cast<void*>(&kernel_main));

    boot_info_init(magic, info_phys);
    KernelOption::parse_command_line(boot_info().cmdline);

    gdt_init();
    idt_init();
    fault_if_asked();  // fault=... on the command line: see a kernel fault
    pic_init();
    mm_init();
    mm_selftest();

    kprint("[OK] Chapter 03: memory ready\n");
    power_off(PowerStatus::Success);
}
