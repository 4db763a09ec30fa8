/**
 * @file chapters/04-user/main.cpp
 * @brief kernel_main for chapter 04: with memory in place, turn on the
 * `syscall` instruction and run every boot module as a user program.
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
#include "proc/uaccess.h"
#include "sys/syscall.h"

int run_boot_modules();  // proc/programs.cpp

extern "C" [[noreturn]] void kernel_main(uint32_t magic, uint32_t info_phys) {
    console_init();
    run_global_constructors();
    kprint("[Boot] Long mode: kernel_main at {}\n", reinterpret_cast<void*>(&kernel_main));

    boot_info_init(magic, info_phys);
    KernelOption::parse_command_line(boot_info().cmdline);

    gdt_init();
    idt_init();
    fault_if_asked();  // fault=... on the command line: see a kernel fault
    idt_allow_user(kBreakpoint);  // int3 in a program: SIGTRAP, not #GP
    pic_init();
    mm_init();
    uaccess_init();
    syscall_init();

    const int rejected = run_boot_modules();
    kprint("[OK] Chapter 04: {} module(s), {} rejected\n", boot_info().module_count, rejected);
    power_off(PowerStatus::Success);
}
