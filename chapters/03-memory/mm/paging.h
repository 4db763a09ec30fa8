/**
 * @file chapters/03-memory/mm/paging.h
 * @brief 4-level page tables behind a typed API: map, unmap, translate.
 *
 * Every table is one 4 KiB frame of 512 entries. A virtual address picks one
 * entry per level (VirtAddr::table_index); the last entry holds the frame
 * and the page's permissions:
 *
 *     PML4[47:39] -> PDPT[38:30] -> PD[29:21] -> PT[20:12] -> frame + offset[11:0]
 *
 * Intermediate entries are made permissive (present, writable, user): the
 * leaf alone decides what is allowed, so one place says what a page may do.
 */
#pragma once

#include <cstdint>

#include "common/result.h"
#include "mm/address.h"

/// What a mapped page allows. Combine with |.
enum class PageFlags : uint64_t {
    None = 0,
    Writable = 1ull << 1,    ///< W: writes allowed
    User = 1ull << 2,        ///< U: ring 3 may access it
    NoExecute = 1ull << 63,  ///< NX: instruction fetches fault (needs EFER.NXE)
};

/// Both sets of permissions.
constexpr PageFlags operator|(PageFlags a, PageFlags b) {
    return static_cast<PageFlags>(static_cast<uint64_t>(a) | static_cast<uint64_t>(b));
}
/// True if @p a has every flag of @p b.
constexpr bool has(PageFlags a, PageFlags b) {
    return (static_cast<uint64_t>(a) & static_cast<uint64_t>(b)) == static_cast<uint64_t>(b);
}

/// Where a virtual address leads.
struct Translation {
    PhysAddr phys;    ///< the physical address (frame + offset)
    PageFlags flags;  ///< the leaf entry's W, U and NX bits
};

/// One set of page tables: the kernel's, or a process's (chapter 04).
class AddressSpace {
public:
    /// An address space with a fresh, empty PML4, or Errno::NoMem.
    static Result<AddressSpace> create();

    /// Adopt an existing PML4.
    explicit AddressSpace(PhysAddr pml4) : m_pml4(pml4) {}

    /// Map one 4 KiB page at @p virt to the frame @p phys. Errors:
    /// Errno::Inval (an address not page-aligned, or @p virt not canonical),
    /// Errno::Exist (the page is mapped already: unmap it first),
    /// Errno::NoMem (no frame for a page table).
    Result<void> map(VirtAddr virt, PhysAddr phys, PageFlags flags);

    /// Remove the mapping of @p virt and return the frame it pointed to
    /// (the caller owns the frame), or Errno::Fault if nothing is mapped there.
    Result<PhysAddr> unmap(VirtAddr virt);

    /// Follow the tables for @p virt, as the MMU would; Errno::Fault if
    /// nothing is mapped there.
    [[nodiscard]] Result<Translation> translate(VirtAddr virt) const;

    /// Load this address space into CR3.
    void activate() const;

    /// The physical address of the PML4 (what CR3 holds).
    [[nodiscard]] PhysAddr root() const { return m_pml4; }

    /// The level-1 entry for @p virt, creating the tables on the way if
    /// @p create (Errno::NoMem if a table cannot be made; without @p create,
    /// Errno::Fault if one is missing). map, unmap and translate are built
    /// on it; code that writes entries of its own kind uses it directly.
    Result<uint64_t*> walk(VirtAddr virt, bool create) const;

private:
    PhysAddr m_pml4;
};

/// Map a fresh zeroed frame at @p virt in @p space. Errno::NoMem, or
/// AddressSpace::map()'s error; nothing is left allocated on failure.
Result<void> map_new_page(AddressSpace& space, VirtAddr virt, PageFlags flags);

/// Drop the TLB entry of one page (invlpg; a fake in host tests).
void tlb_flush_page(VirtAddr virt);

/// Page-table entry bits.
namespace pte {
inline constexpr uint64_t kPresent = 1ull << 0;      ///< P: the entry is valid; clear = not-present fault
inline constexpr uint64_t kWritable = 1ull << 1;     ///< R/W: writes allowed (CR0.WP applies it to ring 0 too)
inline constexpr uint64_t kUser = 1ull << 2;         ///< U/S: ring 3 may access
inline constexpr uint64_t kHuge = 1ull << 7;         ///< PS: in a PD or PDPT, a 2 MiB or 1 GiB page, not a table
inline constexpr uint64_t kNoExecute = 1ull << 63;   ///< XD: no instruction fetch (needs EFER.NXE)
inline constexpr uint64_t kAddressMask = 0x000ffffffffff000ull;  ///< bits 51:12: the frame or next table
}  // namespace pte
