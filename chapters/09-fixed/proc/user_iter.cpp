/**
 * @file chapters/09-fixed/proc/user_iter.cpp
 * @brief Building a UserIter (the checks of Linux's import_iovec) and
 * copying through it, an iovec at a time, by the fault-recovering copies;
 * or (chapter 09) a page at a time through the direct map, for a
 * registered buffer's pinned pages.
 */
#include "proc/user_iter.h"

#include "common/str.h"
#include "kernel/heap.h"
#include "proc/uaccess.h"

Result<UserIter> UserIter::buffer(uint64_t buf, uint64_t len) {
    TRY(check_user_range(buf, len));
    UserIter it;
    it.m_inline[0] = {buf, len < kMaxRwCount ? len : kMaxRwCount};
    it.m_count = 1;
    it.m_remaining = it.m_inline[0].len;
    return it;
}

Result<UserIter> UserIter::iovecs(uint64_t iov, uint32_t count) {
    if (count > kMaxIovecs) return Err(abi::Errno::Inval);
    UserIter it;
    if (count > kInline) {
        it.m_vec = static_cast<abi::IoVec*>(heap_allocate(count * sizeof(abi::IoVec), alignof(abi::IoVec)));
        if (!it.m_vec) return Err(abi::Errno::NoMem);  // the destructor frees nothing: heap_free(nullptr)
    }
    it.m_count = count;
    TRY(copy_from_user(it.m_vec, iov, count * sizeof(abi::IoVec)));
    for (uint32_t i = 0; i < count; ++i) {
        abi::IoVec& v = it.m_vec[i];
        if (static_cast<int64_t>(v.len) < 0) return Err(abi::Errno::Inval);
        TRY(check_user_range(v.base, v.len));
        if (v.len > kMaxRwCount - it.m_remaining) v.len = kMaxRwCount - it.m_remaining;  // the cap
        it.m_remaining += v.len;
    }
    return it;
}

UserIter UserIter::pinned(const PhysAddr* frames, uint64_t offset, uint64_t len) {
    UserIter it;
    it.m_frames = frames;
    it.m_offset = offset;
    it.m_remaining = len;
    return it;
}

UserIter::UserIter(UserIter&& other)
    : m_count(other.m_count), m_index(other.m_index), m_offset(other.m_offset), m_frames(other.m_frames),
      m_remaining(other.m_remaining) {
    if (other.m_vec == other.m_inline) {
        mem::copy(m_inline, other.m_inline, m_count * sizeof(abi::IoVec));  // only the ones in use
    } else {
        m_vec = other.m_vec;
        other.m_vec = other.m_inline;  // the heap array is ours now
    }
    other.m_count = 0;
    other.m_remaining = 0;
}

UserIter::~UserIter() {
    if (m_vec != m_inline) heap_free(m_vec);
}

size_t UserIter::copy_in(void* dst, size_t n) { return m_frames ? copy_pinned(dst, n, false) : copy(dst, n, false); }

size_t UserIter::copy_out(const void* src, size_t n) {
    void* kernel = const_cast<void*>(src);
    return m_frames ? copy_pinned(kernel, n, true) : copy(kernel, n, true);
}

size_t UserIter::copy(void* kernel, size_t n, bool to_user) {
    auto* at = static_cast<uint8_t*>(kernel);
    size_t done = 0;
    while (done < n && m_remaining > 0) {
        const abi::IoVec& v = m_vec[m_index];
        const uint64_t piece = v.len - m_offset < n - done ? v.len - m_offset : n - done;
        const uint64_t user = v.base + m_offset;
        const bool ok = to_user ? copy_to_user(user, at + done, piece).has_value()
                                : copy_from_user(at + done, user, piece).has_value();
        if (!ok) break;  // a fault: this piece does not count
        done += piece;
        m_remaining -= piece;
        m_offset += piece;
        if (m_offset == v.len) ++m_index, m_offset = 0;
    }
    return done;
}

namespace {

// One `rep movsb`, the instruction arch/user_copy.S copies user buffers
// with. Both kinds of UserIter move bytes the same way, so what a
// registered buffer saves is measured apart from how bytes are copied
// (under QEMU's -icount, `rep movsb` counts a step per byte, mem::copy's
// `rep movsq` one per eight).
void copy_bytes(void* dst, const void* src, size_t n) {
    asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

}  // namespace

size_t UserIter::copy_pinned(void* kernel, size_t n, bool to_user) {
    auto* at = static_cast<uint8_t*>(kernel);
    const size_t total = n < m_remaining ? n : m_remaining;
    for (size_t done = 0; done < total;) {
        const uint64_t in_page = m_offset % kPageSize;
        const uint64_t piece = kPageSize - in_page < total - done ? kPageSize - in_page : total - done;
        uint8_t* bytes = phys_to_virt(m_frames[m_offset / kPageSize]).as<uint8_t>() + in_page;
        if (to_user) copy_bytes(bytes, at + done, piece);
        else copy_bytes(at + done, bytes, piece);
        done += piece;
        m_offset += piece;
    }
    m_remaining -= total;
    return total;
}
