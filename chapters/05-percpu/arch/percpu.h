/**
 * @file chapters/05-percpu/arch/percpu.h
 * @brief The per-CPU block, reached through GS after `swapgs`. C++ and .S.
 *
 * Each CPU owns one 64-byte-aligned block. While the CPU runs kernel code,
 * IA32_GS_BASE points at its block, so `mov %gs:0x18, %rax` reads this
 * CPU's id without knowing which CPU it is. While user code runs, the block
 * address waits in IA32_KERNEL_GS_BASE and GS belongs to the user; `swapgs`
 * trades the two at every kernel entry from ring 3 and every exit to it.
 *
 *     0x00 user_rsp_scratch   user RSP, parked at syscall entry
 *     0x08 kernel_stack_top   this CPU's kernel stack (the running process's)
 *     0x10 user_gs_base       the user's GS base, while the kernel runs
 *     0x18 cpu_id             0, 1, ...
 *     0x20 current_task       the running Process*
 *     0x28 tss_rsp0           mirror of this CPU's TSS.rsp0
 *     0x30 syscall_count      syscalls taken on this CPU
 *     0x38 last_syscall_time  TSC at the last syscall entry
 *     0x40 padding            32 bytes
 *
 * The fields end at 0x60, but alignas(64) rounds the size up to the next
 * multiple of 64: 128 bytes, two cache lines, so two CPUs' blocks never
 * share a line (no false sharing between neighbours in the array).
 */
#pragma once

#define PERCPU_USER_RSP_SCRATCH  0x00  /**< offset of PerCpu::user_rsp_scratch, for the assembly */
#define PERCPU_KERNEL_STACK_TOP  0x08  /**< offset of PerCpu::kernel_stack_top */
#define PERCPU_USER_GS_BASE      0x10  /**< offset of PerCpu::user_gs_base */
#define PERCPU_CPU_ID            0x18  /**< offset of PerCpu::cpu_id */
#define PERCPU_CURRENT_TASK      0x20  /**< offset of PerCpu::current_task */
#define PERCPU_TSS_RSP0          0x28  /**< offset of PerCpu::tss_rsp0 */
#define PERCPU_SYSCALL_COUNT     0x30  /**< offset of PerCpu::syscall_count */
#define PERCPU_LAST_SYSCALL_TIME 0x38  /**< offset of PerCpu::last_syscall_time */
#define PERCPU_PADDING           0x40  /**< offset of PerCpu::padding */
#define PERCPU_SIZE              0x80  /**< sizeof(PerCpu): two cache lines */

#ifndef __ASSEMBLER__
#include <atomic>
#include <cstddef>
#include <cstdint>

struct Process;

/// The most CPUs the kernel has blocks for (chapter 05 boots one).
inline constexpr int kMaxCpus = 8;

/// One CPU's private data. Fields another CPU may read are atomics.
struct alignas(64) PerCpu {
    std::atomic<uint64_t> user_rsp_scratch;   ///< 0x00: the user RSP, parked by syscall_entry until it is pushed
    std::atomic<uint64_t> kernel_stack_top;   ///< 0x08: the running process's kernel stack; syscall_entry loads RSP from it
    std::atomic<uint64_t> user_gs_base;       ///< 0x10: the user's GS base (it sits in KERNEL_GS_BASE while the kernel runs)
    uint64_t cpu_id;                          ///< 0x18: 0, 1, ...; never changes after boot
    std::atomic<uint64_t> current_task;       ///< 0x20: the running Process*, or 0
    std::atomic<uint64_t> tss_rsp0;           ///< 0x28: mirror of this CPU's TSS.rsp0 (the stack for interrupts from ring 3)
    std::atomic<uint64_t> syscall_count;      ///< 0x30: syscalls taken on this CPU
    std::atomic<uint64_t> last_syscall_time;  ///< 0x38: TSC at the last syscall entry
    uint8_t padding[32];                      ///< 0x40: unused, up to 0x60
};

static_assert(offsetof(PerCpu, user_rsp_scratch) == PERCPU_USER_RSP_SCRATCH);
static_assert(offsetof(PerCpu, kernel_stack_top) == PERCPU_KERNEL_STACK_TOP);
static_assert(offsetof(PerCpu, user_gs_base) == PERCPU_USER_GS_BASE);
static_assert(offsetof(PerCpu, cpu_id) == PERCPU_CPU_ID);
static_assert(offsetof(PerCpu, current_task) == PERCPU_CURRENT_TASK);
static_assert(offsetof(PerCpu, tss_rsp0) == PERCPU_TSS_RSP0);
static_assert(offsetof(PerCpu, syscall_count) == PERCPU_SYSCALL_COUNT);
static_assert(offsetof(PerCpu, last_syscall_time) == PERCPU_LAST_SYSCALL_TIME);
static_assert(offsetof(PerCpu, padding) == PERCPU_PADDING);
static_assert(sizeof(PerCpu) == PERCPU_SIZE, "0x60 bytes of fields, rounded up to 64-byte alignment");
static_assert(alignof(PerCpu) == 64);
static_assert(std::atomic<uint64_t>::is_always_lock_free, "the assembly reads these as plain quadwords");
static_assert(sizeof(std::atomic<uint64_t>) == 8);

/// Every CPU's block, indexed by cpu_id.
extern PerCpu g_percpu[kMaxCpus];

/// The running CPU's id, read through GS: valid in kernel mode only.
inline uint64_t this_cpu_id() {
    uint64_t id;
    asm volatile("mov %%gs:%c[off], %0" : "=r"(id) : [off] "i"(PERCPU_CPU_ID));
    return id;
}

/// The running CPU's block.
inline PerCpu& this_cpu() { return g_percpu[this_cpu_id()]; }

/// Set up CPU @p cpu's block with a kernel stack, and make GS reach it.
void percpu_init(int cpu);

/// Trade IA32_GS_BASE and IA32_KERNEL_GS_BASE.
inline void swapgs() { asm volatile("swapgs" ::: "memory"); }
#endif
