/**
 * @file chapters/03-memory/mm/selftest.cpp
 * @brief mm_selftest(): check on the real machine what the host tests check
 * on a fake one - and what only the real MMU can show (permissions, guard
 * pages, the empty lower half).
 */
#include "kernel/heap.h"
#include "kernel/panic.h"
#include "mm/frame.h"
#include "mm/heap.h"
#include "mm/mm.h"

extern "C" void kernel_main(uint32_t, uint32_t);

namespace {
int g_some_data = 42;

const char* yes_no(bool b) { return b ? "yes" : "no"; }
}  // namespace

/// Check frames, page tables, permissions, guard pages and the heap on the
/// real MMU; a failed check panics with its line.
void mm_selftest() {
    // Frames come back.
    const size_t before = frames().free_count();
    auto a = frames().allocate();
    auto b = frames().allocate();
    KASSERT(a && b && !(*a == *b) && frames().free_count() == before - 2);
    frames().free(*b);
    frames().free(*a);
    KASSERT(frames().free_count() == before);
    kprint("[OK] Frames: allocated {:#x} and {:#x}, freed both\n", a->value(), b->value());

    // Each kind of page has only the permissions it needs.
    const auto code = kernel_space().translate(VirtAddr(reinterpret_cast<const void*>(&kernel_main)));
    const auto data = kernel_space().translate(VirtAddr(&g_some_data));
    KASSERT(code && data);
    kprint("[Paging] kernel_main: writable={} executable={}; data: writable={} executable={}\n",
           yes_no(has(code->flags, PageFlags::Writable)), yes_no(!has(code->flags, PageFlags::NoExecute)),
           yes_no(has(data->flags, PageFlags::Writable)), yes_no(!has(data->flags, PageFlags::NoExecute)));
    KASSERT(!has(code->flags, PageFlags::Writable) && !has(code->flags, PageFlags::NoExecute));
    KASSERT(has(data->flags, PageFlags::Writable) && has(data->flags, PageFlags::NoExecute));
    KASSERT(!kernel_space().translate(VirtAddr(uint64_t(0))));
    kprint("[Paging] Address 0 is not mapped: the lower half is empty\n");

    // The heap reuses what is freed.
    void* blocks[64];
    for (size_t i = 0; i < 64; ++i) blocks[i] = heap_allocate(16 + i * 40, 16);
    void* first = blocks[0];
    for (size_t i = 0; i < 64; ++i) heap_free(blocks[i]);
    void* again = heap_allocate(16, 16);
    void* aligned = heap_allocate(100, 4096);
    KASSERT(again == first && (reinterpret_cast<uint64_t>(aligned) & 4095) == 0);
    heap_free(aligned);
    heap_free(again);
    struct Numbers {
        uint64_t values[1000];
    };
    Result<Numbers*> numbers = make<Numbers>();  // how the kernel makes objects
    KASSERT(numbers.has_value());
    (*numbers)->values[999] = 7;
    delete *numbers;
    // Freed memory is poisoned: a stale pointer reads 0x6b, not old data.
    auto* bytes = static_cast<const uint8_t*>(heap_allocate(8000, 16));
    heap_free(const_cast<uint8_t*>(bytes));
    KASSERT(bytes[0] == Heap::kPoison && bytes[7999] == Heap::kPoison);
    kprint("[OK] Heap: 64 blocks freed and reused, 4096-aligned block at {}\n", aligned);
    kprint("[OK] Heap: freed memory holds the poison byte {:#x}\n", Heap::kPoison);

    // A kernel stack has a hole below it.
    const Result<KernelStack> made = kstack_create(4);
    KASSERT(made.has_value());
    const KernelStack& stack = *made;
    KASSERT(kernel_space().translate(stack.bottom) && !kernel_space().translate(stack.guard));
    kprint("[OK] Kernel stack {:#x}-{:#x}, guard page at {:#x} unmapped\n", stack.bottom.value(),
           stack.top.value(), stack.guard.value());
}
