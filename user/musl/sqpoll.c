/*
 * user/musl/sqpoll.c - IORING_SETUP_SQPOLL's rules, as Linux keeps them: a
 * kernel thread takes the SQEs, so the program submits without a system
 * call while the thread is awake.
 *
 * 1. A new thread has had no work: it sleeps at once (NEED_WAKEUP), and
 *    the first submission must wake it.
 * 2. Awake, it takes SQEs queued by storing the tail alone.
 * 3. io_uring_enter's answers: to_submit, a wait, IORING_ENTER_SQ_WAIT.
 * 4. On a second ring, sq_thread_idle 100 ms: NEED_WAKEUP 90-110 ms after
 *    the last completion, as liburing's test sqpoll-sleep.c expects; the
 *    wake-up after it, and the flag clear again while the thread works;
 *    SQ_WAIT with the SQ full and the thread asleep.
 * 5. setup's refusals (IORING_SETUP_SQ_AFF without SQPOLL, a CPU that
 *    does not exist), and sq_thread_idle 0, which means one second; the
 *    thread's CPU time is the process's, not the calling thread's.
 * Raw system calls on <linux/io_uring.h> (sqpoll-ring.h); only facts that
 * hold on any machine are printed, so the output is the same on Linux and
 * in the course kernel. The host that runs it natively is shared and busy:
 * each timing is checked so that a late look by this program, or a late
 * turn of the thread, does not fail it, while a kernel that keeps the
 * wrong time still does.
 */
#include <stdio.h>

#include "sqpoll-ring.h"

/* The idle time, as liburing's own test (sqpoll-sleep.c) measures it: from
 * the CQE of the thread's last work to the look that finds NEED_WAKEUP.
 * The host that runs this natively is shared and often busy: this program
 * may see the CQE late, or the flag, and the time seems off although the
 * kernel kept it. So up to @p tries are made (the course kernel, alone on
 * its CPU, needs one); a kernel that keeps the wrong time fails them all.
 * The milliseconds of the first try within [lo, hi], or -1 if none was. */
static long idle_time(struct ring* r, long lo, long hi, int tries) {
    for (int i = 0; i < tries; ++i) {
        if (ring_wait_for_sleep(r, ring_ms(), 1000, hi + 1000) < 0) return -1;  /* asleep first */
        ring_queue_nops(r, 1, 1000 + i);
        ring_submit(r, 1);
        if (ring_wait_cqes(r, 1, 2000, 0) != 1) return -1;
        const long idle = ring_wait_for_sleep(r, ring_ms(), 100, hi + 1000);
        if (idle >= lo && idle <= hi) return idle;
    }
    return -1;
}

static double cpu_ms(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec * 1000.0 + t.tv_nsec / 1e6;
}

int main(void) {
    setvbuf(stdout, 0, _IOLBF, 0);  /* lines appear among the kernel's, in order */
    struct ring r;  /* sq_thread_idle 1 s: awake through steps 2 and 3 once woken */
    if (ring_setup(&r, 8, IORING_SETUP_SQPOLL, 1000, 0) != 0) return printf("sqpoll: setup failed\n"), 1;
    printf("sqpoll: IORING_FEAT_SQPOLL_NONFIXED: %s\n", r.p.features & IORING_FEAT_SQPOLL_NONFIXED ? "yes" : "no");

    /* 1. Nothing to do yet: the thread sleeps at once, long before its idle second. */
    const long slept = ring_wait_for_sleep(&r, ring_ms(), 1000, 2000);
    printf("sqpoll: a new SQPOLL thread sleeps at once: NEED_WAKEUP within 500 ms of setup (idle 1 s): %s\n",
           slept >= 0 && slept <= 500 ? "yes" : "no");
    ring_queue_nops(&r, 8, 0);
    const int needed = ring_needs_wakeup(&r);
    const long woken = ring_submit(&r, 8);
    printf("sqpoll: 8 NOPs queued, NEED_WAKEUP seen: %s; io_uring_enter(8, IORING_ENTER_SQ_WAKEUP) = %ld\n",
           needed ? "yes" : "no", woken);
    printf("sqpoll: the 8 NOPs completed: %s\n", ring_wait_cqes(&r, 8, 2000, 0) == 8 ? "yes" : "no");

    /* 2. Awake: storing the tail is all it takes. */
    ring_queue_nops(&r, 8, 10);
    const int asleep = ring_needs_wakeup(&r);
    const unsigned polled = ring_wait_cqes(&r, 8, 2000, 0);
    printf("sqpoll: the thread awake, 8 NOPs queued by storing the tail alone: NEED_WAKEUP %s, %u completed\n",
           asleep ? "set" : "clear", polled);

    /* 3. What enter answers on an SQPOLL ring. Each call before its printf:
     * the order a function's arguments are evaluated in is unspecified. */
    printf("sqpoll: io_uring_enter(0, 0, 0): nothing to do, no error = %ld\n", ring_enter(r.fd, 0, 0, 0));
    printf("sqpoll: io_uring_enter(to_submit 3, nothing queued) = %ld\n", ring_enter(r.fd, 3, 0, 0));
    ring_queue_nops(&r, 1, 200);
    const long waited = ring_enter(r.fd, 1, 1, IORING_ENTER_GETEVENTS);
    printf("sqpoll: io_uring_enter(1, wait for 1) = %ld, then CQEs: %u\n", waited, ring_reap(&r, 0));
    printf("sqpoll: io_uring_enter(0, IORING_ENTER_SQ_WAIT) with room = %ld\n",
           ring_enter(r.fd, 0, 0, IORING_ENTER_SQ_WAIT));

    /* 4. Idle for sq_thread_idle: the flag appears, as liburing's test measures it. */
    struct ring s;
    if (ring_setup(&s, 8, IORING_SETUP_SQPOLL, 100, 0) != 0) return printf("sqpoll: setup failed\n"), 1;
    printf("sqpoll: IORING_SQ_NEED_WAKEUP set 90-110 ms after the last completion (sq_thread_idle 100): %s\n",
           idle_time(&s, 90, 110, 30) >= 0 ? "yes" : "no");
    ring_queue_nops(&s, 1, 100);
    printf("sqpoll: a NOP queued after the sleep: NEED_WAKEUP seen, io_uring_enter(1, IORING_ENTER_SQ_WAKEUP) = %ld\n",
           ring_needs_wakeup(&s) ? ring_enter(s.fd, 1, 0, IORING_ENTER_SQ_WAKEUP) : -1L);
    const unsigned after_wake = ring_wait_cqes(&s, 1, 2000, 0);
    const int still_flagged = __atomic_load_n(s.sq_flags, __ATOMIC_ACQUIRE) & IORING_SQ_NEED_WAKEUP;
    printf("sqpoll: it completed, and NEED_WAKEUP was clear again: %s\n",
           after_wake == 1 && !still_flagged ? "yes" : "no");
    ring_wait_for_sleep(&s, ring_ms(), 1000, 2000);
    ring_queue_nops(&s, 8, 300);
    const unsigned full = *s.sq_tail - __atomic_load_n(s.sq_head, __ATOMIC_ACQUIRE);
    const long room = ring_enter(s.fd, 0, 0, IORING_ENTER_SQ_WAIT | IORING_ENTER_SQ_WAKEUP);
    const unsigned left = *s.sq_tail - __atomic_load_n(s.sq_head, __ATOMIC_ACQUIRE);
    printf("sqpoll: SQ full (%u of 8), thread asleep: io_uring_enter(0, SQ_WAIT | SQ_WAKEUP) = %ld, "
           "returned with room: %s\n",
           full, room, left < 8 ? "yes" : "no");
    printf("sqpoll: and the 8 NOPs completed: %s\n", ring_wait_cqes(&s, 8, 2000, 0) == 8 ? "yes" : "no");

    /* 5. What setup refuses; and sq_thread_idle 0. */
    struct ring other;
    printf("sqpoll: setup(SQ_AFF without SQPOLL) = %s\n",
           ring_setup(&other, 4, IORING_SETUP_SQ_AFF, 0, 0) == -EINVAL ? "EINVAL" : "other");
    printf("sqpoll: setup(SQPOLL|SQ_AFF, cpu 4096) = %s\n",
           ring_setup(&other, 4, IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF, 0, 4096) == -EINVAL ? "EINVAL" : "other");
    const int on_cpu0 = ring_setup(&other, 4, IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF, 0, 0);
    printf("sqpoll: setup(SQPOLL|SQ_AFF, cpu 0) = %s\n", on_cpu0 == 0 ? "a ring" : "an error");
    ring_unmap(&other);
    close(other.fd);

    struct ring idle0;
    ring_setup(&idle0, 4, IORING_SETUP_SQPOLL, 0, 0);
    ring_wait_for_sleep(&idle0, ring_ms(), 1000, 2000);
    ring_queue_nops(&idle0, 1, 0);
    ring_submit(&idle0, 1);
    ring_wait_cqes(&idle0, 1, 2000, 0);
    /* While the thread waits out its idle second, it spins: its CPU time is
     * the process's, and not the time of this thread, which sleeps. */
    struct timespec res;
    const int got = clock_getres(CLOCK_THREAD_CPUTIME_ID, &res);
    printf("sqpoll: clock_getres(CLOCK_THREAD_CPUTIME_ID) = %d: %ld s %ld ns\n", got, (long)res.tv_sec, res.tv_nsec);
    const double process0 = cpu_ms(CLOCK_PROCESS_CPUTIME_ID), thread0 = cpu_ms(CLOCK_THREAD_CPUTIME_ID);
    double spun = 0;
    for (int naps = 0; naps < 16 && spun < 20; ++naps) {  /* at most 800 ms: the thread's idle second */
        usleep(50000);
        spun = (cpu_ms(CLOCK_PROCESS_CPUTIME_ID) - process0) - (cpu_ms(CLOCK_THREAD_CPUTIME_ID) - thread0);
    }
    printf("sqpoll: while this thread slept, the SQPOLL thread spun: within its idle second, the process's "
           "CPU time grew by at least 20 ms more than this thread's: %s\n",
           spun >= 20 ? "yes" : "no");
    printf("sqpoll: sq_thread_idle 0 means one second: NEED_WAKEUP 900-1100 ms after the last completion: %s\n",
           idle_time(&idle0, 900, 1100, 5) >= 0 ? "yes" : "no");
    return 0;
}
