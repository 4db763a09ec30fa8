/**
 * @file chapters/11-files/fs/path.h
 * @brief Path lookup: from a string such as "/tmp/../bin/busybox" to an inode.
 *
 * A path is walked one component at a time, from the root if it starts
 * with '/', else from a starting directory (the working directory, or the
 * one an *at() call's descriptor names). "." stays, ".." climbs to the
 * parent (the root's ".." is the root), runs of '/' count as one. There
 * are no symbolic links and no mount points, so a component leads to
 * exactly one inode or to an error, in the order Linux checks:
 *
 *  - Errno::NotDir: a component before the last is not a directory, or a
 *    path ending in '/' names something else;
 *  - Errno::NameTooLong: a component longer than NAME_MAX (255) bytes;
 *  - Errno::NoEnt: no such name (or the path is empty, or ".." of a
 *    directory that has been removed).
 *
 * Calls that create, remove or rename want the directory and the last
 * name separately (walk_parent): the last name may not exist yet.
 */
#pragma once

#include "common/result.h"
#include "common/str.h"
#include "fs/inode.h"

namespace fs {

/// A path split into the directory that holds its last component, and that component.
struct ParentAndName {
    Inode* dir = nullptr;         ///< the directory, already checked to be one
    StringView name;              ///< the last component: "" for "/", or "." or ".." as written
    bool trailing_slash = false;  ///< the path ended with '/' ("dir/"): it must name a directory
};

/// Walk all but the last component of @p path, from @p root if it is
/// absolute, else from @p start. Errno::NoEnt for an empty path.
Result<ParentAndName> walk_parent(Inode* root, Inode* start, StringView path);

/// Walk the whole of @p path: the inode it names.
Result<Inode*> walk(Inode* root, Inode* start, StringView path);

/// The inode @p name leads to in @p dir ("." and ".." included):
/// Errno::NotDir if @p dir is not a directory, Errno::NameTooLong, Errno::NoEnt.
Result<Inode*> lookup_in(Inode* dir, StringView name);

/// True for "", "." and "..": names that lead somewhere but are not entries
/// (Linux's LAST_ROOT, LAST_DOT and LAST_DOTDOT), which no call may create or remove.
bool is_special(StringView name);

/// The absolute path of directory @p dir, written backwards from the end
/// of @p buf (@p size bytes, NUL included): where it starts in @p buf
/// ("/tmp/sub"). Errno::NoEnt if @p dir has been removed, Errno::NameTooLong
/// if it does not fit. What getcwd answers.
Result<char*> absolute_path(const Inode* dir, char* buf, size_t size);

/// Check that @p name can be a new entry: Errno::NameTooLong past NAME_MAX.
Result<void> check_new_name(StringView name);

}  // namespace fs
