/**
 * @file chapters/06-io_uring/tests/fuzz_engine.cpp
 * @brief libFuzzer target: the io_uring engine (uring/engine.cpp) driven by
 * a sequence of actions read from the input (build: tools/fuzz.mk).
 *
 * The input chooses the ring's sizes, flags, backlog and request pool, then
 * a list of actions: write an SQE (any 64 bytes, with a fresh tag as its
 * user_data), write an index-array slot (in range or not), move the SQ tail
 * (honestly or to garbage), io_uring_enter with any counts and flags, reap
 * CQEs, scramble and restore the CQ head, complete or cancel requests the
 * fake kernel parked, flush the backlog. The fake kernel parks a request
 * when the input says so and completes parked ones re-entrantly from a
 * WRITE, as the real pipe does, and from its Waiter.
 *
 * What must hold, checked after every action (FUZZ_CHECK aborts, and
 * libFuzzer keeps the input):
 *   - no access outside the shared regions, backlog or pool (ASan: each is
 *     a heap block of exactly its size), no undefined behaviour (UBSan);
 *   - enter's result and the dropped counter account for exactly the slots
 *     the SQ head moved past; every accepted SQE is owed one CQE;
 *   - every CQE carries an owed tag (no phantom, no duplicate); the CQ tail
 *     only moves forward and never more than a ring ahead of the head;
 *   - inflight() equals what the fake kernel holds; the backlog fits;
 *   - with an honest CQ head nothing is ever dropped (cq_overflow stays 0,
 *     no -EBADR), and at the end, after the parked requests complete and
 *     the backlog drains, nothing is owed; with a scrambled head, only as
 *     many as cq_overflow admits may be missing. Cancelled requests are owed
 *     nothing.
 */
#include <cstring>
#include <memory>
#include <vector>

#include "common/abi/io_uring.h"
#include "common/abi/linux.h"
#include "common/tests/fuzz_input.h"
#include "uring/engine.cpp"

namespace {

namespace iu = abi::io_uring;
using abi::Errno;
using iu::Cqe;
using iu::Op;
using iu::Sqe;
using uring::IssueResult;
using uring::Request;

/// A tag owed one CQE.
struct Owed {
    uint64_t tag;
};

/// The fake kernel: parks what the SQE asks it to, completes parked requests on WRITEs.
struct FakeKernel final : uring::Executor, uring::Waiter {
    uring::Ring* ring = nullptr;
    std::vector<Request*> parked;
    FuzzInput* input = nullptr;

    Result<void> prepare(Request& r) override {
        // An odd addr on a vectored request: its iovec array "faults".
        const auto op = static_cast<Op>(r.sqe.opcode);
        if ((op == Op::Readv || op == Op::Writev) && (r.sqe.addr & 1)) return Err(Errno::Fault);
        return {};
    }
    IssueResult issue(Request& r) override {
        FUZZ_CHECK(r.state == Request::State::Issuing, "issue() sees a request being issued");
        const auto op = static_cast<Op>(r.sqe.opcode);
        if (op == Op::Write && (r.sqe.off & 2)) complete_parked(r.sqe.len % 4 + 1);  // wakes readers, re-entrantly
        if (r.sqe.off & 1) {  // "the pipe is empty": later
            parked.push_back(&r);
            return IssueResult::later();
        }
        return IssueResult::done(static_cast<int32_t>(r.sqe.len & 0x7fffffff));
    }
    void cancel(Request& r) override {
        for (size_t i = 0; i < parked.size(); ++i)
            if (parked[i] == &r) {
                parked.erase(parked.begin() + static_cast<long>(i));
                return;
            }
        FUZZ_CHECK(false, "cancel() of a request the kernel does not hold");
    }
    /// Complete up to @p n parked requests, oldest first.
    void complete_parked(uint32_t n) {
        for (; n > 0 && !parked.empty(); --n) {
            Request* r = parked.front();
            parked.erase(parked.begin());
            FUZZ_CHECK(ring->complete(*r, 0), "complete() takes a pending request");
        }
    }
    Result<void> wait(uring::Ring&, uint32_t) override {
        // Something else completes a parked request, if the input says so; else "never".
        if (!parked.empty() && input && (input->u8() & 1)) {
            complete_parked(1);
            return {};
        }
        return Err(Errno::DeadLk);
    }
};

/// One ring, its memory and the user's books.
struct Harness {
    uring::Layout layout{};
    iu::Params params{};
    std::unique_ptr<uint8_t[]> rings, sqe_region;
    std::vector<Cqe> backlog;
    std::vector<Request> requests;
    FakeKernel kernel;
    uring::Ring ring;

    uint32_t entries = 0, cq_entries = 0;
    uint32_t head = 0, tail = 0, cq_head = 0, cq_tail_seen = 0;
    std::vector<uint32_t> shadow_index;  ///< what we wrote in each index-array slot
    std::vector<uint64_t> shadow_tag;    ///< the tag in each SQE slot
    std::vector<Owed> owed;
    uint64_t next_tag = 1;
    bool scrambled = false;  ///< the CQ head claimed too little room at some point: drops are the user's doing
    bool wild = false;       ///< the CQ head claimed CQEs we had not reaped: nothing can be accounted
    bool closed = false;

    uring::RingHeader& h() const { return *ring.header(); }
    uint32_t* sq_array() const { return reinterpret_cast<uint32_t*>(rings.get() + layout.sq_off.array); }
    Cqe* cqes() const { return reinterpret_cast<Cqe*>(rings.get() + layout.cq_off.cqes); }
    Sqe* sqes() const { return reinterpret_cast<Sqe*>(sqe_region.get()); }

    bool init(FuzzInput& in) {
        const uint32_t want = 1u << (in.u8() % 7);  // 1 .. 64
        const uint8_t f = in.u8();
        params.flags = (f & 1 ? iu::kSetupCqSize : 0) | (f & 2 ? iu::kSetupSubmitAll : 0) | (f & 4 ? iu::kSetupClamp : 0);
        params.cq_entries = in.u8() % 130;
        if (!uring::setup(want, params, layout)) return false;
        entries = layout.sq_entries;
        cq_entries = layout.cq_entries;
        rings.reset(new uint8_t[layout.rings_bytes]);
        sqe_region.reset(new uint8_t[layout.sqes_bytes]);
        std::memset(rings.get(), 0xa5, layout.rings_bytes);  // init must clear this
        std::memset(sqe_region.get(), 0xa5, layout.sqes_bytes);
        backlog.resize(1 + in.u8() % 16);
        requests.resize(1 + in.u8() % 16);
        const uint32_t first = in.u8() & 1 ? UINT32_MAX - in.u8() : in.u8();
        uring::RingConfig config;
        config.layout = layout;
        config.rings = rings.get();
        config.sqes = sqe_region.get();
        config.setup_flags = params.flags;
        config.storage = {std::span<Cqe>(backlog), std::span<Request>(requests)};
        config.executor = &kernel;
        config.first_index = first;
        ring.init(config);
        kernel.ring = &ring;
        kernel.input = &in;
        head = tail = cq_head = cq_tail_seen = first;
        FUZZ_CHECK(h().sq_head == first && h().cq_tail == first && h().sq_tail == first && h().cq_head == first,
                   "init publishes the first index");
        shadow_index.assign(entries, 0);  // init zeroed the array: every slot names SQE 0...
        shadow_tag.assign(entries, 0);    // ...and every SQE is a NOP with user_data 0
        return true;
    }

    void write_sqe(FuzzInput& in) {
        const uint32_t index = in.u8() % entries;
        Sqe s{};
        const uint8_t kind = in.u8();
        if (kind < 64) {
            in.bytes(&s, sizeof s);  // anything at all
        } else {
            s.opcode = static_cast<uint8_t>(kind % 8 == 0   ? static_cast<uint8_t>(Op::Nop)
                                            : kind % 8 < 3  ? static_cast<uint8_t>(Op::Read)
                                            : kind % 8 < 5  ? static_cast<uint8_t>(Op::Write)
                                            : kind % 8 == 5 ? static_cast<uint8_t>(Op::Readv)
                                            : kind % 8 == 6 ? static_cast<uint8_t>(Op::Writev)
                                                            : static_cast<uint8_t>(Op::Close));
            s.fd = 3;
            s.len = in.u8();
            s.off = in.u8();  // bit 0: park; bit 1: a WRITE wakes parked ones
            s.addr = s.opcode == static_cast<uint8_t>(Op::Close) ? 0 : 0x10000 + (in.u8() & 1);
            if (s.opcode == static_cast<uint8_t>(Op::Close)) s.off = 0, s.len = 0;
        }
        s.user_data = next_tag++;
        sqes()[index] = s;
        shadow_tag[index] = s.user_data;
    }

    void write_index(FuzzInput& in) {
        const uint32_t slot = in.u8() % entries;
        const uint8_t how = in.u8();
        const uint32_t value = how < 200 ? how % entries : in.u32();  // mostly in range
        sq_array()[slot] = value;
        shadow_index[slot] = value;
    }

    void move_tail(FuzzInput& in) {
        const uint8_t how = in.u8();
        if (how < 220) {
            const uint32_t queued = tail - head;  // after a garbage tail, maybe more than a ring
            const uint32_t room = queued < entries ? entries - queued : 0;
            tail += how % (room + 1);
        } else {
            tail = in.u32();  // garbage: the engine takes at most a ring's worth
        }
        __atomic_store_n(&h().sq_tail, tail, __ATOMIC_RELEASE);
    }

    void owe(uint64_t tag) { owed.push_back({tag}); }

    void enter(FuzzInput& in) {
        uint32_t to_submit = in.u8();
        if (to_submit > 250) to_submit = in.u32();
        uint32_t min_complete = in.u8() % 8;
        if (min_complete == 7) min_complete = in.u32();
        uint32_t flags = in.u8() & 1 ? iu::kEnterGetEvents : 0;
        if (in.u8() > 250) flags = in.u32();
        const uint32_t dropped_before = h().sq_dropped;
        const uint32_t overflow_before = h().cq_overflow;
        const Result<uint32_t> entered = ring.enter(to_submit, min_complete, flags, &kernel);
        const long r = entered ? static_cast<long>(*entered) : -static_cast<long>(entered.error());
        const uint32_t dropped = h().sq_dropped - dropped_before;
        const uint32_t accepted = r > 0 ? static_cast<uint32_t>(r) : 0;
        FUZZ_CHECK(accepted <= to_submit, "enter takes at most what was asked");
        FUZZ_CHECK(dropped <= 1, "at most one dropped slot per enter: it ends the batch");
        FUZZ_CHECK(accepted + dropped <= entries, "enter takes at most a ring's worth");
        uint32_t consumed = 0;
        for (; consumed < accepted; ++consumed) {
            const uint32_t index = shadow_index[(head + consumed) & (entries - 1)];
            FUZZ_CHECK(index < entries, "every slot enter counts names an SQE");
            owe(shadow_tag[index]);
        }
        if (dropped) {
            FUZZ_CHECK(shadow_index[(head + consumed) & (entries - 1)] >= entries, "only an out-of-range slot is dropped");
            ++consumed;
        }
        head += consumed;
        FUZZ_CHECK(h().sq_head == head, "the SQ head moved past exactly the slots enter took");
        if (head - tail < 0x80000000u) tail = head;  // a garbage tail let it run ahead of ours
        __atomic_store_n(&h().sq_tail, tail, __ATOMIC_RELEASE);
        if (!scrambled && !wild) {
            FUZZ_CHECK(h().cq_overflow == overflow_before, "nothing dropped with an honest CQ head");
            FUZZ_CHECK(r != -Errno::BadR, "no -EBADR with an honest CQ head");
        }
    }

    void reap(uint32_t limit) {
        const uint32_t cq_tail = __atomic_load_n(&h().cq_tail, __ATOMIC_ACQUIRE);
        FUZZ_CHECK(cq_tail - cq_tail_seen < 0x80000000u, "the CQ tail only moves forward");
        cq_tail_seen = cq_tail;
        const uint32_t ready = cq_tail - cq_head;
        if (!wild) FUZZ_CHECK(ready <= cq_entries, "the CQ tail is never more than a ring ahead");
        const uint32_t n = ready < limit ? (ready < cq_entries ? ready : cq_entries) : limit;
        for (uint32_t i = 0; i < n; ++i) {
            const uint64_t tag = cqes()[(cq_head + i) & (cq_entries - 1)].user_data;
            bool found = false;
            for (size_t k = 0; k < owed.size() && !found; ++k)
                if (owed[k].tag == tag) {
                    owed[k] = owed.back();
                    owed.pop_back();
                    found = true;
                }
            FUZZ_CHECK(found || wild, "every CQE is owed (no phantom, no duplicate)");
        }
        cq_head += n;
        __atomic_store_n(&h().cq_head, cq_head, __ATOMIC_RELEASE);
    }

    /// Garbage in the CQ head. Mostly a value that claims less room than
    /// there is (behind our head, or past the tail), after which the engine
    /// may drop completions but must count them; sometimes anything at all.
    void scramble_cq_head(FuzzInput& in) {
        const uint32_t cq_tail = __atomic_load_n(&h().cq_tail, __ATOMIC_ACQUIRE);
        uint32_t garbage = in.u32();
        if (in.u8() < 240) {
            if (garbage - cq_head - 1 < cq_tail - cq_head) garbage = cq_head - 1 - (garbage & 0xff);  // in (head, tail]
            scrambled = true;
        } else {
            wild = true;
        }
        __atomic_store_n(&h().cq_head, garbage, __ATOMIC_RELEASE);
    }

    void check_state() {
        FUZZ_CHECK(ring.inflight() == kernel.parked.size(), "inflight() is what the kernel holds");
        FUZZ_CHECK(ring.backlog_size() <= backlog.size(), "the backlog fits its array");
        size_t pending = 0;
        for (const Request& r : requests) {
            FUZZ_CHECK(r.state != Request::State::Issuing, "no request is left half-issued");
            pending += r.state == Request::State::Pending;
        }
        FUZZ_CHECK(pending == kernel.parked.size(), "pending requests are the parked ones");
    }

    /// Close the ring: parked requests are cancelled and owe nothing more.
    void close() {
        for (Request* r : kernel.parked)
            for (size_t k = 0; k < owed.size(); ++k)
                if (owed[k].tag == r->sqe.user_data) {
                    owed[k] = owed.back();
                    owed.pop_back();
                    break;
                }
        ring.cancel_all();
        FUZZ_CHECK(kernel.parked.empty() && ring.inflight() == 0, "cancel_all leaves nothing in flight");
        closed = true;
    }

    /// The end: complete everything parked, restore the head, drain, and count what is missing.
    void finish() {
        if (closed) return;
        kernel.input = nullptr;
        kernel.complete_parked(UINT32_MAX);
        __atomic_store_n(&h().cq_head, cq_head, __ATOMIC_RELEASE);
        for (int round = 0; round < 10000; ++round) {
            ring.flush_backlog();
            reap(UINT32_MAX);
            if (ring.backlog_size() == 0 && __atomic_load_n(&h().cq_tail, __ATOMIC_ACQUIRE) == cq_head) break;
        }
        FUZZ_CHECK(ring.backlog_size() == 0, "the backlog drains");
        if (wild) return;
        if (!scrambled) FUZZ_CHECK(owed.empty(), "every accepted SQE completed exactly once");
        else FUZZ_CHECK(owed.size() <= h().cq_overflow, "only what cq_overflow admits is missing");
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzInput in(data, size);
    Harness t;
    if (!t.init(in)) return 0;
    for (int steps = 0; !in.done() && steps < 4096 && !t.closed; ++steps) {
        switch (in.u8() % 12) {
        case 0:
        case 1: t.write_sqe(in); break;
        case 2: t.write_index(in); break;
        case 3:
        case 4: t.move_tail(in); break;
        case 5:
        case 6: t.enter(in); break;
        case 7: t.reap(in.u8() % 16 + 1); break;
        case 8: t.scramble_cq_head(in); break;
        case 9: __atomic_store_n(&t.h().cq_head, t.cq_head, __ATOMIC_RELEASE); break;
        case 10: t.kernel.complete_parked(in.u8() % 4); break;
        default:
            if (in.u8() == 0) t.close();
            else t.ring.flush_backlog();
            break;
        }
        t.check_state();
    }
    t.finish();
    return 0;
}
