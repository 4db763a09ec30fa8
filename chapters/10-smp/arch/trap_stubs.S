/*
 * chapters/10-smp/arch/trap_stubs.S - one small entry stub per vector.
 * (Chapter 10: for all 256, as the local APIC delivers vectors above 47.)
 *
 * State on entry to a stub (Intel SDM vol. 3, 6.14): the CPU has switched
 * to the kernel stack if it came from ring 3 (TSS.rsp0), or to an IST stack
 * if the gate names one, and pushed ss, rsp, rflags, cs, rip, and for
 * vectors 8, 10-14, 17, 21, 29 and 30 an error code. Interrupts are off
 * (every gate is an interrupt gate).
 *
 * Each stub makes the frame uniform - a zero where the CPU pushed no error
 * code, then the vector number - and jumps to trap_common
 * (arch/trap_entry.S). trap_stubs[] lists their addresses for idt_init().
 */

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
/* Stubs for vectors 0-255: the 32 exceptions, the 16 legacy PIC IRQs, the
 * local APIC's timer and IPIs (arch/lapic.h), and everything else, which
 * arch/trap.cpp reports as unexpected. */
        .altmacro
        .set vector, 0
        .rept 256
        TRAP_STUB %vector
        .set vector, vector + 1
        .endr

        .section .rodata
        .balign 8
        .global trap_stubs
trap_stubs:
        .set vector, 0
        .rept 256
        TRAP_STUB_ADDRESS %vector
        .set vector, vector + 1
        .endr
        .noaltmacro
