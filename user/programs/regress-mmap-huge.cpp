/**
 * @file user/programs/regress-mmap-huge.cpp
 * @brief Regression: an mmap of 1 TiB must answer quickly, whatever it answers.
 *
 * mmap(NULL, 1 << 40, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)
 * succeeds at once on Linux, which allocates nothing until a page is
 * touched. The course kernel maps every page when asked; it searched the
 * address space page by page and then allocated frames until they ran out,
 * about 25 seconds before its -ENOMEM. A kernel without lazy allocation may
 * refuse the call, so only the fact that it returned is printed; its test
 * (test-regress-mmap-huge.expect) gives the whole boot a few seconds.
 */
#include "runtime/print.h"

/// Ask for 1 TiB of PROT_NONE memory, print that it returned, and ok.
int main(int, char**, char**) {
    constexpr size_t kLength = 1ull << 40;
    const long r = sys::mmap(nullptr, kLength, abi::prot::None,
                             abi::map::Private | abi::map::Anonymous | 0x4000 /* MAP_NORESERVE */, -1, 0);
    print("regress-mmap-huge: mmap(NULL, 1<<40, NONE, PRIVATE|ANON|NORESERVE, -1, 0) returned\n");
    if (r >= 0) (void)sys::munmap(reinterpret_cast<void*>(r), kLength);
    print("regress-mmap-huge: ok\n");
    return 0;
}
