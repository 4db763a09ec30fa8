#!/usr/bin/env python3
"""Where one system call's instructions go: stepped in Bochs, counted by function.

    syscall_profile.py CHAPTER PROGRAM SYMBOL [--hit N] [--lines]

The benchmark tables (tools/bench.py) say how many instructions an operation
costs; this says where they go. It boots build/CHAPTER/bench-PROGRAM.iso
(the chapter's kernel with PROGRAM as its only module, as `make bench`
makes it) in the Bochs debugger and:

1. stops at the N-th call of the kernel function SYMBOL (default 10: past
   the program's set-up and warm-up), e.g. sys_io_uring_enter;
2. stops at syscall_entry: the program's next system call, the one measured;
3. steps it with `trace on`, one instruction at a time, until the CPU is back
   in ring 3, and attributes every instruction to its function (self: in the
   function itself; total: with the functions it calls; calls: how often it
   was entered) and, with --lines, to its source line (addr2line).

The counts are exact and the same on every run: Bochs is deterministic. The
whole transcript is kept in build/CHAPTER/profile/steps.txt and the tables
in build/CHAPTER/profile/SYMBOL.txt. For example, one NOP per enter:

    tools/syscall_profile.py 06-io_uring uring-bench sys_io_uring_enter
"""
import argparse
import collections
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import trace  # noqa: E402  (tools/trace.py: the Bochs debugger, driven through a pipe)

# With `trace on`, each executed instruction is a line such as
# (0).[449345957] [0x000000106097] 0008:ffffffff80106097 (syscall_entry+3): mov ... ; 6548...
STEP = re.compile(r"^\(0\)\.\[(\d+)\] \[0x[0-9a-f]+\] ([0-9a-f]{4}):([0-9a-f]+) \((.*?)\+[0-9a-f]+\): (.*?)\s*;",
                  re.M)
KERNEL_CS = "0008"
CHUNK = 1000  # instructions stepped per debugger command


def kernel_symbols(chapter):
    """{name as in kernel.sym (mangled): address}."""
    found = {}
    with open(os.path.join(ROOT, "build", chapter, "kernel.sym")) as f:
        for line in f:
            address, name = line.split(" ", 1)
            found[name.strip()] = int(address, 16)
    return found


def demangle(names):
    out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True).stdout
    return dict(zip(names, out.split("\n")))


def step_one_syscall(chapter, program, symbol, hit):
    """Bochs: to the hit-th call of SYMBOL, then the next syscall_entry, then
    step until ring 3. Returns the kernel's steps as (address, function, instruction)."""
    iso_name = "bench-" + program
    make = ["make", "--no-print-directory", "-s", "-f", "tools/kernel.mk", "CHAPTER=" + chapter,
            "ISO_NAME=" + iso_name, "PROGRAMS=" + program, "CMDLINE=", "iso", "all"]
    if subprocess.run(make, cwd=ROOT).returncode != 0:
        sys.exit("profile: building %s.iso failed" % iso_name)
    symbols = kernel_symbols(chapter)
    matches = sorted(n for n in symbols if n == symbol or re.search(r"\d%s[A-Z]" % re.escape(symbol), n))
    if len(matches) != 1 or "syscall_entry" not in symbols:
        sys.exit("profile: '%s' names %s in build/%s/kernel.sym (need exactly one), and syscall_entry is %s" % (
            symbol, matches or "nothing", chapter, "there" if "syscall_entry" in symbols else "missing"))
    workdir = os.path.join(ROOT, "build", chapter, "profile")
    os.makedirs(workdir, exist_ok=True)
    bochs = trace.Bochs(os.path.join(ROOT, "build", chapter, iso_name + ".iso"), workdir)
    try:
        bochs.command('ldsym global "%s"' % os.path.join(ROOT, "build", chapter, "kernel.sym"))
        bochs.break_at(symbols[matches[0]])
        for _ in range(hit):
            bochs.cont()
        bochs.break_at(symbols["syscall_entry"])
        bochs.cont()
        bochs.break_at()  # none: the steps below must not stop at the next call
        bochs.command("trace on")
        steps, text, in_kernel = [], [], True
        while in_kernel and len(steps) < 200 * CHUNK:
            out = bochs.command("s %d" % CHUNK, timeout=120) or ""
            text.append(out)
            chunk = STEP.findall(out)
            in_kernel = bool(chunk)  # no steps: Bochs stopped or exited
            for _, cs, rip, function, instruction in chunk:
                if cs != KERNEL_CS:  # back in the program: the call is over
                    in_kernel = False
                    break
                steps.append((int(rip, 16), function, instruction))
    finally:
        bochs.kill()
    with open(os.path.join(workdir, "steps.txt"), "w") as f:
        f.write("".join(text))
    return steps


def by_function(steps):
    """{function: [self, total, calls]}, following call and ret."""
    names = demangle(sorted({f for _, f, _ in steps}))
    table = collections.defaultdict(lambda: [0, 0, 0])
    stack = []
    for i, (_, function, instruction) in enumerate(steps):
        name = names[function]
        table[name][0] += 1
        for caller in set(stack + [name]):
            table[caller][1] += 1
        if instruction.startswith("call"):
            stack.append(name)
            if i + 1 < len(steps):
                table[names[steps[i + 1][1]]][2] += 1
        elif instruction.startswith("ret") and stack:
            stack.pop()
    return table


def by_line(chapter, steps):
    """{source file:line: instructions}."""
    addresses = sorted({a for a, _, _ in steps})
    out = subprocess.run(["addr2line", "-e", os.path.join(ROOT, "build", chapter, "kernel.elf")]
                         + ["%x" % a for a in addresses], capture_output=True, text=True).stdout.split("\n")
    where = {a: re.sub(r".*/src/", "", out[i]).split(" ")[0] for i, a in enumerate(addresses)}
    return collections.Counter(where[a] for a, _, _ in steps)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("chapter")
    parser.add_argument("program")
    parser.add_argument("symbol")
    parser.add_argument("--hit", type=int, default=10)
    parser.add_argument("--lines", action="store_true")
    args = parser.parse_args()
    steps = step_one_syscall(args.chapter, args.program, args.symbol, args.hit)
    # The first line names what was profiled and nothing that a change of
    # code could change: a page that quotes this file finds it by that line.
    lines = ["Profile of one system call of %s in %s, the one after call %d of %s (tools/syscall_profile.py)" % (
                 args.program, args.chapter, args.hit, args.symbol),
             "%d kernel instructions from syscall_entry to sysret" % len(steps), "",
             "%-64s %6s %6s %5s" % ("function", "self", "total", "calls")]
    for name, (own, total, calls) in sorted(by_function(steps).items(), key=lambda kv: (-kv[1][1], kv[0])):
        lines.append("%-64s %6d %6d %5d" % (name[:64], own, total, calls))
    if args.lines:
        lines += ["", "%-64s %6s" % ("source line", "instructions")]
        for where, count in by_line(args.chapter, steps).most_common():
            lines.append("%-64s %6d" % (where, count))
    out = os.path.join(ROOT, "build", args.chapter, "profile", args.symbol + ".txt")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    print("\nprofile: %s" % os.path.relpath(out, ROOT))


if __name__ == "__main__":
    main()
