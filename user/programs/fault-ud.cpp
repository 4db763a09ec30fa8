/**
 * @file user/programs/fault-ud.cpp
 * @brief Execute `ud2`: an invalid opcode fault (#UD) -> SIGILL.
 *
 * Expected: killed by SIGILL, exit status 132 (128 + 4). ud2 is the
 * instruction defined to be undefined: it always raises #UD.
 */
#include "runtime/print.h"

/// Print a line, then execute `ud2`; returning 1 means the fault did not happen.
int main(int, char**, char**) {
    print("fault-ud: executing ud2\n");
    asm volatile("ud2");
    print("fault-ud: FAILED: ud2 did not fault\n");
    return 1;
}
