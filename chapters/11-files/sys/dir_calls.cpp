/**
 * @file chapters/11-files/sys/dir_calls.cpp
 * @brief The calls that change directories or move through them: mkdir,
 * mkdirat, rmdir, unlink, unlinkat, rename, renameat, renameat2, chdir,
 * fchdir, getcwd; and chmod, fchmod, fchmodat, which change a file's
 * permission bits.
 *
 * The last component of a path may be "." or ".." or, for "/", nothing at
 * all: names that lead somewhere but are not entries of a directory. No
 * call may make or remove one, and each says so with its own errno, as
 * Linux's do_mkdirat, do_rmdir, do_unlinkat and do_renameat2 do.
 */
#include "fs/fs_context.h"
#include "fs/fs_file.h"
#include "fs/fs_lock.h"
#include "fs/path.h"
#include "kernel/heap.h"
#include "proc/process.h"
#include "proc/uaccess.h"
#include "proc/user_string.h"
#include "sys/fs_at.h"
#include "sys/syscall.h"

using abi::Errno;

namespace {

// The last name of @p at, looked up: its entry, or nullptr if it is free.
// Errno::NameTooLong for a name no entry can have.
Result<fs::DirEntry*> entry_of(const fs::ParentAndName& at) {
    TRY(fs::check_new_name(at.name));
    return at.dir->find(at.name);
}

// rmdir and unlinkat(AT_REMOVEDIR).
Result<long> remove_dir(int dirfd, StringView path) {
    const FileRef dir = TRY(hold_dirfd(dirfd, path));  // let go after the lock (sys/fs_at.h)
    IrqLock guard(fs_lock());
    const fs::ParentAndName at = TRY(fs::walk_parent(fs_root(), TRY(start_dir(dir, path)), path));
    if (at.name == "..") return Err(Errno::NotEmpty);
    if (at.name == ".") return Err(Errno::Inval);
    if (at.name.empty()) return Err(Errno::Busy);  // the root
    fs::DirEntry* entry = TRY(entry_of(at));
    if (!entry) return Err(Errno::NoEnt);
    if (!entry->inode->is_dir()) return Err(Errno::NotDir);
    if (!entry->inode->empty()) return Err(Errno::NotEmpty);
    at.dir->unlink(entry);
    return 0;
}

// unlink and unlinkat without AT_REMOVEDIR.
Result<long> remove_file(int dirfd, StringView path) {
    const FileRef dir = TRY(hold_dirfd(dirfd, path));  // let go after the lock (sys/fs_at.h)
    IrqLock guard(fs_lock());
    const fs::ParentAndName at = TRY(fs::walk_parent(fs_root(), TRY(start_dir(dir, path)), path));
    if (fs::is_special(at.name)) return Err(Errno::IsDir);
    fs::DirEntry* entry = TRY(entry_of(at));
    if (!entry) return Err(Errno::NoEnt);
    if (entry->inode->is_dir()) return Err(Errno::IsDir);
    if (at.trailing_slash) return Err(Errno::NotDir);  // "file/"
    at.dir->unlink(entry);
    return 0;
}

}  // namespace

/// mkdirat(dirfd, path, mode): a new, empty directory. Errno::Exist if the
/// name is taken (or is ".", ".." or "/").
Result<long> sys_mkdirat(const SyscallArgs& a) {
    const auto dirfd = static_cast<int>(a.a0);
    const UserPath path = TRY(UserPath::copy(a.a1));
    const auto mode = static_cast<uint32_t>(a.a2) & (0777 | 01000);  // S_IRWXUGO | S_ISVTX
    const FileRef dir = TRY(hold_dirfd(dirfd, path.view()));  // let go after the lock (sys/fs_at.h)
    IrqLock guard(fs_lock());
    const fs::ParentAndName at = TRY(fs::walk_parent(fs_root(), TRY(start_dir(dir, path.view())), path.view()));
    if (fs::is_special(at.name)) return Err(Errno::Exist);
    if (TRY(entry_of(at))) return Err(Errno::Exist);
    fs::Inode* made = TRY(fs::Inode::create(fs::Type::Directory, mode & ~current_process()->fs.umask));
    const Result<void> linked = at.dir->link(at.name, made);
    made->unref();
    TRY(linked);
    return 0;
}

/// mkdir(path, mode): mkdirat from the working directory.
Result<long> sys_mkdir(const SyscallArgs& a) {
    return sys_mkdirat({static_cast<uint64_t>(abi::at::FdCwd), a.a0, a.a1, 0, 0, 0});
}

/// rmdir(path): remove an empty directory.
Result<long> sys_rmdir(const SyscallArgs& a) {
    const UserPath path = TRY(UserPath::copy(a.a0));
    return remove_dir(abi::at::FdCwd, path.view());
}

/// unlinkat(dirfd, path, flags): remove a name; with AT_REMOVEDIR, an
/// empty directory. Errno::Inval for any other flag.
Result<long> sys_unlinkat(const SyscallArgs& a) {
    const auto dirfd = static_cast<int>(a.a0);
    const auto flags = static_cast<int>(a.a2);
    if (flags & ~abi::at::RemoveDir) return Err(Errno::Inval);
    const UserPath path = TRY(UserPath::copy(a.a1));
    return (flags & abi::at::RemoveDir) ? remove_dir(dirfd, path.view()) : remove_file(dirfd, path.view());
}

/// unlink(path): remove a name that is not a directory's.
Result<long> sys_unlink(const SyscallArgs& a) {
    const UserPath path = TRY(UserPath::copy(a.a0));
    return remove_file(abi::at::FdCwd, path.view());
}

/// renameat2(olddirfd, oldpath, newdirfd, newpath, flags): move a name,
/// replacing what the new one named (RENAME_NOREPLACE: Errno::Exist
/// instead), or swap two (RENAME_EXCHANGE). RENAME_WHITEOUT is
/// Errno::Inval (see the chapter's differences).
Result<long> sys_renameat2(const SyscallArgs& a) {
    const auto old_dirfd = static_cast<int>(a.a0), new_dirfd = static_cast<int>(a.a2);
    const auto flags = static_cast<unsigned>(a.a4);
    namespace rf = abi::rename_flag;
    if (flags & ~(rf::NoReplace | rf::Exchange | rf::Whiteout)) return Err(Errno::Inval);
    if ((flags & rf::NoReplace) && (flags & (rf::Exchange | rf::Whiteout))) return Err(Errno::Inval);
    if ((flags & rf::Exchange) && (flags & rf::Whiteout)) return Err(Errno::Inval);
    const UserPath old_path = TRY(UserPath::copy(a.a1));
    const UserPath new_path = TRY(UserPath::copy(a.a3));
    if (flags & rf::Whiteout) return Err(Errno::Inval);

    // Both directories are held before the lock and let go after it
    // (sys/fs_at.h); a bad new_dirfd is answered after the old path's
    // errors, as Linux, which looks the old path up first.
    const Result<FileRef> old_dir = hold_dirfd(old_dirfd, old_path.view());
    const Result<FileRef> new_dir = hold_dirfd(new_dirfd, new_path.view());
    IrqLock guard(fs_lock());
    if (!old_dir) return Err(old_dir.error());
    const fs::ParentAndName from =
        TRY(fs::walk_parent(fs_root(), TRY(start_dir(*old_dir, old_path.view())), old_path.view()));
    if (!new_dir) return Err(new_dir.error());
    const fs::ParentAndName to =
        TRY(fs::walk_parent(fs_root(), TRY(start_dir(*new_dir, new_path.view())), new_path.view()));
    if (fs::is_special(from.name)) return Err(Errno::Busy);
    if (fs::is_special(to.name)) return Err((flags & rf::NoReplace) ? Errno::Exist : Errno::Busy);
    fs::DirEntry* source = TRY(entry_of(from));
    if (!source) return Err(Errno::NoEnt);
    fs::DirEntry* target = TRY(entry_of(to));
    fs::Inode* moving = source->inode;
    if (flags & rf::Exchange) {
        if (!target) return Err(Errno::NoEnt);
        if ((!moving->is_dir() && from.trailing_slash) || (!target->inode->is_dir() && to.trailing_slash))
            return Err(Errno::NotDir);
    } else {
        if (!moving->is_dir() && (from.trailing_slash || to.trailing_slash)) return Err(Errno::NotDir);
        if (target && (flags & rf::NoReplace)) return Err(Errno::Exist);
    }
    if (target && target->inode == moving) return 0;  // two names of one file: nothing to do
    // A directory cannot move below itself; nor, in an exchange, can the other.
    if (moving->is_dir() && moving->contains(to.dir)) return Err(Errno::Inval);
    if ((flags & rf::Exchange) && target->inode->is_dir() && target->inode->contains(from.dir))
        return Err(Errno::Inval);
    if (flags & rf::Exchange) {
        from.dir->exchange(source, to.dir, target);
        return 0;
    }
    if (target) {
        if (moving->is_dir() && !target->inode->is_dir()) return Err(Errno::NotDir);
        if (!moving->is_dir() && target->inode->is_dir()) return Err(Errno::IsDir);
        if (target->inode->is_dir() && !target->inode->empty()) return Err(Errno::NotEmpty);
        to.dir->unlink(target);
    }
    from.dir->move_to(source, to.dir, to.name);
    return 0;
}

/// renameat(olddirfd, oldpath, newdirfd, newpath): renameat2 without flags.
Result<long> sys_renameat(const SyscallArgs& a) { return sys_renameat2({a.a0, a.a1, a.a2, a.a3, 0, 0}); }

/// rename(oldpath, newpath): renameat from the working directory.
Result<long> sys_rename(const SyscallArgs& a) {
    const auto cwd = static_cast<uint64_t>(abi::at::FdCwd);
    return sys_renameat2({cwd, a.a0, cwd, a.a1, 0, 0});
}

/// chdir(path): the process's working directory becomes @p path's.
Result<long> sys_chdir(const SyscallArgs& a) {
    const UserPath path = TRY(UserPath::copy(a.a0));
    IrqLock guard(fs_lock());
    fs::Inode* dir = TRY(resolve_at(FileRef(), path.view()));  // from the working directory
    if (!dir->is_dir()) return Err(Errno::NotDir);
    current_process()->fs.set_cwd(dir);
    return 0;
}

/// fchdir(fd): the working directory becomes the directory @p fd has open.
Result<long> sys_fchdir(const SyscallArgs& a) {
    const FileRef file = TRY(current_files().hold(static_cast<uint32_t>(a.a0)));  // let go after the lock
    FsFile* opened = file->as_fs_file();
    IrqLock guard(fs_lock());
    if (!opened || !opened->inode()->is_dir()) return Err(Errno::NotDir);
    current_process()->fs.set_cwd(opened->inode());
    return 0;
}

/// getcwd(buf, size): the working directory's absolute path, NUL
/// included; its length. Errno::Range if it does not fit, Errno::NoEnt if
/// the directory has been removed.
Result<long> sys_getcwd(const SyscallArgs& a) {
    const uint64_t buf = a.a0, size = a.a1;
    auto* scratch = static_cast<char*>(heap_allocate(abi::kPathMax, 1));
    if (!scratch) return Err(Errno::NoMem);
    Result<long> result = Err(Errno::Range);
    {
        IrqLock guard(fs_lock());
        const Result<char*> path = fs::absolute_path(current_process()->fs.cwd(), scratch, abi::kPathMax);
        if (!path) {
            result = Err(path.error());
        } else {
            const size_t length = scratch + abi::kPathMax - *path;  // with the NUL
            if (length <= size)
                result = copy_to_user(buf, *path, length) ? Result<long>(static_cast<long>(length)) : Err(Errno::Fault);
        }
    }
    heap_free(scratch);
    return result;
}

/// fchmodat(dirfd, path, mode): give the file @p path names the permission
/// bits of @p mode (07777). Every program is root here, so no check stops it.
Result<long> sys_fchmodat(const SyscallArgs& a) {
    const auto dirfd = static_cast<int>(a.a0);
    const UserPath path = TRY(UserPath::copy(a.a1));
    const FileRef dir = TRY(hold_dirfd(dirfd, path.view()));  // let go after the lock (sys/fs_at.h)
    IrqLock guard(fs_lock());
    fs::Inode* inode = TRY(resolve_at(dir, path.view()));
    inode->set_permissions(static_cast<uint32_t>(a.a2));
    return 0;
}

/// chmod(path, mode): fchmodat from the working directory.
Result<long> sys_chmod(const SyscallArgs& a) {
    return sys_fchmodat({static_cast<uint64_t>(abi::at::FdCwd), a.a0, a.a1, 0, 0, 0});
}

/// fchmod(fd, mode): the permission bits of the file @p fd has open
/// (Errno::Perm for a pipe or the console, which have no inode here).
Result<long> sys_fchmod(const SyscallArgs& a) {
    const FileRef file = TRY(current_files().hold(static_cast<uint32_t>(a.a0)));  // let go after the lock
    FsFile* opened = file->as_fs_file();
    if (!opened) return Err(Errno::Perm);
    IrqLock guard(fs_lock());
    opened->inode()->set_permissions(static_cast<uint32_t>(a.a1));
    return 0;
}
