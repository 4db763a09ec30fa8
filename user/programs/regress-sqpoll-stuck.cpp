/**
 * @file user/programs/regress-sqpoll-stuck.cpp
 * @brief Regression: three ways an SQPOLL ring could leave a program
 * waiting forever where Linux answers at once.
 *
 * 1. IORING_ENTER_SQ_WAIT with garbage in the shared SQ head, the poller
 *    asleep: the kernel counted queued SQEs from that shared head, which
 *    only the kernel should write, saw a full SQ and waited for a poller
 *    that never came. The kernel now counts from its own head, as Linux.
 * 2. close of the ring while its poller sleeps inside a WRITE to a full
 *    pipe: stopping the poller waited for that write, which nobody would
 *    ever let finish. The poller's wait now ends (EINTR), as at exit.
 * 3. IORING_ENTER_SQ_WAIT (with SQ_WAKEUP) with the SQ full and no room
 *    left for completions: the poller can take nothing until the program
 *    reaps, so the wait would never end. Linux takes the SQEs anyway (its
 *    overflow list has no limit) and returns 0; here the wait answers
 *    EBUSY, what a submission answers (see the chapter's differences).
 *
 * Found by fuzz-uring's SQPOLL episodes (chapter 08). The same lines print
 * on Linux, where nothing ever waited.
 */
#include "runtime/print.h"
#include "runtime/uring.h"

namespace {

namespace ring_abi = abi::io_uring;
char g_buf[65536];

void nap_ms(long ms) {
    const abi::TimeSpec t{0, ms * 1000 * 1000};
    raw_syscall(abi::Sys::Nanosleep, reinterpret_cast<long>(&t), 0);
}

long sqpoll_ring(iou::Ring& ring) {
    iou::Params p{};
    p.flags = ring_abi::kSetupSqPoll;
    p.sq_thread_idle = 50;
    return ring.init(4, p);
}

}  // namespace

int main(int, char**, char**) {
    const uint64_t sigpipe = 1ull << (13 - 1);
    raw_syscall(abi::Sys::RtSigprocmask, 0, reinterpret_cast<long>(&sigpipe), 0, 8);  // SIG_BLOCK

    iou::Ring one;
    if (sqpoll_ring(one) != 0) return 1;
    nap_ms(200);  // four times sq_thread_idle: the poller sleeps
    print("regress-sqpoll-stuck: 1. the poller sleeps: {}\n",
          (iou::load_acquire(one.sq_flags()) & ring_abi::kSqNeedWakeup) ? "yes" : "no");
    *one.sq_head() -= 100;  // as if 100 SQEs were queued
    print("regress-sqpoll-stuck: 1. SQ_WAIT with garbage in the shared SQ head = {}\n",
          iou::raw::io_uring_enter(one.fd(), 0, 0, ring_abi::kEnterSqWait));
    one.exit();

    iou::Ring two;
    if (sqpoll_ring(two) != 0) return 1;
    int p[2];
    sys::pipe2(p, 0);
    print("regress-sqpoll-stuck: 2. pipe filled: {}\n", sys::write(p[1], g_buf, sizeof g_buf));
    iou::prep_write(two.get_sqe(), p[1], g_buf, 1);
    print("regress-sqpoll-stuck: 2. WRITE to the full pipe queued: {}\n", two.submit());
    nap_ms(100);  // the poller takes it, and (here) sleeps in the pipe
    const int fd = two.fd();
    two.unmap();
    print("regress-sqpoll-stuck: 2. close of the ring = {}\n", sys::close(fd));
    sys::close(p[0]);
    sys::close(p[1]);

    iou::Ring three;
    if (sqpoll_ring(three) != 0) return 1;
    for (int round = 0; round < 40; ++round) {  // 8 CQEs, a backlog, then the SQ: everything full
        while (iou::Sqe* sqe = three.get_sqe()) iou::prep_nop(sqe);
        three.submit();
        nap_ms(1);
    }
    const long r = iou::raw::io_uring_enter(three.fd(), 0, 0, ring_abi::kEnterSqWait | ring_abi::kEnterSqWakeup);
    print("regress-sqpoll-stuck: 3. SQ_WAIT with no room for completions returned (0 or EBUSY): {}\n",
          r == 0 || r == -abi::Errno::Busy ? "yes" : "no");
    three.exit();
    print("regress-sqpoll-stuck: ok\n");
    return 0;
}
