/**
 * @file chapters/04-user/arch/trap.cpp
 * @brief Chapter 04's trap policy: a fault in user mode kills the process
 * with Linux's signal for it (proc/signal.cpp); a fault inside a user copy
 * makes that copy fail with -EFAULT; any other fault in the kernel is
 * still a kernel bug.
 */
#include "arch/trap.h"

#include "proc/process.h"
#include "proc/signal.h"
#include "proc/uaccess.h"

extern "C" void trap_dispatch(TrapFrame* frame) {
    user_access_off();  // the program's RFLAGS.AC must not switch SMAP off in here
    if (frame->from_user() && frame->vector < 32 && current_process()) kill_current_process(*frame);
    if ((frame->vector == kPageFault || frame->vector == kGeneralProtection) && user_copy_fixup(*frame)) return;
    kernel_trap(*frame);
}
