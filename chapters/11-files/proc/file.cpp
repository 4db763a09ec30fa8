/**
 * @file chapters/11-files/proc/file.cpp
 * @brief File defaults, the descriptor table, and the console as a file.
 * (Chapter 07's version: reads and writes say whether they may sleep, and
 * a console read waits for input. Chapter 11's: fstat, dup2's install_at,
 * and the console as /dev/console opens it. Chapter 10's: the table's
 * lock, and counts of references that two CPUs may change at once.)
 */
#include "proc/file.h"

#include "dev/serial_input.h"
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
Park File::wait_for_data(uring::Request&) { return Park::Never; }
bool File::cancel_wait(uring::Request&) { return true; }  // never parks one
Result<long> File::ioctl(uint32_t, uint64_t) { return Err(Errno::NoTty); }

int File::status_flags() const {
    const bool r = allows(kReadable), w = allows(kWritable);
    return (r && w ? abi::open_flag::ReadWrite : (w ? abi::open_flag::WriteOnly : abi::open_flag::ReadOnly)) | m_status;
}

Result<void> File::set_status_flags(int flags) {
    using namespace abi::open_flag;
    // O_DIRECT: Linux has it for files and for pipes (as packets): not here.
    if (flags & Direct) return Err(Errno::Inval);
    // O_ASYNC is kept, and sends nothing: SIGIO goes to the owner F_SETOWN
    // names, and with no F_SETOWN there is none, on Linux too.
    constexpr int kChangeable = Append | NonBlock | Async | NoAtime;
    m_status = (flags & kChangeable) | (m_status & ~kChangeable);
    return {};
}

void File::stat(abi::Stat& st) {
    st = {};
    st.mode = 0600;  // Linux's anon_inode: read and write for its owner, no file type
    st.nlink = 1;
    st.blksize = kPageSize;
}

void File::unref() {
    if (m_refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

// ------------------------------------------------------- descriptor table

FileTable::~FileTable() {
    for (int fd = 0; fd < kMaxFiles; ++fd) (void)close(static_cast<uint32_t>(fd));
}

Result<File*> FileTable::get(uint32_t fd) const {
    IrqLock guard(lock);
    if (fd >= kMaxFiles || !files[fd]) return Err(Errno::BadF);
    return files[fd];
}

Result<FileRef> FileTable::hold(uint32_t fd) const {
    IrqLock guard(lock);  // the reference is taken before a close can drop the table's
    if (fd >= kMaxFiles || !files[fd]) return Err(Errno::BadF);
    return FileRef(files[fd]);
}

Result<File*> FileTable::ref_unless_ring(uint32_t fd) const {
    IrqLock guard(lock);
    if (fd >= kMaxFiles || !files[fd] || files[fd]->as_ring()) return Err(Errno::BadF);
    files[fd]->ref();
    return files[fd];
}

Result<FileRef> FileTable::hold_for(uint32_t fd, unsigned open, unsigned can) const {
    FileRef file = TRY(hold(fd));
    if (!file->allows(open)) return Err(Errno::BadF);
    if (!file->allows(can)) return Err(Errno::Inval);
    return file;
}

static_assert(FileTable::kMaxFiles <= 64, "close_on_exec has one bit per descriptor");

Result<int> FileTable::install(File* file, bool cloexec, uint32_t lowest) {
    {
        IrqLock guard(lock);
        for (uint32_t fd = lowest; fd < kMaxFiles; ++fd)
            if (!files[fd]) {
                files[fd] = file;
                if (cloexec) close_on_exec |= 1ull << fd;
                else close_on_exec &= ~(1ull << fd);
                return static_cast<int>(fd);
            }
    }
    file->unref();
    return Err(Errno::MFile);
}

void FileTable::install_at(uint32_t fd, File* file, bool cloexec) {
    File* old;
    {
        IrqLock guard(lock);
        old = files[fd];
        files[fd] = file;  // first: the old file's destructor may look at the table
        if (cloexec) close_on_exec |= 1ull << fd;
        else close_on_exec &= ~(1ull << fd);
    }
    if (old) old->unref();  // without the lock, as close()
}

Result<void> FileTable::close(uint32_t fd) {
    File* file;
    {
        IrqLock guard(lock);
        if (fd >= kMaxFiles || !files[fd]) return Err(Errno::BadF);
        file = files[fd];
        files[fd] = nullptr;  // first: the file's destructor may look at the table
        close_on_exec &= ~(1ull << fd);
    }
    file->unref();  // without the lock: the last reference may sleep
    return {};
}

FileTable& current_files() { return current_process()->files; }

// ---------------------------------------------------------------- console

namespace {

/// The serial console's size, for TIOCGWINSZ: 0 rows and 0 columns, as
/// Linux reports for a serial port until someone sets it (`stty rows`).
/// One for the device, as Linux keeps it with the tty, not with a file.
abi::WinSize g_console_size{};

/// The serial console: reads wait for input (dev/serial_input.h), writes go
/// out at once. It parks no io_uring READ: one that finds no input
/// completes with -EAGAIN (see the chapter's differences from Linux).
/// Opened as init's /dev/console is (O_RDWR | O_LARGEFILE).
class ConsoleFile final : public File {
public:
    ConsoleFile() : File(kReadable | kWritable | kCanRead | kCanWrite, abi::open_flag::LargeFile) {}
    Result<long> read(UserIter& to, Blocking blocking) override { return console_read_to_user(to, blocking); }
    Result<long> write(UserIter& from, Blocking) override { return console_write_from_user(from); }
    Result<long> ioctl(uint32_t request, uint64_t arg) override;
    void stat(abi::Stat& st) override {  // what Linux reports for /dev/console
        File::stat(st);
        st.mode = abi::mode::CharDev | 0600;
        st.rdev = (5 << 8) | 1;  // makedev(5, 1)
        st.blksize = 1024;
    }
};

/// What the console does, in termios terms: input CR becomes NL (ICRNL);
/// output NL becomes CR NL (OPOST, ONLCR); 115200 baud, 8 bits, no modem
/// lines (CLOCAL); no echo, no line editing, no signals from keys (an empty
/// lflag); a read waits for one byte and returns what is there (VMIN 1,
/// VTIME 0), and Ctrl-D first in a read is end of input (VEOF).
abi::Termios console_termios() {
    abi::Termios t{};
    t.iflag = 0400;                        // ICRNL
    t.oflag = 01 | 04;                     // OPOST | ONLCR
    t.cflag = 0010002 | 060 | 0200 | 04000;  // B115200 | CS8 | CREAD | CLOCAL
    t.cc[4] = 0x04;                        // VEOF: Ctrl-D
    t.cc[6] = 1;                           // VMIN
    return t;
}

// The terminal requests (drivers/tty/tty_ioctl.c, tty_io.c). A terminal's
// modes cannot be changed here: asking for the modes it has succeeds,
// asking for others is Errno::Inval (see the chapter's differences).
Result<long> ConsoleFile::ioctl(uint32_t request, uint64_t arg) {
    using namespace abi::ioctl_req;
    switch (request) {
    case TcGets:
        TRY(write_user(arg, console_termios()));
        return 0;
    case TcSets:
    case TcSetsW:
    case TcSetsF: {
        const abi::Termios asked = TRY(read_user<abi::Termios>(arg));
        const abi::Termios now = console_termios();
        if (mem::compare(&asked, &now, sizeof now) != 0) return Err(Errno::Inval);
        if (request == TcSetsF) {  // F: discard the input not yet read
            char discard[64];
            for (size_t n; (n = serial_input_peek(discard, sizeof discard)) > 0;) serial_input_consume(n);
        }
        return 0;
    }
    case TiocGWinSz:
        TRY(write_user(arg, g_console_size));
        return 0;
    case TiocSWinSz:
        g_console_size = TRY(read_user<abi::WinSize>(arg));
        return 0;
    }
    return Err(Errno::NoTty);  // TIOCGPGRP too: the console is no process's controlling terminal, as for init
}

}  // namespace

Result<File*> make_console_file() { return TRY(make<ConsoleFile>()); }

Result<void> open_console(FileTable& files) {
    File* console = TRY(make<ConsoleFile>());  // one file, three descriptors
    console->ref();
    console->ref();
    for (int fd = 0; fd < 3; ++fd) files.files[fd] = console;
    return {};
}
