/**
 * @file chapters/03-memory/tests/test_frame.cpp
 * @brief Host tests of the frame allocator: which frames it hands out.
 */
#include <criterion/criterion.h>

#include "mm/frame.cpp"
#include "fake_kernel.h"

using multiboot2::MemoryRegion;
using multiboot2::MemoryType;

namespace {
FrameAllocator g_alloc;  // 128 KiB: not on the stack

size_t count_free_by_allocating(FrameAllocator& a) {
    size_t n = 0;
    while (a.allocate()) ++n;
    return n;
}
}  // namespace

Test(frames, only_available_regions_are_free) {
    const MemoryRegion map[] = {
        {0x0, 0x9fc00, MemoryType::Available},          // 159 whole frames (the tail is partial)
        {0x9fc00, 0x400, MemoryType::Reserved},
        {0x100000, 0x100000, MemoryType::Available},    // 256 frames
        {0x200000, 0x100000, MemoryType::AcpiReclaimable},
    };
    g_alloc.init(map, 4, nullptr, 0);
    cr_assert_eq(g_alloc.free_count(), 159 + 256);
    cr_assert(g_alloc.in_use(PhysAddr(0x9f000)), "a partial frame must not be handed out");
    cr_assert(!g_alloc.in_use(PhysAddr(0x9e000)));
    cr_assert(g_alloc.in_use(PhysAddr(0x200000)));
    cr_assert_eq(count_free_by_allocating(g_alloc), 159 + 256);
}

Test(frames, reservations_round_outwards) {
    const MemoryRegion map[] = {{0x0, 0x100000, MemoryType::Available}};
    const PhysRange reserved[] = {{0x1800, 0x2001}};  // touches frames 1 and 2
    g_alloc.init(map, 1, reserved, 1);
    cr_assert_eq(g_alloc.free_count(), 256 - 2);
    cr_assert(g_alloc.in_use(PhysAddr(0x1000)));
    cr_assert(g_alloc.in_use(PhysAddr(0x2000)));
    cr_assert(!g_alloc.in_use(PhysAddr(0x3000)));
}

Test(frames, overlapping_reservations_count_once) {
    const MemoryRegion map[] = {{0x0, 0x10000, MemoryType::Available}};
    const PhysRange reserved[] = {{0x0, 0x3000}, {0x2000, 0x5000}};
    g_alloc.init(map, 1, reserved, 2);
    cr_assert_eq(g_alloc.free_count(), 16 - 5);
}

Test(frames, lowest_first_and_reuse_after_free) {
    const MemoryRegion map[] = {{0x10000, 0x4000, MemoryType::Available}};
    g_alloc.init(map, 1, nullptr, 0);
    auto a = g_alloc.allocate();
    auto b = g_alloc.allocate();
    cr_assert(a && b);
    cr_assert_eq(a->value(), 0x10000);
    cr_assert_eq(b->value(), 0x11000);
    g_alloc.free(*a);
    auto c = g_alloc.allocate();
    cr_assert(c && c->value() == 0x10000, "a freed frame is reused first");
}

Test(frames, exhaustion_returns_nothing) {
    const MemoryRegion map[] = {{0x10000, 0x2000, MemoryType::Available}};
    g_alloc.init(map, 1, nullptr, 0);
    cr_assert(g_alloc.allocate());
    cr_assert(g_alloc.allocate());
    cr_assert(!g_alloc.allocate());
    cr_assert_eq(g_alloc.free_count(), 0);
}

Test(frames, memory_above_4gib_is_ignored) {
    const MemoryRegion map[] = {{0xfffff000, 0x100002000, MemoryType::Available}};
    g_alloc.init(map, 1, nullptr, 0);
    cr_assert_eq(g_alloc.free_count(), 1);
}

Test(frames, region_wrapping_the_address_space_is_clamped) {
    const MemoryRegion map[] = {{0xffffe000, ~0ull, MemoryType::Available}};
    g_alloc.init(map, 1, nullptr, 0);
    cr_assert_eq(g_alloc.free_count(), 2);
}

Test(frames, double_free_panics, .exit_code = 101) {
    const MemoryRegion map[] = {{0x10000, 0x2000, MemoryType::Available}};
    g_alloc.init(map, 1, nullptr, 0);
    auto a = g_alloc.allocate();
    g_alloc.free(*a);
    g_alloc.free(*a);  // power_off(Panic) -> exit(101)
}

Test(frames, panic_message_names_the_frame, .exit_code = 101) {
    const MemoryRegion map[] = {{0x10000, 0x2000, MemoryType::Available}};
    g_alloc.init(map, 1, nullptr, 0);
    std::atexit([] {
        if (fake::console.find("0x10000") == std::string::npos) std::_Exit(1);
    });
    g_alloc.free(PhysAddr(0x10000));
}
