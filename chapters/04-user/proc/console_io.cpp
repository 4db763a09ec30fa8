/**
 * @file chapters/04-user/proc/console_io.cpp
 * @brief Console reads and writes through a kernel buffer, a chunk at a time.
 */
#include "proc/console_io.h"

#include "kernel/console.h"

namespace {
constexpr uint64_t kChunk = 256;  // bytes per user copy
}  // namespace

Result<long> console_read_to_user(UserIter& to) {
    char chunk[kChunk];
    long done = 0;
    while (to.remaining() > 0) {
        const size_t n = console_read(chunk, to.remaining() < kChunk ? to.remaining() : kChunk);
        if (n == 0) break;
        const size_t copied = to.copy_out(chunk, n);
        done += static_cast<long>(copied);
        if (copied < n) return done > 0 ? Result<long>(done) : Err(abi::Errno::Fault);
    }
    return done;
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
