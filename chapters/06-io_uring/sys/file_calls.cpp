/**
 * @file chapters/06-io_uring/sys/file_calls.cpp
 * @brief The calls on file descriptors, now through the process's table:
 * read, write, readv, writev, close, pipe2, and mmap of a file.
 * (Replaces chapter 04's console-only version.)
 */
#include "proc/file.h"
#include "proc/process.h"
#include "proc/uaccess.h"
#include "sys/syscall.h"

using abi::Errno;

namespace {

constexpr uint64_t kMaxIovecs = 1024;  // Linux's UIO_MAXIOV

}  // namespace

long file_vector_io(File* file, uint64_t iov_addr, uint64_t count, bool write) {
    if (count > kMaxIovecs) return -Errno::Inval;
    abi::IoVec iov[16];
    long total = 0;
    for (uint64_t done = 0; done < count;) {
        const uint64_t batch = count - done < 16 ? count - done : 16;
        if (copy_from_user(iov, iov_addr + done * sizeof(abi::IoVec), batch * sizeof(abi::IoVec)) != 0)
            return total > 0 ? total : -Errno::Fault;
        for (uint64_t i = 0; i < batch; ++i) {
            const long n = write ? file->write(iov[i].base, iov[i].len) : file->read(iov[i].base, iov[i].len);
            if (n < 0) return total > 0 ? total : n;
            total += n;
            if (static_cast<uint64_t>(n) < iov[i].len) return total;
        }
        done += batch;
    }
    return total;
}

/// read(fd, buf, count) through the process's descriptor table.
long sys_read(const SyscallArgs& a) {
    File* file = current_files().get(a.a0);
    return file ? file->read(a.a1, a.a2) : -Errno::BadF;
}

/// write(fd, buf, count) through the process's descriptor table.
long sys_write(const SyscallArgs& a) {
    File* file = current_files().get(a.a0);
    return file ? file->write(a.a1, a.a2) : -Errno::BadF;
}

/// readv(fd, iov, iovcnt): see file_vector_io().
long sys_readv(const SyscallArgs& a) {
    File* file = current_files().get(a.a0);
    return file ? file_vector_io(file, a.a1, a.a2, false) : -Errno::BadF;
}

/// writev(fd, iov, iovcnt): see file_vector_io().
long sys_writev(const SyscallArgs& a) {
    File* file = current_files().get(a.a0);
    return file ? file_vector_io(file, a.a1, a.a2, true) : -Errno::BadF;
}

/// close(fd): 0 or -EBADF.
long sys_close(const SyscallArgs& a) { return current_files().close(a.a0); }

/// pipe2(fds, flags): a pipe; its read and write descriptors go to user fds[0] and fds[1].
long sys_pipe2(const SyscallArgs& a) {
    if (a.a1 & ~uint64_t(abi::open_flag::NonBlock | abi::open_flag::CloExec)) return -Errno::Inval;
    if (!user_range_ok(current_process()->space, a.a0, 2 * sizeof(int), true)) return -Errno::Fault;
    File *read_end, *write_end;
    make_pipe(read_end, write_end);
    FileTable& files = current_files();
    const long rfd = files.install(read_end);
    if (rfd < 0) {
        write_end->unref();
        return rfd;
    }
    const long wfd = files.install(write_end);
    if (wfd < 0) {
        files.close(static_cast<uint64_t>(rfd));
        return wfd;
    }
    const int fds[2] = {static_cast<int>(rfd), static_cast<int>(wfd)};
    return copy_to_user(a.a0, fds, sizeof fds);  // checked above: 0
}

/// mmap of a file descriptor (not MAP_ANONYMOUS): the file decides.
long mmap_file(const SyscallArgs& a) {
    File* file = current_files().get(a.a4);
    return file ? file->mmap(a.a5, a.a1) : -Errno::BadF;
}
