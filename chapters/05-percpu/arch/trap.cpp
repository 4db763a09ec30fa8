/**
 * @file chapters/05-percpu/arch/trap.cpp
 * @brief Chapter 05's trap policy: chapter 04's, plus the timer, plus a
 * #GP raised by syscall_exit's iretq to a non-canonical user address, which
 * is the user's fault and costs the user a SIGSEGV, as on Linux (only
 * possible with the `toppage=1` option: see arch/top_page.cpp).
 */
#include "arch/trap.h"

#include "arch/idt.h"
#include "arch/pic.h"
#include "arch/timer.h"
#include "kernel/console.h"
#include "proc/process.h"
#include "proc/signal.h"
#include "proc/uaccess.h"

/// The `iretq` that syscall_exit falls back to for a non-canonical return
/// address (arch/syscall_entry.S): a #GP at this RIP is the user's fault.
extern "C" char syscall_iret_insn[];  // arch/syscall_entry.S

extern "C" void trap_dispatch(TrapFrame* frame) {
    user_access_off();  // the program's RFLAGS.AC must not switch SMAP off in here
    // The PIC's spurious interrupts come on these two lines (arch/pic.h), masked or not.
    if ((frame->vector == kIrqBase + 7 || frame->vector == kIrqBase + 15) &&
        pic_spurious(static_cast<int>(frame->vector) - kIrqBase))
        return;
    if (frame->vector == kTimerVector) return timer_interrupt(*frame);
    if (frame->from_user() && frame->vector < 32 && current_process()) kill_current_process(*frame);
    if ((frame->vector == kPageFault || frame->vector == kGeneralProtection) && user_copy_fixup(*frame)) return;
    // EXERCISE 05.9 BEGIN
    if (frame->vector == kGeneralProtection && frame->rip == reinterpret_cast<uint64_t>(syscall_iret_insn) &&
        current_process()) {
        // The frame iretq was given sits above this one: its RIP is the culprit.
        const auto* iret_frame = reinterpret_cast<const uint64_t*>(frame->rsp);
        kprint("[Process] iretq refused the non-canonical return address {:#x}\n", iret_frame[0]);
        TrapFrame as_user = *frame;  // report it as the user's fault, at the user's RIP
        as_user.rip = iret_frame[0];
        kill_current_process(as_user);
    }
    // EXERCISE 05.9 END
    kernel_trap(*frame);
}
