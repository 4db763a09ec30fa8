/*
 * user/musl/stdin-wait.c - a read(2) of the console with nothing typed yet
 * sleeps until input comes, and other threads run meanwhile.
 *
 * The main thread says it is waiting and reads standard input; a second
 * thread naps 1 ms at a time and counts its naps. The test types its input
 * only half a second after it sees the "waiting" line (`input-after:` and
 * `input-delay:` in the .expect). If read() slept, the napping thread ran
 * while it waited, and its count moved; a read that returned at once (0,
 * as chapters 04-06's console did) or kept the CPU in the kernel (which
 * nothing preempts) would leave the count where it was.
 *
 * Then it reads on to the end of input and prints what came. Linux (where
 * standard input is a pipe the test writes to) prints the same lines.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static volatile int g_done;
static volatile long g_naps;

static void* napper(void* arg) {
    (void)arg;
    const struct timespec ms = {0, 1000000};
    while (!g_done) {
        nanosleep(&ms, 0);
        ++g_naps;
    }
    return 0;
}

int main(void) {
    pthread_t thread;
    if (pthread_create(&thread, 0, napper, 0) != 0) return printf("stdin-wait: pthread_create failed\n"), 1;
    printf("stdin-wait: waiting for input\n");
    fflush(stdout); /* the test waits for this line before it types */

    char text[256];
    const long naps_before = g_naps;
    ssize_t n = read(0, text, sizeof text - 1);
    const long naps_during = g_naps - naps_before;
    printf("stdin-wait: the first read() returned %s; the other thread ran while it waited: %s\n",
           n > 0 ? "input" : (n == 0 ? "end of input" : "an error"), naps_during > 0 ? "yes" : "no");

    size_t total = n > 0 ? (size_t)n : 0;
    while (n > 0 && total < sizeof text - 1) {
        n = read(0, text + total, sizeof text - 1 - total);
        if (n > 0) total += (size_t)n;
    }
    text[total] = 0;
    g_done = 1;
    pthread_join(thread, 0);
    printf("stdin-wait: %zu bytes in all, then %s:\n", total, n == 0 ? "end of input" : "no end of input");
    printf("stdin-wait: %s", text);
    return n == 0 && naps_during > 0 ? 0 : 1;
}
