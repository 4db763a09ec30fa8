/*
 * user/musl/sqpoll-exit-thread.c - the program's last thread ends with
 * exit(2), not exit_group, while its SQPOLL thread is stuck in a WRITE to
 * a full pipe that nobody reads.
 *
 * Here the process ends when its last program thread does: the poller is
 * interrupted wherever it sleeps, ends too, and the process's status is
 * the one the last thread passed to exit (7). On Linux the process would
 * live on, its poller alone (see chapter 08's differences), so this one
 * is checked in the course kernel only: that it ends, with status 7.
 */
#include <stdio.h>

#include "sqpoll-ring.h"

int main(void) {
    struct ring r;
    int fds[2];
    static char big[128 * 1024];  /* twice a pipe's 64 KiB */
    if (ring_setup(&r, 4, IORING_SETUP_SQPOLL, 1000, 0) != 0 || pipe(fds) != 0)
        return printf("sqpoll-exit-thread: setup failed\n"), 1;
    struct io_uring_sqe* sqe = ring_sqe(&r, 0);
    sqe->opcode = IORING_OP_WRITE;
    sqe->fd = fds[1];
    sqe->addr = (unsigned long)big;
    sqe->len = sizeof big;
    ring_publish(&r, 1);
    ring_submit(&r, 1);
    usleep(100000);  /* the thread takes the WRITE, fills the pipe and sleeps in it */
    printf("sqpoll-exit-thread: a %zu-byte WRITE to a pipe nobody reads, handed to the SQPOLL thread; CQEs: %u\n",
           sizeof big, ring_reap(&r, 0));
    printf("sqpoll-exit-thread: the last program thread calls exit(7)\n");
    fflush(stdout);
    syscall(SYS_exit, 7);
    return 1;  /* not reached */
}
