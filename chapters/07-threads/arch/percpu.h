/**
 * @file chapters/07-threads/arch/percpu.h
 * @brief The per-CPU block, reached through GS after `swapgs`. C++ and .S.
 *
 * Each CPU owns one 64-byte-aligned block. While the CPU runs kernel code,
 * IA32_GS_BASE points at its block, so `mov %gs:0x18, %rax` reads this
 * CPU's id without knowing which CPU it is. While user code runs, the block
 * address waits in IA32_KERNEL_GS_BASE and GS belongs to the user; `swapgs`
 * trades the two at every kernel entry from ring 3 and every exit to it.
 *
 *     0x00 user_rsp_scratch   user RSP, parked at syscall entry
 *     0x08 kernel_stack_top   the running thread's kernel stack: syscall entry loads RSP from it
 *     0x10 user_gs_base       the user's GS base as of syscall entry (validate=1)
 *     0x18 cpu_id             0, 1, ...
 *     0x20 current_task       the running Thread
 *     0x28 syscall_count      syscalls taken on this CPU
 *     0x30 self               the block's own address
 *     0x38 tss_rsp0           what this CPU's TSS.rsp0 holds: the running thread's stack too
 *     0x40 locks_held         spin locks this CPU holds (none at a context switch)
 *     0x48 need_resched       the timer asks for another thread at the next chance
 *     0x50 idle_thread        the thread this CPU runs when nothing else can run
 *     0x58 switched_from      the thread this CPU just left (freed then if it died)
 *
 * The fields end at 0x60; alignas(64) rounds the size up to 128 bytes, two
 * cache lines, so two CPUs' blocks never share a line.
 *
 * Every field is read by someone: the assembly entry (0x00, 0x08, 0x28),
 * validate=1 (0x10, 0x38: the stack a syscall lands on is the running
 * thread's), current_thread() (0x20), this_cpu_id() (0x18), the report at
 * the end of the boot (0x28), this_cpu() (0x30), the context switch
 * (0x40, asserting none; 0x50; 0x58) and the return to user mode (0x48).
 *
 * At every context switch, the scheduler points 0x08, 0x20 and 0x38 (and
 * the TSS) at the thread it switches to: that is how a syscall or an
 * interrupt from ring 3 lands on the right thread's stack.
 *
 * Only its own CPU touches a block, and every access is one instruction
 * (`mov %gs:off`, `incq %gs:off`), which an interrupt cannot split. So the
 * fields are plain integers, read and written the same way by the assembly
 * and by C++ (percpu_read/percpu_write below): no atomics, no locks.
 */
#pragma once

#define PERCPU_USER_RSP_SCRATCH 0x00  /**< offset of PerCpu::user_rsp_scratch, for the assembly */
#define PERCPU_KERNEL_STACK_TOP 0x08  /**< offset of PerCpu::kernel_stack_top */
#define PERCPU_USER_GS_BASE     0x10  /**< offset of PerCpu::user_gs_base */
#define PERCPU_CPU_ID           0x18  /**< offset of PerCpu::cpu_id */
#define PERCPU_CURRENT_TASK     0x20  /**< offset of PerCpu::current_task */
#define PERCPU_SYSCALL_COUNT    0x28  /**< offset of PerCpu::syscall_count */
#define PERCPU_SELF             0x30  /**< offset of PerCpu::self */
#define PERCPU_TSS_RSP0         0x38  /**< offset of PerCpu::tss_rsp0 */
#define PERCPU_LOCKS_HELD       0x40  /**< offset of PerCpu::locks_held */
#define PERCPU_NEED_RESCHED     0x48  /**< offset of PerCpu::need_resched */
#define PERCPU_IDLE_THREAD      0x50  /**< offset of PerCpu::idle_thread */
#define PERCPU_SWITCHED_FROM    0x58  /**< offset of PerCpu::switched_from */
#define PERCPU_SIZE             0x80  /**< sizeof(PerCpu): two cache lines */

#ifndef __ASSEMBLER__
#include <cstddef>
#include <cstdint>

/// The most CPUs the kernel has blocks for (chapter 05 boots one).
inline constexpr int kMaxCpus = 8;

/// One CPU's private data.
struct alignas(64) PerCpu {
    uint64_t user_rsp_scratch;  ///< 0x00: the user RSP, parked by syscall_entry until it is pushed
    uint64_t kernel_stack_top;  ///< 0x08: the running thread's kernel stack top; syscall_entry loads RSP from it
    uint64_t user_gs_base;      ///< 0x10: KERNEL_GS_BASE at syscall entry: validate=1 checks it is unchanged at exit
    uint64_t cpu_id;            ///< 0x18: 0, 1, ...; never changes after boot
    uint64_t current_task;      ///< 0x20: the running Thread*
    uint64_t syscall_count;     ///< 0x28: syscalls taken on this CPU
    PerCpu* self;               ///< 0x30: this block (so `mov %gs:0x30` is a pointer to it)
    uint64_t tss_rsp0;          ///< 0x38: the stack this CPU's TSS gives interrupts from ring 3
    uint64_t locks_held;        ///< 0x40: spin locks held by this CPU (sync/spinlock.h)
    uint64_t need_resched;      ///< 0x48: nonzero: switch threads before returning to user mode
    uint64_t idle_thread;       ///< 0x50: this CPU's idle Thread*
    uint64_t switched_from;     ///< 0x58: the Thread* this CPU switched away from last
};

static_assert(offsetof(PerCpu, user_rsp_scratch) == PERCPU_USER_RSP_SCRATCH);
static_assert(offsetof(PerCpu, kernel_stack_top) == PERCPU_KERNEL_STACK_TOP);
static_assert(offsetof(PerCpu, user_gs_base) == PERCPU_USER_GS_BASE);
static_assert(offsetof(PerCpu, cpu_id) == PERCPU_CPU_ID);
static_assert(offsetof(PerCpu, current_task) == PERCPU_CURRENT_TASK);
static_assert(offsetof(PerCpu, syscall_count) == PERCPU_SYSCALL_COUNT);
static_assert(offsetof(PerCpu, self) == PERCPU_SELF);
static_assert(offsetof(PerCpu, tss_rsp0) == PERCPU_TSS_RSP0);
static_assert(offsetof(PerCpu, locks_held) == PERCPU_LOCKS_HELD);
static_assert(offsetof(PerCpu, need_resched) == PERCPU_NEED_RESCHED);
static_assert(offsetof(PerCpu, idle_thread) == PERCPU_IDLE_THREAD);
static_assert(offsetof(PerCpu, switched_from) == PERCPU_SWITCHED_FROM);
static_assert(sizeof(PerCpu) == PERCPU_SIZE, "0x60 bytes of fields, rounded up to 64-byte alignment");
static_assert(alignof(PerCpu) == 64);

/// Every CPU's block, indexed by cpu_id.
extern PerCpu g_percpu[kMaxCpus];

/// The field at @p Offset of this CPU's block: one `mov %gs:Offset` (kernel mode only).
template <unsigned Offset>
inline uint64_t percpu_read() {
    uint64_t value;
    asm volatile("mov %%gs:%c[off], %0" : "=r"(value) : [off] "i"(Offset));
    return value;
}

/// Set the field at @p Offset of this CPU's block: one `mov` to %gs:Offset.
template <unsigned Offset>
inline void percpu_write(uint64_t value) {
    asm volatile("mov %0, %%gs:%c[off]" ::"r"(value), [off] "i"(Offset) : "memory");
}

/// The running CPU's id.
inline uint64_t this_cpu_id() { return percpu_read<PERCPU_CPU_ID>(); }

/// The running CPU's block.
inline PerCpu& this_cpu() { return *reinterpret_cast<PerCpu*>(percpu_read<PERCPU_SELF>()); }

/// Set up CPU @p cpu's block with a kernel stack, and make GS reach it.
void percpu_init(int cpu);

/// Trade IA32_GS_BASE and IA32_KERNEL_GS_BASE.
inline void swapgs() { asm volatile("swapgs" ::: "memory"); }
#endif
