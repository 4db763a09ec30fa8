/**
 * @file user/programs/regress-uring-setup-close.cpp
 * @brief Regression: a ring that is set up and closed, never mapped, must
 * leave nothing behind in the process.
 *
 * A program may create a ring and close it without mapping it (to see
 * whether io_uring works, say). On Linux the ring's memory belongs to the
 * ring and goes with it; nothing ever appears in the process's address
 * space. The course kernel placed it in the address space at setup and
 * freed it only at munmap or exit, so each setup/close pair leaked about
 * 400 KiB (4096 entries): setup failed with -ENOMEM after about 640 rounds,
 * each slower than the last.
 *
 * The check is cheap: the place the next mmap(NULL, 4096) lands, before and
 * after 100 rounds. Top-down placement (Linux's, and the course kernel's)
 * gives the same address twice unless something took that room meanwhile.
 */
#include "runtime/print.h"
#include "runtime/uring.h"

namespace {

/// Where mmap puts one page now (the page is unmapped again).
long next_page() {
    const long at = sys::mmap(nullptr, 4096, abi::prot::Read | abi::prot::Write,
                              abi::map::Private | abi::map::Anonymous, -1, 0);
    if (at >= 0) (void)sys::munmap(reinterpret_cast<void*>(at), 4096);
    return at;
}

}  // namespace

/// Set up and close a 4096-entry ring 100 times; exit 0 only if all worked and the address space is as before.
int main(int, char**, char**) {
    constexpr int kRounds = 100;
    const long before = next_page();
    for (int i = 0; i < kRounds; ++i) {
        iou::Params params{};
        const long fd = iou::raw::io_uring_setup(4096, &params);
        if (fd < 0) {
            print("regress-uring-setup-close: setup {} failed: {}\n", i, fd);
            print("regress-uring-setup-close: FAILED\n");
            return 1;
        }
        sys::close(static_cast<int>(fd));
    }
    print("regress-uring-setup-close: {} rings set up and closed\n", kRounds);
    const bool same = before >= 0 && next_page() == before;
    print("regress-uring-setup-close: the next mmap lands where it did before them: {}\n", same ? "yes" : "no");
    print("regress-uring-setup-close: {}\n", same ? "ok" : "FAILED");
    return same ? 0 : 1;
}
