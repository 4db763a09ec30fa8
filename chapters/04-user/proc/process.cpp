/**
 * @file chapters/04-user/proc/process.cpp
 * @brief Running a process to its end, and the user pages it owns.
 */
#include "proc/process.h"

#include "arch/process_switch.h"
#include "arch/segments.h"
#include "kernel/console.h"
#include "kernel/panic.h"
#include "mm/frame.h"
#include "mm/mm.h"

/// Save the scheduler's callee-saved registers and RSP in @p scheduler_rsp,
/// then leave for ring 3 through trap_return with @p frame (arch/context.S).
/// Returns when the process ends, through resume_scheduler().
extern "C" void enter_user(TrapFrame* frame, uint64_t* scheduler_rsp);  // arch/context.S
/// Switch back to the stack enter_user() saved and return from it, from any
/// kernel stack (arch/context.S).
extern "C" [[noreturn]] void resume_scheduler(uint64_t scheduler_rsp);

namespace {
Process* g_current = nullptr;
uint64_t g_scheduler_rsp = 0;  // kernel_main's stack, saved by enter_user
int g_exit_code = 0;
constexpr uint64_t kRflagsIf = 1 << 9;
}  // namespace

Process* current_process() { return g_current; }

int process_run(Process* process) {
    g_current = process;
    files_open(process);
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

    files_close(process);
    kernel_space().activate();  // leave the tables we are about to free
    arch_leave_process();
    destroy_user_space(process->space);
    delete process;
    g_current = nullptr;
    return g_exit_code;
}

void process_exit(int code) {
    Process* p = g_current;
    kprint("[Process] Terminated PID={} ({}) with code={}\n", p->pid, p->name, code);
    g_exit_code = code;
    resume_scheduler(g_scheduler_rsp);
}

bool map_user_pages(AddressSpace& space, uint64_t start, uint64_t pages, PageFlags flags) {
    for (uint64_t i = 0; i < pages; ++i) {
        auto frame = frames().allocate();
        if (frame) {
            mem::fill(phys_to_virt(*frame).as<void>(), 0, kPageSize);
            if (space.map(VirtAddr(start + i * kPageSize), *frame, flags | PageFlags::User) == MapStatus::Ok)
                continue;
            frames().free(*frame);
        }
        unmap_user_pages(space, start, i);  // undo the pages mapped so far
        return false;
    }
    return true;
}

void unmap_user_pages(AddressSpace& space, uint64_t start, uint64_t pages) {
    for (uint64_t i = 0; i < pages; ++i)
        if (auto frame = space.unmap(VirtAddr(start + i * kPageSize))) frames().free(*frame);
}

namespace {
// Free the table at @p table_phys and, below @p level, everything it maps.
void free_table(PhysAddr table_phys, int level) {
    uint64_t* table = phys_to_virt(table_phys).as<uint64_t>();
    for (int i = 0; i < 512; ++i) {
        if (!(table[i] & pte::kPresent)) continue;
        const PhysAddr next(table[i] & pte::kAddressMask);
        if (level > 1) free_table(next, level - 1);
        else frames().free(next);  // a user page
    }
    frames().free(table_phys);
}
}  // namespace

void destroy_user_space(AddressSpace& space) {
    uint64_t* pml4 = phys_to_virt(space.root()).as<uint64_t>();
    for (int i = 0; i < 256; ++i)  // the lower half only: the upper half is the kernel's
        if (pml4[i] & pte::kPresent) free_table(PhysAddr(pml4[i] & pte::kAddressMask), 3);
    frames().free(space.root());
}
