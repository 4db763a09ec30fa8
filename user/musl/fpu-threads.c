/*
 * user/musl/fpu-threads.c - each thread's SSE registers are its own, through
 * preemption, yields and moves from one CPU to another.
 *
 * Three threads (more than the two CPUs of chapter 10's boot, so they are
 * switched and moved) each fill XMM0-XMM7 with a pattern of their own, then
 * yield, make system calls and spin, again and again, and after each round
 * check that all eight registers still hold their pattern. A kernel that
 * switches threads without saving these registers (chapter 07 did) hands a
 * thread another thread's values, or another CPU's. Every line printed is
 * the same on Linux and in the course kernel.
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { kThreads = 3, kRounds = 2000 };

static long g_bad[kThreads];

/* Load XMM0-7 with 16-byte patterns derived from SEED. */
static void fill(unsigned long seed) {
    unsigned long v[16];
    for (int i = 0; i < 16; ++i) v[i] = seed * 0x9e3779b97f4a7c15ul + (unsigned long)i;
    __asm__ volatile("movdqu 0(%0), %%xmm0\n\tmovdqu 16(%0), %%xmm1\n\tmovdqu 32(%0), %%xmm2\n\tmovdqu 48(%0), %%xmm3\n\t"
                     "movdqu 64(%0), %%xmm4\n\tmovdqu 80(%0), %%xmm5\n\tmovdqu 96(%0), %%xmm6\n\tmovdqu 112(%0), %%xmm7"
                     :: "r"(v) : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "memory");
}

/* True if XMM0-7 still hold fill(SEED)'s patterns. No SSE is used in between:
 * the check stores the registers first, then compares with plain integer code. */
static int intact(unsigned long seed) {
    unsigned long got[16];
    __asm__ volatile("movdqu %%xmm0, 0(%0)\n\tmovdqu %%xmm1, 16(%0)\n\tmovdqu %%xmm2, 32(%0)\n\tmovdqu %%xmm3, 48(%0)\n\t"
                     "movdqu %%xmm4, 64(%0)\n\tmovdqu %%xmm5, 80(%0)\n\tmovdqu %%xmm6, 96(%0)\n\tmovdqu %%xmm7, 112(%0)"
                     :: "r"(got) : "memory");
    for (int i = 0; i < 16; ++i)
        if (got[i] != seed * 0x9e3779b97f4a7c15ul + (unsigned long)i) return 0;
    return 1;
}

/* Between fill() and intact(), only assembly runs: a C function called
 * there may use XMM registers as the ABI allows (they are caller-saved). */
static void raw_syscall(long number) {
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(number) : "rcx", "r11", "memory");
}

static void spin(void) {
    __asm__ volatile("mov $2000, %%ecx\n1:\tpause\n\tdec %%ecx\n\tjnz 1b" ::: "rcx", "memory");
}

static void* worker(void* arg) {
    const long n = (long)arg;
    const unsigned long seed = (unsigned long)n + 1;
    for (int round = 0; round < kRounds; ++round) {
        fill(seed);
        if (round % 4 == 0) raw_syscall(SYS_sched_yield);
        else if (round % 4 == 1) raw_syscall(SYS_getpid);
        else spin();  /* long enough for a timer tick now and then */
        if (!intact(seed)) ++g_bad[n];
    }
    return 0;
}

int main(void) {
    pthread_t threads[kThreads];
    for (long n = 0; n < kThreads; ++n) pthread_create(&threads[n], 0, worker, (void*)n);
    for (long n = 0; n < kThreads; ++n) pthread_join(threads[n], 0);
    long bad = 0;
    for (long n = 0; n < kThreads; ++n) bad += g_bad[n];
    printf("fpu-threads: %d threads, %d rounds each: %ld rounds found another's XMM registers\n", kThreads, kRounds, bad);
    return bad == 0 ? 0 : 1;
}
