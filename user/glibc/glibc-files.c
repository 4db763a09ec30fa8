/*
 * user/glibc/glibc-files.c - user/musl/files.c built with glibc (gcc
 * -static): the same calls through the other C library, which makes them
 * differently (newfstatat for stat, openat for open, getdents64 in 32 KiB
 * reads, fstat of stdout to choose its buffering).
 */
#define PROGRAM "glibc-files"
#include "../musl/files.c"
