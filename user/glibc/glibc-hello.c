/*
 * user/glibc/glibc-hello.c - the smallest glibc program: a static "hello,
 * world" as `gcc -static` builds it for Linux. Its start-up is most of
 * what it does: TLS set up with arch_prctl and brk, set_tid_address,
 * set_robust_list, rseq, prlimit64, readlink of /proc/self/exe, getrandom,
 * mprotect of its relocated data (RELRO), then a write and exit_group.
 */
#include <stdio.h>

int main(void) {
    printf("glibc-hello: hello, world, from a static glibc program\n");
    return 0;
}
