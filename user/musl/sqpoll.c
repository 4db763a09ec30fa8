/*
 * user/musl/sqpoll.c - IORING_SETUP_SQPOLL as Linux does it: a kernel
 * thread takes the SQEs, so the program submits without a system call.
 *
 * 1. A burst of NOPs is queued by storing the SQ tail only: every one
 *    completes, and the program made no io_uring_enter for them.
 * 2. With nothing to do for sq_thread_idle (100 ms), the thread sets
 *    IORING_SQ_NEED_WAKEUP and sleeps: the flag appears 90-110 ms after
 *    the last work, as liburing's own test expects.
 * 3. The program wakes it the documented way - store the tail, full
 *    barrier, read the flags, io_uring_enter(IORING_ENTER_SQ_WAKEUP) - and
 *    the new SQE completes.
 * 4. io_uring_enter on an SQPOLL ring returns to_submit; SQ_AFF without
 *    SQPOLL, or with a CPU that does not exist, is EINVAL; a ring closed
 *    with its thread running, a READ still parked on a pipe, goes quietly.
 * Raw system calls on <linux/io_uring.h>, the same output on Linux and in
 * the course kernel.
 */
#include <errno.h>
#include <linux/io_uring.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct ring {
    int fd;
    struct io_uring_params p;
    unsigned char* rings;
    struct io_uring_sqe* sqes;
    unsigned *sq_tail, *sq_head, *sq_flags, *sq_array, *cq_head, *cq_tail;
    struct io_uring_cqe* cqes;
};

static long enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags) {
    return syscall(SYS_io_uring_enter, fd, to_submit, min_complete, flags, 0, 0);
}

static int setup(struct ring* r, unsigned entries, unsigned flags, unsigned idle_ms, unsigned cpu) {
    memset(r, 0, sizeof *r);
    r->p.flags = flags;
    r->p.sq_thread_idle = idle_ms;
    r->p.sq_thread_cpu = cpu;
    r->fd = (int)syscall(SYS_io_uring_setup, entries, &r->p);
    if (r->fd < 0) return -errno;
    r->rings = mmap(0, r->p.sq_off.array + r->p.sq_entries * 4 + r->p.cq_off.cqes + r->p.cq_entries * 16,
                    PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, IORING_OFF_SQ_RING);
    r->sqes = mmap(0, r->p.sq_entries * sizeof *r->sqes, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, IORING_OFF_SQES);
    r->sq_tail = (unsigned*)(r->rings + r->p.sq_off.tail);
    r->sq_head = (unsigned*)(r->rings + r->p.sq_off.head);
    r->sq_flags = (unsigned*)(r->rings + r->p.sq_off.flags);
    r->sq_array = (unsigned*)(r->rings + r->p.sq_off.array);
    r->cq_head = (unsigned*)(r->rings + r->p.cq_off.head);
    r->cq_tail = (unsigned*)(r->rings + r->p.cq_off.tail);
    r->cqes = (struct io_uring_cqe*)(r->rings + r->p.cq_off.cqes);
    return 0;
}

/* Queue one SQE (a NOP, or what @p fill sets) by storing the tail: no system call. */
static void queue_nop(struct ring* r, unsigned long long data) {
    const unsigned tail = *r->sq_tail, slot = tail & (r->p.sq_entries - 1);
    memset(&r->sqes[slot], 0, sizeof r->sqes[slot]);
    r->sqes[slot].opcode = IORING_OP_NOP;
    r->sqes[slot].user_data = data;
    r->sq_array[slot] = slot;
    __atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
}

/* Reap what is ready; returns how many. */
static unsigned reap(struct ring* r) {
    unsigned n = 0;
    for (unsigned tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE); *r->cq_head != tail; ++n)
        __atomic_store_n(r->cq_head, *r->cq_head + 1, __ATOMIC_RELEASE);
    return n;
}

static long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int main(void) {
    struct ring r;
    if (setup(&r, 8, IORING_SETUP_SQPOLL, 100, 0) != 0) return printf("sqpoll: setup failed\n"), 1;
    printf("sqpoll: IORING_FEAT_SQPOLL_NONFIXED: %s\n", r.p.features & IORING_FEAT_SQPOLL_NONFIXED ? "yes" : "no");

    /* 1. A burst of 8 NOPs, queued without a system call. */
    for (unsigned i = 0; i < 8; ++i) queue_nop(&r, i);
    unsigned done = 0;
    for (long start = now_ms(); done < 8 && now_ms() - start < 2000;) {
        done += reap(&r);
        sched_yield();  /* one CPU: give the poller its turn */
    }
    printf("sqpoll: 8 NOPs queued by storing the tail alone: %u completed\n", done);

    /* 2. Idle for sq_thread_idle (100 ms): NEED_WAKEUP appears. */
    const long last_work = now_ms();
    long flagged = -1;
    while (now_ms() - last_work < 1000) {
        if (__atomic_load_n(r.sq_flags, __ATOMIC_ACQUIRE) & IORING_SQ_NEED_WAKEUP) {
            flagged = now_ms() - last_work;
            break;
        }
        sched_yield();
    }
    printf("sqpoll: IORING_SQ_NEED_WAKEUP set 90-110 ms after the last work: %s\n",
           flagged >= 90 && flagged <= 110 ? "yes" : "no");

    /* 3. Wake it as liburing does: tail, full barrier, flags, enter(SQ_WAKEUP). */
    queue_nop(&r, 100);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    long woke = -1;
    if (__atomic_load_n(r.sq_flags, __ATOMIC_RELAXED) & IORING_SQ_NEED_WAKEUP) woke = enter(r.fd, 1, 0, IORING_ENTER_SQ_WAKEUP);
    printf("sqpoll: io_uring_enter(1, IORING_ENTER_SQ_WAKEUP) = %ld\n", woke);
    done = 0;
    for (long start = now_ms(); done < 1 && now_ms() - start < 2000;) {
        done += reap(&r);
        sched_yield();
    }
    printf("sqpoll: the NOP queued after the wake-up completed: %s\n", done == 1 ? "yes" : "no");

    /* 4. What enter answers, and what setup refuses. */
    printf("sqpoll: io_uring_enter(to_submit 3, nothing queued) = %ld\n", enter(r.fd, 3, 0, 0));
    queue_nop(&r, 200);
    const long waited = enter(r.fd, 1, 1, IORING_ENTER_GETEVENTS);  /* before the printf: argument order is unspecified */
    printf("sqpoll: io_uring_enter(1, wait for 1) = %ld, then CQEs: %u\n", waited, reap(&r));
    struct ring bad;
    const int no_sqpoll = setup(&bad, 4, IORING_SETUP_SQ_AFF, 0, 0);
    printf("sqpoll: setup(SQ_AFF without SQPOLL) = %s\n", no_sqpoll == -EINVAL ? "EINVAL" : "other");
    const int no_cpu = setup(&bad, 4, IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF, 0, 4096);
    printf("sqpoll: setup(SQPOLL|SQ_AFF, cpu 4096) = %s\n", no_cpu == -EINVAL ? "EINVAL" : "other");

    int fds[2];
    pipe(fds);
    char buffer[8];
    const unsigned tail = *r.sq_tail, slot = tail & (r.p.sq_entries - 1);
    memset(&r.sqes[slot], 0, sizeof r.sqes[slot]);
    r.sqes[slot].opcode = IORING_OP_READ;
    r.sqes[slot].fd = fds[0];
    r.sqes[slot].addr = (unsigned long)buffer;
    r.sqes[slot].len = sizeof buffer;
    r.sq_array[slot] = slot;
    __atomic_store_n(r.sq_tail, tail + 1, __ATOMIC_RELEASE);
    enter(r.fd, 1, 0, IORING_ENTER_SQ_WAKEUP);
    for (long start = now_ms(); __atomic_load_n(r.sq_head, __ATOMIC_ACQUIRE) != tail + 1 && now_ms() - start < 2000;)
        sched_yield();  /* until the thread has taken the READ: it waits on the empty pipe */
    printf("sqpoll: close(ring) with its thread running and a READ parked = %d\n", close(r.fd));
    printf("sqpoll: the pipe is still usable: write = %ld\n", (long)write(fds[1], "x", 1));
    return 0;
}
