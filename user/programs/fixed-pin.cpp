/**
 * @file user/programs/fixed-pin.cpp
 * @brief What pinning means, seen from the program: a registered buffer's
 * pages belong to the registration until the last request using them is
 * done, whatever the program does with its mappings meanwhile.
 *
 * 1. A READ_FIXED parks on an empty pipe; the program unmaps the buffer;
 *    data arrives and the read completes into the pinned pages. A
 *    WRITE_FIXED from the same (unmapped) range sends those bytes on: they
 *    were really there. A new mapping at the same address is new memory:
 *    the registration does not see it.
 * 2. UNREGISTER_BUFFERS with a READ_FIXED in flight returns at once (Linux
 *    6.18 defers the release); the table is gone for new requests, and the
 *    parked one still completes, into the old pages. The same for
 *    UNREGISTER_FILES, and a close of the descriptor, under a parked READ.
 * 3. A ring closed with a READ_FIXED parked on unmapped pages goes quietly:
 *    the read is cancelled, the pipe keeps its data.
 * 4. Thousands of rounds of mmap, register, munmap, unregister (in both
 *    orders, each page pinned twice): if a pinned frame were never freed,
 *    memory would run out long before the end.
 * 5. The same through an SQPOLL ring: the kernel's poller thread takes the
 *    fixed requests.
 *
 * Each line is `fixed-pin: WHAT = RESULT`, the same on Linux and in the
 * course kernel (chapters/09-fixed/test-fixed-pin.expect compares them).
 */
#include "runtime/print.h"
#include "runtime/probe.h"
#include "runtime/uring.h"

namespace {

using namespace abi::io_uring;
namespace map = abi::map;
namespace prot = abi::prot;
using abi::IoVec;
using iou::Cqe;
using iou::Ring;
using iou::Sqe;

constexpr uint64_t kPage = 4096;
constinit probe::Probes g_probe("fixed-pin");
char g_in[64];

uint64_t addr(const void* p) { return reinterpret_cast<uint64_t>(p); }
long reg(int fd, RegisterOp op, const void* arg, uint32_t nr) {
    return iou::raw::io_uring_register(fd, op, const_cast<void*>(arg), nr);
}
uint8_t* map_pages(uint64_t pages, void* where = nullptr) {
    const int flags = map::Private | map::Anonymous | (where ? map::Fixed : 0);
    const long r = sys::mmap(where, pages * kPage, prot::Read | prot::Write, flags, -1, 0);
    return r < 0 ? nullptr : reinterpret_cast<uint8_t*>(r);
}

struct Pipe {
    int r = -1, w = -1;
};

/// A pipe; @p nonblocking for the ones only read to show what they hold
/// (a blocking one makes an io_uring READ park, on Linux as here).
Pipe open_pipe(bool nonblocking) {
    int fds[2] = {-1, -1};
    if (sys::pipe2(fds, nonblocking ? abi::open_flag::NonBlock : 0) != 0) return {};
    return {fds[0], fds[1]};
}

/// Show and empty what @p p holds (one read of up to 64 bytes).
void held(const Pipe& p) {
    const long n = sys::read(p.r, g_in, sizeof g_in);
    if (n > 0) g_probe.note("  pipe holds {} bytes \"{}\"", n, StringView(g_in, static_cast<size_t>(n)));
    else g_probe.value(n, "  pipe read");
}

/// Submit what is queued; show how many the kernel took and whether a
/// completion is already there (a parked READ has none).
void submit(Ring& ring, StringView what) {
    const long n = ring.submit();
    g_probe.value(n, "{}: submitted", what);
    g_probe.note("  completions ready: {}", ring.cq_ready());
}

/// Wait for the next completion and show its res.
void reap(Ring& ring, StringView what) {
    Cqe* cqe = nullptr;
    const long r = ring.wait_cqe(&cqe);
    if (r < 0) {
        g_probe.value(r, "{}: wait", what);
        return;
    }
    g_probe.value(cqe->res, "{}: completes", what);
    ring.cqe_seen(cqe);
}

// ------------------------------------------------------------ 1. munmap

void unmapped_under_a_parked_read(Ring& ring, const Pipe& p, const Pipe& q) {
    uint8_t* a = map_pages(2);
    mem::copy(a, "old contents....", 16);
    const IoVec buffer[1] = {{addr(a), 2 * kPage}};
    g_probe.value(reg(ring.fd(), RegisterOp::RegisterBuffers, buffer, 1), "REGISTER_BUFFERS([{{a, 8192}}], 1)");
    iou::prep_read_fixed(ring.get_sqe(), p.r, a + 100, 16, 0);
    submit(ring, "READ_FIXED(empty pipe, a + 100, 16, buf 0)");
    g_probe.value(sys::munmap(a, 2 * kPage), "munmap(a, 8192)");
    g_probe.value(sys::write(p.w, "new data 0123456", 16), "write(pipe, \"new data 0123456\", 16)");
    reap(ring, "the parked READ_FIXED");
    iou::prep_write_fixed(ring.get_sqe(), q.w, a + 100, 16, 0);
    ring.submit();
    reap(ring, "WRITE_FIXED(second pipe, a + 100, 16, buf 0), a unmapped");
    held(q);
    iou::prep_write_fixed(ring.get_sqe(), q.w, a, 16, 0);
    ring.submit();
    reap(ring, "WRITE_FIXED(second pipe, a, 16, buf 0), a unmapped");
    held(q);
    uint8_t* again = map_pages(2, a);
    g_probe.says(again == a ? 0 : -1, "at a", "mmap(a, 8192, MAP_FIXED)");
    g_probe.note("  a + 100 holds byte {} (a new, zeroed page)", again[100]);
    mem::copy(again + 100, "fresh mapping...", 16);
    iou::prep_write_fixed(ring.get_sqe(), q.w, a + 100, 16, 0);
    ring.submit();
    reap(ring, "WRITE_FIXED(second pipe, a + 100, 16, buf 0) after the new mmap");
    held(q);
}

// ------------------------------------------------------- 2. unregister

void unregistered_under_a_parked_read(Ring& ring, Pipe& p) {
    uint8_t* a = map_pages(1);
    mem::copy(a, "fresh........................", 24);
    const IoVec buffer[1] = {{addr(a), kPage}};
    g_probe.value(reg(ring.fd(), RegisterOp::UnregisterBuffers, nullptr, 0), "UNREGISTER_BUFFERS (the first table)");
    g_probe.value(reg(ring.fd(), RegisterOp::RegisterBuffers, buffer, 1), "REGISTER_BUFFERS([{{b, 4096}}], 1)");
    iou::prep_read_fixed(ring.get_sqe(), p.r, a + 8, 8, 0);
    submit(ring, "READ_FIXED(empty pipe, b + 8, 8, buf 0)");
    g_probe.value(reg(ring.fd(), RegisterOp::UnregisterBuffers, nullptr, 0), "UNREGISTER_BUFFERS with it in flight");
    iou::prep_read_fixed(ring.get_sqe(), p.r, a + 8, 8, 0);
    ring.submit();
    reap(ring, "READ_FIXED(pipe, b + 8, 8, buf 0) after that");
    const IoVec other[1] = {{addr(a) + 16, 8}};
    g_probe.value(reg(ring.fd(), RegisterOp::RegisterBuffers, other, 1), "REGISTER_BUFFERS([{{b + 16, 8}}], 1)");
    g_probe.value(sys::write(p.w, "ABCDEFGH", 8), "write(pipe, \"ABCDEFGH\", 8)");
    reap(ring, "the parked READ_FIXED");
    g_probe.note("  b + 8 holds \"{}\" (the buffer was b's own pages)", StringView(reinterpret_cast<char*>(a + 8), 8));
    g_probe.value(reg(ring.fd(), RegisterOp::UnregisterBuffers, nullptr, 0), "UNREGISTER_BUFFERS");
    g_probe.value(sys::munmap(a, kPage), "munmap(b, 4096)");

    // A registered file under a parked READ: unregistered, then closed.
    const int32_t fds[1] = {p.r};
    g_probe.value(reg(ring.fd(), RegisterOp::RegisterFiles, fds, 1), "REGISTER_FILES([read end], 1)");
    Sqe* s = ring.get_sqe();
    iou::prep_read(s, 0, g_in, 4);
    iou::sqe_fixed_file(s);
    submit(ring, "READ(0, buf, 4) FIXED_FILE on the empty pipe");
    g_probe.value(reg(ring.fd(), RegisterOp::UnregisterFiles, nullptr, 0), "UNREGISTER_FILES with it in flight");
    g_probe.value(sys::close(p.r), "close(read end)");
    p.r = -1;
    g_probe.value(sys::write(p.w, "wxyz", 4), "write(pipe, \"wxyz\", 4)");
    reap(ring, "the parked READ");
    g_probe.note("  buf holds \"{}\"", StringView(g_in, 4));
}

// ------------------------------------------------------- 3. ring closed

void ring_closed_under_a_parked_read() {
    Ring ring;
    const long r = ring.init(4);
    g_probe.ok(r, "io_uring_setup(4) (a second ring)");
    if (r < 0) return;
    const Pipe p = open_pipe(false);
    uint8_t* a = map_pages(1);
    const IoVec buffer[1] = {{addr(a), kPage}};
    g_probe.value(reg(ring.fd(), RegisterOp::RegisterBuffers, buffer, 1), "REGISTER_BUFFERS([{{c, 4096}}], 1)");
    iou::prep_read_fixed(ring.get_sqe(), p.r, a, 4, 0);
    submit(ring, "READ_FIXED(empty pipe, c, 4, buf 0)");
    g_probe.value(sys::munmap(a, kPage), "munmap(c, 4096)");
    ring.exit();
    g_probe.note("the second ring unmapped and closed");
    g_probe.value(sys::write(p.w, "late", 4), "write(pipe, \"late\", 4)");
    g_probe.value(sys::read(p.r, g_in, sizeof g_in), "read(pipe, buf, 64): the cancelled READ_FIXED took nothing");
    (void)sys::close(p.r), (void)sys::close(p.w);
}

// -------------------------------------------------------- 4. no leaks

void rounds(Ring& ring) {
    constexpr int kRounds = 2500;
    constexpr uint64_t kPages = 16;
    int worked = 0;
    for (int i = 0; i < 2 * kRounds; ++i) {
        uint8_t* a = map_pages(kPages);
        if (!a) break;
        a[0] = 1;
        const IoVec twice[2] = {{addr(a), kPages * kPage}, {addr(a) + 100, kPages * kPage - 100}};
        if (reg(ring.fd(), RegisterOp::RegisterBuffers, twice, 2) != 0) break;
        const bool unmap_first = i % 2 == 0;  // the pages go first, or the registration
        if (unmap_first && sys::munmap(a, kPages * kPage) != 0) break;
        if (reg(ring.fd(), RegisterOp::UnregisterBuffers, nullptr, 0) != 0) break;
        if (!unmap_first && sys::munmap(a, kPages * kPage) != 0) break;
        ++worked;
    }
    g_probe.note("{} rounds of mmap 64 KiB, register it twice, munmap and unregister (both orders): {} worked",
                 2 * kRounds, worked);
}

// -------------------------------------------------------------- 5. SQPOLL

void through_sqpoll() {
    Ring ring;
    Params params{};
    params.flags = kSetupSqPoll;
    params.sq_thread_idle = 50;
    const long r = ring.init(8, params);
    g_probe.ok(r, "io_uring_setup(8, SQPOLL)");
    if (r < 0) return;
    const Pipe p = open_pipe(false);
    uint8_t* a = map_pages(1);
    mem::copy(a, "polled", 6);
    const IoVec buffer[1] = {{addr(a), kPage}};
    const int32_t files[2] = {p.r, p.w};
    g_probe.value(reg(ring.fd(), RegisterOp::RegisterBuffers, buffer, 1), "REGISTER_BUFFERS([{{d, 4096}}], 1)");
    g_probe.value(reg(ring.fd(), RegisterOp::RegisterFiles, files, 2), "REGISTER_FILES([read end, write end], 2)");
    Sqe* s = ring.get_sqe();
    iou::prep_write_fixed(s, 1, a, 6, 0);
    iou::sqe_fixed_file(s);
    ring.submit();
    reap(ring, "WRITE_FIXED(1, d, 6, buf 0) FIXED_FILE, taken by the poller");
    s = ring.get_sqe();
    iou::prep_read_fixed(s, 0, a + 100, 6, 0);
    iou::sqe_fixed_file(s);
    ring.submit();
    reap(ring, "READ_FIXED(0, d + 100, 6, buf 0) FIXED_FILE, taken by the poller");
    g_probe.note("  d + 100 holds \"{}\"", StringView(reinterpret_cast<char*>(a + 100), 6));
    s = ring.get_sqe();
    iou::prep_read_fixed(s, 0, a + 200, 6, 0);
    iou::sqe_fixed_file(s);
    ring.submit();
    g_probe.value(sys::munmap(a, kPage), "munmap(d, 4096) under a READ_FIXED on the empty pipe");
    g_probe.value(sys::write(p.w, "second", 6), "write(pipe, \"second\", 6)");
    reap(ring, "that READ_FIXED");
    s = ring.get_sqe();
    iou::prep_write_fixed(s, 1, a + 200, 6, 0);
    iou::sqe_fixed_file(s);
    ring.submit();
    reap(ring, "WRITE_FIXED(1, d + 200, 6, buf 0) FIXED_FILE, d unmapped");
    held(p);
    ring.exit();
    (void)sys::close(p.r), (void)sys::close(p.w);
}

}  // namespace

int main(int, char**, char**) {
    Ring ring;
    g_probe.ok(ring.init(8), "io_uring_setup(8)");
    Pipe p = open_pipe(false);
    const Pipe q = open_pipe(true);
    unmapped_under_a_parked_read(ring, p, q);
    unregistered_under_a_parked_read(ring, p);
    ring_closed_under_a_parked_read();
    rounds(ring);
    through_sqpoll();
    ring.exit();
    (void)sys::close(p.w), (void)sys::close(q.r), (void)sys::close(q.w);
    g_probe.end();
    return 0;
}
