/**
 * @file chapters/13-links/tests/test_links.cpp
 * @brief Chapter 13's engine (uring/engine.cpp, chain.cpp, timeout.cpp)
 * driven by a fake kernel: linked chains, drains, skipped CQEs, timers and
 * cancels, with a clock the tests move by hand.
 *
 * The fake executor keeps one pipe: a READ of it parks until the test
 * "writes" bytes, which completes the oldest parked READ. Every expected
 * order and result is what Linux 6.18 gives for the same SQEs
 * (user/musl/uring-links.c prints the same cases on both).
 */
#include <criterion/criterion.h>
#include <signal.h>

#include <climits>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <vector>

#include "common/abi/io_uring.h"
#include "common/abi/linux.h"
#include "uring/engine.cpp"
#include "uring/chain.cpp"
#include "uring/timeout.cpp"
#include "kernel/console.h"
#include "kernel/power.h"

// The engine's completion lock is an IrqLock (chapter 10): chapter 09's
// fake CPU steps over cli and sti. No user copy here can fault, so any
// other SIGSEGV is a bug. A panic (a lock taken twice) ends the test.
namespace user_faults {
inline void on_segv(int, siginfo_t*, void*) { std::abort(); }
inline void catch_them() {}
}  // namespace user_faults
#include "../../09-fixed/tests/fake_cpu.h"

Sink& console_sink() {
    struct Discard final : Sink {
        void write(const char*, size_t) override {}
    };
    static Discard sink;
    return sink;
}
[[noreturn]] void power_off(PowerStatus status) { std::exit(100 + static_cast<int>(status)); }

namespace {

namespace iu = abi::io_uring;
using abi::Errno;
using iu::Cqe;
using iu::Op;
using iu::Sqe;
using uring::IssueResult;
using uring::Request;

constexpr int kPipe = 10;       ///< fake fd: READs park here until write_pipe()
constexpr int kBadFd = 99;      ///< fake fd: not open
constexpr uint64_t kUnmapped = 0x1000;  ///< a user address copy_in cannot read
constexpr uint64_t kMs = 1000000;       ///< a millisecond in ns

template <typename T>
long raw(const Result<T>& r) {
    if (!r) return -r.error();
    if constexpr (std::is_arithmetic_v<T>) return static_cast<long>(*r);
    else return 0;
}

struct FakeExecutor final : uring::Executor {
    std::vector<Request*> parked;     ///< READs waiting on the pipe, oldest first
    std::vector<uint64_t> issued;     ///< user_data of each issue() call
    std::vector<uint64_t> cancelled;  ///< user_data of each cancel() call
    uring::Ring* ring = nullptr;

    IssueResult issue(Request& r) override {
        issued.push_back(r.sqe.user_data);
        if (r.sqe.fd == kBadFd) return IssueResult::done(static_cast<int32_t>(-Errno::BadF));
        if (static_cast<Op>(r.sqe.opcode) == Op::Read && r.sqe.fd == kPipe) {
            parked.push_back(&r);
            return IssueResult::later();
        }
        return IssueResult::done(static_cast<int32_t>(r.sqe.len));
    }
    bool cancel(Request& r) override {
        cancelled.push_back(r.sqe.user_data);
        std::erase(parked, &r);
        return true;
    }
    Result<void> copy_in(void* to, uint64_t from, size_t bytes) override {
        if (from == kUnmapped) return Err(Errno::Fault);
        std::memcpy(to, reinterpret_cast<const void*>(from), bytes);
        return {};
    }
    /// @p bytes arrive: the oldest parked READ takes what it asked for, or less.
    void write_pipe(uint32_t bytes) {
        cr_assert(!parked.empty());
        Request* r = parked.front();
        parked.erase(parked.begin());
        cr_assert(ring->complete(*r, static_cast<int32_t>(r->sqe.len < bytes ? r->sqe.len : bytes)));
        cr_expect_eq(fake_cpu::locks_held(), 0u, "a lock was left held");
        // The program's waiter, woken, runs what the completion queued (the
        // next request of its chain): the kernel's io_uring_enter does.
        ring->expire_timers();
    }
};

struct FakeClock final : uring::Clock {
    uint64_t now = 1000 * kMs;
    uint64_t monotonic_ns() override { return now; }
    uint64_t realtime_ns() override { return now + 1'700'000'000ull * 1'000'000'000ull; }
};

/// Each wait moves the clock to the deadline it was given (a sleep that times
/// out), or fails with EINTR if there is none (the test would hang).
struct ClockWaiter final : uring::Waiter {
    FakeClock* clock = nullptr;
    int calls = 0;
    Result<void> wait(uring::Ring&, uint32_t, uint64_t deadline) override {
        ++calls;
        if (deadline == uring::kNever) return Err(Errno::Intr);
        if (deadline > clock->now) clock->now = deadline;
        return {};
    }
};

template <size_t kRequests = 32>
struct TestRing {
    iu::Params params{};
    uring::Layout layout{};
    std::unique_ptr<uint8_t[]> rings;
    std::unique_ptr<uint8_t[]> sqe_region;
    uring::FixedStorage<64, kRequests> storage{};
    FakeExecutor executor;
    FakeClock clock;
    ClockWaiter waiter;
    uring::Ring ring;
    uint32_t sqe_tail = 0;

    explicit TestRing(uint32_t entries = 32, uint32_t flags = 0) {
        fake_cpu::start();
        params.flags = flags;
        cr_assert_eq(raw(uring::setup(entries, params, layout)), 0);
        rings.reset(new uint8_t[layout.rings_bytes]);
        sqe_region.reset(new uint8_t[layout.sqes_bytes]);
        uring::RingConfig config;
        config.layout = layout;
        config.rings = rings.get();
        config.sqes = sqe_region.get();
        config.setup_flags = params.flags;
        config.storage = storage.view();
        config.executor = &executor;
        config.clock = &clock;
        ring.init(config);
        executor.ring = &ring;
        waiter.clock = &clock;
    }
    ~TestRing() {
        ring.cancel_all();
        cr_expect_eq(ring.inflight(), 0u, "cancel_all frees every request");
        for (const Request& r : storage.requests) cr_expect(r.state == Request::State::Free);
    }

    uring::RingHeader& h() { return *ring.header(); }
    Sqe& queue(const Sqe& sqe) {
        const uint32_t slot = sqe_tail & (layout.sq_entries - 1);
        auto* sqes = reinterpret_cast<Sqe*>(sqe_region.get());
        sqes[slot] = sqe;
        reinterpret_cast<uint32_t*>(rings.get() + layout.sq_off.array)[slot] = slot;
        __atomic_store_n(&h().sq_tail, ++sqe_tail, __ATOMIC_RELEASE);
        return sqes[slot];
    }
    /// Every ready CQE as "user_data:res" words, consumed.
    std::string reap() {
        std::string out;
        const auto* cqes = reinterpret_cast<const Cqe*>(rings.get() + layout.cq_off.cqes);
        uint32_t head = h().cq_head;
        const uint32_t tail = __atomic_load_n(&h().cq_tail, __ATOMIC_ACQUIRE);
        for (; head != tail; ++head) {
            const Cqe& c = cqes[head & (layout.cq_entries - 1)];
            if (!out.empty()) out += ' ';
            out += std::to_string(c.user_data) + ":" + std::to_string(c.res);
        }
        __atomic_store_n(&h().cq_head, head, __ATOMIC_RELEASE);
        return out;
    }
    long enter(uint32_t to_submit, uint32_t min = 0, uint64_t deadline = uring::kNever) {
        const long r = raw(ring.enter(to_submit, min, min ? iu::kEnterGetEvents : 0, &waiter, deadline));
        cr_expect_eq(fake_cpu::locks_held(), 0u, "a lock was left held");
        return r;
    }
};

Sqe sqe(Op op, uint64_t user_data, uint8_t flags = 0, int fd = -1) {
    Sqe s{};
    s.opcode = static_cast<uint8_t>(op);
    s.fd = fd;
    s.flags = flags;
    s.user_data = user_data;
    return s;
}
Sqe nop(uint64_t user_data, uint8_t flags = 0) { return sqe(Op::Nop, user_data, flags); }
Sqe bad_read(uint64_t user_data, uint8_t flags = 0) {
    Sqe s = sqe(Op::Read, user_data, flags, kBadFd);
    s.len = 4;
    return s;
}
Sqe pipe_read(uint64_t user_data, uint8_t flags = 0, uint32_t len = 4) {
    Sqe s = sqe(Op::Read, user_data, flags, kPipe);
    s.len = len;
    return s;
}
Sqe timer(Op op, uint64_t user_data, const abi::TimeSpec& ts, uint32_t count = 0, uint8_t flags = 0) {
    Sqe s = sqe(op, user_data, flags);
    s.addr = reinterpret_cast<uint64_t>(&ts);
    s.len = 1;
    s.off = count;
    return s;
}
Sqe keyed(Op op, uint64_t user_data, uint64_t key, uint32_t cancel_flags = 0) {
    Sqe s = sqe(op, user_data);
    s.addr = key;
    s.cancel_flags = cancel_flags;
    return s;
}

/// The CQEs the ring holds now, as "user_data:res" words, must be @p want.
#define EXPECT_CQES(ring, want, ...)                                         \
    do {                                                                     \
        const std::string got_cqes = (ring).reap();                          \
        cr_expect_str_eq(got_cqes.c_str(), want __VA_OPT__(, ) __VA_ARGS__); \
    } while (0)

constexpr uint8_t kLink = iu::kSqeIoLink, kHard = iu::kSqeIoHardlink, kDrain = iu::kSqeIoDrain,
                  kSkip = iu::kSqeCqeSkipSuccess;
const abi::TimeSpec k20ms{0, 20 * 1000000}, k10s{10, 0};

}  // namespace

// ================================================================== links

Test(links, a_failure_cancels_the_rest_of_the_chain) {
    TestRing t;
    t.queue(nop(1, kLink));
    t.queue(bad_read(2, kLink));
    t.queue(nop(3, kLink));
    t.queue(nop(4));
    cr_assert_eq(t.enter(4), 4);
    EXPECT_CQES(t, "1:0 2:-9 3:-125 4:-125");
    cr_expect_eq(t.executor.issued, (std::vector<uint64_t>{2}), "cancelled requests never reach the executor");
    cr_expect_eq(t.ring.inflight(), 0u);
}

Test(links, a_hard_link_goes_on_after_a_failure) {
    TestRing t;
    t.queue(nop(5, kHard));
    t.queue(bad_read(6, kHard));
    t.queue(nop(7));
    cr_assert_eq(t.enter(3), 3);
    EXPECT_CQES(t, "5:0 6:-9 7:0");
}

Test(links, the_next_link_starts_after_the_rest_of_the_batch) {
    // Linux runs a chain's next request as task work: after the batch.
    TestRing t;
    t.queue(nop(1, kLink));
    t.queue(nop(2, kLink));
    t.queue(nop(3));
    t.queue(nop(4));
    cr_assert_eq(t.enter(4), 4);
    EXPECT_CQES(t, "1:0 4:0 2:0 3:0");
}

Test(links, a_short_read_breaks_the_link) {
    TestRing t;
    t.queue(pipe_read(8, kLink, 8));
    t.queue(nop(9));
    cr_assert_eq(t.enter(2), 2);
    EXPECT_CQES(t, "");
    t.executor.write_pipe(3);
    EXPECT_CQES(t, "8:3 9:-125");
}

Test(links, a_completion_from_outside_only_queues_the_next_link) {
    // complete() may run on another CPU, with the completion lock held:
    // it posts the READ's CQE and queues the NOP, which starts only when
    // the ring is entered (starting a request may sleep).
    TestRing t;
    t.queue(pipe_read(1, kLink));
    t.queue(nop(2));
    cr_assert_eq(t.enter(2), 2);
    Request* read = t.executor.parked.front();
    t.executor.parked.clear();
    cr_assert(t.ring.complete(*read, 4));
    cr_expect_eq(fake_cpu::locks_held(), 0u);
    cr_expect(t.ring.has_task_work());
    cr_expect_eq(t.ring.inflight(), 1u, "the NOP still owes its CQE");
    EXPECT_CQES(t, "1:4");
    cr_assert_eq(t.enter(0, 1), 0);
    cr_expect(!t.ring.has_task_work());
    EXPECT_CQES(t, "2:0");
    cr_expect_eq(t.ring.inflight(), 0u);
    cr_expect_gt(fake_cpu::skipped, 0, "the IrqLocks really ran");
}

Test(links, an_invalid_sqe_fails_its_whole_chain_and_the_batch_goes_on) {
    TestRing t;
    t.queue(nop(10, kLink));
    t.queue(nop(11, kLink)).ioprio = 1;
    t.queue(nop(12));
    t.queue(nop(13));
    cr_assert_eq(t.enter(4), 4, "the invalid SQE did not close its chain: no stop");
    EXPECT_CQES(t, "10:-125 13:0 11:-22 12:-125");
}

Test(links, an_invalid_sqe_that_closes_a_chain_ends_the_batch) {
    TestRing t;
    t.queue(nop(1, kLink | kHard));
    t.queue(nop(2)).ioprio = 1;
    t.queue(nop(3));
    cr_assert_eq(t.enter(3), 2);
    EXPECT_CQES(t, "1:-125 2:-22", "a hard link does not save a chain with an invalid SQE");
}

Test(links, a_chain_open_at_the_end_of_the_batch_runs) {
    TestRing t;
    t.queue(nop(14, kLink));
    t.queue(nop(15, kLink));
    cr_assert_eq(t.enter(2), 2);
    EXPECT_CQES(t, "14:0 15:0");
}

Test(links, a_chain_longer_than_the_pool_is_cut_where_the_pool_ends) {
    // 16 requests, a 32-entry SQ full of links: the first 16 run as one
    // chain, the batch stops with the pool empty, and the rest run later.
    TestRing<16> t(32);
    for (uint64_t i = 0; i < 32; ++i) t.queue(nop(i, kLink));
    cr_assert_eq(t.enter(32), 16);
    cr_assert_eq(t.enter(16), 16);
    std::string want;
    for (int i = 0; i < 32; ++i) want += (i ? " " : "") + std::to_string(i) + ":0";
    EXPECT_CQES(t, want.c_str());
}

Test(links, ten_thousand_linked_sqes_use_no_stack_and_all_complete) {
    TestRing<64> t(64);
    uint32_t done = 0;
    for (uint64_t i = 0; i < 10000;) {
        const uint32_t n = 10000 - i < 64 ? static_cast<uint32_t>(10000 - i) : 64;
        for (uint32_t k = 0; k < n; ++k, ++i) t.queue(i % 7 == 3 ? bad_read(i, kLink) : nop(i, kLink));
        cr_assert_eq(t.enter(n), n);
        const std::string got = t.reap();
        done += static_cast<uint32_t>(std::count(got.begin(), got.end(), ':'));
    }
    cr_expect_eq(done, 10000u);
    cr_expect_eq(t.ring.inflight(), 0u);
}

// ================================================================== drain

Test(drain, waits_for_everything_before_it_and_holds_back_what_follows) {
    TestRing t;
    t.queue(pipe_read(20));
    t.queue(nop(21, kDrain));
    t.queue(nop(22));
    cr_assert_eq(t.enter(3), 3);
    EXPECT_CQES(t, "");
    t.executor.write_pipe(4);
    EXPECT_CQES(t, "20:4 21:0 22:0");
}

Test(drain, a_drained_request_that_parks_holds_back_the_next) {
    TestRing t;
    t.queue(pipe_read(1, kDrain));
    t.queue(nop(2));
    cr_assert_eq(t.enter(2), 2);
    EXPECT_CQES(t, "");
    t.executor.write_pipe(4);
    EXPECT_CQES(t, "1:4 2:0");
}

Test(drain, is_eopnotsupp_once_the_ring_has_seen_skip_success) {
    TestRing t;
    t.queue(nop(1, kSkip));
    t.queue(nop(2, kDrain));
    cr_assert_eq(t.enter(2), 2);
    EXPECT_CQES(t, "2:-95");
}

// ================================================================== skip

Test(skip, no_cqe_for_success_one_for_failure) {
    TestRing t;
    t.queue(nop(40, kSkip));
    t.queue(bad_read(41, kSkip));
    t.queue(nop(42));
    cr_assert_eq(t.enter(3), 3);
    EXPECT_CQES(t, "41:-9 42:0");
    cr_expect_eq(t.ring.inflight(), 0u, "a skipped CQE is no CQE owed");
}

Test(skip, a_skipping_failure_silences_the_requests_it_cancels) {
    TestRing t;
    t.queue(nop(43, kLink | kSkip));
    t.queue(bad_read(44, kLink | kSkip));
    t.queue(nop(45, kLink));
    t.queue(nop(46));
    cr_assert_eq(t.enter(4), 4);
    EXPECT_CQES(t, "44:-9");
    t.queue(nop(47, kLink));
    t.queue(bad_read(48, kLink));
    t.queue(nop(49, kSkip));
    cr_assert_eq(t.enter(3), 3);
    EXPECT_CQES(t, "47:0 48:-9 49:-125", "a cancelled request's CQE is never skipped");
}

// =============================================================== timeouts

Test(timeout, ends_with_0_after_count_completions) {
    TestRing t;
    t.queue(timer(Op::Timeout, 60, k10s, 2));
    t.queue(nop(61));
    t.queue(nop(62));
    cr_assert_eq(t.enter(3), 3);
    EXPECT_CQES(t, "61:0 62:0 60:0");
}

Test(timeout, expires_with_etime_and_enter_waits_for_it) {
    TestRing t;
    t.queue(timer(Op::Timeout, 63, k20ms));
    cr_assert_eq(t.enter(1, 1), 1);
    EXPECT_CQES(t, "63:-62");
    cr_expect_eq(t.waiter.calls, 1);
}

Test(timeout, a_count_not_reached_in_time_expires) {
    TestRing t;
    t.queue(timer(Op::Timeout, 64, k20ms, 5));
    t.queue(nop(65));
    cr_assert_eq(t.enter(2, 2), 2);
    EXPECT_CQES(t, "65:0 64:-62");
}

Test(timeout, a_pure_timer_does_not_hold_back_counting_ones) {
    // Linux 6.18: the counting TIMEOUT ends although a pure timer is older.
    TestRing t;
    t.queue(timer(Op::Timeout, 1, k10s));
    t.queue(timer(Op::Timeout, 2, k10s, 1));
    t.queue(nop(3));
    cr_assert_eq(t.enter(3), 3);
    EXPECT_CQES(t, "3:0 2:0");
    t.queue(keyed(Op::TimeoutRemove, 4, 1));
    cr_assert_eq(t.enter(1), 1);
    EXPECT_CQES(t, "4:0 1:-125");
}

Test(timeout, counting_ones_end_in_the_order_of_their_targets) {
    TestRing t;
    t.queue(timer(Op::Timeout, 1, k10s, 3));
    t.queue(timer(Op::Timeout, 2, k10s, 1));
    t.queue(nop(3));
    cr_assert_eq(t.enter(3), 3);
    EXPECT_CQES(t, "3:0 2:0");
    t.queue(nop(4));
    t.queue(nop(5));
    cr_assert_eq(t.enter(2), 2);
    EXPECT_CQES(t, "4:0 5:0 1:0", "TIMEOUT 2's CQE did not count for TIMEOUT 1");
}

Test(timeout, remove_finds_it_or_says_enoent) {
    TestRing t;
    t.queue(timer(Op::Timeout, 66, k10s));
    t.queue(keyed(Op::TimeoutRemove, 67, 66));
    t.queue(keyed(Op::TimeoutRemove, 68, 12345));
    cr_assert_eq(t.enter(3), 3);
    EXPECT_CQES(t, "67:0 68:-2 66:-125");
}

Test(timeout, update_gives_a_new_deadline) {
    TestRing t;
    t.queue(timer(Op::Timeout, 1, k10s));
    Sqe update = keyed(Op::TimeoutRemove, 2, 1);
    update.timeout_flags = iu::kTimeoutUpdate;
    update.addr2 = reinterpret_cast<uint64_t>(&k20ms);
    t.queue(update);
    cr_assert_eq(t.enter(2, 2), 2);
    EXPECT_CQES(t, "2:0 1:-62");
    cr_expect(t.clock.now < 1000 * kMs + 1000 * kMs, "it fired after 20 ms, not 10 s");
}

Test(timeout, bad_timespecs_and_fields_fail_at_prepare) {
    TestRing t;
    const abi::TimeSpec negative{-1, 0}, bad_nsec{0, -5};
    t.queue(timer(Op::Timeout, 1, negative));
    t.queue(timer(Op::Timeout, 2, bad_nsec));
    Sqe len2 = timer(Op::Timeout, 3, k20ms);
    len2.len = 2;
    t.queue(len2);
    Sqe unmapped = timer(Op::Timeout, 4, k20ms);
    unmapped.addr = kUnmapped;
    t.queue(unmapped);
    Sqe two_clocks = timer(Op::Timeout, 5, k20ms);
    two_clocks.timeout_flags = iu::kTimeoutBoottime | iu::kTimeoutRealtime;
    t.queue(two_clocks);
    t.params.flags = 0;
    for (int i = 0; i < 5; ++i) cr_assert_eq(t.enter(1), 1);  // each failure ends its batch
    EXPECT_CQES(t, "1:-22 2:-22 3:-22 4:-14 5:-22");
}

Test(timeout, a_huge_timespec_never_fires_and_never_wraps) {
    TestRing t;
    const abi::TimeSpec huge{LLONG_MAX, 999999999};
    t.queue(timer(Op::Timeout, 1, huge));
    t.queue(timer(Op::Timeout, 2, huge)).timeout_flags = iu::kTimeoutAbs | iu::kTimeoutRealtime;
    cr_assert_eq(t.enter(2), 2);
    cr_expect_eq(t.ring.next_deadline(), uring::kNever);
    t.clock.now = ~0ull - 1;
    t.ring.expire_timers();
    EXPECT_CQES(t, "");
    cr_expect_eq(t.ring.inflight(), 2u);
}

Test(timeout, an_absolute_time_in_the_past_fires_at_once) {
    TestRing t;
    const abi::TimeSpec past{0, 5};
    t.queue(timer(Op::Timeout, 1, past)).timeout_flags = iu::kTimeoutAbs;
    cr_assert_eq(t.enter(1, 1), 1);
    EXPECT_CQES(t, "1:-62");
}

// ========================================================== link timeouts

Test(link_timeout, cancels_a_read_that_does_not_complete_in_time) {
    TestRing t;
    t.queue(pipe_read(30, kLink));
    t.queue(timer(Op::LinkTimeout, 31, k20ms, 0, kLink));
    t.queue(nop(32));
    cr_assert_eq(t.enter(3, 3), 3);
    EXPECT_CQES(t, "31:-62 30:-125 32:-125");
    cr_expect_eq(t.executor.cancelled, (std::vector<uint64_t>{30}));
    cr_expect(t.executor.parked.empty());
}

Test(link_timeout, is_cancelled_when_its_read_completes) {
    TestRing t;
    t.queue(pipe_read(32, kLink));
    t.queue(timer(Op::LinkTimeout, 33, k10s, 0, kLink));
    t.queue(nop(34));
    cr_assert_eq(t.enter(3), 3);
    t.executor.write_pipe(4);
    EXPECT_CQES(t, "32:4 33:-125 34:0");
    cr_expect_eq(t.ring.next_deadline(), uring::kNever, "disarmed");
}

// liburing's skip-cqe test: a LINK_TIMEOUT with CQE_SKIP_SUCCESS posts no
// CQE when its request completes first (-ECANCELED) nor when it fires (-ETIME).
Test(link_timeout, that_skips_successes_posts_nothing_disarmed_or_fired) {
    TestRing t;
    t.queue(pipe_read(35, kLink));
    t.queue(timer(Op::LinkTimeout, 36, k10s, 0, kLink | kSkip));
    t.queue(nop(37));
    cr_assert_eq(t.enter(3), 3);
    t.executor.write_pipe(4);
    EXPECT_CQES(t, "35:4 37:0");
    t.queue(pipe_read(38, kLink));
    t.queue(timer(Op::LinkTimeout, 39, k20ms, 0, kSkip));
    cr_assert_eq(t.enter(2, 1), 2);
    EXPECT_CQES(t, "38:-125");
}

Test(link_timeout, needs_a_request_before_it) {
    TestRing t;
    t.queue(timer(Op::LinkTimeout, 37, k10s));
    cr_assert_eq(t.enter(1), 1);
    t.queue(nop(38, kLink));
    t.queue(timer(Op::LinkTimeout, 39, k10s, 0, kLink));
    t.queue(timer(Op::LinkTimeout, 40, k10s));
    cr_assert_eq(t.enter(3), 3);
    EXPECT_CQES(t, "37:-22 38:-125 39:-125 40:-22");
}

Test(link_timeout, is_out_of_reach_of_cancel_and_remove) {
    TestRing t;
    t.queue(pipe_read(1, kLink));
    t.queue(timer(Op::LinkTimeout, 2, k10s));
    t.queue(keyed(Op::AsyncCancel, 3, 2));
    t.queue(keyed(Op::TimeoutRemove, 4, 2));
    cr_assert_eq(t.enter(4), 4);
    EXPECT_CQES(t, "3:-2 4:-2");
}

// ================================================================= cancel

Test(cancel, a_parked_read_then_unknown_then_itself) {
    TestRing t;
    t.queue(pipe_read(80));
    t.queue(keyed(Op::AsyncCancel, 81, 80));
    t.queue(keyed(Op::AsyncCancel, 82, 12345));
    t.queue(keyed(Op::AsyncCancel, 83, 83));
    cr_assert_eq(t.enter(4), 4);
    EXPECT_CQES(t, "81:0 82:-2 83:-2 80:-125");
    cr_expect_eq(t.executor.cancelled, (std::vector<uint64_t>{80}));
}

Test(cancel, all_counts_and_takes_the_oldest_first) {
    TestRing t;
    t.queue(pipe_read(86, 0, 1));
    t.queue(pipe_read(86, 0, 2));
    t.queue(keyed(Op::AsyncCancel, 87, 86, iu::kCancelAll));
    t.queue(keyed(Op::AsyncCancel, 88, 86, iu::kCancelAll));
    cr_assert_eq(t.enter(4), 4);
    EXPECT_CQES(t, "87:2 88:0 86:-125 86:-125");
}

Test(cancel, a_request_waiting_in_a_chain_is_out_of_reach) {
    TestRing t;
    t.queue(pipe_read(1, kLink));
    t.queue(nop(2));
    t.queue(keyed(Op::AsyncCancel, 3, 2));
    t.queue(keyed(Op::AsyncCancel, 4, 1));
    cr_assert_eq(t.enter(4), 4);
    EXPECT_CQES(t, "3:-2 4:0 1:-125 2:-125");
}

Test(cancel, bad_flags_are_einval) {
    TestRing t;
    t.queue(keyed(Op::AsyncCancel, 1, 0, 1u << 20));
    cr_assert_eq(t.enter(1), 1);
    t.queue(keyed(Op::AsyncCancel, 2, 0, iu::kCancelAny | iu::kCancelOp));
    cr_assert_eq(t.enter(1), 1);
    EXPECT_CQES(t, "1:-22 2:-22");
}

// ============================================================ enter waits

Test(enter_wait, a_deadline_ends_the_wait_with_etime) {
    TestRing t;
    cr_expect_eq(t.enter(0, 1, t.clock.now + 20 * kMs), -Errno::Time);
    cr_expect_eq(t.waiter.calls, 1);
    cr_expect_eq(t.enter(0, 1, 0), -Errno::Time, "a deadline in the past: at once");
    cr_expect_eq(t.waiter.calls, 1);
}

Test(enter_wait, flags_are_checked_first) {
    TestRing t;
    cr_expect_eq(raw(uring::Ring::check_enter_flags(~0u)), -Errno::Inval);
    cr_expect_eq(raw(uring::Ring::check_enter_flags(iu::kEnterGetEvents | iu::kEnterExtArg | iu::kEnterAbsTimer)), 0);
    cr_expect_eq(raw(uring::Ring::check_enter_flags(iu::kEnterExtArgReg)), -Errno::Inval);
}

// =============================================================== two CPUs
// A READ that parks completes on another CPU (a pipe write there calls
// complete()) at any moment - also between the moment a waiter in
// io_uring_enter has looked at the ring (run its task work, counted its
// CQEs, found its next timer) and the moment it counts the wake-ups it
// sleeps until (the kernel's Waiter: RingFile::completed). That
// completion's wake-up is then already counted, so the waiter sleeps
// unless its condition finds something: enough CQEs, or task work. These
// tests replay that order, one step at a time.

namespace {
/// What the kernel's Waiter would do now, having counted its wake-ups
/// after the completion: sleep, unless its condition holds.
template <typename Ring>
bool waiter_would_sleep(Ring& t, uint32_t min_complete) {
    return t.ring.cq_ready() < min_complete && !t.ring.has_task_work();
}
}  // namespace

Test(two_cpus, a_completion_that_ends_a_drain_leaves_task_work) {
    // fuzz-uring hung on two CPUs, every request but one deferred behind
    // a drain, the one a READ. Its completion ended the drain, but only
    // the next run of the task-work queue would have seen that - and the
    // waiter, which had run it just before, slept with nothing to wake it.
    TestRing t;
    t.queue(pipe_read(1));
    t.queue(nop(2, kDrain));
    cr_assert_eq(t.enter(2), 2);
    Request* read = t.executor.parked.front();
    t.executor.parked.clear();
    t.ring.expire_timers();  // CPU 0, the waiter, looks: the drain holds the NOP back
    cr_expect(waiter_would_sleep(t, 2));
    cr_assert(t.ring.complete(*read, 4));  // CPU 1: the READ's data arrives
    cr_expect(!waiter_would_sleep(t, 2), "the NOP may start now: the waiter must not sleep");
    cr_assert_eq(t.enter(0, 2), 0);  // CPU 0 again
    EXPECT_CQES(t, "1:4 2:0");
    cr_expect_eq(t.waiter.calls, 0);
}

Test(two_cpus, a_completion_that_reaches_a_count_leaves_task_work) {
    // The same order with a counting TIMEOUT: the READ's CQE is the one it
    // waits for. A waiter for both CQEs would sleep until the TIMEOUT's
    // 10 s are over, not end with 0 at once.
    TestRing t;
    t.queue(timer(Op::Timeout, 1, k10s, 1));
    t.queue(pipe_read(2));
    cr_assert_eq(t.enter(2), 2);
    Request* read = t.executor.parked.front();
    t.executor.parked.clear();
    t.ring.expire_timers();
    cr_expect(waiter_would_sleep(t, 2));
    cr_assert(t.ring.complete(*read, 4));
    cr_expect(!waiter_would_sleep(t, 2), "TIMEOUT 1 has its count: the waiter must not sleep");
    cr_assert_eq(t.enter(0, 2), 0);
    EXPECT_CQES(t, "2:4 1:0");
    cr_expect_eq(t.waiter.calls, 0);
}

Test(release, cancel_all_frees_chains_timers_and_drains) {
    TestRing t;
    t.queue(pipe_read(1, kLink));
    t.queue(timer(Op::LinkTimeout, 2, k10s, 0, kLink));
    t.queue(nop(3));
    t.queue(timer(Op::Timeout, 4, k10s));
    t.queue(nop(5, kDrain));
    cr_assert_eq(t.enter(5), 5);
    cr_expect_eq(t.ring.inflight(), 5u);
    // ~TestRing: cancel_all, then every request must be Free.
}
