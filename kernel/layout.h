/**
 * @file kernel/layout.h
 * @brief Where the kernel lives in virtual memory. Included by C++ and .S files.
 *
 * The kernel is linked at the top 2 GiB (-mcmodel=kernel), as on Linux, and
 * loaded by GRUB at 1 MiB physical: virtual = physical + KERNEL_VMA. The
 * lower half of the address space is left to user programs.
 */
#pragma once

#define KERNEL_VMA  0xffffffff80000000   /**< virtual address of physical 0 in the kernel image map */
#define KERNEL_LOAD 0x100000             /**< physical address GRUB loads us at (1 MiB) */

#ifndef __ASSEMBLER__
#include <cstdint>

/// Kernel image virtual address of a physical address below 1 GiB (boot map).
inline uint64_t boot_phys_to_virt(uint64_t phys) { return phys + KERNEL_VMA; }
#endif
