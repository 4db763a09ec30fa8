/**
 * @file chapters/03-memory/mm/heap.cpp
 * @brief The kernel heap: a first-fit free list over a region that grows a
 * page at a time from the frame allocator (replaces chapter 01's bump
 * allocator).
 *
 * Every block starts with a 16-byte header. A free block's header links it
 * into a list sorted by address, so freeing can merge it with both
 * neighbours; an allocated block's header holds a magic value that
 * heap_free() checks, to catch a double free or a wild pointer.
 *
 *     kHeapBase                                       g_end (grows)
 *     | hdr | payload | hdr | free ...  | hdr | payload |
 */
#include "kernel/heap.h"

#include <cstdint>

#include "kernel/panic.h"
#include "mm/frame.h"
#include "mm/mm.h"

namespace {

struct Block {
    size_t size;  // bytes, header included; a multiple of 16
    Block* next;  // next free block by address, or kUsed when allocated
};
static_assert(sizeof(Block) == 16);

Block* const kUsed = reinterpret_cast<Block*>(0x5ca1ab1e);
constexpr size_t kMinBlock = 32;  // a header and 16 bytes

Block* g_free = nullptr;  // sorted by address
uint64_t g_end = kHeapBase;

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }
uint64_t addr(const void* p) { return reinterpret_cast<uint64_t>(p); }

// Put @p block into the free list at its place, merging with neighbours.
void insert_free(Block* block) {
    Block* prev = nullptr;
    Block* next = g_free;
    while (next && next < block) prev = next, next = next->next;
    block->next = next;
    if (next && addr(block) + block->size == addr(next)) {  // merge with the one after
        block->size += next->size;
        block->next = next->next;
    }
    if (prev && addr(prev) + prev->size == addr(block)) {   // merge with the one before
        prev->size += block->size;
        prev->next = block->next;
    } else if (prev) {
        prev->next = block;
    } else {
        g_free = block;
    }
}

// Map @p bytes more at the end of the heap and free them into the list.
bool grow(size_t bytes) {
    const uint64_t pages = align_up(bytes, kPageSize) / kPageSize;
    if (g_end + pages * kPageSize > kHeapBase + kHeapLimit) return false;
    const uint64_t start = g_end;
    for (uint64_t i = 0; i < pages; ++i) {
        auto frame = frames().allocate();
        if (!frame || kernel_space().map(VirtAddr(g_end), *frame, PageFlags::Writable | PageFlags::NoExecute) !=
                          MapStatus::Ok)
            return false;
        g_end += kPageSize;
    }
    auto* block = reinterpret_cast<Block*>(start);
    block->size = g_end - start;
    insert_free(block);
    return true;
}

}  // namespace

/// Map the heap's first page and put it in the free list; panics if it cannot.
void heap_init() {
    if (!grow(kPageSize)) panic("cannot map the first heap page");
    kprint("[Memory] Kernel heap at {:#x}\n", kHeapBase);
}

void* heap_allocate(size_t size, size_t align) {
    if (align < 16) align = 16;
    if (size == 0) size = 1;
    if (size > kHeapLimit) return nullptr;
    const size_t need = align_up(size, 16) + sizeof(Block);
    for (int attempt = 0; attempt < 2; ++attempt) {
        Block* prev = nullptr;
        for (Block* b = g_free; b; prev = b, b = b->next) {
            // Where the payload can start, leaving either no gap before the
            // header or a gap big enough to stay a free block of its own.
            uint64_t payload = align_up(addr(b) + sizeof(Block), align);
            if (payload - sizeof(Block) != addr(b) && payload - sizeof(Block) - addr(b) < kMinBlock)
                payload = align_up(addr(b) + sizeof(Block) + kMinBlock, align);
            const uint64_t lead = payload - sizeof(Block) - addr(b);
            if (lead + need > b->size) continue;

            const size_t tail = b->size - lead - need;
            Block* next = b->next;
            if (lead) b->size = lead;  // b stays in the list, shorter
            else if (prev) prev->next = next;
            else g_free = next;

            auto* used = reinterpret_cast<Block*>(payload - sizeof(Block));
            used->size = need;
            if (tail >= kMinBlock) {
                auto* rest = reinterpret_cast<Block*>(addr(used) + need);
                rest->size = tail;
                insert_free(rest);
            } else {
                used->size += tail;  // too small to track: give it away
            }
            used->next = kUsed;
            return reinterpret_cast<void*>(payload);
        }
        if (!grow(need + align)) return nullptr;
    }
    return nullptr;
}

void heap_free(void* pointer) {
    if (!pointer) return;
    auto* block = reinterpret_cast<Block*>(addr(pointer) - sizeof(Block));
    if (addr(pointer) < kHeapBase + sizeof(Block) || addr(pointer) >= g_end || block->next != kUsed)
        panic("heap_free({}): not an allocated block (double free?)", pointer);
    insert_free(block);
}
