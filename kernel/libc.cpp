/**
 * @file kernel/libc.cpp
 * @brief The four C functions GCC may call on its own (struct copies,
 * zero-initialisation), forwarding to common/str.h.
 */
#include <cstddef>

#include "common/str.h"

extern "C" {
/// C's memcpy: mem::copy().
void* memcpy(void* dst, const void* src, size_t n) { return mem::copy(dst, src, n); }
/// C's memmove: mem::move().
void* memmove(void* dst, const void* src, size_t n) { return mem::move(dst, src, n); }
/// C's memset: mem::fill().
void* memset(void* dst, int value, size_t n) { return mem::fill(dst, value, n); }
/// C's memcmp: mem::compare().
int memcmp(const void* a, const void* b, size_t n) { return mem::compare(a, b, n); }
}
