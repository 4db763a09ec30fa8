/**
 * @file chapters/12-exec/proc/signal.cpp
 * @brief From exception to signal to exit status (SIGSEGV -> 139). (Chapter
 * 12: the process also records the signal, for its parent's wait4.)
 */
#include "proc/signal.h"

#include "arch/trap.h"
#include "kernel/console.h"
#include "kernel/x86.h"
#include "proc/process.h"

abi::Signal signal_for_vector(uint64_t vector) {
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

void kill_current_process(const TrapFrame& frame) {
    const Process* p = current_process();
    const abi::Signal sig = signal_for_vector(frame.vector);
    kprint("[Process] PID={} ({}) killed by {}: {} at RIP {:#x}", p->pid, p->name, abi::signal_name(sig),
           vector_name(frame.vector), frame.rip);
    if (frame.vector == kPageFault)
        kprint(", address {:#x} ({})", read_cr2(), frame.error_code & 1 ? "protection" : "not mapped");
    kprint("\n");
    process_exit_signal(sig);
}
