#!/usr/bin/env python3
"""Tests of the GS-trace checker (`tools/trace.py check`), a pytest suite.

    /usr/bin/python3 -m pytest tools/test_trace.py     (make test runs it as "trace-checker")

A checker that never fails proves nothing. Each case hands `trace.py check`
a transcript and the console log of its boot, written to a temporary
directory: the real transcripts of chapters 05 and 04 pasted below (they
must pass), or a copy doctored in one place - a swap whose values did not
trade, a ring-0 interrupt that swapped, a wrong kernel RSP, a missing stop
- which must fail, with a FAIL line that names the broken assertion.
Chapter 07's thread switches are doctored the same way: a per-CPU block
or a TSS that did not follow the switch, a syscall on the old stack, a
third thread, a thread that changed stacks. So are chapter 08's SQPOLL
windows: a system call or a syscall-path swapgs inside a burst, unpaired
swapgs, a submission by the wrong thread, a third thread, a poller asleep
before a burst, a missing CQE, more swapgs for the larger burst, a
wake-up without NEED_WAKEUP or without IORING_ENTER_SQ_WAKEUP. And chapter
10's getpid on CPU 1: a kernel GS base that is CPU 0's block, a swap that
did not trade on CPU 1, a stop taken on the wrong CPU, one block for two
CPUs.
"""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRACE = os.path.join(ROOT, "tools", "trace.py")

# `make trace CH=05`, build/05-percpu/gs-trace.txt without its checks.
PER_CPU = """\
GS-base trace of 05-percpu (tools/trace.py; make trace CH=05)
Kernel build/05-percpu/trace.dir/boot/kernel.elf (the copy in build/05-percpu/trace.iso), booted in Bochs with one program, null-syscall,
and an empty kernel command line: validate=1 is off (it would add to the counts).
Debugger commands sent: build/05-percpu/trace/replay.rc; Bochs' own record of them: build/05-percpu/trace/debugger.log.
Boot log (build/05-percpu/trace/com1.txt): Per-CPU data at: 0xffffffff8012a140
mode: per-cpu (syscall_entry swaps GS: the kernel reaches its per-CPU block through GS)

Each stop: [name] where Bochs stopped, and the instruction there (not run yet);
then t (the instruction counter), CS and RIP; both GS bases in full; extras.

--- An interrupt taken in ring 0: at boot the kernel waits for a tick (sti; hlt) ---
[irq0.stub] trap_common+0x0: cld   (interrupted timer_wait_for_kernel_tick()+0x1a)
    t=438544759 cs=0x8 rip=0xffffffff80106706
    GS.base=0xffffffff8012a140 KERNEL_GS_BASE=0x0000000000000000
    vector=32 saved_cs=0x8 saved_rip=0xffffffff8010606a
[irq0.after] trap_common+0x3c: call ffffffff80106080 <trap_dispatch>
    t=438544782 cs=0x8 rip=0xffffffff80106742
    GS.base=0xffffffff8012a140 KERNEL_GS_BASE=0x0000000000000000

--- getpid number 2, stop by stop ---
[user.syscall] null_syscall_insn+0x0: syscall
    t=440128106 cs=0x2b rip=0x0000000000401115
    GS.base=0x0000000000403110 KERNEL_GS_BASE=0xffffffff8012a140
    syscall_count=3
[entry.swapgs] syscall_entry+0x0: swapgs
    t=440128107 cs=0x8 rip=0xffffffff80105e94
    GS.base=0x0000000000403110 KERNEL_GS_BASE=0xffffffff8012a140
[entry.after-swapgs] syscall_entry+0x3: mov %rsp,%gs:0x0
    t=440128108 cs=0x8 rip=0xffffffff80105e97
    GS.base=0xffffffff8012a140 KERNEL_GS_BASE=0x0000000000403110
[entry.stack-loaded] syscall_entry+0x15: push $0x23   (RSP was loaded from %gs:0x8)
    t=440128110 cs=0x8 rip=0xffffffff80105ea9
    GS.base=0xffffffff8012a140 KERNEL_GS_BASE=0x0000000000403110
    rsp=0xffffe0000000a000 stored_at=0xffffffff8012a148 stored=0xffffe0000000a000
[exit.swapgs] syscall_exit+0x2e: swapgs
    t=440128220 cs=0x8 rip=0xffffffff80105f36
    GS.base=0xffffffff8012a140 KERNEL_GS_BASE=0x0000000000403110
[exit.sysretq] syscall_exit+0x36: sysretq
    t=440128222 cs=0x8 rip=0xffffffff80105f3e
    GS.base=0x0000000000403110 KERNEL_GS_BASE=0xffffffff8012a140
[user.next] null_syscall_insn+0x2: ret
    t=440128223 cs=0x2b rip=0x0000000000401117
    GS.base=0x0000000000403110 KERNEL_GS_BASE=0xffffffff8012a140
    syscall_count=4

--- What a null syscall costs, in instructions: getpids 3 to 10 ---
[cost.3] getpid number 3
    t=440128230 total=117 entry=36 dispatch=56 exit=25
[cost.4] getpid number 4
    t=440128354 total=117 entry=36 dispatch=56 exit=25
[cost.5] getpid number 5
    t=440128478 total=117 entry=36 dispatch=56 exit=25
[cost.6] getpid number 6
    t=440128602 total=117 entry=36 dispatch=56 exit=25
[cost.7] getpid number 7
    t=440128726 total=117 entry=36 dispatch=56 exit=25
[cost.8] getpid number 8
    t=440128850 total=117 entry=36 dispatch=56 exit=25
[cost.9] getpid number 9
    t=440128974 total=117 entry=36 dispatch=56 exit=25
[cost.10] getpid number 10
    t=440129098 total=117 entry=36 dispatch=56 exit=25

--- An interrupt taken in ring 3: the program spins after its getpid loop ---
[irq3.stub] trap_common+0x0: cld   (interrupted main+0x84)
    t=440166318 cs=0x8 rip=0xffffffff80106706
    GS.base=0x0000000000403110 KERNEL_GS_BASE=0xffffffff8012a140
    vector=32 saved_cs=0x2b saved_rip=0x0000000000401084
[irq3.after] trap_common+0x3c: call ffffffff80106080 <trap_dispatch>
    t=440166339 cs=0x8 rip=0xffffffff80106742
    GS.base=0xffffffff8012a140 KERNEL_GS_BASE=0x0000000000403110

"""

# `make trace CH=04`, build/04-user/gs-trace.txt without its checks.
FLAT = """\
GS-base trace of 04-user (tools/trace.py; make trace CH=04)
Kernel build/04-user/trace.dir/boot/kernel.elf (the copy in build/04-user/trace.iso), booted in Bochs with one program, null-syscall,
and an empty kernel command line: validate=1 is off (it would add to the counts).
Debugger commands sent: build/04-user/trace/replay.rc; Bochs' own record of them: build/04-user/trace/debugger.log.
Boot log (build/04-user/trace/com1.txt): no per-CPU block
mode: flat (no swapgs in syscall_entry: the kernel runs on the user's GS base)

Each stop: [name] where Bochs stopped, and the instruction there (not run yet);
then t (the instruction counter), CS and RIP; both GS bases in full; extras.

--- getpid number 2, stop by stop ---
[user.syscall] null_syscall_insn+0x0: syscall
    t=436385397 cs=0x2b rip=0x0000000000401115
    GS.base=0x0000000000403110 KERNEL_GS_BASE=0x0000000000000000
[entry.start] syscall_entry+0x0: mov %rsp,0x24816(%rip) # ffffffff8012a0d8 <user_rsp_scratch>
    t=436385398 cs=0x8 rip=0xffffffff801058bb
    GS.base=0x0000000000403110 KERNEL_GS_BASE=0x0000000000000000
[entry.stack-loaded] syscall_entry+0xe: push $0x23   (RSP was loaded from CURRENT_KERNEL_STACK)
    t=436385400 cs=0x8 rip=0xffffffff801058c9
    GS.base=0x0000000000403110 KERNEL_GS_BASE=0x0000000000000000
    rsp=0xffffe00000005000 stored_at=0xffffffff8012a0d0 stored=0xffffe00000005000
[exit.sysretq] syscall_exit+0x23: sysretq
    t=436385500 cs=0x8 rip=0xffffffff8010591f
    GS.base=0x0000000000403110 KERNEL_GS_BASE=0x0000000000000000
[user.next] null_syscall_insn+0x2: ret
    t=436385501 cs=0x2b rip=0x0000000000401117
    GS.base=0x0000000000403110 KERNEL_GS_BASE=0x0000000000000000

--- What a null syscall costs, in instructions: getpids 3 to 10 ---
[cost.3] getpid number 3
    t=436385508 total=104 entry=27 dispatch=56 exit=21
[cost.4] getpid number 4
    t=436385619 total=104 entry=27 dispatch=56 exit=21
[cost.5] getpid number 5
    t=436385730 total=104 entry=27 dispatch=56 exit=21
[cost.6] getpid number 6
    t=436385841 total=104 entry=27 dispatch=56 exit=21
[cost.7] getpid number 7
    t=436385952 total=104 entry=27 dispatch=56 exit=21
[cost.8] getpid number 8
    t=436386063 total=104 entry=27 dispatch=56 exit=21
[cost.9] getpid number 9
    t=436386174 total=104 entry=27 dispatch=56 exit=21
[cost.10] getpid number 10
    t=436386285 total=104 entry=27 dispatch=56 exit=21

"""

# The lines of the boot's console (COM1) that the checker reads.
CONSOLE = """\
  Per-CPU data at: 0xffffffff8012a140
null-syscall: 16 getpid calls, 0 wrong; pinned to CPU 0: yes; GS base 0x403110: ok
[Power] off status=0
"""
BLOCK, USER_GS = "0xffffffff8012a140", "0x0000000000403110"

# `make trace CH=07`: its thread-switch section (build/07-threads/gs-trace.txt),
# and the header line that announces it, after chapter 05's per-cpu part
# (chapter 07's is the same but for its addresses and counts).
THREADS_HEADER = ("threads: thread-switch, 4 switches between its two threads; kernel stacks of 16384 bytes "
                  "(kStackPages in sched/scheduler.cpp)\n")
THREADS_SECTION = """\
--- thread-switch: two threads of one program take turns on one CPU (sched_yield) ---
[threads.first-getpid] switch_syscall_insn+0x0: syscall   (thread-switch, the first getpid of its loop)
    t=453667301 cs=0x2b rip=0x0000000000401135
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012a140
    current_task=0xffffc00000000500

--- Switch 1 of 4 ---
[switch.1.enter] arch_switch_threads(Thread*, Thread*)+0x0: push %rbp
    t=453667581 cs=0x8 rip=0xffffffff801020a0
    GS.base=0xffffffff8012a140 KERNEL_GS_BASE=0x0000000000000000
    prev=0xffffc00000000500 next=0xffffc000000005c0 kernel_stack_top=0xffffe0000000f000
    current_task=0xffffc00000000500 tss_rsp0=0xffffe0000000f000
[switch.1.stack] context_switch+0x0: push %rbp   (next resumes at uthread_start+0x0)
    t=453667630 cs=0x8 rip=0xffffffff8010221b
    GS.base=0xffffffff8012a140 KERNEL_GS_BASE=0x0000000000000000
    kernel_stack_top=0xffffe00000014000 current_task=0xffffc000000005c0 tss_rsp0=0xffffe00000014000
    TSS.rsp0=0xffffe00000014000 saved_rsp=0xffffe00000013f18 resume=0xffffffff80102247
[switch.1.syscall] syscall_entry+0x15: push $0x23   (the next syscall, after the stack load)
    t=453667701 cs=0x8 rip=0xffffffff80102266
    GS.base=0xffffffff8012a140 KERNEL_GS_BASE=0x0000000000000000
    kernel_stack_top=0xffffe00000014000 current_task=0xffffc000000005c0 tss_rsp0=0xffffe00000014000
    rsp=0xffffe00000014000

--- Switch 2 of 4 ---
[switch.2.enter] arch_switch_threads(Thread*, Thread*)+0x0: push %rbp
    t=453668253 cs=0x8 rip=0xffffffff801020a0
    GS.base=0xffffffff8012a140 KERNEL_GS_BASE=0x0000000000000000
    prev=0xffffc000000005c0 next=0xffffc00000000500 kernel_stack_top=0xffffe00000014000
    current_task=0xffffc000000005c0 tss_rsp0=0xffffe00000014000
[switch.2.stack] context_switch+0x0: push %rbp   (next resumes at (anonymous namespace)::schedule(IrqLock&)+0x9b)
    t=453668302 cs=0x8 rip=0xffffffff8010221b
    GS.base=0xffffffff8012a140 KERNEL_GS_BASE=0x0000000000000000
    kernel_stack_top=0xffffe0000000f000 current_task=0xffffc00000000500 tss_rsp0=0xffffe0000000f000
    TSS.rsp0=0xffffe0000000f000 saved_rsp=0xffffe0000000ed98 resume=0xffffffff801098fb
[switch.2.syscall] syscall_entry+0x15: push $0x23   (the next syscall, after the stack load)
    t=453668402 cs=0x8 rip=0xffffffff80102266
    GS.base=0xffffffff8012a140 KERNEL_GS_BASE=0x0000000000000000
    kernel_stack_top=0xffffe0000000f000 current_task=0xffffc00000000500 tss_rsp0=0xffffe0000000f000
    rsp=0xffffe0000000f000

--- Switch 3 of 4 ---
[switch.3.enter] arch_switch_threads(Thread*, Thread*)+0x0: push %rbp
    t=453668678 cs=0x8 rip=0xffffffff801020a0
    GS.base=0xffffffff8012a140 KERNEL_GS_BASE=0x0000000000000000
    prev=0xffffc00000000500 next=0xffffc000000005c0 kernel_stack_top=0xffffe0000000f000
    current_task=0xffffc00000000500 tss_rsp0=0xffffe0000000f000
[switch.3.stack] context_switch+0x0: push %rbp   (next resumes at (anonymous namespace)::schedule(IrqLock&)+0x9b)
    t=453668727 cs=0x8 rip=0xffffffff8010221b
    GS.base=0xffffffff8012a140 KERNEL_GS_BASE=0x0000000000000000
    kernel_stack_top=0xffffe00000014000 current_task=0xffffc000000005c0 tss_rsp0=0xffffe00000014000
    TSS.rsp0=0xffffe00000014000 saved_rsp=0xffffe00000013d98 resume=0xffffffff801098fb
[switch.3.syscall] syscall_entry+0x15: push $0x23   (the next syscall, after the stack load)
    t=453668827 cs=0x8 rip=0xffffffff80102266
    GS.base=0xffffffff8012a140 KERNEL_GS_BASE=0x0000000000000000
    kernel_stack_top=0xffffe00000014000 current_task=0xffffc000000005c0 tss_rsp0=0xffffe00000014000
    rsp=0xffffe00000014000

--- Switch 4 of 4 ---
[switch.4.enter] arch_switch_threads(Thread*, Thread*)+0x0: push %rbp
    t=453669103 cs=0x8 rip=0xffffffff801020a0
    GS.base=0xffffffff8012a140 KERNEL_GS_BASE=0x0000000000000000
    prev=0xffffc000000005c0 next=0xffffc00000000500 kernel_stack_top=0xffffe00000014000
    current_task=0xffffc000000005c0 tss_rsp0=0xffffe00000014000
[switch.4.stack] context_switch+0x0: push %rbp   (next resumes at (anonymous namespace)::schedule(IrqLock&)+0x9b)
    t=453669152 cs=0x8 rip=0xffffffff8010221b
    GS.base=0xffffffff8012a140 KERNEL_GS_BASE=0x0000000000000000
    kernel_stack_top=0xffffe0000000f000 current_task=0xffffc00000000500 tss_rsp0=0xffffe0000000f000
    TSS.rsp0=0xffffe0000000f000 saved_rsp=0xffffe0000000ed98 resume=0xffffffff801098fb
[switch.4.syscall] syscall_entry+0x15: push $0x23   (the next syscall, after the stack load)
    t=453669252 cs=0x8 rip=0xffffffff80102266
    GS.base=0xffffffff8012a140 KERNEL_GS_BASE=0x0000000000000000
    kernel_stack_top=0xffffe0000000f000 current_task=0xffffc00000000500 tss_rsp0=0xffffe0000000f000
    rsp=0xffffe0000000f000

"""
THREADS = PER_CPU.replace("mode: per-cpu", THREADS_HEADER + "mode: per-cpu") + THREADS_SECTION
THREADS_CONSOLE = CONSOLE + ("thread-switch: 2 threads, 8 turns each (getpid, sched_yield); getpid wrong 0 times; "
                             "own ids: yes\n")
THREAD_A, THREAD_B = "0xffffc00000000500", "0xffffc000000005c0"

# `make trace CH=08`: its SQPOLL windows (build/08-sqpoll/gs-trace.txt) and
# the header line that announces them, after chapter 07's parts.
SQPOLL_HEADER = "sqpoll: sqpoll-burst, bursts of 4 and 64 NOPs, then a wake-up after an idle period\n"
SQPOLL_SECTION = """\
--- sqpoll-burst: a burst of 4 NOPs, from the SQ tail store to the last CQE ---
[sqpoll.burst-4.begin] sqpoll_trace_mark+0x0: ret   (sqpoll-burst burst-begin, NEED_WAKEUP clear)
    t=462937714 cs=0x2b rip=0x0000000000401590
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
    what=1 count=4 sq_flags=0
    current_task=0xffffc00000000530
[sqpoll.burst-4.1] trap_common+0x33: swapgs
    t=462991235 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.burst-4.2] trap_return+0xb: swapgs
    t=462991340 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.burst-4.3] trap_common+0x33: swapgs
    t=463091161 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.burst-4.4] trap_return+0xb: swapgs
    t=463091266 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.burst-4.5] trap_common+0x33: swapgs
    t=463191187 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.burst-4.6] trap_return+0xb: swapgs
    t=463191292 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.burst-4.7] trap_common+0x33: swapgs
    t=463291213 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.burst-4.8] trap_return+0xb: swapgs
    t=463291318 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.burst-4.9] trap_common+0x33: swapgs
    t=463391139 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.burst-4.10] trap_return+0xb: swapgs
    t=463391244 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.burst-4.11] trap_common+0x33: swapgs
    t=463491165 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.burst-4.12] trap_return+0xb: swapgs
    t=463491270 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.burst-4.13] trap_common+0x33: swapgs
    t=463591191 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.burst-4.14] trap_return+0xb: swapgs
    t=463591296 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.burst-4.15] trap_common+0x33: swapgs
    t=463691217 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.burst-4.16] trap_return+0xb: swapgs
    t=463691322 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.burst-4.17] trap_common+0x33: swapgs
    t=463791043 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.burst-4.18] trap_return+0xb: swapgs
    t=463791148 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.burst-4.19] trap_common+0x33: swapgs
    t=463891069 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.burst-4.20] arch_switch_threads(Thread*, Thread*)+0x0: push %rbp
    t=463891234 cs=0x8 rip=0xffffffff801020a0
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
    prev=0xffffc00000000530 next=0xffffc00000001980
[sqpoll.burst-4.21] uring::Ring::submit(unsigned int)+0x0: push %rbp
    t=463891345 cs=0x8 rip=0xffffffff8010dd30
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
    current_task=0xffffc00000001980
[sqpoll.burst-4.22] arch_switch_threads(Thread*, Thread*)+0x0: push %rbp
    t=463892244 cs=0x8 rip=0xffffffff801020a0
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
    prev=0xffffc00000001980 next=0xffffc00000000530
[sqpoll.burst-4.23] trap_return+0xb: swapgs
    t=463892339 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.burst-4.end] sqpoll_trace_mark+0x0: ret   (sqpoll-burst burst-end, NEED_WAKEUP clear)
    t=463892390 cs=0x2b rip=0x0000000000401590
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
    what=2 count=4 sq_flags=0
    current_task=0xffffc00000000530

--- sqpoll-burst: a burst of 64 NOPs, from the SQ tail store to the last CQE ---
[sqpoll.burst-64.begin] sqpoll_trace_mark+0x0: ret   (sqpoll-burst burst-begin, NEED_WAKEUP clear)
    t=464560934 cs=0x2b rip=0x0000000000401590
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
    what=1 count=64 sq_flags=0
    current_task=0xffffc00000000530
[sqpoll.burst-64.1] trap_common+0x33: swapgs
    t=464590955 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.burst-64.2] trap_return+0xb: swapgs
    t=464591060 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.burst-64.3] trap_common+0x33: swapgs
    t=464690981 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.burst-64.4] trap_return+0xb: swapgs
    t=464691086 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.burst-64.5] trap_common+0x33: swapgs
    t=464791007 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.burst-64.6] trap_return+0xb: swapgs
    t=464791112 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.burst-64.7] trap_common+0x33: swapgs
    t=464890933 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.burst-64.8] trap_return+0xb: swapgs
    t=464891038 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.burst-64.9] trap_common+0x33: swapgs
    t=464990959 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.burst-64.10] trap_return+0xb: swapgs
    t=464991064 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.burst-64.11] trap_common+0x33: swapgs
    t=465090885 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.burst-64.12] trap_return+0xb: swapgs
    t=465090990 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.burst-64.13] trap_common+0x33: swapgs
    t=465190911 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.burst-64.14] trap_return+0xb: swapgs
    t=465191016 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.burst-64.15] trap_common+0x33: swapgs
    t=465290837 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.burst-64.16] trap_return+0xb: swapgs
    t=465290942 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.burst-64.17] trap_common+0x33: swapgs
    t=465390863 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.burst-64.18] trap_return+0xb: swapgs
    t=465390968 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.burst-64.19] trap_common+0x33: swapgs
    t=465490889 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.burst-64.20] arch_switch_threads(Thread*, Thread*)+0x0: push %rbp
    t=465491054 cs=0x8 rip=0xffffffff801020a0
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
    prev=0xffffc00000000530 next=0xffffc00000001980
[sqpoll.burst-64.21] uring::Ring::submit(unsigned int)+0x0: push %rbp
    t=465491165 cs=0x8 rip=0xffffffff8010dd30
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
    current_task=0xffffc00000001980
[sqpoll.burst-64.22] arch_switch_threads(Thread*, Thread*)+0x0: push %rbp
    t=465502684 cs=0x8 rip=0xffffffff801020a0
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
    prev=0xffffc00000001980 next=0xffffc00000000530
[sqpoll.burst-64.23] trap_return+0xb: swapgs
    t=465502779 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.burst-64.end] sqpoll_trace_mark+0x0: ret   (sqpoll-burst burst-end, NEED_WAKEUP clear)
    t=465502828 cs=0x2b rip=0x0000000000401590
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
    what=2 count=64 sq_flags=0
    current_task=0xffffc00000000530

--- sqpoll-burst: the wake-up after an idle period ---
[sqpoll.wake.begin] sqpoll_trace_mark+0x0: ret   (sqpoll-burst wake-begin, NEED_WAKEUP set)
    t=475489860 cs=0x2b rip=0x0000000000401590
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
    what=3 count=1 sq_flags=1
    current_task=0xffffc00000000530
[sqpoll.wake.1] syscall_entry+0x0: swapgs
    t=475489920 cs=0x8 rip=0xffffffff801022d1
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
    rax=426 r10=2
[sqpoll.wake.2] syscall_exit+0x3c: swapgs
    t=475490214 cs=0x8 rip=0xffffffff8010236f
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.wake.3] trap_common+0x33: swapgs
    t=475589335 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.wake.4] trap_return+0xb: swapgs
    t=475589440 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.wake.5] trap_common+0x33: swapgs
    t=475689261 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.wake.6] trap_return+0xb: swapgs
    t=475689366 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.wake.7] trap_common+0x33: swapgs
    t=475789287 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.wake.8] trap_return+0xb: swapgs
    t=475789392 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.wake.9] trap_common+0x33: swapgs
    t=475889313 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.wake.10] trap_return+0xb: swapgs
    t=475889418 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.wake.11] trap_common+0x33: swapgs
    t=475989239 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.wake.12] trap_return+0xb: swapgs
    t=475989344 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.wake.13] trap_common+0x33: swapgs
    t=476089265 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.wake.14] trap_return+0xb: swapgs
    t=476089370 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.wake.15] trap_common+0x33: swapgs
    t=476189291 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.wake.16] trap_return+0xb: swapgs
    t=476189396 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.wake.17] trap_common+0x33: swapgs
    t=476289217 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.wake.18] trap_return+0xb: swapgs
    t=476289322 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.wake.19] trap_common+0x33: swapgs
    t=476389143 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.wake.20] trap_return+0xb: swapgs
    t=476389248 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.wake.21] trap_common+0x33: swapgs
    t=476489169 cs=0x8 rip=0xffffffff801030a4
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
[sqpoll.wake.22] arch_switch_threads(Thread*, Thread*)+0x0: push %rbp
    t=476489334 cs=0x8 rip=0xffffffff801020a0
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
    prev=0xffffc00000000530 next=0xffffc00000001980
[sqpoll.wake.23] uring::Ring::submit(unsigned int)+0x0: push %rbp
    t=476489510 cs=0x8 rip=0xffffffff8010dd30
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
    current_task=0xffffc00000001980
[sqpoll.wake.24] arch_switch_threads(Thread*, Thread*)+0x0: push %rbp
    t=476489878 cs=0x8 rip=0xffffffff801020a0
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
    prev=0xffffc00000001980 next=0xffffc00000000530
[sqpoll.wake.25] trap_return+0xb: swapgs
    t=476489973 cs=0x8 rip=0xffffffff801030bd
    GS.base=0xffffffff8012b140 KERNEL_GS_BASE=0x0000000000000000
[sqpoll.wake.end] sqpoll_trace_mark+0x0: ret   (sqpoll-burst wake-end, NEED_WAKEUP clear)
    t=476490022 cs=0x2b rip=0x0000000000401590
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff8012b140
    what=4 count=1 sq_flags=0
    current_task=0xffffc00000000530

"""
SQPOLL = THREADS.replace("mode: per-cpu", SQPOLL_HEADER + "mode: per-cpu") + SQPOLL_SECTION
SQPOLL_CONSOLE = THREADS_CONSOLE + ("sqpoll-burst: idle, the poller set NEED_WAKEUP: yes; "
                                    "io_uring_enter(1, SQ_WAKEUP) = 1, 1 CQE\n")
PROGRAM_THREAD, POLLER = "0xffffc00000000530", "0xffffc00000001980"

TOP_A, TOP_B = "0xffffe0000000f000", "0xffffe00000014000"


# `make trace CH=10`, build/10-smp/gs-trace.txt without its checks: two CPUs.
SMP = """\
GS-base trace of 10-smp (tools/trace.py; make trace CH=10)
Kernel build/10-smp/trace.dir/boot/kernel.elf (the copy in build/10-smp/trace.iso), booted in Bochs with two programs, null-syscall and thread-switch,
and an empty kernel command line: validate=1 is off (it would add to the counts).
Debugger commands sent: build/10-smp/trace/replay.rc; Bochs' own record of them: build/10-smp/trace/debugger.log.
Boot log (build/10-smp/trace/com1.txt): Per-CPU data at: 0xffffffff80187640
cpus: 2 (Bochs' cpu: count); thread-switch's threads run on every CPU, so instead of their switches a getpid on CPU 1 is followed (CPU 1's block: 0xffffffff801876c0)
mode: per-cpu (syscall_entry swaps GS: the kernel reaches its per-CPU block through GS)

Each stop: [name] where Bochs stopped, and the instruction there (not run yet);
then t (the instruction counter), CS and RIP; both GS bases in full; extras.
With several CPUs, t is Bochs' clock, which moves for all of them together and not while one
is stepped: step counts the instructions the stop's CPU executed since the user's syscall,
and a cost is counted the same way.

--- An interrupt taken in ring 0: at boot the kernel waits for a tick (sti; hlt) ---
[irq0.stub] trap_common+0x0: cld   (interrupted timer_wait_for_kernel_tick()+0x12)
    t=451923572 cs=0x8 rip=0xffffffff80105021
    GS.base=0xffffffff80187640 KERNEL_GS_BASE=0x0000000000000000
    vector=48 saved_cs=0x8 saved_rip=0xffffffff801042e2
    cpu=0
[irq0.after] trap_common+0x3c: call ffffffff801046b0 <trap_dispatch>
    t=451923572 cs=0x8 rip=0xffffffff8010505d
    GS.base=0xffffffff80187640 KERNEL_GS_BASE=0x0000000000000000
    cpu=0

--- getpid number 2, stop by stop ---
[user.syscall] null_syscall_insn+0x0: syscall
    t=457847928 cs=0x2b rip=0x0000000000401115
    GS.base=0x0000000000403110 KERNEL_GS_BASE=0xffffffff80187640
    step=0 cpu=0 syscall_count=3
[entry.swapgs] syscall_entry+0x0: swapgs
    t=457847928 cs=0x8 rip=0xffffffff80104144
    GS.base=0x0000000000403110 KERNEL_GS_BASE=0xffffffff80187640
    step=1 cpu=0
[entry.after-swapgs] syscall_entry+0x3: mov %rsp,%gs:0x0
    t=457847928 cs=0x8 rip=0xffffffff80104147
    GS.base=0xffffffff80187640 KERNEL_GS_BASE=0x0000000000403110
    step=2 cpu=0
[entry.stack-loaded] syscall_entry+0x15: push $0x23   (RSP was loaded from %gs:0x8)
    t=457847928 cs=0x8 rip=0xffffffff80104159
    GS.base=0xffffffff80187640 KERNEL_GS_BASE=0x0000000000403110
    step=4 cpu=0 rsp=0xffffe0000000f000
    stored_at=0xffffffff80187648 stored=0xffffe0000000f000
[exit.swapgs] syscall_exit+0x3c: swapgs
    t=457847928 cs=0x8 rip=0xffffffff801041e2
    GS.base=0xffffffff80187640 KERNEL_GS_BASE=0x0000000000403110
    step=134 cpu=0
[exit.sysretq] syscall_exit+0x44: sysretq
    t=457847928 cs=0x8 rip=0xffffffff801041ea
    GS.base=0x0000000000403110 KERNEL_GS_BASE=0xffffffff80187640
    step=136 cpu=0
[user.next] null_syscall_insn+0x2: ret
    t=457847928 cs=0x2b rip=0x0000000000401117
    GS.base=0x0000000000403110 KERNEL_GS_BASE=0xffffffff80187640
    step=137 cpu=0 syscall_count=4

--- What a null syscall costs, in instructions: getpids 3 to 10 ---
[cost.3] getpid number 3
    t=457847934 total=137 entry=32 dispatch=78 exit=27
[cost.4] getpid number 4
    t=457847940 total=137 entry=32 dispatch=78 exit=27
[cost.5] getpid number 5
    t=457847946 total=137 entry=32 dispatch=78 exit=27
[cost.6] getpid number 6
    t=457847952 total=137 entry=32 dispatch=78 exit=27
[cost.7] getpid number 7
    t=457847958 total=137 entry=32 dispatch=78 exit=27
[cost.8] getpid number 8
    t=457847964 total=137 entry=32 dispatch=78 exit=27
[cost.9] getpid number 9
    t=457847970 total=137 entry=32 dispatch=78 exit=27
[cost.10] getpid number 10
    t=457847976 total=137 entry=32 dispatch=78 exit=27

--- An interrupt taken in ring 3: the program spins after its getpid loop ---
[irq3.stub] trap_common+0x0: cld   (interrupted main+0x84)
    t=457898429 cs=0x8 rip=0xffffffff80105021
    GS.base=0x0000000000403110 KERNEL_GS_BASE=0xffffffff80187640
    vector=48 saved_cs=0x2b saved_rip=0x0000000000401084
    cpu=0
[irq3.after] trap_common+0x3c: call ffffffff801046b0 <trap_dispatch>
    t=457898429 cs=0x8 rip=0xffffffff8010505d
    GS.base=0xffffffff80187640 KERNEL_GS_BASE=0x0000000000403110
    cpu=0

--- A getpid on CPU 1 (thread-switch's threads run on every CPU) ---
[cpu1.user.syscall] switch_syscall_insn+0x0: syscall   (thread-switch)
    t=461465881 cs=0x2b rip=0x0000000000401135
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff801876c0
    step=0 cpu=1 syscall_count=4
[cpu1.entry.swapgs] syscall_entry+0x0: swapgs
    t=461465881 cs=0x8 rip=0xffffffff80104144
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff801876c0
    step=1 cpu=1
[cpu1.entry.after-swapgs] syscall_entry+0x3: mov %rsp,%gs:0x0
    t=461465881 cs=0x8 rip=0xffffffff80104147
    GS.base=0xffffffff801876c0 KERNEL_GS_BASE=0x0000000000000000
    step=2 cpu=1
[cpu1.entry.stack-loaded] syscall_entry+0x15: push $0x23   (RSP was loaded from %gs:0x8)
    t=461465881 cs=0x8 rip=0xffffffff80104159
    GS.base=0xffffffff801876c0 KERNEL_GS_BASE=0x0000000000000000
    step=4 cpu=1 rsp=0xffffe00000014000
    stored_at=0xffffffff801876c8 stored=0xffffe00000014000
[cpu1.exit.swapgs] syscall_exit+0x3c: swapgs
    t=461465881 cs=0x8 rip=0xffffffff801041e2
    GS.base=0xffffffff801876c0 KERNEL_GS_BASE=0x0000000000000000
    step=134 cpu=1
[cpu1.exit.sysretq] syscall_exit+0x44: sysretq
    t=461465881 cs=0x8 rip=0xffffffff801041ea
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff801876c0
    step=136 cpu=1
[cpu1.user.next] switch_syscall_insn+0x2: ret   (thread-switch)
    t=461465881 cs=0x2b rip=0x0000000000401137
    GS.base=0x0000000000000000 KERNEL_GS_BASE=0xffffffff801876c0
    step=137 cpu=1 syscall_count=5

"""
SMP_CONSOLE = """\
[Per-CPU] Initialized for CPU 0
  Per-CPU data at: 0xffffffff80187640
[Per-CPU] Initialized for CPU 1
  Per-CPU data at: 0xffffffff801876c0
null-syscall: 16 getpid calls, 0 wrong; pinned to CPU 0: yes; GS base 0x403110: ok
thread-switch: 2 threads, 8 turns each (getpid, sched_yield); getpid wrong 0 times; own ids: yes
[Power] off status=0
"""
BLOCK0, BLOCK1 = "0xffffffff80187640", "0xffffffff801876c0"


def edit(text, stop, **values):
    """TEXT with some key=value pairs of stop [STOP] changed (GS_base stands for GS.base)."""
    lines, inside = text.split("\n"), False
    for i, line in enumerate(lines):
        if line.startswith("["):
            inside = line.startswith("[%s]" % stop)
        elif inside:
            for key, value in values.items():
                key = key.replace("GS_base", "GS.base")
                lines[i] = re.sub(r"\b%s=\S+" % re.escape(key), "%s=%s" % (key, value), lines[i])
    return "\n".join(lines)


def moved(text, stop, where):
    """TEXT with stop [STOP] placed elsewhere: its "function+offset: instruction" replaced by WHERE."""
    return re.sub(r"^\[%s\] .*$" % re.escape(stop), "[%s] %s" % (stop, where), text, flags=re.M)


def appended(text, after, stops):
    """TEXT with STOPS ([(name, where)]: swapgs stops with the values of [AFTER]) inserted after stop [AFTER]."""
    block = re.search(r"^\[%s\] .*\n((?:    .*\n)*)" % re.escape(after), text, re.M)
    extra = "".join("[%s] %s\n%s" % (name, where, block.group(1)) for name, where in stops)
    return text[:block.end()] + extra + text[block.end():]


def without(text, stop=None, key=None):
    """TEXT without stop [STOP] (its header and value lines), or without KEY=... everywhere."""
    if key:
        return re.sub(r" ?\b%s=\S+" % re.escape(key), "", text)
    return re.sub(r"^\[%s\] .*\n(    .*\n)*" % re.escape(stop), "", text, flags=re.M)


CASES = [  # (name, transcript, console, None for a pass or a text the FAIL line must contain)
    ("the real chapter 05 transcript passes", PER_CPU, CONSOLE, None),
    ("the real chapter 04 transcript passes", FLAT, CONSOLE, None),
    ("an entry swapgs that did not trade fails",
     edit(PER_CPU, "entry.after-swapgs", GS_base=USER_GS, KERNEL_GS_BASE=BLOCK), CONSOLE,
     "entry.swapgs -> entry.after-swapgs: the two bases trade"),
    ("an exit swapgs that did not trade fails",
     edit(PER_CPU, "exit.sysretq", GS_base=BLOCK, KERNEL_GS_BASE=USER_GS), CONSOLE,
     "exit.swapgs -> exit.sysretq: the two bases trade"),
    ("a 'trade' of two equal values fails",
     edit(edit(PER_CPU, "entry.swapgs", GS_base=BLOCK), "entry.after-swapgs", KERNEL_GS_BASE=BLOCK), CONSOLE,
     "entry.swapgs -> entry.after-swapgs: the two bases trade"),
    ("a ring-0 interrupt that swapped fails",
     edit(PER_CPU, "irq0.after", GS_base="0x0", KERNEL_GS_BASE=BLOCK), CONSOLE, "irq0.stub -> irq0.after: no change"),
    ("a ring-3 interrupt that did not swap fails",
     edit(PER_CPU, "irq3.after", GS_base=USER_GS, KERNEL_GS_BASE=BLOCK), CONSOLE,
     "irq3.stub -> irq3.after: the two bases trade"),
    ("an interrupt 'from ring 3' whose saved CS is ring 0 fails",
     edit(PER_CPU, "irq3.stub", saved_cs="0x8"), CONSOLE, "irq3: the interrupt (vector 32) came from ring 3"),
    ("a kernel GS base that is not the boot log's block fails",
     PER_CPU, CONSOLE.replace("8012a140", "8012a1c0"), "in the kernel, GS.base=0xffffffff8012a140 is CPU 0's block"),
    ("a syscall_count that did not move fails",
     edit(PER_CPU, "user.next", syscall_count="3"), CONSOLE, "syscall_count counts this syscall"),
    ("a kernel RSP that is not the stored value fails",
     edit(FLAT, "entry.stack-loaded", rsp="0x1000"), CONSOLE, "after the stack load"),
    ("a flat entry whose GS base changed fails",
     edit(FLAT, "exit.sysretq", GS_base="0x0"), CONSOLE, "entry.stack-loaded -> exit.sysretq: no change"),
    ("a missing stop fails", without(PER_CPU, "exit.swapgs"), CONSOLE, "stops missing from the transcript: exit.swapgs"),
    ("a missing value fails", without(PER_CPU, key="rsp"), CONSOLE, "a value is missing"),
    ("too few syscalls counted fails", without(PER_CPU, "cost.7"), CONSOLE, "7 null syscalls counted"),
    ("a boot that did not power off fails",
     PER_CPU, CONSOLE.replace("[Power] off status=0", ""), "the boot ran to the end"),
    ("a transcript that names no mode fails", PER_CPU.replace("mode: per-cpu", "mode: sideways"), CONSOLE,
     "names no mode"),
    # Threads (chapter 07): the per-CPU block follows the running thread.
    ("the real chapter 07 thread switches pass", THREADS, THREADS_CONSOLE, None),
    ("a current_task that did not follow the switch fails",
     edit(THREADS, "switch.2.stack", current_task=THREAD_B), THREADS_CONSOLE,
     "switch 2, at context_switch: current_task"),
    ("a kernel_stack_top left at the old thread's fails",
     edit(THREADS, "switch.3.stack", kernel_stack_top=TOP_A), THREADS_CONSOLE, "switch 3, at context_switch"),
    ("a tss_rsp0 left at the old thread's stack fails",
     edit(THREADS, "switch.1.stack", tss_rsp0=TOP_A), THREADS_CONSOLE, "switch 1, at context_switch"),
    ("a TSS whose rsp0 was not updated fails",
     edit(THREADS, "switch.4.stack", **{"TSS.rsp0": TOP_B}), THREADS_CONSOLE, "switch 4, at context_switch"),
    ("a next syscall on the old thread's stack fails",
     edit(THREADS, "switch.2.syscall", rsp=TOP_B), THREADS_CONSOLE, "switch 2: the next syscall_entry loads RSP"),
    ("a block that named the wrong thread before the switch fails",
     edit(THREADS, "switch.3.enter", current_task=THREAD_B), THREADS_CONSOLE,
     "switch 3, at arch_switch_threads: the block still names the leaving thread"),
    ("a third thread in the switches fails",
     edit(edit(THREADS, "switch.3.enter", next="0xffffc00000000680"), "switch.4.enter", prev="0xffffc00000000680"),
     THREADS_CONSOLE, "the switches alternate between two threads"),
    ("a switch onto an RSP off the new thread's stack fails",
     edit(THREADS, "switch.1.stack", saved_rsp="0xffffe0000000ef18"), THREADS_CONSOLE,
     "switch 1: the RSP it switches to"),
    ("a thread that changed stacks between its turns fails",
     edit(edit(edit(THREADS, "switch.4.stack", kernel_stack_top="0xffffe00000019000", tss_rsp0="0xffffe00000019000",
                    **{"TSS.rsp0": "0xffffe00000019000"}), "switch.4.syscall", rsp="0xffffe00000019000"),
          "switch.4.stack", saved_rsp="0xffffe00000018d98"), THREADS_CONSOLE,
     "each thread has one kernel stack of its own"),
    ("a missing switch stop fails", without(THREADS, "switch.3.syscall"), THREADS_CONSOLE,
     "stops missing from the thread switches: switch.3.syscall"),
    ("a thread-switch that did not finish fails", THREADS, CONSOLE, "thread-switch ran to its end"),
    # Two CPUs (chapter 10): a getpid on CPU 1 swaps CPU 1's own bases, with CPU 1's block.
    ("the real chapter 10 trace passes", SMP, SMP_CONSOLE, None),
    ("CPU 1 in the kernel on CPU 0's block fails",
     edit(edit(SMP, "cpu1.entry.after-swapgs", GS_base=BLOCK0), "cpu1.entry.swapgs", KERNEL_GS_BASE=BLOCK0),
     SMP_CONSOLE, "on CPU 1, in the kernel, GS.base=0xffffffff80187640 is CPU 1's block"),
    ("an entry swapgs on CPU 1 that did not trade fails",
     edit(SMP, "cpu1.entry.after-swapgs", GS_base="0x0", KERNEL_GS_BASE=BLOCK1), SMP_CONSOLE,
     "CPU 1, entry.swapgs -> entry.after-swapgs: the two bases trade"),
    ("an exit swapgs on CPU 1 that did not trade fails",
     edit(SMP, "cpu1.exit.sysretq", GS_base=BLOCK1, KERNEL_GS_BASE="0x0"), SMP_CONSOLE,
     "CPU 1, exit.swapgs -> exit.sysretq: the two bases trade"),
    ("a stop of CPU 1's getpid taken on CPU 0 fails",
     edit(SMP, "cpu1.exit.swapgs", cpu="0"), SMP_CONSOLE, "every stop of this getpid is on CPU 1"),
    ("a stop of CPU 0's getpid taken on CPU 1 fails",
     edit(SMP, "entry.stack-loaded", cpu="1"), SMP_CONSOLE, "every stop of getpid number 2 is on CPU 0"),
    ("CPU 1's stack loaded from CPU 0's block fails",
     edit(SMP, "cpu1.entry.stack-loaded", stored_at="0xffffffff80187648"), SMP_CONSOLE,
     "on CPU 1 the kernel stack was loaded from its own block"),
    ("a syscall CPU 1's block did not count fails",
     edit(SMP, "cpu1.user.next", syscall_count="4"), SMP_CONSOLE, "CPU 1's block counts this syscall"),
    ("one block for both CPUs fails", SMP, SMP_CONSOLE.replace("801876c0", "80187640"),
     "the boot log names CPU 1's block"),
    ("a missing stop on CPU 1 fails", without(SMP, "cpu1.exit.swapgs"), SMP_CONSOLE,
     "stops missing from CPU 1's getpid: cpu1.exit.swapgs"),
    # SQPOLL (chapter 08): bursts with no system call, swapgs only where the timer let the poller run.
    ("the real chapter 08 SQPOLL windows pass", SQPOLL, SQPOLL_CONSOLE, None),
    ("a system call inside a burst fails",
     moved(moved(SQPOLL, "sqpoll.burst-4.1", "syscall_entry+0x0: swapgs"), "sqpoll.burst-4.2",
           "syscall_exit+0x3c: swapgs"), SQPOLL_CONSOLE, "burst-4: no system call"),
    ("a burst's swapgs on the syscall path fails",
     moved(SQPOLL, "sqpoll.burst-64.2", "syscall_exit+0x3c: swapgs"), SQPOLL_CONSOLE,
     "burst-64: 20 swapgs, all on the interrupt path"),
    ("an unpaired swapgs fails", moved(SQPOLL, "sqpoll.burst-64.2", "trap_common+0x33: swapgs"), SQPOLL_CONSOLE,
     "burst-64: 20 swapgs, all on the interrupt path, in pairs"),
    ("a submission by the program's own thread fails",
     edit(SQPOLL, "sqpoll.burst-4.21", current_task=PROGRAM_THREAD), SQPOLL_CONSOLE,
     "burst-4: that thread, the poller, submits"),
    ("a switch back from a third thread fails",
     edit(SQPOLL, "sqpoll.burst-64.22", prev="0xffffc00000002000"), SQPOLL_CONSOLE,
     "burst-64: one switch from the program"),
    ("a burst that needed the poller woken fails", edit(SQPOLL, "sqpoll.burst-4.begin", sq_flags="1"),
     SQPOLL_CONSOLE, "burst-4: the poller was awake"),
    ("a burst with a CQE missing fails", edit(SQPOLL, "sqpoll.burst-64.end", count="63"), SQPOLL_CONSOLE,
     "burst-64: the poller was awake"),
    ("a poller that ran outside the burst's last interrupt fails", without(SQPOLL, "sqpoll.burst-4.23"),
     SQPOLL_CONSOLE, "burst-4: the last of those interrupts let the poller run"),
    ("more swapgs for the larger burst fails",
     appended(SQPOLL, "sqpoll.burst-64.23", [("sqpoll.burst-64.%d" % k, w) for k, w in (
         (24, "trap_common+0x33: swapgs"), (25, "trap_return+0xb: swapgs"),
         (26, "trap_common+0x33: swapgs"), (27, "trap_return+0xb: swapgs"))]), SQPOLL_CONSOLE,
     "a burst of 64 NOPs costs the same switches"),
    ("a wake-up with NEED_WAKEUP clear fails", edit(SQPOLL, "sqpoll.wake.begin", sq_flags="0"), SQPOLL_CONSOLE,
     "wake: the program saw NEED_WAKEUP set"),
    ("a wake-up without IORING_ENTER_SQ_WAKEUP fails", edit(SQPOLL, "sqpoll.wake.1", r10="0"), SQPOLL_CONSOLE,
     "wake: one system call, io_uring_enter"),
    ("a wake-up through another system call fails", edit(SQPOLL, "sqpoll.wake.1", rax="39"), SQPOLL_CONSOLE,
     "wake: one system call, io_uring_enter"),
    ("NEED_WAKEUP still set after the wake-up fails", edit(SQPOLL, "sqpoll.wake.end", sq_flags="1"), SQPOLL_CONSOLE,
     "wake: NEED_WAKEUP clear again"),
    ("a wake-up that ran another thread fails",
     edit(edit(edit(SQPOLL, "sqpoll.wake.22", next="0xffffc00000002000"), "sqpoll.wake.23",
               current_task="0xffffc00000002000"), "sqpoll.wake.24", prev="0xffffc00000002000"), SQPOLL_CONSOLE,
     "the thread woken is the poller of the bursts"),
    ("a window without its end mark fails", without(SQPOLL, "sqpoll.wake.end"), SQPOLL_CONSOLE,
     "wake: the window's two marks"),
    ("an sqpoll-burst that did not finish fails", SQPOLL, THREADS_CONSOLE, "sqpoll-burst ran to its end"),
]


@pytest.mark.parametrize("transcript, console, expected",
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_checker(tmp_path, transcript, console, expected):
    paths = [tmp_path / "trace.txt", tmp_path / "com1.txt"]
    for path, text in zip(paths, (transcript, console)):
        path.write_text(text)
    p = subprocess.run([sys.executable, TRACE, "check", str(paths[0]), "--console", str(paths[1])],
                       capture_output=True, text=True, timeout=20)
    failures = [l for l in p.stdout.splitlines() if l.startswith("FAIL")]
    if expected is None:
        assert p.returncode == 0 and not failures, \
            "expected a pass; status %d, %s" % (p.returncode, failures or p.stderr.strip())
    else:
        assert p.returncode != 0 and any(expected in l for l in failures), \
            "expected a FAIL line with %r; status %d, %s" % (expected, p.returncode, failures or p.stderr.strip())
