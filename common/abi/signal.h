/**
 * @file common/abi/signal.h
 * @brief Signals as Linux's x86-64 ABI lays them out: rt_sigaction's
 * struct, siginfo, and the frame a handler finds on its stack (chapter 07).
 *
 * When the kernel runs a program's handler it pushes an rt_sigframe below
 * the interrupted stack pointer: the return address (the sa_restorer the
 * C library gave, a stub that calls rt_sigreturn), a ucontext holding every
 * register of the interrupted code and the signal mask to restore, the
 * siginfo, and, further down, the FPU and SSE registers as FXSAVE wrote
 * them. The handler gets (signo, &frame->info, &frame->uc) in rdi, rsi, rdx
 * and may read or change all of it; rt_sigreturn puts it back. C libraries
 * and debuggers read these fields by offset, so each is pinned below by a
 * static_assert, and common/tests/test_signal_abi.cpp checks the offsets
 * against the host's own headers (glibc's ucontext_t, siginfo_t, stack_t).
 */
#pragma once

#include <cstddef>
#include <cstdint>

namespace abi {

/// The kernel's struct sigaction (what rt_sigaction copies), which is not
/// libc's: libc's has a 1024-bit mask and another order.
struct KernelSigaction {
    uint64_t handler;   ///< 0x00: SIG_DFL (0), SIG_IGN (1) or the handler's address
    uint64_t flags;     ///< 0x08: SA_ flags (namespace sa)
    uint64_t restorer;  ///< 0x10: where the handler returns to (SA_RESTORER): a call of rt_sigreturn
    uint64_t mask;      ///< 0x18: signals blocked while the handler runs (bit n-1: signal n)
};
static_assert(sizeof(KernelSigaction) == 32);

/// The two handlers that are not addresses.
inline constexpr uint64_t kSigDfl = 0;  ///< SIG_DFL: the signal's default action
inline constexpr uint64_t kSigIgn = 1;  ///< SIG_IGN: drop the signal

/// sa_flags (asm-generic/signal.h, x86's asm/signal.h): SA_SIGINFO is sa::SigInfo.
namespace sa {
inline constexpr uint64_t NoCldStop = 0x00000001;  ///< SA_NOCLDSTOP: no SIGCHLD when a child stops
inline constexpr uint64_t NoCldWait = 0x00000002;  ///< SA_NOCLDWAIT: children leave no zombie
inline constexpr uint64_t SigInfo = 0x00000004;    ///< SA_SIGINFO: the handler reads its siginfo
inline constexpr uint64_t Unsupported = 0x00000400;   ///< SA_UNSUPPORTED: never kept (programs probe with it)
inline constexpr uint64_t ExposeTagBits = 0x00000800; ///< SA_EXPOSE_TAGBITS: an arm64 matter, kept
inline constexpr uint64_t Restorer = 0x04000000;   ///< SA_RESTORER: sa_restorer is set (x86-64 needs it)
inline constexpr uint64_t OnStack = 0x08000000;    ///< SA_ONSTACK: on the sigaltstack, if there is one
inline constexpr uint64_t Restart = 0x10000000;    ///< SA_RESTART: restart a system call the signal cut short
inline constexpr uint64_t NoDefer = 0x40000000;    ///< SA_NODEFER: do not block the signal in its handler
inline constexpr uint64_t ResetHand = 0x80000000;  ///< SA_RESETHAND: back to SIG_DFL once delivered
/// The flags Linux keeps (UAPI_SA_FLAGS with x86's SA_RESTORER): others read back as 0.
inline constexpr uint64_t Known = NoCldStop | NoCldWait | SigInfo | ExposeTagBits | Restorer | OnStack | Restart |
                                  NoDefer | ResetHand;
}  // namespace sa

/// rt_sigprocmask's how (asm-generic/signal-defs.h).
namespace sig_how {
inline constexpr int Block = 0;    ///< SIG_BLOCK: add the set to the mask
inline constexpr int Unblock = 1;  ///< SIG_UNBLOCK: take the set out of it
inline constexpr int SetMask = 2;  ///< SIG_SETMASK: the set is the mask
}  // namespace sig_how

/// si_code values (asm-generic/siginfo.h): why a signal came.
namespace si_code {
inline constexpr int User = 0;         ///< SI_USER: kill()
inline constexpr int Kernel = 0x80;    ///< SI_KERNEL: the kernel (a #GP, for one)
inline constexpr int Tkill = -6;       ///< SI_TKILL: tkill() or tgkill()
inline constexpr int SegvMapErr = 1;   ///< SEGV_MAPERR: no page there
inline constexpr int SegvAccErr = 2;   ///< SEGV_ACCERR: a page there, but not for this access
inline constexpr int BusAdrAln = 1;    ///< BUS_ADRALN: misaligned (#AC)
inline constexpr int IllIllOpn = 2;    ///< ILL_ILLOPN: an illegal operand, Linux's code for #UD
inline constexpr int FpeIntDiv = 1;    ///< FPE_INTDIV: integer division by zero (#DE)
inline constexpr int TrapBrkpt = 1;    ///< TRAP_BRKPT: a breakpoint
}  // namespace si_code

/// siginfo_t, 128 bytes: which signal, why, and from where.
struct SigInfo {
    int32_t signo;  ///< 0x00: si_signo
    int32_t error;  ///< 0x04: si_errno (0)
    int32_t code;   ///< 0x08: si_code (namespace si_code)
    int32_t pad;    ///< 0x0c: alignment of the union
    /// 0x10: what depends on si_code.
    union Fields {
        /// SI_USER, SI_TKILL: who sent it.
        struct Kill {
            int32_t pid;   ///< 0x10: si_pid
            uint32_t uid;  ///< 0x14: si_uid
        } kill;  ///< SI_USER, SI_TKILL
        /// A fault: where.
        struct Fault {
            uint64_t addr;  ///< 0x10: si_addr
        } fault;  ///< SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP
        uint8_t bytes[112];  ///< the rest of the 128 bytes
    } fields;               ///< 0x10: si_pid/si_uid or si_addr
};
static_assert(sizeof(SigInfo) == 128);
static_assert(offsetof(SigInfo, fields) == 0x10);

/// stack_t: an alternate signal stack (sigaltstack).
struct SigStack {
    uint64_t sp;     ///< 0x00: ss_sp
    int32_t flags;   ///< 0x08: ss_flags (SS_DISABLE: none)
    int32_t pad;     ///< 0x0c
    uint64_t size;   ///< 0x10: ss_size
};
static_assert(sizeof(SigStack) == 24);
inline constexpr int32_t kSigStackDisable = 2;  ///< SS_DISABLE: there is no alternate stack

/// struct sigcontext (asm/sigcontext.h, 64-bit): the interrupted registers.
struct SigContext {
    uint64_t r8;            ///< 0x00
    uint64_t r9;            ///< 0x08
    uint64_t r10;           ///< 0x10
    uint64_t r11;           ///< 0x18
    uint64_t r12;           ///< 0x20
    uint64_t r13;           ///< 0x28
    uint64_t r14;           ///< 0x30
    uint64_t r15;           ///< 0x38
    uint64_t rdi;           ///< 0x40
    uint64_t rsi;           ///< 0x48
    uint64_t rbp;           ///< 0x50
    uint64_t rbx;           ///< 0x58
    uint64_t rdx;           ///< 0x60
    uint64_t rax;           ///< 0x68
    uint64_t rcx;           ///< 0x70
    uint64_t rsp;           ///< 0x78
    uint64_t rip;                                     ///< 0x80
    uint64_t rflags;                                  ///< 0x88
    uint16_t cs;        ///< 0x90: the user's code segment
    uint16_t gs;        ///< 0x92: 0
    uint16_t fs;        ///< 0x94: 0
    uint16_t ss;        ///< 0x96: the user's stack segment
    uint64_t err;                                     ///< 0x98: the exception's error code
    uint64_t trapno;                                  ///< 0xa0: the exception's vector
    uint64_t oldmask;                                 ///< 0xa8: the signal mask before the handler (low word)
    uint64_t cr2;                                     ///< 0xb0: a page fault's address
    uint64_t fpstate;                                 ///< 0xb8: where the FxState is (0: none)
    uint64_t reserved[8];                             ///< 0xc0
};
static_assert(sizeof(SigContext) == 256);
static_assert(offsetof(SigContext, rip) == 0x80);
static_assert(offsetof(SigContext, cs) == 0x90);
static_assert(offsetof(SigContext, err) == 0x98);
static_assert(offsetof(SigContext, fpstate) == 0xb8);

/// struct ucontext (asm/ucontext.h): the context a handler interrupts.
struct UContext {
    uint64_t flags;       ///< 0x00: UC_ flags
    uint64_t link;        ///< 0x08: uc_link (0)
    SigStack stack;       ///< 0x10: the alternate stack as it was
    SigContext mcontext;  ///< 0x28: the registers
    uint64_t sigmask;     ///< 0x128: the signal mask rt_sigreturn restores
};
static_assert(sizeof(UContext) == 304);
static_assert(offsetof(UContext, mcontext) == 0x28);
static_assert(offsetof(UContext, sigmask) == 0x128);

/// uc_flags (asm/ucontext.h).
namespace uc {
inline constexpr uint64_t FpXstate = 0x1;        ///< UC_FP_XSTATE: the FPU area is XSAVE's (not here: FXSAVE)
inline constexpr uint64_t SigcontextSs = 0x2;    ///< UC_SIGCONTEXT_SS: sigcontext's ss is meaningful
inline constexpr uint64_t StrictRestoreSs = 0x4; ///< UC_STRICT_RESTORE_SS: rt_sigreturn restores ss as it is
}  // namespace uc

/// The FPU and SSE registers as FXSAVE stores them (struct _fpstate_64):
/// 512 bytes, 16-byte aligned.
struct alignas(16) FxState {
    uint16_t cwd;                 ///< 0x00: x87 control word
    uint16_t swd;                 ///< 0x02: x87 status word
    uint16_t twd;                 ///< 0x04: x87 tag word (abridged)
    uint16_t fop;                 ///< 0x06: x87 last opcode
    uint64_t rip;                 ///< 0x08: x87 last instruction's address
    uint64_t rdp;                 ///< 0x10: x87 last operand's address
    uint32_t mxcsr;               ///< 0x18: SSE control and status
    uint32_t mxcsr_mask;          ///< 0x1c: the MXCSR bits this CPU has
    uint32_t st_space[32];        ///< 0x20: ST0-ST7, 16 bytes each
    uint32_t xmm_space[64];       ///< 0xa0: XMM0-XMM15
    uint32_t reserved[24];        ///< 0x1a0: (the last 12 words are software's: XSAVE's magic)
};
static_assert(sizeof(FxState) == 512);
static_assert(offsetof(FxState, mxcsr) == 0x18);
static_assert(offsetof(FxState, xmm_space) == 0xa0);

/// The frame on the user stack when a handler starts: RSP points at
/// pretcode, so the handler's `ret` goes to the restorer, with RSP at uc.
struct RtSigframe {
    uint64_t pretcode;  ///< 0x00: sa_restorer
    UContext uc;        ///< 0x08: the interrupted context
    SigInfo info;       ///< 0x138: why
};
static_assert(sizeof(RtSigframe) == 440);
static_assert(offsetof(RtSigframe, uc) == 0x08);
static_assert(offsetof(RtSigframe, info) == 0x138);

/// The RFLAGS bits rt_sigreturn takes from the saved context (Linux's
/// FIX_EFLAGS: CF PF AF ZF SF TF DF OF AC RF); the others (IF, IOPL...)
/// stay the kernel's to decide.
inline constexpr uint64_t kSigreturnRflags = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x40000 | 0x10000;

}  // namespace abi
