/**
 * @file chapters/11-files/fs/dirent.cpp
 * @brief Directory positions and getdents64 records.
 */
#include "fs/dirent.h"

using abi::Errno;

namespace fs {

uint8_t dirent_type_of(const Inode& inode) {
    switch (inode.type()) {
    case Type::Regular: return abi::dirent_type::Regular;
    case Type::Directory: return abi::dirent_type::Dir;
    case Type::CharDevice: return abi::dirent_type::CharDev;
    }
    return abi::dirent_type::Unknown;
}

Result<bool> read_dir(const Inode* dir, uint64_t pos, DirRecord& record) {
    if (!dir->is_dir()) return Err(Errno::NotDir);
    if (!dir->parent()) return Err(Errno::NoEnt);
    if (pos == 0) {
        record = {dir->ino(), abi::dirent_type::Dir, ".", 1};
        return true;
    }
    if (pos == 1) {
        record = {dir->parent()->ino(), abi::dirent_type::Dir, "..", 2};
        return true;
    }
    const DirEntry* entry = dir->entry_from(pos);
    if (!entry) return false;
    record = {entry->inode->ino(), dirent_type_of(*entry->inode), StringView(entry->name, entry->length),
              entry->cookie + 1};
    return true;
}

size_t encode_dirent(const DirRecord& record, uint8_t* out) {
    const size_t size = dirent_size(record.name.size());
    mem::fill(out, 0, size);  // the padding too: no kernel bytes reach the program
    abi::Dirent64 head{};
    head.ino = record.ino;
    head.off = static_cast<int64_t>(record.next_pos);
    head.reclen = static_cast<uint16_t>(size);
    head.type = record.type;
    mem::copy(out, &head, offsetof(abi::Dirent64, name));
    mem::copy(out + offsetof(abi::Dirent64, name), record.name.data(), record.name.size());
    return size;
}

}  // namespace fs
