/**
 * @file chapters/03-memory/tests/test_paging.cpp
 * @brief Host tests of the page-table code on fake physical memory: the
 * tables it writes are read back entry by entry, as the MMU would.
 */
#include <criterion/criterion.h>

#include "mm/frame.cpp"
#include "mm/paging.cpp"
#include "fake_kernel.h"

namespace {
AddressSpace fresh() {
    fake::reset_memory();
    auto space = AddressSpace::create();
    cr_assert(space.has_value());
    return *space;
}

uint64_t entry_at(PhysAddr table, unsigned index) { return phys_to_virt(table).as<uint64_t>()[index]; }

// map()'s answer as a number: 0 for success, else the errno.
int map(AddressSpace& space, uint64_t virt, uint64_t phys, PageFlags flags) {
    const Result<void> r = space.map(VirtAddr(virt), PhysAddr(phys), flags);
    return r ? 0 : static_cast<int>(r.error());
}
constexpr int kOk = 0, kInval = int(abi::Errno::Inval), kExist = int(abi::Errno::Exist), kNoMem = int(abi::Errno::NoMem);
}  // namespace

Test(paging, map_then_translate) {
    AddressSpace space = fresh();
    const VirtAddr v(0x400000);
    cr_assert_eq(map(space, v.value(), 0x123000, PageFlags::User | PageFlags::Writable), kOk);
    auto t = space.translate(v + 0x45);
    cr_assert(t.has_value());
    cr_assert_eq(t->phys.value(), 0x123045);
    cr_assert(has(t->flags, PageFlags::User | PageFlags::Writable));
    cr_assert(!has(t->flags, PageFlags::NoExecute));
    cr_assert(!space.translate(VirtAddr(0x401000)), "the next page is not mapped");
}

Test(paging, the_walk_uses_four_levels_with_the_right_indices) {
    AddressSpace space = fresh();
    const VirtAddr v(0xffff800000201000);  // PML4 256, PDPT 0, PD 1, PT 1
    cr_assert_eq(v.table_index(4), 256u);
    cr_assert_eq(v.table_index(3), 0u);
    cr_assert_eq(v.table_index(2), 1u);
    cr_assert_eq(v.table_index(1), 1u);
    cr_assert_eq(map(space, v.value(), 0x5000, PageFlags::NoExecute), kOk);
    const uint64_t pml4e = entry_at(space.root(), 256);
    cr_assert(pml4e & pte::kPresent);
    const uint64_t pdpte = entry_at(PhysAddr(pml4e & pte::kAddressMask), 0);
    const uint64_t pde = entry_at(PhysAddr(pdpte & pte::kAddressMask), 1);
    const uint64_t leaf = entry_at(PhysAddr(pde & pte::kAddressMask), 1);
    cr_assert_eq(leaf & pte::kAddressMask, 0x5000u);
    cr_assert(leaf & pte::kNoExecute);
    cr_assert(!(leaf & pte::kWritable));
    cr_assert(!(leaf & pte::kUser), "the leaf alone grants user access");
    cr_assert_eq(fake::allocator.free_count(), fake::kMemory / 4096 - 1 - 4, "PML4 + 3 tables");
}

Test(paging, tables_are_shared_by_neighbouring_pages) {
    AddressSpace space = fresh();
    const size_t before = fake::allocator.free_count();
    for (uint64_t i = 0; i < 512; ++i)
        cr_assert_eq(map(space, 0x200000 + i * 4096, 0x100000, PageFlags::None), kOk);
    cr_assert_eq(before - fake::allocator.free_count(), 3u, "one PDPT, one PD, one PT for 2 MiB");
}

Test(paging, errors) {
    AddressSpace space = fresh();
    cr_assert_eq(map(space, 0x400001, 0x1000, PageFlags::None), kInval);
    cr_assert_eq(map(space, 0x400000, 0x1001, PageFlags::None), kInval);
    cr_assert_eq(map(space, 0x0000800000000000, 0x1000, PageFlags::None), kInval);
    cr_assert_eq(map(space, 0x400000, 0x1000, PageFlags::None), kOk);
    cr_assert_eq(map(space, 0x400000, 0x2000, PageFlags::None), kExist);
    cr_assert(!space.translate(VirtAddr(0x0000800000000000)));
}

Test(paging, unmap_returns_the_frame_and_flushes_the_tlb) {
    AddressSpace space = fresh();
    cr_assert_eq(map(space, 0x400000, 0x7000, PageFlags::Writable), kOk);
    auto frame = space.unmap(VirtAddr(0x400123));
    cr_assert(frame && frame->value() == 0x7000);
    cr_assert_eq(fake::tlb_flushes, 1);
    cr_assert(!space.translate(VirtAddr(0x400000)));
    cr_assert(!space.unmap(VirtAddr(0x400000)), "a second unmap finds nothing");
    cr_assert_eq(fake::tlb_flushes, 1);
    cr_assert_eq(map(space, 0x400000, 0x8000, PageFlags::None), kOk);
}

Test(paging, out_of_memory_for_tables) {
    AddressSpace space = fresh();
    while (fake::allocator.allocate()) {
    }
    cr_assert_eq(map(space, 0x400000, 0x1000, PageFlags::None), kNoMem);
}

Test(paging, canonical_addresses) {
    cr_assert(VirtAddr(0x00007fffffffffff).is_canonical());
    cr_assert(!VirtAddr(0x0000800000000000).is_canonical());
    cr_assert(!VirtAddr(0xffff7fffffffffff).is_canonical());
    cr_assert(VirtAddr(0xffff800000000000).is_canonical());
}
