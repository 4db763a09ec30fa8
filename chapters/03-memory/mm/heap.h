/**
 * @file chapters/03-memory/mm/heap.h
 * @brief The heap allocator behind heap_allocate() and heap_free(): a
 * first-fit free list over a region that grows a page at a time, hardened
 * against the bugs heaps are famous for.
 *
 * Every block starts with a 16-byte header. A free block's header links it
 * into a list sorted by address, so freeing can merge it with both
 * neighbours. An allocated block's header holds a check word derived from
 * its size, so heap_free() can tell a block it handed out from anything else.
 *
 *     base                                              end (grows)
 *     | hdr | payload | hdr | free, poisoned ... | hdr | payload |
 *
 * Hardening (what Linux's slab debugging does, always on here):
 *   - every free byte holds kPoison. allocate() checks the bytes it hands out
 *     still do, so a write through a stale pointer is caught at the next
 *     allocation of that memory, with the block's address;
 *   - freeing a block twice, or a pointer the heap never returned, or one
 *     whose header was overwritten, panics with the address;
 *   - running out of memory is not an error of the heap: allocate() returns
 *     nullptr, and the caller turns that into Errno::NoMem.
 *
 * The class knows nothing of page tables: it asks a function to make each
 * new page usable, so host tests run it on ordinary memory.
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/result.h"

/// A heap over [base, base + limit), grown on demand one page at a time.
class Heap {
public:
    /// Makes the page at @p address usable memory (the kernel maps a fresh frame there).
    using MapPage = Result<void> (*)(uint64_t address);

    static constexpr uint8_t kPoison = 0x6b;  ///< every free byte (Linux's POISON_FREE)
    static constexpr size_t kPage = 4096;     ///< the heap grows by whole pages

    /// Start an empty heap at @p base (page-aligned) that may grow to @p limit bytes.
    void init(uint64_t base, uint64_t limit, MapPage map_page);

    /// @p size bytes aligned to @p align (a power of two), or nullptr if the
    /// heap cannot grow enough. Panics if the memory it hands out was
    /// written while free.
    void* allocate(size_t size, size_t align);

    /// Give back a block from allocate() (nullptr is ignored). Panics on a
    /// double free, a foreign pointer or a damaged header.
    void free(void* pointer);

    /// Bytes in free blocks, headers included.
    [[nodiscard]] size_t free_bytes() const { return m_free_bytes; }
    /// Bytes the heap has grown to.
    [[nodiscard]] size_t size() const { return m_end - m_base; }

private:
    struct Block;
    Block* next_free(const Block* block) const;
    void insert_free(Block* block);
    bool grow(size_t bytes);
    [[noreturn]] void corrupted(const void* block, const char* what) const;

    uint64_t m_base = 0;
    uint64_t m_end = 0;     // first byte not yet mapped
    uint64_t m_limit = 0;   // m_end never passes m_base + m_limit
    MapPage m_map_page = nullptr;
    Block* m_free = nullptr;  // free blocks, sorted by address
    size_t m_free_bytes = 0;
};
