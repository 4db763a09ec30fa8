/*
 * chapters/04-user/arch/syscall_entry.S - the flat syscall entry: one CPU,
 * one global kernel stack. (Chapter 05 replaces this file with the per-CPU
 * version; `make diff CH=05` shows exactly what changes.)
 *
 * State on entry, set by the `syscall` instruction (Intel SDM vol. 2B):
 *     rax = syscall number        rdi, rsi, rdx, r10, r8, r9 = arguments 1-6
 *     rcx = user RIP to return to r11 = user RFLAGS
 *     rsp = STILL THE USER STACK  (syscall does not switch stacks)
 *     CS/SS = kernel (from STAR), RFLAGS &= ~FMASK (IF, DF, TF, AC clear)
 *
 * The first job is to get off the user stack without losing any user
 * register. We have none free: parking the user RSP in r15 would destroy a
 * callee-saved register the program expects back (a syscall may change
 * only rax, rcx and r11). Instead we park it in a global, user_rsp_scratch.
 * Being global, it (and CURRENT_KERNEL_STACK) works for exactly one CPU,
 * and only while no second syscall can start before this one has read it:
 * no SMP, no nesting.
 * Chapter 05 exists to remove that limit.
 */
#include "arch/segments.h"
#include "arch/trap_frame.h"
#include "arch/syscall_abi.h"

        .bss
        .balign 8
        .global CURRENT_KERNEL_STACK, user_rsp_scratch
CURRENT_KERNEL_STACK:   .quad 0     /* top of the running process's kernel stack */
user_rsp_scratch:       .quad 0     /* the user RSP between the two movs below */

        .text
        .global syscall_entry
syscall_entry:
        mov %rsp, user_rsp_scratch(%rip)        /* park the user RSP */
        mov CURRENT_KERNEL_STACK(%rip), %rsp    /* load the kernel stack from a global */

        /* Build a TrapFrame (arch/trap_frame.h), as if by an interrupt. */
        pushq $USER_SS                          /* TF_SS */
        pushq user_rsp_scratch(%rip)            /* TF_RSP */
        pushq %r11                              /* TF_RFLAGS */
        pushq $USER_CS                          /* TF_CS */
        pushq %rcx                              /* TF_RIP */
        pushq $0                                /* TF_ERROR_CODE */
        pushq $SYSCALL_VECTOR                   /* TF_VECTOR: "this was a syscall" */
        PUSH_GPRS                               /* rax (the number) ... r15: rsp -> TrapFrame */

        mov %rsp, %rdi                          /* syscall_dispatch(TrapFrame*) */
        call syscall_dispatch

        .global syscall_exit
syscall_exit:
        POP_GPRS                                /* r15 ... rax: rax = the return value */
        add $16, %rsp                           /* vector, error_code */
        popq %rcx                               /* TF_RIP -> rcx for sysret */
        add $8, %rsp                            /* TF_CS: sysret sets it from STAR */
        popq %r11                               /* TF_RFLAGS -> r11 for sysret */
        popq %rsp                               /* TF_RSP: back on the user stack */
        sysretq                                 /* rip = rcx, rflags = r11, ring 3 */
