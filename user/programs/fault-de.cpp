/**
 * @file user/programs/fault-de.cpp
 * @brief Divide by zero with `div`: a divide error (#DE) -> SIGFPE.
 *
 * Expected: killed by SIGFPE, exit status 136 (128 + 8). The division is
 * written in assembly: in C++ dividing by zero is undefined behaviour, and
 * the compiler would be free to remove it.
 */
#include "runtime/print.h"

/// Print a line, then divide by zero; returning 1 means the fault did not happen.
int main(int, char**, char**) {
    print("fault-de: dividing by zero\n");
    uint32_t quotient = 42, remainder = 0;  // divl divides edx:eax by its operand
    const uint32_t divisor = 0;
    asm volatile("divl %2" : "+a"(quotient), "+d"(remainder) : "r"(divisor));
    print("fault-de: FAILED: division by zero did not fault (quotient {})\n", quotient);
    return 1;
}
