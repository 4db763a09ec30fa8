/**
 * @file chapters/11-files/fs/fs_context.h
 * @brief What a process knows of the file system: its working directory
 * and its umask (Linux's fs_struct).
 */
#pragma once

#include <cstdint>

#include "fs/inode.h"

/// A process's place in the file system.
class FsContext {
public:
    FsContext() = default;
    FsContext(const FsContext&) = delete;
    FsContext& operator=(const FsContext&) = delete;
    /// Drops the working directory's reference.
    ~FsContext();

    /// The working directory: where relative paths start (the root until chdir).
    [[nodiscard]] fs::Inode* cwd() const;
    /// Make @p dir (a directory) the working directory; takes a reference. With the fs lock held.
    void set_cwd(fs::Inode* dir);

    uint32_t umask = 022;  ///< permission bits a new file or directory does not get (umask)

private:
    fs::Inode* m_cwd = nullptr;  // with a reference; nullptr means the root
};

/// The root of the tree (fs/root.cpp).
fs::Inode* fs_root();
