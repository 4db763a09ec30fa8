/**
 * @file user/runtime/runtime.cpp
 * @brief user_start(): from the initial stack to main(), then exit_group.
 *
 * Also the C functions GCC may call on its own (memcpy, memset, memmove,
 * memcmp), forwarding to common/str.h as the kernel does.
 */
#include <cstddef>
#include <cstdint>

#include "common/str.h"
#include "runtime/syscall.h"

/// The program itself: its return value becomes the exit status.
int main(int argc, char** argv, char** envp);

/// Called by _start (runtime/start.S) with the initial stack pointer: take
/// argc, argv and envp from the Linux initial stack, run main(), exit_group.
extern "C" [[noreturn]] void user_start(uint64_t* stack) {
    // The Linux initial stack: argc, then argv[] and its NULL, then envp[].
    const int argc = static_cast<int>(stack[0]);
    char** argv = reinterpret_cast<char**>(stack + 1);
    char** envp = argv + argc + 1;
    sys::exit_group(main(argc, argv, envp));
}

extern "C" {
/// @name C functions the compiler may call on its own
/// @{
void* memcpy(void* dst, const void* src, size_t n) { return mem::copy(dst, src, n); }
void* memmove(void* dst, const void* src, size_t n) { return mem::move(dst, src, n); }
void* memset(void* dst, int value, size_t n) { return mem::fill(dst, value, n); }
int memcmp(const void* a, const void* b, size_t n) { return mem::compare(a, b, n); }  ///< forwards to common/str.h, as the kernel does
/// @}
}
