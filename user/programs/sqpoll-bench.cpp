/**
 * @file user/programs/sqpoll-bench.cpp
 * @brief What SQPOLL costs and saves on one CPU: NOPs handed to a ring's
 *        kernel thread, beside the same NOPs submitted with io_uring_enter.
 *
 * Rows (runtime/bench.h: median of several repetitions, with the spread):
 *   - "enter batch 32": 32 NOPs, one io_uring_enter that submits and waits
 *     for them (uring-bench's row, the baseline);
 *   - "sqpoll wait 32": 32 NOPs queued by storing the SQ tail; the program
 *     then waits for their CQEs with io_uring_enter(GETEVENTS), which does
 *     not submit: the poller does, while the program sleeps;
 *   - "sqpoll spin B" (B = 32, 256): the same, but the program waits by
 *     reading the CQ tail: no system call at all. On one CPU the poller
 *     then runs only when the program's time slice ends.
 * After each SQPOLL row, the same repetitions split between the program's
 * own thread ("... program") and the rest of the process, the poller
 * ("... poller"): each repetition's ticks are shared out in the ratio of
 * CLOCK_THREAD_CPUTIME_ID to CLOCK_PROCESS_CPUTIME_ID over it, which Linux
 * and this kernel both keep per thread. The clocks are read outside the
 * loop: calls/op counts only the loop's own system calls (an
 * io_uring_enter that wakes a sleeping poller included).
 *
 * Under QEMU with -icount ticks are instructions (make bench: this kernel
 * beside Linux, each on one CPU).
 *
 * Usage: sqpoll-bench [n=COUNT] (operations per repetition, default 256,
 * rounded up to a multiple of 256).
 */
#include "runtime/bench.h"
#include "runtime/print.h"
#include "runtime/uring.h"

namespace {

using abi::io_uring::kEnterGetEvents;
using abi::io_uring::kEnterSqWakeup;
using bench::Run;

constexpr StringView kName = "sqpoll-bench";
constexpr uint32_t kMaxBatch = 256;

/// How a row waits for its CQEs.
enum class Wait {
    Enter,
    Spin
};

/// Nanoseconds of CPU time of @p clock (abi::Clock::ThreadCputime or ProcessCputime).
uint64_t cpu_ns(abi::Clock clock) {
    abi::TimeSpec t{};
    raw_syscall(abi::Sys::ClockGettime, static_cast<long>(clock), reinterpret_cast<long>(&t));
    return static_cast<uint64_t>(t.sec) * 1000000000 + static_cast<uint64_t>(t.nsec);
}

/// @p n NOPs through @p ring, @p batch at a time. A plain ring submits
/// with io_uring_enter and waits in it; an SQPOLL ring is told by the tail
/// alone (io_uring_enter only to wake a sleeping poller), then waits in
/// io_uring_enter(GETEVENTS) or spins on the CQ tail.
Run nops(iou::Ring& ring, uint64_t n, uint32_t batch, Wait wait) {
    Run run;
    const bool sqpoll = ring.params().flags & abi::io_uring::kSetupSqPoll;
    const uint64_t thread0 = cpu_ns(abi::Clock::ThreadCputime), process0 = cpu_ns(abi::Clock::ProcessCputime);
    const uint64_t start = bench::rdtsc();
    while (run.ops < n) {
        // Linux may post the CQEs a moment before it moves the SQ head: the
        // slots of the last batch are free only then.
        while (ring.sq_space_left() < batch) {
        }
        for (uint32_t i = 0; i < batch; ++i) iou::prep_nop(ring.get_sqe());
        ring.flush_sq();
        uint32_t flags = wait == Wait::Enter ? kEnterGetEvents : 0;
        if (sqpoll) {
            // The program's half of the wake-up: the tail is stored; a full
            // barrier, then NEED_WAKEUP (runtime/uring.h does the same).
            __atomic_thread_fence(__ATOMIC_SEQ_CST);
            if (__atomic_load_n(ring.sq_flags(), __ATOMIC_RELAXED) & abi::io_uring::kSqNeedWakeup)
                flags |= kEnterSqWakeup;
        }
        if (flags) {
            const long r = iou::raw::io_uring_enter(ring.fd(), sqpoll ? 0 : batch, wait == Wait::Enter ? batch : 0,
                                                    flags);
            ++run.syscalls;
            if (r < 0) {
                run.failed = "io_uring_enter failed";
                return run;
            }
        }
        while (ring.cq_ready() < batch) {
            if (wait == Wait::Enter) {
                run.failed = "the CQEs were not there when io_uring_enter returned";
                return run;
            }
        }
        ring.cq_advance(batch);
        run.ops += batch;
    }
    run.ticks = bench::rdtsc() - start;
    const uint64_t thread = cpu_ns(abi::Clock::ThreadCputime) - thread0;
    const uint64_t process = cpu_ns(abi::Clock::ProcessCputime) - process0;
    // The thread's share in parts per million (no 128-bit product needed);
    // the two clocks are read a moment apart, so it may seem over a whole.
    uint64_t ppm = process ? thread * 1000000 / process : 1000000;
    if (ppm > 1000000) ppm = 1000000;
    run.own_ticks = run.ticks / 1000000 * ppm + run.ticks % 1000000 * ppm / 1000000;
    return run;
}

/// An SQPOLL row, then its split: the program's thread, and the poller.
bool split_rows(iou::Ring& ring, StringView name, StringView program, StringView poller, uint64_t n, uint32_t batch,
                Wait wait) {
    Run runs[bench::kRepetitions];
    const auto measure = [&](uint64_t ops) { return nops(ring, ops, batch, wait); };
    if (!bench::repeat(kName, name, n, measure, runs))
        return false;
    Run own[bench::kRepetitions], rest[bench::kRepetitions];
    for (int i = 0; i < bench::kRepetitions; ++i) {
        own[i] = runs[i];
        own[i].ticks = runs[i].own_ticks;
        rest[i] = runs[i];
        rest[i].ticks = runs[i].ticks - runs[i].own_ticks;
    }
    bench::print_row(kName, name, runs[0].syscalls, n, bench::figures(runs));
    bench::print_row(kName, program, runs[0].syscalls, n, bench::figures(own));
    bench::print_row(kName, poller, 0, n, bench::figures(rest));
    return true;
}

}  // namespace

/// Set up a plain ring and an SQPOLL ring, measure each row.
int main(int argc, char** argv, char**) {
    uint64_t n = 256;
    if (argc > 1 && (n = bench::parse_count(argv[1])) == 0) {
        print("usage: sqpoll-bench [n=COUNT]\n");
        return 2;
    }
    n = (n + kMaxBatch - 1) / kMaxBatch * kMaxBatch;

    iou::Ring plain, polled;
    iou::Params params{};
    params.flags = abi::io_uring::kSetupSqPoll;
    params.sq_thread_idle = 1000;  // awake through the runs, once woken
    if (const long r = plain.init(kMaxBatch); r < 0) return print("{}: io_uring_setup failed: {}\n", kName, r), 1;
    if (const long r = polled.init(kMaxBatch, params); r < 0)
        return print("{}: io_uring_setup(SQPOLL) failed: {}\n", kName, r), 1;
    bench::print_header(kName, n);
    bool ok = bench::row(kName, "enter batch 32", n, [&](uint64_t ops) { return nops(plain, ops, 32, Wait::Enter); });
    ok &= split_rows(polled, "sqpoll wait 32", "wait 32 program", "wait 32 poller", n, 32, Wait::Enter);
    ok &= split_rows(polled, "sqpoll spin 32", "spin 32 program", "spin 32 poller", n, 32, Wait::Spin);
    ok &= split_rows(polled, "sqpoll spin 256", "spin 256 program", "spin 256 poller", n, 256, Wait::Spin);
    plain.exit();
    polled.exit();
    return ok ? 0 : 1;
}
