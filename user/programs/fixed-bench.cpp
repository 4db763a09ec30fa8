/**
 * @file user/programs/fixed-bench.cpp
 * @brief What registration saves: WRITE beside WRITE_FIXED and READ beside
 *        READ_FIXED on a pipe, 64 bytes and 4 KiB at a time, with the pipe's
 *        descriptors as they are and registered (IOSQE_FIXED_FILE).
 *
 * One operation is one request. Requests go 16 to an io_uring_enter, and
 * only that call is timed: for a write row, the enter that submits 16
 * WRITEs into the empty pipe (a plain read() empties it afterwards, off the
 * clock); for a read row, the enter that submits 16 READs of what a plain
 * write() put there beforehand. So each row differs from its neighbour in
 * one thing only: how the kernel reaches the buffer (checked and copied
 * through the page tables, or through pages pinned at registration) or the
 * file (looked up in the descriptor table, or in the ring's own table).
 * Every request must move all its bytes, or the row fails. Rows are
 * measured as runtime/bench.h describes.
 *
 * Usage: fixed-bench [n=COUNT] (requests per repetition, default 2048,
 * rounded up to a multiple of 16).
 */
#include "runtime/bench.h"
#include "runtime/print.h"
#include "runtime/uring.h"

namespace {

using abi::io_uring::kEnterGetEvents;
using abi::io_uring::RegisterOp;
using bench::Run;

constexpr StringView kName = "fixed-bench";
constexpr uint32_t kBatch = 16;        // requests per io_uring_enter
constexpr uint32_t kMaxBytes = 4096;   // per request: 16 of them fill the pipe (64 KiB)
constexpr uint32_t kArea = kBatch * kMaxBytes;

int g_pipe[2];          // [0] read end, [1] write end
uint8_t* g_out;         // what WRITEs send: kArea bytes
uint8_t* g_in;          // where READs land: kArea bytes, right after g_out
uint8_t g_drain[kArea];  // off the clock: what empties or fills the pipe

/// How a row's requests name their buffer and their file.
struct Kind {
    bool fixed_buffer;  // READ_FIXED / WRITE_FIXED on registered buffer 0
    bool fixed_file;    // IOSQE_FIXED_FILE: the fd is an index (0 read end, 1 write end)
};

/// Move @p bytes through the pipe outside the measurement (read() or write()
/// until done); false if the pipe does not cooperate.
bool untimed(bool write, uint32_t bytes) {
    for (uint32_t done = 0; done < bytes;) {
        const long n = write ? sys::write(g_pipe[1], g_drain + done, bytes - done)
                             : sys::read(g_pipe[0], g_drain + done, bytes - done);
        if (n <= 0) return false;
        done += static_cast<uint32_t>(n);
    }
    return true;
}

/// @p n requests of @p bytes each, writing (@p write) or reading, 16 to an enter.
Run requests(iou::Ring& ring, uint64_t n, bool write, uint32_t bytes, Kind kind) {
    Run run;
    while (run.ops < n) {
        if (!write && !untimed(true, kBatch * bytes)) {
            run.failed = "could not fill the pipe";
            return run;
        }
        for (uint32_t i = 0; i < kBatch; ++i) {
            iou::Sqe* sqe = ring.get_sqe();
            const int fd = kind.fixed_file ? (write ? 1 : 0) : g_pipe[write ? 1 : 0];
            uint8_t* buf = (write ? g_out : g_in) + i * bytes;
            if (kind.fixed_buffer && write) iou::prep_write_fixed(sqe, fd, buf, bytes, 0);
            else if (kind.fixed_buffer) iou::prep_read_fixed(sqe, fd, buf, bytes, 0);
            else if (write) iou::prep_write(sqe, fd, buf, bytes);
            else iou::prep_read(sqe, fd, buf, bytes);
            if (kind.fixed_file) iou::sqe_fixed_file(sqe);
        }
        const uint32_t queued = ring.flush_sq();
        const uint64_t start = bench::rdtsc();
        const long r = iou::raw::io_uring_enter(ring.fd(), queued, kBatch, kEnterGetEvents);
        run.ticks += bench::rdtsc() - start;
        ++run.syscalls;
        if (r != static_cast<long>(kBatch) || ring.cq_ready() < kBatch) {
            run.failed = "io_uring_enter did not complete the batch";
            return run;
        }
        for (uint32_t i = 0; i < kBatch; ++i) {
            iou::Cqe* cqe;
            if (ring.peek_cqe(&cqe) != 0 || cqe->res != static_cast<int32_t>(bytes))
                run.failed = "a request did not move all its bytes";
            ring.cqe_seen(cqe);
        }
        if (run.failed) return run;
        if (write && !untimed(false, kBatch * bytes)) {
            run.failed = "could not empty the pipe";
            return run;
        }
        run.ops += kBatch;
    }
    return run;
}

}  // namespace

/// Parse the count, make the pipe, the ring and its registrations, measure each row.
int main(int argc, char** argv, char**) {
    uint64_t n = 2048;
    if (argc > 1 && (n = bench::parse_count(argv[1])) == 0) {
        print("usage: fixed-bench [n=COUNT]\n");
        return 2;
    }
    n = (n + kBatch - 1) / kBatch * kBatch;

    const long area = sys::mmap(nullptr, 2 * kArea, abi::prot::Read | abi::prot::Write,
                                abi::map::Private | abi::map::Anonymous, -1, 0);
    if (area < 0) {
        print("{}: mmap failed: {}\n", kName, area);
        return 1;
    }
    g_out = reinterpret_cast<uint8_t*>(area);
    g_in = g_out + kArea;
    for (uint32_t i = 0; i < kArea; ++i) g_out[i] = static_cast<uint8_t>('a' + i % 26);
    if (const long r = sys::pipe2(g_pipe, abi::open_flag::NonBlock); r < 0) {
        print("{}: pipe2 failed: {}\n", kName, r);
        return 1;
    }
    iou::Ring ring;
    if (const long r = ring.init(kBatch); r < 0) {
        print("{}: io_uring_setup failed: {}\n", kName, r);
        return 1;
    }
    abi::IoVec buffer = {static_cast<uint64_t>(area), 2 * kArea};
    if (const long r = iou::raw::io_uring_register(ring.fd(), RegisterOp::RegisterBuffers, &buffer, 1); r < 0) {
        print("{}: IORING_REGISTER_BUFFERS failed: {}\n", kName, r);
        return 1;
    }
    if (const long r = iou::raw::io_uring_register(ring.fd(), RegisterOp::RegisterFiles, g_pipe, 2); r < 0) {
        print("{}: IORING_REGISTER_FILES failed: {}\n", kName, r);
        return 1;
    }

    bench::print_header(kName, n);
    constexpr uint32_t kSizes[] = {64, kMaxBytes};
    constexpr bool kWrites[] = {true, false};
    constexpr Kind kKinds[] = {{false, false}, {true, false}, {false, true}, {true, true}};
    bool ok = true;
    for (const uint32_t bytes : kSizes) {
        const StringView size = bytes == 64 ? "64" : "4k";
        for (const bool write : kWrites) {
            for (const Kind kind : kKinds) {
                char name[24];
                format_to(name, sizeof name, "{}{}{} {}", write ? "write" : "read", kind.fixed_buffer ? "_fixed" : "",
                          kind.fixed_file ? " ff" : "", size);
                ok &= bench::row(kName, name, n, [&](uint64_t ops) { return requests(ring, ops, write, bytes, kind); });
            }
        }
    }
    ring.exit();
    sys::close(g_pipe[0]);
    sys::close(g_pipe[1]);
    return ok ? 0 : 1;
}
