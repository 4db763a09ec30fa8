/**
 * @file chapters/10-smp/mm/mmio.cpp
 * @brief map_physical(): device registers and firmware tables, mapped where
 * the direct map would put them.
 */
#include "mm/mmio.h"

#include "mm/mm.h"
#include "mm/paging.h"

namespace {
constexpr uint64_t kDirectMapSpan = 1ull << 39;  // one PML4 slot: 512 GiB
constexpr uint64_t kCacheDisable = 1ull << 4;    // PCD
constexpr uint64_t kWriteThrough = 1ull << 3;    // PWT
}  // namespace

Result<VirtAddr> map_physical(PhysAddr phys, size_t size, PhysKind kind) {
    const uint64_t first = phys.page_base().value();
    const uint64_t end = phys.value() + size;
    if (end < phys.value() || end > kDirectMapSpan) return Err(abi::Errno::Inval);
    uint64_t bits = pte::kPresent | pte::kNoExecute;
    if (kind == PhysKind::Registers) bits |= pte::kWritable | kCacheDisable | kWriteThrough;
    for (uint64_t page = first; page < end; page += kPageSize) {
        uint64_t* entry = TRY(kernel_space().walk(VirtAddr(kDirectMapBase + page), true));
        if (*entry & pte::kPresent) continue;  // RAM the direct map already has
        *entry = page | bits;
    }
    return phys_to_virt(phys);
}
