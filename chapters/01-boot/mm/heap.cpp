/**
 * @file chapters/01-boot/mm/heap.cpp
 * @brief A bump allocator over a static 64 KiB arena.
 *
 * Enough for global objects and early boot: each allocation moves a pointer
 * forward and heap_free() gives nothing back. Chapter 03 replaces this file
 * with a heap that grows from the page allocator and reuses freed blocks.
 */
#include "kernel/heap.h"

#include <cstdint>

namespace {
alignas(64) unsigned char g_arena[64 * 1024];
size_t g_used = 0;
}  // namespace

void* heap_allocate(size_t size, size_t align) {
    const uintptr_t base = reinterpret_cast<uintptr_t>(g_arena);
    const uintptr_t start = (base + g_used + align - 1) & ~(uintptr_t(align) - 1);
    if (start + size > base + sizeof g_arena || start + size < start) return nullptr;
    g_used = start + size - base;
    return reinterpret_cast<void*>(start);
}

void heap_free(void*) {}
