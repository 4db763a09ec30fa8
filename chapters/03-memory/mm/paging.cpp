/**
 * @file chapters/03-memory/mm/paging.cpp
 * @brief The page-table walk, shared by map, unmap and translate.
 */
#include "mm/paging.h"

#include "common/str.h"
#include "mm/frame.h"

namespace {

uint64_t* table_at(PhysAddr table) { return phys_to_virt(table).as<uint64_t>(); }

std::optional<PhysAddr> new_table() {
    auto frame = frames().allocate();
    if (frame) mem::fill(table_at(*frame), 0, kPageSize);  // all entries not present
    return frame;
}

constexpr uint64_t kLeafFlags = pte::kWritable | pte::kUser | pte::kNoExecute;

}  // namespace

std::optional<AddressSpace> AddressSpace::create() {
    auto pml4 = new_table();
    if (!pml4) return std::nullopt;
    return AddressSpace(*pml4);
}

uint64_t* AddressSpace::walk(VirtAddr virt, bool create) const {
    uint64_t* table = table_at(m_pml4);
    for (int level = 4; level > 1; --level) {
        uint64_t& entry = table[virt.table_index(level)];
        if (!(entry & pte::kPresent)) {
            if (!create) return nullptr;
            auto next = new_table();
            if (!next) return nullptr;
            entry = next->value() | pte::kPresent | pte::kWritable | pte::kUser;
        }
        if (entry & pte::kHuge) return nullptr;  // not made by this API
        table = table_at(PhysAddr(entry & pte::kAddressMask));
    }
    return &table[virt.table_index(1)];
}

MapStatus AddressSpace::map(VirtAddr virt, PhysAddr phys, PageFlags flags) {
    if (!virt.is_page_aligned() || !phys.is_page_aligned()) return MapStatus::Misaligned;
    if (!virt.is_canonical()) return MapStatus::NotCanonical;
    uint64_t* entry = walk(virt, true);
    if (!entry) return MapStatus::NoMemory;
    if (*entry & pte::kPresent) return MapStatus::AlreadyMapped;
    *entry = phys.value() | pte::kPresent | (static_cast<uint64_t>(flags) & kLeafFlags);
    return MapStatus::Ok;
}

std::optional<PhysAddr> AddressSpace::unmap(VirtAddr virt) {
    uint64_t* entry = walk(virt.page_base(), false);
    if (!entry || !(*entry & pte::kPresent)) return std::nullopt;
    const PhysAddr frame(*entry & pte::kAddressMask);
    *entry = 0;
    tlb_flush_page(virt.page_base());  // the CPU may still cache the old entry
    return frame;
}

std::optional<Translation> AddressSpace::translate(VirtAddr virt) const {
    if (!virt.is_canonical()) return std::nullopt;
    const uint64_t* entry = walk(virt.page_base(), false);
    if (!entry || !(*entry & pte::kPresent)) return std::nullopt;
    return Translation{PhysAddr((*entry & pte::kAddressMask) + virt.offset_in_page()),
                       static_cast<PageFlags>(*entry & kLeafFlags)};
}
