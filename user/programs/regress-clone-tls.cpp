/**
 * @file user/programs/regress-clone-tls.cpp
 * @brief Regression: clone with CLONE_SETTLS must refuse a TLS base
 * outside user space, as arch_prctl(ARCH_SET_FS) does.
 *
 * Linux answers EPERM for a base at or above the last user page (its
 * set_new_tls goes through the checks of arch_prctl). Chapter 07's kernel
 * took any value and loaded it into IA32_FS_BASE at the new thread's first
 * switch: a non-canonical one made that wrmsr fault in the kernel (a
 * panic), a kernel address gave the thread an FS base no user may have.
 * Found by fuzz-syscalls (chapter 07). The good base at the end must still
 * reach the new thread.
 */
#include "runtime/print.h"
#include "runtime/thread.h"

namespace {

alignas(16) uint8_t g_stack[16384];
volatile uint64_t g_seen_fs = 0;
volatile int g_done = 0;

// The new thread: what FS base did it start with?
void report_fs(void*) {
    uint64_t fs = 0;
    sys::arch_prctl(abi::ArchPrctl::GetFs, reinterpret_cast<uint64_t>(&fs));
    g_seen_fs = fs;
    g_done = 1;
}

}  // namespace

/// Three bases outside user space (EPERM each), then a good one, which the thread must see.
int main(int, char**, char**) {
    const uint64_t flags = kThreadFlags | abi::clone_flag::SetTls;
    const uint64_t top = reinterpret_cast<uint64_t>(g_stack + sizeof g_stack);
    constexpr uint64_t kBad[] = {0x800000000000, 0x7ffffffff000, 0xffffffff80000000};
    for (uint64_t tls : kBad) {
        const long r = clone_thread(flags, top, 0, 0, tls, nullptr, nullptr);
        print("regress-clone-tls: clone(SETTLS, {:#x}) = {}\n", tls, r > 0 ? 1 : r);
        raw_syscall(abi::Sys::SchedYield);  // a thread that was made runs now, and ends
    }
    const uint64_t good = 0x7fffffffe000;
    const long r = clone_thread(flags, top, 0, 0, good, report_fs, nullptr);
    while (r > 0 && !g_done) raw_syscall(abi::Sys::SchedYield);
    print("regress-clone-tls: clone(SETTLS, {:#x}) {}; the thread's FS base: {:#x}\n", good, r > 0 ? "made a thread" : "failed", g_seen_fs);
    return 0;
}
