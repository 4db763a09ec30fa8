/**
 * @file user/programs/regress-oom-pipe2.cpp
 * @brief Regression: when memory has run out, pipe2 and io_uring_setup must
 * fail (or succeed), not bring the kernel down.
 *
 * The program maps anonymous memory until mmap fails (at most 400 MiB, in
 * pieces from 128 MiB down to one page), then asks for a pipe and a ring. The course kernel maps memory when asked, so its frames run out; the
 * kernel heap then cannot grow for the new pipe, and `new` panicked ("kernel
 * heap exhausted"). Linux allocates lazily and never runs out here. What the
 * two calls return is not printed (an -ENOMEM is a fine answer), only that
 * they returned.
 */
#include "runtime/print.h"
#include "runtime/uring.h"

/// Map memory until mmap fails, then ask for a pipe and a ring, print ok.
int main(int, char**, char**) {
    const int rw = abi::prot::Read | abi::prot::Write, anon = abi::map::Private | abi::map::Anonymous;
    constexpr uint64_t kLimit = 400ull << 20;
    // Largest pieces first: few calls, so the time goes into the memory itself.
    uint64_t total = 0;
    for (uint64_t size = 1ull << 27; size >= 4096; size /= 2)
        while (total + size <= kLimit && sys::mmap(nullptr, size, rw, anon, -1, 0) >= 0) total += size;
    print("regress-oom-pipe2: memory mapped until mmap failed (or 400 MiB)\n");
    int fds[2] = {-1, -1};
    if (sys::pipe2(fds, 0) == 0) sys::close(fds[0]), sys::close(fds[1]);
    print("regress-oom-pipe2: pipe2 returned\n");
    iou::Params params{};
    const long ring = iou::raw::io_uring_setup(4, &params);
    if (ring >= 0) sys::close(static_cast<int>(ring));
    print("regress-oom-pipe2: io_uring_setup returned\n");
    print("regress-oom-pipe2: ok\n");
    return 0;
}
