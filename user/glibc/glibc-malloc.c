/*
 * user/glibc/glibc-malloc.c - user/musl/malloc.c built with glibc (gcc
 * -static): the same blocks through glibc's allocator, which grows its
 * heap with brk and maps large blocks with mmap, as musl's does, but
 * with other sizes, thresholds and calls.
 */
#include "../musl/malloc.c"
