/**
 * @file chapters/11-files/fs/fs_file.cpp
 * @brief FsFile: reading, writing, seeking and listing an open file of the
 * file system, with Linux's checks and answers.
 */
#include "fs/fs_file.h"

#include "fs/dirent.h"
#include "fs/fs_lock.h"
#include "kernel/heap.h"
#include "proc/uaccess.h"

using abi::Errno;
namespace open_flag = abi::open_flag;

namespace {

/// The device number stat reports for every file of the tree (one tmpfs).
constexpr uint64_t kTreeDev = 0x15;

// What a file opened with @p flags allows (FileMode bits), as Linux's
// OPEN_FMODE: the access mode's two bits, and nothing at all for O_PATH.
unsigned mode_for(int flags) {
    if (flags & open_flag::Path) return 0;
    const int access = flags & open_flag::AccessMode;
    unsigned mode = kCanRead | kCanWrite;
    if (access == open_flag::ReadOnly || access == open_flag::ReadWrite) mode |= kReadable;
    if (access == open_flag::WriteOnly || access == open_flag::ReadWrite) mode |= kWritable;
    return mode;
}

}  // namespace

/// The status flags an open file keeps from open's flags (Linux's f_flags,
/// as fcntl(F_GETFL) reports them, O_LARGEFILE aside).
constexpr int kStatusFlags = open_flag::Append | open_flag::NonBlock | open_flag::Async | open_flag::NoAtime;

FsFile::FsFile(fs::Inode* inode, int flags) : File(mode_for(flags), flags & kStatusFlags), m_inode(inode) {
    inode->ref();  // the caller holds the fs lock
}

FsFile::~FsFile() {
    IrqLock guard(fs_lock());
    m_inode->unref();
}

Result<long> FsFile::read_at(UserIter& to, uint64_t pos) {
    if (m_inode->is_dir()) return Err(Errno::IsDir);
    return static_cast<long>(TRY(m_inode->read(pos, to)));
}

Result<long> FsFile::write_at(UserIter& from, uint64_t pos) {
    if (status_flags() & open_flag::Append) pos = m_inode->size();  // even for pwrite, as Linux
    return static_cast<long>(TRY(m_inode->write(pos, from)));
}

Result<long> FsFile::pread(UserIter& to, uint64_t pos) {
    IrqLock guard(fs_lock());
    return read_at(to, pos);
}

Result<long> FsFile::pwrite(UserIter& from, uint64_t pos) {
    IrqLock guard(fs_lock());
    return write_at(from, pos);
}

// read() and write() hold the lock from the position's read to its update,
// so two threads sharing the file never read or write the same bytes.
Result<long> FsFile::read(UserIter& to, Blocking) {
    IrqLock guard(fs_lock());
    const long n = TRY(read_at(to, static_cast<uint64_t>(m_pos)));
    m_pos += n;
    return n;
}

Result<long> FsFile::write(UserIter& from, Blocking) {
    IrqLock guard(fs_lock());
    const long n = TRY(write_at(from, static_cast<uint64_t>(m_pos)));
    m_pos = (status_flags() & open_flag::Append) ? static_cast<int64_t>(m_inode->size()) : m_pos + n;
    return n;
}

void FsFile::stat(abi::Stat& st) {
    IrqLock guard(fs_lock());
    m_inode->stat(st, kTreeDev);
}

Result<int64_t> FsFile::seek(int64_t offset, int whence) {
    IrqLock guard(fs_lock());
    int64_t target;
    if (m_inode->is_dir()) {  // as tmpfs's directories: positions only from the start or here
        if (whence == abi::seek::Cur) target = m_pos + offset;
        else if (whence == abi::seek::Set) target = offset;
        else return Err(Errno::Inval);
    } else {
        const auto size = static_cast<int64_t>(m_inode->size());
        switch (whence) {
        case abi::seek::Set: target = offset; break;
        case abi::seek::Cur:
            if (__builtin_add_overflow(m_pos, offset, &target)) return Err(Errno::Inval);
            break;
        case abi::seek::End:
            if (__builtin_add_overflow(size, offset, &target)) return Err(Errno::Inval);
            break;
        case abi::seek::Data:  // the whole file counts as data: no hole is ever reported
        case abi::seek::Hole:
            if (static_cast<uint64_t>(offset) >= static_cast<uint64_t>(size)) return Err(Errno::NxIo);
            target = whence == abi::seek::Data ? offset : size;
            break;
        default: return Err(Errno::Inval);
        }
    }
    if (target < 0) return Err(Errno::Inval);
    m_pos = target;
    return target;
}

Result<long> FsFile::getdents(uint64_t buf, uint64_t count) {
    IrqLock guard(fs_lock());
    uint64_t written = 0;
    auto pos = static_cast<uint64_t>(m_pos);
    fs::DirRecord record;
    for (;;) {
        const Result<bool> found = fs::read_dir(m_inode, pos, record);
        if (!found) return Err(found.error());
        if (!*found) break;
        const size_t size = fs::dirent_size(record.name.size());
        if (written + size > count) {
            if (written == 0) return Err(Errno::Inval);  // not even one record fits
            break;
        }
        uint8_t bytes[fs::dirent_size(abi::kNameMax)];
        fs::encode_dirent(record, bytes);
        if (!copy_to_user(buf + written, bytes, size)) {
            if (written == 0) return Err(Errno::Fault);
            break;  // as Linux: what was written before the fault is returned
        }
        written += size;
        pos = record.next_pos;
    }
    m_pos = static_cast<int64_t>(pos);
    return static_cast<long>(written);
}
