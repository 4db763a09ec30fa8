/**
 * @file user/runtime/thread.h
 * @brief clone for a thread, without a C library: the few instructions a
 * new thread needs before it can run C++ (user/runtime/thread.S).
 *
 * After `syscall` both threads carry on from the same instruction with the
 * same registers, but rax (0 in the new thread), rcx and r11; the new one
 * on the stack it was given. So the function and its argument travel in
 * registers, and the new thread calls the function at once, then ends with
 * exit (60: this thread only). With no function it ends at once, touching
 * no memory, not even its stack: a fuzzer can give such a thread any stack
 * at all.
 */
#pragma once

#include <cstdint>

#include "common/abi/linux.h"

/// clone(@p flags, @p stack, @p parent_tid, @p child_tid, @p tls) (Linux
/// x86-64's argument order): a thread that runs @p fn(@p arg) on @p stack
/// (16-byte aligned, its top), then exits; or, if @p fn is null, exits at
/// once. Returns the new thread's id, or -errno.
extern "C" long clone_thread(uint64_t flags, uint64_t stack, uint64_t parent_tid, uint64_t child_tid, uint64_t tls,
                             void (*fn)(void*), void* arg);

/// The flags a thread needs, as pthread_create passes them: one address
/// space, one descriptor table, shared signal handlers, one thread group.
inline constexpr uint64_t kThreadFlags = abi::clone_flag::Vm | abi::clone_flag::Fs | abi::clone_flag::Files |
                                         abi::clone_flag::SigHand | abi::clone_flag::Thread | abi::clone_flag::SysVSem;
