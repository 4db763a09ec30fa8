/**
 * @file chapters/13-links/uring/engine.cpp
 * @brief The io_uring engine: setup rules, submission, completion, backlog.
 * (Chapter 11: FSYNC, OPENAT and STATX are opcodes too, with Linux's
 * prepare-time checks. Chapter 13: a request no longer completes where it
 * is issued: submit() hands each one to uring/chain.cpp, which starts it,
 * chains it or defers it, and enter() fires timers and waits with a
 * deadline; the new opcodes live in uring/timeout.cpp.)
 *
 * Shared memory is touched only through std::atomic_ref, so every access to
 * the user-visible ring is explicit about its ordering:
 *   - acquire on the user's SQ tail, then read the index array and SQEs;
 *   - release on our SQ head, after the SQEs have been copied out;
 *   - write a CQE, then release on our CQ tail;
 *   - acquire on the user's CQ head before reusing the slots behind it.
 * Each rule below that Linux has is marked with what Linux 6.18 was seen to do.
 *
 * (Chapter 10: the submission lock around submit(), the completion lock
 * around every post; see engine.h. The atomic_ref orderings above are for
 * the user, who takes no lock; the locks order the kernel's CPUs.)
 */
#include "uring/engine.h"

#include <atomic>
#include <bit>

#include "common/abi/linux.h"
#include "common/str.h"

namespace uring {

namespace {

using namespace abi::io_uring;
using abi::Errno;

uint32_t load_acquire(uint32_t& shared) {
    return std::atomic_ref<uint32_t>(shared).load(std::memory_order_acquire);
}
void store_release(uint32_t& shared, uint32_t value) {
    std::atomic_ref<uint32_t>(shared).store(value, std::memory_order_release);
}
uint32_t load_relaxed(uint32_t& shared) { return std::atomic_ref<uint32_t>(shared).load(std::memory_order_relaxed); }
void store_relaxed(uint32_t& shared, uint32_t value) {
    std::atomic_ref<uint32_t>(shared).store(value, std::memory_order_relaxed);
}

constexpr size_t align_up(size_t value, size_t alignment) { return (value + alignment - 1) & ~(alignment - 1); }

/// Is [addr, addr + len) inside user space? Linux's access_ok(): a kernel or
/// non-canonical address fails at prepare time with -EFAULT; an unmapped user
/// address passes here and faults when the executor copies.
bool user_range_ok(uint64_t addr, uint64_t len) { return addr <= abi::kTaskSize && len <= abi::kTaskSize - addr; }

/// IORING_FSYNC_DATASYNC: the one FSYNC flag.
constexpr uint32_t kFsyncDatasync = 1;

/// The checks Linux makes while preparing an SQE (io_init_req and each
/// opcode's prep). A failure completes the SQE and ends the batch.
Result<void> prepare_check(const Sqe& sqe) {
    if (!opcode_supported(sqe.opcode)) return Err(Errno::Inval);
    if (sqe.flags & ~kSupportedSqeFlags) return Err(Errno::Inval);  // BUFFER_SELECT, unknown bits
    if (sqe.personality != 0) return Err(Errno::Inval);             // no registered credentials
    if (sqe.ioprio != 0) return Err(Errno::Inval);                  // no I/O priorities
    switch (static_cast<Op>(sqe.opcode)) {
    case Op::Nop:
        if (sqe.rw_flags != 0) return Err(Errno::Inval);  // Linux 6.18: unknown nop_flags
        return {};
    case Op::Read:
    case Op::Write:
        if (sqe.pad2[0] != 0) return Err(Errno::Inval);
        if (!user_range_ok(sqe.addr, sqe.len)) return Err(Errno::Fault);
        return {};
    case Op::ReadFixed:
    case Op::WriteFixed:
        // The address is checked at issue, against the registered buffer
        // (Linux's io_import_fixed): a bad one fails there, -EFAULT, and
        // the batch goes on.
        if (sqe.pad2[0] != 0) return Err(Errno::Inval);
        return {};
    case Op::Readv:
    case Op::Writev:
        if (sqe.pad2[0] != 0) return Err(Errno::Inval);
        if (sqe.len > kMaxIovecs) return Err(Errno::Inval);
        if (!user_range_ok(sqe.addr, uint64_t{sqe.len} * sizeof(abi::IoVec))) return Err(Errno::Fault);
        return {};
    case Op::Close:
        // Linux's io_close_prep; file_index would close a registered file.
        if (sqe.off || sqe.addr || sqe.len || sqe.rw_flags || sqe.buf_index || sqe.file_index)
            return Err(Errno::Inval);
        if (sqe.flags & kSqeFixedFile) return Err(Errno::BadF);
        return {};
    case Op::Fsync:  // io_fsync_prep; off and len name a range, which a file in memory ignores
        if (sqe.addr || sqe.buf_index || sqe.splice_fd_in) return Err(Errno::Inval);
        if (sqe.fsync_flags & ~kFsyncDatasync) return Err(Errno::Inval);
        return {};
    case Op::Openat:  // io_openat_prep: the path is copied by the executor's prepare
        if (sqe.buf_index) return Err(Errno::Inval);
        if (sqe.flags & kSqeFixedFile) return Err(Errno::BadF);
        if (sqe.file_index) return Err(Errno::Inval);  // into a registered-file slot: not implemented
        return {};
    case Op::Statx:  // io_statx_prep
        if (sqe.buf_index || sqe.splice_fd_in) return Err(Errno::Inval);
        if (sqe.flags & kSqeFixedFile) return Err(Errno::BadF);
        return {};
    case Op::Timeout:  // the ring's own opcodes: Ring::prepare_timer/prepare_cancel check them
    case Op::LinkTimeout:
    case Op::TimeoutRemove:
    case Op::AsyncCancel:
        return {};
    default:
        return Err(Errno::Inval);
    }
}

/// Copy an SQE out of shared memory into @p copy, 8 bytes at a time
/// (Linux's READ_ONCE): from here on only the copy is used, so the user
/// cannot change it mid-way.
void copy_sqe(Sqe& copy, Sqe& shared) {
    auto* source = reinterpret_cast<uint64_t*>(&shared);
    auto* target = reinterpret_cast<uint64_t*>(&copy);
#pragma GCC unroll 8  // eight loads and eight stores, no loop: this runs for every SQE
    for (size_t i = 0; i < sizeof(Sqe) / sizeof(uint64_t); ++i)
        target[i] = std::atomic_ref<uint64_t>(source[i]).load(std::memory_order_relaxed);
}

}  // namespace

// ------------------------------------------------------------------ setup

Layout Layout::compute(uint32_t sq_entries, uint32_t cq_entries) {
    Layout l;
    l.sq_entries = sq_entries;
    l.cq_entries = cq_entries;
    l.sq_off.head = offsetof(RingHeader, sq_head);
    l.sq_off.tail = offsetof(RingHeader, sq_tail);
    l.sq_off.ring_mask = offsetof(RingHeader, sq_ring_mask);
    l.sq_off.ring_entries = offsetof(RingHeader, sq_ring_entries);
    l.sq_off.flags = offsetof(RingHeader, sq_flags);
    l.sq_off.dropped = offsetof(RingHeader, sq_dropped);
    l.cq_off.head = offsetof(RingHeader, cq_head);
    l.cq_off.tail = offsetof(RingHeader, cq_tail);
    l.cq_off.ring_mask = offsetof(RingHeader, cq_ring_mask);
    l.cq_off.ring_entries = offsetof(RingHeader, cq_ring_entries);
    l.cq_off.overflow = offsetof(RingHeader, cq_overflow);
    l.cq_off.flags = offsetof(RingHeader, cq_flags);
    l.cq_off.cqes = sizeof(RingHeader);
    const size_t array = align_up(sizeof(RingHeader) + size_t{cq_entries} * sizeof(Cqe), kRingAlign);
    l.sq_off.array = static_cast<uint32_t>(array);
    l.rings_bytes = array + size_t{sq_entries} * sizeof(uint32_t);
    l.sqes_bytes = size_t{sq_entries} * sizeof(Sqe);
    return l;
}

Result<void> setup(uint32_t entries, Params& params, Layout& layout, uint32_t supported) {
    for (uint32_t word : params.resv)
        if (word != 0) return Err(Errno::Inval);
    if (params.flags & ~supported) return Err(Errno::Inval);
    const bool clamp = params.flags & kSetupClamp;

    if (entries == 0) return Err(Errno::Inval);
    if (entries > kMaxEntries) {
        if (!clamp) return Err(Errno::Inval);
        entries = kMaxEntries;
    }
    const uint32_t sq_entries = std::bit_ceil(entries);

    uint32_t cq_entries = 2 * sq_entries;
    if (params.flags & kSetupCqSize) {
        // The caller's CQ size: rounded up too, and never smaller than the SQ.
        cq_entries = params.cq_entries;
        if (cq_entries == 0) return Err(Errno::Inval);
        if (cq_entries > kMaxCqEntries) {
            if (!clamp) return Err(Errno::Inval);
            cq_entries = kMaxCqEntries;
        }
        cq_entries = std::bit_ceil(cq_entries);
        if (cq_entries < sq_entries) return Err(Errno::Inval);
    }

    layout = Layout::compute(sq_entries, cq_entries);
    params.sq_entries = sq_entries;
    params.cq_entries = cq_entries;
    params.features = kFeatures;
    params.sq_off = layout.sq_off;
    params.cq_off = layout.cq_off;
    return {};
}

Result<MmapTarget> mmap_region(const Layout& layout, uint64_t offset, uint64_t length) {
    MmapTarget target;
    const uint64_t region = offset & kOffMmapMask;  // as Linux: the low bits do not matter
    if (region == kOffSqRing || region == kOffCqRing) {
        target = {Region::Rings, layout.rings_bytes};
    } else if (region == kOffSqes) {
        target = {Region::Sqes, layout.sqes_bytes};
    } else {
        return Err(Errno::Inval);
    }
    if (length == 0 || length > align_up(target.bytes, abi::kPageSize)) return Err(Errno::Inval);
    return target;
}

bool opcode_supported(uint8_t opcode) {
    switch (static_cast<Op>(opcode)) {
    case Op::Nop:
    case Op::Readv:
    case Op::Writev:
    case Op::Close:
    case Op::Read:
    case Op::Write:
    case Op::ReadFixed:
    case Op::WriteFixed:
    case Op::Fsync:
    case Op::Openat:
    case Op::Statx:
    case Op::Timeout:
    case Op::TimeoutRemove:
    case Op::AsyncCancel:
    case Op::LinkTimeout:
        return true;
    default:
        return false;
    }
}

Result<void> fill_probe(Probe* probe, uint32_t nr_args) {
    constexpr uint32_t kMaxProbeOps = 256;  // Linux: IORING_OP_LAST may never pass 256
    if (nr_args > kMaxProbeOps) return Err(Errno::Inval);
    const auto* bytes = reinterpret_cast<const uint8_t*>(probe);
    for (size_t i = 0; i < sizeof(Probe) + nr_args * sizeof(ProbeOp); ++i)
        if (bytes[i] != 0) return Err(Errno::Inval);
    const uint32_t known = static_cast<uint32_t>(Op::Last);
    const uint32_t count = nr_args < known ? nr_args : known;
    probe->last_op = static_cast<uint8_t>(known - 1);
    probe->ops_len = static_cast<uint8_t>(count);
    ProbeOp* ops = probe->ops();
    for (uint32_t i = 0; i < count; ++i) {
        ops[i].op = static_cast<uint8_t>(i);
        ops[i].flags = opcode_supported(static_cast<uint8_t>(i)) ? kOpSupported : 0;
    }
    return {};
}

// ------------------------------------------------------------------- ring

void Ring::init(const RingConfig& config) {
    m_layout = config.layout;
    mem::fill(config.rings, 0, m_layout.rings_bytes);
    mem::fill(config.sqes, 0, m_layout.sqes_bytes);
    auto* base = static_cast<uint8_t*>(config.rings);
    m_header = reinterpret_cast<RingHeader*>(base);
    m_cqes = reinterpret_cast<Cqe*>(base + m_layout.cq_off.cqes);
    m_sq_array = reinterpret_cast<uint32_t*>(base + m_layout.sq_off.array);
    m_sqes = static_cast<Sqe*>(config.sqes);
    m_setup_flags = config.setup_flags;
    m_executor = config.executor;
    m_submit_lock = config.submit_lock;

    m_sq_head = config.first_index;
    m_cq_tail.store(config.first_index, std::memory_order_relaxed);
    m_header->sq_head = m_header->sq_tail = config.first_index;
    m_header->cq_head = m_header->cq_tail = config.first_index;
    m_header->sq_ring_mask = m_layout.sq_entries - 1;
    m_header->cq_ring_mask = m_layout.cq_entries - 1;
    m_header->sq_ring_entries = m_layout.sq_entries;
    m_header->cq_ring_entries = m_layout.cq_entries;

    m_inflight = 0;
    m_backlog = config.storage.backlog;
    m_backlog_head = m_backlog_count = 0;
    m_cqes_lost = false;
    m_requests = config.storage.requests;
    m_free = m_freed = nullptr;
    m_clock = config.clock;
    m_link_head = m_link_last = m_deferred = m_deferred_tail = m_work = m_work_tail = nullptr;
    m_timeouts = m_link_timeouts = nullptr;
    m_deferred_requests = 0;
    m_drain_next = m_drain_active = m_drain_disabled = false;
    m_posted = m_timeouts_fired = m_seqno = 0;
    for (size_t i = m_requests.size(); i-- > 0;) {
        m_requests[i] = Request{};
        m_requests[i].ring = this;
        m_requests[i].pool_next = m_free;
        m_free = &m_requests[i];
    }
}

Result<void> Ring::check_enter_flags(uint32_t flags) {
    if (flags & ~kSupportedEnterFlags & ~kEnterRegisteredRing) return Err(Errno::Inval);
    return {};
}

uint32_t Ring::sq_queued() const { return load_acquire(m_header->sq_tail) - m_sq_head; }

uint32_t Ring::cq_ready() const {
    // The user's head may be garbage: more than cq_entries "ready" means full.
    const uint32_t used = m_cq_tail.load(std::memory_order_relaxed) - load_acquire(m_header->cq_head);
    return used > m_layout.cq_entries ? m_layout.cq_entries : used;
}

uint32_t Ring::cq_free() const { return m_layout.cq_entries - cq_ready(); }

uint32_t Ring::completion_room() const {
    // Slots a new request could complete into, after every Pending request
    // has taken the one it is owed. Flushing the backlog moves entries from
    // one side to the other, so it never changes this number.
    const uint32_t room = cq_free() + static_cast<uint32_t>(m_backlog.size()) - m_backlog_count;
    return room > m_inflight ? room - m_inflight : 0;
}

Result<void> Ring::can_submit() const {
    if (completion_room() == 0) return Err(Errno::Busy);
    if (!m_free && !m_freed) return Err(Errno::Again);
    return {};
}

void Ring::publish_cq_tail() {
    // Release: the CQE contents are visible before the tail that covers them.
    store_release(m_header->cq_tail, m_cq_tail.load(std::memory_order_relaxed));
}

void Ring::post(uint64_t user_data, int32_t res, uint32_t flags) {
    ++m_posted;  // what counting TIMEOUTs count, lost or not (Linux's cached_cq_tail)
    // Straight into the CQ only if nothing older waits in the backlog: Linux
    // 6.18 also queues behind the backlog even when the CQ has room again.
    // The user sees the CQE once the caller publishes the tail.
    if (m_backlog_count == 0 && cq_free() > 0) {
        const uint32_t tail = m_cq_tail.load(std::memory_order_relaxed);  // ours: we hold the lock
        m_cqes[tail & (m_layout.cq_entries - 1)] = Cqe{user_data, res, flags};
        m_cq_tail.store(tail + 1, std::memory_order_relaxed);
        return;
    }
    // A full backlog gives its oldest entries to the CQ's free slots first:
    // the order is kept, and completion_room()'s promise (CQ room plus
    // backlog room) holds. (Linux's backlog is a list with no limit.)
    if (m_backlog_count == m_backlog.size()) flush_locked();
    if (m_backlog_count < m_backlog.size()) {
        m_backlog[(m_backlog_head + m_backlog_count) % m_backlog.size()] = Cqe{user_data, res, flags};
        if (m_backlog_count++ == 0)
            std::atomic_ref<uint32_t>(m_header->sq_flags).fetch_or(kSqCqOverflow, std::memory_order_seq_cst);
        return;
    }
    // Only reachable if the room check was bypassed (an executor completing
    // twice, a user moving its CQ head backwards): count it as Linux does.
    store_relaxed(m_header->cq_overflow, load_relaxed(m_header->cq_overflow) + 1);
    m_cqes_lost = true;
}

uint32_t Ring::flush_backlog() {
    IrqLock locked(m_lock);
    return flush_locked();
}

uint32_t Ring::flush_locked() {
    uint32_t moved = 0;
    while (m_backlog_count > 0 && cq_free() > 0) {
        const uint32_t tail = m_cq_tail.load(std::memory_order_relaxed);
        m_cqes[tail & (m_layout.cq_entries - 1)] = m_backlog[m_backlog_head];
        m_cq_tail.store(tail + 1, std::memory_order_relaxed);
        m_backlog_head = static_cast<uint32_t>((m_backlog_head + 1) % m_backlog.size());
        --m_backlog_count;
        ++moved;
    }
    if (moved > 0) publish_cq_tail();
    if (moved > 0 && m_backlog_count == 0)
        std::atomic_ref<uint32_t>(m_header->sq_flags).fetch_and(~kSqCqOverflow, std::memory_order_seq_cst);
    return moved;
}

Request* Ring::alloc_request() {
    // The submitter's own list, which no completion touches: a lock only
    // when it runs dry, to take back every request given back meanwhile.
    if (!m_free) {
        IrqLock locked(m_lock);
        m_free = m_freed;
        m_freed = nullptr;
    }
    Request* request = m_free;
    if (!request) return nullptr;
    m_free = request->pool_next;
    request->pool_next = nullptr;
    request->link = nullptr;
    request->scratch[0] = request->scratch[1] = request->scratch[2] = 0;
    request->expected = -1;
    request->chain = request->next = request->partner = nullptr;
    request->deadline = kNever;
    request->target = 0;
    request->seqno = ++m_seqno;
    request->res = 0;
    request->marks = 0;
    request->state = Request::State::Issuing;
    return request;
}

void Ring::free_request(Request& request) {
    --m_inflight;  // an accepted request owes a CQE until it is freed
    request.state = Request::State::Free;
    request.pool_next = m_freed;
    m_freed = &request;
}

Result<void> Ring::prepare(Request& request) {
    Sqe& sqe = request.sqe;
    TRY(prepare_check(sqe));
    // Linux's io_init_req: once a ring has seen CQE_SKIP_SUCCESS, its CQE
    // count no longer tells when earlier requests are done, so DRAIN is
    // refused from then on. A DRAIN inside a chain drains the chain's head
    // and the chain after it (m_drain_next).
    if (sqe.flags & kSqeCqeSkipSuccess) m_drain_disabled = true;
    if (sqe.flags & kSqeIoDrain) {
        if (m_drain_disabled) return Err(Errno::OpNotSupp);
        if (m_link_head) {
            m_link_head->sqe.flags |= kSqeIoDrain;
            m_drain_next = true;
        }
    } else if (m_drain_next && !m_link_head) {
        m_drain_next = false;
        sqe.flags |= kSqeIoDrain;
    }
    switch (static_cast<Op>(sqe.opcode)) {
    case Op::Timeout: return prepare_timer(request, false);
    case Op::LinkTimeout: return prepare_timer(request, true);
    case Op::TimeoutRemove:
    case Op::AsyncCancel: return prepare_cancel(request);
    default: break;
    }
    if (m_executor) TRY(m_executor->prepare(request));
    // A read or write that does less than it asked for fails (a short read breaks a link).
    const auto op = static_cast<Op>(sqe.opcode);
    if (op == Op::Read || op == Op::Write || op == Op::ReadFixed || op == Op::WriteFixed)
        request.expected = sqe.len;
    return {};
}

Result<uint32_t> Ring::submit(uint32_t to_submit, bool flush_first) {
    if (!m_submit_lock) return submit_locked(to_submit, flush_first);
    m_submit_lock->lock();
    const Result<uint32_t> submitted = submit_locked(to_submit, flush_first);
    m_submit_lock->unlock();
    return submitted;
}

Result<uint32_t> Ring::submit_locked(uint32_t to_submit, bool flush_first) {
    const uint32_t sq_mask = m_layout.sq_entries - 1;
    // Acquire: the SQEs and index array entries before the user's tail are complete.
    uint32_t queued = sq_queued();
    if (queued > m_layout.sq_entries) queued = m_layout.sq_entries;  // a garbage tail
    const uint32_t wanted = to_submit < queued ? to_submit : queued;

    uint32_t submitted = 0;
    Result<void> stopped;
    // Each SQE taken uses one slot of room, whether it completes now or
    // later. Only a submitter uses room up, and there is one at a time: a
    // completion on another CPU moves a slot from in flight to the CQ, and
    // the user reaping makes more, so the count taken here can only be low.
    uint32_t room;
    {
        IrqLock locked(m_lock);
        if (flush_first) flush_locked();  // in the same hold: a lock costs more than a flush
        room = completion_room();
    }
    for (; submitted < wanted; --room) {
        if (room == 0) {
            stopped = Err(Errno::Busy);  // no place left for another CQE: never drop one
            break;
        }
        Request* request = alloc_request();
        if (!request) {
            stopped = Err(Errno::Again);  // every request is in flight
            break;
        }
        const uint32_t index =
            std::atomic_ref<uint32_t>(m_sq_array[m_sq_head & sq_mask]).load(std::memory_order_relaxed);
        ++m_sq_head;
        if (index >= m_layout.sq_entries) {
            // Linux: count it in sq_dropped (a read-modify-write of the shared
            // counter), consume the slot, and end the batch without counting it.
            store_relaxed(m_header->sq_dropped, load_relaxed(m_header->sq_dropped) + 1);
            request->state = Request::State::Free;  // never accepted: back to the submitter's own list
            request->pool_next = m_free;
            m_free = request;
            break;
        }
        copy_sqe(request->sqe, m_sqes[index]);
        ++submitted;
        // Prepared without the completion lock (it copies user memory);
        // accepted under it: from here it owes a CQE, and another CPU's
        // completion may look at the chains and the count. Nothing starts
        // yet: queue() puts a chain's head in the task-work queue, in order.
        // A prepare error ends the batch once the chain it is in is complete.
        const Result<void> prepared = prepare(*request);
        bool stop;
        {
            IrqLock locked(m_lock);
            ++m_inflight;
            stop = add_to_chain(*request, prepared);
        }
        if (stop && !(m_setup_flags & kSetupSubmitAll)) break;
    }
    // A chain still open when the batch ends runs as it is (Linux's io_submit_state_end).
    if (Request* head = m_link_head) {
        m_link_head = m_link_last = nullptr;
        IrqLock locked(m_lock);
        queue(*head);
    }
    run_task_work();  // still under the submission lock: issue() may sleep
    // Release: our copies are taken, so the user may now reuse those slots;
    // and the CQEs posted meanwhile become visible, all at once.
    store_release(m_header->sq_head, m_sq_head);
    {
        IrqLock locked(m_lock);
        publish_cq_tail();
        // Another thread of the program may be waiting in io_uring_enter for
        // the CQEs this batch posted: wake it, as a completion would.
        if (submitted > 0 && m_executor) m_executor->completion_posted();
    }
    if (submitted == 0 && !stopped) return Err(stopped.error());
    return submitted;
}

Result<uint32_t> Ring::enter(uint32_t to_submit, uint32_t min_complete, uint32_t flags, Waiter* waiter,
                             uint64_t deadline) {
    TRY(check_enter_flags(flags));
    expire_timers();  // and the task work a completion on another CPU left
    uint32_t submitted = 0;
    if (to_submit > 0) {
        // With GETEVENTS, room the user made is put to use before the room check.
        submitted = TRY(submit(to_submit, flags & kEnterGetEvents));
        // Linux: a short submission returns at once, even with GETEVENTS.
        if (submitted != to_submit) return submitted;
    }
    if (!(flags & kEnterGetEvents)) return submitted;

    const uint32_t wanted = min_complete < m_layout.cq_entries ? min_complete : m_layout.cq_entries;
    Result<void> waited;
    for (;;) {
        bool lost;
        {
            IrqLock locked(m_lock);
            flush_locked();
            lost = m_cqes_lost;
            m_cqes_lost = false;  // reported once, as Linux clears its DROPPED bit
        }
        if (lost) {
            waited = Err(Errno::BadR);
            break;
        }
        if (cq_ready() >= wanted) break;
        if (deadline != kNever && m_clock && m_clock->monotonic_ns() >= deadline) {
            waited = Err(Errno::Time);  // IORING_ENTER_EXT_ARG's timeout
            break;
        }
        const uint64_t timer = next_deadline();
        waited = waiter ? waiter->wait(*this, wanted, timer < deadline ? timer : deadline) : Err(Errno::Again);
        if (!waited) break;
        expire_timers();
    }
    // Linux: a wait error is reported only if nothing was submitted.
    if (!waited && submitted == 0) return Err(waited.error());
    return submitted;
}

bool Ring::complete(Request& request, int32_t res, uint32_t cqe_flags) {
    if (request.ring != this) return false;
    IrqLock locked(m_lock);
    if (request.state != Request::State::Pending) return false;
    request.state = Request::State::Issuing;
    finish(request, res, cqe_flags);
    // What this completion lets go is queued now, as task work, and not
    // left for the next run of the queue to find: a drained chain it was
    // the last to hold back, a counting TIMEOUT it brings to its count
    // (Linux does both as it commits a completion). A waiter on another
    // CPU may have looked at the ring just before this completion, and
    // count its wake-ups only just after it: then it sleeps unless its
    // condition sees something - a CQE, or task work (has_task_work()).
    // Found nowhere else, a drain that could start did not, and the
    // waiter slept for good (fuzz-uring, on two CPUs).
    start_deferred();
    if (!m_work) fire_counted_timeouts();  // in run_task_work's order: after what is queued
    publish_cq_tail();
    // Waiters wake even if no CQE was posted (a success that skips it):
    // the next request of its chain waits in the task-work queue, which
    // only a submitter or a waiter may run, as starting it may sleep.
    if (m_executor) m_executor->completion_posted();  // under the lock: see cancel_all()
    return true;
}

bool Ring::pending(const Request& request) {
    IrqLock locked(m_lock);
    return request.state == Request::State::Pending;
}

void Ring::cancel_all() {
    // Nobody submits any more (the ring is being released), but a pipe
    // write on another CPU may be completing a parked request right now:
    // the executor then answers false and the completion is left to it.
    // First every chain is cut and every list emptied, in one hold of the
    // lock: such a completion then ends its own request and touches no other.
    {
        IrqLock locked(m_lock);
        for (Request& request : m_requests) request.chain = request.partner = nullptr;
        m_link_head = m_link_last = m_deferred = m_deferred_tail = m_work = m_work_tail = nullptr;
        m_timeouts = m_link_timeouts = nullptr;
        m_deferred_requests = 0;
        m_drain_active = false;
    }
    for (Request& request : m_requests) {
        {
            // Not Pending (linked, deferred, queued, a timer): no other CPU can reach it.
            IrqLock locked(m_lock);
            if (request.state == Request::State::Free) continue;
            if (request.state != Request::State::Pending) {
                free_request(request);
                continue;
            }
        }
        if (m_executor && !m_executor->cancel(request)) continue;
        IrqLock locked(m_lock);
        if (request.state == Request::State::Pending) free_request(request);
    }
    // Such a complete() may still hold the lock, waking waiters in the
    // ring's memory: once this CPU has held it, none does.
    IrqLock fence(m_lock);
}

}  // namespace uring
