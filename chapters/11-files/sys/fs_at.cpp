/**
 * @file chapters/11-files/sys/fs_at.cpp
 * @brief start_dir() and resolve_at(): a path's starting directory.
 */
#include "sys/fs_at.h"

#include "fs/fs_context.h"
#include "fs/fs_file.h"
#include "fs/path.h"
#include "proc/process.h"

using abi::Errno;

Result<fs::Inode*> start_dir(int dirfd, StringView path) {
    if (!path.empty() && path[0] == '/') return fs_root();
    if (dirfd == abi::at::FdCwd) return current_process()->fs.cwd();
    const FileRef file = TRY(current_files().hold(static_cast<uint32_t>(dirfd)));  // a close elsewhere cannot free it now
    FsFile* opened = file->as_fs_file();
    if (!opened || !opened->inode()->is_dir()) return Err(Errno::NotDir);
    return opened->inode();
}

Result<fs::Inode*> resolve_at(int dirfd, StringView path) {
    fs::Inode* start = TRY(start_dir(dirfd, path));
    return fs::walk(fs_root(), start, path);
}
