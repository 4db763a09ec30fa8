/**
 * @file common/str.cpp
 * @brief Plain byte loops for mem:: and cstr::.
 *
 * Written as simple loops on purpose: they are the reference a student can
 * check. Builds must pass -fno-tree-loop-distribute-patterns, or GCC would
 * turn mem::copy's loop back into a call to memcpy, which calls mem::copy.
 */
#include "str.h"

#include <cstdint>

namespace mem {

void* copy(void* dst, const void* src, size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    const auto* s = static_cast<const unsigned char*>(src);
    for (size_t i = 0; i < n; ++i) d[i] = s[i];
    return dst;
}

void* move(void* dst, const void* src, size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    const auto* s = static_cast<const unsigned char*>(src);
    // Copying forwards is safe unless the destination starts inside the source.
    if (reinterpret_cast<uintptr_t>(d) - reinterpret_cast<uintptr_t>(s) >= n) {
        for (size_t i = 0; i < n; ++i) d[i] = s[i];
    } else {
        for (size_t i = n; i > 0; --i) d[i - 1] = s[i - 1];
    }
    return dst;
}

void* fill(void* dst, int value, size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    for (size_t i = 0; i < n; ++i) d[i] = static_cast<unsigned char>(value);
    return dst;
}

int compare(const void* a, const void* b, size_t n) {
    const auto* x = static_cast<const unsigned char*>(a);
    const auto* y = static_cast<const unsigned char*>(b);
    for (size_t i = 0; i < n; ++i)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

}  // namespace mem

namespace cstr {

size_t length(const char* s) {
    size_t n = 0;
    while (s[n]) ++n;
    return n;
}

size_t length_bounded(const char* s, size_t max) {
    size_t n = 0;
    while (n < max && s[n]) ++n;
    return n;
}

int compare(const char* a, const char* b) {
    size_t i = 0;
    while (a[i] && a[i] == b[i]) ++i;
    const auto x = static_cast<unsigned char>(a[i]);
    const auto y = static_cast<unsigned char>(b[i]);
    return x < y ? -1 : (x > y ? 1 : 0);
}

}  // namespace cstr
