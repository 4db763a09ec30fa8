/**
 * @file chapters/07-threads/proc/console_io.cpp
 * @brief Console reads from the input ring, and writes, through a kernel
 * buffer a chunk at a time. (Chapter 07's version: reads wait for input.)
 *
 * What a read does with the bytes is a tiny part of what a terminal's line
 * discipline does in canonical mode: CR becomes '\n' (ICRNL), and Ctrl-D
 * (VEOF) pushes what came before it to the reader, or, first in a read,
 * means end of input. There is no echo and no line editing: see the
 * chapter's differences from Linux.
 *
 * A byte leaves the input ring only once it has reached the user
 * (peek, copy, consume), so a read into a bad buffer loses no input. Only
 * this thread takes bytes out between the peek and the consume: the copy
 * never sleeps, and the kernel is not preempted.
 */
#include "proc/console_io.h"

#include "dev/serial_input.h"
#include "kernel/console.h"

namespace {
constexpr uint64_t kChunk = 256;  // bytes per user copy
constexpr char kEndOfInput = 0x04;  // Ctrl-D
}  // namespace

Result<long> console_read_to_user(UserIter& to, Blocking blocking) {
    if (to.remaining() == 0) return 0;  // as Linux: nothing asked, nothing waited for
    char chunk[kChunk];
    long done = 0;
    for (;;) {
        size_t n = serial_input_peek(chunk, to.remaining() < kChunk ? to.remaining() : kChunk);
        if (n == 0) {
            if (done > 0) return done;         // all there was
            TRY(serial_input_wait(blocking));  // nothing yet: sleep until the first byte (or Errno::Again)
            continue;                          // and look again: another reader may have taken it
        }
        if (chunk[0] == kEndOfInput) {
            if (done == 0) serial_input_consume(1);  // first in the read: end of input, taken
            return done;                             // else: ends this read, and makes the next return 0
        }
        for (size_t i = 0; i < n; ++i) {
            if (chunk[i] == kEndOfInput) {
                n = i;
                break;
            }
            if (chunk[i] == '\r') chunk[i] = '\n';
        }
        const size_t copied = to.copy_out(chunk, n);
        serial_input_consume(copied);
        done += static_cast<long>(copied);
        if (copied < n) return done > 0 ? Result<long>(done) : Err(abi::Errno::Fault);
        if (to.remaining() == 0) return done;
    }
}

Result<long> console_write_from_user(UserIter& from) {
    char chunk[kChunk];
    long done = 0;
    while (from.remaining() > 0) {
        const size_t want = from.remaining() < kChunk ? from.remaining() : kChunk;
        const size_t n = from.copy_in(chunk, want);
        console_write(chunk, n);
        done += static_cast<long>(n);
        if (n < want) return done > 0 ? Result<long>(done) : Err(abi::Errno::Fault);
    }
    return done;
}
