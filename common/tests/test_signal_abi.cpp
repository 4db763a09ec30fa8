/**
 * @file common/tests/test_signal_abi.cpp
 * @brief common/abi/signal.h against the host's own headers: the frame a
 * handler finds (glibc's ucontext_t and mcontext_t describe the kernel's
 * ucontext and sigcontext field for field, up to uc_sigmask), siginfo_t,
 * stack_t, the FXSAVE area, and the SA_ and si_code values.
 */
#include <criterion/criterion.h>

#include <signal.h>
#include <sys/ucontext.h>

#include <cstddef>

#include "common/abi/signal.h"

Test(signal_abi, ucontext_as_glibc_reads_it) {
    cr_expect_eq(offsetof(abi::UContext, flags), offsetof(ucontext_t, uc_flags));
    cr_expect_eq(offsetof(abi::UContext, link), offsetof(ucontext_t, uc_link));
    cr_expect_eq(offsetof(abi::UContext, stack), offsetof(ucontext_t, uc_stack));
    cr_expect_eq(offsetof(abi::UContext, mcontext), offsetof(ucontext_t, uc_mcontext));
    cr_expect_eq(offsetof(abi::UContext, sigmask), offsetof(ucontext_t, uc_sigmask),
                 "the kernel's 64-bit mask is the first word of glibc's sigset_t");
}

Test(signal_abi, sigcontext_is_glibcs_gregs) {
    const struct {
        size_t ours;
        int reg;
        const char* name;
    } rows[] = {
        // Laid out by hand as a table: clang-format would put one entry on each line.
        // clang-format off
        {offsetof(abi::SigContext, r8), REG_R8, "r8"},       {offsetof(abi::SigContext, r15), REG_R15, "r15"},
        {offsetof(abi::SigContext, rdi), REG_RDI, "rdi"},    {offsetof(abi::SigContext, rsi), REG_RSI, "rsi"},
        {offsetof(abi::SigContext, rbp), REG_RBP, "rbp"},    {offsetof(abi::SigContext, rbx), REG_RBX, "rbx"},
        {offsetof(abi::SigContext, rdx), REG_RDX, "rdx"},    {offsetof(abi::SigContext, rax), REG_RAX, "rax"},
        {offsetof(abi::SigContext, rcx), REG_RCX, "rcx"},    {offsetof(abi::SigContext, rsp), REG_RSP, "rsp"},
        {offsetof(abi::SigContext, rip), REG_RIP, "rip"},    {offsetof(abi::SigContext, rflags), REG_EFL, "eflags"},
        {offsetof(abi::SigContext, cs), REG_CSGSFS, "cs"},   {offsetof(abi::SigContext, err), REG_ERR, "err"},
        {offsetof(abi::SigContext, trapno), REG_TRAPNO, "trapno"},
        // clang-format on
        {offsetof(abi::SigContext, oldmask), REG_OLDMASK, "oldmask"},
        {offsetof(abi::SigContext, cr2), REG_CR2, "cr2"},
    };
    for (const auto& row : rows)
        cr_expect_eq(row.ours, row.reg * sizeof(greg_t), "%s: at %zu here, gregs[%d] in glibc", row.name, row.ours, row.reg);
    cr_expect_eq(offsetof(abi::SigContext, fpstate), offsetof(mcontext_t, fpregs));
    cr_expect_eq(sizeof(abi::SigContext), sizeof(mcontext_t));
}

Test(signal_abi, fxsave_area) {
    cr_expect_eq(sizeof(abi::FxState), sizeof(struct _libc_fpstate));
    cr_expect_eq(offsetof(abi::FxState, mxcsr), offsetof(struct _libc_fpstate, mxcsr));
    cr_expect_eq(offsetof(abi::FxState, mxcsr_mask), offsetof(struct _libc_fpstate, mxcr_mask));
    cr_expect_eq(offsetof(abi::FxState, st_space), offsetof(struct _libc_fpstate, _st));
    cr_expect_eq(offsetof(abi::FxState, xmm_space), offsetof(struct _libc_fpstate, _xmm));
}

Test(signal_abi, siginfo_and_stack) {
    cr_expect_eq(sizeof(abi::SigInfo), sizeof(siginfo_t));
    cr_expect_eq(offsetof(abi::SigInfo, signo), offsetof(siginfo_t, si_signo));
    cr_expect_eq(offsetof(abi::SigInfo, error), offsetof(siginfo_t, si_errno));
    cr_expect_eq(offsetof(abi::SigInfo, code), offsetof(siginfo_t, si_code));
    cr_expect_eq(offsetof(abi::SigInfo, fields.kill.pid), offsetof(siginfo_t, si_pid));
    cr_expect_eq(offsetof(abi::SigInfo, fields.kill.uid), offsetof(siginfo_t, si_uid));
    cr_expect_eq(offsetof(abi::SigInfo, fields.fault.addr), offsetof(siginfo_t, si_addr));
    cr_expect_eq(sizeof(abi::SigStack), sizeof(stack_t));
    cr_expect_eq(offsetof(abi::SigStack, sp), offsetof(stack_t, ss_sp));
    cr_expect_eq(offsetof(abi::SigStack, flags), offsetof(stack_t, ss_flags));
    cr_expect_eq(offsetof(abi::SigStack, size), offsetof(stack_t, ss_size));
    cr_expect_eq(abi::kSigStackDisable, SS_DISABLE);
}

Test(signal_abi, values) {
    cr_expect_eq(abi::sa::NoCldStop, static_cast<uint64_t>(SA_NOCLDSTOP));
    cr_expect_eq(abi::sa::NoCldWait, static_cast<uint64_t>(SA_NOCLDWAIT));
    cr_expect_eq(abi::sa::SigInfo, static_cast<uint64_t>(SA_SIGINFO));
    cr_expect_eq(abi::sa::OnStack, static_cast<uint64_t>(SA_ONSTACK));
    cr_expect_eq(abi::sa::Restart, static_cast<uint64_t>(SA_RESTART));
    cr_expect_eq(abi::sa::NoDefer, static_cast<uint64_t>(SA_NODEFER));
    cr_expect_eq(abi::sa::ResetHand, static_cast<uint64_t>(static_cast<unsigned>(SA_RESETHAND)));
    cr_expect_eq(abi::kSigDfl, reinterpret_cast<uint64_t>(SIG_DFL));
    cr_expect_eq(abi::kSigIgn, reinterpret_cast<uint64_t>(SIG_IGN));
    cr_expect_eq(abi::sig_how::Block, SIG_BLOCK);
    cr_expect_eq(abi::sig_how::Unblock, SIG_UNBLOCK);
    cr_expect_eq(abi::sig_how::SetMask, SIG_SETMASK);
    cr_expect_eq(abi::si_code::User, SI_USER);
    cr_expect_eq(abi::si_code::Kernel, SI_KERNEL);
    cr_expect_eq(abi::si_code::Tkill, SI_TKILL);
    cr_expect_eq(abi::si_code::SegvMapErr, SEGV_MAPERR);
    cr_expect_eq(abi::si_code::SegvAccErr, SEGV_ACCERR);
    cr_expect_eq(abi::si_code::BusAdrAln, BUS_ADRALN);
    cr_expect_eq(abi::si_code::IllIllOpn, ILL_ILLOPN);
    cr_expect_eq(abi::si_code::FpeIntDiv, FPE_INTDIV);
    cr_expect_eq(abi::si_code::TrapBrkpt, TRAP_BRKPT);
}
