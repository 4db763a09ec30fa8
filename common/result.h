/**
 * @file common/result.h
 * @brief Result<T>: a value, or the reason there is none. The one way code
 * in this course reports that it failed.
 *
 * A function that can fail returns a Result. The caller must look before it
 * takes the value, and TRY() passes a failure up unchanged:
 *
 *     Result<PhysAddr> FrameAllocator::allocate() {
 *         if (m_free == 0) return Err(Errno::NoMem);
 *         ...
 *         return frame;
 *     }
 *     Result<void> map_page(...) {
 *         const PhysAddr frame = TRY(frames().allocate());  // returns Err(NoMem) to our caller
 *         ...
 *     }
 *
 * The error is a Linux errno (abi::Errno), so a syscall simply returns the
 * Result it got, and the syscall dispatcher turns it into the raw `-errno`
 * in rax - in that one place, and likewise a CQE's `res` in io_uring.
 * Parsers of data from outside (the Multiboot2 block, an ELF file) say why
 * they refused it instead: their E is the reason as text, for the log.
 *
 * Result is C++23's std::expected, which works freestanding: it never
 * allocates, and value() on an error calls abort(), which the kernel makes
 * a panic (kernel/cxxrt.cpp). Code here uses `*result` after checking, or TRY.
 */
#pragma once

#include <expected>
#include <utility>

#include "common/abi/linux.h"

/// A T, or the error E (a Linux errno unless said otherwise).
template <typename T, typename E = abi::Errno>
using Result = std::expected<T, E>;

/// The failure side of a Result: `return Err(Errno::Fault);` or `return Err("truncated");`.
template <typename E>
constexpr std::unexpected<E> Err(E error) {
    return std::unexpected<E>(error);
}

/// Evaluate a Result; on failure, return its error from the enclosing
/// function, otherwise yield its value (nothing, for a Result<void>).
/// A GNU statement expression, like Linux's and SerenityOS's TRY.
#define TRY(expression)                                    \
    ({                                                     \
        auto&& try_result_ = (expression);                 \
        if (!try_result_) return Err(try_result_.error()); \
        *std::move(try_result_);                           \
    })
