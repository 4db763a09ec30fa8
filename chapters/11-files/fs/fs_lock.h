/**
 * @file chapters/11-files/fs/fs_lock.h
 * @brief The file system's lock: one for the whole tree.
 *
 * Every change to an inode, a directory or a file's position happens with
 * it held (an IrqLock on fs_lock()), and no operation of the file system
 * sleeps, so it is held briefly and never across a switch. One lock is
 * Linux 2.0's choice, not Linux's today (a lock per inode, RCU for path
 * lookup): see the chapter's exercises. Two rules keep it simple:
 *   - it is taken by the calls (sys/fs_calls.cpp...) and by FsFile, never
 *     by fs/inode.cpp, fs/path.cpp or fs/dirent.cpp, which are also
 *     compiled into the host tests;
 *   - a File is never unref'd with it held: closing an FsFile takes it.
 */
#pragma once

#include "sync/spinlock.h"

/// The lock of every inode, directory entry and open file's position.
SpinLock& fs_lock();
