/**
 * @file user/programs/pipe-bench.cpp
 * @brief 64 bytes through a pipe and back: by write()+read(), and by a WRITE
 *        and a READ request in one io_uring_enter (one pair, then 16).
 *
 * One operation is a 64-byte write into a pipe followed by a 64-byte read
 * that takes the same bytes out, so the pipe is empty again after each one.
 * The write always comes first: the read never finds the pipe empty, which
 * matters because an empty pipe behaves differently across kernels (chapter
 * 06's read() says -EAGAIN, its io_uring READ parks until data arrives,
 * Linux's read() blocks). The io_uring requests are not linked
 * (IOSQE_IO_LINK): both kernels take SQEs in ring order, so the WRITE has
 * run when the READ starts. Rows are measured as runtime/bench.h describes.
 *
 * Usage: pipe-bench [n=COUNT] (operations per repetition, default 4096,
 * rounded up to a multiple of 16).
 */
#include "runtime/bench.h"
#include "runtime/print.h"
#include "runtime/uring.h"

namespace {

using abi::io_uring::kEnterGetEvents;
using bench::Run;

constexpr StringView kName = "pipe-bench";
constexpr uint32_t kBytes = 64;
constexpr uint32_t kMaxPairs = 16;  // WRITE+READ pairs in one enter

int g_pipe[2];        // [0] read end, [1] write end
char g_out[kBytes];   // what is written
char g_in[kBytes];    // where it is read back

/// @p n write()+read() pairs.
Run syscalls(uint64_t n) {
    Run run;
    const uint64_t start = bench::rdtsc();
    for (; run.ops < n; ++run.ops) {
        run.syscalls += 2;
        if (sys::write(g_pipe[1], g_out, kBytes) != kBytes) run.failed = "write did not take 64 bytes";
        else if (sys::read(g_pipe[0], g_in, kBytes) != kBytes) run.failed = "read did not give 64 bytes";
        if (run.failed) return run;
    }
    run.ticks = bench::rdtsc() - start;
    return run;
}

/// @p n WRITE+READ pairs through @p ring, @p pairs of them per io_uring_enter.
Run uring(iou::Ring& ring, uint64_t n, uint32_t pairs) {
    Run run;
    const uint64_t start = bench::rdtsc();
    while (run.ops < n) {
        for (uint32_t i = 0; i < pairs; ++i) {
            iou::prep_write(ring.get_sqe(), g_pipe[1], g_out, kBytes);
            iou::prep_read(ring.get_sqe(), g_pipe[0], g_in, kBytes);
        }
        const long r = iou::raw::io_uring_enter(ring.fd(), ring.flush_sq(), 2 * pairs, kEnterGetEvents);
        ++run.syscalls;
        if (r != static_cast<long>(2 * pairs) || ring.cq_ready() < 2 * pairs) {
            run.failed = "io_uring_enter did not complete the pairs";
            return run;
        }
        for (uint32_t i = 0; i < 2 * pairs; ++i) {
            iou::Cqe* cqe;
            if (ring.peek_cqe(&cqe) != 0 || cqe->res != kBytes) run.failed = "a request did not move 64 bytes";
            ring.cqe_seen(cqe);
        }
        if (run.failed) return run;
        run.ops += pairs;
    }
    run.ticks = bench::rdtsc() - start;
    return run;
}

}  // namespace

/// Parse the count, make the pipe and the ring, measure each row.
int main(int argc, char** argv, char**) {
    uint64_t n = 4096;
    if (argc > 1 && (n = bench::parse_count(argv[1])) == 0) {
        print("usage: pipe-bench [n=COUNT]\n");
        return 2;
    }
    n = (n + kMaxPairs - 1) / kMaxPairs * kMaxPairs;
    for (uint32_t i = 0; i < kBytes; ++i) g_out[i] = static_cast<char>('a' + i % 26);

    if (const long r = sys::pipe2(g_pipe, 0); r < 0) {
        print("{}: pipe2 failed: {}\n", kName, r);
        return 1;
    }
    iou::Ring ring;
    if (const long r = ring.init(2 * kMaxPairs); r < 0) {
        print("{}: io_uring_setup failed: {}\n", kName, r);
        return 1;
    }
    bench::print_header(kName, n);
    bool ok = bench::row(kName, "write+read", n, syscalls);
    ok &= bench::row(kName, "uring pair", n, [&](uint64_t ops) { return uring(ring, ops, 1); });
    ok &= bench::row(kName, "uring 16 pairs", n, [&](uint64_t ops) { return uring(ring, ops, kMaxPairs); });
    ring.exit();
    sys::close(g_pipe[0]);
    sys::close(g_pipe[1]);
    return ok ? 0 : 1;
}
