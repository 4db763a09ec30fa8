/**
 * @file common/tests/test_multiboot2.cpp
 * @brief Host tests for multiboot2::parse(): a well-formed block read field
 * by field, then one test per way a block can be damaged.
 *
 * Blocks are built by Block, which appends tags at 8-byte aligned offsets
 * the way GRUB lays them out and fills in total_size at the end. parse() is
 * always handed a heap copy of exactly the bytes it may read, so any read
 * past them is an ASan report, not a silent pass.
 */
#include <criterion/criterion.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "common/multiboot2.h"

using namespace multiboot2;

namespace {

struct MapEntry {
    uint64_t base, length;
    uint32_t type;
};

class Block {
public:
    Block() { u32(0).u32(0); }  // total_size (filled in by finish), reserved

    /// A tag with a raw payload; @p size overrides the size field.
    Block& tag(uint32_t type, const void* payload, size_t n, uint32_t size = 0) {
        align();
        u32(type).u32(size ? size : static_cast<uint32_t>(8 + n));
        bytes(payload, n);
        return *this;
    }
    Block& string_tag(TagType type, const char* s) {
        return tag(static_cast<uint32_t>(type), s, std::strlen(s) + 1);
    }
    Block& module(uint32_t start, uint32_t end, const char* name) {
        std::vector<uint8_t> p(8 + std::strlen(name) + 1);
        std::memcpy(p.data(), &start, 4);
        std::memcpy(p.data() + 4, &end, 4);
        std::memcpy(p.data() + 8, name, std::strlen(name) + 1);
        return tag(static_cast<uint32_t>(TagType::Module), p.data(), p.size());
    }
    /// A memory map with entries of @p entry_size bytes (24 in GRUB's).
    Block& memory_map(const std::vector<MapEntry>& entries, uint32_t entry_size = 24) {
        std::vector<uint8_t> p(8 + entries.size() * entry_size);
        const uint32_t version = 0;
        std::memcpy(p.data(), &entry_size, 4);
        std::memcpy(p.data() + 4, &version, 4);
        for (size_t i = 0; i < entries.size() && entry_size >= 20; ++i) {
            uint8_t* e = p.data() + 8 + i * entry_size;
            std::memcpy(e, &entries[i].base, 8);
            std::memcpy(e + 8, &entries[i].length, 8);
            std::memcpy(e + 16, &entries[i].type, 4);
        }
        return tag(static_cast<uint32_t>(TagType::MemoryMap), p.data(), p.size());
    }
    Block& end(uint32_t size = 8) {
        const std::vector<uint8_t> zeros(size > 8 ? size - 8 : 0);
        return tag(0, zeros.data(), zeros.size(), size);
    }

    /// Set total_size to the bytes written, unless told otherwise.
    Block& finish(uint32_t total = 0) {
        align();
        set_u32(0, total ? total : static_cast<uint32_t>(m_bytes.size()));
        return *this;
    }
    void set_u32(size_t offset, uint32_t v) { std::memcpy(m_bytes.data() + offset, &v, 4); }
    size_t size() const { return m_bytes.size(); }

    /// Parse a heap copy of the first @p available bytes (default: all).
    Result<BootInfo, const char*> parse(size_t available = SIZE_MAX) {
        if (available == SIZE_MAX) available = m_bytes.size();
        m_copy.reset(new uint8_t[available ? available : 1]);
        std::memcpy(m_copy.get(), m_bytes.data(), available);
        return multiboot2::parse(m_copy.get(), available);
    }
    const uint8_t* copy() const { return m_copy.get(); }

private:
    Block& u32(uint32_t v) { return bytes(&v, 4); }
    Block& bytes(const void* p, size_t n) {
        if (n == 0) return *this;
        const auto* b = static_cast<const uint8_t*>(p);
        m_bytes.insert(m_bytes.end(), b, b + n);
        return *this;
    }
    void align() { m_bytes.resize((m_bytes.size() + 7) & ~size_t{7}, 0); }

    std::vector<uint8_t> m_bytes;
    std::unique_ptr<uint8_t[]> m_copy;
};

// parse() must fail, with an error containing @p words.
void expect_error(Block& b, const char* words, size_t available = SIZE_MAX) {
    auto r = b.parse(available);
    cr_assert_not(r.has_value(), "accepted a block that should fail with \"%s\"", words);
    cr_assert_not_null(r.error());
    cr_assert(std::strstr(r.error(), words), "error \"%s\" does not say \"%s\"", r.error(), words);
}

bool same(StringView v, const char* s) { return v == StringView(s); }

}  // namespace

// ---------------------------------------------------------------- good blocks

Test(multiboot2, parses_a_block_like_grubs) {
    Block b;
    b.string_tag(TagType::Cmdline, "trace=syscall validate=1")
        .string_tag(TagType::BootloaderName, "GRUB 2.06")
        .module(0x200000, 0x201000, "hello")
        .module(0x202000, 0x202000, "empty arg=1")
        .tag(21, "\x01\x02\x03", 3)  // a type the kernel skips (load base address)
        .memory_map({{0x0, 0x9fc00, 1}, {0x9fc00, 0x400, 2}, {0x100000, 0xff00000, 1}})
        .end()
        .finish();
    auto r = b.parse();
    cr_assert(r.has_value(), "error: %s", r.has_value() ? "" : r.error());
    const BootInfo& info = r.value();
    cr_assert_eq(info.total_size, b.size());
    cr_assert(same(info.cmdline, "trace=syscall validate=1"));
    cr_assert(same(info.bootloader, "GRUB 2.06"));
    // Views point into the block: no copy, no allocation.
    cr_assert(info.cmdline.data() > reinterpret_cast<const char*>(b.copy()));
    cr_assert(info.cmdline.data() < reinterpret_cast<const char*>(b.copy()) + b.size());

    cr_assert_eq(info.module_count, 2);
    cr_assert_eq(info.modules[0].start, 0x200000);
    cr_assert_eq(info.modules[0].end, 0x201000);
    cr_assert(same(info.modules[0].cmdline, "hello"));
    cr_assert_eq(info.modules[1].end - info.modules[1].start, 0);
    cr_assert(same(info.modules[1].cmdline, "empty arg=1"));

    cr_assert_eq(info.region_count, 3);
    cr_assert_eq(info.regions[0].base, 0);
    cr_assert_eq(info.regions[0].length, 0x9fc00);
    cr_assert_eq(info.regions[0].type, MemoryType::Available);
    cr_assert_eq(info.regions[1].type, MemoryType::Reserved);
    cr_assert_eq(info.regions[2].base, 0x100000);
    cr_assert_eq(info.regions[2].length, 0xff00000);
}

Test(multiboot2, minimal_block_has_empty_fields) {
    Block b;
    b.end().finish();
    cr_assert_eq(b.size(), 16);
    auto r = b.parse();
    cr_assert(r.has_value());
    cr_assert(r.value().cmdline.empty());
    cr_assert(r.value().bootloader.empty());
    cr_assert_eq(r.value().module_count, 0);
    cr_assert_eq(r.value().region_count, 0);
}

Test(multiboot2, bytes_after_total_size_are_not_read) {
    Block b;
    b.end().finish();
    b.tag(1, "junk", 4);  // beyond total_size, inside the memory given
    cr_assert(b.parse().has_value());
}

Test(multiboot2, memory_map_with_larger_entries) {
    // entry_size may grow in later versions: entries are read at its stride.
    Block b;
    b.memory_map({{0x1000, 0x2000, 1}, {0x5000, 0x6000, 5}}, 32).end().finish();
    auto r = b.parse();
    cr_assert(r.has_value());
    cr_assert_eq(r.value().region_count, 2);
    cr_assert_eq(r.value().regions[1].base, 0x5000);
    cr_assert_eq(r.value().regions[1].length, 0x6000);
    cr_assert_eq(r.value().regions[1].type, MemoryType::Bad);
}

Test(multiboot2, limits_are_inclusive) {
    Block b;
    for (uint32_t i = 0; i < kMaxModules; ++i) b.module(i * 0x1000, i * 0x1000 + 1, "m");
    b.memory_map(std::vector<MapEntry>(kMaxRegions, MapEntry{0, 0x1000, 1})).end().finish();
    auto r = b.parse();
    cr_assert(r.has_value(), "error: %s", r.has_value() ? "" : r.error());
    cr_assert_eq(r.value().module_count, kMaxModules);
    cr_assert_eq(r.value().region_count, kMaxRegions);
}

// ------------------------------------------------------------ broken blocks

Test(multiboot2, null_pointer) {
    auto r = parse(nullptr, 4096);
    cr_assert_not(r.has_value());
    cr_assert(std::strstr(r.error(), "null"));
}

Test(multiboot2, truncated_header) {
    Block b;
    b.end().finish();
    expect_error(b, "8-byte header", 7);
    expect_error(b, "8-byte header", 0);
}

Test(multiboot2, total_size_larger_than_available) {
    Block b;
    b.end().finish();
    expect_error(b, "larger than the memory given", 15);
    b.finish(64);  // claims more than the block holds
    expect_error(b, "larger than the memory given");
}

Test(multiboot2, total_size_too_small) {
    Block b;
    b.end().finish(8);
    expect_error(b, "too small");
    b.finish(15);
    expect_error(b, "too small");
}

Test(multiboot2, missing_end_tag) {
    Block b;
    b.string_tag(TagType::Cmdline, "abc").finish();
    expect_error(b, "no end tag");
}

Test(multiboot2, tag_size_smaller_than_header) {
    Block b;
    b.tag(1, nullptr, 0, 4).end().finish();  // size 4 would never advance
    expect_error(b, "smaller than a tag header");
}

Test(multiboot2, tag_past_total_size) {
    Block b;
    b.tag(1, "abc", 4, 100).end().finish();
    expect_error(b, "runs past total_size");
    Block huge;
    huge.tag(99, nullptr, 0, 0xfffffff8).end().finish();  // offset + size would wrap in 32 bits
    expect_error(huge, "runs past total_size");
}

Test(multiboot2, end_tag_size_not_8) {
    Block b;
    b.end(16).finish();
    expect_error(b, "end tag size is not 8");
}

Test(multiboot2, cmdline_not_terminated) {
    Block b;
    b.tag(static_cast<uint32_t>(TagType::Cmdline), "abc", 3).end().finish();  // padding is 0, but outside the tag
    expect_error(b, "command line is not NUL-terminated");
}

Test(multiboot2, bootloader_name_not_terminated) {
    Block b;
    b.tag(static_cast<uint32_t>(TagType::BootloaderName), "GRUB", 4).end().finish();
    expect_error(b, "boot loader name is not NUL-terminated");
}

Test(multiboot2, module_name_not_terminated) {
    Block b;
    const uint8_t payload[10] = {0, 0, 0x20, 0, 0, 0x10, 0x20, 0, 'h', 'i'};
    b.tag(static_cast<uint32_t>(TagType::Module), payload, sizeof payload).end().finish();
    expect_error(b, "module name is not NUL-terminated");
}

Test(multiboot2, module_too_short) {
    Block b;
    const uint8_t payload[8] = {};
    b.tag(static_cast<uint32_t>(TagType::Module), payload, sizeof payload).end().finish();
    expect_error(b, "module tag too short");
}

Test(multiboot2, module_ends_before_start) {
    Block b;
    b.module(0x201000, 0x200000, "backwards").end().finish();
    expect_error(b, "module ends before it starts");
}

Test(multiboot2, modules_past_the_table_are_counted_not_fatal) {
    Block b;
    for (uint32_t i = 0; i < kMaxModules + 3; ++i) b.module(i * 0x1000, i * 0x1000 + 1, i < kMaxModules ? "kept" : "extra");
    b.end().finish();
    auto r = b.parse();
    cr_assert(r.has_value(), "too many modules is not a malformed block");
    cr_assert_eq(r.value().module_count, kMaxModules);
    cr_assert_eq(r.value().modules_skipped, 3u);
    cr_assert(r.value().modules[kMaxModules - 1].cmdline == StringView("kept"));
}

Test(multiboot2, a_malformed_module_past_the_table_is_still_an_error) {
    Block b;
    for (uint32_t i = 0; i < kMaxModules; ++i) b.module(0, 1, "m");
    b.module(0x2000, 0x1000, "backwards").end().finish();
    expect_error(b, "module ends before it starts");
}

Test(multiboot2, memory_map_bad_entry_size) {
    const uint32_t bad[] = {0, 8, 20, 28};  // 0 would loop forever, 28 is not a multiple of 8
    for (uint32_t size : bad) {
        Block b;
        b.memory_map({{0, 0x1000, 1}}, size).end().finish();
        expect_error(b, "entry_size");
    }
}

Test(multiboot2, memory_map_shorter_than_header) {
    Block b;
    const uint8_t payload[4] = {24, 0, 0, 0};
    b.tag(static_cast<uint32_t>(TagType::MemoryMap), payload, sizeof payload).end().finish();
    expect_error(b, "memory map tag shorter than its header");
}

Test(multiboot2, too_many_regions) {
    Block b;
    b.memory_map(std::vector<MapEntry>(kMaxRegions + 1, MapEntry{0, 0x1000, 1})).end().finish();
    expect_error(b, "more entries than the kernel keeps");
}

// ------------------------------------------------------------- ACPI RSDP

Test(multiboot2, acpi_rsdp_copy_is_kept_as_bytes) {
    const char rsdp_v1[20] = "RSD PTR \x55"
                             "BOCHS ";
    Block b;
    b.tag(static_cast<uint32_t>(TagType::AcpiOld), rsdp_v1, sizeof rsdp_v1).end().finish();
    auto r = b.parse();
    cr_assert(r.has_value());
    cr_assert_eq(r.value().acpi_rsdp_size, 20);
    cr_assert(r.value().acpi_rsdp == b.copy() + 16, "the view points at the tag's payload in the block");
    cr_assert_eq(std::memcmp(r.value().acpi_rsdp, "RSD PTR ", 8), 0);
}

Test(multiboot2, acpi_new_rsdp_wins_over_old_in_either_order) {
    uint8_t v1[20] = {1}, v2[36] = {2};
    for (int order = 0; order < 2; ++order) {
        Block b;
        if (order == 0) b.tag(static_cast<uint32_t>(TagType::AcpiOld), v1, sizeof v1);
        b.tag(static_cast<uint32_t>(TagType::AcpiNew), v2, sizeof v2);
        if (order == 1) b.tag(static_cast<uint32_t>(TagType::AcpiOld), v1, sizeof v1);
        b.end().finish();
        auto r = b.parse();
        cr_assert(r.has_value());
        cr_assert_eq(r.value().acpi_rsdp_size, 36, "order %d", order);
        cr_assert_eq(r.value().acpi_rsdp[0], 2, "order %d: the 2.0 copy", order);
    }
}

Test(multiboot2, no_acpi_tag_no_rsdp) {
    Block b;
    b.end().finish();
    auto r = b.parse();
    cr_assert(r.has_value());
    cr_assert_null(r.value().acpi_rsdp);
    cr_assert_eq(r.value().acpi_rsdp_size, 0);
}

// ------------------------------------------------------------------ names

Test(multiboot2, memory_type_names) {
    cr_assert_str_eq(memory_type_name(MemoryType::Available), "available");
    cr_assert_str_eq(memory_type_name(MemoryType::Reserved), "reserved");
    cr_assert_str_eq(memory_type_name(MemoryType::AcpiReclaimable), "ACPI reclaimable");
    cr_assert_str_eq(memory_type_name(MemoryType::Nvs), "ACPI NVS");
    cr_assert_str_eq(memory_type_name(MemoryType::Bad), "bad");
    cr_assert_str_eq(memory_type_name(static_cast<MemoryType>(99)), "unknown");
}
