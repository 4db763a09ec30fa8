/**
 * @file common/multiboot2.h
 * @brief Reading the boot information GRUB hands over (Multiboot2, section 3.6).
 *
 * GRUB leaves a block of tags in memory and its physical address in EBX:
 *
 *     u32 total_size | u32 reserved | tag | tag | ... | end tag (type 0, size 8)
 *     tag = u32 type | u32 size | payload, each tag starting 8-byte aligned
 *
 * parse() walks that block and trusts nothing in it: every size is checked
 * against the block and every string must end inside its tag, so a damaged
 * block gives an error naming what is wrong instead of a wild read. It only
 * reads; the caller maps the memory.
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "result.h"
#include "str.h"

/// The Multiboot2 boot information: its tags, and parse() to read them.
namespace multiboot2 {

/// EAX holds this when a Multiboot2 loader jumps to the kernel.
inline constexpr uint32_t kBootloaderMagic = 0x36d76289;

/// Tag types this kernel reads (others are skipped).
enum class TagType : uint32_t {
    End = 0,
    Cmdline = 1,
    BootloaderName = 2,
    Module = 3,
    MemoryMap = 6,
    AcpiOld = 14,  ///< a copy of the ACPI 1.0 RSDP (20 bytes)
    AcpiNew = 15,  ///< a copy of the ACPI 2.0+ RSDP (36 bytes)
};

/// A memory-map entry's type: only Available is free RAM.
enum class MemoryType : uint32_t {
    Available = 1,
    Reserved = 2,
    AcpiReclaimable = 3,
    Nvs = 4,
    Bad = 5
};

/// One entry of the memory map.
struct MemoryRegion {
    uint64_t base = 0;    ///< physical start
    uint64_t length = 0;  ///< bytes
    MemoryType type = MemoryType::Reserved;  ///< only Available is free RAM
};

/// A boot module: a file GRUB loaded for us (here, a user program).
struct Module {
    uint32_t start = 0;   ///< physical address of the first byte
    uint32_t end = 0;     ///< physical address one past the last byte
    StringView cmdline;   ///< the text after the path on grub.cfg's module2 line
};

inline constexpr size_t kMaxRegions = 64;  ///< entries kept from the memory map
inline constexpr size_t kMaxModules = 32;  ///< modules kept (more are counted in modules_skipped)

/// Everything the kernel takes from the tags. Views point into the block.
struct BootInfo {
    uint32_t total_size = 0;          ///< bytes in the whole block
    StringView cmdline;               ///< kernel command line ("" if none)
    StringView bootloader;            ///< e.g. "GRUB 2.06"
    MemoryRegion regions[kMaxRegions];  ///< the memory map, in GRUB's order
    size_t region_count = 0;            ///< entries used in regions
    Module modules[kMaxModules];        ///< boot modules, in grub.cfg's order
    size_t module_count = 0;            ///< entries used in modules
    size_t modules_skipped = 0;         ///< well-formed modules past kMaxModules, left out
    const uint8_t* acpi_rsdp = nullptr;  ///< the loader's copy of the ACPI RSDP (tag 15, else 14), or nullptr
    size_t acpi_rsdp_size = 0;           ///< bytes of it the tag holds
};

/// Parse the block at @p info, of which @p available bytes may be read.
/// On error the string says what is malformed, e.g. "tag runs past total_size".
Result<BootInfo, const char*> parse(const uint8_t* info, size_t available);

/// Name of a memory type for logs ("available", "reserved", ...).
const char* memory_type_name(MemoryType type);

}  // namespace multiboot2
