/**
 * @file kernel/heap.h
 * @brief The kernel heap interface behind operator new and delete.
 *
 * The interface is fixed; the implementation grows with the course:
 * chapter 01 gives a bump allocator over a static arena, chapter 03
 * replaces it with a real heap on top of the page allocator.
 */
#pragma once

#include <cstddef>

/// Allocate @p size bytes aligned to @p align (a power of two), or nullptr.
void* heap_allocate(size_t size, size_t align);

/// Return memory from heap_allocate(). nullptr is ignored.
void heap_free(void* pointer);
