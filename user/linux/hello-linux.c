/*
 * user/linux/hello-linux.c - a plain static Linux program, not ours at all.
 *
 * No course runtime, no common/ code, no C++: its own _start and two raw
 * system calls (write, exit_group), built the way anyone would build a
 * libc-free Linux binary:
 *
 *     gcc -static -nostdlib -fno-pie -no-pie -O2 hello-linux.c
 *
 * It runs on the Linux host as it is; if it also runs on the course kernel,
 * the kernel speaks enough of the Linux x86-64 ABI for unmodified binaries.
 * Expected: prints one line, exit status 0.
 */

/* Linux x86-64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
#define NR_WRITE 1
#define NR_EXIT_GROUP 231

static long syscall3(long nr, long a1, long a2, long a3) {
    long ret;
    /* syscall clobbers rcx (return address) and r11 (saved RFLAGS). */
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a1), "S"(a2), "d"(a3) : "rcx", "r11", "memory");
    return ret;
}

/* Called from _start with the initial stack: argc, argv[], NULL, envp[]... */
__attribute__((noreturn, used)) static void start_c(long* initial_stack) {
    static const char message[] = "hello-linux: a plain Linux static binary\n";
    (void)initial_stack;
    syscall3(NR_WRITE, 1, (long)message, sizeof message - 1);
    syscall3(NR_EXIT_GROUP, 0, 0, 0);
    __builtin_unreachable();
}

/* The kernel jumps here with rsp at argc (16-byte aligned, no return
 * address): hand the stack to C with rsp aligned as a call expects. */
__asm__(".text\n"
        ".global _start\n"
        "_start:\n"
        "    xor %ebp, %ebp\n"
        "    mov %rsp, %rdi\n"
        "    and $-16, %rsp\n"
        "    call start_c\n"
        "    hlt\n");
