/*
 * user/musl/stdin-count.c - a cat that counts: read standard input to its
 * end with read(2), and say how much arrived.
 *
 * It announces itself ("ready"), then naps half a second before its first
 * read. The tests type their input once they see the announcement
 * (`input-after:` in the .expect), so the bytes arrive while nobody
 * reads: the kernel must keep them (and the 9984 bytes of
 * test-stdin-flood.expect have the time to fill its 4 KiB ring). Chapters 04-06's console returned
 * what the UART's 16-byte FIFO held at the moment of the read, and 0 -
 * end of input - whenever it was empty (their console gets 0 of the
 * 9984 bytes of test-stdin-flood.expect); chapter 07's keeps everything.
 *
 * What it prints - the bytes and lines received, an FNV-1a checksum of
 * them, the first and the last line - is the same on Linux (standard input
 * a pipe, closed after the input) and in the course kernel (the console,
 * where a Ctrl-D ends the input).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    printf("stdin-count: ready\n");
    fflush(stdout); /* stdout is not a terminal: without this the line would wait in musl's buffer */
    const struct timespec nap = {0, 500 * 1000000};
    nanosleep(&nap, 0);

    unsigned long bytes = 0, lines = 0;
    unsigned hash = 2166136261u; /* FNV-1a, 32 bits */
    char first[64] = "", last[64] = "", line[64] = "";
    size_t used = 0;
    char buffer[1000];
    for (;;) {
        const ssize_t n = read(0, buffer, sizeof buffer);
        if (n < 0) {
            printf("stdin-count: read failed: %s\n", strerror(errno));
            return 1;
        }
        if (n == 0) break; /* end of input */
        for (ssize_t i = 0; i < n; ++i) {
            const char c = buffer[i];
            hash = (hash ^ (unsigned char)c) * 16777619u;
            ++bytes;
            if (c != '\n') {
                if (used + 1 < sizeof line) line[used++] = c;
                continue;
            }
            line[used] = 0;
            if (lines++ == 0) strcpy(first, line);
            strcpy(last, line);
            used = 0;
        }
    }
    printf("stdin-count: %lu bytes in %lu lines, FNV-1a %#010x\n", bytes, lines, hash);
    printf("stdin-count: first line \"%s\", last line \"%s\"\n", first, last);
    return 0;
}
