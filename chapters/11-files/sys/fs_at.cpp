/**
 * @file chapters/11-files/sys/fs_at.cpp
 * @brief hold_dirfd(), start_dir() and resolve_at(): a path's starting directory.
 */
#include "sys/fs_at.h"

#include "fs/fs_context.h"
#include "fs/fs_file.h"
#include "fs/path.h"
#include "proc/process.h"

using abi::Errno;

namespace {

bool absolute(StringView path) { return !path.empty() && path[0] == '/'; }

}  // namespace

Result<FileRef> hold_dirfd(int dirfd, StringView path) {
    if (absolute(path) || dirfd == abi::at::FdCwd) return FileRef();
    return current_files().hold(static_cast<uint32_t>(dirfd));
}

Result<fs::Inode*> start_dir(const FileRef& dir, StringView path) {
    if (absolute(path)) return fs_root();
    if (!dir.get()) return current_process()->fs.cwd();
    FsFile* opened = dir->as_fs_file();
    if (!opened || !opened->inode()->is_dir()) return Err(Errno::NotDir);
    return opened->inode();
}

Result<fs::Inode*> resolve_at(const FileRef& dir, StringView path) {
    fs::Inode* start = TRY(start_dir(dir, path));
    return fs::walk(fs_root(), start, path);
}
