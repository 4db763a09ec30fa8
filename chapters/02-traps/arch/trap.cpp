/**
 * @file chapters/02-traps/arch/trap.cpp
 * @brief Chapter 02's trap policy: every trap is the kernel's own, so
 * kernel_trap() (arch/trap_dump.cpp) decides: a breakpoint is reported and
 * resumed; anything else is a kernel bug. Later chapters replace this file
 * as user mode, then the timer, bring traps of other kinds.
 */
#include "arch/trap.h"

extern "C" void trap_dispatch(TrapFrame* frame) { kernel_trap(*frame); }
