/**
 * @file chapters/09-fixed/proc/user_iter.h
 * @brief UserIter: the user buffers of one read or write - one buffer, or
 * readv/writev's iovec array - walked in order, as Linux's iov_iter.
 *
 * A file's read and write take a UserIter, so one piece of code serves
 * read(), readv() and io_uring's READ and READV alike. Making one checks
 * what Linux checks before any byte moves: every buffer lies in user
 * space (Errno::Fault), no length is negative (Errno::Inval), and the
 * total is capped at MAX_RW_COUNT. Whether the pages are there is found
 * out while copying: copy_in/copy_out stop at a fault and say how far they
 * got, and the caller decides what that means (Linux's pipes keep nothing
 * of a chunk that faulted, for instance).
 *
 * Chapter 09 adds a second kind of UserIter: a piece of a registered
 * io_uring buffer (uring/registered.h), Linux's ITER_BVEC. Its pages were
 * checked and pinned when the buffer was registered, so there is nothing
 * left to check, and the copies go through the kernel's direct map of
 * those frames: they cannot fault, even if the program has unmapped the
 * pages since. Files do not see the difference.
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/abi/linux.h"
#include "common/result.h"
#include "mm/address.h"

/// The buffers of one transfer, and how far it has got through them: the
/// program's iovecs, or a piece of a registered buffer (chapter 09).
class UserIter {
public:
    /// Linux's MAX_RW_COUNT: one call moves at most this many bytes.
    static constexpr uint64_t kMaxRwCount = 0x7ffff000;
    /// Linux's UIO_MAXIOV: the most iovecs one call takes.
    static constexpr uint32_t kMaxIovecs = 1024;

    /// The buffer [buf, buf + len): Errno::Fault unless it lies in user space.
    static Result<UserIter> buffer(uint64_t buf, uint64_t len);
    /// The @p count iovecs at user address @p iov (Linux's import_iovec):
    /// Errno::Inval for more than kMaxIovecs or a negative length,
    /// Errno::Fault if the array or a buffer is not in user space,
    /// Errno::NoMem if a long array finds no memory.
    static Result<UserIter> iovecs(uint64_t iov, uint32_t count);
    /// Bytes [offset, offset + len) of the pinned frames @p frames, one per
    /// page, counted from the start of frames[0] (a registered buffer's:
    /// already checked, so this cannot fail). The frames must stay pinned
    /// until the transfer is over.
    static UserIter pinned(const PhysAddr* frames, uint64_t offset, uint64_t len);

    /// Take over @p other's iovecs (a Result carries a UserIter by moving it).
    UserIter(UserIter&& other);
    UserIter(const UserIter&) = delete;
    UserIter& operator=(const UserIter&) = delete;
    ~UserIter();

    /// Bytes left to transfer.
    [[nodiscard]] uint64_t remaining() const { return m_remaining; }
    /// Copy up to @p n bytes from the user buffers to @p dst and move on.
    /// Returns how many: fewer than asked at the end, or if a fault stopped
    /// it (then the rest of that buffer's piece is not counted).
    size_t copy_in(void* dst, size_t n);
    /// Copy up to @p n bytes from @p src to the user buffers and move on.
    size_t copy_out(const void* src, size_t n);

private:
    UserIter() = default;
    size_t copy(void* kernel, size_t n, bool to_user);
    size_t copy_pinned(void* kernel, size_t n, bool to_user);

    static constexpr uint32_t kInline = 8;  // arrays this small need no heap (Linux's UIO_FASTIOV)
    abi::IoVec m_inline[kInline];
    abi::IoVec* m_vec = m_inline;
    uint32_t m_count = 0;      // iovecs
    uint32_t m_index = 0;      // the one being copied
    uint64_t m_offset = 0;     // bytes of it done; pinned: bytes from the start of m_frames[0]
    const PhysAddr* m_frames = nullptr;  // a registered buffer's pinned pages, or nullptr: iovecs
    uint64_t m_remaining = 0;  // bytes left, all iovecs together
};
