/**
 * @file chapters/07-threads/sys/futex.cpp
 * @brief futex(FUTEX_WAIT / FUTEX_WAKE), with Linux's arguments and errors.
 *
 * Sleepers wait on one of kBuckets queues, chosen by the address; the
 * address itself is the key that tells them apart on a shared queue. One
 * program runs at a time here, so an address names one futex (Linux also
 * folds in the address space, or for a shared futex the page's identity).
 */
#include "sys/futex.h"

#include "common/abi/linux.h"
#include "proc/uaccess.h"
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
Result<long> futex_wait(uint64_t uaddr, uint32_t expected, uint64_t deadline_ms) {
    IrqLock guard(sched_lock());
    const uint32_t now = TRY(read_user<uint32_t>(uaddr));  // a fault here is fixed up as anywhere
    if (now != expected) return Err(Errno::Again);
    TRY(sleep_on(bucket_of(uaddr), guard, deadline_ms, uaddr));
    return 0;
}

}  // namespace

int futex_wake(uint64_t uaddr, int count) { return bucket_of(uaddr).wake_some(uaddr, count); }

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
