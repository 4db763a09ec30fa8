/**
 * @file chapters/10-smp/tests/test_acpi.cpp
 * @brief acpi::read_madt() and its parts on fake firmware: a machine laid
 * out like QEMU's (RSDP, RSDT, MADT), one like a newer machine's (an XSDT,
 * x2APIC entries, an address override), then one test per way a table can
 * be damaged.
 *
 * FakeMemory is physical memory as a byte array starting at kBase. Tables
 * are written into it with their lengths and checksums filled in, as the
 * firmware would; a test then breaks one thing. map() refuses any range not
 * wholly inside the array, so a read past a table's end is a refusal or an
 * ASan report (the array is exactly its size), never a silent pass.
 */
#include <criterion/criterion.h>

#include <cstring>
#include <vector>

#include "acpi/acpi.cpp"

using namespace acpi;

namespace {

constexpr uint64_t kBase = 0xe0000;

class FakeMemory final : public PhysMemory {
public:
    explicit FakeMemory(size_t size) : m_bytes(size) {}
    const uint8_t* map(uint64_t phys, size_t len) override {
        if (phys < kBase || phys - kBase > m_bytes.size() || len > m_bytes.size() - (phys - kBase)) return nullptr;
        return m_bytes.data() + (phys - kBase);
    }
    uint8_t* at(uint64_t phys) { return m_bytes.data() + (phys - kBase); }

private:
    std::vector<uint8_t> m_bytes;
};

// A table being built: a 36-byte header, then its body.
struct Table {
    std::vector<uint8_t> bytes;
    explicit Table(const char* signature) : bytes(36) { std::memcpy(bytes.data(), signature, 4); }
    Table& u8(uint8_t v) {
        bytes.push_back(v);
        return *this;
    }
    Table& u16(uint16_t v) { return raw(&v, 2); }
    Table& u32(uint32_t v) { return raw(&v, 4); }
    Table& u64(uint64_t v) { return raw(&v, 8); }
    Table& raw(const void* p, size_t n) {
        const auto* b = static_cast<const uint8_t*>(p);
        bytes.insert(bytes.end(), b, b + n);
        return *this;
    }
    // The MADT's entries.
    Table& local_apic(uint8_t uid, uint8_t apic_id, uint32_t flags) { return u8(0).u8(8).u8(uid).u8(apic_id).u32(flags); }
    Table& x2apic(uint32_t apic_id, uint32_t flags, uint32_t uid) { return u8(9).u8(16).u16(0).u32(apic_id).u32(flags).u32(uid); }
    Table& io_apic() { return u8(1).u8(12).u8(0).u8(0).u32(0xfec00000).u32(0); }
    Table& lapic_override(uint64_t address) { return u8(5).u8(12).u16(0).u64(address); }

    /// Write it at @p phys with its length and checksum, as firmware would.
    void place(FakeMemory& memory, uint64_t phys) {
        const auto length = static_cast<uint32_t>(bytes.size());
        std::memcpy(bytes.data() + 4, &length, 4);
        bytes[9] = 0;
        uint8_t sum = 0;
        for (uint8_t b : bytes) sum = static_cast<uint8_t>(sum + b);
        bytes[9] = static_cast<uint8_t>(-sum);
        std::memcpy(memory.at(phys), bytes.data(), bytes.size());
    }
};

// An RSDP copy as the boot loader's tag holds it: 20 bytes (revision 0) or 36.
std::vector<uint8_t> rsdp(uint8_t revision, uint32_t rsdt, uint64_t xsdt) {
    std::vector<uint8_t> r(revision >= 2 ? 36 : 20);
    std::memcpy(r.data(), "RSD PTR ", 8);
    std::memcpy(r.data() + 9, "FAKEOS", 6);
    r[15] = revision;
    std::memcpy(r.data() + 16, &rsdt, 4);
    uint8_t sum = 0;
    for (int i = 0; i < 20; ++i) sum = static_cast<uint8_t>(sum + r[i]);
    r[8] = static_cast<uint8_t>(-sum);
    if (revision >= 2) {
        const uint32_t length = 36;
        std::memcpy(r.data() + 20, &length, 4);
        std::memcpy(r.data() + 24, &xsdt, 8);
        sum = 0;
        for (uint8_t b : r) sum = static_cast<uint8_t>(sum + b);
        r[32] = static_cast<uint8_t>(-sum);
    }
    return r;
}

// QEMU's layout with two CPUs: RSDT -> FACP (unused), APIC.
struct QemuLike {
    FakeMemory memory{0x2000};
    std::vector<uint8_t> rsdp_copy = rsdp(0, kBase + 0x100, 0);
    Table madt{"APIC"};
    QemuLike() {
        Table facp("FACP");
        facp.u32(0).place(memory, kBase + 0x200);
        madt.u32(0xfee00000).u32(1).local_apic(0, 0, 1).local_apic(1, 1, 1).io_apic();
        madt.place(memory, kBase + 0x400);
        Table rsdt("RSDT");
        rsdt.u32(kBase + 0x200).u32(kBase + 0x400).place(memory, kBase + 0x100);
    }
    Result<Madt, const char*> read() { return read_madt(memory, rsdp_copy.data(), rsdp_copy.size()); }
};

void expect_error(const Result<Madt, const char*>& r, const char* words) {
    cr_assert_not(r.has_value(), "accepted tables that should fail with \"%s\"", words);
    cr_assert(std::strstr(r.error(), words), "error \"%s\" does not say \"%s\"", r.error(), words);
}

}  // namespace

// ---------------------------------------------------------------- good tables

Test(acpi, qemu_like_tables_give_two_processors) {
    QemuLike m;
    auto r = m.read();
    cr_assert(r.has_value(), "error: %s", r.has_value() ? "" : r.error());
    cr_assert_eq(r->lapic_base, 0xfee00000);
    cr_assert_eq(r->flags, 1);
    cr_assert_eq(r->processor_count, 2);
    cr_assert_eq(r->processors[0].apic_id, 0);
    cr_assert_eq(r->processors[1].apic_id, 1);
    cr_assert_eq(r->processors[1].acpi_uid, 1);
    cr_assert_eq(r->not_enabled, 0);
}

Test(acpi, xsdt_is_preferred_and_x2apic_entries_count) {
    FakeMemory memory(0x2000);
    Table madt("APIC");
    madt.u32(0xfee00000).u32(0).local_apic(0, 0, 1).x2apic(0, 1, 0);
    madt.x2apic(300, 1, 7).x2apic(301, 0, 8).lapic_override(0x1234000000);
    madt.place(memory, kBase + 0x800);
    Table rsdt("RSDT");  // an RSDT that lists nothing useful: it must not be the one read
    rsdt.u32(kBase + 0x1000).place(memory, kBase + 0x100);
    Table xsdt("XSDT");
    xsdt.u64(kBase + 0x800).place(memory, kBase + 0x200);
    const std::vector<uint8_t> copy = rsdp(2, kBase + 0x100, kBase + 0x200);
    auto r = read_madt(memory, copy.data(), copy.size());
    cr_assert(r.has_value(), "error: %s", r.has_value() ? "" : r.error());
    cr_assert_eq(r->lapic_base, 0x1234000000, "the override replaces the 32-bit address");
    cr_assert_eq(r->processor_count, 2, "APIC ID 0 once, 300 once, 301 not enabled");
    cr_assert_eq(r->processors[1].apic_id, 300);
    cr_assert_eq(r->processors[1].acpi_uid, 7);
    cr_assert_eq(r->not_enabled, 1);
}

Test(acpi, processors_past_the_table_are_counted) {
    Table madt("APIC");
    madt.u32(0xfee00000).u32(0);
    for (int i = 0; i < 70; ++i) madt.local_apic(static_cast<uint8_t>(i), static_cast<uint8_t>(i), 1);
    FakeMemory memory(0x1000);
    madt.place(memory, kBase);
    auto r = parse_madt(memory.at(kBase), madt.bytes.size());
    cr_assert(r.has_value());
    cr_assert_eq(r->processor_count, kMaxProcessors);
    cr_assert_eq(r->skipped, 70 - kMaxProcessors);
}

// ------------------------------------------------------------------ the RSDP

Test(acpi, rsdp_refusals) {
    std::vector<uint8_t> good = rsdp(0, 0x1000, 0);
    cr_assert(parse_rsdp(good.data(), good.size()).has_value());
    cr_assert_str_eq(parse_rsdp(nullptr, 0).error(), "no RSDP (the boot loader gave no ACPI tag)");
    cr_assert(std::strstr(parse_rsdp(good.data(), 19).error(), "shorter"));
    std::vector<uint8_t> bad = good;
    bad[0] = 'X';
    cr_assert(std::strstr(parse_rsdp(bad.data(), bad.size()).error(), "signature"));
    bad = good;
    bad[16] ^= 1;  // the RSDT address changes, the checksum does not follow
    cr_assert(std::strstr(parse_rsdp(bad.data(), bad.size()).error(), "checksum"));
    bad = rsdp(0, 0, 0);
    cr_assert(std::strstr(parse_rsdp(bad.data(), bad.size()).error(), "no root table"));
}

Test(acpi, rsdp_v2_refusals) {
    std::vector<uint8_t> good = rsdp(2, 0, 0x2000);
    auto r = parse_rsdp(good.data(), good.size());
    cr_assert(r.has_value());
    cr_assert_eq(r->xsdt, 0x2000);
    cr_assert(std::strstr(parse_rsdp(good.data(), 20).error(), "shorter than its 36"), "a 2.0 RSDP cut to 20 bytes");
    std::vector<uint8_t> bad = good;
    bad[24] ^= 1;  // the XSDT address: only the extended checksum covers it
    cr_assert(std::strstr(parse_rsdp(bad.data(), bad.size()).error(), "extended checksum"));
    bad = good;
    const uint32_t long_length = 64;  // more than the copy holds
    std::memcpy(bad.data() + 20, &long_length, 4);
    cr_assert(std::strstr(parse_rsdp(bad.data(), bad.size()).error(), "length"));
}

// ------------------------------------------------------------- damaged tables

Test(acpi, damaged_root_table) {
    QemuLike m;
    m.memory.at(kBase + 0x100)[20] ^= 1;  // inside the RSDT: its checksum no longer holds
    expect_error(m.read(), "checksum");
    QemuLike n;
    Table wrong("XSDT");  // a sound table, but not the RSDT the RSDP promised
    wrong.u32(kBase + 0x400).place(n.memory, kBase + 0x100);
    expect_error(n.read(), "signature");
}

Test(acpi, table_lengths_are_checked) {
    QemuLike m;
    const uint32_t huge = 0x7fffffff;
    std::memcpy(m.memory.at(kBase + 0x400) + 4, &huge, 4);
    expect_error(m.read(), "longer than 1 MiB");
    QemuLike n;
    const uint32_t past = 0x2000;  // runs off the end of physical memory
    std::memcpy(n.memory.at(kBase + 0x400) + 4, &past, 4);
    expect_error(n.read(), "outside memory");
    QemuLike o;
    const uint32_t tiny = 10;
    std::memcpy(o.memory.at(kBase + 0x400) + 4, &tiny, 4);
    expect_error(o.read(), "shorter than its header");
}

Test(acpi, root_table_pointing_outside_memory) {
    QemuLike m;
    m.rsdp_copy = rsdp(0, 0xfffffff0, 0);
    expect_error(m.read(), "outside memory");
}

Test(acpi, no_madt) {
    QemuLike m;
    Table rsdt("RSDT");
    rsdt.u32(kBase + 0x200).u32(0xdeadbeef).place(m.memory, kBase + 0x100);  // FACP and a wild pointer
    expect_error(m.read(), "no such table");
}

Test(acpi, madt_entries_must_fit) {
    Table madt("APIC");
    madt.u32(0xfee00000).u32(0).local_apic(0, 0, 1).u8(0).u8(40);  // claims 40 bytes, has 2
    FakeMemory memory(0x1000);
    madt.place(memory, kBase);
    expect_error(parse_madt(memory.at(kBase), madt.bytes.size()), "runs past the table");

    Table zero("APIC");
    zero.u32(0xfee00000).u32(0).local_apic(0, 0, 1).u8(7).u8(0);  // length 0 would loop for ever
    zero.place(memory, kBase);
    expect_error(parse_madt(memory.at(kBase), zero.bytes.size()), "shorter than its header");

    Table half("APIC");
    half.u32(0xfee00000).u32(0).local_apic(0, 0, 1).u8(3);  // one byte of an entry header
    half.place(memory, kBase);
    expect_error(parse_madt(memory.at(kBase), half.bytes.size()), "entry header runs past");
}

Test(acpi, short_entries_of_known_types) {
    FakeMemory memory(0x1000);
    const struct {
        uint8_t type;
        const char* words;
    } cases[] = {{0, "local APIC entry too short"}, {9, "x2APIC entry too short"}, {5, "override too short"}};
    for (const auto& c : cases) {
        Table madt("APIC");
        madt.u32(0xfee00000).u32(0).local_apic(0, 0, 1).u8(c.type).u8(6).u32(0);
        madt.place(memory, kBase);
        expect_error(parse_madt(memory.at(kBase), madt.bytes.size()), c.words);
    }
}

Test(acpi, no_enabled_processor) {
    Table madt("APIC");
    madt.u32(0xfee00000).u32(0).local_apic(0, 0, 0).local_apic(1, 1, 2);  // absent; hot-pluggable only
    FakeMemory memory(0x1000);
    madt.place(memory, kBase);
    auto r = parse_madt(memory.at(kBase), madt.bytes.size());
    expect_error(r, "no enabled processor");
    cr_assert(std::strstr(parse_madt(memory.at(kBase), 40).error(), "shorter than its fixed fields"));
}
