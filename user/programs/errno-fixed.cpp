/**
 * @file user/programs/errno-fixed.cpp
 * @brief Differential probes of registered buffers and files: every rule and
 * errno of IORING_REGISTER_BUFFERS(2), BUFFERS_UPDATE, UNREGISTER_BUFFERS,
 * REGISTER_FILES(2), FILES_UPDATE(2), UNREGISTER_FILES, of READ_FIXED and
 * WRITE_FIXED, and of IOSQE_FIXED_FILE.
 *
 * One line per probe, `errno-fixed: CALL = RESULT`, compared line for line
 * with the same program on the host's Linux
 * (chapters/09-fixed/test-errno-fixed.expect): Linux's output is the
 * reference. For an SQE the result is its CQE's res; a batch of two shows
 * how many SQEs io_uring_enter consumed, then each CQE's res, so a check
 * made when the SQE is prepared (which ends the batch) is told apart from
 * one made when it is issued (which does not). Data that reaches a pipe or
 * a buffer is shown, so a probe that "succeeds" must also move the right
 * bytes.
 *
 * Not probed, because the course differs on purpose (chapter 09's table of
 * differences): a nonzero tag on a buffer or file that is registered (the
 * course offers no tags and refuses it), a buffer over the ring's own
 * memory (Linux pins it), and more fds than RLIMIT_NOFILE, which the
 * course does not have.
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

constexpr uint64_t kKernelImage = 0xffffffff80000000;
constexpr uint64_t kNonCanonical = 0x0000800000000000;
constexpr uint64_t kLastPage = 0x00007ffffffff000;
constexpr uint64_t kUnmapped = 0x0000010000000000;
constexpr uint64_t kPage = 4096;

constinit probe::Probes g_probe("errno-fixed");

uint8_t* g_mem = nullptr;       // 3 pages, read-write: the buffers registered
uint64_t g_readonly = kUnmapped;  // a PROT_READ page
uint64_t g_none = kUnmapped;      // a PROT_NONE page
uint64_t g_holed = kUnmapped;     // 3 pages, the middle one unmapped
char g_in[64];

uint64_t addr(const void* p) { return reinterpret_cast<uint64_t>(p); }

long reg(long fd, RegisterOp op, uint64_t arg, uint64_t nr) {
    return raw_syscall(abi::Sys::IoUringRegister, fd, static_cast<long>(op), static_cast<long>(arg),
                       static_cast<long>(nr));
}
long enter(long fd, uint64_t to_submit, uint64_t min_complete, uint64_t flags) {
    return raw_syscall(abi::Sys::IoUringEnter, fd, static_cast<long>(to_submit), static_cast<long>(min_complete),
                       static_cast<long>(flags), 0, 0);
}
long mmap_anon(uint64_t length, int protection) {
    return sys::mmap(nullptr, length, protection, map::Private | map::Anonymous, -1, 0);
}

struct Pipe {
    int r = -1, w = -1;
};

Pipe open_pipe() {
    int fds[2] = {-1, -1};
    const long r = sys::pipe2(fds, abi::open_flag::NonBlock);
    g_probe.ok(r, "pipe2(fds, O_NONBLOCK)");
    return r == 0 ? Pipe{fds[0], fds[1]} : Pipe{};
}

/// Show and empty what @p p holds (one read of up to 64 bytes).
void held(const Pipe& p) {
    const long n = sys::read(p.r, g_in, sizeof g_in);
    if (n > 0) g_probe.note("  pipe holds {} bytes \"{}\"", n, StringView(g_in, static_cast<size_t>(n)));
    else if (n == -abi::Errno::Again) g_probe.note("  pipe is empty");
    else g_probe.note("  pipe read gives {}", n);
}

// ------------------------------------------------------------------- SQEs

uint64_t g_user_data = 1000;

/// Submit the @p n SQEs just queued (user_data @p ud[0..n)) with one
/// io_uring_enter and show what it did: how many it consumed (for a batch),
/// then each consumed SQE's res in order. None of them waits for data, so
/// each completion is waited for (on Linux one may come from a worker).
void show_batch(Ring& ring, StringView call, const uint64_t* ud, int n) {
    const long submitted = ring.submit();
    int32_t res[2] = {};
    bool got[2] = {};
    auto take = [&] {
        Cqe* cqe = nullptr;
        while (ring.peek_cqe(&cqe) == 0) {
            for (int i = 0; i < n; ++i)
                if (ud[i] == cqe->user_data) res[i] = cqe->res, got[i] = true;
            ring.cqe_seen(cqe);
        }
    };
    auto all_in = [&] {
        for (int i = 0; i < submitted && i < n; ++i)
            if (!got[i]) return false;
        return true;
    };
    take();
    while (!all_in() && enter(ring.fd(), 0, 1, kEnterGetEvents) >= 0) take();
    char shown[160];
    BufferSink out(shown, sizeof shown);
    if (n != 1) {
        format(out, "submitted ");
        probe::result_text(out, submitted);
        format(out, ": ");
    }
    for (int i = 0; i < submitted && i < n; ++i) {
        if (i > 0) format(out, ", ");
        if (got[i]) probe::result_text(out, res[i]);
        else format(out, "no completion");
    }
    g_probe.says(0, out.view(), call);
    while (ring.sq_pending() > 0) {  // a batch cut short: send the rest on its way
        ring.submit();
        take();
    }
}

/// One SQE prepared by @p prep: its CQE's res.
template <typename Prep>
void sqe_probe(Ring& ring, StringView call, Prep prep) {
    Sqe* sqe = ring.get_sqe();
    prep(sqe);
    const uint64_t ud = sqe->user_data = ++g_user_data;
    show_batch(ring, call, &ud, 1);
}

/// The SQE prepared by @p prep, then a NOP, in one io_uring_enter.
template <typename Prep>
void batch_probe(Ring& ring, StringView call, Prep prep) {
    Sqe* a = ring.get_sqe();
    Sqe* b = ring.get_sqe();
    prep(a);
    iou::prep_nop(b);
    const uint64_t ud[2] = {a->user_data = ++g_user_data, b->user_data = ++g_user_data};
    show_batch(ring, call, ud, 2);
}

/// An SQE that only sets the fields READ_FIXED and WRITE_FIXED use.
void fixed(Sqe* s, Op op, int fd, uint64_t address, uint32_t len, uint16_t index) {
    s->opcode = static_cast<uint8_t>(op);
    s->fd = fd;
    s->addr = address;
    s->len = len;
    s->off = ~0ull;
    s->buf_index = index;
}

// ----------------------------------------------------------- registration

/// REGISTER_BUFFERS with the @p n iovecs @p v, then UNREGISTER if that worked.
void register_probe(int ring, StringView call, const IoVec* v, uint32_t n) {
    const long r = reg(ring, RegisterOp::RegisterBuffers, addr(v), n);
    g_probe.value(r, call);
    if (r == 0) (void)reg(ring, RegisterOp::UnregisterBuffers, 0, 0);
}

void register_buffer_calls(int ring) {
    const uint64_t m = addr(g_mem);
    const IoVec one[1] = {{m, 100}};
    g_probe.value(reg(ring, RegisterOp::RegisterBuffers, 0, 1), "REGISTER_BUFFERS(NULL, 1)");
    g_probe.value(reg(ring, RegisterOp::RegisterBuffers, addr(one), 0), "REGISTER_BUFFERS([{{mem, 100}}], 0)");
    g_probe.value(reg(ring, RegisterOp::RegisterBuffers, addr(one), 16385), "REGISTER_BUFFERS(iovs, 16385)");
    g_probe.value(reg(ring, RegisterOp::RegisterBuffers, kUnmapped, 1), "REGISTER_BUFFERS(0x10000000000, 1)");
    g_probe.value(reg(ring, RegisterOp::RegisterBuffers, kKernelImage, 1),
                  "REGISTER_BUFFERS(0xffffffff80000000, 1)");

    const struct {
        const char* call;
        IoVec iov;
    } bad[] = {
        {"REGISTER_BUFFERS([{{NULL, 5}}], 1)", {0, 5}},
        {"REGISTER_BUFFERS([{{mem, 0}}], 1)", {m, 0}},
        {"REGISTER_BUFFERS([{{1, 0}}], 1)", {1, 0}},
        {"REGISTER_BUFFERS([{{mem, 1 GiB + 1}}], 1)", {m, (1ull << 30) + 1}},
        {"REGISTER_BUFFERS([{{mem, 1 GiB}}], 1) (not all mapped)", {m, 1ull << 30}},
        {"REGISTER_BUFFERS([{{mem, 1<<63}}], 1)", {m, 1ull << 63}},
        {"REGISTER_BUFFERS([{{mem, -1}}], 1)", {m, ~0ull}},
        {"REGISTER_BUFFERS([{{0xfffffffffffff000, 4096}}], 1)", {0xfffffffffffff000ull, kPage}},
        {"REGISTER_BUFFERS([{{0xfffffffffffff000, 1}}], 1)", {0xfffffffffffff000ull, 1}},
        {"REGISTER_BUFFERS([{{0xffffffffffffe001, 4096}}], 1)", {0xffffffffffffe001ull, kPage}},
        {"REGISTER_BUFFERS([{{0xffffffff80000000, 4096}}], 1)", {kKernelImage, kPage}},
        {"REGISTER_BUFFERS([{{0x800000000000, 4096}}], 1)", {kNonCanonical, kPage}},
        {"REGISTER_BUFFERS([{{0x7ffffffff000, 8192}}], 1)", {kLastPage, 2 * kPage}},
        {"REGISTER_BUFFERS([{{0x10000000000, 4096}}], 1)", {kUnmapped, kPage}},
        {"REGISTER_BUFFERS([{{read-only page, 4096}}], 1)", {g_readonly, kPage}},
        {"REGISTER_BUFFERS([{{read-only page + 100, 1}}], 1)", {g_readonly + 100, 1}},
        {"REGISTER_BUFFERS([{{PROT_NONE page, 4096}}], 1)", {g_none, kPage}},
        {"REGISTER_BUFFERS([{{3 pages, the middle one unmapped}}], 1)", {g_holed, 3 * kPage}},
        {"REGISTER_BUFFERS([{{last byte before the hole, 2}}], 1)", {g_holed + kPage - 1, 2}},
        {"REGISTER_BUFFERS([{{first byte after the hole, 1}}], 1)", {g_holed + 2 * kPage, 1}},
        {"REGISTER_BUFFERS([{{mem + 4095, 2}}], 1)", {m + kPage - 1, 2}},
        {"REGISTER_BUFFERS([{{mem, 3 pages}}], 1)", {m, 3 * kPage}},
    };
    for (const auto& b : bad) register_probe(ring, b.call, &b.iov, 1);

    // A failure part-way leaves no table: nothing to unregister afterwards.
    const IoVec partial[3] = {{m, 10}, {m + 20, 10}, {kUnmapped, kPage}};
    g_probe.value(reg(ring, RegisterOp::RegisterBuffers, addr(partial), 3),
                  "REGISTER_BUFFERS([{{mem, 10}}, {{mem + 20, 10}}, {{unmapped, 4096}}], 3)");
    g_probe.value(reg(ring, RegisterOp::UnregisterBuffers, 0, 0), "UNREGISTER_BUFFERS after that");
    g_probe.value(reg(ring, RegisterOp::RegisterBuffers, addr(partial), 2),
                  "REGISTER_BUFFERS([{{mem, 10}}, {{mem + 20, 10}}], 2)");
    g_probe.value(reg(ring, RegisterOp::RegisterBuffers, addr(partial), 2), "REGISTER_BUFFERS again");
    g_probe.value(reg(ring, RegisterOp::UnregisterBuffers, addr(partial), 0), "UNREGISTER_BUFFERS(iovs, 0)");
    g_probe.value(reg(ring, RegisterOp::UnregisterBuffers, 0, 1), "UNREGISTER_BUFFERS(NULL, 1)");
    g_probe.value(reg(ring, RegisterOp::UnregisterBuffers, 0, 0), "UNREGISTER_BUFFERS(NULL, 0)");
    g_probe.value(reg(ring, RegisterOp::UnregisterBuffers, 0, 0), "UNREGISTER_BUFFERS again");

    // IORING_REGISTER_BUFFERS2: the same table, described by a struct.
    RsrcRegister rr{};
    auto reg2 = [&](StringView call, uint32_t size = sizeof(RsrcRegister)) {
        const long r = reg(ring, RegisterOp::RegisterBuffers2, addr(&rr), size);
        g_probe.value(r, call);
        if (r == 0) (void)reg(ring, RegisterOp::UnregisterBuffers, 0, 0);
    };
    rr = {2, 0, 0, addr(partial), 0};
    reg2("REGISTER_BUFFERS2({{nr 2, iovs}}, 16)", 16);
    reg2("REGISTER_BUFFERS2({{nr 2, iovs}}, 33)", 33);
    g_probe.value(reg(ring, RegisterOp::RegisterBuffers2, kUnmapped, sizeof rr), "REGISTER_BUFFERS2(0x10000000000, 32)");
    g_probe.value(reg(ring, RegisterOp::RegisterBuffers2, 0, sizeof rr), "REGISTER_BUFFERS2(NULL, 32)");
    reg2("REGISTER_BUFFERS2({{nr 2, iovs}}, 32)");
    rr.nr = 0;
    reg2("REGISTER_BUFFERS2({{nr 0, iovs}}, 32)");
    rr = {2, 0, 1, addr(partial), 0};
    reg2("REGISTER_BUFFERS2({{nr 2, resv2 1, iovs}}, 32)");
    rr = {2, 2, 0, addr(partial), 0};
    reg2("REGISTER_BUFFERS2({{nr 2, flags 2, iovs}}, 32)");
    rr = {2, kRsrcRegisterSparse, 0, addr(partial), 0};
    reg2("REGISTER_BUFFERS2({{nr 2, SPARSE, iovs}}, 32)");
    rr = {16384, kRsrcRegisterSparse, 0, 0, 0};
    reg2("REGISTER_BUFFERS2({{nr 16384, SPARSE}}, 32)");
    rr = {16385, kRsrcRegisterSparse, 0, 0, 0};
    reg2("REGISTER_BUFFERS2({{nr 16385, SPARSE}}, 32)");
    rr = {3, 0, 0, 0, 0};
    reg2("REGISTER_BUFFERS2({{nr 3, no iovs, no SPARSE}}, 32)");
    const uint64_t zero_tags[2] = {0, 0};
    const uint64_t tag_one[2] = {0, 1};
    rr = {2, 0, 0, addr(partial), addr(zero_tags)};
    reg2("REGISTER_BUFFERS2({{nr 2, iovs, tags 0 0}}, 32)");
    rr = {2, kRsrcRegisterSparse, 0, 0, addr(tag_one)};
    reg2("REGISTER_BUFFERS2({{nr 2, SPARSE, tags 0 1}}, 32)");
    rr = {2, 0, 0, addr(partial), kUnmapped};
    reg2("REGISTER_BUFFERS2({{nr 2, iovs, tags 0x10000000000}}, 32)");
}

void update_buffer_calls(Ring& uring, const Pipe& p) {
    const int ring = uring.fd();
    const uint64_t m = addr(g_mem);
    RsrcUpdate2 up{};
    auto update = [&](StringView call, uint32_t size = sizeof(RsrcUpdate2)) {
        g_probe.value(reg(ring, RegisterOp::RegisterBuffersUpdate, addr(&up), size), call);
    };
    const IoVec fresh[2] = {{m + kPage, 64}, {0, 0}};
    up = {0, 0, addr(fresh), 0, 1, 0};
    update("BUFFERS_UPDATE({{offset 0, nr 1}}) with no table");
    const IoVec two[2] = {{m, 64}, {m + 2 * kPage, 64}};
    g_probe.value(reg(ring, RegisterOp::RegisterBuffers, addr(two), 2), "REGISTER_BUFFERS([{{mem, 64}}, {{mem + 8192, 64}}], 2)");
    update("BUFFERS_UPDATE({{offset 0, nr 1}}, 24)", 24);
    g_probe.value(reg(ring, RegisterOp::RegisterBuffersUpdate, kUnmapped, sizeof up), "BUFFERS_UPDATE(0x10000000000, 32)");
    up = {0, 0, addr(fresh), 0, 0, 0};
    update("BUFFERS_UPDATE({{offset 0, nr 0}})");
    up = {0, 1, addr(fresh), 0, 1, 0};
    update("BUFFERS_UPDATE({{offset 0, resv 1, nr 1}})");
    up = {0, 0, addr(fresh), 0, 1, 1};
    update("BUFFERS_UPDATE({{offset 0, nr 1, resv2 1}})");
    up = {0xffffffff, 0, addr(fresh), 0, 2, 0};
    update("BUFFERS_UPDATE({{offset 0xffffffff, nr 2}})");
    up = {2, 0, addr(fresh), 0, 1, 0};
    update("BUFFERS_UPDATE({{offset 2, nr 1}}) of 2 slots");
    up = {1, 0, addr(fresh), 0, 2, 0};
    update("BUFFERS_UPDATE({{offset 1, nr 2}}) of 2 slots");
    up = {1, 0, kUnmapped, 0, 1, 0};
    update("BUFFERS_UPDATE({{offset 1, nr 1, iovs 0x10000000000}})");
    const IoVec bad_second[2] = {{m + kPage, 64}, {kUnmapped, 64}};
    up = {0, 0, addr(bad_second), 0, 2, 0};
    update("BUFFERS_UPDATE({{offset 0, nr 2, [{{mem + 4096, 64}}, {{unmapped, 64}}]}})");
    sqe_probe(uring, "SQE WRITE_FIXED(pipe, mem, 8, buf 0) after slot 0 moved",
              [&](Sqe* s) { fixed(s, Op::WriteFixed, p.w, m, 8, 0); });
    sqe_probe(uring, "SQE WRITE_FIXED(pipe, mem + 4096, 8, buf 0)",
              [&](Sqe* s) { fixed(s, Op::WriteFixed, p.w, m + kPage, 8, 0); });
    held(p);
    const IoVec empty_first[1] = {{0, 0}};
    up = {1, 0, addr(empty_first), 0, 1, 0};
    update("BUFFERS_UPDATE({{offset 1, nr 1, [{{NULL, 0}}]}})");
    sqe_probe(uring, "SQE WRITE_FIXED(pipe, mem + 8192, 8, buf 1) after slot 1 emptied",
              [&](Sqe* s) { fixed(s, Op::WriteFixed, p.w, m + 2 * kPage, 8, 1); });
    const IoVec null_five[1] = {{0, 5}};
    up = {1, 0, addr(null_five), 0, 1, 0};
    update("BUFFERS_UPDATE({{offset 1, nr 1, [{{NULL, 5}}]}})");
    const uint64_t tag_one[1] = {1};
    up = {1, 0, addr(empty_first), addr(tag_one), 1, 0};
    update("BUFFERS_UPDATE({{offset 1, nr 1, [{{NULL, 0}}], tags 1}})");
    g_probe.value(reg(ring, RegisterOp::UnregisterBuffers, 0, 0), "UNREGISTER_BUFFERS");
}

// -------------------------------------------------------- fixed requests

void fixed_requests(int ring_fd, Ring& ring, const Pipe& p) {
    const uint64_t m = addr(g_mem);
    batch_probe(ring, "batch [WRITE_FIXED(pipe, mem, 8, buf 0), NOP] with no buffers registered",
                [&](Sqe* s) { fixed(s, Op::WriteFixed, p.w, m, 8, 0); });
    batch_probe(ring, "batch [READ_FIXED(pipe, mem, 8, buf 0), NOP] with no buffers registered",
                [&](Sqe* s) { fixed(s, Op::ReadFixed, p.r, m, 8, 0); });

    // Slot 0: 100 bytes from mem + 10; slot 1 empty; slot 2: two pages from mem + 4000.
    const IoVec table[3] = {{m + 10, 100}, {0, 0}, {m + 4000, 2 * kPage}};
    g_probe.value(reg(ring_fd, RegisterOp::RegisterBuffers, addr(table), 3),
                  "REGISTER_BUFFERS([{{mem + 10, 100}}, {{NULL, 0}}, {{mem + 4000, 8192}}], 3)");
    g_probe.value(reg(ring_fd, RegisterOp::RegisterBuffers, addr(table), 3), "REGISTER_BUFFERS again");
    const RsrcRegister rr{1, kRsrcRegisterSparse, 0, 0, 0};
    g_probe.value(reg(ring_fd, RegisterOp::RegisterBuffers2, addr(&rr), sizeof rr), "REGISTER_BUFFERS2 while registered");

    struct Case {
        const char* call;
        Op op;
        uint64_t address;
        uint32_t len;
        uint16_t index;
    };
    const Case cases[] = {
        {"SQE WRITE_FIXED(pipe, mem + 10, 8, buf 0)", Op::WriteFixed, m + 10, 8, 0},
        {"SQE WRITE_FIXED(pipe, mem + 102, 8, buf 0) (its last 8 bytes)", Op::WriteFixed, m + 102, 8, 0},
        {"SQE WRITE_FIXED(pipe, mem + 103, 8, buf 0) (one byte past its end)", Op::WriteFixed, m + 103, 8, 0},
        {"SQE WRITE_FIXED(pipe, mem + 9, 8, buf 0) (one byte before it)", Op::WriteFixed, m + 9, 8, 0},
        {"SQE WRITE_FIXED(pipe, mem + 110, 0, buf 0) (its end, 0 bytes)", Op::WriteFixed, m + 110, 0, 0},
        {"SQE WRITE_FIXED(pipe, NULL, 0, buf 0)", Op::WriteFixed, 0, 0, 0},
        {"SQE WRITE_FIXED(pipe, mem + 10, 0x80000000, buf 0)", Op::WriteFixed, m + 10, 0x80000000u, 0},
        {"SQE WRITE_FIXED(pipe, mem + 10, 0xffffffff, buf 0)", Op::WriteFixed, m + 10, 0xffffffffu, 0},
        {"SQE WRITE_FIXED(pipe, 0xfffffffffffffff0, 32, buf 0)", Op::WriteFixed, 0xfffffffffffffff0ull, 32, 0},
        {"SQE WRITE_FIXED(pipe, 0xffffffff80000000, 8, buf 0)", Op::WriteFixed, kKernelImage, 8, 0},
        {"SQE WRITE_FIXED(pipe, mem + 10, 8, buf 1) (an empty slot)", Op::WriteFixed, m + 10, 8, 1},
        {"SQE WRITE_FIXED(pipe, mem + 10, 8, buf 3) (past the table)", Op::WriteFixed, m + 10, 8, 3},
        {"SQE WRITE_FIXED(pipe, mem + 10, 8, buf 65535)", Op::WriteFixed, m + 10, 8, 65535},
        {"SQE WRITE_FIXED(pipe, mem + 4090, 12, buf 2) (across a page)", Op::WriteFixed, m + 4090, 12, 2},
        {"SQE WRITE_FIXED(pipe, mem + 10, 8, buf 2) (another slot's range)", Op::WriteFixed, m + 10, 8, 2},
    };
    for (const Case& c : cases) {
        sqe_probe(ring, c.call, [&](Sqe* s) { fixed(s, c.op, p.w, c.address, c.len, c.index); });
        held(p);
    }
    batch_probe(ring, "batch [WRITE_FIXED(pipe, mem, 8, buf 3), NOP]",
                [&](Sqe* s) { fixed(s, Op::WriteFixed, p.w, m + 10, 8, 3); });
    batch_probe(ring, "batch [WRITE_FIXED(pipe, mem + 200, 8, buf 0), NOP]",
                [&](Sqe* s) { fixed(s, Op::WriteFixed, p.w, m + 200, 8, 0); });
    batch_probe(ring, "batch [WRITE_FIXED(pipe, mem + 10, 8, buf 0) ioprio 1, NOP]", [&](Sqe* s) {
        fixed(s, Op::WriteFixed, p.w, m + 10, 8, 0);
        s->ioprio = 1;
    });
    held(p);
    sqe_probe(ring, "SQE WRITE_FIXED(99, mem + 10, 8, buf 0)",
              [&](Sqe* s) { fixed(s, Op::WriteFixed, 99, m + 10, 8, 0); });
    sqe_probe(ring, "SQE WRITE_FIXED(99, mem + 10, 8, buf 3) (bad fd and bad buffer)",
              [&](Sqe* s) { fixed(s, Op::WriteFixed, 99, m + 10, 8, 3); });
    sqe_probe(ring, "SQE WRITE_FIXED(read end, mem + 10, 8, buf 0)",
              [&](Sqe* s) { fixed(s, Op::WriteFixed, p.r, m + 10, 8, 0); });
    sqe_probe(ring, "SQE READ_FIXED(write end, mem + 10, 8, buf 0)",
              [&](Sqe* s) { fixed(s, Op::ReadFixed, p.w, m + 10, 8, 0); });
    sqe_probe(ring, "SQE WRITE_FIXED(ring, mem + 10, 8, buf 0)",
              [&](Sqe* s) { fixed(s, Op::WriteFixed, ring_fd, m + 10, 8, 0); });

    // Reads: the bytes land in the registered memory, where the program sees them.
    (void)sys::write(p.w, "0123456789ABCDEF", 16);
    sqe_probe(ring, "SQE READ_FIXED(pipe with 16 bytes, mem + 4094, 6, buf 2) (across a page)",
              [&](Sqe* s) { fixed(s, Op::ReadFixed, p.r, m + 4094, 6, 2); });
    g_probe.note("  mem + 4094 holds \"{}\"", StringView(reinterpret_cast<char*>(g_mem + 4094), 6));
    sqe_probe(ring, "SQE READ_FIXED(pipe, mem + 11, 100, buf 0) (past its end)",
              [&](Sqe* s) { fixed(s, Op::ReadFixed, p.r, m + 11, 100, 0); });
    sqe_probe(ring, "SQE READ_FIXED(pipe, mem + 10, 100, buf 0)",
              [&](Sqe* s) { fixed(s, Op::ReadFixed, p.r, m + 10, 100, 0); });
    g_probe.note("  mem + 10 holds \"{}\"", StringView(reinterpret_cast<char*>(g_mem + 10), 10));
    held(p);

    // What the probe says, now that the opcodes exist.
    struct {
        Probe header;
        ProbeOp ops[64];
    } probe{};
    const long r = reg(ring_fd, RegisterOp::RegisterProbe, addr(&probe), 8);
    auto has = [&](Op op) { return (probe.ops[static_cast<int>(op)].flags & kOpSupported) ? "yes" : "no"; };
    char shown[80];
    format_to(shown, sizeof shown, "0, READ_FIXED {}, WRITE_FIXED {}", has(Op::ReadFixed), has(Op::WriteFixed));
    g_probe.says(r, shown, "REGISTER_PROBE(buf, 8)");
    g_probe.value(reg(ring_fd, RegisterOp::UnregisterBuffers, 0, 0), "UNREGISTER_BUFFERS");
}

// ------------------------------------------------------------------- files

void file_calls(int ring_fd, Ring& ring, const Pipe& p) {
    g_probe.value(reg(ring_fd, RegisterOp::UnregisterFiles, 0, 0), "UNREGISTER_FILES with none");
    RsrcUpdate up{0, 0, 0};
    const int32_t one_fd[1] = {p.w};
    up.data = addr(one_fd);
    g_probe.value(reg(ring_fd, RegisterOp::RegisterFilesUpdate, addr(&up), 1), "FILES_UPDATE({{0, fds}}, 1) with none");
    sqe_probe(ring, "SQE WRITE(0, \"x\", 1) FIXED_FILE with no files", [&](Sqe* s) {
        iou::prep_write(s, 0, "x", 1);
        iou::sqe_fixed_file(s);
    });
    batch_probe(ring, "batch [WRITE(0, \"x\", 1) FIXED_FILE, NOP] with no files", [&](Sqe* s) {
        iou::prep_write(s, 0, "x", 1);
        iou::sqe_fixed_file(s);
    });

    auto register_files = [&](StringView call, uint64_t fds, uint64_t n) {
        const long r = reg(ring_fd, RegisterOp::RegisterFiles, fds, n);
        g_probe.value(r, call);
        if (r == 0) (void)reg(ring_fd, RegisterOp::UnregisterFiles, 0, 0);
    };
    const int32_t bad[3] = {p.r, 77, p.w};
    const int32_t ring_in[2] = {p.r, ring_fd};
    const int32_t skip[1] = {kRegisterFilesSkip};
    const int32_t huge_fd[1] = {0x7fffffff};
    register_files("REGISTER_FILES(NULL, 1)", 0, 1);
    register_files("REGISTER_FILES([read end], 0)", addr(one_fd), 0);
    register_files("REGISTER_FILES(fds, 1<<20 + 1)", addr(one_fd), (1u << 20) + 1);
    register_files("REGISTER_FILES(0x10000000000, 1)", kUnmapped, 1);
    register_files("REGISTER_FILES([read end, 77, write end], 3)", addr(bad), 3);
    register_files("REGISTER_FILES([read end, ring], 2)", addr(ring_in), 2);
    register_files("REGISTER_FILES([-2], 1)", addr(skip), 1);
    register_files("REGISTER_FILES([0x7fffffff], 1)", addr(huge_fd), 1);
    g_probe.value(reg(ring_fd, RegisterOp::UnregisterFiles, 0, 0), "UNREGISTER_FILES after the failures");

    const int32_t table[3] = {p.r, -1, p.w};
    g_probe.value(reg(ring_fd, RegisterOp::RegisterFiles, addr(table), 3), "REGISTER_FILES([read end, -1, write end], 3)");
    g_probe.value(reg(ring_fd, RegisterOp::RegisterFiles, addr(table), 3), "REGISTER_FILES again");
    RsrcRegister rr{2, kRsrcRegisterSparse, 0, 0, 0};
    g_probe.value(reg(ring_fd, RegisterOp::RegisterFiles2, addr(&rr), sizeof rr), "REGISTER_FILES2 while registered");
    g_probe.value(reg(ring_fd, RegisterOp::UnregisterFiles, addr(table), 0), "UNREGISTER_FILES(fds, 0)");
    g_probe.value(reg(ring_fd, RegisterOp::UnregisterFiles, 0, 3), "UNREGISTER_FILES(NULL, 3)");

    auto fixed_write = [&](StringView call, int index) {
        sqe_probe(ring, call, [&](Sqe* s) {
            iou::prep_write(s, index, "hello", 5);
            iou::sqe_fixed_file(s);
        });
    };
    auto fixed_read = [&](StringView call, int index) {
        sqe_probe(ring, call, [&](Sqe* s) {
            iou::prep_read(s, index, g_in, 5);
            iou::sqe_fixed_file(s);
        });
    };
    fixed_write("SQE WRITE(2, \"hello\", 5) FIXED_FILE (the write end)", 2);
    fixed_read("SQE READ(0, buf, 5) FIXED_FILE (the read end)", 0);
    g_probe.note("  buf holds \"{}\"", StringView(g_in, 5));
    fixed_write("SQE WRITE(1, ...) FIXED_FILE (an empty slot)", 1);
    fixed_write("SQE WRITE(3, ...) FIXED_FILE (past the table)", 3);
    fixed_write("SQE WRITE(-1, ...) FIXED_FILE", -1);
    fixed_write("SQE WRITE(0, ...) FIXED_FILE (the read end)", 0);
    fixed_read("SQE READ(2, ...) FIXED_FILE (the write end)", 2);
    batch_probe(ring, "batch [WRITE(3, ...) FIXED_FILE, NOP]", [&](Sqe* s) {
        iou::prep_write(s, 3, "hello", 5);
        iou::sqe_fixed_file(s);
    });
    sqe_probe(ring, "SQE NOP FIXED_FILE", [&](Sqe* s) {
        iou::prep_nop(s);
        iou::sqe_fixed_file(s);
    });

    // Both registered at once: a fixed buffer through a fixed file.
    const IoVec buffers[1] = {{addr(g_mem), 64}};
    g_probe.value(reg(ring_fd, RegisterOp::RegisterBuffers, addr(buffers), 1), "REGISTER_BUFFERS([{{mem, 64}}], 1)");
    sqe_probe(ring, "SQE WRITE_FIXED(2, mem, 6, buf 0) FIXED_FILE", [&](Sqe* s) {
        fixed(s, Op::WriteFixed, 2, addr(g_mem), 6, 0);
        iou::sqe_fixed_file(s);
    });
    held(p);
    sqe_probe(ring, "SQE WRITE_FIXED(1, mem, 6, buf 5) FIXED_FILE (empty slot, bad buffer)", [&](Sqe* s) {
        fixed(s, Op::WriteFixed, 1, addr(g_mem), 6, 5);
        iou::sqe_fixed_file(s);
    });
    (void)reg(ring_fd, RegisterOp::UnregisterBuffers, 0, 0);

    // Updates, as IORING_REGISTER_FILES_UPDATE (nr_args counts the fds).
    auto update = [&](StringView call, uint32_t offset, uint64_t fds, uint64_t n, uint32_t resv = 0) {
        up = {offset, resv, fds};
        g_probe.value(reg(ring_fd, RegisterOp::RegisterFilesUpdate, addr(&up), n), call);
    };
    const int32_t write_end[1] = {p.w};
    update("FILES_UPDATE({{1, [write end]}}, 1)", 1, addr(write_end), 1);
    fixed_write("SQE WRITE(1, \"hello\", 5) FIXED_FILE after the update", 1);
    held(p);
    update("FILES_UPDATE({{0, fds}}, 0)", 0, addr(write_end), 0);
    update("FILES_UPDATE({{0, resv 1, fds}}, 1)", 0, addr(write_end), 1, 1);
    update("FILES_UPDATE({{0xffffffff, fds}}, 2)", 0xffffffff, addr(write_end), 2);
    update("FILES_UPDATE({{2, fds}}, 2) of 3 slots", 2, addr(write_end), 2);
    update("FILES_UPDATE({{3, fds}}, 1) of 3 slots", 3, addr(write_end), 1);
    update("FILES_UPDATE({{0, 0x10000000000}}, 1)", 0, kUnmapped, 1);
    g_probe.value(reg(ring_fd, RegisterOp::RegisterFilesUpdate, kUnmapped, 1), "FILES_UPDATE(0x10000000000, 1)");
    const int32_t skip_bad_ok[3] = {kRegisterFilesSkip, 77, p.r};
    update("FILES_UPDATE({{0, [SKIP, 77, read end]}}, 3)", 0, addr(skip_bad_ok), 3);
    fixed_write("SQE WRITE(1, ...) FIXED_FILE: slot 1 emptied by the failed fd", 1);
    const int32_t bad_first[2] = {77, p.w};
    update("FILES_UPDATE({{2, [77, write end]}}, 1)", 2, addr(bad_first), 1);
    fixed_write("SQE WRITE(2, ...) FIXED_FILE: slot 2 emptied too", 2);
    const int32_t ring_fd_array[1] = {ring_fd};
    update("FILES_UPDATE({{2, [ring]}}, 1)", 2, addr(ring_fd_array), 1);
    const int32_t clear[1] = {-1};
    update("FILES_UPDATE({{0, [-1]}}, 1)", 0, addr(clear), 1);
    fixed_read("SQE READ(0, ...) FIXED_FILE after slot 0 cleared", 0);

    // IORING_REGISTER_FILES_UPDATE2 and FILES2: the struct forms.
    RsrcUpdate2 up2{1, 0, addr(write_end), 0, 1, 0};
    g_probe.value(reg(ring_fd, RegisterOp::RegisterFilesUpdate2, addr(&up2), sizeof up2), "FILES_UPDATE2({{1, [write end], nr 1}})");
    g_probe.value(reg(ring_fd, RegisterOp::RegisterFilesUpdate2, addr(&up2), 16), "FILES_UPDATE2(.., 16)");
    up2.nr = 0;
    g_probe.value(reg(ring_fd, RegisterOp::RegisterFilesUpdate2, addr(&up2), sizeof up2), "FILES_UPDATE2({{nr 0}})");
    g_probe.value(reg(ring_fd, RegisterOp::UnregisterFiles, 0, 0), "UNREGISTER_FILES");
    g_probe.value(reg(ring_fd, RegisterOp::UnregisterFiles, 0, 0), "UNREGISTER_FILES again");
    g_probe.value(reg(ring_fd, RegisterOp::RegisterFiles2, addr(&rr), 8), "REGISTER_FILES2({{nr 2, SPARSE}}, 8)");
    rr = {2, kRsrcRegisterSparse, 0, addr(table), 0};
    g_probe.value(reg(ring_fd, RegisterOp::RegisterFiles2, addr(&rr), sizeof rr), "REGISTER_FILES2({{nr 2, SPARSE, fds}})");
    rr = {2, kRsrcRegisterSparse, 0, 0, 0};
    g_probe.value(reg(ring_fd, RegisterOp::RegisterFiles2, addr(&rr), sizeof rr), "REGISTER_FILES2({{nr 2, SPARSE}})");
    fixed_write("SQE WRITE(0, ...) FIXED_FILE in a sparse table", 0);
    up2 = {0, 0, addr(write_end), 0, 1, 0};
    g_probe.value(reg(ring_fd, RegisterOp::RegisterFilesUpdate2, addr(&up2), sizeof up2), "FILES_UPDATE2({{0, [write end], nr 1}})");
    fixed_write("SQE WRITE(0, \"hello\", 5) FIXED_FILE after it", 0);
    held(p);
    const int32_t skip_tagged[1] = {kRegisterFilesSkip};
    const uint64_t tag_one[1] = {1};
    up2 = {0, 0, addr(skip_tagged), addr(tag_one), 1, 0};
    g_probe.value(reg(ring_fd, RegisterOp::RegisterFilesUpdate2, addr(&up2), sizeof up2), "FILES_UPDATE2({{0, [SKIP], tags 1, nr 1}})");
    (void)reg(ring_fd, RegisterOp::UnregisterFiles, 0, 0);
}

/// A registered descriptor outlives its close: the table holds the file.
void close_a_registered_fd(int ring_fd, Ring& ring) {
    int fds[2] = {-1, -1};
    g_probe.ok(sys::pipe2(fds, abi::open_flag::NonBlock), "pipe2(fds, O_NONBLOCK) (a second pipe)");
    const int32_t write_end[1] = {fds[1]};
    g_probe.value(reg(ring_fd, RegisterOp::RegisterFiles, addr(write_end), 1), "REGISTER_FILES([its write end], 1)");
    g_probe.value(sys::close(fds[1]), "close(its write end)");
    sqe_probe(ring, "SQE WRITE(0, \"still\", 5) FIXED_FILE", [&](Sqe* s) {
        iou::prep_write(s, 0, "still", 5);
        iou::sqe_fixed_file(s);
    });
    held(Pipe{fds[0], -1});
    g_probe.value(reg(ring_fd, RegisterOp::UnregisterFiles, 0, 0), "UNREGISTER_FILES");
    g_probe.value(sys::read(fds[0], g_in, sizeof g_in), "read(its read end): the last writer has gone");
    (void)sys::close(fds[0]);
}

}  // namespace

int main(int, char**, char**) {
    const long mem = mmap_anon(3 * kPage, prot::Read | prot::Write);
    g_probe.ok(mem, "mmap(3 pages, RW)");
    const long ro = mmap_anon(kPage, prot::Read);
    g_probe.ok(ro, "mmap(4096, R)");
    const long none = mmap_anon(kPage, prot::None);
    g_probe.ok(none, "mmap(4096, NONE)");
    // Where neither kernel puts a mapping of its own, so the hole stays one.
    const long holed = sys::mmap(reinterpret_cast<void*>(probe::kEdgePage), 3 * kPage, prot::Read | prot::Write,
                                 map::Private | map::Anonymous | map::FixedNoReplace, -1, 0);
    g_probe.says(holed, static_cast<uint64_t>(holed) == probe::kEdgePage ? "at the address asked for" : "elsewhere",
                 "mmap(0x500000000000, 3 pages, RW, FIXED_NOREPLACE)");
    if (mem < 0 || ro < 0 || none < 0 || holed < 0) return 1;
    g_probe.value(sys::munmap(reinterpret_cast<void*>(holed + kPage), kPage), "munmap(its middle page)");
    g_mem = reinterpret_cast<uint8_t*>(mem);
    for (uint64_t i = 0; i < 3 * kPage; ++i) g_mem[i] = static_cast<uint8_t>('a' + i % 26);
    g_readonly = static_cast<uint64_t>(ro);
    g_none = static_cast<uint64_t>(none);
    g_holed = static_cast<uint64_t>(holed);

    Ring ring;
    g_probe.ok(ring.init(8), "io_uring_setup(8) and its mappings");
    const Pipe p = open_pipe();
    register_buffer_calls(ring.fd());
    update_buffer_calls(ring, p);
    fixed_requests(ring.fd(), ring, p);
    file_calls(ring.fd(), ring, p);
    close_a_registered_fd(ring.fd(), ring);
    ring.exit();
    (void)sys::close(p.r), (void)sys::close(p.w);
    g_probe.end();
    return 0;
}
