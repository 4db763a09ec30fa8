/**
 * @file user/runtime/uring.cpp
 * @brief iou::Ring: setting up, mapping and driving an io_uring from user space.
 *
 * The kernel's io_uring_setup fills Params with the ring sizes and with the
 * byte offset of every shared field; nothing about the layout is assumed
 * here beyond what those offsets say. Ownership of the shared indices:
 * we write the SQ tail and the CQ head, the kernel writes the SQ head and
 * the CQ tail; each side only reads the other's.
 */
#include "runtime/uring.h"

namespace iou {

namespace {

using namespace abi::io_uring;

/// mmap returns an address or, in its top 4095 values, a negated errno.
bool mmap_failed(long r) { return r < 0 && r >= -4095; }

}  // namespace

long Ring::init(uint32_t entries, uint32_t flags, uint32_t cq_entries) {
    Params params{};
    params.flags = flags;
    params.cq_entries = cq_entries;
    return init(entries, params);
}

long Ring::init(uint32_t entries, const Params& params) {
    exit();
    m_params = params;
    const long fd = raw::io_uring_setup(entries, &m_params);
    if (fd < 0) return fd;
    m_fd = static_cast<int>(fd);
    if (const long r = map_rings(); r < 0) {
        exit();
        return r;
    }
    // A fresh ring starts at index 0, but nothing requires it: start where the kernel is.
    m_sqe_head = m_sqe_tail = *sq_tail();
    return 0;
}

long Ring::map_rings() {
    const int prot = abi::prot::Read | abi::prot::Write;
    const int flags = abi::map::Shared | abi::map::Populate;
    m_sq_ring_size = m_params.sq_off.array + m_params.sq_entries * sizeof(uint32_t);
    m_cq_ring_size = m_params.cq_off.cqes + m_params.cq_entries * sizeof(Cqe);
    m_sqes_size = m_params.sq_entries * sizeof(Sqe);

    const bool single = (m_params.features & kFeatSingleMmap) != 0;
    if (single) {
        // One region holds both rings: map the larger of the two extents once.
        if (m_cq_ring_size > m_sq_ring_size) m_sq_ring_size = m_cq_ring_size;
        m_cq_ring_size = m_sq_ring_size;
    }
    long r = sys::mmap(nullptr, m_sq_ring_size, prot, flags, m_fd, static_cast<long>(kOffSqRing));
    if (mmap_failed(r)) return r;
    m_sq_ring = reinterpret_cast<uint8_t*>(r);
    if (single) {
        m_cq_ring = m_sq_ring;
    } else {
        r = sys::mmap(nullptr, m_cq_ring_size, prot, flags, m_fd, static_cast<long>(kOffCqRing));
        if (mmap_failed(r)) return r;
        m_cq_ring = reinterpret_cast<uint8_t*>(r);
    }
    r = sys::mmap(nullptr, m_sqes_size, prot, flags, m_fd, static_cast<long>(kOffSqes));
    if (mmap_failed(r)) return r;
    m_sqes = reinterpret_cast<Sqe*>(r);
    return 0;
}

void Ring::unmap() {
    if (m_sqes) sys::munmap(m_sqes, m_sqes_size);
    if (m_cq_ring && m_cq_ring != m_sq_ring) sys::munmap(m_cq_ring, m_cq_ring_size);
    if (m_sq_ring) sys::munmap(m_sq_ring, m_sq_ring_size);
    m_sqes = nullptr;
    m_sq_ring = m_cq_ring = nullptr;
}

void Ring::exit() {
    unmap();
    if (m_fd >= 0) sys::close(m_fd);
    m_fd = -1;
}

Sqe* Ring::get_sqe() {
    // The kernel frees SQ slots by advancing the head: acquire, so its reads
    // of a slot are finished before we write a new request into it.
    const uint32_t head = load_acquire(sq_head());
    if (m_sqe_tail - head >= m_params.sq_entries) return nullptr;
    Sqe* sqe = &m_sqes[m_sqe_tail & (m_params.sq_entries - 1)];
    ++m_sqe_tail;
    *sqe = Sqe{};
    return sqe;
}

uint32_t Ring::flush_sq() {
    const uint32_t mask = m_params.sq_entries - 1;
    uint32_t* array = sq_array();
    // Slot i of the ring names SQE i: the identity map, as liburing does.
    for (; m_sqe_head != m_sqe_tail; ++m_sqe_head) array[m_sqe_head & mask] = m_sqe_head & mask;
    // Release: the SQEs and the index array are written before the kernel can see the tail.
    store_release(sq_tail(), m_sqe_head);
    return m_sqe_head - load_acquire(sq_head());
}

long Ring::submit() { return submit_and_wait(0); }

long Ring::submit_and_wait(uint32_t wait_nr) {
    const uint32_t pending = flush_sq();
    uint32_t flags = 0;
    // Waiting needs GETEVENTS; so does moving a completion backlog into the CQ.
    if (wait_nr > 0 || (__atomic_load_n(sq_flags(), __ATOMIC_RELAXED) & kSqCqOverflow)) flags |= kEnterGetEvents;
    if (m_params.flags & kSetupSqPoll) {
        // The kernel's thread takes the SQEs: a system call only to wake it
        // or to wait. The full barrier pairs with the thread's own: it sets
        // NEED_WAKEUP, then reads our tail; we stored the tail (flush_sq),
        // now read its flag. Without both, each could miss the other's store.
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (__atomic_load_n(sq_flags(), __ATOMIC_RELAXED) & kSqNeedWakeup) flags |= kEnterSqWakeup;
        if (flags == 0) return pending;  // the thread is awake: nothing to ask the kernel
    }
    return raw::io_uring_enter(m_fd, pending, wait_nr, flags);
}

uint32_t Ring::cq_ready() const {
    // Acquire on the kernel's tail: the CQEs before it are fully written.
    return load_acquire(cq_tail()) - *cq_head();
}

uint32_t Ring::sq_pending() const { return *sq_tail() - load_acquire(sq_head()); }

uint32_t Ring::sq_space_left() const { return m_params.sq_entries - (m_sqe_tail - load_acquire(sq_head())); }

long Ring::peek_cqe(Cqe** out) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        const uint32_t head = *cq_head();
        if (head != load_acquire(cq_tail())) {
            *out = &cqes()[head & (m_params.cq_entries - 1)];
            return 0;
        }
        // An empty CQ with a backlog in the kernel: ask it to move the backlog in.
        if (attempt > 0 || !(__atomic_load_n(sq_flags(), __ATOMIC_RELAXED) & kSqCqOverflow)) break;
        const long r = raw::io_uring_enter(m_fd, 0, 0, kEnterGetEvents);
        if (r < 0) return r;
    }
    *out = nullptr;
    return -abi::Errno::Again;
}

long Ring::wait_cqe(Cqe** out) {
    for (;;) {
        if (peek_cqe(out) == 0) return 0;
        const long r = raw::io_uring_enter(m_fd, 0, 1, kEnterGetEvents);
        if (r < 0) return r;
    }
}

void Ring::cq_advance(uint32_t n) {
    // Release: our reads of those CQEs are done before the kernel may reuse the slots.
    store_release(cq_head(), *cq_head() + n);
}

long probe_supported(int ring_fd, Op op) {
    constexpr uint32_t kOps = 256;
    struct {
        Probe header;
        ProbeOp ops[kOps];
    } probe{};
    const long r = raw::io_uring_register(ring_fd, RegisterOp::RegisterProbe, &probe, kOps);
    if (r < 0) return r;
    const auto index = static_cast<uint32_t>(op);
    if (index >= probe.header.ops_len) return 0;
    return (probe.ops[index].flags & kOpSupported) ? 1 : 0;
}

}  // namespace iou
