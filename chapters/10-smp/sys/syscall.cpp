/**
 * @file chapters/10-smp/sys/syscall.cpp
 * @brief syscall_init(), the dispatcher and `trace=syscall`. The table of
 * calls is in sys/table.cpp. (Chapter 07: on the way back to user mode,
 * the dispatcher lets the scheduler switch threads or end this one, and
 * delivers signals, which may restart the call or run a handler.
 * Chapter 10: each CPU sets its own MSRs.)
 */
#include "sys/syscall.h"

#include "arch/flat_entry.h"
#include "arch/percpu.h"
#include "arch/segments.h"
#include "arch/syscall_abi.h"
#include "common/abi/linux.h"
#include "kernel/console.h"
#include "kernel/options.h"
#include "kernel/x86.h"
#include "proc/process.h"
#include "proc/signal.h"
#include "sched/thread.h"

/// Leave for user mode through @p frame by iretq, every register as the
/// frame has it (arch/switch.S): what rt_sigreturn needs.
extern "C" [[noreturn]] void return_by_iret(TrapFrame* frame);

namespace {

bool g_trace = false;
KernelOption g_trace_option("trace", "syscall|none", [](StringView v) {
    if (v == "syscall") g_trace = true;
    else if (v == "none") g_trace = false;
    else return false;
    return true;
});

}  // namespace

void syscall_init_cpu() {
    wrmsr(Msr::Efer, rdmsr(Msr::Efer) | kEferSce);
    // syscall: CS = STAR[47:32], SS = +8.  sysretq: CS = STAR[63:48] + 16, SS = +8.
    const uint64_t star = (uint64_t(GDT_USER_CODE32 | RPL_USER) << 48) | (uint64_t(GDT_KERNEL_CODE) << 32);
    wrmsr(Msr::Star, star);
    wrmsr(Msr::Lstar, syscall_entry_address());  // syscall_entry, or entry=flat's
    wrmsr(Msr::Fmask, SYSCALL_FMASK);
}

void syscall_init() {
    syscall_init_cpu();
    if (flat_entry_on()) {
        kprint("[OK] Syscall mechanism initialized (flat: chapter 04's global kernel stack, on every CPU)\n");
        kprint("  STAR={:#x} LSTAR={:#x} <syscall_entry_flat> FMASK={:#x}\n", rdmsr(Msr::Star), rdmsr(Msr::Lstar),
               SYSCALL_FMASK);
        return;
    }
    kprint("[OK] Syscall mechanism initialized (" SYSCALL_ENTRY_KIND ")\n");
    kprint("  STAR={:#x} LSTAR={:#x} <syscall_entry> FMASK={:#x}\n", rdmsr(Msr::Star), rdmsr(Msr::Lstar),
           SYSCALL_FMASK);
}

extern "C" void syscall_dispatch(TrapFrame* frame) {
    const auto number = static_cast<uint32_t>(frame->rax);  // as Linux: an int, upper half ignored
    const SyscallArgs args{frame->rdi, frame->rsi, frame->rdx, frame->r10, frame->r8, frame->r9};
    if (g_trace)
        kprint("[SYSCALL-ENTRY] num={}, args=({:#x}, {:#x}, {:#x}, {:#x}, {:#x}, {:#x})\n", static_cast<int32_t>(number),
               args.a0, args.a1, args.a2, args.a3, args.a4, args.a5);
    const SyscallHandler handler = syscall_handler(number);
    const Result<long> result = handler ? handler(args) : Err(abi::Errno::NoSys);
    const long ret = result ? *result : -result.error();  // the one place an error becomes -errno
    if (g_trace) kprint("[SYSCALL-EXIT] num={}, ret={}\n", static_cast<int32_t>(number), ret);
    frame->rax = static_cast<uint64_t>(ret);
    return_to_user_checks();  // the timer may want another thread; the program may be exiting
    // Signals: looked at only when there is something to do, which a
    // system call almost never has (a null syscall pays a few loads).
    const Thread& self = *reinterpret_cast<const Thread*>(percpu_read<PERCPU_CURRENT_TASK>());
    if (ret == -abi::Errno::RestartSys || self.signals.pending || self.process->signals.pending)
        signal_deliver(*frame, number);
}

void leave_rt_sigreturn(TrapFrame& frame) {
    if (g_trace) kprint("[SYSCALL-EXIT] num={}, ret={}\n", static_cast<long>(abi::Sys::RtSigreturn), frame.rax);
    return_to_user_checks();
    signal_deliver(frame, -1);  // -1: no call to restart; rax is the restored one
    return_by_iret(&frame);  // sysretq would take rcx and r11 for RIP and RFLAGS
}
