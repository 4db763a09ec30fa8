/**
 * @file chapters/10-smp/tests/fake_cpus.h
 * @brief Host threads as CPUs, for tests of code that takes chapter 10's
 * spin locks (sync/spinlock.h) from several threads at once.
 *
 * The lock itself runs as the kernel builds it: the same atomic exchange,
 * the same spinning, the same owner check. What a host program cannot do
 * is faked as chapter 09's tests/fake_cpu.h does, once per thread:
 *   - `cli` and `sti` (ring 0 only: in ring 3 they raise #GP, which Linux
 *     delivers as SIGSEGV) are stepped over by the SIGSEGV handler;
 *   - the per-CPU block is reached through GS: each thread points its own
 *     GS base (Linux keeps one per thread) at g_percpu[cpu], whose cpu_id
 *     is its own, so the lock sees two threads as two CPUs.
 * Any other fault is a real bug: the handler gives the signal back to the
 * default action and the test crashes.
 * Include after the sources under test.
 */
#pragma once

#include <asm/prctl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

#include "arch/percpu.h"

PerCpu g_percpu[kMaxCpus];

namespace fake_cpus {

inline std::atomic<long> skipped{0};  ///< cli and sti stepped over: IrqLocks really ran

inline void on_segv(int, siginfo_t*, void* context) {
    auto* uc = static_cast<ucontext_t*>(context);
    const auto* rip = reinterpret_cast<const uint8_t*>(uc->uc_mcontext.gregs[REG_RIP]);
    if (*rip == 0xfa || *rip == 0xfb) {  // cli, sti: one byte each
        uc->uc_mcontext.gregs[REG_RIP] += 1;
        skipped.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    signal(SIGSEGV, SIG_DFL);  // the same instruction faults again, and the test dies
}

/// Once per test, before any thread runs kernel code: the handler.
inline void start() {
    struct sigaction action {};
    action.sa_sigaction = on_segv;
    action.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &action, nullptr);
    skipped = 0;
}

/// On the calling host thread: from now on it is CPU @p cpu.
inline void become(int cpu) {
    g_percpu[cpu] = PerCpu{};
    g_percpu[cpu].cpu_id = static_cast<uint64_t>(cpu);
    g_percpu[cpu].self = &g_percpu[cpu];
    syscall(SYS_arch_prctl, ARCH_SET_GS, &g_percpu[cpu]);
}

/// Spin locks CPU @p cpu holds now (0 between operations).
inline uint64_t locks_held(int cpu) { return g_percpu[cpu].locks_held; }

}  // namespace fake_cpus
