/**
 * @file chapters/04-user/arch/random.cpp
 * @brief RDRAND and RDSEED, found with CPUID and retried as Intel advises.
 *
 * RDRAND returns numbers from a generator the CPU reseeds from its own
 * noise source; RDSEED returns that source's conditioned output, and runs
 * dry more easily. Either sets the carry flag when the value is good and
 * clears it (value 0) when the CPU had none to give; then we ask again.
 */
#include "arch/random.h"

#include <cstdint>

#include "common/str.h"
#include "kernel/console.h"
#include "kernel/x86.h"

namespace {

enum class Source {
    Unknown,
    RdRand,
    RdSeed,
    None
};
Source g_source = Source::Unknown;

constexpr uint32_t kCpuidRdRand = 1u << 30;  // CPUID.01H:ECX
constexpr uint32_t kCpuidRdSeed = 1u << 18;  // CPUID.(EAX=07H,ECX=0):EBX
constexpr int kRetries = 10;

Source detect() {
    if (cpuid(1, 0).ecx & kCpuidRdRand) return Source::RdRand;
    if (cpuid(0, 0).eax >= 7 && (cpuid(7, 0).ebx & kCpuidRdSeed)) return Source::RdSeed;
    return Source::None;
}

Source source() {
    if (g_source != Source::Unknown) return g_source;
    g_source = detect();
    if (g_source == Source::None)
        kprint("[Random] this CPU has neither RDRAND nor RDSEED: getrandom() is ENOSYS, and programs start without AT_RANDOM (glibc's start-up reads it: its programs fault)\n");
    else
        kprint("[Random] getrandom() and AT_RANDOM take their bytes from {}\n",
               g_source == Source::RdRand ? "RDRAND" : "RDSEED");
    return g_source;
}

// One 64-bit number, or false if the CPU had none to give kRetries times.
bool next(uint64_t& value) {
    for (int i = 0; i < kRetries; ++i) {
        bool ok;
        if (g_source == Source::RdRand) asm volatile("rdrand %0" : "=r"(value), "=@ccc"(ok));
        else asm volatile("rdseed %0" : "=r"(value), "=@ccc"(ok));
        if (ok) return true;
        asm volatile("pause");
    }
    return false;
}

}  // namespace

bool random_available() { return source() != Source::None; }

bool random_fill(void* dst, size_t n) {
    if (!random_available()) return false;
    auto* out = static_cast<uint8_t*>(dst);
    while (n > 0) {
        uint64_t value;
        if (!next(value)) return false;
        const size_t chunk = n < sizeof value ? n : sizeof value;
        mem::copy(out, &value, chunk);
        out += chunk, n -= chunk;
    }
    return true;
}
