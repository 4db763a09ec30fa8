/**
 * @file chapters/10-smp/mm/heap.cpp
 * @brief The heap allocator (mm/heap.h) and the kernel's heap built on it:
 * heap_allocate() and heap_free(), growing from the frame allocator
 * (replaces chapter 01's bump allocator). Chapter 10: every CPU allocates,
 * so the kernel's heap has a lock; the Heap class itself stays lock-free,
 * as its host tests use it.
 */
#include "mm/heap.h"

#include "common/str.h"
#include "kernel/heap.h"
#include "kernel/panic.h"
#include "mm/mm.h"
#include "sync/spinlock.h"

/// A block's header: 16 bytes, right before the payload.
struct Heap::Block {
    size_t size;    ///< bytes, header included; a multiple of 16
    uint64_t link;  ///< free: the next free block's address (0: the last); allocated: kInUse ^ size
};

namespace {

constexpr size_t kHeader = 16;
constexpr size_t kMinBlock = 32;  // a header and 16 bytes
constexpr uint64_t kInUse = 0x5ca1ab1e0ddba115;

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }
uint64_t addr(const void* p) { return reinterpret_cast<uint64_t>(p); }

}  // namespace

void Heap::init(uint64_t base, uint64_t limit, MapPage map_page) {
    m_base = m_end = base;
    m_limit = limit;
    m_map_page = map_page;
    m_free = nullptr;
    m_free_bytes = 0;
}

void Heap::corrupted(const void* block, const char* what) const {
    panic("heap: block at {} {}", block, what);
}

// The free block after @p block, checking the link before following it: a
// write through a stale pointer may have hit a free block's header.
Heap::Block* Heap::next_free(const Block* block) const {
    if (block->size < kMinBlock || block->size % 16 != 0 || block->size > m_end - addr(block))
        corrupted(block, "is free, but its size was overwritten");
    if (block->link == 0) return nullptr;
    if (block->link <= addr(block) || block->link >= m_end || block->link % 16 != 0)
        corrupted(block, "is free, but its link to the next free block was overwritten");
    return reinterpret_cast<Block*>(block->link);
}

// Put the (poisoned) @p block into the free list at its place, merging it
// with its neighbours. A header swallowed by a merge becomes poison too.
void Heap::insert_free(Block* block) {
    m_free_bytes += block->size;
    Block* prev = nullptr;
    Block* next = m_free;
    while (next && next < block) prev = next, next = next_free(next);
    block->link = addr(next);
    if (next && addr(block) + block->size == addr(next)) {  // merge with the one after
        block->size += next->size;
        block->link = next->link;
        mem::fill(next, kPoison, kHeader);
    }
    if (prev && addr(prev) + prev->size == addr(block)) {   // merge with the one before
        prev->size += block->size;
        prev->link = block->link;
        mem::fill(block, kPoison, kHeader);
    } else if (prev) {
        prev->link = addr(block);
    } else {
        m_free = block;
    }
}

// Map @p bytes more at the end of the heap and free them into the list.
// Pages mapped before a failure are kept (as free memory), not lost.
bool Heap::grow(size_t bytes) {
    const uint64_t pages = align_up(bytes, kPage) / kPage;
    if (pages > (m_base + m_limit - m_end) / kPage) return false;
    const uint64_t start = m_end;
    for (uint64_t i = 0; i < pages && m_map_page(m_end); ++i) m_end += kPage;
    if (m_end == start) return false;
    mem::fill(reinterpret_cast<void*>(start), kPoison, m_end - start);
    auto* block = reinterpret_cast<Block*>(start);
    block->size = m_end - start;
    insert_free(block);
    return m_end - start == pages * kPage;
}

void* Heap::allocate(size_t size, size_t align) {
    if (align < 16) align = 16;
    if (size == 0) size = 1;
    if (size > m_limit || align > m_limit) return nullptr;
    const size_t need = align_up(size, 16) + kHeader;
    for (int attempt = 0; attempt < 2; ++attempt) {
        Block* prev = nullptr;
        for (Block* b = m_free; b; prev = b, b = next_free(b)) {
            // Where the payload can start, leaving either no gap before the
            // header or a gap big enough to stay a free block of its own.
            uint64_t payload = align_up(addr(b) + kHeader, align);
            if (payload - kHeader != addr(b) && payload - kHeader - addr(b) < kMinBlock)
                payload = align_up(addr(b) + kHeader + kMinBlock, align);
            const uint64_t lead = payload - kHeader - addr(b);
            if (lead + need > b->size) continue;

            const size_t tail = b->size - lead - need;
            Block* const after = next_free(b);
            m_free_bytes -= b->size;
            if (lead) {
                b->size = lead;  // b stays in the list, shorter
                m_free_bytes += lead;
            } else if (prev) {
                prev->link = addr(after);
            } else {
                m_free = after;
            }

            auto* used = reinterpret_cast<Block*>(payload - kHeader);
            used->size = tail >= kMinBlock ? need : need + tail;  // a tail too small to track goes with it
            for (uint64_t p = payload; p < addr(used) + used->size; ++p)
                if (*reinterpret_cast<const uint8_t*>(p) != kPoison)
                    corrupted(used, "was written after it was freed (a use after free)");
            used->link = kInUse ^ used->size;
            if (tail >= kMinBlock) {
                auto* rest = reinterpret_cast<Block*>(addr(used) + need);
                rest->size = tail;
                insert_free(rest);
            }
            return reinterpret_cast<void*>(payload);
        }
        if (attempt == 0) grow(need + align);
    }
    return nullptr;
}

void Heap::free(void* pointer) {
    if (!pointer) return;
    const uint64_t p = addr(pointer);
    if (p < m_base + kHeader || p >= m_end || p % 16 != 0) corrupted(pointer, "is not a block of this heap");
    auto* block = reinterpret_cast<Block*>(p - kHeader);
    if (block->link != (kInUse ^ block->size)) {
        for (const Block* b = m_free; b; b = next_free(b))
            if (addr(b) <= p && p < addr(b) + b->size) corrupted(pointer, "is freed twice (a double free)");
        corrupted(pointer, "is not an allocated block, or its header was overwritten");
    }
    mem::fill(pointer, kPoison, block->size - kHeader);
    insert_free(block);
}

// ------------------------------------------------------- the kernel's heap

namespace {

Heap g_heap;
SpinLock g_heap_lock;  // owns g_heap; taken before the frame allocator's when the heap grows

Result<void> map_heap_page(uint64_t address) {
    return map_new_page(kernel_space(), VirtAddr(address), PageFlags::Writable | PageFlags::NoExecute);
}

}  // namespace

/// Start the kernel heap at kHeapBase (mm_init calls this once paging is on).
void heap_init() {
    g_heap.init(kHeapBase, kHeapLimit, map_heap_page);
    kprint("[Memory] Kernel heap at {:#x}\n", kHeapBase);
}

void* heap_allocate(size_t size, size_t align) {
    IrqLock guard(g_heap_lock);
    return g_heap.allocate(size, align);
}

void heap_free(void* pointer) {
    IrqLock guard(g_heap_lock);
    g_heap.free(pointer);
}
