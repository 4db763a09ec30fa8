/**
 * @file chapters/07-threads/proc/console_io.h
 * @brief The console, read into and written from user memory. (Chapter
 * 07's version: a read waits for input, which the UART's interrupt keeps
 * in a buffer: dev/serial_input.h.)
 *
 * User bytes pass through a small buffer on the kernel stack, a chunk at a
 * time, through a UserIter (proc/user_iter.h). Used by the console file
 * (proc/file.cpp) behind descriptors 0, 1 and 2.
 */
#pragma once

#include "common/result.h"
#include "proc/file.h"
#include "proc/user_iter.h"

/// Read console input into @p to, as a terminal gives it: wait until at
/// least one byte is there (Blocking::No: Errno::Again instead), then copy
/// what is there, up to the size of @p to. A terminal's Enter (CR) becomes
/// '\n'. Ctrl-D (0x04) ends the read before it; a read that starts at a
/// Ctrl-D takes it and returns 0, end of input. Errno::Fault if a fault
/// stopped the first byte (nothing is taken from the input then),
/// Errno::Intr if the program is exiting.
Result<long> console_read_to_user(UserIter& to, Blocking blocking);

/// Write the bytes of @p from to the console: all of them, or those before
/// a fault (Errno::Fault if it stopped the first chunk).
Result<long> console_write_from_user(UserIter& from);
