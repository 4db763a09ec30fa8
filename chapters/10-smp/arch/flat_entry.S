/*
 * chapters/10-smp/arch/flat_entry.S - chapter 04's flat syscall entry, on
 * several CPUs, to see it fail (the option entry=flat; arch/flat_entry.cpp).
 *
 * State on entry: as for syscall_entry (arch/syscall_entry.S): rcx = user
 * RIP, r11 = user RFLAGS, rsp = the user stack, interrupts off, GS base =
 * the user's.
 *
 * Its first two instructions are chapter 04's: the user RSP parked in one
 * global, the kernel stack loaded from another. Each is right on one CPU,
 * and each is shared by all of them here:
 *   - g_flat_user_rsp: a syscall on another CPU between these two lines
 *     and the push below overwrites it, and this thread returns to user
 *     mode on the other thread's stack;
 *   - g_flat_kernel_stack: every CPU's thread switch writes it (for a
 *     thread of a program), so it names the stack of whichever thread was
 *     switched to last, on any CPU: two CPUs then push frames onto one
 *     kernel stack.
 * The rest of this kernel needs its per-CPU block, so the entry then does
 * swapgs, and before it writes anything on the stack it loaded, it checks
 * that stack against the one the block says this CPU's thread owns: the
 * check of the stack in use. A mismatch is the second race caught before
 * it corrupts anything; it goes to flat_entry_collision() on the right
 * stack instead. The first race leaves nothing to compare with - the only
 * copy of the user RSP is the one that was overwritten - which is why the
 * per-CPU entry keeps it in the CPU's own block.
 */
#include "arch/percpu.h"
#include "arch/segments.h"
#include "arch/syscall_abi.h"
#include "arch/trap_frame.h"

        .text
        .global syscall_entry_flat
syscall_entry_flat:
        mov %rsp, g_flat_user_rsp(%rip)         /* chapter 04: park the user RSP in a global */
        mov g_flat_kernel_stack(%rip), %rsp     /* chapter 04: the kernel stack, from a global */
        swapgs                                  /* this kernel needs its per-CPU block from here on */
        lock incq g_flat_syscalls(%rip)
        cmp %gs:PERCPU_KERNEL_STACK_TOP, %rsp   /* the stack in use: this CPU's thread's? */
        jne flat_collision
        pushq $USER_SS                          /* TF_SS */
        pushq g_flat_user_rsp(%rip)             /* TF_RSP: if no other CPU has parked its own since */
        jmp syscall_entry_frame                 /* the rest of the frame, and the syscall, as per-CPU */

flat_collision:                                 /* another thread's stack: leave it alone */
        mov %rsp, %gs:PERCPU_USER_RSP_SCRATCH   /* keep where it landed (the slot is free on this path) */
        mov %gs:PERCPU_KERNEL_STACK_TOP, %rsp   /* this thread's own stack, as the per-CPU entry finds it */
        pushq $USER_SS                          /* TF_SS */
        pushq g_flat_user_rsp(%rip)             /* TF_RSP */
        pushq %r11                              /* TF_RFLAGS */
        pushq $USER_CS                          /* TF_CS */
        pushq %rcx                              /* TF_RIP */
        pushq $0                                /* TF_ERROR_CODE */
        pushq $SYSCALL_VECTOR                   /* TF_VECTOR */
        PUSH_GPRS                               /* rsp -> TrapFrame */
        mov %rsp, %rdi                          /* flat_entry_collision(frame, landed_on) */
        mov %gs:PERCPU_USER_RSP_SCRATCH, %rsi
        sti
        call flat_entry_collision               /* reports, ends the program: never returns */
        ud2

        .section .note.GNU-stack, "", @progbits
