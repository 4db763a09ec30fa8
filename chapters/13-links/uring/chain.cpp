/**
 * @file chapters/13-links/uring/chain.cpp
 * @brief Linked requests, drains, skipped CQEs, and the task-work queue
 * that runs what a completion starts.
 *
 * A request's life here: submit() prepares it and hands it to
 * add_to_chain(). A request with IOSQE_IO_LINK or IOSQE_IO_HARDLINK opens
 * or extends a chain (Request::chain points at the next one, which is
 * Linked); the first request without either flag closes it, and queue()
 * takes the chain's head: it fails at once if any of its SQEs failed its
 * checks, waits in the deferred list if a drain says so, or is issued.
 * When a request finishes (finish()), its CQE is posted unless it skips
 * successes, and the next request of its chain is queued to start, or, if
 * it failed and the link was not hard, the rest are queued to complete
 * with -ECANCELED.
 *
 * Locking (chapter 10's two locks, engine.h): the lists and every state
 * change belong to the completion lock, which complete() takes on
 * whichever CPU a parked request ends. Starting a request may sleep (a
 * WRITE to a full pipe), so only the holder of the submission lock runs
 * the task-work queue, and it calls issue() with the completion lock
 * released: a completion elsewhere only queues what comes next, and wakes
 * the ring's waiters to run it.
 *
 * Invariants:
 *   - Every accepted request is on exactly one of: a chain (Linked), the
 *     deferred list (a chain's head), the task-work queue (Queued), the
 *     executor (Pending), a timer list (Timer); or is being issued.
 *   - finish() is the only place a request's CQE is posted and the only
 *     place an accepted request is freed, so each posts at most one CQE
 *     and m_inflight counts exactly what is still owed.
 *   - Follow-up work never runs on the stack of the completion that caused
 *     it: it waits in the task-work queue, which one loop empties (Linux's
 *     task work, and its CQE order). A chain of any length uses no stack.
 */
#include "uring/engine.h"

#include "common/abi/linux.h"

namespace uring {

namespace {

using namespace abi::io_uring;
using abi::Errno;

constexpr uint8_t kLinkFlags = kSqeIoLink | kSqeIoHardlink;

bool is_rw(Op op) {
    return op == Op::Read || op == Op::Write || op == Op::Readv || op == Op::Writev || op == Op::ReadFixed ||
           op == Op::WriteFixed;
}

uint32_t chain_length(const Request& head) {
    uint32_t n = 0;
    for (const Request* r = &head; r; r = r->chain) ++n;
    return n;
}

// Append @p request to the singly linked list from @p head to @p tail.
void append(Request*& head, Request*& tail, Request& request) {
    request.next = nullptr;
    if (tail) tail->next = &request;
    else head = &request;
    tail = &request;
}

}  // namespace

bool Ring::add_to_chain(Request& request, const Result<void>& prepared) {
    // Linux's io_submit_sqe and io_submit_fail_init. A request that failed
    // its checks keeps its error for its CQE, never survives as a hard
    // link, and fails the head of the chain it is in (-ECANCELED), which
    // is still assembled to its end: a chain is never cut in the middle.
    const bool links = request.sqe.flags & kLinkFlags;
    if (!prepared) {
        request.res = -prepared.error();
        request.marks |= Request::kMarkFailed;
        request.sqe.flags &= static_cast<uint8_t>(~kSqeIoHardlink);
        if (m_link_head && !(m_link_head->marks & Request::kMarkFailed)) {
            m_link_head->res = -Errno::Canceled;
            m_link_head->marks |= Request::kMarkFailed;
        }
    }
    if (m_link_head) {
        request.state = Request::State::Linked;
        m_link_last->chain = &request;
        m_link_last = &request;
        if (links) return false;
        Request& head = *m_link_head;  // this request closes the chain
        m_link_head = m_link_last = nullptr;
        queue(head);
        return !prepared;  // its own failure ends the batch, an earlier one's does not
    }
    if (links) {
        request.state = Request::State::Linked;
        m_link_head = m_link_last = &request;
        return false;
    }
    queue(request);
    return !prepared;
}

void Ring::queue(Request& head) {
    if (head.marks & Request::kMarkFailed) {
        // A chain with an invalid SQE fails as a whole, hard links or not;
        // its CQE comes after those of the chains queued before it.
        head.sqe.flags &= static_cast<uint8_t>(~kSqeIoHardlink);
        later_complete(head, head.res);
        return;
    }
    // A drained chain, and everything after it until the deferred list
    // empties, waits its turn (Linux's io_drain_req and drain_active).
    const bool drain = head.sqe.flags & kSqeIoDrain;
    if (drain || m_drain_active) {
        m_drain_active = true;
        head.state = Request::State::Deferred;
        append(m_deferred, m_deferred_tail, head);
        m_deferred_requests += chain_length(head);
        start_deferred();
        if (!drain && !m_deferred) m_drain_active = false;
        return;
    }
    later_issue(head);  // the submitter starts it at the end of its batch, in order
}

void Ring::start_deferred() {
    // Linux 6.18's io_queue_deferred: the first chain in the list, and every
    // chain from a drained one on, starts only when nothing else is alive:
    // every request accepted before it has completed. (Those let go before
    // it are alive too, as Queued: a drain also waits for them.)
    bool drain_seen = false;
    for (bool first = true; m_deferred; first = false) {
        Request& head = *m_deferred;
        drain_seen |= (head.sqe.flags & kSqeIoDrain) != 0;
        if ((drain_seen || first) && m_inflight != m_deferred_requests) return;
        m_deferred = head.next;
        if (!m_deferred) m_deferred_tail = nullptr;
        m_deferred_requests -= chain_length(head);
        later_issue(head);
    }
}

void Ring::issue(Request& request) {
    // Called with the submission lock held and the completion lock not.
    const auto op = static_cast<Op>(request.sqe.opcode);
    IssueResult result = IssueResult::done(0);
    switch (op) {
    case Op::Nop:
        break;
    case Op::Timeout: {
        IrqLock locked(m_lock);
        arm_timeout(request);
        return;
    }
    case Op::TimeoutRemove: {
        IrqLock locked(m_lock);
        finish(request, remove_timeout(request));
        return;
    }
    case Op::AsyncCancel:
        result = IssueResult::done(cancel_matching(request));  // calls the executor: no lock here
        break;
    case Op::LinkTimeout:
        // Never reached: the request before it takes it off the chain
        // when it starts or ends. Should it be, it ends unarmed.
        result = IssueResult::done(-Errno::Canceled);
        break;
    default:
        // Linux checks RWF_* flags when it issues the request: -EOPNOTSUPP.
        if (is_rw(op) && request.sqe.rw_flags != 0) {
            result = IssueResult::done(-Errno::OpNotSupp);
            break;
        }
        if (!m_executor) break;
        {
            // Pending before the executor sees it (chapter 10): a READ it
            // parks may be completed by a write on another CPU before
            // issue() returns, and complete() takes only a Pending request.
            IrqLock locked(m_lock);
            request.state = Request::State::Pending;
        }
        result = m_executor->issue(request);
        break;
    }
    IrqLock locked(m_lock);
    if (result.pending) {
        // A LINK_TIMEOUT right behind it starts ticking now (Linux arms it
        // when the request goes async) - unless another CPU has completed
        // it already: then it is no longer Pending, and its finish() has
        // dealt with the timer. (It is not reused meanwhile: only the
        // submitter, this thread, allocates.)
        if (request.state == Request::State::Pending && request.chain &&
            static_cast<Op>(request.chain->sqe.opcode) == Op::LinkTimeout)
            arm_link_timeout(request, *request.chain);
        return;
    }
    request.state = Request::State::Issuing;
    finish(request, result.res, result.flags);
}

void Ring::finish(Request& request, int32_t res, uint32_t cqe_flags) {
    const auto op = static_cast<Op>(request.sqe.opcode);
    // What fails a link: an error, a short read or write, or having failed its checks.
    bool failed = res < 0 || (request.expected >= 0 && res != request.expected) ||
                  (request.marks & Request::kMarkFailed);
    if (res == -Errno::Time && (op == Op::Timeout || op == Op::LinkTimeout) &&
        (request.sqe.timeout_flags & kTimeoutEtimeSuccess))
        failed = false;
    // A request that skips successes but fails posts its CQE, and the
    // requests its failure cancels post none (Linux's REQ_F_SKIP_LINK_CQES).
    // A LINK_TIMEOUT's -ETIME or -ECANCELED is how it ends, not a failure:
    // one that skips successes posts nothing either way (Linux completes it
    // without req_set_fail), unless its own SQE was bad.
    const bool skips = request.sqe.flags & kSqeCqeSkipSuccess;
    if (op == Op::LinkTimeout && !(request.marks & Request::kMarkFailed)) failed = false;
    if (failed && skips) request.marks |= Request::kMarkSkipLinks;
    if (!(request.marks & Request::kMarkSilent) && (failed || !skips)) post(request.sqe.user_data, res, cqe_flags);

    Request* next = request.chain;
    request.chain = nullptr;
    // A LINK_TIMEOUT that guarded it is over: -ECANCELED, whether it was armed or not.
    if (next && static_cast<Op>(next->sqe.opcode) == Op::LinkTimeout) {
        Request& timer = *next;
        next = timer.chain;
        timer.chain = nullptr;
        if (timer.state == Request::State::Timer) unlist_timer(timer);
        timer.partner = request.partner = nullptr;
        later_complete(timer, -Errno::Canceled);
    }
    if (next) {
        if (failed && !(request.sqe.flags & kSqeIoHardlink))
            fail_rest(next, request.marks & Request::kMarkSkipLinks);
        else
            later_issue(*next);
    }
    free_request(request);
}

void Ring::fail_rest(Request* first, bool silent) {
    // Linux's io_fail_links: each gets -ECANCELED, or the error of its own
    // checks; all post a CQE, or none do.
    // EXERCISE 13.6 BEGIN stub: (void)first; (void)silent;
    while (first) {
        Request& member = *first;
        first = member.chain;
        member.chain = nullptr;
        if (silent) member.marks |= Request::kMarkSilent;
        later_complete(member, (member.marks & Request::kMarkFailed) ? member.res : -Errno::Canceled);
    }
    // EXERCISE 13.6 END
}

void Ring::later_issue(Request& request) {
    request.state = Request::State::Queued;
    request.marks |= Request::kMarkIssue;
    append(m_work, m_work_tail, request);
}

void Ring::later_complete(Request& request, int32_t res) {
    request.state = Request::State::Queued;
    request.marks &= static_cast<uint16_t>(~Request::kMarkIssue);
    request.res = res;
    append(m_work, m_work_tail, request);
}

void Ring::run_task_work() {
    // Called with the submission lock held (by submit() and enter()), so
    // one thread at a time empties the queue, and the completion lock not:
    // issue() may sleep. A completion on another CPU meanwhile appends to
    // the queue, and this loop gets to it.
    bool ran = false;
    for (;;) {
        Request* request;
        {
            IrqLock locked(m_lock);
            start_deferred();
            // Counting TIMEOUTs look at the completions once those before them are posted.
            if (!m_work) fire_counted_timeouts();
            request = m_work;
            if (!request) break;
            ran = true;
            m_work = request->next;
            if (!m_work) m_work_tail = nullptr;
            request->next = nullptr;
            if (!(request->marks & Request::kMarkIssue)) {
                request->state = Request::State::Issuing;
                finish(*request, request->res);
                continue;
            }
            request->marks &= static_cast<uint16_t>(~Request::kMarkIssue);
            request->state = Request::State::Issuing;
        }
        issue(*request);
    }
    IrqLock locked(m_lock);
    publish_cq_tail();
    // Another thread may wait for these CQEs, or sleep until a deadline
    // later than a timer armed here: it must look again.
    if (ran && m_executor) m_executor->completion_posted();
}

}  // namespace uring
