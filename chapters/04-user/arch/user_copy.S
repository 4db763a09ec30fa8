/*
 * chapters/04-user/arch/user_copy.S - the only instructions in the kernel
 * that touch user memory, and where each resumes if it faults.
 *
 * A user address is a claim: the page behind it may be missing, read-only,
 * or unmapped by another thread a moment after any check. So the kernel
 * does not check a user buffer and then use it; it just copies, with an
 * instruction that is allowed to fault. If it does, the page-fault handler
 * sees that the faulting RIP is listed in user_copy_fixups below and,
 * instead of treating it as a kernel bug, resumes at the matching fixup,
 * which makes the copy return -EFAULT (proc/uaccess.cpp).
 *
 * long user_copy(void* dst, const void* src, size_t n)
 *     rdi = destination, rsi = source, rdx = bytes; DF is clear (the syscall
 *     entry's FMASK and every trap entry clear it).
 *     Returns 0, or -EFAULT (-14) if a page fault stopped the copy.
 *
 * With SMAP on (CR4.SMAP, see proc/uaccess.cpp), the CPU refuses kernel
 * accesses to user pages unless RFLAGS.AC is set: `stac` sets it for the
 * one `rep movsb`, `clac` clears it on both ways out. Anywhere else, a
 * kernel access to user memory faults: the hardware enforces this file's
 * monopoly. Without SMAP (g_smap = 0) the two instructions are skipped:
 * on a CPU that lacks SMAP they would be invalid.
 */
#define EFAULT 14

        .text
        .global user_copy
user_copy:
        mov %rdx, %rcx                  /* rep movsb counts in rcx */
        cmpb $0, g_smap(%rip)
        je 1f
        stac                            /* user pages reachable, until clac */
1:
        .global user_copy_insn
user_copy_insn:
        rep movsb                       /* may fault: see user_copy_fixups */
        xor %eax, %eax                  /* every byte copied: 0 */
        jmp 2f
user_copy_fault:                        /* the page-fault handler resumes here */
        mov $-EFAULT, %rax
2:      cmpb $0, g_smap(%rip)
        je 3f
        clac
3:      ret

/* Where a fault may happen, and where to resume: {faulting RIP, fixup}
 * pairs. (.data.rel.ro: read-only data that holds addresses, so that the
 * host tests can link this file into a position-independent program.) */
        .section .data.rel.ro, "aw"
        .balign 8
        .global user_copy_fixups, user_copy_fixups_end
user_copy_fixups:
        .quad user_copy_insn, user_copy_fault
user_copy_fixups_end:

        .section .note.GNU-stack, "", @progbits  /* no executable stack */
