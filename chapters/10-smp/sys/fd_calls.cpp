/**
 * @file chapters/10-smp/sys/fd_calls.cpp
 * @brief What a descriptor is, rather than what it carries: fcntl (its
 * flag, its file's flags, copies of it) and ioctl (requests to the file).
 *
 * Two kinds of flags, as on Linux: FD_CLOEXEC belongs to the descriptor
 * (FileTable::close_on_exec), so a copy made by F_DUPFD has its own; the
 * status flags (O_NONBLOCK...) belong to the open file, which every copy
 * shares. There is no exec yet, so FD_CLOEXEC changes nothing but what
 * F_GETFD answers: which is all Linux does with it until an exec.
 *
 * (Chapter 10: the file is held for the call and FD_CLOEXEC changes under
 * the table's lock: another thread, on another CPU, may close or dup the
 * same descriptor meanwhile.)
 */
#include "common/abi/linux.h"
#include "proc/file.h"
#include "proc/process.h"
#include "proc/uaccess.h"
#include "sys/syscall.h"

using abi::Errno;

/// The highest descriptor a process may have, plus one (sys/file_calls.cpp).
uint64_t descriptor_limit();

namespace {

void set_close_on_exec(FileTable& files, uint32_t fd, bool on) {
    IrqLock guard(files.lock);
    if (on) files.close_on_exec |= 1ull << fd;
    else files.close_on_exec &= ~(1ull << fd);
}

bool close_on_exec(const FileTable& files, uint32_t fd) {
    IrqLock guard(files.lock);
    return (files.close_on_exec >> fd) & 1;
}

}  // namespace

/// fcntl(fd, cmd, arg): F_DUPFD and F_DUPFD_CLOEXEC (a copy at the lowest
/// free descriptor from @p arg on: Errno::Inval if @p arg is past
/// RLIMIT_NOFILE, Errno::MFile if none is free), F_GETFD and F_SETFD
/// (FD_CLOEXEC), F_GETFL and F_SETFL (File::set_status_flags). Errno::BadF
/// first, then Errno::Inval for any other command, as Linux answers one it
/// does not know (locks, owners, leases and pipe sizes are not here).
Result<long> sys_fcntl(const SyscallArgs& a) {
    const auto fd = static_cast<uint32_t>(a.a0);
    const auto cmd = static_cast<uint32_t>(a.a1);
    const auto arg = static_cast<uint32_t>(a.a2);  // Linux takes an int from it for these commands
    FileTable& files = current_files();
    const FileRef file = TRY(files.hold(fd));
    using namespace abi::fcntl_cmd;
    switch (cmd) {
    case DupFd:
    case DupFdCloExec:
        if (arg >= descriptor_limit()) return Err(Errno::Inval);
        file->ref();  // the copy's reference: install() takes it over, or drops it
        return TRY(files.install(file.get(), cmd == DupFdCloExec, arg));
    case GetFd: return close_on_exec(files, fd) ? FdCloExec : 0;
    case SetFd:
        set_close_on_exec(files, fd, arg & FdCloExec);
        return 0;
    case GetFl: return file->status_flags();
    case SetFl:
        TRY(file->set_status_flags(static_cast<int>(arg)));
        return 0;
    }
    return Err(Errno::Inval);
}

/// ioctl(fd, request, arg): first the requests every descriptor takes
/// (Linux's do_vfs_ioctl): FIOCLEX and FIONCLEX set and clear FD_CLOEXEC,
/// FIONBIO sets O_NONBLOCK from the int at @p arg. Then the file's own
/// (File::ioctl): the console is a terminal (TCGETS, TIOCGWINSZ...), a pipe
/// answers FIONREAD; anything else is Errno::NoTty.
Result<long> sys_ioctl(const SyscallArgs& a) {
    const auto fd = static_cast<uint32_t>(a.a0);
    const auto request = static_cast<uint32_t>(a.a1);
    FileTable& files = current_files();
    const FileRef file = TRY(files.hold(fd));
    using namespace abi::ioctl_req;
    switch (request) {
    case FioClex:
        set_close_on_exec(files, fd, true);
        return 0;
    case FionClex:
        set_close_on_exec(files, fd, false);
        return 0;
    case FionBio: {
        const int on = TRY(read_user<int>(a.a2));
        const int others = file->status_flags() & ~abi::open_flag::NonBlock;
        TRY(file->set_status_flags(others | (on ? abi::open_flag::NonBlock : 0)));
        return 0;
    }
    }
    return file->ioctl(request, a.a2);
}
