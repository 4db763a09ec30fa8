/**
 * @file chapters/10-smp/mm/frame.h
 * @brief The physical frame allocator: one bit per 4 KiB frame of RAM.
 * (Chapter 10: with a lock, as every CPU allocates.)
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/multiboot2.h"
#include "common/result.h"
#include "mm/address.h"
#include "sync/spinlock.h"

/// A range of physical memory [start, end) that must never be handed out.
struct PhysRange {
    uint64_t start;  ///< first byte
    uint64_t end;    ///< one past the last byte
};

/// Bitmap allocator over the first 4 GiB of physical memory.
/// A set bit is a frame in use (or not RAM at all). allocate() and free()
/// take the allocator's lock; init() runs before any other CPU does.
class FrameAllocator {
public:
    static constexpr uint64_t kMaxMemory = 4ull << 30;  ///< RAM above 4 GiB is ignored
    static constexpr size_t kMaxFrames = kMaxMemory / kPageSize;  ///< bits in the bitmap (128 KiB of bitmap)

    /// Mark the Available regions of the memory map free, then take back
    /// every @p reserved range. Frames are rounded inwards for free memory
    /// and outwards for reservations, so a partial frame is never handed out.
    void init(const multiboot2::MemoryRegion* regions, size_t region_count, const PhysRange* reserved,
              size_t reserved_count);

    /// A free frame (the lowest one), or Errno::NoMem if memory is exhausted.
    Result<PhysAddr> allocate();

    /// Return a frame. Freeing a frame that is already free panics (double free).
    void free(PhysAddr frame);

    /// How many frames are free now (a moment ago: other CPUs allocate too).
    [[nodiscard]] size_t free_count() const { return m_free; }

    /// True if @p frame is currently in use.
    [[nodiscard]] bool in_use(PhysAddr frame) const;

private:
    void set(size_t index) { m_bits[index / 64] |= 1ull << (index % 64); }
    void clear(size_t index) { m_bits[index / 64] &= ~(1ull << (index % 64)); }

    uint64_t m_bits[kMaxFrames / 64];
    size_t m_free = 0;
    size_t m_hint = 0;  // no free frame below this word
    SpinLock m_lock;    // owns everything above
};

/// The kernel's frame allocator.
FrameAllocator& frames();
