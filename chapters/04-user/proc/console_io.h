/**
 * @file chapters/04-user/proc/console_io.h
 * @brief The console, read into and written from user memory.
 *
 * User bytes pass through a small buffer on the kernel stack, a chunk at a
 * time, by the copies of proc/uaccess.h. Used by read() and write() on the
 * console's descriptors (and, from chapter 06, by the console file).
 */
#pragma once

#include <cstdint>

#include "common/result.h"

/// Copy what the console holds now, up to @p len bytes, to user address
/// @p buf. Returns the count: 0 if nothing is waiting (end of file: a read
/// that blocked would hang the tests), or Errno::Fault if nothing could be
/// copied; a fault after some bytes returns the bytes copied.
Result<long> console_read_to_user(uint64_t buf, uint64_t len);

/// Write @p len bytes from user address @p buf to the console: @p len, or
/// the bytes written before a fault (Errno::Fault if none).
Result<long> console_write_from_user(uint64_t buf, uint64_t len);
