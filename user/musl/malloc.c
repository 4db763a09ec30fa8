/*
 * user/musl/malloc.c - the C library's allocator on this kernel: many
 * small blocks (from the heap brk() grows), large ones (each its own
 * mmap), realloc that grows and shrinks, calloc's zeroes, and free.
 *
 * Every block is filled with a pattern of its own and checked before it
 * is freed, so a page mapped twice, lost, or handed out while still in
 * use shows as a wrong checksum. Printed with the program's own name as
 * the prefix: the same source serves musl (malloc) and glibc
 * (glibc-malloc, user/glibc/glibc-malloc.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char* me = "?";

static void fill(unsigned char* p, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; ++i) p[i] = (unsigned char)(seed * 31 + i * 7);
}

static int intact(const unsigned char* p, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; ++i)
        if (p[i] != (unsigned char)(seed * 31 + i * 7)) return 0;
    return 1;
}

static const char* yes(int fact) { return fact ? "yes" : "no"; }

int main(int argc, char** argv) {
    (void)argc;
    me = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];

    enum { kSmall = 2000 };
    static unsigned char* small[kSmall];
    size_t bytes = 0;
    for (unsigned i = 0; i < kSmall; ++i) {
        const size_t n = 1 + (i * 37) % 500;
        small[i] = malloc(n);
        if (!small[i]) return printf("%s: malloc(%zu) failed\n", me, n), 1;
        fill(small[i], n, i);
        bytes += n;
    }
    int good = 1;
    for (unsigned i = 0; i < kSmall; i += 2) {  /* free every other one, then reuse the holes */
        good &= intact(small[i], 1 + (i * 37) % 500, i);
        free(small[i]);
        small[i] = malloc(64);
        fill(small[i], 64, i + kSmall);
    }
    for (unsigned i = 0; i < kSmall; ++i) {
        good &= i % 2 ? intact(small[i], 1 + (i * 37) % 500, i) : intact(small[i], 64, i + kSmall);
        free(small[i]);
    }
    printf("%s: %d small blocks (%zu bytes), half freed and reused, all intact: %s\n", me, kSmall, bytes, yes(good));

    static const size_t kLarge[] = {128 * 1024, 1 << 20, 5 << 20, 300 * 1024};
    unsigned char* large[4];
    good = 1;
    for (int i = 0; i < 4; ++i) {
        large[i] = malloc(kLarge[i]);
        if (!large[i]) return printf("%s: malloc(%zu) failed\n", me, kLarge[i]), 1;
        fill(large[i], kLarge[i], 100 + i);
    }
    for (int i = 0; i < 4; ++i) good &= intact(large[i], kLarge[i], 100 + i);
    for (int i = 0; i < 4; ++i) free(large[i]);
    printf("%s: 4 large blocks (128 KiB to 5 MiB), all intact: %s\n", me, yes(good));

    unsigned char* grown = malloc(16);
    fill(grown, 16, 7);
    good = 1;
    for (size_t n = 32; n <= (4 << 20); n *= 2) {  /* from the heap into mmap and beyond */
        grown = realloc(grown, n);
        if (!grown) return printf("%s: realloc(%zu) failed\n", me, n), 1;
        good &= intact(grown, 16, 7);
    }
    grown = realloc(grown, 8);
    good &= grown != NULL && intact(grown, 8, 7);
    free(grown);
    printf("%s: realloc from 16 bytes to 4 MiB and back to 8 keeps the data: %s\n", me, yes(good));

    unsigned char* zeroed = calloc(3 << 20, 1);
    int all_zero = zeroed != NULL;
    for (size_t i = 0; zeroed && i < (3 << 20); ++i) all_zero &= zeroed[i] == 0;
    free(zeroed);
    unsigned char* again = calloc(1000, 3);
    for (size_t i = 0; again && i < 3000; ++i) all_zero &= again[i] == 0;
    free(again);
    printf("%s: calloc gives zeroes (3 MiB, and 3000 bytes): %s\n", me, yes(all_zero));

    void* huge = malloc((size_t)1 << 46);  /* 64 TiB: more than there is */
    printf("%s: malloc(64 TiB) fails: %s\n", me, yes(huge == NULL));
    return 0;
}
