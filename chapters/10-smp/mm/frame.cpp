/**
 * @file chapters/10-smp/mm/frame.cpp
 * @brief FrameAllocator: a bitmap, scanned a 64-bit word at a time, and a
 * count of extra references per frame (chapter 09: pinned pages), under
 * its lock (chapter 10).
 */
#include "mm/frame.h"

#include "kernel/panic.h"

void FrameAllocator::init(const multiboot2::MemoryRegion* regions, size_t region_count,
                          const PhysRange* reserved, size_t reserved_count) {
    mem::fill(m_bits, 0xff, sizeof m_bits);  // everything in use until proven RAM
    mem::fill(m_extra, 0, sizeof m_extra);
    m_free = 0;
    m_hint = 0;
    for (size_t i = 0; i < region_count; ++i) {
        const multiboot2::MemoryRegion& r = regions[i];
        if (r.type != multiboot2::MemoryType::Available) continue;
        uint64_t start = (r.base + kPageSize - 1) / kPageSize;  // round inwards
        uint64_t end = (r.base + r.length) / kPageSize;
        if (r.base + r.length < r.base) end = kMaxFrames;       // wraps: clamp
        if (end > kMaxFrames) end = kMaxFrames;
        for (uint64_t f = start; f < end; ++f)
            if (in_use(PhysAddr(f * kPageSize))) clear(f), ++m_free;
    }
    for (size_t i = 0; i < reserved_count; ++i) {
        uint64_t start = reserved[i].start / kPageSize;                  // round outwards
        uint64_t end = (reserved[i].end + kPageSize - 1) / kPageSize;
        if (end > kMaxFrames) end = kMaxFrames;
        for (uint64_t f = start; f < end; ++f)
            if (!in_use(PhysAddr(f * kPageSize))) set(f), --m_free;
    }
}

bool FrameAllocator::in_use(PhysAddr frame) const {
    const uint64_t index = frame.value() / kPageSize;
    if (index >= kMaxFrames) return true;
    return (m_bits[index / 64] >> (index % 64)) & 1;
}

uint32_t FrameAllocator::references(PhysAddr frame) const {
    IrqLock guard(m_lock);
    const uint64_t index = frame.value() / kPageSize;
    if (index >= kMaxFrames || !in_use(frame)) return 0;
    return 1u + m_extra[index];
}

Result<PhysAddr> FrameAllocator::allocate() {
    IrqLock guard(m_lock);
    for (size_t word = m_hint; word < kMaxFrames / 64; ++word) {
        if (m_bits[word] == ~0ull) continue;
        const size_t bit = static_cast<size_t>(__builtin_ctzll(~m_bits[word]));  // first zero bit
        const size_t index = word * 64 + bit;
        set(index);
        --m_free;
        m_hint = word;
        return PhysAddr(index * kPageSize);
    }
    return Err(abi::Errno::NoMem);
}

Result<void> FrameAllocator::ref(PhysAddr frame) {
    IrqLock guard(m_lock);
    const uint64_t index = frame.value() / kPageSize;
    if (!frame.is_page_aligned() || index >= kMaxFrames || !in_use(frame))
        panic("referencing frame {:#x}, which is not an allocated frame", frame.value());
    if (m_extra[index] == kMaxExtraRefs) return Err(abi::Errno::NoMem);
    ++m_extra[index];
    return {};
}

void FrameAllocator::free(PhysAddr frame) {
    IrqLock guard(m_lock);
    const uint64_t index = frame.value() / kPageSize;
    if (!frame.is_page_aligned() || index >= kMaxFrames || !in_use(frame))
        panic("freeing frame {:#x}, which is not an allocated frame", frame.value());
    if (m_extra[index] > 0) {  // another holder keeps it
        --m_extra[index];
        return;
    }
    clear(index);
    ++m_free;
    if (index / 64 < m_hint) m_hint = index / 64;
}
