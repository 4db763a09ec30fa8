/**
 * @file user/runtime/uring.h
 * @brief iou: a small io_uring library for user programs, in the spirit of liburing.
 *
 * A program sets up a Ring, takes free SQEs with get_sqe(), fills each with a
 * prep_*() function, hands them to the kernel with submit() or
 * submit_and_wait(), and reads results with peek_cqe()/wait_cqe(), marking
 * each one consumed with cqe_seen().
 *
 * The rings are memory shared with the kernel. Two rules keep both sides
 * consistent, and every access to a shared index below follows them:
 *   - a producer fills entries first, then publishes the new tail with a
 *     release store; the consumer reads the tail with an acquire load before
 *     it reads the entries (we produce SQEs, the kernel produces CQEs);
 *   - a consumer releases the head only after it is done with the entries,
 *     so the producer never overwrites an entry still being read.
 * A Ring is used by one thread at a time.
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/abi/io_uring.h"
#include "common/abi/linux.h"
#include "runtime/syscall.h"

namespace iou {

/// io_uring_setup's argument (struct io_uring_params).
using Params = abi::io_uring::Params;
/// A submission queue entry (struct io_uring_sqe).
using Sqe = abi::io_uring::Sqe;
/// A completion queue entry (struct io_uring_cqe).
using Cqe = abi::io_uring::Cqe;
/// Request opcodes (IORING_OP_*).
using Op = abi::io_uring::Op;

/// The io_uring system calls, returning a result or a negated errno. Kept in
/// their own namespace so they never clash with runtime/syscall.h's sys::,
/// which has the others this library uses (mmap, close, pipe2...).
namespace raw {
/// io_uring_setup(2): create a ring of @p entries SQEs; returns the ring fd.
inline long io_uring_setup(uint32_t entries, Params* params) {
    return raw_syscall(abi::Sys::IoUringSetup, static_cast<long>(entries), reinterpret_cast<long>(params));
}
/// io_uring_enter(2): submit @p to_submit SQEs and/or wait for @p min_complete CQEs.
inline long io_uring_enter(int fd, uint32_t to_submit, uint32_t min_complete, uint32_t flags,
                           const void* arg = nullptr, size_t arg_size = 0) {
    return raw_syscall(abi::Sys::IoUringEnter, fd, static_cast<long>(to_submit), static_cast<long>(min_complete),
                       static_cast<long>(flags), reinterpret_cast<long>(arg), static_cast<long>(arg_size));
}
/// io_uring_register(2): register resources or query the ring (@p opcode is a RegisterOp).
inline long io_uring_register(int fd, abi::io_uring::RegisterOp opcode, void* arg, uint32_t nr_args) {
    return raw_syscall(abi::Sys::IoUringRegister, fd, static_cast<long>(opcode), reinterpret_cast<long>(arg),
                       static_cast<long>(nr_args));
}
}  // namespace raw

/// Acquire load of a shared ring index: see what the other side wrote before it.
inline uint32_t load_acquire(const uint32_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
/// Release store of a shared ring index: publish what we wrote before it.
inline void store_release(uint32_t* p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

/// The user's side of one io_uring instance: its fd and its three mappings.
class Ring {
public:
    Ring() = default;
    Ring(const Ring&) = delete;
    Ring& operator=(const Ring&) = delete;

    /// Create a ring of @p entries SQEs with setup @p flags (and @p cq_entries if
    /// flags has kSetupCqSize), and map it. Returns 0 or a negated errno.
    long init(uint32_t entries, uint32_t flags = 0, uint32_t cq_entries = 0);
    /// As above with a caller-filled Params (kept: see params()).
    long init(uint32_t entries, const Params& params);
    /// Unmap the rings and close the fd. Safe to call twice.
    void exit();
    /// Unmap only; the caller closes fd() itself (to see what close does).
    void unmap();

    /// The next free SQE, zeroed, or nullptr if the SQ is full of unsubmitted entries.
    Sqe* get_sqe();
    /// Publish the SQEs taken since the last call (index array, then the tail).
    /// Returns how many SQEs are now waiting for the kernel.
    uint32_t flush_sq();
    /// flush_sq() and io_uring_enter: returns how many the kernel took, or -errno.
    /// With kSetupSqPoll the kernel's thread takes them: io_uring_enter is
    /// called only if that thread sleeps (IORING_SQ_NEED_WAKEUP) or to wait.
    long submit();
    /// submit(), and wait until at least @p wait_nr CQEs are ready.
    long submit_and_wait(uint32_t wait_nr);
    /// The oldest unseen CQE in @p out (0), or -EAGAIN if there is none. Flushes
    /// the kernel's overflow backlog first when the SQ flags say there is one.
    long peek_cqe(Cqe** out);
    /// Like peek_cqe but waits for one; returns 0 or -errno from io_uring_enter.
    long wait_cqe(Cqe** out);
    /// Mark @p cqe consumed (it must be the oldest unseen one).
    void cqe_seen(Cqe* cqe) {
        (void)cqe;
        cq_advance(1);
    }
    /// Mark the @p n oldest CQEs consumed.
    void cq_advance(uint32_t n);
    /// CQEs posted and not yet seen.
    [[nodiscard]] uint32_t cq_ready() const;
    /// SQEs published to the kernel and not yet consumed by it.
    [[nodiscard]] uint32_t sq_pending() const;
    /// Free SQEs that get_sqe() can still hand out.
    [[nodiscard]] uint32_t sq_space_left() const;

    /// The ring fd (-1 before init).
    [[nodiscard]] int fd() const { return m_fd; }
    /// What io_uring_setup returned: sizes, features and offsets.
    [[nodiscard]] const Params& params() const { return m_params; }
    /// True if one mapping serves both rings (kFeatSingleMmap was used).
    [[nodiscard]] bool single_mmap() const { return m_sq_ring == m_cq_ring; }

    // Direct views of the shared memory, for tests and teaching.

    /// SQ head: the kernel's count of SQEs consumed.
    uint32_t* sq_head() const { return field(m_sq_ring, m_params.sq_off.head); }
    /// SQ tail: our count of SQEs published.
    uint32_t* sq_tail() const { return field(m_sq_ring, m_params.sq_off.tail); }
    /// SQ flags (kSqCqOverflow...), written by the kernel.
    uint32_t* sq_flags() const { return field(m_sq_ring, m_params.sq_off.flags); }
    /// SQ entries the kernel skipped because their index was out of range.
    uint32_t* sq_dropped() const { return field(m_sq_ring, m_params.sq_off.dropped); }
    /// The SQ index array: ring slot -> SQE number.
    uint32_t* sq_array() const { return field(m_sq_ring, m_params.sq_off.array); }
    /// CQ head: our count of CQEs consumed.
    uint32_t* cq_head() const { return field(m_cq_ring, m_params.cq_off.head); }
    /// CQ tail: the kernel's count of CQEs posted.
    uint32_t* cq_tail() const { return field(m_cq_ring, m_params.cq_off.tail); }
    /// Completions the kernel could not keep at all.
    uint32_t* cq_overflow() const { return field(m_cq_ring, m_params.cq_off.overflow); }
    /// The CQE array.
    Cqe* cqes() const { return reinterpret_cast<Cqe*>(m_cq_ring + m_params.cq_off.cqes); }
    /// The SQE array.
    Sqe* sqes() const { return m_sqes; }

private:
    static uint32_t* field(uint8_t* base, uint32_t offset) { return reinterpret_cast<uint32_t*>(base + offset); }
    long map_rings();

    int m_fd = -1;
    Params m_params{};
    uint8_t* m_sq_ring = nullptr;  ///< mapping at kOffSqRing
    uint8_t* m_cq_ring = nullptr;  ///< mapping at kOffCqRing, or m_sq_ring (single mmap)
    Sqe* m_sqes = nullptr;         ///< mapping at kOffSqes
    size_t m_sq_ring_size = 0;
    size_t m_cq_ring_size = 0;
    size_t m_sqes_size = 0;
    uint32_t m_sqe_head = 0;  ///< first SQE taken but not yet published
    uint32_t m_sqe_tail = 0;  ///< one past the last SQE handed out by get_sqe
};

// Preparing an SQE: each sets every field it uses; get_sqe zeroes the rest.

/// Fill the fields every opcode shares: opcode, fd, addr, len, off.
inline void prep_rw(Sqe* sqe, Op op, int fd, uint64_t addr, uint32_t len, uint64_t off) {
    sqe->opcode = static_cast<uint8_t>(op);
    sqe->fd = fd;
    sqe->addr = addr;
    sqe->len = len;
    sqe->off = off;
}
/// A request that does nothing and completes with 0.
inline void prep_nop(Sqe* sqe) { prep_rw(sqe, Op::Nop, -1, 0, 0, 0); }
/// read(fd, buf, n) at @p off (-1: the current position; pipes ignore it).
inline void prep_read(Sqe* sqe, int fd, void* buf, uint32_t n, uint64_t off = ~0ull) {
    prep_rw(sqe, Op::Read, fd, reinterpret_cast<uint64_t>(buf), n, off);
}
/// write(fd, buf, n) at @p off (-1: the current position; pipes ignore it).
inline void prep_write(Sqe* sqe, int fd, const void* buf, uint32_t n, uint64_t off = ~0ull) {
    prep_rw(sqe, Op::Write, fd, reinterpret_cast<uint64_t>(buf), n, off);
}
/// readv(fd, iov, count); @p iov must stay valid until the request completes.
inline void prep_readv(Sqe* sqe, int fd, const abi::IoVec* iov, uint32_t count, uint64_t off = ~0ull) {
    prep_rw(sqe, Op::Readv, fd, reinterpret_cast<uint64_t>(iov), count, off);
}
/// writev(fd, iov, count); @p iov must stay valid until the request completes.
inline void prep_writev(Sqe* sqe, int fd, const abi::IoVec* iov, uint32_t count, uint64_t off = ~0ull) {
    prep_rw(sqe, Op::Writev, fd, reinterpret_cast<uint64_t>(iov), count, off);
}
/// close(fd).
inline void prep_close(Sqe* sqe, int fd) { prep_rw(sqe, Op::Close, fd, 0, 0, 0); }
/// read(fd, buf, n) into registered buffer @p index, which must hold [buf, buf + n).
inline void prep_read_fixed(Sqe* sqe, int fd, void* buf, uint32_t n, uint16_t index, uint64_t off = ~0ull) {
    prep_rw(sqe, Op::ReadFixed, fd, reinterpret_cast<uint64_t>(buf), n, off);
    sqe->buf_index = index;
}
/// write(fd, buf, n) from registered buffer @p index, which must hold [buf, buf + n).
inline void prep_write_fixed(Sqe* sqe, int fd, const void* buf, uint32_t n, uint16_t index, uint64_t off = ~0ull) {
    prep_rw(sqe, Op::WriteFixed, fd, reinterpret_cast<uint64_t>(buf), n, off);
    sqe->buf_index = index;
}
/// With IOSQE_FIXED_FILE, the SQE's fd is an index into the registered files.
inline void sqe_fixed_file(Sqe* sqe) { sqe->flags |= abi::io_uring::kSqeFixedFile; }
/// Attach @p data: it comes back unchanged in the request's CQE.
inline void sqe_set_data(Sqe* sqe, uint64_t data) { sqe->user_data = data; }

/// Does the kernel implement opcode @p op? Asks with IORING_REGISTER_PROBE;
/// returns 1 (yes), 0 (no) or a negated errno.
long probe_supported(int ring_fd, Op op);

}  // namespace iou
