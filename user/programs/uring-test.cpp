/**
 * @file user/programs/uring-test.cpp
 * @brief Every io_uring rule of chapter 06, checked from user space.
 *
 * Each check prints one line, "uring-test: <check> ok" or "uring-test:
 * <check> FAILED (...)", and the program ends with "uring-test: N checks
 * passed, M failed", exiting 0 only if M is 0. It runs unchanged on Linux
 * (where it was written against the real thing) and on the course kernel.
 *
 * Every wait in here is one that can be satisfied: a READ on a pipe is only
 * waited for once something has been or is being written to that pipe. (A
 * wait that can never be satisfied hangs on Linux; the kernel-only test for
 * it lives elsewhere.)
 */
#include "runtime/print.h"
#include "runtime/uring.h"

namespace {

using namespace abi::io_uring;
using abi::Errno;
using iou::Cqe;
using iou::Ring;
using iou::Sqe;

int g_passed = 0;
int g_failed = 0;

/// Record one check: one line either way.
bool check(const char* name, bool ok) {
    if (ok) {
        ++g_passed;
        print("uring-test: {} ok\n", name);
    } else {
        ++g_failed;
        print("uring-test: {} FAILED\n", name);
    }
    return ok;
}

/// A check on one number, printing both values when they differ.
bool check_eq(const char* name, long got, long want) {
    if (got == want) return check(name, true);
    ++g_failed;
    print("uring-test: {} FAILED (got {}, want {})\n", name, got, want);
    return false;
}

/// Setup with explicit params; returns the fd (closed again) or -errno, and the params.
long try_setup(uint32_t entries, uint32_t flags, uint32_t cq_entries, Params* out = nullptr) {
    Params p{};
    p.flags = flags;
    p.cq_entries = cq_entries;
    const long fd = iou::raw::io_uring_setup(entries, &p);
    if (out) *out = p;
    if (fd >= 0) sys::close(static_cast<int>(fd));
    return fd < 0 ? fd : 0;
}

/// Queue one SQE prepared by @p prep with @p user_data.
template <typename Prep>
Sqe* queue(Ring& ring, uint64_t user_data, Prep prep) {
    Sqe* sqe = ring.get_sqe();
    if (!sqe) return nullptr;
    prep(sqe);
    iou::sqe_set_data(sqe, user_data);
    return sqe;
}

/// Wait for @p n CQEs and copy them out, in ring order. Returns how many arrived.
int collect(Ring& ring, Cqe* out, int n) {
    for (int i = 0; i < n; ++i) {
        Cqe* cqe = nullptr;
        if (ring.wait_cqe(&cqe) < 0) return i;
        out[i] = *cqe;
        ring.cqe_seen(cqe);
    }
    return n;
}

/// Take whatever CQEs are ready right now (no waiting).
int take_ready(Ring& ring, Cqe* out, int max) {
    int n = 0;
    Cqe* cqe = nullptr;
    while (n < max && ring.peek_cqe(&cqe) == 0) {
        out[n++] = *cqe;
        ring.cqe_seen(cqe);
    }
    return n;
}

/// The CQE with @p user_data among @p n, or nullptr.
const Cqe* find(const Cqe* cqes, int n, uint64_t user_data) {
    for (int i = 0; i < n; ++i)
        if (cqes[i].user_data == user_data) return &cqes[i];
    return nullptr;
}

/// Result of the CQE with @p user_data, or a value no syscall returns.
long result_of(const Cqe* cqes, int n, uint64_t user_data) {
    const Cqe* c = find(cqes, n, user_data);
    return c ? c->res : -99999;
}

bool same_bytes(const char* a, const char* b, size_t n) {
    for (size_t i = 0; i < n; ++i)
        if (a[i] != b[i]) return false;
    return true;
}

// ------------------------------------------------------------------ setup

void test_setup() {
    Params p{};
    check("setup: 3 entries -> SQ 4, CQ 8 (CQ = 2 * SQ)",
          try_setup(3, 0, 0, &p) == 0 && p.sq_entries == 4 && p.cq_entries == 8);
    check("setup: 1 entry -> SQ 1, CQ 2", try_setup(1, 0, 0, &p) == 0 && p.sq_entries == 1 && p.cq_entries == 2);
    check("setup: 32768 entries (the maximum)", try_setup(32768, 0, 0, &p) == 0 && p.cq_entries == 65536);
    check("setup: CQSIZE 10 with SQ 4 -> CQ 16",
          try_setup(4, kSetupCqSize, 10, &p) == 0 && p.sq_entries == 4 && p.cq_entries == 16);
    check("setup: CQSIZE equal to SQ", try_setup(8, kSetupCqSize, 8, &p) == 0 && p.cq_entries == 8);
    check_eq("setup: CQSIZE smaller than SQ -> -EINVAL", try_setup(8, kSetupCqSize, 4), -Errno::Inval);
    check_eq("setup: CQSIZE 0 -> -EINVAL", try_setup(8, kSetupCqSize, 0), -Errno::Inval);
    check_eq("setup: CQSIZE 65537 -> -EINVAL", try_setup(8, kSetupCqSize, 65537), -Errno::Inval);
    check("setup: CQSIZE 65537 with CLAMP -> 65536",
          try_setup(1, kSetupCqSize | kSetupClamp, 65537, &p) == 0 && p.cq_entries == 65536);
    check_eq("setup: 0 entries -> -EINVAL", try_setup(0, 0, 0), -Errno::Inval);
    check_eq("setup: 32769 entries -> -EINVAL", try_setup(32769, 0, 0), -Errno::Inval);
    check_eq("setup: unknown flag -> -EINVAL", try_setup(8, 1u << 31, 0), -Errno::Inval);
    Params reserved{};
    reserved.resv[2] = 1;
    const long fd = iou::raw::io_uring_setup(8, &reserved);
    if (fd >= 0) sys::close(static_cast<int>(fd));
    check_eq("setup: reserved field set -> -EINVAL", fd < 0 ? fd : 0, -Errno::Inval);
    check_eq("setup: bad params pointer -> -EFAULT",
             iou::raw::io_uring_setup(8, reinterpret_cast<Params*>(0x1000)), -Errno::Fault);
}

void test_mapping() {
    Ring ring;
    if (!check_eq("ring: setup and mmap", ring.init(4), 0)) return;
    const Params& p = ring.params();
    const uint32_t want = kFeatSingleMmap | kFeatNodrop | kFeatSubmitStable;
    check("ring: features SINGLE_MMAP, NODROP, SUBMIT_STABLE", (p.features & want) == want);
    check("ring: one mapping serves both rings", ring.single_mmap());
    auto* sq = reinterpret_cast<uint8_t*>(ring.sq_head()) - p.sq_off.head;
    check("ring: header fields match params",
          *reinterpret_cast<uint32_t*>(sq + p.sq_off.ring_entries) == 4 &&
              *reinterpret_cast<uint32_t*>(sq + p.sq_off.ring_mask) == 3 &&
              *reinterpret_cast<uint32_t*>(sq + p.cq_off.ring_entries) == 8 &&
              *reinterpret_cast<uint32_t*>(sq + p.cq_off.ring_mask) == 7 && *ring.sq_head() == *ring.sq_tail() &&
              *ring.cq_head() == *ring.cq_tail());
    // IORING_OFF_CQ_RING shows the same memory as IORING_OFF_SQ_RING.
    const size_t size = p.cq_off.cqes + p.cq_entries * sizeof(Cqe);
    const long cq = sys::mmap(nullptr, size, abi::prot::Read | abi::prot::Write, abi::map::Shared, ring.fd(),
                              static_cast<long>(kOffCqRing));
    bool same = cq > 0;
    if (same) {
        auto* cq_flags = reinterpret_cast<uint32_t*>(cq + p.cq_off.flags);
        *reinterpret_cast<uint32_t*>(sq + p.cq_off.flags) = kCqEventfdDisabled;
        same = *cq_flags == kCqEventfdDisabled;
        *cq_flags = 0;
        same = same && *reinterpret_cast<uint32_t*>(sq + p.cq_off.flags) == 0;
        sys::munmap(reinterpret_cast<void*>(cq), size);
    }
    check("ring: CQ_RING offset maps the same region as SQ_RING", same);
    check_eq("ring: mmap at an unknown offset fails",
             sys::mmap(nullptr, 4096, abi::prot::Read, abi::map::Shared, ring.fd(), 0x18000000) < 0, 1);
    check_eq("probe: NOP READ WRITE READV WRITEV CLOSE supported",
             iou::probe_supported(ring.fd(), Op::Nop) + iou::probe_supported(ring.fd(), Op::Read) +
                 iou::probe_supported(ring.fd(), Op::Write) + iou::probe_supported(ring.fd(), Op::Readv) +
                 iou::probe_supported(ring.fd(), Op::Writev) + iou::probe_supported(ring.fd(), Op::Close),
             6);
    check_eq("register: unknown opcode -> -EINVAL",
             iou::raw::io_uring_register(ring.fd(), static_cast<RegisterOp>(200), nullptr, 0), -Errno::Inval);
    check_eq("enter: unknown flag -> -EINVAL", iou::raw::io_uring_enter(ring.fd(), 0, 0, 1u << 31), -Errno::Inval);
    check_eq("enter: on a non-ring fd -> -EOPNOTSUPP", iou::raw::io_uring_enter(1, 0, 0, 0), -Errno::OpNotSupp);
    check_eq("enter: on a bad fd -> -EBADF", iou::raw::io_uring_enter(999, 0, 0, 0), -Errno::BadF);
    ring.exit();
}

// ------------------------------------------------------------- submission

void test_nops() {
    Ring ring;
    if (ring.init(8) != 0) return check("nop: ring", false), void();
    queue(ring, 0x0123456789abcdefull, iou::prep_nop);
    Cqe cqes[16];
    check("nop: user_data round trip (64 bits)",
          ring.submit() == 1 && collect(ring, cqes, 1) == 1 && cqes[0].user_data == 0x0123456789abcdefull &&
              cqes[0].res == 0);

    for (uint64_t i = 0; i < 8; ++i) queue(ring, 100 + i, iou::prep_nop);
    check("nop: SQ full after 8 get_sqe", ring.get_sqe() == nullptr);
    const long submitted = ring.submit();
    bool in_order = collect(ring, cqes, 8) == 8;
    for (int i = 0; in_order && i < 8; ++i) in_order = cqes[i].user_data == 100u + i && cqes[i].res == 0;
    check("nop: batch of 8 in one enter, 8 CQEs in order", submitted == 8 && in_order);

    // SQ indices keep counting past the ring size (they wrap with the mask).
    bool wrapped = true;
    for (uint64_t round = 0; round < 5 && wrapped; ++round) {
        for (uint64_t i = 0; i < 6; ++i) queue(ring, round * 6 + i, iou::prep_nop);
        wrapped = ring.submit() == 6 && collect(ring, cqes, 6) == 6 && cqes[5].user_data == round * 6 + 5;
    }
    check("nop: 30 more through an 8-entry ring", wrapped && *ring.sq_head() == 39);

    // to_submit larger than what is queued: Linux takes what is there.
    queue(ring, 1, iou::prep_nop);
    ring.flush_sq();
    check_eq("enter: to_submit larger than the SQ holds -> the count queued",
             iou::raw::io_uring_enter(ring.fd(), 5, 0, 0), 1);
    collect(ring, cqes, 1);
    ring.exit();
}

void test_write_and_vectors() {
    Ring ring;
    if (ring.init(8) != 0) return check("write: ring", false), void();
    Cqe cqes[4];
    // This check's own line is written by IORING_OP_WRITE.
    static const char line[] = "uring-test: WRITE to fd 1 ok\n";
    queue(ring, 1, [](Sqe* s) { iou::prep_write(s, 1, line, sizeof line - 1); });
    const bool wrote = ring.submit_and_wait(1) == 1 && collect(ring, cqes, 1) == 1 &&
                       cqes[0].res == static_cast<int32_t>(sizeof line - 1);
    if (wrote) ++g_passed;
    else check("WRITE to fd 1", false);

    static const char part1[] = "uring-test: WRITEV ";
    static const char part2[] = "to fd 1 ok\n";
    static const abi::IoVec iov[2] = {{reinterpret_cast<uint64_t>(part1), sizeof part1 - 1},
                                      {reinterpret_cast<uint64_t>(part2), sizeof part2 - 1}};
    queue(ring, 2, [](Sqe* s) { iou::prep_writev(s, 1, iov, 2); });
    const bool wrotev = ring.submit_and_wait(1) == 1 && collect(ring, cqes, 1) == 1 &&
                        cqes[0].res == static_cast<int32_t>(sizeof part1 + sizeof part2 - 2);
    if (wrotev) ++g_passed;
    else check("WRITEV to fd 1", false);

    int fds[2];
    if (sys::pipe2(fds, 0) != 0) return check("readv: pipe2", false), void();
    sys::write(fds[1], "abcdefgh", 8);
    static char a[3], b[5];
    static abi::IoVec riov[2] = {{reinterpret_cast<uint64_t>(a), 3}, {reinterpret_cast<uint64_t>(b), 5}};
    queue(ring, 3, [&](Sqe* s) { iou::prep_readv(s, fds[0], riov, 2); });
    check("READV from a pipe scatters into two buffers",
          ring.submit_and_wait(1) == 1 && collect(ring, cqes, 1) == 1 && cqes[0].res == 8 &&
              same_bytes(a, "abc", 3) && same_bytes(b, "defgh", 5));

    // CLOSE through the ring: the fd is gone afterwards.
    queue(ring, 4, [&](Sqe* s) { iou::prep_close(s, fds[1]); });
    check("CLOSE closes a descriptor",
          ring.submit_and_wait(1) == 1 && collect(ring, cqes, 1) == 1 && cqes[0].res == 0 &&
              sys::write(fds[1], "x", 1) == -Errno::BadF);
    sys::close(fds[0]);
    ring.exit();
}

// ------------------------------------------------------------------ errors

void test_errors() {
    Ring ring;
    if (ring.init(8) != 0) return check("errors: ring", false), void();
    int fds[2];
    if (sys::pipe2(fds, 0) != 0) return check("errors: pipe2", false), void();
    Cqe cqes[8];

    // A prepare error: the SQE completes with the error; Linux ends the batch
    // there, and the next enter submits the rest.
    auto single = [&](const char* name, long want, auto prep) {
        queue(ring, 7, prep);
        const long n = ring.submit();
        const int got = collect(ring, cqes, 1);
        if (n != 1 || got != 1 || cqes[0].user_data != 7) return check(name, false);
        return check_eq(name, cqes[0].res, want);
    };
    single("unknown opcode -> -EINVAL", -Errno::Inval, [](Sqe* s) { s->opcode = 200; });
    single("bad SQE flags -> -EINVAL", -Errno::Inval, [](Sqe* s) {
        iou::prep_nop(s);
        s->flags = 0x80;
    });
    single("reserved field (personality) -> -EINVAL", -Errno::Inval, [](Sqe* s) {
        iou::prep_nop(s);
        s->personality = 1;
    });
    single("reserved field (CLOSE addr) -> -EINVAL", -Errno::Inval, [&](Sqe* s) {
        iou::prep_close(s, fds[0]);
        s->addr = 1;
    });
    single("bad fd -> -EBADF", -Errno::BadF, [](Sqe* s) {
        static char buf[4];
        iou::prep_read(s, 999, buf, 4);
    });
    single("bad buffer -> -EFAULT (a completion, not a crash)", -Errno::Fault,
           [&](Sqe* s) { iou::prep_write(s, fds[1], reinterpret_cast<void*>(0x1000), 4); });
    single("kernel buffer -> -EFAULT", -Errno::Fault,
           [&](Sqe* s) { iou::prep_write(s, fds[1], reinterpret_cast<void*>(0xffff800000000000ull), 4); });
    single("CLOSE of a bad fd -> -EBADF", -Errno::BadF, [](Sqe* s) { iou::prep_close(s, 999); });

    // Execution errors do not stop a batch.
    static char buf[4];
    queue(ring, 1, [](Sqe* s) { iou::prep_read(s, 999, buf, 4); });
    queue(ring, 2, [&](Sqe* s) { iou::prep_write(s, fds[1], reinterpret_cast<void*>(0x1000), 4); });
    queue(ring, 3, iou::prep_nop);
    const long n = ring.submit();
    const int got = collect(ring, cqes, 3);
    check("batch goes on after -EBADF and -EFAULT",
          n == 3 && got == 3 && result_of(cqes, 3, 1) == -Errno::BadF && result_of(cqes, 3, 2) == -Errno::Fault &&
              result_of(cqes, 3, 3) == 0);

    // A prepare error ends the batch (Linux); the rest waits for the next enter.
    queue(ring, 1, iou::prep_nop);
    queue(ring, 2, [](Sqe* s) { s->opcode = 200; });
    queue(ring, 3, iou::prep_nop);
    const long first = ring.submit();
    const int first_cqes = collect(ring, cqes, 2);
    const bool stopped = first == 2 && first_cqes == 2 && ring.sq_pending() == 1 &&
                         result_of(cqes, 2, 2) == -Errno::Inval;
    const long second = ring.submit();
    check("invalid SQE ends the batch; the rest goes with the next enter",
          stopped && second == 1 && collect(ring, cqes, 1) == 1 && cqes[0].user_data == 3);
    ring.exit();

    // ...unless the ring was set up with SUBMIT_ALL.
    if (ring.init(8, kSetupSubmitAll) != 0) return check("errors: SUBMIT_ALL ring", false), void();
    queue(ring, 1, iou::prep_nop);
    queue(ring, 2, [](Sqe* s) { s->opcode = 200; });
    queue(ring, 3, [](Sqe* s) {
        iou::prep_nop(s);
        s->personality = 9;
    });
    queue(ring, 4, iou::prep_nop);
    const long all = ring.submit();
    check("SUBMIT_ALL: the batch goes on after invalid SQEs",
          all == 4 && collect(ring, cqes, 4) == 4 && cqes[0].res == 0 && cqes[1].res == -Errno::Inval &&
              cqes[2].res == -Errno::Inval && cqes[3].res == 0 && cqes[3].user_data == 4);
    ring.exit();
    sys::close(fds[0]);
    sys::close(fds[1]);
}

// ------------------------------------------------------------ asynchronous

void test_async() {
    Ring ring;
    if (ring.init(8) != 0) return check("async: ring", false), void();
    int fds[2];
    if (sys::pipe2(fds, 0) != 0) return check("async: pipe2", false), void();
    Cqe cqes[8];
    static char buf[16], buf2[16];

    // READ on an empty pipe: enter returns at once, the CQE comes later.
    queue(ring, 1, [&](Sqe* s) { iou::prep_read(s, fds[0], buf, sizeof buf); });
    const long n = ring.submit();
    check("READ on an empty pipe does not block enter", n == 1 && ring.cq_ready() == 0);
    sys::write(fds[1], "syscall", 7);
    check("...and completes after a write syscall",
          collect(ring, cqes, 1) == 1 && cqes[0].user_data == 1 && cqes[0].res == 7 && same_bytes(buf, "syscall", 7));

    // READ then WRITE in one batch; GETEVENTS waits for both.
    queue(ring, 2, [&](Sqe* s) { iou::prep_read(s, fds[0], buf, sizeof buf); });
    queue(ring, 3, [&](Sqe* s) { iou::prep_write(s, fds[1], "batch", 5); });
    const long both = ring.submit_and_wait(2);
    const uint32_t ready = ring.cq_ready();
    const int got = collect(ring, cqes, 2);
    check("READ completes after a WRITE in the same batch",
          both == 2 && got == 2 && result_of(cqes, 2, 2) == 5 && result_of(cqes, 2, 3) == 5 &&
              same_bytes(buf, "batch", 5));
    check("GETEVENTS with min_complete 2 returns with 2 CQEs ready", ready >= 2);

    // READ in one batch, WRITE in a later one.
    queue(ring, 4, [&](Sqe* s) { iou::prep_read(s, fds[0], buf, sizeof buf); });
    const long r1 = ring.submit();
    queue(ring, 5, [&](Sqe* s) { iou::prep_write(s, fds[1], "later", 5); });
    const long r2 = ring.submit();
    check("READ completes after a WRITE in a later batch",
          r1 == 1 && r2 == 1 && collect(ring, cqes, 2) == 2 && result_of(cqes, 2, 4) == 5 &&
              result_of(cqes, 2, 5) == 5 && same_bytes(buf, "later", 5));

    // Two READs wait; one WRITE of 8 bytes feeds both (4 bytes each).
    queue(ring, 6, [&](Sqe* s) { iou::prep_read(s, fds[0], buf, 4); });
    queue(ring, 7, [&](Sqe* s) { iou::prep_read(s, fds[0], buf2, 4); });
    queue(ring, 8, [&](Sqe* s) { iou::prep_write(s, fds[1], "01234567", 8); });
    const long three = ring.submit_and_wait(3);
    check("two waiting READs share one WRITE",
          three == 3 && collect(ring, cqes, 3) == 3 && result_of(cqes, 3, 6) == 4 && result_of(cqes, 3, 7) == 4);

    // A short submission does not wait, even with GETEVENTS (Linux).
    queue(ring, 9, [&](Sqe* s) { iou::prep_read(s, fds[0], buf, sizeof buf); });
    const long short_submit = iou::raw::io_uring_enter(ring.fd(), ring.flush_sq() + 1, 1, kEnterGetEvents);
    check_eq("enter: a short submission returns without waiting", short_submit, 1);
    sys::write(fds[1], "x", 1);
    collect(ring, cqes, 1);

    // min_complete is capped at the CQ size.
    for (int i = 0; i < 8; ++i) queue(ring, 20 + i, iou::prep_nop);
    ring.submit();
    for (int i = 0; i < 8; ++i) queue(ring, 30 + i, iou::prep_nop);
    ring.submit();
    check_eq("GETEVENTS: min_complete above the CQ size waits for a full CQ",
             iou::raw::io_uring_enter(ring.fd(), 0, 1000, kEnterGetEvents), 0);
    take_ready(ring, cqes, 8);
    take_ready(ring, cqes, 8);

    // SUBMIT_STABLE: the kernel works from its own copy of the SQE.
    Sqe* sqe = queue(ring, 40, [&](Sqe* s) { iou::prep_read(s, fds[0], buf, sizeof buf); });
    ring.submit();
    sqe->user_data = 41;
    sqe->addr = 0;
    sys::write(fds[1], "stable", 6);
    check("SQE memory may be reused once enter returns (SUBMIT_STABLE)",
          collect(ring, cqes, 1) == 1 && cqes[0].user_data == 40 && cqes[0].res == 6 && same_bytes(buf, "stable", 6));

    // A waiting READ into a bad buffer fails when data arrives; the data stays in the pipe.
    queue(ring, 42, [&](Sqe* s) { iou::prep_read(s, fds[0], nullptr, 4); });
    ring.submit();
    sys::write(fds[1], "kept", 4);
    const bool faulted = collect(ring, cqes, 1) == 1 && cqes[0].res == -Errno::Fault;
    check("waiting READ into a bad buffer -> -EFAULT, data left in the pipe",
          faulted && sys::read(fds[0], buf, sizeof buf) == 4 && same_bytes(buf, "kept", 4));
    ring.exit();
    sys::close(fds[0]);
    sys::close(fds[1]);
}

// ---------------------------------------------------------------- overflow

void test_overflow() {
    Ring ring;
    if (ring.init(4) != 0) return check("overflow: ring", false), void();  // SQ 4, CQ 8
    bool accepted = true;
    for (uint64_t i = 0; i < 16; ++i) {
        queue(ring, i, iou::prep_nop);
        if (i % 4 == 3) accepted = accepted && iou::raw::io_uring_enter(ring.fd(), ring.flush_sq(), 0, 0) == 4;
    }
    check("overflow: 16 NOPs into an 8-entry CQ are all accepted", accepted);
    check("overflow: CQ full and IORING_SQ_CQ_OVERFLOW set",
          ring.cq_ready() == 8 && (*ring.sq_flags() & kSqCqOverflow) != 0);
    check_eq("overflow: cq_overflow counts only lost CQEs", *ring.cq_overflow(), 0);

    // The user frees 3 slots and submits without GETEVENTS: the new CQE queues
    // behind the backlog instead of jumping ahead of it.
    uint64_t order[32];
    int seen = 0;
    for (int i = 0; i < 3; ++i) order[seen++] = ring.cqes()[(*ring.cq_head() + i) & 7].user_data;
    ring.cq_advance(3);
    queue(ring, 16, iou::prep_nop);
    const long r = iou::raw::io_uring_enter(ring.fd(), ring.flush_sq(), 0, 0);
    check("overflow: without GETEVENTS nothing moves into the freed room", r == 1 && ring.cq_ready() == 5);
    const long g = iou::raw::io_uring_enter(ring.fd(), 0, 0, kEnterGetEvents);
    check("overflow: GETEVENTS moves the backlog in", g == 0 && ring.cq_ready() == 8);

    Cqe* cqe = nullptr;
    while (seen < 32 && ring.peek_cqe(&cqe) == 0) {  // peek enters with GETEVENTS while the flag is set
        order[seen++] = cqe->user_data;
        ring.cqe_seen(cqe);
    }
    bool in_order = seen == 17;
    for (int i = 0; in_order && i < 17; ++i) in_order = order[i] == static_cast<uint64_t>(i);
    check("overflow: all 17 completions arrive, in order", in_order);
    check("overflow: flag cleared once the backlog is empty", (*ring.sq_flags() & kSqCqOverflow) == 0);
    ring.exit();
}

// ---------------------------------------------------------- dropped, close

void test_dropped() {
    Ring ring;
    if (ring.init(4) != 0) return check("dropped: ring", false), void();
    for (int i = 0; i < 4; ++i) queue(ring, 100 + i, iou::prep_nop);
    ring.flush_sq();
    ring.sq_array()[1] = 99;  // out of range: there are 4 SQEs
    const long first = iou::raw::io_uring_enter(ring.fd(), 4, 0, 0);
    check("dropped: enter stops at a bad index and counts what came before", first == 1);
    check("dropped: counted in sq_dropped, slot consumed", *ring.sq_dropped() == 1 && *ring.sq_head() == 2);
    const long rest = iou::raw::io_uring_enter(ring.fd(), 2, 0, 0);
    Cqe cqes[4];
    const int n = take_ready(ring, cqes, 4);
    check("dropped: the rest goes with the next enter, no CQE for the dropped one",
          rest == 2 && n == 3 && cqes[0].user_data == 100 && cqes[1].user_data == 102 && cqes[2].user_data == 103);
    ring.exit();
}

void test_close() {
    Ring ring;
    if (ring.init(4) != 0) return check("close: ring", false), void();
    int fds[2];
    if (sys::pipe2(fds, 0) != 0) return check("close: pipe2", false), void();
    static char buf[8];
    queue(ring, 1, [&](Sqe* s) { iou::prep_read(s, fds[0], buf, sizeof buf); });
    ring.submit();
    const int fd = ring.fd();
    ring.unmap();
    check_eq("close: closing the ring fd with a READ waiting", sys::close(fd), 0);
    check_eq("close: the fd is gone (enter -> -EBADF)", iou::raw::io_uring_enter(fd, 0, 0, 0), -Errno::BadF);
    check_eq("close: the pipe still works", sys::write(fds[1], "z", 1), 1);
    check_eq("close: the cancelled READ took nothing", sys::read(fds[0], buf, sizeof buf), 1);
    sys::close(fds[0]);
    sys::close(fds[1]);
}

}  // namespace

/// Run every check; exit status 0 only if all passed.
int main(int, char**, char**) {
    test_setup();
    test_mapping();
    test_nops();
    test_write_and_vectors();
    test_errors();
    test_async();
    test_overflow();
    test_dropped();
    test_close();
    print("uring-test: {} checks passed, {} failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
