/**
 * @file chapters/10-smp/arch/trap.cpp
 * @brief Chapter 10's trap policy: chapter 07's (a user fault is a signal,
 * to a handler, or its default action kills; user copies recover; the
 * timer, the #GP of syscall_exit's iretq to a non-canonical address,
 * COM1's receive interrupt, and before an interrupt returns to user mode
 * the scheduler's checks, then the thread's signals), with the timer now
 * the local APIC's, and the interrupts other CPUs send (arch/lapic.h): a
 * reschedule IPI is also how a signal sent from another CPU reaches a
 * thread running in user mode here.
 *
 * And one new kind of user page fault that is not the program's fault:
 * another thread, on another CPU, was changing the page tables (mmap
 * MAP_FIXED removes the old page before it puts the new one) and the page
 * is there now. Linux makes such a fault wait for the address space's lock
 * and look again; so does this kernel, before it raises a signal.
 */
#include "arch/trap.h"

#include "arch/idt.h"
#include "arch/lapic.h"
#include "arch/pic.h"
#include "arch/smp.h"
#include "arch/timer.h"
#include "dev/serial_input.h"
#include "kernel/console.h"
#include "kernel/x86.h"
#include "proc/process.h"
#include "proc/signal.h"
#include "proc/uaccess.h"
#include "sched/thread.h"

/// The `iretq` that syscall_exit falls back to for a non-canonical return
/// address (arch/syscall_entry.S): a #GP at this RIP is the user's fault.
extern "C" char syscall_iret_insn[];  // arch/syscall_entry.S

namespace {

constexpr uint64_t kFaultWrite = 1 << 1;  // page-fault error code: the access was a write
constexpr uint64_t kFaultFetch = 1 << 4;  // ...an instruction fetch

// A user page fault at an address the page tables allow now, once the
// thread that held the process's memory lock has finished with them.
bool fault_is_gone(const TrapFrame& frame) {
    const uint64_t address = read_cr2();  // before interrupts are on: another fault would change it
    Process& process = *current_process();
    // The program's own tables must be the ones loaded: if they were not,
    // the fault would be the kernel's, and retrying it would never end.
    KASSERT(read_cr3() == process.space.root().value());
    sti();  // the holder may be waiting for this CPU to answer a TLB shootdown
    IrqLock locked(process.memory_lock);
    const Result<Translation> now = process.space.translate(VirtAddr(address));
    if (!now || !has(now->flags, PageFlags::User)) return false;
    if ((frame.error_code & kFaultWrite) && !has(now->flags, PageFlags::Writable)) return false;
    if ((frame.error_code & kFaultFetch) && has(now->flags, PageFlags::NoExecute)) return false;
    invlpg(address);  // whatever this CPU cached for it is old
    return true;
}

}  // namespace

extern "C" void trap_dispatch(TrapFrame* frame) {
    user_access_off();  // the program's RFLAGS.AC must not switch SMAP off in here
    if (frame->vector == kSpuriousVector) return;  // nothing happened: no EOI either
    // The PIC's spurious interrupts come on these two lines (arch/pic.h), masked or not.
    if ((frame->vector == kIrqBase + 7 || frame->vector == kIrqBase + 15) &&
        pic_spurious(static_cast<int>(frame->vector) - kIrqBase))
        return;
    if (frame->vector == kTimerVector || frame->vector == kSerialVector || frame->vector == kReschedVector ||
        frame->vector == kCallVector) {
        if (frame->vector == kTimerVector) timer_interrupt(*frame);
        else if (frame->vector == kSerialVector) serial_input_interrupt();
        else if (frame->vector == kReschedVector) smp_resched_interrupt();
        else smp_call_interrupt();
        if (frame->from_user()) {
            return_to_user_checks();  // preemption: the timer may want another thread
            signal_deliver(*frame, -1);  // one sent while the program ran (perhaps from another CPU): taken here
        }
        return;
    }
    if (frame->from_user() && frame->vector == kPageFault && current_process() && fault_is_gone(*frame)) {
        return_to_user_checks();  // the access runs again
        signal_deliver(*frame, -1);
        return;
    }
    if (frame->from_user() && frame->vector < 32 && current_process()) {
        signal_fault(*frame);  // to its handler, or the default action ends the program
        return_to_user_checks();
        signal_deliver(*frame, -1);
        return;
    }
    if ((frame->vector == kPageFault || frame->vector == kGeneralProtection) && user_copy_fixup(*frame)) return;
    if (frame->vector == kGeneralProtection && frame->rip == reinterpret_cast<uint64_t>(syscall_iret_insn) &&
        current_process()) {
        // The frame iretq was given sits above this one: its RIP is the culprit.
        const auto* iret_frame = reinterpret_cast<const uint64_t*>(frame->rsp);
        kprint("[Process] iretq refused the non-canonical return address {:#x}\n", iret_frame[0]);
        TrapFrame as_user = *frame;  // report it as the user's fault, at the user's RIP
        as_user.rip = iret_frame[0];
        kill_current_process(as_user);
    }
    kernel_trap(*frame);
}
