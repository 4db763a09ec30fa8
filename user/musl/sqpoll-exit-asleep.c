/*
 * user/musl/sqpoll-exit-asleep.c - a program ends while its SQPOLL thread
 * sleeps: the thread ends with it (the kernel's log says so), and the
 * process ends with the program's status, as on Linux.
 *
 * The ring has done its work and the thread has gone to sleep after
 * sq_thread_idle (NEED_WAKEUP); main returns, and exit_group ends every
 * thread of the process, the sleeping poller too. Compared with Linux: the
 * program's lines, and its exit status (0).
 */
#include <stdio.h>

#include "sqpoll-ring.h"

int main(void) {
    setvbuf(stdout, 0, _IOLBF, 0);  /* lines appear among the kernel's, in order */
    struct ring r;
    if (ring_setup(&r, 4, IORING_SETUP_SQPOLL, 20, 0) != 0) return printf("sqpoll-exit-asleep: setup failed\n"), 1;
    ring_queue_nops(&r, 4, 0);
    ring_submit(&r, 4);
    printf("sqpoll-exit-asleep: 4 NOPs completed: %s\n", ring_wait_cqes(&r, 4, 2000, 0) == 4 ? "yes" : "no");
    const long slept = ring_wait_for_sleep(&r, ring_ms(), 1000, 2000);
    printf("sqpoll-exit-asleep: the SQPOLL thread sleeps (NEED_WAKEUP): %s; main returns\n", slept >= 0 ? "yes" : "no");
    return 0;
}
