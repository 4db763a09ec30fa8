/**
 * @file user/programs/fault-stack.cpp
 * @brief Recurse without end until the stack overflows into unmapped memory.
 *
 * Expected: killed by SIGSEGV, exit status 139 (128 + 11). Each call takes
 * a frame of more than 512 bytes; when the stack reaches the unmapped guard
 * below it, the next push or store is a page fault the kernel cannot fix.
 */
#include "runtime/print.h"

namespace {

/// A depth the recursion could only stop at after 2^64 calls. volatile, so
/// the compiler cannot prove the recursion endless (GCC would refuse to
/// compile it under -Werror=infinite-recursion) nor that it ends.
volatile uint64_t g_never = ~0ull;

/// One level of recursion. noinline, a frame whose address escapes, and
/// work after the recursive call: the compiler can neither inline the
/// recursion nor turn it into a loop (a tail call would reuse the frame).
[[gnu::noinline]] uint64_t recurse(uint64_t depth) {
    if (depth == g_never) return 0;
    volatile uint8_t frame[512];
    frame[0] = static_cast<uint8_t>(depth);
    asm volatile("" : : "r"(frame) : "memory");  // the frame's address escapes
    const uint64_t deeper = recurse(depth + 1);
    return deeper + frame[0];
}

}  // namespace

/// Print a line, then recurse until the stack runs into its guard; returning means it did not.
int main(int, char**, char**) {
    print("fault-stack: recursing until the stack overflows\n");
    const uint64_t result = recurse(0);
    print("fault-stack: FAILED: unbounded recursion returned {}\n", result);
    return 1;
}
