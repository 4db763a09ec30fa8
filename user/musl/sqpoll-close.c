/*
 * user/musl/sqpoll-close.c - closing an SQPOLL ring while its thread runs,
 * as Linux does it: the ring, its thread and the requests the thread took
 * live as long as anything holds the ring - the descriptor or a mapping.
 *
 * 1. A READ of an empty pipe, taken by the thread (the SQ head moves, no
 *    CQE). close() of the ring's descriptor with the rings still mapped:
 *    the ring lives on, and a write to the pipe completes the READ, whose
 *    CQE appears in the mapped ring.
 * 2. The same READ on another ring, whose mappings go first: close() then
 *    releases the ring, its thread ends and the READ is cancelled - it
 *    takes nothing from the pipe, so the byte written later is still there.
 * Raw system calls on <linux/io_uring.h>; the same output on Linux and in
 * the course kernel.
 */
#include <stdio.h>

#include "sqpoll-ring.h"

/* A READ of @p fd into @p buffer, submitted the SQPOLL way; waits until the
 * thread has taken it (the SQ head catches up with the tail). */
static int read_taken(struct ring* r, int fd, char* buffer, unsigned len) {
    struct io_uring_sqe* sqe = ring_sqe(r, 0);
    sqe->opcode = IORING_OP_READ;
    sqe->fd = fd;
    sqe->addr = (unsigned long)buffer;
    sqe->len = len;
    sqe->user_data = 42;
    ring_publish(r, 1);
    ring_submit(r, 1);
    const unsigned tail = *r->sq_tail;
    for (const long start = ring_ms(); ring_ms() - start < 2000;) {
        if (__atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE) == tail) return 1;
        sched_yield();
    }
    return 0;
}

int main(void) {
    setvbuf(stdout, 0, _IOLBF, 0);  /* lines appear among the kernel's, in order */
    struct ring a, b;
    int first[2], second[2];
    char into_a[8] = {0}, into_b[8] = {0};
    if (ring_setup(&a, 4, IORING_SETUP_SQPOLL, 1000, 0) || ring_setup(&b, 4, IORING_SETUP_SQPOLL, 1000, 0))
        return printf("sqpoll-close: setup failed\n"), 1;
    if (pipe(first) || pipe(second)) return printf("sqpoll-close: pipe failed\n"), 1;

    /* 1. Closed, still mapped. */
    const int taken = read_taken(&a, first[0], into_a, sizeof into_a);
    printf("sqpoll-close: a READ of an empty pipe, taken by the SQPOLL thread: %s, CQEs: %u\n",
           taken ? "yes" : "no", ring_reap(&a, 0));
    printf("sqpoll-close: close(ring) with its rings still mapped = %d\n", close(a.fd));
    printf("sqpoll-close: write to the pipe = %ld\n", (long)write(first[1], "x", 1));
    int res = 0;
    const unsigned got = ring_wait_cqes(&a, 1, 2000, &res);
    printf("sqpoll-close: the ring lives on in its mappings: the READ completed, CQEs %u, res %d, read '%s'\n", got,
           res, into_a);
    ring_unmap(&a);

    /* 2. Unmapped, then closed: released with the READ still parked. */
    const int taken_b = read_taken(&b, second[0], into_b, sizeof into_b);
    printf("sqpoll-close: a READ taken by the thread of a second ring: %s\n", taken_b ? "yes" : "no");
    ring_unmap(&b);
    printf("sqpoll-close: its rings unmapped, close(ring) = %d: the last hold on the ring goes\n", close(b.fd));
    usleep(100000);  /* Linux tears a ring down in a worker, soon after */
    printf("sqpoll-close: write to its pipe = %ld\n", (long)write(second[1], "y", 1));
    char back[8] = {0};
    const long n = read(second[0], back, sizeof back);
    printf("sqpoll-close: the cancelled READ took nothing: read() = %ld, '%s'\n", n, back);
    return 0;
}
