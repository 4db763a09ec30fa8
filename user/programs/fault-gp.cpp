/**
 * @file user/programs/fault-gp.cpp
 * @brief Execute `hlt` in ring 3: a general protection fault (#GP) -> SIGSEGV.
 *
 * Expected: killed by SIGSEGV, exit status 139 (128 + 11). hlt is a
 * privileged instruction: at CPL 3 the CPU raises #GP(0) instead of halting,
 * and Linux (like our kernel) reports #GP to user space as SIGSEGV.
 */
#include "runtime/print.h"

/// Print a line, then execute `hlt` in ring 3; returning 1 means the fault did not happen.
int main(int, char**, char**) {
    print("fault-gp: executing hlt in ring 3\n");
    asm volatile("hlt");
    print("fault-gp: FAILED: hlt in ring 3 did not fault\n");
    return 1;
}
