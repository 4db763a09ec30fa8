/**
 * @file chapters/04-user/tests/user_faults.h
 * @brief For host tests of code that copies "user" memory: make a fault
 * inside arch/user_copy.S behave as it does in the kernel.
 *
 * The host delivers the page fault as SIGSEGV; the handler plays the
 * kernel's trap handler: it gives user_copy_fixup() a TrapFrame with the
 * faulting RIP and resumes where it says. A fault anywhere else is a real
 * bug and aborts. Include after proc/uaccess.cpp.
 */
#pragma once

#include <signal.h>
#include <ucontext.h>

#include <cstdlib>

#include "arch/trap.h"

namespace user_faults {

inline int recovered = 0;  ///< faults inside a user copy, recovered by the fixup table

inline void on_segv(int, siginfo_t*, void* context) {
    auto* uc = static_cast<ucontext_t*>(context);
    TrapFrame frame{};
    frame.vector = kPageFault;
    frame.rip = static_cast<uint64_t>(uc->uc_mcontext.gregs[REG_RIP]);
    if (!user_copy_fixup(frame)) std::abort();  // a fault outside a user copy: a real bug
    uc->uc_mcontext.gregs[REG_RIP] = static_cast<greg_t>(frame.rip);
    ++recovered;
}

/// Install the handler and reset the count.
inline void catch_them() {
    struct sigaction action {};
    action.sa_sigaction = on_segv;
    action.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &action, nullptr);
    recovered = 0;
}

}  // namespace user_faults
