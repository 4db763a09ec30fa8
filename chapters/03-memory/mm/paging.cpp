/**
 * @file chapters/03-memory/mm/paging.cpp
 * @brief The page-table walk, shared by map, unmap and translate.
 */
#include "mm/paging.h"

#include "common/str.h"
#include "mm/frame.h"

namespace {

uint64_t* table_at(PhysAddr table) { return phys_to_virt(table).as<uint64_t>(); }

Result<PhysAddr> new_table() {
    const PhysAddr frame = TRY(frames().allocate());
    mem::fill(table_at(frame), 0, kPageSize);  // all entries not present
    return frame;
}

constexpr uint64_t kLeafFlags = pte::kWritable | pte::kUser | pte::kNoExecute;

}  // namespace

Result<AddressSpace> AddressSpace::create() { return AddressSpace(TRY(new_table())); }

Result<uint64_t*> AddressSpace::walk(VirtAddr virt, bool create) const {
    // EXERCISE 03.10 BEGIN stub: (void)virt; (void)create; return Err(abi::Errno::Fault);
    uint64_t* table = table_at(m_pml4);
    for (int level = 4; level > 1; --level) {
        uint64_t& entry = table[virt.table_index(level)];
        if (!(entry & pte::kPresent)) {
            if (!create) return Err(abi::Errno::Fault);
            entry = TRY(new_table()).value() | pte::kPresent | pte::kWritable | pte::kUser;
        }
        if (entry & pte::kHuge) return Err(abi::Errno::Fault);  // boot.S's 2 MiB pages: not ours to edit
        table = table_at(PhysAddr(entry & pte::kAddressMask));
    }
    return &table[virt.table_index(1)];
    // EXERCISE 03.10 END
}

Result<void> AddressSpace::map(VirtAddr virt, PhysAddr phys, PageFlags flags) {
    if (!virt.is_page_aligned() || !phys.is_page_aligned() || !virt.is_canonical()) return Err(abi::Errno::Inval);
    uint64_t* entry = TRY(walk(virt, true));
    if (*entry & pte::kPresent) return Err(abi::Errno::Exist);
    *entry = phys.value() | pte::kPresent | (static_cast<uint64_t>(flags) & kLeafFlags);
    return {};
}

Result<PhysAddr> AddressSpace::unmap(VirtAddr virt) {
    uint64_t* entry = TRY(walk(virt.page_base(), false));
    if (!(*entry & pte::kPresent)) return Err(abi::Errno::Fault);
    const PhysAddr frame(*entry & pte::kAddressMask);
    *entry = 0;
    tlb_flush_page(virt.page_base());  // the CPU may still cache the old entry
    return frame;
}

Result<Translation> AddressSpace::translate(VirtAddr virt) const {
    if (!virt.is_canonical()) return Err(abi::Errno::Fault);
    const uint64_t* entry = TRY(walk(virt.page_base(), false));
    if (!(*entry & pte::kPresent)) return Err(abi::Errno::Fault);
    return Translation{PhysAddr((*entry & pte::kAddressMask) + virt.offset_in_page()),
                       static_cast<PageFlags>(*entry & kLeafFlags)};
}

Result<void> map_new_page(AddressSpace& space, VirtAddr virt, PageFlags flags) {
    const PhysAddr frame = TRY(frames().allocate());
    mem::fill(table_at(frame), 0, kPageSize);  // no stale data reaches the new owner
    const Result<void> mapped = space.map(virt, frame, flags);
    if (!mapped) frames().free(frame);
    return mapped;
}
