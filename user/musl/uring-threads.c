/*
 * user/musl/uring-threads.c - io_uring_enter waiting for a completion that
 * another thread produces, as on Linux.
 *
 * The main thread queues a READ on an empty pipe and calls io_uring_enter
 * with IORING_ENTER_GETEVENTS and min_complete 1: it sleeps. A second
 * thread waits a little, then writes to the pipe: the READ completes, and
 * the sleeper wakes with its CQE. Raw system calls on <linux/io_uring.h>:
 * nothing of the course's, the same output on Linux and in the kernel.
 */
#include <linux/io_uring.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int g_pipe[2];

static void* late_writer(void* arg) {
    (void)arg;
    const struct timespec pause = {0, 30 * 1000000};
    nanosleep(&pause, 0);  /* the reader is asleep in io_uring_enter by now */
    write(g_pipe[1], "from thread 2", 13);
    return 0;
}

int main(void) {
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    const int ring = (int)syscall(SYS_io_uring_setup, 4, &p);
    if (ring < 0) return printf("uring-threads: io_uring_setup failed\n"), 1;
    const size_t rings_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    unsigned char* rings = mmap(0, rings_size, PROT_READ | PROT_WRITE, MAP_SHARED, ring, IORING_OFF_SQ_RING);
    struct io_uring_sqe* sqes = mmap(0, p.sq_entries * sizeof *sqes, PROT_READ | PROT_WRITE, MAP_SHARED, ring, IORING_OFF_SQES);
    if (rings == MAP_FAILED || sqes == MAP_FAILED) return printf("uring-threads: mmap failed\n"), 1;
    if (pipe(g_pipe) != 0) return printf("uring-threads: pipe failed\n"), 1;

    char buffer[32] = {0};
    memset(&sqes[0], 0, sizeof sqes[0]);
    sqes[0].opcode = IORING_OP_READ;
    sqes[0].fd = g_pipe[0];
    sqes[0].addr = (unsigned long)buffer;
    sqes[0].len = sizeof buffer;
    sqes[0].user_data = 42;
    unsigned* sq_array = (unsigned*)(rings + p.sq_off.array);
    unsigned* sq_tail = (unsigned*)(rings + p.sq_off.tail);
    sq_array[*sq_tail & (p.sq_entries - 1)] = 0;
    __atomic_store_n(sq_tail, *sq_tail + 1, __ATOMIC_RELEASE);

    pthread_t t;
    pthread_create(&t, 0, late_writer, 0);
    const long n = syscall(SYS_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, 0, 0);
    unsigned* cq_head = (unsigned*)(rings + p.cq_off.head);
    const unsigned cq_tail = __atomic_load_n((unsigned*)(rings + p.cq_off.tail), __ATOMIC_ACQUIRE);
    const struct io_uring_cqe* cqe = (struct io_uring_cqe*)(rings + p.cq_off.cqes) + (*cq_head & (p.cq_entries - 1));
    printf("uring-threads: io_uring_enter(1 SQE, wait for 1) = %ld, CQEs ready when it returned: %u\n", n,
           cq_tail - *cq_head);
    printf("uring-threads: cqe user_data=%llu res=%d data=\"%s\"\n", (unsigned long long)cqe->user_data, cqe->res, buffer);
    pthread_join(t, 0);
    return cqe->res == 13 ? 0 : 1;
}
