/**
 * @file chapters/04-user/arch/syscall_abi.h
 * @brief Constants shared by the syscall entry (.S) and its C++ side.
 */
#pragma once

/** TrapFrame::vector of a frame built by syscall_entry: above every real
 * vector (0-255), so traps and syscalls can never be confused. */
#define SYSCALL_VECTOR 0x100

/** How this chapter's entry finds its kernel stack, for the boot log. */
#define SYSCALL_ENTRY_KIND "flat: global kernel stack"

/** RFLAGS bits cleared on entry (IA32_FMASK): TF so single-stepping does
 * not follow into the kernel, IF so no interrupt arrives before we are on
 * the kernel stack, DF because the C++ ABI requires it clear, AC because
 * in ring 0 a set AC switches SMAP's protection off: a user could otherwise
 * enter the kernel with user-memory accesses silently allowed (this kernel
 * does not enable SMAP, but the mask is the one Linux uses). */
#define SYSCALL_FMASK ((1 << 8) | (1 << 9) | (1 << 10) | (1 << 18))
