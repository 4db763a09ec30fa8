/**
 * @file user/programs/regress-mmap-fixed-pt-leak.cpp
 * @brief Mapping and unmapping one page at many places must not use up
 * memory (found by fuzz-syscalls).
 *
 * Each round maps one page with MAP_FIXED at an address 1 GiB further on,
 * so the kernel needs a new page table and page directory for it, and
 * unmaps it again. Linux frees page tables that no longer map anything. The
 * course kernel kept them: two frames per round, so after 40000 rounds
 * (about 300 MiB of page tables, more than the machine has) mmap failed.
 * The check: every round works, and 64 MiB still map afterwards.
 */
#include "runtime/print.h"

/// 40000 rounds of MAP_FIXED + munmap of one page, 1 GiB apart; 0 if memory lasted.
int main(int, char**, char**) {
    constexpr uint64_t kBase = 0x0000010000000000;  // 1 TiB: far from this program
    constexpr uint64_t kStride = 1ull << 30;
    constexpr int kRounds = 40000;
    int failed_at = -1;
    for (int i = 0; i < kRounds && failed_at < 0; ++i) {
        void* at = reinterpret_cast<void*>(kBase + static_cast<uint64_t>(i) * kStride);
        const long r = sys::mmap(at, 4096, abi::prot::Read | abi::prot::Write,
                                 abi::map::Private | abi::map::Anonymous | abi::map::Fixed, -1, 0);
        if (r != reinterpret_cast<long>(at) || sys::munmap(at, 4096) != 0) failed_at = i;
    }
    if (failed_at >= 0) print("regress-mmap-fixed-pt-leak: round {} of {} failed\n", failed_at, kRounds);
    else print("regress-mmap-fixed-pt-leak: {} rounds of map and unmap\n", kRounds);
    const long big = sys::mmap(nullptr, 64 << 20, abi::prot::Read | abi::prot::Write,
                               abi::map::Private | abi::map::Anonymous, -1, 0);
    const bool ok = failed_at < 0 && big > 0;
    print("regress-mmap-fixed-pt-leak: 64 MiB still map afterwards: {}\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
