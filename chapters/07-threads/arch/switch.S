/*
 * chapters/07-threads/arch/switch.S - switching from one thread's kernel
 * stack to another's, and where a new thread starts.
 *
 * void context_switch(uint64_t* save_rsp, uint64_t next_rsp)
 *     rdi = where to save this thread's RSP, rsi = the next thread's saved RSP.
 *     Called like a function; it returns in the NEXT thread, to wherever that
 *     thread called context_switch from (or to its start, for a new thread).
 *     Only the callee-saved registers need saving: the C++ caller already
 *     assumes the others are clobbered by a call. Interrupts are off.
 *
 * The frame it leaves on a stack, from the saved RSP up:
 *     r15 r14 r13 r12 rbx rbp | return address
 */
        .text
        .global context_switch
context_switch:
        pushq %rbp
        pushq %rbx
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
        mov %rsp, (%rdi)            /* this thread stops here */
        mov %rsi, %rsp              /* the next one goes on from here */
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %rbx
        popq %rbp
        ret

/* A new kernel thread's first "return": r12 = the function, r13 = its argument. */
        .global kthread_start
kthread_start:
        call sched_finish_switch    /* the thread we came from may need freeing */
        sti                         /* kernel threads run with interrupts on */
        mov %r13, %rdi
        call *%r12
        call exit_current_thread    /* never returns */

/* A new user thread's first "return": RSP points at its TrapFrame. */
        .global uthread_start
uthread_start:
        call sched_finish_switch
        jmp trap_return             /* arch/trap_entry.S: swapgs, pop, iretq to ring 3 */

/* void return_by_iret(TrapFrame* frame): leave a system call for ring 3 by
 * iretq instead of sysretq, with every register from the frame - rcx and
 * r11 included, which sysretq would overwrite with RIP and RFLAGS.
 * rt_sigreturn's way out: the context it restores is arbitrary. */
        .global return_by_iret
return_by_iret:
        mov %rdi, %rsp              /* the frame is the top of this stack: nothing above it is needed */
        jmp trap_return

        .section .note.GNU-stack, "", @progbits
