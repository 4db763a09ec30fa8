/**
 * @file chapters/10-smp/proc/console_io.cpp
 * @brief Console reads from the input ring, and writes, through a kernel
 * buffer a chunk at a time. (Chapter 07's version: reads wait for input.
 * Chapter 10: two threads on two CPUs may read, or write, at once.)
 *
 * What a read does with the bytes is a tiny part of what a terminal's line
 * discipline does in canonical mode: CR becomes '\n' (ICRNL), and Ctrl-D
 * (VEOF) pushes what came before it to the reader, or, first in a read,
 * means end of input. There is no echo and no line editing: see the
 * chapter's differences from Linux.
 *
 * A byte leaves the input ring only once it has reached the user
 * (peek, copy, consume), so a read into a bad buffer loses no input. Two
 * readers on two CPUs would peek the same bytes, so the peek, the copy and
 * the consume happen under g_read_lock (a user copy never sleeps).
 *
 * Writes: g_write_lock keeps one write()'s bytes together on the line, so
 * two threads printing at once do not interleave their text. The kernel's
 * own messages (kprint, kernel/console.cpp) do not take it: that console is
 * every chapter's and knows no lock, so a kernel line printed while a
 * program writes on another CPU may land inside the program's output.
 */
#include "proc/console_io.h"

#include "dev/serial_input.h"
#include "kernel/console.h"
#include "sync/spinlock.h"

namespace {
constexpr uint64_t kChunk = 256;  // bytes per user copy
constexpr char kEndOfInput = 0x04;  // Ctrl-D
SpinLock g_read_lock;   // one reader at a time between a peek and its consume
SpinLock g_write_lock;  // one write() at a time on the line
}  // namespace

Result<long> console_read_to_user(UserIter& to, Blocking blocking) {
    if (to.remaining() == 0) return 0;  // as Linux: nothing asked, nothing waited for
    char chunk[kChunk];
    long done = 0;
    for (;;) {
        {
            IrqLock reading(g_read_lock);
            size_t n = serial_input_peek(chunk, to.remaining() < kChunk ? to.remaining() : kChunk);
            if (n > 0) {
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
                continue;
            }
            if (done > 0) return done;  // all there was
        }
        TRY(serial_input_wait(blocking));  // nothing yet: sleep until the first byte (or Errno::Again),
    }                                      // then look again: another reader may have taken it
}

Result<long> console_write_from_user(UserIter& from) {
    char chunk[kChunk];
    long done = 0;
    while (from.remaining() > 0) {
        const size_t want = from.remaining() < kChunk ? from.remaining() : kChunk;
        const size_t n = from.copy_in(chunk, want);
        IrqLock writing(g_write_lock);
        console_write(chunk, n);
        done += static_cast<long>(n);
        if (n < want) return done > 0 ? Result<long>(done) : Err(abi::Errno::Fault);
    }
    return done;
}
