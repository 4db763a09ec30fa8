/**
 * @file chapters/04-user/tests/test_uaccess.cpp
 * @brief Host tests of the user-pointer check: every way a pointer can be
 * bad, on page tables built in fake physical memory.
 */
#include <criterion/criterion.h>

#include "mm/frame.cpp"
#include "mm/paging.cpp"
#include "proc/uaccess.cpp"
#include "../../03-memory/tests/fake_kernel.h"

namespace {
Process g_process;
AddressSpace& fresh_space() {
    fake::reset_memory();
    g_process.space = *AddressSpace::create();
    // 0x400000: read-only user page. 0x401000-0x402fff: writable user pages.
    // 0x500000: a kernel-only page (no User bit). The last user page, too.
    cr_assert_eq(g_process.space.map(VirtAddr(0x400000), PhysAddr(0x10000), PageFlags::User), MapStatus::Ok);
    for (uint64_t p : {0x401000ull, 0x402000ull, 0x7ffffffff000ull})
        cr_assert_eq(g_process.space.map(VirtAddr(p), PhysAddr(0x11000), PageFlags::User | PageFlags::Writable),
                     MapStatus::Ok);
    cr_assert_eq(g_process.space.map(VirtAddr(0x500000), PhysAddr(0x12000), PageFlags::Writable), MapStatus::Ok);
    return g_process.space;
}
}  // namespace

Process* current_process() { return &g_process; }

Test(uaccess, mapped_user_memory_is_fine) {
    AddressSpace& s = fresh_space();
    cr_assert(user_range_ok(s, 0x400000, 4096, false));
    cr_assert(user_range_ok(s, 0x401ff0, 0x20, true), "a range across two writable pages");
    cr_assert(user_range_ok(s, 0x401000, 0x2000, true));
}

Test(uaccess, zero_length_is_always_fine) {
    AddressSpace& s = fresh_space();
    cr_assert(user_range_ok(s, 0, 0, true));
    cr_assert(user_range_ok(s, 0xffffffff80000000, 0, false));
}

Test(uaccess, null_and_unmapped) {
    AddressSpace& s = fresh_space();
    cr_assert(!user_range_ok(s, 0, 1, false));
    cr_assert(!user_range_ok(s, 0x10000000000, 16, false));
    cr_assert(!user_range_ok(s, 0x402ff0, 0x20, false), "the second page is not mapped");
}

Test(uaccess, read_only_page_refuses_writes) {
    AddressSpace& s = fresh_space();
    cr_assert(user_range_ok(s, 0x400000, 8, false));
    cr_assert(!user_range_ok(s, 0x400000, 8, true));
}

Test(uaccess, kernel_pages_and_kernel_addresses) {
    AddressSpace& s = fresh_space();
    cr_assert(!user_range_ok(s, 0x500000, 8, false), "mapped, but not for ring 3");
    cr_assert(!user_range_ok(s, 0xffffffff80000000, 16, false));
    cr_assert(!user_range_ok(s, 0xffff800000000000, 1, false));
}

Test(uaccess, non_canonical_and_crossing_the_end) {
    AddressSpace& s = fresh_space();
    cr_assert(!user_range_ok(s, 0x0000800000000000, 16, false));
    cr_assert(user_range_ok(s, 0x7ffffffff000, 0x1000, true), "the very last user page");
    cr_assert(!user_range_ok(s, 0x7ffffffff000, 0x1001, false), "one byte past user space");
    cr_assert(!user_range_ok(s, 0xfffffffffffffff0, 0x20, false), "wraps around zero");
}
