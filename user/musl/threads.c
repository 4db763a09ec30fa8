/*
 * user/musl/threads.c - pthreads as C programs use them, with musl: create,
 * join, a mutex, a condition variable, thread ids and exit values.
 *
 * Four workers each add 1 to a shared counter 1000 times under a mutex,
 * then wait on a condition variable until the main thread releases them
 * all at once; each returns its number times 10. Every line printed is the
 * same on Linux and in the course kernel (test-threads.expect compares them).
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

enum {
    kWorkers = 4,
    kRounds = 1000
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_released = PTHREAD_COND_INITIALIZER;
static int g_counter = 0;
static int g_waiting = 0;
static int g_go = 0;
static long g_tids[kWorkers];

static void* worker(void* arg) {
    const long n = (long)arg;
    g_tids[n] = syscall(SYS_gettid);
    for (int i = 0; i < kRounds; ++i) {
        pthread_mutex_lock(&g_lock);
        ++g_counter;
        pthread_mutex_unlock(&g_lock);
        if (i % 100 == 0) sched_yield();  /* let the others interleave */
    }
    pthread_mutex_lock(&g_lock);
    ++g_waiting;
    while (!g_go) pthread_cond_wait(&g_released, &g_lock);
    pthread_mutex_unlock(&g_lock);
    return (void*)(n * 10);
}

int main(void) {
    pthread_t threads[kWorkers];
    for (long n = 0; n < kWorkers; ++n)
        if (pthread_create(&threads[n], 0, worker, (void*)n) != 0) return printf("threads: pthread_create failed\n"), 1;

    int waiting = 0;
    while (waiting < kWorkers) {  /* until every worker has counted and waits */
        pthread_mutex_lock(&g_lock);
        waiting = g_waiting;
        pthread_mutex_unlock(&g_lock);
        sched_yield();
    }
    pthread_mutex_lock(&g_lock);
    printf("threads: %d workers counted to %d under one mutex\n", kWorkers, g_counter);
    g_go = 1;
    pthread_cond_broadcast(&g_released);
    pthread_mutex_unlock(&g_lock);

    long sum = 0;
    int distinct = 1;
    for (long n = 0; n < kWorkers; ++n) {
        void* value;
        pthread_join(threads[n], &value);
        sum += (long)value;
        for (long m = 0; m < n; ++m) distinct &= g_tids[m] != g_tids[n];
        distinct &= g_tids[n] != getpid();
    }
    printf("threads: joined %d threads, their values add up to %ld\n", kWorkers, sum);
    printf("threads: every thread had its own id, none the process's: %s\n", distinct ? "yes" : "no");
    printf("threads: the main thread's id is the process id: %s\n", syscall(SYS_gettid) == getpid() ? "yes" : "no");
    return 0;
}
