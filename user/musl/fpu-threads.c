/*
 * user/musl/fpu-threads.c - each thread has x87 and SSE registers of its
 * own: three threads compute with doubles for long enough to be preempted
 * many times, each under a rounding mode of its own (MXCSR), and each
 * checks that its sums are the ones it gets alone. A kernel that left the
 * registers to whichever thread ran last would mix their values and modes.
 */
#include <fenv.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

enum { kRounds = 60 };

static const int kModes[3] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD};
static const char* const kNames[3] = {"to nearest", "upward", "downward"};

/* Sums that depend on the rounding mode and keep values in SSE registers. */
static double work(int seed) {
    volatile double start = 1.0 / (3.0 + seed);
    double x = start, sum = 0.0;
    for (int i = 0; i < 20000; ++i) {
        x = x * 1.0000001 + 1.0 / (7.0 + i % 13);
        sum += x / 3.0;
    }
    return sum;
}

struct job {
    int index;
    double expected;
    int mismatches;
};

static void* run(void* arg) {
    struct job* j = arg;
    fesetround(kModes[j->index]);
    for (int r = 0; r < kRounds; ++r) {
        const double got = work(j->index);
        j->mismatches += memcmp(&got, &j->expected, sizeof got) != 0;
        if (fegetround() != kModes[j->index]) ++j->mismatches;
    }
    return NULL;
}

int main(void) {
    struct job jobs[3];
    for (int i = 0; i < 3; ++i) {  /* each answer alone first, in its own mode */
        fesetround(kModes[i]);
        jobs[i] = (struct job){i, work(i), 0};
    }
    fesetround(FE_TONEAREST);
    printf("fpu-threads: the three modes give three different sums: %s\n",
           jobs[0].expected != jobs[1].expected && jobs[1].expected != jobs[2].expected ? "yes" : "no");
    pthread_t t[3];
    for (int i = 0; i < 3; ++i) pthread_create(&t[i], NULL, run, &jobs[i]);
    for (int i = 0; i < 3; ++i) pthread_join(t[i], NULL);
    for (int i = 0; i < 3; ++i)
        printf("fpu-threads: rounding %s: %d rounds, %d wrong\n", kNames[i], kRounds, jobs[i].mismatches);
    printf("fpu-threads: the main thread's mode is still to nearest: %s\n", fegetround() == FE_TONEAREST ? "yes" : "no");
    return 0;
}
