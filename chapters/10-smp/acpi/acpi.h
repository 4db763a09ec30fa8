/**
 * @file chapters/10-smp/acpi/acpi.h
 * @brief Reading the firmware's list of processors: the ACPI RSDP, the
 * RSDT or XSDT it points to, and the MADT ("APIC") among their tables.
 *
 *     RSDP (a copy in the Multiboot2 tag 14 or 15)
 *       -> XSDT (64-bit pointers; ACPI 2.0+) or RSDT (32-bit pointers)
 *            -> "APIC" (the MADT) -> the local APIC's address, and one
 *                                    entry per processor: its APIC ID
 *
 * Everything here is firmware data the kernel did not write, so nothing is
 * trusted: every table's length is checked against what could be read and
 * its checksum (all bytes sum to 0 mod 256) is verified, every entry must
 * fit inside its table, and a wrong value is an error naming what is
 * wrong, never a wild read. The code only reads: physical memory is
 * reached through a PhysMemory that the kernel implements by mapping
 * pages, and host tests and the fuzzer by a byte array.
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/result.h"

/// ACPI's tables, as far as starting processors needs them.
namespace acpi {

/// Physical memory, as the reader of the tables sees it.
class PhysMemory {
public:
    /// @p len bytes of physical memory at @p phys, readable, or nullptr if
    /// that range cannot be read (it wraps, or lies where there is nothing).
    /// The pointer stays valid after later calls: the walk keeps the root
    /// table while it looks at the tables it lists.
    virtual const uint8_t* map(uint64_t phys, size_t len) = 0;

protected:
    ~PhysMemory() = default;
};

/// What the RSDP says.
struct Rsdp {
    uint8_t revision = 0;  ///< 0: ACPI 1.0 (RSDT only); 2: ACPI 2.0+ (an XSDT too)
    uint32_t rsdt = 0;     ///< physical address of the RSDT
    uint64_t xsdt = 0;     ///< physical address of the XSDT, 0 if none
};

/// One processor the MADT lists as enabled.
struct Processor {
    uint32_t apic_id = 0;   ///< its local APIC's ID: where an IPI to it goes
    uint32_t acpi_uid = 0;  ///< the firmware's processor number
};

inline constexpr size_t kMaxProcessors = 64;  ///< processors kept (more are counted in skipped)

/// What the MADT says about the processors and their local APICs.
struct Madt {
    uint64_t lapic_base = 0;  ///< physical address of every local APIC's registers
    uint32_t flags = 0;       ///< bit 0: the machine also has the two legacy 8259 PICs
    Processor processors[kMaxProcessors];  ///< enabled processors, in table order, each APIC ID once
    size_t processor_count = 0;            ///< entries used in processors
    size_t not_enabled = 0;   ///< processor entries without the Enabled bit (absent, or hot-pluggable)
    size_t skipped = 0;       ///< enabled processors past kMaxProcessors, left out
};

/// Check the RSDP copy in @p bytes (@p size bytes of it, from the boot
/// loader): signature, checksum, and for revision 2 the extended checksum.
Result<Rsdp, const char*> parse_rsdp(const uint8_t* bytes, size_t size);

/// The whole table at @p phys with its length and checksum checked, or why not.
/// On success @p length holds its length.
Result<const uint8_t*, const char*> read_table(PhysMemory& memory, uint64_t phys, uint32_t& length);

/// The physical address of the table with signature @p signature (4
/// characters), looked up in the XSDT if there is one, else in the RSDT.
Result<uint64_t, const char*> find_table(PhysMemory& memory, const Rsdp& rsdp, const char* signature);

/// Parse a whole MADT of @p length bytes (its header included).
Result<Madt, const char*> parse_madt(const uint8_t* table, size_t length);

/// All of it: the RSDP copy, the root table, the MADT.
Result<Madt, const char*> read_madt(PhysMemory& memory, const uint8_t* rsdp, size_t rsdp_size);

}  // namespace acpi
