#!/usr/bin/python3
"""Watch the GS base change hands in the Bochs debugger, and check that it does.

    trace.py run CHAPTER [--quiet] [--result F]  trace one chapter (this is `make trace CH=NN`)
    trace.py check TRANSCRIPT [--console F]      judge a transcript already on disk
    trace.py table                               the null-syscall cost of every traced chapter

`run` works in four steps.

1. Find where to stop, by symbol name, in `objdump -d` of the kernel: the
   `swapgs` in syscall_entry and the instruction after it, the instruction
   after the one that loads the kernel RSP, the `swapgs` and `sysretq` at
   the end of syscall_exit, trap_common and the first `call` after its
   `swapgs`. No offset and no chapter number is written here: a
   syscall_entry without a swapgs (chapter 04) is traced as the "flat"
   entry, one with a swapgs (chapter 05 and later) as the "per-cpu" one.

2. Boot build/CHAPTER/trace.iso in Bochs: the chapter's kernel with its
   TRACE_PROGRAMS (chapter.mk), first user/programs/null-syscall.cpp
   (getpid in a loop; its `syscall` has the global label
   null_syscall_insn), and an empty command line, so
   that validate=1 is off. This script drives the debugger with pexpect (on
   a pseudo-terminal, as you would), one command at a time: the very
   commands you would type. They are saved
   in build/CHAPTER/trace/replay.rc; Bochs is deterministic, so
   `bochs -q -f bochsrc -rc replay.rc` (with the same environment variables)
   repeats the session stop for stop. At each stop the script reads the
   instruction counter ("Next at t=N"), CS:RIP, and both GS bases in full:
   show "cpu0.GS.base" and show "cpu0.MSR.kernelgsbase" (`sreg` would hide
   their upper 32 bits). The stops, in the order they happen:
     - per-cpu only: the first timer interrupt, which arrives in ring 0 while
       the kernel waits at boot (sti; hlt): at trap_common, and after the
       swap decision;
     - getpid number 2, stop by stop through the entry and the exit;
     - getpids 3 to 10, at the `syscall`, at syscall_dispatch, at
       syscall_exit and at the next user instruction: differences of t are
       the instructions each part took;
     - per-cpu only: a timer interrupt that arrives in ring 3, while the
       program spins after its loop.
   With threads (a kernel with arch_switch_threads: chapter 07 on), the
   trace ISO also boots user/programs/thread-switch.cpp after null-syscall:
   two threads of one program that take turns (getpid at the label
   switch_syscall_insn, then sched_yield). From its first getpid on, for
   each of SWITCHES switches between them, the trace stops
     - at arch_switch_threads: prev and next (rdi, rsi), and the per-CPU
       block's current_task, kernel_stack_top and tss_rsp0 (offsets from
       arch/percpu.h), still the leaving thread's;
     - at context_switch, called once the block and the TSS are updated:
       the same fields, TSS.rsp0 (read in the TSS, g_tss), and the saved
       RSP of the thread it switches to (rsi) with the address it will
       resume at (uthread_start the first time a thread runs);
     - at the next syscall_entry, after its stack load: RSP.
   On a machine with several CPUs (chapter 10: CPUS in chapter.mk, Bochs'
   cpu: count), the switches are not followed - two threads no longer take
   turns on one CPU, they run on two - and instead the trace follows one
   getpid of thread-switch's on CPU 1, stop by stop as getpid 2 above, with
   CPU 1's bases: show "cpu1.GS.base", show "cpu1.MSR.kernelgsbase". A stop
   on the other CPU at the same breakpoint is passed over (`c` again): the
   "(N) Breakpoint" line of each stop says which CPU it is.
   With SQPOLL (a trace ISO that boots user/programs/sqpoll-burst.cpp:
   chapter 08 on), tools/trace_sqpoll.py then follows bursts of NOPs
   submitted by storing the SQ tail, and a wake-up after an idle period,
   stopping at every syscall, swapgs, thread switch and submission inside
   them.
   Then it deletes the breakpoints and lets the kernel run to power-off.

3. Write build/CHAPTER/gs-trace.txt (each stop as a "[name] where" line with
   key=value lines under it) and build/CHAPTER/syscall-cost.txt (the counts
   as key=value lines, for the docs build).

4. Check the transcript. The checker reads the text back, so what it judges
   is exactly what a student reads. It prints every assertion as "ok - ..."
   or "FAIL - ..." and appends them to gs-trace.txt. tools/test_trace.py
   proves it can fail: it hands `check` real transcripts doctored in one
   place (a swap that did not trade, a ring-0 interrupt that swapped...).
"""
import argparse
import bisect
import collections
import glob
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import boot  # noqa: E402  (chapter_cpus: the processors the chapter boots with)
import debian_python  # noqa: E402
debian_python.require("pexpect")
import pexpect  # noqa: E402  (Debian's python3-pexpect)
import trace_sqpoll  # noqa: E402  (chapter 08's SQPOLL windows)

PROGRAM = "null-syscall"           # the first program of the trace kernel
USER_INSN = "null_syscall_insn"    # its `syscall` instruction (2 bytes: 0f 05)
USER_FUNCTION = "null_getpid"      # the function around it (several CPUs: the breakpoint is here)
THREADS_PROGRAM = "thread-switch"  # with threads: the second, two threads taking turns
THREADS_INSN = "switch_syscall_insn"  # the `syscall` of their getpid
THREADS_FUNCTION = "switch_getpid"    # the function around it
SWITCHES = 4                       # switches between its two threads, followed stop by stop
TRACED = 2                         # the getpid followed stop by stop
MEASURED = range(3, 11)            # the getpids counted
TIMER_VECTORS = range(32, 256)     # interrupts (the PIC's, the local APIC's); below 32 are exceptions
OTHER_CPU = 1                      # with several CPUs: the one whose getpid is followed too

# One stop of the debugger: its name ("entry.swapgs"), where it is
# ("syscall_entry+0x0: swapgs"), a section title or "", and the values read.
Stop = collections.namedtuple("Stop", "name where title values")


class TraceError(Exception):
    """The trace could not be taken (as opposed to: taken, and wrong)."""


# ------------------------------------------------- 1. where to stop, by symbol

def disassemble(elf):
    """{symbol: [(address, "mnemonic operands # comment"), ...]} from objdump -d."""
    text = subprocess.run(["objdump", "-d", "-w", "--no-show-raw-insn", elf],
                          capture_output=True, text=True, check=True).stdout
    code, current = {}, None
    for line in text.splitlines():
        label = re.match(r"^([0-9a-f]+) <(.+)>:$", line)
        insn = re.match(r"^\s*([0-9a-f]+):\t(.*)$", line)
        if label:
            current = code.setdefault(label.group(2), [])
        elif insn and current is not None:
            current.append((int(insn.group(1), 16), " ".join(insn.group(2).split())))
    return code


def find(instructions, mnemonic, start=0):
    """Index of the first instruction from START with this mnemonic, or None."""
    return next((i for i in range(start, len(instructions))
                 if instructions[i][1].split(" ")[0] == mnemonic), None)


def nm(elf, demangle=False):
    """{name: address} of the text symbols of an ELF file (C++ names readable if DEMANGLE)."""
    out = subprocess.run(["nm"] + (["-C"] if demangle else []) + [elf],
                         capture_output=True, text=True, check=True).stdout
    return {f[2]: int(f[0], 16) for f in (l.split(None, 2) for l in out.splitlines())
            if len(f) == 3 and f[1] in "tT"}


class Plan:
    """The addresses to stop at in one chapter's trace kernel, and what is there."""

    def __init__(self, chapter):
        self.chapter = chapter
        self.build = os.path.join(ROOT, "build", chapter)
        # The files inside the ISO, not build/CHAPTER/kernel.elf: that one may
        # have been rebuilt since, and its addresses would be wrong.
        self.elf = os.path.join(self.build, "trace.dir", "boot", "kernel.elf")
        self.user_elf = os.path.join(self.build, "trace.dir", "boot", PROGRAM)
        code = disassemble(self.elf)
        if "syscall_entry" not in code or "syscall_exit" not in code:
            raise TraceError("%s has no syscall_entry and syscall_exit: nothing to trace" % chapter)
        entry, leave, trap = code["syscall_entry"], code["syscall_exit"], code.get("trap_common", [])
        self.text = {a: t for insns in code.values() for a, t in insns}   # address -> instruction
        self.entry, self.syscall_exit = entry[0][0], leave[0][0]

        # The entry. A swapgs in syscall_entry makes it "per-cpu".
        i = find(entry, "swapgs")
        self.mode = "flat" if i is None else "per-cpu"
        self.entry_swapgs = None if i is None else entry[i][0]
        self.after_entry_swapgs = None if i is None else entry[i + 1][0]

        # The kernel stack: the first `mov MEMORY,%rsp`, from a global
        # (mov CURRENT_KERNEL_STACK(%rip),%rsp) or from GS (mov %gs:0x8,%rsp).
        # We stop after it, and compare RSP with what is stored there.
        self.stack_global = self.stack_gs_offset = None
        for n, (address, insn) in enumerate(entry):
            load = re.match(r"mov (\S+),%rsp(?: # ([0-9a-f]+) <(\S+)>)?$", insn)
            if load and load.group(1).startswith("%gs:"):
                self.stack_gs_offset = int(load.group(1)[4:], 16)
                self.stack_source = load.group(1)
            elif load and load.group(2):
                self.stack_global = int(load.group(2), 16)
                self.stack_source = load.group(3)
            else:
                continue
            self.stack_loaded = entry[n + 1][0]
            break
        else:
            raise TraceError("no `mov MEMORY,%rsp` in syscall_entry: where is the kernel stack loaded?")

        # The exit: the first sysretq in syscall_exit, and the swapgs before it.
        j = find(leave, "sysretq")
        if j is None:
            raise TraceError("no sysretq in syscall_exit")
        self.sysretq = leave[j][0]
        swaps = [a for a, t in leave[:j] if t == "swapgs"]
        self.exit_swapgs = swaps[-1] if swaps else None
        if (self.exit_swapgs is None) != (self.mode == "flat"):
            raise TraceError("syscall_entry and syscall_exit disagree: only one of them has a swapgs")

        # Interrupts, if trap_common swaps GS: stop at its first instruction
        # and at the first call after its swapgs (to trap_dispatch), where the
        # two paths - swapped or not - have joined again.
        k = find(trap, "swapgs")
        call = None if k is None else find(trap, "call", k)
        self.trap_common = trap[0][0] if trap else None
        self.trap_after = None if call is None else trap[call][0]

        kernel_symbols = nm(self.elf)
        self.dispatch = kernel_symbols.get("syscall_dispatch")
        self.count_offset = None
        if self.mode == "per-cpu":
            self.count_offset = percpu_define(self.build, "PERCPU_SYSCALL_COUNT")

        # The program is a static ELF: its addresses are its link addresses.
        self.user_symbols = nm(self.user_elf)
        if USER_INSN not in self.user_symbols:
            raise TraceError("%s has no symbol %s" % (self.user_elf, USER_INSN))
        self.user_insn = self.user_symbols[USER_INSN]
        self.user_function = self.user_symbols.get(USER_FUNCTION)
        self.user_next = self.user_insn + 2
        for insns in disassemble(self.user_elf).values():
            self.text.update(insns)

        # Threads: where the kernel switches them, and what the block and the TSS hold.
        demangled = nm(self.elf, demangle=True)
        self.switch = next((a for n, a in demangled.items() if n.startswith("arch_switch_threads(")), None)
        if self.switch is not None:
            self.context_switch = kernel_symbols["context_switch"]
            self.process_run = next(a for n, a in demangled.items() if n.startswith("process_run("))
            self.tss_rsp0_at = data_symbol(self.elf, "g_tss") + 4     # struct Tss: u32 reserved, then rsp[0]
            self.offsets = {key: percpu_define(self.build, name) for key, name in (
                ("kernel_stack_top", "PERCPU_KERNEL_STACK_TOP"), ("current_task", "PERCPU_CURRENT_TASK"),
                ("tss_rsp0", "PERCPU_TSS_RSP0"))}
            self.stack_bytes = 4096 * source_number(self.build, "sched/scheduler.cpp", r"kStackPages = (\d+)")
            threads_elf = os.path.join(self.build, "trace.dir", "boot", THREADS_PROGRAM)
            if not os.path.exists(threads_elf):
                raise TraceError("%s is not in the trace ISO: TRACE_PROGRAMS in chapter.mk" % THREADS_PROGRAM)
            threads_symbols = nm(threads_elf)
            self.threads_insn = threads_symbols.get(THREADS_INSN)
            self.threads_function = threads_symbols.get(THREADS_FUNCTION)
            # Its addresses are null-syscall's too (both at 0x400000): its own names and text.
            self.threads_names = sorted((a, n) for n, a in threads_symbols.items())
            self.threads_text = {a: t for insns in disassemble(threads_elf).values() for a, t in insns}
            if self.threads_insn is None:
                raise TraceError("%s has no symbol %s" % (threads_elf, THREADS_INSN))

        # SQPOLL: where its bursts are watched, if the ISO boots sqpoll-burst.
        self.sqpoll = None
        sqpoll_elf = os.path.join(self.build, "trace.dir", "boot", trace_sqpoll.PROGRAM)
        if self.switch is not None and os.path.exists(sqpoll_elf):
            try:
                self.sqpoll = trace_sqpoll.Plan(code, kernel_symbols, demangled, nm(sqpoll_elf))
            except (KeyError, StopIteration) as e:
                raise TraceError("%s or the kernel lacks a symbol the SQPOLL trace needs: %s" % (sqpoll_elf, e))

        # "name+0xoff" for any address: every symbol, sorted by address.
        self.kernel_symbols = kernel_symbols
        self.names = sorted((a, n) for n, a in list(nm(self.elf, demangle=True).items())
                            + list(self.user_symbols.items()))

    def where(self, address):
        i = bisect.bisect_right(self.names, (address, "\uffff")) - 1
        if i < 0:
            return "%#x" % address
        return "%s+%#x" % (self.names[i][1], address - self.names[i][0])

    def describe(self, address, threads_program=False):
        """"name+0xoff: instruction" for ADDRESS (in thread-switch if THREADS_PROGRAM, for a user address)."""
        if threads_program and address < 0x800000000000:
            i = bisect.bisect_right(self.threads_names, (address, "\uffff")) - 1
            name = "%s+%#x" % (self.threads_names[i][1], address - self.threads_names[i][0]) if i >= 0 else "%#x" % address
            return "%s: %s   (%s)" % (name, self.threads_text.get(address, "?"), THREADS_PROGRAM)
        return "%s: %s" % (self.where(address), self.text.get(address, "?"))


def data_symbol(elf, name):
    """The address of a data symbol (a C++ name may be in a namespace: "(anonymous namespace)::g_tss")."""
    out = subprocess.run(["nm", "-C", elf], capture_output=True, text=True, check=True).stdout
    for f in (l.split(None, 2) for l in out.splitlines()):
        if len(f) == 3 and f[1] in "bBdD" and (f[2] == name or f[2].endswith("::" + name)):
            return int(f[0], 16)
    raise TraceError("%s has no data symbol %s" % (elf, name))


def source_number(build, path, pattern):
    """A number from a file of the chapter's composed source tree."""
    full = os.path.join(build, "src", path)
    try:
        with open(full) as f:
            return int(re.search(pattern, f.read()).group(1), 0)
    except (OSError, AttributeError, ValueError):
        raise TraceError("%s: nothing matches %s" % (os.path.relpath(full, ROOT), pattern))


def percpu_define(build, name):
    """A #define from the chapter's arch/percpu.h (in its composed source tree)."""
    path = os.path.join(build, "src", "arch", "percpu.h")
    try:
        with open(path) as f:
            return int(re.search(r"^#define\s+%s\s+(\S+)" % name, f.read(), re.M).group(1), 0)
    except (OSError, AttributeError, ValueError):
        raise TraceError("%s: no #define %s" % (os.path.relpath(path, ROOT), name))


# ------------------------------------------------------ 2. driving Bochs

class Bochs:
    """The Bochs debugger under pexpect: send a command, read up to the next prompt."""
    PROMPT = r"<bochs:\d+> "
    # After every stop:  (1) Breakpoint 2, 0xffffffff80105a64 in ?? ()      <- which CPU stopped
    #                    Next at t=440017374                                (the line above may come here)
    #                    (0) [0x000000105a64] 0008:ffffffff80105a64 (syscall_entry+0): swapgs ; 0f01f8
    #                    (1) [...] ...                                      <- one line per CPU
    STOPPED = re.compile(r"^\((\d+)\) Breakpoint", re.M)
    NEXT = re.compile(r"Next at t=(\d+)\s*\n")

    def __init__(self, iso, workdir, cpus=1):
        self.workdir = workdir
        self.serial = os.path.join(workdir, "com1.txt")
        for name in ("com1.txt", "debugger.log", "bochs.log"):
            if os.path.exists(os.path.join(workdir, name)):
                os.remove(os.path.join(workdir, name))
        # The one bochsrc of the course; these variables fill it in. A dumb
        # terminal: no line-editing escapes around the prompt.
        env = dict(os.environ, TERM="dumb", BXSHARE="/usr/share/bochs", BOCHS_ISO=iso, BOCHS_SERIAL=self.serial,
                   BOCHS_LOG=os.path.join(workdir, "bochs.log"),
                   BOCHS_DEBUGLOG=os.path.join(workdir, "debugger.log"))
        self.replay = open(os.path.join(workdir, "replay.rc"), "w")
        # Bochs' own messages go to a file; the terminal is the debugger's.
        # A bochsrc line on the command line comes after the file: the CPUs.
        self.proc = pexpect.spawn("bash", ["-c", 'exec bochs -q -f "$0" "$2" 2>"$1"', os.path.join(ROOT, "bochsrc"),
                                           os.path.join(workdir, "bochs.stderr"), "cpu: count=%d" % cpus],
                                  env=env, cwd=workdir, encoding="utf-8", codec_errors="replace", echo=False,
                                  dimensions=(50, 1000))
        self.proc.delaybeforesend = None   # the prompt already says Bochs is ready
        if self.read(30) is None:   # Bochs stops before the BIOS's first instruction
            raise TraceError("Bochs did not start (see %s/bochs.stderr)" % workdir)

    def read(self, timeout):
        """Bochs' output up to its next prompt; None if it exited."""
        found = self.proc.expect([self.PROMPT, pexpect.EOF, pexpect.TIMEOUT], timeout=timeout)
        if found == 1:
            return None
        if found == 2:
            self.kill()
            raise TraceError("Bochs gave no prompt within %d s" % timeout)
        return self.proc.before.replace("\r", "")

    def command(self, line, timeout=10):
        """Send one command; its output (None if Bochs exited)."""
        self.replay.write(line + "\n")
        self.proc.sendline(line)
        return self.read(timeout)

    def cont(self, cpu=0):
        """`c`, to the next breakpoint that CPU (None: any) stops at: (t, cs, rip)
        there; with `cpu=None`, (t, cs, rip, the CPU that stopped)."""
        for _ in range(400):
            out = self.command("c", timeout=120) or ""   # a boot of several CPUs in Bochs is slow
            nexts = list(self.NEXT.finditer(out))
            if not nexts:
                raise TraceError("Bochs ran to the end instead of stopping at a breakpoint")
            stopped = self.STOPPED.findall(out)  # before "Next at", or (another CPU's stop) after it
            who = int(stopped[-1]) if stopped else 0
            if cpu is not None and who != cpu:
                continue                    # the other CPU, at the same breakpoint: not the one followed
            line = re.search(r"^\(%d\)\S* \[0x[0-9a-f]+\] ([0-9a-f]{4}):([0-9a-f]+) " % who, out[nexts[-1].end():], re.M)
            if not line:
                raise TraceError("no CS:RIP for CPU %d in: %r" % (who, out[-300:]))
            values = int(nexts[-1].group(1)), int(line.group(1), 16), int(line.group(2), 16)
            return values if cpu is not None else values + (who,)
        raise TraceError("CPU %d never stopped at a breakpoint (400 stops of other CPUs)" % cpu)

    def cont_to(self, address, plan, cpu=0):
        """`c`, which must stop CPU at ADDRESS."""
        t, cs, rip = self.cont(cpu)
        if rip != address:
            raise TraceError("expected a stop at %s, stopped at %s" % (plan.where(address), plan.where(rip)))
        return t, cs, rip

    def show(self, param):
        """show "cpu0.GS.base" prints "base = 0x403110": the value."""
        out = self.command('show "%s"' % param)
        m = re.search(r"= (0x[0-9a-f]+|\d+)\s*$", out or "", re.M)
        if not m:
            raise TraceError("cannot read %s from: %r" % (param, out))
        return int(m.group(1), 0)

    def quads(self, address, count):
        """x /Ngx ADDRESS: N 64-bit values (ADDRESS may be an expression such as "rsp")."""
        out = self.command("x /%dgx %s" % (count, address if isinstance(address, str) else "%#x" % address))
        # Lines like "0xffffffff8012a130 <g_percpu+30>:\t0x00000002\t0xffffffff80105c3a".
        values = [int(v, 16) for m in re.finditer(r"^0x[0-9a-f]+(?: <[^>]*>)?:(.*)$", out or "", re.M)
                  for v in m.group(1).split()]
        if len(values) != count:
            raise TraceError("x /%dgx %s: %r" % (count, address, out))
        return values

    def step(self, cpu):
        """One instruction of CPU alone (`s CPU 1`): (t, cs, rip) after it."""
        out = self.command("s %d 1" % cpu) or ""
        line = re.search(r"^\(%d\)\S* \[0x[0-9a-f]+\] ([0-9a-f]{4}):([0-9a-f]+) " % cpu, out, re.M)
        t = self.NEXT.search(out)
        if not line or not t:
            raise TraceError("`s %d 1` said: %r" % (cpu, out[-300:]))
        return int(t.group(1)), int(line.group(1), 16), int(line.group(2), 16)

    def follow(self, cpu, addresses, start, limit=3000):
        """From START (CPU's (t, cs, rip) now), step CPU until it has been at each of
        ADDRESSES in turn; yield (t, cs, rip, instructions executed since START) at
        each. Stepping, not breakpoints: Bochs 2.7 with several CPUs can run
        past a breakpoint (bochs-emu/Bochs pull request 19), a step never."""
        at, steps = start, 0
        for address in addresses:
            while at[2] != address:
                if steps == limit:
                    raise TraceError("CPU %d did not reach %#x in %d instructions" % (cpu, address, limit))
                at = self.step(cpu)
                steps += 1
            yield at + (steps,)

    def break_at(self, *addresses):
        """Make ADDRESSES the only breakpoints (`lb`: linear addresses)."""
        for number in re.findall(r"^\s*(\d+) lbreakpoint", self.command("blist") or "", re.M):
            self.command("d %s" % number)
        for address in addresses:
            self.command("lb %#x" % address)

    def run_to_end(self):
        """No breakpoints, `c`: the kernel powers off and Bochs exits. The COM1 text."""
        self.break_at()
        self.replay.write("c\n")
        self.replay.close()
        self.proc.sendline("c")
        self.proc.sendeof()             # should the debugger stop again, it reads EOF and quits
        if self.proc.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=30) == 1:
            raise TraceError("the kernel did not power off within 30 s")
        self.proc.close()
        with open(self.serial, errors="replace") as f:
            return f.read().replace("\r", "")

    def kill(self):
        self.replay.close()
        if self.proc.isalive():
            self.proc.terminate(force=True)


def trace_cpus(iso):
    """The processors the trace boots: TRACE_CPUS in the chapter's composed
    chapter.mk (a later chapter that changes no entry path traces on one CPU:
    chapter 10's trace is the one that follows a second CPU), else its CPUS."""
    try:
        with open(os.path.join(os.path.dirname(iso), "src", "chapter.mk")) as f:
            found = re.search(r"^TRACE_CPUS\s*:?=\s*(\d+)\s*$", f.read(), re.M)
            if found:
                return int(found.group(1))
    except OSError:
        pass
    return boot.chapter_cpus(iso)


def take_trace(plan, bochs, stops, cpus=1):
    """The whole session; appends the stops to STOPS, in order (so that a trace cut short keeps them)."""

    def stop(name, title, t, cs, rip, note="", cpu=0, threads_program=False, **extra):
        """Record a stop: where it is, CS, RIP, and both GS bases read there (CPU's, on a machine of several)."""
        values = {"t": t, "cs": cs, "rip": rip, "GS.base": bochs.show("cpu%d.GS.base" % cpu),
                  "KERNEL_GS_BASE": bochs.show("cpu%d.MSR.kernelgsbase" % cpu), **extra}
        if cpus > 1:
            values["cpu"] = cpu
        stops.append(Stop(name, plan.describe(rip, threads_program) + note, title, values))
        return values

    def interrupt(ring, name, title):
        """Continue to trap_common until a timer interrupt from RING; stop there and after the swap decision."""
        bochs.break_at(plan.trap_common)
        for _ in range(40):
            t, cs, rip = bochs.cont()
            # The stub pushed an error code and the vector on the CPU's frame (rip, cs, rflags...).
            # (With several CPUs, "rsp" would be the debugger's current CPU's: name CPU 0's.)
            vector, _, saved_rip, saved_cs = bochs.quads("rsp" if cpus == 1 else bochs.show("cpu0.RSP"), 4)
            if vector in TIMER_VECTORS and saved_cs & 3 == ring:
                stop(name + ".stub", title, t, cs, rip, "   (interrupted %s)" % plan.where(saved_rip),
                     vector=vector, saved_cs=saved_cs, saved_rip=saved_rip)
                if cpus > 1:
                    bochs.break_at()
                    t, cs, rip, _ = next(bochs.follow(0, [plan.trap_after], (t, cs, rip)))
                    stop(name + ".after", "", t, cs, rip)
                    return
                bochs.break_at(plan.trap_after)
                stop(name + ".after", "", *bochs.cont_to(plan.trap_after, plan))
                return
        raise TraceError("no timer interrupt from ring %d in 40 tries" % ring)

    def walk(at_syscall):
        """One getpid, stop by stop: the user's syscall, the entry, the exit, back in ring 3."""
        if cpus > 1:
            return walk_on(0, plan.user_next, "user.", at_syscall, "getpid number %d, stop by stop" % TRACED)
        user = stop("user.syscall", "getpid number %d, stop by stop" % TRACED, *at_syscall)
        count_at = None
        if plan.count_offset is not None:
            # In ring 3 the kernel's GS base waits in KERNEL_GS_BASE: it is the block.
            count_at = user["KERNEL_GS_BASE"] + plan.count_offset
            user["syscall_count"] = bochs.quads(count_at, 1)[0]
        path = [(name, address) for name, address in (
            ("entry.start", plan.entry if plan.mode == "flat" else None),
            ("entry.swapgs", plan.entry_swapgs), ("entry.after-swapgs", plan.after_entry_swapgs),
            ("entry.stack-loaded", plan.stack_loaded), ("exit.swapgs", plan.exit_swapgs),
            ("exit.sysretq", plan.sysretq), ("user.next", plan.user_next)) if address is not None]
        bochs.break_at(*(address for _, address in path))
        for name, address in path:
            note = "   (RSP was loaded from %s)" % plan.stack_source if name == "entry.stack-loaded" else ""
            values = stop(name, "", *bochs.cont_to(address, plan), note)
            if name == "entry.stack-loaded":      # RSP, and the value it was loaded from
                values["rsp"] = bochs.show("cpu0.RSP")
                values["stored_at"] = (plan.stack_global if plan.stack_global is not None
                                       else values["GS.base"] + plan.stack_gs_offset)
                values["stored"] = bochs.quads(values["stored_at"], 1)[0]
            if name == "user.next" and count_at is not None:
                values["syscall_count"] = bochs.quads(count_at, 1)[0]

    def walk_on(cpu, back, prefix, at_syscall, title):
        """As walk(), by steps of CPU (several CPUs): from its `syscall` to BACK, the next user instruction.
        Each stop's name starts with PREFIX's first word ("user." or "cpu1.")."""
        first = "user.syscall" if prefix == "user." else prefix + "user.syscall"
        name_of = (lambda n: n) if prefix == "user." else (lambda n: prefix + n)
        threads_program = prefix != "user."
        user = stop(first, title, *at_syscall, cpu=cpu, threads_program=threads_program, step=0)
        count_at = user["KERNEL_GS_BASE"] + plan.count_offset  # in ring 3, the kernel's GS base waits in KERNEL_GS_BASE
        user["syscall_count"] = bochs.quads(count_at, 1)[0]
        path = [("entry.swapgs", plan.entry_swapgs), ("entry.after-swapgs", plan.after_entry_swapgs),
                ("entry.stack-loaded", plan.stack_loaded), ("exit.swapgs", plan.exit_swapgs),
                ("exit.sysretq", plan.sysretq), ("user.next", back)]
        for (name, _), (t, cs, rip, steps) in zip(path, bochs.follow(cpu, [a for _, a in path], at_syscall)):
            note = "   (RSP was loaded from %s)" % plan.stack_source if name == "entry.stack-loaded" else ""
            values = stop(name_of(name), "", t, cs, rip, note, cpu=cpu, threads_program=threads_program, step=steps)
            if name == "entry.stack-loaded":
                values["rsp"] = bochs.show("cpu%d.RSP" % cpu)
                values["stored_at"] = values["GS.base"] + plan.stack_gs_offset
                values["stored"] = bochs.quads(values["stored_at"], 1)[0]
            if name == "user.next":
                values["syscall_count"] = bochs.quads(count_at, 1)[0]

    def measure(at_syscall, iteration):
        """One getpid, counted: t at the syscall, syscall_dispatch, syscall_exit and the next user instruction
        (on several CPUs: the instructions CPU 0 executed, step by step; t moves for all of them at once)."""
        marks = [a for a in (plan.dispatch, plan.syscall_exit, plan.user_next) if a is not None]
        if cpus > 1:
            t = [at_syscall[0]] + [at_syscall[0] + steps for *_, steps in bochs.follow(0, marks, at_syscall)]
        else:
            bochs.break_at(*marks)
            t = [at_syscall[0]] + [bochs.cont_to(a, plan)[0] for a in marks]
        values = {"t": t[0], "total": t[-1] - t[0]}
        if len(t) == 4:
            values.update(entry=t[1] - t[0], dispatch=t[2] - t[1], exit=t[3] - t[2])
        title = ("What a null syscall costs, in instructions: getpids %d to %d" % (min(MEASURED), max(MEASURED))
                 if iteration == min(MEASURED) else "")
        stops.append(Stop("cost.%d" % iteration, "getpid number %d" % iteration, title, values))

    def to_syscall(cpu, function, insn):
        """Continue until CPU reaches the user's `syscall` INSN: (t, cs, rip) there. With several
        CPUs, a breakpoint on FUNCTION's first instruction, which the first CPU to get there
        stops at; then CPU is stepped, alone, to INSN. Bochs 2.7 can let a CPU run past a
        breakpoint (bochs-emu/Bochs pull request 19), so CPU 0's stop is where the stepping
        starts. (CPU 1's getpid is found otherwise: see below.)"""
        if cpus == 1:
            bochs.break_at(insn)            # alone: the program makes other syscalls before its loop
            return bochs.cont_to(insn, plan)
        bochs.break_at(function)
        t, cs, rip, who = bochs.cont(None)
        bochs.break_at()
        if rip != function:
            raise TraceError("expected a stop at %s, stopped at %s" % (plan.where(function), plan.where(rip)))
        at = (t, cs, rip) if who == cpu else bochs.step(cpu)  # the step: where CPU is (it moves one)
        return next(bochs.follow(cpu, [insn], at, limit=20000))[:3]

    # Symbols for Bochs' own listings ("address name" lines, as `ldsym` wants).
    for name, table in (("kernel.sym", plan.kernel_symbols), (PROGRAM + ".sym", plan.user_symbols)):
        path = os.path.join(bochs.workdir, name)
        with open(path, "w") as f:
            f.writelines("%x %s\n" % (a, n) for n, a in sorted(table.items(), key=lambda item: item[1]))
        bochs.command('ldsym global "%s"' % path)

    if plan.trap_after:
        interrupt(0, "irq0", "An interrupt taken in ring 0: at boot the kernel waits for a tick (sti; hlt)")
    for iteration in range(1, max(MEASURED) + 1):
        at_syscall = to_syscall(0, plan.user_function, plan.user_insn)
        if iteration == TRACED:
            walk(at_syscall)
        elif iteration in MEASURED:
            measure(at_syscall, iteration)
    if plan.trap_after:
        interrupt(3, "irq3", "An interrupt taken in ring 3: the program spins after its getpid loop")
    if plan.switch is not None and cpus > 1:
        # thread-switch's threads run on every CPU: one of its getpids on CPU 1.
        # A breakpoint on process_run (where the next program starts) can be
        # run past on CPU 0 too: once chapter 10's io_uring locks had moved
        # the code, every breakpoint in process_run and process_destroy was,
        # while syscall_entry's held. So stop at every syscall_entry until
        # CPU 1 enters from thread-switch's getpid (RCX: the instruction after
        # the `syscall`; null-syscall's own is elsewhere).
        # Once it has, the next stop of CPU 1 at that getpid's `syscall` is
        # the one walked (CPU 1 may run past that breakpoint too: then it is
        # the next getpid's). Stepping CPU 1 alone from its syscall_entry to
        # there, as to_syscall() does, can spin for ever: CPU 0, stopped,
        # may hold the scheduler's lock that CPU 1's sched_yield needs.
        bochs.break_at(plan.entry)
        for _ in range(5000):
            _, _, _, who = bochs.cont(None)
            if who == OTHER_CPU and bochs.show("cpu%d.RCX" % OTHER_CPU) == plan.threads_insn + 2:
                break
        else:
            raise TraceError("CPU %d never made %s's getpid (5000 system calls)" % (OTHER_CPU, THREADS_PROGRAM))
        bochs.break_at(plan.threads_insn)
        for _ in range(100):
            t, cs, rip, who = bochs.cont(None)
            if who == OTHER_CPU and rip == plan.threads_insn:
                break
        else:
            raise TraceError("CPU %d never stopped at %s's getpid (100 stops)" % (OTHER_CPU, THREADS_PROGRAM))
        at = (t, cs, rip)
        walk_on(OTHER_CPU, plan.threads_insn + 2, "cpu%d." % OTHER_CPU, at,
                "A getpid on CPU %d (%s's threads run on every CPU)" % (OTHER_CPU, THREADS_PROGRAM))
    elif plan.switch is not None:
        switches(plan, bochs, stops, stop)
    if plan.sqpoll is not None:
        trace_sqpoll.take(plan, plan.sqpoll, bochs, stops, stop, plan.offsets["current_task"], TraceError)


def switches(plan, bochs, stops, stop):
    """thread-switch's two threads taking turns: SWITCHES switches, each at
    arch_switch_threads, context_switch and the next syscall_entry."""
    def block(values):
        """The per-CPU fields the switch changes, read in the block GS.base names (ring 0)."""
        for key, offset in plan.offsets.items():
            values[key] = bochs.quads(values["GS.base"] + offset, 1)[0]
        return values

    # null-syscall has ended when the kernel starts the next program; then
    # the user breakpoint can only be thread-switch's (both start at 0x400000).
    bochs.break_at(plan.process_run)
    bochs.cont_to(plan.process_run, plan)
    bochs.break_at(plan.threads_insn)
    t, cs, rip = bochs.cont_to(plan.threads_insn, plan)
    first = stop("threads.first-getpid", "%s: two threads of one program take turns on one CPU (sched_yield)"
                 % THREADS_PROGRAM, t, cs, rip)
    stops[-1] = stops[-1]._replace(where="%s+0x0: syscall   (%s, the first getpid of its loop)"
                                   % (THREADS_INSN, THREADS_PROGRAM))
    first["current_task"] = bochs.quads(first["KERNEL_GS_BASE"] + plan.offsets["current_task"], 1)[0]
    for k in range(1, SWITCHES + 1):
        bochs.break_at(plan.switch)
        enter = stop("switch.%d.enter" % k, "Switch %d of %d" % (k, SWITCHES), *bochs.cont_to(plan.switch, plan))
        enter["prev"], enter["next"] = bochs.show("cpu0.RDI"), bochs.show("cpu0.RSI")
        block(enter)
        bochs.break_at(plan.context_switch)
        switched = block(stop("switch.%d.stack" % k, "", *bochs.cont_to(plan.context_switch, plan)))
        switched["TSS.rsp0"] = bochs.quads(plan.tss_rsp0_at, 1)[0]
        switched["saved_rsp"] = bochs.show("cpu0.RSI")  # next's RSP, where context_switch will pop from
        switched["resume"] = bochs.quads(switched["saved_rsp"] + 6 * 8, 1)[0]  # above r15..rbp: the return address
        stops[-1] = stops[-1]._replace(where=stops[-1].where + "   (next resumes at %s)" % plan.where(switched["resume"]))
        bochs.break_at(plan.stack_loaded)
        landed = block(stop("switch.%d.syscall" % k, "", *bochs.cont_to(plan.stack_loaded, plan),
                            "   (the next syscall, after the stack load)"))
        landed["rsp"] = bochs.show("cpu0.RSP")


# ------------------------------------------------------ 3. the transcript

MODES = {"flat": "no swapgs in syscall_entry: the kernel runs on the user's GS base",
         "per-cpu": "syscall_entry swaps GS: the kernel reaches its per-CPU block through GS"}
ADDRESS_KEYS = ("rip", "GS.base", "KERNEL_GS_BASE", "saved_rip", "rsp", "stored", "stored_at", "prev", "next",
                "current_task", "kernel_stack_top", "tss_rsp0", "TSS.rsp0", "saved_rsp", "resume")


def render(chapter, mode, stops, header=()):
    """The transcript. Values print as key=value, which parse() reads back."""
    lines = ["GS-base trace of %s (tools/trace.py; make trace CH=%s)" % (chapter, chapter[:2]), *header,
             "mode: %s (%s)" % (mode, MODES.get(mode, "?")), "",
             "Each stop: [name] where Bochs stopped, and the instruction there (not run yet);",
             "then t (the instruction counter), CS and RIP; both GS bases in full; extras."]
    if any("cpu" in stop.values for stop in stops):
        lines += ["With several CPUs, t is Bochs' clock, which moves for all of them together and not while one",
                  "is stepped: step counts the instructions the stop's CPU executed since the user's syscall,",
                  "and a cost is counted the same way."]
    for name, where, title, values in stops:
        if title:
            lines += ["", "--- %s ---" % title]
        lines.append("[%s] %s" % (name, where))
        text = {k: "%#018x" % v if k in ADDRESS_KEYS else "%#x" % v if k in ("cs", "saved_cs") else str(v)
                for k, v in values.items()}
        groups = [list(values)]           # a cost: one line
        if "GS.base" in values:           # a stop: where; the GS bases; anything else, three a line
            rest = [k for k in values if k not in ("t", "cs", "rip", "GS.base", "KERNEL_GS_BASE")]
            groups = [("t", "cs", "rip"), ("GS.base", "KERNEL_GS_BASE")] + [rest[i:i + 3] for i in range(0, len(rest), 3)]
        for group in groups:
            if group:
                lines.append("    " + " ".join("%s=%s" % (k, text[k]) for k in group))
    return "\n".join(lines) + "\n"


def parse(text):
    """(mode, {stop name: {key: int}}) from a transcript."""
    mode = re.search(r"^mode: (\S+)", text, re.M)
    stops, current = {}, None
    for line in text.splitlines():
        header = re.match(r"^\[(\S+)\] ", line)
        if header:
            current = stops.setdefault(header.group(1), {})
        elif line.startswith("    ") and current is not None:
            current.update((k, int(v, 0)) for k, v in re.findall(r"(\S+)=(\S+)", line))
        else:
            current = None
    return (mode.group(1) if mode else None), stops


# ------------------------------------------------------ 4. the checker

def block_from_console(console, cpu=0):
    """CPU's block, as the boot log printed it ("Per-CPU data at: 0x..." after
    "Initialized for CPU N", or the first one for CPU 0), or None."""
    m = re.search(r"Initialized for CPU %d\s*\n\s*Per-CPU data at: (0x[0-9a-f]+)" % cpu, console)
    if m is None and cpu == 0:
        m = re.search(r"Per-CPU data at: (0x[0-9a-f]+)", console)
    return int(m.group(1), 16) if m else None


def check(text, console):
    """[(passed, message)]: the assertions on a transcript and the COM1 console of its boot."""
    mode, s = parse(text)
    results = []

    def claim(passed, message):
        results.append((bool(passed), message))

    def bases(name):
        return "GS.base=%#x KERNEL_GS_BASE=%#x" % (s[name]["GS.base"], s[name]["KERNEL_GS_BASE"])

    def unchanged(a, b):
        claim(s[a]["GS.base"] == s[b]["GS.base"] and s[a]["KERNEL_GS_BASE"] == s[b]["KERNEL_GS_BASE"],
              "%s -> %s: no change (%s, then %s)" % (a, b, bases(a), bases(b)))

    def traded(a, b):
        claim(s[b]["GS.base"] == s[a]["KERNEL_GS_BASE"] and s[b]["KERNEL_GS_BASE"] == s[a]["GS.base"]
              and s[a]["GS.base"] != s[a]["KERNEL_GS_BASE"],
              "%s -> %s: the two bases trade places (%s, then %s)" % (a, b, bases(a), bases(b)))

    if mode not in MODES:
        return [(False, "the transcript names no mode (flat or per-cpu)")]
    needed = ["user.syscall", "entry.stack-loaded", "exit.sysretq", "user.next"]
    needed += ["entry.start"] if mode == "flat" else [
        "entry.swapgs", "entry.after-swapgs", "exit.swapgs", "irq0.stub", "irq0.after", "irq3.stub", "irq3.after"]
    missing = [n for n in needed if n not in s]
    claim(not missing, "stops missing from the transcript: %s" % " ".join(missing) if missing
          else "all %d stops of a %s trace are in the transcript" % (len(needed), mode))

    def have(*names):           # a stop that is missing was reported just above
        return all(n in s for n in names)

    try:
        if have("user.syscall", "user.next"):
            claim(s["user.syscall"]["cs"] & 3 == 3 and s["user.next"]["cs"] & 3 == 3,
                  "the syscall leaves ring 3 and comes back to it (CS %#x, then %#x)"
                  % (s["user.syscall"]["cs"], s["user.next"]["cs"]))
        if have("entry.stack-loaded"):
            loaded = s["entry.stack-loaded"]
            claim(loaded["rsp"] == loaded["stored"] != 0,
                  "after the stack load, RSP=%#x: the value stored at %#x (%#x)"
                  % (loaded["rsp"], loaded["stored_at"], loaded["stored"]))
        if mode == "flat":
            path = ["user.syscall", "entry.start", "entry.stack-loaded", "exit.sysretq", "user.next"]
            for a, b in zip(path, path[1:]):
                if have(a, b):
                    unchanged(a, b)
        else:
            block = block_from_console(console)
            claim(block is not None, "the boot log says where CPU 0's block is: Per-CPU data at: %s"
                  % ("%#x" % block if block is not None else "(no such line)"))
            for a, b, same in (("user.syscall", "entry.swapgs", True), ("entry.swapgs", "entry.after-swapgs", False),
                               ("entry.after-swapgs", "exit.swapgs", True), ("exit.swapgs", "exit.sysretq", False),
                               ("exit.sysretq", "user.next", True)):
                if have(a, b):
                    (unchanged if same else traded)(a, b)
            walked = [n for n in ("user.syscall", "entry.swapgs", "entry.after-swapgs", "entry.stack-loaded",
                                  "exit.swapgs", "exit.sysretq", "user.next") if n in s]
            if any("cpu" in s[n] for n in walked):  # a machine of several CPUs: this getpid is CPU 0's
                claim(all(s[n].get("cpu") == 0 for n in walked), "every stop of getpid number %d is on CPU 0" % TRACED)
            if have("entry.after-swapgs"):
                kernel_gs = s["entry.after-swapgs"]["GS.base"]
                claim(kernel_gs == block, "in the kernel, GS.base=%#x is CPU 0's block" % kernel_gs)
                if have("entry.stack-loaded"):
                    claim(s["entry.stack-loaded"]["stored_at"] == kernel_gs + 8,
                          "the kernel stack was loaded from the block (GS.base+0x8)")
            if have("user.syscall", "user.next") and "syscall_count" in s["user.syscall"]:
                before, after = s["user.syscall"]["syscall_count"], s["user.next"]["syscall_count"]
                claim(after == before + 1, "the block's syscall_count counts this syscall: %d, then %d"
                      % (before, after))
            for ring, name in ((0, "irq0"), (3, "irq3")):
                if not have(name + ".stub", name + ".after"):
                    continue
                stub, after = s[name + ".stub"], s[name + ".after"]
                claim(stub["saved_cs"] & 3 == ring, "%s: the interrupt (vector %d) came from ring %d (saved CS %#x)"
                      % (name, stub["vector"], ring, stub["saved_cs"]))
                (unchanged if ring == 0 else traded)(name + ".stub", name + ".after")
                claim(after["GS.base"] == block, "%s: after the swap decision, GS.base=%#x is CPU 0's block"
                      % (name, after["GS.base"]))
    except KeyError as e:
        claim(False, "a value is missing from the transcript: %s" % e)
    threads = re.search(r"^threads: \S+, (\d+) switches.* kernel stacks of (\d+) bytes", text, re.M)
    if threads:
        results += check_switches(s, int(threads.group(1)), int(threads.group(2)), console)
    cpus = re.search(r"^cpus: (\d+)", text, re.M)
    if cpus:
        results += check_other_cpu(s, OTHER_CPU, console)
        claim("pinned to CPU 0: yes" in console,
              "%s pinned itself to CPU 0 (sched_setaffinity), where the trace follows its getpids" % PROGRAM)
    if re.search(r"^sqpoll: ", text, re.M):
        results += trace_sqpoll.check(s, trace_sqpoll.wheres(text), console)
    costs = [v.get("total", 0) for n, v in s.items() if n.startswith("cost.")]
    claim(len(costs) == len(MEASURED) and all(c > 0 for c in costs),
          "%d null syscalls counted (%d expected): %s" % (len(costs), len(MEASURED),
                                                           " ".join(map(str, costs)) + " instructions" if costs else "none"))
    claim("[Power] off status=0" in console and PROGRAM + ":" in console and "FAILED" not in console,
          "the boot ran to the end: %s ran, and the kernel powered off with status 0" % PROGRAM)
    return results


def check_switches(s, count, stack_bytes, console):
    """[(passed, message)]: the per-CPU block follows the running thread across COUNT switches."""
    results = []

    def claim(passed, message):
        results.append((bool(passed), message))

    names = ["threads.first-getpid"] + ["switch.%d.%s" % (k, part) for k in range(1, count + 1)
                                        for part in ("enter", "stack", "syscall")]
    missing = [n for n in names if n not in s]
    claim(not missing, "stops missing from the thread switches: %s" % " ".join(missing) if missing
          else "all %d stops of %d thread switches are in the transcript" % (len(names), count))
    if missing:
        return results
    try:
        enter = [s["switch.%d.enter" % k] for k in range(1, count + 1)]
        after = [s["switch.%d.stack" % k] for k in range(1, count + 1)]
        landed = [s["switch.%d.syscall" % k] for k in range(1, count + 1)]
        a, b = enter[0]["prev"], enter[0]["next"]
        chain = [e["prev"] for e in enter] + [enter[-1]["next"]]
        claim(a != b and 0 not in (a, b) and s["threads.first-getpid"]["current_task"] == a
              and all(e["prev"] == (a, b)[k % 2] and e["next"] == (b, a)[k % 2] for k, e in enumerate(enter)),
              "the switches alternate between two threads, starting with the one that made the first getpid: %s"
              % " -> ".join("%#x" % t for t in chain))
        tops = {}
        for k, (e, w, l) in enumerate(zip(enter, after, landed), 1):
            claim(e["current_task"] == e["prev"] and e["tss_rsp0"] == e["kernel_stack_top"],
                  "switch %d, at arch_switch_threads: the block still names the leaving thread %#x, "
                  "kernel_stack_top = tss_rsp0 = %#x" % (k, e["current_task"], e["kernel_stack_top"]))
            claim(w["current_task"] == e["next"] and w["kernel_stack_top"] != e["kernel_stack_top"]
                  and w["tss_rsp0"] == w["kernel_stack_top"] == w["TSS.rsp0"],
                  "switch %d, at context_switch: current_task %#x -> %#x, kernel_stack_top %#x -> %#x, "
                  "and tss_rsp0 and the TSS's rsp0 equal it (%#x, %#x)"
                  % (k, e["current_task"], w["current_task"], e["kernel_stack_top"], w["kernel_stack_top"],
                     w["tss_rsp0"], w["TSS.rsp0"]))
            claim(0 < w["kernel_stack_top"] - w["saved_rsp"] <= stack_bytes,
                  "switch %d: the RSP it switches to (%#x) lies on the %d bytes below that top: the new thread's stack"
                  % (k, w["saved_rsp"], stack_bytes))
            claim(l["rsp"] == w["kernel_stack_top"] and l["current_task"] == e["next"],
                  "switch %d: the next syscall_entry loads RSP=%#x, the new thread's top, and current_task is %#x"
                  % (k, l["rsp"], l["current_task"]))
            tops.setdefault(e["next"], set()).add(w["kernel_stack_top"])
            tops.setdefault(e["prev"], set()).add(e["kernel_stack_top"])
        claim(all(len(t) == 1 for t in tops.values()) and len(set.union(*tops.values())) == len(tops),
              "each thread has one kernel stack of its own: %s"
              % ", ".join("%#x: top %s" % (t, "/".join("%#x" % v for v in sorted(top))) for t, top in tops.items()))
    except KeyError as e:
        claim(False, "a value is missing from the thread switches: %s" % e)
    claim(re.search(r"^%s: 2 threads, .*own ids: yes" % THREADS_PROGRAM, console, re.M),
          "%s ran to its end: its two threads made their calls, each with its own id" % THREADS_PROGRAM)
    return results


def check_other_cpu(s, cpu, console):
    """[(passed, message)]: a getpid on CPU swaps CPU's own bases, and its kernel GS base is CPU's block."""
    results = []

    def claim(passed, message):
        results.append((bool(passed), message))

    prefix = "cpu%d." % cpu
    path = ["user.syscall", "entry.swapgs", "entry.after-swapgs", "entry.stack-loaded", "exit.swapgs",
            "exit.sysretq", "user.next"]
    missing = [prefix + n for n in path if prefix + n not in s]
    claim(not missing, "stops missing from CPU %d's getpid: %s" % (cpu, " ".join(missing)) if missing
          else "all %d stops of a getpid on CPU %d are in the transcript" % (len(path), cpu))
    if missing:
        return results
    own, first = block_from_console(console, cpu), block_from_console(console, 0)
    claim(own is not None and first is not None and own != first,
          "the boot log names CPU %d's block (%s) and CPU 0's (%s): two blocks"
          % (cpu, "%#x" % own if own is not None else "none", "%#x" % first if first is not None else "none"))
    try:
        at = {n: s[prefix + n] for n in path}
        claim(all(v["cpu"] == cpu for v in at.values()), "every stop of this getpid is on CPU %d" % cpu)

        def bases(n):
            return "GS.base=%#x KERNEL_GS_BASE=%#x" % (at[n]["GS.base"], at[n]["KERNEL_GS_BASE"])

        for a, b, same in (("user.syscall", "entry.swapgs", True), ("entry.swapgs", "entry.after-swapgs", False),
                           ("entry.after-swapgs", "exit.swapgs", True), ("exit.swapgs", "exit.sysretq", False),
                           ("exit.sysretq", "user.next", True)):
            if same:
                claim(at[a]["GS.base"] == at[b]["GS.base"] and at[a]["KERNEL_GS_BASE"] == at[b]["KERNEL_GS_BASE"],
                      "CPU %d, %s -> %s: no change (%s, then %s)" % (cpu, a, b, bases(a), bases(b)))
            else:
                claim(at[b]["GS.base"] == at[a]["KERNEL_GS_BASE"] and at[b]["KERNEL_GS_BASE"] == at[a]["GS.base"]
                      and at[a]["GS.base"] != at[a]["KERNEL_GS_BASE"],
                      "CPU %d, %s -> %s: the two bases trade places (%s, then %s)" % (cpu, a, b, bases(a), bases(b)))
        kernel_gs = at["entry.after-swapgs"]["GS.base"]
        claim(kernel_gs == own and kernel_gs != first,
              "on CPU %d, in the kernel, GS.base=%#x is CPU %d's block, not CPU 0's" % (cpu, kernel_gs, cpu))
        loaded = at["entry.stack-loaded"]
        claim(loaded["stored_at"] == kernel_gs + 8 and loaded["rsp"] == loaded["stored"] != 0,
              "on CPU %d the kernel stack was loaded from its own block (GS.base+0x8): RSP=%#x"
              % (cpu, loaded["rsp"]))
        claim(at["user.next"]["syscall_count"] == at["user.syscall"]["syscall_count"] + 1,
              "CPU %d's block counts this syscall: %d, then %d"
              % (cpu, at["user.syscall"]["syscall_count"], at["user.next"]["syscall_count"]))
    except KeyError as e:
        claim(False, "a value is missing from CPU %d's getpid: %s" % (cpu, e))
    return results


def report(results, out=sys.stdout):
    """Print the assertions; True if all passed."""
    for passed, message in results:
        print("%s - %s" % ("ok  " if passed else "FAIL", message), file=out)
    return bool(results) and all(passed for passed, _ in results)


# ------------------------------------------------------ the cost of a null syscall

def write_cost(path, chapter, mode, stops):
    """build/CHAPTER/syscall-cost.txt: the medians (a real sample each) and the spread."""
    costs = [s.values for s in stops if s.name.startswith("cost.")]
    totals = [c["total"] for c in costs]
    lines = ["# tools/trace.py: one getpid, in instructions counted by Bochs from the user's `syscall`",
             "# to the next user instruction; getpids %d-%d of %s; kernel command line empty (validate off)."
             % (min(MEASURED), max(MEASURED), PROGRAM),
             "chapter=%s" % chapter, "entry=%s" % mode, "validate=off",
             "null_syscall_instructions=%d" % statistics.median_low(totals),
             "min=%d" % min(totals), "max=%d" % max(totals), "samples=%d" % len(totals)]
    for part in ("entry", "dispatch", "exit"):
        if part in costs[0]:
            lines.append("%s_instructions=%d" % (part, statistics.median_low(c[part] for c in costs)))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return statistics.median_low(totals)


def table():
    """Every traced chapter's build/*/syscall-cost.txt, side by side."""
    data = []
    for path in sorted(glob.glob(os.path.join(ROOT, "build", "*", "syscall-cost.txt"))):
        with open(path) as f:
            data.append(dict(l.strip().split("=", 1) for l in f if "=" in l and not l.startswith("#")))
    if not data:
        return "No chapter traced yet: make trace CH=04; make trace CH=05\n"
    rows = [("", "chapter"), ("", "entry"),
            ("entry: syscall .. syscall_dispatch", "entry_instructions"),
            ("syscall_dispatch .. syscall_exit", "dispatch_instructions"),
            ("exit: syscall_exit .. back in ring 3", "exit_instructions"),
            ("total (median)", "null_syscall_instructions"), ("min", "min"), ("max", "max")]
    width = max(12, *(len(d.get("chapter", "")) + 3 for d in data))
    out = ["One null syscall (getpid), in instructions counted by Bochs: from the user's `syscall`",
           "to the next user instruction; median of getpids %d-%d; validate=1 off." % (min(MEASURED), max(MEASURED)),
           ""]
    for label, key in rows:
        out.append("%-38s" % label + "".join("%*s" % (width, d.get(key, "-")) for d in data))
    return "\n".join(out) + "\n"


# ------------------------------------------------------ commands

def run(args):
    chapter, start = args.chapter, time.monotonic()
    build = os.path.join(ROOT, "build", chapter)
    iso, workdir = os.path.join(build, "trace.iso"), os.path.join(build, "trace")
    out_path, serial = os.path.join(build, "gs-trace.txt"), os.path.join(workdir, "com1.txt")
    rel = lambda p: os.path.relpath(p, ROOT)
    os.makedirs(workdir, exist_ok=True)
    stops, console, error = [], "", None
    try:
        if not os.path.exists(iso):
            raise TraceError("%s is missing (make trace CH=%s builds it)" % (rel(iso), chapter[:2]))
        plan = Plan(chapter)
        cpus = trace_cpus(iso)
        bochs = Bochs(iso, workdir, cpus)
        try:
            take_trace(plan, bochs, stops, cpus)
            console = bochs.run_to_end()
        finally:
            bochs.kill()
    except (TraceError, subprocess.CalledProcessError, OSError) as e:
        error = str(e)
        if not stops:                       # nothing to write down
            return finish(args, chapter, False, ": " + error, serial)
        with open(serial, errors="replace") as f:
            console = f.read().replace("\r", "")

    block = block_from_console(console)
    programs = "one program, %s," % PROGRAM if plan.switch is None else "two programs, %s and %s," % (
        PROGRAM, THREADS_PROGRAM)
    if plan.sqpoll is not None:
        programs = "three programs, %s, %s and %s," % (PROGRAM, THREADS_PROGRAM, trace_sqpoll.PROGRAM)
    header = ["Kernel %s (the copy in %s), booted in Bochs with %s" % (rel(plan.elf), rel(iso), programs),
              "and an empty kernel command line: validate=1 is off (it would add to the counts).",
              "Debugger commands sent: %s; Bochs' own record of them: %s."
              % (rel(os.path.join(workdir, "replay.rc")), rel(os.path.join(workdir, "debugger.log"))),
              "Boot log (%s): %s" % (rel(serial), "Per-CPU data at: %#x" % block if block is not None
                                     else "no per-CPU block")]
    if plan.switch is not None and cpus > 1:
        other = block_from_console(console, OTHER_CPU)
        header.append("cpus: %d (Bochs' cpu: count); %s's threads run on every CPU, so instead of their switches "
                      "a getpid on CPU %d is followed (CPU %d's block: %s)"
                      % (cpus, THREADS_PROGRAM, OTHER_CPU, OTHER_CPU, "%#x" % other if other is not None else "?"))
    elif plan.switch is not None:
        header.append("threads: %s, %d switches between its two threads; kernel stacks of %d bytes "
                      "(kStackPages in sched/scheduler.cpp)" % (THREADS_PROGRAM, SWITCHES, plan.stack_bytes))
    if plan.sqpoll is not None:
        header.append(trace_sqpoll.header())
    if error:
        header.append("THE TRACE WAS CUT SHORT: %s" % error)
    text = render(chapter, plan.mode, stops, header)
    results = ([(False, "the trace ran to its end (it did not: %s)" % error)] if error else []) + check(text, console)
    passed = all(ok for ok, _ in results)
    with open(out_path, "w") as f:
        f.write(text + "\n--- Checks (tools/trace.py check %s) ---\n" % rel(out_path))
        report(results, f)
    summary = ""
    if not error:
        cost = write_cost(os.path.join(build, "syscall-cost.txt"), chapter, plan.mode, stops)
        summary = " (%s entry; a null syscall: %d instructions; %.1f s) -> %s" % (
            plan.mode, cost, time.monotonic() - start, rel(out_path))
    if not args.quiet:
        sys.stdout.write(text + "\n--- Checks ---\n")
        report(results)
        if not error:
            sys.stdout.write("\n" + table() + "\n")
    elif not passed:
        report(results)
    return finish(args, chapter, passed, summary if not error else ": " + error, serial)


def finish(args, chapter, passed, summary, serial):
    """The closing line (with the console's last lines after a failure), and the result file."""
    print("%s  trace %s%s" % ("PASS" if passed else "FAIL", chapter, summary))
    if not passed and os.path.exists(serial):
        with open(serial, errors="replace") as f:
            print("      the console's last lines (%s):" % os.path.relpath(serial, ROOT))
            for line in f.read().replace("\r", "").splitlines()[-8:]:
                print("      | " + line)
    if args.result:
        with open(args.result, "w") as f:
            f.write("pass\n" if passed else "fail\n")
    return 0 if passed else 1


def check_file(args):
    console_path = args.console or os.path.join(os.path.dirname(args.transcript), "trace", "com1.txt")
    with open(args.transcript) as f, open(console_path, errors="replace") as c:
        return 0 if report(check(f.read(), c.read())) else 1


def main():
    parser = argparse.ArgumentParser(description="GS-base trace in the Bochs debugger")
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="trace build/CHAPTER/trace.iso")
    r.add_argument("chapter", help="e.g. 05-percpu")
    r.add_argument("--result", help="write pass or fail to this file (make test)")
    r.add_argument("--quiet", "-q", action="store_true", help="one line, unless a check fails")
    c = sub.add_parser("check", help="check a transcript on disk")
    c.add_argument("transcript")
    c.add_argument("--console", help="the COM1 transcript of the same boot (default: the trace's)")
    sub.add_parser("table", help="print the null-syscall cost table")
    args = parser.parse_args()
    if args.command == "run":
        return run(args)
    if args.command == "check":
        return check_file(args)
    sys.stdout.write(table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
