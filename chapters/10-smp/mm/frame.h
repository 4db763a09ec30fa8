/**
 * @file chapters/10-smp/mm/frame.h
 * @brief The physical frame allocator: one bit per 4 KiB frame of RAM, and
 * (chapter 09) a count of the extra holders of each frame.
 *
 * Until chapter 09 a frame had exactly one owner, who gave it back with
 * free(). A registered io_uring buffer adds a second kind of holder: the
 * buffer pins the frames behind the user's pages, and must keep them even
 * if the program unmaps those pages meanwhile. So a frame can now have
 * several holders: allocate() hands it out with one, ref() adds one, and
 * free() drops one; the frame goes back to the pool when the last is
 * dropped (Linux's get_page/put_page). Code that never calls ref() sees
 * no change at all: its free() drops the only reference.
 *
 * Chapter 10: with a lock, as every CPU allocates; it covers the counts
 * together with the bitmap, which is why ref() and free() are methods of
 * the allocator.
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
    static constexpr uint32_t kMaxExtraRefs = 0xffff;  ///< holders beyond the first a frame can have

    /// Mark the Available regions of the memory map free, then take back
    /// every @p reserved range. Frames are rounded inwards for free memory
    /// and outwards for reservations, so a partial frame is never handed out.
    void init(const multiboot2::MemoryRegion* regions, size_t region_count, const PhysRange* reserved,
              size_t reserved_count);

    /// A free frame (the lowest one), with one reference: the caller's.
    /// Errno::NoMem if memory is exhausted.
    Result<PhysAddr> allocate();

    /// Add a reference to @p frame, which must be in use (a pin, chapter 09).
    /// Errno::NoMem if it already has kMaxExtraRefs more than its first.
    Result<void> ref(PhysAddr frame);

    /// Drop a reference; the last one returns the frame to the pool.
    /// Freeing a frame that is already free panics (double free).
    void free(PhysAddr frame);

    /// How many frames are free now (a moment ago: other CPUs allocate too).
    [[nodiscard]] size_t free_count() const { return m_free; }

    /// True if @p frame is currently in use.
    [[nodiscard]] bool in_use(PhysAddr frame) const;

    /// How many references @p frame has: 0 if it is free.
    [[nodiscard]] uint32_t references(PhysAddr frame) const;

private:
    void set(size_t index) { m_bits[index / 64] |= 1ull << (index % 64); }
    void clear(size_t index) { m_bits[index / 64] &= ~(1ull << (index % 64)); }

    uint64_t m_bits[kMaxFrames / 64];
    uint16_t m_extra[kMaxFrames];  // references beyond the first, per frame in use (2 MiB)
    size_t m_free = 0;
    size_t m_hint = 0;  // no free frame below this word
    mutable SpinLock m_lock;  // owns everything above
};

/// The kernel's frame allocator.
FrameAllocator& frames();
