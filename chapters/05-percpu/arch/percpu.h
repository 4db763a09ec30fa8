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
 *     0x08 kernel_stack_top   where syscall entry loads RSP from
 *     0x10 user_gs_base       the user's GS base as of syscall entry (validate=1)
 *     0x18 cpu_id             0, 1, ...
 *     0x20 current_task       the running Process
 *     0x28 syscall_count      syscalls taken on this CPU
 *     0x30 self               the block's own address
 *
 * The fields end at 0x38; alignas(64) rounds the size up to 64 bytes, one
 * cache line, so two CPUs' blocks never share a line.
 *
 * Every field is read by someone: the assembly entry (0x00, 0x08, 0x28),
 * validate=1 (0x10), current_process() (0x20), this_cpu_id() (0x18), the
 * report at the end of the boot (0x28) and this_cpu() (0x30). Fields a
 * later chapter needs arrive with that chapter.
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
#define PERCPU_SIZE             0x40  /**< sizeof(PerCpu): one cache line */

#ifndef __ASSEMBLER__
#include <cstddef>
#include <cstdint>

/// The most CPUs the kernel has blocks for (chapter 05 boots one).
inline constexpr int kMaxCpus = 8;

/// One CPU's private data.
struct alignas(64) PerCpu {
    uint64_t user_rsp_scratch;  ///< 0x00: the user RSP, parked by syscall_entry until it is pushed
    uint64_t kernel_stack_top;  ///< 0x08: the running process's kernel stack; syscall_entry loads RSP from it
    uint64_t user_gs_base;      ///< 0x10: KERNEL_GS_BASE at syscall entry: validate=1 checks it is unchanged at exit
    uint64_t cpu_id;            ///< 0x18: 0, 1, ...; never changes after boot
    uint64_t current_task;      ///< 0x20: the running Process*, or 0
    uint64_t syscall_count;     ///< 0x28: syscalls taken on this CPU
    PerCpu* self;               ///< 0x30: this block (so `mov %gs:0x30` is a pointer to it)
};

static_assert(offsetof(PerCpu, user_rsp_scratch) == PERCPU_USER_RSP_SCRATCH);
static_assert(offsetof(PerCpu, kernel_stack_top) == PERCPU_KERNEL_STACK_TOP);
static_assert(offsetof(PerCpu, user_gs_base) == PERCPU_USER_GS_BASE);
static_assert(offsetof(PerCpu, cpu_id) == PERCPU_CPU_ID);
static_assert(offsetof(PerCpu, current_task) == PERCPU_CURRENT_TASK);
static_assert(offsetof(PerCpu, syscall_count) == PERCPU_SYSCALL_COUNT);
static_assert(offsetof(PerCpu, self) == PERCPU_SELF);
static_assert(sizeof(PerCpu) == PERCPU_SIZE, "0x38 bytes of fields, rounded up to 64-byte alignment");
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
