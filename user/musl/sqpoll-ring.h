/**
 * @file user/musl/sqpoll-ring.h
 * @brief The raw io_uring that the SQPOLL test programs (user/musl/sqpoll*.c)
 * share: io_uring_setup and the two mappings, queueing an SQE by storing
 * the SQ tail, the program's half of the wake-up protocol, reaping CQEs.
 *
 * Only <linux/io_uring.h> and system calls: no liburing, so every access
 * to the shared ring is in plain sight.
 *
 * The wake-up protocol (ring_submit), as liburing's io_uring_submit does
 * it: store the tail, a full barrier, read the flags, and only if the
 * SQPOLL thread said it sleeps (IORING_SQ_NEED_WAKEUP) call
 * io_uring_enter(IORING_ENTER_SQ_WAKEUP). The kernel's thread does the
 * mirror image: set the flag, a full barrier, read the tail.
 */
#pragma once

#include <errno.h>
#include <linux/io_uring.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/// One ring as the program sees it: its fd, what setup answered, its mappings.
struct ring {
    int fd;                      ///< the ring's descriptor
    struct io_uring_params p;    ///< io_uring_setup's answer: sizes, offsets, features
    unsigned char* rings;        ///< SQ and CQ rings: one mapping (IORING_FEAT_SINGLE_MMAP)
    size_t rings_bytes;          ///< its length
    struct io_uring_sqe* sqes;   ///< the SQE array
    size_t sqes_bytes;           ///< its length
    unsigned* sq_head;           ///< the kernel's count of SQEs taken
    unsigned* sq_tail;           ///< ours of SQEs queued
    unsigned* sq_flags;          ///< IORING_SQ_NEED_WAKEUP...
    unsigned* sq_array;          ///< ring slot -> SQE index
    unsigned* cq_head;           ///< ours of CQEs consumed
    unsigned* cq_tail;           ///< the kernel's count of CQEs posted
    struct io_uring_cqe* cqes;   ///< the CQE array
};

/// io_uring_enter(2), raw: a result, or -1 with errno.
static inline long ring_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags) {
    return syscall(SYS_io_uring_enter, fd, to_submit, min_complete, flags, 0, 0);
}

/// io_uring_setup with these flags, sq_thread_idle and sq_thread_cpu, and both mappings: 0 or -errno.
static inline int ring_setup(struct ring* r, unsigned entries, unsigned flags, unsigned idle_ms, unsigned cpu) {
    memset(r, 0, sizeof *r);
    r->p.flags = flags;
    r->p.sq_thread_idle = idle_ms;
    r->p.sq_thread_cpu = cpu;
    r->fd = (int)syscall(SYS_io_uring_setup, entries, &r->p);
    if (r->fd < 0) return -errno;
    const size_t sq = r->p.sq_off.array + r->p.sq_entries * sizeof(unsigned);
    const size_t cq = r->p.cq_off.cqes + r->p.cq_entries * sizeof(struct io_uring_cqe);
    r->rings_bytes = sq > cq ? sq : cq;
    r->sqes_bytes = r->p.sq_entries * sizeof(struct io_uring_sqe);
    r->rings = mmap(0, r->rings_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, IORING_OFF_SQ_RING);
    r->sqes = mmap(0, r->sqes_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, IORING_OFF_SQES);
    if (r->rings == MAP_FAILED || r->sqes == MAP_FAILED) return -ENOMEM;
    r->sq_head = (unsigned*)(r->rings + r->p.sq_off.head);
    r->sq_tail = (unsigned*)(r->rings + r->p.sq_off.tail);
    r->sq_flags = (unsigned*)(r->rings + r->p.sq_off.flags);
    r->sq_array = (unsigned*)(r->rings + r->p.sq_off.array);
    r->cq_head = (unsigned*)(r->rings + r->p.cq_off.head);
    r->cq_tail = (unsigned*)(r->rings + r->p.cq_off.tail);
    r->cqes = (struct io_uring_cqe*)(r->rings + r->p.cq_off.cqes);
    return 0;
}

/// Drop both mappings: each holds the ring, as the fd does.
static inline void ring_unmap(struct ring* r) {
    munmap(r->rings, r->rings_bytes);
    munmap(r->sqes, r->sqes_bytes);
}

/// The SQE @p ahead slots past the tail, zeroed, its index array slot filled; not yet visible to the kernel.
static inline struct io_uring_sqe* ring_sqe(struct ring* r, unsigned ahead) {
    const unsigned slot = (*r->sq_tail + ahead) & (r->p.sq_entries - 1);
    memset(&r->sqes[slot], 0, sizeof r->sqes[slot]);
    r->sq_array[slot] = slot;
    return &r->sqes[slot];
}

/// Publish @p n SQEs filled with ring_sqe: release, so the kernel sees them before the tail.
static inline void ring_publish(struct ring* r, unsigned n) {
    __atomic_store_n(r->sq_tail, *r->sq_tail + n, __ATOMIC_RELEASE);
}

/// Queue @p n NOPs (user_data @p data, data + 1...), by storing the tail alone.
static inline void ring_queue_nops(struct ring* r, unsigned n, unsigned long long data) {
    for (unsigned i = 0; i < n; ++i) {
        struct io_uring_sqe* sqe = ring_sqe(r, i);
        sqe->opcode = IORING_OP_NOP;
        sqe->user_data = data + i;
    }
    ring_publish(r, n);
}

/// After storing the tail: does the SQPOLL thread sleep? The full barrier
/// orders our tail store before our flag load, as the thread's orders its
/// flag store before its tail load.
static inline int ring_needs_wakeup(struct ring* r) {
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return (__atomic_load_n(r->sq_flags, __ATOMIC_RELAXED) & IORING_SQ_NEED_WAKEUP) != 0;
}

/// Hand @p n published SQEs to the thread: io_uring_enter only if it sleeps.
/// Returns what io_uring_enter returned, or @p n when no call was needed.
static inline long ring_submit(struct ring* r, unsigned n) {
    return ring_needs_wakeup(r) ? ring_enter(r->fd, n, 0, IORING_ENTER_SQ_WAKEUP) : (long)n;
}

/// Milliseconds of CLOCK_MONOTONIC.
static inline long ring_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/// Consume every CQE there is; returns how many, the last one's res in *@p res (if not null).
static inline unsigned ring_reap(struct ring* r, int* res) {
    unsigned n = 0;
    const unsigned tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
    for (unsigned head = *r->cq_head; head != tail; ++head, ++n)
        if (res) *res = r->cqes[head & (r->p.cq_entries - 1)].res;
    __atomic_store_n(r->cq_head, tail, __ATOMIC_RELEASE);
    return n;
}

/// Reap until @p n CQEs have come or @p limit_ms went by, giving the CPU
/// away between looks (on one CPU the thread needs it). Returns how many
/// came; the last one's res in *@p res (if not null).
static inline unsigned ring_wait_cqes(struct ring* r, unsigned n, long limit_ms, int* res) {
    unsigned done = 0;
    for (const long start = ring_ms(); done < n && ring_ms() - start < limit_ms;) {
        done += ring_reap(r, res);
        if (done < n) sched_yield();
    }
    return done;
}

/// Wait until the thread has set NEED_WAKEUP, looking every @p every_us
/// microseconds, for at most @p limit_ms after @p since (ring_ms()): the
/// milliseconds from @p since to the look that saw it, or -1.
static inline long ring_wait_for_sleep(struct ring* r, long since, unsigned every_us, long limit_ms) {
    for (;;) {
        const long elapsed = ring_ms() - since;
        if (__atomic_load_n(r->sq_flags, __ATOMIC_ACQUIRE) & IORING_SQ_NEED_WAKEUP) return elapsed;
        if (elapsed >= limit_ms) return -1;
        usleep(every_us);
    }
}
