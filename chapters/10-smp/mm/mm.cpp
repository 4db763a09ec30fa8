/**
 * @file chapters/10-smp/mm/mm.cpp
 * @brief mm_init(): frames, the kernel's page tables, the switch, the heap.
 * (Chapter 10: kernel stacks are made on every CPU, under a lock.)
 */
#include "mm/mm.h"

#include "kernel/boot_info.h"
#include "kernel/layout.h"
#include "kernel/panic.h"
#include "mm/frame.h"
#include "sync/spinlock.h"

void physmap_use_direct_map();  // mm/physmap.cpp
/// Start the kernel heap (mm/heap.cpp); until then heap_allocate() has no memory.
void heap_init();               // mm/heap.cpp

/// @name Section bounds from linker.ld
/// @{
extern "C" char __kernel_start_phys[], __text_start[], __text_end[], __rodata_start[], __rodata_end[],
    __data_start[], __data_end[], __kernel_end[];  ///< from linker.ld: only the address means anything;
                                                   ///< virtual, but __kernel_start_phys is physical
/// @}

namespace {

FrameAllocator g_frames;
AddressSpace g_kernel_space{PhysAddr()};
uint64_t g_next_stack = kStackBase;
SpinLock g_stack_lock;  // owns g_next_stack and the kernel's page tables of the stack area

uint64_t align_up(uint64_t v) { return (v + kPageSize - 1) & ~(kPageSize - 1); }
uint64_t phys_of_image(const char* p) { return reinterpret_cast<uint64_t>(p) - KERNEL_VMA; }

// Boot-time mappings: without them there is no kernel, so failing is fatal.
void map_or_panic(AddressSpace& space, VirtAddr virt, PhysAddr phys, PageFlags flags) {
    const Result<void> mapped = space.map(virt, phys, flags);
    if (!mapped)
        panic("mapping {:#x} -> {:#x} failed ({})", virt.value(), phys.value(), abi::errno_name(mapped.error()));
}

// Map the image range [from, to) at its link address with @p flags.
void map_image(AddressSpace& space, const char* from, const char* to, PageFlags flags) {
    for (uint64_t v = reinterpret_cast<uint64_t>(from); v < align_up(reinterpret_cast<uint64_t>(to));
         v += kPageSize)
        map_or_panic(space, VirtAddr(v), PhysAddr(v - KERNEL_VMA), flags);
}

}  // namespace

FrameAllocator& frames() { return g_frames; }
AddressSpace& kernel_space() { return g_kernel_space; }

void mm_init() {
    const multiboot2::BootInfo& boot = boot_info();

    // 1. Frames: RAM from the memory map, minus what is already in use.
    PhysRange reserved[2 + multiboot2::kMaxModules];
    size_t n = 0;
    reserved[n++] = {0, 0x100000};  // real-mode IVT, BIOS data, VGA, ROMs
    // __kernel_start_phys is defined before the linker script adds KERNEL_VMA:
    // it is already physical. __kernel_end is virtual.
    reserved[n++] = {reinterpret_cast<uint64_t>(__kernel_start_phys), phys_of_image(__kernel_end)};
    for (size_t i = 0; i < boot.module_count; ++i) reserved[n++] = {boot.modules[i].start, boot.modules[i].end};
    g_frames.init(boot.regions, boot.region_count, reserved, n);
    kprint("[Memory] Frame allocator: {} frames free ({} MiB)\n", g_frames.free_count(),
           g_frames.free_count() * kPageSize >> 20);

    // 2. The kernel's own tables. Each section gets only what it needs:
    //    code is not writable, data is not executable.
    const Result<AddressSpace> space = AddressSpace::create();
    if (!space) panic("no memory for the kernel's PML4");
    g_kernel_space = *space;
    // Give every upper-half PML4 slot its PDPT now. Those 256 entries then
    // never change, so a process that copies them (chapter 04) shares every
    // kernel mapping, including ones made long after it was created.
    uint64_t* pml4 = phys_to_virt(g_kernel_space.root()).as<uint64_t>();
    for (int slot = 256; slot < 512; ++slot) {
        const Result<PhysAddr> pdpt = g_frames.allocate();
        if (!pdpt) panic("no memory for the kernel's PDPTs");
        mem::fill(phys_to_virt(*pdpt).as<void>(), 0, kPageSize);
        pml4[slot] = pdpt->value() | pte::kPresent | pte::kWritable;
    }
    map_image(g_kernel_space, __text_start, __text_end, PageFlags::None);
    map_image(g_kernel_space, __rodata_start, __rodata_end, PageFlags::NoExecute);
    map_image(g_kernel_space, __data_start, __data_end, PageFlags::Writable | PageFlags::NoExecute);
    map_image(g_kernel_space, reinterpret_cast<char*>(align_up(reinterpret_cast<uint64_t>(__data_end))),
              __kernel_end, PageFlags::NoExecute);  // .ksyms

    // 3. The direct map: every page of RAM, writable, never executable.
    uint64_t mapped = 0;
    for (size_t i = 0; i < boot.region_count; ++i) {
        const multiboot2::MemoryRegion& r = boot.regions[i];
        if (r.type != multiboot2::MemoryType::Available) continue;
        uint64_t end = r.base + r.length;
        if (end > FrameAllocator::kMaxMemory) end = FrameAllocator::kMaxMemory;
        for (uint64_t p = r.base & ~(kPageSize - 1); p < end; p += kPageSize, ++mapped)
            map_or_panic(g_kernel_space, VirtAddr(kDirectMapBase + p), PhysAddr(p),
                         PageFlags::Writable | PageFlags::NoExecute);
    }

    // 4. Switch. The lower half is now empty: a null pointer faults.
    g_kernel_space.activate();
    physmap_use_direct_map();
    kprint("[Paging] Kernel page tables at CR3={:#x}: image by section, {} MiB direct map at {:#x}\n",
           g_kernel_space.root().value(), mapped * kPageSize >> 20, kDirectMapBase);

    heap_init();
}

Result<KernelStack> kstack_create(size_t pages) {
    IrqLock locked(g_stack_lock);
    // Slot layout: [guard page][pages...]; the guard page is never mapped.
    const uint64_t guard = g_next_stack;
    const KernelStack stack{VirtAddr(guard + kPageSize), VirtAddr(guard + (pages + 1) * kPageSize), VirtAddr(guard)};
    for (size_t i = 0; i < pages; ++i) {
        const Result<void> mapped =
            map_new_page(g_kernel_space, stack.bottom + i * kPageSize, PageFlags::Writable | PageFlags::NoExecute);
        if (!mapped) {
            while (i-- > 0) g_frames.free(*g_kernel_space.unmap(stack.bottom + i * kPageSize));  // undo
            return Err(mapped.error());
        }
    }
    g_next_stack = stack.top.value();
    return stack;
}
