/**
 * @file chapters/13-links/uring/timeout.cpp
 * @brief The ring's own opcodes: TIMEOUT, LINK_TIMEOUT, TIMEOUT_REMOVE and
 * ASYNC_CANCEL. None reaches the Executor: they act on other requests.
 *
 * Timers are deadlines on the kernel's Clock, checked when the ring is
 * entered and while it waits (expire_timers(); the Waiter sleeps no longer
 * than next_deadline()). Nothing fires them from an interrupt, so a
 * program that never enters the ring sees a timer's CQE only when it next
 * does: the chapter's table of differences says so.
 *
 * A TIMEOUT with a count (sqe.off) also ends, with 0, once that many other
 * CQEs have been posted after it started. As in Linux, the CQEs of ended
 * TIMEOUTs do not count (m_timeouts_fired), and the list keeps counting
 * TIMEOUTs in the order of their targets, with pure timers (count 0)
 * among them, which the count check passes over.
 *
 * A LINK_TIMEOUT guards the request before it in a chain: armed when that
 * request parks, removed (-ECANCELED) when it ends; if it fires first, it
 * cancels the request (-ECANCELED, and the rest of the chain with it) and
 * itself ends with -ETIME.
 *
 * Locking (engine.h): the timer lists belong to the completion lock, and
 * so does every request these opcodes end: each goes through finish() or
 * the task-work queue, so its CQE, the count in flight and the ring's
 * waiters are dealt with as for any completion. Cancelling a Pending
 * request calls the executor, which takes its own locks (a pipe's), so
 * that is done with the completion lock released - and a request that
 * another CPU completes meanwhile is left to it (Executor::cancel says so).
 */
#include "common/abi/linux.h"
#include "uring/engine.h"

namespace uring {

namespace {

using namespace abi::io_uring;
using abi::Errno;

constexpr uint64_t kNsPerSecond = 1000000000;

// A TIMEOUT's (or an update's) timespec, kept in the request's scratch
// words: the executor never sees the engine's own opcodes.
abi::TimeSpec timespec_of(const Request& request) {
    return {static_cast<int64_t>(request.scratch[0]), static_cast<int64_t>(request.scratch[1])};
}

// Copy the timespec at @p addr into @p request: Linux's get_timespec64,
// then the check of __io_timeout_prep (a negative part is -EINVAL;
// nanoseconds past a second are accepted, and simply added).
Result<void> read_timespec(Executor* executor, Request& request, uint64_t addr) {
    abi::TimeSpec ts{};
    if (!executor) return Err(Errno::Fault);
    TRY(executor->copy_in(&ts, addr, sizeof ts));
    if (ts.sec < 0 || ts.nsec < 0) return Err(Errno::Inval);
    request.scratch[0] = static_cast<uint64_t>(ts.sec);
    request.scratch[1] = static_cast<uint64_t>(ts.nsec);
    return {};
}

// @p ts in nanoseconds, kNever if it does not fit: a timer of 2^62
// seconds is a timer that never fires, not one that wraps to the past.
uint64_t to_ns(const abi::TimeSpec& ts) {
    const auto sec = static_cast<uint64_t>(ts.sec), nsec = static_cast<uint64_t>(ts.nsec);
    if (sec > (kNever - nsec) / kNsPerSecond) return kNever;
    return sec * kNsPerSecond + nsec;
}

uint64_t add_saturating(uint64_t a, uint64_t b) { return a > kNever - b ? kNever : a + b; }

bool is_plain_timeout(const Request& request) { return static_cast<Op>(request.sqe.opcode) == Op::Timeout; }

}  // namespace

Result<void> Ring::prepare_timer(Request& request, bool linked) {
    // Linux's __io_timeout_prep, in its order.
    const Sqe& sqe = request.sqe;
    if (sqe.buf_index || sqe.len != 1 || sqe.splice_fd_in) return Err(Errno::Inval);
    if (sqe.off && linked) return Err(Errno::Inval);  // a LINK_TIMEOUT counts nothing
    const uint32_t flags = sqe.timeout_flags;
    if (flags & ~(kTimeoutAbs | kTimeoutClockMask | kTimeoutEtimeSuccess | kTimeoutMultishot))
        return Err(Errno::Inval);
    if ((flags & kTimeoutClockMask) == kTimeoutClockMask) return Err(Errno::Inval);  // two clocks
    if ((flags & kTimeoutMultishot) && (flags & kTimeoutAbs)) return Err(Errno::Inval);
    // Multishot timeouts (a CQE at each period) are not implemented: see the differences.
    if (flags & kTimeoutMultishot) return Err(Errno::Inval);
    TRY(read_timespec(m_executor, request, sqe.addr));
    if (linked) {
        // It guards the request before it, which must exist and be no LINK_TIMEOUT.
        if (!m_link_head) return Err(Errno::Inval);
        if (static_cast<Op>(m_link_last->sqe.opcode) == Op::LinkTimeout) return Err(Errno::Inval);
    }
    return {};
}

Result<void> Ring::prepare_cancel(Request& request) {
    const Sqe& sqe = request.sqe;
    if (static_cast<Op>(sqe.opcode) == Op::TimeoutRemove) {
        // io_timeout_remove_prep: only UPDATE takes flags, and a new timespec at addr2.
        if (sqe.flags & kSqeFixedFile) return Err(Errno::Inval);
        if (sqe.buf_index || sqe.len || sqe.splice_fd_in) return Err(Errno::Inval);
        const uint32_t flags = sqe.timeout_flags;
        if (flags & kTimeoutUpdateMask) {
            if (flags & ~(kTimeoutUpdateMask | kTimeoutAbs)) return Err(Errno::Inval);
            TRY(read_timespec(m_executor, request, sqe.addr2));
        } else if (flags) {
            return Err(Errno::Inval);
        }
        return {};
    }
    // io_async_cancel_prep.
    if (sqe.off || sqe.splice_fd_in) return Err(Errno::Inval);
    const uint32_t flags = sqe.cancel_flags;
    if (flags & ~(kCancelAll | kCancelFd | kCancelAny | kCancelFdFixed | kCancelUserdata | kCancelOp))
        return Err(Errno::Inval);
    if ((flags & kCancelOp) && (flags & kCancelAny)) return Err(Errno::Inval);
    return {};
}

uint64_t Ring::deadline_of(const abi::TimeSpec& ts, uint32_t flags) {
    if (!m_clock) return kNever;
    const uint64_t now = m_clock->monotonic_ns(), ns = to_ns(ts);
    if (ns == kNever) return kNever;  // beyond any clock: never
    if (!(flags & kTimeoutAbs)) return add_saturating(now, ns);
    if (!(flags & kTimeoutRealtime)) return ns;  // CLOCK_MONOTONIC (or BOOTTIME: the same here)
    // An absolute CLOCK_REALTIME time: as far from now as it is from the
    // wall clock's now (a time in the past fires at once).
    const uint64_t wall = m_clock->realtime_ns();
    return ns > wall ? add_saturating(now, ns - wall) : now;
}

void Ring::arm_timeout(Request& request) {
    request.state = Request::State::Timer;
    request.deadline = deadline_of(timespec_of(request), request.sqe.timeout_flags);
    request.next = nullptr;
    if (request.sqe.off == 0) {
        // A pure timer goes to the end of the list (Linux: io_is_timeout_noseq).
        Request** at = &m_timeouts;
        while (*at) at = &(*at)->next;
        *at = &request;
        return;
    }
    // Counting: it ends after sqe.off more CQEs. Its place is after the
    // last counting TIMEOUT whose target is not later (io_timeout's insertion sort).
    request.target = (m_posted - m_timeouts_fired) + request.sqe.off;
    Request** at = &m_timeouts;
    for (Request** scan = &m_timeouts; *scan; scan = &(*scan)->next)
        if ((*scan)->sqe.off != 0 && (*scan)->target <= request.target) at = &(*scan)->next;
    request.next = *at;
    *at = &request;
}

void Ring::arm_link_timeout(Request& target, Request& timer) {
    timer.state = Request::State::Timer;
    timer.deadline = deadline_of(timespec_of(timer), timer.sqe.timeout_flags);
    timer.partner = &target;
    target.partner = &timer;
    timer.next = m_link_timeouts;
    m_link_timeouts = &timer;
}

void Ring::unlist_timer(Request& timer) {
    Request** list = is_plain_timeout(timer) ? &m_timeouts : &m_link_timeouts;
    for (Request** at = list; *at; at = &(*at)->next) {
        if (*at == &timer) {
            *at = timer.next;
            timer.next = nullptr;
            return;
        }
    }
}

void Ring::fire_counted_timeouts() {
    const uint64_t seen = m_posted - m_timeouts_fired;
    for (Request** at = &m_timeouts; *at;) {
        Request& timer = **at;
        if (timer.sqe.off == 0) {  // a pure timer: only time ends it (Linux 6.18 looks past it)
            at = &timer.next;
            continue;
        }
        if (seen < timer.target) return;  // the rest are sorted by target: none is due either
        *at = timer.next;
        timer.next = nullptr;
        ++m_timeouts_fired;
        later_complete(timer, 0);
    }
}

uint64_t Ring::next_deadline() {
    IrqLock locked(m_lock);
    uint64_t next = kNever;
    for (const Request* list : {m_timeouts, m_link_timeouts})
        for (const Request* timer = list; timer; timer = timer->next)
            if (timer->deadline < next) next = timer->deadline;
    return next;
}

void Ring::expire_timers() {
    if (m_submit_lock) m_submit_lock->lock();  // run_task_work() may start requests
    fire_due_timers();
    fire_link_timeouts();
    run_task_work();
    if (m_submit_lock) m_submit_lock->unlock();
}

void Ring::fire_due_timers() {
    if (!m_clock) return;
    const uint64_t now = m_clock->monotonic_ns();
    IrqLock locked(m_lock);
    for (Request** at = &m_timeouts; *at;) {
        Request& timer = **at;
        if (timer.deadline > now) {
            at = &timer.next;
            continue;
        }
        *at = timer.next;
        timer.next = nullptr;
        ++m_timeouts_fired;
        later_complete(timer, -Errno::Time);
    }
}

void Ring::fire_link_timeouts() {
    if (!m_clock) return;
    const uint64_t now = m_clock->monotonic_ns();
    // A LINK_TIMEOUT cancels its request through the executor, without
    // the lock: one at a time, taken off the list and off the chain first,
    // so that a completion of the request meanwhile no longer sees it.
    for (;;) {
        Request* timer = nullptr;
        Request* target = nullptr;
        {
            IrqLock locked(m_lock);
            for (Request** at = &m_link_timeouts; *at; at = &(*at)->next) {
                if ((*at)->deadline > now) continue;
                timer = *at;
                *at = timer->next;
                timer->next = nullptr;
                break;
            }
            if (!timer) break;
            // The chain goes on from its request, without the timer.
            target = timer->partner;
            timer->partner = target->partner = nullptr;
            target->chain = timer->chain;
            timer->chain = nullptr;
            timer->state = Request::State::Issuing;
        }
        const bool cancelled = cancel_one(*target);
        IrqLock locked(m_lock);
        // The timer's CQE comes first, the cancelled request's after it (queued).
        finish(*timer, cancelled ? -Errno::Time : -Errno::Already);
    }
}

bool Ring::cancel_one(Request& victim) {
    // Called with the submission lock held (no issue() is running) and the
    // completion lock not.
    {
        IrqLock locked(m_lock);
        if (victim.state == Request::State::Timer && is_plain_timeout(victim)) {
            unlist_timer(victim);
            later_complete(victim, -Errno::Canceled);
            return true;
        }
        // Starting, queued, or waiting in a chain: out of reach, as in Linux.
        if (victim.state != Request::State::Pending) return false;
    }
    // Off its pipe; false: a write on another CPU completes it instead.
    if (m_executor && !m_executor->cancel(victim)) return false;
    IrqLock locked(m_lock);
    if (victim.state != Request::State::Pending) return false;
    later_complete(victim, -Errno::Canceled);
    return true;
}

int32_t Ring::remove_timeout(const Request& request) {
    const uint32_t flags = request.sqe.timeout_flags;
    const bool linked = flags & kLinkTimeoutUpdate;
    for (Request* timer = linked ? m_link_timeouts : m_timeouts; timer; timer = timer->next) {
        if (timer->sqe.user_data != request.sqe.addr) continue;
        if (!(flags & kTimeoutUpdateMask)) {
            // Removed: its CQE says -ECANCELED, after this one's 0.
            unlist_timer(*timer);
            later_complete(*timer, -Errno::Canceled);
            return 0;
        }
        // Updated: a new deadline; a TIMEOUT also moves to the end of the list (io_timeout_update).
        timer->deadline = deadline_of(timespec_of(request), flags);
        if (!linked) {
            unlist_timer(*timer);
            Request** at = &m_timeouts;
            while (*at) at = &(*at)->next;
            *at = timer;
        }
        return 0;
    }
    return -Errno::NoEnt;
}

int32_t Ring::cancel_matching(const Request& request) {
    // Linux's io_cancel_req_match: the key is user_data unless FD or OP
    // says otherwise (USERDATA adds it back); ANY matches everything.
    const Sqe& key = request.sqe;
    const uint32_t flags = key.cancel_flags;
    const bool by_user_data = (flags & kCancelUserdata) || !(flags & (kCancelFd | kCancelOp));
    const bool fixed = (key.flags & kSqeFixedFile) || (flags & kCancelFdFixed);
    auto matches = [&](const Request& r) {
        if (flags & kCancelAny) return true;
        if ((flags & kCancelFd) && (r.sqe.fd != key.fd || ((r.sqe.flags & kSqeFixedFile) != 0) != fixed)) return false;
        if ((flags & kCancelOp) && r.sqe.opcode != key.len) return false;
        return !by_user_data || r.sqe.user_data == key.addr;
    };
    const bool all = flags & (kCancelAll | kCancelAny);
    int32_t cancelled = 0;
    for (;;) {
        // The oldest match first, as Linux finds them in submission order.
        Request* oldest = nullptr;
        {
            IrqLock locked(m_lock);
            for (Request& r : m_requests) {
                const bool reachable = r.state == Request::State::Pending ||
                                       (r.state == Request::State::Timer && is_plain_timeout(r));
                if (reachable && matches(r) && (!oldest || r.seqno < oldest->seqno)) oldest = &r;
            }
        }
        if (!oldest || !cancel_one(*oldest)) break;
        ++cancelled;
        if (!all) break;
    }
    if (all) return cancelled;
    return cancelled ? 0 : -Errno::NoEnt;
}

}  // namespace uring
