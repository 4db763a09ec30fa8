/**
 * @file chapters/13-links/uring/engine.h
 * @brief The io_uring engine: Linux's ring rules, without a kernel around them.
 *
 * Everything io_uring does that is not about files, processes or page tables
 * lives here, so that host tests can drive it with a fake "kernel":
 *   - setup(): io_uring_setup's checks and rounding, and the ring memory layout;
 *   - Ring::enter(): io_uring_enter: take SQEs from the SQ ring, validate a
 *     private copy of each, hand it to an Executor, post one CQE per SQE,
 *     then wait (through a Waiter) for min_complete completions;
 *   - the completion backlog: when the CQ ring is full, completions wait in
 *     kernel memory, in order, until the user frees room (Linux's overflow list).
 *
 * Invariants:
 *   - The kernel-side indices (SQ head, CQ tail) are kept in the Ring and only
 *     copied out to shared memory; values the user writes there are never
 *     trusted. User-side indices (SQ tail, CQ head) are read with acquire loads,
 *     ours are published with release stores.
 *   - Every SQE the engine accepts produces exactly one CQE (no drops): before it
 *     accepts an SQE it checks that a CQ slot or a backlog slot is left for it
 *     after all requests already in flight. When none is, enter returns -EBUSY.
 *   - While the backlog holds anything, new completions queue behind it, so
 *     CQEs reach the user in the order they were posted.
 *   - No allocation: the caller provides the shared memory, the backlog array
 *     and the request pool (FixedStorage is a ready-made holder).
 *
 * Chapter 09: READ_FIXED and WRITE_FIXED are accepted, and an SQE with
 * IOSQE_FIXED_FILE goes to the Executor, which looks the file up among the
 * ring's registered files (uring/registered.h). Which buffers and files are
 * registered is the kernel's business, not the ring's: the engine only
 * checks the SQE's own fields, as Linux's prep functions do.
 *
 * Chapter 10: two threads may enter the same ring on two CPUs, a pipe
 * write on a third may complete a parked READ meanwhile, and an SQPOLL
 * poller submits from a CPU of its own. Two locks, as Linux's:
 *   - the submission lock (Linux's uring_lock), the kernel's SubmitLock,
 *     held by submit() from the first SQE it reads to the SQ head it
 *     publishes: one submitter at a time owns the SQ head, and takes a whole
 *     batch in order. Executor::issue() may sleep under it (a WRITE to a
 *     full pipe), so the kernel's is a sleeping lock, not a spin lock;
 *   - the completion lock (Linux's completion_lock), a SpinLock of the
 *     ring's own, held for every change to the CQ tail, the backlog, the
 *     requests given back and the count in flight, by whoever posts: the submitter,
 *     or another CPU completing a parked request. It is never held while
 *     the executor runs, so a completion never waits for a sleeper.
 * Order: submission lock, then completion lock, then the scheduler's lock
 * (Executor::completion_posted wakes waiters with it held); nothing takes
 * them the other way round. A request the executor may park counts as in
 * flight before issue() sees it, since another CPU may complete it before
 * issue() even returns.
 *
 * Chapter 13: requests that depend on each other and on time. An SQE
 * with IOSQE_IO_LINK or IOSQE_IO_HARDLINK starts only when the one before
 * it has completed (uring/chain.cpp); one with IOSQE_IO_DRAIN only when
 * every request before it has; IOSQE_CQE_SKIP_SUCCESS posts no CQE for a
 * success; TIMEOUT, LINK_TIMEOUT, TIMEOUT_REMOVE and ASYNC_CANCEL are
 * the engine's own opcodes (uring/timeout.cpp), timed by a Clock the kernel
 * supplies; and enter() may wait with a deadline (IORING_ENTER_EXT_ARG).
 * Work that Linux does in "task work" (the next request of a chain, the
 * cancelled rest of a broken one, a cancelled request's CQE) waits in a
 * queue that only a holder of the submission lock runs, since starting a
 * request may sleep: at the end of a submission, and in enter() before
 * and after each wait. A completion on another CPU only queues it, under
 * the completion lock, and wakes the ring's waiters. That gives the CQEs
 * Linux's order, and keeps the stack flat for a chain of any length.
 * The chains, the deferred list, the task-work queue and the timer lists
 * all belong to the completion lock; the executor (issue, cancel) is
 * called without it.
 *
 * Freestanding C++20 but for the SpinLock (sync/spinlock.h), which host
 * tests give a fake CPU (chapter 09's tests/fake_cpu.h).
 */
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/abi/io_uring.h"
#include "common/result.h"
#include "sync/spinlock.h"

namespace uring {

using abi::io_uring::Cqe;
using abi::io_uring::Params;
using abi::io_uring::Sqe;

/// Setup flags the engine implements; any other flag makes setup() fail with -EINVAL.
inline constexpr uint32_t kSupportedSetupFlags =
    abi::io_uring::kSetupCqSize | abi::io_uring::kSetupClamp | abi::io_uring::kSetupSubmitAll;
/// Features setup() reports: one mmap for both rings, no dropped completions, SQEs copied at submit.
/// Chapter 13: waits with a timeout (EXT_ARG), CQE_SKIP_SUCCESS, and the
/// files of linked requests looked up when each one starts (LINKED_FILE).
inline constexpr uint32_t kFeatures = abi::io_uring::kFeatSingleMmap | abi::io_uring::kFeatNodrop |
                                      abi::io_uring::kFeatSubmitStable | abi::io_uring::kFeatExtArg |
                                      abi::io_uring::kFeatCqeSkip | abi::io_uring::kFeatLinkedFile;
/// io_uring_enter flags the engine accepts (SQ_WAKEUP and SQ_WAIT do nothing
/// without SQPOLL; NO_IOWAIT changes only Linux's accounting). EXT_ARG and
/// ABS_TIMER: the kernel reads the argument and gives enter() a deadline.
inline constexpr uint32_t kSupportedEnterFlags =
    abi::io_uring::kEnterGetEvents | abi::io_uring::kEnterSqWakeup | abi::io_uring::kEnterSqWait |
    abi::io_uring::kEnterExtArg | abi::io_uring::kEnterAbsTimer | abi::io_uring::kEnterNoIowait;
/// SQE flags the engine accepts: kSqeAsync is only a hint, so honouring it
/// costs nothing; with kSqeFixedFile the SQE's fd is an index into the
/// ring's registered files, which the Executor looks up (chapter 09).
/// (Chapter 13: links, drain and skipping successes too.)
inline constexpr uint8_t kSupportedSqeFlags = abi::io_uring::kSqeAsync | abi::io_uring::kSqeFixedFile |
                                              abi::io_uring::kSqeIoLink | abi::io_uring::kSqeIoHardlink |
                                              abi::io_uring::kSqeIoDrain | abi::io_uring::kSqeCqeSkipSuccess;
/// No deadline: a wait or a timer that never ends.
inline constexpr uint64_t kNever = ~0ull;
/// Alignment of the CQE array and of the SQ index array (a cache line).
inline constexpr uint32_t kRingAlign = 64;

/// The start of the shared rings region, field by field: Linux 6.x's struct
/// io_rings on x86-64 (these are the offsets its io_uring_setup reports).
/// The CQE array follows at byte 64, the SQ index array after the CQEs.
struct RingHeader {
    uint32_t sq_head;          ///<  0: kernel writes: SQEs consumed
    uint32_t sq_tail;          ///<  4: user writes: SQEs queued
    uint32_t cq_head;          ///<  8: user writes: CQEs consumed
    uint32_t cq_tail;          ///< 12: kernel writes: CQEs posted
    uint32_t sq_ring_mask;     ///< 16: sq_entries - 1
    uint32_t cq_ring_mask;     ///< 20: cq_entries - 1
    uint32_t sq_ring_entries;  ///< 24
    uint32_t cq_ring_entries;  ///< 28
    uint32_t sq_dropped;       ///< 32: out-of-range indices skipped
    uint32_t sq_flags;         ///< 36: kSqCqOverflow while the backlog is not empty
    uint32_t cq_flags;         ///< 40: written by the user (kCqEventfdDisabled)
    uint32_t cq_overflow;      ///< 44: completions that could not be kept at all
    uint32_t reserved[4];      ///< 48: up to the CQE array
};
static_assert(sizeof(RingHeader) == kRingAlign);

/// Sizes and offsets of one ring's shared memory, as io_uring_setup reports them.
struct Layout {
    uint32_t sq_entries = 0;               ///< power of two, <= kMaxEntries
    uint32_t cq_entries = 0;               ///< power of two, >= sq_entries
    abi::io_uring::SqRingOffsets sq_off{};  ///< offsets into the rings region
    abi::io_uring::CqRingOffsets cq_off{};  ///< offsets into the rings region (same region)
    size_t rings_bytes = 0;                ///< RingHeader + CQEs + SQ index array
    size_t sqes_bytes = 0;                 ///< sq_entries * 64

    /// The layout for rings of these (already valid) sizes.
    static Layout compute(uint32_t sq_entries, uint32_t cq_entries);
};

/// io_uring_setup's rules: check @p params (resv zero, flags among
/// @p supported: those the kernel around the engine implements) and the
/// sizes, round them up to powers of two, then fill params' sq_entries,
/// cq_entries, features, sq_off and cq_off, and @p layout. Errno::Inval on
/// error, with params left as it was (Linux copies nothing back).
[[nodiscard]] Result<void> setup(uint32_t entries, Params& params, Layout& layout,
                                 uint32_t supported = kSupportedSetupFlags);

/// Which region an mmap offset on a ring fd selects.
enum class Region : uint8_t {
    Rings,  ///< kOffSqRing or kOffCqRing: the rings region (one region, kFeatSingleMmap)
    Sqes,   ///< kOffSqes: the SQE array
};

/// What mmap_region() decided.
struct MmapTarget {
    Region region;  ///< which region to map
    size_t bytes;   ///< the region's size (the mapping is rounded up to pages)
};

/// Check an mmap of @p length bytes at @p offset on a ring with @p layout.
/// Unknown offsets and mappings longer than the region (in whole pages) are Errno::Inval.
[[nodiscard]] Result<MmapTarget> mmap_region(const Layout& layout, uint64_t offset, uint64_t length);

/// io_uring_register(IORING_REGISTER_PROBE) on a kernel copy of the user's
/// buffer (16 + 8 * @p nr_args bytes, which must be all zero): marks each
/// opcode the engine implements. Errno::Inval (as Linux) for nr_args > 256
/// or a nonzero byte; the kernel then copies the buffer back.
[[nodiscard]] Result<void> fill_probe(abi::io_uring::Probe* probe, uint32_t nr_args);

/// Does the engine accept opcode @p opcode?
[[nodiscard]] bool opcode_supported(uint8_t opcode);

class Ring;

/// One request from the time its SQE is taken until its CQE is posted.
/// The engine owns a pool of these (see Storage); the executor may keep a
/// pointer to a Pending request until it calls Ring::complete() on it.
struct Request {
    /// Life cycle of a pool entry.
    enum class State : uint8_t {
        Free,      ///< in the pool's free list
        Issuing,   ///< being prepared (chapter 10: issue() sees it Pending already)
        Pending,   ///< in flight: issue() has it, or the executor will complete it later
        Linked,    ///< in a chain, waiting for the request before it (chapter 13)
        Deferred,  ///< a chain's head, waiting for a drain (chapter 13)
        Queued,    ///< in the task-work queue: to start, or to complete (chapter 13)
        Timer,     ///< a TIMEOUT or an armed LINK_TIMEOUT, waiting for its deadline (chapter 13)
    };
    Sqe sqe{};                 ///< the engine's private copy: the user can no longer change it
    Ring* ring = nullptr;      ///< the ring that owns it
    Request* link = nullptr;   ///< free for the executor, e.g. a pipe's list of waiting reads
    uint64_t scratch[3] = {};  ///< free for the executor
    /// Bytes a READ or WRITE asks for (the executor sets it for READV and
    /// WRITEV): fewer is a failure that breaks a link, as on Linux; -1: any
    /// result >= 0 is a success.
    int64_t expected = -1;
    State state = State::Free;  ///< where it is in its life
    Request* pool_next = nullptr;  ///< the engine's free list; do not touch

    // The engine's bookkeeping for chapter 13 (uring/chain.cpp, uring/timeout.cpp); do not touch.
    Request* chain = nullptr;   ///< the next request of its chain, which waits for this one
    Request* next = nullptr;    ///< the list it is on: deferred, task work, or timers
    Request* partner = nullptr; ///< a LINK_TIMEOUT's request, and that request's armed LINK_TIMEOUT
    uint64_t deadline = 0;      ///< a timer's deadline (ns, on the Clock), or kNever
    uint64_t target = 0;        ///< a counting TIMEOUT: the completion count that ends it
    uint64_t seqno = 0;         ///< when it was submitted: cancels find matches oldest first
    int32_t res = 0;            ///< a prepare error, or the result a queued completion will post
    uint16_t marks = 0;         ///< kMark* bits

    static constexpr uint16_t kMarkFailed = 1u << 0;     ///< failed its checks: completes with res
    static constexpr uint16_t kMarkSilent = 1u << 1;     ///< cancelled with a chain whose failure skips CQEs
    static constexpr uint16_t kMarkSkipLinks = 1u << 2;  ///< failed although it skips: so does the rest
    static constexpr uint16_t kMarkIssue = 1u << 3;      ///< Queued: to start (else: to complete with res)
};

/// What Executor::issue did with a request.
struct IssueResult {
    bool pending;    ///< true: the executor keeps it and calls Ring::complete later
    int32_t res;     ///< the result when !pending: >= 0 or a negated errno
    uint32_t flags;  ///< CQE flags when !pending

    /// Finished now with result @p res.
    static constexpr IssueResult done(int32_t res, uint32_t flags = 0) { return {false, res, flags}; }
    /// Not finished: it will complete later (data has not arrived yet...).
    static constexpr IssueResult later() { return {true, 0, 0}; }
};

/// The kernel's half: runs one validated request. Implemented by the kernel
/// (files, pipes, user memory) and by fakes in host tests.
class Executor {
public:
    /// Prepare-time checks that need the kernel, such as copying in a READV's
    /// iovec array. An error here fails the SQE like Linux's prep errors: it
    /// completes with that error and, unless kSetupSubmitAll, ends this
    /// submission batch. The default accepts everything.
    virtual Result<void> prepare(Request& request) {
        (void)request;
        return {};
    }
    /// Start the request (opcode already validated; request.sqe is stable).
    /// Return done(res) if it finished, or later() and call
    /// Ring::complete(request, res) when it does. Errors such as -EBADF or
    /// -EFAULT are results (done(-EBADF)), not failures of issue itself.
    virtual IssueResult issue(Request& request) = 0;
    /// Forget a Pending request (the ring is being released, or ASYNC_CANCEL
    /// or a LINK_TIMEOUT cancels it): unlink it from whatever it waits on.
    /// The engine posts its CQE, if any. Return false if it completed
    /// meanwhile instead (chapter 10: a pipe write on another CPU had taken
    /// it to retry it): the engine then leaves it alone. Called without
    /// the completion lock.
    virtual bool cancel(Request& request) {
        (void)request;
        return true;
    }
    /// complete() has posted the CQE of a request that was parked, or
    /// submit() the CQEs of a batch: wake whoever waits for one (on several
    /// CPUs, another thread may be waiting in io_uring_enter on the same
    /// ring). Called with the completion lock held, so that
    /// cancel_all() can know, by taking that lock once, that no complete()
    /// still touches the ring (chapter 10). The default does nothing.
    /// (Chapter 13: also when a completion only queued task work, or
    /// task work armed a timer: a waiter must look again.)
    virtual void completion_posted() {}
    /// Copy @p bytes of user memory at @p from (a TIMEOUT's timespec):
    /// Errno::Fault if it cannot. The default has no user memory.
    virtual Result<void> copy_in(void* to, uint64_t from, size_t bytes) {
        (void)to, (void)from, (void)bytes;
        return Err(abi::Errno::Fault);
    }

protected:
    ~Executor() = default;  // never deleted through this interface
};

/// How io_uring_enter blocks. Implemented by the kernel's scheduler and by fakes in tests.
class Waiter {
public:
    /// Called when fewer than @p min_complete CQEs are ready. Block until this
    /// ring may have new completions, or until the Clock reads @p deadline
    /// (kNever: no limit), and return to have the engine look again; or
    /// return an error to end the wait with it.
    /// ring.inflight() == 0 means nothing already submitted can ever complete.
    virtual Result<void> wait(Ring& ring, uint32_t min_complete, uint64_t deadline) = 0;

protected:
    ~Waiter() = default;  // never deleted through this interface
};

/// The ring's submission lock (chapter 10; Linux's uring_lock): submit()
/// holds it from the first SQE it reads to the SQ head it publishes, and
/// Executor::issue() may sleep under it. The kernel's sleeps; host tests
/// may pass none (then the caller must not submit from two threads at once).
class SubmitLock {
public:
    /// Wait until no other thread submits, then hold the lock.
    virtual void lock() = 0;
    /// Let the next submitter in.
    virtual void unlock() = 0;

protected:
    ~SubmitLock() = default;  // never deleted through this interface
};

/// The time, for timers and waits: nanoseconds. Implemented by the kernel
/// (its millisecond tick) and by fakes in tests. Called with the
/// completion lock held: it must not sleep.
class Clock {
public:
    /// CLOCK_MONOTONIC (and CLOCK_BOOTTIME: this kernel never suspends).
    virtual uint64_t monotonic_ns() = 0;
    /// CLOCK_REALTIME.
    virtual uint64_t realtime_ns() = 0;

protected:
    ~Clock() = default;  // never deleted through this interface
};

/// The kernel-memory arrays a Ring needs besides the shared regions.
struct Storage {
    std::span<Cqe> backlog;       ///< completions waiting for CQ room; capacity bounds overflow
    std::span<Request> requests;  ///< one per request being issued or in flight
};

/// A Storage with its arrays inside: put one next to each Ring.
template <size_t kBacklog, size_t kRequests>
struct FixedStorage {
    Cqe backlog[kBacklog];         ///< the backlog array
    Request requests[kRequests];   ///< the request pool
    /// The two arrays as a Storage.
    Storage view() { return {std::span<Cqe>(backlog, kBacklog), std::span<Request>(requests, kRequests)}; }
};

/// Everything Ring::init needs.
struct RingConfig {
    Layout layout;                 ///< from setup()
    void* rings = nullptr;         ///< the rings region, layout.rings_bytes, kernel-addressable
    void* sqes = nullptr;          ///< the SQE region, layout.sqes_bytes
    uint32_t setup_flags = 0;      ///< Params::flags as accepted by setup()
    Storage storage;               ///< backlog and request pool
    Executor* executor = nullptr;  ///< runs the requests
    SubmitLock* submit_lock = nullptr;  ///< chapter 10: taken by submit(); nullptr: none
    Clock* clock = nullptr;        ///< chapter 13: times TIMEOUTs and waits; none: timers never fire
    /// Where all four indices start. Linux starts at 0; tests start near
    /// UINT32_MAX to see the indices wrap around.
    uint32_t first_index = 0;
};

/// One io_uring instance: the kernel's private state of a ring and the
/// operations io_uring_enter performs on it.
class Ring {
public:
    /// Zero both shared regions, write the ring header and take @p config's storage.
    void init(const RingConfig& config);

    /// io_uring_enter's flag check, done before the fd is looked up:
    /// Errno::Inval for unknown flags. (kEnterRegisteredRing is known, and
    /// left to the caller: the fd is then an index into registered rings.)
    [[nodiscard]] static Result<void> check_enter_flags(uint32_t flags);

    /// io_uring_enter(fd, to_submit, min_complete, flags) on this ring:
    /// submit up to @p to_submit SQEs; then, with kEnterGetEvents and only if
    /// all of them were submitted, wait until min(@p min_complete, cq_entries)
    /// CQEs are ready, moving backlog entries into the CQ as room appears.
    /// Returns the number submitted, or an error: Errno::Busy / Again if
    /// nothing could be submitted, the Waiter's error if nothing was submitted
    /// and the wait failed, Errno::BadR once after completions were lost.
    /// @p waiter may be null if the kernel never blocks (a wait then fails with Errno::Again).
    /// (Chapter 13: with @p deadline, a time on the Clock's monotonic
    /// scale, a wait that reaches it ends with Errno::Time, IORING_ENTER_EXT_ARG's
    /// timeout; timers that are due fire first.)
    [[nodiscard]] Result<uint32_t> enter(uint32_t to_submit, uint32_t min_complete, uint32_t flags, Waiter* waiter,
                                         uint64_t deadline = kNever);

    /// The submission half of enter(): returns how many SQEs were consumed
    /// (including ones that failed), or Errno::Busy / Again if none could be.
    /// Takes the submission lock for the whole batch (SQPOLL's poller calls
    /// it directly). With @p flush_first, the backlog goes to the CQ first
    /// (enter with GETEVENTS: room the user made is used before the check).
    /// (Chapter 13: then it runs the task work the batch queued.)
    [[nodiscard]] Result<uint32_t> submit(uint32_t to_submit, bool flush_first = false);

    /// The executor finished a Pending request: post its CQE and recycle it
    /// (on any CPU: it takes the completion lock), then tell the executor
    /// (Executor::completion_posted). Returns false (and does nothing) if
    /// @p request is not Pending. (Chapter 13: the next request of its
    /// chain, or the cancelled rest, goes to the task-work queue, which the
    /// ring's next submitter or waiter runs - and so do the drained chain
    /// and the counting TIMEOUT this completion lets go.)
    bool complete(Request& request, int32_t res, uint32_t cqe_flags = 0);

    /// Fire the timers whose deadline has passed (TIMEOUT: -ETIME;
    /// LINK_TIMEOUT: cancel its request), then run the task work: under the
    /// submission lock. enter() does it as it waits.
    void expire_timers();
    /// The earliest deadline of an armed timer, or kNever (under the completion lock).
    [[nodiscard]] uint64_t next_deadline();
    /// Is there task work for the next submitter or waiter to run? A hint
    /// read without the lock, for the kernel's Waiter: a completion that
    /// queued some and posted no CQE must still end a wait.
    [[nodiscard]] bool has_task_work() const { return m_work != nullptr; }

    /// Move backlog entries into free CQ slots, oldest first; clear
    /// kSqCqOverflow once the backlog is empty. Returns how many moved.
    uint32_t flush_backlog();

    /// The ring is being released (its fd closed): cancel every Pending
    /// request through the executor and drop every other one (linked,
    /// deferred, timers, queued), without posting CQEs. One that another
    /// CPU completes meanwhile is left to it; on return no complete() is
    /// still running (chapter 10).
    void cancel_all();

    // State, for the kernel's waiter and for tests.

    /// SQEs the user has queued and the kernel not yet taken: the user's SQ
    /// tail (acquire) less the kernel's own head, never the shared copy the
    /// user may have scribbled on. A garbage tail can make it anything.
    [[nodiscard]] uint32_t sq_queued() const;
    /// CQEs posted and not yet consumed by the user (at most cq_entries).
    [[nodiscard]] uint32_t cq_ready() const;
    // The counts below are read without the completion lock: a hint, exact
    // only to a caller that holds it or knows nobody else can change them.

    /// Requests accepted and not yet completed (chapter 13: in flight,
    /// waiting in a chain or for a drain, queued, or timers): each owes a CQE.
    [[nodiscard]] uint32_t inflight() const { return m_inflight; }
    /// Completions waiting in the backlog.
    [[nodiscard]] uint32_t backlog_size() const { return m_backlog_count; }
    /// How many more requests can be accepted with a guaranteed CQE slot.
    [[nodiscard]] uint32_t completion_room() const;
    /// Could submit() take an SQE now? Errno::Busy if no CQE could be kept
    /// for it, Errno::Again if every request is in flight: what it would answer.
    [[nodiscard]] Result<void> can_submit() const;
    /// The layout this ring was created with.
    [[nodiscard]] const Layout& layout() const { return m_layout; }
    /// The shared header (for tests and debugging; the user may scribble on it).
    [[nodiscard]] RingHeader* header() const { return m_header; }
    /// Is @p request in flight? (Read under the completion lock.)
    [[nodiscard]] bool pending(const Request& request);
    /// pending(), and if so call @p then with the completion lock still
    /// held, so that what the request holds stays put meanwhile (chapter 13:
    /// a cancel takes a reference to a parked request's file). @p then must
    /// not sleep nor take a lock that a completion holds.
    template <typename Then>
    [[nodiscard]] bool pending(const Request& request, Then&& then) {
        IrqLock locked(m_lock);
        if (request.state != Request::State::Pending) return false;
        then();
        return true;
    }

private:
    Result<uint32_t> submit_locked(uint32_t to_submit, bool flush_first);
    uint32_t flush_locked();
    // engine.cpp
    Result<void> prepare(Request& request);
    // uring/chain.cpp: links, drain, skipping, and the task-work queue.
    // Those marked "locked" need the completion lock held; issue() and
    // run_task_work() need the submission lock and not the completion lock.
    bool add_to_chain(Request& request, const Result<void>& prepared);  // locked
    void queue(Request& head);                                          // locked
    void issue(Request& request);
    void finish(Request& request, int32_t res, uint32_t cqe_flags = 0);  // locked
    void fail_rest(Request* first, bool silent);                        // locked
    void later_issue(Request& request);                                 // locked
    void later_complete(Request& request, int32_t res);                 // locked
    void run_task_work();
    void start_deferred();                                              // locked
    // uring/timeout.cpp: TIMEOUT, LINK_TIMEOUT, TIMEOUT_REMOVE, ASYNC_CANCEL
    Result<void> prepare_timer(Request& request, bool linked);
    Result<void> prepare_cancel(Request& request);
    uint64_t deadline_of(const abi::TimeSpec& ts, uint32_t flags);  // locked
    void arm_timeout(Request& request);                             // locked
    void arm_link_timeout(Request& target, Request& timer);         // locked
    void fire_counted_timeouts();                                   // locked
    int32_t remove_timeout(const Request& request);                 // locked
    int32_t cancel_matching(const Request& request);
    bool cancel_one(Request& victim);
    void unlist_timer(Request& timer);                              // locked
    void fire_due_timers();
    void fire_link_timeouts();
    void post(uint64_t user_data, int32_t res, uint32_t flags);
    void publish_cq_tail();
    uint32_t cq_free() const;
    Request* alloc_request();
    void free_request(Request& request);

    Layout m_layout{};
    RingHeader* m_header = nullptr;    ///< start of the rings region
    Cqe* m_cqes = nullptr;             ///< the CQE array in the rings region
    uint32_t* m_sq_array = nullptr;    ///< the SQ index array in the rings region
    Sqe* m_sqes = nullptr;             ///< the SQE region
    uint32_t m_setup_flags = 0;
    Executor* m_executor = nullptr;
    SubmitLock* m_submit_lock = nullptr;  ///< held by submit(): owns m_sq_head and the SQ's shared head
    SpinLock m_lock;                      ///< the completion lock: owns everything below but m_sq_head and m_free (the submitter's)

    uint32_t m_sq_head = 0;   ///< authoritative SQ head (the shared copy is only published)
    /// Authoritative CQ tail. Written under the completion lock, read without
    /// it by cq_ready() (enter()'s loop, the waiter's condition): atomic, so
    /// that read is a stale value at worst, not a data race.
    std::atomic<uint32_t> m_cq_tail{0};
    uint32_t m_inflight = 0;  ///< Pending requests: each still owes one CQE

    std::span<Cqe> m_backlog;
    uint32_t m_backlog_head = 0;   ///< index of the oldest backlog entry
    uint32_t m_backlog_count = 0;
    bool m_cqes_lost = false;      ///< a CQE had nowhere to go: enter reports -EBADR once

    std::span<Request> m_requests;
    Request* m_free = nullptr;     ///< free requests for the submitter (its lock), through Request::pool_next
    Request* m_freed = nullptr;    ///< requests given back since (the completion lock); m_free takes them when empty

    // Chapter 13. The submitter's (its lock): m_link_head, m_link_last,
    // m_drain_next, m_drain_disabled, m_seqno. Everything else: the completion lock.
    Clock* m_clock = nullptr;
    Request* m_link_head = nullptr;   ///< the chain being assembled during submit()
    Request* m_link_last = nullptr;   ///< its last request so far
    Request* m_deferred = nullptr;    ///< chains waiting for a drain, oldest first
    Request* m_deferred_tail = nullptr;
    uint32_t m_deferred_requests = 0; ///< requests in those chains
    bool m_drain_next = false;        ///< a DRAIN inside a chain: the next chain drains too
    bool m_drain_active = false;      ///< a DRAIN was queued: later chains go through the deferred list
    bool m_drain_disabled = false;    ///< a CQE_SKIP_SUCCESS was seen: DRAIN is -EOPNOTSUPP
    Request* m_work = nullptr;        ///< the task-work queue, oldest first
    Request* m_work_tail = nullptr;
    Request* m_timeouts = nullptr;    ///< TIMEOUTs, in Linux's order (counting ones by target)
    Request* m_link_timeouts = nullptr;  ///< armed LINK_TIMEOUTs
    uint64_t m_posted = 0;            ///< CQEs posted (Linux's cached_cq_tail)
    uint64_t m_timeouts_fired = 0;    ///< of those, TIMEOUTs that ended (cq_timeouts): not counted
    uint64_t m_seqno = 0;             ///< requests accepted so far
};

}  // namespace uring
