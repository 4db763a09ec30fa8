/*
 * user/runtime/thread.S - clone_thread (see thread.h).
 *
 * On entry (System V ABI): rdi flags, rsi stack, rdx parent_tid, rcx
 * child_tid, r8 tls, r9 fn, and arg at 8(%rsp). The clone syscall wants
 * rdi, rsi, rdx, r10, r8: child_tid moves from rcx to r10. fn and arg go
 * into rbx and r12, which the syscall leaves alone and the new thread
 * inherits; the caller's rbx and r12 are saved on its own stack and
 * restored on its way out.
 */
        .text
        .global clone_thread
        .type clone_thread, @function
clone_thread:
        push %rbx
        push %r12
        mov %r9, %rbx           /* fn */
        mov 24(%rsp), %r12      /* arg: past the two pushes and the return address */
        mov %rcx, %r10          /* child_tid */
        mov $56, %eax           /* clone */
        syscall
        test %rax, %rax
        jnz 1f                  /* the caller: the new thread's id, or -errno */
        test %rbx, %rbx         /* the new thread: no function, no memory touched */
        jz 2f
        xor %ebp, %ebp          /* the outermost frame of this thread */
        mov %r12, %rdi
        call *%rbx
2:      mov $60, %eax           /* exit: this thread only */
        xor %edi, %edi
        syscall
        ud2
1:      pop %r12
        pop %rbx
        ret
        .size clone_thread, . - clone_thread
        .section .note.GNU-stack, "", @progbits
