/**
 * @file chapters/06-io_uring/proc/file.cpp
 * @brief File defaults, the console as a file, and the descriptor table's
 * life with its process.
 */
#include "proc/file.h"

#include "kernel/console.h"
#include "proc/process.h"
#include "proc/uaccess.h"

using abi::Errno;

long File::read(uint64_t, uint64_t) { return -Errno::BadF; }     // not open for reading
long File::write(uint64_t, uint64_t) { return -Errno::BadF; }    // not open for writing
long File::mmap(uint64_t, uint64_t) { return -Errno::NoDev; }
bool File::wait_for_data(uring::Request&) { return false; }
void File::cancel_wait(uring::Request&) {}

void File::unref() {
    if (--m_refs == 0) delete this;
}

long FileTable::install(File* file) {
    for (int fd = 0; fd < kMaxFiles; ++fd)
        if (!files[fd]) {
            files[fd] = file;
            return fd;
        }
    file->unref();
    return -Errno::MFile;
}

long FileTable::close(uint64_t fd) {
    File* file = get(fd);
    if (!file) return -Errno::BadF;
    files[fd] = nullptr;
    file->unref();
    return 0;
}

namespace {

/// The serial console: reads take what the UART holds now (0 if nothing:
/// blocking would hang a one-process kernel), writes go out at once.
class ConsoleFile final : public File {
public:
    long read(uint64_t buf, uint64_t len) override {
        if (len == 0) return 0;
        if (!user_range_ok(current_process()->space, buf, len, true)) return -Errno::Fault;
        return static_cast<long>(console_read(reinterpret_cast<char*>(buf), len));
    }
    long write(uint64_t buf, uint64_t len) override {
        if (!user_range_ok(current_process()->space, buf, len, false)) return -Errno::Fault;
        console_write(reinterpret_cast<const char*>(buf), len);
        return static_cast<long>(len);
    }
};

}  // namespace

FileTable& current_files() { return *current_process()->files; }

void files_open(Process* process) {
    process->files = new FileTable;
    auto* console = new ConsoleFile;  // one file, three descriptors
    console->ref();
    console->ref();
    for (int fd = 0; fd < 3; ++fd) process->files->files[fd] = console;
}

void files_close(Process* process) {
    for (int fd = 0; fd < FileTable::kMaxFiles; ++fd) process->files->close(static_cast<uint64_t>(fd));
    delete process->files;
    process->files = nullptr;
}
