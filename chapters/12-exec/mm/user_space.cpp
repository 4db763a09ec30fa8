/**
 * @file chapters/12-exec/mm/user_space.cpp
 * @brief Walks over ranges of a process's page tables: map, unmap, search,
 * and (chapter 12) copy a whole lower half for fork.
 *
 * Each walk descends only into tables that exist, one level at a time; at
 * each level an entry covers span(level) bytes (4 KiB at level 1, 2 MiB at
 * 2, 1 GiB at 3, 512 GiB at 4). Only the lower half is ever walked here:
 * the upper half's tables belong to the kernel and are shared by everyone.
 *
 * Chapter 10: another CPU running the same program may still translate
 * through an entry this file clears. So an unmap collects the frames (of
 * pages and of emptied tables) in a FreeBatch instead of freeing them at
 * once, and frees them only after tlb_shootdown() has returned: until
 * then another CPU may still write into them. A batch that fills up is
 * shot down and freed on the spot, and the walk goes on.
 */
#include "mm/user_space.h"

#include "common/abi/linux.h"
#include "common/str.h"
#include "mm/frame.h"
#include "mm/mm.h"
#include "mm/tlb.h"

uint64_t g_user_top = abi::kTaskSize;

namespace {

/// A non-present leaf with this software bit (ignored by the MMU) is a
/// PROT_NONE page; its address bits hold its frame, or 0 if it has none yet.
constexpr uint64_t kProtNoneEntry = 1ull << 9;
/// The bits of a leaf the MMU ignores, free for the kernel's own use.
constexpr uint64_t kSoftwareBits = 7ull << 9;
/// The bits of a leaf map_user_pages() and mprotect() set from PROT_*.
constexpr uint64_t kLeafBits = pte::kWritable | pte::kUser | pte::kNoExecute;
/// A present leaf with this software bit maps a frame the address space does not own.
constexpr uint64_t kBorrowedEntry = 1ull << 10;

constexpr uint64_t span(int level) { return 1ull << (12 + 9 * (level - 1)); }
bool used(uint64_t entry) { return entry & (pte::kPresent | kProtNoneEntry); }
uint64_t* table_of(uint64_t entry) { return phys_to_virt(PhysAddr(entry & pte::kAddressMask)).as<uint64_t>(); }
uint64_t min(uint64_t a, uint64_t b) { return a < b ? a : b; }
uint64_t max(uint64_t a, uint64_t b) { return a > b ? a : b; }

// Frames an unmap has cleared from the tables, waiting for the shootdown
// that makes them unreachable from every CPU; and the range that covers them.
class FreeBatch {
public:
    explicit FreeBatch(const AddressSpace& space) : m_space(space) {}
    ~FreeBatch() { flush(); }
    FreeBatch(const FreeBatch&) = delete;
    FreeBatch& operator=(const FreeBatch&) = delete;

    // @p frame was reachable at @p address until a moment ago (0: no frame,
    // but a translation to forget all the same).
    void add(uint64_t frame, uint64_t address) {
        if (m_count == kCapacity) flush();
        if (frame) m_frames[m_count++] = frame;
        if (address < m_start) m_start = address;
        if (address + kPageSize > m_end) m_end = address + kPageSize;
    }
    void flush() {
        if (m_start < m_end) tlb_shootdown(m_space, m_start, m_end);
        for (size_t i = 0; i < m_count; ++i) frames().free(PhysAddr(m_frames[i]));
        m_count = 0;
        m_start = ~0ull;
        m_end = 0;
    }

private:
    static constexpr size_t kCapacity = 256;
    const AddressSpace& m_space;
    uint64_t m_frames[kCapacity];
    size_t m_count = 0;
    uint64_t m_start = ~0ull, m_end = 0;
};

bool all_clear(const uint64_t* table) {
    for (int i = 0; i < 512; ++i)
        if (table[i]) return false;
    return true;
}

PageFlags flags_for(int prot) {
    PageFlags flags = PageFlags::User;
    if (prot & abi::prot::Write) flags = flags | PageFlags::Writable;
    if (!(prot & abi::prot::Exec)) flags = flags | PageFlags::NoExecute;
    return flags;
}

// Clear [start, end) below @p table, a table of @p level whose first entry
// maps @p base. A page's frame goes into @p batch, to go back to the
// allocator after the shootdown; so does a table this leaves empty.
void unmap_below(uint64_t* table, int level, uint64_t base, uint64_t start, uint64_t end, FreeBatch& batch) {
    for (uint64_t i = (start - base) / span(level); i < 512 && base + i * span(level) < end; ++i) {
        uint64_t& entry = table[i];
        if (!used(entry)) continue;
        const uint64_t lo = max(start, base + i * span(level)), hi = min(end, base + (i + 1) * span(level));
        if (level == 1) {
            const bool owned = (entry & pte::kAddressMask) && !(entry & kBorrowedEntry);
            const uint64_t frame = owned ? entry & pte::kAddressMask : 0;
            entry = 0;
            tlb_flush_page(VirtAddr(lo));
            batch.add(frame, lo);
            continue;
        }
        uint64_t* child = table_of(entry);
        unmap_below(child, level - 1, base + i * span(level), lo, hi, batch);
        if (all_clear(child)) {
            const uint64_t frame = entry & pte::kAddressMask;
            entry = 0;
            tlb_flush_page(VirtAddr(lo));  // invlpg also drops cached upper-level entries
            batch.add(frame, lo);
        }
    }
}

// Give every page of [start, end) below @p table the permissions of @p prot.
// A PROT_NONE page keeps its frame (its data comes back with its access);
// a page reserved without a frame gets a fresh one when it becomes accessible.
Result<void> protect_below(uint64_t* table, int level, uint64_t base, uint64_t start, uint64_t end, int prot) {
    for (uint64_t i = (start - base) / span(level); i < 512 && base + i * span(level) < end; ++i) {
        uint64_t& entry = table[i];
        const uint64_t lo = max(start, base + i * span(level)), hi = min(end, base + (i + 1) * span(level));
        if (level > 1) {
            TRY(protect_below(table_of(entry), level - 1, base + i * span(level), lo, hi, prot));
            continue;
        }
        const uint64_t software = entry & kSoftwareBits & ~kProtNoneEntry;  // kept as they are
        uint64_t frame = entry & pte::kAddressMask;
        if (prot == abi::prot::None) {
            entry = frame | kProtNoneEntry | software;
        } else {
            if (frame == 0) {  // reserved by mmap(PROT_NONE), never accessible yet
                frame = TRY(frames().allocate()).value();
                mem::fill(phys_to_virt(PhysAddr(frame)).as<void>(), 0, kPageSize);
            }
            entry = frame | pte::kPresent | (static_cast<uint64_t>(flags_for(prot)) & kLeafBits) | software;
        }
        tlb_flush_page(VirtAddr(lo));
    }
    return {};
}

// The lowest page of [start, end) below @p table that is not used, or @p end.
uint64_t find_unused(const uint64_t* table, int level, uint64_t base, uint64_t start, uint64_t end) {
    for (uint64_t i = (start - base) / span(level); i < 512 && base + i * span(level) < end; ++i) {
        const uint64_t lo = max(start, base + i * span(level)), hi = min(end, base + (i + 1) * span(level));
        if (!used(table[i])) return lo;
        if (level == 1) continue;
        const uint64_t found = find_unused(table_of(table[i]), level - 1, base + i * span(level), lo, hi);
        if (found != hi) return found;
    }
    return end;
}

// The lowest (or, if @p highest, the highest) used page of [start, end)
// below @p table, or @p end.
uint64_t find_used(const uint64_t* table, int level, uint64_t base, uint64_t start, uint64_t end, bool highest) {
    const uint64_t first = (start - base) / span(level), last = min(511, (end - 1 - base) / span(level));
    for (uint64_t n = 0; n <= last - first; ++n) {
        const uint64_t i = highest ? last - n : first + n;
        if (!used(table[i])) continue;
        const uint64_t lo = max(start, base + i * span(level)), hi = min(end, base + (i + 1) * span(level));
        if (level == 1) return lo;
        const uint64_t found = find_used(table_of(table[i]), level - 1, base + i * span(level), lo, hi, highest);
        if (found != hi) return found;
    }
    return end;
}

// One page of map_user_pages(): a fresh frame, or a PROT_NONE entry.
Result<void> map_one(AddressSpace& space, VirtAddr page, int prot) {
    if (prot != abi::prot::None) return map_new_page(space, page, flags_for(prot));
    uint64_t* entry = TRY(space.walk(page, true));
    *entry = kProtNoneEntry;
    return {};
}

// One page of map_kernel_pages(): the frame behind @p kernel, at @p page.
Result<void> map_borrowed(AddressSpace& space, VirtAddr page, VirtAddr kernel, PageFlags flags) {
    const Translation t = TRY(kernel_space().translate(kernel));
    TRY(space.map(page, t.phys, flags));
    uint64_t* entry = TRY(space.walk(page, false));
    *entry |= kBorrowedEntry;  // unmapping must leave this frame to its owner
    return {};
}

// One page of pin_user_pages(): its frame, with one more reference.
Result<PhysAddr> pin_one(const AddressSpace& space, VirtAddr page) {
    const uint64_t* entry = TRY(space.walk(page, false));  // Errno::Fault: a table is missing
    constexpr uint64_t kNeeded = pte::kPresent | pte::kUser | pte::kWritable;
    if ((*entry & kNeeded) != kNeeded || (*entry & kBorrowedEntry)) return Err(abi::Errno::Fault);
    const PhysAddr frame(*entry & pte::kAddressMask);
    TRY(frames().ref(frame));
    return frame;
}

uint64_t* pml4_of(const AddressSpace& space) { return phys_to_virt(space.root()).as<uint64_t>(); }

// Copy every used page below @p table (a table of @p level whose first
// entry maps @p base) into @p to: a fresh frame with the same bytes, and
// the same entry bits around it (permissions, PROT_NONE, software bits).
Result<void> copy_below(const uint64_t* table, int level, uint64_t base, AddressSpace& to) {
    const uint64_t entries = level == 4 ? 256 : 512;  // the PML4's upper half is the kernel's
    for (uint64_t i = 0; i < entries; ++i) {
        const uint64_t entry = table[i];
        if (!used(entry)) continue;
        const uint64_t at = base + i * span(level);
        if (level > 1) {
            TRY(copy_below(table_of(entry), level - 1, at, to));
            continue;
        }
        if (entry & kBorrowedEntry) continue;  // a ring's pages: not the process's to copy
        uint64_t* leaf = TRY(to.walk(VirtAddr(at), true));
        const uint64_t frame = entry & pte::kAddressMask;
        if (frame == 0) {  // PROT_NONE, never accessible: nothing to copy
            *leaf = entry;
            continue;
        }
        const PhysAddr copy = TRY(frames().allocate());
        mem::copy(phys_to_virt(copy).as<void>(), phys_to_virt(PhysAddr(frame)).as<void>(), kPageSize);
        *leaf = (entry & ~pte::kAddressMask) | copy.value();
    }
    return {};
}

}  // namespace

Result<AddressSpace> user_space_create() {
    AddressSpace space = TRY(AddressSpace::create());
    // Share the kernel: the upper half of every PML4 is the kernel's.
    mem::copy(pml4_of(space) + 256, pml4_of(kernel_space()) + 256, 256 * sizeof(uint64_t));
    return space;
}

Result<void> map_user_pages(AddressSpace& space, uint64_t start, uint64_t pages, int prot) {
    // Fail at once if memory cannot hold it: a frame a page (none for
    // PROT_NONE) and a page table for every 512 pages, or about.
    const uint64_t needed = (prot != abi::prot::None ? pages : 0) + pages / 512 + 4;
    if (needed > frames().free_count()) return Err(abi::Errno::NoMem);
    for (uint64_t i = 0; i < pages; ++i) {
        const uint64_t page = start + i * kPageSize;
        const Result<void> done = map_one(space, VirtAddr(page), prot);
        if (!done) {
            unmap_user_range(space, start, page);  // all or nothing
            return done;
        }
    }
    return {};
}

Result<void> map_kernel_pages(AddressSpace& space, uint64_t start, VirtAddr kernel, uint64_t pages, int prot) {
    const PageFlags flags = flags_for(prot & (abi::prot::Read | abi::prot::Write));
    for (uint64_t i = 0; i < pages; ++i) {
        const uint64_t page = start + i * kPageSize;
        const Result<void> done = map_borrowed(space, VirtAddr(page), kernel + i * kPageSize, flags);
        if (!done) {
            unmap_user_range(space, start, page);  // all or nothing
            return done;
        }
    }
    return {};
}

Result<void> protect_user_range(AddressSpace& space, uint64_t start, uint64_t end, int prot) {
    if (start >= end) return {};
    if (find_unused(pml4_of(space), 4, 0, start, end) != end) return Err(abi::Errno::NoMem);  // a hole: as Linux
    const Result<void> done = protect_below(pml4_of(space), 4, 0, start, end, prot);
    // Whatever changed, every CPU must see it before the call returns: a
    // stale read-only entry would make a write the program may now do fault.
    tlb_shootdown(space, start, end);
    return done;
}

void unmap_user_range(AddressSpace& space, uint64_t start, uint64_t end) {
    if (start >= end) return;
    FreeBatch batch(space);
    unmap_below(pml4_of(space), 4, 0, start, end, batch);
}  // the batch's destructor shoots down, then frees

Result<void> pin_user_pages(const AddressSpace& space, uint64_t start, uint64_t pages, PhysAddr* pinned) {
    // Only the lower half: the walk would find the kernel's pages too.
    if (start >= g_user_top || pages > (g_user_top - start) / kPageSize) return Err(abi::Errno::Fault);
    for (uint64_t i = 0; i < pages; ++i) {
        const Result<PhysAddr> frame = pin_one(space, VirtAddr(start + i * kPageSize));
        if (!frame) {
            unpin_pages(pinned, i);  // all or nothing
            return Err(frame.error());
        }
        pinned[i] = *frame;
    }
    return {};
}

void unpin_pages(const PhysAddr* pinned, uint64_t count) {
    for (uint64_t i = 0; i < count; ++i) frames().free(pinned[i]);
}

uint64_t first_used_page(const AddressSpace& space, uint64_t start, uint64_t end) {
    return start < end ? find_used(pml4_of(space), 4, 0, start, end, false) : end;
}

uint64_t last_used_page(const AddressSpace& space, uint64_t start, uint64_t end) {
    return start < end ? find_used(pml4_of(space), 4, 0, start, end, true) : end;
}

Result<void> copy_user_space(const AddressSpace& from, AddressSpace& to) {
    return copy_below(pml4_of(from), 4, 0, to);
}

void user_space_destroy(AddressSpace& space) {
    tlb_wait_unused(space);
    unmap_user_range(space, 0, kUserEnd);
    frames().free(space.root());
}
