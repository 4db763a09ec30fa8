/**
 * @file chapters/04-user/arch/trap.cpp
 * @brief Chapter 04's trap policy: a fault in user mode kills the process
 * with Linux's signal for it; a fault in the kernel is still a kernel bug.
 */
#include "arch/trap.h"

#include "common/abi/linux.h"
#include "kernel/console.h"
#include "kernel/panic.h"
#include "kernel/symbols.h"
#include "kernel/x86.h"
#include "proc/process.h"

namespace {

// The signal Linux sends for each exception raised by user code.
abi::Signal signal_for(uint64_t vector) {
    switch (vector) {
    case kDivideError: return abi::Signal::Fpe;
    case kDebug:
    case kBreakpoint: return abi::Signal::Trap;
    case kInvalidOpcode: return abi::Signal::Ill;
    case 16:  // #MF
    case 19: return abi::Signal::Fpe;  // #XM
    case 17: return abi::Signal::Bus;  // #AC
    default: return abi::Signal::Segv;  // #PF, #GP, #SS, #NP...
    }
}

[[noreturn]] void kill_current(const TrapFrame& frame) {
    const Process* p = current_process();
    const abi::Signal sig = signal_for(frame.vector);
    kprint("[Process] PID={} ({}) killed by {}: {} at RIP {:#x}", p->pid, p->name, abi::signal_name(sig),
           vector_name(frame.vector), frame.rip);
    if (frame.vector == kPageFault)
        kprint(", address {:#x} ({})", read_cr2(), frame.error_code & 1 ? "protection" : "not mapped");
    kprint("\n");
    process_exit(abi::killed_exit_status(sig));
}

}  // namespace

extern "C" void trap_dispatch(TrapFrame* frame) {
    if (frame->from_user() && frame->vector < 32 && current_process()) kill_current(*frame);
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
