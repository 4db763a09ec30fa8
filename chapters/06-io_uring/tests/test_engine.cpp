/**
 * @file chapters/06-io_uring/tests/test_engine.cpp
 * @brief The io_uring engine (uring/engine.cpp) driven by a fake kernel.
 *
 * Each test builds a ring in heap memory of exactly the layout's size (so
 * ASan sees any access past a region), plays the user's side through
 * UserSide (queue SQEs, publish the tail, reap CQEs, move the head) and
 * plays the kernel's side with FakeExecutor (pipes that park READs until a
 * WRITE arrives, bad fds, faulting buffers) and FakeWaiter. The expected
 * values are what Linux 6.18 was seen doing (see docs/io_uring-notes.md).
 */
#include <criterion/criterion.h>

#include <climits>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <vector>

#include "common/abi/io_uring.h"
#include "common/abi/linux.h"
#include "uring/engine.cpp"

namespace {

namespace iu = abi::io_uring;
using abi::Errno;
using iu::Cqe;
using iu::Op;
using iu::Sqe;
using uring::IssueResult;
using uring::Request;

constexpr int kPipeRead = 10;   ///< fake fd: READs wait here until a WRITE to kPipeWrite
constexpr int kPipeWrite = 11;  ///< fake fd: WRITEs complete parked READs
constexpr int kBadFd = 99;      ///< fake fd: not open
constexpr uint64_t kUnmapped = 0x1000;  ///< a user address with nothing mapped
constexpr uint64_t kBadIovec = 0x2000;  ///< an iovec array the executor cannot read

/// A Result as the raw syscall convention: the value (0 if not a number), or -errno. The tests
/// compare numbers, as a program would see them.
template <typename T>
long raw(const Result<T>& r) {
    if (!r) return -r.error();
    if constexpr (std::is_arithmetic_v<T>) return static_cast<long>(*r);
    else return 0;  // Result<void>, or a value the test looks at itself
}

/// The fake kernel: fds 1 and 2 accept writes, a one-way pipe parks reads.
struct FakeExecutor final : uring::Executor {
    std::vector<Request*> parked;        ///< READs waiting on the pipe, oldest first
    std::vector<uint64_t> issued;        ///< user_data of each issue() call
    std::vector<Request*> cancelled;     ///< requests cancel() was called on
    std::vector<uint64_t> seen_addr;     ///< sqe.addr as each issue() saw it
    uint32_t pipe_bytes = 0;             ///< bytes written to the pipe and not yet read
    uring::Ring* ring = nullptr;

    Result<void> prepare(Request& r) override {
        const auto op = static_cast<Op>(r.sqe.opcode);
        if ((op == Op::Readv || op == Op::Writev) && r.sqe.addr == kBadIovec) return Err(Errno::Fault);
        return {};
    }

    IssueResult issue(Request& r) override {
        issued.push_back(r.sqe.user_data);
        seen_addr.push_back(r.sqe.addr);
        const auto op = static_cast<Op>(r.sqe.opcode);
        const int fd = r.sqe.fd;
        if (op == Op::Close) return IssueResult::done(fd == kBadFd ? -Errno::BadF : 0);
        if (fd == kBadFd) return IssueResult::done(static_cast<int32_t>(-Errno::BadF));
        if (r.sqe.addr == kUnmapped) return IssueResult::done(static_cast<int32_t>(-Errno::Fault));
        if (op == Op::Read && fd == kPipeRead) {
            if (pipe_bytes == 0) {
                parked.push_back(&r);
                return IssueResult::later();
            }
            const uint32_t n = r.sqe.len < pipe_bytes ? r.sqe.len : pipe_bytes;
            pipe_bytes -= n;
            return IssueResult::done(static_cast<int32_t>(n));
        }
        if (op == Op::Write && fd == kPipeWrite) {
            write_pipe(r.sqe.len);
            return IssueResult::done(static_cast<int32_t>(r.sqe.len));
        }
        if (op == Op::Write || op == Op::Writev) return IssueResult::done(static_cast<int32_t>(r.sqe.len));
        return IssueResult::done(static_cast<int32_t>(-Errno::BadF));
    }

    void cancel(Request& r) override {
        cancelled.push_back(&r);
        std::erase(parked, &r);
    }

    /// A write to the pipe (from a WRITE request or a "write syscall"):
    /// hands the bytes to parked READs, oldest first, completing them.
    void write_pipe(uint32_t bytes) {
        pipe_bytes += bytes;
        while (!parked.empty() && pipe_bytes > 0) {
            Request* r = parked.front();
            parked.erase(parked.begin());
            const uint32_t n = r->sqe.len < pipe_bytes ? r->sqe.len : pipe_bytes;
            pipe_bytes -= n;
            cr_assert(ring->complete(*r, static_cast<int32_t>(n)));
        }
    }
};

/// The fake scheduler: each wait() call runs @c on_wait.
struct FakeWaiter final : uring::Waiter {
    std::function<long(uring::Ring&, uint32_t)> on_wait;
    int calls = 0;
    uint32_t last_min = 0;
    Result<void> wait(uring::Ring& ring, uint32_t min_complete) override {
        ++calls;
        last_min = min_complete;
        const long ret = on_wait ? on_wait(ring, min_complete) : -Errno::Intr;  // 0, or -errno
        if (ret < 0) return Err(static_cast<Errno>(-ret));
        return {};
    }
};

/// A ring with its memory, storage and fakes, plus the user's view of it.
template <size_t kBacklog = 16, size_t kRequests = 16>
struct TestRing {
    iu::Params params{};
    uring::Layout layout{};
    std::unique_ptr<uint8_t[]> rings;
    std::unique_ptr<uint8_t[]> sqe_region;
    uring::FixedStorage<kBacklog, kRequests> storage{};
    FakeExecutor executor;
    uring::Ring ring;
    uint32_t sqe_tail = 0;  ///< user's next SQE slot (the user's private copy of the tail)

    explicit TestRing(uint32_t entries, uint32_t flags = 0, uint32_t cq_entries = 0, uint32_t first = 0) {
        params.flags = flags;
        params.cq_entries = cq_entries;
        cr_assert_eq(raw(uring::setup(entries, params, layout)), 0);
        rings.reset(new uint8_t[layout.rings_bytes]);
        sqe_region.reset(new uint8_t[layout.sqes_bytes]);
        std::memset(rings.get(), 0xa5, layout.rings_bytes);  // init must clear this
        std::memset(sqe_region.get(), 0xa5, layout.sqes_bytes);
        uring::RingConfig config;
        config.layout = layout;
        config.rings = rings.get();
        config.sqes = sqe_region.get();
        config.setup_flags = params.flags;
        config.storage = storage.view();
        config.executor = &executor;
        config.first_index = first;
        ring.init(config);
        executor.ring = &ring;
        sqe_tail = first;
    }

    uring::RingHeader& h() { return *ring.header(); }
    uint32_t* sq_array() { return reinterpret_cast<uint32_t*>(rings.get() + layout.sq_off.array); }
    Cqe* cqes() { return reinterpret_cast<Cqe*>(rings.get() + layout.cq_off.cqes); }
    Sqe* sqes() { return reinterpret_cast<Sqe*>(sqe_region.get()); }

    /// Write @p sqe into the next slot and publish the new tail (index array: identity).
    Sqe* queue(const Sqe& sqe) {
        const uint32_t slot = sqe_tail & (layout.sq_entries - 1);
        sqes()[slot] = sqe;
        sq_array()[slot] = slot;
        ++sqe_tail;
        __atomic_store_n(&h().sq_tail, sqe_tail, __ATOMIC_RELEASE);
        return &sqes()[slot];
    }
    /// Take every ready CQE and release the head.
    std::vector<Cqe> reap(uint32_t max = UINT32_MAX) {
        std::vector<Cqe> out;
        uint32_t head = h().cq_head;
        const uint32_t tail = __atomic_load_n(&h().cq_tail, __ATOMIC_ACQUIRE);
        while (head != tail && out.size() < max) out.push_back(cqes()[head++ & (layout.cq_entries - 1)]);
        __atomic_store_n(&h().cq_head, head, __ATOMIC_RELEASE);
        return out;
    }
    long enter(uint32_t to_submit, uint32_t min = 0, uint32_t flags = 0, uring::Waiter* waiter = nullptr) {
        return raw(ring.enter(to_submit, min, flags, waiter));
    }
};

Sqe nop(uint64_t user_data) {
    Sqe s{};
    s.opcode = static_cast<uint8_t>(Op::Nop);
    s.fd = -1;
    s.user_data = user_data;
    return s;
}

Sqe rw(Op op, int fd, uint64_t addr, uint32_t len, uint64_t user_data) {
    Sqe s{};
    s.opcode = static_cast<uint8_t>(op);
    s.fd = fd;
    s.addr = addr;
    s.len = len;
    s.off = ~0ull;
    s.user_data = user_data;
    return s;
}

Sqe read_pipe(uint64_t user_data, uint32_t len = 8) { return rw(Op::Read, kPipeRead, 0x10000, len, user_data); }
Sqe write_pipe(uint64_t user_data, uint32_t len = 8) { return rw(Op::Write, kPipeWrite, 0x20000, len, user_data); }

std::vector<uint64_t> user_datas(const std::vector<Cqe>& cqes) {
    std::vector<uint64_t> out;
    for (const Cqe& c : cqes) out.push_back(c.user_data);
    return out;
}

}  // namespace

// ================================================================== setup

Test(uring_setup, sizes_round_up_and_cq_is_twice_sq) {
    const uint32_t cases[][3] = {
        {1, 1, 2}, {2, 2, 4}, {3, 4, 8}, {5, 8, 16}, {8, 8, 16}, {100, 128, 256}, {32768, 32768, 65536}};
    for (const auto& c : cases) {
        iu::Params p{};
        uring::Layout l;
        cr_assert_eq(raw(uring::setup(c[0], p, l)), 0, "entries %u", c[0]);
        cr_expect_eq(p.sq_entries, c[1], "entries %u -> sq %u", c[0], p.sq_entries);
        cr_expect_eq(p.cq_entries, c[2], "entries %u -> cq %u", c[0], p.cq_entries);
        cr_expect_eq(l.sq_entries, c[1]);
        cr_expect_eq(l.cq_entries, c[2]);
        cr_expect_eq(p.features, uring::kFeatures);
    }
}

Test(uring_setup, bad_sizes_are_einval_unless_clamped) {
    iu::Params p{};
    uring::Layout l;
    cr_expect_eq(raw(uring::setup(0, p, l)), -Errno::Inval);
    p = {};
    p.flags = iu::kSetupClamp;
    cr_expect_eq(raw(uring::setup(0, p, l)), -Errno::Inval, "0 entries is never clamped");
    p = {};
    cr_expect_eq(raw(uring::setup(32769, p, l)), -Errno::Inval);
    cr_expect_eq(p.sq_entries, 0u, "params untouched on failure");
    p = {};
    p.flags = iu::kSetupClamp;
    cr_expect_eq(raw(uring::setup(100000, p, l)), 0);
    cr_expect_eq(p.sq_entries, 32768u);
    cr_expect_eq(p.cq_entries, 65536u);
}

Test(uring_setup, cqsize_rules) {
    struct Case {
        uint32_t sq, cq, flags;
        long ret;
        uint32_t want_cq;
    };
    const uint32_t cqsize = iu::kSetupCqSize, clamp = iu::kSetupClamp;
    const Case cases[] = {
        {8, 0, cqsize, -Errno::Inval, 0},            // zero
        {8, 4, cqsize, -Errno::Inval, 0},            // smaller than the SQ
        {8, 4, cqsize | clamp, -Errno::Inval, 0},    // clamp does not help
        {8, 5, cqsize, 0, 8},                        // rounds up to the SQ size
        {8, 8, cqsize, 0, 8},                        // equal is fine
        {8, 9, cqsize, 0, 16},                       // rounds up
        {3, 4, cqsize, 0, 4},                        // SQ rounds to 4 first
        {8, 65536, cqsize, 0, 65536},                // the maximum
        {8, 65537, cqsize, -Errno::Inval, 0},        // past it
        {8, 65537, cqsize | clamp, 0, 65536},        // clamped
        {8, 0x80000000u, cqsize | clamp, 0, 65536},  // clamped before rounding (no overflow)
        {8, 3, 0, 0, 16},                            // cq_entries ignored without CQSIZE
    };
    for (const Case& c : cases) {
        iu::Params p{};
        p.flags = c.flags;
        p.cq_entries = c.cq;
        uring::Layout l;
        cr_expect_eq(raw(uring::setup(c.sq, p, l)), c.ret, "sq %u cq %u flags %#x", c.sq, c.cq, c.flags);
        if (c.ret == 0) cr_expect_eq(p.cq_entries, c.want_cq, "sq %u cq %u -> %u", c.sq, c.cq, p.cq_entries);
    }
}

Test(uring_setup, flags_and_reserved_fields) {
    uring::Layout l;
    const uint32_t rejected[] = {iu::kSetupIoPoll, iu::kSetupSqPoll, iu::kSetupSqe128, iu::kSetupCqe32,
                                 1u << 20, 1u << 31};
    for (uint32_t flag : rejected) {
        iu::Params p{};
        p.flags = flag;
        cr_expect_eq(raw(uring::setup(8, p, l)), -Errno::Inval, "flag %#x", flag);
    }
    iu::Params p{};
    p.flags = iu::kSetupSubmitAll | iu::kSetupClamp;
    cr_expect_eq(raw(uring::setup(8, p, l)), 0);
    for (int i = 0; i < 3; ++i) {
        iu::Params r{};
        r.resv[i] = 1;
        cr_expect_eq(raw(uring::setup(8, r, l)), -Errno::Inval, "resv[%d]", i);
    }
}

Test(uring_setup, layout_is_linux_6_18s) {
    // What Linux 6.18 reported for io_uring_setup(4) on x86-64.
    iu::Params p{};
    uring::Layout l;
    cr_assert_eq(raw(uring::setup(4, p, l)), 0);
    const uint32_t sq[] = {p.sq_off.head, p.sq_off.tail, p.sq_off.ring_mask, p.sq_off.ring_entries,
                           p.sq_off.flags, p.sq_off.dropped, p.sq_off.array};
    const uint32_t sq_linux[] = {0, 4, 16, 24, 36, 32, 192};
    for (int i = 0; i < 7; ++i) cr_expect_eq(sq[i], sq_linux[i], "sq_off field %d", i);
    const uint32_t cq[] = {p.cq_off.head, p.cq_off.tail, p.cq_off.ring_mask, p.cq_off.ring_entries,
                           p.cq_off.overflow, p.cq_off.cqes, p.cq_off.flags};
    const uint32_t cq_linux[] = {8, 12, 20, 28, 44, 64, 40};
    for (int i = 0; i < 7; ++i) cr_expect_eq(cq[i], cq_linux[i], "cq_off field %d", i);
    cr_expect_eq(l.rings_bytes, 192u + 4 * 4);
    cr_expect_eq(l.sqes_bytes, 4u * 64);
}

Test(uring_setup, layout_regions_do_not_overlap) {
    for (uint32_t sq = 1; sq <= 32768; sq *= 2) {
        for (uint32_t cq : {sq, 2 * sq}) {
            const uring::Layout l = uring::Layout::compute(sq, cq);
            cr_expect_eq(l.cq_off.cqes % 64, 0u);
            cr_expect_eq(l.sq_off.array % 64, 0u);
            cr_expect_geq(l.sq_off.array, l.cq_off.cqes + cq * sizeof(Cqe), "sq %u cq %u", sq, cq);
            cr_expect_eq(l.rings_bytes, l.sq_off.array + sq * sizeof(uint32_t));
            cr_expect_eq(l.sqes_bytes, sq * sizeof(Sqe));
        }
    }
}

Test(uring_setup, mmap_regions) {
    const uring::Layout l = uring::Layout::compute(4, 8);
    auto sq = uring::mmap_region(l, iu::kOffSqRing, 4096);
    auto cq = uring::mmap_region(l, iu::kOffCqRing, l.rings_bytes);
    auto sqes = uring::mmap_region(l, iu::kOffSqes, 256);
    cr_expect(sq && sq->region == uring::Region::Rings && sq->bytes == l.rings_bytes);
    cr_expect(cq && cq->region == uring::Region::Rings, "SINGLE_MMAP: both offsets, one region");
    cr_expect(sqes && sqes->region == uring::Region::Sqes && sqes->bytes == 256);
    cr_expect_eq(raw(uring::mmap_region(l, 0x18000000, 4096)), -Errno::Inval);
    const auto low_bits = uring::mmap_region(l, iu::kOffSqes + 4096, 4096);
    cr_expect(low_bits && low_bits->region == uring::Region::Sqes, "as Linux: offset & IORING_OFF_MMAP_MASK picks the region");
    cr_expect_eq(raw(uring::mmap_region(l, iu::kOffSqRing, 8192)), -Errno::Inval, "longer than the region");
    cr_expect_eq(raw(uring::mmap_region(l, iu::kOffSqRing, 0)), -Errno::Inval);
}

Test(uring_setup, probe) {
    struct {
        iu::Probe header;
        iu::ProbeOp ops[64];
    } probe{};
    cr_assert_eq(raw(uring::fill_probe(&probe.header, 64)), 0);
    cr_expect_eq(probe.header.last_op, static_cast<uint8_t>(Op::Last) - 1);
    cr_expect_eq(probe.header.ops_len, static_cast<uint8_t>(Op::Last), "clamped to the opcodes known");
    for (Op op : {Op::Nop, Op::Read, Op::Write, Op::Readv, Op::Writev, Op::Close}) {
        const auto i = static_cast<uint8_t>(op);
        cr_expect_eq(probe.ops[i].op, i);
        cr_expect_eq(probe.ops[i].flags, iu::kOpSupported, "op %u", i);
    }
    cr_expect_eq(probe.ops[static_cast<uint8_t>(Op::Fsync)].flags, 0);
    cr_expect_eq(probe.ops[static_cast<uint8_t>(Op::Openat)].flags, 0);
    cr_expect_eq(raw(uring::fill_probe(&probe.header, 8)), -Errno::Inval, "the buffer must start zeroed");
    decltype(probe) fresh{};
    cr_expect_eq(raw(uring::fill_probe(&fresh.header, 257)), -Errno::Inval);
    cr_expect_eq(raw(uring::fill_probe(&fresh.header, 2)), 0);
    cr_expect_eq(fresh.header.ops_len, 2);
    cr_expect_eq(fresh.ops[2].flags, 0, "nothing written past nr_args");
}

// ============================================================ submission

Test(uring_submit, init_writes_the_header_and_clears_memory) {
    TestRing<> t(8);
    cr_expect_eq(t.h().sq_ring_mask, 7u);
    cr_expect_eq(t.h().sq_ring_entries, 8u);
    cr_expect_eq(t.h().cq_ring_mask, 15u);
    cr_expect_eq(t.h().cq_ring_entries, 16u);
    cr_expect_eq(t.h().sq_head | t.h().sq_tail | t.h().cq_head | t.h().cq_tail, 0u);
    cr_expect_eq(t.h().sq_flags | t.h().sq_dropped | t.h().cq_overflow | t.h().cq_flags, 0u);
    for (size_t i = sizeof(uring::RingHeader); i < t.layout.rings_bytes; ++i)
        cr_assert_eq(t.rings[i], 0, "rings byte %zu", i);
    for (size_t i = 0; i < t.layout.sqes_bytes; ++i) cr_assert_eq(t.sqe_region[i], 0, "sqe byte %zu", i);
}

Test(uring_submit, nop_round_trip) {
    TestRing<> t(4);
    t.queue(nop(0xfeedface12345678ull));
    cr_expect_eq(t.enter(1), 1);
    cr_expect_eq(t.h().sq_head, 1u, "head published");
    const auto cqes = t.reap();
    cr_assert_eq(cqes.size(), 1u);
    cr_expect_eq(cqes[0].user_data, 0xfeedface12345678ull);
    cr_expect_eq(cqes[0].res, 0);
    cr_expect_eq(cqes[0].flags, 0u);
    cr_expect(t.executor.issued.empty(), "NOP never reaches the executor");
}

Test(uring_submit, batch_completes_in_order) {
    TestRing<> t(8);
    for (uint64_t i = 0; i < 8; ++i) t.queue(i % 2 ? nop(i) : rw(Op::Write, 1, 0x10000, 3, i));
    cr_expect_eq(t.enter(8), 8);
    const auto cqes = t.reap();
    cr_assert_eq(cqes.size(), 8u);
    for (uint64_t i = 0; i < 8; ++i) {
        cr_expect_eq(cqes[i].user_data, i);
        cr_expect_eq(cqes[i].res, i % 2 ? 0 : 3);
    }
}

Test(uring_submit, indices_wrap_at_2_pow_32) {
    TestRing<> t(4, 0, 0, UINT32_MAX - 5);
    uint64_t next = 0;
    std::vector<uint64_t> seen;
    for (int round = 0; round < 5; ++round) {
        for (int i = 0; i < 3; ++i) t.queue(nop(next++));
        cr_expect_eq(t.enter(3), 3, "round %d", round);
        for (const Cqe& c : t.reap()) seen.push_back(c.user_data);
    }
    cr_assert_eq(seen.size(), 15u);
    for (uint64_t i = 0; i < 15; ++i) cr_expect_eq(seen[i], i);
    cr_expect_eq(t.h().sq_head, UINT32_MAX - 5 + 15, "wrapped: %u", t.h().sq_head);
    cr_expect_eq(t.h().cq_tail, UINT32_MAX - 5 + 15);
    cr_expect_lt(t.h().sq_head, 16u);
}

Test(uring_submit, partial_when_fewer_queued_than_to_submit) {
    TestRing<> t(8);
    t.queue(nop(1));
    t.queue(nop(2));
    cr_expect_eq(t.enter(5), 2);
    cr_expect_eq(t.enter(5), 0, "nothing left");
    cr_expect_eq(t.reap().size(), 2u);
    // Linux: a short submission skips the wait, even with GETEVENTS.
    FakeWaiter w;
    t.queue(read_pipe(3));
    cr_expect_eq(t.enter(4, 1, iu::kEnterGetEvents, &w), 1);
    cr_expect_eq(w.calls, 0, "a short submission does not wait");
    cr_expect_eq(t.enter(1, 1, iu::kEnterGetEvents, &w), 0, "empty SQ: 0 != 1, no wait");
    cr_expect_eq(w.calls, 0);
}

Test(uring_submit, to_submit_limits_the_batch) {
    TestRing<> t(8);
    for (int i = 0; i < 6; ++i) t.queue(nop(i));
    cr_expect_eq(t.enter(4), 4);
    cr_expect_eq(t.h().sq_head, 4u);
    cr_expect_eq(t.enter(4), 2);
    cr_expect_eq(user_datas(t.reap()), (std::vector<uint64_t>{0, 1, 2, 3, 4, 5}));
}

Test(uring_submit, index_array_picks_the_sqe) {
    TestRing<> t(4);
    // Four SQEs in slots 0-3, submitted in the order the index array gives: 2, 0, 3, 1.
    for (int i = 0; i < 4; ++i) t.queue(nop(10 + i));
    const uint32_t order[] = {2, 0, 3, 1};
    for (int i = 0; i < 4; ++i) t.sq_array()[i] = order[i];
    cr_expect_eq(t.enter(4), 4);
    cr_expect_eq(user_datas(t.reap()), (std::vector<uint64_t>{12, 10, 13, 11}));
    // The same SQE may be named twice; each naming is one submission.
    for (int i = 0; i < 2; ++i) t.queue(nop(20 + i));
    t.sq_array()[0] = 1;
    t.sq_array()[1] = 1;
    cr_expect_eq(t.enter(2), 2);
    cr_expect_eq(user_datas(t.reap()), (std::vector<uint64_t>{21, 21}));
}

Test(uring_submit, garbage_tail_takes_at_most_one_ring) {
    TestRing<> t(4);
    for (int i = 0; i < 4; ++i) t.queue(nop(i));
    t.h().sq_tail = 1000;  // the user lies
    cr_expect_eq(t.enter(1000), 4);
    cr_expect_eq(t.h().sq_head, 4u);
}

Test(uring_submit, out_of_range_index_is_dropped_and_ends_the_batch) {
    TestRing<> t(4);
    for (int i = 0; i < 4; ++i) t.queue(nop(100 + i));
    t.sq_array()[1] = 99;
    // Linux: the bad slot is consumed and counted, the batch stops there, and
    // the return value counts only what came before it.
    cr_expect_eq(t.enter(4), 1);
    cr_expect_eq(t.h().sq_dropped, 1u);
    cr_expect_eq(t.h().sq_head, 2u);
    cr_expect_eq(t.enter(4), 2, "the rest on the next enter");
    cr_expect_eq(user_datas(t.reap()), (std::vector<uint64_t>{100, 102, 103}));
    // First in the batch: nothing submitted, still consumed.
    t.queue(nop(200));
    t.queue(nop(201));
    t.sq_array()[t.h().sq_head & 3] = 4;  // == sq_entries: out of range too
    cr_expect_eq(t.enter(2), 0);
    cr_expect_eq(t.h().sq_dropped, 2u);
    cr_expect_eq(t.enter(2), 1);
    cr_expect_eq(user_datas(t.reap()), (std::vector<uint64_t>{201}));
    // The counter lives in shared memory: Linux adds to whatever is there.
    t.h().sq_dropped = 40;
    t.queue(nop(300));
    t.sq_array()[t.h().sq_head & 3] = 1000;
    cr_expect_eq(t.enter(1), 0);
    cr_expect_eq(t.h().sq_dropped, 41u);
}

Test(uring_submit, sqe_is_copied_before_use) {
    TestRing<> t(4);
    Sqe* shared = t.queue(read_pipe(7));
    cr_expect_eq(t.enter(1), 1);
    cr_assert_eq(t.executor.parked.size(), 1u);
    // SUBMIT_STABLE: the user reuses the slot; the parked request keeps its copy.
    shared->user_data = 0xbad;
    shared->len = 1;
    t.executor.write_pipe(8);
    const auto cqes = t.reap();
    cr_assert_eq(cqes.size(), 1u);
    cr_expect_eq(cqes[0].user_data, 7u);
    cr_expect_eq(cqes[0].res, 8);
}

// ================================================================ errors

Test(uring_errors, prepare_errors_complete_and_end_the_batch) {
    struct Case {
        const char* what;
        Sqe sqe;
        int32_t res;
    };
    auto with = [](Sqe s, auto&& change) {
        change(s);
        return s;
    };
    const Case cases[] = {
        {"unknown opcode", with(nop(1), [](Sqe& s) { s.opcode = 200; }), static_cast<int32_t>(-Errno::Inval)},
        {"opcode Linux has, we do not", with(nop(1), [](Sqe& s) { s.opcode = static_cast<uint8_t>(Op::Fsync); }),
         static_cast<int32_t>(-Errno::Inval)},
        {"unknown sqe flag", with(nop(1), [](Sqe& s) { s.flags = 0x80; }), static_cast<int32_t>(-Errno::Inval)},
        {"link flag", with(nop(1), [](Sqe& s) { s.flags = iu::kSqeIoLink; }), static_cast<int32_t>(-Errno::Inval)},
        {"personality", with(nop(1), [](Sqe& s) { s.personality = 5; }), static_cast<int32_t>(-Errno::Inval)},
        {"ioprio", with(nop(1), [](Sqe& s) { s.ioprio = 0xffff; }), static_cast<int32_t>(-Errno::Inval)},
        {"nop flags", with(nop(1), [](Sqe& s) { s.rw_flags = 1u << 31; }), static_cast<int32_t>(-Errno::Inval)},
        {"read pad2", with(read_pipe(1), [](Sqe& s) { s.pad2[0] = 1; }), static_cast<int32_t>(-Errno::Inval)},
        {"close addr", with(rw(Op::Close, 5, 1, 0, 1), [](Sqe& s) { s.off = 0; }),
         static_cast<int32_t>(-Errno::Inval)},
        {"close len", with(rw(Op::Close, 5, 0, 1, 1), [](Sqe& s) { s.off = 0; }),
         static_cast<int32_t>(-Errno::Inval)},
        {"close off", rw(Op::Close, 5, 0, 0, 1), static_cast<int32_t>(-Errno::Inval)},  // rw() sets off = -1
        {"close file_index", with(rw(Op::Close, 5, 0, 0, 1), [](Sqe& s) { s.off = 0, s.file_index = 1; }),
         static_cast<int32_t>(-Errno::Inval)},
        {"kernel buffer", rw(Op::Write, 1, 0xffff800000000000ull, 4, 1), static_cast<int32_t>(-Errno::Fault)},
        {"buffer past user space", rw(Op::Read, 1, abi::kUserSpaceEnd - 2, 4, 1),
         static_cast<int32_t>(-Errno::Fault)},
        {"too many iovecs", rw(Op::Writev, 1, 0x10000, 1025, 1), static_cast<int32_t>(-Errno::Inval)},
        {"unreadable iovec array", rw(Op::Readv, 1, kBadIovec, 1, 1), static_cast<int32_t>(-Errno::Fault)},
    };
    for (const Case& c : cases) {
        TestRing<> t(4);
        t.queue(c.sqe);
        t.queue(nop(2));
        cr_expect_eq(t.enter(2), 1, "%s: the failed SQE counts as submitted, the batch stops", c.what);
        auto cqes = t.reap();
        cr_assert_eq(cqes.size(), 1u, "%s", c.what);
        cr_expect_eq(cqes[0].user_data, 1u, "%s", c.what);
        cr_expect_eq(cqes[0].res, c.res, "%s: got %d", c.what, cqes[0].res);
        cr_expect(t.executor.issued.empty(), "%s: never issued", c.what);
        cr_expect_eq(t.enter(1), 1, "%s: the next SQE waits for the next enter", c.what);
        cr_expect_eq(user_datas(t.reap()), (std::vector<uint64_t>{2}), "%s", c.what);
    }
}

Test(uring_errors, submit_all_goes_on_after_prepare_errors) {
    TestRing<> t(8, iu::kSetupSubmitAll);
    Sqe bad_op = nop(11);
    bad_op.opcode = 200;
    Sqe bad_personality = nop(12);
    bad_personality.personality = 3;
    t.queue(nop(10));
    t.queue(bad_op);
    t.queue(bad_personality);
    t.queue(nop(13));
    cr_expect_eq(t.enter(4), 4);
    const auto cqes = t.reap();
    cr_assert_eq(cqes.size(), 4u);
    const int32_t want[] = {0, static_cast<int32_t>(-Errno::Inval), static_cast<int32_t>(-Errno::Inval), 0};
    for (int i = 0; i < 4; ++i) {
        cr_expect_eq(cqes[i].user_data, 10u + i);
        cr_expect_eq(cqes[i].res, want[i]);
    }
}

Test(uring_errors, issue_errors_do_not_end_the_batch) {
    TestRing<> t(8);
    Sqe flags = rw(Op::Write, 1, 0x10000, 4, 4);
    flags.rw_flags = 1u << 31;
    t.queue(rw(Op::Read, kBadFd, 0x10000, 4, 1));
    t.queue(rw(Op::Write, 1, kUnmapped, 4, 2));
    t.queue(rw(Op::Close, kBadFd, 0, 0, 3));
    t.sqes()[2].off = 0;
    t.queue(flags);
    t.queue(nop(5));
    cr_expect_eq(t.enter(5), 5);
    const auto cqes = t.reap();
    cr_assert_eq(cqes.size(), 5u);
    const int32_t want[] = {static_cast<int32_t>(-Errno::BadF), static_cast<int32_t>(-Errno::Fault),
                            static_cast<int32_t>(-Errno::BadF), static_cast<int32_t>(-Errno::OpNotSupp), 0};
    for (int i = 0; i < 5; ++i) {
        cr_expect_eq(cqes[i].user_data, 1u + i);
        cr_expect_eq(cqes[i].res, want[i], "cqe %d: %d", i, cqes[i].res);
    }
    cr_expect_eq(t.executor.issued.size(), 3u, "RWF flags are refused before the executor");
}

Test(uring_errors, fields_linux_ignores_are_accepted) {
    TestRing<> t(8);
    Sqe n = nop(1);
    n.fd = 1234;  // liburing's prep_nop sets fd = -1; Linux ignores it
    n.addr = 5;
    n.len = 6;
    n.buf_index = 7;
    n.addr3 = 8;
    Sqe w = rw(Op::Write, 1, 0x10000, 2, 2);
    w.buf_index = 3;
    w.addr3 = 4;
    w.file_index = 5;
    w.off = 77;
    Sqe a = nop(3);
    a.flags = iu::kSqeAsync;
    t.queue(n);
    t.queue(w);
    t.queue(a);
    cr_expect_eq(t.enter(3), 3);
    const auto cqes = t.reap();
    cr_assert_eq(cqes.size(), 3u);
    cr_expect_eq(cqes[0].res, 0);
    cr_expect_eq(cqes[1].res, 2);
    cr_expect_eq(cqes[2].res, 0);
}

Test(uring_errors, enter_flags) {
    cr_expect_eq(raw(uring::Ring::check_enter_flags(0)), 0);
    cr_expect_eq(raw(uring::Ring::check_enter_flags(iu::kEnterGetEvents | iu::kEnterSqWakeup | iu::kEnterSqWait)), 0);
    cr_expect_eq(raw(uring::Ring::check_enter_flags(iu::kEnterRegisteredRing)), 0, "known: the caller handles it");
    cr_expect_eq(raw(uring::Ring::check_enter_flags(iu::kEnterExtArg)), -Errno::Inval);
    cr_expect_eq(raw(uring::Ring::check_enter_flags(1u << 8)), -Errno::Inval);
    TestRing<> t(4);
    t.queue(nop(1));
    cr_expect_eq(t.enter(1, 0, 1u << 31), -Errno::Inval);
    cr_expect_eq(t.h().sq_head, 0u, "nothing consumed");
}

// ========================================================== asynchronous

Test(uring_async, read_completes_after_write_in_same_batch) {
    TestRing<> t(8);
    t.queue(read_pipe(1, 16));
    t.queue(write_pipe(2, 5));
    cr_expect_eq(t.enter(2), 2);
    const auto cqes = t.reap();
    cr_assert_eq(cqes.size(), 2u);
    // The WRITE's issue completes the parked READ, so its CQE comes first here.
    // (Linux 6.18 posts the WRITE first: completions from a wakeup are deferred.)
    cr_expect_eq(cqes[0].user_data, 1u);
    cr_expect_eq(cqes[0].res, 5);
    cr_expect_eq(cqes[1].user_data, 2u);
    cr_expect_eq(cqes[1].res, 5);
    cr_expect_eq(t.ring.inflight(), 0u);
}

Test(uring_async, read_completes_after_write_syscall_and_later_batch) {
    TestRing<> t(8);
    t.queue(read_pipe(1));
    cr_expect_eq(t.enter(1), 1);
    cr_expect_eq(t.ring.inflight(), 1u);
    cr_expect(t.reap().empty(), "the READ does not block enter, and has no CQE yet");
    t.executor.write_pipe(3);  // a write(2) to the pipe
    auto cqes = t.reap();
    cr_assert_eq(cqes.size(), 1u);
    cr_expect_eq(cqes[0].res, 3);
    t.queue(read_pipe(2));
    cr_expect_eq(t.enter(1), 1);
    t.queue(write_pipe(3, 4));  // a later batch
    cr_expect_eq(t.enter(1), 1);
    cr_expect_eq(user_datas(t.reap()), (std::vector<uint64_t>{2, 3}));
}

Test(uring_async, getevents_waits_for_min_complete) {
    TestRing<> t(8);
    FakeWaiter w;
    w.on_wait = [&](uring::Ring&, uint32_t) {
        t.executor.write_pipe(4);  // "another process" writes while we sleep
        return 0L;
    };
    t.queue(read_pipe(1, 2));
    t.queue(read_pipe(2, 2));
    t.queue(nop(3));
    cr_expect_eq(t.enter(3, 3, iu::kEnterGetEvents, &w), 3);
    cr_expect_eq(w.calls, 1);
    cr_expect_eq(w.last_min, 3u);
    cr_expect_eq(user_datas(t.reap()), (std::vector<uint64_t>{3, 1, 2}), "completion order");
    // Already satisfied: no wait at all.
    t.queue(nop(4));
    cr_expect_eq(t.enter(1, 1, iu::kEnterGetEvents, &w), 1);
    cr_expect_eq(w.calls, 1);
    cr_expect_eq(t.enter(0, 1, iu::kEnterGetEvents, &w), 0, "CQEs already ready count");
    cr_expect_eq(t.enter(0, 0, iu::kEnterGetEvents, &w), 0);
    cr_expect_eq(w.calls, 1);
}

Test(uring_async, min_complete_is_clamped_to_cq_entries) {
    TestRing<> t(4);  // CQ 8
    FakeWaiter w;
    for (int i = 0; i < 4; ++i) t.queue(nop(i));
    cr_expect_eq(t.enter(4), 4);
    for (int i = 0; i < 4; ++i) t.queue(nop(i));
    cr_expect_eq(t.enter(4, 100, iu::kEnterGetEvents, &w), 4);
    cr_expect_eq(w.calls, 0, "8 ready >= min(100, 8)");
}

Test(uring_async, wait_errors) {
    TestRing<> t(8);
    FakeWaiter w;
    uint32_t inflight_seen = 99;
    w.on_wait = [&](uring::Ring& r, uint32_t) {
        inflight_seen = r.inflight();
        return static_cast<long>(-Errno::Intr);
    };
    // Nothing in flight: the kernel's waiter sees inflight() == 0 and gives up.
    cr_expect_eq(t.enter(0, 1, iu::kEnterGetEvents, &w), -Errno::Intr);
    cr_expect_eq(inflight_seen, 0u);
    // Linux: with SQEs submitted, enter returns their count and hides the wait error.
    t.queue(read_pipe(1));
    cr_expect_eq(t.enter(1, 1, iu::kEnterGetEvents, &w), 1);
    cr_expect_eq(inflight_seen, 1u);
    // No waiter: a wait that would block fails.
    cr_expect_eq(t.enter(0, 1, iu::kEnterGetEvents, nullptr), -Errno::Again);
}

Test(uring_async, request_pool_exhaustion_is_eagain) {
    TestRing<16, 2> t(8);
    for (int i = 0; i < 3; ++i) t.queue(read_pipe(i));
    cr_expect_eq(t.enter(3), 2, "two requests in the pool");
    cr_expect_eq(t.enter(1), -Errno::Again);
    cr_expect_eq(t.h().sq_head, 2u, "the third SQE stays queued");
    t.executor.write_pipe(16);
    cr_expect_eq(t.ring.inflight(), 0u);
    cr_expect_eq(t.enter(1), 1);
    cr_expect_eq(t.ring.inflight(), 1u);
}

// For an SQPOLL thread, which asks before it sleeps or lets SQ_WAIT wait
// (chapter 08): the same answers as a submission, without taking anything.
Test(uring_async, can_submit_says_what_submit_would) {
    TestRing<16, 2> t(8);
    cr_expect_eq(raw(t.ring.can_submit()), 0);
    for (int i = 0; i < 2; ++i) t.queue(read_pipe(i));
    cr_expect_eq(t.enter(2), 2);
    cr_expect_eq(raw(t.ring.can_submit()), -Errno::Again, "both requests parked");
    t.executor.write_pipe(16);
    cr_expect_eq(raw(t.ring.can_submit()), 0);
    TestRing<4> full(4);  // CQ 8, backlog 4
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 4; ++i) full.queue(nop(round * 4 + i));
        cr_expect_eq(full.enter(4), 4);
    }
    cr_expect_eq(raw(full.ring.can_submit()), -Errno::Busy, "no room for another CQE");
}

// Found by fuzz-uring (user/programs/regress-sqpoll-stuck.cpp): the SQPOLL
// thread counted queued SQEs from the shared SQ head, which the user can
// overwrite; the kernel's own head is the only one to trust.
Test(uring_sq, sq_queued_ignores_the_shared_head) {
    TestRing<> t(8);
    for (int i = 0; i < 3; ++i) t.queue(nop(i));
    cr_expect_eq(t.ring.sq_queued(), 3u);
    t.h().sq_head = 0x12345678;
    cr_expect_eq(t.ring.sq_queued(), 3u, "the user's scribble changes nothing");
    cr_expect_eq(t.enter(2), 2);
    cr_expect_eq(t.ring.sq_queued(), 1u);
    __atomic_store_n(&t.h().sq_tail, 0xdead0000u, __ATOMIC_RELEASE);
    cr_expect_eq(t.ring.sq_queued(), 0xdead0000u - 2u, "a garbage tail is the user's own: submit() caps it");
}

Test(uring_async, cancel_all_on_release) {
    TestRing<16, 4> t(8);
    for (int i = 0; i < 3; ++i) t.queue(read_pipe(i));
    cr_expect_eq(t.enter(3), 3);
    t.ring.cancel_all();
    cr_expect_eq(t.executor.cancelled.size(), 3u);
    cr_expect(t.executor.parked.empty());
    cr_expect_eq(t.ring.inflight(), 0u);
    cr_expect(t.reap().empty(), "no CQE for cancelled requests");
    Request* stale = t.executor.cancelled[0];
    cr_expect_not(t.ring.complete(*stale, 1), "a cancelled request cannot complete");
    for (int i = 0; i < 4; ++i) t.queue(nop(i));
    cr_expect_eq(t.enter(4), 4, "the pool is whole again");
}

// ============================================================== overflow

Test(uring_overflow, backlog_keeps_order_and_flushes_on_getevents) {
    TestRing<16> t(4);  // CQ 8
    for (uint64_t i = 0; i < 16; ++i) {
        t.queue(nop(i));
        if (i % 4 == 3) cr_expect_eq(t.enter(4), 4, "Linux 6.18 accepts SQEs while the backlog grows");
        if (i == 7) cr_expect_eq(t.h().sq_flags & iu::kSqCqOverflow, 0u, "CQ exactly full: no overflow yet");
    }
    cr_expect_eq(t.ring.cq_ready(), 8u);
    cr_expect_eq(t.ring.backlog_size(), 8u);
    cr_expect_eq(t.h().sq_flags & iu::kSqCqOverflow, iu::kSqCqOverflow);
    cr_expect_eq(t.h().cq_overflow, 0u, "cq_overflow counts lost CQEs only, none here");

    auto first = t.reap(3);  // the user frees 3 slots...
    t.queue(nop(16));
    cr_expect_eq(t.enter(1), 1);  // ...and submits without GETEVENTS
    cr_expect_eq(t.ring.cq_ready(), 5u, "no flush without GETEVENTS; the new CQE queues behind");
    cr_expect_eq(t.ring.backlog_size(), 9u);
    cr_expect_eq(t.enter(0, 0, iu::kEnterGetEvents), 0);
    cr_expect_eq(t.ring.cq_ready(), 8u, "GETEVENTS moved 3 in");
    cr_expect_eq(t.h().sq_flags & iu::kSqCqOverflow, iu::kSqCqOverflow, "6 still waiting");

    std::vector<uint64_t> all = user_datas(first);
    while (t.ring.cq_ready() > 0 || t.ring.backlog_size() > 0) {
        for (const Cqe& c : t.reap()) all.push_back(c.user_data);
        cr_expect_eq(t.enter(0, 0, iu::kEnterGetEvents), 0);
    }
    cr_expect_eq(t.h().sq_flags & iu::kSqCqOverflow, 0u, "cleared once the backlog is empty");
    cr_assert_eq(all.size(), 17u, "no completion lost");
    for (uint64_t i = 0; i < 17; ++i) cr_expect_eq(all[i], i, "in order");
}

Test(uring_overflow, ebusy_when_no_room_is_left) {
    TestRing<4> t(4);  // CQ 8, backlog 4: 12 completions can be held
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 4; ++i) t.queue(nop(round * 4 + i));
        cr_expect_eq(t.enter(4), 4);
    }
    t.queue(nop(12));
    cr_expect_eq(t.ring.completion_room(), 0u);
    cr_expect_eq(t.enter(1), -Errno::Busy, "NODROP: refuse rather than lose");
    cr_expect_eq(t.h().sq_head, 12u, "the SQE stays queued");
    cr_expect_eq(t.h().cq_overflow, 0u);
    t.reap(2);
    cr_expect_eq(t.enter(1, 0, iu::kEnterGetEvents), 1, "room again (GETEVENTS flushes first)");
    cr_expect_eq(t.ring.backlog_size(), 3u);
    // A batch larger than the room is cut short, not refused.
    for (int i = 0; i < 4; ++i) t.queue(nop(100 + i));
    cr_expect_eq(t.ring.completion_room(), 1u);
    cr_expect_eq(t.enter(4), 1);
    cr_expect_eq(t.h().sq_head, 14u, "three stay queued");
}

// Found by fuzz-uring (user/programs/regress-uring-backlog-drop.cpp): with
// the backlog full, a slot the user freed in the CQ was counted as room,
// but the new CQE queued behind the backlog, found it full, and was lost.
Test(uring_overflow, a_full_backlog_uses_the_room_the_user_freed) {
    TestRing<4> t(4);  // CQ 8, backlog 4
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 4; ++i) t.queue(nop(round * 4 + i));
        cr_expect_eq(t.enter(4), 4);
    }
    cr_expect_eq(t.ring.backlog_size(), 4u, "CQ and backlog full");
    std::vector<uint64_t> all = user_datas(t.reap(1));
    t.queue(nop(12));
    cr_expect_eq(t.enter(1), 1, "no GETEVENTS: the room the user made is room all the same");
    cr_expect_eq(t.h().cq_overflow, 0u, "nothing lost");
    while (t.ring.cq_ready() > 0 || t.ring.backlog_size() > 0) {
        for (const Cqe& c : t.reap()) all.push_back(c.user_data);
        cr_expect_eq(t.enter(0, 0, iu::kEnterGetEvents), 0, "no -EBADR");
    }
    cr_assert_eq(all.size(), 13u);
    for (uint64_t i = 0; i < 13; ++i) cr_expect_eq(all[i], i, "in order");
}

Test(uring_overflow, pending_requests_reserve_room) {
    TestRing<0> t(1, iu::kSetupCqSize, 2);  // SQ 1, CQ 2, no backlog
    t.queue(read_pipe(1));
    cr_expect_eq(t.enter(1), 1);
    t.queue(read_pipe(2));
    cr_expect_eq(t.enter(1), 1);
    t.queue(nop(3));
    cr_expect_eq(t.enter(1), -Errno::Busy, "both CQ slots are owed to the READs");
    t.executor.write_pipe(16);
    cr_expect_eq(user_datas(t.reap()), (std::vector<uint64_t>{1, 2}));
    cr_expect_eq(t.enter(1), 1);
}

Test(uring_overflow, lost_completion_is_counted_and_reported_once) {
    TestRing<0> t(1, iu::kSetupCqSize, 2);
    t.queue(read_pipe(1));
    cr_expect_eq(t.enter(1), 1);
    t.queue(nop(2));
    cr_expect_eq(t.enter(1), 1);
    // A misbehaving user moves its head backwards: the CQ looks full, the
    // READ's reserved slot is gone, and its CQE has nowhere to go.
    t.h().cq_head -= 1;
    t.executor.write_pipe(1);
    cr_expect_eq(t.h().cq_overflow, 1u);
    cr_expect_eq(t.enter(0, 0, iu::kEnterGetEvents), -53, "-EBADR, as Linux");
    cr_expect_eq(t.enter(0, 0, iu::kEnterGetEvents), 0, "reported once");
}
