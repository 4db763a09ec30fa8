/**
 * @file chapters/04-user/proc/user_iter.h
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
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/abi/linux.h"
#include "common/result.h"

/// The buffers of one transfer, and how far it has got through them.
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

    static constexpr uint32_t kInline = 8;  // arrays this small need no heap (Linux's UIO_FASTIOV)
    abi::IoVec m_inline[kInline];
    abi::IoVec* m_vec = m_inline;
    uint32_t m_count = 0;      // iovecs
    uint32_t m_index = 0;      // the one being copied
    uint64_t m_offset = 0;     // bytes of it done
    uint64_t m_remaining = 0;  // bytes left, all iovecs together
};
