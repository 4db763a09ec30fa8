/**
 * @file chapters/04-user/proc/console_io.cpp
 * @brief Console reads and writes through a kernel buffer, a chunk at a time.
 */
#include "proc/console_io.h"

#include "kernel/console.h"
#include "proc/uaccess.h"

namespace {
constexpr uint64_t kChunk = 256;  // bytes per user copy
}  // namespace

Result<long> console_read_to_user(uint64_t buf, uint64_t len) {
    char chunk[kChunk];
    uint64_t done = 0;
    while (done < len) {
        const size_t n = console_read(chunk, len - done < kChunk ? len - done : kChunk);
        if (n == 0) break;
        if (!copy_to_user(buf + done, chunk, n)) return done > 0 ? Result<long>(done) : Err(abi::Errno::Fault);
        done += n;
    }
    return static_cast<long>(done);
}

Result<long> console_write_from_user(uint64_t buf, uint64_t len) {
    char chunk[kChunk];
    for (uint64_t done = 0; done < len; done += kChunk) {
        const uint64_t n = len - done < kChunk ? len - done : kChunk;
        if (!copy_from_user(chunk, buf + done, n)) return done > 0 ? Result<long>(done) : Err(abi::Errno::Fault);
        console_write(chunk, n);
    }
    return static_cast<long>(len);
}
