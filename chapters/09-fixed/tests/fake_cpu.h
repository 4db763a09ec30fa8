/**
 * @file chapters/09-fixed/tests/fake_cpu.h
 * @brief For host tests of code that takes an IrqLock (sync/spinlock.h).
 *
 * An IrqLock does two things a program on the host cannot: `cli`/`sti`,
 * which only ring 0 may execute (in ring 3 they raise #GP, which Linux
 * delivers as SIGSEGV), and a count in this CPU's block, reached through
 * the GS base. So the test points GS at a PerCpu block of its own (Linux
 * lets a program set its GS base with arch_prctl) and steps over `cli` and
 * `sti` in its SIGSEGV handler. Any other fault goes on to
 * user_faults::on_segv (a user copy's, recovered; else a real bug).
 * Include after proc/uaccess.cpp and user_faults.h.
 */
#pragma once

#include <asm/prctl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdint>

#include "arch/percpu.h"

PerCpu g_percpu[kMaxCpus];

namespace fake_cpu {

inline int skipped = 0;  ///< cli and sti stepped over: an IrqLock really ran

inline void on_segv(int signal, siginfo_t* info, void* context) {
    auto* uc = static_cast<ucontext_t*>(context);
    const auto* rip = reinterpret_cast<const uint8_t*>(uc->uc_mcontext.gregs[REG_RIP]);
    if (*rip == 0xfa || *rip == 0xfb) {  // cli, sti: one byte each
        uc->uc_mcontext.gregs[REG_RIP] += 1;
        ++skipped;
        return;
    }
    user_faults::on_segv(signal, info, context);
}

/// CPU 0's block behind GS, and the handler; call at the start of each test.
inline void start() {
    user_faults::catch_them();
    g_percpu[0] = PerCpu{};
    g_percpu[0].self = &g_percpu[0];
    syscall(SYS_arch_prctl, ARCH_SET_GS, &g_percpu[0]);
    struct sigaction action {};
    action.sa_sigaction = on_segv;
    action.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &action, nullptr);
    skipped = 0;
}

/// Spin locks this CPU holds now (0 between operations).
inline uint64_t locks_held() { return g_percpu[0].locks_held; }

}  // namespace fake_cpu
