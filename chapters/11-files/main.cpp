/**
 * @file chapters/11-files/main.cpp
 * @brief kernel_main for chapter 11: chapter 10's start-up (every CPU), and
 * before the programs run, the file system in memory, with the programs in /bin.
 */
#include <cstdint>

#include "arch/gdt.h"
#include "arch/idt.h"
#include "arch/percpu.h"
#include "arch/pic.h"
#include "arch/smp.h"
#include "arch/timer.h"
#include "arch/trap.h"
#include "dev/serial_input.h"
#include "kernel/boot_info.h"
#include "kernel/console.h"
#include "kernel/cxxrt.h"
#include "kernel/options.h"
#include "kernel/power.h"
#include "mm/mm.h"
#include "proc/uaccess.h"
#include "sched/thread.h"
#include "sys/syscall.h"

int run_boot_modules();  // proc/programs.cpp
void fs_init();          // fs/root.cpp

extern "C" char boot_stack_top[];  ///< arch/boot.S: CPU 0's stack until the first thread switch

extern "C" [[noreturn]] void kernel_main(uint32_t magic, uint32_t info_phys) {
    console_init();
    run_global_constructors();
    kprint("[Boot] Long mode: kernel_main at {}\n", reinterpret_cast<void*>(&kernel_main));

    boot_info_init(magic, info_phys);
    KernelOption::parse_command_line(boot_info().cmdline);

    gdt_init();
    idt_init();
    fault_if_asked();  // fault=... on the command line: see a kernel fault
    idt_allow_user(kBreakpoint);
    pic_init();
    percpu_init(0, reinterpret_cast<uint64_t>(boot_stack_top));  // before the first lock: locks count in it
    mm_init();
    uaccess_init();
    sched_init();    // the boot code becomes a thread; the idle thread is made
    serial_input_init();  // console input by interrupt: readers sleep on a wait queue
    syscall_init();
    smp_init();      // the MADT, and CPU 0's local APIC
    timer_init();    // its timer, timed against the PIT
    timer_wait_for_kernel_tick();
    kprint("[Timer] First tick taken in kernel mode\n");
    smp_start_others();  // each starts, reports, and waits in its idle loop for threads

    fs_init();  // the tree the programs find: /bin, /dev, /tmp
    const int rejected = run_boot_modules();
    const TimerTicks ticks = timer_ticks();
    kprint("[Timer] {} ticks in user mode, {} in kernel mode\n", ticks.user, ticks.kernel);
    for (int cpu = 0; cpu < kMaxCpus; ++cpu)
        if (cpus_online() & (1ull << cpu)) kprint("[Per-CPU] CPU {}: {} syscalls\n", cpu, g_percpu[cpu].syscall_count);
    const SerialInputCounts input = serial_input_counts();
    kprint("[Console] COM1 input: {} bytes received; the ring was full {} times\n", input.received, input.pauses);
    kprint("[OK] " CHAPTER_NAME ": {} module(s), {} rejected\n", boot_info().module_count, rejected);
    power_off(PowerStatus::Success);
}
