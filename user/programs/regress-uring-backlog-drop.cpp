/**
 * @file user/programs/regress-uring-backlog-drop.cpp
 * @brief A completion dropped although the CQ had room (found by fuzz-uring, seed 2).
 *
 * The kernel advertises IORING_FEAT_NODROP: an SQE it accepts always gets
 * its CQE. This program fills the CQ (2 entries) and the kernel's backlog
 * with NOPs it does not reap, reaps one CQE, and submits one more NOP with
 * io_uring_enter(fd, 1, 0, 0): no GETEVENTS, as a program that does not
 * wait is entitled to. The kernel counted the freed CQ slot as room for the
 * new request, but new completions queue behind a non-empty backlog, and
 * the backlog was full: the CQE was dropped (cq_overflow went up, and the
 * next wait returned -EBADR).
 *
 * Then every CQE is reaped (with GETEVENTS, which moves the backlog in).
 * The check, which Linux passes: each accepted NOP completed exactly once,
 * the overflow counter is 0, and no enter returned -EBADR.
 */
#include "runtime/print.h"
#include "runtime/uring.h"

namespace {

using abi::Errno;
namespace ring = abi::io_uring;

constexpr uint32_t kMaxTags = 128;

/// Queue the NOP tagged @p tag in the only SQE slot and submit it without
/// GETEVENTS. Returns what io_uring_enter returned (1, or -EBUSY when full).
long submit_nop(iou::Ring& r, uint64_t tag) {
    r.sqes()[0] = iou::Sqe{};
    iou::prep_nop(&r.sqes()[0]);
    iou::sqe_set_data(&r.sqes()[0], tag);
    r.sq_array()[0] = 0;
    const uint32_t tail = *r.sq_tail();
    if (tail == iou::load_acquire(r.sq_head())) iou::store_release(r.sq_tail(), tail + 1);  // else: still queued
    return iou::raw::io_uring_enter(r.fd(), 1, 0, 0);
}

}  // namespace

/// Fill the CQ and the backlog, reap one, submit one: 0 if no completion was lost.
int main(int, char**, char**) {
    iou::Ring r;
    if (const long e = r.init(1, ring::kSetupCqSize, 2); e < 0) {
        print("regress-uring-backlog-drop: io_uring_setup failed: {} FAILED\n", e);
        return 1;
    }
    bool accepted[kMaxTags + 1] = {};
    uint32_t completed[kMaxTags + 1] = {};
    uint64_t tag = 1;
    int bad_r = 0;
    // Fill: until the kernel says -EBUSY, or 100 NOPs (Linux keeps every overflow).
    for (; tag <= 100; ++tag) {
        const long got = submit_nop(r, tag);
        if (got == 1) accepted[tag] = true;
        if (got == -Errno::BadR) ++bad_r;
        if (got != 1) break;
    }
    // Reap one CQE by hand, without an enter: the CQ now has one free slot.
    iou::store_release(r.cq_head(), *r.cq_head() + 1);
    const uint64_t first = r.cqes()[(*r.cq_head() - 1) & (r.params().cq_entries - 1)].user_data;
    if (first <= kMaxTags) ++completed[first];
    // One more NOP (or the one -EBUSY left queued), without GETEVENTS.
    const uint64_t last = tag;
    const long got = submit_nop(r, last);
    if (got == 1 && last <= kMaxTags) accepted[last] = true;
    // Reap everything, moving the backlog in.
    for (int round = 0; round < 200; ++round) {
        const long e = iou::raw::io_uring_enter(r.fd(), 0, 0, ring::kEnterGetEvents);
        if (e == -Errno::BadR) ++bad_r;
        const uint32_t tail = iou::load_acquire(r.cq_tail());
        if (tail == *r.cq_head() && !(*r.sq_flags() & ring::kSqCqOverflow)) break;
        for (uint32_t head = *r.cq_head(); head != tail; ++head) {
            const uint64_t t = r.cqes()[head & (r.params().cq_entries - 1)].user_data;
            if (t <= kMaxTags) ++completed[t];
        }
        iou::store_release(r.cq_head(), tail);
    }
    uint32_t count = 0, wrong = 0;
    for (uint64_t t = 1; t <= kMaxTags; ++t) {
        count += accepted[t];
        if (completed[t] != (accepted[t] ? 1u : 0u)) ++wrong;
    }
    const uint32_t overflow = *r.cq_overflow();
    print("regress-uring-backlog-drop: {} NOPs accepted, {} without exactly one CQE, overflow {}, -EBADR {} times\n",
          count, wrong, overflow, bad_r);
    const bool ok = wrong == 0 && overflow == 0 && bad_r == 0;
    print("regress-uring-backlog-drop: every accepted NOP completed once: {}\n", ok ? "ok" : "FAILED");
    r.exit();
    return ok ? 0 : 1;
}
