/**
 * @file chapters/06-io_uring/proc/file.h
 * @brief Open files and the per-process descriptor table.
 *
 * A descriptor is an index into the process's FileTable; the entry points
 * to a File. Files are reference-counted: the table holds one reference per
 * descriptor, and an io_uring request that waits on a file holds one more,
 * so closing the descriptor while a read is pending does not pull the file
 * out from under it (Linux does the same with fget/fput).
 *
 * All user buffers are user addresses in the current process: a File checks
 * and copies them with proc/uaccess.h.
 */
#pragma once

#include <cstdint>

#include "common/abi/linux.h"

namespace uring {
struct Request;
}

/// An open file: the console, one end of a pipe, or an io_uring instance.
class File {
public:
    virtual ~File() = default;

    /// Read up to @p len bytes into user memory at @p buf. Returns the
    /// count (0 = end of file), or -EAGAIN if it would have to wait.
    virtual long read(uint64_t buf, uint64_t len);
    /// Write @p len bytes from user memory at @p buf.
    virtual long write(uint64_t buf, uint64_t len);
    /// Map the file: the user address to return from mmap, or an error.
    virtual long mmap(uint64_t offset, uint64_t len);
    /// Keep @p request until reading would not block, then retry it through
    /// uring_retry_read(). False if this file never makes a reader wait.
    virtual bool wait_for_data(uring::Request& request);
    /// Forget a waiting @p request (its ring is going away).
    virtual void cancel_wait(uring::Request& request);
    /// Non-null if this file is an io_uring instance.
    virtual class RingFile* as_ring() { return nullptr; }

    /// Take a reference.
    void ref() { ++m_refs; }
    /// Drop a reference; the last one deletes the file.
    void unref();

private:
    int m_refs = 1;  // the creator's
};

/// A process's open descriptors.
struct FileTable {
    static constexpr int kMaxFiles = 64;  ///< descriptors per process (0 to 63)
    File* files[kMaxFiles] = {};          ///< indexed by descriptor; nullptr = free

    /// The file behind @p fd, or nullptr (any 64-bit value is accepted).
    [[nodiscard]] File* get(uint64_t fd) const { return fd < kMaxFiles ? files[fd] : nullptr; }
    /// Put @p file at the lowest free descriptor (taking over the caller's
    /// reference); -EMFILE if the table is full.
    long install(File* file);
    /// Close @p fd: 0 or -EBADF.
    long close(uint64_t fd);
};

/// The descriptor table of the running process.
FileTable& current_files();

/// Called by a pipe when data (or end of file) arrives for a waiting
/// io_uring read: retry it, and post its completion (sys/io_uring.cpp).
void uring_retry_read(uring::Request& request);

/// readv/writev on @p file with @p count iovecs at user address @p iov_addr:
/// one call per iovec until one comes up short; an error after some bytes
/// moved is reported as the count so far, as Linux does.
long file_vector_io(File* file, uint64_t iov_addr, uint64_t count, bool write);

/// Create a pipe: two files, the read end and the write end.
void make_pipe(File*& read_end, File*& write_end);
