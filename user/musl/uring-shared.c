/*
 * user/musl/uring-shared.c - one io_uring shared by four threads, on as many
 * CPUs as the machine has: every CQE accounted for, as on Linux.
 *
 * Four threads queue SQEs on the same ring (NOPs, and 1-byte READs of a pipe
 * each) and call io_uring_enter on it, so two enters take SQEs from one SQ at
 * the same moment on two CPUs; a fifth thread writes the pipes a byte at a
 * time, so READs parked on an empty pipe complete on another CPU while the
 * threads submit and reap. Then the same with IORING_SETUP_SQPOLL, where the
 * ring's own kernel thread submits, on a CPU of its own, while the program's
 * threads queue and wait.
 *
 * As liburing asks of a program that shares a ring between threads, the
 * program serialises its own side: a mutex for queueing SQEs (the SQ tail,
 * the SQE slots), another for reaping (the CQ head). The enters themselves
 * are not serialised: that is the kernel's business (Linux's uring_lock).
 * Every SQE carries a tag; each CQE must carry a tag issued and not yet
 * seen, with the result its request must have (0 for a NOP, 1 byte for a
 * READ), and in the end every tag must have been seen once, and the bytes
 * the READs got must be exactly the bytes written. Raw system calls on
 * <linux/io_uring.h>; the output is the same on Linux and in the kernel.
 */
#include <linux/io_uring.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum {
    kThreads = 4,
    kRounds = 300,     /* batches of NOPs each thread queues */
    kBatch = 6,        /* NOPs in a batch */
    kReads = 150,      /* 1-byte READs each thread queues, at most kParked unreaped at a time */
    kParked = 4,
    kEntries = 64,     /* SQ entries: more than kThreads * (kBatch + 1) queued at once */
    kTotal = kThreads * (kRounds * kBatch + kReads),
};

#define TAG(kind, thread, seq) (((unsigned long long)(kind) << 56) | ((unsigned long long)(thread) << 48) | (seq))
enum {
    kNop = 1,
    kRead = 2
};

static struct {
    int fd, sqpoll;
    unsigned mask, cq_mask;
    unsigned *sq_head, *sq_tail, *sq_flags, *sq_array, *cq_head, *cq_tail;
    struct io_uring_sqe* sqes;
    struct io_uring_cqe* cqes;
} g_ring;

static int g_pipes[kThreads][2];
static unsigned char g_got[kThreads][kReads];          /* each READ's byte */
static unsigned char g_seen_nop[kThreads][kRounds * kBatch];
static unsigned char g_seen_read[kThreads][kReads];
static int g_reads_done[kThreads];                     /* READs reaped, per thread (under g_cq_lock) */
static long g_queued, g_reaped, g_violations;          /* under g_sq_lock, g_cq_lock, g_cq_lock */
static pthread_mutex_t g_sq_lock = PTHREAD_MUTEX_INITIALIZER, g_cq_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned char byte_for(int thread, int i) { return (unsigned char)(i * 7 + thread * 31 + 1); }

static long enter(unsigned to_submit, unsigned min_complete, unsigned flags) {
    return syscall(SYS_io_uring_enter, g_ring.fd, to_submit, min_complete, flags, 0, 0);
}

static void violation(const char* what, unsigned long long tag, long long res) {
    if (g_violations++ < 5)
        printf("uring-shared: VIOLATION: %s (tag %#llx, res %lld)\n", what, tag, res);
}

/* Reap every CQE ready, checking each (g_cq_lock held). */
static void reap_locked(void) {
    unsigned head = *g_ring.cq_head;
    const unsigned tail = __atomic_load_n(g_ring.cq_tail, __ATOMIC_ACQUIRE);
    for (; head != tail; ++head) {
        const struct io_uring_cqe* cqe = &g_ring.cqes[head & g_ring.cq_mask];
        const unsigned long long tag = cqe->user_data;
        const unsigned kind = (unsigned)(tag >> 56), thread = (unsigned)(tag >> 48) & 0xff;
        const unsigned seq = (unsigned)(tag & 0xffffffffffffull);
        unsigned char* seen = 0;
        if (thread < kThreads && kind == kNop && seq < kRounds * kBatch) seen = &g_seen_nop[thread][seq];
        if (thread < kThreads && kind == kRead && seq < kReads) seen = &g_seen_read[thread][seq];
        if (!seen) {
            violation("a CQE with a tag never issued", tag, cqe->res);
        } else if (*seen) {
            violation("a second CQE for one request", tag, cqe->res);
        } else {
            *seen = 1;
            if (cqe->res != (kind == kNop ? 0 : 1)) violation("a wrong result", tag, cqe->res);
            if (kind == kRead) ++g_reads_done[thread];
        }
        ++g_reaped;
    }
    __atomic_store_n(g_ring.cq_head, head, __ATOMIC_RELEASE);
}

/* Reap, or wait for a CQE while one is still owed (some SQE queued and not
 * reaped: its thread enters it, or the poller takes it, or a write completes it). */
static void reap(int wait) {
    pthread_mutex_lock(&g_cq_lock);
    reap_locked();
    pthread_mutex_lock(&g_sq_lock);
    const long owed = g_queued - g_reaped;
    pthread_mutex_unlock(&g_sq_lock);
    if (wait && owed > 0) {
        const unsigned flags = IORING_ENTER_GETEVENTS | (g_ring.sqpoll ? IORING_ENTER_SQ_WAKEUP : 0);
        const long n = enter(0, 1, flags);
        if (n < 0) violation("io_uring_enter's wait failed", 0, n);
        reap_locked();
    }
    pthread_mutex_unlock(&g_cq_lock);
}

/* Queue one SQE (g_sq_lock held, room checked). */
static void queue_locked(unsigned char opcode, int fd, void* addr, unsigned long long tag) {
    const unsigned tail = *g_ring.sq_tail;
    struct io_uring_sqe* sqe = &g_ring.sqes[tail & g_ring.mask];
    memset(sqe, 0, sizeof *sqe);
    sqe->opcode = opcode;
    sqe->fd = fd;
    sqe->addr = (unsigned long)addr;
    sqe->len = addr ? 1 : 0;
    sqe->user_data = tag;
    g_ring.sq_array[tail & g_ring.mask] = tail & g_ring.mask;
    __atomic_store_n(g_ring.sq_tail, tail + 1, __ATOMIC_RELEASE);
    ++g_queued;
}

static void* submitter(void* arg) {
    const int me = (int)(long)arg;
    int nops = 0, reads = 0;
    while (nops < kRounds * kBatch || reads < kReads) {
        pthread_mutex_lock(&g_cq_lock);
        const int parked = reads - g_reads_done[me];
        pthread_mutex_unlock(&g_cq_lock);
        pthread_mutex_lock(&g_sq_lock);
        /* With SQPOLL the poller may lag: wait for room in the SQ. */
        while (kEntries - (*g_ring.sq_tail - __atomic_load_n(g_ring.sq_head, __ATOMIC_ACQUIRE)) < kBatch + 1) {
            pthread_mutex_unlock(&g_sq_lock);
            enter(0, 0, IORING_ENTER_SQ_WAKEUP);
            sched_yield();
            pthread_mutex_lock(&g_sq_lock);
        }
        unsigned n = 0;
        for (; n < kBatch && nops < kRounds * kBatch; ++n, ++nops) queue_locked(IORING_OP_NOP, -1, 0, TAG(kNop, me, nops));
        if (reads < kReads && parked < kParked) {
            queue_locked(IORING_OP_READ, g_pipes[me][0], &g_got[me][reads], TAG(kRead, me, reads));
            ++reads, ++n;
        }
        pthread_mutex_unlock(&g_sq_lock);
        if (g_ring.sqpoll) {
            __atomic_thread_fence(__ATOMIC_SEQ_CST);  /* the tail before the flag: see sqpoll.h */
            if (__atomic_load_n(g_ring.sq_flags, __ATOMIC_RELAXED) & IORING_SQ_NEED_WAKEUP)
                enter(0, 0, IORING_ENTER_SQ_WAKEUP);
        } else if (n > 0) {
            /* Any SQEs queued, not only these: another thread's enter may have taken ours. */
            const long taken = enter(kEntries, 0, 0);
            if (taken < 0) violation("io_uring_enter failed", 0, taken);
        }
        reap(n == 0);
    }
    for (;;) {
        pthread_mutex_lock(&g_cq_lock);
        const int done = g_reaped == kTotal;
        pthread_mutex_unlock(&g_cq_lock);
        if (done) return 0;
        reap(1);
    }
}

static void* writer(void* arg) {
    (void)arg;
    const struct timespec pause = {0, 200 * 1000};
    for (int i = 0; i < kReads; ++i) {
        for (int t = 0; t < kThreads; ++t) {
            const unsigned char b = byte_for(t, i);
            if (write(g_pipes[t][1], &b, 1) != 1) violation("a pipe write failed", 0, i);
        }
        if (i % 4 == 0) nanosleep(&pause, 0);  /* now and then the READs find the pipes empty and park */
    }
    return 0;
}

static int run(int sqpoll) {
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    if (sqpoll) p.flags = IORING_SETUP_SQPOLL, p.sq_thread_idle = 50;
    g_ring.fd = (int)syscall(SYS_io_uring_setup, kEntries, &p);
    if (g_ring.fd < 0) return printf("uring-shared: io_uring_setup failed\n"), 1;
    const size_t rings_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    unsigned char* rings = mmap(0, rings_size, PROT_READ | PROT_WRITE, MAP_SHARED, g_ring.fd, IORING_OFF_SQ_RING);
    g_ring.sqes = mmap(0, p.sq_entries * sizeof *g_ring.sqes, PROT_READ | PROT_WRITE, MAP_SHARED, g_ring.fd,
                       IORING_OFF_SQES);
    if (rings == MAP_FAILED || g_ring.sqes == MAP_FAILED) return printf("uring-shared: mmap failed\n"), 1;
    g_ring.sqpoll = sqpoll;
    g_ring.mask = p.sq_entries - 1;
    g_ring.cq_mask = p.cq_entries - 1;
    g_ring.sq_head = (unsigned*)(rings + p.sq_off.head);
    g_ring.sq_tail = (unsigned*)(rings + p.sq_off.tail);
    g_ring.sq_flags = (unsigned*)(rings + p.sq_off.flags);
    g_ring.sq_array = (unsigned*)(rings + p.sq_off.array);
    g_ring.cq_head = (unsigned*)(rings + p.cq_off.head);
    g_ring.cq_tail = (unsigned*)(rings + p.cq_off.tail);
    g_ring.cqes = (struct io_uring_cqe*)(rings + p.cq_off.cqes);
    for (int t = 0; t < kThreads; ++t)
        if (pipe(g_pipes[t]) != 0) return printf("uring-shared: pipe failed\n"), 1;
    memset(g_got, 0, sizeof g_got);
    memset(g_seen_nop, 0, sizeof g_seen_nop);
    memset(g_seen_read, 0, sizeof g_seen_read);
    memset(g_reads_done, 0, sizeof g_reads_done);
    g_queued = g_reaped = 0;

    pthread_t threads[kThreads + 1];
    pthread_create(&threads[kThreads], 0, writer, 0);
    for (long t = 0; t < kThreads; ++t) pthread_create(&threads[t], 0, submitter, (void*)t);
    for (int t = 0; t <= kThreads; ++t) pthread_join(threads[t], 0);

    long missing = 0, wrong_bytes = 0;
    for (int t = 0; t < kThreads; ++t) {
        int count[256] = {0};
        for (int i = 0; i < kRounds * kBatch; ++i) missing += !g_seen_nop[t][i];
        for (int i = 0; i < kReads; ++i) missing += !g_seen_read[t][i], ++count[g_got[t][i]], --count[byte_for(t, i)];
        for (int b = 0; b < 256; ++b) wrong_bytes += count[b] < 0 ? -count[b] : count[b];
    }
    if (missing) violation("requests never completed", 0, missing);
    if (wrong_bytes) violation("the READs got other bytes than were written", 0, wrong_bytes);
    printf("uring-shared: %s ring, %d threads: %d NOPs and %d READs queued, %ld CQEs, %s\n",
           sqpoll ? "an SQPOLL" : "one", kThreads, kThreads * kRounds * kBatch, kThreads * kReads, g_reaped,
           missing ? "some missing" : "one for each");
    printf("uring-shared: the %d bytes written reached the READs %s\n", kThreads * kReads,
           wrong_bytes ? "altered" : "exactly");
    for (int t = 0; t < kThreads; ++t) close(g_pipes[t][0]), close(g_pipes[t][1]);
    munmap(rings, rings_size);
    munmap(g_ring.sqes, p.sq_entries * sizeof *g_ring.sqes);
    close(g_ring.fd);
    return 0;
}

int main(void) {
    if (run(0) || run(1)) return 1;
    printf("uring-shared: %s\n", g_violations ? "FAILED" : "ok");
    return g_violations ? 1 : 0;
}
