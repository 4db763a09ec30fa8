/**
 * @file user/programs/regress-uring-setup-close.cpp
 * @brief Regression: io_uring_setup followed by close, 1000 times, must not
 * use up memory.
 *
 * A program may create a ring and close it without ever mapping it (to see
 * whether io_uring works, say). On Linux the ring's memory belongs to the
 * ring and goes with it. The course kernel placed it in the process's
 * address space at setup and freed it only at munmap or exit, so each
 * setup/close pair leaked about 400 KiB (4096 entries): setup failed with
 * -ENOMEM after about 640 rounds, and each round searched past all the
 * leaked pages, so the rounds got slower as they went.
 */
#include "runtime/print.h"
#include "runtime/uring.h"

/// Set up and close a 4096-entry ring 1000 times; exit 0 only if every setup worked.
int main(int, char**, char**) {
    constexpr int kRounds = 1000;
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
    print("regress-uring-setup-close: ok\n");
    return 0;
}
