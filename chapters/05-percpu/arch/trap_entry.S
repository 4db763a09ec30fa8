/*
 * chapters/05-percpu/arch/trap_entry.S - interrupts and exceptions, now
 * with GS: the entry swaps GS only if it interrupted ring 3, and the exit
 * swaps back only if it returns there. (Replaces chapter 02's file; the
 * stubs in arch/trap_stubs.S do not change.)
 *
 * State on entry to trap_common: as in chapter 02 (the CPU's frame, the
 * error code and the vector; interrupts are off). And:
 *     from ring 3: GS base = the user's, KERNEL_GS_BASE = this CPU's block
 *     from ring 0: GS base = this CPU's block already - swapping would hand
 *                  the kernel the user's GS
 * The saved CS tells the two apart. One exception: a #GP raised by the
 * `iretq` that syscall_exit uses for a non-canonical return address. It is
 * taken in ring 0, but after that path's swapgs, so GS is the user's: we
 * recognise it by its RIP and swap anyway (Linux does the same).
 */
#include "arch/trap_frame.h"

        .text
        .global trap_common
trap_common:
        cld
        PUSH_GPRS                       /* rax ... r15: rsp -> TrapFrame */

        testb $3, TF_CS(%rsp)
        jnz 1f                          /* from ring 3: take the kernel's GS */
        leaq syscall_iret_insn(%rip), %rax
        cmpq %rax, TF_RIP(%rsp)
        jne 2f                          /* ring 0: GS is already ours */
1:      swapgs
2:      lfence                          /* no speculation past the swap decision */

        mov %rsp, %rdi                  /* trap_dispatch(TrapFrame*) */
        call trap_dispatch

        .global trap_return
trap_return:
        cli                             /* enter_user comes here with interrupts on */
        testb $3, TF_CS(%rsp)
        jz 3f
        swapgs                          /* back to ring 3: give the user its GS */
3:      POP_GPRS                        /* r15 ... rax */
        add $16, %rsp                   /* vector, error_code */
        iretq
