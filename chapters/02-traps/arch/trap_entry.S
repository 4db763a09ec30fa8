/*
 * chapters/02-traps/arch/trap_entry.S - the way into and out of every
 * interrupt and exception handler.
 *
 * State on entry to a stub (Intel SDM vol. 3, 6.14): the CPU has switched
 * to the kernel stack if it came from ring 3 (TSS.rsp0), or to an IST stack
 * if the gate names one, and pushed ss, rsp, rflags, cs, rip, and for
 * vectors 8, 10-14, 17, 21, 29 and 30 an error code. Interrupts are off
 * (every gate is an interrupt gate).
 *
 * Each stub makes the frame uniform (a zero where there is no error code,
 * then the vector) and jumps to trap_common, which saves the general
 * registers as a TrapFrame (arch/trap_frame.h), calls
 * trap_dispatch(TrapFrame*), restores them and returns with iretq.
 */
#include "arch/trap_frame.h"

/* Vectors for which the CPU pushes an error code. */
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
/* Stubs for vectors 0-47: the 32 exceptions and the 16 legacy PIC IRQs. */
        .altmacro
        .set vector, 0
        .rept 48
        TRAP_STUB %vector
        .set vector, vector + 1
        .endr

        .global trap_common
trap_common:
        cld                             /* the C++ ABI expects DF clear */
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
        pushq %r15                      /* TF_R15: rsp now points at the frame */

        mov %rsp, %rdi                  /* trap_dispatch(TrapFrame*) */
        call trap_dispatch

        .global trap_return
trap_return:
        popq %r15
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
        add $16, %rsp                   /* drop vector and error_code */
        iretq

/* The stubs' addresses, for idt_init(). */
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
