/**
 * @file chapters/10-smp/mm/tlb.cpp
 * @brief Shootdowns through the cross-call IPI (arch/smp.h), and the wait
 * for a program's tables to be unused.
 */
#include "mm/tlb.h"

#include <atomic>

#include "arch/percpu.h"
#include "arch/smp.h"
#include "kernel/x86.h"

namespace {

constexpr uint64_t kFullFlushPages = 32;  // past this, reloading CR3 is cheaper than one invlpg a page

struct Range {
    uint64_t root, start, end;
};

std::atomic<uint64_t> g_shootdowns{0};
std::atomic<uint64_t> g_cpus_interrupted{0};

// Runs on each target CPU, in its IPI handler (no lock, no sleep).
void flush_range(void* arg) {
    const Range& r = *static_cast<const Range*>(arg);
    if (read_cr3() != r.root) return;  // it switched away meanwhile: the CR3 load flushed it
    if ((r.end - r.start) / kPageSize > kFullFlushPages) {
        write_cr3(r.root);  // every entry but the global ones (the kernel maps none)
        return;
    }
    for (uint64_t page = r.start; page < r.end; page += kPageSize) invlpg(page);
}

// The CPUs other than this one that have the tables at @p root loaded.
uint64_t cpus_using(uint64_t root) {
    // The caller's writes to the tables must be visible before the reads of
    // page_tables below (x86 may otherwise let these loads pass those stores).
    std::atomic_thread_fence(std::memory_order_seq_cst);
    uint64_t cpus = 0;
    const uint64_t online = cpus_online();
    for (int cpu = 0; cpu < kMaxCpus; ++cpu)
        if ((online & (1ull << cpu)) && cpu != static_cast<int>(this_cpu_id()) &&
            std::atomic_ref<uint64_t>(g_percpu[cpu].page_tables).load(std::memory_order_relaxed) == root)
            cpus |= 1ull << cpu;
    return cpus;
}

}  // namespace

void tlb_shootdown(const AddressSpace& space, uint64_t start, uint64_t end) {
    Range range{space.root().value(), start & ~(kPageSize - 1), end};
    const uint64_t cpus = cpus_using(range.root);
    if (!cpus) return;
    g_shootdowns.fetch_add(1, std::memory_order_relaxed);
    for (uint64_t left = cpus; left; left &= left - 1) g_cpus_interrupted.fetch_add(1, std::memory_order_relaxed);
    smp_call(cpus, flush_range, &range);
}

void tlb_wait_unused(const AddressSpace& space) {
    while (cpus_using(space.root().value())) cpu_relax();
}

TlbCounts tlb_counts() { return {g_shootdowns.load(), g_cpus_interrupted.load()}; }
