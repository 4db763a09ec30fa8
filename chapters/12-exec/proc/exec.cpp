/**
 * @file chapters/12-exec/proc/exec.cpp
 * @brief The program a process runs: /proc/self/exe.
 */
#include "fs/inode.h"
#include "proc/process.h"

using abi::Errno;

/// Where /proc/self/exe leads: the running process's program file (a
/// boot module's /bin/NAME, or what it last exec'd).
Result<fs::LinkTarget> proc_self_exe() {
    const Process* process = current_process();
    if (!process || !process->exe || !process->exe_path) return Err(Errno::NoEnt);
    return fs::LinkTarget{process->exe, process->exe_path};
}
