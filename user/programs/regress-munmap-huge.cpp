/**
 * @file user/programs/regress-munmap-huge.cpp
 * @brief Regression: munmap of a huge, mostly empty range must be quick.
 *
 * munmap(0x10000000, 1 << 40) is valid (the range is inside user space) and
 * Linux returns 0 at once: it walks the mappings that exist, not the pages
 * the range could hold. The course kernel's sys_munmap() visited each of the
 * 2^28 pages and took 20 to 45 seconds. Its test (test-regress-munmap-huge.expect)
 * gives the whole boot a few seconds.
 */
#include "runtime/print.h"

/// Unmap 1 TiB of mostly nothing, print the result and ok.
int main(int, char**, char**) {
    const long r = sys::munmap(reinterpret_cast<void*>(0x10000000), 1ull << 40);
    print("regress-munmap-huge: munmap(0x10000000, 1<<40) = {}\n", r);
    print("regress-munmap-huge: ok\n");
    return 0;
}
