/**
 * @file chapters/03-memory/tests/test_heap.cpp
 * @brief Host tests of the heap (mm/heap.cpp) on an ordinary array: reuse,
 * alignment, merging, running out of memory, and each bug the hardening
 * must catch (use after free, double free, foreign pointer, damaged header).
 *
 * The heap grows into `arena` one page at a time through fake_map_page,
 * which can be told to refuse after a number of pages. A caught bug panics,
 * and the fake power_off() makes the test exit with 101 (Criterion checks it).
 */
#include <criterion/criterion.h>

#include <cstring>

#include "mm/frame.cpp"
#include "mm/heap.cpp"
#include "mm/paging.cpp"
#include "fake_kernel.h"

namespace {

alignas(4096) uint8_t arena[64 * 4096];
uint64_t pages_allowed = 0;  // fake_map_page refuses once this reaches 0

Result<void> fake_map_page(uint64_t address) {
    cr_assert(address >= reinterpret_cast<uint64_t>(arena) && address < reinterpret_cast<uint64_t>(arena) + sizeof arena);
    if (pages_allowed == 0) return Err(abi::Errno::NoMem);
    --pages_allowed;
    return {};
}

Heap fresh(uint64_t pages = 64) {
    std::memset(arena, 0, sizeof arena);
    pages_allowed = pages;
    Heap heap;
    heap.init(reinterpret_cast<uint64_t>(arena), sizeof arena, fake_map_page);
    return heap;
}

// The panic must say @p text: checked when the fake power_off() exits (an
// exit status other than 101 fails the test).
const char* g_expected_panic = nullptr;
void expect_panic_saying(const char* text) {
    g_expected_panic = text;
    std::atexit([] {
        if (fake::console.find(g_expected_panic) == std::string::npos) std::_Exit(1);
    });
}

}  // namespace

// The kernel's own heap glue in mm/heap.cpp needs these; the tests use their own Heap.
AddressSpace& kernel_space() {
    static AddressSpace space{PhysAddr()};
    return space;
}

Test(heap, blocks_are_reused_and_aligned) {
    Heap heap = fresh();
    void* a = heap.allocate(100, 16);
    void* b = heap.allocate(100, 16);
    cr_assert(a && b && a != b);
    cr_assert_eq(reinterpret_cast<uint64_t>(a) % 16, 0u);
    heap.free(a);
    cr_assert_eq(heap.allocate(100, 16), a, "first fit takes the block just freed");
    void* page = heap.allocate(10, 4096);
    cr_assert_eq(reinterpret_cast<uint64_t>(page) % 4096, 0u);
    std::memset(page, 1, 10);  // usable, and not poison any more
}

Test(heap, freeing_everything_merges_into_one_block) {
    Heap heap = fresh();
    void* blocks[50];
    for (int i = 0; i < 50; ++i) blocks[i] = heap.allocate(16 + i * 24, 16);
    for (int i = 0; i < 50; i += 2) heap.free(blocks[i]);  // every other one first
    for (int i = 1; i < 50; i += 2) heap.free(blocks[i]);
    cr_assert_eq(heap.free_bytes(), heap.size(), "all free again, and merged: the first block is the whole heap");
    void* big = heap.allocate(heap.size() - 16, 16);
    cr_assert_eq(big, static_cast<void*>(arena + 16), "one block spans the heap: nothing was lost to fragments");
}

Test(heap, freed_memory_is_poisoned) {
    Heap heap = fresh();
    auto* p = static_cast<uint8_t*>(heap.allocate(64, 16));
    std::memset(p, 0x11, 64);
    heap.free(p);
    for (int i = 0; i < 64; ++i) cr_assert_eq(p[i], Heap::kPoison, "byte %d", i);
}

Test(heap, out_of_memory_is_nullptr_and_the_heap_still_works) {
    Heap heap = fresh(2);
    cr_assert_null(heap.allocate(3 * 4096, 16), "two pages cannot hold three");
    void* small = heap.allocate(64, 16);
    cr_assert_not_null(small, "the pages that were mapped are not lost");
    heap.free(small);
    cr_assert_null(heap.allocate(~size_t(0) - 8, 16), "a size that would wrap");
    cr_assert_null(heap.allocate(1ull << 40, 16), "beyond the limit");
}

Test(heap, a_write_after_free_is_caught_at_the_next_allocation, .exit_code = 101) {
    Heap heap = fresh();
    auto* p = static_cast<uint8_t*>(heap.allocate(64, 16));
    heap.free(p);
    p[40] = 0;  // a stale pointer writes
    expect_panic_saying("was written after it was freed (a use after free)");
    heap.allocate(64, 16);
}

Test(heap, double_free_panics, .exit_code = 101) {
    Heap heap = fresh();
    void* p = heap.allocate(64, 16);
    heap.allocate(64, 16);  // a neighbour, so p does not merge away
    heap.free(p);
    expect_panic_saying("is freed twice (a double free)");
    heap.free(p);
}

Test(heap, a_foreign_pointer_panics, .exit_code = 101) {
    Heap heap = fresh();
    heap.allocate(64, 16);
    static uint8_t elsewhere[64];
    expect_panic_saying("is not a block of this heap");
    heap.free(elsewhere + 16);
}

Test(heap, a_damaged_header_panics, .exit_code = 101) {
    Heap heap = fresh();
    auto* p = static_cast<uint8_t*>(heap.allocate(64, 16));
    heap.allocate(64, 16);
    p[-16] ^= 0x40;  // an overflow from the block before changes the size
    expect_panic_saying("header was overwritten");
    heap.free(p);
}

Test(heap, a_damaged_free_list_link_panics, .exit_code = 101) {
    Heap heap = fresh();
    auto* p = static_cast<uint8_t*>(heap.allocate(64, 16));
    heap.allocate(64, 16);
    heap.free(p);
    reinterpret_cast<uint64_t*>(p)[-1] = 0x1234;  // the free block's link
    expect_panic_saying("link to the next free block was overwritten");
    heap.allocate(4096, 16);  // walks the list
}
