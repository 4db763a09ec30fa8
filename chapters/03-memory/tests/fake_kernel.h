/**
 * @file chapters/03-memory/tests/fake_kernel.h
 * @brief The hardware-facing pieces of the kernel, faked for host tests.
 *
 * - the console is a string the test can read;
 * - power_off() (reached through panic) exits with 100 + status, so a test
 *   can expect a panic with Criterion's `.exit_code = 101`;
 * - "physical memory" is a 16 MiB array; phys_to_virt() points into it;
 * - frames() is a FrameAllocator over that array;
 * - tlb_flush_page() only counts its calls.
 * Include it once per test program, after the sources under test.
 */
#pragma once

#include <cstdlib>
#include <string>

#include "kernel/console.h"
#include "kernel/power.h"
#include "mm/frame.h"
#include "mm/paging.h"

namespace fake {
inline std::string console;                    ///< everything kprint() wrote
inline constexpr uint64_t kMemory = 16 << 20;  ///< bytes of fake RAM
alignas(4096) inline uint8_t memory[kMemory];
inline FrameAllocator allocator;
inline int tlb_flushes = 0;

/// Make the whole fake RAM but its first frame available (frame 0 stays
/// reserved so that a null PhysAddr is never a valid allocation).
inline void reset_memory() {
    const multiboot2::MemoryRegion ram{0, kMemory, multiboot2::MemoryType::Available};
    const PhysRange low{0, 4096};
    allocator.init(&ram, 1, &low, 1);
    tlb_flushes = 0;
}
}  // namespace fake

class FakeConsole final : public Sink {
public:
    void write(const char* text, size_t size) override { fake::console.append(text, size); }
};

Sink& console_sink() {
    static FakeConsole sink;
    return sink;
}

[[noreturn]] void power_off(PowerStatus status) { std::exit(100 + static_cast<int>(status)); }

VirtAddr phys_to_virt(PhysAddr p) {
    if (p.value() >= fake::kMemory) std::abort();  // a wild physical address
    return VirtAddr(fake::memory + p.value());
}

FrameAllocator& frames() { return fake::allocator; }

void tlb_flush_page(VirtAddr) { ++fake::tlb_flushes; }
