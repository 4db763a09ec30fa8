/**
 * @file chapters/03-memory/mm/address.h
 * @brief Physical and virtual addresses as distinct types, and the kernel's
 * virtual memory map.
 *
 * Mixing the two kinds of address is the classic memory-management bug: a
 * page-table entry wants a physical address, the CPU dereferences virtual
 * ones. With two types, passing one where the other is expected does not
 * compile. Converting is explicit: phys_to_virt() goes through the direct
 * map, where all RAM is mapped at kDirectMapBase + physical address.
 *
 *     0x0000000000000000  user space (lower half, chapter 04)
 *     0x0000800000000000  non-canonical hole
 *     0xffff800000000000  direct map of physical memory     (PML4 slot 256)
 *     0xffffc00000000000  kernel heap                       (slot 384)
 *     0xffffe00000000000  kernel stacks, each under a guard page (slot 448)
 *     0xffffffff80000000  kernel image (-mcmodel=kernel)    (slot 511)
 */
#pragma once

#include <cstdint>

inline constexpr uint64_t kPageSize = 4096;  ///< the only page size the kernel maps (4 KiB)
inline constexpr uint64_t kDirectMapBase = 0xffff800000000000;  ///< physical 0 in the direct map (PML4 slot 256)
inline constexpr uint64_t kHeapBase = 0xffffc00000000000;  ///< first byte of the kernel heap (PML4 slot 384)
inline constexpr uint64_t kHeapLimit = 1ull << 30;  ///< the heap may grow to 1 GiB
inline constexpr uint64_t kStackBase = 0xffffe00000000000;  ///< kernel stacks start here, each above a guard page (slot 448)
inline constexpr uint64_t kUserEnd = 0x0000800000000000;  ///< first non-user address

/// A physical address: what page tables and devices see.
class PhysAddr {
public:
    constexpr PhysAddr() = default;
    /// Wrap a raw physical address (explicit: a number is not an address).
    constexpr explicit PhysAddr(uint64_t value) : m_value(value) {}
    /// The raw number, e.g. for a page-table entry.
    [[nodiscard]] constexpr uint64_t value() const { return m_value; }
    /// The start of the 4 KiB frame that holds this address.
    [[nodiscard]] constexpr PhysAddr page_base() const { return PhysAddr(m_value & ~(kPageSize - 1)); }
    /// The low 12 bits: where in its frame this address is.
    [[nodiscard]] constexpr uint64_t offset_in_page() const { return m_value & (kPageSize - 1); }
    /// True at the start of a frame.
    [[nodiscard]] constexpr bool is_page_aligned() const { return offset_in_page() == 0; }
    /// The address @p n bytes further on.
    constexpr PhysAddr operator+(uint64_t n) const { return PhysAddr(m_value + n); }
    /// Same address.
    constexpr bool operator==(const PhysAddr&) const = default;

private:
    uint64_t m_value = 0;
};

/// A virtual address: what the CPU dereferences.
class VirtAddr {
public:
    constexpr VirtAddr() = default;
    /// Wrap a raw virtual address (explicit: a number is not an address).
    constexpr explicit VirtAddr(uint64_t value) : m_value(value) {}
    /// The address of an object.
    explicit VirtAddr(const void* p) : m_value(reinterpret_cast<uint64_t>(p)) {}
    /// The raw number.
    [[nodiscard]] constexpr uint64_t value() const { return m_value; }
    /// The start of the 4 KiB page that holds this address.
    [[nodiscard]] constexpr VirtAddr page_base() const { return VirtAddr(m_value & ~(kPageSize - 1)); }
    /// The low 12 bits: where in its page this address is.
    [[nodiscard]] constexpr uint64_t offset_in_page() const { return m_value & (kPageSize - 1); }
    /// True at the start of a page.
    [[nodiscard]] constexpr bool is_page_aligned() const { return offset_in_page() == 0; }
    /// Index into the page table at @p level (4 = PML4 ... 1 = page table).
    [[nodiscard]] constexpr unsigned table_index(int level) const {
        return (m_value >> (12 + 9 * (level - 1))) & 511;
    }
    /// Bits 63:47 all equal: the only addresses x86-64 accepts.
    [[nodiscard]] constexpr bool is_canonical() const {
        const uint64_t top = m_value >> 47;
        return top == 0 || top == 0x1ffff;
    }
    /// A pointer to a @p T at this address: the one place a VirtAddr becomes a pointer.
    template <typename T>
    [[nodiscard]] T* as() const { return reinterpret_cast<T*>(m_value); }
    /// The address @p n bytes further on.
    constexpr VirtAddr operator+(uint64_t n) const { return VirtAddr(m_value + n); }
    /// Same address.
    constexpr bool operator==(const VirtAddr&) const = default;

private:
    uint64_t m_value = 0;
};

/// Where the kernel can reach physical address @p p (the direct map; before
/// mm_init() switches to it, the boot map of the first 1 GiB).
VirtAddr phys_to_virt(PhysAddr p);
