/*
 * user/glibc/glibc-argv.c - user/musl/argv.c built with glibc (gcc -static):
 * the same questions about argv, the environment and the auxiliary
 * vector, asked through the other C library's start-up code.
 */
#include "../musl/argv.c"
