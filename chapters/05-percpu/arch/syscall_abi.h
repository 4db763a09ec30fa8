/**
 * @file chapters/05-percpu/arch/syscall_abi.h
 * @brief Constants shared by the syscall entry (.S) and its C++ side.
 * (Chapter 05: the entry is now swapgs-based.)
 */
#pragma once

/** TrapFrame::vector of a frame built by syscall_entry: above every real
 * vector (0-255), so traps and syscalls can never be confused. */
#define SYSCALL_VECTOR 0x100

/** How this chapter's entry finds its kernel stack, for the boot log. */
#define SYSCALL_ENTRY_KIND "swapgs-based"

/** RFLAGS bits cleared on entry (IA32_FMASK): TF, IF, DF and AC, as in 04. */
#define SYSCALL_FMASK ((1 << 8) | (1 << 9) | (1 << 10) | (1 << 18))
