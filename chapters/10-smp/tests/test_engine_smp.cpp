/**
 * @file chapters/10-smp/tests/test_engine_smp.cpp
 * @brief Chapter 10's io_uring engine (uring/engine.cpp) entered from
 * several host threads at once, each one a CPU (tests/fake_cpus.h): the
 * submission lock and the completion lock (engine.h) must keep every
 * request's one CQE, whoever submits it and whoever completes it.
 *
 * The fakes are as real as the kernel's where it matters:
 *   - the completion lock is the kernel's own SpinLock, spinning on a real
 *     atomic between real threads;
 *   - the submission lock, which sleeps in the kernel, is a std::mutex;
 *   - the waiter sleeps on a condition variable with the kernel's
 *     condition (a completion counted since it began, or enough CQEs), and
 *     completion_posted() wakes it: a lost wake-up leaves it asleep until
 *     its deadline, and the test fails;
 *   - READs on the fake pipe park, and "pipe writer" threads complete them
 *     through Ring::complete(), as a write on another CPU does.
 * The program's side is a program's: its own mutex around its SQ tail
 * (the kernel only assumes the tail is published with release), one
 * reaping thread owning the CQ head.
 *
 * A worker thread never calls cr_assert (Criterion's assertions belong to
 * the test's main thread): it counts what went wrong, and the main thread
 * checks the counts after joining it.
 */
#include <criterion/criterion.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/abi/io_uring.h"
#include "common/abi/linux.h"
#include "uring/engine.cpp"
#include "../../03-memory/tests/fake_kernel.h"
#include "fake_cpus.h"

namespace {

namespace iu = abi::io_uring;
using abi::Errno;
using iu::Cqe;
using iu::Op;
using iu::Sqe;
using Clock = std::chrono::steady_clock;

constexpr int kPipeFd = 10;                        ///< fake fd: a READ here parks until a writer completes it
constexpr auto kPatience = std::chrono::seconds(15);  ///< far longer than any test runs: past it, something is stuck
constexpr auto kWakeUp = std::chrono::seconds(2);    ///< a wake-up that takes longer than this was lost

/// Request number @p id's SQE, and the result its CQE must carry: a NOP
/// (0), a WRITE to fd 1 (its length), or a READ that parks (its length),
/// in turn; only the first @p kinds of the three.
Sqe sqe_for(uint64_t id, uint64_t kinds) {
    Sqe s{};
    s.user_data = id;
    s.len = static_cast<uint32_t>(id % 97 + 1);
    s.addr = 0x10000;
    s.off = ~0ull;
    switch (id % kinds) {
    case 0:
        s.opcode = static_cast<uint8_t>(Op::Nop);
        s.fd = -1;
        s.len = 0;
        s.addr = 0;
        s.off = 0;
        break;
    case 1:
        s.opcode = static_cast<uint8_t>(Op::Write);
        s.fd = 1;
        break;
    default:
        s.opcode = static_cast<uint8_t>(Op::Read);
        s.fd = kPipeFd;
        break;
    }
    return s;
}
int32_t result_for(uint64_t id, uint64_t kinds) { return id % kinds == 0 ? 0 : static_cast<int32_t>(id % 97 + 1); }

/// The kernel's side: WRITEs finish at once, READs park for a writer
/// thread; completion_posted() wakes waiters.
struct HostExecutor final : uring::Executor {
    std::mutex pipe_mutex;
    std::vector<uring::Request*> parked;  ///< READs waiting for a writer, under pipe_mutex

    std::mutex wake_mutex;                ///< the waiters' "scheduler lock"
    std::condition_variable woken;
    uint64_t completed = 0;               ///< completion_posted() calls, under wake_mutex

    uring::IssueResult issue(uring::Request& r) override {
        if (r.sqe.opcode == static_cast<uint8_t>(Op::Write)) return uring::IssueResult::done(static_cast<int32_t>(r.sqe.len));
        if (r.sqe.opcode == static_cast<uint8_t>(Op::Read) && r.sqe.fd == kPipeFd) {
            std::lock_guard guard(pipe_mutex);
            parked.push_back(&r);  // a writer may complete it before issue() returns
            return uring::IssueResult::later();
        }
        return uring::IssueResult::done(-Errno::BadF);
    }

    void completion_posted() override {
        {
            std::lock_guard guard(wake_mutex);
            ++completed;
        }
        woken.notify_all();
    }

    /// A parked READ, taken off the pipe; nullptr if none.
    uring::Request* take_parked() {
        std::lock_guard guard(pipe_mutex);
        if (parked.empty()) return nullptr;
        uring::Request* r = parked.back();  // newest first: completions arrive out of order
        parked.pop_back();
        return r;
    }
};

/// io_uring_enter's sleep, as the kernel's Waiter: until a completion is
/// posted after it began, or enough CQEs are ready (tested under the lock
/// completion_posted() takes, so no wake-up falls in between).
struct HostWaiter final : uring::Waiter {
    HostExecutor& executor;
    std::atomic<int> timeouts{0};  ///< waits that no wake-up ended: lost wake-ups
    explicit HostWaiter(HostExecutor& e) : executor(e) {}

    Result<void> wait(uring::Ring& ring, uint32_t min_complete) override {
        std::unique_lock guard(executor.wake_mutex);
        const uint64_t before = executor.completed;
        const auto give_up = Clock::now() + kWakeUp;
        while (executor.completed == before && ring.cq_ready() < min_complete) {
            // A timeout counts even if the CQEs are there by now: nobody
            // woke this waiter for them (another thread's batch may have
            // come to its rescue only by chance).
            if (executor.woken.wait_until(guard, give_up) == std::cv_status::timeout) {
                ++timeouts;
                return Err(Errno::TimedOut);
            }
        }
        return {};
    }
};

/// The submission lock: the kernel's sleeps, and so does a std::mutex.
struct HostSubmitLock final : uring::SubmitLock {
    std::mutex mutex;
    void lock() override { mutex.lock(); }
    void unlock() override { mutex.unlock(); }
};

/// What went wrong on the worker threads, counted; checked on the main thread.
struct Trouble {
    std::atomic<int> duplicates{0};     ///< a user_data seen twice
    std::atomic<int> unknown{0};        ///< a user_data never submitted
    std::atomic<int> wrong_results{0};  ///< a CQE whose res is not its request's
    std::atomic<int> enter_errors{0};   ///< enter() failing other than Busy/Again/TimedOut (BadR: a CQE lost)
    std::atomic<int> complete_refused{0};  ///< complete() on a parked request said "not pending"
    std::atomic<int> locks_left{0};     ///< a CPU still held a spin lock when its thread ended
};

/// A ring with its memory, shared by every thread; the program's side too.
template <size_t kBacklog, size_t kRequests>
struct SharedRing {
    iu::Params params{};
    uring::Layout layout{};
    std::unique_ptr<uint8_t[]> rings;
    std::unique_ptr<uint8_t[]> sqe_region;
    uring::FixedStorage<kBacklog, kRequests> storage{};
    HostExecutor executor;
    HostWaiter waiter{executor};
    HostSubmitLock submit_lock;
    uring::Ring ring;
    Trouble trouble;

    std::mutex user_sq_mutex;  ///< the program's own lock around its SQ tail
    uint32_t user_sq_tail = 0;  ///< under user_sq_mutex
    std::vector<std::atomic<uint8_t>> seen;  ///< CQEs seen per user_data
    std::atomic<uint64_t> reaped{0};

    uint64_t kinds;  ///< requests are NOPs, WRITEs, READs in turn: the first kinds of them

    SharedRing(uint32_t entries, uint64_t requests, bool with_submit_lock = true, uint64_t kinds_ = 3)
        : seen(requests), kinds(kinds_) {
        cr_assert_eq(uring::setup(entries, params, layout).has_value(), true);
        rings.reset(new uint8_t[layout.rings_bytes]);
        sqe_region.reset(new uint8_t[layout.sqes_bytes]);
        uring::RingConfig config;
        config.layout = layout;
        config.rings = rings.get();
        config.sqes = sqe_region.get();
        config.storage = storage.view();
        config.executor = &executor;
        config.submit_lock = with_submit_lock ? &submit_lock : nullptr;
        config.first_index = UINT32_MAX - 100;  // the indices wrap around during the test
        ring.init(config);
        user_sq_tail = config.first_index;
    }

    uring::RingHeader& h() { return *ring.header(); }

    /// The program queues request @p id, if its SQ has room.
    bool queue(uint64_t id) {
        std::lock_guard guard(user_sq_mutex);
        const uint32_t head = __atomic_load_n(&h().sq_head, __ATOMIC_ACQUIRE);
        if (user_sq_tail - head >= layout.sq_entries) return false;
        const uint32_t slot = user_sq_tail & (layout.sq_entries - 1);
        reinterpret_cast<Sqe*>(sqe_region.get())[slot] = sqe_for(id, kinds);
        reinterpret_cast<uint32_t*>(rings.get() + layout.sq_off.array)[slot] = slot;
        __atomic_store_n(&h().sq_tail, ++user_sq_tail, __ATOMIC_RELEASE);
        return true;
    }

    /// io_uring_enter; Busy and Again (no room, no request free) are a
    /// program's to retry, TimedOut the waiter's to count; anything else
    /// is trouble.
    uint32_t enter(uint32_t to_submit, uint32_t min_complete = 0, uint32_t flags = 0) {
        const Result<uint32_t> r = ring.enter(to_submit, min_complete, flags, &waiter);
        if (r) return *r;
        if (r.error() != Errno::Busy && r.error() != Errno::Again && r.error() != Errno::TimedOut)
            ++trouble.enter_errors;
        return 0;
    }

    /// The reaping thread takes every ready CQE and checks it.
    void reap() {
        const Cqe* cqes = reinterpret_cast<const Cqe*>(rings.get() + layout.cq_off.cqes);
        uint32_t head = h().cq_head;
        const uint32_t tail = __atomic_load_n(&h().cq_tail, __ATOMIC_ACQUIRE);
        for (; head != tail; ++head) {
            const Cqe cqe = cqes[head & (layout.cq_entries - 1)];
            if (cqe.user_data >= seen.size()) {
                ++trouble.unknown;
                continue;
            }
            if (seen[cqe.user_data]++ != 0) ++trouble.duplicates;
            if (cqe.res != result_for(cqe.user_data, kinds)) ++trouble.wrong_results;
            ++reaped;
        }
        __atomic_store_n(&h().cq_head, head, __ATOMIC_RELEASE);
    }

    /// A pipe writer: completes parked READs until @p stop and none is left.
    void write_pipe(const std::atomic<bool>& stop) {
        for (;;) {
            uring::Request* r = executor.take_parked();
            if (!r) {
                if (stop) return;
                std::this_thread::yield();
                continue;
            }
            if (!ring.complete(*r, static_cast<int32_t>(r->sqe.len))) ++trouble.complete_refused;
        }
    }

    /// After every thread has stopped: the ring is back at rest, every
    /// request answered once.
    void check_at_rest() {
        const Trouble& t = trouble;
        cr_expect_eq(t.duplicates.load(), 0, "user_data seen twice");
        cr_expect_eq(t.unknown.load(), 0, "user_data never submitted");
        cr_expect_eq(t.wrong_results.load(), 0, "a CQE carried another request's result");
        cr_expect_eq(t.enter_errors.load(), 0, "enter failed (EBADR: a CQE was lost; or another error)");
        cr_expect_eq(t.complete_refused.load(), 0, "complete() refused a parked request");
        cr_expect_eq(t.locks_left.load(), 0, "a CPU kept a spin lock");
        cr_expect_eq(waiter.timeouts.load(), 0, "a waiter was never woken");
        size_t missing = 0;
        for (const auto& s : seen) missing += s == 0;
        cr_expect_eq(missing, 0u, "requests without a CQE");
        cr_expect_eq(reaped.load(), seen.size());
        cr_expect_eq(h().sq_head, user_sq_tail, "every SQE consumed");
        cr_expect_eq(ring.sq_queued(), 0u);
        cr_expect_eq(h().cq_tail, h().cq_head, "every CQE reaped");
        cr_expect_eq(ring.inflight(), 0u);
        cr_expect_eq(ring.backlog_size(), 0u);
        cr_expect_eq(h().cq_overflow, 0u);
        cr_expect_eq(h().sq_dropped, 0u);
        cr_expect_eq(h().sq_flags & iu::kSqCqOverflow, 0u);
        for (const uring::Request& r : storage.requests)
            cr_expect(r.state == uring::Request::State::Free, "every request back in the pool");
        cr_expect_gt(fake_cpus::skipped.load(), 0, "the IrqLocks really ran");
    }
};

/// Run @p body on a new host thread that is CPU @p cpu; count a lock it leaves held.
template <typename Body>
std::thread on_cpu(int cpu, Trouble& trouble, Body body) {
    return std::thread([cpu, &trouble, body] {
        fake_cpus::become(cpu);
        body();
        if (fake_cpus::locks_held(cpu) != 0) ++trouble.locks_left;
    });
}

bool past(Clock::time_point deadline) { return Clock::now() > deadline; }

}  // namespace

Test(engine_smp, three_submitters_on_one_ring_every_cqe_once) {
    // Three threads queue and submit on one small ring; another reaps,
    // sleeping in enter until CQEs come; a pipe writer completes the
    // parked READs. Rings of 8 SQEs and 16 CQEs, 16 requests, a backlog
    // of 8: every limit is hit many times (Busy, Again, the backlog).
    constexpr int kSubmitters = 3;
    constexpr uint64_t kEach = 800;
    fake_cpus::start();
    fake_cpus::become(0);
    auto shared = std::make_unique<SharedRing<8, 16>>(8, kSubmitters * kEach);
    SharedRing<8, 16>& s = *shared;
    const auto deadline = Clock::now() + kPatience;
    std::atomic<bool> writers_stop{false};

    std::vector<std::thread> threads;
    threads.push_back(on_cpu(1, s.trouble, [&] {
        while (s.reaped < s.seen.size() && !past(deadline)) {
            s.enter(0, 1, iu::kEnterGetEvents);  // sleeps until a CQE comes; flushes the backlog
            s.reap();
        }
    }));
    threads.push_back(on_cpu(2, s.trouble, [&] { s.write_pipe(writers_stop); }));
    std::vector<std::thread> submitters;
    for (int k = 0; k < kSubmitters; ++k)
        submitters.push_back(on_cpu(3 + k, s.trouble, [&, k] {
            for (uint64_t i = 0; i < kEach && !past(deadline); ++i) {
                while (!s.queue(k * kEach + i) && !past(deadline)) s.enter(8);  // SQ full: submit some
                s.enter(1 + static_cast<uint32_t>(i % 4));  // maybe another thread's SQE: any will do
            }
        }));
    for (std::thread& t : submitters) t.join();
    while (s.ring.sq_queued() > 0 && !past(deadline)) s.enter(8);  // what the last Busy answers left
    cr_expect_eq(fake_cpus::locks_held(0), 0u);
    threads[0].join();
    writers_stop = true;
    threads[1].join();
    cr_expect_not(past(deadline), "the run took longer than %lld s", static_cast<long long>(kPatience.count()));
    s.check_at_rest();
}

Test(engine_smp, completions_from_two_cpus_while_one_thread_submits_and_waits) {
    // One thread submits batches of NOPs, WRITEs and READs and waits in
    // enter for half a batch (min_complete): two pipe writers on other
    // CPUs complete the READs meanwhile, their posts racing each other and
    // the submitter's own. A CQ of 16 behind a pool of 32 requests and a
    // backlog of 32: completions spill into the backlog and come back.
    constexpr uint64_t kTotal = 15000;
    fake_cpus::start();
    fake_cpus::become(0);
    auto shared = std::make_unique<SharedRing<32, 32>>(8, kTotal);
    SharedRing<32, 32>& s = *shared;
    cr_assert_eq(s.layout.cq_entries, 16u);
    const auto deadline = Clock::now() + kPatience;
    std::atomic<bool> writers_stop{false};
    std::vector<std::thread> writers;
    for (int k = 0; k < 2; ++k) writers.push_back(on_cpu(1 + k, s.trouble, [&] { s.write_pipe(writers_stop); }));

    std::thread submitter = on_cpu(3, s.trouble, [&] {
        uint64_t next = 0;
        while (next < kTotal && !past(deadline)) {
            uint32_t batch = 0;
            while (batch < 8 && next < kTotal && s.queue(next)) {
                ++next;
                ++batch;
            }
            // All that is queued (an SQE a Busy answer left too); it may
            // sleep until a writer's completions come.
            s.enter(8, batch / 2, iu::kEnterGetEvents);
            s.reap();
        }
        while (s.ring.sq_queued() > 0 && !past(deadline)) {
            s.enter(8, 0, iu::kEnterGetEvents);
            s.reap();
        }
        while (s.reaped < kTotal && !past(deadline)) {
            s.enter(0, 1, iu::kEnterGetEvents);
            s.reap();
        }
    });
    submitter.join();
    writers_stop = true;
    for (std::thread& t : writers) t.join();
    cr_expect_not(past(deadline), "the run took longer than %lld s", static_cast<long long>(kPatience.count()));
    s.check_at_rest();
}

Test(engine_smp, a_batch_wakes_a_thread_waiting_on_another_cpu) {
    // NOPs only: no completion comes from outside, so the thread waiting
    // in enter (min_complete 1) is woken only by the batches the other
    // thread submits (submit()'s completion_posted).
    constexpr uint64_t kTotal = 300;
    fake_cpus::start();
    fake_cpus::become(0);
    auto shared = std::make_unique<SharedRing<8, 16>>(8, kTotal, true, 1);
    SharedRing<8, 16>& s = *shared;
    const auto deadline = Clock::now() + kPatience;
    std::thread reaper = on_cpu(1, s.trouble, [&] {
        while (s.reaped < kTotal && !past(deadline)) {
            s.enter(0, 1, iu::kEnterGetEvents);
            s.reap();
        }
    });
    std::thread submitter = on_cpu(2, s.trouble, [&] {
        for (uint64_t i = 0; i < kTotal && !past(deadline); ++i) {
            while (!s.queue(i) && !past(deadline)) s.enter(8);
            s.enter(1);
            // Now and then, time for the reaper to reap all and sleep.
            if (i % 16 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        while (s.ring.sq_queued() > 0 && !past(deadline)) s.enter(8);
    });
    submitter.join();
    reaper.join();
    s.check_at_rest();
}
