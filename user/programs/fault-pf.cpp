/**
 * @file user/programs/fault-pf.cpp
 * @brief Write to address 0: a page fault (#PF) the kernel turns into SIGSEGV.
 *
 * Expected: killed by SIGSEGV, exit status 139 (128 + 11). The first 64 KiB
 * of user space are never mapped, so the store faults; the kernel must kill
 * this process and carry on, not panic.
 */
#include "runtime/print.h"

/// Print a line, then store to address 0; returning 1 means the fault did not happen.
int main(int, char**, char**) {
    print("fault-pf: writing to address 0\n");
    // Both volatile: the pointer, so the compiler must load it at run time
    // and cannot see the NULL (and put a trap instruction of its own there);
    // the int, so the store must happen even though nothing reads it back.
    volatile int* volatile target = nullptr;
    *target = 0x1234;
    print("fault-pf: FAILED: the write to address 0 did not fault\n");
    return 1;
}
