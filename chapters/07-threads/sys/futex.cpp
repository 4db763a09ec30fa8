/**
 * @file chapters/07-threads/sys/futex.cpp
 * @brief futex(FUTEX_WAIT / FUTEX_WAKE), with Linux's arguments and errors,
 * and robust futex lists (set_robust_list, get_robust_list).
 *
 * Sleepers wait on one of kBuckets queues, chosen by the address; the
 * address itself is the key that tells them apart on a shared queue. One
 * program runs at a time here, so an address names one futex (Linux also
 * folds in the address space, or for a shared futex the page's identity).
 */
#include "sys/futex.h"

#include "common/abi/linux.h"
#include "proc/process.h"
#include "proc/uaccess.h"
#include "sched/thread.h"
#include "sched/wait.h"
#include "sys/syscall.h"

using abi::Errno;

namespace {

constexpr int kBuckets = 64;
WaitQueue g_buckets[kBuckets];

WaitQueue& bucket_of(uint64_t uaddr) { return g_buckets[(uaddr >> 2) % kBuckets]; }

// A relative timeout (FUTEX_WAIT's timespec) as a monotonic deadline; 0: none.
Result<uint64_t> deadline_of(uint64_t timespec_at) {
    if (timespec_at == 0) return 0;
    const abi::TimeSpec ts = TRY(read_user<abi::TimeSpec>(timespec_at));
    if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000) return Err(Errno::Inval);
    const uint64_t ms = static_cast<uint64_t>(ts.sec) * 1000 + (static_cast<uint64_t>(ts.nsec) + 999999) / 1000000;
    return now_ms() + ms + 1;  // + 1: the current millisecond has partly gone by already
}

// FUTEX_WAIT: if *uaddr still holds @p expected, sleep until a FUTEX_WAKE
// on @p uaddr (0), the deadline (ETIMEDOUT) or the program's end (EINTR).
// The word is read with the scheduler lock held: a waker that changes it
// and then calls futex_wake takes the same lock, so either the change is
// seen here, or the wake finds this thread already on the queue.
// A signal that cuts the wait short restarts it (Errno::RestartSys), but
// not one with a timeout: that one is EINTR once a handler has run, as
// Linux's restart block makes it.
Result<long> futex_wait(uint64_t uaddr, uint32_t expected, uint64_t deadline_ms) {
    IrqLock guard(sched_lock());
    const uint32_t now = TRY(read_user<uint32_t>(uaddr));  // a fault here is fixed up as anywhere
    if (now != expected) return Err(Errno::Again);
    const Result<void> slept = sleep_on(bucket_of(uaddr), guard, deadline_ms, uaddr);
    if (!slept && slept.error() == Errno::RestartSys && deadline_ms) return Err(Errno::Intr);
    TRY(slept);
    return 0;
}

// Robust futexes (uapi/linux/futex.h).
constexpr uint32_t kWaiters = 0x80000000;    // FUTEX_WAITERS: someone sleeps on it
constexpr uint32_t kOwnerDied = 0x40000000;  // FUTEX_OWNER_DIED
constexpr uint32_t kTidMask = 0x3fffffff;    // FUTEX_TID_MASK: the owner
constexpr int kRobustListLimit = 2048;       // ROBUST_LIST_LIMIT: a list longer than this is a loop

/// struct robust_list_head: a circular list of the futexes a thread holds.
struct RobustListHead {
    uint64_t next;           // the first entry (the head itself when empty); bit 0: a PI futex
    int64_t futex_offset;    // from an entry to its futex word
    uint64_t list_op_pending;  // an entry being added or removed right now
};

// Linux's handle_futex_death(): the futex at @p uaddr, if thread @p tid
// still owns it, says its owner died, and one waiter is woken to see it.
// The word is read and written in two steps: no other thread runs between
// them (one CPU, and the kernel is not preempted).
void futex_death(uint64_t uaddr, int tid, bool pending) {
    if (uaddr % 4 != 0) return;
    const Result<uint32_t> word = read_user<uint32_t>(uaddr);
    if (!word) return;
    if (pending && *word == 0) {  // it was being taken: a waiter may wait for a wake that will not come
        futex_wake(uaddr, 1);
        return;
    }
    if ((*word & kTidMask) != static_cast<uint32_t>(tid)) return;
    if (!write_user(uaddr, (*word & kWaiters) | kOwnerDied)) return;
    if (*word & kWaiters) futex_wake(uaddr, 1);
}

}  // namespace

int futex_wake(uint64_t uaddr, int count) { return bucket_of(uaddr).wake_some(uaddr, count); }

void futex_exit_robust_list(uint64_t head_at, int tid) {
    const Result<RobustListHead> head = read_user<RobustListHead>(head_at);
    if (!head) return;
    const uint64_t pending = head->list_op_pending & ~uint64_t(1);
    uint64_t entry = head->next;
    for (int left = kRobustListLimit; (entry & ~uint64_t(1)) != head_at && left > 0; --left) {
        const uint64_t at = entry & ~uint64_t(1);  // bit 0 marks a PI futex; there are none here
        const Result<uint64_t> next = read_user<uint64_t>(at);
        if (!next) return;
        if (at != pending) futex_death(at + static_cast<uint64_t>(head->futex_offset), tid, false);
        entry = *next;
    }
    if (pending) futex_death(pending + static_cast<uint64_t>(head->futex_offset), tid, true);
}

/// set_robust_list(head, len): where this thread's robust futex list is;
/// read only when the thread ends. Errno::Inval unless @p len is the
/// size of struct robust_list_head (24).
Result<long> sys_set_robust_list(const SyscallArgs& a) {
    if (a.a1 != sizeof(RobustListHead)) return Err(Errno::Inval);
    current_thread()->robust_list = a.a0;
    return 0;
}

/// get_robust_list(tid, head_ptr, len_ptr): the list of thread @p tid (0:
/// this one; any thread of this program), and its size. Errno::Srch for
/// another tid; Errno::Fault for a bad pointer.
Result<long> sys_get_robust_list(const SyscallArgs& a) {
    const int tid = static_cast<int>(a.a0);
    const Thread* thread = current_thread();
    if (tid != 0) {
        thread = nullptr;
        for (const Thread* t = current_process()->threads; t; t = t->next_in_process)
            if (t->tid == tid && t->runs_user) thread = t;
        if (!thread) return Err(Errno::Srch);
    }
    TRY(write_user(a.a2, uint64_t{sizeof(RobustListHead)}));
    TRY(write_user(a.a1, thread->robust_list));
    return 0;
}

/// futex(uaddr, op, val, timeout, uaddr2, val3): FUTEX_WAIT, FUTEX_WAKE,
/// FUTEX_REQUEUE and FUTEX_CMP_REQUEUE (what C libraries' mutexes,
/// condition variables and pthread_join use), with or without
/// FUTEX_PRIVATE_FLAG. Other operations are Errno::NoSys, as Linux answers
/// an operation it does not have.
Result<long> sys_futex(const SyscallArgs& a) {
    const uint64_t uaddr = a.a0, uaddr2 = a.a4;
    const auto op = static_cast<int>(a.a1);
    const auto val = static_cast<uint32_t>(a.a2);
    constexpr int kPrivate = 128, kClockRealtime = 256;
    constexpr int kWait = 0, kWake = 1, kRequeue = 3, kCmpRequeue = 4;
    const int cmd = op & ~(kPrivate | kClockRealtime);
    const auto count = [](uint64_t v) { return static_cast<int>(v) < 0 ? 0x7fffffff : static_cast<int>(v); };
    if (cmd != kWait && cmd != kWake && cmd != kRequeue && cmd != kCmpRequeue) return Err(Errno::NoSys);
    if ((op & kClockRealtime) && cmd != kWait) return Err(Errno::NoSys);
    if (op & kClockRealtime) return Err(Errno::NoSys);  // only with FUTEX_WAIT_BITSET on Linux
    if (uaddr % 4 != 0) return Err(Errno::Inval);
    if (cmd == kWait) return futex_wait(uaddr, val, TRY(deadline_of(a.a3)));
    TRY(check_user_range(uaddr, 4));
    if (cmd == kWake) return futex_wake(uaddr, count(val));
    // REQUEUE: wake val waiters, move up to val2 (in the timeout's place) to uaddr2.
    if (uaddr2 % 4 != 0) return Err(Errno::Inval);
    TRY(check_user_range(uaddr2, 4));
    if (cmd == kCmpRequeue) {
        IrqLock guard(sched_lock());  // the word and the queue, in one step
        if (TRY(read_user<uint32_t>(uaddr)) != static_cast<uint32_t>(a.a5)) return Err(Errno::Again);
    }
    return bucket_of(uaddr).requeue(uaddr, count(val), bucket_of(uaddr2), uaddr2, count(a.a3));
}
