/*
 * chapters/05-percpu/arch/trap_entry.S - interrupts and exceptions, now
 * with GS: the entry swaps GS only if it interrupted ring 3, and the exit
 * swaps back only if it returns there. (Replaces chapter 02's file.)
 *
 * State on entry to a stub: as in chapter 02 (the CPU pushed ss, rsp,
 * rflags, cs, rip and maybe an error code; interrupts are off). And:
 *     from ring 3: GS base = the user's, KERNEL_GS_BASE = this CPU's block
 *     from ring 0: GS base = this CPU's block already - swapping would hand
 *                  the kernel the user's GS
 * The saved CS tells the two apart. One exception: a #GP raised by the
 * `iretq` that syscall_exit uses for a non-canonical return address. It is
 * taken in ring 0, but after that path's swapgs, so GS is the user's: we
 * recognise it by its RIP and swap anyway (Linux does the same).
 */
#include "arch/trap_frame.h"

#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
                           (v) == 21 || (v) == 29 || (v) == 30)

        .macro TRAP_STUB vector
        .balign 16
trap_stub_\vector:
        .if HAS_ERROR_CODE(\vector) == 0
        pushq $0                        /* error_code */
        .endif
        pushq $\vector                  /* vector */
        jmp trap_common
        .endm

        .macro TRAP_STUB_ADDRESS vector
        .quad trap_stub_\vector
        .endm

        .text
        .altmacro
        .set vector, 0
        .rept 48
        TRAP_STUB %vector
        .set vector, vector + 1
        .endr

        .global trap_common
trap_common:
        cld
        pushq %rax                      /* TF_RAX */
        pushq %rbx
        pushq %rcx
        pushq %rdx
        pushq %rsi
        pushq %rdi
        pushq %rbp
        pushq %r8
        pushq %r9
        pushq %r10
        pushq %r11
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15                      /* TF_R15 */

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
3:      popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %r11
        popq %r10
        popq %r9
        popq %r8
        popq %rbp
        popq %rdi
        popq %rsi
        popq %rdx
        popq %rcx
        popq %rbx
        popq %rax
        add $16, %rsp                   /* vector, error_code */
        iretq

        .section .rodata
        .balign 8
        .global trap_stubs
trap_stubs:
        .set vector, 0
        .rept 48
        TRAP_STUB_ADDRESS %vector
        .set vector, vector + 1
        .endr
        .noaltmacro
