/**
 * @file chapters/07-threads/proc/file.cpp
 * @brief File defaults, the descriptor table, and the console as a file.
 * (Chapter 07's version: reads and writes say whether they may sleep, and
 * a console read waits for input.)
 */
#include "proc/file.h"

#include "kernel/heap.h"
#include "proc/console_io.h"
#include "proc/process.h"
#include "proc/uaccess.h"

using abi::Errno;

// A file without the operation. The syscalls check allows(kCanRead) first,
// so these are reached only through io_uring, which answers as Linux does.
Result<long> File::read(UserIter&, Blocking) { return Err(Errno::Inval); }
Result<long> File::write(UserIter&, Blocking) { return Err(Errno::Inval); }
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

Result<FileRef> FileTable::hold(uint32_t fd) const { return FileRef(TRY(get(fd))); }

Result<FileRef> FileTable::hold_for(uint32_t fd, unsigned open, unsigned can) const {
    File* file = TRY(get(fd));
    if (!file->allows(open)) return Err(Errno::BadF);
    if (!file->allows(can)) return Err(Errno::Inval);
    return FileRef(file);
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

/// The serial console: reads wait for input (dev/serial_input.h), writes go
/// out at once. It parks no io_uring READ: one that finds no input
/// completes with -EAGAIN (see the chapter's differences from Linux).
class ConsoleFile final : public File {
public:
    ConsoleFile() : File(kReadable | kWritable | kCanRead | kCanWrite) {}
    Result<long> read(UserIter& to, Blocking blocking) override { return console_read_to_user(to, blocking); }
    Result<long> write(UserIter& from, Blocking) override { return console_write_from_user(from); }
};

}  // namespace

Result<void> open_console(FileTable& files) {
    File* console = TRY(make<ConsoleFile>());  // one file, three descriptors
    console->ref();
    console->ref();
    for (int fd = 0; fd < 3; ++fd) files.files[fd] = console;
    return {};
}
