/*
 * user/musl/stress.c - many threads at once: syscalls, pipe traffic and
 * io_uring, with every byte and every completion accounted for.
 *
 * Pairs of threads pass a counted stream through a pipe (a writer and a
 * reader each, in uneven pieces); other threads submit NOPs to rings of
 * their own and reap exactly one CQE per accepted SQE; others call getpid
 * and sched_yield in a loop. The main thread joins them all and checks the
 * totals. It prints only totals that must hold, so its output is the same
 * on Linux and in the course kernel.
 */
#include <linux/io_uring.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

enum {
    kPairs = 3,
    kBytes = 200000,
    kRingThreads = 2,
    kNops = 2000,
    kSyscallThreads = 2,
    kCalls = 20000
};

struct pair {
    int fds[2];
    long received;
    long wrong;
};

static struct pair g_pairs[kPairs];
static long g_cqes[kRingThreads];
static long g_calls[kSyscallThreads];

static void* pipe_writer(void* arg) {
    struct pair* p = arg;
    unsigned char chunk[777];
    for (long sent = 0; sent < kBytes;) {
        long n = kBytes - sent < (long)sizeof chunk ? kBytes - sent : (long)sizeof chunk;
        for (long i = 0; i < n; ++i) chunk[i] = (unsigned char)(sent + i);
        const long w = write(p->fds[1], chunk, n);
        if (w <= 0) break;
        sent += w;
    }
    close(p->fds[1]);
    return 0;
}

static void* pipe_reader(void* arg) {
    struct pair* p = arg;
    unsigned char buffer[1000];
    for (long n; (n = read(p->fds[0], buffer, sizeof buffer)) > 0;) {
        for (long i = 0; i < n; ++i) p->wrong += buffer[i] != (unsigned char)(p->received + i);
        p->received += n;
    }
    return 0;
}

static void* ring_user(void* arg) {
    long* reaped = arg;
    struct io_uring_params params;
    memset(&params, 0, sizeof params);
    const int ring = (int)syscall(SYS_io_uring_setup, 8, &params);
    if (ring < 0) return 0;
    unsigned char* rings = mmap(0, params.cq_off.cqes + params.cq_entries * sizeof(struct io_uring_cqe),
                                PROT_READ | PROT_WRITE, MAP_SHARED, ring, IORING_OFF_SQ_RING);
    struct io_uring_sqe* sqes = mmap(0, params.sq_entries * sizeof *sqes, PROT_READ | PROT_WRITE, MAP_SHARED, ring,
                                     IORING_OFF_SQES);
    unsigned* sq_tail = (unsigned*)(rings + params.sq_off.tail);
    unsigned* sq_array = (unsigned*)(rings + params.sq_off.array);
    unsigned* cq_head = (unsigned*)(rings + params.cq_off.head);
    unsigned* cq_tail = (unsigned*)(rings + params.cq_off.tail);
    long submitted = 0;
    while (submitted < kNops) {
        const unsigned batch = 4;
        for (unsigned i = 0; i < batch; ++i) {
            const unsigned slot = (*sq_tail + i) & (params.sq_entries - 1);
            memset(&sqes[slot], 0, sizeof sqes[slot]);
            sqes[slot].opcode = IORING_OP_NOP;
            sqes[slot].user_data = (unsigned long long)(submitted + i);
            sq_array[slot] = slot;
        }
        __atomic_store_n(sq_tail, *sq_tail + batch, __ATOMIC_RELEASE);
        const long n = syscall(SYS_io_uring_enter, ring, batch, batch, IORING_ENTER_GETEVENTS, 0, 0);
        if (n != batch) break;
        submitted += n;
        for (unsigned tail = __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE); *cq_head != tail;) {
            ++*reaped;
            __atomic_store_n(cq_head, *cq_head + 1, __ATOMIC_RELEASE);
        }
    }
    close(ring);
    return 0;
}

static void* syscaller(void* arg) {
    long* calls = arg;
    for (int i = 0; i < kCalls; ++i) {
        getpid();
        if (i % 64 == 0) sched_yield();
        ++*calls;
    }
    return 0;
}

int main(void) {
    pthread_t threads[2 * kPairs + kRingThreads + kSyscallThreads];
    int n = 0;
    for (int i = 0; i < kPairs; ++i) {
        if (pipe(g_pairs[i].fds) != 0) return printf("stress: pipe failed\n"), 1;
        pthread_create(&threads[n++], 0, pipe_writer, &g_pairs[i]);
        pthread_create(&threads[n++], 0, pipe_reader, &g_pairs[i]);
    }
    for (int i = 0; i < kRingThreads; ++i) pthread_create(&threads[n++], 0, ring_user, &g_cqes[i]);
    for (int i = 0; i < kSyscallThreads; ++i) pthread_create(&threads[n++], 0, syscaller, &g_calls[i]);
    for (int i = 0; i < n; ++i) pthread_join(threads[i], 0);

    long bytes = 0, wrong = 0, cqes = 0, calls = 0;
    for (int i = 0; i < kPairs; ++i) bytes += g_pairs[i].received, wrong += g_pairs[i].wrong;
    for (int i = 0; i < kRingThreads; ++i) cqes += g_cqes[i];
    for (int i = 0; i < kSyscallThreads; ++i) calls += g_calls[i];
    printf("stress: %d threads joined\n", n);
    printf("stress: pipes: %ld of %d bytes arrived, %ld wrong\n", bytes, kPairs * kBytes, wrong);
    printf("stress: io_uring: %ld CQEs for %d NOPs\n", cqes, kRingThreads * kNops);
    printf("stress: syscalls: %ld of %d\n", calls, kSyscallThreads * kCalls);
    return bytes == kPairs * kBytes && wrong == 0 && cqes == kRingThreads * kNops && calls == kSyscallThreads * kCalls ? 0 : 1;
}
