/**
 * @file chapters/07-threads/sys/file_calls.cpp
 * @brief The calls on file descriptors, through the process's table:
 * read, write, readv, writev, close, pipe2. (Chapter 07: pipe2's
 * O_NONBLOCK now matters, since a pipe makes its reader or writer wait;
 * each call passes the file's Blocking to its read or write.)
 *
 * Each call makes Linux's checks in Linux's order (vfs_read/vfs_write):
 * the descriptor (EBADF), whether it was opened for this (EBADF), whether
 * the file can do it at all (EINVAL: an io_uring fd cannot be read), the
 * buffers' ranges (EFAULT, EINVAL: making the UserIter), then the file's
 * own operation. The file is held until the call returns (FileRef): a
 * read or write may sleep, and another thread may close the descriptor.
 */
#include "proc/file.h"
#include "proc/process.h"
#include "proc/uaccess.h"
#include "sys/syscall.h"

using abi::Errno;

/// read(fd, buf, count) through the process's descriptor table.
Result<long> sys_read(const SyscallArgs& a) {
    FileRef file = TRY(current_files().hold_for(static_cast<uint32_t>(a.a0), kReadable, kCanRead));
    UserIter to = TRY(UserIter::buffer(a.a1, a.a2));
    return file->read(to, file->blocking());
}

/// write(fd, buf, count) through the process's descriptor table.
Result<long> sys_write(const SyscallArgs& a) {
    FileRef file = TRY(current_files().hold_for(static_cast<uint32_t>(a.a0), kWritable, kCanWrite));
    UserIter from = TRY(UserIter::buffer(a.a1, a.a2));
    return file->write(from, file->blocking());
}

/// readv(fd, iov, iovcnt): the iovec array is checked whole before a byte moves.
Result<long> sys_readv(const SyscallArgs& a) {
    FileRef file = TRY(current_files().hold_for(static_cast<uint32_t>(a.a0), kReadable, kCanRead));
    UserIter to = TRY(UserIter::iovecs(a.a1, static_cast<uint32_t>(a.a2)));
    return file->read(to, file->blocking());
}

/// writev(fd, iov, iovcnt): as readv.
Result<long> sys_writev(const SyscallArgs& a) {
    FileRef file = TRY(current_files().hold_for(static_cast<uint32_t>(a.a0), kWritable, kCanWrite));
    UserIter from = TRY(UserIter::iovecs(a.a1, static_cast<uint32_t>(a.a2)));
    return file->write(from, file->blocking());
}

/// close(fd): 0 or Errno::BadF.
Result<long> sys_close(const SyscallArgs& a) {
    TRY(current_files().close(static_cast<uint32_t>(a.a0)));
    return 0;
}

/// RLIMIT_NOFILE (sys/info_calls.cpp): the size of the table.
uint64_t descriptor_limit() { return FileTable::kMaxFiles; }

/// pipe2(fds, flags): a pipe; its read and write descriptors go to user
/// fds[0] and fds[1]. O_NONBLOCK makes both ends answer EAGAIN instead of
/// waiting; O_CLOEXEC sets both descriptors' FD_CLOEXEC (there is no exec
/// yet to act on it); other flags are Errno::Inval.
Result<long> sys_pipe2(const SyscallArgs& a) {
    const uint64_t fds_at = a.a0;
    const int flags = static_cast<int>(a.a1);
    if (flags & ~(abi::open_flag::NonBlock | abi::open_flag::CloExec)) return Err(Errno::Inval);
    File *read_end, *write_end;
    TRY(make_pipe(read_end, write_end));
    (void)read_end->set_status_flags(flags & abi::open_flag::NonBlock);
    (void)write_end->set_status_flags(flags & abi::open_flag::NonBlock);
    const bool cloexec = flags & abi::open_flag::CloExec;
    FileTable& files = current_files();
    const Result<int> rfd = files.install(read_end, cloexec);
    if (!rfd) {
        write_end->unref();
        return Err(rfd.error());
    }
    const Result<int> wfd = files.install(write_end, cloexec);
    const int fds[2] = {*rfd, wfd.value_or(-1)};
    const Result<void> copied = wfd ? copy_to_user(fds_at, fds, sizeof fds) : Err(wfd.error());
    if (!copied) {  // as on Linux, a failed pipe2 leaves no descriptor behind
        (void)files.close(static_cast<uint32_t>(*rfd));
        if (wfd) (void)files.close(static_cast<uint32_t>(*wfd));
        return Err(copied.error());
    }
    return 0;
}

/// pipe(fds): pipe2(fds, 0), the older call (musl's pipe() makes it).
Result<long> sys_pipe(const SyscallArgs& a) { return sys_pipe2({a.a0, 0, 0, 0, 0, 0}); }
