/**
 * @file chapters/10-smp/arch/smp_boot.h
 * @brief Where an application processor starts, and the data it finds
 * there. C++ and .S.
 *
 * A start-up IPI (SIPI) carries one byte, a page number: the processor
 * starts in real mode at CS:IP = (page << 8):0000, physical page << 12.
 * So the trampoline (arch/trampoline.S) is copied to a page below 1 MiB
 * that the kernel keeps free: the frame allocator never hands out anything
 * below 1 MiB. At a fixed offset in that page, CPU 0 leaves what the new
 * CPU needs and cannot work out itself: where its stack is, which CPU it
 * is, its page tables and its control registers.
 *
 *     TRAMPOLINE_PHYS + 0x000   the code: 16-bit, then 32-bit, then 64-bit
 *     TRAMPOLINE_PHYS + 0xf00   the data below, written by CPU 0 (arch/smp.cpp)
 */
#pragma once

#define TRAMPOLINE_PHYS 0x8000  /**< physical address of the trampoline page (SIPI vector 0x08) */
#define TRAMPOLINE_DATA 0xf00   /**< offset of the data in that page */
#define TRAMP_CR3       0x00    /**< u64: the PML4 to start with (below 4 GiB: loaded in 32-bit mode) */
#define TRAMP_CR0       0x08    /**< u64: CPU 0's CR0, to copy (WP, MP, NE...) */
#define TRAMP_CR4       0x10    /**< u64: CPU 0's CR4, to copy (OSFXSR, SMEP, SMAP, FSGSBASE...) */
#define TRAMP_STACK     0x18    /**< u64: the stack top to run on (its idle thread's) */
#define TRAMP_ENTRY     0x20    /**< u64: the 64-bit function to call (ap_main) */
#define TRAMP_CPU       0x28    /**< u64: the CPU number, ap_main's argument */

#ifndef __ASSEMBLER__
#include <cstdint>

/// The data at TRAMPOLINE_PHYS + TRAMPOLINE_DATA.
struct TrampolineData {
    uint64_t cr3;    ///< TRAMP_CR3
    uint64_t cr0;    ///< TRAMP_CR0
    uint64_t cr4;    ///< TRAMP_CR4
    uint64_t stack;  ///< TRAMP_STACK
    uint64_t entry;  ///< TRAMP_ENTRY
    uint64_t cpu;    ///< TRAMP_CPU
};
static_assert(__builtin_offsetof(TrampolineData, cr3) == TRAMP_CR3);
static_assert(__builtin_offsetof(TrampolineData, cr0) == TRAMP_CR0);
static_assert(__builtin_offsetof(TrampolineData, cr4) == TRAMP_CR4);
static_assert(__builtin_offsetof(TrampolineData, stack) == TRAMP_STACK);
static_assert(__builtin_offsetof(TrampolineData, entry) == TRAMP_ENTRY);
static_assert(__builtin_offsetof(TrampolineData, cpu) == TRAMP_CPU);
static_assert(TRAMPOLINE_PHYS % 4096 == 0 && TRAMPOLINE_PHYS < 0x100000, "a SIPI names a page below 1 MiB");

/// The start of the trampoline's code, to be copied to TRAMPOLINE_PHYS (arch/trampoline.S).
extern "C" const char ap_trampoline_start[];
/// The end of the trampoline's code: the copy is ap_trampoline_end - ap_trampoline_start bytes.
extern "C" const char ap_trampoline_end[];
#endif
