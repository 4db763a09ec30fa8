/**
 * @file chapters/02-traps/arch/fault_option.cpp
 * @brief `fault=pf|gp|ud|de`: make the kernel fault on purpose, to see (and
 * test) what a kernel bug looks like: the register dump, then the panic.
 */
#include "arch/trap.h"
#include "kernel/console.h"
#include "kernel/options.h"

namespace {

StringView g_fault;  // empty: no fault asked for

KernelOption g_fault_option("fault", "pf|gp|ud|de|none", [](StringView v) {
    if (!(v == "pf" || v == "gp" || v == "ud" || v == "de" || v == "none")) return false;
    g_fault = v == "none" ? StringView() : v;
    return true;
});

}  // namespace

void fault_if_asked() {
    if (g_fault.empty()) return;
    kprint("[Test] fault={}: faulting in the kernel on purpose\n", g_fault);
    if (g_fault == "pf") *reinterpret_cast<volatile uint64_t*>(0x00004000dead0000) = 1;  // never mapped: #PF, error 0x2
    if (g_fault == "gp") {
        const uint64_t non_canonical = 0x0000800000000000;
        asm volatile("movq (%0), %%rax" ::"r"(non_canonical) : "rax");  // #GP
    }
    if (g_fault == "ud") asm volatile("ud2");  // #UD
    if (g_fault == "de") {
        volatile uint32_t zero = 0;
        asm volatile("divl %0" ::"r"(zero), "a"(1), "d"(0));  // #DE
    }
}
