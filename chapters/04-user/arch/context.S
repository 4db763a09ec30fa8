/*
 * chapters/04-user/arch/context.S - entering a process, and getting back.
 *
 * The kernel runs the programs one after another. enter_user() is called
 * like a function by the scheduler loop; it saves the scheduler's callee-
 * saved registers and stack pointer, then "returns" from an interrupt into
 * the process, through trap_return with a TrapFrame built for the purpose.
 * When the process ends (exit, or killed by a fault), the kernel calls
 * resume_scheduler() from whatever kernel stack it is on; that restores the
 * saved registers, and enter_user() returns to its caller.
 */
        .text
/* void enter_user(TrapFrame* frame, uint64_t* scheduler_rsp) */
        .global enter_user
enter_user:
        push %rbx
        push %rbp
        push %r12
        push %r13
        push %r14
        push %r15
        mov %rsp, (%rsi)            /* where resume_scheduler will come back to */
        mov %rdi, %rsp              /* the process's first TrapFrame */
        jmp trap_return             /* pop registers, iretq to ring 3 */

/* [[noreturn]] void resume_scheduler(uint64_t scheduler_rsp) */
        .global resume_scheduler
resume_scheduler:
        mov %rdi, %rsp
        pop %r15
        pop %r14
        pop %r13
        pop %r12
        pop %rbp
        pop %rbx
        ret                         /* out of enter_user() */
