/**
 * @file user/programs/uring-bench.cpp
 * @brief What batching buys: NOPs one per io_uring_enter, then in batches of
 *        8, 32 and 256, next to the null system call (getpid).
 *
 * Each row is measured as runtime/bench.h describes (the median of several
 * repetitions, with the spread) and printed with the system calls made per
 * operation and the cost per operation in rdtsc ticks. Under QEMU with
 * `-icount shift=0` ticks are instructions: `make bench` runs this program
 * that way in the chapter's kernel and in Debian's Linux, and compares.
 *
 * Usage: uring-bench [n=COUNT] (operations per repetition, default 4096,
 * rounded up to a multiple of 256).
 */
#include "runtime/bench.h"
#include "runtime/print.h"
#include "runtime/uring.h"

namespace {

using abi::io_uring::kEnterGetEvents;
using bench::Run;

constexpr StringView kName = "uring-bench";
constexpr uint32_t kMaxBatch = 256;

/// @p n getpid calls: the cheapest round trip into the kernel and back.
Run getpids(uint64_t n) {
    const uint64_t start = bench::rdtsc();
    for (uint64_t i = 0; i < n; ++i) sys::getpid();
    return {n, n, bench::rdtsc() - start, nullptr};
}

/// @p n NOPs, @p batch at a time: fill the SQ, one io_uring_enter that
/// submits them and waits for all their CQEs, then reap.
Run nops(iou::Ring& ring, uint64_t n, uint32_t batch) {
    Run run;
    const uint64_t start = bench::rdtsc();
    while (run.ops < n) {
        for (uint32_t i = 0; i < batch; ++i) iou::prep_nop(ring.get_sqe());
        const long r = iou::raw::io_uring_enter(ring.fd(), ring.flush_sq(), batch, kEnterGetEvents);
        ++run.syscalls;
        if (r != static_cast<long>(batch) || ring.cq_ready() < batch) {
            run.failed = "io_uring_enter did not complete the batch";
            return run;
        }
        ring.cq_advance(batch);
        run.ops += batch;
    }
    run.ticks = bench::rdtsc() - start;
    return run;
}

}  // namespace

/// Parse the count, set up a ring, measure each row.
int main(int argc, char** argv, char**) {
    uint64_t n = 4096;
    if (argc > 1 && (n = bench::parse_count(argv[1])) == 0) {
        print("usage: uring-bench [n=COUNT]\n");
        return 2;
    }
    n = (n + kMaxBatch - 1) / kMaxBatch * kMaxBatch;

    iou::Ring ring;
    if (const long r = ring.init(kMaxBatch); r < 0) {
        print("{}: io_uring_setup failed: {}\n", kName, r);
        return 1;
    }
    bench::print_header(kName, n);
    bool ok = bench::row(kName, "getpid", n, getpids);
    const uint32_t batches[] = {1, 8, 32, 256};
    for (uint32_t batch : batches) {
        char name[32];
        format_to(name, sizeof name, batch == 1 ? "nop x1" : "nop batch {}", batch);
        ok &= bench::row(kName, StringView(name), n, [&](uint64_t ops) { return nops(ring, ops, batch); });
    }
    ring.exit();
    return ok ? 0 : 1;
}
