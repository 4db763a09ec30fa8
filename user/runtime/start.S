/*
 * user/runtime/start.S - where every user program begins.
 *
 * State on entry, as the Linux x86-64 ABI (and our kernel) sets it up:
 *     rsp -> argc, argv[0..argc-1], NULL, envp[...], NULL, auxv pairs, AT_NULL
 *     rdx  = a function to register with atexit, or 0 (we ignore it)
 *     all other registers are unspecified; rsp is 16-byte aligned
 */
        .text
        .global _start
_start:
        xor %ebp, %ebp          /* the outermost frame: ends backtraces */
        mov %rsp, %rdi          /* user_start(initial stack) */
        and $-16, %rsp          /* the ABI wants rsp 16-aligned at a call */
        call user_start         /* never returns: it calls exit_group */
        hlt                     /* unreachable; faults if it is ever reached */
        .section .note.GNU-stack, "", @progbits
