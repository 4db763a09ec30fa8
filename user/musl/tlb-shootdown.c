/*
 * user/musl/tlb-shootdown.c - when one thread replaces a page, a thread
 * reading it on another CPU sees the new page: that CPU's TLB was told.
 *
 * A reader thread reads one word of a page as fast as it can; the main
 * thread, on the other CPU, replaces the page with a fresh one (mmap
 * MAP_FIXED) and waits for the reader to see the new page's 0. The page
 * is an io_uring ring, memory the ring keeps, so the old page stays as it
 * was (a word that reads 8) whether or not it is still reachable: a kernel
 * that changed the page tables without shooting down the reader CPU's TLB
 * entry would leave the reader reading 8 for ever, and the program says
 * "no" after two seconds. Every line printed is the same on Linux and in
 * the course kernel.
 */
#include <linux/io_uring.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned* g_watched;  /* the ring's sq_ring_entries: 8 */
static volatile unsigned g_seen = 1;  /* what the reader last read there */
static volatile int g_reading;        /* the reader has started */

static void* reader(void* arg) {
    (void)arg;
    g_reading = 1;
    while ((g_seen = *g_watched) != 0) {}
    return 0;
}

static long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int main(void) {
    struct io_uring_params params;
    memset(&params, 0, sizeof params);
    const int ring = (int)syscall(SYS_io_uring_setup, 8, &params);
    if (ring < 0) return printf("tlb-shootdown: io_uring_setup failed\n"), 1;
    unsigned char* rings = mmap(0, params.sq_off.array + params.sq_entries * sizeof(unsigned), PROT_READ | PROT_WRITE,
                                MAP_SHARED, ring, IORING_OFF_SQ_RING);
    if (rings == MAP_FAILED) return printf("tlb-shootdown: mmap failed\n"), 1;
    g_watched = (volatile unsigned*)(rings + params.sq_off.ring_entries);
    printf("tlb-shootdown: the reader reads the ring's sq_ring_entries: %u\n", *g_watched);

    pthread_t thread;
    pthread_create(&thread, 0, reader, 0);
    while (!g_reading || g_seen != 8) {}  /* it runs, on another CPU (both threads spin) */
    unsigned char* page = rings + (params.sq_off.ring_entries & ~4095u);
    if (mmap(page, 4096, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != page)
        return printf("tlb-shootdown: mmap MAP_FIXED failed\n"), 1;
    const long start = now_ms();
    while (g_seen != 0 && now_ms() - start < 2000) {}
    printf("tlb-shootdown: after mmap(MAP_FIXED) put a new page there, the reader saw its 0: %s\n",
           g_seen == 0 ? "yes" : "no");
    if (g_seen != 0) return 1;
    pthread_join(thread, 0);
    close(ring);
    return 0;
}
