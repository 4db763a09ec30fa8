/**
 * @file chapters/04-user/proc/console_io.h
 * @brief The console, read into and written from user memory.
 *
 * User bytes pass through a small buffer on the kernel stack, a chunk at a
 * time, through a UserIter (proc/user_iter.h). Used by read(), write(),
 * readv() and writev() on the console's descriptors (and, from chapter 06,
 * by the console file).
 */
#pragma once

#include "common/result.h"
#include "proc/user_iter.h"

/// Copy what the console holds now into @p to, up to its size. Returns
/// the count: 0 if nothing is waiting (end of file: a read that blocked
/// would hang the tests), or Errno::Fault if a fault stopped the first chunk.
Result<long> console_read_to_user(UserIter& to);

/// Write the bytes of @p from to the console: all of them, or those before
/// a fault (Errno::Fault if it stopped the first chunk).
Result<long> console_write_from_user(UserIter& from);
