/**
 * @file common/multiboot2.cpp
 * @brief The tag walk behind multiboot2::parse().
 */
#include "multiboot2.h"

namespace multiboot2 {
namespace {

// Tags are little-endian u32s at 8-byte aligned offsets; read them with
// mem::copy so a crafted unaligned buffer in a host test is still defined.
uint32_t read_u32(const uint8_t* p) {
    uint32_t v;
    mem::copy(&v, p, sizeof v);
    return v;
}

uint64_t read_u64(const uint8_t* p) {
    uint64_t v;
    mem::copy(&v, p, sizeof v);
    return v;
}

// A string payload must be NUL-terminated inside its tag.
bool read_string(const uint8_t* p, size_t room, StringView& out) {
    const auto* s = reinterpret_cast<const char*>(p);
    const size_t n = cstr::length_bounded(s, room);
    if (n == room) return false;
    out = StringView(s, n);
    return true;
}

const char* parse_memory_map(const uint8_t* tag, uint32_t size, BootInfo& info) {
    // EXERCISE 01.8 BEGIN stub: (void)tag; (void)size; (void)info; (void)read_u64; return nullptr;
    if (size < 16) return "memory map tag shorter than its header";
    const uint32_t entry_size = read_u32(tag + 8);
    if (entry_size < 24 || entry_size % 8 != 0) return "memory map entry_size is not 24 or a larger multiple of 8";
    for (uint64_t off = 16; off + entry_size <= size; off += entry_size) {
        if (info.region_count == kMaxRegions) return "memory map has more entries than the kernel keeps";
        MemoryRegion& r = info.regions[info.region_count++];
        r.base = read_u64(tag + off);
        r.length = read_u64(tag + off + 8);
        r.type = static_cast<MemoryType>(read_u32(tag + off + 16));
    }
    return nullptr;
    // EXERCISE 01.8 END
}

const char* parse_module(const uint8_t* tag, uint32_t size, BootInfo& info) {
    if (size < 17) return "module tag too short for its addresses and name";
    Module m;
    m.start = read_u32(tag + 8);
    m.end = read_u32(tag + 12);
    if (m.end < m.start) return "module ends before it starts";
    if (!read_string(tag + 16, size - 16, m.cmdline)) return "module name is not NUL-terminated";
    // A well-formed module beyond the table is not an error in the block:
    // count it, so the kernel can say what it left out.
    if (info.module_count == kMaxModules) ++info.modules_skipped;
    else info.modules[info.module_count++] = m;
    return nullptr;
}

}  // namespace

Result<BootInfo, const char*> parse(const uint8_t* block, size_t available) {
    if (block == nullptr) return Err("no boot information (null address)");
    if (available < 8) return Err("boot information shorter than its 8-byte header");
    BootInfo info;
    info.total_size = read_u32(block);
    if (info.total_size < 16) return Err("total_size too small to hold an end tag");
    if (info.total_size > available) return Err("total_size larger than the memory given");

    // 64-bit offsets: off + 8 and the rounding below cannot wrap.
    for (uint64_t off = 8;;) {
        if (off + 8 > info.total_size) return Err("no end tag before total_size");
        const uint8_t* tag = block + off;
        const uint32_t type = read_u32(tag);
        const uint32_t size = read_u32(tag + 4);
        if (size < 8) return Err("tag size smaller than a tag header");
        if (size > info.total_size - off) return Err("tag runs past total_size");

        const char* error = nullptr;
        switch (static_cast<TagType>(type)) {
        case TagType::End:
            if (size != 8) return Err("end tag size is not 8");
            return info;
        case TagType::Cmdline:
            if (!read_string(tag + 8, size - 8, info.cmdline)) error = "command line is not NUL-terminated";
            break;
        case TagType::BootloaderName:
            if (!read_string(tag + 8, size - 8, info.bootloader)) error = "boot loader name is not NUL-terminated";
            break;
        case TagType::Module:
            error = parse_module(tag, size, info);
            break;
        case TagType::MemoryMap:
            error = parse_memory_map(tag, size, info);
            break;
        case TagType::AcpiOld:
        case TagType::AcpiNew:
            // Only the bytes are kept: what they say is the ACPI reader's
            // to check. A 2.0+ copy wins over a 1.0 one, whatever the order.
            if (info.acpi_rsdp && static_cast<TagType>(type) == TagType::AcpiOld) break;
            info.acpi_rsdp = tag + 8;
            info.acpi_rsdp_size = size - 8;
            break;
        default:
            break;  // a tag this kernel does not use
        }
        if (error) return Err(error);
        // The next tag starts at the next multiple of 8.
        off += (size + 7) & ~7u;
    }
}

const char* memory_type_name(MemoryType type) {
    switch (type) {
    case MemoryType::Available: return "available";
    case MemoryType::Reserved: return "reserved";
    case MemoryType::AcpiReclaimable: return "ACPI reclaimable";
    case MemoryType::Nvs: return "ACPI NVS";
    case MemoryType::Bad: return "bad";
    }
    return "unknown";
}

}  // namespace multiboot2
