/*
 * user/musl/sqpoll-close-waiting.c - one thread waits in io_uring_enter on
 * an SQPOLL ring while another closes the ring's descriptor and unmaps its
 * rings. As on Linux, the call in progress holds the ring: it lives on, its
 * poller too, until the wait ends - here when a write completes the READ the
 * poller had parked - and only then is it released.
 *
 * (Without that hold, the ring and the wait queue the first thread sleeps
 * on would be freed under it.) The same output on Linux and in the course
 * kernel.
 */
#include <pthread.h>
#include <stdio.h>

#include "sqpoll-ring.h"

static struct ring r;
static int fds[2];
static volatile long waited = -100;
static volatile int entering = 0;

static void* waiter(void* unused) {
    (void)unused;
    entering = 1;
    waited = ring_enter(r.fd, 0, 1, IORING_ENTER_GETEVENTS);  /* until the READ's CQE */
    return 0;
}

int main(void) {
    setvbuf(stdout, 0, _IOLBF, 0);  /* lines appear among the kernel's, in order */
    static char buffer[8];
    if (ring_setup(&r, 4, IORING_SETUP_SQPOLL, 1000, 0) != 0 || pipe(fds) != 0)
        return printf("sqpoll-close-waiting: setup failed\n"), 1;
    struct io_uring_sqe* sqe = ring_sqe(&r, 0);
    sqe->opcode = IORING_OP_READ;
    sqe->fd = fds[0];
    sqe->addr = (unsigned long)buffer;
    sqe->len = sizeof buffer;
    ring_publish(&r, 1);
    ring_submit(&r, 1);
    pthread_t t;
    pthread_create(&t, 0, waiter, 0);
    while (!entering) sched_yield();
    usleep(200000);  /* the READ is parked, the other thread waits for its CQE */
    const int fd = r.fd;
    ring_unmap(&r);
    printf("sqpoll-close-waiting: another thread waits in io_uring_enter; rings unmapped, close(ring) = %d\n",
           close(fd));
    usleep(100000);
    printf("sqpoll-close-waiting: the wait goes on: %s\n", waited == -100 ? "yes" : "no");
    printf("sqpoll-close-waiting: write to the pipe = %ld\n", (long)write(fds[1], "z", 1));
    pthread_join(t, 0);
    printf("sqpoll-close-waiting: the waiting io_uring_enter returned %ld, and read '%s'\n", waited, buffer);
    return 0;
}
