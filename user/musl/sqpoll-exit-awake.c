/*
 * user/musl/sqpoll-exit-awake.c - a program ends while its SQPOLL thread is
 * awake and busy: a READ it took is parked on an empty pipe, and more SQEs
 * are queued behind it. The thread ends with the program, the parked READ
 * is cancelled with the ring, and the process ends with the program's
 * status, as on Linux: no request outlives its program.
 *
 * Compared with Linux: the program's lines, and its exit status (0).
 */
#include <stdio.h>

#include "sqpoll-ring.h"

int main(void) {
    setvbuf(stdout, 0, _IOLBF, 0);  /* lines appear among the kernel's, in order */
    struct ring r;
    int fds[2];
    static char buffer[16];
    if (ring_setup(&r, 8, IORING_SETUP_SQPOLL, 1000, 0) != 0 || pipe(fds) != 0)
        return printf("sqpoll-exit-awake: setup failed\n"), 1;
    struct io_uring_sqe* sqe = ring_sqe(&r, 0);
    sqe->opcode = IORING_OP_READ;
    sqe->fd = fds[0];
    sqe->addr = (unsigned long)buffer;
    sqe->len = sizeof buffer;
    ring_publish(&r, 1);
    ring_submit(&r, 1);
    const unsigned tail = *r.sq_tail;
    for (const long start = ring_ms(); __atomic_load_n(r.sq_head, __ATOMIC_ACQUIRE) != tail && ring_ms() - start < 2000;)
        sched_yield();
    printf("sqpoll-exit-awake: the SQPOLL thread took a READ of an empty pipe: %s, CQEs: %u\n",
           __atomic_load_n(r.sq_head, __ATOMIC_ACQUIRE) == tail ? "yes" : "no", ring_reap(&r, 0));
    ring_queue_nops(&r, 4, 1);  /* the thread is awake: no system call needed */
    printf("sqpoll-exit-awake: 4 NOPs queued behind it, the thread awake: %s; main returns\n",
           ring_needs_wakeup(&r) ? "no" : "yes");
    return 0;
}
