/**
 * @file user/programs/thread-switch.cpp
 * @brief Two threads of one program take turns on the CPU, for the
 * debugger to watch the switches (chapter 07 on).
 *
 * The main thread starts a second one with a raw clone (no libc: the few
 * instructions are below), then both run the same loop: a getpid through
 * the `syscall` at the global label `switch_syscall_insn`, then
 * sched_yield, which hands the CPU to the other thread. So on one CPU
 * the two alternate, one switch per sched_yield.
 *
 * tools/trace.py (`make trace CH=07`) stops at each switch
 * (arch_switch_threads, context_switch) and at the next syscall_entry,
 * and checks that the per-CPU block follows the running thread: its
 * current_task, kernel_stack_top and tss_rsp0 change at each switch, and
 * the next syscall lands on the new thread's kernel stack.
 *
 * It runs on Linux too (build/user/thread-switch.elf), where the threads
 * may also run at once on two CPUs: what it prints does not depend on it.
 */
#include "runtime/print.h"

// getpid through one labelled `syscall`, as in null-syscall.cpp; and
// spawn_thread, clone for a thread that runs fn() on its own stack and then
// ends with exit (60: this thread only). After `syscall` both threads carry
// on with the same registers but rax (0 in the new one), rcx and r11, so fn
// travels in r9.
static_assert(static_cast<long>(abi::Sys::Getpid) == 39, "the number in switch_getpid below");
static_assert(static_cast<long>(abi::Sys::Clone) == 56, "the number in spawn_thread below");
static_assert(static_cast<long>(abi::Sys::Exit) == 60, "the number in spawn_thread below");
asm(R"(
        .text
        .global switch_getpid, switch_syscall_insn
        .type switch_getpid, @function
switch_getpid:
        mov $39, %eax           /* getpid */
switch_syscall_insn:
        syscall
        ret
        .size switch_getpid, . - switch_getpid

        .global spawn_thread
        .type spawn_thread, @function
spawn_thread:                   /* rdi = clone flags, rsi = the new stack's top, rdx = fn */
        mov %rdx, %r9
        xor %edx, %edx          /* parent_tid, child_tid, tls: not used */
        xor %r10d, %r10d
        xor %r8d, %r8d
        mov $56, %eax           /* clone */
        syscall
        test %rax, %rax
        jnz 1f                  /* the caller: the new thread's id, or -errno */
        xor %ebp, %ebp          /* the new thread, on its own stack */
        call *%r9
        mov $60, %eax           /* exit: this thread only */
        xor %edi, %edi
        syscall
        ud2
1:      ret
        .size spawn_thread, . - spawn_thread
)");
/// getpid(2) through the `syscall` at switch_syscall_insn.
extern "C" long switch_getpid();
/// clone(@p flags, @p stack_top): a thread that runs @p fn, then exits. Returns its id or -errno.
extern "C" long spawn_thread(uint64_t flags, void* stack_top, void (*fn)());

namespace {

constexpr int kTurns = 8;  // getpid + sched_yield, in each thread
alignas(16) uint8_t g_stack[16384];
volatile int g_second_done = 0;
volatile long g_tids[2] = {0, 0};
volatile int g_wrong = 0;

// One thread's loop: getpid, then let the other thread run.
void take_turns(int which) {
    g_tids[which] = raw_syscall(abi::Sys::Gettid);
    const long pid = sys::getpid();
    for (int i = 0; i < kTurns; ++i) {
        if (switch_getpid() != pid) g_wrong = g_wrong + 1;
        raw_syscall(abi::Sys::SchedYield);
    }
}

void second_thread() {
    take_turns(1);
    g_second_done = 1;
}

}  // namespace

int main(int, char**, char**) {
    using namespace abi::clone_flag;
    const long tid = spawn_thread(Vm | Fs | Files | SigHand | Thread | SysVSem, g_stack + sizeof g_stack,
                                  second_thread);
    if (tid < 0) {
        print("thread-switch: clone failed: {}\n", tid);
        return 1;
    }
    take_turns(0);
    while (!g_second_done) raw_syscall(abi::Sys::SchedYield);
    const bool distinct = g_tids[0] != g_tids[1] && g_tids[1] == tid;
    print("thread-switch: 2 threads, {} turns each (getpid, sched_yield); getpid wrong {} times; own ids: {}\n",
          kTurns, g_wrong, distinct ? "yes" : "no");
    return g_wrong == 0 && distinct ? 0 : 1;
}
