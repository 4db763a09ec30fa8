/**
 * @file user/programs/uring-bench.cpp
 * @brief What batching buys: N NOPs one per io_uring_enter, then in batches
 *        of 8, 32 and 256, next to N getpid() calls.
 *
 * For each method it prints the system calls made per operation and the
 * time per operation as raw rdtsc deltas ("tsc ticks/op"). On hardware the
 * TSC counts at a fixed rate; under QEMU with -icount it counts executed
 * instructions, so the numbers compare work done, not wall time.
 *
 * Usage: uring-bench [n=COUNT] (default 4096; rounded up to a multiple of 256).
 */
#include "runtime/print.h"
#include "runtime/uring.h"

namespace {

using abi::io_uring::kEnterGetEvents;
using iou::Cqe;

constexpr uint32_t kMaxBatch = 256;

/// The time-stamp counter (rdtsc: edx:eax).
inline uint64_t rdtsc() {
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t{hi} << 32) | lo;
}

/// One measured method: how many operations, syscalls and ticks it took.
struct Sample {
    uint64_t ops;
    uint64_t syscalls;
    uint64_t ticks;
};

/// Parse "n=COUNT" or "COUNT"; 0 if it is neither.
uint64_t parse_count(StringView arg) {
    if (arg.starts_with("n=")) arg = arg.substr(2);
    uint64_t n = 0;
    for (char c : arg) {
        if (c < '0' || c > '9') return 0;
        n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    return n;
}

Sample bench_getpid(uint64_t n) {
    const uint64_t start = rdtsc();
    for (uint64_t i = 0; i < n; ++i) sys::getpid();
    return {n, n, rdtsc() - start};
}

/// @p n NOPs, @p batch at a time: fill the SQ, one io_uring_enter that
/// submits them and waits for all their CQEs, then reap. -1 ticks on error.
Sample bench_nops(iou::Ring& ring, uint64_t n, uint32_t batch) {
    Sample s{0, 0, 0};
    const uint64_t start = rdtsc();
    while (s.ops < n) {
        for (uint32_t i = 0; i < batch; ++i) iou::prep_nop(ring.get_sqe());
        const long r = iou::raw::io_uring_enter(ring.fd(), ring.flush_sq(), batch, kEnterGetEvents);
        ++s.syscalls;
        if (r != static_cast<long>(batch) || ring.cq_ready() < batch) return {s.ops, s.syscalls, ~0ull};
        ring.cq_advance(batch);
        s.ops += batch;
    }
    s.ticks = rdtsc() - start;
    return s;
}

/// One line of the table: syscalls per operation with three decimals, ticks per operation.
void print_row(StringView name, const Sample& s) {
    if (s.ticks == ~0ull) {
        print("uring-bench: {:<14} FAILED after {} operations\n", name, s.ops);
        return;
    }
    const uint64_t milli = (s.syscalls * 1000 + s.ops / 2) / s.ops;  // rounded
    print("uring-bench: {:<14} {:7}.{:03} {:13}\n", name, milli / 1000, milli % 1000, s.ticks / s.ops);
}

}  // namespace

/// Parse the count, run each method, print the table.
int main(int argc, char** argv, char**) {
    uint64_t n = 4096;
    if (argc > 1 && (n = parse_count(argv[1])) == 0) {
        print("usage: uring-bench [n=COUNT]\n");
        return 2;
    }
    n = (n + kMaxBatch - 1) / kMaxBatch * kMaxBatch;

    iou::Ring ring;
    if (const long r = ring.init(kMaxBatch); r < 0) {
        print("uring-bench: io_uring_setup failed: {}\n", r);
        return 1;
    }
    bench_nops(ring, kMaxBatch, 1);  // warm up: page in the rings, the code, the caches

    print("uring-bench: {} operations per method\n", n);
    print("uring-bench: method         syscalls/op  tsc ticks/op\n");
    print_row("getpid loop", bench_getpid(n));
    const uint32_t batches[] = {1, 8, 32, 256};
    bool ok = true;
    for (uint32_t batch : batches) {
        char name[32];
        format_to(name, sizeof name, batch == 1 ? "nop x1" : "nop batch {}", batch);
        const Sample s = bench_nops(ring, n, batch);
        ok = ok && s.ticks != ~0ull;
        print_row(StringView(name), s);
    }
    ring.exit();
    return ok ? 0 : 1;
}
