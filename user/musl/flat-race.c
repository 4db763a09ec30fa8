/*
 * user/musl/flat-race.c - two threads make system calls on two CPUs at the
 * same time, and check that each call comes back as it went in.
 *
 * Both threads wait until the other runs, then each makes 20000 getpid
 * calls through `syscall` in a few lines of assembly that note the stack
 * pointer before and after: a call must return with the thread's own RSP
 * and the process id. On a kernel whose syscall entry keeps per-CPU state
 * per CPU this always holds. Chapter 10 boots it with entry=flat too, where
 * the entry parks the user RSP and finds its kernel stack in one global
 * each (chapter 04's design): with both threads in the kernel at once, that
 * kernel stops the program at the first syscall that lands on the other
 * thread's stack. Every line printed is the same on Linux and in the course
 * kernel with its per-CPU entry.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

enum { kCalls = 20000 };

static int g_running;  /* threads that have started: both spin until it is 2 */
static long g_pid;
static long g_bad[2];

/* getpid through `syscall`, with the RSP before and after it. */
static long checked_getpid(long* rsp_before, long* rsp_after) {
    long ret;
    __asm__ volatile("mov %%rsp, %1\n\tsyscall\n\tmov %%rsp, %2"
                     : "=a"(ret), "=&r"(*rsp_before), "=&r"(*rsp_after)
                     : "a"(39L)
                     : "rcx", "r11", "memory");
    return ret;
}

static void calls(int n) {
    __atomic_add_fetch(&g_running, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&g_running, __ATOMIC_SEQ_CST) < 2) {}
    for (int i = 0; i < kCalls; ++i) {
        long before, after;
        if (checked_getpid(&before, &after) != g_pid || before != after) ++g_bad[n];
    }
}

static void* second(void* arg) {
    (void)arg;
    calls(1);
    return 0;
}

int main(void) {
    g_pid = getpid();
    pthread_t thread;
    if (pthread_create(&thread, 0, second, 0) != 0) return printf("flat-race: pthread_create failed\n"), 1;
    calls(0);
    pthread_join(thread, 0);
    printf("flat-race: 2 threads, %d getpid calls each, at the same time: %ld came back wrong\n", kCalls,
           g_bad[0] + g_bad[1]);
    return g_bad[0] + g_bad[1] == 0 ? 0 : 1;
}
