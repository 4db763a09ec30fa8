/**
 * @file chapters/01-boot/main.cpp
 * @brief kernel_main for chapter 01: C++ is running in long mode, now say so.
 *
 * arch/boot.S calls this with the two values GRUB handed over. Each later
 * chapter replaces this file with one that adds its own initialisation
 * steps, so `make diff` shows each chapter's new steps at a glance.
 */
#include <cstdint>

#include "kernel/boot_info.h"
#include "kernel/console.h"
#include "kernel/cxxrt.h"
#include "kernel/options.h"
#include "kernel/power.h"

/// The first C++ function, called by arch/boot.S in long mode with what GRUB
/// left in EAX (@p magic) and EBX (@p info_phys, the boot information).
extern "C" [[noreturn]] void kernel_main(uint32_t magic, uint32_t info_phys) {
    console_init();
    run_global_constructors();  // before any global object is used
    kprint("[Boot] Long mode: kernel_main at {}\n", reinterpret_cast<void*>(&kernel_main));

    boot_info_init(magic, info_phys);
    KernelOption::parse_command_line(boot_info().cmdline);

    kprint("[OK] Chapter 01: boot complete\n");
    power_off(PowerStatus::Success);
}
