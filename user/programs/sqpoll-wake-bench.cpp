/**
 * @file user/programs/sqpoll-wake-bench.cpp
 * @brief How an SQPOLL poller falls asleep and wakes up: the idle time it
 *        waits before NEED_WAKEUP, and what a wake-up costs.
 *
 * The ring's sq_thread_idle is 10 ms. Rows (runtime/bench.h: median of
 * several repetitions, with the spread; 4 operations a repetition):
 *   - "asleep after 10 ms": from the moment the program has the CQE of the
 *     poller's last work until it sees NEED_WAKEUP. The program gives the
 *     CPU away (sched_yield) between looks, so the poller runs and keeps
 *     its own time: the figure is the idle time as the kernel's timer
 *     measures it, in its steps (this kernel: 1 ms ticks; Linux: jiffies).
 *     calls/op counts those sched_yields.
 *   - "wake-up": a NOP queued while the poller sleeps, handed over with
 *     io_uring_enter(1, 1, IORING_ENTER_SQ_WAKEUP | GETEVENTS), as
 *     liburing's io_uring_submit_and_wait does when the flag is set: from
 *     the tail store to the return with its CQE.
 * Under QEMU with -icount, a tick is an instruction and 10 ms are 10^7 ticks.
 *
 * Usage: sqpoll-wake-bench (no arguments).
 */
#include "runtime/bench.h"
#include "runtime/print.h"
#include "runtime/uring.h"

namespace {

using abi::io_uring::kEnterGetEvents;
using abi::io_uring::kEnterSqWakeup;
using abi::io_uring::kSqNeedWakeup;
using bench::Run;

constexpr StringView kName = "sqpoll-wake-bench";
constexpr uint32_t kIdleMs = 10;
constexpr uint64_t kOps = 4;
constexpr uint64_t kLimit = 1000000;  // sched_yields before a look is given up: the poller never slept

bool asleep(iou::Ring& ring) { return __atomic_load_n(ring.sq_flags(), __ATOMIC_ACQUIRE) & kSqNeedWakeup; }

/// Give the CPU away until the poller sleeps; how many sched_yields that
/// took, or kLimit if it never did.
uint64_t yield_until_asleep(iou::Ring& ring) {
    uint64_t yields = 0;
    for (; !asleep(ring) && yields < kLimit; ++yields) raw_syscall(abi::Sys::SchedYield);
    return yields;
}

/// One NOP through a sleeping poller: tail, NEED_WAKEUP, io_uring_enter(SQ_WAKEUP | GETEVENTS).
bool wake_with_nop(iou::Ring& ring) {
    iou::prep_nop(ring.get_sqe());
    ring.flush_sq();
    __atomic_thread_fence(__ATOMIC_SEQ_CST);  // the tail before the flag: see runtime/uring.h
    const uint32_t wake = asleep(ring) ? kEnterSqWakeup : 0;
    const long r = iou::raw::io_uring_enter(ring.fd(), 1, 1, wake | kEnterGetEvents);
    if (r < 0 || ring.cq_ready() < 1) return false;
    ring.cq_advance(1);
    return true;
}

/// @p n times: wake the poller with a NOP, then time its fall asleep.
Run idle(iou::Ring& ring, uint64_t n) {
    Run run;
    for (; run.ops < n; ++run.ops) {
        if (yield_until_asleep(ring) == kLimit || !wake_with_nop(ring)) {
            run.failed = "the poller did not sleep, or did not wake";
            return run;
        }
        const uint64_t start = bench::rdtsc();
        const uint64_t yields = yield_until_asleep(ring);
        run.ticks += bench::rdtsc() - start;
        run.syscalls += yields;
        if (yields == kLimit) {
            run.failed = "the poller did not sleep";
            return run;
        }
    }
    return run;
}

/// @p n wake-ups, each of a poller that has gone to sleep.
Run wakeups(iou::Ring& ring, uint64_t n) {
    Run run;
    for (; run.ops < n; ++run.ops) {
        if (yield_until_asleep(ring) == kLimit) {
            run.failed = "the poller did not sleep";
            return run;
        }
        const uint64_t start = bench::rdtsc();
        const bool ok = wake_with_nop(ring);
        run.ticks += bench::rdtsc() - start;
        ++run.syscalls;
        if (!ok) {
            run.failed = "io_uring_enter failed, or returned without the CQE";
            return run;
        }
    }
    return run;
}

}  // namespace

/// One SQPOLL ring with a 10 ms idle time; each row.
int main(int, char**, char**) {
    iou::Ring ring;
    iou::Params params{};
    params.flags = abi::io_uring::kSetupSqPoll;
    params.sq_thread_idle = kIdleMs;
    if (const long r = ring.init(8, params); r < 0) return print("{}: io_uring_setup(SQPOLL) failed: {}\n", kName, r), 1;
    bench::print_header(kName, kOps);
    bool ok = bench::row(kName, "asleep after 10 ms", kOps, [&](uint64_t ops) { return idle(ring, ops); });
    ok &= bench::row(kName, "wake-up", kOps, [&](uint64_t ops) { return wakeups(ring, ops); });
    ring.exit();
    return ok ? 0 : 1;
}
