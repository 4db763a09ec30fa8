/*
 * chapters/10-smp/arch/trampoline.S - an application processor's way from
 * reset to the kernel: real mode, protected mode, long mode, the higher half.
 *
 * State on entry (after INIT and a start-up IPI with vector 0x08):
 *     real mode, CS = 0x0800, IP = 0: this code, copied to TRAMPOLINE_PHYS
 *     every other register as after reset; interrupts off; no stack
 *
 * It runs from a copy at a fixed physical address, not where it is linked,
 * so every address below is written as TRAMPOLINE_PHYS + (label - start):
 * the assembler turns each into a constant. It is assembled into .rodata
 * and never executed there. The steps are boot.S's (chapter 01), without
 * building page tables: CPU 0 leaves ready ones, and the rest, in the data
 * at TRAMPOLINE_DATA (arch/smp_boot.h):
 *     1. 16-bit: load a temporary GDT, set CR0.PE, far-jump to 32-bit code
 *     2. 32-bit: PAE, CR3, EFER.LME and NXE, paging: far-jump to 64-bit code
 *     3. 64-bit: CPU 0's CR0 and CR4, the stack, then ap_main(cpu) in the
 *        higher half (the page tables map the kernel there as well as this
 *        page at its own address)
 */
#include "arch/smp_boot.h"

#define AT(label) (TRAMPOLINE_PHYS + ((label) - ap_trampoline_start))

        .section .rodata
        .balign 16
        .global ap_trampoline_start, ap_trampoline_end
ap_trampoline_start:
        .code16
        cli
        cld
        mov %cs, %ax                    /* 0x0800: the page we were copied to, in real mode's terms */
        mov %ax, %ds
        lgdtl tramp_gdt_pointer - ap_trampoline_start    /* DS-relative: DS = CS */
        mov %cr0, %eax
        or $1, %eax                     /* CR0.PE: protected mode */
        mov %eax, %cr0
        ljmpl $0x08, $AT(tramp_32)

        .code32
tramp_32:
        mov $0x10, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %ss
        mov %cr4, %eax
        or $(1 << 5), %eax              /* CR4.PAE */
        mov %eax, %cr4
        mov AT(tramp_data) + TRAMP_CR3, %eax
        mov %eax, %cr3
        mov $0xC0000080, %ecx           /* IA32_EFER */
        rdmsr
        or $((1 << 8) | (1 << 11)), %eax /* LME, NXE */
        wrmsr
        mov %cr0, %eax
        or $((1 << 31) | (1 << 16)), %eax /* PG, WP */
        mov %eax, %cr0
        ljmp $0x18, $AT(tramp_64)

        .code64
tramp_64:
        mov $0x10, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %ss
        xor %ax, %ax
        mov %ax, %fs
        mov %ax, %gs
        mov AT(tramp_data) + TRAMP_CR0, %rax
        mov %rax, %cr0
        mov AT(tramp_data) + TRAMP_CR4, %rax
        mov %rax, %cr4
        mov AT(tramp_data) + TRAMP_STACK, %rsp
        mov AT(tramp_data) + TRAMP_CPU, %rdi
        xor %ebp, %ebp                  /* the end of the frame-pointer chain */
        jmp *AT(tramp_data) + TRAMP_ENTRY

        .balign 8
tramp_gdt:
        .quad 0                         /* 0x00: null */
        .quad 0x00cf9a000000ffff        /* 0x08: 32-bit code */
        .quad 0x00cf92000000ffff        /* 0x10: data */
        .quad 0x00af9a000000ffff        /* 0x18: 64-bit code */
tramp_gdt_pointer:
        .short tramp_gdt_pointer - tramp_gdt - 1
        .long AT(tramp_gdt)

        .org ap_trampoline_start + TRAMPOLINE_DATA  /* fails to assemble if the code grew past the data */
tramp_data:
        .skip 0x30                      /* struct TrampolineData: written by CPU 0 in the copy */
ap_trampoline_end:

        .section .note.GNU-stack, "", @progbits
