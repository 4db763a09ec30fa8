/**
 * @file chapters/11-files/sys/open_calls.cpp
 * @brief The calls on open files: open, openat, creat, lseek, pread64,
 * pwrite64, getdents64, ftruncate, truncate, fsync, fdatasync, dup, dup2,
 * dup3, umask.
 *
 * Each makes Linux's checks in Linux's order (fs/open.c, fs/read_write.c,
 * fs/namei.c): when two arguments are bad, the errno is the one Linux gives.
 */
#include "fs/fs_context.h"
#include "fs/fs_file.h"
#include "fs/fs_lock.h"
#include "fs/path.h"
#include "proc/file.h"
#include "proc/process.h"
#include "proc/user_string.h"
#include "sys/fs_at.h"
#include "sys/syscall.h"

using abi::Errno;
namespace open_flag = abi::open_flag;

namespace {

// The inode openat opens, made first if O_CREAT asks for it (then
// @p created is set); with the fs lock held. As Linux's path_openat and do_open.
Result<fs::Inode*> find_or_create(const FileRef& dir, StringView path, int flags, uint32_t mode, bool& created) {
    fs::Inode* start = TRY(start_dir(dir, path));
    if (!(flags & open_flag::Creat)) return fs::walk(fs_root(), start, path);
    const fs::ParentAndName at = TRY(fs::walk_parent(fs_root(), start, path));
    if (fs::is_special(at.name) || at.trailing_slash) return Err(Errno::IsDir);  // O_CREAT of "dir/" or "."
    const Result<fs::Inode*> found = fs::lookup_in(at.dir, at.name);
    if (found) {
        if (flags & open_flag::Excl) return Err(Errno::Exist);
        if ((*found)->is_dir()) return Err(Errno::IsDir);
        return *found;
    }
    if (found.error() != Errno::NoEnt) return Err(found.error());
    fs::Inode* inode = TRY(fs::Inode::create(fs::Type::Regular, mode & ~current_process()->fs.umask));
    const Result<void> linked = at.dir->link(at.name, inode);
    inode->unref();  // the entry holds it now (or, on failure, nothing does)
    if (!linked) return Err(linked.error());
    created = true;
    return inode;
}

}  // namespace

/// openat(dirfd, path, flags, mode): open (and with O_CREAT make) the file
/// at @p path; the lowest free descriptor, FD_CLOEXEC with O_CLOEXEC.
/// O_TMPFILE is Errno::OpNotSupp (see the chapter's differences).
Result<long> sys_openat(const SyscallArgs& a) {
    const auto dirfd = static_cast<int>(a.a0);
    const auto flags = static_cast<int>(a.a2);
    const auto mode = static_cast<uint32_t>(a.a3);
    const UserPath path = TRY(UserPath::copy(a.a1));
    if ((flags & open_flag::TmpFile) == open_flag::TmpFile) return Err(Errno::OpNotSupp);
    const FileRef dir = TRY(hold_dirfd(dirfd, path.view()));  // let go after the lock (sys/fs_at.h)
    File* file;
    {
        IrqLock guard(fs_lock());
        bool created = false;
        fs::Inode* inode = TRY(find_or_create(dir, path.view(), flags, mode, created));
        const bool writes = (flags & open_flag::AccessMode) != open_flag::ReadOnly || (flags & open_flag::Trunc);
        if (!(flags & open_flag::Path)) {
            if ((flags & open_flag::Directory) && !inode->is_dir()) return Err(Errno::NotDir);
            if (inode->is_dir() && writes) return Err(Errno::IsDir);
            if ((flags & open_flag::Trunc) && !created && inode->type() == fs::Type::Regular) TRY(inode->truncate(0));
        } else if ((flags & open_flag::Directory) && !inode->is_dir()) {
            return Err(Errno::NotDir);
        }
        file = TRY(open_inode(inode, flags));
    }
    // Out of the lock: a failure closes the file, which takes it.
    return TRY(current_files().install(file, flags & open_flag::CloExec));
}

/// open(path, flags, mode): openat from the working directory.
Result<long> sys_open(const SyscallArgs& a) {
    return sys_openat({static_cast<uint64_t>(abi::at::FdCwd), a.a0, a.a1, a.a2, 0, 0});
}

/// creat(path, mode): open with O_CREAT | O_WRONLY | O_TRUNC.
Result<long> sys_creat(const SyscallArgs& a) {
    constexpr int kFlags = open_flag::Creat | open_flag::WriteOnly | open_flag::Trunc;
    return sys_openat({static_cast<uint64_t>(abi::at::FdCwd), a.a0, kFlags, a.a1, 0, 0});
}

/// lseek(fd, offset, whence): the new position. Errno::SPipe for a file
/// without one (a pipe, the console, a ring).
Result<long> sys_lseek(const SyscallArgs& a) {
    const FileRef file = TRY(current_files().hold(static_cast<uint32_t>(a.a0)));
    const auto whence = static_cast<unsigned>(a.a2);
    if (whence > abi::seek::Hole) return Err(Errno::Inval);  // before ESPIPE, as Linux
    FsFile* opened = file->as_fs_file();
    if (!opened) return Err(Errno::SPipe);
    return TRY(opened->seek(static_cast<int64_t>(a.a1), static_cast<int>(whence)));
}

/// pread64(fd, buf, count, pos): read at @p pos without moving the position.
Result<long> sys_pread64(const SyscallArgs& a) {
    if (static_cast<int64_t>(a.a3) < 0) return Err(Errno::Inval);  // first, as Linux
    const FileRef file = TRY(current_files().hold(static_cast<uint32_t>(a.a0)));
    FsFile* opened = file->as_fs_file();
    if (!opened) return Err(Errno::SPipe);
    if (!file->allows(kReadable)) return Err(Errno::BadF);  // then as vfs_read
    if (!file->allows(kCanRead)) return Err(Errno::Inval);
    UserIter to = TRY(UserIter::buffer(a.a1, a.a2));
    return opened->pread(to, a.a3);
}

/// pwrite64(fd, buf, count, pos): write at @p pos without moving the position.
Result<long> sys_pwrite64(const SyscallArgs& a) {
    if (static_cast<int64_t>(a.a3) < 0) return Err(Errno::Inval);
    const FileRef file = TRY(current_files().hold(static_cast<uint32_t>(a.a0)));
    FsFile* opened = file->as_fs_file();
    if (!opened) return Err(Errno::SPipe);
    if (!file->allows(kWritable)) return Err(Errno::BadF);  // then as vfs_write
    if (!file->allows(kCanWrite)) return Err(Errno::Inval);
    UserIter from = TRY(UserIter::buffer(a.a1, a.a2));
    return opened->pwrite(from, a.a3);
}

/// getdents64(fd, dirp, count): the directory's next records.
Result<long> sys_getdents64(const SyscallArgs& a) {
    const FileRef file = TRY(current_files().hold(static_cast<uint32_t>(a.a0)));
    FsFile* opened = file->as_fs_file();
    if (!opened) return Err(Errno::NotDir);
    return opened->getdents(a.a1, static_cast<uint32_t>(a.a2));
}

/// ftruncate(fd, length): Errno::Inval for a negative length, a file not
/// open for writing or not a regular file; Errno::FBig past the limit.
Result<long> sys_ftruncate(const SyscallArgs& a) {
    const auto length = static_cast<int64_t>(a.a1);
    if (length < 0) return Err(Errno::Inval);
    const FileRef file = TRY(current_files().hold(static_cast<uint32_t>(a.a0)));  // let go after the lock
    FsFile* opened = file->as_fs_file();
    if (!opened || !file->allows(kWritable)) return Err(Errno::Inval);
    IrqLock guard(fs_lock());
    if (opened->inode()->type() != fs::Type::Regular) return Err(Errno::Inval);
    TRY(opened->inode()->truncate(static_cast<uint64_t>(length)));
    return 0;
}

/// truncate(path, length): as ftruncate, by path (a directory: Errno::IsDir).
Result<long> sys_truncate(const SyscallArgs& a) {
    const auto length = static_cast<int64_t>(a.a1);
    if (length < 0) return Err(Errno::Inval);  // before the path, as Linux
    const UserPath path = TRY(UserPath::copy(a.a0));
    IrqLock guard(fs_lock());
    fs::Inode* inode = TRY(resolve_at(FileRef(), path.view()));  // from the working directory
    if (inode->is_dir()) return Err(Errno::IsDir);
    if (inode->type() != fs::Type::Regular) return Err(Errno::Inval);
    TRY(inode->truncate(static_cast<uint64_t>(length)));
    return 0;
}

/// fsync of @p file (also io_uring's FSYNC): a file in memory is always
/// "on disk", so 0 for files and directories; Errno::Inval for what cannot
/// be synced (a pipe, a device, the console), as Linux.
Result<long> fsync_file(File& file) {
    FsFile* opened = file.as_fs_file();
    if (!opened || opened->inode()->type() == fs::Type::CharDevice) return Err(Errno::Inval);
    return 0;
}

/// fsync(fd) and fdatasync(fd): fsync_file() of the file @p fd has open.
Result<long> sys_fsync(const SyscallArgs& a) {
    const FileRef file = TRY(current_files().hold(static_cast<uint32_t>(a.a0)));
    return fsync_file(*file.get());
}

/// fadvise64(fd, offset, len, advice): how the program will read the file,
/// a hint. The files here are memory already, so no advice changes
/// anything (as for Linux's tmpfs); the checks are Linux's, in its order:
/// Errno::BadF, Errno::SPipe for a pipe, Errno::Inval for a negative length
/// or an advice that is not POSIX_FADV_NORMAL (0) to POSIX_FADV_NOREUSE (5).
Result<long> sys_fadvise64(const SyscallArgs& a) {
    constexpr int kFadvNoReuse = 5;
    const FileRef file = TRY(current_files().hold(static_cast<uint32_t>(a.a0)));
    abi::Stat st;
    file->stat(st);
    if ((st.mode & abi::mode::TypeMask) == abi::mode::Fifo) return Err(Errno::SPipe);
    const auto advice = static_cast<int>(a.a3);
    if (static_cast<int64_t>(a.a2) < 0 || advice < 0 || advice > kFadvNoReuse) return Err(Errno::Inval);
    return 0;
}

/// dup(fd): a second descriptor, the lowest free, for the same open file
/// (without FD_CLOEXEC, whatever @p fd has).
Result<long> sys_dup(const SyscallArgs& a) {
    // Held while it is copied: a close on another CPU cannot free it between.
    const FileRef file = TRY(current_files().hold(static_cast<uint32_t>(a.a0)));
    file->ref();  // the new descriptor's
    return TRY(current_files().install(file.get()));
}

/// dup3(oldfd, newfd, flags): @p newfd becomes a copy of @p oldfd, closing
/// what it was. Errno::Inval for flags other than O_CLOEXEC or equal
/// descriptors, Errno::BadF for a bad one (newfd: past the table).
Result<long> sys_dup3(const SyscallArgs& a) {
    const auto oldfd = static_cast<uint32_t>(a.a0), newfd = static_cast<uint32_t>(a.a1);
    const auto flags = static_cast<int>(a.a2);
    if (flags & ~open_flag::CloExec) return Err(Errno::Inval);
    if (oldfd == newfd) return Err(Errno::Inval);
    if (newfd >= FileTable::kMaxFiles) return Err(Errno::BadF);
    const FileRef file = TRY(current_files().hold(oldfd));  // held while it is copied, as dup's
    file->ref();  // the new descriptor's
    current_files().install_at(newfd, file.get(), flags & open_flag::CloExec);
    return newfd;
}

/// dup2(oldfd, newfd): dup3 without flags, except that equal descriptors
/// are fine (if open): the answer is then @p newfd, and nothing changes.
Result<long> sys_dup2(const SyscallArgs& a) {
    const auto oldfd = static_cast<uint32_t>(a.a0), newfd = static_cast<uint32_t>(a.a1);
    if (oldfd == newfd) {
        TRY(current_files().get(oldfd));
        return newfd;
    }
    return sys_dup3({a.a0, a.a1, 0, 0, 0, 0});
}

/// umask(mask): set the permission bits new files do not get; the old mask.
Result<long> sys_umask(const SyscallArgs& a) {
    FsContext& context = current_process()->fs;
    const uint32_t old = context.umask;
    context.umask = static_cast<uint32_t>(a.a0) & 0777;
    return old;
}
