/**
 * @file kernel/boot_info.cpp
 * @brief Copy, parse and print the boot information.
 */
#include "kernel/boot_info.h"

#include "kernel/layout.h"
#include "kernel/panic.h"

namespace {
constexpr uint32_t kCopySize = 16 * 1024;  // GRUB's BIOS block is ~1-2 KiB
constexpr uint64_t kBootMapEnd = 1ull << 30;  // boot.S maps the first 1 GiB

alignas(8) uint8_t g_copy[kCopySize];
multiboot2::BootInfo g_info;
}  // namespace

void boot_info_init(uint32_t magic, uint32_t info_phys) {
    if (magic != multiboot2::kBootloaderMagic)
        panic("not started by a Multiboot2 loader (eax={:#x}, want {:#x})", magic,
              multiboot2::kBootloaderMagic);

    const auto* block = reinterpret_cast<const uint8_t*>(boot_phys_to_virt(info_phys));
    uint32_t total;
    mem::copy(&total, block, sizeof total);
    if (total > kCopySize || info_phys + uint64_t(total) > kBootMapEnd)
        panic("boot information at {:#x} ({} bytes) is too large or too high", info_phys, total);
    mem::copy(g_copy, block, total);

    auto parsed = multiboot2::parse(g_copy, total);
    if (!parsed) panic("malformed boot information: {}", parsed.error());
    g_info = *parsed;

    kprint("[Boot] Multiboot2 information at {:#x}, {} bytes, from {}\n", info_phys, total,
           g_info.bootloader.empty() ? StringView("an unnamed loader") : g_info.bootloader);
    kprint("[Boot] Command line: \"{}\"\n", g_info.cmdline);

    uint64_t available = 0;
    for (size_t i = 0; i < g_info.region_count; ++i) {
        const multiboot2::MemoryRegion& r = g_info.regions[i];
        kprint("[Memory] {:#018x}-{:#018x} {}\n", r.base, r.base + r.length - 1,
               multiboot2::memory_type_name(r.type));
        if (r.type == multiboot2::MemoryType::Available) available += r.length;
    }
    kprint("[Memory] {} KiB available\n", available / 1024);

    for (size_t i = 0; i < g_info.module_count; ++i) {
        const multiboot2::Module& m = g_info.modules[i];
        kprint("[Boot] Module {}: \"{}\" at {:#x}, {} bytes\n", i, m.cmdline, m.start, m.end - m.start);
    }
    if (g_info.modules_skipped)
        kprint("[Boot] {} more module(s) left out: the kernel takes {} at most\n", g_info.modules_skipped,
               multiboot2::kMaxModules);
}

const multiboot2::BootInfo& boot_info() { return g_info; }
