/**
 * @file user/programs/regress-close-under-sleeper.cpp
 * @brief Regression: a thread sleeps in a call on a descriptor while
 * another thread closes it; the sleeper must finish with Linux's answer.
 *
 * A system call that sleeps holds a reference on its file (Linux's fdget),
 * so a close by another thread only removes the descriptor: the file, and
 * the pipe or ring behind it, lives until the sleeper is done. In chapter
 * 07's kernel read, write, readv, writev and io_uring_enter used the file
 * without a reference: when the other thread closed the last descriptor
 * the file was freed under the sleeper, which woke up inside freed memory
 * (or, for io_uring_enter, never woke up). Found by fuzz-syscalls
 * (chapter 07, two threads).
 *
 * Four sleepers, each cut short by a helper thread that naps 100 ms (so
 * that the main thread is asleep first, on Linux's several CPUs too), then
 * closes: a read of an empty pipe (both ends closed: end of file), a write
 * to a full pipe (both ends closed: EPIPE; SIGPIPE is blocked), an
 * io_uring_enter waiting for a READ's completion (the ring's descriptor
 * closed and its memory unmapped, then a byte written: the READ completes),
 * and an io_uring_enter whose WRITE waits for room (Linux parks the WRITE
 * instead: the same results, in another order).
 */
#include "runtime/print.h"
#include "runtime/thread.h"
#include "runtime/uring.h"

namespace {

alignas(16) uint8_t g_stack[16384];
char g_buf[65536];

/// What the helper thread does after its nap.
struct Plan {
    int close_first = -1, close_second = -1;
    iou::Ring* unmap_and_close = nullptr;  ///< a ring to unmap and close first
    int write_to = -1;                     ///< then a byte written here
    volatile int done = 0;
};
Plan g_plan;

void helper(void*) {
    const abi::TimeSpec nap{0, 100 * 1000 * 1000};
    raw_syscall(abi::Sys::Nanosleep, reinterpret_cast<long>(&nap), 0);
    if (g_plan.unmap_and_close) {
        const int fd = g_plan.unmap_and_close->fd();
        g_plan.unmap_and_close->unmap();
        sys::close(fd);
    }
    if (g_plan.close_first >= 0) sys::close(g_plan.close_first);
    if (g_plan.close_second >= 0) sys::close(g_plan.close_second);
    if (g_plan.write_to >= 0) sys::write(g_plan.write_to, "x", 1);
    g_plan.done = 1;
}

/// Start the helper with @p plan; wait for it with join().
void start(const Plan& plan) {
    g_plan.close_first = plan.close_first;
    g_plan.close_second = plan.close_second;
    g_plan.unmap_and_close = plan.unmap_and_close;
    g_plan.write_to = plan.write_to;
    g_plan.done = 0;
    const long tid = clone_thread(kThreadFlags, reinterpret_cast<uint64_t>(g_stack + sizeof g_stack), 0, 0, 0,
                                  helper, nullptr);
    if (tid < 0) print("regress-close-under-sleeper: clone failed: {}\n", tid);
}
void join() {
    while (!g_plan.done) raw_syscall(abi::Sys::SchedYield);
    raw_syscall(abi::Sys::SchedYield);  // and let it reach its exit
}

}  // namespace

int main(int, char**, char**) {
    const uint64_t sigpipe = 1ull << (13 - 1);
    raw_syscall(abi::Sys::RtSigprocmask, 0, reinterpret_cast<long>(&sigpipe), 0, 8);  // SIG_BLOCK

    int p[2];
    sys::pipe2(p, 0);
    start({p[0], p[1], nullptr, -1});
    print("regress-close-under-sleeper: read of an empty pipe whose ends another thread closed = {}\n",
          sys::read(p[0], g_buf, 8));
    join();

    sys::pipe2(p, 0);
    print("regress-close-under-sleeper: pipe filled: {}\n", sys::write(p[1], g_buf, sizeof g_buf));
    start({p[1], p[0], nullptr, -1});
    print("regress-close-under-sleeper: write to a full pipe whose ends another thread closed = {}\n",
          sys::write(p[1], g_buf, 1));
    join();

    iou::Ring ring;
    ring.init(4);
    sys::pipe2(p, 0);
    iou::Sqe* sqe = ring.get_sqe();
    iou::prep_read(sqe, p[0], g_buf, 8);
    print("regress-close-under-sleeper: READ of an empty pipe submitted: {}\n", ring.submit());
    const int ring_fd = ring.fd();
    start({-1, -1, &ring, p[1]});
    print("regress-close-under-sleeper: io_uring_enter waiting for it, ring closed and unmapped by another "
          "thread = {}\n",
          iou::raw::io_uring_enter(ring_fd, 0, 1, abi::io_uring::kEnterGetEvents));
    join();
    sys::close(p[0]);
    sys::close(p[1]);

    iou::Ring ring2;
    ring2.init(4);
    sys::pipe2(p, 0);
    sys::write(p[1], g_buf, sizeof g_buf);
    sqe = ring2.get_sqe();
    iou::prep_write(sqe, p[1], g_buf, 1);
    start({p[1], p[0], nullptr, -1});
    print("regress-close-under-sleeper: WRITE to a full pipe submitted: {}\n", ring2.submit());
    iou::Cqe* cqe = nullptr;
    const long waited = ring2.wait_cqe(&cqe);
    print("regress-close-under-sleeper: it completed with {} after another thread closed both ends\n",
          waited == 0 ? cqe->res : waited);
    join();
    ring2.exit();
    print("regress-close-under-sleeper: ok\n");
    return 0;
}
