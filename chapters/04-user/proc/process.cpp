/**
 * @file chapters/04-user/proc/process.cpp
 * @brief Running a process to its end.
 */
#include "proc/process.h"

#include "arch/process_switch.h"
#include "arch/segments.h"
#include "kernel/console.h"
#include "kernel/panic.h"
#include "kernel/heap.h"
#include "mm/mm.h"
#include "mm/user_space.h"

/// Save the scheduler's callee-saved registers and RSP in @p scheduler_rsp,
/// then leave for ring 3 through trap_return with @p frame (arch/context.S).
/// Returns when the process ends, through resume_scheduler().
extern "C" void enter_user(TrapFrame* frame, uint64_t* scheduler_rsp);  // arch/context.S
/// Switch back to the stack enter_user() saved and return from it, from any
/// kernel stack (arch/context.S).
extern "C" [[noreturn]] void resume_scheduler(uint64_t scheduler_rsp);

namespace {
uint64_t g_scheduler_rsp = 0;  // kernel_main's stack, saved by enter_user
int g_exit_code = 0;
constexpr uint64_t kRflagsIf = 1 << 9;
}  // namespace

int process_run(Process* process) {
    process->space.activate();
    arch_enter_process(process);

    // The process's first "return from interrupt": a frame at the top of its
    // kernel stack, with interrupts on and every register zero.
    auto* frame = reinterpret_cast<TrapFrame*>(arch_kernel_stack_top() - sizeof(TrapFrame));
    mem::fill(frame, 0, sizeof *frame);
    frame->rip = process->entry;
    frame->cs = USER_CS;
    frame->rflags = kRflagsIf | 0x2;  // bit 1 is always set
    frame->rsp = process->initial_rsp;
    frame->ss = USER_SS;
    enter_user(frame, &g_scheduler_rsp);  // comes back through process_exit()

    kernel_space().activate();  // leave the tables we are about to free
    arch_leave_process();
    process_destroy(process);
    return g_exit_code;
}

void process_destroy(Process* process) {
    user_space_destroy(process->space);
    delete process;
}

void process_exit(int code) {
    Process* p = current_process();
    kprint("[Process] Terminated PID={} ({}) with code={}\n", p->pid, p->name, code);
    g_exit_code = code;
    resume_scheduler(g_scheduler_rsp);
}
