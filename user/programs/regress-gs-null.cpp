/**
 * @file user/programs/regress-gs-null.cpp
 * @brief Regression: loading a null selector into GS after ARCH_SET_GS must
 * not bring the kernel down.
 *
 * `mov $0, %gs` is an ordinary ring-3 instruction. On the CPUs QEMU and
 * Bochs emulate it also clears the hidden GS base, so the base the kernel
 * last set with arch_prctl(ARCH_SET_GS) is no longer the one in the CPU.
 * Linux reads the base back when it needs it; chapter 05's `validate=1`
 * check compared it with its own record and panicked on the next syscall.
 * The program prints "ok" after that syscall; on Linux it always does.
 * The GS base after the `mov` is not printed: it depends on the CPU vendor.
 */
#include "runtime/print.h"

/// Set GS, load a null selector into it, make a syscall, print ok.
int main(int, char**, char**) {
    const long set = sys::arch_prctl(abi::ArchPrctl::SetGs, 0x10000);
    print("regress-gs-null: arch_prctl(ARCH_SET_GS, 0x10000) = {}\n", set);
    asm volatile("mov %0, %%gs" ::"r"(0) : "memory");
    const long pid = sys::getpid();
    print("regress-gs-null: getpid() after mov $0, %gs: {}\n", pid > 0 ? "positive" : "NOT positive");
    print("regress-gs-null: ok\n");
    return 0;
}
