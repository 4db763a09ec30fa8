/*
 * user/musl/sqpoll-aff.c - IORING_SETUP_SQ_AFF: the SQPOLL thread pinned to
 * the CPU sq_thread_cpu names, as on Linux.
 *
 * The CPUs this program may run on come from sched_getaffinity; the last
 * of them is where the poller goes (CPU 1 of two, on a machine the program
 * also runs on). Through that ring 400 NOPs, queued by storing the SQ
 * tail (sqpoll-ring.h's wake-up protocol), must all complete, while one
 * thread per CPU spins in user mode: every CPU is busy, so a poller that
 * is not held to its CPU would soon run on another. Then setup's
 * refusals: the first CPU past the last one, and a CPU number far out of
 * range, are EINVAL. The numbers of the CPUs are not printed, so the
 * output is the same on any machine; where the poller really ran, the
 * course kernel says in its log ("ran all its N rounds on CPU 1").
 */
#define _GNU_SOURCE
#include <sched.h>
#include <pthread.h>
#include <stdio.h>

#include "sqpoll-ring.h"

enum {
    kNops = 400,
    kBatch = 16
};

static volatile int g_stop;

static void* spin(void* arg) {
    (void)arg;
    while (!g_stop) {
    }
    return 0;
}

int main(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return printf("sqpoll-aff: sched_getaffinity failed\n"), 1;
    int last = -1;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
        if (CPU_ISSET(cpu, &set)) last = cpu;

    struct ring r;
    int res = ring_setup(&r, 64, IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF, 50, (unsigned)last);
    printf("sqpoll-aff: setup(SQPOLL|SQ_AFF, the last CPU it may use) = %s\n", res == 0 ? "a ring" : strerror(-res));
    if (res != 0) return 1;
    pthread_t spinners[64];
    const int n_spinners = last + 1 < 64 ? last + 1 : 64;
    for (int i = 0; i < n_spinners; ++i) pthread_create(&spinners[i], 0, spin, 0);
    unsigned done = 0, bad = 0;
    for (unsigned queued = 0; queued < kNops; queued += kBatch) {
        ring_queue_nops(&r, kBatch, queued);
        ring_submit(&r, kBatch);
        int last_res = 0;
        const unsigned got = ring_wait_cqes(&r, kBatch, 5000, &last_res);
        bad += got > 0 && last_res != 0;
        done += got;
        if (got != kBatch) break;
    }
    g_stop = 1;
    for (int i = 0; i < n_spinners; ++i) pthread_join(spinners[i], 0);
    printf("sqpoll-aff: %u NOPs through the pinned poller, every CPU busy: %u CQEs, %u batches ending in an error\n", kNops, done, bad);
    ring_unmap(&r);
    close(r.fd);

    res = ring_setup(&r, 8, IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF, 50, (unsigned)last + 1);
    printf("sqpoll-aff: setup(SQPOLL|SQ_AFF, the next CPU) = %s\n", res == 0 ? "a ring" : strerror(-res));
    res = ring_setup(&r, 8, IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF, 50, 100000);
    printf("sqpoll-aff: setup(SQPOLL|SQ_AFF, CPU 100000) = %s\n", res == 0 ? "a ring" : strerror(-res));
    return done == kNops && bad == 0 ? 0 : 1;
}
