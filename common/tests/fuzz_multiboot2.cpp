/**
 * @file common/tests/fuzz_multiboot2.cpp
 * @brief libFuzzer target: multiboot2::parse() on any bytes (build: tools/fuzz.mk).
 *
 * The boot information is the first thing the kernel reads, before it has
 * any way to report a crash, so the parser must never read outside the
 * block it was given, whatever the block says. The input is parsed whole and
 * as a prefix (available shorter than total_size claims). When the parser
 * accepts a block, every view it returns must lie inside the block and end
 * just before a NUL, and the counts must fit their tables.
 */
#include <cstddef>
#include <cstdint>

#include "common/multiboot2.h"
#include "common/tests/fuzz_input.h"

namespace {

void check_view(StringView v, const uint8_t* block, size_t total, const char* what) {
    const auto* p = reinterpret_cast<const uint8_t*>(v.data());
    if (!(p >= block && p < block + total)) {
        FUZZ_CHECK(v.empty(), what);  // the default "" lives outside the block
        return;
    }
    FUZZ_CHECK(v.size() < total - static_cast<size_t>(p - block), what);  // its NUL is inside too
    FUZZ_CHECK(p[v.size()] == 0, "a string ends at a NUL inside the block");
}

void parse_and_check(const uint8_t* block, size_t available) {
    const auto parsed = multiboot2::parse(block, available);
    if (!parsed) {
        FUZZ_CHECK(parsed.error() != nullptr && parsed.error()[0] != '\0', "a refusal says why");
        return;
    }
    const multiboot2::BootInfo& info = *parsed;
    FUZZ_CHECK(info.total_size >= 16 && info.total_size <= available, "total_size within what was given");
    check_view(info.cmdline, block, info.total_size, "the command line lies inside the block");
    check_view(info.bootloader, block, info.total_size, "the boot loader name lies inside the block");
    FUZZ_CHECK(info.region_count <= multiboot2::kMaxRegions, "regions fit the table");
    FUZZ_CHECK(info.module_count <= multiboot2::kMaxModules, "modules fit the table");
    FUZZ_CHECK(info.modules_skipped == 0 || info.module_count == multiboot2::kMaxModules, "skip only when full");
    if (info.acpi_rsdp)
        FUZZ_CHECK(info.acpi_rsdp >= block + 16 && info.acpi_rsdp_size <= info.total_size &&
                       info.acpi_rsdp + info.acpi_rsdp_size <= block + info.total_size,
                   "the ACPI RSDP copy lies inside the block");
    else
        FUZZ_CHECK(info.acpi_rsdp_size == 0, "no RSDP, no size");
    for (size_t i = 0; i < info.module_count; ++i) {
        FUZZ_CHECK(info.modules[i].end >= info.modules[i].start, "a module ends after it starts");
        check_view(info.modules[i].cmdline, block, info.total_size, "a module's name lies inside the block");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    parse_and_check(data, size);
    if (size > 8) parse_and_check(data, size - 1 - data[0] % 8);  // a shorter block than total_size may claim
    static bool null_checked = false;
    if (!null_checked) {
        FUZZ_CHECK(!multiboot2::parse(nullptr, 0), "no block, no boot information");
        null_checked = true;
    }
    return 0;
}
