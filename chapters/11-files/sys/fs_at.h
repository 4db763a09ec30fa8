/**
 * @file chapters/11-files/sys/fs_at.h
 * @brief Where a path given to a call starts: the *at() calls' dirfd.
 *
 * Every path call is an *at() call underneath (open is openat with
 * AT_FDCWD): a relative path starts at the working directory for
 * AT_FDCWD, or at the directory @p dirfd has open; an absolute path
 * starts at the root and never looks at dirfd (as Linux: a bad dirfd does
 * not matter then).
 *
 * It takes two steps, on either side of taking the fs lock:
 *
 *     const FileRef dir = TRY(hold_dirfd(dirfd, path));  // before the lock
 *     IrqLock guard(fs_lock());
 *     fs::Inode* inode = TRY(resolve_at(dir, path));
 *
 * The order matters on several CPUs. While the call runs, another thread
 * may close dirfd; then the call's reference is the file's last, and
 * letting it go closes the file, which takes the fs lock (fs/fs_file.cpp).
 * Declared before the lock's guard, `dir` is let go after the guard has
 * let the lock go: the other way round, the CPU would wait for a lock it
 * holds itself. And while `dir` holds the file, the file holds its
 * directory's inode, so the inode cannot go while the call walks from it.
 */
#pragma once

#include "common/result.h"
#include "common/str.h"
#include "fs/inode.h"
#include "proc/file.h"

/// The file @p dirfd has open, held for a call on @p path; an empty
/// FileRef when the path does not start there (an absolute path, or
/// AT_FDCWD). Errno::BadF if @p dirfd is needed and not open. Without the
/// fs lock: see the top of this file.
Result<FileRef> hold_dirfd(int dirfd, StringView path);

/// The directory a relative @p path starts from: @p dir's (from
/// hold_dirfd), or the working directory if @p dir is empty; the root for
/// an absolute path. Errno::NotDir if @p dir's file is not a directory.
/// With the fs lock held; the inode stays valid while it is held.
Result<fs::Inode*> start_dir(const FileRef& dir, StringView path);

/// The inode @p path leads to from @p dir (start_dir, then fs::walk).
/// With the fs lock held.
Result<fs::Inode*> resolve_at(const FileRef& dir, StringView path);
