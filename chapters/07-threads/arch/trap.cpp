/**
 * @file chapters/07-threads/arch/trap.cpp
 * @brief Chapter 07's trap policy: a user fault is a signal (to a handler,
 * or its default action kills), user copies recover; the timer, the #GP
 * of syscall_exit's iretq to a non-canonical address (toppage=1,
 * arch/top_page.cpp), COM1's receive interrupt (dev/serial_input.h); and
 * before an interrupt returns to user
 * mode, the scheduler's checks (the switch the timer asked for, or the end
 * of a thread whose program is exiting), then the thread's signals.
 */
#include "arch/trap.h"

#include "arch/idt.h"
#include "arch/pic.h"
#include "arch/timer.h"
#include "dev/serial_input.h"
#include "kernel/console.h"
#include "proc/process.h"
#include "proc/signal.h"
#include "proc/uaccess.h"
#include "sched/thread.h"

/// The `iretq` that syscall_exit falls back to for a non-canonical return
/// address (arch/syscall_entry.S): a #GP at this RIP is the user's fault.
extern "C" char syscall_iret_insn[];  // arch/syscall_entry.S

extern "C" void trap_dispatch(TrapFrame* frame) {
    user_access_off();  // the program's RFLAGS.AC must not switch SMAP off in here
    // The PIC's spurious interrupts come on these two lines (arch/pic.h), masked or not.
    if ((frame->vector == kIrqBase + 7 || frame->vector == kIrqBase + 15) &&
        pic_spurious(static_cast<int>(frame->vector) - kIrqBase))
        return;
    if (frame->vector == kTimerVector || frame->vector == kSerialVector) {
        if (frame->vector == kTimerVector) timer_interrupt(*frame);
        else serial_input_interrupt();
        if (frame->from_user()) {
            return_to_user_checks();  // preemption: the timer may want another thread
            signal_deliver(*frame, -1);  // one sent while the program ran: it is taken here
        }
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
