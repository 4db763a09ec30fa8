/**
 * @file chapters/10-smp/sched/scheduler.cpp
 * @brief Threads, the run queue, wait queues, sleeping, and the switch, on
 * every CPU.
 *
 * Round robin: the run queue is a FIFO of Ready threads; the running thread
 * runs for a slice of kSliceTicks timer ticks (or until it blocks or
 * yields), then goes to the back. When nothing is ready, the CPU runs its
 * idle thread, which halts until the next interrupt.
 *
 * One run queue for all CPUs, under one lock: each CPU takes the first
 * thread it may run (a pinned thread waits for its CPU). Linux keeps a
 * queue per CPU instead, so that CPUs do not wait for each other's lock
 * and a thread stays near its cache, and then needs a balancer to move
 * threads between queues; with a handful of CPUs and short critical
 * sections, the shared queue is simpler and never leaves a CPU idle while
 * a thread it could run waits elsewhere. When a thread becomes ready and a
 * CPU sleeps in its idle loop, a reschedule IPI wakes that CPU at once
 * instead of at its next tick.
 *
 * The kernel is not preempted: a thread switches only where it chooses to
 * (blocking, yielding, exiting) or on its way back to user mode, where
 * return_to_user_checks() honours the timer's request. So kernel code
 * between two such points never sees another thread run in the middle.
 *
 * Everything here is protected by one lock, g_lock, held with interrupts
 * off (IrqLock). The lock is never held across context_switch(): schedule()
 * lets it go first, interrupts still off, and asserts that this CPU holds
 * no lock. So the thread this CPU leaves may be woken, and picked by
 * another CPU, before its registers are saved: Thread::on_cpu makes that
 * CPU wait until sched_finish_switch() on this one says the switch is done.
 */
#include "sched/thread.h"

#include <atomic>

#include "arch/fpu.h"
#include "arch/percpu.h"
#include "arch/process_switch.h"
#include "arch/smp.h"
#include "common/str.h"
#include "kernel/heap.h"
#include "kernel/panic.h"
#include "proc/process.h"
#include "proc/uaccess.h"
#include "sched/run_queue.h"
#include "sched/wait.h"
#include "sys/futex.h"

/// Where a new kernel thread starts: calls r12(r13) with interrupts on (arch/switch.S).
extern "C" void kthread_start();
/// Where a new user thread starts: returns to user mode through the TrapFrame above it (arch/switch.S).
extern "C" void uthread_start();
/// Runs on the new thread right after every switch (and first in every new thread).
extern "C" void sched_finish_switch();

namespace {

constexpr uint64_t kSliceTicks = 10;  // 10 ms at 1000 Hz
constexpr size_t kStackPages = 4;

SpinLock g_lock;
RunQueue g_ready;                 // the Ready threads, FIFO, and the CPUs idling until one comes
Thread* g_sleepers = nullptr;     // Blocked threads with a deadline, linked by next_ready
uint64_t g_ticks = 0;             // monotonic milliseconds, changed by CPU 0 with g_lock held
KernelStack g_spare_stacks[16];   // stacks of dead threads, reused: their address range is not given back
int g_spare_count = 0;
Thread* g_dead_program_threads = nullptr;  // ended threads of programs, linked by next_ready (see below)
Thread* g_idle_threads[kMaxCpus];

Thread* percpu_thread(uint64_t value) { return reinterpret_cast<Thread*>(value); }

// Wake a CPU that halts in its idle loop and may run @p t (not this one:
// this CPU looks at the queue itself before it halts again).
void kick_idle_cpu_for(const Thread* t) {
    const int cpu = g_ready.claim_idle_cpu_for(*t, static_cast<int>(this_cpu_id()));
    if (cpu >= 0) smp_kick(cpu);
}

// A thread becomes ready: queued, and an idle CPU that may run it woken.
void make_ready(Thread* t) {
    g_ready.push(t);
    kick_idle_cpu_for(t);
}

void remove_from(WaitQueue& queue, Thread* t) {
    for (Thread** p = &queue.sleepers; *p; p = &(*p)->next_waiter)
        if (*p == t) {
            *p = t->next_waiter;
            break;
        }
    t->next_waiter = nullptr;
    t->waiting_on = nullptr;
}

void remove_sleeper(Thread* t) {
    for (Thread** p = &g_sleepers; *p; p = &(*p)->next_ready)
        if (*p == t) {
            *p = t->next_ready;
            break;
        }
    t->next_ready = nullptr;
}

// A Blocked thread becomes Ready: off its queue and the sleepers, onto the run queue.
void wake_locked(Thread* t) {
    if (t->state != ThreadState::Blocked) return;
    if (t->waiting_on) remove_from(*t->waiting_on, t);
    if (t->wake_at_ms) remove_sleeper(t);
    make_ready(t);
}

Result<KernelStack> get_stack() {
    {
        IrqLock guard(g_lock);
        if (g_spare_count > 0) return g_spare_stacks[--g_spare_count];
    }
    return kstack_create(kStackPages);
}

void put_stack(const KernelStack& stack) {
    IrqLock guard(g_lock);
    if (g_spare_count < 16) g_spare_stacks[g_spare_count++] = stack;
    // else: the stack's pages stay mapped, unused (a bounded waste: see kstack_create)
}

Result<Thread*> new_thread(const char* name, Process* process) {
    Thread* t = TRY(make<Thread>());
    const Result<KernelStack> stack = get_stack();
    if (!stack) {
        delete t;
        return Err(stack.error());
    }
    t->stack = *stack;
    t->process = process;
    mem::copy(t->name, name, cstr::length_bounded(name, sizeof t->name - 1));
    return t;
}

// Push the frame context_switch() pops (r15 r14 r13 r12 rbx rbp, then the
// return address) so that the first switch to @p t "returns" to @p start.
void prepare_first_switch(Thread* t, uint64_t below, uint64_t start, uint64_t r12, uint64_t r13) {
    auto* sp = reinterpret_cast<uint64_t*>(below);
    *--sp = start;  // ret
    *--sp = 0;      // rbp: the end of the frame-pointer chain
    *--sp = 0;      // rbx
    *--sp = r12;
    *--sp = r13;
    *--sp = 0;      // r14
    *--sp = 0;      // r15
    t->saved_rsp = reinterpret_cast<uint64_t>(sp);
}

// Switch from the running thread to the next ready one. The caller holds
// the lock through @p guard and has already put the running thread where it
// belongs (run queue, a wait queue, or nowhere if it died).
void schedule(IrqLock& guard) {
    const int me = static_cast<int>(this_cpu_id());
    Thread* prev = current_thread();
    Thread* next = g_ready.take(me);
    if (!next) next = percpu_thread(percpu_read<PERCPU_IDLE_THREAD>());
    percpu_write<PERCPU_NEED_RESCHED>(0);
    next->ran_ticks = 0;
    if (next == prev) {
        prev->state = ThreadState::Running;
        return;
    }
    // Another CPU may have put next on the queue a moment ago and still be
    // switching away from it: its registers are not all saved yet.
    while (next->on_cpu.load(std::memory_order_acquire)) cpu_relax();
    next->on_cpu.store(true, std::memory_order_relaxed);
    next->state = ThreadState::Running;
    next->cpu = me;
    if (prev->state == ThreadState::Ready) kick_idle_cpu_for(prev);  // preempted: another CPU may take it
    percpu_write<PERCPU_SWITCHED_FROM>(reinterpret_cast<uint64_t>(prev));
    guard.release_keeping_interrupts_off();
    KASSERT(percpu_read<PERCPU_LOCKS_HELD>() == 0);  // no lock may cross a switch
    arch_switch_threads(prev, next);
    // Back on this thread, later, with interrupts still off.
    sched_finish_switch();
}

}  // namespace

SpinLock& sched_lock() { return g_lock; }

Thread* current_thread() { return percpu_thread(percpu_read<PERCPU_CURRENT_TASK>()); }

uint64_t now_ms() { return std::atomic_ref<uint64_t>(g_ticks).load(std::memory_order_relaxed); }

// On the new thread's stack, right after a switch: the thread this CPU
// left is saved now, so another CPU may run it; or, if it died, its stack
// is free (it could not free the stack it ran on).
extern "C" void sched_finish_switch() {
    Thread* prev = percpu_thread(percpu_read<PERCPU_SWITCHED_FROM>());
    percpu_write<PERCPU_SWITCHED_FROM>(0);
    if (!prev) return;
    const bool dead = prev->state == ThreadState::Dead;  // read first: once released, it may be running elsewhere
    prev->on_cpu.store(false, std::memory_order_release);
    if (!dead) return;
    put_stack(prev->stack);
    if (!prev->process) {
        delete prev;
        return;
    }
    // A thread of a program: another CPU may still hold a pointer to it,
    // found in the process's list of threads a moment before it left it
    // (kill and tgkill look up a tid, then send; a list walk without the
    // lock reads its next_in_process). On one CPU nothing ran between the
    // two; now the memory stays until the program ends, when no thread of
    // it runs any more (sched_free_dead_threads). Its stack is reused now.
    IrqLock guard(g_lock);
    prev->next_ready = g_dead_program_threads;
    g_dead_program_threads = prev;
}

void sched_free_dead_threads() {
    Thread* dead;
    {
        IrqLock guard(g_lock);
        dead = g_dead_program_threads;
        g_dead_program_threads = nullptr;
    }
    while (dead) {
        Thread* next = dead->next_ready;
        delete dead;
        dead = next;
    }
}

namespace {

// The idle thread: run whatever is ready, else halt until an interrupt
// (a tick, or another CPU's reschedule IPI).
[[noreturn]] void idle(void*) {
    const int me = static_cast<int>(this_cpu_id());
    for (;;) {
        IrqLock guard(g_lock);
        if (g_ready.has_for(me)) {
            g_ready.busy(me);
            current_thread()->state = ThreadState::Ready;  // not queued: the per-CPU block finds it
            schedule(guard);
            continue;
        }
        g_ready.idling(me);  // a CPU that readies a thread may wake this one
        // Look and halt with interrupts off: sti takes effect only after the
        // next instruction, so an interrupt that readies a thread now wakes the hlt.
        guard.release_keeping_interrupts_off();
        asm volatile("sti; hlt" ::: "memory");
    }
}

}  // namespace

extern "C" char boot_stack_top[];  ///< arch/boot.S: the stack kernel_main runs on

void sched_init() {
    // The code running now (kernel_main, on boot.S's stack) becomes thread 0.
    static Thread boot;
    boot.tid = 0;
    mem::copy(boot.name, "boot", 5);
    boot.state = ThreadState::Running;
    boot.stack.top = VirtAddr(boot_stack_top);
    boot.on_cpu.store(true);
    percpu_write<PERCPU_CURRENT_TASK>(reinterpret_cast<uint64_t>(&boot));

    Result<Thread*> made = new_thread("idle", nullptr);
    if (!made) panic("no memory for the idle thread");
    Thread* idle_thread = *made;
    prepare_first_switch(idle_thread, idle_thread->stack.top.value(), reinterpret_cast<uint64_t>(&kthread_start),
                         reinterpret_cast<uint64_t>(&idle), 0);
    idle_thread->cpu_mask = uint64_t{1} << 0;
    g_idle_threads[0] = idle_thread;
    percpu_write<PERCPU_IDLE_THREAD>(reinterpret_cast<uint64_t>(idle_thread));
    kprint("[Sched] Threads: round robin on every CPU, one run queue, {} ms slices; idle thread's stack at {:#x}\n",
           kSliceTicks, idle_thread->stack.top.value());
}

Result<Thread*> sched_make_idle_thread(int cpu) {
    Thread* t = TRY(new_thread("idle", nullptr));
    t->cpu_mask = uint64_t{1} << cpu;
    g_idle_threads[cpu] = t;
    return t;
}

Thread* sched_idle_thread_of(int cpu) { return g_idle_threads[cpu]; }

void sched_run_idle(Thread* self) {
    self->state = ThreadState::Running;
    self->cpu = static_cast<int>(this_cpu_id());
    self->on_cpu.store(true);
    percpu_write<PERCPU_CURRENT_TASK>(reinterpret_cast<uint64_t>(self));
    percpu_write<PERCPU_IDLE_THREAD>(reinterpret_cast<uint64_t>(self));
    idle(nullptr);
}

Result<Thread*> spawn_kernel_thread(const char* name, void (*fn)(void*), void* arg, int cpu, Process* helper_of) {
    Thread* t = TRY(new_thread(name, nullptr));
    prepare_first_switch(t, t->stack.top.value(), reinterpret_cast<uint64_t>(&kthread_start),
                         reinterpret_cast<uint64_t>(fn), reinterpret_cast<uint64_t>(arg));
    t->cpu_mask = cpu < 0 ? ~uint64_t{0} : uint64_t{1} << cpu;
    IrqLock guard(g_lock);
    t->tid = allocate_id();  // under the lock: two CPUs may make threads at once
    if (helper_of) {
        // From here the program cannot end, and its address space go,
        // without it; its first switch loads the program's page tables.
        t->process = helper_of;
        process_thread_added(*helper_of, t);
        ++helper_of->helper_threads;
    }
    make_ready(t);
    return t;
}

Result<Thread*> spawn_user_thread(Process& process, const TrapFrame& frame, uint64_t fs_base) {
    Thread* t = TRY(new_thread(process.name, &process));
    // The TrapFrame it returns to user mode with goes at the top of its stack,
    // where a syscall of its would build one; below it, the first switch's frame.
    const uint64_t frame_at = t->stack.top.value() - sizeof(TrapFrame);
    mem::copy(reinterpret_cast<void*>(frame_at), &frame, sizeof(TrapFrame));
    prepare_first_switch(t, frame_at, reinterpret_cast<uint64_t>(&uthread_start), 0, 0);
    t->fs_base = fs_base;
    t->runs_user = true;
    t->fpu = kFpuInitial;  // clone gives the new thread a copy of its parent's instead
    IrqLock guard(g_lock);
    t->tid = process.threads ? allocate_id() : process.pid;  // a program's first thread has its pid as tid
    process_thread_added(process, t);
    make_ready(t);
    return t;
}

void yield() {
    IrqLock guard(g_lock);
    g_ready.push(current_thread());
    schedule(guard);
}

void exit_current_thread() {
    Thread* self = current_thread();
    if (self->process && self->robust_list) futex_exit_robust_list(self->robust_list, self->tid);
    if (self->process && self->clear_child_tid) {
        // CLONE_CHILD_CLEARTID: tell pthread_join the thread is gone.
        (void)write_user(self->clear_child_tid, static_cast<uint32_t>(0));
        futex_wake(self->clear_child_tid, 1);
    }
    IrqLock guard(g_lock);
    if (self->process) process_thread_gone(*self->process, self);
    self->state = ThreadState::Dead;  // freed by the next thread, in sched_finish_switch()
    schedule(guard);
    panic("a dead thread ran again");
}

void wake_for_signal(Thread* thread) {
    if (thread->state == ThreadState::Blocked) {
        wake_locked(thread);
    } else if (thread->state == ThreadState::Running && thread->cpu != static_cast<int>(this_cpu_id())) {
        // Running on another CPU, perhaps in user mode, where it looks for
        // signals only when an interrupt or a system call brings it in: a
        // reschedule IPI brings it in now (Linux's kick_process).
        smp_kick(thread->cpu);
    }
}

void interrupt_threads(Process& process) {
    IrqLock guard(g_lock);
    for (Thread* t = process.threads; t; t = t->next_in_process) {
        t->interrupted = true;
        wake_locked(t);
    }
}

void sched_tick() {
    const int me = static_cast<int>(this_cpu_id());
    IrqLock guard(g_lock);
    if (me == 0) {  // one clock for all: CPU 0's ticks
        const uint64_t now = g_ticks + 1;
        std::atomic_ref<uint64_t>(g_ticks).store(now, std::memory_order_relaxed);
        for (Thread* t = g_sleepers; t;) {
            Thread* next = t->next_ready;
            if (t->wake_at_ms <= now) wake_locked(t);
            t = next;
        }
    }
    Thread* self = current_thread();
    const bool idling = reinterpret_cast<uint64_t>(self) == percpu_read<PERCPU_IDLE_THREAD>();
    if (g_ready.has_for(me) && (idling || ++self->ran_ticks >= kSliceTicks)) percpu_write<PERCPU_NEED_RESCHED>(1);
}

void return_to_user_checks() {
    Thread* self = current_thread();
    if (self->process && self->process->exiting) exit_current_thread();
    if (percpu_read<PERCPU_NEED_RESCHED>()) yield();
}

// ------------------------------------------------------------ wait queues

Result<void> sleep_on(WaitQueue& queue, IrqLock& guard, uint64_t deadline_ms, uint64_t key) {
    Thread* self = current_thread();
    if (self->interrupted) return Err(abi::Errno::Intr);
    if (signal_pending(*self)) return Err(abi::Errno::RestartSys);  // sent before the sleep: no wake-up will come
    if (deadline_ms && g_ticks >= deadline_ms) return Err(abi::Errno::TimedOut);
    self->state = ThreadState::Blocked;
    self->waiting_on = &queue;
    self->wait_key = key;
    self->next_waiter = nullptr;
    Thread** tail = &queue.sleepers;  // append: the oldest waiter is woken first
    while (*tail) tail = &(*tail)->next_waiter;
    *tail = self;
    self->wake_at_ms = deadline_ms;
    if (deadline_ms) {
        self->next_ready = g_sleepers;
        g_sleepers = self;
    }
    schedule(guard);
    // Woken (wake_locked took us off every list), by a wake, the deadline,
    // an interrupt or a signal.
    self->wake_at_ms = 0;
    if (self->interrupted) return Err(abi::Errno::Intr);
    if (signal_pending(*self)) return Err(abi::Errno::RestartSys);
    if (deadline_ms && g_ticks >= deadline_ms) return Err(abi::Errno::TimedOut);
    return {};
}

void WaitQueue::wake_all() {
    IrqLock guard(g_lock);
    wake_all_locked();
}

void WaitQueue::wake_all_locked() {
    while (sleepers) wake_locked(sleepers);
}

int WaitQueue::requeue(uint64_t key, int wake, WaitQueue& to, uint64_t new_key, int move) {
    IrqLock guard(g_lock);
    int done = 0;
    for (Thread* t = sleepers; t;) {
        Thread* next = t->next_waiter;
        if (t->wait_key == key) {
            if (wake > 0) {
                wake_locked(t);
                --wake;
                ++done;
            } else if (move > 0) {
                remove_from(*this, t);
                t->waiting_on = &to;
                t->wait_key = new_key;
                Thread** tail = &to.sleepers;
                while (*tail) tail = &(*tail)->next_waiter;
                *tail = t;
                --move;
                ++done;
            }
        }
        t = next;
    }
    return done;
}

int WaitQueue::wake_some(uint64_t key, int count) {
    IrqLock guard(g_lock);
    int woken = 0;
    for (Thread* t = sleepers; t && woken < count;) {
        Thread* next = t->next_waiter;
        if (t->wait_key == key) {
            wake_locked(t);
            ++woken;
        }
        t = next;
    }
    return woken;
}
