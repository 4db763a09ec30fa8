/**
 * @file chapters/10-smp/acpi/acpi.cpp
 * @brief The walk RSDP -> RSDT/XSDT -> MADT, with every length and
 * checksum checked (ACPI 6.5, sections 5.2.5 to 5.2.12).
 *
 * Layouts read here (little-endian, packed, read a field at a time with
 * mem::copy so no alignment is assumed):
 *
 *     RSDP    0 "RSD PTR "  8 checksum(20 bytes)  9 OEM id  15 revision
 *             16 RSDT (u32) | 2.0+: 20 length  24 XSDT (u64)  32 extended checksum
 *     header  0 signature  4 length  8 revision  9 checksum  ... 36 bytes in all
 *     RSDT    header, then u32 table addresses; XSDT: the same with u64s
 *     MADT    header, 36 local APIC address (u32), 40 flags, 44 entries:
 *             each 0 type  1 length  2... its fields
 */
#include "acpi/acpi.h"

#include "common/str.h"

namespace acpi {
namespace {

constexpr size_t kHeaderSize = 36;
constexpr size_t kMadtEntries = 44;
constexpr uint32_t kMaxTableSize = 1u << 20;  // far beyond any real table: a guard against a wild length

// MADT entry types this kernel reads, and their minimum lengths.
constexpr uint8_t kLocalApic = 0;          // 8 bytes: uid (u8), APIC ID (u8), flags (u32)
constexpr uint8_t kLocalApicOverride = 5;  // 12 bytes: reserved (u16), address (u64)
constexpr uint8_t kLocalX2Apic = 9;        // 16 bytes: reserved (u16), x2APIC ID, flags, uid (u32 each)
constexpr uint32_t kEnabled = 1u << 0;     // the processor is there and may be started

uint32_t u32_at(const uint8_t* p) {
    uint32_t v;
    mem::copy(&v, p, sizeof v);
    return v;
}

uint64_t u64_at(const uint8_t* p) {
    uint64_t v;
    mem::copy(&v, p, sizeof v);
    return v;
}

bool sums_to_zero(const uint8_t* p, size_t n) {
    uint8_t sum = 0;
    for (size_t i = 0; i < n; ++i) sum = static_cast<uint8_t>(sum + p[i]);
    return sum == 0;
}

bool same_signature(const uint8_t* p, const char* signature) {
    for (int i = 0; i < 4; ++i)
        if (p[i] != static_cast<uint8_t>(signature[i])) return false;
    return true;
}

// One processor entry: kept if enabled, once per APIC ID (a machine may
// list a processor both as a local APIC and as an x2APIC).
void add_processor(Madt& madt, uint32_t apic_id, uint32_t uid, uint32_t flags) {
    if (!(flags & kEnabled)) {
        ++madt.not_enabled;
        return;
    }
    for (size_t i = 0; i < madt.processor_count; ++i)
        if (madt.processors[i].apic_id == apic_id) return;
    if (madt.processor_count == kMaxProcessors) {
        ++madt.skipped;
        return;
    }
    madt.processors[madt.processor_count++] = {apic_id, uid};
}

}  // namespace

Result<Rsdp, const char*> parse_rsdp(const uint8_t* bytes, size_t size) {
    if (bytes == nullptr) return Err("no RSDP (the boot loader gave no ACPI tag)");
    if (size < 20) return Err("RSDP shorter than its 20 bytes");
    if (!same_signature(bytes, "RSD ") || !same_signature(bytes + 4, "PTR ")) return Err("RSDP signature is not \"RSD PTR \"");
    if (!sums_to_zero(bytes, 20)) return Err("RSDP checksum is wrong");
    Rsdp rsdp;
    rsdp.revision = bytes[15];
    rsdp.rsdt = u32_at(bytes + 16);
    if (rsdp.revision >= 2) {
        if (size < 36) return Err("ACPI 2.0 RSDP shorter than its 36 bytes");
        const uint32_t length = u32_at(bytes + 20);
        if (length < 36 || length > size) return Err("ACPI 2.0 RSDP length is wrong");
        if (!sums_to_zero(bytes, length)) return Err("ACPI 2.0 RSDP extended checksum is wrong");
        rsdp.xsdt = u64_at(bytes + 24);
    }
    if (rsdp.rsdt == 0 && rsdp.xsdt == 0) return Err("RSDP points to no root table");
    return rsdp;
}

Result<const uint8_t*, const char*> read_table(PhysMemory& memory, uint64_t phys, uint32_t& length) {
    const uint8_t* header = memory.map(phys, kHeaderSize);
    if (!header) return Err("a table's header is outside memory");
    length = u32_at(header + 4);
    if (length < kHeaderSize) return Err("a table is shorter than its header");
    if (length > kMaxTableSize) return Err("a table is longer than 1 MiB");
    const uint8_t* table = memory.map(phys, length);
    if (!table) return Err("a table runs outside memory");
    if (!sums_to_zero(table, length)) return Err("a table's checksum is wrong");
    return table;
}

Result<uint64_t, const char*> find_table(PhysMemory& memory, const Rsdp& rsdp, const char* signature) {
    const bool extended = rsdp.xsdt != 0;  // the XSDT, where there is one, as ACPI 2.0 says to prefer
    uint32_t length = 0;
    const uint8_t* root = TRY(read_table(memory, extended ? rsdp.xsdt : rsdp.rsdt, length));
    if (!same_signature(root, extended ? "XSDT" : "RSDT")) return Err("the root table's signature is wrong");
    const size_t entry_size = extended ? 8 : 4;
    for (size_t at = kHeaderSize; at + entry_size <= length; at += entry_size) {
        const uint64_t phys = extended ? u64_at(root + at) : u32_at(root + at);
        const uint8_t* header = memory.map(phys, kHeaderSize);
        if (header && same_signature(header, signature)) return phys;
    }
    return Err("no such table in the root table");
}

Result<Madt, const char*> parse_madt(const uint8_t* table, size_t length) {
    if (length < kMadtEntries) return Err("MADT shorter than its fixed fields");
    if (!same_signature(table, "APIC")) return Err("MADT signature is not \"APIC\"");
    Madt madt;
    madt.lapic_base = u32_at(table + 36);
    madt.flags = u32_at(table + 40);
    for (size_t at = kMadtEntries; at < length;) {
        if (length - at < 2) return Err("MADT entry header runs past the table");
        const uint8_t type = table[at], size = table[at + 1];
        if (size < 2) return Err("MADT entry shorter than its header");
        if (size > length - at) return Err("MADT entry runs past the table");
        const uint8_t* e = table + at;
        switch (type) {
        case kLocalApic:
            if (size < 8) return Err("MADT local APIC entry too short");
            add_processor(madt, e[3], e[2], u32_at(e + 4));
            break;
        case kLocalX2Apic:
            if (size < 16) return Err("MADT x2APIC entry too short");
            add_processor(madt, u32_at(e + 4), u32_at(e + 12), u32_at(e + 8));
            break;
        case kLocalApicOverride:
            if (size < 12) return Err("MADT local APIC address override too short");
            madt.lapic_base = u64_at(e + 4);
            break;
        default:
            break;  // I/O APICs, interrupt overrides, NMIs...: not needed to start processors
        }
        at += size;
    }
    if (madt.processor_count == 0) return Err("MADT lists no enabled processor");
    return madt;
}

Result<Madt, const char*> read_madt(PhysMemory& memory, const uint8_t* rsdp_bytes, size_t rsdp_size) {
    const Rsdp rsdp = TRY(parse_rsdp(rsdp_bytes, rsdp_size));
    const uint64_t at = TRY(find_table(memory, rsdp, "APIC"));
    uint32_t length = 0;
    const uint8_t* table = TRY(read_table(memory, at, length));
    return parse_madt(table, length);
}

}  // namespace acpi
