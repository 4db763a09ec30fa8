/**
 * @file chapters/10-smp/tests/fuzz_acpi.cpp
 * @brief libFuzzer target: acpi::read_madt() over any "physical memory"
 * (build: tools/fuzz.mk).
 *
 * The input is physical memory from address 0; its first 36 bytes are also
 * handed over as the boot loader's RSDP copy, so the fuzzer can steer the
 * whole walk (RSDP -> RSDT/XSDT -> MADT) with pointers into the rest. The
 * walk reads firmware the kernel did not write: on any input it must stay
 * inside the memory (map() refuses ranges outside it, and ASan sees any
 * byte read past the input) and do no undefined arithmetic (UBSan). When
 * it accepts, what acpi.h promises about a Madt is checked. parse_madt()
 * also gets the raw input as a table, so its entry walk is fuzzed directly.
 */
#include <cstddef>
#include <cstdint>

#include "acpi/acpi.cpp"
#include "common/tests/fuzz_input.h"

namespace {

class InputMemory final : public acpi::PhysMemory {
public:
    InputMemory(const uint8_t* data, size_t size) : m_data(data), m_size(size) {}
    const uint8_t* map(uint64_t phys, size_t len) override {
        if (phys > m_size || len > m_size - phys) return nullptr;
        return m_data + phys;
    }

private:
    const uint8_t* m_data;
    size_t m_size;
};

void check(const acpi::Madt& madt) {
    FUZZ_CHECK(madt.processor_count >= 1 && madt.processor_count <= acpi::kMaxProcessors, "count in range");
    FUZZ_CHECK(madt.skipped == 0 || madt.processor_count == acpi::kMaxProcessors, "skip only when full");
    for (size_t i = 0; i < madt.processor_count; ++i)
        for (size_t j = 0; j < i; ++j)
            FUZZ_CHECK(madt.processors[i].apic_id != madt.processors[j].apic_id, "each APIC ID once");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    InputMemory memory(data, size);
    const auto whole = acpi::read_madt(memory, data, size < 36 ? size : 36);
    if (whole) check(*whole);
    else FUZZ_CHECK(whole.error() != nullptr && whole.error()[0] != '\0', "a refusal says why");
    const auto table = acpi::parse_madt(data, size);
    if (table) check(*table);
    return 0;
}
