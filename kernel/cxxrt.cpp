/**
 * @file kernel/cxxrt.cpp
 * @brief Global constructors, pure-virtual trap, operator new and delete.
 *
 * A hosted program gets these from libstdc++ and crt files; with -nostdlib
 * nobody provides them, so the link fails (or, for .init_array, silently
 * never runs constructors) unless we do.
 */
#include "kernel/cxxrt.h"

#include <cstddef>
#include <new>

#include "kernel/heap.h"
#include "kernel/panic.h"

using Constructor = void (*)();

// Bounds of .init_array, defined by the linker script.
extern "C" Constructor __init_array_start[];
extern "C" Constructor __init_array_end[];

void run_global_constructors() {
    for (Constructor* c = __init_array_start; c != __init_array_end; ++c) (*c)();
}

// Called if a pure virtual function is ever reached (a bug).
extern "C" void __cxa_pure_virtual() { panic("pure virtual function called"); }

// Global objects with destructors register them here. The kernel never exits
// normally, so there is nothing to run them at: accept and ignore.
extern "C" int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }
void* __dso_handle = nullptr;

void* operator new(size_t size) {
    void* p = heap_allocate(size, alignof(std::max_align_t));
    if (!p) panic("kernel heap exhausted allocating {} bytes", size);
    return p;
}

void* operator new[](size_t size) { return operator new(size); }

void* operator new(size_t size, std::align_val_t align) {
    void* p = heap_allocate(size, static_cast<size_t>(align));
    if (!p) panic("kernel heap exhausted allocating {} bytes", size);
    return p;
}

void* operator new(size_t size, const std::nothrow_t&) noexcept {
    return heap_allocate(size, alignof(std::max_align_t));
}

void operator delete(void* p) noexcept { heap_free(p); }
void operator delete[](void* p) noexcept { heap_free(p); }
void operator delete(void* p, size_t) noexcept { heap_free(p); }
void operator delete[](void* p, size_t) noexcept { heap_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { heap_free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { heap_free(p); }
