/*
 * user/musl/pipe-threads.c - a pipe between two threads, with Linux's
 * blocking rules: the reader sleeps until data comes, the writer sleeps
 * while the pipe is full (64 KiB), and the reader sees end of file (0) once
 * the writer has closed its end.
 *
 * The writer sends 1 MiB in chunks of odd sizes; the reader checks every
 * byte of a known pattern. Same output on Linux and in the course kernel.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

enum { kTotal = 1 << 20 };

static int g_fds[2];

static unsigned char pattern(long i) { return (unsigned char)(i * 7 + (i >> 8)); }

static void* writer(void* arg) {
    (void)arg;
    unsigned char chunk[3001];
    long sent = 0;
    while (sent < kTotal) {
        long n = kTotal - sent < (long)sizeof chunk ? kTotal - sent : (long)sizeof chunk;
        for (long i = 0; i < n; ++i) chunk[i] = pattern(sent + i);
        const long w = write(g_fds[1], chunk, n);  /* sleeps while the pipe is full */
        if (w <= 0) return (void*)1;
        sent += w;
    }
    close(g_fds[1]);
    return 0;
}

int main(void) {
    if (pipe(g_fds) != 0) return printf("pipe-threads: pipe failed\n"), 1;
    pthread_t t;
    pthread_create(&t, 0, writer, 0);
    unsigned char buffer[4096];
    long got = 0, wrong = 0, reads = 0;
    for (;;) {
        const long n = read(g_fds[0], buffer, sizeof buffer);  /* sleeps while the pipe is empty */
        if (n == 0) break;  /* the writer closed its end: end of file */
        if (n < 0) return printf("pipe-threads: read failed\n"), 1;
        for (long i = 0; i < n; ++i) wrong += buffer[i] != pattern(got + i);
        got += n;
        ++reads;
    }
    void* result;
    pthread_join(t, &result);
    printf("pipe-threads: %ld bytes through the pipe, %ld wrong, writer %s\n", got, wrong, result ? "failed" : "ok");
    printf("pipe-threads: end of file after the writer closed: yes\n");
    close(g_fds[0]);
    return got == kTotal && wrong == 0 && !result ? 0 : 1;
}
