/**
 * @file chapters/10-smp/acpi/firmware.cpp
 * @brief Physical memory for the ACPI reader: each range it asks for is
 * mapped read-only where the direct map would put it (mm/mmio.h), since
 * firmware tables lie in memory the direct map leaves out.
 */
#include "acpi/firmware.h"

#include "kernel/boot_info.h"
#include "mm/mmio.h"

namespace {

class FirmwareMemory final : public acpi::PhysMemory {
public:
    const uint8_t* map(uint64_t phys, size_t len) override {
        const Result<VirtAddr> at = map_physical(PhysAddr(phys), len, PhysKind::Firmware);
        return at ? at->as<const uint8_t>() : nullptr;
    }
};

}  // namespace

Result<acpi::Madt, const char*> firmware_madt() {
    FirmwareMemory memory;
    const multiboot2::BootInfo& boot = boot_info();
    return acpi::read_madt(memory, boot.acpi_rsdp, boot.acpi_rsdp_size);
}
