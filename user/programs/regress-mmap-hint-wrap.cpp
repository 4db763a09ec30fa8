/**
 * @file user/programs/regress-mmap-hint-wrap.cpp
 * @brief An mmap hint near the top of the address space must not wrap
 * (found by fuzz-syscalls).
 *
 * mmap(0xffffffffffffe000, 3 pages, RW, MAP_PRIVATE | MAP_ANONYMOUS): the
 * hint is only a hint, and one outside user space is ignored; Linux maps
 * the three pages wherever it likes in user space. The course kernel
 * checked hint + length against the top of the mmap area, a sum that
 * wraps past 2^64 to a small number, so it took the hint and mapped page 0
 * and pages of the kernel's half into the process.
 *
 * The check: the result is page-aligned user memory above 64 KiB, and the
 * three pages are usable.
 */
#include "runtime/print.h"

/// mmap with a hint just below 2^64: 0 if the mapping landed in user space.
int main(int, char**, char**) {
    constexpr uint64_t kHint = 0xffffffffffffe000;
    constexpr size_t kLength = 3 * 4096;
    const long r = sys::mmap(reinterpret_cast<void*>(kHint), kLength, abi::prot::Read | abi::prot::Write,
                             abi::map::Private | abi::map::Anonymous, -1, 0);
    const auto at = static_cast<uint64_t>(r);
    const bool in_user = r > 0 && at >= 0x10000 && (at & 4095) == 0 && at + kLength <= abi::kUserSpaceEnd;
    print("regress-mmap-hint-wrap: mmap(hint 0xffffffffffffe000, 3 pages) in user space: {}\n",
          in_user ? "yes" : "no");
    if (!in_user) return 1;
    auto* bytes = reinterpret_cast<volatile uint8_t*>(at);
    bytes[0] = 1;
    bytes[kLength - 1] = 2;
    print("regress-mmap-hint-wrap: its pages are usable: {}\n", bytes[0] == 1 && bytes[kLength - 1] == 2 ? "ok" : "FAILED");
    return 0;
}
