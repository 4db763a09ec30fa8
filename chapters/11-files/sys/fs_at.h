/**
 * @file chapters/11-files/sys/fs_at.h
 * @brief Where a path given to a call starts: the *at() calls' dirfd.
 *
 * Every path call is an *at() call underneath (open is openat with
 * AT_FDCWD): a relative path starts at the working directory for
 * AT_FDCWD, or at the directory @p dirfd has open; an absolute path
 * starts at the root and never looks at dirfd (as Linux: a bad dirfd does
 * not matter then).
 */
#pragma once

#include "common/result.h"
#include "common/str.h"
#include "fs/inode.h"

/// The directory a relative @p path starts from. Errno::BadF if @p dirfd
/// is neither AT_FDCWD nor open, Errno::NotDir if it is not a directory.
/// With the fs lock held; the inode stays valid while it is held.
Result<fs::Inode*> start_dir(int dirfd, StringView path);

/// The inode @p path leads to from @p dirfd (start_dir, then fs::walk).
/// With the fs lock held.
Result<fs::Inode*> resolve_at(int dirfd, StringView path);
