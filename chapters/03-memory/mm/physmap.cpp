/**
 * @file chapters/03-memory/mm/physmap.cpp
 * @brief phys_to_virt() (the boot map first, then the direct map), and the
 * two MMU instructions paging.cpp relies on. Host tests fake all three.
 *
 * Until mm_init() loads the kernel's own page tables, physical memory is
 * reachable only through boot.S's map of the first 1 GiB at KERNEL_VMA.
 * Page tables built before the switch must therefore come from frames below
 * 1 GiB; the frame allocator hands out the lowest frame first, so they do.
 */
#include "kernel/layout.h"
#include "kernel/panic.h"
#include "mm/address.h"
#include "mm/paging.h"

namespace {
uint64_t g_offset = KERNEL_VMA;  // becomes kDirectMapBase in mm_init()
bool g_direct = false;
}  // namespace

VirtAddr phys_to_virt(PhysAddr p) {
    if (!g_direct && p.value() >= (1ull << 30))
        panic("phys_to_virt({:#x}) before the direct map exists", p.value());
    return VirtAddr(p.value() + g_offset);
}

/// Called by mm_init() right after CR3 points at the kernel's own tables.
void physmap_use_direct_map() {
    g_offset = kDirectMapBase;
    g_direct = true;
}

void tlb_flush_page(VirtAddr virt) { asm volatile("invlpg (%0)" ::"r"(virt.value()) : "memory"); }

void AddressSpace::activate() const { asm volatile("mov %0, %%cr3" ::"r"(m_pml4.value()) : "memory"); }
