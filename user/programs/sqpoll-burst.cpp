/**
 * @file user/programs/sqpoll-burst.cpp
 * @brief Bursts of NOPs through an SQPOLL ring with no system call, and a
 * wake-up after an idle period, for the debugger to watch (chapter 08 on).
 *
 * 1. The ring's poller starts asleep: the first NOP wakes it
 *    (io_uring_enter with IORING_ENTER_SQ_WAKEUP), before anything is watched.
 * 2. For each burst size (4, then 64): sched_yield, so that the burst
 *    starts on a fresh time slice; then, between two calls of the marker
 *    sqpoll_trace_mark, the burst - its NOPs queued by storing the SQ tail,
 *    and a spin on the CQ tail until every CQE has come. No system call:
 *    on one CPU the poller runs when the program's time slice ends.
 * 3. Idle: the program naps until the poller has set NEED_WAKEUP, then,
 *    between two more marks, queues one NOP, sees the flag after a full
 *    barrier, wakes the poller with io_uring_enter(IORING_ENTER_SQ_WAKEUP)
 *    and spins until its CQE comes.
 *
 * tools/trace.py (`make trace CH=08`) stops at every mark, every `syscall`
 * entry, every `swapgs` and every thread switch in between, and checks
 * that a burst costs no system call, and only the swapgs of the timer
 * interrupts that let the poller run - as many for 64 NOPs as for 4.
 *
 * The marker's arguments tell the debugger what happened: rdi = which
 * mark (kBurstBegin...), rsi = the NOPs queued or the CQEs seen, rdx = the
 * address of the SQ flags (it reads NEED_WAKEUP there itself).
 */
#include "runtime/print.h"
#include "runtime/uring.h"

// sqpoll_trace_mark(what, count, sq_flags): a function that returns at
// once; its address is the debugger's breakpoint.
asm(R"(
        .text
        .global sqpoll_trace_mark
        .type sqpoll_trace_mark, @function
sqpoll_trace_mark:
        ret
        .size sqpoll_trace_mark, . - sqpoll_trace_mark
)");
/// The debugger's marker: @p what is one of kBurstBegin..kWakeEnd.
extern "C" void sqpoll_trace_mark(uint64_t what, uint64_t count, const uint32_t* sq_flags);

namespace {

using abi::io_uring::kSqNeedWakeup;

// Which mark: tools/trace.py reads these numbers in rdi.
constexpr uint64_t kBurstBegin = 1, kBurstEnd = 2, kWakeBegin = 3, kWakeEnd = 4;
constexpr uint32_t kBursts[] = {4, 64};
constexpr uint32_t kEntries = 64;
constexpr uint32_t kIdleMs = 100;  // longer than a time slice (10 ms): the poller stays awake through a burst

uint32_t need_wakeup(iou::Ring& ring) { return __atomic_load_n(ring.sq_flags(), __ATOMIC_ACQUIRE) & kSqNeedWakeup; }

// Spin on the CQ tail (no system call) until @p n CQEs are there.
uint32_t spin_for(iou::Ring& ring, uint32_t n) {
    while (ring.cq_ready() < n) {
    }
    return ring.cq_ready();
}

void nap_ms(long ms) {
    const abi::TimeSpec t{0, ms * 1000000};
    raw_syscall(abi::Sys::Nanosleep, reinterpret_cast<long>(&t), 0);
}

}  // namespace

int main(int, char**, char**) {
    iou::Ring ring;
    iou::Params params{};
    params.flags = abi::io_uring::kSetupSqPoll;
    params.sq_thread_idle = kIdleMs;
    if (const long r = ring.init(kEntries, params); r < 0) return print("sqpoll-burst: io_uring_setup failed: {}\n", r), 1;

    // 1. The poller sleeps from the start: wake it with a first NOP.
    iou::prep_nop(ring.get_sqe());
    const long first = ring.submit();
    spin_for(ring, 1);
    ring.cq_advance(1);
    print("sqpoll-burst: the first NOP woke the poller: io_uring_enter = {}\n", first);

    // 2. Bursts, no system call between the marks.
    bool ok = first == 1;
    for (uint32_t n : kBursts) {
        raw_syscall(abi::Sys::SchedYield);  // a fresh time slice
        const uint32_t asleep = need_wakeup(ring);
        for (uint32_t i = 0; i < n; ++i) iou::prep_nop(ring.get_sqe());
        sqpoll_trace_mark(kBurstBegin, n, ring.sq_flags());
        ring.flush_sq();  // the SQ tail: the only thing the kernel is told
        const uint32_t seen = spin_for(ring, n);
        sqpoll_trace_mark(kBurstEnd, seen, ring.sq_flags());
        ring.cq_advance(seen);
        print("sqpoll-burst: burst of {}: NEED_WAKEUP {} before it, {} CQEs, no system call\n", n,
              asleep ? "set" : "clear", seen);
        ok = ok && !asleep && seen == n;
    }

    // 3. Idle until the poller sleeps, then the wake-up.
    long waited = 0;
    for (; !need_wakeup(ring) && waited < 2000; ++waited) nap_ms(1);
    iou::prep_nop(ring.get_sqe());
    sqpoll_trace_mark(kWakeBegin, 1, ring.sq_flags());
    const long woke = ring.submit();  // tail, full barrier, NEED_WAKEUP: io_uring_enter(SQ_WAKEUP)
    const uint32_t seen = spin_for(ring, 1);
    sqpoll_trace_mark(kWakeEnd, seen, ring.sq_flags());
    ring.cq_advance(seen);
    print("sqpoll-burst: idle, the poller set NEED_WAKEUP: {}; io_uring_enter(1, SQ_WAKEUP) = {}, {} CQE\n",
          waited < 2000 ? "yes" : "no", woke, seen);
    ok = ok && woke == 1 && seen == 1 && waited < 2000;
    ring.exit();
    return ok ? 0 : 1;
}
