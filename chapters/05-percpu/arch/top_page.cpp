/**
 * @file chapters/05-percpu/arch/top_page.cpp
 * @brief `toppage=1`: let programs map the last page below the non-canonical
 * hole, to watch syscall_exit's iretq fallback at work.
 *
 * Like Linux, the kernel normally ends user space one page short of the
 * hole (g_user_top, mm/user_space.h): no `syscall` can then sit in the last
 * two bytes of user space, so none can return to the first non-canonical
 * address, on which Intel's `sysretq` faults in ring 0. This chapter's exit
 * path checks the return address itself (arch/syscall_entry.S), so the
 * guard page is no longer what keeps the kernel safe; with toppage=1 the
 * user-program sysret-top puts a syscall there and the check is seen
 * working (test-sysret.expect, and in Bochs with `make bochs`).
 */
#include "common/abi/linux.h"
#include "kernel/options.h"
#include "mm/user_space.h"

namespace {
KernelOption g_top_page_option("toppage", "0|1", [](StringView v) {
    if (v == "1") g_user_top = abi::kUserSpaceEnd;
    else if (v == "0") g_user_top = abi::kTaskSize;
    else return false;
    return true;
});
}  // namespace
