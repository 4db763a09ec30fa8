/**
 * @file user/programs/gs-keep.cpp
 * @brief The user's GS base must survive everything the kernel does.
 *
 * Sets GS with arch_prctl(ARCH_SET_GS) to a block of its own, then for a
 * while makes syscalls and spins (so timer interrupts land in user mode),
 * checking after each round that a `gs:` load still reads the block. Ends by
 * reading the base back with ARCH_GET_GS. A kernel that mixed up GS_BASE and
 * KERNEL_GS_BASE around a swapgs would hand this program the kernel's
 * per-CPU block, or zero. Exit status 0 only if every check held.
 */
#include "runtime/print.h"

namespace {
constexpr uint64_t kMagic = 0x6773206b65657021;  // "!peek sg"
uint64_t g_block[4] = {kMagic, 1, 2, 3};

uint64_t read_gs0() {
    uint64_t v;
    asm volatile("mov %%gs:0, %0" : "=r"(v));
    return v;
}
}  // namespace

/// Set GS to a block of its own, check it across syscalls and timer interrupts; 0 if it always held.
int main(int, char**, char**) {
    const auto base = reinterpret_cast<uint64_t>(&g_block);
    if (sys::arch_prctl(abi::ArchPrctl::SetGs, base) != 0) {
        print("gs-keep: arch_prctl(ARCH_SET_GS) failed\n");
        return 1;
    }
    int bad = 0;
    constexpr int kRounds = 40;
    for (int round = 0; round < kRounds; ++round) {
        sys::getpid();                                            // a syscall...
        for (int spin = 0; spin < 250000; ++spin) asm volatile("" ::: "memory");  // ...and time for the timer
        if (read_gs0() != kMagic) ++bad;
    }
    uint64_t reported = 0;
    const long got = sys::arch_prctl(abi::ArchPrctl::GetGs, reinterpret_cast<uint64_t>(&reported));
    const bool ok = bad == 0 && got == 0 && reported == base && read_gs0() == kMagic;
    print("gs-keep: GS base {:#x}: {} rounds of syscalls and spinning, {} bad gs: loads, ARCH_GET_GS says {:#x}: {}\n",
          base, kRounds, bad, reported, ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
