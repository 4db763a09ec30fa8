/*
 * user/musl/time.c - nanosleep and clock_gettime: a sleep lasts at least
 * what was asked, the monotonic clock never goes back, the real-time clock
 * is a plausible date, and bad arguments get Linux's errors.
 *
 * Only facts that hold on any machine are printed, so the output is the
 * same on Linux and in the course kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>

static long ms_between(struct timespec a, struct timespec b) {
    return (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
}

int main(void) {
    struct timespec before, after, res;
    clock_gettime(CLOCK_MONOTONIC, &before);
    const struct timespec twenty = {0, 20 * 1000000};
    const int slept = nanosleep(&twenty, 0);
    clock_gettime(CLOCK_MONOTONIC, &after);
    const long ms = ms_between(before, after);
    printf("time: nanosleep(20 ms) = %d, and at least 20 ms went by: %s\n", slept, ms >= 20 ? "yes" : "no");
    printf("time: and not much more (under 1 s): %s\n", ms < 1000 ? "yes" : "no");

    int backwards = 0;
    struct timespec last = after, now;
    for (int i = 0; i < 1000; ++i) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        backwards += ms_between(last, now) < 0;
        last = now;
    }
    printf("time: 1000 readings of CLOCK_MONOTONIC, going back: %d times\n", backwards);

    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    printf("time: CLOCK_REALTIME is after 2020 and before 2100: %s\n",
           wall.tv_sec > 1577836800 && wall.tv_sec < 4102444800 ? "yes" : "no");
    printf("time: clock_getres(CLOCK_MONOTONIC) = %d, at most 1 ms: %s\n", clock_getres(CLOCK_MONOTONIC, &res),
           res.tv_sec == 0 && res.tv_nsec <= 1000000 ? "yes" : "no");

    /* Each call before its printf: the order a function's arguments are evaluated in is unspecified. */
    const struct timespec bad = {0, 1000000000};
    int r = nanosleep(&bad, 0);
    printf("time: nanosleep(1000000000 ns) = %d, errno %s\n", r, errno == EINVAL ? "EINVAL" : "other");
    const struct timespec negative = {-1, 0};
    r = nanosleep(&negative, 0);
    printf("time: nanosleep(-1 s) = %d, errno %s\n", r, errno == EINVAL ? "EINVAL" : "other");
    r = clock_gettime(99, &now);
    printf("time: clock_gettime(99) = %d, errno %s\n", r, errno == EINVAL ? "EINVAL" : "other");
    return 0;
}
