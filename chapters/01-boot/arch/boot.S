/*
 * chapters/01-boot/arch/boot.S - from GRUB's 32-bit hand-off to C++ in long mode.
 *
 * State on entry (Multiboot2 spec, 3.3): 32-bit protected mode, paging off,
 * interrupts off, flat 4 GiB segments, and
 *     eax = 0x36d76289 (the bootloader magic)
 *     ebx = physical address of the boot information tags
 *     esp = undefined (we must set up our own stack)
 *
 * What we do, in order:
 *     1. set a stack and keep eax/ebx in edi/esi (kernel_main's arguments)
 *     2. check that the CPU has long mode
 *     3. build boot page tables: the first 1 GiB mapped twice, at 0 (so the
 *        next instruction after enabling paging still exists) and at
 *        KERNEL_VMA (where the C++ code is linked)
 *     4. enable PAE, long mode (EFER.LME) and NX, then paging
 *     5. load a 64-bit GDT and far-jump into a 64-bit code segment
 *     6. jump to the higher half, enable SSE, call kernel_main
 */
#include "kernel/layout.h"

#define PTE_PRESENT  (1 << 0)
#define PTE_WRITE    (1 << 1)
#define PTE_HUGE     (1 << 7)      /* in a page directory: a 2 MiB page */

#define MB2_MAGIC    0xe85250d6
#define MB2_ARCH     0             /* i386 protected mode */

/* ---------------------------------------------------------------- header */
        .section .multiboot2, "a"
        .balign 8
mb2_header:
        .long MB2_MAGIC
        .long MB2_ARCH
        .long mb2_header_end - mb2_header
        .long -(MB2_MAGIC + MB2_ARCH + (mb2_header_end - mb2_header))
        .short 0, 0                /* end tag: type 0, flags 0 ... */
        .long 8                    /* ... size 8 */
mb2_header_end:

/* ------------------------------------------------------- 32-bit start-up */
        .section .boot.text, "ax"
        .code32
        .global _start
_start:
        cli
        cld
        mov $(boot_stack_top - KERNEL_VMA), %esp    /* physical: no paging yet */
        mov %eax, %edi             /* magic: first argument of kernel_main */
        mov %ebx, %esi             /* boot information: second argument */

        /* 2. Long mode is CPUID 0x80000001, EDX bit 29. */
        mov $0x80000000, %eax
        cpuid
        cmp $0x80000001, %eax
        jb no_long_mode
        mov $0x80000001, %eax
        cpuid
        test $(1 << 29), %edx
        jz no_long_mode

        /* 3. Page tables. 512 huge entries of the page directory cover 1 GiB. */
        xor %ecx, %ecx
1:      mov %ecx, %eax
        shl $21, %eax                                   /* i * 2 MiB */
        or $(PTE_PRESENT | PTE_WRITE | PTE_HUGE), %eax
        mov %eax, (boot_pd - KERNEL_VMA)(, %ecx, 8)
        inc %ecx
        cmp $512, %ecx
        jne 1b

        mov $(boot_pd - KERNEL_VMA + PTE_PRESENT + PTE_WRITE), %eax
        mov %eax, (boot_pdpt_low - KERNEL_VMA)               /* [0]: 0..1 GiB */
        mov %eax, (boot_pdpt_high - KERNEL_VMA + 510 * 8)    /* [510]: -2 GiB */
        mov $(boot_pdpt_low - KERNEL_VMA + PTE_PRESENT + PTE_WRITE), %eax
        mov %eax, (boot_pml4 - KERNEL_VMA)                   /* PML4[0] */
        mov $(boot_pdpt_high - KERNEL_VMA + PTE_PRESENT + PTE_WRITE), %eax
        mov %eax, (boot_pml4 - KERNEL_VMA + 511 * 8)         /* PML4[511] */

        /* 4. PAE, then CR3, then EFER.LME|NXE, then paging (+WP). */
        mov %cr4, %eax
        or $(1 << 5), %eax                                   /* CR4.PAE */
        mov %eax, %cr4
        mov $(boot_pml4 - KERNEL_VMA), %eax
        mov %eax, %cr3
        mov $0xC0000080, %ecx                                /* IA32_EFER */
        rdmsr
        or $((1 << 8) | (1 << 11)), %eax                     /* LME, NXE */
        wrmsr
        mov %cr0, %eax
        or $((1 << 31) | (1 << 16)), %eax                    /* PG, WP */
        mov %eax, %cr0

        /* 5. We are in compatibility mode; a far jump enters 64-bit mode. */
        lgdt boot_gdt_pointer
        ljmp $0x08, $long_mode_start

no_long_mode:
        /* No C++ yet: say why on port 0xE9 and stop. */
        mov $no_long_mode_msg, %esi
2:      lodsb
        test %al, %al
        jz 3f
        outb %al, $0xe9
        jmp 2b
3:      hlt
        jmp 3b

        .code64
long_mode_start:
        mov $0x10, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %ss
        xor %ax, %ax
        mov %ax, %fs
        mov %ax, %gs
        movabs $higher_half_start, %rax
        jmp *%rax

/* ------------------------------------------------------------ boot data */
        .section .boot.data, "aw"
        .balign 8
boot_gdt:
        .quad 0                        /* 0x00: null */
        .quad 0x00af9a000000ffff       /* 0x08: 64-bit code, ring 0 */
        .quad 0x00cf92000000ffff       /* 0x10: data, ring 0 */
boot_gdt_end:
boot_gdt_pointer:
        .short boot_gdt_end - boot_gdt - 1
        .long boot_gdt                 /* physical: .boot is linked at 1 MiB */
no_long_mode_msg:
        .asciz "PANIC: this CPU has no long mode (x86-64)\n"

/* -------------------------------------------------- 64-bit, higher half */
        .text
higher_half_start:
        mov $boot_stack_top, %rsp      /* now the virtual address */
        xor %ebp, %ebp                 /* end of the frame-pointer chain */

        /* The upper halves of registers are undefined after the mode switch:
         * zero-extend the two arguments. */
        mov %edi, %edi
        mov %esi, %esi

        /* SSE for user programs (the kernel itself is built without it):
         * CR0.EM=0, CR0.MP=1, CR4.OSFXSR and CR4.OSXMMEXCPT. */
        mov %cr0, %rax
        and $~(1 << 2), %rax
        or $(1 << 1), %rax
        mov %rax, %cr0
        mov %cr4, %rax
        or $((1 << 9) | (1 << 10)), %rax
        mov %rax, %cr4

        call kernel_main               /* never returns */
4:      hlt
        jmp 4b

/* ------------------------------------------------------------------ bss */
        .bss
        .balign 4096
        .global boot_pml4
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4096
        .balign 16
        .global boot_stack_bottom, boot_stack_top
boot_stack_bottom:
        .skip 16384
boot_stack_top:
