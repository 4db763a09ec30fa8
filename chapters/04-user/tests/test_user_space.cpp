/**
 * @file chapters/04-user/tests/test_user_space.cpp
 * @brief Host tests of the range walks over a process's page tables, on
 * fake physical memory: mapping all or nothing, PROT_NONE reservations,
 * unmapping that frees emptied tables, searches that skip empty tables.
 */
#include <criterion/criterion.h>

#include "mm/frame.cpp"
#include "mm/paging.cpp"
#include "mm/user_space.cpp"
#include "../../03-memory/tests/fake_kernel.h"

namespace {

AddressSpace g_kernel{PhysAddr()};

AddressSpace fresh() {
    fake::reset_memory();
    g_kernel = *AddressSpace::create();
    Result<AddressSpace> space = user_space_create();
    cr_assert(space.has_value());
    return *space;
}

constexpr int kRw = abi::prot::Read | abi::prot::Write;

}  // namespace

AddressSpace& kernel_space() { return g_kernel; }

Test(user_space, map_then_unmap_gives_every_frame_and_table_back) {
    AddressSpace space = fresh();
    const size_t before = fake::allocator.free_count();
    cr_assert(map_user_pages(space, 0x400000, 3, kRw).has_value());
    cr_assert(map_user_pages(space, 0x7f0000000000, 1, abi::prot::Read).has_value());
    cr_assert_lt(fake::allocator.free_count(), before);
    unmap_user_range(space, 0, kUserEnd);
    cr_assert_eq(fake::allocator.free_count(), before, "pages and the tables above them are all free again");
}

Test(user_space, permissions_follow_prot) {
    AddressSpace space = fresh();
    cr_assert(map_user_pages(space, 0x400000, 1, abi::prot::Read | abi::prot::Exec).has_value());
    cr_assert(map_user_pages(space, 0x401000, 1, kRw).has_value());
    const Translation code = *space.translate(VirtAddr(0x400000)), data = *space.translate(VirtAddr(0x401000));
    cr_assert(has(code.flags, PageFlags::User) && !has(code.flags, PageFlags::Writable) &&
              !has(code.flags, PageFlags::NoExecute));
    cr_assert(has(data.flags, PageFlags::Writable) && has(data.flags, PageFlags::NoExecute));
    const uint8_t* bytes = phys_to_virt(data.phys).as<uint8_t>();
    for (int i = 0; i < 4096; ++i) cr_assert_eq(bytes[i], 0, "new pages are zeroed");
}

Test(user_space, prot_none_reserves_without_frames) {
    AddressSpace space = fresh();
    cr_assert(map_user_pages(space, 0x400000, 1, kRw).has_value());  // the tables exist now
    const size_t before = fake::allocator.free_count();
    cr_assert(map_user_pages(space, 0x401000, 4, abi::prot::None).has_value());
    cr_assert_eq(fake::allocator.free_count(), before, "no frame for a PROT_NONE page");
    cr_assert(!space.translate(VirtAddr(0x401000)).has_value(), "not present: every access faults");
    cr_assert_eq(first_used_page(space, 0x401000, 0x500000), 0x401000u, "but the range is taken");
    unmap_user_range(space, 0x401000, 0x405000);
    cr_assert_eq(first_used_page(space, 0x401000, 0x500000), 0x500000u);
}

Test(user_space, all_or_nothing_when_memory_runs_out) {
    AddressSpace space = fresh();
    const size_t before = fake::allocator.free_count();
    cr_assert_eq(map_user_pages(space, 0x400000, before + 1, kRw).error(), abi::Errno::NoMem,
                 "more pages than free frames fail at once");
    cr_assert_eq(fake::allocator.free_count(), before);
    // Leave room for the tables and a few pages only: a mapping that starts, then fails.
    while (fake::allocator.free_count() > 10) (void)fake::allocator.allocate();
    const size_t left = fake::allocator.free_count();
    cr_assert_eq(map_user_pages(space, 0x400000, 9, kRw).error(), abi::Errno::NoMem);
    cr_assert_eq(fake::allocator.free_count(), left, "the pages mapped before the failure are given back");
    cr_assert_eq(first_used_page(space, 0, kUserEnd), kUserEnd);
}

Test(user_space, searches_find_the_first_and_last_used_page) {
    AddressSpace space = fresh();
    cr_assert_eq(first_used_page(space, 0, kUserEnd), kUserEnd, "empty");
    cr_assert_eq(last_used_page(space, 0, kUserEnd), kUserEnd, "empty");
    cr_assert(map_user_pages(space, 0x1234000, 2, kRw).has_value());
    cr_assert(map_user_pages(space, 0x7f00000ff000, 1, kRw).has_value());
    cr_assert_eq(first_used_page(space, 0, kUserEnd), 0x1234000u);
    cr_assert_eq(first_used_page(space, 0x1235000, kUserEnd), 0x1235000u);
    cr_assert_eq(first_used_page(space, 0x1236000, kUserEnd), 0x7f00000ff000u);
    cr_assert_eq(last_used_page(space, 0, kUserEnd), 0x7f00000ff000u);
    cr_assert_eq(last_used_page(space, 0, 0x7f00000ff000), 0x1235000u);
    cr_assert_eq(last_used_page(space, 0x1236000, 0x7f00000ff000), 0x7f00000ff000u, "none in between: the end");
}

Test(user_space, unmapping_an_empty_terabyte_reads_a_few_tables) {
    AddressSpace space = fresh();
    cr_assert(map_user_pages(space, 0x10000000, 1, kRw).has_value());
    fake::tlb_flushes = 0;
    unmap_user_range(space, 0x10000000 + 4096, 0x10000000 + (1ull << 40));
    cr_assert_eq(fake::tlb_flushes, 0, "nothing mapped there: nothing to flush");
    cr_assert(space.translate(VirtAddr(0x10000000)).has_value(), "the page before the range stays");
}

Test(user_space, many_small_mappings_leak_no_tables) {
    AddressSpace space = fresh();
    const size_t before = fake::allocator.free_count();
    for (uint64_t i = 0; i < 2000; ++i) {
        const uint64_t at = 0x10000000 + i * (2ull << 20);  // each in a page table of its own
        cr_assert(map_user_pages(space, at, 1, kRw).has_value());
        unmap_user_range(space, at, at + 4096);
    }
    cr_assert_eq(fake::allocator.free_count(), before, "every emptied table was freed");
}

Test(user_space, protect_changes_permissions_and_keeps_data) {
    AddressSpace space = fresh();
    cr_assert(map_user_pages(space, 0x400000, 2, kRw).has_value());
    auto bytes_at = [&](uint64_t v) { return phys_to_virt(space.translate(VirtAddr(v))->phys).as<uint8_t>(); };
    bytes_at(0x400000)[5] = 42;
    cr_assert(protect_user_range(space, 0x400000, 0x402000, abi::prot::Read).has_value());
    cr_assert(!has(space.translate(VirtAddr(0x400000))->flags, PageFlags::Writable));
    cr_assert(protect_user_range(space, 0x400000, 0x402000, abi::prot::None).has_value());
    cr_assert(!space.translate(VirtAddr(0x400000)).has_value(), "PROT_NONE: not present");
    const size_t frames_now = fake::allocator.free_count();
    cr_assert(protect_user_range(space, 0x400000, 0x402000, kRw).has_value());
    cr_assert_eq(fake::allocator.free_count(), frames_now, "the frames came back, no new ones");
    cr_assert_eq(bytes_at(0x400000)[5], 42, "and the data with them");
}

Test(user_space, protect_gives_reserved_pages_fresh_frames) {
    AddressSpace space = fresh();
    cr_assert(map_user_pages(space, 0x400000, 3, abi::prot::None).has_value());
    cr_assert(protect_user_range(space, 0x401000, 0x403000, kRw).has_value());
    cr_assert(!space.translate(VirtAddr(0x400000)).has_value(), "outside the range: still reserved");
    const Translation t = *space.translate(VirtAddr(0x402000));
    cr_assert(has(t.flags, PageFlags::Writable | PageFlags::User));
    for (int i = 0; i < 4096; ++i) cr_assert_eq(phys_to_virt(t.phys).as<uint8_t>()[i], 0);
    const size_t before = fake::allocator.free_count();
    unmap_user_range(space, 0x400000, 0x403000);
    cr_assert_gt(fake::allocator.free_count(), before + 1, "both frames freed (and the emptied tables)");
}

Test(user_space, protect_refuses_a_range_with_a_hole) {
    AddressSpace space = fresh();
    cr_assert(map_user_pages(space, 0x400000, 1, kRw).has_value());
    cr_assert(map_user_pages(space, 0x402000, 1, kRw).has_value());
    cr_assert_eq(protect_user_range(space, 0x400000, 0x403000, abi::prot::Read).error(), abi::Errno::NoMem);
    cr_assert(has(space.translate(VirtAddr(0x400000))->flags, PageFlags::Writable), "nothing changed");
    cr_assert_eq(protect_user_range(space, 0x7f0000000000, 0x7f0000001000, abi::prot::Read).error(),
                 abi::Errno::NoMem, "no tables at all there");
}
