/**
 * @file chapters/04-user/arch/trap.cpp
 * @brief Chapter 04's trap policy: a fault in user mode kills the process
 * with Linux's signal for it (proc/signal.cpp); a fault in the kernel is
 * still a kernel bug.
 */
#include "arch/trap.h"

#include "proc/process.h"
#include "proc/signal.h"

extern "C" void trap_dispatch(TrapFrame* frame) {
    if (frame->from_user() && frame->vector < 32 && current_process()) kill_current_process(*frame);
    kernel_trap(*frame);
}
