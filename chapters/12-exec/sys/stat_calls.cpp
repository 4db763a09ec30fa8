/**
 * @file chapters/12-exec/sys/stat_calls.cpp
 * @brief The calls that look at a file without opening it: stat, lstat,
 * fstat, newfstatat, statx, access, faccessat, faccessat2, readlink,
 * readlinkat, utimensat.
 *
 * The only links in this file system are magic ones (/proc/self/exe):
 * lstat and AT_SYMLINK_NOFOLLOW look at the link itself, readlink says
 * where it leads, and answers EINVAL ("not a link") for any other file,
 * as Linux does. (Chapter 12: the magic link.)
 */
#include "fs/fs_context.h"
#include "fs/fs_file.h"
#include "fs/fs_lock.h"
#include "fs/path.h"
#include "proc/process.h"
#include "proc/uaccess.h"
#include "proc/user_string.h"
#include "sys/fs_at.h"
#include "sys/syscall.h"

using abi::Errno;
namespace at_flag = abi::at;

namespace {

/// The device number stat reports for the tree (FsFile's, fs/fs_file.cpp).
constexpr uint64_t kTreeDev = 0x15;

// stat of what @p path names from @p dirfd; with AT_EMPTY_PATH (@p
// empty_ok) an empty path names @p dirfd's own file, whatever it is. A
// link at the end is followed unless @p follow.
Result<abi::Stat> stat_at(int dirfd, StringView path, bool empty_ok, bool follow = true) {
    abi::Stat st;
    if (path.empty() && empty_ok && dirfd != at_flag::FdCwd) {
        const FileRef file = TRY(current_files().hold(static_cast<uint32_t>(dirfd)));
        file->stat(st);  // any file: a pipe, the console...
        return st;
    }
    const FileRef dir = TRY(hold_dirfd(dirfd, path));  // let go after the lock (sys/fs_at.h)
    IrqLock guard(fs_lock());
    fs::Inode* inode = path.empty() ? current_process()->fs.cwd()
                                    : TRY(fs::walk(fs_root(), TRY(start_dir(dir, path)), path, follow));
    inode->stat(st, kTreeDev);
    return st;
}

// stat of what the user's @p path_at names from @p dirfd, as newfstatat and
// statx read it: with AT_EMPTY_PATH an empty path, or (Linux 6.11 on) a
// NULL one, names @p dirfd's own file.
Result<abi::Stat> stat_path(int dirfd, uint64_t path_at, int flags) {
    const bool empty_ok = flags & at_flag::EmptyPath;
    if (path_at == 0 && empty_ok) return stat_at(dirfd, "", true);
    const UserPath path = TRY(UserPath::copy(path_at, empty_ok));
    return stat_at(dirfd, path.view(), empty_ok, !(flags & at_flag::SymlinkNoFollow));
}

abi::StatxTime statx_time(const abi::TimeSpec& t) { return {t.sec, static_cast<uint32_t>(t.nsec), 0}; }

// What access and faccessat allow for root, the only user: anything,
// except executing a file with no execute bit at all. With AT_EMPTY_PATH
// an empty path asks about @p dirfd's own file, whatever it is (a pipe too).
Result<long> check_access(int dirfd, uint64_t path_at, int mode, int flags) {
    constexpr int kValid = at_flag::EAccess | at_flag::SymlinkNoFollow | at_flag::EmptyPath;
    if (mode & ~(abi::access_mode::Read | abi::access_mode::Write | abi::access_mode::Exec)) return Err(Errno::Inval);
    if (flags & ~kValid) return Err(Errno::Inval);
    const UserPath path = TRY(UserPath::copy(path_at, flags & at_flag::EmptyPath));
    const abi::Stat st = TRY(stat_at(dirfd, path.view(), true, !(flags & at_flag::SymlinkNoFollow)));
    const bool dir = (st.mode & abi::mode::TypeMask) == abi::mode::Dir;
    if ((mode & abi::access_mode::Exec) && !dir && !(st.mode & abi::mode::AnyExec)) return Err(Errno::Acces);
    return 0;
}

// utimensat's special nanosecond values.
constexpr int64_t kUtimeNow = (1 << 30) - 1;   // UTIME_NOW
constexpr int64_t kUtimeOmit = (1 << 30) - 2;  // UTIME_OMIT

bool nsec_valid(int64_t nsec) { return nsec == kUtimeNow || nsec == kUtimeOmit || (nsec >= 0 && nsec < 1000000000); }

void set_time(abi::TimeSpec& field, const abi::TimeSpec& given, const abi::TimeSpec& now) {
    if (given.nsec == kUtimeOmit) return;
    field = given.nsec == kUtimeNow ? now : given;
}

// utimensat's work: @p path from @p dirfd, or for an empty path the file
// @p dirfd has open (the working directory for AT_FDCWD).
Result<long> set_times(int dirfd, StringView path, const abi::TimeSpec (&times)[2]) {
    const FileRef dir = TRY(hold_dirfd(dirfd, path));  // for an empty path, the file to change; let go after the lock
    IrqLock guard(fs_lock());
    fs::Inode* inode;
    if (!path.empty()) {
        inode = TRY(resolve_at(dir, path));
    } else if (!dir.get()) {
        inode = current_process()->fs.cwd();  // AT_FDCWD
    } else {
        FsFile* opened = dir->as_fs_file();
        if (!opened) return Err(Errno::Perm);  // a pipe's times are not kept (see the differences)
        inode = opened->inode();
    }
    const abi::TimeSpec now = fs::now();
    set_time(inode->atime, times[0], now);
    set_time(inode->mtime, times[1], now);
    inode->ctime = now;
    return 0;
}

}  // namespace

/// fstat(fd, statbuf): what the file says of itself (File::stat).
Result<long> sys_fstat(const SyscallArgs& a) {
    const FileRef file = TRY(current_files().hold(static_cast<uint32_t>(a.a0)));
    abi::Stat st;
    file->stat(st);
    TRY(write_user(a.a1, st));
    return 0;
}

/// newfstatat(dirfd, path, statbuf, flags): stat by path from @p dirfd.
/// Errno::Inval for a flag other than AT_SYMLINK_NOFOLLOW, AT_NO_AUTOMOUNT, AT_EMPTY_PATH.
Result<long> sys_newfstatat(const SyscallArgs& a) {
    const auto dirfd = static_cast<int>(a.a0);
    const auto flags = static_cast<int>(a.a3);
    if (flags & ~(at_flag::SymlinkNoFollow | at_flag::NoAutomount | at_flag::EmptyPath)) return Err(Errno::Inval);
    const abi::Stat st = TRY(stat_path(dirfd, a.a1, flags));
    TRY(write_user(a.a2, st));
    return 0;
}

/// stat(path, statbuf): newfstatat from the working directory.
Result<long> sys_stat(const SyscallArgs& a) {
    return sys_newfstatat({static_cast<uint64_t>(abi::at::FdCwd), a.a0, a.a1, 0, 0, 0});
}

/// lstat(path, statbuf): stat, of a link itself.
Result<long> sys_lstat(const SyscallArgs& a) {
    return sys_newfstatat({static_cast<uint64_t>(abi::at::FdCwd), a.a0, a.a1, abi::at::SymlinkNoFollow, 0, 0});
}

/// statx(dirfd, path, flags, mask, statxbuf): the basic statistics, whatever
/// @p mask asks (Linux may also give more than asked). Errno::Inval for
/// unknown flags, both sync bits, or STATX__RESERVED in @p mask.
Result<long> sys_statx(const SyscallArgs& a) {
    const auto dirfd = static_cast<int>(a.a0);
    const auto flags = static_cast<int>(a.a2);
    const auto mask = static_cast<uint32_t>(a.a3);
    constexpr int kValid = at_flag::SymlinkNoFollow | at_flag::NoAutomount | at_flag::EmptyPath | at_flag::StatxSyncType;
    if ((flags & at_flag::StatxSyncType) == at_flag::StatxSyncType) return Err(Errno::Inval);
    if (flags & ~kValid) return Err(Errno::Inval);
    if (mask & abi::statx_mask::Reserved) return Err(Errno::Inval);
    const abi::Stat st = TRY(stat_path(dirfd, a.a1, flags));
    abi::Statx sx{};
    sx.mask = abi::statx_mask::BasicStats;
    sx.blksize = static_cast<uint32_t>(st.blksize);
    sx.nlink = static_cast<uint32_t>(st.nlink);
    sx.mode = static_cast<uint16_t>(st.mode);
    sx.ino = st.ino;
    sx.size = static_cast<uint64_t>(st.size);
    sx.blocks = static_cast<uint64_t>(st.blocks);
    sx.atime = statx_time(st.atime);
    sx.mtime = statx_time(st.mtime);
    sx.ctime = statx_time(st.ctime);
    sx.rdev_major = static_cast<uint32_t>(st.rdev >> 8);
    sx.rdev_minor = static_cast<uint32_t>(st.rdev & 0xff);
    sx.dev_major = static_cast<uint32_t>(st.dev >> 8);
    sx.dev_minor = static_cast<uint32_t>(st.dev & 0xff);
    TRY(write_user(a.a4, sx));
    return 0;
}

/// faccessat2(dirfd, path, mode, flags): may the caller use the file so?
Result<long> sys_faccessat2(const SyscallArgs& a) {
    return check_access(static_cast<int>(a.a0), a.a1, static_cast<int>(a.a2), static_cast<int>(a.a3));
}

/// faccessat(dirfd, path, mode): faccessat2 without flags.
Result<long> sys_faccessat(const SyscallArgs& a) {
    return check_access(static_cast<int>(a.a0), a.a1, static_cast<int>(a.a2), 0);
}

/// access(path, mode): faccessat from the working directory.
Result<long> sys_access(const SyscallArgs& a) {
    return check_access(abi::at::FdCwd, a.a0, static_cast<int>(a.a1), 0);
}

/// readlinkat(dirfd, path, buf, size): where a link leads, without a NUL
/// and cut to @p size bytes; its length. Errno::Inval for a size that is
/// not positive, and for a file that is not a link; an empty path (@p
/// dirfd's own file) is Errno::NoEnt, as Linux answers for one that is no link.
Result<long> sys_readlinkat(const SyscallArgs& a) {
    const auto dirfd = static_cast<int>(a.a0);
    const auto size = static_cast<int>(a.a3);
    if (size <= 0) return Err(Errno::Inval);
    const UserPath path = TRY(UserPath::copy(a.a1, true));
    if (path.view().empty()) {  // @p dirfd's own file: no link can be open here
        if (dirfd != at_flag::FdCwd) TRY(current_files().get(static_cast<uint32_t>(dirfd)));
        return Err(Errno::NoEnt);
    }
    const FileRef dir = TRY(hold_dirfd(dirfd, path.view()));  // let go after the lock (sys/fs_at.h)
    IrqLock guard(fs_lock());
    fs::Inode* inode = TRY(fs::walk(fs_root(), TRY(start_dir(dir, path.view())), path.view(), false));
    if (inode->type() != fs::Type::MagicLink) return Err(Errno::Inval);
    const fs::LinkTarget target = TRY(inode->resolve());
    size_t length = cstr::length(target.path);
    if (length > static_cast<size_t>(size)) length = static_cast<size_t>(size);
    TRY(copy_to_user(a.a2, target.path, length));
    return static_cast<long>(length);
}

/// readlink(path, buf, size): readlinkat from the working directory.
Result<long> sys_readlink(const SyscallArgs& a) {
    return sys_readlinkat({static_cast<uint64_t>(abi::at::FdCwd), a.a0, a.a1, a.a2, 0, 0});
}

/// utimensat(dirfd, path, times, flags): set a file's access and
/// modification times (both now if @p times is NULL; UTIME_NOW and
/// UTIME_OMIT as Linux). A NULL path means @p dirfd's own file (futimens).
Result<long> sys_utimensat(const SyscallArgs& a) {
    const auto dirfd = static_cast<int>(a.a0);
    const auto flags = static_cast<int>(a.a3);
    abi::TimeSpec times[2] = {{0, kUtimeNow}, {0, kUtimeNow}};
    if (a.a2) {
        TRY(copy_from_user(times, a.a2, sizeof times));
        if (times[0].nsec == kUtimeOmit && times[1].nsec == kUtimeOmit) return 0;
    }
    if (flags & ~(at_flag::SymlinkNoFollow | at_flag::EmptyPath)) return Err(Errno::Inval);
    if (!nsec_valid(times[0].nsec) || !nsec_valid(times[1].nsec)) return Err(Errno::Inval);
    if (!a.a1) {  // futimens: the descriptor's own file
        if (dirfd == at_flag::FdCwd) return Err(Errno::Fault);
        return set_times(dirfd, "", times);
    }
    const UserPath path = TRY(UserPath::copy(a.a1, flags & at_flag::EmptyPath));
    return set_times(dirfd, path.view(), times);
}
