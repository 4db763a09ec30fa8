/**
 * @file chapters/11-files/proc/file.h
 * @brief Open files and the per-process descriptor table. (Chapter 11:
 * every file answers fstat, and a file of the file system - fs/fs_file.h -
 * says so, for the calls only such files have: lseek, pread, getdents64...)
 *
 * A descriptor is an index into the process's FileTable; the entry points
 * to a File. Files are reference-counted: the table holds one reference per
 * descriptor, an io_uring request that waits on a file holds one, and so
 * does each mapping of a file, so closing a descriptor while a read is
 * pending or the file is mapped does not pull the file out from under them
 * (Linux does the same with fget/fput). The last reference deletes it.
 *
 * An open file also has status flags (Linux's f_flags: O_NONBLOCK,
 * O_APPEND...), which fcntl(F_GETFL) reports with the access mode and
 * F_SETFL changes; they belong to the file, so every descriptor of it sees
 * them. A descriptor has one flag of its own, FD_CLOEXEC, kept by the
 * table (Linux's close_on_exec bitmap).
 *
 * Chapter 07: O_NONBLOCK now matters - it says whether a read or write
 * that would have to wait waits, or fails with EAGAIN. Each read and write
 * is told which (Blocking): the file's own flag for read() and write(),
 * always "no" for an io_uring READ, which must not put the submitting
 * thread to sleep - it is parked and finished later instead (Linux's
 * IOCB_NOWAIT).
 *
 * A call that uses a file holds a reference on it until it returns
 * (FileRef, Linux's fdget/fdput): while it sleeps in a pipe or a ring,
 * another thread may close the descriptor, and the file must outlive the
 * call that is still inside it.
 *
 * A read or write gets its user buffers as a UserIter (proc/user_iter.h),
 * already checked to lie in user space: read() and readv() reach the same
 * File::read, as Linux's read_iter.
 *
 * Chapter 10: two threads of a program use its table at the same moment,
 * one closing what the other looks up. The count of references is atomic,
 * and the table has a lock: a lookup takes its reference under it
 * (hold()), a close takes the entry out under it and drops the table's
 * reference after (the last one may sleep: a ring stops its poller). A
 * bare get() is safe only while the caller's own reference, or the
 * caller being the only thread, keeps the file.
 */
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "common/abi/fs.h"
#include "common/abi/linux.h"
#include "common/result.h"
#include "mm/address.h"
#include "proc/user_iter.h"
#include "sync/spinlock.h"

namespace uring {
struct Request;
}

/// What an open file allows (Linux's f_mode).
enum FileMode : unsigned {
    kReadable = 1u << 0,   ///< opened for reading (FMODE_READ): read() on a file without it is EBADF
    kWritable = 1u << 1,   ///< opened for writing (FMODE_WRITE)
    kCanRead = 1u << 2,    ///< has a read operation (FMODE_CAN_READ): without it, EINVAL
    kCanWrite = 1u << 3,   ///< has a write operation (FMODE_CAN_WRITE)
};

/// Whether a read or write that cannot go on now may sleep until it can.
enum class Blocking : bool {
    No,   ///< fail with Errno::Again instead (O_NONBLOCK, or an io_uring READ)
    Yes,  ///< sleep on the file's wait queue
};

/// What File::wait_for_data did with an io_uring READ that found nothing.
enum class Park : uint8_t {
    Parked,  ///< kept: it is retried through uring_retry_read() when data comes
    Ready,   ///< not kept: data (or end of file) came since the read failed; read again
    Never,   ///< not kept: this kind of file never makes a reader wait
};

/// Kernel memory a file lets a process map (an io_uring instance's rings).
struct FileMemory {
    VirtAddr kernel;  ///< where the kernel reaches it: whole pages
    size_t bytes;     ///< its size (a mapping may round it up to whole pages)
};

/// An open file: the console, one end of a pipe, or an io_uring instance.
class File {
public:
    /// A file with @p mode (FileMode bits), status flags @p status (O_
    /// flags, as open() would leave them) and one reference, the creator's.
    explicit File(unsigned mode, int status = 0) : m_mode(mode), m_status(status) {}
    virtual ~File() = default;

    /// Read into the user buffers of @p to. The count (0 = end of file), or
    /// an error: Errno::Again if it would have to wait and @p blocking is
    /// Blocking::No, Errno::Fault, Errno::Intr if a sleep was cut short.
    virtual Result<long> read(UserIter& to, Blocking blocking);
    /// Write from the user buffers of @p from; @p blocking as for read().
    virtual Result<long> write(UserIter& from, Blocking blocking);
    /// The kernel memory to map for an mmap at @p offset of @p len bytes;
    /// Errno::NoDev if this kind of file cannot be mapped.
    virtual Result<FileMemory> mmap(uint64_t offset, uint64_t len);
    /// Keep @p request until reading would not block, then retry it through
    /// uring_retry_read(); or say why not (chapter 10: on another CPU, data
    /// may come between the failed read and this call).
    virtual Park wait_for_data(uring::Request& request);
    /// Forget a waiting @p request (its ring is going away). False if it
    /// is not waiting here: a write on another CPU has taken it to retry it
    /// (chapter 10).
    virtual bool cancel_wait(uring::Request& request);
    /// An ioctl request this kind of file answers (sys/fd_calls.cpp has
    /// already answered those every file takes): Errno::NoTty if it has no
    /// @p request, Linux's answer for a request the file does not know.
    virtual Result<long> ioctl(uint32_t request, uint64_t arg);
    /// Non-null if this file is an io_uring instance.
    virtual class RingFile* as_ring() { return nullptr; }
    /// Non-null if this file was opened by path (fs/fs_file.h): it has a
    /// position, and lseek, pread and pwrite, getdents64, ftruncate work on it.
    virtual class FsFile* as_fs_file() { return nullptr; }
    /// What fstat reports. Every Linux file has an inode; this default is
    /// Linux's anonymous inode (an io_uring instance's): mode 0600, no type.
    virtual void stat(abi::Stat& st);

    /// True if the file has every FileMode bit of @p mode.
    [[nodiscard]] bool allows(unsigned mode) const { return (m_mode & mode) == mode; }
    /// fcntl(F_GETFL): the access mode (O_RDONLY, O_WRONLY, O_RDWR) and the status flags.
    [[nodiscard]] int status_flags() const;
    /// fcntl(F_SETFL): take O_APPEND, O_NONBLOCK, O_ASYNC and O_NOATIME from
    /// @p flags, ignore the rest. Errno::Inval for O_DIRECT, which no file here has.
    Result<void> set_status_flags(int flags);
    /// What read() and write() pass: Blocking::No if O_NONBLOCK is set.
    [[nodiscard]] Blocking blocking() const {
        return m_status & abi::open_flag::NonBlock ? Blocking::No : Blocking::Yes;
    }

    /// Take a reference.
    void ref() { m_refs.fetch_add(1, std::memory_order_relaxed); }
    /// Drop a reference; the last one deletes the file.
    void unref();

private:
    unsigned m_mode;
    int m_status;    // O_NONBLOCK, O_APPEND...: Linux's f_flags without the access mode
    std::atomic<int> m_refs{1};  // the creator's; two CPUs may take or drop one at once
};

/// A reference on a file for as long as a system call uses it: taken when
/// the descriptor is looked up, dropped when the call returns. Moved, never
/// copied; the last reference, if another thread closed the descriptor
/// meanwhile, deletes the file here.
class FileRef {
public:
    /// No file (chapter 11: a path call whose path does not start at a
    /// descriptor's directory, sys/fs_at.h).
    FileRef() : m_file(nullptr) {}
    /// Take a reference on @p file.
    explicit FileRef(File* file) : m_file(file) { m_file->ref(); }
    /// Take over @p other's reference.
    FileRef(FileRef&& other) : m_file(other.m_file) { other.m_file = nullptr; }
    FileRef(const FileRef&) = delete;
    FileRef& operator=(const FileRef&) = delete;
    FileRef& operator=(FileRef&&) = delete;
    ~FileRef() {
        if (m_file) m_file->unref();
    }
    /// The file (never called on an empty FileRef).
    File* operator->() const { return m_file; }
    /// The file, for a caller that takes its own reference (a parked
    /// request); nullptr for an empty FileRef.
    [[nodiscard]] File* get() const { return m_file; }

private:
    File* m_file;
};

/// A process's open descriptors.
struct FileTable {
    static constexpr int kMaxFiles = 64;  ///< descriptors per process (0 to 63): RLIMIT_NOFILE
    File* files[kMaxFiles] = {};          ///< indexed by descriptor; nullptr = free
    uint64_t close_on_exec = 0;           ///< bit fd: FD_CLOEXEC is set on descriptor fd
    mutable SpinLock lock;                ///< owns files[] and close_on_exec (chapter 10)

    FileTable() = default;
    FileTable(const FileTable&) = delete;
    FileTable& operator=(const FileTable&) = delete;
    /// Closes every descriptor still open.
    ~FileTable();

    /// The file behind @p fd, or Errno::BadF. Without a reference: another
    /// thread may close it at once (see the top of this file); hold() is safe.
    [[nodiscard]] Result<File*> get(uint32_t fd) const;
    /// The file behind @p fd, held for a call that may sleep, or Errno::BadF.
    [[nodiscard]] Result<FileRef> hold(uint32_t fd) const;
    /// The file behind @p fd with a reference the caller keeps (a table of
    /// its own: io_uring's registered files), taken under the table's lock;
    /// Errno::BadF for no file, or for an io_uring instance, which gets no
    /// reference at all (dropping one could free it under the caller's locks).
    [[nodiscard]] Result<File*> ref_unless_ring(uint32_t fd) const;
    /// The file behind @p fd for an operation, held, and checked as Linux's
    /// vfs_read and vfs_write do: Errno::BadF unless it was opened for it
    /// (@p open, kReadable or kWritable), Errno::Inval unless it has it (@p can).
    [[nodiscard]] Result<FileRef> hold_for(uint32_t fd, unsigned open, unsigned can) const;
    /// Put @p file at the lowest free descriptor from @p lowest on, with
    /// FD_CLOEXEC if @p cloexec, taking over the caller's reference (which
    /// is dropped on failure: Errno::MFile if no descriptor is free).
    Result<int> install(File* file, bool cloexec = false, uint32_t lowest = 0);
    /// Put @p file at descriptor @p fd (< kMaxFiles), closing what was
    /// there, with FD_CLOEXEC if @p cloexec: dup2, dup3. Takes over the
    /// caller's reference.
    void install_at(uint32_t fd, File* file, bool cloexec = false);
    /// Close @p fd, or Errno::BadF.
    Result<void> close(uint32_t fd);
};

/// The descriptor table of the running process.
FileTable& current_files();

/// Give a new process its standard descriptors 0, 1 and 2: the console.
Result<void> open_console(FileTable& files);

/// A new file for the console, with one reference: what opening
/// /dev/console gives (fs/devices.cpp). Errno::NoMem.
Result<File*> make_console_file();

/// Called by a pipe when data (or end of file) arrives for a waiting
/// io_uring read: retry it, and post its completion (sys/io_uring.cpp).
void uring_retry_read(uring::Request& request);

/// Create a pipe: its read end and its write end, each with one reference.
/// Errno::NoMem if there is no memory for it.
Result<void> make_pipe(File*& read_end, File*& write_end);
