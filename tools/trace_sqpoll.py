"""The SQPOLL part of `make trace` (chapter 08 on): tools/trace.py calls it.

When the trace ISO boots user/programs/sqpoll-burst.cpp (TRACE_PROGRAMS in
chapter.mk), the debugger follows three windows of that program, each
between two calls of its marker function sqpoll_trace_mark:

  - a burst of 4 NOPs and a burst of 64, from the SQ tail store that
    submits them to the moment the program has seen every CQE;
  - a wake-up after an idle period: one NOP queued while the poller sleeps
    (NEED_WAKEUP), io_uring_enter(IORING_ENTER_SQ_WAKEUP), its CQE.

Inside a window it stops at every `syscall` entry (syscall_entry), every
`swapgs` in the kernel, every thread switch (arch_switch_threads: prev and
next) and every uring::Ring::submit (which thread submits), so the
transcript lists each of them with the instruction counter t.

check() then asserts, for each burst: the poller was awake and every CQE
came; no system call; every swapgs on the interrupt path (trap_common,
trap_return), in pairs, one pair per timer interrupt from ring 3; the last
of those interrupts switches to another thread, the poller, which submits
the whole burst once, and back; and the burst of 64 costs the same
switches and submissions as the burst of 4, and as many swapgs give or
take one interrupt's pair - they follow the time slice, not the burst. For
the wake-up: NEED_WAKEUP set when the program looked, one system call,
io_uring_enter with IORING_ENTER_SQ_WAKEUP, the same poller switched to
and submitting, the flag clear again at the end. tools/test_trace.py
hands it the real windows and doctored copies that must fail.
"""
import re

PROGRAM = "sqpoll-burst"
MARK = "sqpoll_trace_mark"
BURSTS = (4, 64)                        # the program's kBursts
MARKS = {1: "burst-begin", 2: "burst-end", 3: "wake-begin", 4: "wake-end"}  # its kBurstBegin...
IO_URING_ENTER = 426                    # the system call's number (asm/unistd_64.h)
ENTER_SQ_WAKEUP = 1 << 1                # IORING_ENTER_SQ_WAKEUP
SQ_NEED_WAKEUP = 1 << 0                 # IORING_SQ_NEED_WAKEUP
SYSCALL_PATH = ("syscall_entry", "syscall_exit", "syscall_exit_iret")
INTERRUPT_PATH = ("trap_common", "trap_return")
MAX_EVENTS = 400                        # a window with more has gone wrong
# How a window ends: the timer interrupts the spinning program, the
# scheduler switches to the poller, which submits, and back.
LAST_INTERRUPT = ["trap_common", "arch_switch_threads", "uring::Ring::submit", "arch_switch_threads", "trap_return"]


class Plan:
    """Where to stop for the SQPOLL windows, found by symbol like the rest of
    the trace: CODE is the kernel's disassembly ({symbol: [(address, text)]}),
    the symbol tables map names to addresses (DEMANGLED with C++ names)."""

    def __init__(self, code, kernel_symbols, demangled, program_symbols):
        self.mark = program_symbols[MARK]
        # Every swapgs of the kernel but the one that gives it its GS at boot.
        self.swapgs = {a: name for name, insns in code.items() if name in SYSCALL_PATH + INTERRUPT_PATH
                       for a, text in insns if text == "swapgs"}
        self.submit = next(a for n, a in demangled.items() if n.startswith("uring::Ring::submit("))
        self.entry = kernel_symbols["syscall_entry"]


def header():
    return "sqpoll: %s, bursts of %s NOPs, then a wake-up after an idle period" % (
        PROGRAM, " and ".join(map(str, BURSTS)))


def take(plan, sq, bochs, stops, stop, current_task_offset, error):
    """The three windows; appends their stops to STOPS. Runs after thread-switch;
    raises ERROR (trace.py's TraceError) if a window does not end."""
    def mark(name, title, t, cs, rip):
        values = stop(name, title, t, cs, rip)
        values["what"], values["count"] = bochs.show("cpu0.RDI"), bochs.show("cpu0.RSI")
        flags_at = bochs.show("cpu0.RDX")
        word = bochs.quads(flags_at & ~7, 1)[0]
        values["sq_flags"] = (word >> (8 * (flags_at & 7))) & 0xffffffff
        # In ring 3 the kernel's GS base waits in KERNEL_GS_BASE: the block names the running thread.
        values["current_task"] = bochs.quads(values["KERNEL_GS_BASE"] + current_task_offset, 1)[0]
        stops[-1] = stops[-1]._replace(where="%s+0x0: ret   (%s %s, %s)" % (
            MARK, PROGRAM, MARKS.get(values["what"], "?"), "NEED_WAKEUP set" if values["sq_flags"] & SQ_NEED_WAKEUP
            else "NEED_WAKEUP clear"))
        return values

    bochs.break_at(plan.process_run)      # thread-switch is done when the kernel starts the next program
    bochs.cont_to(plan.process_run, plan)
    windows = ["burst-%d" % n for n in BURSTS] + ["wake"]
    for label in windows:
        bochs.break_at(sq.mark)
        title = ("%s: a burst of %s NOPs, from the SQ tail store to the last CQE" % (PROGRAM, label[6:])
                 if label != "wake" else "%s: the wake-up after an idle period" % PROGRAM)
        mark("sqpoll.%s.begin" % label, title, *bochs.cont_to(sq.mark, plan))
        bochs.break_at(sq.mark, *sorted(set(sq.swapgs) | {sq.entry, plan.switch, sq.submit}))
        for k in range(1, MAX_EVENTS + 1):
            t, cs, rip = bochs.cont()
            if rip == sq.mark:
                mark("sqpoll.%s.end" % label, "", t, cs, rip)
                break
            values = stop("sqpoll.%s.%d" % (label, k), "", t, cs, rip)
            if rip == sq.entry:           # a system call (its first instruction is also a swapgs)
                values["rax"], values["r10"] = bochs.show("cpu0.RAX"), bochs.show("cpu0.R10")
            elif rip == plan.switch:
                values["prev"], values["next"] = bochs.show("cpu0.RDI"), bochs.show("cpu0.RSI")
            elif rip == sq.submit:        # ring 0: the block is behind GS.base
                values["current_task"] = bochs.quads(values["GS.base"] + current_task_offset, 1)[0]
        else:
            raise error("the %s window of %s did not end within %d stops" % (label, PROGRAM, MAX_EVENTS))


# ------------------------------------------------------------------ the checks

def wheres(text):
    """{stop name: the function it stopped in, without its parameters} from a transcript."""
    return {m.group(1): m.group(2).split("(")[0]
            for m in re.finditer(r"^\[(\S+)\] (.+?)\+0x[0-9a-f]+: ", text, re.M)}


def check(s, where, console):
    """[(passed, message)] for the SQPOLL windows; S: {stop: values}, WHERE: {stop: function}."""
    results = []

    def claim(passed, message):
        results.append((bool(passed), message))

    def events(label):
        out, k = [], 1
        while "sqpoll.%s.%d" % (label, k) in s:
            name = "sqpoll.%s.%d" % (label, k)
            out.append((name, where.get(name, "?"), s[name]))
            k += 1
        return out

    summary = {}
    try:
        for label in ["burst-%d" % n for n in BURSTS] + ["wake"]:
            begin, end = s.get("sqpoll.%s.begin" % label), s.get("sqpoll.%s.end" % label)
            claim(begin is not None and end is not None, "%s: the window's two marks are in the transcript" % label)
            if begin is None or end is None:
                continue
            seen = events(label)
            program = begin["current_task"]
            syscalls = [v for _, w, v in seen if w == "syscall_entry"]
            swaps = [w for _, w, _ in seen if w in SYSCALL_PATH + INTERRUPT_PATH]
            switches = [v for _, w, v in seen if w == "arch_switch_threads"]
            submits = [v for _, w, v in seen if w == "uring::Ring::submit"]
            order = [w for _, w, _ in seen]
            pollers = {v["next"] for v in switches if v["prev"] == program}
            poller = next(iter(pollers)) if len(pollers) == 1 else None
            ran = [v["t"] for v in switches]
            poller_t = ran[1] - ran[0] if len(ran) == 2 else 0
            total = end["t"] - begin["t"]
            summary[label] = (len(swaps), len(switches), len(submits), poller)
            claim(len(switches) == 2 and poller not in (None, program) and switches[0]["prev"] == program
                  and switches[1]["prev"] == poller and switches[1]["next"] == program,
                  "%s: one switch from the program (%#x) to another thread (%s) and one back" % (
                      label, program, "%#x" % poller if poller else "none"))
            claim(len(submits) == 1 and poller is not None and submits[0]["current_task"] == poller
                  and len(ran) == 2 and ran[0] < submits[0]["t"] < ran[1],
                  "%s: that thread, the poller, submits, once, between the two switches" % label)
            if label != "wake":
                n = int(label[6:])
                claim(begin["count"] == n and end["count"] == n and not begin["sq_flags"] & SQ_NEED_WAKEUP,
                      "%s: the poller was awake (NEED_WAKEUP clear); %d NOPs queued, %d CQEs seen"
                      % (label, begin["count"], end["count"]))
                claim(not syscalls, "%s: no system call between the first submission and the last completion"
                      " (syscall_entry reached %d times)" % (label, len(syscalls)))
                claim(swaps and all(w in INTERRUPT_PATH for w in swaps) and paired(swaps),
                      "%s: %d swapgs, all on the interrupt path, in pairs (trap_common, then trap_return):"
                      " %d timer interrupts from ring 3" % (label, len(swaps), len(swaps) // 2))
                claim(total > 0 and poller_t > 0,
                      "%s: %d instructions from the tail store to the last CQE; the poller's turn: %d (%d per NOP)"
                      % (label, total, poller_t, poller_t // max(n, 1)))
            else:
                claim(begin["count"] == 1 and begin["sq_flags"] & SQ_NEED_WAKEUP and end["count"] == 1,
                      "wake: the program saw NEED_WAKEUP set before it entered; 1 CQE at the end")
                claim(len(syscalls) == 1 and syscalls[0]["rax"] == IO_URING_ENTER
                      and syscalls[0]["r10"] & ENTER_SQ_WAKEUP,
                      "wake: one system call, io_uring_enter (%s) with IORING_ENTER_SQ_WAKEUP in its flags (r10 %s)"
                      % (syscalls[0]["rax"] if syscalls else "-", syscalls[0]["r10"] if syscalls else "-"))
                claim(not end["sq_flags"] & SQ_NEED_WAKEUP, "wake: NEED_WAKEUP clear again once the poller ran")
            claim(order[-5:] == LAST_INTERRUPT,
                  "%s: the last of those interrupts let the poller run: %s" % (label, ", ".join(LAST_INTERRUPT)))
        small, large = (summary.get("burst-%d" % n) for n in BURSTS)
        if small and large:
            claim(small[1:3] == large[1:3] and abs(large[0] - small[0]) <= 2,
                  "a burst of %d NOPs costs the same switches (%d) and submissions (%d) as a burst of %d, and as many"
                  " swapgs (%d, and %d), give or take one interrupt's pair: they follow the time slice, not the burst"
                  % (BURSTS[1], large[1], large[2], BURSTS[0], large[0], small[0]))
        wake = summary.get("wake")
        if small and wake:
            claim(wake[3] == small[3], "the thread woken is the poller of the bursts (%s)"
                  % ("%#x" % wake[3] if wake[3] else "none"))
    except KeyError as e:
        claim(False, "a value is missing from the SQPOLL windows: %s" % e)
    claim(re.search(r"^%s: idle, the poller set NEED_WAKEUP: yes; io_uring_enter\(1, SQ_WAKEUP\) = 1, 1 CQE" % PROGRAM,
                    console, re.M), "%s ran to its end: its bursts and its wake-up completed" % PROGRAM)
    return results


def paired(swaps):
    """Each swapgs in turn: trap_common, trap_return, trap_common... (a pair per interrupt)."""
    return len(swaps) % 2 == 0 and all(w == INTERRUPT_PATH[i % 2] for i, w in enumerate(swaps))
