/**
 * @file kernel/cxxrt.cpp
 * @brief Global constructors, the pure-virtual trap, abort(), and operator delete (objects are made with make<T>()).
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

/// An entry of .init_array: a function that constructs global objects.
using Constructor = void (*)();

/// First entry of .init_array (defined by the linker script).
extern "C" Constructor __init_array_start[];
/// One past the last entry of .init_array (defined by the linker script).
extern "C" Constructor __init_array_end[];

void run_global_constructors() {
    for (Constructor* c = __init_array_start; c != __init_array_end; ++c) (*c)();
}

/// Called if a pure virtual function is ever reached (a bug).
extern "C" void __cxa_pure_virtual() { panic("pure virtual function called"); }

/// What std::expected::value() calls when there is no value (there are no
/// exceptions to throw): taking a value that is not there is a kernel bug.
extern "C" [[noreturn]] void abort() { panic("abort(): a Result's value taken when it held an error"); }

/// Global objects with destructors register them here. The kernel never exits
/// normally, so there is nothing to run them at: accept and ignore.
extern "C" int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }
/// Identifies this "shared object" to __cxa_atexit; the kernel is just one.
void* __dso_handle = nullptr;

// The kernel's operator delete: every `delete` hands the memory back to
// heap_free(). There is no plain operator new to go with them: objects are
// made with make<T>() (kernel/heap.h), which reports running out of memory
// instead of panicking.

/// `delete p`.
void operator delete(void* p) noexcept { heap_free(p); }
/// `delete[] p`.
void operator delete[](void* p) noexcept { heap_free(p); }
/// Sized `delete p` (what a virtual destructor calls).
void operator delete(void* p, size_t) noexcept { heap_free(p); }
/// Sized `delete[] p`.
void operator delete[](void* p, size_t) noexcept { heap_free(p); }
/// `delete p` for an over-aligned type.
void operator delete(void* p, std::align_val_t) noexcept { heap_free(p); }
/// Sized `delete p` for an over-aligned type.
void operator delete(void* p, size_t, std::align_val_t) noexcept { heap_free(p); }
