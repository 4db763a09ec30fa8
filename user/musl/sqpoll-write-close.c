/*
 * user/musl/sqpoll-write-close.c - the SQPOLL thread sleeps in a WRITE of
 * 128 KiB to a pipe (here a WRITE that cannot finish blocks the poller, see
 * chapter 08's differences) when the program closes the pipe's write end.
 * The WRITE holds the file it writes to: it goes on as the program reads,
 * and completes whole; only then does the write end really close, and the
 * reader sees the end of the pipe.
 *
 * Not compared with Linux, whose poller never blocks: there the WRITE ends
 * short, with the 64 KiB that fitted. Checked in the course kernel only
 * (without the hold, the poller woke up inside a freed file).
 */
#include <stdio.h>

#include "sqpoll-ring.h"

int main(void) {
    setvbuf(stdout, 0, _IOLBF, 0);  /* lines appear among the kernel's, in order */
    struct ring r;
    int fds[2];
    static char big[128 * 1024], sink[16 * 1024];
    if (ring_setup(&r, 4, IORING_SETUP_SQPOLL, 1000, 0) != 0 || pipe(fds) != 0)
        return printf("sqpoll-write-close: setup failed\n"), 1;
    struct io_uring_sqe* sqe = ring_sqe(&r, 0);
    sqe->opcode = IORING_OP_WRITE;
    sqe->fd = fds[1];
    sqe->addr = (unsigned long)big;
    sqe->len = sizeof big;
    ring_publish(&r, 1);
    ring_submit(&r, 1);
    usleep(100000);  /* the thread fills the pipe and sleeps in the WRITE */
    printf("sqpoll-write-close: the WRITE sleeps in a full pipe; close(write end) = %d\n", close(fds[1]));
    long total = 0, n;
    while ((n = read(fds[0], sink, sizeof sink)) > 0) total += n;
    int res = 0;
    const unsigned got = ring_wait_cqes(&r, 1, 2000, &res);
    printf("sqpoll-write-close: read %ld bytes, then the end of the pipe; CQEs %u, res %d\n", total, got, res);
    return 0;
}
