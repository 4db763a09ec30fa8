/**
 * @file chapters/04-user/arch/trap.cpp
 * @brief Chapter 04's trap policy: a fault in user mode kills the process
 * with Linux's signal for it (proc/signal.cpp); a fault in the kernel is
 * still a kernel bug.
 */
#include "arch/trap.h"

#include "kernel/console.h"
#include "kernel/panic.h"
#include "kernel/symbols.h"
#include "proc/process.h"
#include "proc/signal.h"

extern "C" void trap_dispatch(TrapFrame* frame) {
    if (frame->from_user() && frame->vector < 32 && current_process()) kill_current_process(*frame);
    if (frame->vector == kBreakpoint) {
        const SymbolHit at = symbolize(frame->rip);
        kprint("[Trap] {} at {:#x} <{}+{:#x}>, resuming\n", vector_name(frame->vector), frame->rip, at.name,
               at.offset);
        return;
    }
    kprint("[Trap] Unexpected {} (vector {}) in {} mode, error code {:#x}\n", vector_name(frame->vector),
           frame->vector, frame->from_user() ? "user" : "kernel", frame->error_code);
    dump_frame(*frame);
    panic("unhandled {} in the kernel", vector_name(frame->vector));
}
