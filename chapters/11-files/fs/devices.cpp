/**
 * @file chapters/11-files/fs/devices.cpp
 * @brief The character devices of /dev: null, zero, random, urandom and
 * console, and open_inode(), which gives each inode the file it opens as.
 *
 * A device inode holds only a number, makedev(major, minor); opening it
 * finds the driver by that number, as Linux's chrdev_open does.
 */
#include "fs/devices.h"

#include "arch/random.h"
#include "common/str.h"
#include "fs/fs_file.h"
#include "kernel/heap.h"

using abi::Errno;

namespace {

/// /dev/null: reads find the end at once, writes take everything.
class NullFile final : public FsFile {
public:
    using FsFile::FsFile;
    Result<int64_t> seek(int64_t, int) override { return 0; }  // Linux's null_lseek

protected:
    Result<long> read_at(UserIter&, uint64_t) override { return 0; }
    Result<long> write_at(UserIter& from, uint64_t) override { return static_cast<long>(from.remaining()); }
};

/// /dev/zero: reads give as many zeros as asked, writes take everything.
class ZeroFile final : public FsFile {
public:
    using FsFile::FsFile;
    Result<int64_t> seek(int64_t, int) override { return 0; }  // the position never moves

protected:
    Result<long> read_at(UserIter& to, uint64_t) override {
        static const char zeros[256] = {};
        long done = 0;
        while (to.remaining() > 0) {  // a fault ends it; what came before counts (read_zero)
            const size_t want = to.remaining() < sizeof zeros ? to.remaining() : sizeof zeros;
            const size_t n = to.copy_out(zeros, want);
            done += static_cast<long>(n);
            if (n < want) return done > 0 ? Result<long>(done) : Err(Errno::Fault);
        }
        return done;
    }
    Result<long> write_at(UserIter& from, uint64_t) override { return static_cast<long>(from.remaining()); }
};

/// /dev/random and /dev/urandom: reads give the CPU's random numbers
/// (arch/random.h, as getrandom), writes take everything (Linux mixes them
/// into its pool; this kernel has none). The generator is ready from the
/// start, so /dev/random never blocks either, as on Linux since 5.6.
class RandomFile final : public FsFile {
public:
    using FsFile::FsFile;
    Result<int64_t> seek(int64_t, int) override { return 0; }  // the position never moves

protected:
    Result<long> read_at(UserIter& to, uint64_t) override {
        long done = 0;
        while (to.remaining() > 0) {  // a fault ends it; what came before counts
            uint8_t bytes[256];
            const size_t want = to.remaining() < sizeof bytes ? to.remaining() : sizeof bytes;
            if (!random_fill(bytes, want)) return done > 0 ? Result<long>(done) : Err(Errno::Io);  // no generator
            const size_t n = to.copy_out(bytes, want);
            done += static_cast<long>(n);
            mem::fill(bytes, 0, sizeof bytes);  // no copy of the bytes stays on the kernel stack (as getrandom)
            if (n < want) return done > 0 ? Result<long>(done) : Err(Errno::Fault);
        }
        return done;
    }
    Result<long> write_at(UserIter& from, uint64_t) override { return static_cast<long>(from.remaining()); }
};

}  // namespace

Result<File*> open_inode(fs::Inode* inode, int flags) {
    if (inode->type() != fs::Type::CharDevice || (flags & abi::open_flag::Path))
        return TRY(make<FsFile>(inode, flags));
    switch (inode->rdev) {
    case kDevNull: return TRY(make<NullFile>(inode, flags));
    case kDevZero: return TRY(make<ZeroFile>(inode, flags));
    case kDevRandom:
    case kDevUrandom: return TRY(make<RandomFile>(inode, flags));
    case kDevConsole: {
        File* console = TRY(make_console_file());
        (void)console->set_status_flags(flags & abi::open_flag::NonBlock);  // cannot fail without O_DIRECT
        return console;
    }
    default: return Err(Errno::NxIo);  // Linux: no driver for this number
    }
}
