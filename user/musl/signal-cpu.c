/*
 * user/musl/signal-cpu.c - a signal reaches a thread that is running, in
 * user mode, on another CPU.
 *
 * A spinner thread loops in user mode without a single system call, so
 * the kernel never sees it at a syscall's return; the main thread, on the
 * other CPU, sends it a signal - first to the thread (tgkill), then to the
 * process (kill) with the signal blocked in the main thread, so that only
 * the spinner can take it. Each time the spinner's handler must run, in
 * the spinner, while it spins. The main thread gives up after two seconds
 * and says "no". First it checks that it may run on more than one CPU
 * (sched_getaffinity): without that there is no "other CPU". Every line
 * printed is the same on Linux and in the course kernel.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile pid_t g_spinner_tid;      /* the spinner's thread id, once it runs */
static volatile pid_t g_handled_in;       /* the thread id the handler ran in */
static volatile sig_atomic_t g_caught;    /* the signal the handler took, 0 before */
static volatile int g_give_up;            /* the main thread waited long enough */
static volatile unsigned long g_spins;    /* the spinner's rounds: it really spins */

static void handler(int sig) {
    g_handled_in = (pid_t)syscall(SYS_gettid);
    g_caught = sig;
}

static void* spinner(void* arg) {
    (void)arg;
    g_spinner_tid = (pid_t)syscall(SYS_gettid);
    for (;;) {  /* no system call in here: only an interrupt brings the kernel in */
        while (!g_caught && !g_give_up) ++g_spins;
        if (g_give_up) break;
        while (g_caught && !g_give_up) {}  /* seen: the main thread resets it for the next round */
    }
    return 0;
}

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&t, 0);
}

/* Wait up to two seconds for the handler, then say what happened. */
static void report(const char* how, int sig) {
    for (int waited = 0; !g_caught && waited < 2000; waited += 10) sleep_ms(10);
    printf("signal-cpu: %s: the handler ran in the spinning thread: %s\n", how,
           g_caught == sig && g_handled_in == g_spinner_tid ? "yes" : "no");
    g_caught = 0;
}

int main(void) {
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    const int got = sched_getaffinity(0, sizeof cpus, &cpus);
    printf("signal-cpu: sched_getaffinity: more than one CPU: %s\n", got == 0 && CPU_COUNT(&cpus) > 1 ? "yes" : "no");
    struct sigaction sa = {0};
    sa.sa_handler = handler;
    sigaction(SIGUSR1, &sa, 0);
    sigaction(SIGUSR2, &sa, 0);
    pthread_t t;
    if (pthread_create(&t, 0, spinner, 0) != 0) {
        printf("signal-cpu: pthread_create failed\n");
        return 1;
    }
    while (!g_spinner_tid) sleep_ms(1);
    while (g_spins < 1000) sleep_ms(1);  /* it is spinning now */

    syscall(SYS_tgkill, getpid(), g_spinner_tid, SIGUSR1);
    report("tgkill(spinner, SIGUSR1)", SIGUSR1);

    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &usr2, 0);  /* only the spinner may take it now */
    kill(getpid(), SIGUSR2);
    report("kill(process, SIGUSR2), blocked in the main thread", SIGUSR2);

    g_give_up = 1;
    pthread_join(t, 0);
    return 0;
}
