/**
 * @file chapters/02-traps/arch/trap.cpp
 * @brief Chapter 02's trap policy: a breakpoint is reported and resumed;
 * anything else is a kernel bug, so dump the registers and panic.
 * (Names and the dump itself are in arch/trap_dump.cpp.)
 */
#include "arch/trap.h"

#include "kernel/console.h"
#include "kernel/panic.h"
#include "kernel/symbols.h"

extern "C" void trap_dispatch(TrapFrame* frame) {
    if (frame->vector == kBreakpoint) {
        // int3 leaves RIP after itself, so returning simply carries on.
        const SymbolHit at = symbolize(frame->rip);
        kprint("[Trap] {} at {:#x} <{}+{:#x}>, resuming\n", vector_name(frame->vector), frame->rip, at.name,
               at.offset);
        return;
    }
    kprint("[Trap] Unexpected {} (vector {}), error code {:#x}\n", vector_name(frame->vector), frame->vector,
           frame->error_code);
    dump_frame(*frame);
    panic("unhandled {} in the kernel", vector_name(frame->vector));
}
