/**
 * @file chapters/06-io_uring/proc/file.cpp
 * @brief File defaults, the descriptor table, the console as a file, and
 * iovec arrays.
 */
#include "proc/file.h"

#include "common/abi/io_uring.h"
#include "common/str.h"
#include "kernel/heap.h"
#include "proc/console_io.h"
#include "proc/process.h"
#include "proc/uaccess.h"

using abi::Errno;

// A file without the operation. The syscalls check allows(kCanRead) first,
// so these are reached only through io_uring, which answers as Linux does.
Result<long> File::read(uint64_t, uint64_t) { return Err(Errno::Inval); }
Result<long> File::write(uint64_t, uint64_t) { return Err(Errno::Inval); }
Result<FileMemory> File::mmap(uint64_t, uint64_t) { return Err(Errno::NoDev); }
bool File::wait_for_data(uring::Request&) { return false; }
void File::cancel_wait(uring::Request&) {}

void File::unref() {
    if (--m_refs == 0) delete this;
}

// ------------------------------------------------------- descriptor table

FileTable::~FileTable() {
    for (int fd = 0; fd < kMaxFiles; ++fd) (void)close(static_cast<uint32_t>(fd));
}

Result<File*> FileTable::get(uint32_t fd) const {
    if (fd >= kMaxFiles || !files[fd]) return Err(Errno::BadF);
    return files[fd];
}

Result<File*> FileTable::get_for(uint32_t fd, unsigned open, unsigned can) const {
    File* file = TRY(get(fd));
    if (!file->allows(open)) return Err(Errno::BadF);
    if (!file->allows(can)) return Err(Errno::Inval);
    return file;
}

Result<int> FileTable::install(File* file) {
    for (int fd = 0; fd < kMaxFiles; ++fd)
        if (!files[fd]) {
            files[fd] = file;
            return fd;
        }
    file->unref();
    return Err(Errno::MFile);
}

Result<void> FileTable::close(uint32_t fd) {
    File* file = TRY(get(fd));
    files[fd] = nullptr;  // first: the file's destructor may look at the table
    file->unref();
    return {};
}

FileTable& current_files() { return current_process()->files; }

// ---------------------------------------------------------------- console

namespace {

/// The serial console: reads take what the UART holds now, writes go out at once.
class ConsoleFile final : public File {
public:
    ConsoleFile() : File(kReadable | kWritable | kCanRead | kCanWrite) {}
    Result<long> read(uint64_t buf, uint64_t len) override { return console_read_to_user(buf, len); }
    Result<long> write(uint64_t buf, uint64_t len) override { return console_write_from_user(buf, len); }
};

}  // namespace

Result<void> open_console(FileTable& files) {
    File* console = TRY(make<ConsoleFile>());  // one file, three descriptors
    console->ref();
    console->ref();
    for (int fd = 0; fd < 3; ++fd) files.files[fd] = console;
    return {};
}

// ----------------------------------------------------------------- iovecs

Result<IoVecs> IoVecs::import(uint64_t at, uint64_t count) {
    if (count > abi::io_uring::kMaxIovecs) return Err(Errno::Inval);
    IoVecs v;
    if (count > kInline) {
        v.m_vec = static_cast<abi::IoVec*>(heap_allocate(count * sizeof(abi::IoVec), alignof(abi::IoVec)));
        if (!v.m_vec) return Err(Errno::NoMem);  // v's destructor sees m_vec == nullptr: nothing to free
    }
    v.m_count = count;
    TRY(copy_from_user(v.m_vec, at, count * sizeof(abi::IoVec)));
    // As Linux: a negative length is EINVAL; every buffer must lie in user
    // space (EFAULT) before any byte moves; the total is capped at MAX_RW_COUNT.
    constexpr uint64_t kMaxRwCount = 0x7ffff000;
    uint64_t total = 0;
    for (uint64_t i = 0; i < count; ++i) {
        abi::IoVec& iov = v.m_vec[i];
        if (static_cast<int64_t>(iov.len) < 0) return Err(Errno::Inval);
        TRY(check_user_range(iov.base, iov.len));
        if (iov.len > kMaxRwCount - total) iov.len = kMaxRwCount - total;
        total += iov.len;
    }
    return v;
}

IoVecs::IoVecs(IoVecs&& other) : m_count(other.m_count) {
    if (other.m_vec == other.m_inline) {
        mem::copy(m_inline, other.m_inline, sizeof m_inline);
    } else {
        m_vec = other.m_vec;
        other.m_vec = other.m_inline;  // other no longer owns the heap array
    }
    other.m_count = 0;
}

IoVecs::~IoVecs() {
    if (m_vec != m_inline) heap_free(m_vec);
}

Result<long> file_vector_io(File* file, const IoVecs& iovecs, bool write) {
    long total = 0;
    for (const abi::IoVec& iov : iovecs) {
        if (iov.len == 0) continue;
        const Result<long> n = write ? file->write(iov.base, iov.len) : file->read(iov.base, iov.len);
        if (!n) return total > 0 ? Result<long>(total) : n;
        total += *n;
        if (static_cast<uint64_t>(*n) < iov.len) break;
    }
    return total;
}
