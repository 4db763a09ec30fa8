/**
 * @file chapters/02-traps/main.cpp
 * @brief kernel_main for chapter 02: segments, the TSS and the IDT, then a
 * breakpoint on purpose to show a trap going in and coming back out.
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

    kprint("[Test] Raising a breakpoint exception (int3)\n");
    asm volatile("int3");
    kprint("[OK] Breakpoint handler returned\n");

    kprint("[OK] Chapter 02: traps ready\n");
    power_off(PowerStatus::Success);
}
