/**
 * @file user/programs/sqpoll-bench.cpp
 * @brief What SQPOLL costs and saves: NOP bursts handed to a ring's kernel
 *        thread, beside the same bursts submitted with io_uring_enter.
 *
 * Rows (runtime/bench.h: median of several repetitions, with the spread):
 *   - "enter batch B": B NOPs, one io_uring_enter that submits and waits
 *     for them (uring-bench's row, as the baseline);
 *   - "sqpoll batch B": B NOPs queued by storing the SQ tail; the program
 *     then waits for their CQEs with io_uring_enter(GETEVENTS), which does
 *     not submit: the kernel thread does;
 *   - "sqpoll spin 32": the same, but the program waits by calling
 *     sched_yield() until the CQEs are there: calls/op counts those yields.
 * On one CPU the program and the thread take turns, so every figure
 * includes the thread's instructions and the switches between the two;
 * chapter 10 gives the thread a CPU of its own. Under QEMU with -icount
 * ticks are instructions (make bench: this kernel beside Linux).
 *
 * Usage: sqpoll-bench [n=COUNT] (operations per repetition, default 4096,
 * rounded up to a multiple of 256).
 */
#include "runtime/bench.h"
#include "runtime/print.h"
#include "runtime/uring.h"

namespace {

using abi::io_uring::kEnterGetEvents;
using bench::Run;

constexpr StringView kName = "sqpoll-bench";
constexpr uint32_t kMaxBatch = 256;

/// @p n NOPs, @p batch at a time; @p wait: true waits with io_uring_enter
/// (which, on an SQPOLL ring, only waits), false spins with sched_yield.
Run nops(iou::Ring& ring, uint64_t n, uint32_t batch, bool wait) {
    Run run;
    const uint64_t start = bench::rdtsc();
    while (run.ops < n) {
        for (uint32_t i = 0; i < batch; ++i) iou::prep_nop(ring.get_sqe());
        const long r = wait ? ring.submit_and_wait(batch) : ring.submit();
        if (r < 0) {
            run.failed = "io_uring_enter failed";
            return run;
        }
        if (wait) ++run.syscalls;
        while (ring.cq_ready() < batch) {
            if (wait) {
                run.failed = "the CQEs were not there when io_uring_enter returned";
                return run;
            }
            raw_syscall(abi::Sys::SchedYield);
            ++run.syscalls;
        }
        ring.cq_advance(batch);
        run.ops += batch;
    }
    run.ticks = bench::rdtsc() - start;
    return run;
}

}  // namespace

/// Set up a plain ring and an SQPOLL ring, measure each row.
int main(int argc, char** argv, char**) {
    uint64_t n = 4096;
    if (argc > 1 && (n = bench::parse_count(argv[1])) == 0) {
        print("usage: sqpoll-bench [n=COUNT]\n");
        return 2;
    }
    n = (n + kMaxBatch - 1) / kMaxBatch * kMaxBatch;

    iou::Ring plain, polled;
    iou::Params params{};
    params.flags = abi::io_uring::kSetupSqPoll;
    params.sq_thread_idle = 1000;  // stays awake through the runs
    if (const long r = plain.init(kMaxBatch); r < 0) return print("{}: io_uring_setup failed: {}\n", kName, r), 1;
    if (const long r = polled.init(kMaxBatch, params); r < 0)
        return print("{}: io_uring_setup(SQPOLL) failed: {}\n", kName, r), 1;
    bench::print_header(kName, n);
    bool ok = true;
    const uint32_t batches[] = {8, 32, 256};
    for (uint32_t batch : batches) {
        char name[32];
        format_to(name, sizeof name, "enter batch {}", batch);
        ok &= bench::row(kName, StringView(name), n, [&](uint64_t ops) { return nops(plain, ops, batch, true); });
        format_to(name, sizeof name, "sqpoll batch {}", batch);
        ok &= bench::row(kName, StringView(name), n, [&](uint64_t ops) { return nops(polled, ops, batch, true); });
    }
    ok &= bench::row(kName, "sqpoll spin 32", n, [&](uint64_t ops) { return nops(polled, ops, 32, false); });
    plain.exit();
    polled.exit();
    return ok ? 0 : 1;
}
