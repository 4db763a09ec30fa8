/**
 * @file kernel/heap.h
 * @brief The kernel heap: heap_allocate() and heap_free(), and make<T>(),
 * the one way kernel code creates an object on the heap.
 *
 * The interface is fixed; the implementation grows with the course:
 * chapter 01 gives a bump allocator over a static arena, chapter 03
 * replaces it with a real heap on top of the page allocator.
 *
 * Running out of memory is an answer, not a crash: make<T>() returns
 * Errno::NoMem, which a syscall passes back to the program as -ENOMEM. So
 * the kernel defines no plain `operator new` (which could only panic):
 * `new T` does not link, and every allocation goes through make<T>().
 * `delete p` works as usual and returns the memory with heap_free().
 */
#pragma once

#include <cstddef>
#include <new>
#include <utility>

#include "common/result.h"

/// Allocate @p size bytes aligned to @p align (a power of two), or nullptr.
void* heap_allocate(size_t size, size_t align);

/// Return memory from heap_allocate(). nullptr is ignored.
void heap_free(void* pointer);

/// A new T built from @p args on the heap, or Errno::NoMem. Free it with `delete`.
template <typename T, typename... Args>
Result<T*> make(Args&&... args) {
    void* memory = heap_allocate(sizeof(T), alignof(T));
    if (!memory) return Err(abi::Errno::NoMem);
    return new (memory) T(std::forward<Args>(args)...);
}
