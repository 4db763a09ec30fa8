/**
 * @file chapters/11-files/fs/fs_file.h
 * @brief A file opened by path: an inode, a position, and how it was opened
 * (Linux's struct file for a file of the file system).
 *
 * Two descriptors may share one FsFile (dup, and from chapter 12 fork):
 * they then share its position, as Linux's "open file description". An
 * FsFile holds a reference on its inode, so a file unlinked while open
 * lives on until its last FsFile goes.
 *
 * read(), write(), pread() and pwrite() all come down to read_at() and
 * write_at(); a device (fs/devices.cpp) is an FsFile whose read_at and
 * write_at do what the device does. Every public method takes the file
 * system's lock.
 */
#pragma once

#include "fs/inode.h"
#include "proc/file.h"

/// An open file of the file system.
class FsFile : public File {
public:
    /// @p inode opened with @p flags (open's O_ flags: the access mode, and
    /// status flags such as O_APPEND, which fcntl may change); takes a reference on it.
    FsFile(fs::Inode* inode, int flags);
    /// Drops the reference.
    ~FsFile() override;

    /// Read at the position and move it (read, readv).
    Result<long> read(UserIter& to, Blocking blocking) override;
    /// Write at the position, or at the end with O_APPEND, and move it.
    Result<long> write(UserIter& from, Blocking blocking) override;
    /// The inode's stat.
    void stat(abi::Stat& st) override;
    FsFile* as_fs_file() override { return this; }

    /// Read at @p pos, leaving the position alone (pread64).
    Result<long> pread(UserIter& to, uint64_t pos);
    /// Write at @p pos, leaving the position alone (pwrite64).
    Result<long> pwrite(UserIter& from, uint64_t pos);
    /// lseek: the new position, or Errno::Inval (a bad whence, a negative
    /// result), Errno::NxIo (SEEK_DATA or SEEK_HOLE past the end).
    virtual Result<int64_t> seek(int64_t offset, int whence);
    /// getdents64 into the user buffer [buf, buf + count): the bytes
    /// written, 0 at the end. Errno::NotDir, Errno::Inval (no room for one
    /// record), Errno::Fault, Errno::NoEnt (the directory was removed).
    Result<long> getdents(uint64_t buf, uint64_t count);

    /// The inode (with the fs lock held to look at it).
    [[nodiscard]] fs::Inode* inode() const { return m_inode; }

protected:
    /// Read at @p pos, with the fs lock held. A directory: Errno::IsDir.
    virtual Result<long> read_at(UserIter& to, uint64_t pos);
    /// Write at @p pos (with O_APPEND, at the end: Linux does so even for
    /// pwrite64), with the fs lock held.
    virtual Result<long> write_at(UserIter& from, uint64_t pos);

    fs::Inode* m_inode;  ///< with a reference
    int64_t m_pos = 0;   ///< where the next read or write starts; a directory's getdents64 position
};

/// Open @p inode with @p flags: an FsFile, or for a device the device's
/// file (fs/devices.cpp), with one reference. Errno::NoMem; Errno::NxIo
/// for a device number nothing answers.
Result<File*> open_inode(fs::Inode* inode, int flags);
