/**
 * @file chapters/04-user/arch/random.h
 * @brief Random bytes from the CPU's own generator (RDRAND, or RDSEED),
 * for getrandom() and a program's AT_RANDOM.
 *
 * The kernel has no entropy pool of its own: it takes every byte from the
 * instruction, which Intel and AMD CPUs have had since 2012 (QEMU's
 * `-cpu max`, which the course uses, has RDRAND; Bochs' Ivy Bridge too).
 * On a CPU with neither instruction there are no random bytes at all, and
 * the kernel says so rather than make some up: getrandom() is ENOSYS and
 * programs start without AT_RANDOM (see the chapter's differences).
 */
#pragma once

#include <cstddef>

/// Fill @p n bytes at @p dst with the CPU's random numbers. False, with
/// nothing promised about @p dst, if the CPU has no generator or it gave
/// no number ten times in a row (Intel's advice for RDRAND: a healthy
/// generator practically never does that).
[[nodiscard]] bool random_fill(void* dst, size_t n);

/// True if this CPU has RDRAND or RDSEED. The first call says on the
/// console which one the kernel uses.
bool random_available();
