/**
 * @file chapters/10-smp/arch/flat_entry.cpp
 * @brief entry=flat: the globals the flat entry uses, what it does when it
 * lands on a stack that is not its thread's, and the way back.
 */
#include "arch/flat_entry.h"

#include <atomic>

#include "arch/percpu.h"
#include "arch/smp.h"
#include "kernel/console.h"
#include "kernel/options.h"
#include "kernel/x86.h"
#include "proc/process.h"
#include "sched/thread.h"

/// The flat entry's globals (arch/flat_entry.S): one of each for all CPUs.
extern "C" {
uint64_t g_flat_user_rsp = 0;      ///< the user RSP, parked by the entry's first instruction
uint64_t g_flat_kernel_stack = 0;  ///< the kernel stack the entry loads: the last program thread switched to
uint64_t g_flat_syscalls = 0;      ///< syscalls that came through the flat entry
void syscall_entry();       ///< arch/syscall_entry.S
void syscall_entry_flat();  ///< arch/flat_entry.S
}

namespace {

std::atomic<bool> g_flat{false};
std::atomic<bool> g_reported{false};

KernelOption g_entry_option("entry", "percpu|flat", [](StringView v) {
    if (v == "flat") g_flat = true;
    else if (v == "percpu") g_flat = false;
    else return false;
    return true;
});

// A cross-call: this CPU's next syscall comes in through the per-CPU entry.
void use_percpu_entry(void*) { wrmsr(Msr::Lstar, reinterpret_cast<uint64_t>(&syscall_entry)); }

// The thread of @p process whose kernel stack ends at @p top, and the CPU
// running it (-1 if none); nullptr if no thread of it has that stack.
Thread* owner_of(Process& process, uint64_t top, int& cpu) {
    cpu = -1;
    for (Thread* t = process.threads; t; t = t->next_in_process) {
        if (t->stack.top.value() != top) continue;
        for (int c = 0; c < kMaxCpus; ++c)
            if ((cpus_online() & (1ull << c)) && g_percpu[c].current_task == reinterpret_cast<uint64_t>(t)) cpu = c;
        return t;
    }
    return nullptr;
}

}  // namespace

uint64_t syscall_entry_address() {
    return reinterpret_cast<uint64_t>(g_flat ? &syscall_entry_flat : &syscall_entry);
}

bool flat_entry_on() { return g_flat; }

void flat_entry_switched_to(const Thread* next) {
    if (next->process) std::atomic_ref<uint64_t>(g_flat_kernel_stack).store(next->stack.top.value());
}

/// Called by the flat entry, on this thread's own stack, when the global
/// kernel stack was not this thread's (arch/flat_entry.S): report what the
/// stack was, send every CPU back to the per-CPU entry, end the program.
extern "C" [[noreturn]] void flat_entry_collision(TrapFrame*, uint64_t landed_on) {
    Process& process = *current_process();
    if (!g_reported.exchange(true)) {
        const uint64_t count = std::atomic_ref<uint64_t>(g_flat_syscalls).load();
        int cpu = -1;
        const Thread* owner;
        {
            IrqLock guard(sched_lock());  // the process's thread list
            owner = owner_of(process, landed_on, cpu);
        }
        const Thread* self = current_thread();
        kprint("[Flat] CPU {}: syscall {} through the flat entry loaded kernel stack {:#x}, thread {}'s (running on "
               "CPU {}); CPU {} runs thread {}, whose stack is {:#x}\n",
               this_cpu_id(), count, landed_on, owner ? owner->tid : -1, cpu, this_cpu_id(), self->tid,
               self->stack.top.value());
        kprint("[Flat] Two CPUs, one global kernel stack: caught before a byte was pushed on it. Every CPU goes back "
               "to the per-CPU entry; PID={} ({}) is stopped\n",
               process.pid, process.name);
        g_flat = false;
        smp_call(cpus_online(), use_percpu_entry, nullptr);
        use_percpu_entry(nullptr);
    }
    process_exit(abi::killed_exit_status(abi::Signal::Kill));
}
