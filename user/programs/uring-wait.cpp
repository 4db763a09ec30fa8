/**
 * @file user/programs/uring-wait.cpp
 * @brief io_uring_enter waits that can never be satisfied must fail, not hang.
 *
 * On the course kernel only one process runs, so while io_uring_enter waits
 * nobody can write into a pipe or complete anything: a wait for more CQEs
 * than are ready would last forever. The kernel answers -EDEADLK instead.
 * Two cases: nothing in flight at all, and a READ parked on an empty pipe
 * that only this (waiting) process could ever feed.
 *
 * Linux has other processes, so it simply blocks in both cases. This program
 * therefore checks first where it runs: the course kernel's uname() gives a
 * release with "-course-" in it (chapter 04's sys/info_calls.cpp); on
 * Linux it reports the checks as skipped.
 */
#include "runtime/print.h"
#include "runtime/uring.h"

namespace {
int g_failed = 0;

void check(StringView what, long got, long want) {
    print("uring-wait: {} -> {} {}\n", what, got, got == want ? "ok" : "FAILED");
    if (got != want) ++g_failed;
}
}  // namespace

/// Check that both impossible waits fail with -EDEADLK (on Linux, say so and skip them).
int main(int, char**, char**) {
    abi::UtsName name{};
    const bool named = raw_syscall(long(abi::Sys::Uname), reinterpret_cast<long>(&name)) == 0;
    bool course = false;
    for (size_t i = 0; named && name.release[i] != '\0'; ++i) course |= StringView(name.release + i).starts_with("-course-");
    if (!course) {
        print("uring-wait: running on Linux, where these waits block forever: 2 checks skipped\n");
        return 0;
    }
    iou::Ring ring;
    if (ring.init(8) < 0) {
        print("uring-wait: cannot set up a ring: FAILED\n");
        return 1;
    }
    const auto getevents = abi::io_uring::kEnterGetEvents;
    check("enter(GETEVENTS, min 1) with nothing in flight",
          iou::raw::io_uring_enter(ring.fd(), 0, 1, getevents), -abi::Errno::DeadLk);

    int fds[2];
    sys::pipe2(fds, 0);
    char buffer[8];
    iou::prep_read(ring.get_sqe(), fds[0], buffer, sizeof buffer, 0);
    check("submit a READ on an empty pipe", ring.submit(), 1);
    check("enter(GETEVENTS, min 1) with only that READ in flight",
          iou::raw::io_uring_enter(ring.fd(), 0, 1, getevents), -abi::Errno::DeadLk);
    sys::write(fds[1], "x", 1);
    check("after a write, the READ completes: CQEs ready", ring.cq_ready(), 1);
    print("uring-wait: {} failed\n", g_failed);
    return g_failed == 0 ? 0 : 1;
}
