/**
 * @file chapters/04-user/sys/proc_calls.cpp
 * @brief The process calls: getpid, exit (and exit_group), arch_prctl.
 */
#include "arch/process_switch.h"
#include "common/abi/linux.h"
#include "mm/user_space.h"
#include "proc/process.h"
#include "proc/uaccess.h"
#include "sys/syscall.h"

using abi::Errno;

/// getpid(): the running process's id; the null syscall the measurements time.
Result<long> sys_getpid(const SyscallArgs&) { return current_process()->pid; }

/// exit(status) and exit_group(status): end the process with status & 0xff; never returns.
Result<long> sys_exit(const SyscallArgs& a) { process_exit(static_cast<int>(a.a0) & 0xff); }

/// arch_prctl(code, addr): set or get the user FS or GS base (ARCH_SET_FS...).
/// A base outside user space is Errno::Perm, an unknown code Errno::Inval,
/// as on Linux. The bases are read from the CPU, which is where they live:
/// the program can change them itself (`mov` to %fs, wrfsbase).
Result<long> sys_arch_prctl(const SyscallArgs& a) {
    const int code = static_cast<int>(a.a0);
    const uint64_t value = a.a1;
    switch (static_cast<abi::ArchPrctl>(code)) {
    case abi::ArchPrctl::SetFs:
        if (value >= g_user_top) return Err(Errno::Perm);
        set_user_fs_base(value);
        return 0;
    case abi::ArchPrctl::SetGs:
        if (value >= g_user_top) return Err(Errno::Perm);
        set_user_gs_base(value);
        return 0;
    case abi::ArchPrctl::GetFs:
        TRY(write_user(value, user_fs_base()));
        return 0;
    case abi::ArchPrctl::GetGs:
        TRY(write_user(value, user_gs_base()));
        return 0;
    }
    return Err(Errno::Inval);
}
