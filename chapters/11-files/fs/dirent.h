/**
 * @file chapters/11-files/fs/dirent.h
 * @brief Reading a directory as getdents64 does: positions, and the
 * records (struct linux_dirent64) a program receives.
 *
 * A directory's position (its open file's offset) says where the next
 * read starts: 0 is ".", 1 is "..", and from 2 on the first entry whose
 * cookie is at least the position. Each entry keeps the cookie it was
 * given when it was made, so entries added or removed between two reads
 * move no other entry: a program that reads a directory while removing
 * its files (rm -r) sees each remaining name exactly once.
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/result.h"
#include "fs/inode.h"

namespace fs {

/// One name of a directory listing.
struct DirRecord {
    uint64_t ino;        ///< the inode it names
    uint8_t type;        ///< abi::dirent_type
    StringView name;     ///< the name (not NUL-terminated)
    uint64_t next_pos;   ///< the position after it (the record's d_off)
};

/// The name at position @p pos of @p dir and the position after it, or
/// false at the end. Errno::NoEnt if @p dir has been removed (Linux reads
/// nothing from a dead directory), Errno::NotDir if it is not a directory.
Result<bool> read_dir(const Inode* dir, uint64_t pos, DirRecord& record);

/// The size of @p name's getdents64 record: the fixed part, the name, its
/// NUL, rounded up to 8 bytes.
constexpr size_t dirent_size(size_t name_length) {
    return (offsetof(abi::Dirent64, name) + name_length + 1 + 7) & ~size_t(7);
}

/// Write @p record as a getdents64 record into @p out, which has room for
/// dirent_size(record.name.size()) bytes; returns that size.
size_t encode_dirent(const DirRecord& record, uint8_t* out);

/// The dirent_type of an inode (DT_DIR, DT_REG, DT_CHR).
uint8_t dirent_type_of(const Inode& inode);

}  // namespace fs
