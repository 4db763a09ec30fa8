/*
 * chapters/10-smp/arch/syscall_entry.S - the syscall entry through the
 * per-CPU block: `swapgs`, then everything this CPU needs is at gs:[...].
 * (`make diff CH=05` sets it beside chapter 04's flat version. Chapter 10
 * adds one label, syscall_entry_frame, where arch/flat_entry.S joins it:
 * not an instruction changes.)
 *
 * State on entry, set by the `syscall` instruction:
 *     rax = syscall number        rdi, rsi, rdx, r10, r8, r9 = arguments 1-6
 *     rcx = user RIP to return to r11 = user RFLAGS
 *     rsp = the user stack        IF, DF, TF, AC clear (FMASK)
 *     GS base = the USER's        KERNEL_GS_BASE = this CPU's PerCpu block
 *
 * Field offsets come from arch/percpu.h, where static_asserts tie them to
 * the C++ struct: no offset is typed here by hand.
 */
#include "arch/percpu.h"
#include "arch/segments.h"
#include "arch/syscall_abi.h"
#include "arch/trap_frame.h"

        .text
        .global syscall_entry
syscall_entry:
        swapgs                                  /* GS base: user's <-> this CPU's block */
        mov %rsp, %gs:PERCPU_USER_RSP_SCRATCH   /* park the user RSP in this CPU's block */
        mov %gs:PERCPU_KERNEL_STACK_TOP, %rsp   /* this CPU's kernel stack */

        /* Build a TrapFrame (arch/trap_frame.h), as if by an interrupt. */
        pushq $USER_SS                          /* TF_SS */
        pushq %gs:PERCPU_USER_RSP_SCRATCH       /* TF_RSP */
        .global syscall_entry_frame
syscall_entry_frame:                            /* arch/flat_entry.S comes here with SS and RSP pushed */
        pushq %r11                              /* TF_RFLAGS */
        pushq $USER_CS                          /* TF_CS */
        pushq %rcx                              /* TF_RIP */
        pushq $0                                /* TF_ERROR_CODE */
        pushq $SYSCALL_VECTOR                   /* TF_VECTOR */
        PUSH_GPRS                               /* rax (the number) ... r15: rsp -> TrapFrame */

        incq %gs:PERCPU_SYSCALL_COUNT           /* this CPU's count */

        /* validate=1: check the kernel's GS bookkeeping before going further. */
        cmpb $0, g_validate_syscalls(%rip)
        je 1f
        call validate_syscall_entry
1:
        sti                                     /* now interruptible: we are on our own stack */
        mov %rsp, %rdi                          /* syscall_dispatch(TrapFrame*) */
        call syscall_dispatch

        .global syscall_exit
syscall_exit:
        cli                                     /* no interrupt between swapgs and sysret */
        cmpb $0, g_validate_syscalls(%rip)
        je 2f
        call validate_syscall_exit              /* the user's GS base is still in KERNEL_GS_BASE */
2:
        POP_GPRS                                /* r15 ... rax: rax = the return value */
        add $16, %rsp                           /* vector, error_code: now rsp -> TF_RIP */

        /* sysretq loads RIP from rcx, and on Intel CPUs a non-canonical rcx
         * makes it raise #GP while still in ring 0 - on the user's stack,
         * with the user's GS (the 2012 "sysret" vulnerability, CVE-2012-0217).
         * A user RIP is canonical when bits 63:47 are all zero; if not, leave
         * through iretq, whose fault is taken on the kernel stack instead. */
        mov (TF_RIP - TF_RIP)(%rsp), %rcx       /* sysret's return address */
        mov %rcx, %r11
        sar $47, %r11
        jnz syscall_exit_iret

        mov (TF_RFLAGS - TF_RIP)(%rsp), %r11    /* RFLAGS for sysret */
        swapgs                                  /* GS base: this CPU's block -> user's */
        mov (TF_RSP - TF_RIP)(%rsp), %rsp       /* back on the user stack */
        sysretq                                 /* rip = rcx, rflags = r11, ring 3 */

syscall_exit_iret:
        swapgs
        .global syscall_iret_insn
syscall_iret_insn:                              /* arch/trap_entry.S knows this address */
        iretq
