/**
 * @file user/programs/null-syscall.cpp
 * @brief The cheapest system call, in a loop, for the debugger to time.
 *
 * tools/trace.py (`make trace`) boots a kernel whose only program is this
 * one, puts Bochs breakpoints on the global label `null_syscall_insn` (the
 * `syscall` instruction) and on the instruction after it, and reads the
 * instruction counter at each stop: the difference is what one getpid costs,
 * entry and exit included. Find the label with
 *
 *     nm build/user/null-syscall.elf | grep null_syscall_insn
 *
 * The program also gives itself a GS base of its own (arch_prctl), so that
 * in the trace the user's GS base is a value you can recognise, not 0; it
 * asks to run on CPU 0 only (sched_setaffinity: from chapter 10 on, the
 * trace follows its getpids on CPU 0 and another program's on CPU 1; before
 * chapter 07 the call is ENOSYS, and there is only CPU 0 anyway); and after
 * the calls it spins for a few million instructions, long enough for timer
 * interrupts (chapter 05 on) to arrive while it runs in ring 3.
 */
#include "runtime/print.h"

// getpid as a function of its own, written in assembly: the label must name
// exactly one instruction, and a label inside inline asm in a loop could be
// duplicated by the compiler (unrolling, inlining) and fail to assemble.
// The kernel keeps every register but rax (the result), rcx and r11 (which
// `syscall` itself overwrites): all three are free to clobber in a call.
static_assert(static_cast<long>(abi::Sys::Getpid) == 39, "the number in null_getpid below");
asm(R"(
        .text
        .global null_getpid, null_syscall_insn
        .type null_getpid, @function
null_getpid:
        mov $39, %eax           /* getpid */
null_syscall_insn:
        syscall                 /* 2 bytes: the next instruction is at +2 */
        ret
        .size null_getpid, . - null_getpid
)");
/// getpid(2) through the `syscall` at null_syscall_insn (defined in the asm block above).
extern "C" long null_getpid();

namespace {
constexpr int kCalls = 16;                 // tools/trace.py times the 3rd to the 10th
constexpr long kSpin = 1000000;            // about 3M instructions: a few timer ticks in Bochs
uint64_t g_gs_block[2] = {0x6e756c6c2d67, 0};  // "g-llun": this program's GS base
}  // namespace

int main(int, char**, char**) {
    const auto gs_base = reinterpret_cast<uint64_t>(&g_gs_block);
    if (sys::arch_prctl(abi::ArchPrctl::SetGs, gs_base) != 0) {
        print("null-syscall: arch_prctl(ARCH_SET_GS) failed\n");
        return 1;
    }
    const long pinned = sys::sched_setaffinity(0, 1);  // CPU 0 (ENOSYS before chapter 07: one CPU anyway)
    const long pid = sys::getpid();
    int wrong = 0;
    for (int i = 0; i < kCalls; ++i)
        if (null_getpid() != pid) ++wrong;
    for (long spin = 0; spin < kSpin; ++spin) asm volatile("" ::: "memory");
    // The trace of several CPUs relies on the pin (tools/trace.py checks this line).
    print("null-syscall: {} getpid calls, {} wrong; pinned to CPU 0: {}; GS base {:#x}: {}\n", kCalls, wrong,
          pinned == 0 ? "yes" : "no", gs_base, wrong == 0 ? "ok" : "FAILED");
    return wrong == 0 ? 0 : 1;
}
